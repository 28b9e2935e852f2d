//! Hostile or unlucky files in the store (issue 11): FIFOs and huge files
//! named like the store's, a file or symbolic link in place of a key
//! directory, write times in the future, identical Final copies.
//!
//! Every operation that could block on a FIFO runs on a thread with a
//! deadline, so that a regression fails the test instead of hanging it.

// The size test reports its time and memory.
#![allow(clippy::print_stdout)]

mod common;

use std::ffi::CString;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime};

use common::*;
use warmstart::{EntryKind, PrunePolicy, VerifyMode, WarmStartStore};

/// Far longer than any of these operations takes on a loaded machine, far
/// shorter than forever.
const HANG_DEADLINE: Duration = Duration::from_secs(30);

/// The size of the sparse "metadata" file: 3 GB, costing no disk.
const HUGE_LEN: u64 = 3 << 30;

/// Creates a FIFO at `path`.
fn mkfifo(path: &Path) {
    let c = CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo only creates a file.
    let rc = unsafe { libc::mkfifo(c.as_ptr(), 0o600) };
    assert_eq!(rc, 0, "mkfifo {}: {}", path.display(), std::io::Error::last_os_error());
}

/// Runs `f` on a thread and returns its result, failing the test if it has
/// not finished within [`HANG_DEADLINE`] (a read blocked on a FIFO).
fn within_deadline<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(HANG_DEADLINE)
        .unwrap_or_else(|_| panic!("{what} did not finish within {HANG_DEADLINE:?}: it blocks"))
}

fn is_fifo(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_fifo())
}

/// Peak resident memory of this process so far (VmHWM), in bytes.
fn peak_rss() -> u64 {
    let status = fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    let kb: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kb * 1024
}

#[test]
fn a_fifo_named_like_metadata_is_a_corrupt_entry_and_never_blocks() {
    let (_t, store) = temp_store();
    let k = key(1);
    let good = put(&store, &k, b"good", Some(2.0), EntryKind::Final);
    let fifo = store.key_dir(&k).join("planted.meta.json");
    mkfifo(&fifo);

    let s = store.clone();
    let stats = within_deadline("stats", move || s.stats().unwrap());
    assert_eq!((stats.entries, stats.odd_files), (1, 1), "{stats:?}");
    let s = store.clone();
    let entries = within_deadline("entries", move || s.entries(&k).unwrap());
    assert_eq!(entries.len(), 1);
    let s = store.clone();
    let report = within_deadline("verify", move || s.verify(VerifyMode::Report).unwrap());
    assert_eq!(report.entries_ok, 1);
    assert_eq!(report.issues.len(), 1, "{report:?}");
    assert_eq!(report.issues[0].path, fifo);
    assert!(report.issues[0].problem.contains("FIFO"), "{report:?}");
    assert!(is_fifo(&fifo), "report only");

    let s = store.clone();
    let report = within_deadline("verify --fix", move || s.verify(VerifyMode::Fix).unwrap());
    assert!(report.issues[0].removed, "{report:?}");
    assert!(!fifo.exists() && !is_fifo(&fifo));

    // Lookup meets one too: corrupt metadata, removed; the good entry returned.
    mkfifo(&fifo);
    let s = store.clone();
    let found = within_deadline("lookup", move || s.lookup(&k).unwrap());
    assert_eq!(found.unwrap().run_id, good);
    assert!(!is_fifo(&fifo), "lookup removes corrupt metadata (rule 14)");

    // And a full pass, and clear.
    mkfifo(&fifo);
    let s = store.clone();
    let pass = within_deadline("prune", move || {
        s.prune(&PrunePolicy::exact(u64::MAX, Duration::ZERO)).unwrap()
    });
    assert_eq!(pass.corrupt_entries, 1, "{pass:?}");
    mkfifo(&fifo);
    let s = store.clone();
    within_deadline("clear", move || s.clear().unwrap());
    assert!(
        !store.root().join(k.to_hex()).exists(),
        "clear leaves nothing: {:?}",
        files_of(&store, &k)
    );
}

#[test]
fn a_fifo_in_place_of_a_payload_is_a_corrupt_entry_and_never_blocks() {
    let (_t, store) = temp_store();
    let k = key(2);
    let second = put(&store, &k, b"second best", Some(2.0), EntryKind::Final);
    let best = put(&store, &k, b"best", Some(1.0), EntryKind::Final);
    let payload = payload_path(&store, &k, &best);
    fs::remove_file(&payload).unwrap();
    mkfifo(&payload);

    let s = store.clone();
    let report = within_deadline("verify", move || s.verify(VerifyMode::Report).unwrap());
    assert_eq!(report.issues.len(), 1, "{report:?}");
    assert!(report.issues[0].problem.contains("FIFO"), "{report:?}");
    let s = store.clone();
    let found = within_deadline("lookup", move || s.lookup(&k).unwrap());
    assert_eq!(found.unwrap().run_id, second, "the next best entry (rule 15)");
    assert!(!payload.exists() && !is_fifo(&payload), "the bad entry is removed");

    // An unreferenced FIFO named like a payload: reported, and removed by --fix.
    let stray = store.key_dir(&k).join("run.1-2-3-4.payload");
    mkfifo(&stray);
    let s = store.clone();
    let report = within_deadline("verify --fix", move || s.verify(VerifyMode::Fix).unwrap());
    assert_eq!(report.issues.len(), 1, "{report:?}");
    assert!(report.issues[0].removed && !is_fifo(&stray), "{report:?}");
}

