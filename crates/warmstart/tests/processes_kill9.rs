//! Process-level test of the warm-start store, as the contract demands: a writer
//! killed with SIGKILL at random moments (rules 10 and 21).
//!
//! The writer is this test binary run again, as the ignored test `child_kill9_writer`
//! (see `common/processes.rs` for how children are started, and for the
//! self-checking payloads and the replayable seed).

// The tests report counts, timings and seeds; the children report to their parent on stdout.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod common;

use std::thread;
use std::time::{Duration, Instant};

use common::processes::*;
use warmstart::{Durability, EntryKind, Session, WarmStartStore};

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
