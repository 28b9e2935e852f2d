//! The fitted model of a generalized (non-Gaussian or non-identity link)
//! fit, with the quantities mgcv's `gam.fit3.post.proc` and `summary.gam`
//! report.
//!
//! The criterion uses the Newton weights, but what is reported uses the
//! Fisher weights W_f at β̂ (as mgcv 1.8-41 does; for canonical links they
//! are the same): with `H_f = XᵀW_fX + S_λ`, `V_p = H_f⁻¹ φ̂` (φ̂ = 1 for
//! binomial and Poisson, else the Fletcher estimate with `tr F`),
//! `F = H_f⁻¹XᵀW_fX`, `edf = diag F`, `V_e = F V_p`. The null deviance is that of the weighted mean response,
//! or with an offset and an intercept that of the intercept-and-offset GLM,
//! or without an intercept that of `μ = g⁻¹(offset)`.

use faer::linalg::solvers::DenseSolveCore;
use faer::{Mat, Side};

use super::glm::{GlmSetup, LamlFit};
use super::laml::fletcher_scale;
use super::penalty::{PenaltySet, symmetrise};
use super::pirls::{GlmProblem, NullFit};
use super::rows::ModelRows;
use crate::ENGINE_VERSION;
use crate::design::Design;
use crate::design::response::ResponseData;
use crate::error::{GamError, Result};
use crate::linalg::StoredMat;
use crate::model::{GamModel, GamSpec, MODEL_FORMAT_VERSION, OuterInfo};
use crate::summary::{self, SummaryInputs};

/// The parts of a fit setup the assembly reads.
pub struct SetupParts<'a> {
    /// The design.
    pub design: &'a Design,
    /// Response and prior weights.
    pub response: &'a ResponseData,
    /// Offsets.
    pub offset: &'a [f64],
    /// Penalties.
    pub pens: &'a PenaltySet,
    /// Rows dropped for missing values.
    pub n_dropped: usize,
}