#[test]
fn a_fifo_in_place_of_the_usage_record_is_replaced() {
    let (_t, store) = temp_store();
    let usage = store.root().join(".usage.json");
    let _ = fs::remove_file(&usage);
    mkfifo(&usage);
    let s = store.clone();
    within_deadline("save", move || {
        s.save(&key(3), b"x", None, None, EntryKind::Final).unwrap();
    });
    assert!(
        fs::symlink_metadata(&usage).unwrap().is_file(),
        "a regular usage record again"
    );
}

#[test]
fn a_3_gb_metadata_file_is_refused_without_being_read() {
    let (_t, store) = temp_store();
    let k = key(4);
    let good = put(&store, &k, b"good", Some(1.0), EntryKind::Final);
    let huge = store.key_dir(&k).join("huge.meta.json");
    fs::File::create(&huge).unwrap().set_len(HUGE_LEN).unwrap();
    let before = peak_rss();
    let started = Instant::now();

    let report = store.verify(VerifyMode::Report).unwrap();
    assert_eq!(report.issues.len(), 1, "{report:?}");
    assert!(report.issues[0].problem.contains("more than"), "{report:?}");
    assert_eq!(store.stats().unwrap().odd_files, 1);
    assert_eq!(store.lookup(&k).unwrap().unwrap().run_id, good);
    assert!(!huge.exists(), "lookup removed it as corrupt metadata");

    let elapsed = started.elapsed();
    let grown = peak_rss().saturating_sub(before);
    println!("3 GB metadata: verify + stats + lookup in {elapsed:?}, peak memory grew by {grown} bytes");
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}: it was read");
    assert!(grown < 64 << 20, "peak memory grew by {grown} bytes: it was read");
}

#[test]
fn a_huge_payload_file_is_refused_by_its_size_without_being_read() {
    let (_t, store) = temp_store();
    let k = key(5);
    let run = put(&store, &k, b"tiny", Some(1.0), EntryKind::Final);
    let payload = payload_path(&store, &k, &run);
    fs::OpenOptions::new()
        .write(true)
        .open(&payload)
        .unwrap()
        .set_len(HUGE_LEN)
        .unwrap();
    let started = Instant::now();
    let report = store.verify(VerifyMode::Report).unwrap();
    assert!(
        report.issues[0].problem.contains(&format!("{HUGE_LEN} bytes")),
        "{report:?}"
    );
    assert!(store.lookup(&k).unwrap().is_none());
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
}

/// A file, a FIFO, or a symbolic link (to a directory outside the root) in
/// place of a key directory: a lookup misses, a save replaces it with the
/// directory (never touching the link's target), verify reports it and
/// --fix removes it, clear removes it.
#[test]
fn odd_things_in_place_of_a_key_directory_are_repaired() {
    let (tmp, store) = temp_store();
    let outside = tmp.path().join("outside");
    fs::create_dir(&outside).unwrap();
    fs::write(outside.join("keep.meta.json"), b"not the store's").unwrap();
    let plant = |n: u64| {
        let at = store.key_dir(&key(n));
        match n % 3 {
            0 => fs::write(&at, b"a file").unwrap(),
            1 => mkfifo(&at),
            _ => symlink(&outside, &at).unwrap(),
        }
    };
    for n in 10..13 {
        plant(n);
        assert!(store.lookup(&key(n)).unwrap().is_none());
    }
    assert_eq!(store.stats().unwrap().odd_files, 3);
    let report = store.verify(VerifyMode::Report).unwrap();
    assert_eq!(report.issues.len(), 3, "{report:?}");
    assert!(
        report
            .issues
            .iter()
            .all(|i| !i.removed && i.problem.contains("in place of the key directory"))
    );

    // A save repairs its key.
    for n in 10..13 {
        store.save(&key(n), b"mine", Some(1.0), None, EntryKind::Final).unwrap();
        assert!(fs::symlink_metadata(store.key_dir(&key(n))).unwrap().is_dir());
        assert_eq!(store.lookup(&key(n)).unwrap().unwrap().payload, b"mine");
    }
    // verify --fix removes, and so does clear.
    for n in 20..23 {
        plant(n);
    }
    let report = store.verify(VerifyMode::Fix).unwrap();
    assert_eq!(report.issues.len(), 3, "{report:?}");
    assert!(report.issues.iter().all(|i| i.removed), "{report:?}");
    for n in 30..33 {
        plant(n);
    }
    let (keys, _) = store.clear().unwrap();
    assert_eq!(keys, 6, "three key directories and three odd things");
    let left: Vec<_> = fs::read_dir(store.root())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .collect();
    assert!(left.is_empty(), "{left:?}");
    assert_eq!(fs::read(outside.join("keep.meta.json")).unwrap(), b"not the store's");
}

