//! End-to-end tests of `gam cache`: each runs the built `gam` binary on a
//! temporary store filled through the `warmstart` library, and checks its
//! output, exit status and what is left on disk.

// A test that cannot run here says why on stderr instead of passing silently.
#![allow(clippy::print_stderr)]

mod common;

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs;
use std::io::Write as _;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::{GAM, Run};
use serde_json::Value;
use tempfile::TempDir;
use warmstart::{Durability, EntryKind, Fingerprint, StoreOptions, WarmStartStore};

impl Run {
    fn assert_ok(&self) -> &Self {
        assert_eq!(self.code, 0, "expected success: {self:?}");
        assert!(!self.stderr.contains("panicked"), "{self:?}");
        self
    }

    /// A failure reported as exactly one `error: ...` line containing each of `needles`.
    fn assert_error(&self, code: i32, needles: &[&str]) -> &Self {
        assert_eq!(self.code, code, "exit status: {self:?}");
        assert!(!self.stderr.contains("panicked"), "{self:?}");
        assert_eq!(self.stderr.lines().count(), 1, "one line on stderr: {self:?}");
        assert!(self.stderr.starts_with("error: "), "{self:?}");
        for n in needles {
            assert!(self.stderr.contains(n), "stderr lacks {n:?}: {self:?}");
        }
        self
    }
}

/// Runs `gam` with `args`, no GAM_CACHE_DIR in the environment and stdin not a terminal.
fn gam_cmd<I, S>(prefix: &[&str], args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let (program, pre) = match prefix.split_first() {
        Some((p, rest)) => (*p, rest),
        None => (GAM, &[][..]),
    };
    let mut cmd = Command::new(program);
    cmd.args(pre);
    if !prefix.is_empty() {
        cmd.arg(GAM);
    }
    let out = cmd
        .args(args)
        .env_remove("GAM_CACHE_DIR")
        .stdin(Stdio::null())
        .output()
        .expect("gam runs");
    out.into()
}

/// Runs `gam --cache-dir ROOT cache ARGS...`.
fn cache(root: &Path, args: &[&str]) -> Run {
    cache_as(&[], root, args)
}

/// As [`cache`], through a wrapper command (e.g. `setpriv ...`) when `prefix` is not empty.
fn cache_as(prefix: &[&str], root: &Path, args: &[&str]) -> Run {
    let mut all: Vec<&OsStr> = vec![OsStr::new("--cache-dir"), root.as_os_str(), OsStr::new("cache")];
    all.extend(args.iter().map(OsStr::new));
    gam_cmd(prefix, all)
}

fn open(root: &Path) -> WarmStartStore {
    let opts = StoreOptions {
        durability: Durability::Relaxed,
        ..StoreOptions::default()
    };
    WarmStartStore::open(root.to_path_buf(), opts).expect("store opens")
}

/// A key whose bytes start with `first`, so that its hex prefix is known.
fn key(first: &[u8]) -> Fingerprint {
    let mut bytes = [0x5a; 32];
    bytes[..first.len()].copy_from_slice(first);
    Fingerprint::from_bytes(bytes)
}

/// Key A: a checkpoint (objective 3.5, 100 bytes) and a final (1.25, 200 bytes).
/// Key B: one checkpoint without objective (50 bytes).
struct Fixture {
    _dir: TempDir,
    root: PathBuf,
    store: WarmStartStore,
    a: Fingerprint,
    b: Fingerprint,
    a_ckpt: String,
    a_final: String,
    b_ckpt: String,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("cache");
    let store = open(&root);
    let (a, b) = (key(&[0xaa, 0x01]), key(&[0xbb, 0x02]));
    let a_ckpt = store
        .save(&a, &[1; 100], Some(3.5), Some(10), EntryKind::Checkpoint)
        .unwrap();
    let a_final = store
        .save(&a, &[2; 200], Some(1.25), Some(20), EntryKind::Final)
        .unwrap();
    let b_ckpt = store.save(&b, &[3; 50], None, Some(5), EntryKind::Checkpoint).unwrap();
    Fixture {
        _dir: dir,
        root,
        store,
        a,
        b,
        a_ckpt,
        a_final,
        b_ckpt,
    }
}

fn meta_path(root: &Path, key: &Fingerprint, run_id: &str) -> PathBuf {
    root.join(key.to_hex()).join(format!("{run_id}.meta.json"))
}

fn payload_path(root: &Path, key: &Fingerprint, run_id: &str) -> PathBuf {
    let meta: Value = serde_json::from_slice(&fs::read(meta_path(root, key, run_id)).unwrap()).unwrap();
    root.join(key.to_hex()).join(meta["payload_file"].as_str().unwrap())
}

fn flip_first_byte(path: &Path) {
    let mut bytes = fs::read(path).unwrap();
    bytes[0] ^= 0xff;
    fs::write(path, bytes).unwrap();
}

