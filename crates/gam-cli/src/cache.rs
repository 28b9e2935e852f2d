//! `gam cache`: inspect and manage the warm-start cache.
//!
//! No subcommand creates the cache directory: on a root that does not exist
//! yet they report an empty cache. `ls`, `show`, `stats` and `verify` (without
//! `--fix`) only read; in particular they never count as a use of an entry.
//! Everything goes through the `warmstart` store, which never follows a
//! symbolic link found under the root.

use std::fs::{self, OpenOptions};
use std::io::{self, BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Result, anyhow, bail};
use clap::{Args, Subcommand};
use serde::Serialize;
use warmstart::{
    EntryInfo, EntryKind, EvictReport, Fingerprint, OBJECTIVE_TIE_TOLERANCE, PrunePolicy, StoreOptions, StoreStats,
    VerifyMode, WarmStartStore,
};

use crate::human::{self, Table};
use crate::{Context, usage_error};

/// The fewest hex characters `gam cache show` accepts as a key prefix.
pub const MIN_PREFIX_LEN: usize = 4;

/// How many hex characters of a key listings show.
pub const SHORT_KEY_LEN: usize = 12;

/// Arguments of `gam cache`.
#[derive(Debug, Args)]
pub struct CacheArgs {
    /// What to do with the cache.
    #[command(subcommand)]
    pub command: CacheCommand,
}

/// The subcommands of `gam cache`.
#[derive(Debug, Subcommand)]
pub enum CacheCommand {
    /// Print the cache directory in use
    Dir,
    /// List the keys: entries, best objective, size and age of each
    Ls,
    /// Show every entry of one key
    Show {
        /// The key, or an unambiguous prefix of it (at least 4 hex characters)
        key: String,
    },
    /// Summarise the cache: keys, entries, size, budget, TTL
    Stats,
    /// Check every entry's payload against its recorded length and checksum
    Verify {
        /// Remove the bad entries found
        #[arg(long)]
        fix: bool,
    },
    /// Remove expired entries, then the least recently used until within the size limit
    Prune {
        /// Size limit, e.g. 500M or 1GiB [default: the store's budget, 1 GiB]
        #[arg(long, value_name = "SIZE", value_parser = human::parse_size)]
        max_size: Option<u64>,
        /// Remove entries written longer ago than this, e.g. 7d or 12h; 0 disables
        /// [default: the store's TTL, 30d]
        #[arg(long, value_name = "AGE", value_parser = human::parse_age)]
        older_than: Option<Duration>,
    },
    /// Remove every entry
    Clear {
        /// Do not ask for confirmation (required when stdin is not a terminal)
        #[arg(long, short = 'y')]
        yes: bool,
    },
}

/// Runs one `gam cache` subcommand.
pub fn run(args: &CacheArgs, ctx: &mut Context) -> Result<()> {
    match &args.command {
        CacheCommand::Dir => dir(ctx),
        CacheCommand::Ls => ls(ctx),
        CacheCommand::Show { key } => show(ctx, key),
        CacheCommand::Stats => stats(ctx),
        CacheCommand::Verify { fix } => verify(ctx, *fix),
        CacheCommand::Prune { max_size, older_than } => prune(ctx, *max_size, *older_than),
        CacheCommand::Clear { yes } => clear(ctx, *yes),
    }
}

/// The options the store is opened with: the library's defaults.
fn store_options() -> StoreOptions {
    StoreOptions::default()
}

/// Opens the store at `root`, or returns `None` if `root` does not exist
/// (nothing is created). A root that is not a directory is an error.
fn open_existing(root: &Path) -> Result<Option<WarmStartStore>> {
    match fs::metadata(root) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        _ => Ok(Some(WarmStartStore::open(root.to_path_buf(), store_options())?)),
    }
}

/// The first [`SHORT_KEY_LEN`] hex characters of a key.
fn short(key: &Fingerprint) -> String {
    key.to_hex()[..SHORT_KEY_LEN].to_owned()
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

// ---------------------------------------------------------------- dir

#[derive(Serialize)]
struct DirOut<'a> {
    root: &'a Path,
}

fn dir(ctx: &mut Context) -> Result<()> {
    if ctx.json {
        let root = ctx.cache_root.clone();
        return ctx.print_json(&DirOut { root: &root });
    }
    writeln!(ctx.out, "{}", ctx.cache_root.display())?;
    Ok(())
}

