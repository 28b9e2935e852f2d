//! `gam cache dir`: print the cache directory in use.

use std::io::Write;
use std::path::Path;

use anyhow::Result;
use serde::Serialize;

use crate::plumbing::Context;

#[derive(Serialize)]
struct DirOut<'a> {
    root: &'a Path,
}

/// Runs `gam cache dir`.
pub(super) fn run(ctx: &mut Context) -> Result<()> {
    if ctx.json {
        let root = ctx.cache_root.clone();
        return ctx.print_json(&DirOut { root: &root });
    }
    writeln!(ctx.out, "{}", ctx.cache_root.display())?;
    Ok(())
}
