//! Process-level tests of the warm-start store, as the contract demands: four
//! processes saving, overwriting, looking up and evicting on one key, and
//! processes racing eviction that removes the key directory under them (rule 22).
//!
//! The workers are this test binary run again, as the ignored tests
//! `child_rule22_worker` and `child_rule22_churn` (see `common/processes.rs` for
//! how children are started, and for the self-checking payloads and the
//! replayable seed).

// The tests report counts, timings and seeds; the children report to their parent on stdout.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use common::processes::*;
use warmstart::{Durability, EntryKind, Session, WarmStartStore};

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