/// Builds the model from the optimum of a generalized fit.
pub fn assemble_glm(spec: &GamSpec, parts: SetupParts<'_>, setup: &GlmSetup, fit: &LamlFit) -> Result<GamModel> {
    let with_theta = fit.theta.map(|theta| GlmProblem {
        theta,
        ..setup.prob.clone()
    });
    let prob = with_theta.as_ref().unwrap_or(&setup.prob);
    let e = &fit.eval;
    let n = prob.n();
    let p = prob.p();
    let known = prob.family.scale_known();
    // mgcv's post-processing uses the Fisher weights throughout (checked
    // against mgcv 1.8-41 on a Gamma log-link fit, where they differ from the
    // Newton weights of the criterion).
    let lambda: Vec<f64> = fit.rho.iter().map(|r| r.exp()).collect();
    // With a canonical link the Newton weights are the Fisher weights, and the inner fit
    // already holds XᵀWX at β̂: no further pass over the rows.
    let xwx = if prob.canonical() {
        e.fit.xtwx.clone()
    } else {
        prob.x.weighted_cross(&e.wf)?
    };
    let hf = symmetrise(&(&xwx + parts.pens.total(&lambda)));
    let hf_inv = hf
        .llt(Side::Lower)
        .map_err(|_| GamError::NotIdentifiable {
            terms: Vec::new(),
            symptom: "the penalised Fisher information is not positive definite at the optimum".into(),
        })?
        .inverse();
    let f = &hf_inv * &xwx;
    let edf: Vec<f64> = (0..p).map(|i| f[(i, i)]).collect();
    let edf1: Vec<f64> = (0..p)
        .map(|i| 2.0 * f[(i, i)] - (0..p).map(|j| f[(j, i)] * f[(i, j)]).sum::<f64>())
        .collect();
    // mgcv reports the REML scale for families with a parameter (gam.fit4),
    // Fletcher's estimate for the others (gam.fit3).
    let scale = if known {
        1.0
    } else if prob.family.has_theta() {
        e.scale
    } else {
        fletcher_scale(prob, &e.fit.mu, edf.iter().sum())
    };
    let vp = &hf_inv * scale;
    let ve = &f * &vp;
    let mu = &e.fit.mu;
    let deviance = e.fit.deviance;
    let null_deviance = null_deviance(prob, parts.design.intercept)?;

    let sum_w: f64 = prob.obs.iter().map(|o| o.w).sum();
    let dev1 = if known {
        sum_w
    } else if prob.family == crate::family::Family::Gaussian {
        deviance
    } else {
        e.scale * sum_w
    };
    let aic_model = prob.family.aic(&prob.obs, &prob.trials, mu, dev1, prob.theta);
    // logLik's df counts the scale if estimated and the family parameter.
    let sc_p = if known { 0.0 } else { 1.0 };
    let n_theta = if fit.theta.is_some() { 1.0 } else { 0.0 };
    let loglik = sc_p - aic_model / 2.0;
    // logLik's df: edf2 (corrected for smoothing-parameter uncertainty) plus the scale.
    let m = parts.pens.len();
    let k = e.grad.len();
    let hessian = Mat::from_fn(k, k, |a, b| e.hess[a * k + b]);
    let mut j = super::edf2::beta_derivatives(&e.h_inv, parts.pens, &lambda, &e.fit.beta);
    if let Some(bt) = &e.beta_theta {
        // mgcv's covariance of the log smoothing parameters includes the
        // family parameter (its row and column follow ρ in the Hessian).
        j = Mat::from_fn(p, m + 1, |r, c| if c < m { j[(r, c)] } else { bt[r] });
    }
    let edf2 = super::edf2::corrected(&super::edf2::Corrected {
        xtx: &xwx,
        edf: &edf,
        edf1: &edf1,
        j: &j,
        hessian: &hessian,
        pens: parts.pens,
        lambda: &lambda,
        scale,
    });

    let loglik_df = (edf2.iter().sum::<f64>() + sc_p).min(p as f64 + sc_p) + n_theta;
    let aic = -2.0 * loglik + 2.0 * loglik_df;

    // mgcv's summary works from the factor of the Fisher-weighted model matrix.
    // Any factor with RᵀR = XᵀW_fX serves (the tests use R only through
    // that product): the Cholesky factor costs O(p³) instead of a QR of X.
    let r = match symmetrise(&xwx).llt(Side::Lower) {
        Ok(llt) => llt.L().transpose().to_owned(),
        Err(_) => {
            let sqrt_wf: Vec<f64> = e.wf.iter().map(|v| v.max(0.0).sqrt()).collect();
            prob.x.triangular_factor(Some(&sqrt_wf), None)?
        }
    };
    let y: Vec<f64> = parts.response.obs.iter().map(|o| o.y).collect();
    let weights: Vec<f64> = parts.response.obs.iter().map(|o| o.w).collect();
    let sp: Vec<f64> = fit.rho.iter().map(|r| r.exp()).collect();
    let summary = summary::compute(&SummaryInputs {
        sp: &sp,
        scale,
        design: parts.design,
        x: &r,
        beta: &e.fit.beta,
        vp: &vp,
        edf: &edf,
        edf1: &edf1,
        scale_estimated: !known,
        y: &y,
        fitted: mu,
        weights: &weights,
        deviance,
        null_deviance,
    });
    let _ = parts.offset;
    Ok(GamModel {
        format_version: MODEL_FORMAT_VERSION,
        engine_version: ENGINE_VERSION.to_string(),
        formula: spec.formula.text.clone(),
        family: spec.family,
        link: spec.link,
        design: parts.design.clone(),
        coefficients: e.fit.beta.clone(),
        vp: StoredMat::from_mat(&vp),
        ve: StoredMat::from_mat(&ve),
        edf,
        edf1,
        sp,
        scale,
        reml_scale: e.scale,
        theta: fit.theta,
        weights: spec.weights.clone(),
        scale_estimated: !known,
        reml_score: e.score,
        outer: OuterInfo::of(&fit.outer),
        n,
        n_dropped: parts.n_dropped,
        deviance,
        null_deviance,
        loglik,
        loglik_df,
        aic,
        summary,
        warnings: parts.response.warnings.clone(),
    })
}

/// mgcv's null deviance (see the module documentation).
fn null_deviance(prob: &GlmProblem, intercept: bool) -> Result<f64> {
    let has_offset = prob.offset.iter().any(|&o| o != 0.0);
    if !intercept {
        let mu: Vec<f64> = prob.offset.iter().map(|&o| prob.link.inverse(o)).collect();
        return Ok(prob.deviance(&mu));
    }
    if !has_offset {
        let sum_w: f64 = prob.obs.iter().map(|o| o.w).sum();
        let mean = prob.obs.iter().map(|o| o.w * o.y).sum::<f64>() / sum_w;
        return Ok(prob.deviance(&vec![mean; prob.n()]));
    }
    // glm(y ~ offset(o), weights = w): an unpenalised one-column fit.
    let constant = GlmProblem {
        x: ModelRows::held(Mat::from_fn(prob.n(), 1, |_, _| 1.0)),
        ..prob.clone()
    };
    let null = NullFit {
        coef: vec![0.0],
        eta: prob.offset.clone(),
    };
    let fit = constant.fit(&Mat::zeros(1, 1), None, &null)?;
    Ok(fit.deviance)
}
