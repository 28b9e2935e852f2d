//! Reading (rules 13 to 17) and the race-safe removal of a corrupt entry.

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};

use super::WarmStartStore;
use super::housekeeping;
use super::layout::{self, FileRole, MAX_META_BYTES};
use crate::entry::{CachedEntry, Metadata, Rank, SCHEMA_VERSION, SchemaProbe, best_index};
use crate::error::{Result, StoreError};
use crate::fingerprint::Fingerprint;
use crate::fsutil::{self, FileId, ReadError};

/// How often one lookup follows a slot that is being overwritten under it
/// before giving up on that slot for this call. Each retry means a writer
/// completed a whole save in between, so this is never reached in practice.
const MAX_SLOT_RETRIES: usize = 10_000;

/// How far ahead of this machine's clock a write time (or a last use) may
/// lie and still be believed: clocks of machines sharing a cache, or one
/// clock before and after a correction, disagree by seconds to minutes.
/// Beyond this an entry is suspect and treated as expired, so that an entry
/// written under a clock far ahead cannot outlive the TTL.
pub const FUTURE_SKEW_ALLOWANCE: Duration = Duration::from_secs(10 * 60);

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

/// A metadata file as read: its bytes, and the parsed metadata or what is wrong with it.
pub(crate) struct MetaRead {
    /// The bytes read; empty when the file could not be read as metadata.
    pub bytes: Vec<u8>,
    /// Set when the file is not a regular file of metadata size (a FIFO, a
    /// symbolic link, a 3 GB file, ...): its identity, so that exactly it
    /// can be removed. Its content is never read.
    pub odd: Option<FileId>,
    /// The metadata, or what is wrong with it.
    pub parsed: std::result::Result<Metadata, MetaProblem>,
}

impl MetaRead {
    /// What the file must still be for a removal to go ahead.
    pub fn expect(&self) -> Expect<'_> {
        match self.odd {
            Some(id) => Expect::File(id),
            None => Expect::Bytes(&self.bytes),
        }
    }
}

/// What a file found at a metadata path must still be for it to be removed.
#[derive(Clone, Copy)]
pub(crate) enum Expect<'a> {
    /// A regular file holding exactly these bytes.
    Bytes(&'a [u8]),
    /// This very file (not a regular file, or too large to compare).
    File(FileId),
}

/// Reads a metadata file without blocking and without reading more than
/// [`MAX_META_BYTES`]. Anything but a regular file of at most that size is
/// corrupt metadata (never opened or read); only a missing file or an I/O
/// failure is an error.
pub(crate) fn read_meta_file(path: &Path) -> io::Result<MetaRead> {
    read_meta_file_as(path, path)
}

