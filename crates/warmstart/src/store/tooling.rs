//! What tooling needs: listing keys and entries, statistics, verification,
//! and removal of a key or of everything.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::WarmStartStore;
use super::housekeeping::{self, STALE_TMP_AGE, sweep_tmp_file};
use super::layout::{self, FileRole, MAX_META_BYTES};
use super::read::{
    MetaProblem, MetaRead, PayloadProblem, read_meta_file, read_meta_file_as, read_payload, remove_entry,
    remove_meta_if_unchanged,
};
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
    /// Its metadata file; or the odd file itself (a symbolic link, FIFO or
    /// file in place of a key directory, or named like an entry's file).
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
    /// Odd files: named like a key directory or an entry's file but of the
    /// wrong type (a symbolic link, FIFO, or a file in place of a key
    /// directory). Corrupt; `verify --fix` and `clear` remove them.
    pub odd_files: u64,
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
    /// Metadata names, whatever their type (an odd one reads as corrupt).
    metas: Vec<PathBuf>,
    tmp: Vec<(PathBuf, Option<fsutil::Writer>)>,
    /// Payload files (regular files) and their writers.
    payloads: Vec<(PathBuf, Option<fsutil::Writer>)>,
    /// Payload names that are not regular files, and what they are.
    odd_payloads: Vec<(PathBuf, &'static str)>,
}

