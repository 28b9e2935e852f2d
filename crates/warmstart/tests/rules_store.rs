//! The contract's rules on layout, writing and reading (5 to 17), one test or more per rule.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::process::Command;
use std::time::Duration;

use common::*;
use warmstart::{EntryKind, SCHEMA_VERSION, StoreError, StoreOptions, WarmStartStore};

const CHILD_ENV: &str = "WARMSTART_RULES_CHILD";

#[test]
fn rule05_open_creates_root_and_parents() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("a/b/c");
    let store = WarmStartStore::open(root.clone(), relaxed()).unwrap();
    assert!(root.is_dir());
    assert_eq!(store.root(), root);
    assert_eq!(store.options(), &relaxed());
}

#[test]
fn rule05_open_rejects_a_regular_file_as_root() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("f");
    fs::write(&file, b"x").unwrap();
    let err = WarmStartStore::open(file.clone(), relaxed()).unwrap_err();
    assert!(matches!(err, StoreError::NotADirectory { .. }), "{err}");
    assert!(err.to_string().contains(&file.display().to_string()));
}

/// Runs one of the `child_*` tests below in a fresh process with `env` set, so
/// that the environment of this process is never mutated.
fn run_child(name: &str, env: &[(&str, &std::ffi::OsStr)]) {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["--exact", name, "--ignored", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stdout).contains("1 passed"),
        "child {name} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn rule05_default_root_comes_from_the_environment() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("env-root");
    run_child(
        "child_default_root_is_env",
        &[("GAM_CACHE_DIR", root.as_os_str()), ("EXPECTED_ROOT", root.as_os_str())],
    );
    assert!(root.is_dir(), "open_default created the root");
    // A root that cannot be created: open_default gives None, not an error.
    let blocker = tmp.path().join("file");
    fs::write(&blocker, b"x").unwrap();
    let impossible = blocker.join("sub");
    run_child(
        "child_default_root_unusable_is_none",
        &[("GAM_CACHE_DIR", impossible.as_os_str())],
    );
    // Without the variable: the platform cache dir + gam/warm/v1.
    let home = tmp.path().join("home");
    run_child(
        "child_default_root_platform",
        &[
            ("GAM_CACHE_DIR", std::ffi::OsStr::new("")),
            ("XDG_CACHE_HOME", home.join("cache").as_os_str()),
            ("HOME", home.as_os_str()),
            ("EXPECTED_ROOT", home.join("cache/gam/warm/v1").as_os_str()),
        ],
    );
}

#[test]
#[ignore = "runs only as a child of rule05_default_root_comes_from_the_environment"]
fn child_default_root_is_env() {
    if std::env::var_os(CHILD_ENV).is_none() {
        return;
    }
    let expected = std::env::var_os("EXPECTED_ROOT").unwrap();
    let store = WarmStartStore::open_default().expect("default store opens");
    assert_eq!(store.root().as_os_str(), expected);
    assert_eq!(store.options(), &StoreOptions::default());
}

#[test]
#[ignore = "runs only as a child of rule05_default_root_comes_from_the_environment"]
fn child_default_root_unusable_is_none() {
    if std::env::var_os(CHILD_ENV).is_none() {
        return;
    }
    assert!(WarmStartStore::open_default().is_none());
}

#[test]
#[ignore = "runs only as a child of rule05_default_root_comes_from_the_environment"]
fn child_default_root_platform() {
    if std::env::var_os(CHILD_ENV).is_none() {
        return;
    }
    let expected = std::env::var_os("EXPECTED_ROOT").unwrap();
    assert_eq!(warmstart::default_root().unwrap().as_os_str(), expected);
}

