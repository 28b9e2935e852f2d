//! What the `gam cache` tests share: running `gam cache` on a given root,
//! a small store to run it on, and ways to inspect or tamper with the files
//! of an entry.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use tempfile::TempDir;
use warmstart::{Durability, EntryKind, Fingerprint, StoreOptions, WarmStartStore};

use super::{GAM, Run};

/// Assertions on the outcome of a `gam cache` run.
///
/// A trait rather than inherent methods of [`Run`]: the other end-to-end tests
/// have assertions of the same names with their own expectations
/// ([`super::fit::FitRun`]).
pub trait CacheRun {
    /// Success, without a panic on stderr.
    fn assert_ok(&self) -> &Self;
    /// A failure reported as exactly one `error: ...` line containing each of `needles`.
    fn assert_error(&self, code: i32, needles: &[&str]) -> &Self;
}

impl CacheRun for Run {
    fn assert_ok(&self) -> &Self {
        assert_eq!(self.code, 0, "expected success: {self:?}");
        assert!(!self.stderr.contains("panicked"), "{self:?}");
        self
    }

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
pub fn gam_cmd<I, S>(prefix: &[&str], args: I) -> Run
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
pub fn cache(root: &Path, args: &[&str]) -> Run {
    cache_as(&[], root, args)
}

/// As [`cache`], through a wrapper command (e.g. `setpriv ...`) when `prefix` is not empty.
pub fn cache_as(prefix: &[&str], root: &Path, args: &[&str]) -> Run {
    let mut all: Vec<&OsStr> = vec![OsStr::new("--cache-dir"), root.as_os_str(), OsStr::new("cache")];
    all.extend(args.iter().map(OsStr::new));
    gam_cmd(prefix, all)
}

/// Opens (creating it) the store at `root`, with relaxed durability: tests need no fsync.
pub fn open(root: &Path) -> WarmStartStore {
    let opts = StoreOptions {
        durability: Durability::Relaxed,
        ..StoreOptions::default()
    };
    WarmStartStore::open(root.to_path_buf(), opts).expect("store opens")
}

/// A key whose bytes start with `first`, so that its hex prefix is known.
pub fn key(first: &[u8]) -> Fingerprint {
    let mut bytes = [0x5a; 32];
    bytes[..first.len()].copy_from_slice(first);
    Fingerprint::from_bytes(bytes)
}

/// Key A: a checkpoint (objective 3.5, 100 bytes) and a final (1.25, 200 bytes).
/// Key B: one checkpoint without objective (50 bytes).
pub struct Fixture {
    /// Keeps the temporary directory alive.
    _dir: TempDir,
    /// The store's root, inside the temporary directory.
    pub root: PathBuf,
    /// The store, opened through the library.
    pub store: WarmStartStore,
    /// Key A (hex prefix `aa01`).
    pub a: Fingerprint,
    /// Key B (hex prefix `bb02`).
    pub b: Fingerprint,
    /// Run id of A's checkpoint.
    pub a_ckpt: String,
    /// Run id of A's final entry.
    pub a_final: String,
    /// Run id of B's checkpoint.
    pub b_ckpt: String,
}

/// A fresh [`Fixture`] in its own temporary directory.
pub fn fixture() -> Fixture {
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

/// The metadata file of an entry.
pub fn meta_path(root: &Path, key: &Fingerprint, run_id: &str) -> PathBuf {
    root.join(key.to_hex()).join(format!("{run_id}.meta.json"))
}

/// The payload file of an entry, as named in its metadata.
pub fn payload_path(root: &Path, key: &Fingerprint, run_id: &str) -> PathBuf {
    let meta: Value = serde_json::from_slice(&fs::read(meta_path(root, key, run_id)).unwrap()).unwrap();
    root.join(key.to_hex()).join(meta["payload_file"].as_str().unwrap())
}

/// Corrupts a file by inverting its first byte.
pub fn flip_first_byte(path: &Path) {
    let mut bytes = fs::read(path).unwrap();
    bytes[0] ^= 0xff;
    fs::write(path, bytes).unwrap();
}

/// Sets the modification time of a file.
pub fn set_mtime(path: &Path, t: SystemTime) {
    fs::File::open(path).unwrap().set_modified(t).unwrap();
}

/// Now, in whole seconds since the Unix epoch.
pub fn now_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

/// Every file and directory under `dir` (symlinks not followed): kind,
/// content and mtime, to tell whether anything changed.
pub fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (String, Vec<u8>, SystemTime)> {
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

/// Makes an entry look written `age` ago (write time lives in its metadata).
pub fn backdate(root: &Path, key: &Fingerprint, run_id: &str, age: Duration) {
    let path = meta_path(root, key, run_id);
    let mut meta: Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    meta["written_unix_secs"] = (now_secs() - age.as_secs()).into();
    fs::write(&path, serde_json::to_vec_pretty(&meta).unwrap()).unwrap();
    set_mtime(&path, SystemTime::now() - age);
}
