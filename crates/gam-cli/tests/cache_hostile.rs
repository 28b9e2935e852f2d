//! End-to-end tests of hostile or unlucky files in the cache (issue 11):
//! FIFOs named like metadata or payload files, a 3 GB file named like
//! metadata, a file or symbolic link in place of a key directory, and a
//! prune beside processes that keep writing.
//!
//! Every `gam` run here has a deadline: a run that blocks (as a read of a
//! FIFO does) is killed and fails the test instead of hanging it.

// The tests report how long the commands took and how much memory they used.
#![allow(clippy::print_stderr)]

mod common;

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::cache::{CacheRun, open};
use common::fit::{MCYCLE_CR, mcycle};
use common::{GAM, Run};
use warmstart::{EntryKind, Fingerprint};

/// Far longer than any of these commands takes on a loaded machine, far
/// shorter than forever.
const DEADLINE: Duration = Duration::from_secs(120);

/// The size of the sparse file named like metadata: 3 GB, costing no disk.
const HUGE_LEN: u64 = 3 << 30;

/// Runs `gam --cache-dir ROOT ARGS...`; kills it and fails if it has not
/// ended within [`DEADLINE`]. Returns the outcome and how long it took.
fn gam_within_deadline(root: &Path, args: &[&str]) -> (Run, Duration) {
    let mut all: Vec<&OsStr> = vec![OsStr::new("--cache-dir"), root.as_os_str()];
    all.extend(args.iter().map(OsStr::new));
    let started = Instant::now();
    let child = Command::new(GAM)
        .args(&all)
        .env_remove("GAM_CACHE_DIR")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("gam starts");
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(DEADLINE) {
        Ok(out) => (Run::from(out.expect("gam runs")), started.elapsed()),
        Err(_) => {
            // Only this child, by its id.
            let _ = Command::new("kill").args(["-KILL", &pid.to_string()]).status();
            panic!("`gam {}` did not end within {DEADLINE:?}: it hangs", args.join(" "));
        }
    }
}

/// `gam fit` of the mcycle model through the cache at `root`.
fn fit(root: &Path) -> (Run, Duration) {
    let data = mcycle();
    gam_within_deadline(root, &["fit", data.to_str().unwrap(), MCYCLE_CR])
}

/// The key directories under `root`.
fn key_dirs(root: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() && p.file_name().unwrap().len() == 64)
        .collect();
    dirs.sort();
    dirs
}

fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo").arg(path).status().is_ok_and(|s| s.success());
    assert!(ok, "mkfifo {}", path.display());
}

/// In every key directory: a FIFO named like metadata, and every payload
/// file replaced by a FIFO. Returns how many FIFOs it made.
fn plant_fifos(root: &Path) -> usize {
    let mut n = 0;
    for dir in key_dirs(root) {
        mkfifo(&dir.join("planted.meta.json"));
        n += 1;
        for e in fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.to_str().unwrap().ends_with(".payload") && p.is_file() {
                fs::remove_file(&p).unwrap();
                mkfifo(&p);
                n += 1;
            }
        }
    }
    n
}

/// A fitted cache in a fresh temporary directory: (directory, root).
fn fitted_cache() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("cache");
    fit(&root).0.assert_ok();
    assert!(!key_dirs(&root).is_empty());
    (tmp, root)
}

fn no_cache_warning(run: &Run) {
    assert!(!run.stderr.contains("cache off"), "{run:?}");
}