// ---------------------------------------------------------------- ls

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
fn best(entries: &[EntryInfo]) -> Option<&EntryInfo> {
    entries.iter().fold(None, |acc, e| match acc {
        Some(b) if !better(e, b) => Some(b),
        _ => Some(e),
    })
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

fn ls(ctx: &mut Context) -> Result<()> {
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

// ---------------------------------------------------------------- show

/// Checks the syntax of a key prefix given on the command line and returns it in lowercase.
fn parse_key_prefix(prefix: &str) -> Result<String> {
    if prefix.is_empty() {
        return Err(usage_error(format!(
            "empty key: give a key or at least {MIN_PREFIX_LEN} hex characters of one"
        )));
    }
    if let Some(c) = prefix.chars().find(|c| !c.is_ascii_hexdigit()) {
        return Err(usage_error(format!(
            "key {prefix:?} is not hexadecimal ({c:?} is not a hex digit)"
        )));
    }
    if prefix.len() < MIN_PREFIX_LEN {
        return Err(usage_error(format!(
            "key prefix {prefix:?} is too short: give at least {MIN_PREFIX_LEN} hex characters"
        )));
    }
    if prefix.len() > 2 * warmstart::FINGERPRINT_LEN {
        return Err(usage_error(format!(
            "key {prefix:?} is too long: keys have {} hex characters",
            2 * warmstart::FINGERPRINT_LEN
        )));
    }
    Ok(prefix.to_ascii_lowercase())
}

/// The one key of the store starting with `prefix`.
fn resolve_key(store: Option<&WarmStartStore>, root: &Path, prefix: &str) -> Result<Fingerprint> {
    let prefix = parse_key_prefix(prefix)?;
    let matches = match store {
        Some(s) => s.resolve_prefix(&prefix)?,
        None => Vec::new(),
    };
    match matches.as_slice() {
        [] => bail!("no key in {} starts with {prefix}", root.display()),
        [key] => Ok(*key),
        many => {
            let list: Vec<String> = many.iter().map(|k| format!("  {k}")).collect();
            bail!(
                "key prefix {prefix} is ambiguous: it matches {} keys in {}; give more characters of one of:\n{}",
                many.len(),
                root.display(),
                list.join("\n")
            )
        }
    }
}

#[derive(Serialize)]
struct ShowOut<'a> {
    key: Fingerprint,
    best_run_id: Option<&'a str>,
    entries: &'a [EntryInfo],
}

fn show(ctx: &mut Context, prefix: &str) -> Result<()> {
    // Syntax first, so that a bad key is reported as such whatever the store holds.
    parse_key_prefix(prefix)?;
    let store = open_existing(&ctx.cache_root)?;
    let key = resolve_key(store.as_ref(), &ctx.cache_root, prefix)?;
    let entries = match &store {
        Some(s) => s.entries(&key)?,
        None => Vec::new(),
    };
    let best_run_id = best(&entries).map(|e| e.run_id.as_str());
    if ctx.json {
        let out = ShowOut {
            key,
            best_run_id,
            entries: &entries,
        };
        return ctx.print_json(&out);
    }
    writeln!(
        ctx.out,
        "key {key}: {}",
        plural(entries.len() as u64, "entry", "entries")
    )?;
    if entries.is_empty() {
        return Ok(());
    }
    let now = human::now_unix_secs();
    let mut table = Table::new(&[
        "",
        "RUN ID",
        "KIND",
        ">OBJECTIVE",
        ">ITERATION",
        ">WRITTEN",
        ">LAST USED",
        ">PAYLOAD",
    ]);
    for e in &entries {
        table.row(vec![
            if Some(e.run_id.as_str()) == best_run_id {
                "*"
            } else {
                ""
            }
            .to_owned(),
            e.run_id.clone(),
            e.kind.as_str().to_owned(),
            human::objective(e.objective),
            human::opt_u64(e.iteration),
            format!("{} ago", human::age(now, e.written_unix_secs)),
            format!("{} ago", human::age(now, e.last_used_unix_secs)),
            human::size(e.payload_len),
        ]);
    }
    for line in table.lines() {
        writeln!(ctx.out, "{line}")?;
    }
    writeln!(ctx.out, "* the best entry: what a lookup returns first")?;
    Ok(())
}

// ---------------------------------------------------------------- stats

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

fn stats(ctx: &mut Context) -> Result<()> {
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
    if s.foreign_entries > 0 {
        lines.push(("other schema", format!("{} (left alone)", s.foreign_entries)));
    }
    for (label, value) in lines {
        writeln!(ctx.out, "{:<14}{value}", format!("{label}:"))?;
    }
    Ok(())
}

// ---------------------------------------------------------------- verify

fn verify(ctx: &mut Context, fix: bool) -> Result<()> {
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

// ---------------------------------------------------------------- prune

#[derive(Serialize)]
struct PruneOut<'a> {
    root: &'a Path,
    max_bytes: u64,
    older_than_secs: u64,
    #[serde(flatten)]
    report: &'a EvictReport,
}

fn prune(ctx: &mut Context, max_size: Option<u64>, older_than: Option<Duration>) -> Result<()> {
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
            "left:    {}, {}",
            plural(r.entries_left, "entry", "entries"),
            human::size(r.bytes_left)
        ),
    ];
    for line in lines {
        writeln!(ctx.out, "{line}")?;
    }
    Ok(())
}