#[test]
fn rule06_layout_key_dir_metadata_and_payload() {
    let (_t, store) = temp_store();
    let k = key(1);
    let run = store
        .save(&k, b"hello", Some(2.5), Some(7), EntryKind::Checkpoint)
        .unwrap();
    let dir = store.root().join(k.to_hex());
    assert!(dir.is_dir());
    let names = files_of(&store, &k);
    assert_eq!(names.len(), 2, "{names:?}");
    let meta = read_json(&meta_path(&store, &k, &run));
    assert_eq!(meta["schema"], SCHEMA_VERSION);
    assert_eq!(meta["key"], k.to_hex());
    assert_eq!(meta["run_id"], run);
    assert!(meta["written_unix_secs"].as_u64().unwrap() > 1_700_000_000);
    assert!(meta["written_unix_nanos"].is_u64());
    assert_eq!(meta["objective"], 2.5);
    assert_eq!(meta["iteration"], 7);
    assert_eq!(meta["kind"], "checkpoint");
    assert_eq!(meta["payload_len"], 5);
    // SHA-256("hello"), computed independently.
    assert_eq!(
        meta["payload_sha256"],
        "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
    );
    assert_eq!(fs::read(payload_path(&store, &k, &run)).unwrap(), b"hello");
}

#[test]
fn rule07_default_options() {
    let o = StoreOptions::default();
    assert_eq!(o.size_budget_bytes, 1024 * 1024 * 1024);
    assert_eq!(o.ttl, Duration::from_secs(30 * 86_400));
}

#[test]
fn rule07_zero_ttl_means_no_expiry() {
    let (_t, store) = temp_store_with(StoreOptions {
        ttl: Duration::ZERO,
        ..relaxed()
    });
    let k = key(1);
    let run = put(&store, &k, b"old", Some(1.0), EntryKind::Final);
    age_entry(&store, &k, &run, Duration::from_secs(10 * 365 * 86_400));
    assert_eq!(store.lookup(&k).unwrap().unwrap().payload, b"old");
    store.evict_overflow().unwrap();
    assert_eq!(store.lookup(&k).unwrap().unwrap().payload, b"old");
}

#[test]
fn rule08_run_ids_are_unique() {
    let (_t, store) = temp_store();
    let k = key(1);
    let ids: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(|| {
                    (0..200)
                        .map(|_| put(&store, &k, b"x", None, EntryKind::Checkpoint))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    let unique: std::collections::HashSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), 800);
    assert_eq!(store.entries(&k).unwrap().len(), 800);
}

#[test]
fn rule09_overwrite_leaves_one_entry_per_slot() {
    let (_t, store) = temp_store();
    let k = key(1);
    let run = put(&store, &k, b"first", Some(3.0), EntryKind::Checkpoint);
    for i in 0..5u8 {
        store
            .save_overwrite(&k, &run, &[i; 10], Some(2.0), Some(i.into()), EntryKind::Checkpoint)
            .unwrap();
    }
    store
        .save_overwrite(&k, &run, b"last", Some(1.0), Some(9), EntryKind::Final)
        .unwrap();
    let entries = store.entries(&k).unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(
        files_of(&store, &k).len(),
        2,
        "one metadata, one payload: {:?}",
        files_of(&store, &k)
    );
    let e = store.lookup(&k).unwrap().unwrap();
    assert_eq!(
        (e.payload.as_slice(), e.kind, e.iteration),
        (&b"last"[..], EntryKind::Final, Some(9))
    );
    // An empty slot is created by save_overwrite.
    store
        .save_overwrite(&k, "my-slot", b"s", None, None, EntryKind::Checkpoint)
        .unwrap();
    assert_eq!(store.entries(&k).unwrap().len(), 2);
    // Slot names that could escape the directory are refused.
    for bad in ["", "../x", "a/b", "a.b"] {
        let err = store.save_overwrite(&k, bad, b"s", None, None, EntryKind::Checkpoint);
        assert!(matches!(err, Err(StoreError::InvalidRunId { .. })), "{bad:?}");
    }
}

#[test]
fn rule10_no_temporary_files_after_writes_and_half_writes_are_invisible() {
    let (_t, store) = temp_store_with(StoreOptions::default());
    let k = key(1);
    put(&store, &k, b"good", Some(1.0), EntryKind::Final);
    assert!(files_of(&store, &k).iter().all(|n| !n.starts_with(".tmp.")));
    // What a writer killed mid-write leaves: temp files, and a payload no metadata names.
    let dir = store.key_dir(&k);
    fs::write(dir.join(".tmp.1-1-0-0-0.payload"), b"half").unwrap();
    fs::write(dir.join(".tmp.1-1-0-0-0.meta"), b"{\"schema\":1,").unwrap();
    fs::write(dir.join("slot.1-1-0-0-0.payload"), b"orphan").unwrap();
    let e = store.lookup(&k).unwrap().unwrap();
    assert_eq!(e.payload, b"good");
    assert_eq!(store.entries(&k).unwrap().len(), 1);
}

