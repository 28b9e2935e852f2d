//! `gam fit DATA FORMULA`: read a CSV file, fit the model by REML through
//! the warm-start cache, print its summary (or JSON) and optionally save it.
//!
//! The fit goes through [`gam::expert::cache::fit_cached`]: an exact hit
//! returns the cached model at once, a checkpoint of an interrupted run is
//! resumed, a related fit's smoothing parameters seed the start, and
//! otherwise the fit starts cold. One line on stderr says which
//! (`cache: exact hit`, ...); `--quiet` drops it. A cache that cannot be used
//! never fails the fit: it is reported once as `warning: cache off: <reason>`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context as _, Result};
use clap::Args;
use gam::expert::cache::input::{InputHash, read_all};
use gam::expert::cache::keys::input_key;
use gam::expert::cache::{CacheOptions, CachedFit, fit_cached, hit_by_input_key, record_input_key};
use gam::expert::report::{SummaryText, fit_json, json_text};

use crate::plumbing::{FitProgress, GlobalArgs, ModelArgs, cache_off, note, open_cache};

/// Arguments of `gam fit`.
#[derive(Debug, Args)]
pub struct FitArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    /// Save the fitted model (JSON) to this file, for `gam summary` and `gam predict`
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// On a cache hit, recompute the criterion (REML, GCV, ...) and its gradient at the cached
    /// smoothing parameters and refit if they disagree
    #[arg(long)]
    pub verify_cache: bool,
}

/// Parses the formula, reads the data and fits through the cache: everything
/// `gam fit` does before printing. Prints the cache warning (at most one)
/// and, unless `quiet`, where the fit started.
pub fn fit(args: &FitArgs, global: &GlobalArgs) -> Result<CachedFit> {
    let spec = args.model.spec()?;
    let (store, open_warning) = open_cache(global);
    if let Some(w) = &open_warning {
        note(&cache_off(w));
    }
    // The file is opened once, and the input key is a hash of the very bytes
    // that are parsed, so a file replaced meanwhile cannot pair one version's
    // key with the other's model. A regular file is hashed in place first
    // (positioned reads on every core, no copy of the file kept): a hit needs
    // nothing more. On a miss it is read whole and the key recomputed from
    // the bytes read, which are what is parsed and what the alias names. A
    // FIFO is read whole at once (it can be read only once).
    let io_err = |source| gam::GamError::Io {
        path: args.model.data.clone(),
        source,
    };
    let file = std::fs::File::open(&args.model.data).map_err(io_err)?;
    let read_tag = args.model.read_tag();
    // Hashed in place only where a hit can answer (a verified hit parses the file anyway).
    let in_place = match &store {
        Some(_) if !args.verify_cache => InputHash::of_file(&file).map_err(io_err)?,
        _ => None,
    };
    let (hash, raw) = match (&store, in_place) {
        (None, _) => (None, None),
        (Some(_), Some(hash)) => (Some(hash), None),
        (Some(_), None) => {
            let bytes = read_all(&file).map_err(io_err)?;
            (Some(InputHash::of_bytes(&bytes)), Some(bytes))
        }
    };
    // An unchanged input file whose fit is cached: answer without parsing it.
    let mut input = hash.map(|hash| input_key(&spec, &hash, &read_tag));
    if let (Some(store), Some(input), false) = (&store, &input, args.verify_cache)
        && let Some(hit) = hit_by_input_key(store, input, &spec)
    {
        if !global.quiet {
            note(&hit.source.describe());
        }
        return Ok(hit);
    }
    let raw = match raw {
        Some(bytes) => bytes,
        None => {
            // Hashed in place (its offset unmoved) or not at all: read it now.
            let bytes = read_all(&file).map_err(io_err)?;
            if input.is_some() {
                input = Some(input_key(&spec, &InputHash::of_bytes(&bytes), &read_tag));
            }
            bytes
        }
    };
    drop(file);
    let data = args.model.parse(&raw)?;
    drop(raw);
    let opts = CacheOptions {
        verify: args.verify_cache,
    };
    let mut progress = FitProgress::new(global.quiet);
    let fitted = fit_cached(&spec, &data, store.as_ref(), &opts, &mut progress)?;
    progress.clear();
    if let (Some(store), Some(input), true) = (&store, &input, fitted.model.outer.converged) {
        record_input_key(store, input, &spec, &data)?;
    }
    if open_warning.is_none()
        && let Some(w) = &fitted.cache_warning
    {
        note(&cache_off(w));
    }
    if fitted.verified == Some(false) {
        note("warning: the cached fit failed verification (its score or gradient disagree); refitted");
    }
    if !global.quiet {
        note(&fitted.source.describe());
    }
    for w in &fitted.model.warnings {
        note(&format!("warning: {w}"));
    }
    Ok(fitted)
}

/// Runs `gam fit`.
pub fn run(args: &FitArgs, global: &GlobalArgs, out: &mut dyn Write) -> Result<()> {
    if super::general::wants_general(args) {
        return super::general::run(args, global, out);
    }
    let fitted = fit(args, global)?;
    if let Some(path) = &args.out {
        fitted.model.save(path).context("saving the model")?;
    }
    // The text is made whole first: serde_json's errors would hide an I/O
    // error (a closed pipe) behind their own.
    let text = if global.json {
        json_text(&fit_json(&fitted))?
    } else {
        SummaryText(&fitted.model).to_string()
    };
    out.write_all(text.as_bytes())?;
    Ok(())
}
