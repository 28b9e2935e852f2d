//! The write protocol (rules 8 to 12).
//!
//! 1. The payload goes to a temporary file, is flushed, and is renamed to a
//!    name unique to this write (`<run_id>.<writer>-<unique>.payload`).
//! 2. The metadata, which names that payload file and carries its SHA-256 and
//!    length, goes to a temporary file, is flushed, and is exchanged with
//!    `<run_id>.meta.json` (`renameat2(RENAME_EXCHANGE)`; a plain rename
//!    where the file system cannot): that is the single switch from the old
//!    entry to the new one. The directory is flushed.
//! 3. Only then is the previous write's payload removed. The exchange hands
//!    back exactly the metadata it displaced, so when several processes
//!    overwrite one slot at once each removes the payload it displaced, and
//!    none is left behind unnamed.
//! 4. A Final write then removes the other Final entries of its key with
//!    identical content, keeping the latest (see [`drop_copies_of_final`]).
//!
//! A reader therefore always sees a metadata file together with the payload
//! it names; if that payload vanishes under it (the old one removed in step
//! 3), it re-reads the metadata and finds the new entry.

use std::fs;
use std::io;
use std::path::Path;

use sha2::{Digest, Sha256};

use super::Durability;
use super::WarmStartStore;
use super::housekeeping;
use super::layout::{self, FileRole};
use super::read::{Expect, read_meta_file, read_meta_file_as, read_payload, remove_entry};
use crate::entry::{EntryKind, Metadata, SCHEMA_VERSION};
use crate::error::{Result, StoreError};
use crate::fingerprint::Fingerprint;
use crate::fsutil;

/// How often a save recreates a key directory that a concurrent eviction
/// removed between its creation and the first file written into it.
const DIR_VANISHED_RETRIES: usize = 8;

/// How often a save removes something planted in place of its key
/// directory and creates the directory, against another process doing the
/// same at once.
const KEY_DIR_REPAIR_ATTEMPTS: usize = 16;

/// The most metadata files of one key a Final save reads to find identical
/// copies of itself; beyond that it does not look (rule 20: the cost of a
/// save stays bounded).
const MAX_DEDUPE_SCAN: usize = 256;

pub(crate) fn write_slot(
    store: &WarmStartStore,
    key: &Fingerprint,
    run_id: &str,
    payload: &[u8],
    objective: Option<f64>,
    iteration: Option<u64>,
    kind: EntryKind,
) -> Result<()> {
    if let Some(value) = objective.filter(|v| !v.is_finite()) {
        return Err(StoreError::InvalidObjective { value });
    }
    let dir = store.key_dir(key);
    let unique = fsutil::unique_suffix();
    let payload_file = layout::payload_name(run_id, &unique);
    let (secs, nanos) = fsutil::now_unix();
    let meta = Metadata {
        schema: SCHEMA_VERSION,
        key: key.to_hex(),
        run_id: run_id.to_owned(),
        written_unix_secs: secs,
        written_unix_nanos: nanos,
        objective,
        iteration,
        kind,
        payload_sha256: hex::encode(Sha256::digest(payload)),
        payload_len: payload.len() as u64,
        payload_file,
    };
    let meta_bytes = serde_json::to_vec_pretty(&meta).expect("metadata always serialises");
    let sync = store.options().durability == Durability::Full;

    let mut attempt = 0;
    let replaced = loop {
        ensure_key_dir(&dir)?;
        match write_once(&dir, run_id, &unique, &meta, payload, &meta_bytes, sync) {
            Err(WriteError::DirVanished) if attempt < DIR_VANISHED_RETRIES => attempt += 1,
            Err(WriteError::DirVanished) => {
                return Err(StoreError::io(
                    "writing payload",
                    &dir,
                    io::Error::from(io::ErrorKind::NotFound),
                ));
            }
            Err(WriteError::Store(e)) => return Err(e),
            Ok(replaced) => break replaced,
        }
    };

    let mut delta = (payload.len() + meta_bytes.len()) as i64;
    if let Some((old, old_meta_len)) = replaced {
        delta -= (old.payload_len + old_meta_len) as i64;
        if old.payload_file != meta.payload_file {
            // Nothing names the old payload any more; a reader that still
            // holds the old metadata re-reads it and finds ours.
            let _ = fsutil::remove_if_exists(&dir.join(&old.payload_file));
        }
    }
    if kind == EntryKind::Final {
        delta -= drop_copies_of_final(&dir, &meta) as i64;
    }
    housekeeping::after_save(store, delta);
    Ok(())
}

enum WriteError {
    /// The key directory was removed under us by a concurrent eviction.
    DirVanished,
    Store(StoreError),
}