fn set_mtime(path: &Path, t: SystemTime) {
    fs::File::open(path).unwrap().set_modified(t).unwrap();
}

fn now_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

/// Every file and directory under `dir` (symlinks not followed): kind,
/// content and mtime, to tell whether anything changed.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (String, Vec<u8>, SystemTime)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let path = e.unwrap().path();
            let m = fs::symlink_metadata(&path).unwrap();
            let mtime = m.modified().unwrap();
            if m.file_type().is_symlink() {
                let target = fs::read_link(&path).unwrap();
                out.insert(
                    path,
                    ("link".into(), target.into_os_string().into_encoded_bytes(), mtime),
                );
            } else if m.is_dir() {
                out.insert(path.clone(), ("dir".into(), Vec::new(), mtime));
                stack.push(path);
            } else {
                let content = fs::read(&path).unwrap();
                out.insert(path, ("file".into(), content, mtime));
            }
        }
    }
    out
}

// ------------------------------------------------------------------ dir

#[test]
fn dir_prints_the_root_from_the_option_or_the_environment() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("not-yet");
    let before = gam_cmd(&[], ["--cache-dir", root.to_str().unwrap(), "cache", "dir"]);
    before.assert_ok();
    assert_eq!(before.stdout, format!("{}\n", root.display()));
    // Global options also go after the subcommand.
    let after = gam_cmd(&[], ["cache", "dir", "--cache-dir", root.to_str().unwrap()]);
    assert_eq!(after.stdout, before.stdout);
    assert!(!root.exists(), "dir creates nothing");

    let from_env = Command::new(GAM)
        .args(["cache", "dir"])
        .env("GAM_CACHE_DIR", tmp.path().join("env"))
        .output()
        .unwrap();
    assert!(from_env.status.success());
    assert_eq!(
        String::from_utf8_lossy(&from_env.stdout),
        format!("{}\n", tmp.path().join("env").display())
    );
    let option_wins = Command::new(GAM)
        .args(["cache", "dir", "--cache-dir"])
        .arg(&root)
        .env("GAM_CACHE_DIR", tmp.path().join("env"))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&option_wins.stdout), before.stdout);
    // An empty GAM_CACHE_DIR counts as unset, as in the library.
    let empty_env = Command::new(GAM)
        .args(["cache", "dir"])
        .env("GAM_CACHE_DIR", "")
        .output()
        .unwrap();
    assert!(empty_env.status.success(), "{empty_env:?}");
    assert!(!String::from_utf8_lossy(&empty_env.stdout).trim().is_empty());

    let json = gam_cmd(&[], ["--json", "cache", "dir", "--cache-dir", root.to_str().unwrap()]);
    json.assert_ok();
    assert_eq!(json.json(), serde_json::json!({ "root": root.to_str().unwrap() }));
}

// ------------------------------------------------------------------ ls

#[test]
fn ls_on_a_missing_or_empty_store_says_it_is_empty() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("missing");
    let run = cache(&missing, &["ls"]);
    run.assert_ok();
    assert_eq!(run.stdout, format!("The cache at {} is empty.\n", missing.display()));
    assert!(!missing.exists(), "ls creates nothing");

    let empty = tmp.path().join("empty");
    open(&empty);
    let run = cache(&empty, &["ls"]);
    run.assert_ok();
    assert!(run.stdout.contains("is empty"), "{run:?}");
    assert_eq!(
        cache(&empty, &["ls", "--json"]).assert_ok().json(),
        serde_json::json!([])
    );
}

#[test]
fn ls_lists_each_key_with_its_best_entry() {
    let f = fixture();
    let run = cache(&f.root, &["ls"]);
    run.assert_ok();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "header and two keys: {run:?}");
    for col in ["KEY", "ENTRIES", "BEST OBJECTIVE", "KIND", "SIZE", "AGE"] {
        assert!(lines[0].contains(col), "{col} in {:?}", lines[0]);
    }
    let a: Vec<&str> = lines[1].split_whitespace().collect();
    assert_eq!(a[0], &f.a.to_hex()[..12]);
    assert_eq!(&a[1..4], ["2", "1.25", "final"]);
    assert!(
        a[4].parse::<f64>().is_ok() && ["B", "KiB"].contains(&a[5]),
        "size {a:?}"
    );
    assert!(a[6].ends_with('s') || a[6].ends_with('m'), "age {a:?}");
    let b: Vec<&str> = lines[2].split_whitespace().collect();
    assert_eq!(b[0], &f.b.to_hex()[..12]);
    assert_eq!(&b[1..4], ["1", "-", "checkpoint"]);

    let json = cache(&f.root, &["ls", "--json"]).assert_ok().json();
    let rows = json.as_array().expect("an array");
    assert_eq!(rows.len(), 2);
    let a = &rows[0];
    assert_eq!(a["key"], f.a.to_hex());
    assert_eq!(a["entries"], 2);
    assert_eq!(a["best_objective"], 1.25);
    assert_eq!(a["kind"], "final");
    assert_eq!(a["best_run_id"], f.a_final.as_str());
    assert_eq!(a["best_iteration"], 20);
    let a_bytes: u64 = f.store.entries(&f.a).unwrap().iter().map(|e| e.disk_bytes).sum();
    assert_eq!(a["bytes"], a_bytes);
    assert!(a_bytes > 300);
    let used = a["last_used_unix_secs"].as_u64().unwrap();
    assert!(now_secs().abs_diff(used) < 120, "{a}");
    let b = &rows[1];
    assert_eq!(b["key"], f.b.to_hex());
    assert_eq!(b["best_objective"], Value::Null);
    assert_eq!(b["kind"], "checkpoint");
}