/// Sets a metadata file's write time `ahead` into the future, and its mtime too.
fn write_in_the_future(store: &WarmStartStore, k: &warmstart::Fingerprint, run: &str, ahead: Duration) {
    let path = meta_path(store, k, run);
    edit_json(&path, |v| {
        let secs = v["written_unix_secs"].as_u64().unwrap();
        v["written_unix_secs"] = (secs + ahead.as_secs()).into();
    });
    let f = fs::File::options().write(true).open(&path).unwrap();
    f.set_modified(SystemTime::now() + ahead).unwrap();
}

#[test]
fn entries_written_in_the_future_do_not_outlive_the_ttl() {
    let (_t, store) = temp_store();
    let k = key(6);
    let far = put(&store, &k, b"far ahead", Some(1.0), EntryKind::Final);
    let near = put(&store, &k, b"skew", Some(2.0), EntryKind::Final);
    write_in_the_future(&store, &k, &far, Duration::from_secs(400 * 24 * 3600));
    write_in_the_future(&store, &k, &near, Duration::from_secs(60));
    assert!(Duration::from_secs(60) < warmstart::FUTURE_SKEW_ALLOWANCE);

    // No age limit (TTL zero) is the contract's "no expiry": both stay.
    let report = store.prune(&PrunePolicy::exact(u64::MAX, Duration::ZERO)).unwrap();
    assert_eq!(report.expired_entries, 0, "no age limit: {report:?}");
    // Under any age limit the far one goes, however young it claims to be.
    let report = store
        .prune(&PrunePolicy::exact(u64::MAX, Duration::from_secs(30 * 24 * 3600)))
        .unwrap();
    assert_eq!(report.expired_entries, 1, "{report:?}");
    let left = store.lookup(&k).unwrap().unwrap();
    assert_eq!(left.run_id, near, "within the skew allowance it stays");

    // Lookup treats it the same way.
    let far = put(&store, &k, b"far ahead", Some(0.5), EntryKind::Final);
    write_in_the_future(&store, &k, &far, Duration::from_secs(3600 * 24));
    assert_eq!(store.lookup(&k).unwrap().unwrap().run_id, near);
    assert!(!meta_path(&store, &k, &far).exists());
}

#[test]
fn a_last_use_in_the_future_counts_as_least_recent() {
    let (_t, store) = temp_store();
    let (a, b) = (key(7), key(8));
    let old = put(&store, &a, &[1; 1000], Some(1.0), EntryKind::Final);
    set_mtime_ago(&meta_path(&store, &a, &old), Duration::from_secs(3600));
    let ahead = put(&store, &b, &[2; 1000], Some(1.0), EntryKind::Final);
    let f = fs::File::options()
        .write(true)
        .open(meta_path(&store, &b, &ahead))
        .unwrap();
    f.set_modified(SystemTime::now() + Duration::from_secs(30 * 24 * 3600))
        .unwrap();
    let one = store.stats().unwrap().bytes / 2;
    let report = store.prune(&PrunePolicy::exact(one + 10, Duration::ZERO)).unwrap();
    assert_eq!(report.evicted_entries, 1, "{report:?}");
    assert!(
        store.lookup(&a).unwrap().is_some(),
        "the entry really used least recently stays"
    );
    assert!(
        store.lookup(&b).unwrap().is_none(),
        "the one 'used' in 30 days went first"
    );
}

#[test]
fn identical_finals_are_kept_once_the_latest() {
    let (_t, store) = temp_store();
    let k = key(9);
    let runs: Vec<String> = (0..5)
        .map(|_| put(&store, &k, b"same model", Some(1.0), EntryKind::Final))
        .collect();
    let metas = meta_paths(&store, &k);
    assert_eq!(metas.len(), 1, "one copy: {metas:?}");
    assert_eq!(
        store.lookup(&k).unwrap().unwrap().run_id,
        runs[4],
        "the latest, as lookup ranks them"
    );
    // Different content, objective or kind is kept apart.
    put(&store, &k, b"other model", Some(1.0), EntryKind::Final);
    put(&store, &k, b"same model", Some(0.5), EntryKind::Final);
    put(&store, &k, b"same model", Some(1.0), EntryKind::Checkpoint);
    put(&store, &k, b"same model", Some(1.0), EntryKind::Checkpoint);
    assert_eq!(meta_paths(&store, &k).len(), 5);
    assert!(store.verify(VerifyMode::Report).unwrap().issues.is_empty());
}
