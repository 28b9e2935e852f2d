//! The store: opening a root, writing entries, reading the best one back.

mod housekeeping;
mod layout;
mod read;
mod tooling;
mod write;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

pub use housekeeping::{EvictReport, PrunePolicy};
pub use layout::MAX_META_BYTES;
pub use read::FUTURE_SKEW_ALLOWANCE;
pub use tooling::{StoreStats, VerifyIssue, VerifyMode, VerifyReport};

use crate::entry::{CachedEntry, EntryKind};
use crate::error::{Result, StoreError};
use crate::fingerprint::Fingerprint;
use crate::fsutil;

/// Environment variable naming the default cache root.
pub const CACHE_DIR_ENV: &str = "GAM_CACHE_DIR";

/// Path of the default root below the platform cache directory.
pub const DEFAULT_SUBDIR: &str = "gam/warm/v1";

/// Default size budget: 1 GiB.
pub const DEFAULT_SIZE_BUDGET_BYTES: u64 = 1 << 30;

/// Default time to live: 30 days.
pub const DEFAULT_TTL: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// Default interval between full housekeeping passes triggered by saves.
pub const DEFAULT_HOUSEKEEPING_INTERVAL: Duration = Duration::from_secs(60 * 60);

/// Whether writes are flushed to stable storage before they count as done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// fsync payload, metadata and directory: an entry survives a power loss.
    #[default]
    Full,
    /// No fsync: still atomic against crashes of the process, not of the
    /// machine. For scratch stores and for filling benchmarks quickly.
    Relaxed,
}

/// How much disk the store may use and for how long entries live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreOptions {
    /// Total bytes of entries (metadata plus payload) to stay within.
    pub size_budget_bytes: u64,
    /// Entries older than this (by write time) are removed; zero means no expiry.
    pub ttl: Duration,
    /// Whether writes are flushed to stable storage.
    pub durability: Durability,
    /// A save triggers a full pass at most this often unless the budget is exceeded.
    pub housekeeping_interval: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            size_budget_bytes: DEFAULT_SIZE_BUDGET_BYTES,
            ttl: DEFAULT_TTL,
            durability: Durability::Full,
            housekeeping_interval: DEFAULT_HOUSEKEEPING_INTERVAL,
        }
    }
}

/// A handle on one cache root. Cheap to clone; clones share counters.
#[derive(Debug, Clone)]
pub struct WarmStartStore {
    root: PathBuf,
    opts: StoreOptions,
    full_walks: Arc<AtomicU64>,
}

/// The root the store uses when none is given: `$GAM_CACHE_DIR` if set and
/// non-empty, else the platform cache directory joined with [`DEFAULT_SUBDIR`].
pub fn default_root() -> Option<PathBuf> {
    match std::env::var_os(CACHE_DIR_ENV) {
        Some(dir) if !dir.is_empty() => Some(PathBuf::from(dir)),
        _ => dirs::cache_dir().map(|d| d.join(DEFAULT_SUBDIR)),
    }
}

impl WarmStartStore {
    /// Opens the store at `root`, creating it (and its parents) if missing.
    pub fn open(root: PathBuf, opts: StoreOptions) -> Result<WarmStartStore> {
        match fs::metadata(&root) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => return Err(StoreError::NotADirectory { path: root }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                fsutil::create_dir_all_private(&root).map_err(|e| StoreError::io("creating cache root", &root, e))?;
            }
            Err(e) => return Err(StoreError::io("opening cache root", &root, e)),
        }
        Ok(WarmStartStore {
            root,
            opts,
            full_walks: Arc::new(AtomicU64::new(0)),
        })
    }

    /// Opens the store at [`default_root`] with default options; `None` when
    /// no cache directory can be determined or created.
    pub fn open_default() -> Option<WarmStartStore> {
        WarmStartStore::open(default_root()?, StoreOptions::default()).ok()
    }

    /// The directory the store lives in.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The options it was opened with.
    pub fn options(&self) -> &StoreOptions {
        &self.opts
    }

    /// How many full passes over the root this handle (and its clones) made.
    pub fn full_walks(&self) -> u64 {
        self.full_walks.load(Ordering::Relaxed)
    }

    /// The directory holding a key's entries.
    pub fn key_dir(&self, key: &Fingerprint) -> PathBuf {
        self.root.join(key.to_hex())
    }

    /// Returns the best valid entry for `key` (rule 13), or `None`.
    ///
    /// Corrupt entries met on the way are removed and the next-best is tried;
    /// a hit counts as a use for eviction order.
    pub fn lookup(&self, key: &Fingerprint) -> Result<Option<CachedEntry>> {
        read::lookup(self, key)
    }

    /// Writes a new entry under a fresh run id and returns the run id.
    pub fn save(
        &self,
        key: &Fingerprint,
        payload: &[u8],
        objective: Option<f64>,
        iteration: Option<u64>,
        kind: EntryKind,
    ) -> Result<String> {
        let run_id = fsutil::unique_suffix();
        write::write_slot(self, key, &run_id, payload, objective, iteration, kind)?;
        Ok(run_id)
    }

    /// Replaces the entry in `run_id`'s slot (creating it if empty), leaving one entry there.
    pub fn save_overwrite(
        &self,
        key: &Fingerprint,
        run_id: &str,
        payload: &[u8],
        objective: Option<f64>,
        iteration: Option<u64>,
        kind: EntryKind,
    ) -> Result<()> {
        if !layout::valid_run_id(run_id) {
            return Err(StoreError::InvalidRunId {
                run_id: run_id.to_owned(),
            });
        }
        write::write_slot(self, key, run_id, payload, objective, iteration, kind)
    }

    /// A full pass: removes expired entries, dead writers' leftovers, and the
    /// least recently used entries while the total exceeds the budget.
    pub fn evict_overflow(&self) -> Result<()> {
        self.prune(&PrunePolicy::from_options(&self.opts)).map(|_| ())
    }

    /// A full pass with an explicit size limit and age limit.
    pub fn prune(&self, policy: &PrunePolicy) -> Result<EvictReport> {
        housekeeping::full_pass(self, policy)
    }
}