#[test]
fn fifos_in_the_cache_hang_neither_fit_nor_any_cache_command() {
    let (_tmp, root) = fitted_cache();
    let planted = plant_fifos(&root);
    assert!(planted >= 2);

    // The fit: every entry is corrupt, a miss; the fit proceeds.
    let (run, took) = fit(&root);
    run.assert_ok();
    no_cache_warning(&run);
    assert!(!run.stderr.contains("exact hit"), "{run:?}");
    let mut times = vec![("fit", took)];

    let prefix = key_dirs(&root)[0].file_name().unwrap().to_str().unwrap()[..12].to_owned();
    plant_fifos(&root);
    for args in [&["cache", "ls"][..], &["cache", "show", &prefix], &["cache", "stats"]] {
        let (run, took) = gam_within_deadline(&root, args);
        run.assert_ok();
        times.push((args[1], took));
    }
    let (run, took) = gam_within_deadline(&root, &["cache", "verify"]);
    assert_eq!(run.code, 1, "bad entries found: {run:?}");
    assert!(run.stdout.contains("FIFO"), "{run:?}");
    times.push(("verify", took));
    let (run, took) = gam_within_deadline(&root, &["cache", "verify", "--fix"]);
    run.assert_ok();
    times.push(("verify --fix", took));
    gam_within_deadline(&root, &["cache", "verify"]).0.assert_ok();

    plant_fifos(&root);
    let (run, took) = gam_within_deadline(&root, &["cache", "prune"]);
    run.assert_ok();
    times.push(("prune", took));
    plant_fifos(&root);
    let (run, took) = gam_within_deadline(&root, &["cache", "clear", "--yes"]);
    run.assert_ok();
    times.push(("clear", took));
    assert!(key_dirs(&root).is_empty(), "clear removed everything");
    eprintln!("with FIFOs planted: {times:?}");
}

/// Peak memory (KiB) of a `gam` run, through `/usr/bin/time` when present.
fn peak_kib(root: &Path, args: &[&str]) -> Option<u64> {
    let report = root.parent().unwrap().join("time.txt");
    let mut cmd = Command::new("/usr/bin/time");
    cmd.args(["-f", "%M", "-o"])
        .arg(&report)
        .arg(GAM)
        .arg("--cache-dir")
        .arg(root)
        .args(args)
        .env_remove("GAM_CACHE_DIR")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd.status().ok()?;
    fs::read_to_string(report).ok()?.trim().lines().last()?.parse().ok()
}

