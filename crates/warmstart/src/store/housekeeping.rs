//! Bounding disk use (rules 18 to 21).
//!
//! A save never walks the root. It adds its size change to an approximate
//! running total kept in `<root>/.usage.json` (read-modify-write under an
//! exclusive file lock) and starts a full pass only when that total exceeds
//! the budget or the housekeeping interval has passed since the last pass.
//! The full pass measures the true total, removes expired entries and dead
//! writers' leftovers, then removes least recently used entries until the
//! total is at most [`EVICT_TARGET_FRACTION`] of the budget, so that a store
//! at its budget does not walk again on the very next save.

use std::fs::{self, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use super::layout::{self, FileRole};
use super::read::{
    Expect, FUTURE_SKEW_ALLOWANCE, MetaProblem, expired, read_meta_file, remove_entry, remove_meta_if_unchanged,
};
use super::{StoreOptions, WarmStartStore};
use crate::error::{Result, StoreError};
use crate::fsutil::{self, Liveness, Writer};

/// After a pass triggered by the budget, the total is brought down to this
/// fraction of it.
pub const EVICT_TARGET_FRACTION: f64 = 0.9;

/// Largest usage record read; a real one is a few dozen bytes.
const MAX_USAGE_BYTES: u64 = 4096;

/// A temporary file whose writer's liveness cannot be told is removed after this long.
pub const STALE_TMP_AGE: Duration = Duration::from_secs(60 * 60);

/// A payload no metadata names is removed once its writer is dead and it is
/// at least this old (a live writer renames its metadata within moments).
pub const ORPHAN_GRACE: Duration = Duration::from_secs(2);

/// Limits for one full pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrunePolicy {
    /// Remove least recently used entries while the total exceeds this.
    pub max_bytes: u64,
    /// Remove least recently used entries down to this total once over `max_bytes`.
    pub target_bytes: u64,
    /// Remove entries written longer ago than this; zero means no age limit.
    pub older_than: Duration,
}

impl PrunePolicy {
    /// The store's own budget and TTL.
    pub fn from_options(opts: &StoreOptions) -> PrunePolicy {
        PrunePolicy {
            max_bytes: opts.size_budget_bytes,
            target_bytes: (opts.size_budget_bytes as f64 * EVICT_TARGET_FRACTION) as u64,
            older_than: opts.ttl,
        }
    }

    /// An explicit size limit (reached exactly) and age limit.
    pub fn exact(max_bytes: u64, older_than: Duration) -> PrunePolicy {
        PrunePolicy {
            max_bytes,
            target_bytes: max_bytes,
            older_than,
        }
    }
}

/// What a full pass removed and what is left.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EvictReport {
    /// Entries removed because they were older than the age limit.
    pub expired_entries: u64,
    /// Entries removed to get within the size limit.
    pub evicted_entries: u64,
    /// Corrupt metadata files removed.
    pub corrupt_entries: u64,
    /// Temporary files of dead writers removed.
    pub stale_tmp_files: u64,
    /// Payload files no metadata named, removed.
    pub orphan_payloads: u64,
    /// Bytes freed.
    pub bytes_freed: u64,
    /// Entries left.
    pub entries_left: u64,
    /// Bytes left (metadata plus payload of the entries left).
    pub bytes_left: u64,
    /// Removals that failed (e.g. a read-only directory); those entries are still there.
    pub failed_removals: u64,
    /// Entries not removed because another process replaced them (wrote the
    /// same slot anew) during the pass: not a failure, and counted in
    /// `entries_left`. Entries written after the pass listed their key are
    /// not seen at all.
    pub changed_entries: u64,
}

