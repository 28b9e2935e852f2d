//! A whole fit up to its results: data and spec in, [`FitResult`] out (the
//! model module makes it a `GamModel`).
//!
//! Rows with a missing value in a used column are dropped; the design is
//! built on the rest; one pass over the data reduces the problem to its QR
//! summary; Newton's method on the REML criterion then runs in O(p³) per
//! iteration, reporting every iterate to an observer (progress, checkpoints),
//! which may stop it ([`FitObserver::should_stop`]).

use std::ops::ControlFlow;
use std::sync::Arc;

use faer::Mat;

use super::assemble::{FitResult, TrainingParts};
use super::gaussian::{LsqProblem, Scale, fit_selected};
use super::generalized::GlmSetup;
use super::generalized::outer::LamlFit;
use super::generalized::pirls::GlmProblem;
use super::generalized::rows::ModelRows;
use super::method::{Criterion, Selection};
pub use super::observer::{FitObserver, NoObserver};
use super::outer::{Iterate, NewtonOptions, OuterStart, SpControls};
use super::spec::GamSpec;
use crate::data::{Column, DataFrame};
use crate::design::response::{ResponseData, response_data};
use crate::design::{Design, PenaltySet, SmoothOptions};
use crate::error::{GamError, Result};
use crate::family::{Family, Link};
use crate::linalg::chunks::CHUNK_ROWS;

/// Reports `it` to `observer` and relays whether to go on; the
/// [`PAUSE_ENV`](super::observer::PAUSE_ENV) test hook sleeps in between.
pub(crate) fn observe(observer: &mut dyn FitObserver, it: &Iterate) -> ControlFlow<()> {
    observer.on_iterate(it);
    if let Some(pause) = super::observer::test_pause() {
        std::thread::sleep(pause);
    }
    if observer.should_stop() {
        ControlFlow::Break(())
    } else {
        ControlFlow::Continue(())
    }
}

/// The data of a fit after rows with missing values are dropped.
pub struct PreparedData {
    /// Rows used.
    pub data: DataFrame,
    /// How many rows were dropped.
    pub n_dropped: usize,
}

/// Checks that the formula's columns exist and drops rows with a missing value in any of them.
pub fn prepare(spec: &GamSpec, data: &DataFrame) -> Result<PreparedData> {
    let used = spec.columns_used();
    for c in &used {
        data.require_column(c)?;
    }
    let refs: Vec<&str> = used.iter().map(String::as_str).collect();
    if data.nrows() == 0 {
        return Err(GamError::Data {
            column: used.join(", "),
            row: None,
            message: "the data has no rows: a model needs data to be fitted to".into(),
        });
    }
    let (kept, n_dropped) = data.drop_missing(&refs);
    if kept.nrows() == 0 {
        return Err(GamError::Data {
            column: used.join(", "),
            row: None,
            message: format!(
                "all {} rows have a missing value (NA or empty) in a column the model uses",
                data.nrows()
            ),
        });
    }
    // A cnorm response's second column holds -Inf and Inf for left and right censoring.
    let censor_column = match (&spec.formula.response, spec.family) {
        (crate::formula::Response::Binomial { failures, .. }, crate::family::Family::Cnorm) => Some(failures.clone()),
        _ => None,
    };
    let checked: Vec<String> = used
        .iter()
        .filter(|c| Some(*c) != censor_column.as_ref())
        .cloned()
        .collect();
    super::finite::check_magnitudes(&kept, &checked)?;
    if let Some(c) = &censor_column {
        super::finite::check_magnitudes_but_infinity(&kept, c)?;
    }
    // mgcv's model.frame(drop.unused.levels = TRUE): a level no kept row has
    // (seen only in dropped rows, or in none, as a filtered pandas
    // categorical keeps its categories) is no level of the model.
    let mut kept = kept;
    for name in &used {
        if let Some(Column::Factor(f)) = kept.column(name)
            && f.level_counts().contains(&0)
        {
            let dropped = Column::Factor(f.clone().drop_unused_levels());
            kept.set_column(name, dropped)?;
        }
    }
    // The columns of the formula's expressions (log(x), factor(g)), computed on the rows kept.
    let kept = spec.formula.derive(kept)?;
    let derived: Vec<String> = spec.formula.derived.iter().map(|d| d.name.clone()).collect();
    super::finite::check_magnitudes(&kept, &derived)?;
    Ok(PreparedData { data: kept, n_dropped })
}