#[test]
fn a_3_gb_file_named_like_metadata_is_not_read() {
    let (_tmp, root) = fitted_cache();
    let plant = || {
        for dir in key_dirs(&root) {
            fs::File::create(dir.join("huge.meta.json"))
                .unwrap()
                .set_len(HUGE_LEN)
                .unwrap();
        }
    };
    plant();
    let (run, took) = gam_within_deadline(&root, &["cache", "verify"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout.contains("more than the 65536 allowed"), "{run:?}");
    let mut times = vec![("verify", took)];
    for args in [&["cache", "ls"][..], &["cache", "stats"]] {
        let (run, took) = gam_within_deadline(&root, args);
        run.assert_ok();
        times.push((args[1], took));
    }
    // The fit meets it too (and removes it as corrupt), and is an exact hit.
    let (run, took) = fit(&root);
    run.assert_ok();
    assert!(run.stderr.contains("exact hit"), "{run:?}");
    times.push(("fit", took));
    for (what, t) in &times {
        assert!(*t < Duration::from_secs(30), "{what} took {t:?}: the file was read");
    }
    plant();
    match peak_kib(&root, &["cache", "verify"]) {
        Some(kib) => {
            eprintln!("3 GB metadata: {times:?}; peak memory of verify {kib} KiB");
            assert!(kib < 256 * 1024, "verify used {kib} KiB: the file was read");
        }
        None => eprintln!("3 GB metadata: {times:?}; no /usr/bin/time here to measure peak memory"),
    }
}

/// A file, a FIFO or a symbolic link in place of every key directory: the
/// next fit misses, replaces it with the directory without a "cache off"
/// warning, and the fit after that is an exact hit; nothing outside the
/// root is touched.
#[test]
fn a_key_directory_replaced_is_repaired_by_the_next_fit() {
    for variant in ["file", "fifo", "symlink"] {
        let (tmp, root) = fitted_cache();
        let outside = tmp.path().join("outside");
        fs::create_dir(&outside).unwrap();
        fs::write(outside.join("keep"), b"keep me").unwrap();
        let dirs = key_dirs(&root);
        for dir in &dirs {
            fs::remove_dir_all(dir).unwrap();
            match variant {
                "file" => fs::write(dir, b"not a directory").unwrap(),
                "fifo" => mkfifo(dir),
                _ => std::os::unix::fs::symlink(&outside, dir).unwrap(),
            }
        }
        let (run, _) = gam_within_deadline(&root, &["cache", "verify"]);
        assert_eq!(run.code, 1, "{variant}: {run:?}");
        assert!(
            run.stdout.contains("in place of the key directory"),
            "{variant}: {run:?}"
        );

        let (run, _) = fit(&root);
        run.assert_ok();
        no_cache_warning(&run);
        for dir in &dirs {
            assert!(fs::symlink_metadata(dir).unwrap().is_dir(), "{variant}: repaired");
        }
        let (run, _) = fit(&root);
        assert!(run.stderr.contains("exact hit"), "{variant}: {run:?}");
        gam_within_deadline(&root, &["cache", "verify"]).0.assert_ok();
        assert_eq!(fs::read(outside.join("keep")).unwrap(), b"keep me");
        assert_eq!(
            fs::read_dir(&outside).unwrap().count(),
            1,
            "{variant}: nothing written outside"
        );
    }
}

/// Planted in place of key directories, verify --fix and clear remove them.
#[test]
fn verify_fix_and_clear_remove_what_is_planted_in_place_of_a_key_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("cache");
    let _store = open(&root);
    let outside = tmp.path().join("outside");
    fs::create_dir(&outside).unwrap();
    let plant = |tag: u8| {
        let k = |n: u8| Fingerprint::from_bytes([tag + n; 32]).to_hex();
        fs::write(root.join(k(0)), b"a file").unwrap();
        mkfifo(&root.join(k(1)));
        std::os::unix::fs::symlink(&outside, root.join(k(2))).unwrap();
    };
    plant(0x10);
    let json = gam_within_deadline(&root, &["cache", "stats", "--json"]).0;
    assert_eq!(json.assert_ok().json()["odd_files"], 3);
    let fix = gam_within_deadline(&root, &["cache", "verify", "--fix"]).0;
    fix.assert_ok();
    assert!(fix.stdout.contains("removed 3 bad entries"), "{fix:?}");
    assert_eq!(fs::read_dir(&root).unwrap().filter(|e| e.is_ok()).count(), 0);

    plant(0x20);
    // Only odd things, no key: clear still removes them.
    let clear = gam_within_deadline(&root, &["cache", "clear", "--yes", "--json"]).0;
    assert_eq!(clear.assert_ok().json()["keys_removed"], 3);
    assert_eq!(fs::read_dir(&root).unwrap().count(), 0);
    assert!(outside.exists());
}

/// How many `gam cache prune` runs meet the writers.
const PRUNES_BESIDE_WRITERS: usize = 40;

/// `prune --max-size 0` while other writers keep rewriting their slots: it
/// removes what it can and succeeds; entries written meanwhile are no error.
#[test]
fn prune_to_zero_beside_writers_succeeds() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("cache");
    let store = open(&root);
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..2u8)
        .map(|w| {
            let (store, stop) = (store.clone(), stop.clone());
            std::thread::spawn(move || {
                let key = Fingerprint::from_bytes([0x40 + w; 32]);
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let slot = format!("slot-{}", n % 3);
                    store
                        .save_overwrite(&key, &slot, &[w; 4096], Some(n as f64), Some(n), EntryKind::Checkpoint)
                        .unwrap();
                    n += 1;
                }
                n
            })
        })
        .collect();
    let mut rewritten = 0;
    for i in 0..PRUNES_BESIDE_WRITERS {
        let (run, _) = gam_within_deadline(&root, &["cache", "prune", "--max-size", "0", "--json"]);
        run.assert_ok();
        rewritten += run.json()["changed_entries"].as_u64().unwrap();
        assert_eq!(run.json()["failed_removals"], 0, "prune {i}: {run:?}");
    }
    stop.store(true, Ordering::Relaxed);
    let saves: u64 = writers.into_iter().map(|w| w.join().unwrap()).sum();
    eprintln!(
        "prune beside writers: {PRUNES_BESIDE_WRITERS} prunes, {saves} saves, {rewritten} entries rewritten during a prune"
    );
    gam_within_deadline(&root, &["cache", "prune", "--max-size", "0"])
        .0
        .assert_ok();
}