#[test]
fn global_options_work_before_and_after_the_subcommand() {
    let f = fixture();
    let root = f.root.to_str().unwrap();
    let before = gam_cmd(&[], ["--json", "--cache-dir", root, "cache", "ls"]);
    let middle = gam_cmd(&[], ["--cache-dir", root, "cache", "--json", "ls"]);
    let after = gam_cmd(&[], ["cache", "ls", "--json", "--cache-dir", root]);
    before.assert_ok();
    assert_eq!(before.json(), middle.json());
    assert_eq!(before.json(), after.json());
}

// ------------------------------------------------------------------ show

#[test]
fn show_lists_every_entry_of_a_key_by_prefix() {
    let f = fixture();
    let run = cache(&f.root, &["show", "aa01"]);
    run.assert_ok();
    assert!(
        run.stdout.starts_with(&format!("key {}: 2 entries\n", f.a.to_hex())),
        "{run:?}"
    );
    let ckpt = run
        .stdout
        .lines()
        .find(|l| l.contains(&f.a_ckpt))
        .expect("checkpoint line");
    let fin = run.stdout.lines().find(|l| l.contains(&f.a_final)).expect("final line");
    for (line, want) in [
        (ckpt, ["checkpoint", "3.5", "10", "100 B"]),
        (fin, ["final", "1.25", "20", "200 B"]),
    ] {
        for w in want {
            assert!(
                line.split_whitespace()
                    .any(|c| c == w || w.contains(' ') && line.contains(w)),
                "{w} in {line}"
            );
        }
        assert!(line.contains(" ago"), "{line}");
    }
    assert!(fin.trim_start().starts_with('*'), "best entry marked: {fin}");
    assert!(!ckpt.trim_start().starts_with('*'), "{ckpt}");

    // Any case, any length from 4 to 64.
    assert_eq!(
        cache(&f.root, &["show", "AA01"]).assert_ok().stdout.lines().next(),
        run.stdout.lines().next()
    );
    cache(&f.root, &["show", &f.a.to_hex()]).assert_ok();

    let json = cache(&f.root, &["show", "--json", "aa01"]).assert_ok().json();
    assert_eq!(json["key"], f.a.to_hex());
    assert_eq!(json["best_run_id"], f.a_final.as_str());
    let entries = json["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    let c = entries.iter().find(|e| e["run_id"] == f.a_ckpt.as_str()).unwrap();
    assert_eq!(c["kind"], "checkpoint");
    assert_eq!(c["objective"], 3.5);
    assert_eq!(c["iteration"], 10);
    assert_eq!(c["payload_len"], 100);
    assert!(c["written_unix_secs"].as_u64().is_some() && c["last_used_unix_secs"].as_u64().is_some());
    assert!(c["disk_bytes"].as_u64().unwrap() > 100);

    let b = cache(&f.root, &["show", "bb02"]).assert_ok().stdout.clone();
    assert!(b.contains(&f.b_ckpt) && b.contains("1 entry"), "{b}");
}

#[test]
fn show_with_an_ambiguous_prefix_lists_the_candidates() {
    let tmp = tempfile::tempdir().unwrap();
    let store = open(tmp.path());
    let (k1, k2) = (key(&[0xab, 0xcd, 0x01]), key(&[0xab, 0xcd, 0x02]));
    store.save(&k1, b"one", Some(1.0), None, EntryKind::Final).unwrap();
    store.save(&k2, b"two", Some(2.0), None, EntryKind::Final).unwrap();

    let run = cache(tmp.path(), &["show", "abcd"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout.is_empty(), "{run:?}");
    assert!(run.stderr.starts_with("error: "), "{run:?}");
    assert!(run.stderr.contains("ambiguous"), "{run:?}");
    assert!(
        run.stderr.contains(&k1.to_hex()) && run.stderr.contains(&k2.to_hex()),
        "{run:?}"
    );
    assert!(!run.stderr.contains("panicked"));

    let one = cache(tmp.path(), &["show", "abcd02"]);
    one.assert_ok();
    assert!(one.stdout.contains(&k2.to_hex()) && !one.stdout.contains(&k1.to_hex()));
}

#[test]
fn show_rejects_bad_keys_with_one_line() {
    let f = fixture();
    cache(&f.root, &["show", "xyz1"]).assert_error(2, &["\"xyz1\"", "not hexadecimal"]);
    cache(&f.root, &["show", "aa0g"]).assert_error(2, &["not hexadecimal"]);
    cache(&f.root, &["show", "aa0"]).assert_error(2, &["\"aa0\"", "too short", "4"]);
    cache(&f.root, &["show", ""]).assert_error(2, &["empty key"]);
    cache(&f.root, &["show", &"a".repeat(65)]).assert_error(2, &["too long", "64"]);
    let root = f.root.to_str().unwrap();
    cache(&f.root, &["show", "ffff"]).assert_error(1, &["no key", "ffff", root]);
    // Syntax is checked whatever the store: a missing root is not created.
    let missing = f.root.join("missing");
    cache(&missing, &["show", "zz"]).assert_error(2, &["not hexadecimal"]);
    cache(&missing, &["show", "abcd"]).assert_error(1, &["no key"]);
    assert!(!missing.exists());
}

// ------------------------------------------------------------------ stats

#[test]
fn stats_counts_keys_entries_and_bytes() {
    let f = fixture();
    let run = cache(&f.root, &["stats"]);
    run.assert_ok();
    let field = |label: &str| -> String {
        run.stdout
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{label}:")))
            .unwrap_or_else(|| panic!("no {label} in {run:?}"))
            .trim()
            .to_owned()
    };
    assert_eq!(field("root"), f.root.display().to_string());
    assert_eq!(field("keys"), "2");
    assert_eq!(field("entries"), "3 (2 checkpoint, 1 final)");
    assert!(field("budget").starts_with("1.0 GiB"), "{run:?}");
    assert_eq!(field("ttl"), "30d");
    assert_eq!(field("temp files"), "0");
    assert!(field("total size").ends_with("KiB") || field("total size").ends_with(" B"));
    assert!(field("oldest entry").ends_with(" ago") && field("newest entry").ends_with(" ago"));

    let json = cache(&f.root, &["stats", "--json"]).assert_ok().json();
    let lib = f.store.stats().unwrap();
    assert_eq!(json["root"], f.root.to_str().unwrap());
    assert_eq!(json["keys"], 2);
    assert_eq!(json["entries"], 3);
    assert_eq!(json["checkpoints"], 2);
    assert_eq!(json["finals"], 1);
    assert_eq!(json["bytes"], lib.bytes);
    assert_eq!(json["tmp_files"], 0);
    assert_eq!(json["size_budget_bytes"], warmstart::DEFAULT_SIZE_BUDGET_BYTES);
    assert_eq!(json["ttl_secs"], warmstart::DEFAULT_TTL.as_secs());
    assert_eq!(json["oldest_write_unix_secs"], lib.oldest_write_unix_secs.unwrap());
    assert_eq!(json["newest_write_unix_secs"], lib.newest_write_unix_secs.unwrap());

    let missing = f.root.join("missing");
    let json = cache(&missing, &["stats", "--json"]).assert_ok().json();
    assert_eq!(json["keys"], 0);
    assert_eq!(json["oldest_write_unix_secs"], Value::Null);
    assert!(!missing.exists());
}

/// Listing is not using: `ls`, `show`, `stats` and `verify` leave the
/// last-use times (metadata mtimes) and every file as they were.
#[test]
fn read_only_commands_change_nothing() {
    let f = fixture();
    for (k, r) in [(&f.a, &f.a_ckpt), (&f.a, &f.a_final), (&f.b, &f.b_ckpt)] {
        backdate(&f.root, k, r, Duration::from_secs(3 * 24 * 3600));
    }
    let before = snapshot(&f.root);
    for args in [
        &["ls"][..],
        &["show", "aa01"],
        &["stats"],
        &["verify"],
        &["ls", "--json"],
    ] {
        cache(&f.root, args).assert_ok();
    }
    assert_eq!(snapshot(&f.root), before);
    let json = cache(&f.root, &["ls", "--json"]).json();
    let used = json[1]["last_used_unix_secs"].as_u64().unwrap();
    assert!(now_secs() - used >= 3 * 24 * 3600 - 60, "{json}");
    let line = cache(&f.root, &["ls"]).stdout;
    assert!(line.lines().nth(2).unwrap().ends_with("3d"), "{line}");
}

// ------------------------------------------------------------------ verify

#[test]
fn verify_reports_a_corrupt_payload_and_fix_removes_it() {
    let f = fixture();
    let clean = cache(&f.root, &["verify"]);
    clean.assert_ok();
    assert!(
        clean.stdout.contains("checked 3 entries") && clean.stdout.contains("3 ok, 0 bad"),
        "{clean:?}"
    );

    let bad_meta = meta_path(&f.root, &f.a, &f.a_final);
    let bad_payload = payload_path(&f.root, &f.a, &f.a_final);
    flip_first_byte(&bad_payload);

    let run = cache(&f.root, &["verify"]);
    assert_eq!(run.code, 1, "{run:?}");
    let issue = run
        .stdout
        .lines()
        .find(|l| l.contains("bad entry"))
        .expect("an issue line");
    assert!(issue.contains(&f.a.to_hex()[..12]), "{issue}");
    assert!(issue.contains(bad_meta.to_str().unwrap()), "{issue}");
    assert!(issue.contains("checksum"), "{issue}");
    assert!(run.stdout.contains("2 ok, 1 bad"), "{run:?}");
    run.assert_error(1, &["1 bad entry", "run `gam cache verify --fix` to remove them"]);
    assert!(bad_meta.exists() && bad_payload.exists(), "report only");

    let json = cache(&f.root, &["verify", "--json"]);
    assert_eq!(json.code, 1);
    let report = json.json();
    assert_eq!(report["entries_checked"], 3);
    assert_eq!(report["entries_ok"], 2);
    let issues = report["issues"].as_array().unwrap();
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0]["key"], f.a.to_hex());
    assert_eq!(issues[0]["path"], bad_meta.to_str().unwrap());
    assert_eq!(issues[0]["removed"], false);
    assert!(issues[0]["problem"].as_str().unwrap().contains("checksum"));

    let fix = cache(&f.root, &["verify", "--fix"]);
    fix.assert_ok();
    assert!(
        fix.stdout.contains("(removed)") && fix.stdout.contains("removed 1 bad entry"),
        "{fix:?}"
    );
    assert!(!bad_meta.exists() && !bad_payload.exists());
    let left = f.store.lookup(&f.a).unwrap().expect("the good checkpoint is left");
    assert_eq!(left.run_id, f.a_ckpt);
    assert_eq!(left.objective, Some(3.5));
    let again = cache(&f.root, &["verify"]);
    again.assert_ok();
    assert!(again.stdout.contains("2 ok, 0 bad"), "{again:?}");
}

