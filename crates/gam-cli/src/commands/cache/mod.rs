//! `gam cache`: inspect and manage the warm-start cache.
//!
//! No subcommand creates the cache directory: on a root that does not exist
//! yet they report an empty cache. `ls`, `show`, `stats` and `verify` (without
//! `--fix`) only read; in particular they never count as a use of an entry.
//! Everything goes through the `warmstart` store, which never follows a
//! symbolic link found under the root, and never opens anything but a regular
//! file (a FIFO named like a cache file cannot make a command wait) nor reads
//! more than the format allows. Such odd files, and anything in place of a
//! key directory, are corrupt entries: `verify` reports them, `verify --fix`
//! and `clear` remove them (a link as a link), `stats` counts them. `prune`
//! fails only when a removal fails; entries other processes write or rewrite
//! meanwhile are reported, not an error.
//!
//! This module holds the command-line types and the dispatch; each
//! subcommand lives in its own module, and what they share in [`shared`].

mod clear;
mod dir;
mod ls;
mod prune;
mod shared;
mod show;
mod stats;
mod verify;

use std::time::Duration;

use anyhow::Result;
use clap::{Args, Subcommand};

use crate::human;
use crate::plumbing::Context;

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
        CacheCommand::Dir => dir::run(ctx),
        CacheCommand::Ls => ls::run(ctx),
        CacheCommand::Show { key } => show::run(ctx, key),
        CacheCommand::Stats => stats::run(ctx),
        CacheCommand::Verify { fix } => verify::run(ctx, *fix),
        CacheCommand::Prune { max_size, older_than } => prune::run(ctx, *max_size, *older_than),
        CacheCommand::Clear { yes } => clear::run(ctx, *yes),
    }
}
