//! `gam cv DATA FORMULA --folds K [--seed N]`: K-fold cross-validation in
//! which the folds seed each other.
//!
//! Rows with a missing value in a used column are dropped first; the rest
//! are shuffled by a SplitMix64 generator started from the seed and dealt
//! round-robin into K folds, so the same seed always gives the same folds.
//! Fold i is fitted on the other folds and scored on its own rows by the
//! held-out deviance: the family's deviance Σ w d(y, μ) of those rows at the
//! predicted means μ (Gaussian without weights: Σ(y − μ)²). `--predictions`
//! writes the held-out μ of every row to a CSV file.
//!
//! Each fold's fit goes through the warm-start cache, so after the first
//! fold the smoothing parameters recorded under the coarse key (same model,
//! other data) seed the next one, and a rerun is all exact hits. Without a
//! usable cache (`--no-cache`, or a store that fails) each fold is seeded in
//! process from the previous fold's smoothing parameters instead. The hidden
//! `--cold-folds` turns both off, for benchmarks.

use std::io::{self, Write};
use std::path::PathBuf;

use anyhow::{Context as _, Result};
use clap::Args;
use gam::GamError;
use gam::data::DataFrame;
use gam::design::response::response_data;
use gam::fit::OuterStart;
use gam::fit::cached::{CacheOptions, StartSource, fit_cached};
use gam::fit::gam::prepare;
use gam::model::{GamModel, GamSpec};
use gam::predict::{PredictOptions, PredictType};
use serde::Serialize;

use crate::fit_cmd::{FitProgress, ModelArgs, cache_off, note, open_cache, source_name};
use crate::{GlobalArgs, rformat, usage_error};

/// Arguments of `gam cv`.
#[derive(Debug, Args)]
pub struct CvArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    /// Number of folds (at least 2, at most the number of rows)
    #[arg(long, value_name = "K", default_value_t = 10)]
    pub folds: usize,
    /// Seed of the fold assignment: the same seed gives the same folds
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub seed: u64,
    /// On a cache hit, recompute the REML score and gradient at the cached
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

/// One step of SplitMix64.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The fold (0-based, below `k`) of each of `n` rows: a seeded shuffle dealt
/// round-robin, so fold sizes differ by at most one.
pub fn assign_folds(n: usize, k: usize, seed: u64) -> Vec<usize> {
    let mut state = seed;
    let mut perm: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        // Lemire's multiply-shift: an index in 0..=i without a division.
        let j = ((u128::from(splitmix64(&mut state)) * (i as u128 + 1)) >> 64) as usize;
        perm.swap(i, j);
    }
    let mut fold = vec![0; n];
    for (pos, &row) in perm.iter().enumerate() {
        fold[row] = pos % k;
    }
    fold
}

/// The outcome of one fold.
#[derive(Debug, Serialize)]
pub struct FoldJson {
    /// 1-based fold number.
    pub fold: usize,
    /// Rows the fold was fitted on.
    pub n_train: usize,
    /// Held-out rows.
    pub n_test: usize,
    /// Held-out deviance, the family's Σ w d(y, μ) over the held-out rows.
    pub deviance: f64,
    /// The same per held-out row.
    pub deviance_per_row: f64,
    /// Outer iterations this fold's fit performed (0 for a cache hit).
    pub outer_iterations: usize,
    /// Where the fold's fit started: `exact_hit`, `resumed`, `seeded` or `cold`.
    pub start: &'static str,
    /// The fold's REML score.
    pub reml_score: f64,
}

/// Everything `gam cv --json` prints.
#[derive(Debug, Serialize)]
pub struct CvJson {
    /// The formula as written.
    pub formula: String,
    /// R's name of the family.
    pub family: String,
    /// R's name of the link.
    pub link: String,
    /// Rows used (after dropping rows with missing values).
    pub n: usize,
    /// Rows dropped because a used column was missing.
    pub n_dropped: usize,
    /// Number of folds.
    pub folds: usize,
    /// Seed of the fold assignment.
    pub seed: u64,
    /// Whether the folds were fitted through the cache (false: seeded in process, or cold).
    pub cached: bool,
    /// Each fold.
    pub fold: Vec<FoldJson>,
    /// Mean over folds of the held-out deviance.
    pub mean_deviance: f64,
    /// Total held-out deviance over all rows divided by the number of rows.
    pub mean_deviance_per_row: f64,
    /// Outer iterations of all folds together.
    pub total_outer_iterations: usize,
    /// The held-out prediction of every row, for `--predictions`.
    #[serde(skip)]
    pub predictions: Vec<HeldOut>,
}

/// The held-out prediction of one row.
#[derive(Debug, Clone, Copy)]
pub struct HeldOut {
    /// 0-based data row of the input file.
    pub row: usize,
    /// 1-based fold that held it out.
    pub fold: usize,
    /// The predicted mean μ.
    pub mu: f64,
}

