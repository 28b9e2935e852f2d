//! Process-level tests of the warm-start store, as the contract demands: a writer
//! killed with SIGKILL at random moments (rule 10, 21), a reader racing an
//! overwriting writer (rule 11), four processes on one key (rule 22), and a disk
//! that fills up (rule 12, 26).
//!
//! The child processes are this test binary run again: the parent runs
//! `current_exe() --exact <child fn> --ignored --nocapture --test-threads=1` with
//! `WARMSTART_CHILD_ROLE` naming that function. The child functions are ignored
//! tests that return at once unless the variable names them, so `--include-ignored`
//! on its own does nothing harmful.
//!
//! Payloads check themselves: a header with a sequence number, the body length and
//! the SHA-256 of the body. A test can tell an intact payload without knowing which
//! write it came from, and the sequence number is also saved as the entry's
//! iteration, so a payload paired with another write's metadata is caught even
//! apart from the store's own checksum.
//!
//! Randomness comes from a xorshift seeded from the clock; every test prints its
//! seed, and `WARMSTART_TEST_SEED=<n>` replays one.

// The tests report counts, timings and seeds; the children report to their parent on stdout.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};
use warmstart::{Durability, EntryKind, Fingerprint, Fingerprinter, Session, StoreError, StoreOptions, WarmStartStore};

// ---------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------

/// Which child function a re-executed test binary should act as.
const ROLE_ENV: &str = "WARMSTART_CHILD_ROLE";
/// The store root the child works on.
const ROOT_ENV: &str = "WARMSTART_CHILD_ROOT";
/// `name=value` pairs, space separated, with the child's parameters.
const ARGS_ENV: &str = "WARMSTART_CHILD_ARGS";
/// Replays a run: the seed every test prints.
const SEED_ENV: &str = "WARMSTART_TEST_SEED";

/// What a child prints once it is about to write.
const READY: &str = "WARMSTART-CHILD-READY";

/// The tests here each load the machine fully (several processes, fsyncs); run
/// them one at a time so that their timings mean something.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

/// xorshift64, seeded through splitmix64.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        Rng((z ^ (z >> 31)) | 1)
    }

    fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn test_seed() -> u64 {
    if let Some(seed) = std::env::var(SEED_ENV).ok().and_then(|s| s.parse().ok()) {
        return seed;
    }
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos() as u64;
    nanos ^ (u64::from(std::process::id()) << 40)
}

fn test_key(name: &str) -> Fingerprint {
    let mut f = Fingerprinter::new();
    f.absorb_str(b"warmstart-process-test", name);
    f.finalize()
}

fn options(durability: Durability, size_budget_bytes: u64) -> StoreOptions {
    StoreOptions {
        size_budget_bytes,
        durability,
        ..StoreOptions::default()
    }
}

const MAGIC: &[u8; 8] = b"WSTEST01";
const HEADER_LEN: usize = 8 + 8 + 8 + 32;

/// `MAGIC | seq (u64 LE) | body length (u64 LE) | SHA-256 of body | body`, the
/// body pseudo-random.
fn make_payload(seq: u64, body_len: usize, rng: &mut Rng) -> Vec<u8> {
    let mut p = vec![0u8; HEADER_LEN + body_len];
    p[..8].copy_from_slice(MAGIC);
    p[8..16].copy_from_slice(&seq.to_le_bytes());
    p[16..24].copy_from_slice(&(body_len as u64).to_le_bytes());
    for chunk in p[HEADER_LEN..].chunks_mut(8) {
        let word = rng.next_u64().to_le_bytes();
        chunk.copy_from_slice(&word[..chunk.len()]);
    }
    let digest = Sha256::digest(&p[HEADER_LEN..]);
    p[24..HEADER_LEN].copy_from_slice(&digest);
    p
}

/// The sequence number of an intact payload, or what is wrong with it.
fn check_payload(p: &[u8]) -> Result<u64, String> {
    if p.len() < HEADER_LEN {
        return Err(format!("payload of {} bytes is shorter than the header", p.len()));
    }
    if &p[..8] != MAGIC {
        return Err("payload does not start with the magic".into());
    }
    let seq = u64::from_le_bytes(p[8..16].try_into().unwrap());
    let body_len = u64::from_le_bytes(p[16..24].try_into().unwrap());
    if body_len != (p.len() - HEADER_LEN) as u64 {
        return Err(format!(
            "payload {seq}: header says {body_len} body bytes, found {}",
            p.len() - HEADER_LEN
        ));
    }
    if Sha256::digest(&p[HEADER_LEN..]).as_slice() != &p[24..HEADER_LEN] {
        return Err(format!("payload {seq}: body does not match its SHA-256"));
    }
    Ok(seq)
}

/// Checks a looked-up entry: intact payload, and metadata from the same write.
fn check_entry(e: &warmstart::CachedEntry) -> Result<u64, String> {
    let seq = check_payload(&e.payload)?;
    if e.iteration != Some(seq) {
        return Err(format!(
            "payload {seq} came back with the metadata of iteration {:?}",
            e.iteration
        ));
    }
    Ok(seq)
}

/// Names of the files in a directory (empty if it does not exist).
fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = match fs::read_dir(dir) {
        Ok(rd) => rd.filter_map(|e| e.ok()?.file_name().into_string().ok()).collect(),
        Err(_) => Vec::new(),
    };
    names.sort();
    names
}

fn is_tmp(name: &str) -> bool {
    name.starts_with(".tmp.")
}

