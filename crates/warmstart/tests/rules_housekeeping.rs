//! The contract's rules on bounding disk use and on security (18 to 21, 27, 28).

mod common;

use std::fs;
use std::os::unix::fs::symlink;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::*;
use warmstart::{EntryKind, PrunePolicy, StoreOptions};

const KIB: usize = 1024;

#[test]
fn rule18_entries_older_than_the_ttl_are_removed() {
    let (_t, store) = temp_store_with(StoreOptions {
        ttl: Duration::from_secs(86_400),
        ..relaxed()
    });
    let (old_key, fresh_key) = (key(1), key(2));
    let old = put(&store, &old_key, b"old", Some(1.0), EntryKind::Final);
    put(&store, &fresh_key, b"fresh", Some(1.0), EntryKind::Final);
    age_entry(&store, &old_key, &old, Duration::from_secs(2 * 86_400));
    store.evict_overflow().unwrap();
    assert!(
        !store.key_dir(&old_key).exists(),
        "expired entry and its empty key dir removed"
    );
    assert_eq!(store.lookup(&fresh_key).unwrap().unwrap().payload, b"fresh");
    // Lookup also refuses an expired entry.
    let old = put(&store, &old_key, b"old again", Some(1.0), EntryKind::Final);
    age_entry(&store, &old_key, &old, Duration::from_secs(2 * 86_400));
    assert!(store.lookup(&old_key).unwrap().is_none());
}

#[test]
fn rule19_least_recently_used_go_first_until_within_budget() {
    let (_t, roomy) = temp_store();
    let keys: Vec<_> = (0..5).map(key).collect();
    let runs: Vec<_> = keys
        .iter()
        .map(|k| put(&roomy, k, &vec![7u8; 10 * KIB], Some(1.0), EntryKind::Final))
        .collect();
    // The same root with a budget for about three of the five 10 KiB entries.
    let store = warmstart::WarmStartStore::open(
        roomy.root().to_path_buf(),
        StoreOptions {
            size_budget_bytes: 35 * KIB as u64,
            ..relaxed()
        },
    )
    .unwrap();
    // Make entry 0 the oldest write but the most recent use.
    for (i, (k, r)) in keys.iter().zip(&runs).enumerate() {
        set_mtime_ago(&meta_path(&store, k, r), Duration::from_secs(1000 - 100 * i as u64));
    }
    store.lookup(&keys[0]).unwrap().unwrap();
    store.evict_overflow().unwrap();
    let alive: Vec<bool> = keys.iter().map(|k| store.key_dir(k).exists()).collect();
    assert_eq!(
        alive,
        [true, false, false, true, true],
        "1 and 2 were least recently used"
    );
    let total: u64 = keys
        .iter()
        .flat_map(|k| store.entries(k).unwrap())
        .map(|e| e.disk_bytes)
        .sum();
    assert!(total <= 35 * KIB as u64);
}

#[test]
fn rule19_a_save_over_budget_triggers_eviction() {
    let (_t, store) = temp_store_with(StoreOptions {
        size_budget_bytes: 50 * KIB as u64,
        ..relaxed()
    });
    for i in 0..20 {
        put(&store, &key(i), &vec![1u8; 10 * KIB], Some(1.0), EntryKind::Checkpoint);
    }
    let stats = store.stats().unwrap();
    assert!(stats.bytes <= 50 * KIB as u64, "{stats:?}");
    assert!(stats.entries >= 3, "{stats:?}");
    assert!(store.lookup(&key(19)).unwrap().is_some(), "the newest entry survives");
}

#[test]
fn rule20_saves_do_not_walk_the_store() {
    let (_t, store) = temp_store();
    for i in 0..300 {
        put(&store, &key(i % 50), b"payload", Some(i as f64), EntryKind::Checkpoint);
    }
    // The very first save of a new store may find no record of a pass and do one.
    assert!(
        store.full_walks() <= 1,
        "{} full walks for 300 saves",
        store.full_walks()
    );
    let before = store.full_walks();
    store.evict_overflow().unwrap();
    assert_eq!(store.full_walks(), before + 1, "evict_overflow always walks");
    // The running total is kept without walking and is close to the truth.
    let usage: serde_json::Value =
        serde_json::from_slice(&fs::read(store.root().join(".usage.json")).unwrap()).unwrap();
    assert_eq!(usage["bytes"].as_u64().unwrap(), store.stats().unwrap().bytes);
}

#[test]
fn rule20_running_total_tracks_saves_and_walks_once_over_budget() {
    let (_t, store) = temp_store_with(StoreOptions {
        size_budget_bytes: 100 * KIB as u64,
        ..relaxed()
    });
    put(&store, &key(0), b"x", None, EntryKind::Final);
    let walks = store.full_walks();
    for i in 1..9 {
        put(&store, &key(i), &vec![0u8; 10 * KIB], None, EntryKind::Final);
    }
    assert_eq!(store.full_walks(), walks, "under budget: no walk");
    for i in 9..12 {
        put(&store, &key(i), &vec![0u8; 10 * KIB], None, EntryKind::Final);
    }
    assert_eq!(
        store.full_walks(),
        walks + 1,
        "one walk when the total passes the budget"
    );
}

