//! An on-disk, content-addressed cache of optimisation checkpoints.
//!
//! A key is a [`Fingerprint`] (SHA-256 over a framed stream of the fit's
//! inputs, built with a [`Fingerprinter`]). Under a key the store keeps
//! entries: an opaque payload with an objective (lower is better), an
//! iteration and a kind ([`EntryKind::Checkpoint`] or [`EntryKind::Final`]).
//! [`WarmStartStore::lookup`] returns the best entry of a key; a [`Session`]
//! checkpoints one fit into its own slot. The crate knows nothing about what
//! the payloads mean.
//!
//! # Contract
//! The store keeps a numbered contract, `SPEC.md` beside this crate's
//! `Cargo.toml`, rendered here as the module [`contract`]. The code and the
//! tests cite its rules by number ("rule 11", `rule11_…`), and its last table
//! names the tests that hold each rule. The guarantees below summarise it and
//! add what the crate does beyond it.
//!
//! # Guarantees
//! - **Atomic, checksummed writes.** A crash at any instant leaves the previous
//!   entry or the complete new one. Every payload is verified against its
//!   SHA-256 and length before it is returned; a corrupt entry is removed and
//!   the next-best returned instead (corruption is a miss, never an error).
//! - **Race-free overwrites.** Each write's payload has a file name of its own
//!   that the metadata points to, and the metadata rename is the single
//!   switch; readers never pair old metadata with a new payload, and a reader
//!   never deletes an entry a writer just put in place.
//! - **Concurrent processes** may save, look up and evict on one store and one
//!   key at once.
//! - **Bounded disk use.** Entries older than the TTL go; past the size budget
//!   the least recently used go first. A save costs the same at 10^2 or 10^5
//!   entries: it updates a running total and walks the store only when over
//!   budget or once per housekeeping interval.
//! - **Confined.** The store only touches files under its root, never follows
//!   a symbolic link found there, ignores names it does not recognise, and
//!   creates directories 0700 and files 0600.
//! - **Never blocked, never flooded by a planted file.** A file is opened
//!   only if it is a regular file (checked on the name, then on the open
//!   handle; opened with `O_NOFOLLOW | O_NONBLOCK`), so a FIFO named like an
//!   entry's file cannot make anything wait. Metadata larger than
//!   [`MAX_META_BYTES`] and payloads whose size differs from their recorded
//!   length are refused by their size, unread. Such files are corrupt
//!   entries: a miss for lookup, reported by `verify` and removed by its fix
//!   and by `clear` (a symbolic link as a link, its target untouched). A
//!   file, FIFO or link in place of a key directory is replaced by the
//!   directory on the next save of that key.
//! - **No entry from the future.** A write time more than
//!   [`FUTURE_SKEW_ALLOWANCE`] ahead of the clock counts as expired under
//!   any TTL (a TTL of zero still means no expiry), and a last use that far
//!   ahead as the least recent, so that a clock that was far ahead cannot
//!   keep an entry beyond every age limit.
//! - **One copy of a result.** A Final save removes the key's other Final
//!   entries with identical content (payload checksum, objective,
//!   iteration), keeping the latest, which is what a lookup returns among
//!   them; many processes finishing the same fit at once leave one copy.
//! - **Clear beside writers.** `clear` moves each metadata file aside before
//!   removing the payload it names, and leaves a live writer's payload that
//!   no metadata names yet: no published metadata is ever left without its
//!   payload.
//!
//! # Layout on disk
//! ```text
//! <root>/
//!   .usage.json                         approximate running total of bytes, last full pass
//!   <64 lowercase hex: the key>/
//!     <run_id>.meta.json                metadata of the slot <run_id> (JSON, below)
//!     <run_id>.<pid>-<start>-<unique>.payload   one write's payload, named by the metadata
//!     .tmp.<pid>-<start>-<unique>.<what>        a write or removal in progress
//! ```
//! `<pid>-<start>` identify the writing process (pid and kernel start time),
//! so housekeeping can tell a dead writer's leftovers from a live one's.
//! Metadata fields: `schema` (1), `key`, `run_id`, `written_unix_secs`,
//! `written_unix_nanos`, `objective` (number or null), `iteration` (number or
//! null), `kind` (`"checkpoint"` or `"final"`), `payload_sha256` (hex),
//! `payload_len`, `payload_file`. The last-use time of an entry, for eviction
//! order, is the mtime of its metadata file: a lookup hit sets it to now.
//!
//! The default root is `$GAM_CACHE_DIR`, else the platform cache directory
//! joined with `gam/warm/v1`.

pub mod contract {
    #![doc = include_str!("../SPEC.md")]
}
mod entry;
mod error;
mod fingerprint;
mod fsutil;
mod session;
mod store;

pub use entry::{CachedEntry, EntryInfo, EntryKind, OBJECTIVE_TIE_TOLERANCE, SCHEMA_VERSION};
pub use error::{Result, StoreError};
pub use fingerprint::{FINGERPRINT_LEN, Fingerprint, Fingerprinter, ParseFingerprintError, canonical_f64_bits};
pub use session::{CHECKPOINT_MIN_INTERVAL, LoadSource, Session};
pub use store::{
    CACHE_DIR_ENV, DEFAULT_HOUSEKEEPING_INTERVAL, DEFAULT_SIZE_BUDGET_BYTES, DEFAULT_SUBDIR, DEFAULT_TTL, Durability,
    EvictReport, FUTURE_SKEW_ALLOWANCE, MAX_META_BYTES, PrunePolicy, StoreOptions, StoreStats, VerifyIssue, VerifyMode,
    VerifyReport, WarmStartStore, default_root,
};
