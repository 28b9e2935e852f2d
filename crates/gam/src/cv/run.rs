//! The cross-validation loop, its options, its observer and its errors.

use warmstart::WarmStartStore;

use super::folds::assign_folds;
use super::outcome::{CvReport, FoldReport, HeldOut};

use crate::cache::{CacheOptions, StartSource, fit_cached};
use crate::data::DataFrame;
use crate::design::response::response_data;
use crate::error::{GamError, Result};
use crate::fit::OuterStart;
use crate::fit::driver::{FitObserver, prepare};
use crate::model::{GamModel, GamSpec};
use crate::predict::{PredictOptions, PredictType};
use crate::report::source_name;

/// The fewest folds a cross-validation can have.
pub const MIN_FOLDS: usize = 2;

/// How to cross-validate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CvOptions {
    /// Number of folds, from [`MIN_FOLDS`] to the number of rows without
    /// missing values.
    pub folds: usize,
    /// Seed of the fold assignment: the same seed gives the same folds.
    pub seed: u64,
    /// On a cache hit, recompute the REML score and gradient at the cached
    /// smoothing parameters and refit if they disagree.
    pub verify_cache: bool,
    /// Start each fold from the smoothing parameters of others (through the
    /// cache, or in process). Off, every fold starts cold and the cache is
    /// not used: for benchmarks.
    pub seed_folds: bool,
}

impl Default for CvOptions {
    /// Ten folds, seed 1, folds seeding each other, no verification.
    fn default() -> CvOptions {
        CvOptions {
            folds: 10,
            seed: 1,
            verify_cache: false,
            seed_folds: true,
        }
    }
}

/// What a cross-validation tells its observer, in order, for each fold.
#[derive(Debug)]
#[non_exhaustive]
pub enum CvEvent<'a> {
    /// Fold `fold` (1-based) of `folds` is about to be fitted; the outer
    /// iterations of its fit follow as [`FitObserver::on_iterate`].
    FoldStarted {
        /// 1-based fold number.
        fold: usize,
        /// Number of folds.
        folds: usize,
    },
    /// The cache failed (at most once per cross-validation); the remaining
    /// folds are seeded in process.
    CacheOff {
        /// Why, in one line.
        reason: &'a str,
    },
    /// A fold has been fitted and scored.
    FoldFinished(&'a FoldReport),
}