fn list_key_dir(dir: &Path) -> io::Result<Listing> {
    let mut out = Listing {
        metas: Vec::new(),
        tmp: Vec::new(),
        payloads: Vec::new(),
        odd_payloads: Vec::new(),
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
        let file_type = dirent.file_type()?;
        match layout::classify(name) {
            FileRole::Meta { .. } => out.metas.push(path),
            FileRole::Tmp { writer } => out.tmp.push((path, writer)),
            FileRole::Payload { writer } if file_type.is_file() => out.payloads.push((path, writer)),
            FileRole::Payload { .. } => out.odd_payloads.push((path, fsutil::kind_name(file_type))),
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
        let mut keys: Vec<Fingerprint> = self
            .key_names()?
            .into_iter()
            .filter(|(_, _, t)| t.is_dir())
            .map(|(key, _, _)| key)
            .collect();
        keys.sort();
        Ok(keys)
    }

    /// Everything under the root named like a key, with its type (not followed).
    fn key_names(&self) -> Result<Vec<(Fingerprint, PathBuf, fs::FileType)>> {
        let root = self.root();
        let listing = fs::read_dir(root).map_err(|e| StoreError::io("listing cache root", root, e))?;
        let mut out = Vec::new();
        for dirent in listing {
            let dirent = dirent.map_err(|e| StoreError::io("listing cache root", root, e))?;
            let Ok(file_type) = dirent.file_type() else { continue };
            let name = dirent.file_name();
            if let Some(key) = name
                .to_str()
                .filter(|n| layout::is_key_dir_name(n))
                .and_then(Fingerprint::from_hex)
            {
                out.push((key, dirent.path(), file_type));
            }
        }
        Ok(out)
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
            if let Ok(MetaRead {
                bytes,
                parsed: Ok(meta),
                ..
            }) = read_meta_file(&path)
            {
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
        s.odd_files += self.odd_key_entries()?.len() as u64;
        for key in self.keys()? {
            let dir = self.key_dir(&key);
            let Ok(listing) = list_key_dir(&dir) else { continue };
            s.keys += 1;
            s.tmp_files += listing.tmp.len() as u64;
            s.odd_files += listing.odd_payloads.len() as u64;
            for path in &listing.metas {
                let Ok(read) = read_meta_file(path) else { continue };
                s.odd_files += u64::from(read.odd.is_some());
                match read.parsed {
                    Ok(meta) => {
                        let bytes = read.bytes;
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
                    Err(MetaProblem::Foreign) => s.foreign_entries += 1,
                    Err(MetaProblem::Corrupt(_)) => {}
                }
            }
        }
        Ok(s)
    }

    /// Reads every entry's payload and checks its length and checksum.
    ///
    /// Also reports odd files (see [`StoreStats::odd_files`]) as bad; in
    /// [`VerifyMode::Fix`] they are removed, a symbolic link as a link.
    pub fn verify(&self, mode: VerifyMode) -> Result<VerifyReport> {
        let mut report = VerifyReport::default();
        let fix = mode == VerifyMode::Fix;
        for (key, path, what) in self.odd_key_entries()? {
            let removed = fix && remove_odd(&path)?;
            report.issues.push(VerifyIssue {
                key,
                path,
                problem: format!("a {what} in place of the key directory"),
                removed,
            });
        }
        for key in self.keys()? {
            let dir = self.key_dir(&key);
            let listing = list_key_dir(&dir).map_err(|e| StoreError::io("listing key directory", &dir, e))?;
            // Odd payloads that metadata names are reported with their entry.
            let mut named = std::collections::HashSet::new();
            for path in listing.metas {
                let Ok(read) = read_meta_file(&path) else {
                    continue;
                };
                if let Ok(meta) = &read.parsed {
                    named.insert(dir.join(&meta.payload_file));
                }
                let problem = match &read.parsed {
                    Err(MetaProblem::Foreign) => {
                        report.foreign_entries += 1;
                        continue;
                    }
                    Err(MetaProblem::Corrupt(why)) if read.odd.is_some() => why.clone(),
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
                                if fsutil::read_capped(&path, MAX_META_BYTES).ok().as_deref()
                                    != Some(&read.bytes[..]) =>
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
                let removed = fix
                    && match &read.parsed {
                        Ok(meta) => remove_entry(&dir, &path, read.expect(), Some(&meta.payload_file)),
                        Err(_) => remove_meta_if_unchanged(&dir, &path, read.expect()),
                    }
                    .map_err(|e| StoreError::io("removing bad entry", &path, e))?;
                report.issues.push(VerifyIssue {
                    key,
                    path,
                    problem,
                    removed,
                });
            }
            for (path, what) in listing.odd_payloads {
                if named.contains(&path) {
                    continue;
                }
                let removed = fix && remove_odd(&path)?;
                report.issues.push(VerifyIssue {
                    key,
                    path,
                    problem: format!("a {what} named like a payload file"),
                    removed,
                });
            }
        }
        Ok(report)
    }

    /// Names under the root that are keys but not directories (a symbolic
    /// link, FIFO or file planted there), with what each is.
    fn odd_key_entries(&self) -> Result<Vec<(Fingerprint, PathBuf, &'static str)>> {
        let mut out: Vec<_> = self
            .key_names()?
            .into_iter()
            .filter(|(_, _, t)| !t.is_dir())
            .map(|(key, path, t)| (key, path, fsutil::kind_name(t)))
            .collect();
        out.sort();
        Ok(out)
    }

    /// Removes every entry of a key and returns the bytes freed. Temporary
    /// files of live writers are left alone (rule 21), and so are payloads of
    /// live writers that no metadata names yet (a write about to publish
    /// them); unknown files too. Odd files named like entries' are removed.
    ///
    /// Each metadata file is first moved aside (whatever is there at that
    /// instant), and only then is the payload it names removed: a payload is
    /// never removed while published metadata names it, so no reader or
    /// `verify` ever sees published metadata without its payload.
    pub fn remove_key(&self, key: &Fingerprint) -> Result<u64> {
        let dir = self.key_dir(key);
        let listing = match fs::symlink_metadata(&dir) {
            Ok(m) if m.is_dir() => list_key_dir(&dir).map_err(|e| StoreError::io("listing key directory", &dir, e))?,
            Ok(_) => return Ok(0),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(StoreError::io("opening key directory", &dir, e)),
        };
        let mut freed = 0;
        let mut payloads_removed = std::collections::HashSet::new();
        for path in &listing.metas {
            let trash = dir.join(layout::tmp_name(&fsutil::unique_suffix(), "trash"));
            match fs::rename(path, &trash) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(StoreError::io("removing", path, e)),
            }
            let grabbed = read_meta_file_as(&trash, path).ok();
            freed += fs::symlink_metadata(&trash).map_or(0, |m| m.len());
            fsutil::remove_if_exists(&trash).map_err(|e| StoreError::io("removing", path, e))?;
            // Nothing publishes it any more: its payload can go.
            if let Some(MetaRead { parsed: Ok(meta), .. }) = grabbed
                && matches!(layout::classify(&meta.payload_file), FileRole::Payload { .. })
            {
                let p = dir.join(&meta.payload_file);
                freed += fs::symlink_metadata(&p).map_or(0, |m| m.len());
                fsutil::remove_if_exists(&p).map_err(|e| StoreError::io("removing", &p, e))?;
                payloads_removed.insert(p);
            }
        }
        freed += remove_orphan_payloads(&dir, &listing.payloads, &payloads_removed)?;
        for (path, _) in &listing.odd_payloads {
            remove_odd(path)?;
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
        for (_, path, _) in self.odd_key_entries()? {
            remove_odd(&path)?;
            keys += 1;
        }
        for key in self.keys()? {
            bytes += self.remove_key(&key)?;
            keys += 1;
        }
        let _ = fsutil::remove_if_exists(&self.root().join(layout::USAGE_FILE));
        Ok((keys, bytes))
    }
}

/// Removes an odd file (a symbolic link as a link, never its target; a
/// directory only if empty); returns whether it is gone.
fn remove_odd(path: &Path) -> Result<bool> {
    fsutil::remove_if_exists(path).map_err(|e| StoreError::io("removing", path, e))?;
    Ok(fs::symlink_metadata(path).is_err())
}

/// The last step of `remove_key`: removes the listed payload files that no
/// metadata it removed named (`done`) and that are orphans now; returns the
/// bytes freed.
///
/// The listing is older than this step. A payload listed while its writer
/// was between the two renames of a save may since have been published by
/// its metadata, and that writer may even have exited (so it looks like a
/// crashed writer's leftover). Each payload is therefore checked against its
/// own slot *after* its writer was found not alive: a writer that is not
/// alive publishes nothing more, so a payload its slot does not name then is
/// named by nothing, ever.
fn remove_orphan_payloads(
    dir: &Path,
    payloads: &[(PathBuf, Option<fsutil::Writer>)],
    done: &std::collections::HashSet<PathBuf>,
) -> Result<u64> {
    let mut freed = 0;
    for (path, writer) in payloads {
        if done.contains(path) || !orphan_removable(path, *writer) || named_by_its_slot(dir, path) {
            continue;
        }
        let size = fs::symlink_metadata(path).map_or(0, |m| m.len());
        match fs::remove_file(path) {
            Ok(()) => freed += size,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(StoreError::io("removing", path, e)),
        }
    }
    Ok(freed)
}

/// Whether `clear` may remove a payload file no metadata it removed named:
/// unless its writer is alive (then a write is about to publish it, and it
/// is left like that writer's temporary files) and it is younger than
/// [`STALE_TMP_AGE`].
fn orphan_removable(path: &Path, writer: Option<fsutil::Writer>) -> bool {
    let alive = writer.is_some_and(|w| w.liveness() == fsutil::Liveness::Alive);
    !alive || housekeeping::age(path).is_some_and(|a| a > STALE_TMP_AGE)
}

/// Whether the metadata of the slot a payload file belongs to (the run id
/// its name starts with) names it now. Only that slot's metadata is ever
/// written naming it; unreadable metadata counts as naming it, so doubt
/// keeps the payload.
fn named_by_its_slot(dir: &Path, payload: &Path) -> bool {
    let Some(run_id) = payload
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.split_once('.'))
        .map(|(run_id, _)| run_id)
    else {
        return false;
    };
    match read_meta_file(&dir.join(layout::meta_name(run_id))) {
        Ok(read) => read.parsed.is_ok_and(|m| dir.join(&m.payload_file) == payload),
        Err(e) => e.kind() != io::ErrorKind::NotFound,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::fingerprint::Fingerprinter;
    use crate::store::StoreOptions;

    /// A writer that has exited: a reaped child's pid.
    fn gone_writer() -> fsutil::Writer {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        let w = fsutil::Writer { pid, start: 1 };
        assert_eq!(w.liveness(), fsutil::Liveness::Dead);
        w
    }

    /// The race CI met: `clear` listed a payload before its metadata was
    /// renamed in, the writer then published it and exited, and only then
    /// did `clear` look at the payload. It must be kept; a true orphan of
    /// the same dead writer beside it must go.
    #[test]
    fn a_payload_published_after_the_listing_is_kept_though_its_writer_has_exited() {
        let tmp = tempfile::tempdir().unwrap();
        let store = WarmStartStore::open(tmp.path().join("store"), StoreOptions::default()).unwrap();
        let mut f = Fingerprinter::new();
        f.absorb_str(b"tooling-test", "published after the listing");
        let key = f.finalize();
        store
            .save(&key, b"published", Some(1.0), Some(1), EntryKind::Final)
            .unwrap();
        let dir = store.key_dir(&key);
        let listing = list_key_dir(&dir).unwrap();
        assert_eq!((listing.metas.len(), listing.payloads.len()), (1, 1));

        let gone = gone_writer();
        let published = listing.payloads[0].0.clone();
        let run_id = listing.metas[0]
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".meta.json"))
            .unwrap()
            .to_owned();
        let orphan = dir.join(layout::payload_name(&run_id, &format!("{}-0-0", gone.tag())));
        fs::write(&orphan, b"left behind").unwrap();
        // The listing as `clear` held it: payloads only, their writer gone since.
        let stale = vec![(published.clone(), Some(gone)), (orphan.clone(), Some(gone))];

        let freed = remove_orphan_payloads(&dir, &stale, &HashSet::new()).unwrap();

        assert_eq!(freed, b"left behind".len() as u64, "only the true orphan is removed");
        assert!(published.exists() && !orphan.exists());
        assert!(store.verify(VerifyMode::Report).unwrap().issues.is_empty());
        assert_eq!(store.lookup(&key).unwrap().unwrap().payload, b"published");
    }
}
