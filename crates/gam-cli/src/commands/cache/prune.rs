//! `gam cache prune`: remove expired entries, then the least recently used
//! until the cache is within the size limit.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use anyhow::{Result, bail};
use serde::Serialize;
use warmstart::{EvictReport, PrunePolicy, WarmStartStore};

use super::shared::{open_existing, plural, store_options};
use crate::human;
use crate::plumbing::Context;

#[derive(Serialize)]
struct PruneOut<'a> {
    root: &'a Path,
    max_bytes: u64,
    older_than_secs: u64,
    #[serde(flatten)]
    report: &'a EvictReport,
}

/// Runs `gam cache prune`; `None` limits fall back to the store's defaults.
pub(super) fn run(ctx: &mut Context, max_size: Option<u64>, older_than: Option<Duration>) -> Result<()> {
    let opts = store_options();
    let max_bytes = max_size.unwrap_or(opts.size_budget_bytes);
    let older_than = older_than.unwrap_or(opts.ttl);
    let root = ctx.cache_root.clone();
    let report = match open_existing(&root)? {
        Some(store) => {
            let started = human::now_unix_secs();
            let report = store.prune(&PrunePolicy::exact(max_bytes, older_than))?;
            check_pruned(&store, &report, max_bytes, older_than, started)?;
            report
        }
        None => EvictReport::default(),
    };
    if ctx.json {
        let out = PruneOut {
            root: &root,
            max_bytes,
            older_than_secs: older_than.as_secs(),
            report: &report,
        };
        return ctx.print_json(&out);
    }
    let r = &report;
    let removed = r.expired_entries + r.evicted_entries + r.corrupt_entries;
    let lines = [
        format!(
            "pruned {} (size limit {}, max age {})",
            root.display(),
            human::size(max_bytes),
            human::exact_duration(older_than)
        ),
        format!(
            "removed: {} ({} expired, {} over the size limit, {} corrupt), {}, {}",
            plural(removed, "entry", "entries"),
            r.expired_entries,
            r.evicted_entries,
            r.corrupt_entries,
            plural(r.stale_tmp_files, "stale temp file", "stale temp files"),
            plural(r.orphan_payloads, "orphan payload", "orphan payloads"),
        ),
        format!("freed:   {}", human::size(r.bytes_freed)),
        format!(
            "left:    {}, {}{}",
            plural(r.entries_left, "entry", "entries"),
            human::size(r.bytes_left),
            if r.changed_entries > 0 {
                format!(" ({} rewritten by another process during the prune)", r.changed_entries)
            } else {
                String::new()
            }
        ),
    ];
    for line in lines {
        writeln!(ctx.out, "{line}")?;
    }
    Ok(())
}

/// A full pass skips entries it cannot remove (it is also the store's
/// best-effort housekeeping); an explicit prune that could not remove some
/// failed. Entries other processes wrote or rewrote during the prune are not
/// a failure: they are new, and left (`changed_entries` counts those it met).
fn check_pruned(
    store: &WarmStartStore,
    report: &EvictReport,
    max_bytes: u64,
    older_than: Duration,
    started_unix_secs: u64,
) -> Result<()> {
    let root = store.root().display();
    if report.failed_removals > 0 {
        bail!(
            "could not bring {root} within {} and age {}: {} could not be removed (is the cache directory read-only?)",
            human::size(max_bytes),
            human::exact_duration(older_than),
            plural(report.failed_removals, "entry", "entries"),
        );
    }
    // An entry written before the prune started and older than the limit
    // must be gone, whatever was written meanwhile.
    if !older_than.is_zero()
        && let Some(oldest) = store.stats()?.oldest_write_unix_secs
        && started_unix_secs.saturating_sub(oldest) > older_than.as_secs()
    {
        bail!(
            "could not remove entries older than {} from {root} (is the cache directory read-only?)",
            human::exact_duration(older_than)
        );
    }
    Ok(())
}
