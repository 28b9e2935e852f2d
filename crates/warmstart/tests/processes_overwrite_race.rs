//! Process-level test of the warm-start store, as the contract demands: a reader
//! racing a writer in another process that overwrites the same slot (rule 11).
//!
//! The writer is this test binary run again, as the ignored test `child_rule11_writer`
//! (see `common/processes.rs` for how children are started, and for the
//! self-checking payloads and the replayable seed).

// The tests report counts, timings and seeds; the children report to their parent on stdout.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod common;

use std::time::{Duration, Instant};

use common::processes::*;
use warmstart::{Durability, EntryKind, WarmStartStore};

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