/// How many fits of one model run at once.
const CONCURRENT_FITS: usize = 12;

/// Many processes fitting the same model at once leave one Final entry
/// under its key, not one identical copy each.
#[test]
fn concurrent_fits_of_one_model_leave_one_final_copy() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("cache");
    let data = mcycle();
    let fits: Vec<_> = (0..CONCURRENT_FITS)
        .map(|_| {
            let (root, data) = (root.clone(), data.clone());
            std::thread::spawn(move || fit_at(&root, &data))
        })
        .collect();
    for f in fits {
        f.join().unwrap().assert_ok();
    }
    // Final entries by key and content (payload checksum, objective, iteration).
    let mut copies: std::collections::BTreeMap<(String, String, String, String), usize> = Default::default();
    for dir in key_dirs(&root) {
        for e in fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if !p.to_str().unwrap().ends_with(".meta.json") {
                continue;
            }
            let m: serde_json::Value = serde_json::from_slice(&fs::read(&p).unwrap()).unwrap();
            if m["kind"] == "final" {
                let name = dir.file_name().unwrap().to_str().unwrap()[..12].to_owned();
                let content = (
                    m["payload_sha256"].to_string(),
                    m["objective"].to_string(),
                    m["iteration"].to_string(),
                );
                *copies.entry((name, content.0, content.1, content.2)).or_default() += 1;
            }
        }
    }
    eprintln!(
        "{CONCURRENT_FITS} concurrent fits: Final entries (key, sha, objective, iteration) -> copies: {copies:?}"
    );
    for (what, n) in &copies {
        assert_eq!(*n, 1, "{n} identical Final copies of {what:?}");
    }
    let (run, _) = fit(&root);
    assert!(run.stderr.contains("exact hit"), "{run:?}");
    gam_within_deadline(&root, &["cache", "verify"]).0.assert_ok();
}

/// `gam fit` of the mcycle model on `data` through the cache at `root`.
fn fit_at(root: &Path, data: &Path) -> Run {
    gam_within_deadline(root, &["fit", data.to_str().unwrap(), MCYCLE_CR]).0
}

/// An entry written under a clock far ahead is removed by `prune
/// --older-than` (and by any prune), not kept for ever.
#[test]
fn prune_removes_an_entry_written_in_the_future() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("cache");
    let store = open(&root);
    let key = Fingerprint::from_bytes([0x77; 32]);
    let run = store
        .save(&key, b"from the future", Some(1.0), None, EntryKind::Final)
        .unwrap();
    let meta = common::cache::meta_path(&root, &key, &run);
    let mut v: serde_json::Value = serde_json::from_slice(&fs::read(&meta).unwrap()).unwrap();
    let year = 365 * 24 * 3600;
    v["written_unix_secs"] = (common::cache::now_secs() + year).into();
    fs::write(&meta, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
    common::cache::set_mtime(&meta, std::time::SystemTime::now() + Duration::from_secs(year));
    let (run, _) = gam_within_deadline(&root, &["cache", "prune", "--older-than", "7d", "--json"]);
    let report = run.assert_ok().json();
    assert_eq!(report["expired_entries"], 1, "{run:?}");
    assert!(store.keys().unwrap().is_empty());
}