/// A fit prepared up to the outer optimisation: the design, the model
/// matrix and the problem reduced for the criterion (a QR summary for a
/// Gaussian identity-link model, the data with family and link otherwise).
/// The cache glue uses it to check a cached result (score and gradient at
/// cached smoothing parameters) before trusting it, and to start the
/// optimisation anywhere.
pub struct FitSetup {
    /// The design built on the training rows.
    pub design: Design,
    /// The training rows (shared with a chunked generalized problem).
    data: Arc<DataFrame>,
    /// The model matrix, when held in memory (see [`MatrixStorage`]).
    x: Option<Mat<f64>>,
    response: ResponseData,
    offset: Vec<f64>,
    inner: Inner,
    pens: PenaltySet,
    n_dropped: usize,
    /// The 1-based data row of each row of the fit.
    rows: Vec<usize>,
    /// Fixed and minimum smoothing parameters (mgcv's `sp`, `min.sp`, a term's `sp =`).
    controls: SpControls,
    /// The criterion optimised and its `gamma`.
    sel: Selection,
}

/// How a fit reads its model matrix (the result is the same to rounding): a
/// Gaussian identity-link fit reduces it by QR, a generalized fit passes
/// over it at every inner iteration ([`ModelRows`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MatrixStorage {
    /// Gaussian identity link: in memory below [`CHUNKED_MIN_ROWS`] rows, in chunks from there;
    /// other models: held up to [`HELD_MAX_BYTES`] of model matrix, in chunks beyond.
    #[default]
    Auto,
    /// Build the whole model matrix and hold it.
    Dense,
    /// Build the model matrix this many rows at a time, in parallel, whenever it is used.
    Chunked(usize),
}

/// From this many rows on, [`MatrixStorage::Auto`] reduces a Gaussian identity-link fit in chunks.
pub const CHUNKED_MIN_ROWS: usize = 2 * CHUNK_ROWS;

/// [`MatrixStorage::Auto`] holds a generalized fit's model matrix up to this size and rebuilds
/// it by chunks beyond. A generalized fit reads X at every penalised IRLS iteration (dozens of
/// passes per fit), and rebuilding the bases costs about as much as one pass's arithmetic, so
/// holding a small X is the faster choice; beyond this (at p = 37, from 226 000 rows) memory
/// stays O(n + chunk·p) instead of O(n·p).
pub const HELD_MAX_BYTES: usize = 64 << 20;

/// What the outer iteration optimises.
enum Inner {
    /// Gaussian, identity link: penalised least squares, exact REML.
    Lsq(LsqProblem),
    /// Any other family or link: penalised IRLS, Laplace-approximate REML.
    Glm(Box<GlmSetup>),
}

/// The criterion and its gradient at one point, for checking a cached optimum.
#[derive(Debug, Clone)]
pub struct ScoreCheck {
    /// The criterion.
    pub score: f64,
    /// Its gradient in every optimised parameter.
    pub grad: Vec<f64>,
}

impl FitSetup {
    /// Names of the smoothing parameters, in the order the optimiser uses.
    pub fn sp_names(&self) -> Vec<String> {
        self.design.sp_names()
    }

    /// The fit's criterion (REML unless the options chose another) and its
    /// gradient at log smoothing parameters `rho` and, where the scale is an
    /// optimised parameter, scale `scale`, and family parameters `theta` (if
    /// the family has them); a Gaussian REML model's scale is profiled out.
    pub fn reml_at(&self, rho: &[f64], scale: f64, theta: &[f64]) -> Result<ScoreCheck> {
        self.check_len(rho.len())?;
        match &self.inner {
            Inner::Lsq(problem) if !self.sel.is_plain_reml() => {
                let known = self.sel.known_scale(Family::Gaussian);
                let param = self.sel.criterion.scale_is_parameter();
                let arg = super::gaussian::scale_arg(known, param, Some(scale));
                let e = problem.criterion(&self.pens, rho, self.sel.criterion, self.sel.gamma, arg)?;
                Ok(ScoreCheck {
                    score: e.score,
                    grad: e.grad,
                })
            }
            Inner::Lsq(problem) => {
                let e = problem.reml(&self.pens, rho, Scale::Estimated)?;
                Ok(ScoreCheck {
                    score: e.score,
                    grad: self.controls.free_gradient(rho, &e.grad),
                })
            }
            Inner::Glm(glm) => {
                let e = glm.evaluate_with(&self.pens, rho, scale, theta, None, self.sel)?;
                Ok(ScoreCheck {
                    score: e.score,
                    grad: self.controls.free_gradient(rho, &e.grad),
                })
            }
        }
    }

