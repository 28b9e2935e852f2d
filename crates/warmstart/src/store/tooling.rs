//! What tooling needs: listing keys and entries, statistics, verification,
//! and removal of a key or of everything.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::WarmStartStore;
use super::housekeeping::sweep_tmp_file;
use super::layout::{self, FileRole};
use super::read::{MetaProblem, PayloadProblem, read_meta_file, read_payload, remove_entry, remove_meta_if_unchanged};
use crate::entry::{EntryInfo, EntryKind, Metadata};
use crate::error::{Result, StoreError};
use crate::fingerprint::Fingerprint;
use crate::fsutil;

/// Whether `verify` only reports bad entries or also removes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifyMode {
    /// Report only.
    Report,
    /// Report and remove each bad entry.
    Fix,
}

/// One bad entry found by `verify`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyIssue {
    /// The key it belongs to.
    pub key: Fingerprint,
    /// Its metadata file.
    pub path: PathBuf,
    /// What is wrong.
    pub problem: String,
    /// Whether it was removed.
    pub removed: bool,
}

/// The outcome of `verify`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// Entries whose payload was read and checked.
    pub entries_checked: u64,
    /// Entries that passed.
    pub entries_ok: u64,
    /// Entries of another schema version, left alone.
    pub foreign_entries: u64,
    /// Entries that failed.
    pub issues: Vec<VerifyIssue>,
}

/// A summary of the store's contents.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StoreStats {
    /// The root.
    pub root: PathBuf,
    /// Key directories.
    pub keys: u64,
    /// Entries (metadata files of this schema).
    pub entries: u64,
    /// Of which Checkpoint.
    pub checkpoints: u64,
    /// Of which Final.
    pub finals: u64,
    /// Bytes of metadata plus payloads of the entries.
    pub bytes: u64,
    /// Temporary files present (writes in progress or dead writers' leftovers).
    pub tmp_files: u64,
    /// Metadata files of another schema version.
    pub foreign_entries: u64,
    /// Write time of the oldest entry, seconds since the Unix epoch.
    pub oldest_write_unix_secs: Option<u64>,
    /// Write time of the newest entry.
    pub newest_write_unix_secs: Option<u64>,
    /// The size budget in force.
    pub size_budget_bytes: u64,
    /// The TTL in force, in seconds (0: none).
    pub ttl_secs: u64,
}

/// Files of one key directory, by role.
struct Listing {
    metas: Vec<PathBuf>,
    tmp: Vec<(PathBuf, Option<fsutil::Writer>)>,
    other: Vec<PathBuf>,
}

fn list_key_dir(dir: &Path) -> io::Result<Listing> {
    let mut out = Listing {
        metas: Vec::new(),
        tmp: Vec::new(),
        other: Vec::new(),
    };
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        // Removed by a concurrent eviction since it was listed: an empty key.
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(e),
    };
    for dirent in entries {
        let dirent = dirent?;
        let name = dirent.file_name();
        let Some(name) = name.to_str() else { continue };
        let path = dir.join(name);
        if dirent.file_type()?.is_symlink() {
            continue;
        }
        match layout::classify(name) {
            FileRole::Meta { .. } => out.metas.push(path),
            FileRole::Tmp { writer } => out.tmp.push((path, writer)),
            FileRole::Payload { .. } => out.other.push(path),
            FileRole::Unknown => {}
        }
    }
    out.metas.sort();
    Ok(out)
}

fn info(key: Fingerprint, meta_path: &Path, bytes: &[u8], meta: Metadata) -> EntryInfo {
    let dir = meta_path.parent().unwrap_or(Path::new("."));
    let payload_size = fs::symlink_metadata(dir.join(&meta.payload_file)).map_or(0, |m| m.len());
    let last_used = fs::symlink_metadata(meta_path)
        .and_then(|m| m.modified())
        .map_or(meta.written_unix_secs, fsutil::unix_secs);
    EntryInfo {
        key,
        run_id: meta.run_id,
        kind: meta.kind,
        objective: meta.objective,
        iteration: meta.iteration,
        written_unix_secs: meta.written_unix_secs,
        written_unix_nanos: meta.written_unix_nanos,
        last_used_unix_secs: last_used.max(meta.written_unix_secs),
        payload_len: meta.payload_len,
        disk_bytes: bytes.len() as u64 + payload_size,
    }
}

