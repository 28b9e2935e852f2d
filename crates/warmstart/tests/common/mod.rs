//! Helpers shared by the rule tests: temporary stores, keys, and hand edits of files on disk;
//! [`processes`] adds what the process-level tests share.

// Each test binary uses only part of this module.
#![allow(dead_code)]

pub mod processes;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use warmstart::{Durability, EntryKind, Fingerprint, Fingerprinter, StoreOptions, WarmStartStore};

/// A store in a fresh temporary directory, with fast (unsynced) writes.
pub fn temp_store() -> (tempfile::TempDir, WarmStartStore) {
    temp_store_with(relaxed())
}

/// Options with unsynced writes and otherwise defaults.
pub fn relaxed() -> StoreOptions {
    StoreOptions {
        durability: Durability::Relaxed,
        ..StoreOptions::default()
    }
}

/// A store in a fresh temporary directory with the given options.
pub fn temp_store_with(opts: StoreOptions) -> (tempfile::TempDir, WarmStartStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = WarmStartStore::open(dir.path().join("store"), opts).unwrap();
    (dir, store)
}

/// A distinct key per `n`.
pub fn key(n: u64) -> Fingerprint {
    let mut f = Fingerprinter::new();
    f.absorb_u64(b"test-key", n);
    f.finalize()
}

/// Names of the files in a key's directory, sorted.
pub fn files_of(store: &WarmStartStore, key: &Fingerprint) -> Vec<String> {
    let mut names: Vec<String> = match fs::read_dir(store.key_dir(key)) {
        Ok(rd) => rd.map(|e| e.unwrap().file_name().into_string().unwrap()).collect(),
        Err(_) => Vec::new(),
    };
    names.sort();
    names
}

/// Paths of the metadata files of a key.
pub fn meta_paths(store: &WarmStartStore, key: &Fingerprint) -> Vec<PathBuf> {
    files_of(store, key)
        .into_iter()
        .filter(|n| n.ends_with(".meta.json"))
        .map(|n| store.key_dir(key).join(n))
        .collect()
}

/// The metadata file of one slot.
pub fn meta_path(store: &WarmStartStore, key: &Fingerprint, run_id: &str) -> PathBuf {
    store.key_dir(key).join(format!("{run_id}.meta.json"))
}

/// Reads a metadata file as JSON.
pub fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&fs::read(path).unwrap()).unwrap()
}

/// Rewrites a metadata file after changing its JSON.
pub fn edit_json(path: &Path, f: impl FnOnce(&mut serde_json::Value)) {
    let mut v = read_json(path);
    f(&mut v);
    fs::write(path, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
}

/// The payload file a slot's metadata names.
pub fn payload_path(store: &WarmStartStore, key: &Fingerprint, run_id: &str) -> PathBuf {
    let v = read_json(&meta_path(store, key, run_id));
    store.key_dir(key).join(v["payload_file"].as_str().unwrap())
}

/// Moves a slot's write time back by `age`.
pub fn age_entry(store: &WarmStartStore, key: &Fingerprint, run_id: &str, age: Duration) {
    edit_json(&meta_path(store, key, run_id), |v| {
        let secs = v["written_unix_secs"].as_u64().unwrap();
        v["written_unix_secs"] = (secs - age.as_secs()).into();
    });
}

/// Sets a file's mtime `age` into the past.
pub fn set_mtime_ago(path: &Path, age: Duration) {
    let f = fs::File::options().write(true).open(path).unwrap();
    f.set_modified(SystemTime::now() - age).unwrap();
}

/// Saves and returns the run id, panicking on error.
pub fn put(
    store: &WarmStartStore,
    key: &Fingerprint,
    payload: &[u8],
    objective: Option<f64>,
    kind: EntryKind,
) -> String {
    store.save(key, payload, objective, Some(1), kind).unwrap()
}