    fn check_len(&self, len: usize) -> Result<()> {
        if len == self.pens.len() {
            return Ok(());
        }
        Err(GamError::WarmStartMismatch {
            given: len,
            expected: self.pens.len(),
        })
    }
}

/// The penalties of a fit whose coefficients are identifiable: unchanged
/// when they are; with the ridge that removes the directions mgcv removes when
/// the model is exactly rank deficient ([`super::rank`]); refused, naming the
/// aliased terms, when it is aliased otherwise (near-aliasing, or aliasing that
/// remains). Exact aliasing does not always make a factorisation of the fit
/// fail (that depends on rounding); when it does not, an unresolved fit would
/// be meaningless, so this is decided before any fit.
fn identifiable(design: &Design, pens: PenaltySet, inner: &Inner, sel: Selection) -> Result<PenaltySet> {
    let xtwx = match inner {
        Inner::Lsq(problem) => &problem.xtwx(),
        Inner::Glm(glm) => &glm.initial_xtwx,
    };
    let Err(refusal) = super::aliased::check_identifiable(design, &pens, xtwx) else {
        return Ok(pens);
    };
    let removed = match inner {
        // mgcv's `magic` (Gaussian GCV and UBRE): the minimum-norm solution.
        Inner::Lsq(_) if matches!(sel.criterion, Criterion::Gcv | Criterion::Ubre) => {
            super::rank::null_space(xtwx, &pens)
        }
        Inner::Lsq(problem) => super::rank::dropped_directions(&problem.r, &pens),
        Inner::Glm(glm) => {
            let sqrt_w: Vec<f64> = glm.initial_weights.iter().map(|w| w.abs().sqrt()).collect();
            let r = glm.prob.x.triangular_factor(Some(&sqrt_w), None)?;
            super::rank::dropped_directions(&r, &pens)
        }
    };
    let Some(z) = removed else {
        return Err(refusal);
    };
    let pens = pens.with_ridge(Some(super::rank::ridge(z, xtwx)));
    super::aliased::check_identifiable(design, &pens, xtwx)?;
    Ok(pens)
}

/// The penalties with the directions mgcv removes at the weights of a
/// generalized fit's optimum, when they differ from those of `pens` (decided
/// at the starting weights); `None` when they do not or nothing is removed.
fn redecide(glm: &GlmSetup, pens: &PenaltySet, fit: &LamlFit) -> Result<Option<PenaltySet>> {
    let Some(ridge) = pens.ridge() else {
        return Ok(None);
    };
    let with_theta = (!fit.theta.is_empty()).then(|| GlmProblem {
        theta: fit.theta.clone(),
        ..glm.prob.clone()
    });
    let prob = with_theta.as_ref().unwrap_or(&glm.prob);
    let w = prob.weights(&fit.eval.fit.mu, false).w;
    let sqrt_w: Vec<f64> = w.iter().map(|v| v.abs().sqrt()).collect();
    let r = prob.x.triangular_factor(Some(&sqrt_w), None)?;
    match super::rank::dropped_directions(&r, pens) {
        Some(z) if z != ridge.z => Ok(Some(pens.clone().with_ridge(Some(super::rank::ridge_like(z, ridge))))),
        _ => Ok(None),
    }
}

