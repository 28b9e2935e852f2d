//! System-level test of the warm-start store, as the contract demands: a disk
//! that fills up (rules 12 and 26), a real one: a small tmpfs mounted for the
//! test (skipped where mounting is not allowed).

// The test reports what the full disk made each write do.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod common;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::processes::*;
use warmstart::{Durability, EntryKind, Fingerprint, Session, StoreError, WarmStartStore};

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
