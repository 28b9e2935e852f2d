//! Reading (rules 13 to 17) and the race-safe removal of a corrupt entry.

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};

use super::WarmStartStore;
use super::housekeeping;
use super::layout::{self, FileRole};
use crate::entry::{CachedEntry, Metadata, Rank, SCHEMA_VERSION, SchemaProbe, best_index};
use crate::error::{Result, StoreError};
use crate::fingerprint::Fingerprint;
use crate::fsutil;

/// How often one lookup follows a slot that is being overwritten under it
/// before giving up on that slot for this call. Each retry means a writer
/// completed a whole save in between, so this is never reached in practice.
const MAX_SLOT_RETRIES: usize = 10_000;

/// A parsed metadata file and the exact bytes it was parsed from.
pub(crate) struct MetaFile {
    pub bytes: Vec<u8>,
    pub meta: Metadata,
}

/// Why a metadata file is not usable.
pub(crate) enum MetaProblem {
    /// Written by another schema version: leave it alone.
    Foreign,
    /// Not ours to understand, but in our naming: corrupt.
    Corrupt(String),
}

/// Reads a metadata file: its bytes, and the parsed metadata or what is wrong with it.
pub(crate) fn read_meta_file(path: &Path) -> io::Result<(Vec<u8>, std::result::Result<Metadata, MetaProblem>)> {
    let bytes = fsutil::read_small(path)?;
    let parsed = parse_meta(&bytes, path);
    Ok((bytes, parsed))
}

fn parse_meta(bytes: &[u8], path: &Path) -> std::result::Result<Metadata, MetaProblem> {
    let probe: SchemaProbe = serde_json::from_slice(bytes).map_err(|e| MetaProblem::Corrupt(e.to_string()))?;
    if probe.schema != SCHEMA_VERSION {
        return Err(MetaProblem::Foreign);
    }
    let meta: Metadata = serde_json::from_slice(bytes).map_err(|e| MetaProblem::Corrupt(e.to_string()))?;
    let dir_name = path.parent().and_then(Path::file_name).and_then(|n| n.to_str());
    let file_name = path.file_name().and_then(|n| n.to_str());
    if dir_name != Some(meta.key.as_str()) {
        return Err(MetaProblem::Corrupt("key does not match its directory".into()));
    }
    if file_name != Some(layout::meta_name(&meta.run_id).as_str()) {
        return Err(MetaProblem::Corrupt("run id does not match its file name".into()));
    }
    if !matches!(layout::classify(&meta.payload_file), FileRole::Payload { .. }) {
        return Err(MetaProblem::Corrupt(format!(
            "bad payload file name {:?}",
            meta.payload_file
        )));
    }
    if meta.objective.is_some_and(|o| !o.is_finite()) {
        return Err(MetaProblem::Corrupt("objective is not finite".into()));
    }
    Ok(meta)
}

/// Why a payload could not be returned.
pub(crate) enum PayloadProblem {
    /// The payload file is not there.
    Missing,
    /// Wrong length or checksum, or not a regular file.
    Corrupt(String),
    /// Could not be read for another reason (permissions, ...).
    Io(io::Error),
}

/// Reads and verifies the payload a metadata names, reading at most one byte
/// more than its recorded length (rule 16).
pub(crate) fn read_payload(dir: &Path, meta: &Metadata) -> std::result::Result<Vec<u8>, PayloadProblem> {
    let path = dir.join(&meta.payload_file);
    let file = match fsutil::open_read_nofollow(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(PayloadProblem::Missing),
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
            return Err(PayloadProblem::Corrupt("payload is a symbolic link".into()));
        }
        Err(e) => return Err(PayloadProblem::Io(e)),
    };
    let mut buf = Vec::with_capacity(usize::try_from(meta.payload_len).unwrap_or(0).min(1 << 26));
    file.take(meta.payload_len.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(PayloadProblem::Io)?;
    if buf.len() as u64 != meta.payload_len {
        return Err(PayloadProblem::Corrupt(format!(
            "payload has {}{} bytes, metadata says {}",
            if buf.len() as u64 > meta.payload_len {
                "more than "
            } else {
                ""
            },
            buf.len().min(usize::try_from(meta.payload_len).unwrap_or(usize::MAX)),
            meta.payload_len
        )));
    }
    if hex::encode(Sha256::digest(&buf)) != meta.payload_sha256 {
        return Err(PayloadProblem::Corrupt("payload checksum mismatch".into()));
    }
    Ok(buf)
}

/// Removes the metadata at `meta_path` only if it still holds exactly
/// `expected`; returns whether it did.
///
/// The file is first moved aside (one atomic rename), then compared. If a
/// writer had put a new entry there in the meantime, it is linked back into
/// place (or, if an even newer one already took the name, dropped as
/// superseded): a good entry is never removed because a reader raced a writer.
pub(crate) fn remove_meta_if_unchanged(dir: &Path, meta_path: &Path, expected: &[u8]) -> io::Result<bool> {
    let trash = dir.join(layout::tmp_name(&fsutil::unique_suffix(), "trash"));
    match fs::rename(meta_path, &trash) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        other => other?,
    }
    let grabbed = fsutil::read_small(&trash);
    if grabbed.as_deref().ok() == Some(expected) {
        fsutil::remove_if_exists(&trash)?;
        return Ok(true);
    }
    match fs::hard_link(&trash, meta_path) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            // A newer write holds the slot; the one we grabbed is superseded.
            if let Ok(bytes) = &grabbed
                && let Ok(meta) = parse_meta(bytes, meta_path)
            {
                let _ = fsutil::remove_if_exists(&dir.join(&meta.payload_file));
            }
        }
        Err(e) => return Err(e),
    }
    fsutil::remove_if_exists(&trash)?;
    Ok(false)
}

