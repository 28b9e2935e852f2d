//! A whole fit: data and spec in, [`GamModel`] out.
//!
//! Rows with a missing value in a used column are dropped; the design is
//! built on the rest; one pass over the data reduces the problem to its QR
//! summary; Newton's method on the REML criterion then runs in O(p³) per
//! iteration, reporting every iterate to an observer (progress, checkpoints),
//! which may stop it ([`FitObserver::should_stop`]).

use std::ops::ControlFlow;
use std::sync::Arc;

use faer::Mat;

use rayon::prelude::*;

use super::accumulate::{CHUNK_ROWS, row_chunks};
use super::glm::{GlmSetup, fit_laml};
use super::newton::Iterate;
use super::pirls::GlmProblem;
use super::reml::{LsqProblem, Scale};
use super::rows::ModelRows;
use super::{OuterStart, RemlFit, fit_reml};
use crate::ENGINE_VERSION;
use crate::data::DataFrame;
use crate::design::Design;
use crate::design::response::{ResponseData, response_data};
use crate::error::{GamError, Result};
use crate::family::{Family, Link};
use crate::linalg::StoredMat;
use crate::model::{GamModel, GamSpec, MODEL_FORMAT_VERSION, OuterInfo};
use crate::summary::{self, SummaryInputs};

/// Receives every outer iterate of a fit, and may stop it.
pub trait FitObserver {
    /// Called after the start and after every accepted Newton step.
    fn on_iterate(&mut self, iterate: &Iterate);

    /// Asked after every [`on_iterate`](Self::on_iterate): `true` stops the fit there with
    /// [`GamError::Interrupted`] (unless that iterate is its optimum). Through the cache
    /// ([`super::cached::fit_cached`]) the iterate was checkpointed before this is asked, so a
    /// stopped fit leaves its checkpoint and the same fit resumes from it.
    /// [`super::stop::StopOnFlag`] stops on a flag set from another thread (a signal handler).
    fn should_stop(&self) -> bool {
        false
    }
}

/// Reports `it` to `observer` and relays whether to go on.
fn observe(observer: &mut dyn FitObserver, it: &Iterate) -> ControlFlow<()> {
    observer.on_iterate(it);
    if observer.should_stop() {
        ControlFlow::Break(())
    } else {
        ControlFlow::Continue(())
    }
}

/// An observer that ignores everything.
pub struct NoObserver;

impl FitObserver for NoObserver {
    fn on_iterate(&mut self, _: &Iterate) {}
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
    super::finite::check_magnitudes(&kept, &used)?;
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
    /// The model matrix, when held in memory (see [`Accumulation`]).
    x: Option<Mat<f64>>,
    response: ResponseData,
    offset: Vec<f64>,
    inner: Inner,
    pens: super::PenaltySet,
    n_dropped: usize,
    /// The 1-based data row of each row of the fit.
    rows: Vec<usize>,
}

/// How a fit reads its model matrix (the result is the same to rounding): a
/// Gaussian identity-link fit reduces it by QR, a generalized fit passes
/// over it at every inner iteration ([`ModelRows`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Accumulation {
    /// Gaussian identity link: in memory below [`CHUNKED_MIN_ROWS`] rows, in chunks from there;
    /// other models: held up to [`HELD_MAX_BYTES`] of model matrix, in chunks beyond.
    #[default]
    Auto,
    /// Build the whole model matrix and hold it.
    Dense,
    /// Build the model matrix this many rows at a time, in parallel, whenever it is used.
    Chunked(usize),
}

/// From this many rows on, [`Accumulation::Auto`] reduces a Gaussian identity-link fit in chunks.
pub const CHUNKED_MIN_ROWS: usize = 2 * CHUNK_ROWS;