impl EvictReport {
    /// Whether a removal result succeeded, counting the failures and the
    /// entries another process replaced meanwhile.
    fn removed(&mut self, result: std::io::Result<bool>) -> bool {
        match result {
            Ok(true) => true,
            Ok(false) => {
                self.changed_entries += 1;
                false
            }
            Err(_) => {
                self.failed_removals += 1;
                false
            }
        }
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Usage {
    bytes: i64,
    last_pass_unix_secs: u64,
}

/// Adds a save's size change to the running total and runs a full pass if due.
pub(crate) fn after_save(store: &WarmStartStore, delta: i64) {
    let due = update_usage(store.root(), |u, now| {
        u.bytes = u.bytes.saturating_add(delta);
        let over = u.bytes > 0 && u.bytes as u64 > store.options().size_budget_bytes;
        let stale = now.saturating_sub(u.last_pass_unix_secs) >= store.options().housekeeping_interval.as_secs();
        if over || stale {
            // Claim the pass so that concurrent savers do not all start one.
            u.last_pass_unix_secs = now;
        }
        over || stale
    });
    if due.unwrap_or(false) {
        let _ = store.evict_overflow();
    }
}

/// Read-modify-write of the usage record under an exclusive lock.
fn update_usage<T>(root: &Path, f: impl FnOnce(&mut Usage, u64) -> T) -> io::Result<T> {
    let path = root.join(layout::USAGE_FILE);
    let mut file = open_usage(&path).or_else(|e| {
        // A symbolic link, FIFO or directory in its place (a FIFO would block
        // the read below forever): the name is the store's, so the odd file
        // is removed (a link as a link) and a record started afresh; without
        // one, saves would never trigger housekeeping again.
        if fs::symlink_metadata(&path).is_ok_and(|m| !m.is_file()) {
            fsutil::remove_if_exists(&path)?;
            open_usage(&path)
        } else {
            Err(e)
        }
    })?;
    file.lock()?;
    let meta = file.metadata()?;
    let mut text = String::new();
    if meta.len() <= MAX_USAGE_BYTES {
        (&file).take(MAX_USAGE_BYTES).read_to_string(&mut text).ok();
    } else {
        // Far larger than a record can be: start afresh rather than read it.
        file.set_len(0)?;
    }
    let mut usage: Usage = serde_json::from_str(&text).unwrap_or_default();
    let out = f(&mut usage, fsutil::now_unix().0);
    // Overwritten in place, padded with spaces to its old length, never
    // truncated: on ext4 a truncate to zero followed by a write makes the close
    // start writeback (auto_da_alloc), and the next save's truncate then waits
    // for that I/O, which cost every save about a millisecond or more.
    let mut bytes = serde_json::to_vec(&usage).expect("usage always serialises");
    if bytes.len() < text.len() {
        bytes.resize(text.len(), b' ');
    }
    file.seek(SeekFrom::Start(0))?;
    file.write_all(&bytes)?;
    Ok(out)
}

/// Opens the usage record for reading and writing, creating it; only a
/// regular file, and without blocking.
fn open_usage(path: &Path) -> io::Result<std::fs::File> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(fsutil::FILE_MODE)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(path)?;
    if !file.metadata()?.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "usage record is not a regular file",
        ));
    }
    Ok(file)
}

/// Removes a temporary file if its writer is dead, or if its writer cannot
/// be told and it is older than [`STALE_TMP_AGE`]; returns whether it did.
pub(crate) fn sweep_tmp_file(path: &Path, writer: Option<Writer>) -> bool {
    let liveness = writer.map_or(Liveness::Unknown, |w| w.liveness());
    let remove = match liveness {
        Liveness::Alive => false,
        Liveness::Dead => true,
        Liveness::Unknown => age(path).is_some_and(|a| a > STALE_TMP_AGE),
    };
    remove && fs::remove_file(path).is_ok()
}

/// How long ago a file was last modified; a time stamp further in the
/// future than [`FUTURE_SKEW_ALLOWANCE`] counts as infinitely old (suspect,
/// so that it cannot escape every age limit), a nearer one as now.
pub(crate) fn age(path: &Path) -> Option<Duration> {
    let m = fs::symlink_metadata(path).ok()?;
    let modified = m.modified().ok()?;
    Some(match SystemTime::now().duration_since(modified) {
        Ok(a) => a,
        Err(e) if e.duration() > FUTURE_SKEW_ALLOWANCE => Duration::MAX,
        Err(_) => Duration::ZERO,
    })
}

/// A last-use time for eviction order: one further in the future than
/// [`FUTURE_SKEW_ALLOWANCE`] is suspect and counts as the least recent of
/// all, rather than as the most recent forever.
fn believable_last_use(t: SystemTime) -> SystemTime {
    match t.duration_since(SystemTime::now()) {
        Ok(ahead) if ahead > FUTURE_SKEW_ALLOWANCE => SystemTime::UNIX_EPOCH,
        _ => t,
    }
}

/// An entry seen by a full pass.
struct Seen {
    dir: std::path::PathBuf,
    meta_path: std::path::PathBuf,
    bytes: Vec<u8>,
    payload_file: String,
    size: u64,
    last_used: SystemTime,
}

