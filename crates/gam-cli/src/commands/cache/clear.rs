//! `gam cache clear`: remove every entry, after confirmation on a terminal.

use std::fs::{self, OpenOptions};
use std::io::{self, BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow, bail};
use serde::Serialize;

use super::shared::{open_existing, plural};
use crate::human;
use crate::plumbing::{Context, usage_error};

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

/// Runs `gam cache clear`; without `yes` it asks, and refuses when stdin is not a terminal.
pub(super) fn run(ctx: &mut Context, yes: bool) -> Result<()> {
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
            // Odd files in place of key directories count: clear removes them too.
            let anything = stats.keys + stats.odd_files > 0;
            if !yes && anything {
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
            if anything {
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
