//! `gam cache stats`: keys, entries, size, budget and TTL of the cache.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use anyhow::Result;
use warmstart::StoreStats;

use super::shared::{open_existing, store_options};
use crate::human;
use crate::plumbing::Context;

fn load_stats(root: &Path) -> Result<StoreStats> {
    match open_existing(root)? {
        Some(store) => Ok(store.stats()?),
        None => {
            let opts = store_options();
            Ok(StoreStats {
                root: root.to_path_buf(),
                size_budget_bytes: opts.size_budget_bytes,
                ttl_secs: opts.ttl.as_secs(),
                ..StoreStats::default()
            })
        }
    }
}

/// Runs `gam cache stats`.
pub(super) fn run(ctx: &mut Context) -> Result<()> {
    let s = load_stats(&ctx.cache_root)?;
    if ctx.json {
        return ctx.print_json(&s);
    }
    let now = human::now_unix_secs();
    let when = |t: Option<u64>| t.map_or_else(|| "-".to_owned(), |t| format!("{} ago", human::age(now, t)));
    let used = if s.size_budget_bytes == 0 {
        String::new()
    } else {
        format!(" ({:.0}% used)", 100.0 * s.bytes as f64 / s.size_budget_bytes as f64)
    };
    let mut lines = vec![
        ("root", s.root.display().to_string()),
        ("keys", s.keys.to_string()),
        (
            "entries",
            format!("{} ({} checkpoint, {} final)", s.entries, s.checkpoints, s.finals),
        ),
        ("total size", human::size(s.bytes)),
        ("budget", format!("{}{used}", human::size(s.size_budget_bytes))),
        ("ttl", human::exact_duration(Duration::from_secs(s.ttl_secs))),
        ("oldest entry", when(s.oldest_write_unix_secs)),
        ("newest entry", when(s.newest_write_unix_secs)),
        ("temp files", s.tmp_files.to_string()),
    ];
    if s.odd_files > 0 {
        lines.push((
            "odd files",
            format!("{} (corrupt: run `gam cache verify --fix`)", s.odd_files),
        ));
    }
    if s.foreign_entries > 0 {
        lines.push(("other schema", format!("{} (left alone)", s.foreign_entries)));
    }
    for (label, value) in lines {
        writeln!(ctx.out, "{:<14}{value}", format!("{label}:"))?;
    }
    Ok(())
}