/// [`Accumulation::Auto`] holds a generalized fit's model matrix up to this size and rebuilds
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
    Glm(GlmSetup),
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

    /// The REML criterion and its gradient at log smoothing parameters `rho`
    /// and, for a generalized model, scale `scale` (if estimated) and family
    /// parameter `theta` (if the family has one); a Gaussian model's scale is
    /// profiled out.
    pub fn reml_at(&self, rho: &[f64], scale: f64, theta: f64) -> Result<ScoreCheck> {
        self.check_len(rho.len())?;
        match &self.inner {
            Inner::Lsq(problem) => {
                let e = problem.reml(&self.pens, rho, Scale::Estimated)?;
                Ok(ScoreCheck {
                    score: e.score,
                    grad: e.grad,
                })
            }
            Inner::Glm(glm) => {
                let e = glm.evaluate(&self.pens, rho, scale, theta, None)?;
                Ok(ScoreCheck {
                    score: e.score,
                    grad: e.grad,
                })
            }
        }
    }

    fn check_len(&self, len: usize) -> Result<()> {
        if len == self.pens.len() {
            return Ok(());
        }
        Err(GamError::Fit {
            message: format!(
                "warm start has {len} smoothing parameters, the model {}",
                self.pens.len()
            ),
        })
    }
}

impl GamSpec {
    /// Fits the model to `data`.
    pub fn fit(&self, data: &DataFrame) -> Result<GamModel> {
        self.fit_with(data, None, &mut NoObserver)
    }

    /// Fits the model starting the outer iteration at `start` (e.g. a cached
    /// checkpoint or a related fit), reporting iterates to `observer`.
    pub fn fit_with(
        &self,
        data: &DataFrame,
        start: Option<&OuterStart>,
        observer: &mut dyn FitObserver,
    ) -> Result<GamModel> {
        let setup = self.setup(prepare(self, data)?)?;
        self.fit_setup(&setup, start, observer)
    }

    /// Whether the fit is penalised least squares (Gaussian, identity link).
    fn is_least_squares(&self) -> bool {
        self.family == Family::Gaussian && self.link == Link::Identity
    }

    /// Builds the design and reduces the data: one pass over the rows.
    pub fn setup(&self, prepared: PreparedData) -> Result<FitSetup> {
        self.setup_with(prepared, Accumulation::Auto)
    }

