//! Entries: what a lookup returns, what the metadata file holds, and which entry is best.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use crate::fingerprint::Fingerprint;

/// The metadata schema this build writes and reads. Files with another
/// version are left alone: a newer program may own them.
pub const SCHEMA_VERSION: u32 = 1;

/// Objectives closer than this are a tie, broken by kind and then write time.
pub const OBJECTIVE_TIE_TOLERANCE: f64 = 1e-12;

/// Whether an entry is an intermediate iterate or the end of a finished run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryKind {
    /// An iterate written during a run; a resume starts from it.
    Checkpoint,
    /// The result of a run that converged.
    Final,
}

impl EntryKind {
    /// The lowercase name used on disk and in tooling.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Checkpoint => "checkpoint",
            EntryKind::Final => "final",
        }
    }
}

/// An entry read back from the store, its payload verified.
#[derive(Debug, Clone, PartialEq)]
pub struct CachedEntry {
    /// The opaque bytes that were saved.
    pub payload: Vec<u8>,
    /// The objective saved with it (lower is better).
    pub objective: Option<f64>,
    /// The iteration saved with it.
    pub iteration: Option<u64>,
    /// When it was written, whole seconds since the Unix epoch.
    pub written_unix_secs: u64,
    /// Sub-second part of the write time.
    pub written_unix_nanos: u32,
    /// Checkpoint or Final.
    pub kind: EntryKind,
    /// The slot it was read from.
    pub run_id: String,
}

/// The contents of a metadata file (`<run_id>.meta.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Metadata {
    pub schema: u32,
    pub key: String,
    pub run_id: String,
    pub written_unix_secs: u64,
    pub written_unix_nanos: u32,
    pub objective: Option<f64>,
    pub iteration: Option<u64>,
    pub kind: EntryKind,
    pub payload_sha256: String,
    pub payload_len: u64,
    /// File name, in the key directory, of this write's payload.
    pub payload_file: String,
}

/// Only the schema field, so that files of other versions can be recognised
/// without understanding the rest of them.
#[derive(Deserialize)]
pub(crate) struct SchemaProbe {
    pub schema: u32,
}

/// What tooling sees of an entry, without reading its payload.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EntryInfo {
    /// The key it belongs to.
    pub key: Fingerprint,
    /// Its slot.
    pub run_id: String,
    /// Checkpoint or Final.
    pub kind: EntryKind,
    /// The saved objective.
    pub objective: Option<f64>,
    /// The saved iteration.
    pub iteration: Option<u64>,
    /// Write time, seconds since the Unix epoch.
    pub written_unix_secs: u64,
    /// Sub-second part of the write time.
    pub written_unix_nanos: u32,
    /// Last use (write or lookup hit), seconds since the Unix epoch.
    pub last_used_unix_secs: u64,
    /// Payload length recorded in the metadata.
    pub payload_len: u64,
    /// Bytes on disk: metadata plus payload.
    pub disk_bytes: u64,
}

/// The fields that decide which entry is best.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rank {
    pub objective: Option<f64>,
    pub kind: EntryKind,
    pub written: (u64, u32),
}

impl Rank {
    pub fn of(meta: &Metadata) -> Rank {
        Rank {
            objective: meta.objective,
            kind: meta.kind,
            written: (meta.written_unix_secs, meta.written_unix_nanos),
        }
    }

    /// `Greater` when `self` is the better entry.
    ///
    /// Not a total order (ties within a tolerance are not transitive), so it
    /// is only used to pick a maximum by linear scan, never to sort.
    pub fn compare(&self, other: &Rank) -> Ordering {
        match (self.objective, other.objective) {
            (Some(a), Some(b)) => {
                if (a - b).abs() > OBJECTIVE_TIE_TOLERANCE {
                    // Lower objective is better.
                    return b.partial_cmp(&a).unwrap_or(Ordering::Equal);
                }
                let final_first = (self.kind == EntryKind::Final).cmp(&(other.kind == EntryKind::Final));
                final_first.then(self.written.cmp(&other.written))
            }
            (Some(_), None) => Ordering::Greater,
            (None, Some(_)) => Ordering::Less,
            (None, None) => self.written.cmp(&other.written),
        }
    }
}

/// Index of the best of `ranks`, by [`Rank::compare`].
pub(crate) fn best_index(ranks: impl IntoIterator<Item = Rank>) -> Option<usize> {
    let mut best: Option<(usize, Rank)> = None;
    for (i, r) in ranks.into_iter().enumerate() {
        match &best {
            Some((_, b)) if r.compare(b) != Ordering::Greater => {}
            _ => best = Some((i, r)),
        }
    }
    best.map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(objective: Option<f64>, kind: EntryKind, secs: u64, nanos: u32) -> Rank {
        Rank {
            objective,
            kind,
            written: (secs, nanos),
        }
    }

    #[test]
    fn rule13_lowest_objective_wins() {
        let ranks = [
            r(Some(3.0), EntryKind::Final, 10, 0),
            r(Some(1.0), EntryKind::Checkpoint, 1, 0),
            r(Some(2.0), EntryKind::Final, 20, 0),
        ];
        assert_eq!(best_index(ranks), Some(1));
    }

    #[test]
    fn rule13_ties_within_tolerance_prefer_final_then_later() {
        let ranks = [
            r(Some(1.0), EntryKind::Checkpoint, 30, 0),
            r(Some(1.0 + 0.5e-12), EntryKind::Final, 10, 0),
        ];
        assert_eq!(best_index(ranks), Some(1));
        // Same kind: later write wins, nanoseconds counted.
        let ranks = [
            r(Some(1.0), EntryKind::Final, 10, 900),
            r(Some(1.0), EntryKind::Final, 10, 901),
            r(Some(1.0), EntryKind::Final, 10, 5),
        ];
        assert_eq!(best_index(ranks), Some(1));
        // Outside the tolerance the objective decides even against Final.
        let ranks = [
            r(Some(1.0), EntryKind::Checkpoint, 1, 0),
            r(Some(1.0 + 1e-9), EntryKind::Final, 99, 0),
        ];
        assert_eq!(best_index(ranks), Some(0));
    }

    #[test]
    fn rule13_objective_beats_none_and_none_prefers_later() {
        let ranks = [
            r(None, EntryKind::Final, 99, 0),
            r(Some(1e9), EntryKind::Checkpoint, 1, 0),
        ];
        assert_eq!(best_index(ranks), Some(1));
        let ranks = [r(None, EntryKind::Final, 5, 1), r(None, EntryKind::Checkpoint, 5, 2)];
        assert_eq!(best_index(ranks), Some(1));
        assert_eq!(best_index(Vec::new()), None);
    }
}