#[test]
fn verify_fix_of_a_keys_only_entry_leaves_no_entry() {
    let f = fixture();
    let payload = payload_path(&f.root, &f.b, &f.b_ckpt);
    // Truncated rather than flipped.
    fs::write(&payload, [3; 10]).unwrap();
    let run = cache(&f.root, &["verify"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains(&f.b.to_hex()[..12]) && run.stdout.contains("metadata says 50"),
        "{run:?}"
    );
    let fix = cache(&f.root, &["verify", "--fix", "--json"]);
    fix.assert_ok();
    assert_eq!(fix.json()["issues"][0]["removed"], true);
    assert_eq!(f.store.lookup(&f.b).unwrap(), None);
    assert!(f.store.lookup(&f.a).unwrap().is_some());
    cache(&f.root, &["verify"]).assert_ok();
}

// ------------------------------------------------------------------ prune

/// Makes an entry look written `age` ago (write time lives in its metadata).
fn backdate(root: &Path, key: &Fingerprint, run_id: &str, age: Duration) {
    let path = meta_path(root, key, run_id);
    let mut meta: Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    meta["written_unix_secs"] = (now_secs() - age.as_secs()).into();
    fs::write(&path, serde_json::to_vec_pretty(&meta).unwrap()).unwrap();
    set_mtime(&path, SystemTime::now() - age);
}

#[test]
fn prune_removes_expired_entries_then_least_recently_used() {
    let f = fixture();
    backdate(&f.root, &f.b, &f.b_ckpt, Duration::from_secs(10 * 24 * 3600));

    // Defaults: 1 GiB and 30 days: nothing to do.
    let run = cache(&f.root, &["prune"]);
    run.assert_ok();
    assert!(run.stdout.contains("size limit 1.0 GiB, max age 30d"), "{run:?}");
    assert!(run.stdout.contains("removed: 0 entries"), "{run:?}");
    assert!(run.stdout.contains("left:    3 entries"), "{run:?}");

    let run = cache(&f.root, &["prune", "--older-than", "7d"]);
    run.assert_ok();
    assert!(
        run.stdout
            .contains("removed: 1 entry (1 expired, 0 over the size limit"),
        "{run:?}"
    );
    assert!(f.store.entries(&f.b).unwrap().is_empty());
    assert_eq!(f.store.entries(&f.a).unwrap().len(), 2);

    // A size limit one byte short of the total removes the least recently used entry only.
    let total: u64 = f.store.entries(&f.a).unwrap().iter().map(|e| e.disk_bytes).sum();
    set_mtime(
        &meta_path(&f.root, &f.a, &f.a_final),
        SystemTime::now() - Duration::from_secs(3600),
    );
    let limit = (total - 1).to_string();
    let json = cache(&f.root, &["prune", "--max-size", &limit, "--json"])
        .assert_ok()
        .json();
    assert_eq!(json["root"], f.root.to_str().unwrap());
    assert_eq!(json["max_bytes"], total - 1);
    assert_eq!(json["older_than_secs"], warmstart::DEFAULT_TTL.as_secs());
    assert_eq!(json["evicted_entries"], 1);
    assert_eq!(json["entries_left"], 1);
    let left = f.store.entries(&f.a).unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].run_id, f.a_ckpt);
    assert_eq!(json["bytes_left"], left[0].disk_bytes);
    assert_eq!(json["bytes_freed"], total - left[0].disk_bytes);

    let run = cache(&f.root, &["prune", "--max-size", "0"]);
    run.assert_ok();
    assert!(
        run.stdout
            .contains("removed: 1 entry (0 expired, 1 over the size limit"),
        "{run:?}"
    );
    assert!(run.stdout.contains("left:    0 entries, 0 B"), "{run:?}");
    assert_eq!(f.store.stats().unwrap().entries, 0);

    // Units are parsed; bad values are usage errors (clap's).
    cache(&f.root, &["prune", "--max-size", "500M", "--older-than", "12h"]).assert_ok();
    cache(&f.root, &["prune", "--max-size", "1GiB"]).assert_ok();
    let bad = cache(&f.root, &["prune", "--max-size", "lots"]);
    assert_eq!(bad.code, 2, "{bad:?}");
    assert!(bad.stderr.contains("invalid size") && !bad.stderr.contains("panicked"));
    let bad = cache(&f.root, &["prune", "--older-than", "soon"]);
    assert_eq!(bad.code, 2, "{bad:?}");
    assert!(bad.stderr.contains("invalid age"));
}

