//! Process-level tests of issue 11's cache housekeeping races, with real
//! child processes (see `common/processes.rs` for how they are started):
//!
//! - many processes finishing the same fit at once leave one Final copy;
//! - `clear` beside writers never leaves published metadata without its
//!   payload (a `verify` running beside them finds nothing bad);
//! - a prune to size 0 beside writers that rewrite their slots fails no
//!   removal (entries rewritten meanwhile are counted, not an error);
//! - processes overwriting one slot at once leave no payload behind that
//!   no metadata names.

// The tests report counts and timings; the children report to their parent on stdout.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod common;

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use common::processes::*;
use warmstart::{Durability, EntryKind, PrunePolicy, VerifyMode, WarmStartStore};

/// How many processes finish the same fit at once.
const SAME_FINAL_WRITERS: usize = 16;
/// How long the writers beside `clear` and prune run.
const RACE_MILLIS: u64 = 4_000;
/// The file whose appearance starts the writers of identical Finals together.
const GO_FILE: &str = "go";

fn relaxed_store(root: &Path) -> WarmStartStore {
    WarmStartStore::open(root.to_path_buf(), options(Durability::Relaxed, u64::MAX)).unwrap()
}

#[test]
#[ignore = "child process of identical_finals_from_many_processes_are_kept_once"]
fn child_same_final() {
    let Some(env) = ChildEnv::get("child_same_final") else {
        return;
    };
    // Durable, as a real fit's final write: the widest window between the
    // payload and the metadata rename, so the writers overlap.
    let store = env.store(options(Durability::Full, u64::MAX));
    let go = store.root().parent().unwrap().join(GO_FILE);
    say(READY);
    while !go.exists() {
        std::thread::sleep(Duration::from_millis(1));
    }
    let payload = make_payload(7, 64 << 10, &mut Rng::new(7));
    store
        .save(&test_key("same-final"), &payload, Some(1.5), Some(7), EntryKind::Final)
        .expect("save");
}

/// 16 processes save the same Final at the same moment: one copy is left,
/// and it verifies.
#[test]
fn identical_finals_from_many_processes_are_kept_once() {
    let _serial = serial();
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("store");
    let store = relaxed_store(&root);
    let mut kids: Vec<Proc> = (0..SAME_FINAL_WRITERS)
        .map(|_| Proc::spawn("child_same_final", &root, ""))
        .collect();
    for k in &mut kids {
        k.expect_line(READY, Duration::from_secs(60));
    }
    fs::write(tmp.path().join(GO_FILE), b"").unwrap();
    for k in &mut kids {
        let status = k.wait(Duration::from_secs(60));
        assert!(status.success(), "writer failed: {}", k.take_stderr());
    }
    let key = test_key("same-final");
    let metas: Vec<String> = names_in(&store.key_dir(&key))
        .into_iter()
        .filter(|n| n.ends_with(".meta.json"))
        .collect();
    println!("{SAME_FINAL_WRITERS} identical Finals at once: {} left", metas.len());
    assert_eq!(metas.len(), 1, "one copy: {metas:?}");
    let e = store.lookup(&key).unwrap().expect("the Final is there");
    assert_eq!(check_entry(&e), Ok(7));
    assert!(unreferenced_payloads(&store.key_dir(&key)).is_empty());
    assert!(store.verify(VerifyMode::Report).unwrap().issues.is_empty());
}

