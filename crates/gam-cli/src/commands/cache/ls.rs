//! `gam cache ls`: one line per key with its best entry, size and age.

use std::io::Write;

use anyhow::Result;
use serde::Serialize;
use warmstart::{EntryInfo, EntryKind, Fingerprint};

use super::shared::{best, open_existing, short};
use crate::human::{self, Table};
use crate::plumbing::Context;

/// One line of `gam cache ls`.
#[derive(Debug, Serialize)]
struct KeySummary {
    key: Fingerprint,
    entries: u64,
    best_objective: Option<f64>,
    kind: Option<EntryKind>,
    best_run_id: Option<String>,
    best_iteration: Option<u64>,
    bytes: u64,
    newest_write_unix_secs: Option<u64>,
    last_used_unix_secs: Option<u64>,
}

fn summarize(key: Fingerprint, entries: &[EntryInfo]) -> KeySummary {
    let b = best(entries);
    KeySummary {
        key,
        entries: entries.len() as u64,
        best_objective: b.and_then(|e| e.objective),
        kind: b.map(|e| e.kind),
        best_run_id: b.map(|e| e.run_id.clone()),
        best_iteration: b.and_then(|e| e.iteration),
        bytes: entries.iter().map(|e| e.disk_bytes).sum(),
        newest_write_unix_secs: entries.iter().map(|e| e.written_unix_secs).max(),
        last_used_unix_secs: entries
            .iter()
            .map(|e| e.last_used_unix_secs.max(e.written_unix_secs))
            .max(),
    }
}

/// Runs `gam cache ls`.
pub(super) fn run(ctx: &mut Context) -> Result<()> {
    let mut rows = Vec::new();
    if let Some(store) = open_existing(&ctx.cache_root)? {
        for key in store.keys()? {
            let entries = match store.entries(&key) {
                Ok(entries) => entries,
                // Removed by a concurrent prune since it was listed: not an error.
                Err(_) if !store.key_dir(&key).exists() => continue,
                Err(e) => return Err(e.into()),
            };
            rows.push(summarize(key, &entries));
        }
    }
    if ctx.json {
        return ctx.print_json(&rows);
    }
    if rows.is_empty() {
        writeln!(ctx.out, "The cache at {} is empty.", ctx.cache_root.display())?;
        return Ok(());
    }
    let now = human::now_unix_secs();
    let mut table = Table::new(&["KEY", ">ENTRIES", ">BEST OBJECTIVE", "KIND", ">SIZE", ">AGE"]);
    for r in &rows {
        table.row(vec![
            short(&r.key),
            r.entries.to_string(),
            human::objective(r.best_objective),
            r.kind.map_or("-", EntryKind::as_str).to_owned(),
            human::size(r.bytes),
            r.last_used_unix_secs
                .map_or_else(|| "-".to_owned(), |t| human::age(now, t)),
        ]);
    }
    for line in table.lines() {
        writeln!(ctx.out, "{line}")?;
    }
    Ok(())
}