#[test]
fn rule21_dead_writers_temp_files_go_live_writers_stay() {
    let (_t, store) = temp_store();
    let k = key(1);
    put(&store, &k, b"x", None, EntryKind::Final);
    let dir = store.key_dir(&k);

    // A process that has exited: its pid and start time no longer match a live process.
    let mut dead = Command::new("true").spawn().unwrap();
    let dead_pid = dead.id();
    dead.wait().unwrap();
    let dead_tmp = dir.join(format!(".tmp.{dead_pid}-12345-abc-0-0.payload"));
    fs::write(&dead_tmp, b"half").unwrap();

    // A live child process, identified by its real start time.
    let mut live = Command::new("sleep").arg("30").stdout(Stdio::null()).spawn().unwrap();
    let stat = fs::read_to_string(format!("/proc/{}/stat", live.id())).unwrap();
    let start: u64 = stat[stat.rfind(')').unwrap() + 1..]
        .split_whitespace()
        .nth(19)
        .unwrap()
        .parse()
        .unwrap();
    let live_tmp = dir.join(format!(".tmp.{}-{start}-abc-0-0.payload", live.id()));
    fs::write(&live_tmp, b"in progress").unwrap();

    // This process's own temp file, even an old one.
    let own_stat = fs::read_to_string("/proc/self/stat").unwrap();
    let own_start: u64 = own_stat[own_stat.rfind(')').unwrap() + 1..]
        .split_whitespace()
        .nth(19)
        .unwrap()
        .parse()
        .unwrap();
    let own_tmp = dir.join(format!(".tmp.{}-{own_start}-abc-0-0.meta", std::process::id()));
    fs::write(&own_tmp, b"mine").unwrap();
    set_mtime_ago(&own_tmp, Duration::from_secs(5 * 3600));

    // No writer can be told from the name: removed only once older than an hour.
    let anon_old = dir.join(".tmp.unnamed-old.payload");
    let anon_new = dir.join(".tmp.unnamed-new.payload");
    fs::write(&anon_old, b"?").unwrap();
    fs::write(&anon_new, b"?").unwrap();
    set_mtime_ago(&anon_old, Duration::from_secs(2 * 3600));

    store.evict_overflow().unwrap();
    let left = |p: &std::path::Path| p.exists();
    let outcome = [
        left(&dead_tmp),
        left(&live_tmp),
        left(&own_tmp),
        left(&anon_old),
        left(&anon_new),
    ];
    live.kill().unwrap();
    live.wait().unwrap();
    assert_eq!(outcome, [false, true, true, false, true]);
    assert!(store.lookup(&k).unwrap().is_some());
}

#[test]
fn rule27_symlinks_in_the_root_are_never_followed() {
    let (tmp, store) = temp_store();
    let outside = tmp.path().join("outside");
    fs::create_dir(&outside).unwrap();
    // A directory outside the root that looks like a key directory with an entry.
    let k = key(1);
    let donor = tmp.path().join("donor");
    let donor_store = warmstart::WarmStartStore::open(donor.clone(), relaxed()).unwrap();
    put(&donor_store, &k, b"outside payload", Some(1.0), EntryKind::Final);
    let outside_key_dir = donor.join(k.to_hex());
    let before: Vec<_> = fs::read_dir(&outside_key_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    symlink(&outside_key_dir, store.key_dir(&k)).unwrap();
    symlink(&outside, store.root().join("not-a-key")).unwrap();

    assert!(store.lookup(&k).unwrap().is_none(), "a symlinked key dir is not read");
    let report = store.verify(warmstart::VerifyMode::Report).unwrap();
    assert_eq!(report.issues.len(), 1, "the planted link is reported: {report:?}");
    assert!(report.issues[0].problem.contains("symbolic link"), "{report:?}");
    // A save replaces the link (as a link) by a real key directory, writing nothing outside.
    store.save(&k, b"mine", None, None, EntryKind::Final).unwrap();
    assert!(fs::symlink_metadata(store.key_dir(&k)).unwrap().is_dir());
    assert_eq!(store.lookup(&k).unwrap().unwrap().payload, b"mine");
    store.prune(&PrunePolicy::exact(0, Duration::from_secs(1))).unwrap();
    store.verify(warmstart::VerifyMode::Fix).unwrap();
    store.clear().unwrap();
    assert!(store.keys().unwrap().is_empty());
    let after: Vec<_> = fs::read_dir(&outside_key_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(before, after, "nothing outside the root was touched");
    assert_eq!(donor_store.lookup(&k).unwrap().unwrap().payload, b"outside payload");
}

#[test]
fn rule27_symlinks_inside_a_key_dir_are_never_followed() {
    let (tmp, store) = temp_store();
    let k = key(1);
    let run = put(&store, &k, b"mine", Some(5.0), EntryKind::Final);
    let secret = tmp.path().join("secret");
    fs::write(&secret, b"do not read or delete").unwrap();
    // A payload replaced by a link to an outside file, and a metadata link.
    let p = payload_path(&store, &k, &run);
    fs::remove_file(&p).unwrap();
    symlink(&secret, &p).unwrap();
    symlink(&secret, store.key_dir(&k).join("evil.meta.json")).unwrap();
    assert!(store.lookup(&k).unwrap().is_none());
    store.evict_overflow().unwrap();
    store.clear().unwrap();
    assert_eq!(fs::read(&secret).unwrap(), b"do not read or delete");
}

#[test]
fn rule28_non_key_directories_are_ignored_and_kept() {
    let (_t, store) = temp_store();
    let root = store.root();
    for name in ["abc", &"g".repeat(64), &"A".repeat(64), &"a".repeat(63)] {
        fs::create_dir(root.join(name)).unwrap();
        fs::write(root.join(name).join("x.meta.json"), b"{broken").unwrap();
    }
    put(&store, &key(1), b"x", None, EntryKind::Final);
    assert_eq!(store.keys().unwrap(), vec![key(1)]);
    store.prune(&PrunePolicy::exact(0, Duration::from_secs(1))).unwrap();
    store.clear().unwrap();
    for name in ["abc", &"g".repeat(64), &"A".repeat(64), &"a".repeat(63)] {
        assert!(root.join(name).join("x.meta.json").exists(), "{name} kept");
    }
    assert!(warmstart::Fingerprint::from_hex(&"g".repeat(64)).is_none());
}