pub(crate) fn full_pass(store: &WarmStartStore, policy: &PrunePolicy) -> Result<EvictReport> {
    store.full_walks.fetch_add(1, Ordering::Relaxed);
    let root = store.root();
    let mut report = EvictReport::default();
    let mut seen = Vec::new();
    let listing = fs::read_dir(root).map_err(|e| StoreError::io("listing cache root", root, e))?;
    let mut key_dirs = Vec::new();
    for dirent in listing.flatten() {
        let is_dir = dirent.file_type().map(|t| t.is_dir()).unwrap_or(false);
        let name = dirent.file_name();
        if is_dir && name.to_str().is_some_and(layout::is_key_dir_name) {
            key_dirs.push(dirent.path());
        }
    }
    for dir in &key_dirs {
        scan_key_dir(dir, policy, &mut report, &mut seen);
    }

    let mut total: u64 = seen.iter().map(|s| s.size).sum();
    if total > policy.max_bytes {
        seen.sort_by_key(|s| s.last_used);
        let mut kept = Vec::with_capacity(seen.len());
        for s in seen {
            if total > policy.target_bytes
                && report.removed(remove_entry(
                    &s.dir,
                    &s.meta_path,
                    Expect::Bytes(&s.bytes),
                    Some(&s.payload_file),
                ))
            {
                total -= s.size;
                report.evicted_entries += 1;
                report.bytes_freed += s.size;
            } else {
                kept.push(s);
            }
        }
        seen = kept;
    }
    for dir in &key_dirs {
        // Fails, harmlessly, unless the directory is empty.
        let _ = fs::remove_dir(dir);
    }
    report.entries_left = seen.len() as u64;
    report.bytes_left = total;
    let _ = update_usage(root, |u, now| {
        u.bytes = total as i64;
        u.last_pass_unix_secs = now;
    });
    Ok(report)
}

fn scan_key_dir(dir: &Path, policy: &PrunePolicy, report: &mut EvictReport, seen: &mut Vec<Seen>) {
    let Ok(listing) = fs::read_dir(dir) else { return };
    let (now_secs, _) = fsutil::now_unix();
    let mut metas = Vec::new();
    let mut payloads = Vec::new();
    for dirent in listing.flatten() {
        // Symbolic links and other odd files named like ours are listed too:
        // they are corrupt entries (never opened), removed as links.
        let Some(name) = dirent.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        match layout::classify(&name) {
            FileRole::Meta { .. } => metas.push(name),
            FileRole::Payload { writer } => payloads.push((name, writer)),
            FileRole::Tmp { writer } => {
                if sweep_tmp_file(&dir.join(&name), writer) {
                    report.stale_tmp_files += 1;
                }
            }
            FileRole::Unknown => {}
        }
    }
    let mut referenced = std::collections::HashSet::new();
    for name in metas {
        let meta_path = dir.join(&name);
        let Ok(read) = read_meta_file(&meta_path) else {
            continue;
        };
        let bytes = read.bytes;
        match read.parsed {
            Ok(meta) => {
                referenced.insert(meta.payload_file.clone());
                let payload_size = fs::symlink_metadata(dir.join(&meta.payload_file)).map(|m| m.len());
                if expired(meta.written_unix_secs, policy.older_than, now_secs) {
                    let size = bytes.len() as u64 + payload_size.unwrap_or(0);
                    let expect = Expect::Bytes(&bytes);
                    if report.removed(remove_entry(dir, &meta_path, expect, Some(&meta.payload_file))) {
                        report.expired_entries += 1;
                        report.bytes_freed += size;
                    }
                    continue;
                }
                let last_used = fs::symlink_metadata(&meta_path)
                    .and_then(|m| m.modified())
                    .map_or(SystemTime::UNIX_EPOCH, believable_last_use);
                seen.push(Seen {
                    dir: dir.to_path_buf(),
                    meta_path,
                    size: bytes.len() as u64 + payload_size.unwrap_or(0),
                    bytes,
                    payload_file: meta.payload_file,
                    last_used,
                });
            }
            Err(MetaProblem::Foreign) => {}
            Err(MetaProblem::Corrupt(_)) => {
                let expect = match read.odd {
                    Some(id) => Expect::File(id),
                    None => Expect::Bytes(&bytes),
                };
                if report.removed(remove_meta_if_unchanged(dir, &meta_path, expect)) {
                    report.corrupt_entries += 1;
                }
            }
        }
    }
    for (name, writer) in payloads {
        if referenced.contains(&name) {
            continue;
        }
        let path = dir.join(&name);
        let old_enough = age(&path).unwrap_or(Duration::ZERO);
        let dead = writer.map_or(Liveness::Unknown, |w| w.liveness()) == Liveness::Dead;
        if !((dead && old_enough >= ORPHAN_GRACE) || old_enough > STALE_TMP_AGE) {
            continue;
        }
        // A metadata renamed in since the listing may name it now.
        if still_referenced(dir, &name) {
            continue;
        }
        if let Ok(m) = fs::symlink_metadata(&path)
            && fs::remove_file(&path).is_ok()
        {
            report.orphan_payloads += 1;
            report.bytes_freed += m.len();
        }
    }
}

fn still_referenced(dir: &Path, payload_file: &str) -> bool {
    let Ok(listing) = fs::read_dir(dir) else { return true };
    listing.flatten().any(|d| {
        let name = d.file_name();
        let Some(name) = name.to_str() else { return false };
        matches!(layout::classify(name), FileRole::Meta { .. })
            && read_meta_file(&dir.join(name))
                .ok()
                .and_then(|r| r.parsed.ok())
                .is_some_and(|m| m.payload_file == payload_file)
    })
}