impl GamSpec {
    /// The family parameters a generalized fit starts from, whether they are fixed, and the
    /// start of their estimation given with the family (mgcv's `theta =`), if any; by default
    /// mgcv's start ([`Family::initial_t`]).
    fn family_parameters(&self, obs: &[crate::family::Obs]) -> Result<(Vec<f64>, bool, Option<Vec<f64>>)> {
        let family = self.family;
        let default = || family.theta_of_t(&family.initial_t(obs));
        let Some(given) = &self.options.family_theta else {
            return Ok((default(), false, None));
        };
        if let Some(why) = family.theta_setting_problem(given) {
            return Err(crate::error::GamError::Control {
                option: format!("{}(theta = ...)", family.name()),
                message: why,
            });
        }
        let theta = given.internal(family);
        if given.fixed {
            return Ok((theta, true, None));
        }
        if !given.start_counts(family) {
            // mgcv's data-based start (scat, ocat) replaces a given one.
            return Ok((default(), false, None));
        }
        Ok((theta.clone(), false, Some(family.t_of_theta(&theta))))
    }

    /// Whether the fit is penalised least squares (Gaussian, identity link).
    fn is_least_squares(&self) -> bool {
        self.family == Family::Gaussian && self.link == Link::Identity
    }

    /// Builds the design and reduces the data: one pass over the rows.
    pub fn setup(&self, prepared: PreparedData) -> Result<FitSetup> {
        self.setup_with(prepared, MatrixStorage::Auto)
    }

    /// [`GamSpec::setup`] with a chosen way of reducing the data.
    pub fn setup_with(&self, prepared: PreparedData, storage: MatrixStorage) -> Result<FitSetup> {
        let train = &prepared.data;
        self.family.check_link(self.link)?;
        let sel = self.options.selection(self.family)?;
        // Sizes are checked before any basis is built: an absurd model is
        // refused in milliseconds instead of exhausting the memory.
        let smooth_options = self.options.smooth_options();
        let plan = crate::design::size::plan_with(&self.formula, train, &smooth_options)?;
        // The neighbourhood files the size check read are not read again.
        let smooth_options = SmoothOptions {
            neighbourhoods: Some(&plan.neighbourhoods),
            ..smooth_options
        };
        let design = Design::build_with(&self.formula, train, &smooth_options)?;
        let mut response = response_data(&design.response, train, self.family, self.weights.as_deref())?;
        // The model's warnings: the design's (mgcv's raised k) before the data's.
        response.warnings.splice(0..0, plan.warnings);
        response.warnings.extend(self.options.scale_warning(self.family));
        let offset = design.offset(train)?;
        response.check_informative(&design.response, self.family, !design.offsets.is_empty())?;
        let n = train.nrows();
        let p = design.n_coef();
        if n <= p {
            return Err(GamError::TooFewRows {
                coefficients: p,
                rows: n,
            });
        }
        let pens = design.penalty_set();
        let controls = super::sp_setup::resolve(&self.options, &design, &pens, train)?;
        let chunk = match storage {
            MatrixStorage::Chunked(rows) => Some(rows),
            MatrixStorage::Auto if self.is_least_squares() && n >= CHUNKED_MIN_ROWS => Some(CHUNK_ROWS),
            MatrixStorage::Auto if n * p * size_of::<f64>() > HELD_MAX_BYTES => Some(CHUNK_ROWS),
            _ => None,
        };
        let data = Arc::new(prepared.data);
        let (inner, x) = if self.is_least_squares() {
            let x = match chunk {
                Some(_) => None,
                None => Some(design.model_matrix(&data)?),
            };
            let z: Vec<f64> = response.obs.iter().zip(&offset).map(|(o, off)| o.y - off).collect();
            let weights: Vec<f64> = response.obs.iter().map(|o| o.w).collect();
            let weighted = self.weights.is_some();
            let w = weighted.then_some(&weights[..]);
            let mut problem = match (&x, chunk) {
                (Some(x), _) => LsqProblem::from_dense(x, &z, w),
                (None, rows) => LsqProblem::from_chunks(&design, &data, &z, w, rows.unwrap_or(CHUNK_ROWS))?,
            };
            if weighted {
                // mgcv's Gaussian saturated log-likelihood carries Σ log(w)/2.
                problem.score_offset = -weights.iter().filter(|&&v| v > 0.0).map(|v| v.ln()).sum::<f64>() / 2.0;
            }
            (Inner::Lsq(problem), x)
        } else {
            // The model matrix lives in the problem only, held or rebuilt by chunks.
            let rows = match chunk {
                Some(c) => ModelRows::chunked(Arc::new(design.clone()), Arc::clone(&data), c),
                None => ModelRows::held(design.model_matrix(&data)?),
            };
            if self.family.base() == Family::Binomial {
                super::generalized::separation::check_parametric(&design, &rows, &response)?;
            }
            let (theta, theta_fixed, t_start) = self.family_parameters(&response.obs)?;
            let glm = GlmSetup::new(GlmProblem {
                x: rows,
                obs: response.obs.clone(),
                trials: response.trials.clone(),
                offset: offset.clone(),
                family: self.family,
                link: self.link,
                theta,
                theta_fixed,
                t_start,
            })?;
            (Inner::Glm(Box::new(glm)), None)
        };
        let pens = identifiable(&design, pens, &inner, sel)?;
        Ok(FitSetup {
            design,
            rows: (0..n).map(|i| data.original_row(i) + 1).collect(),
            n_dropped: prepared.n_dropped,
            data,
            x,
            response,
            offset,
            inner,
            pens,
            controls,
            sel,
        })
    }

