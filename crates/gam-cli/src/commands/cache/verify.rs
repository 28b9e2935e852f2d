//! `gam cache verify [--fix]`: check every entry's payload, optionally
//! removing the bad ones.

use std::io::Write;

use anyhow::{Result, bail};
use warmstart::VerifyMode;

use super::shared::{open_existing, plural, short};
use crate::plumbing::Context;

/// Runs `gam cache verify`; fails if bad entries were found and `fix` is false.
pub(super) fn run(ctx: &mut Context, fix: bool) -> Result<()> {
    let mode = if fix { VerifyMode::Fix } else { VerifyMode::Report };
    let report = match open_existing(&ctx.cache_root)? {
        Some(store) => store.verify(mode)?,
        None => warmstart::VerifyReport::default(),
    };
    let bad = report.issues.len() as u64;
    let removed = report.issues.iter().filter(|i| i.removed).count() as u64;
    if ctx.json {
        ctx.print_json(&report)?;
    } else {
        for issue in &report.issues {
            let note = match (fix, issue.removed) {
                (false, _) => "",
                (true, true) => " (removed)",
                (true, false) => " (not removed: it changed while being checked)",
            };
            writeln!(
                ctx.out,
                "bad entry {}  {}: {}{note}",
                short(&issue.key),
                issue.path.display(),
                issue.problem
            )?;
        }
        let mut summary = format!(
            "checked {} in {}: {} ok, {} bad",
            plural(report.entries_checked, "entry", "entries"),
            ctx.cache_root.display(),
            report.entries_ok,
            bad
        );
        if report.foreign_entries > 0 {
            summary.push_str(&format!(
                ", {} of another schema version left alone",
                report.foreign_entries
            ));
        }
        writeln!(ctx.out, "{summary}")?;
        if fix && bad > 0 {
            writeln!(ctx.out, "removed {}", plural(removed, "bad entry", "bad entries"))?;
        }
    }
    if !fix && bad > 0 {
        bail!(
            "{} found; run `gam cache verify --fix` to remove them",
            plural(bad, "bad entry", "bad entries")
        );
    }
    Ok(())
}
