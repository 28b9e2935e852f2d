//! What the `gam cache` subcommands share: opening the store without
//! creating it, the store's ranking of entries, and short forms of keys and
//! counts.

use std::fs;
use std::io;
use std::path::Path;

use anyhow::Result;
use warmstart::{EntryInfo, EntryKind, Fingerprint, OBJECTIVE_TIE_TOLERANCE, StoreOptions, WarmStartStore};

/// How many hex characters of a key listings show.
pub const SHORT_KEY_LEN: usize = 12;

/// The options the store is opened with: the library's defaults.
pub(super) fn store_options() -> StoreOptions {
    StoreOptions::default()
}

/// Opens the store at `root`, or returns `None` if `root` does not exist
/// (nothing is created). A root that is not a directory is an error.
pub(super) fn open_existing(root: &Path) -> Result<Option<WarmStartStore>> {
    match fs::metadata(root) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        _ => Ok(Some(WarmStartStore::open(root.to_path_buf(), store_options())?)),
    }
}

/// The first [`SHORT_KEY_LEN`] hex characters of a key.
pub(super) fn short(key: &Fingerprint) -> String {
    key.to_hex()[..SHORT_KEY_LEN].to_owned()
}

/// `n` followed by the singular `one` or the plural `many`.
pub(super) fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Whether `a` ranks above `b` by the store's rule: lower objective (an
/// objective beats none), then within [`OBJECTIVE_TIE_TOLERANCE`] Final
/// before Checkpoint, then the later write.
fn better(a: &EntryInfo, b: &EntryInfo) -> bool {
    let later = (a.written_unix_secs, a.written_unix_nanos) > (b.written_unix_secs, b.written_unix_nanos);
    match (a.objective, b.objective) {
        (Some(x), Some(y)) if (x - y).abs() > OBJECTIVE_TIE_TOLERANCE => x < y,
        (Some(_), Some(_)) => {
            let (fa, fb) = (a.kind == EntryKind::Final, b.kind == EntryKind::Final);
            if fa != fb { fa } else { later }
        }
        (Some(_), None) => true,
        (None, Some(_)) => false,
        (None, None) => later,
    }
}

/// The entry a lookup would try first (its payload is not checked here).
pub(super) fn best(entries: &[EntryInfo]) -> Option<&EntryInfo> {
    entries.iter().fold(None, |acc, e| match acc {
        Some(b) if !better(e, b) => Some(b),
        _ => Some(e),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(objective: Option<f64>, kind: EntryKind, secs: u64) -> EntryInfo {
        EntryInfo {
            key: Fingerprint::from_bytes([0; 32]),
            run_id: format!("r{secs}"),
            kind,
            objective,
            iteration: None,
            written_unix_secs: secs,
            written_unix_nanos: 0,
            last_used_unix_secs: secs,
            payload_len: 0,
            disk_bytes: 0,
        }
    }

    #[test]
    fn best_follows_the_store_rule() {
        let es = [
            info(Some(2.0), EntryKind::Final, 1),
            info(Some(1.0), EntryKind::Checkpoint, 2),
            info(None, EntryKind::Final, 9),
        ];
        assert_eq!(best(&es).map(|e| e.written_unix_secs), Some(2));
        let es = [
            info(Some(1.0), EntryKind::Checkpoint, 5),
            info(Some(1.0), EntryKind::Final, 1),
        ];
        assert_eq!(best(&es).map(|e| e.kind), Some(EntryKind::Final));
        let es = [info(None, EntryKind::Final, 1), info(None, EntryKind::Checkpoint, 2)];
        assert_eq!(best(&es).map(|e| e.written_unix_secs), Some(2));
        assert!(best(&[]).is_none());
    }
}
