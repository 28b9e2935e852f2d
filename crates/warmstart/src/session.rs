//! A session: one fit's view of the store (rules 23 to 26).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::entry::{CachedEntry, EntryKind};
use crate::error::StoreError;
use crate::fingerprint::Fingerprint;
use crate::fsutil;
use crate::store::WarmStartStore;

/// Checkpoints that do not improve the objective are written at most this often.
pub const CHECKPOINT_MIN_INTERVAL: Duration = Duration::from_secs(2);

/// Where an entry returned by [`Session::try_load_with_source`] came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadSource {
    /// Read from the store under the session's own key.
    Exact,
    /// Stashed by [`Session::preload`] from a related key.
    Preloaded,
}

#[derive(Default)]
struct State {
    last_write: Option<Instant>,
    best_written: Option<f64>,
    wrote_any: bool,
    preloaded: Option<CachedEntry>,
    first_error: Option<StoreError>,
    error_taken: bool,
}

/// Binds a store to one key and one run id for the life of one fit.
///
/// Store failures never fail the fit: the first one is kept for
/// [`take_error`](Session::take_error) (to be reported once) and the session
/// carries on.
pub struct Session {
    store: WarmStartStore,
    key: Fingerprint,
    run_id: String,
    state: Mutex<State>,
}

impl Session {
    /// Starts a session for `key` with a fresh run id.
    pub fn open(store: WarmStartStore, key: Fingerprint) -> Session {
        Session {
            store,
            key,
            run_id: fsutil::unique_suffix(),
            state: Mutex::new(State::default()),
        }
    }

    /// The key checkpoints go to.
    pub fn key(&self) -> &Fingerprint {
        &self.key
    }

    /// The slot this session writes.
    pub fn run_id(&self) -> &str {
        &self.run_id
    }

    /// The store it writes to.
    pub fn store(&self) -> &WarmStartStore {
        &self.store
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Overwrites the session's slot as a Checkpoint, at most once per
    /// [`CHECKPOINT_MIN_INTERVAL`] unless the objective is strictly better than
    /// any this session wrote. Returns whether it wrote.
    pub fn checkpoint(&self, payload: &[u8], objective: Option<f64>, iteration: Option<u64>) -> bool {
        let mut st = self.state();
        let improves = match (objective, st.best_written) {
            (Some(o), Some(best)) => o < best,
            (Some(_), None) => true,
            (None, _) => false,
        };
        let due = st.last_write.is_none_or(|t| t.elapsed() >= CHECKPOINT_MIN_INTERVAL);
        if !(improves || due) {
            return false;
        }
        self.write(&mut st, payload, objective, iteration, EntryKind::Checkpoint)
    }

    /// Writes the slot as Final, whatever the rate limit. Returns whether it wrote.
    pub fn finalize(&self, payload: &[u8], objective: Option<f64>, iteration: Option<u64>) -> bool {
        let mut st = self.state();
        self.write(&mut st, payload, objective, iteration, EntryKind::Final)
    }

    fn write(
        &self,
        st: &mut State,
        payload: &[u8],
        objective: Option<f64>,
        iteration: Option<u64>,
        kind: EntryKind,
    ) -> bool {
        match self
            .store
            .save_overwrite(&self.key, &self.run_id, payload, objective, iteration, kind)
        {
            Ok(()) => {
                st.last_write = Some(Instant::now());
                st.wrote_any = true;
                if let Some(o) = objective {
                    st.best_written = Some(st.best_written.map_or(o, |b| b.min(o)));
                }
                true
            }
            Err(e) => {
                // Rate-limit retries against a failing store too.
                st.last_write = Some(Instant::now());
                st.first_error.get_or_insert(e);
                false
            }
        }
    }

    /// Stashes an entry from a related key; the next load returns it once.
    pub fn preload(&self, entry: CachedEntry) {
        self.state().preloaded = Some(entry);
    }

    /// The preloaded entry if one is waiting, else the best entry under the session's key.
    pub fn try_load(&self) -> Option<CachedEntry> {
        self.try_load_with_source().map(|(e, _)| e)
    }

    /// As [`try_load`](Self::try_load), saying where the entry came from.
    pub fn try_load_with_source(&self) -> Option<(CachedEntry, LoadSource)> {
        let mut st = self.state();
        if let Some(e) = st.preloaded.take() {
            return Some((e, LoadSource::Preloaded));
        }
        match self.store.lookup(&self.key) {
            Ok(found) => found.map(|e| (e, LoadSource::Exact)),
            Err(e) => {
                st.first_error.get_or_insert(e);
                None
            }
        }
    }

    /// The first store failure of this session, returned once, so that the
    /// caller can report it once.
    pub fn take_error(&self) -> Option<StoreError> {
        let mut st = self.state();
        if st.error_taken {
            return None;
        }
        let e = st.first_error.take();
        st.error_taken = e.is_some();
        e
    }

    /// Whether any store operation of this session failed.
    pub fn had_error(&self) -> bool {
        let st = self.state();
        st.error_taken || st.first_error.is_some()
    }

    /// Whether this session has written anything.
    pub fn wrote_any(&self) -> bool {
        self.state().wrote_any
    }
}