/// How one fold was fitted.
struct FoldFit {
    model: GamModel,
    source: StartSource,
    iterations: usize,
}

/// Fits one fold without the cache, from `start` if given (falling back to
/// a cold start if the start does not fit this fold's model).
fn fit_in_process(
    spec: &GamSpec,
    train: &DataFrame,
    start: Option<OuterStart>,
    progress: &mut FitProgress,
) -> Result<FoldFit> {
    if let Some(start) = start {
        match spec.fit_with(train, Some(&start), progress) {
            Ok(model) => {
                return Ok(FoldFit {
                    iterations: model.outer.iter,
                    model,
                    source: StartSource::Seeded,
                });
            }
            // Ctrl-C: stop, rather than start the fold again cold.
            Err(e @ GamError::Interrupted { .. }) => return Err(e.into()),
            Err(_) => {}
        }
    }
    let model = spec.fit_with(train, None, progress)?;
    Ok(FoldFit {
        iterations: model.outer.iter,
        model,
        source: StartSource::Cold,
    })
}

/// Held-out deviance of `model` on `test`, the family's Σ w d(y, μ) (for a
/// Gaussian model without weights Σ(y − μ)²), and the predicted means μ.
fn held_out_deviance(spec: &GamSpec, model: &GamModel, test: &DataFrame) -> Result<(f64, Vec<f64>)> {
    let response = response_data(&spec.formula.response, test, spec.family, spec.weights.as_deref())?;
    let opts = PredictOptions {
        kind: PredictType::Response,
        ..PredictOptions::default()
    };
    let mu = model.predict(test, &opts)?.fit;
    let deviance = response
        .obs
        .iter()
        .zip(&mu)
        .map(|(&o, &m)| model.family.deviance_residual(o, m, model.theta.unwrap_or(1.0)))
        .sum();
    Ok((deviance, mu))
}

/// Runs the cross-validation and returns its report.
pub fn cross_validate(args: &CvArgs, global: &GlobalArgs) -> Result<CvJson> {
    let (spec, data) = args.model.load()?;
    let prepared = prepare(&spec, &data)?;
    let data = prepared.data;
    let n = data.nrows();
    let k = args.folds;
    if k < 2 {
        return Err(usage_error(format!("--folds must be at least 2, not {k}")));
    }
    if k > n {
        return Err(usage_error(format!(
            "--folds {k} is more than the {n} rows with no missing values"
        )));
    }
    let fold_of = assign_folds(n, k, args.seed);
    let (mut store, open_warning) = if args.cold_folds {
        (None, None)
    } else {
        open_cache(global)
    };
    if let Some(w) = &open_warning {
        note(&cache_off(w));
    }
    let cached = store.is_some();
    let opts = CacheOptions {
        verify: args.verify_cache,
    };
    let mut previous_rho: Option<Vec<f64>> = None;
    let mut folds = Vec::with_capacity(k);
    let mut predictions = Vec::with_capacity(n);
    for f in 0..k {
        let train_rows: Vec<usize> = (0..n).filter(|&i| fold_of[i] != f).collect();
        let test_rows: Vec<usize> = (0..n).filter(|&i| fold_of[i] == f).collect();
        let train = data.select_rows(&train_rows);
        let test = data.select_rows(&test_rows);
        let mut progress = FitProgress::new(global.quiet);
        progress.set_label(format!("fold {}/{k}: ", f + 1));
        let fit = match &store {
            Some(s) => {
                let fitted = fit_cached(&spec, &train, Some(s), &opts, &mut progress)
                    .with_context(|| format!("fitting fold {}", f + 1))?;
                if let Some(w) = &fitted.cache_warning {
                    // Warn once, then seed the remaining folds in process.
                    progress.clear();
                    note(&cache_off(w));
                    store = None;
                }
                FoldFit {
                    model: fitted.model,
                    source: fitted.source,
                    iterations: fitted.iterations_run,
                }
            }
            None => {
                let start = if args.cold_folds {
                    None
                } else {
                    previous_rho.clone().map(|rho| OuterStart {
                        rho,
                        iteration: 0,
                        extra: Vec::new(),
                    })
                };
                fit_in_process(&spec, &train, start, &mut progress)
                    .with_context(|| format!("fitting fold {}", f + 1))?
            }
        };
        progress.clear();
        previous_rho = Some(fit.model.sp.iter().map(|s| s.ln()).collect());
        let (deviance, mu) = held_out_deviance(&spec, &fit.model, &test)
            .with_context(|| format!("predicting the held-out rows of fold {}", f + 1))?;
        predictions.extend(mu.iter().enumerate().map(|(i, &mu)| HeldOut {
            row: test.original_row(i),
            fold: f + 1,
            mu,
        }));
        folds.push(FoldJson {
            fold: f + 1,
            n_train: train_rows.len(),
            n_test: test_rows.len(),
            deviance,
            deviance_per_row: deviance / test_rows.len() as f64,
            outer_iterations: fit.iterations,
            start: source_name(&fit.source),
            reml_score: fit.model.reml_score,
        });
    }
    let total: f64 = folds.iter().map(|f| f.deviance).sum();
    predictions.sort_by_key(|p| p.row);
    Ok(CvJson {
        formula: spec.formula.text.clone(),
        family: spec.family.name().to_string(),
        link: spec.link.name().to_string(),
        n,
        n_dropped: prepared.n_dropped,
        folds: k,
        seed: args.seed,
        cached,
        mean_deviance: total / k as f64,
        mean_deviance_per_row: total / n as f64,
        total_outer_iterations: folds.iter().map(|f| f.outer_iterations).sum(),
        fold: folds,
        predictions,
    })
}