// ------------------------------------------------------------------ clear

#[test]
fn clear_needs_yes_when_stdin_is_not_a_terminal() {
    let f = fixture();
    let before = snapshot(&f.root);
    cache(&f.root, &["clear"]).assert_error(2, &["--yes", f.root.to_str().unwrap()]);
    assert_eq!(snapshot(&f.root), before, "nothing removed");

    let run = cache(&f.root, &["clear", "--yes"]);
    run.assert_ok();
    assert!(
        run.stdout.starts_with("Removed 2 keys (") && run.stdout.contains(f.root.to_str().unwrap()),
        "{run:?}"
    );
    assert!(f.store.keys().unwrap().is_empty());
    assert!(cache(&f.root, &["ls"]).stdout.contains("is empty"));

    let json = cache(&f.root, &["clear", "-y", "--json"]).assert_ok().json();
    assert_eq!(json["keys_removed"], 0);
    assert_eq!(json["bytes_freed"], 0);
    assert!(cache(&f.root, &["clear", "--yes"]).stdout.contains("already empty"));
}

/// `clear` without `--yes` on a terminal asks; runs under `script` to get one.
#[test]
fn clear_asks_on_a_terminal() {
    let has_script = Command::new("script")
        .args(["-qec", "true", "/dev/null"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !has_script {
        eprintln!("SKIPPED clear_asks_on_a_terminal: no working `script` (util-linux) to provide a terminal");
        return;
    }
    let f = fixture();
    let on_tty = |answer: &str| {
        let cmd = format!("'{GAM}' cache clear --cache-dir '{}'", f.root.display());
        let mut child = Command::new("script")
            .args(["-qec", &cmd, "/dev/null"])
            .env_remove("GAM_CACHE_DIR")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(answer.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let (code, text) = on_tty("n\n");
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("Remove 2 keys (") && text.contains(&format!("from {}? [y/N]", f.root.display())),
        "{text}"
    );
    assert!(text.contains("aborted: nothing removed"), "{text}");
    assert_eq!(f.store.keys().unwrap().len(), 2);
    let (code, text) = on_tty("y\n");
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("Removed 2 keys"), "{text}");
    assert!(f.store.keys().unwrap().is_empty());
}

#[test]
fn clear_json_reports_what_it_removed() {
    let f = fixture();
    let bytes = f.store.stats().unwrap().bytes;
    let json = cache(&f.root, &["--json", "clear", "--yes"]).assert_ok().json();
    assert_eq!(json["root"], f.root.to_str().unwrap());
    assert_eq!(json["keys_removed"], 2);
    assert_eq!(json["bytes_freed"], bytes);
}

// ------------------------------------------------------------------ bad input

#[test]
fn a_cache_dir_that_is_a_file_is_a_one_line_error() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("plain-file");
    fs::write(&file, b"not a cache").unwrap();
    let path = file.to_str().unwrap();
    for args in [
        &["ls"][..],
        &["ls", "--json"],
        &["show", "abcd"],
        &["stats"],
        &["verify"],
        &["verify", "--fix"],
        &["prune"],
        &["prune", "--max-size", "0"],
        &["clear", "--yes"],
    ] {
        cache(&file, args).assert_error(1, &[path, "not a directory"]);
    }
    assert_eq!(fs::read(&file).unwrap(), b"not a cache");
    // Below a file, too.
    cache(&file.join("sub"), &["ls"]).assert_error(1, &[path]);
}

/// Gives `path` and everything below it (symlinks themselves, not their targets) to nobody.
fn chown_tree(path: &Path) -> std::io::Result<()> {
    std::os::unix::fs::lchown(path, Some(65534), Some(65534))?;
    if fs::symlink_metadata(path)?.is_dir() {
        for e in fs::read_dir(path)? {
            chown_tree(&e?.path())?;
        }
    }
    Ok(())
}

/// Sets the mode of `path` and everything below it: `dir_mode` on directories, `file_mode` on files.
fn chmod_tree(path: &Path, dir_mode: u32, file_mode: u32) {
    let m = fs::symlink_metadata(path).unwrap();
    if m.is_dir() {
        for e in fs::read_dir(path).unwrap() {
            chmod_tree(&e.unwrap().path(), dir_mode, file_mode);
        }
        fs::set_permissions(path, fs::Permissions::from_mode(dir_mode)).unwrap();
    } else if m.is_file() {
        fs::set_permissions(path, fs::Permissions::from_mode(file_mode)).unwrap();
    }
}

/// How to run `gam` so that the read-only permissions bite, or why it cannot be done here.
fn read_only_runner(base: &Path, probe_dir: &Path) -> Result<Vec<&'static str>, String> {
    let probe = probe_dir.join("write-probe");
    if fs::write(&probe, b"x").is_err() {
        return Ok(Vec::new());
    }
    let _ = fs::remove_file(&probe);
    // Privileged (root): permissions do not stop us. Run gam as nobody instead.
    let setpriv = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];
    chown_tree(base).map_err(|e| format!("running as root and cannot chown to nobody: {e}"))?;
    let can_write = Command::new(setpriv[0])
        .args(&setpriv[1..])
        .args(["/bin/sh", "-c", "touch \"$0\"/write-probe"])
        .arg(probe_dir)
        .stderr(Stdio::null())
        .status();
    match can_write {
        Err(e) => Err(format!("running as root and setpriv is unavailable ({e})")),
        Ok(_) if probe.exists() => {
            let _ = fs::remove_file(&probe);
            Err("running as root and writes succeed even as nobody".into())
        }
        Ok(_) => {
            // setpriv must also be able to run gam (it fails the same way if it cannot switch user).
            let run = Command::new(setpriv[0])
                .args(&setpriv[1..])
                .args([GAM, "--version"])
                .output();
            match run {
                Ok(o) if o.status.success() => Ok(setpriv.to_vec()),
                _ => Err("running as root and setpriv cannot run gam as nobody".into()),
            }
        }
    }
}