/// Every `.tmp.` file anywhere under `root`.
fn tmp_files_under(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(rd) = fs::read_dir(&dir) else { continue };
        for e in rd.flatten() {
            let path = e.path();
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(path);
            } else if e.file_name().to_str().is_some_and(is_tmp) {
                out.push(path);
            }
        }
    }
    out
}

/// Payload files of a key directory that no metadata file names.
fn unreferenced_payloads(dir: &Path) -> Vec<String> {
    let names = names_in(dir);
    let referenced: BTreeSet<String> = names
        .iter()
        .filter(|n| n.ends_with(".meta.json"))
        .filter_map(|n| {
            let v: serde_json::Value = serde_json::from_slice(&fs::read(dir.join(n)).ok()?).ok()?;
            Some(v["payload_file"].as_str()?.to_owned())
        })
        .collect();
    names
        .into_iter()
        .filter(|n| n.ends_with(".payload") && !referenced.contains(n))
        .collect()
}

/// The pid of the process that wrote a temporary or payload file, from its name
/// (`.tmp.<pid>-<start>-...` or `<run_id>.<pid>-<start>-....payload`).
fn writer_pid(name: &str) -> Option<u32> {
    let unique = match name.strip_prefix(".tmp.") {
        Some(rest) => rest,
        None => name.split('.').nth(1)?,
    };
    unique.split('-').next()?.parse().ok()
}

/// Bytes of the files in a key directory.
fn dir_bytes(dir: &Path) -> u64 {
    names_in(dir)
        .iter()
        .filter_map(|n| fs::symlink_metadata(dir.join(n)).ok())
        .map(|m| m.len())
        .sum()
}

// ---------------------------------------------------------------------------
// Child processes
// ---------------------------------------------------------------------------

/// A re-executed test binary acting as a child role. Killed and reaped on drop,
/// so that no test leaves a process behind, even when it fails.
struct Proc {
    role: &'static str,
    child: Child,
    lines: Receiver<String>,
    stderr: Option<JoinHandle<String>>,
}

impl Proc {
    fn spawn(role: &'static str, root: &Path, args: &str) -> Proc {
        let exe = std::env::current_exe().expect("path of the test binary");
        let mut child = Command::new(exe)
            .args(["--exact", role, "--ignored", "--nocapture", "--test-threads=1"])
            .env(ROLE_ENV, role)
            .env(ROOT_ENV, root)
            .env(ARGS_ENV, args)
            .env_remove("RUST_TEST_THREADS")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("spawning child {role}: {e}"));
        // Readers on threads, so that neither pipe can fill up and block the
        // child, and so that the parent can wait with a timeout.
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut stderr_pipe = child.stderr.take().expect("piped stderr");
        let stderr = Some(thread::spawn(move || {
            let mut s = String::new();
            let _ = stderr_pipe.read_to_string(&mut s);
            s
        }));
        Proc {
            role,
            child,
            lines,
            stderr,
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for a line of stdout starting with `prefix`; panics (with the
    /// child's stderr) if the child ends or the timeout passes first.
    fn expect_line(&mut self, prefix: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if let Some(at) = line.find(prefix) => return line[at..].to_owned(),
                Ok(_) => {}
                Err(RecvTimeoutError::Timeout) => self.fail(&format!("printed no {prefix:?} within {timeout:?}")),
                Err(RecvTimeoutError::Disconnected) => self.fail(&format!("ended before printing {prefix:?}")),
            }
        }
    }

    /// Kills and reaps the child, then panics with `what` and its stderr.
    fn fail(&mut self, what: &str) -> ! {
        let status = self.kill();
        let stderr = self.take_stderr();
        panic!(
            "child {} (pid {}) {what} ({status}); stderr:\n{stderr}",
            self.role,
            self.pid()
        );
    }

    fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// SIGKILL and reap.
    fn kill(&mut self) -> ExitStatus {
        let _ = self.child.kill();
        self.child.wait().expect("reaping a killed child")
    }