/// A full pass skips entries it cannot remove (it is also the store's
/// best-effort housekeeping); an explicit prune that left some behind failed.
fn check_pruned(
    store: &WarmStartStore,
    report: &EvictReport,
    max_bytes: u64,
    older_than: Duration,
    started_unix_secs: u64,
) -> Result<()> {
    let root = store.root().display();
    if report.bytes_left > max_bytes {
        bail!(
            "could not bring {root} within {}: {} in {} could not be removed (is the cache directory read-only?)",
            human::size(max_bytes),
            human::size(report.bytes_left),
            plural(report.entries_left, "entry", "entries"),
        );
    }
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

// ---------------------------------------------------------------- clear

#[derive(Serialize)]
struct ClearOut<'a> {
    root: &'a Path,
    keys_removed: u64,
    bytes_freed: u64,
}

/// Fails, naming `root`, if no file can be created in it: then the key
/// directories could not be removed either, and it is better to stop before
/// removing anything than halfway.
fn ensure_writable(root: &Path) -> Result<()> {
    let probe: PathBuf = root.join(format!(
        ".gam-write-check.{}.{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    ));
    match OpenOptions::new().write(true).create_new(true).open(&probe) {
        Ok(file) => {
            drop(file);
            let _ = fs::remove_file(&probe);
            Ok(())
        }
        // Someone else's file (or link) by that name: leave it alone, let the removals speak.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(anyhow!("cache directory {} is not writable: {e}", root.display())),
    }
}

/// Asks on the terminal; true when the answer is yes.
fn confirm(question: &str) -> Result<bool> {
    let mut err = io::stderr().lock();
    write!(err, "{question} [y/N] ")?;
    err.flush()?;
    let mut answer = String::new();
    io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes"))
}

fn clear(ctx: &mut Context, yes: bool) -> Result<()> {
    let root = ctx.cache_root.clone();
    if !yes && !io::stdin().is_terminal() {
        return Err(usage_error(format!(
            "refusing to clear {} without confirmation: stdin is not a terminal; pass --yes",
            root.display()
        )));
    }
    let (keys, bytes) = match open_existing(&root)? {
        None => (0, 0),
        Some(store) => {
            let stats = store.stats()?;
            if !yes && stats.keys > 0 {
                let question = format!(
                    "Remove {} ({}) from {}?",
                    plural(stats.keys, "key", "keys"),
                    human::size(stats.bytes),
                    root.display()
                );
                if !confirm(&question)? {
                    bail!("aborted: nothing removed from {}", root.display());
                }
            }
            if stats.keys > 0 {
                ensure_writable(&root)?;
                store.clear()?
            } else {
                (0, 0)
            }
        }
    };
    if ctx.json {
        let out = ClearOut {
            root: &root,
            keys_removed: keys,
            bytes_freed: bytes,
        };
        return ctx.print_json(&out);
    }
    if keys == 0 {
        writeln!(ctx.out, "The cache at {} is already empty.", root.display())?;
    } else {
        writeln!(
            ctx.out,
            "Removed {} ({}) from {}.",
            plural(keys, "key", "keys"),
            human::size(bytes),
            root.display()
        )?;
    }
    Ok(())
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

    #[test]
    fn key_prefixes_are_checked() {
        assert_eq!(parse_key_prefix("ABCD").unwrap(), "abcd");
        assert!(parse_key_prefix("").is_err());
        assert!(parse_key_prefix("abc").is_err());
        assert!(parse_key_prefix("abcz").is_err());
        assert!(parse_key_prefix(&"a".repeat(65)).is_err());
        assert!(parse_key_prefix(&"a".repeat(64)).is_ok());
    }
}