#[test]
fn rule12_failed_write_cleans_up_and_keeps_the_previous_entry() {
    let (_t, store) = temp_store();
    let k = key(1);
    let run = put(&store, &k, b"previous", Some(1.0), EntryKind::Final);
    // Block the metadata rename of a new slot with a directory in its place.
    fs::create_dir(meta_path(&store, &k, "blocked")).unwrap();
    let before = files_of(&store, &k);
    let err = store
        .save_overwrite(&k, "blocked", b"new", Some(0.5), None, EntryKind::Final)
        .unwrap_err();
    assert!(matches!(err, StoreError::Io { .. }), "{err}");
    assert_eq!(files_of(&store, &k), before, "temporary and payload files removed");
    let e = store.lookup(&k).unwrap().unwrap();
    assert_eq!(
        (e.payload.as_slice(), e.run_id.as_str()),
        (&b"previous"[..], run.as_str())
    );
}

#[test]
fn rule12_non_finite_objectives_are_refused() {
    let (_t, store) = temp_store();
    for v in [f64::NAN, f64::INFINITY] {
        let err = store.save(&key(1), b"x", Some(v), None, EntryKind::Final).unwrap_err();
        assert!(matches!(err, StoreError::InvalidObjective { .. }));
    }
    assert!(files_of(&store, &key(1)).iter().all(|n| !n.starts_with(".tmp.")));
}

#[test]
fn rule13_best_entry_by_objective_kind_and_time() {
    let (_t, store) = temp_store();
    let k = key(1);
    put(&store, &k, b"none-old", None, EntryKind::Final);
    put(&store, &k, b"none-new", None, EntryKind::Checkpoint);
    assert_eq!(store.lookup(&k).unwrap().unwrap().payload, b"none-new");
    put(&store, &k, b"obj-5", Some(5.0), EntryKind::Checkpoint);
    assert_eq!(
        store.lookup(&k).unwrap().unwrap().payload,
        b"obj-5",
        "an objective beats none"
    );
    put(&store, &k, b"obj-2-final", Some(2.0), EntryKind::Final);
    put(
        &store,
        &k,
        b"obj-2-ckpt-later",
        Some(2.0 + 1e-13),
        EntryKind::Checkpoint,
    );
    assert_eq!(
        store.lookup(&k).unwrap().unwrap().payload,
        b"obj-2-final",
        "within 1e-12 Final beats a later Checkpoint"
    );
    put(&store, &k, b"obj-2-final-later", Some(2.0), EntryKind::Final);
    assert_eq!(store.lookup(&k).unwrap().unwrap().payload, b"obj-2-final-later");
    put(&store, &k, b"obj-1", Some(1.0), EntryKind::Checkpoint);
    assert_eq!(store.lookup(&k).unwrap().unwrap().payload, b"obj-1");
}

#[test]
fn rule13_later_write_wins_within_the_same_second() {
    let (_t, store) = temp_store();
    let k = key(1);
    let a = put(&store, &k, b"a", Some(1.0), EntryKind::Final);
    let b = put(&store, &k, b"b", Some(1.0), EntryKind::Final);
    // Same second, nanoseconds decide; make the earlier one "later" by nanos only.
    let secs = read_json(&meta_path(&store, &k, &b))["written_unix_secs"].clone();
    edit_json(&meta_path(&store, &k, &a), |v| {
        v["written_unix_secs"] = secs.clone();
        v["written_unix_nanos"] = 999_999_999.into();
    });
    edit_json(&meta_path(&store, &k, &b), |v| v["written_unix_nanos"] = 1.into());
    assert_eq!(store.lookup(&k).unwrap().unwrap().payload, b"a");
}