    /// Waits for the child to end; kills it and panics after `timeout`.
    fn wait(&mut self, timeout: Duration) -> ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("polling a child") {
                return status;
            }
            if Instant::now() >= deadline {
                self.fail(&format!("still running after {timeout:?}"));
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// The child's whole stderr; call only once it has ended.
    fn take_stderr(&mut self) -> String {
        self.stderr
            .take()
            .map(|h| h.join().unwrap_or_default())
            .unwrap_or_default()
    }

    /// All the lines the child printed; call only once it has ended.
    fn remaining_lines(&mut self) -> Vec<String> {
        self.lines.iter().collect()
    }

    /// What follows `prefix` in the first remaining line holding it (libtest
    /// prints `test <name> ... ` in front of the child's first line).
    fn remaining_after(&mut self, prefix: &str) -> Option<String> {
        self.remaining_lines()
            .iter()
            .find_map(|l| Some(l[l.find(prefix)? + prefix.len()..].to_owned()))
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// The parameters of a child, if this process was started as `role`.
struct ChildEnv {
    root: PathBuf,
    args: HashMap<String, String>,
}

impl ChildEnv {
    fn get(role: &str) -> Option<ChildEnv> {
        if std::env::var(ROLE_ENV).ok()? != role {
            return None;
        }
        let root = PathBuf::from(std::env::var_os(ROOT_ENV).expect("child without a store root"));
        let args = std::env::var(ARGS_ENV)
            .unwrap_or_default()
            .split_whitespace()
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        Some(ChildEnv { root, args })
    }

    fn num(&self, name: &str) -> u64 {
        self.args
            .get(name)
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("child argument {name} missing in {:?}", self.args))
    }

    fn store(&self, opts: StoreOptions) -> WarmStartStore {
        WarmStartStore::open(self.root.clone(), opts).expect("child opening the store")
    }
}

fn say(line: &str) {
    let mut out = io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

// ---------------------------------------------------------------------------
// a. kill -9 at random moments
// ---------------------------------------------------------------------------

const KILL9_ITERATIONS: u64 = 300;
const KILL9_MAX_SLEEP_MICROS: u64 = 15_000;
const KILL9_BUDGET: u64 = 16 << 20;
const KILL9_SLOT: &str = "kill9-shared-slot";

/// Mostly small payloads, a good share of 1 MiB ones so that kills land mid-write.
fn kill9_body_len(rng: &mut Rng) -> usize {
    let len = match rng.below(8) {
        0..=2 => rng.below(1024),
        3 => 4096 + rng.below(60_000),
        4..=5 => (256 << 10) + rng.below(256 << 10),
        _ => (1 << 20) - rng.below(4096),
    };
    len as usize
}

#[test]
#[ignore = "child process of kill9_writer_never_leaves_a_bad_entry"]
fn child_kill9_writer() {
    let Some(env) = ChildEnv::get("child_kill9_writer") else {
        return;
    };
    let store = env.store(options(Durability::Full, KILL9_BUDGET));
    let key = test_key("kill9");
    let mut rng = Rng::new(env.num("seed"));
    let session = Session::open(store.clone(), key);
    // Later writes have lower objectives, so a lookup after the kill returns
    // the last write that completed (or the one the kill interrupted).
    let mut seq = env.num("iteration") << 32;
    say(READY);
    loop {
        seq += 1;
        let objective = Some(1e12 - seq as f64);
        let payload = make_payload(seq, kill9_body_len(&mut rng), &mut rng);
        match rng.below(4) {
            0 => {
                store
                    .save(&key, &payload, objective, Some(seq), EntryKind::Checkpoint)
                    .expect("save");
            }
            1 => store
                .save_overwrite(&key, KILL9_SLOT, &payload, objective, Some(seq), EntryKind::Final)
                .expect("save_overwrite"),
            2 => assert!(
                session.checkpoint(&payload, objective, Some(seq)),
                "an improving checkpoint did not write: {:?}",
                session.take_error()
            ),
            _ => assert!(
                session.finalize(&payload, objective, Some(seq)),
                "finalize did not write: {:?}",
                session.take_error()
            ),
        }
    }
}

/// Rules 10 and 21: a writer killed at any instant leaves the previous state or
/// the complete new entry, and housekeeping removes its temporary files.
#[test]
fn kill9_writer_never_leaves_a_bad_entry() {
    let _serial = serial();
    let seed = test_seed();
    println!("kill9: seed {seed} (replay with {SEED_ENV}={seed})");
    let mut rng = Rng::new(seed);
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("store");
    let store = WarmStartStore::open(root.clone(), options(Durability::Full, KILL9_BUDGET)).unwrap();
    let key = test_key("kill9");
    let dir = store.key_dir(&key);

    let started = Instant::now();
    let (mut kills, mut hits, mut misses, mut left_tmp, mut left_orphans) = (0u64, 0u64, 0u64, 0u64, 0u64);
    let mut last_seq = None;
    for iteration in 1..=KILL9_ITERATIONS {
        let mut child = Proc::spawn(
            "child_kill9_writer",
            &root,
            &format!("iteration={iteration} seed={}", rng.next_u64()),
        );
        child.expect_line(READY, Duration::from_secs(30));
        thread::sleep(Duration::from_micros(rng.below(KILL9_MAX_SLEEP_MICROS + 1)));
        assert!(
            child.is_running(),
            "iteration {iteration}: the writer ended on its own; stderr:\n{}",
            child.take_stderr()
        );
        let status = child.kill();
        assert_eq!(
            std::os::unix::process::ExitStatusExt::signal(&status),
            Some(libc::SIGKILL),
            "iteration {iteration}: writer was not killed by SIGKILL ({status}); stderr:\n{}",
            child.take_stderr()
        );
        kills += 1;

        let pid = child.pid();
        if names_in(&dir).iter().any(|n| is_tmp(n) && writer_pid(n) == Some(pid)) {
            left_tmp += 1;
        }
        if unreferenced_payloads(&dir).iter().any(|n| writer_pid(n) == Some(pid)) {
            left_orphans += 1;
        }
        match store.lookup(&key) {
            Ok(Some(e)) => {
                let seq = check_entry(&e).unwrap_or_else(|m| {
                    panic!("iteration {iteration}: lookup after kill -9 returned a bad entry: {m}")
                });
                last_seq = Some(seq);
                hits += 1;
            }
            Ok(None) => misses += 1,
            Err(e) => panic!("iteration {iteration}: lookup after kill -9 failed: {e}"),
        }
        store
            .evict_overflow()
            .unwrap_or_else(|e| panic!("iteration {iteration}: housekeeping failed: {e}"));
        let left: Vec<String> = names_in(&dir).into_iter().filter(|n| is_tmp(n)).collect();
        assert!(
            left.is_empty(),
            "iteration {iteration}: housekeeping left temporary files of the dead writer (pid {}): {left:?}",
            child.pid()
        );
    }
    let elapsed = started.elapsed();

    // Payloads renamed into place by a writer killed before its metadata switch
    // are removed once their dead writer's grace period has passed.
    thread::sleep(Duration::from_millis(2_500));
    store.evict_overflow().unwrap();
    let orphans = unreferenced_payloads(&dir);
    assert!(orphans.is_empty(), "payloads of dead writers left behind: {orphans:?}");
    assert!(tmp_files_under(&root).is_empty());

    println!(
        "kill9: {kills} kills in {elapsed:.1?} ({:.1} ms each); lookups after a kill: {hits} entries verified, \
         {misses} empty; {left_tmp} kills left the dead writer's temp files and {left_orphans} its unreferenced \
         payloads, all swept; last entry seen (child, write): {:?}",
        elapsed.as_secs_f64() * 1e3 / kills as f64,
        last_seq.map(|s| (s >> 32, s & 0xffff_ffff))
    );
    assert!(kills >= 200);
    if !cfg!(debug_assertions) {
        assert!(elapsed < Duration::from_secs(120), "{kills} kills took {elapsed:?}");
    }
}

// ---------------------------------------------------------------------------
// b. rule 11: a reader racing save_overwrite of the same slot
// ---------------------------------------------------------------------------

const RULE11_SLOT: &str = "rule11-slot";
const RULE11_WRITER_MILLIS: u64 = 3_500;

#[test]
#[ignore = "child process of rule11_reader_never_sees_mixed_or_missing_entry"]
fn child_rule11_writer() {
    let Some(env) = ChildEnv::get("child_rule11_writer") else {
        return;
    };
    // Relaxed: no fsync, so the slot is overwritten as often as possible and the
    // reader meets as many overwrites in flight as it can. The protocol (unique
    // payload names, metadata rename as the switch) is the same either way.
    let store = env.store(options(Durability::Relaxed, u64::MAX));
    let key = test_key("rule11");
    let mut rng = Rng::new(env.num("seed"));
    let deadline = Instant::now() + Duration::from_millis(env.num("millis"));
    let mut seq = 0;
    loop {
        seq += 1;
        let payload = make_payload(seq, 1024 + rng.below(256 << 10) as usize, &mut rng);
        store
            .save_overwrite(
                &key,
                RULE11_SLOT,
                &payload,
                Some(seq as f64),
                Some(seq),
                EntryKind::Checkpoint,
            )
            .expect("save_overwrite");
        if seq == 1 {
            say("FIRST");
        }
        if Instant::now() >= deadline {
            break;
        }
    }
    say(&format!("LAST {seq}"));
}

/// Rule 11: a reader never sees old metadata with a new payload (or the
/// reverse), never finds the slot empty once it was written, and never deletes
/// the writer's entry.
#[test]
fn rule11_reader_never_sees_mixed_or_missing_entry() {
    let _serial = serial();
    let seed = test_seed();
    println!("rule11: seed {seed} (replay with {SEED_ENV}={seed})");
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("store");
    let store = WarmStartStore::open(root.clone(), options(Durability::Relaxed, u64::MAX)).unwrap();
    let key = test_key("rule11");

    let mut writer = Proc::spawn(
        "child_rule11_writer",
        &root,
        &format!("seed={seed} millis={RULE11_WRITER_MILLIS}"),
    );
    writer.expect_line("FIRST", Duration::from_secs(30));

    let started = Instant::now();
    let (mut lookups, mut versions, mut last) = (0u64, 0u64, 0u64);
    while writer.is_running() {
        let e = store
            .lookup(&key)
            .unwrap_or_else(|e| panic!("lookup {lookups} failed: {e}"))
            .unwrap_or_else(|| panic!("lookup {lookups} found nothing although the slot was written"));
        let seq = check_entry(&e).unwrap_or_else(|m| panic!("lookup {lookups}: {m}"));
        assert_eq!(e.run_id, RULE11_SLOT);
        assert!(
            seq >= last,
            "lookup {lookups} went back from write {last} to write {seq}"
        );
        if seq != last {
            versions += 1;
            last = seq;
        }
        lookups += 1;
    }
    let elapsed = started.elapsed();
    let status = writer.wait(Duration::from_secs(30));
    let stderr = writer.take_stderr();
    assert!(status.success(), "writer failed ({status}):\n{stderr}");
    let written: u64 = writer
        .remaining_after("LAST ")
        .and_then(|n| n.trim().parse().ok())
        .expect("writer reported its last write");

    let e = store.lookup(&key).unwrap().expect("the writer's entry is still there");
    assert_eq!(
        check_entry(&e),
        Ok(written),
        "lookup returned not the writer's last write"
    );
    let dir = store.key_dir(&key);
    let names = names_in(&dir);
    assert_eq!(
        names.iter().filter(|n| n.ends_with(".meta.json")).count(),
        1,
        "one slot, one metadata file: {names:?}"
    );
    assert!(unreferenced_payloads(&dir).is_empty(), "old payloads left: {names:?}");
    assert!(tmp_files_under(&root).is_empty());

    println!(
        "rule11: {lookups} lookups in {elapsed:.1?} against {written} overwrites, {versions} distinct versions seen; \
         no bad, mixed or missing entry"
    );
    // Thousands of each in a release build; a debug build does far fewer.
    assert!(
        lookups >= 50 && versions >= 5,
        "the reader and the writer hardly overlapped"
    );
}

// ---------------------------------------------------------------------------
// c. rule 22: four processes on one key
// ---------------------------------------------------------------------------

const RULE22_WORKERS: u64 = 4;
const RULE22_SLOTS: u64 = 3;
const RULE22_FINAL_SEQ: u64 = 7 << 56;
const RULE22_FINAL_OBJECTIVE: f64 = 0.5;
/// Phase 1: nothing is ever over budget, so nothing may disappear.
const RULE22_BIG_BUDGET: u64 = 1 << 30;
/// Phase 2: a few payloads fill the budget, so eviction runs all the time.
const RULE22_SMALL_BUDGET: u64 = 256 << 10;

#[test]
#[ignore = "child process of rule22_four_processes_on_one_key"]
fn child_rule22_worker() {
    let Some(env) = ChildEnv::get("child_rule22_worker") else {
        return;
    };
    let phase = env.num("phase");
    let worker = env.num("worker");
    let store = env.store(options(Durability::Full, env.num("budget")));
    let shared = test_key("rule22-shared");
    let final_key = test_key("rule22-final");
    let mut rng = Rng::new(env.num("seed"));
    let session = Session::open(store.clone(), shared);
    let deadline = Instant::now() + Duration::from_millis(env.num("millis"));
    let max_body = if phase == 1 { 64 << 10 } else { 96 << 10 };

    let mut counts = BTreeMap::<&str, u64>::new();
    let mut seq = (worker + 1) << 40;
    while Instant::now() < deadline {
        seq += 1;
        let mut body_len = rng.below(max_body) as usize;
        if rng.below(20) == 0 {
            body_len = 512 << 10;
        }
        let objective = Some(rng.unit());
        let kind = if rng.below(2) == 0 {
            EntryKind::Checkpoint
        } else {
            EntryKind::Final
        };
        let op = rng.below(100);
        if op < 30 {
            let payload = make_payload(seq, body_len, &mut rng);
            store
                .save(&shared, &payload, objective, Some(seq), kind)
                .unwrap_or_else(|e| panic!("worker {worker}: save failed: {e}"));
            *counts.entry("saves").or_default() += 1;
        } else if op < 55 {
            let payload = make_payload(seq, body_len, &mut rng);
            let slot = format!("shared-slot-{}", rng.below(RULE22_SLOTS));
            store
                .save_overwrite(&shared, &slot, &payload, objective, Some(seq), kind)
                .unwrap_or_else(|e| panic!("worker {worker}: save_overwrite of {slot} failed: {e}"));
            *counts.entry("overwrites").or_default() += 1;
        } else if op < 60 {
            let payload = make_payload(seq, body_len, &mut rng);
            if session.checkpoint(&payload, objective, Some(seq)) {
                *counts.entry("checkpoints").or_default() += 1;
            }
            if let Some(e) = session.take_error() {
                panic!("worker {worker}: session checkpoint failed: {e}");
            }
        } else if op < 92 {
            let found = store
                .lookup(&shared)
                .unwrap_or_else(|e| panic!("worker {worker}: lookup failed: {e}"));
            *counts.entry("lookups").or_default() += 1;
            match found {
                Some(e) => {
                    check_entry(&e).unwrap_or_else(|m| panic!("worker {worker}: lookup returned a bad entry: {m}"));
                    if phase == 1 {
                        // The Final with objective 0.5 is always there, so
                        // nothing worse may ever be the best.
                        let o = e.objective.expect("every entry has an objective");
                        assert!(
                            o <= RULE22_FINAL_OBJECTIVE + 1e-12,
                            "worker {worker}: best entry has objective {o}: the Final of the shared key disappeared"
                        );
                    }
                    *counts.entry("hits").or_default() += 1;
                }
                None => assert!(phase != 1, "worker {worker}: the shared key lost every entry"),
            }
            if phase == 1 {
                let e = store
                    .lookup(&final_key)
                    .unwrap_or_else(|e| panic!("worker {worker}: lookup of the final key failed: {e}"))
                    .unwrap_or_else(|| panic!("worker {worker}: the completed Final entry disappeared"));
                assert_eq!(
                    check_entry(&e),
                    Ok(RULE22_FINAL_SEQ),
                    "worker {worker}: Final entry changed"
                );
                assert_eq!(e.kind, EntryKind::Final);
                *counts.entry("final-lookups").or_default() += 1;
            }
        } else {
            store
                .evict_overflow()
                .unwrap_or_else(|e| panic!("worker {worker}: evict_overflow failed: {e}"));
            *counts.entry("evictions").or_default() += 1;
        }
    }
    if let Some(e) = session.take_error() {
        panic!("worker {worker}: session failed: {e}");
    }
    let report: Vec<String> = counts.iter().map(|(k, v)| format!("{k}={v}")).collect();
    say(&format!("REPORT {}", report.join(" ")));
}

/// Runs the workers of one phase to their end; returns the summed counts.
fn run_rule22_phase(phase: u64, root: &Path, budget: u64, millis: u64, seed: u64) -> BTreeMap<String, u64> {
    let mut workers: Vec<Proc> = (0..RULE22_WORKERS)
        .map(|w| {
            Proc::spawn(
                "child_rule22_worker",
                root,
                &format!(
                    "phase={phase} worker={w} budget={budget} millis={millis} seed={}",
                    seed ^ (w + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15)
                ),
            )
        })
        .collect();
    let mut failures = Vec::new();
    let mut totals = BTreeMap::new();
    for (w, p) in workers.iter_mut().enumerate() {
        let status = p.wait(Duration::from_millis(millis) + Duration::from_secs(60));
        let stderr = p.take_stderr();
        if !status.success() {
            failures.push(format!("worker {w} ({status}):\n{stderr}"));
            continue;
        }
        let report = p
            .remaining_after("REPORT ")
            .unwrap_or_else(|| panic!("worker {w} did not report:\n{stderr}"));
        for (k, v) in report.split_whitespace().filter_map(|kv| kv.split_once('=')) {
            *totals.entry(k.to_owned()).or_insert(0) += v.parse::<u64>().unwrap();
        }
    }
    assert!(failures.is_empty(), "phase {phase}: {}", failures.join("\n"));
    totals
}

/// Rule 22: four processes saving, overwriting, looking up and evicting on one
/// key never make a lookup return a bad payload, never make a save fail, and
/// never make a completed Final within budget and TTL disappear.
#[test]
fn rule22_four_processes_on_one_key() {
    let _serial = serial();
    let seed = test_seed();
    println!("rule22: seed {seed} (replay with {SEED_ENV}={seed})");
    let mut rng = Rng::new(seed);
    let tmp = tempfile::tempdir().unwrap();
    let shared = test_key("rule22-shared");
    let final_key = test_key("rule22-final");

    // Phase 1: a budget far above what the workers write. A Final on its own key
    // and a Final on the shared key (objective 0.5, while the workers write
    // objectives uniform in [0, 1)) must stay for the whole run.
    let root = tmp.path().join("store-big-budget");
    let store = WarmStartStore::open(root.clone(), options(Durability::Full, RULE22_BIG_BUDGET)).unwrap();
    let final_payload = make_payload(RULE22_FINAL_SEQ, 20_000, &mut rng);
    let final_run = store
        .save(
            &final_key,
            &final_payload,
            Some(RULE22_FINAL_OBJECTIVE),
            Some(RULE22_FINAL_SEQ),
            EntryKind::Final,
        )
        .unwrap();
    let shared_final_run = store
        .save(
            &shared,
            &final_payload,
            Some(RULE22_FINAL_OBJECTIVE),
            Some(RULE22_FINAL_SEQ),
            EntryKind::Final,
        )
        .unwrap();
    let started = Instant::now();
    let totals = run_rule22_phase(1, &root, RULE22_BIG_BUDGET, 4_000, rng.next_u64());
    let phase1 = started.elapsed();
    let e = store
        .lookup(&final_key)
        .unwrap()
        .expect("the Final entry is still there");
    assert_eq!(e.payload, final_payload);
    assert_eq!(e.run_id, final_run);
    assert!(
        store
            .entries(&shared)
            .unwrap()
            .iter()
            .any(|i| i.run_id == shared_final_run),
        "the Final entry of the shared key disappeared"
    );
    let total_bytes: u64 = dir_bytes(&store.key_dir(&shared)) + dir_bytes(&store.key_dir(&final_key));
    assert!(
        total_bytes < RULE22_BIG_BUDGET,
        "phase 1 went over its budget: {total_bytes}"
    );
    println!(
        "rule22 phase 1 (budget {} MiB, nothing may go): {RULE22_WORKERS} processes for {phase1:.1?}: {totals:?}; \
         {} entries on the shared key",
        RULE22_BIG_BUDGET >> 20,
        store.entries(&shared).unwrap().len()
    );
    for op in ["saves", "overwrites", "lookups", "final-lookups", "evictions"] {
        assert!(
            totals.get(op).copied().unwrap_or(0) > 0,
            "phase 1 did no {op}: {totals:?}"
        );
    }

    // Phase 2: a budget a few payloads fill, so that eviction keeps removing
    // entries (and key directories) under the other processes' feet.
    let root2 = tmp.path().join("store-small-budget");
    let store2 = WarmStartStore::open(root2.clone(), options(Durability::Full, RULE22_SMALL_BUDGET)).unwrap();
    let started = Instant::now();
    let totals = run_rule22_phase(2, &root2, RULE22_SMALL_BUDGET, 2_500, rng.next_u64());
    let phase2 = started.elapsed();
    // With all workers gone, orphan payloads are their dead writers' to sweep.
    thread::sleep(Duration::from_millis(2_500));
    store2.evict_overflow().unwrap();
    let left = store2.entries(&shared).unwrap().len() as u64;
    let bytes_left = dir_bytes(&store2.key_dir(&shared));
    let written = totals.get("saves").copied().unwrap_or(0) + totals.get("overwrites").copied().unwrap_or(0);
    println!(
        "rule22 phase 2 (budget {} KiB): {RULE22_WORKERS} processes for {phase2:.1?}: {totals:?}; \
         {left} entries ({bytes_left} bytes) left",
        RULE22_SMALL_BUDGET >> 10
    );
    assert!(
        bytes_left <= RULE22_SMALL_BUDGET,
        "{bytes_left} bytes left over a budget of {RULE22_SMALL_BUDGET}"
    );
    assert!(
        left < written / 2,
        "eviction hardly happened: {left} entries left of {written} writes"
    );
    assert!(unreferenced_payloads(&store2.key_dir(&shared)).is_empty());
    assert!(tmp_files_under(&root).is_empty() && tmp_files_under(&root2).is_empty());
}

/// Payload length of the churn savers: more than the whole budget, so that the
/// full pass each save starts evicts everything and removes the key directory.
const CHURN_BODY: usize = 300 << 10;

/// The processes of the churn test, by what they do.
const CHURN_ROLES: [&str; 6] = [
    "saver-full",
    "saver-full",
    "saver-relaxed",
    "evictor",
    "reader",
    "reader",
];

#[test]
#[ignore = "child process of rule22_lookup_and_save_while_eviction_removes_the_key_directory"]
fn child_rule22_churn() {
    let Some(env) = ChildEnv::get("child_rule22_churn") else {
        return;
    };
    let role = CHURN_ROLES[env.num("role") as usize];
    // Flushing savers meet a directory removed under them between their
    // metadata rename and the directory flush; the Relaxed saver makes the
    // directory come and go as fast as it can.
    let durability = if role == "saver-full" {
        Durability::Full
    } else {
        Durability::Relaxed
    };
    let store = env.store(options(durability, RULE22_SMALL_BUDGET));
    let key = test_key("rule22-churn");
    let mut rng = Rng::new(env.num("seed"));
    let deadline = Instant::now() + Duration::from_millis(env.num("millis"));
    let (mut ops, mut hits) = (0u64, 0u64);
    let mut seq = env.num("seed") << 32;
    while Instant::now() < deadline {
        ops += 1;
        seq += 1;
        match role {
            "saver-full" | "saver-relaxed" => {
                let payload = make_payload(seq, CHURN_BODY, &mut rng);
                store
                    .save(&key, &payload, Some(1.0), Some(seq), EntryKind::Checkpoint)
                    .unwrap_or_else(|e| panic!("{role}: save {ops} failed: {e}"));
            }
            "evictor" => store
                .evict_overflow()
                .unwrap_or_else(|e| panic!("{role}: evict_overflow {ops} failed: {e}")),
            _ => {
                let found = store
                    .lookup(&key)
                    .unwrap_or_else(|e| panic!("{role}: lookup {ops} failed: {e}"));
                if let Some(e) = found {
                    check_entry(&e).unwrap_or_else(|m| panic!("{role}: lookup {ops} returned a bad entry: {m}"));
                    hits += 1;
                }
            }
        }
    }
    if role == "reader" {
        say(&format!("REPORT ops={ops} hits={hits}"));
    } else {
        say(&format!("REPORT ops={ops}"));
    }
}

/// Rule 22, at its sharpest: every save is over the budget, so a full pass
/// evicts it at once and removes the emptied key directory, again and again,
/// while other processes save, evict and look the key up. A lookup that meets
/// the directory removed under it has found nothing, and a save whose entry
/// (and directory) another process evicted the moment it was in place has
/// still succeeded: neither may fail.
#[test]
fn rule22_lookup_and_save_while_eviction_removes_the_key_directory() {
    let _serial = serial();
    let seed = test_seed();
    println!("rule22 churn: seed {seed} (replay with {SEED_ENV}={seed})");
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("store");
    let started = Instant::now();
    let mut procs: Vec<(&str, Proc)> = CHURN_ROLES
        .iter()
        .enumerate()
        .map(|(i, &role)| {
            let args = format!("role={i} millis=3000 seed={}", (seed ^ i as u64) & 0xffff_ffff);
            (role, Proc::spawn("child_rule22_churn", &root, &args))
        })
        .collect();
    let mut failures = Vec::new();
    let mut totals = BTreeMap::<String, u64>::new();
    for (role, p) in &mut procs {
        let status = p.wait(Duration::from_secs(60));
        let stderr = p.take_stderr();
        if !status.success() {
            failures.push(format!("{role} ({status}):\n{stderr}"));
            continue;
        }
        let report = p.remaining_after("REPORT ").expect("churn child reported");
        for (k, v) in report.split_whitespace().filter_map(|kv| kv.split_once('=')) {
            *totals.entry(format!("{role} {k}")).or_default() += v.parse::<u64>().unwrap();
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    println!(
        "rule22 churn: {} processes for {:.1?}, budget {} KiB, payloads {} KiB: {totals:?}; no failure",
        CHURN_ROLES.len(),
        started.elapsed(),
        RULE22_SMALL_BUDGET >> 10,
        CHURN_BODY >> 10
    );
    for role in ["saver-full", "saver-relaxed", "evictor", "reader"] {
        assert!(
            totals.get(&format!("{role} ops")).is_some_and(|&n| n > 0),
            "no {role} ran"
        );
    }
}

// ---------------------------------------------------------------------------
// d. rule 12: a full disk
// ---------------------------------------------------------------------------

/// An I/O error as `op: cause`, without the long temporary path.
fn brief(e: &StoreError) -> String {
    match e {
        StoreError::Io { op, source, .. } => format!("{op}: {source}"),
        other => other.to_string(),
    }
}

/// A tmpfs mounted for one test; unmounted on drop, also when the test fails.
struct TmpfsMount(PathBuf);

impl TmpfsMount {
    fn mount(dir: &Path, size: &str) -> Result<TmpfsMount, String> {
        fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .output()
            .map_err(|e| format!("running mount: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "mount exited with {}: {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(TmpfsMount(dir.to_path_buf()))
    }
}

impl Drop for TmpfsMount {
    fn drop(&mut self) {
        let ok = Command::new("umount").arg(&self.0).status().is_ok_and(|s| s.success());
        if !ok {
            let _ = Command::new("umount").arg("-l").arg(&self.0).status();
        }
    }
}

const PAGE: u64 = 4096;

/// Grows `path` until the file system is full; returns its length.
fn fill_disk(path: &Path) -> u64 {
    let _ = fs::remove_file(path);
    let mut f = fs::File::create(path).expect("creating the filler file");
    let chunk = [0xa5u8; PAGE as usize];
    let mut len = 0u64;
    loop {
        match f.write(&chunk) {
            Ok(0) => break,
            Ok(n) => len += n as u64,
            Err(e) if e.raw_os_error() == Some(libc::ENOSPC) => break,
            Err(e) => panic!("filling the disk: {e}"),
        }
    }
    len
}

/// Fills the disk, then frees exactly `pages` pages of it.
fn leave_free_pages(filler: &Path, pages: u64) {
    let len = fill_disk(filler);
    let used = len.div_ceil(PAGE);
    assert!(used > pages, "the filler holds only {used} pages");
    fs::OpenOptions::new()
        .write(true)
        .open(filler)
        .and_then(|f| f.set_len((used - pages) * PAGE))
        .expect("shrinking the filler file");
}

/// Asserts the store kept its promise after a write that may have failed: no
/// temporary files, no payload nothing names, and the expected entry intact.
fn assert_clean_with(store: &WarmStartStore, key: &Fingerprint, expected: &[u8], what: &str) {
    let tmp = tmp_files_under(store.root());
    assert!(tmp.is_empty(), "{what}: temporary files left: {tmp:?}");
    let stray = unreferenced_payloads(&store.key_dir(key));
    assert!(stray.is_empty(), "{what}: payload files left: {stray:?}");
    let e = store
        .lookup(key)
        .unwrap_or_else(|e| panic!("{what}: lookup failed: {e}"))
        .unwrap_or_else(|| panic!("{what}: the previous entry is gone"));
    assert!(e.payload == expected, "{what}: lookup returned another payload");
    check_entry(&e).unwrap();
}

/// Rules 12 and 26: on a full disk a save returns an error, leaves no temporary
/// files and never destroys the entry that was there; a session reports the
/// failure once and carries on.
#[test]
fn rule12_disk_full_on_small_tmpfs() {
    let _serial = serial();
    let tmp = tempfile::tempdir().unwrap();
    let mnt_dir = tmp.path().join("mnt");
    let _mount = match TmpfsMount::mount(&mnt_dir, "1m") {
        Ok(m) => m,
        Err(reason) => {
            println!("rule12: skipped: cannot mount tmpfs: {reason}");
            return;
        }
    };
    let mut rng = Rng::new(12);
    let filler = mnt_dir.join("filler");
    let store = WarmStartStore::open(mnt_dir.join("store"), options(Durability::Full, 1 << 30)).unwrap();
    let key = test_key("rule12");

    // A good entry, then payloads larger than the whole disk, new and over it.
    let good = make_payload(1, 4000, &mut rng);
    let run_id = store.save(&key, &good, Some(1.0), Some(1), EntryKind::Final).unwrap();
    assert_clean_with(&store, &key, &good, "after the good save");
    let big = make_payload(2, 2 << 20, &mut rng);
    let err = store
        .save(&key, &big, Some(0.5), Some(2), EntryKind::Final)
        .expect_err("saving 2 MiB on a 1 MiB disk succeeded");
    println!("rule12: save of 2 MiB: {}", brief(&err));
    assert_clean_with(&store, &key, &good, "after the failed save");
    let err = store
        .save_overwrite(&key, &run_id, &big, Some(0.5), Some(2), EntryKind::Final)
        .expect_err("overwriting with 2 MiB on a 1 MiB disk succeeded");
    println!("rule12: save_overwrite of the same slot with 2 MiB: {}", brief(&err));
    assert_clean_with(&store, &key, &good, "after the failed overwrite");

    // At the edge: a few pages free, payloads of a few pages over the same slot.
    // Some fail writing the payload, some after the payload is in place while
    // writing the metadata, some succeed.
    let mut current = good;
    let mut outcomes = Vec::new();
    let (mut oks, mut errs, mut meta_errs) = (0, 0, 0);
    let mut seq = 2;
    for free in 0..=3 {
        for pages in 1..=3u64 {
            seq += 1;
            leave_free_pages(&filler, free);
            let payload = make_payload(seq, (pages * PAGE) as usize - HEADER_LEN - 1, &mut rng);
            let what = format!("{free} pages free, payload of {pages} pages");
            match store.save_overwrite(&key, &run_id, &payload, Some(1.0), Some(seq), EntryKind::Final) {
                Ok(()) => {
                    oks += 1;
                    outcomes.push(format!("{free}/{pages}: ok"));
                    current = payload;
                }
                Err(StoreError::Io { op, source, .. }) => {
                    errs += 1;
                    if op.contains("metadata") {
                        meta_errs += 1;
                    }
                    outcomes.push(format!("{free}/{pages}: {op}: {source}"));
                }
                Err(e) => panic!("{what}: unexpected error {e}"),
            }
            assert_clean_with(&store, &key, &current, &what);
        }
    }
    println!("rule12: free pages/payload pages: {}", outcomes.join("; "));
    assert!(
        oks > 0 && errs > 0,
        "the edge of the disk was not reached: {outcomes:?}"
    );

    // A session on the full disk: the fit goes on, the error is reported once.
    leave_free_pages(&filler, 0);
    let session = Session::open(store.clone(), key);
    let small = make_payload(100, 8000, &mut rng);
    assert!(
        !session.checkpoint(&small, Some(0.25), Some(100)),
        "checkpoint wrote on a full disk"
    );
    let err = session.take_error().expect("the session kept the error");
    println!("rule12: session checkpoint on a full disk: {}", brief(&err));
    assert!(session.take_error().is_none(), "the error was reported twice");
    assert!(
        !session.finalize(&small, Some(0.25), Some(100)),
        "finalize wrote on a full disk"
    );
    assert!(session.take_error().is_none(), "a second failure was reported again");
    assert!(session.had_error());
    assert_clean_with(&store, &key, &current, "after the session's failures");

    // Space again: the same session writes again.
    fs::remove_file(&filler).unwrap();
    let better = make_payload(101, 8000, &mut rng);
    assert!(
        session.checkpoint(&better, Some(0.125), Some(101)),
        "the session did not recover"
    );
    assert_eq!(store.lookup(&key).unwrap().map(|e| e.payload), Some(better));
    println!(
        "rule12: {oks} writes succeeded and {errs} failed at the edge ({meta_errs} while writing metadata); store intact after each"
    );
}