/// As [`read_meta_file`], for a metadata file moved aside from `named`: it
/// is checked against the key and run id of its name there.
pub(crate) fn read_meta_file_as(path: &Path, named: &Path) -> io::Result<MetaRead> {
    match fsutil::read_capped(path, MAX_META_BYTES) {
        Ok(bytes) => {
            let parsed = parse_meta(&bytes, named);
            Ok(MetaRead {
                bytes,
                odd: None,
                parsed,
            })
        }
        Err(e) => {
            let id = match &e {
                ReadError::NotRegular { id, .. } | ReadError::TooLarge { id, .. } => *id,
                ReadError::NotFound | ReadError::Io(_) => return Err(e.into_io()),
            };
            let why = e.corruption().unwrap_or_default();
            Ok(MetaRead {
                bytes: Vec::new(),
                odd: Some(id),
                parsed: Err(MetaProblem::Corrupt(format!("metadata file {why}"))),
            })
        }
    }
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
/// more than its recorded length (rule 16). A payload that is not a regular
/// file, or whose size on disk differs from the recorded length, is corrupt
/// without a byte of it being read.
pub(crate) fn read_payload(dir: &Path, meta: &Metadata) -> std::result::Result<Vec<u8>, PayloadProblem> {
    let path = dir.join(&meta.payload_file);
    let (file, len) = match fsutil::open_regular(&path) {
        Ok(x) => x,
        Err(ReadError::NotFound) => return Err(PayloadProblem::Missing),
        Err(ReadError::Io(e)) => return Err(PayloadProblem::Io(e)),
        Err(e) => {
            return Err(PayloadProblem::Corrupt(format!(
                "payload {}",
                e.corruption().unwrap_or_default()
            )));
        }
    };
    if len != meta.payload_len {
        return Err(PayloadProblem::Corrupt(format!(
            "payload has {len} bytes, metadata says {}",
            meta.payload_len
        )));
    }
    let mut buf = Vec::with_capacity(usize::try_from(meta.payload_len).unwrap_or(0).min(1 << 26));
    file.take(meta.payload_len.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(PayloadProblem::Io)?;
    if buf.len() as u64 != meta.payload_len {
        // Changed size since the check above (rule 16: at most one byte more read).
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

/// Removes the metadata at `meta_path` only if it is still what `expected`
/// says; returns whether it did.
///
/// The file is first moved aside (one atomic rename), then compared. If a
/// writer had put a new entry there in the meantime, it is linked back into
/// place (or, if an even newer one already took the name, dropped as
/// superseded): a good entry is never removed because a reader raced a writer.
/// A symbolic link is removed as a link: its target is never touched.
pub(crate) fn remove_meta_if_unchanged(dir: &Path, meta_path: &Path, expected: Expect<'_>) -> io::Result<bool> {
    if let Expect::File(id) = expected
        && let Ok(m) = fs::symlink_metadata(meta_path)
        && m.is_dir()
    {
        // A directory cannot be linked back; it goes only if it is this one and empty.
        return Ok(FileId::of(&m) == id && fs::remove_dir(meta_path).is_ok());
    }
    let trash = dir.join(layout::tmp_name(&fsutil::unique_suffix(), "trash"));
    match fs::rename(meta_path, &trash) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        other => other?,
    }
    let grabbed = fsutil::read_capped(&trash, MAX_META_BYTES);
    let same = match expected {
        Expect::Bytes(b) => grabbed.as_deref().ok() == Some(b),
        Expect::File(id) => fs::symlink_metadata(&trash).is_ok_and(|m| FileId::of(&m) == id),
    };
    if same {
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
        // Something that cannot be hard-linked (a directory): move it back.
        Err(_) if fs::symlink_metadata(&trash).is_ok_and(|m| m.is_dir()) => {
            return fs::rename(&trash, meta_path).map(|()| false);
        }
        Err(e) => return Err(e),
    }
    fsutil::remove_if_exists(&trash)?;
    Ok(false)
}

/// Removes an entry (metadata, then its payload) if its metadata is still as expected.
pub(crate) fn remove_entry(
    dir: &Path,
    meta_path: &Path,
    expected: Expect<'_>,
    payload_file: Option<&str>,
) -> io::Result<bool> {
    let removed = remove_meta_if_unchanged(dir, meta_path, expected)?;
    if removed && let Some(p) = payload_file.filter(|p| matches!(layout::classify(p), FileRole::Payload { .. })) {
        fsutil::remove_if_exists(&dir.join(p))?;
    }
    Ok(removed)
}

/// Whether an entry written at `written_secs` has outlived `ttl` (zero: never).
///
/// A write time more than [`FUTURE_SKEW_ALLOWANCE`] ahead of now counts as
/// expired under any age limit: it was written under a clock far ahead (or
/// tampered with), and would otherwise outlive the limit. A TTL of zero is
/// the contract's "no expiry" (rule 7), which keeps such entries too.
pub(crate) fn expired(written_secs: u64, ttl: Duration, now_secs: u64) -> bool {
    !ttl.is_zero() && (in_the_future(written_secs, now_secs) || now_secs.saturating_sub(written_secs) > ttl.as_secs())
}

/// Whether a time stamp lies further ahead of now than clocks plausibly disagree.
pub(crate) fn in_the_future(unix_secs: u64, now_secs: u64) -> bool {
    unix_secs > now_secs.saturating_add(FUTURE_SKEW_ALLOWANCE.as_secs())
}

struct Candidate {
    path: PathBuf,
    file: MetaFile,
}

pub(crate) fn lookup(store: &WarmStartStore, key: &Fingerprint) -> Result<Option<CachedEntry>> {
    let mut relists = 0;
    loop {
        match lookup_once(store, key, relists < MAX_RELISTS)? {
            Lookup::Done(found) => return Ok(found),
            Lookup::Relist => relists += 1,
        }
    }
}

/// How often one lookup lists the key directory again because an entry it
/// was about to return was removed under it (by a writer dropping an
/// identical Final copy in favour of a newer one, which that listing may not
/// have seen, or by an eviction).
const MAX_RELISTS: usize = 4;

enum Lookup {
    Done(Option<CachedEntry>),
    /// An entry vanished while being read: list the directory again.
    Relist,
}

fn lookup_once(store: &WarmStartStore, key: &Fingerprint, may_relist: bool) -> Result<Lookup> {
    let dir = store.key_dir(key);
    match fs::symlink_metadata(&dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => return Ok(Lookup::Done(None)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Lookup::Done(None)),
        Err(e) => return Err(StoreError::io("opening key directory", &dir, e)),
    }
    let listing = match fs::read_dir(&dir) {
        Ok(listing) => listing,
        // A concurrent eviction emptied and removed it since the check above:
        // the key has no entries, which is a miss, not a failure (rule 22).
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Lookup::Done(None)),
        Err(e) => return Err(StoreError::io("listing key directory", &dir, e)),
    };
    let (now_secs, _) = fsutil::now_unix();
    let mut candidates = Vec::new();
    for dirent in listing {
        let Ok(dirent) = dirent else { continue };
        let name = dirent.file_name();
        let Some(name) = name.to_str() else { continue };
        match layout::classify(name) {
            // Symbolic links and FIFOs too: read_meta_file reports them as
            // corrupt without opening them, and they are removed as such.
            FileRole::Meta { .. } => {}
            FileRole::Tmp { writer } => {
                housekeeping::sweep_tmp_file(&dir.join(name), writer);
                continue;
            }
            _ => continue,
        }
        let path = dir.join(name);
        let Ok(read) = read_meta_file(&path) else { continue };
        match read.parsed {
            Ok(meta) if expired(meta.written_unix_secs, store.options().ttl, now_secs) => {
                let _ = remove_entry(&dir, &path, Expect::Bytes(&read.bytes), Some(&meta.payload_file));
            }
            Ok(meta) => candidates.push(Candidate {
                path,
                file: MetaFile {
                    bytes: read.bytes,
                    meta,
                },
            }),
            Err(MetaProblem::Foreign) => {}
            Err(MetaProblem::Corrupt(_)) => {
                let _ = remove_meta_if_unchanged(&dir, &path, read.expect());
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
                return Ok(Lookup::Done(Some(CachedEntry {
                    payload,
                    objective: m.objective,
                    iteration: m.iteration,
                    written_unix_secs: m.written_unix_secs,
                    written_unix_nanos: m.written_unix_nanos,
                    kind: m.kind,
                    run_id: m.run_id.clone(),
                })));
            }
            Err(PayloadProblem::Missing) => {
                // Either the slot was overwritten under us (the metadata
                // changed: follow it) or the entry is broken (unchanged).
                match read_meta_file(&c.path) {
                    Ok(again) if again.odd.is_none() && again.bytes == c.file.bytes => {
                        let _ = remove_meta_if_unchanged(&dir, &c.path, Expect::Bytes(&again.bytes));
                        candidates.swap_remove(best);
                    }
                    Ok(MetaRead {
                        bytes,
                        parsed: Ok(meta),
                        ..
                    }) if retries < MAX_SLOT_RETRIES => {
                        retries += 1;
                        candidates[best].file = MetaFile { bytes, meta };
                    }
                    // Removed since the listing: a newer entry may have taken its place.
                    Err(e) if e.kind() == io::ErrorKind::NotFound && may_relist => return Ok(Lookup::Relist),
                    _ => {
                        candidates.swap_remove(best);
                    }
                }
            }
            Err(PayloadProblem::Corrupt(_)) => {
                let c = candidates.swap_remove(best);
                let _ = remove_entry(
                    &dir,
                    &c.path,
                    Expect::Bytes(&c.file.bytes),
                    Some(&c.file.meta.payload_file),
                );
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
        None => Ok(Lookup::Done(None)),
    }
}

/// Records a use for eviction order: the metadata file's mtime is the last use.
fn touch(meta_path: &Path) {
    if let Ok((f, _)) = fsutil::open_regular(meta_path) {
        let _ = f.set_modified(SystemTime::now());
    }
}