#[test]
fn a_read_only_cache_dir_refuses_changes_naming_the_path() {
    let f = fixture();
    flip_first_byte(&payload_path(&f.root, &f.a, &f.a_final));
    backdate(&f.root, &f.b, &f.b_ckpt, Duration::from_secs(10 * 24 * 3600));
    let base = f.root.parent().unwrap().to_path_buf();
    // What `chmod -R a-w` gives.
    chmod_tree(&f.root, 0o500, 0o400);
    let restore = || chmod_tree(&f.root, 0o700, 0o600);
    let prefix = match read_only_runner(&base, &f.root.join(f.a.to_hex())) {
        Ok(p) => p,
        Err(why) => {
            restore();
            eprintln!("SKIPPED a_read_only_cache_dir_refuses_changes_naming_the_path: {why}");
            return;
        }
    };
    let before = snapshot(&f.root);
    let root = f.root.to_str().unwrap();

    // Reading still works.
    let ls = cache_as(&prefix, &f.root, &["ls"]);
    ls.assert_ok();
    assert_eq!(ls.stdout.lines().count(), 3, "{ls:?}");
    cache_as(&prefix, &f.root, &["stats", "--json"]).assert_ok();
    cache_as(&prefix, &f.root, &["show", "bb02"]).assert_ok();
    cache_as(&prefix, &f.root, &["verify"]).assert_error(1, &["--fix"]);

    // Changing fails with the path.
    cache_as(&prefix, &f.root, &["clear", "--yes"]).assert_error(1, &[root, "not writable"]);
    cache_as(&prefix, &f.root, &["verify", "--fix"]).assert_error(1, &[root, "Permission denied"]);
    cache_as(&prefix, &f.root, &["prune", "--max-size", "0"]).assert_error(1, &[root, "could not"]);
    cache_as(&prefix, &f.root, &["prune", "--older-than", "7d"]).assert_error(1, &[root, "could not", "7d"]);
    // Nothing to remove: nothing to fail.
    cache_as(&prefix, &f.root, &["prune"]).assert_ok();
    assert_eq!(snapshot(&f.root), before, "nothing changed");
    restore();
}