    /// Runs the outer optimisation on a prepared fit and assembles its results.
    pub fn fit_result(
        &self,
        setup: &FitSetup,
        start: Option<&OuterStart>,
        observer: &mut dyn FitObserver,
    ) -> Result<FitResult> {
        if let Some(s) = start {
            setup.check_len(s.rho.len())?;
        }
        let mut result = self.fit_outer(setup, start, observer)?;
        result.n_dropped = setup.n_dropped;
        super::finite::check_result(&result, &setup.data, &self.columns_used())?;
        Ok(result)
    }

    /// The outer optimisation and the assembly, by kind of problem.
    fn fit_outer(
        &self,
        setup: &FitSetup,
        start: Option<&OuterStart>,
        observer: &mut dyn FitObserver,
    ) -> Result<FitResult> {
        let sel = setup.sel;
        let parts = TrainingParts {
            design: &setup.design,
            response: &setup.response,
            offset: &setup.offset,
            pens: &setup.pens,
            data: &setup.data,
            x: setup.x.as_ref(),
            controls: &setup.controls,
        };
        // The fixed and minimum smoothing parameters act inside the outer iteration.
        let newton = NewtonOptions {
            controls: SpControls {
                cold: start.is_none(),
                ..setup.controls.clone()
            },
            ..self.options.newton.clone()
        };
        match &setup.inner {
            Inner::Lsq(problem) => {
                let fit = fit_selected(problem, &setup.pens, sel, start, &newton, |it| observe(observer, it))?;
                super::assemble::gaussian::assemble(&parts, problem, &fit, sel)
            }
            Inner::Glm(glm) => {
                let mut fit = super::generalized::outer::fit_selected(glm, &setup.pens, sel, start, &newton, |it| {
                    observe(observer, it)
                })?;
                // mgcv decides a rank-deficient fit's directions at the weights of each
                // penalised IRLS solution; the setup decided at the starting weights. When the
                // optimum's weights decide otherwise, the optimisation goes on from there with
                // the new directions (the fitted values do not depend on them, REML does).
                let redecided = redecide(glm, &setup.pens, &fit)?;
                if let Some(pens) = &redecided {
                    let from = OuterStart {
                        rho: fit.outer.last.rho.clone(),
                        iteration: fit.outer.last.iter,
                        extra: fit.outer.last.extra.clone(),
                    };
                    let newton = NewtonOptions {
                        controls: SpControls {
                            cold: false,
                            ..setup.controls.clone()
                        },
                        ..self.options.newton.clone()
                    };
                    fit = super::generalized::outer::fit_selected(glm, pens, sel, Some(&from), &newton, |it| {
                        observe(observer, it)
                    })?;
                }
                let parts = TrainingParts {
                    pens: redecided.as_ref().unwrap_or(&setup.pens),
                    ..parts
                };
                if self.family.base() == Family::Binomial {
                    super::generalized::separation::check_fitted(
                        &setup.design,
                        &glm.prob.x,
                        &fit.eval.fit.beta,
                        &fit.eval.fit.mu,
                        &setup.rows,
                    )?;
                }
                super::assemble::generalized::assemble(&parts, glm, &fit, sel)
            }
        }
    }
}