#[test]
fn rule14_skips_unknown_removes_unparseable_and_leaves_foreign_schemas() {
    let (_t, store) = temp_store();
    let k = key(1);
    let good = put(&store, &k, b"good", Some(10.0), EntryKind::Final);
    let dir = store.key_dir(&k);
    fs::write(dir.join("notes.txt"), b"not ours").unwrap();
    fs::write(dir.join("broken.meta.json"), b"{ not json").unwrap();
    // A newer schema, with a better objective: must be ignored and kept.
    let foreign = put(&store, &k, b"foreign", Some(0.0), EntryKind::Final);
    edit_json(&meta_path(&store, &k, &foreign), |v| {
        v["schema"] = (SCHEMA_VERSION + 1).into()
    });
    // Metadata whose payload is missing, with the best objective.
    let orphan = put(&store, &k, b"lost", Some(-1.0), EntryKind::Final);
    fs::remove_file(payload_path(&store, &k, &orphan)).unwrap();

    let e = store.lookup(&k).unwrap().unwrap();
    assert_eq!(e.run_id, good);
    assert!(dir.join("notes.txt").exists(), "unknown files are left alone");
    assert!(
        !dir.join("broken.meta.json").exists(),
        "unparseable metadata is removed"
    );
    assert!(
        !meta_path(&store, &k, &orphan).exists(),
        "metadata without payload is removed"
    );
    assert!(
        meta_path(&store, &k, &foreign).exists(),
        "another schema is left in place"
    );
}

#[test]
fn rule15_corrupt_payload_is_removed_and_next_best_returned() {
    let (_t, store) = temp_store();
    let k = key(1);
    let ok = put(&store, &k, b"second best", Some(2.0), EntryKind::Final);
    let bad = put(&store, &k, b"best but corrupt", Some(1.0), EntryKind::Final);
    let p = payload_path(&store, &k, &bad);
    let mut bytes = fs::read(&p).unwrap();
    bytes[0] ^= 0x01;
    fs::write(&p, bytes).unwrap();
    let e = store.lookup(&k).unwrap().unwrap();
    assert_eq!(e.run_id, ok);
    assert!(!meta_path(&store, &k, &bad).exists());
    assert!(!p.exists());
    // Truncation is caught by the length check.
    let p = payload_path(&store, &k, &ok);
    fs::write(&p, b"second").unwrap();
    assert!(store.lookup(&k).unwrap().is_none());
}

#[test]
fn rule16_oversized_payload_is_corrupt_without_reading_it_all() {
    let (_t, store) = temp_store();
    let k = key(1);
    let run = put(&store, &k, b"tiny", Some(1.0), EntryKind::Final);
    let p = payload_path(&store, &k, &run);
    // A sparse terabyte: reading it whole would not finish within the test.
    let f = fs::OpenOptions::new().write(true).open(&p).unwrap();
    f.set_len(1 << 40).unwrap();
    drop(f);
    let started = std::time::Instant::now();
    assert!(store.lookup(&k).unwrap().is_none());
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(!p.exists());
}

#[test]
fn rule17_lookup_hit_counts_as_a_use() {
    let (_t, store) = temp_store();
    let k = key(1);
    let run = put(&store, &k, b"x", Some(1.0), EntryKind::Final);
    let meta = meta_path(&store, &k, &run);
    age_entry(&store, &k, &run, Duration::from_secs(7200));
    set_mtime_ago(&meta, Duration::from_secs(3600));
    let before = store.entries(&k).unwrap()[0].last_used_unix_secs;
    store.lookup(&k).unwrap().unwrap();
    let after = store.entries(&k).unwrap()[0].last_used_unix_secs;
    assert!(after >= before + 3500, "last use moved from {before} to {after}");
}

#[test]
fn rule27_files_and_directories_are_private() {
    let (_t, store) = temp_store();
    let k = key(1);
    let run = put(&store, &k, b"x", None, EntryKind::Final);
    let mode = |p: &std::path::Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(store.root()), 0o700);
    assert_eq!(mode(&store.key_dir(&k)), 0o700);
    assert_eq!(mode(&meta_path(&store, &k, &run)), 0o600);
    assert_eq!(mode(&payload_path(&store, &k, &run)), 0o600);
}
