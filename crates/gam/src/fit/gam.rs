//! A whole fit: data and spec in, [`GamModel`] out.
//!
//! Rows with a missing value in a used column are dropped; the design is
//! built on the rest; one pass over the data reduces the problem to its QR
//! summary; Newton's method on the REML criterion then runs in O(p³) per
//! iteration, reporting every iterate to an observer (progress, checkpoints).

use faer::Mat;

use super::newton::Iterate;
use super::reml::{LsqProblem, Scale};
use super::{OuterStart, RemlFit, fit_reml};
use crate::ENGINE_VERSION;
use crate::data::DataFrame;
use crate::design::Design;
use crate::error::{GamError, Result};
use crate::linalg::StoredMat;
use crate::model::{GamModel, GamSpec, MODEL_FORMAT_VERSION, OuterInfo};
use crate::summary::{self, SummaryInputs};

/// Receives every outer iterate of a fit.
pub trait FitObserver {
    /// Called after the start and after every accepted Newton step.
    fn on_iterate(&mut self, iterate: &Iterate);
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
    let used = spec.formula.columns_used();
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
    Ok(PreparedData { data: kept, n_dropped })
}

/// A fit prepared up to the outer optimisation: the design, the model
/// matrix and the problem reduced to its QR summary. The cache glue uses it
/// to check a cached result (score and gradient at cached smoothing
/// parameters) before trusting it, and to start the optimisation anywhere.
pub struct FitSetup {
    /// The design built on the training rows.
    pub design: Design,
    x: Mat<f64>,
    y: Vec<f64>,
    offset: Vec<f64>,
    problem: LsqProblem,
    pens: super::PenaltySet,
    n_dropped: usize,
}

impl FitSetup {
    /// Names of the smoothing parameters, in the order the optimiser uses.
    pub fn sp_names(&self) -> Vec<String> {
        self.design.sp_names()
    }

    /// The REML criterion and its derivatives at log smoothing parameters `rho`.
    pub fn reml_at(&self, rho: &[f64]) -> Result<super::RemlEval> {
        self.check_len(rho.len())?;
        self.problem.reml(&self.pens, rho, Scale::Estimated)
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

    /// Builds the design and reduces the data: one pass over the rows.
    pub fn setup(&self, prepared: PreparedData) -> Result<FitSetup> {
        let train = &prepared.data;
        let design = Design::build(&self.formula, train)?;
        let x = design.model_matrix(train)?;
        let y = design.response_values(train)?;
        let offset = design.offset(train)?;
        let n = train.nrows();
        let p = x.ncols();
        if n <= p {
            return Err(GamError::Fit {
                message: format!(
                    "the model has {p} coefficients but only {n} rows of data: reduce k or the number of terms"
                ),
            });
        }
        let z: Vec<f64> = y.iter().zip(&offset).map(|(y, o)| y - o).collect();
        let problem = LsqProblem::from_dense(&x, &z, None);
        let pens = design.penalty_set();
        Ok(FitSetup {
            design,
            x,
            y,
            offset,
            problem,
            pens,
            n_dropped: prepared.n_dropped,
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
        let fit = fit_reml(
            &setup.problem,
            &setup.pens,
            Scale::Estimated,
            start,
            &self.options.newton,
            |it| observer.on_iterate(it),
        )?;
        Ok(assemble(self, setup, &fit))
    }
}

fn assemble(spec: &GamSpec, setup: &FitSetup, fit: &RemlFit) -> GamModel {
    let design = setup.design.clone();
    let (x, y, offset, problem) = (&setup.x, &setup.y, &setup.offset, &setup.problem);
    let n_dropped = setup.n_dropped;
    let n = y.len();
    let p = x.ncols();
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
    let fitted: Vec<f64> = (0..n)
        .map(|i| offset[i] + (0..p).map(|j| x[(i, j)] * beta[j]).sum::<f64>())
        .collect();
    let deviance: f64 = y.iter().zip(&fitted).map(|(y, m)| (y - m).powi(2)).sum();
    let null_deviance = null_deviance_gaussian(y);
    // mgcv's logLik.gam for the Gaussian family: −n/2 (log(2π D/n) + 1).
    let nf = n as f64;
    let loglik = -0.5 * nf * ((2.0 * std::f64::consts::PI * deviance / nf).ln() + 1.0);
    // mgcv's logLik.gam: df = Σ edf2 + 1 (the estimated scale), at most p + 1;
    // AIC() = −2 loglik + 2 df.
    let edf2 = super::edf2::edf2(problem, &design.penalty_set(), &fit.rho, e, &edf1);
    let loglik_df = (edf2.iter().sum::<f64>() + 1.0).min(p as f64 + 1.0);
    let aic = -2.0 * loglik + 2.0 * loglik_df;
    let weights = vec![1.0; n];
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
    let max_abs_grad = fit.outer.last.grad.iter().fold(0.0f64, |m, g| m.max(g.abs()));
    GamModel {
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
        scale_estimated: true,
        reml_score: e.score,
        outer: OuterInfo {
            iter: fit.outer.last.iter,
            converged: fit.outer.converged,
            max_abs_grad,
            message: fit.outer.message.clone(),
        },
        n,
        n_dropped,
        deviance,
        null_deviance,
        loglik,
        loglik_df,
        aic,
        summary,
    }
}

/// Deviance of the null model as mgcv computes it for the Gaussian family:
/// the centred sum of squares of the response, with or without an intercept
/// in the model (checked against mgcv 1.8-41 on a `- 1` model).
fn null_deviance_gaussian(y: &[f64]) -> f64 {
    let n = y.len() as f64;
    let mean = y.iter().sum::<f64>() / n;
    y.iter().map(|v| (v - mean).powi(2)).sum()
}