/// Removes an entry (metadata, then its payload) if its metadata is still `bytes`.
pub(crate) fn remove_entry(dir: &Path, meta_path: &Path, bytes: &[u8], payload_file: Option<&str>) -> io::Result<bool> {
    let removed = remove_meta_if_unchanged(dir, meta_path, bytes)?;
    if removed && let Some(p) = payload_file.filter(|p| matches!(layout::classify(p), FileRole::Payload { .. })) {
        fsutil::remove_if_exists(&dir.join(p))?;
    }
    Ok(removed)
}

/// Whether an entry written at `written_secs` has outlived `ttl` (zero: never).
pub(crate) fn expired(written_secs: u64, ttl: Duration, now_secs: u64) -> bool {
    !ttl.is_zero() && now_secs.saturating_sub(written_secs) > ttl.as_secs()
}

struct Candidate {
    path: PathBuf,
    file: MetaFile,
}

pub(crate) fn lookup(store: &WarmStartStore, key: &Fingerprint) -> Result<Option<CachedEntry>> {
    let dir = store.key_dir(key);
    match fs::symlink_metadata(&dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => return Ok(None),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(StoreError::io("opening key directory", &dir, e)),
    }
    let listing = match fs::read_dir(&dir) {
        Ok(listing) => listing,
        // A concurrent eviction emptied and removed it since the check above:
        // the key has no entries, which is a miss, not a failure (rule 22).
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(StoreError::io("listing key directory", &dir, e)),
    };
    let (now_secs, _) = fsutil::now_unix();
    let mut candidates = Vec::new();
    for dirent in listing {
        let Ok(dirent) = dirent else { continue };
        if dirent.file_type().map(|t| t.is_symlink()).unwrap_or(true) {
            continue;
        }
        let name = dirent.file_name();
        let Some(name) = name.to_str() else { continue };
        match layout::classify(name) {
            FileRole::Meta { .. } => {}
            FileRole::Tmp { writer } => {
                housekeeping::sweep_tmp_file(&dir.join(name), writer);
                continue;
            }
            _ => continue,
        }
        let path = dir.join(name);
        let (bytes, parsed) = match read_meta_file(&path) {
            Ok(x) => x,
            Err(_) => continue,
        };
        match parsed {
            Ok(meta) if expired(meta.written_unix_secs, store.options().ttl, now_secs) => {
                let _ = remove_entry(&dir, &path, &bytes, Some(&meta.payload_file));
            }
            Ok(meta) => candidates.push(Candidate {
                path,
                file: MetaFile { bytes, meta },
            }),
            Err(MetaProblem::Foreign) => {}
            Err(MetaProblem::Corrupt(_)) => {
                let _ = remove_meta_if_unchanged(&dir, &path, &bytes);
            }
        }
    }

    let mut io_error = None;
    let mut retries = 0;
    while let Some(best) = best_index(candidates.iter().map(|c| Rank::of(&c.file.meta))) {
        let c = &candidates[best];
        match read_payload(&dir, &c.file.meta) {
            Ok(payload) => {
                touch(&c.path);
                let m = &c.file.meta;
                return Ok(Some(CachedEntry {
                    payload,
                    objective: m.objective,
                    iteration: m.iteration,
                    written_unix_secs: m.written_unix_secs,
                    written_unix_nanos: m.written_unix_nanos,
                    kind: m.kind,
                    run_id: m.run_id.clone(),
                }));
            }
            Err(PayloadProblem::Missing) => {
                // Either the slot was overwritten under us (the metadata
                // changed: follow it) or the entry is broken (unchanged).
                match read_meta_file(&c.path) {
                    Ok((bytes, _)) if bytes == c.file.bytes => {
                        let _ = remove_meta_if_unchanged(&dir, &c.path, &bytes);
                        candidates.swap_remove(best);
                    }
                    Ok((bytes, Ok(meta))) if retries < MAX_SLOT_RETRIES => {
                        retries += 1;
                        candidates[best].file = MetaFile { bytes, meta };
                    }
                    _ => {
                        candidates.swap_remove(best);
                    }
                }
            }
            Err(PayloadProblem::Corrupt(_)) => {
                let c = candidates.swap_remove(best);
                let _ = remove_entry(&dir, &c.path, &c.file.bytes, Some(&c.file.meta.payload_file));
            }
            Err(PayloadProblem::Io(e)) => {
                let c = candidates.swap_remove(best);
                io_error
                    .get_or_insert_with(|| StoreError::io("reading payload", dir.join(&c.file.meta.payload_file), e));
            }
        }
    }
    match io_error {
        Some(e) => Err(e),
        None => Ok(None),
    }
}

/// Records a use for eviction order: the metadata file's mtime is the last use.
fn touch(meta_path: &Path) {
    if let Ok(f) = fsutil::open_read_nofollow(meta_path) {
        let _ = f.set_modified(SystemTime::now());
    }
}