#[test]
fn symlinks_planted_in_the_root_are_ignored() {
    let f = fixture();
    // Outside the root: a real store with a valid key directory, and a plain file.
    let outside_dir = tempfile::tempdir().unwrap();
    let outside = outside_dir.path().join("store");
    let other = open(&outside);
    let c = key(&[0xcc, 0x03]);
    let c_run = other.save(&c, &[7; 64], Some(0.5), Some(1), EntryKind::Final).unwrap();
    let lone = outside_dir.path().join("precious.txt");
    fs::write(&lone, b"keep me").unwrap();
    let c_dir = outside.join(c.to_hex());
    let c_meta = meta_path(&outside, &c, &c_run);
    let c_payload = payload_path(&outside, &c, &c_run);

    // Planted in the root: a key-named link to the outside key directory, a
    // link to the whole outside store, a link in place of the usage file; in a
    // real key directory, links named like an entry's files.
    let link = |target: &Path, at: PathBuf| std::os::unix::fs::symlink(target, at).unwrap();
    link(&c_dir, f.root.join(c.to_hex()));
    link(&outside, f.root.join("elsewhere"));
    let _ = fs::remove_file(f.root.join(".usage.json"));
    link(&lone, f.root.join(".usage.json"));
    let a_dir = f.root.join(f.a.to_hex());
    link(&c_meta, a_dir.join(format!("{c_run}.meta.json")));
    link(&c_payload, a_dir.join(c_payload.file_name().unwrap()));
    link(&lone, a_dir.join("zzz.meta.json"));

    let outside_before = snapshot(outside_dir.path());

    let ls = cache(&f.root, &["ls", "--json"]).assert_ok().json();
    let keys: Vec<&str> = ls
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, [f.a.to_hex(), f.b.to_hex()]);
    assert_eq!(ls[0]["entries"], 2);
    let stats = cache(&f.root, &["stats", "--json"]).assert_ok().json();
    assert_eq!(stats["keys"], 2);
    assert_eq!(stats["entries"], 3);
    cache(&f.root, &["show", "cc03"]).assert_error(1, &["no key"]);
    let verify = cache(&f.root, &["verify", "--fix", "--json"]).assert_ok().json();
    assert_eq!(verify["entries_checked"], 3);
    assert_eq!(verify["issues"], serde_json::json!([]));
    let prune = cache(&f.root, &["prune", "--max-size", "0", "--json"])
        .assert_ok()
        .json();
    assert_eq!(prune["evicted_entries"], 3);
    assert_eq!(prune["entries_left"], 0);
    f.store.save(&f.b, b"again", None, None, EntryKind::Final).unwrap();
    let clear = cache(&f.root, &["clear", "--yes", "--json"]).assert_ok().json();
    assert_eq!(clear["keys_removed"], 2, "{clear}");

    assert_eq!(
        snapshot(outside_dir.path()),
        outside_before,
        "nothing outside the root changed"
    );
    assert_eq!(fs::read(&lone).unwrap(), b"keep me");
    assert_eq!(other.lookup(&c).unwrap().unwrap().run_id, c_run);
}

