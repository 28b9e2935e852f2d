//! What the process-level tests of the warm-start store share (`processes_*.rs`):
//! child processes, self-checking payloads, a seeded random source, and looks at
//! the files on disk.
//!
//! The child processes are the test binary run again: the parent runs
//! `current_exe() --exact <child fn> --ignored --nocapture --test-threads=1` with
//! `WARMSTART_CHILD_ROLE` naming that function. The child functions are ignored
//! tests, in the same file (so the same binary) as the test that spawns them, that
//! return at once unless the variable names them, so `--include-ignored` on its own
//! does nothing harmful.
//!
//! Payloads check themselves: a header with a sequence number, the body length and
//! the SHA-256 of the body. A test can tell an intact payload without knowing which
//! write it came from, and the sequence number is also saved as the entry's
//! iteration, so a payload paired with another write's metadata is caught even
//! apart from the store's own checksum.
//!
//! Randomness comes from a xorshift seeded from the clock; every test prints its
//! seed, and `WARMSTART_TEST_SEED=<n>` replays one.

use std::collections::{BTreeSet, HashMap};
use std::fs;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};
use warmstart::{Durability, Fingerprint, Fingerprinter, StoreOptions, WarmStartStore};

/// Which child function a re-executed test binary should act as.
const ROLE_ENV: &str = "WARMSTART_CHILD_ROLE";
/// The store root the child works on.
const ROOT_ENV: &str = "WARMSTART_CHILD_ROOT";
/// `name=value` pairs, space separated, with the child's parameters.
const ARGS_ENV: &str = "WARMSTART_CHILD_ARGS";
/// Replays a run: the seed every test prints.
pub const SEED_ENV: &str = "WARMSTART_TEST_SEED";

/// What a child prints once it is about to write.
pub const READY: &str = "WARMSTART-CHILD-READY";

/// The process tests each load the machine fully (several processes, fsyncs);
/// run them one at a time so that their timings mean something (cargo runs the
/// test binaries one after another, [`serial`] the tests within one).
static SERIAL: Mutex<()> = Mutex::new(());

pub fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

/// xorshift64, seeded through splitmix64.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        Rng((z ^ (z >> 31)) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

pub fn test_seed() -> u64 {
    if let Some(seed) = std::env::var(SEED_ENV).ok().and_then(|s| s.parse().ok()) {
        return seed;
    }
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos() as u64;
    nanos ^ (u64::from(std::process::id()) << 40)
}

pub fn test_key(name: &str) -> Fingerprint {
    let mut f = Fingerprinter::new();
    f.absorb_str(b"warmstart-process-test", name);
    f.finalize()
}

pub fn options(durability: Durability, size_budget_bytes: u64) -> StoreOptions {
    StoreOptions {
        size_budget_bytes,
        durability,
        ..StoreOptions::default()
    }
}

const MAGIC: &[u8; 8] = b"WSTEST01";
pub const HEADER_LEN: usize = 8 + 8 + 8 + 32;

/// `MAGIC | seq (u64 LE) | body length (u64 LE) | SHA-256 of body | body`, the
/// body pseudo-random.
pub fn make_payload(seq: u64, body_len: usize, rng: &mut Rng) -> Vec<u8> {
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
pub fn check_payload(p: &[u8]) -> Result<u64, String> {
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
pub fn check_entry(e: &warmstart::CachedEntry) -> Result<u64, String> {
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
pub fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = match fs::read_dir(dir) {
        Ok(rd) => rd.filter_map(|e| e.ok()?.file_name().into_string().ok()).collect(),
        Err(_) => Vec::new(),
    };
    names.sort();
    names
}

pub fn is_tmp(name: &str) -> bool {
    name.starts_with(".tmp.")
}

/// Every `.tmp.` file anywhere under `root`.
pub fn tmp_files_under(root: &Path) -> Vec<PathBuf> {
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
pub fn unreferenced_payloads(dir: &Path) -> Vec<String> {
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
pub fn writer_pid(name: &str) -> Option<u32> {
    let unique = match name.strip_prefix(".tmp.") {
        Some(rest) => rest,
        None => name.split('.').nth(1)?,
    };
    unique.split('-').next()?.parse().ok()
}

/// Bytes of the files in a key directory.
pub fn dir_bytes(dir: &Path) -> u64 {
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
pub struct Proc {
    role: &'static str,
    child: Child,
    lines: Receiver<String>,
    stderr: Option<JoinHandle<String>>,
}

impl Proc {
    pub fn spawn(role: &'static str, root: &Path, args: &str) -> Proc {
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

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for a line of stdout starting with `prefix`; panics (with the
    /// child's stderr) if the child ends or the timeout passes first.
    pub fn expect_line(&mut self, prefix: &str, timeout: Duration) -> String {
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
    pub fn fail(&mut self, what: &str) -> ! {
        let status = self.kill();
        let stderr = self.take_stderr();
        panic!(
            "child {} (pid {}) {what} ({status}); stderr:\n{stderr}",
            self.role,
            self.pid()
        );
    }

    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// SIGKILL and reap.
    pub fn kill(&mut self) -> ExitStatus {
        let _ = self.child.kill();
        self.child.wait().expect("reaping a killed child")
    }

    /// Waits for the child to end; kills it and panics after `timeout`.
    pub fn wait(&mut self, timeout: Duration) -> ExitStatus {
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
    pub fn take_stderr(&mut self) -> String {
        self.stderr
            .take()
            .map(|h| h.join().unwrap_or_default())
            .unwrap_or_default()
    }

    /// All the lines the child printed; call only once it has ended.
    pub fn remaining_lines(&mut self) -> Vec<String> {
        self.lines.iter().collect()
    }

    /// What follows `prefix` in the first remaining line holding it (libtest
    /// prints `test <name> ... ` in front of the child's first line).
    pub fn remaining_after(&mut self, prefix: &str) -> Option<String> {
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
pub struct ChildEnv {
    root: PathBuf,
    args: HashMap<String, String>,
}

impl ChildEnv {
    pub fn get(role: &str) -> Option<ChildEnv> {
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

    pub fn num(&self, name: &str) -> u64 {
        self.args
            .get(name)
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("child argument {name} missing in {:?}", self.args))
    }

    pub fn store(&self, opts: StoreOptions) -> WarmStartStore {
        WarmStartStore::open(self.root.clone(), opts).expect("child opening the store")
    }
}

pub fn say(line: &str) {
    let mut out = io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}