/// Writes the held-out predictions as CSV: row (1-based), fold, fit.
fn write_predictions(out: &mut dyn Write, predictions: &[HeldOut]) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let write = |w: &mut csv::Writer<&mut dyn Write>| -> Result<(), csv::Error> {
        w.write_record(["row", "fold", "fit"])?;
        for p in predictions {
            w.write_record([(p.row + 1).to_string(), p.fold.to_string(), p.mu.to_string()])?;
        }
        w.flush()?;
        Ok(())
    };
    // csv's errors hide the I/O error inside; io::Error keeps it recognisable.
    write(&mut w).map_err(|e| io::Error::from(e).into())
}

/// Saves `--predictions`.
fn save_predictions(path: &std::path::Path, predictions: &[HeldOut]) -> Result<()> {
    // Written to a temporary file and renamed: a failure keeps the old file.
    gam::files::write_atomically(path, |w| {
        write_predictions(w, predictions).map_err(|e| match e.downcast::<io::Error>() {
            Ok(io) => io,
            Err(e) => io::Error::other(e.to_string()),
        })
    })?;
    Ok(())
}

/// Runs `gam cv`.
pub fn run(args: &CvArgs, global: &GlobalArgs, out: &mut dyn Write) -> Result<()> {
    let report = cross_validate(args, global)?;
    if let Some(path) = &args.predictions {
        save_predictions(path, &report.predictions)?;
    }
    if global.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
        return Ok(());
    }
    writeln!(
        out,
        "{}-fold cross-validation (seed {}) of {}",
        report.folds, report.seed, report.formula
    )?;
    let dropped = match report.n_dropped {
        0 => String::new(),
        1 => " (1 row with missing values dropped)".to_string(),
        d => format!(" ({d} rows with missing values dropped)"),
    };
    writeln!(out, "n = {}{dropped}", report.n)?;
    writeln!(out)?;
    let header = [
        "fold",
        "n.train",
        "n.test",
        "deviance",
        "dev/row",
        "outer.iter",
        "start",
    ];
    let mut rows: Vec<Vec<String>> = report
        .fold
        .iter()
        .map(|f| {
            vec![
                f.fold.to_string(),
                f.n_train.to_string(),
                f.n_test.to_string(),
                rformat::c_g(f.deviance, 6),
                rformat::c_g(f.deviance_per_row, 6),
                f.outer_iterations.to_string(),
                f.start.to_string(),
            ]
        })
        .collect();
    rows.insert(0, header.iter().map(|h| h.to_string()).collect());
    let widths: Vec<usize> = (0..header.len())
        .map(|j| rows.iter().map(|r| r[j].chars().count()).max().unwrap_or(0))
        .collect();
    for r in &rows {
        let mut line = String::new();
        for (j, cell) in r.iter().enumerate() {
            if j + 1 == r.len() {
                // The last column (words) is left-aligned.
                line.push_str(&format!("  {cell}"));
            } else {
                line.push_str(&format!("{}{cell:>w$}", if j == 0 { "" } else { "  " }, w = widths[j]));
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "Mean held-out deviance = {} per fold, {} per row",
        rformat::c_g(report.mean_deviance, 6),
        rformat::c_g(report.mean_deviance_per_row, 6)
    )?;
    writeln!(out, "Total outer iterations = {}", report.total_outer_iterations)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_are_deterministic_balanced_and_seeded() {
        let a = assign_folds(103, 10, 7);
        assert_eq!(a, assign_folds(103, 10, 7));
        assert_ne!(a, assign_folds(103, 10, 8));
        let mut sizes = [0usize; 10];
        a.iter().for_each(|&f| sizes[f] += 1);
        assert!(sizes.iter().all(|&s| s == 10 || s == 11), "{sizes:?}");
        // A shuffle, not consecutive blocks.
        assert!(a.windows(2).any(|w| w[0] != w[1]));
        assert_ne!(a[..10].to_vec(), (0..10).collect::<Vec<_>>());
    }
}