// ------------------------------------------------------------------ the rest

#[test]
fn every_command_prints_one_json_document() {
    let f = fixture();
    for args in [
        &["dir"][..],
        &["ls"],
        &["show", "aa01"],
        &["stats"],
        &["verify"],
        &["verify", "--fix"],
        &["prune"],
        &["clear", "--yes"],
    ] {
        let mut all = args.to_vec();
        all.push("--json");
        let run = cache(&f.root, &all);
        run.assert_ok();
        let v = run.json();
        assert!(v.is_object() || v.is_array(), "{args:?}: {v}");
    }
}

#[test]
fn usage_errors_exit_with_status_2() {
    for args in [
        &[][..],
        &["cache"],
        &["cache", "frobnicate"],
        &["cache", "ls", "--bogus"],
        &["cache", "show"],
    ] {
        let run = gam_cmd(&[], args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(!run.stderr.contains("panicked"));
    }
    let help = gam_cmd(&[], ["cache", "--help"]);
    help.assert_ok();
    for sub in ["dir", "ls", "show", "stats", "verify", "prune", "clear"] {
        assert!(help.stdout.contains(sub), "{sub} in help");
    }
}

#[test]
fn a_closed_stdout_is_not_a_panic() {
    let f = fixture();
    let mut child = Command::new(GAM)
        .args(["cache", "ls", "--cache-dir"])
        .arg(&f.root)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"), "{out:?}");
}