impl WarmStartStore {
    /// Every key with a directory in the store, in hex order. Names that are
    /// not 64 lowercase hex characters, and symlinks, are skipped.
    pub fn keys(&self) -> Result<Vec<Fingerprint>> {
        let root = self.root();
        let listing = fs::read_dir(root).map_err(|e| StoreError::io("listing cache root", root, e))?;
        let mut keys = Vec::new();
        for dirent in listing {
            let dirent = dirent.map_err(|e| StoreError::io("listing cache root", root, e))?;
            if !dirent.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                continue;
            }
            let name = dirent.file_name();
            if let Some(key) = name
                .to_str()
                .filter(|n| layout::is_key_dir_name(n))
                .and_then(Fingerprint::from_hex)
            {
                keys.push(key);
            }
        }
        keys.sort();
        Ok(keys)
    }

    /// Keys whose hex starts with `prefix` (either case). An empty or non-hex prefix matches nothing.
    pub fn resolve_prefix(&self, prefix: &str) -> Result<Vec<Fingerprint>> {
        let prefix = prefix.to_ascii_lowercase();
        if prefix.is_empty() || !prefix.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(Vec::new());
        }
        Ok(self
            .keys()?
            .into_iter()
            .filter(|k| k.to_hex().starts_with(&prefix))
            .collect())
    }

    /// The entries of a key, from their metadata (payloads are not read).
    /// Corrupt and foreign metadata are skipped; use [`verify`](Self::verify) to find them.
    pub fn entries(&self, key: &Fingerprint) -> Result<Vec<EntryInfo>> {
        let dir = self.key_dir(key);
        let listing = match fs::symlink_metadata(&dir) {
            Ok(m) if m.is_dir() => list_key_dir(&dir).map_err(|e| StoreError::io("listing key directory", &dir, e))?,
            Ok(_) => return Ok(Vec::new()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(StoreError::io("opening key directory", &dir, e)),
        };
        let mut out = Vec::new();
        for path in listing.metas {
            if let Ok((bytes, Ok(meta))) = read_meta_file(&path) {
                out.push(info(*key, &path, &bytes, meta));
            }
        }
        out.sort_by_key(|e| (e.written_unix_secs, e.written_unix_nanos));
        Ok(out)
    }

    /// Counts keys, entries and bytes.
    pub fn stats(&self) -> Result<StoreStats> {
        let mut s = StoreStats {
            root: self.root().to_path_buf(),
            size_budget_bytes: self.options().size_budget_bytes,
            ttl_secs: self.options().ttl.as_secs(),
            ..StoreStats::default()
        };
        for key in self.keys()? {
            let dir = self.key_dir(&key);
            let Ok(listing) = list_key_dir(&dir) else { continue };
            s.keys += 1;
            s.tmp_files += listing.tmp.len() as u64;
            for path in &listing.metas {
                match read_meta_file(path) {
                    Ok((bytes, Ok(meta))) => {
                        let e = info(key, path, &bytes, meta);
                        s.entries += 1;
                        match e.kind {
                            EntryKind::Checkpoint => s.checkpoints += 1,
                            EntryKind::Final => s.finals += 1,
                        }
                        s.bytes += e.disk_bytes;
                        s.oldest_write_unix_secs = Some(
                            s.oldest_write_unix_secs
                                .map_or(e.written_unix_secs, |o| o.min(e.written_unix_secs)),
                        );
                        s.newest_write_unix_secs = Some(
                            s.newest_write_unix_secs
                                .map_or(e.written_unix_secs, |o| o.max(e.written_unix_secs)),
                        );
                    }
                    Ok((_, Err(MetaProblem::Foreign))) => s.foreign_entries += 1,
                    _ => {}
                }
            }
        }
        Ok(s)
    }

    /// Reads every entry's payload and checks its length and checksum.
    pub fn verify(&self, mode: VerifyMode) -> Result<VerifyReport> {
        let mut report = VerifyReport::default();
        for key in self.keys()? {
            let dir = self.key_dir(&key);
            let listing = list_key_dir(&dir).map_err(|e| StoreError::io("listing key directory", &dir, e))?;
            for path in listing.metas {
                let Ok((bytes, parsed)) = read_meta_file(&path) else {
                    continue;
                };
                let problem = match &parsed {
                    Err(MetaProblem::Foreign) => {
                        report.foreign_entries += 1;
                        continue;
                    }
                    Err(MetaProblem::Corrupt(why)) => format!("malformed metadata: {why}"),
                    Ok(meta) => {
                        report.entries_checked += 1;
                        match read_payload(&dir, meta) {
                            Ok(_) => {
                                report.entries_ok += 1;
                                continue;
                            }
                            // An overwrite may have replaced the slot since we read it.
                            Err(PayloadProblem::Missing)
                                if fsutil::read_small(&path).ok().as_deref() != Some(&bytes[..]) =>
                            {
                                report.entries_ok += 1;
                                continue;
                            }
                            Err(PayloadProblem::Missing) => format!("payload file {} is missing", meta.payload_file),
                            Err(PayloadProblem::Corrupt(why)) => why,
                            Err(PayloadProblem::Io(e)) => {
                                // Unreadable is not corrupt: report it, never remove it.
                                report.issues.push(VerifyIssue {
                                    key,
                                    path: path.clone(),
                                    problem: format!("payload unreadable: {e}"),
                                    removed: false,
                                });
                                continue;
                            }
                        }
                    }
                };
                let removed = mode == VerifyMode::Fix
                    && match &parsed {
                        Ok(meta) => remove_entry(&dir, &path, &bytes, Some(&meta.payload_file)),
                        Err(_) => remove_meta_if_unchanged(&dir, &path, &bytes),
                    }
                    .map_err(|e| StoreError::io("removing bad entry", &path, e))?;
                report.issues.push(VerifyIssue {
                    key,
                    path,
                    problem,
                    removed,
                });
            }
        }
        Ok(report)
    }

    /// Removes every entry of a key and returns the bytes freed. Temporary
    /// files of live writers are left alone (rule 21); unknown files too.
    pub fn remove_key(&self, key: &Fingerprint) -> Result<u64> {
        let dir = self.key_dir(key);
        let listing = match fs::symlink_metadata(&dir) {
            Ok(m) if m.is_dir() => list_key_dir(&dir).map_err(|e| StoreError::io("listing key directory", &dir, e))?,
            Ok(_) => return Ok(0),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(StoreError::io("opening key directory", &dir, e)),
        };
        let mut freed = 0;
        // Metadata first, so that no reader sees an entry whose payload is gone.
        for path in listing.metas.iter().chain(&listing.other) {
            let size = fs::symlink_metadata(path).map_or(0, |m| m.len());
            match fs::remove_file(path) {
                Ok(()) => freed += size,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(StoreError::io("removing", path, e)),
            }
        }
        for (path, writer) in &listing.tmp {
            sweep_tmp_file(path, *writer);
        }
        let _ = fs::remove_dir(&dir);
        Ok(freed)
    }

    /// Removes every key; returns the number of keys and bytes removed.
    pub fn clear(&self) -> Result<(u64, u64)> {
        let mut keys = 0;
        let mut bytes = 0;
        for key in self.keys()? {
            bytes += self.remove_key(&key)?;
            keys += 1;
        }
        let _ = fsutil::remove_if_exists(&self.root().join(layout::USAGE_FILE));
        Ok((keys, bytes))
    }
}