    /// [`GamSpec::setup`] with a chosen way of reducing the data.
    pub fn setup_with(&self, prepared: PreparedData, accumulation: Accumulation) -> Result<FitSetup> {
        let train = &prepared.data;
        if !self.family.links().contains(&self.link) {
            return Err(GamError::Fit {
                message: format!(
                    "the {} family does not take the {} link (it takes: {})",
                    self.family.name(),
                    self.link.name(),
                    self.family
                        .links()
                        .iter()
                        .map(|l| l.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
        }
        // Sizes are checked before any basis is built: an absurd model is
        // refused in milliseconds instead of exhausting the memory.
        let plan = crate::design::size::plan(&self.formula, train)?;
        let design = Design::build(&self.formula, train)?;
        let mut response = response_data(&design.response, train, self.family, self.weights.as_deref())?;
        // The model's warnings: the design's (mgcv's raised k) before the data's.
        response.warnings.splice(0..0, plan.warnings);
        let offset = design.offset(train)?;
        response.check_informative(&design.response, self.family, !design.offsets.is_empty())?;
        let n = train.nrows();
        let p = design.n_coef();
        if n <= p {
            return Err(GamError::Fit {
                message: format!(
                    "the model has {p} coefficients but only {n} rows of data: reduce k or the number of terms"
                ),
            });
        }
        let pens = design.penalty_set();
        let chunk = match accumulation {
            Accumulation::Chunked(rows) => Some(rows),
            Accumulation::Auto if self.is_least_squares() && n >= CHUNKED_MIN_ROWS => Some(CHUNK_ROWS),
            Accumulation::Auto if n * p * size_of::<f64>() > HELD_MAX_BYTES => Some(CHUNK_ROWS),
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
            if self.family == Family::Binomial {
                super::separation::check_parametric(&design, &rows, &response)?;
            }
            let glm = GlmSetup::new(GlmProblem {
                x: rows,
                obs: response.obs.clone(),
                trials: response.trials.clone(),
                offset: offset.clone(),
                family: self.family,
                link: self.link,
                theta: 1.0,
            })?;
            (Inner::Glm(glm), None)
        };
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
        })
    }

    /// Runs the outer optimisation on a prepared fit and assembles the model.
    pub fn fit_setup(
        &self,
        setup: &FitSetup,
        start: Option<&OuterStart>,
        observer: &mut dyn FitObserver,
    ) -> Result<GamModel> {
        if let Some(s) = start {
            setup.check_len(s.rho.len())?;
        }
        let model = self.fit_outer(setup, start, observer)?;
        super::finite::check_model(&model, &setup.data, &self.columns_used())?;
        Ok(model)
    }

    /// The outer optimisation and the model's assembly, by kind of problem.
    fn fit_outer(
        &self,
        setup: &FitSetup,
        start: Option<&OuterStart>,
        observer: &mut dyn FitObserver,
    ) -> Result<GamModel> {
        match &setup.inner {
            Inner::Lsq(problem) => {
                let fit = fit_reml(
                    problem,
                    &setup.pens,
                    Scale::Estimated,
                    start,
                    &self.options.newton,
                    |it| observe(observer, it),
                )?;
                assemble(self, setup, problem, &fit)
            }
            Inner::Glm(glm) => {
                let fit = fit_laml(glm, &setup.pens, start, &self.options.newton, |it| {
                    observe(observer, it)
                })?;
                if self.family == Family::Binomial {
                    super::separation::check_fitted(
                        &setup.design,
                        &glm.prob.x,
                        &fit.eval.fit.beta,
                        &fit.eval.fit.mu,
                        &setup.rows,
                    )?;
                }
                super::glm_model::assemble_glm(self, setup_parts(setup), glm, &fit)
            }
        }
    }
}

/// The parts of a setup the generalized model's assembly reads.
fn setup_parts(setup: &FitSetup) -> super::glm_model::SetupParts<'_> {
    super::glm_model::SetupParts {
        design: &setup.design,
        response: &setup.response,
        offset: &setup.offset,
        pens: &setup.pens,
        n_dropped: setup.n_dropped,
    }
}

/// `Xβ + offset` at the training rows, from the model matrix in memory or
/// rebuilt chunk by chunk in parallel.
fn linear_predictor(setup: &FitSetup, beta: &[f64]) -> Result<Vec<f64>> {
    let p = beta.len();
    let xb = |x: &Mat<f64>| -> Vec<f64> {
        (0..x.nrows())
            .map(|i| (0..p).map(|j| x[(i, j)] * beta[j]).sum())
            .collect()
    };
    let mut eta = match &setup.x {
        Some(x) => xb(x),
        None => {
            let parts: Vec<Vec<f64>> = row_chunks(setup.data.nrows(), CHUNK_ROWS)
                .into_par_iter()
                .map(|r| {
                    let rows: Vec<usize> = r.collect();
                    Ok(xb(&setup.design.model_matrix(&setup.data.select_rows(&rows))?))
                })
                .collect::<Result<_>>()?;
            parts.concat()
        }
    };
    for (e, o) in eta.iter_mut().zip(&setup.offset) {
        *e += o;
    }
    Ok(eta)
}

fn assemble(spec: &GamSpec, setup: &FitSetup, problem: &LsqProblem, fit: &RemlFit) -> Result<GamModel> {
    let design = setup.design.clone();
    let y: Vec<f64> = setup.response.obs.iter().map(|o| o.y).collect();
    let weights: Vec<f64> = setup.response.obs.iter().map(|o| o.w).collect();
    let y = &y;
    let n_dropped = setup.n_dropped;
    let n = y.len();
    let p = design.n_coef();
    let e = &fit.eval;
    // mgcv reports (and scales Vp by) the Pearson-type estimate
    // RSS / (n − Σ edf), not the REML estimate D_p / (n − M_p) used inside
    // the criterion.
    let xtx = problem.xtwx();
    let f = &e.a_inv * &xtx;
    let edf: Vec<f64> = (0..p).map(|i| f[(i, i)]).collect();
    // edf1 = 2 diag(F) − rowSums(t(F) * F) = 2 F_ii − Σ_j F_ji F_ij.
    let edf1: Vec<f64> = (0..p)
        .map(|i| 2.0 * f[(i, i)] - (0..p).map(|j| f[(j, i)] * f[(i, j)]).sum::<f64>())
        .collect();
    let scale = e.rss / (n as f64 - edf.iter().sum::<f64>());
    let vp = &e.a_inv * scale;
    let ve = &f * &vp;
    let beta = &e.beta;
    let fitted = linear_predictor(setup, beta)?;
    let deviance: f64 = (0..n).map(|i| weights[i] * (y[i] - fitted[i]).powi(2)).sum();
    let null_deviance = null_deviance_gaussian(y, &weights);
    // mgcv's logLik.gam for the Gaussian family: −n/2 (log(2π D/n) + 1).
    let nf = n as f64;
    let loglik = -0.5 * nf * ((2.0 * std::f64::consts::PI * deviance / nf).ln() + 1.0)
        + weights.iter().map(|w| w.ln()).sum::<f64>() / 2.0;
    // mgcv's logLik.gam: df = Σ edf2 + 1 (the estimated scale), at most p + 1;
    // AIC() = −2 loglik + 2 df.
    let edf2 = super::edf2::edf2(problem, &design.penalty_set(), &fit.rho, e, &edf1);
    let loglik_df = (edf2.iter().sum::<f64>() + 1.0).min(p as f64 + 1.0);
    let aic = -2.0 * loglik + 2.0 * loglik_df;
    let sp: Vec<f64> = fit.rho.iter().map(|r| r.exp()).collect();
    let summary = summary::compute(&SummaryInputs {
        sp: &sp,
        scale,
        design: &design,
        x: &problem.r,
        beta,
        vp: &vp,
        edf: &edf,
        edf1: &edf1,
        scale_estimated: true,
        y,
        fitted: &fitted,
        weights: &weights,
        deviance,
        null_deviance,
    });
    Ok(GamModel {
        format_version: MODEL_FORMAT_VERSION,
        engine_version: ENGINE_VERSION.to_string(),
        formula: spec.formula.text.clone(),
        family: spec.family,
        link: spec.link,
        design,
        coefficients: beta.clone(),
        vp: StoredMat::from_mat(&vp),
        ve: StoredMat::from_mat(&ve),
        edf,
        edf1,
        sp: fit.rho.iter().map(|r| r.exp()).collect(),
        scale,
        reml_scale: e.scale,
        theta: None,
        weights: spec.weights.clone(),
        scale_estimated: true,
        reml_score: e.score,
        outer: OuterInfo::of(&fit.outer),
        n,
        n_dropped,
        deviance,
        null_deviance,
        loglik,
        loglik_df,
        aic,
        summary,
        warnings: setup.response.warnings.clone(),
    })
}

/// Deviance of the null model as mgcv computes it for the Gaussian family:
/// the weighted sum of squares about the weighted mean of the response,
/// with or without an intercept in the model (checked against mgcv 1.8-41
/// on a `- 1` model).
fn null_deviance_gaussian(y: &[f64], w: &[f64]) -> f64 {
    let mean = y.iter().zip(w).map(|(y, w)| y * w).sum::<f64>() / w.iter().sum::<f64>();
    y.iter().zip(w).map(|(v, w)| w * (v - mean).powi(2)).sum()
}