/// Follows a cross-validation: the outer iterations of every fold's fit
/// (as a [`FitObserver`]) and the fold events.
pub trait CvObserver: FitObserver {
    /// Called at each [`CvEvent`].
    fn on_cv_event(&mut self, event: &CvEvent<'_>);
}

/// A [`CvObserver`] that ignores everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoCvObserver;

impl FitObserver for NoCvObserver {
    fn on_iterate(&mut self, _: &crate::fit::Iterate) {}
}

impl CvObserver for NoCvObserver {
    fn on_cv_event(&mut self, _: &CvEvent<'_>) {}
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
    observer: &mut dyn FitObserver,
) -> Result<FoldFit> {
    if let Some(start) = start {
        match spec.fit_with(train, Some(&start), observer) {
            Ok(model) => {
                return Ok(FoldFit {
                    iterations: model.outer.iter,
                    model,
                    source: StartSource::Seeded,
                });
            }
            // Stopped (Ctrl-C): stop, rather than start the fold again cold.
            Err(e @ GamError::Interrupted { .. }) => return Err(e),
            Err(_) => {}
        }
    }
    let model = spec.fit_with(train, None, observer)?;
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
        .map(|(&o, &m)| model.family.deviance_residual(o, m, &model.theta))
        .sum();
    Ok((deviance, mu))
}

/// Cross-validates `spec` on `data`: each fold fitted on the others (through
/// `store` when given and [`CvOptions::seed_folds`] is on) and scored on its
/// own rows. `observer` hears every fold's outer iterations and events.
///
/// # Errors
/// [`GamError::TooFewFolds`] / [`GamError::TooManyFolds`] for a fold count
/// that cannot be dealt, the data's own error when the data does not fit the
/// model, and the fold that failed otherwise. A failing cache is never an
/// error: it is reported as [`CvEvent::CacheOff`] and the folds go on.
pub fn cross_validate(
    spec: &GamSpec,
    data: &DataFrame,
    store: Option<&WarmStartStore>,
    opts: &CvOptions,
    observer: &mut dyn CvObserver,
) -> Result<CvReport> {
    let prepared = prepare(spec, data)?;
    let data = prepared.data;
    let n = data.nrows();
    let k = opts.folds;
    if k < MIN_FOLDS {
        return Err(GamError::TooFewFolds {
            folds: k,
            min: MIN_FOLDS,
        });
    }
    if k > n {
        return Err(GamError::TooManyFolds { folds: k, rows: n });
    }
    let fold_of = assign_folds(n, k, opts.seed);
    let mut store = store.filter(|_| opts.seed_folds);
    let cached = store.is_some();
    let cache_opts = CacheOptions {
        verify: opts.verify_cache,
    };
    let mut previous_rho: Option<Vec<f64>> = None;
    let mut folds = Vec::with_capacity(k);
    let mut predictions = Vec::with_capacity(n);
    for f in 0..k {
        let fold = f + 1;
        let train_rows: Vec<usize> = (0..n).filter(|&i| fold_of[i] != f).collect();
        let test_rows: Vec<usize> = (0..n).filter(|&i| fold_of[i] == f).collect();
        let train = data.select_rows(&train_rows);
        let test = data.select_rows(&test_rows);
        observer.on_cv_event(&CvEvent::FoldStarted { fold, folds: k });
        let fit = match store {
            Some(s) => {
                let fitted = fit_cached(spec, &train, Some(s), &cache_opts, observer)
                    .map_err(|source| fold_error(fold, false, source))?;
                if let Some(reason) = &fitted.cache_warning {
                    // Said once; the remaining folds are seeded in process.
                    observer.on_cv_event(&CvEvent::CacheOff { reason });
                    store = None;
                }
                FoldFit {
                    model: fitted.model,
                    source: fitted.source,
                    iterations: fitted.iterations_run,
                }
            }
            None => {
                let start = previous_rho.clone().filter(|_| opts.seed_folds).map(|rho| OuterStart {
                    rho,
                    iteration: 0,
                    extra: Vec::new(),
                });
                fit_in_process(spec, &train, start, observer).map_err(|source| fold_error(fold, false, source))?
            }
        };
        previous_rho = Some(fit.model.sp.iter().map(|s| s.ln()).collect());
        let (deviance, mu) =
            held_out_deviance(spec, &fit.model, &test).map_err(|source| fold_error(fold, true, source))?;
        predictions.extend(mu.iter().enumerate().map(|(i, &mu)| HeldOut {
            row: test.original_row(i),
            fold,
            mu,
        }));
        let report = FoldReport {
            fold,
            n_train: train_rows.len(),
            n_test: test_rows.len(),
            deviance,
            deviance_per_row: deviance / test_rows.len() as f64,
            outer_iterations: fit.iterations,
            start: source_name(&fit.source),
            reml_score: fit.model.reml_score,
        };
        observer.on_cv_event(&CvEvent::FoldFinished(&report));
        folds.push(report);
    }
    let total: f64 = folds.iter().map(|f| f.deviance).sum();
    predictions.sort_by_key(|p| p.row);
    Ok(CvReport {
        formula: spec.formula.text.clone(),
        family: spec.family.name().to_string(),
        link: spec.link.name().to_string(),
        n,
        n_dropped: prepared.n_dropped,
        folds: k,
        seed: opts.seed,
        cached,
        mean_deviance: total / k as f64,
        mean_deviance_per_row: total / n as f64,
        total_outer_iterations: folds.iter().map(|f| f.outer_iterations).sum(),
        fold: folds,
        predictions,
    })
}

/// A fold's failure, naming the fold.
fn fold_error(fold: usize, predicting: bool, source: GamError) -> GamError {
    GamError::Fold {
        fold,
        predicting,
        source: Box::new(source),
    }
}