/// Steps 1 and 2 of the protocol; returns the metadata it replaced, if any.
fn write_once(
    dir: &Path,
    run_id: &str,
    unique: &str,
    meta: &Metadata,
    payload: &[u8],
    meta_bytes: &[u8],
    sync: bool,
) -> std::result::Result<Option<(Metadata, u64)>, WriteError> {
    let tmp_payload = dir.join(layout::tmp_name(unique, "payload"));
    if let Err(e) = fsutil::write_new_file(&tmp_payload, payload, sync) {
        let _ = fsutil::remove_if_exists(&tmp_payload);
        if e.kind() == io::ErrorKind::NotFound {
            return Err(WriteError::DirVanished);
        }
        return Err(WriteError::Store(StoreError::io("writing payload", &tmp_payload, e)));
    }
    let payload_path = dir.join(&meta.payload_file);
    if let Err(e) = fs::rename(&tmp_payload, &payload_path) {
        let _ = fsutil::remove_if_exists(&tmp_payload);
        return Err(WriteError::Store(StoreError::io("renaming payload", &payload_path, e)));
    }

    let meta_path = dir.join(layout::meta_name(run_id));
    let tmp_meta = dir.join(layout::tmp_name(unique, "meta"));
    let switched = fsutil::write_new_file(&tmp_meta, meta_bytes, sync)
        .map_err(|e| StoreError::io("writing metadata", &tmp_meta, e))
        .and_then(|()| {
            // Only where the file system cannot exchange: the slot as it is
            // now, which a concurrent overwrite may still change.
            let before = read_meta_file(&meta_path).ok();
            let how = fsutil::switch_into_place(&tmp_meta, &meta_path)
                .map_err(|e| StoreError::io("renaming metadata", &meta_path, e))?;
            Ok(match how {
                fsutil::Switched::Fresh => None,
                fsutil::Switched::Replaced => before,
                // Exactly the metadata this switch displaced, now at the temporary name.
                fsutil::Switched::Exchanged => {
                    let displaced = read_meta_file_as(&tmp_meta, &meta_path).ok();
                    let _ = fsutil::remove_if_exists(&tmp_meta);
                    displaced
                }
            })
        });
    let previous = match switched {
        Ok(displaced) => displaced
            .and_then(|r| Some((r.parsed.ok()?, r.bytes.len() as u64)))
            .filter(|(old, _)| matches!(layout::classify(&old.payload_file), FileRole::Payload { .. })),
        Err(e) => {
            let _ = fsutil::remove_if_exists(&tmp_meta);
            let _ = fsutil::remove_if_exists(&payload_path);
            return Err(WriteError::Store(e));
        }
    };
    if sync {
        match fsutil::sync_dir(dir) {
            Ok(()) => {}
            // A concurrent eviction already removed the entry we just put in
            // place, and then the emptied directory: nothing is left to flush,
            // and the save must not fail because of another process (rule 22).
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(WriteError::Store(StoreError::io("flushing directory", dir, e))),
        }
    }
    Ok(previous)
}

/// Creates the key directory if needed.
///
/// Anything else found under the key's name (a file, a FIFO, a symbolic
/// link planted there) is removed first: the name is the store's, and a
/// link is removed as a link, its target never touched. Otherwise every
/// save of the key would fail, and the cache stay off for it for good.
fn ensure_key_dir(dir: &Path) -> Result<()> {
    for _ in 0..KEY_DIR_REPAIR_ATTEMPTS {
        match fs::symlink_metadata(dir) {
            Ok(m) if m.is_dir() => return Ok(()),
            Ok(_) => match fs::remove_file(dir) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(StoreError::io("replacing a file in place of the key directory", dir, e)),
            },
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(StoreError::io("opening key directory", dir, e)),
        }
        match fsutil::create_new_dir_private(dir) {
            // Made here: a directory, whatever happens to it next (a
            // concurrent clear removing it again is the caller's retry).
            Ok(()) => return Ok(()),
            // Something is there again (another writer's directory, or a
            // file planted anew): look again at what it is.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(StoreError::io("creating key directory", dir, e)),
        }
    }
    Err(StoreError::NotADirectory {
        path: dir.to_path_buf(),
    })
}

/// Removes the other Final entries of the key identical to `own` (same
/// payload checksum and length, same objective and iteration), keeping the
/// latest write, which is the one a lookup would return among them. Returns
/// the bytes freed.
///
/// Many processes finishing the same fit at once would otherwise leave one
/// identical copy each. Every writer keeps the latest of the copies it sees
/// and removes the rest, so the latest copy of all is never removed, and the
/// writer that publishes last sees every copy: one is left. The kept copy's
/// payload is verified first, so a copy is never removed in favour of a
/// corrupt one. At most [`MAX_DEDUPE_SCAN`] metadata files are read.
fn drop_copies_of_final(dir: &Path, own: &Metadata) -> u64 {
    let Ok(listing) = fs::read_dir(dir) else { return 0 };
    let mut same = Vec::new();
    let mut scanned = 0;
    for dirent in listing.flatten() {
        let name = dirent.file_name();
        let Some(name) = name.to_str() else { continue };
        if !matches!(layout::classify(name), FileRole::Meta { .. }) {
            continue;
        }
        scanned += 1;
        if scanned > MAX_DEDUPE_SCAN {
            return 0;
        }
        let path = dir.join(name);
        let Ok(read) = read_meta_file(&path) else { continue };
        if let Ok(meta) = read.parsed
            && identical_final(&meta, own)
        {
            same.push((path, read.bytes, meta));
        }
    }
    let Some(keep) = same
        .iter()
        .enumerate()
        .max_by(|(_, a), (_, b)| {
            (a.2.written_unix_secs, a.2.written_unix_nanos, &a.2.run_id).cmp(&(
                b.2.written_unix_secs,
                b.2.written_unix_nanos,
                &b.2.run_id,
            ))
        })
        .map(|(i, _)| i)
    else {
        return 0;
    };
    if same.len() < 2 || read_payload(dir, &same[keep].2).is_err() {
        return 0;
    }
    let mut freed = 0;
    for (i, (path, bytes, meta)) in same.iter().enumerate() {
        if i != keep && remove_entry(dir, path, Expect::Bytes(bytes), Some(&meta.payload_file)).unwrap_or(false) {
            freed += bytes.len() as u64 + meta.payload_len;
        }
    }
    freed
}

/// Whether `a` is a Final entry with the same content as the Final `b`.
fn identical_final(a: &Metadata, b: &Metadata) -> bool {
    a.kind == EntryKind::Final
        && b.kind == EntryKind::Final
        && a.payload_sha256 == b.payload_sha256
        && a.payload_len == b.payload_len
        && a.objective.map(f64::to_bits) == b.objective.map(f64::to_bits)
        && a.iteration == b.iteration
}
