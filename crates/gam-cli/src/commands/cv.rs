//! `gam cv DATA FORMULA --folds K [--seed N]`: K-fold cross-validation in
//! which the folds seed each other ([`gam::expert::cv::cross_validate`] does the
//! work; this command reads the data, opens the cache, shows each fold's
//! progress and prints the report).
//!
//! Rows with a missing value in a used column are dropped first; the rest
//! are shuffled by a SplitMix64 generator started from the seed and dealt
//! round-robin into K folds, so the same seed always gives the same folds.
//! Fold i is fitted on the other folds and scored on its own rows by the
//! held-out deviance. `--predictions` writes the held-out μ of every row to
//! a CSV file.
//!
//! Each fold's fit goes through the warm-start cache, so after the first
//! fold the smoothing parameters recorded under the coarse key seed the next
//! one, and a rerun is all exact hits. Without a usable cache (`--no-cache`,
//! or a store that fails) each fold is seeded in process from the previous
//! fold's smoothing parameters instead. The hidden `--cold-folds` turns both
//! off, for benchmarks.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::Args;
use gam::GamError;
use gam::expert::cv::{
    CvEvent, CvObserver, CvOptions, CvReport, CvText, HeldOut, MIN_FOLDS, cross_validate, write_held_out_csv,
};
use gam::expert::fit::Iterate;
use gam::expert::fit::driver::FitObserver;

use crate::plumbing::{FitProgress, GlobalArgs, ModelArgs, cache_off, note, open_cache, usage_error};

/// Arguments of `gam cv`.
#[derive(Debug, Args)]
pub struct CvArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    /// Number of folds (at least 2, at most the number of rows)
    #[arg(long, value_name = "K", default_value_t = CvOptions::default().folds)]
    pub folds: usize,
    /// Seed of the fold assignment: the same seed gives the same folds
    #[arg(long, value_name = "N", default_value_t = CvOptions::default().seed)]
    pub seed: u64,
    /// On a cache hit, recompute the criterion (REML, GCV, ...) and its gradient at the cached
    /// smoothing parameters and refit if they disagree
    #[arg(long)]
    pub verify_cache: bool,
    /// Write the held-out predictions (response scale) to this CSV file:
    /// columns row (the 1-based data row of DATA), fold and fit
    #[arg(long, value_name = "FILE")]
    pub predictions: Option<PathBuf>,
    /// Benchmarking only: fit every fold cold (no cache, no seeding between folds)
    #[arg(long, hide = true)]
    pub cold_folds: bool,
}

/// Shows each fold's progress bar and the cache warnings on stderr.
struct FoldProgress {
    quiet: bool,
    /// The fit's progress display of the fold under way.
    progress: FitProgress,
    /// Why the cache could not be opened: said when the first fold starts,
    /// after the data and the fold count were found good.
    open_warning: Option<String>,
}

impl FitObserver for FoldProgress {
    fn on_iterate(&mut self, it: &Iterate) {
        self.progress.on_iterate(it);
    }

    fn should_stop(&self) -> bool {
        self.progress.should_stop()
    }
}

impl CvObserver for FoldProgress {
    fn on_cv_event(&mut self, event: &CvEvent<'_>) {
        match event {
            CvEvent::FoldStarted { fold, folds } => {
                if let Some(w) = self.open_warning.take() {
                    note(&cache_off(&w));
                }
                self.progress = FitProgress::new(self.quiet);
                self.progress.set_label(format!("fold {fold}/{folds}: "));
            }
            CvEvent::CacheOff { reason } => {
                self.progress.clear();
                note(&cache_off(reason));
            }
            CvEvent::FoldFinished(_) => self.progress.clear(),
            _ => {}
        }
    }
}

/// Reads the data and cross-validates as `args` ask.
pub fn run_cv(args: &CvArgs, global: &GlobalArgs) -> Result<CvReport> {
    let (spec, data) = args.model.load()?;
    let (store, open_warning) = if args.cold_folds {
        (None, None)
    } else {
        open_cache(global)
    };
    let opts = CvOptions {
        folds: args.folds,
        seed: args.seed,
        verify_cache: args.verify_cache,
        seed_folds: !args.cold_folds,
    };
    let mut observer = FoldProgress {
        quiet: global.quiet,
        progress: FitProgress::new(global.quiet),
        open_warning,
    };
    cross_validate(&spec, &data, store.as_ref(), &opts, &mut observer).map_err(|e| match e {
        // The fold count is the user's --folds: a usage error (exit status 2).
        GamError::TooFewFolds { folds, .. } => {
            usage_error(format!("--folds must be at least {MIN_FOLDS}, not {folds}"))
        }
        GamError::TooManyFolds { folds, rows } => usage_error(format!(
            "--folds {folds} is more than the {rows} rows with no missing values"
        )),
        other => other.into(),
    })
}

/// Saves `--predictions`.
fn save_predictions(path: &Path, predictions: &[HeldOut]) -> Result<()> {
    // Written to a temporary file and renamed: a failure keeps the old file.
    gam::expert::files::write_atomically(path, |w| write_held_out_csv(w, predictions))?;
    Ok(())
}

/// Runs `gam cv`.
pub fn run(args: &CvArgs, global: &GlobalArgs, out: &mut dyn Write) -> Result<()> {
    let report = run_cv(args, global)?;
    if let Some(path) = &args.predictions {
        save_predictions(path, &report.predictions)?;
    }
    // Made whole first: serde_json's errors would hide an I/O error (a closed pipe).
    let text = if global.json {
        report.to_json()
    } else {
        CvText(&report).to_string()
    };
    out.write_all(text.as_bytes())?;
    Ok(())
}