#[test]
#[ignore = "child process of the clear and prune races"]
fn child_churn_writer() {
    let Some(env) = ChildEnv::get("child_churn_writer") else {
        return;
    };
    // Relaxed: as many writes as possible in the time, so the races are met often.
    let store = env.store(options(Durability::Relaxed, u64::MAX));
    let mut rng = Rng::new(env.num("seed"));
    let overwrite = env.num("overwrite") == 1;
    let deadline = Instant::now() + Duration::from_millis(env.num("millis"));
    let mut seq = 0;
    say(READY);
    while Instant::now() < deadline {
        seq += 1;
        let key = test_key(&format!("churn-{}", rng.below(4)));
        let payload = make_payload(seq, 256 + rng.below(8 << 10) as usize, &mut rng);
        let kind = if rng.below(2) == 0 {
            EntryKind::Final
        } else {
            EntryKind::Checkpoint
        };
        if overwrite {
            // As sessions do: each rewrites its own few slots.
            let slot = format!("slot-{}-{}", std::process::id(), rng.below(3));
            store
                .save_overwrite(&key, &slot, &payload, Some(seq as f64), Some(seq), kind)
                .expect("save_overwrite");
        } else {
            store
                .save(&key, &payload, Some(seq as f64), Some(seq), kind)
                .expect("save");
        }
    }
    say(&format!("WROTE {seq}"));
}

fn spawn_writers(root: &Path, n: usize, overwrite: bool) -> Vec<Proc> {
    let seed = test_seed();
    println!("seed {seed} (replay with {SEED_ENV}={seed})");
    let mut kids: Vec<Proc> = (0..n)
        .map(|i| {
            Proc::spawn(
                "child_churn_writer",
                root,
                &format!(
                    "seed={} millis={RACE_MILLIS} overwrite={}",
                    seed.wrapping_add(i as u64),
                    u8::from(overwrite)
                ),
            )
        })
        .collect();
    for k in &mut kids {
        k.expect_line(READY, Duration::from_secs(60));
    }
    kids
}

fn finish(kids: &mut [Proc]) -> u64 {
    kids.iter_mut()
        .map(|k| {
            let status = k.wait(Duration::from_secs(60));
            let stderr = k.take_stderr();
            assert!(status.success(), "writer failed ({status}):\n{stderr}");
            k.remaining_after("WROTE ")
                .and_then(|n| n.trim().parse::<u64>().ok())
                .expect("writer reported its count")
        })
        .sum()
}

/// The deterministic form of the race `clear` had: a writer has renamed its
/// payload into place but not yet its metadata. `clear` must leave that
/// payload (its writer, this process, is alive), so that the metadata, once
/// published, has its payload.
#[test]
fn clear_leaves_a_live_writers_payload_that_is_about_to_be_published() {
    let tmp = tempfile::tempdir().unwrap();
    let store = relaxed_store(&tmp.path().join("store"));
    let key = test_key("publish-race");
    let run = store
        .save(&key, b"being published", Some(1.0), None, EntryKind::Final)
        .unwrap();
    let meta = store.key_dir(&key).join(format!("{run}.meta.json"));
    let aside = tmp.path().join("not yet renamed");
    fs::rename(&meta, &aside).unwrap();

    store.clear().unwrap();
    fs::rename(&aside, &meta).unwrap();

    let report = store.verify(VerifyMode::Report).unwrap();
    assert!(
        report.issues.is_empty(),
        "published metadata without its payload: {report:?}"
    );
    assert_eq!(store.lookup(&key).unwrap().unwrap().payload, b"being published");
}

/// `clear` in a loop beside 3 writers, and `verify` in a loop beside both:
/// verify never finds published metadata without its payload, or anything
/// else bad.
#[test]
fn verify_finds_nothing_bad_while_clear_runs_beside_writers() {
    let _serial = serial();
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("store");
    let store = relaxed_store(&root);
    let mut kids = spawn_writers(&root, 3, false);
    let clearer = {
        let store = store.clone();
        std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_millis(RACE_MILLIS);
            let mut clears = 0u64;
            while Instant::now() < deadline {
                store.clear().expect("clear beside writers");
                clears += 1;
            }
            clears
        })
    };
    let deadline = Instant::now() + Duration::from_millis(RACE_MILLIS);
    let (mut verifies, mut checked) = (0u64, 0u64);
    while Instant::now() < deadline {
        let report = store.verify(VerifyMode::Report).expect("verify beside clear");
        assert!(report.issues.is_empty(), "verify {verifies} found: {:?}", report.issues);
        checked += report.entries_checked;
        verifies += 1;
    }
    let clears = clearer.join().unwrap();
    let written = finish(&mut kids);
    println!("clear race: {written} saves, {clears} clears, {verifies} verifies ({checked} entries checked), none bad");
    assert!(
        clears >= 10 && verifies >= 10 && checked > 0,
        "the processes hardly overlapped"
    );
}

