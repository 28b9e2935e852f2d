//! The content hash of a data file, for the input key ([`super::keys::input_key`]).
//!
//! **Scheme** ([`INPUT_HASH_SCHEME`]). The file's bytes are cut into leaves of
//! [`LEAF_LEN`] bytes (the last one shorter, an empty file has none); each leaf
//! is hashed with BLAKE3 on its own, and the input key (a SHA-256
//! fingerprint) absorbs the scheme's name, the leaf length, the file's length
//! and the leaf digests in file order. It is a full content hash: a change of
//! any byte changes its leaf's digest (or the length), so the key differs
//! unless BLAKE3 (a 256-bit cryptographic hash, like SHA-256) collides.
//! BLAKE3 rather than SHA-256 for the leaves because it is several times
//! faster per core (SIMD across its internal chunks): at 10^6 rows the hash
//! was most of an exact hit's time. What it buys is that the leaves
//! are independent, so they are hashed on every core (rayon), and a regular
//! file is read leaf by leaf with positioned reads into one small buffer per
//! thread instead of into one allocation the size of the file (whose page
//! faults and copy cost more than the hash, measured at 10^6 rows).
//!
//! The leaf length is fixed and part of the scheme: another length would give
//! other keys for the same bytes. Input keys computed by the scheme before
//! this one (SHA-256 of the whole file, or of its leaves) are not
//! reproduced: their alias entries become misses, the file is parsed once
//! more and its exact key, which does not depend on this scheme, finds the
//! cached model; the alias is then rewritten under the new key.

use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::FileExt;

use rayon::prelude::*;
use warmstart::Fingerprinter;

/// Length in bytes of a leaf (1 MiB): large enough that a leaf's hash costs
/// far more than handing it to a thread, small enough that a 50 MB file
/// splits into enough leaves to keep every core busy.
pub const LEAF_LEN: usize = 1 << 20;

/// Bytes read at a time while a leaf is hashed: small enough that the copy
/// out of the page cache lands in a core's L1 cache, where the hash reads it.
const READ_LEN: usize = 16 << 10;

/// The scheme's name and version, absorbed into every input key.
pub const INPUT_HASH_SCHEME: &str = "blake3-leaves.v3";

/// The content hash of a data file: its length and the BLAKE3 digest of each of its
/// [`LEAF_LEN`]-byte leaves, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputHash {
    len: u64,
    leaves: Vec<[u8; 32]>,
}

/// BLAKE3 of one leaf.
fn leaf_digest(leaf: &[u8]) -> [u8; 32] {
    *blake3::hash(leaf).as_bytes()
}

impl InputHash {
    /// The hash of `bytes` (the whole file, in memory).
    pub fn of_bytes(bytes: &[u8]) -> InputHash {
        let leaves = if bytes.len() <= LEAF_LEN {
            // One leaf or none: no thread to wake.
            bytes.chunks(LEAF_LEN).map(leaf_digest).collect()
        } else {
            bytes.par_chunks(LEAF_LEN).map(leaf_digest).collect()
        };
        InputHash {
            len: bytes.len() as u64,
            leaves,
        }
    }

