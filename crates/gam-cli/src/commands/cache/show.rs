//! `gam cache show`: every entry of one key, given by an unambiguous prefix.

use std::io::Write;
use std::path::Path;

use anyhow::{Result, bail};
use serde::Serialize;
use warmstart::{EntryInfo, Fingerprint, WarmStartStore};

use super::shared::{best, open_existing, plural};
use crate::human::{self, Table};
use crate::plumbing::{Context, usage_error};

/// The fewest hex characters `gam cache show` accepts as a key prefix.
pub const MIN_PREFIX_LEN: usize = 4;

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

/// Runs `gam cache show PREFIX`.
pub(super) fn run(ctx: &mut Context, prefix: &str) -> Result<()> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