/// A prune to size 0 in a loop beside 3 processes rewriting their slots:
/// no removal fails, and whatever was rewritten meanwhile is counted as such.
#[test]
fn prune_to_zero_beside_rewriting_writers_fails_no_removal() {
    let _serial = serial();
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("store");
    let store = relaxed_store(&root);
    let mut kids = spawn_writers(&root, 3, true);
    let deadline = Instant::now() + Duration::from_millis(RACE_MILLIS);
    let (mut passes, mut evicted, mut changed) = (0u64, 0u64, 0u64);
    while Instant::now() < deadline {
        let r = store
            .prune(&PrunePolicy::exact(0, Duration::ZERO))
            .expect("prune beside writers");
        assert_eq!(r.failed_removals, 0, "pass {passes}: {r:?}");
        evicted += r.evicted_entries;
        changed += r.changed_entries;
        passes += 1;
    }
    let written = finish(&mut kids);
    println!("prune race: {written} saves, {passes} passes evicted {evicted}, {changed} rewritten meanwhile");
    assert!(passes >= 10 && evicted > 0, "the processes hardly overlapped");
    let r = store.prune(&PrunePolicy::exact(0, Duration::ZERO)).unwrap();
    assert_eq!((r.entries_left, r.failed_removals), (0, 0), "{r:?}");
}

/// How many processes overwrite one slot at once, and for how long.
const SAME_SLOT_WRITERS: usize = 4;
const SAME_SLOT_MILLIS: u64 = 2_000;

#[test]
#[ignore = "child process of overwrites_of_one_slot_by_many_processes_leave_no_orphan"]
fn child_same_slot() {
    let Some(env) = ChildEnv::get("child_same_slot") else {
        return;
    };
    let store = env.store(options(Durability::Relaxed, u64::MAX));
    let mut rng = Rng::new(env.num("seed"));
    let deadline = Instant::now() + Duration::from_millis(env.num("millis"));
    let mut seq = 0;
    say(READY);
    while Instant::now() < deadline {
        seq += 1;
        let payload = make_payload(seq, 256 + rng.below(4 << 10) as usize, &mut rng);
        store
            .save_overwrite(
                &test_key("same-slot"),
                "seed",
                &payload,
                None,
                Some(seq),
                EntryKind::Final,
            )
            .expect("save_overwrite");
    }
    say(&format!("WROTE {seq}"));
}

/// As the fits' seed and alias slots: several processes overwrite one slot
/// at once. Each removes exactly the payload its switch displaced, so at the
/// end one metadata file and its one payload are left, no orphan.
#[test]
fn overwrites_of_one_slot_by_many_processes_leave_no_orphan() {
    let _serial = serial();
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("store");
    let store = relaxed_store(&root);
    let seed = test_seed();
    println!("seed {seed} (replay with {SEED_ENV}={seed})");
    let mut kids: Vec<Proc> = (0..SAME_SLOT_WRITERS)
        .map(|i| {
            let args = format!("seed={} millis={SAME_SLOT_MILLIS}", seed.wrapping_add(i as u64));
            Proc::spawn("child_same_slot", &root, &args)
        })
        .collect();
    for k in &mut kids {
        k.expect_line(READY, Duration::from_secs(60));
    }
    let written = finish(&mut kids);
    let dir = store.key_dir(&test_key("same-slot"));
    let names = names_in(&dir);
    println!(
        "{SAME_SLOT_WRITERS} processes overwrote one slot {written} times: {} files left",
        names.len()
    );
    assert_eq!(names.len(), 2, "one metadata file and its payload: {names:?}");
    assert!(unreferenced_payloads(&dir).is_empty(), "{names:?}");
    assert!(check_entry(&store.lookup(&test_key("same-slot")).unwrap().unwrap()).is_ok());
}