    /// The hash of the regular file `file` as it is now, read with positioned
    /// reads (its offset is not moved, so it can still be read from the
    /// start). `Ok(None)` if `file` is not a regular file (a FIFO or a
    /// terminal, which can be read only once: read it into memory and use
    /// [`InputHash::of_bytes`]) or if its length changed while it was read
    /// (then its content is no one version's).
    ///
    /// # Errors
    /// A failed read.
    pub fn of_file(file: &File) -> io::Result<Option<InputHash>> {
        let meta = file.metadata()?;
        if !meta.is_file() {
            return Ok(None);
        }
        let len = meta.len();
        let Ok(n_leaves) = usize::try_from(len.div_ceil(LEAF_LEN as u64)) else {
            return Ok(None);
        };
        let leaf = |buf: &mut Vec<u8>, i: usize| -> io::Result<Option<[u8; 32]>> {
            let start = i as u64 * LEAF_LEN as u64;
            let end = (start + LEAF_LEN as u64).min(len);
            let mut hasher = blake3::Hasher::new();
            let mut at = start;
            while at < end {
                let n = (end - at).min(buf.len() as u64) as usize;
                match file.read_exact_at(&mut buf[..n], at) {
                    Ok(()) => {
                        hasher.update(&buf[..n]);
                    }
                    // Shorter than its length said: truncated while read.
                    Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
                    Err(e) => return Err(e),
                }
                at += n as u64;
            }
            Ok(Some(*hasher.finalize().as_bytes()))
        };
        // One buffer per rayon job (a few per thread), reused for its leaves.
        let leaves: Option<Vec<[u8; 32]>> = if n_leaves <= 1 {
            let mut buf = vec![0u8; READ_LEN];
            (0..n_leaves).map(|i| leaf(&mut buf, i)).collect::<io::Result<_>>()?
        } else {
            (0..n_leaves)
                .into_par_iter()
                .map_init(|| vec![0u8; READ_LEN], |buf, i| leaf(buf, i))
                .collect::<io::Result<_>>()?
        };
        let Some(leaves) = leaves else {
            return Ok(None);
        };
        // Longer than its length said: appended to while read.
        let mut probe = [0u8; 1];
        if file.read_at(&mut probe, len)? != 0 {
            return Ok(None);
        }
        Ok(Some(InputHash { len, leaves }))
    }

    /// The file's length in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the file is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Absorbs the scheme, the leaf length, the file's length and the leaf digests into `h`.
    pub(crate) fn absorb(&self, h: &mut Fingerprinter) {
        let digests: Vec<u8> = self.leaves.iter().flatten().copied().collect();
        h.absorb_str(b"file.hash", INPUT_HASH_SCHEME)
            .absorb_u64(b"file.leaf-len", LEAF_LEN as u64)
            .absorb_u64(b"file.len", self.len)
            .absorb_bytes(b"file.leaves", &digests);
    }
}

/// Reads `file` whole from its current offset (a FIFO's only read); used when
/// [`InputHash::of_file`] could not hash it in place, or to parse a file
/// whose input key missed.
///
/// # Errors
/// A failed read.
pub fn read_all(mut file: &File) -> io::Result<Vec<u8>> {
    let mut raw = Vec::new();
    file.read_to_end(&mut raw)?;
    Ok(raw)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn bytes(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i * 7919 % 251) as u8).collect()
    }

    fn file_with(data: &[u8]) -> File {
        let mut f = tempfile::tempfile().unwrap();
        f.write_all(data).unwrap();
        f
    }

    #[test]
    fn file_and_bytes_agree_at_every_leaf_boundary() {
        for n in [0, 1, LEAF_LEN - 1, LEAF_LEN, LEAF_LEN + 1, 3 * LEAF_LEN + 17] {
            let data = bytes(n);
            let from_file = InputHash::of_file(&file_with(&data)).unwrap().unwrap();
            assert_eq!(from_file, InputHash::of_bytes(&data), "n = {n}");
            assert_eq!(from_file.len(), n as u64);
            assert_eq!(from_file.leaves.len(), n.div_ceil(LEAF_LEN));
        }
    }

    #[test]
    fn one_byte_beyond_the_first_leaf_changes_the_hash() {
        let data = bytes(3 * LEAF_LEN + 17);
        let mut changed = data.clone();
        changed[2 * LEAF_LEN + 5] ^= 1;
        assert_ne!(InputHash::of_bytes(&data), InputHash::of_bytes(&changed));
        // One byte more or less, at the end.
        assert_ne!(InputHash::of_bytes(&data), InputHash::of_bytes(&data[..data.len() - 1]));
    }

    #[test]
    fn a_fifo_is_not_hashed_in_place() {
        let (reader, _writer) = std::io::pipe().unwrap();
        let file = File::from(std::os::fd::OwnedFd::from(reader));
        assert_eq!(InputHash::of_file(&file).unwrap(), None);
    }
}
