//! What only the generalized (non-Gaussian or non-identity link) path
//! knows at its optimum, as mgcv's `gam.fit3.post.proc` computes it.
//!
//! The criterion uses the Newton weights, but what is reported uses the
//! Fisher weights W_f at β̂ (as mgcv 1.8-41 does; for canonical links they
//! are the same): with `H_f = XᵀW_fX + S_λ`, `V_p = H_f⁻¹ φ̂` (φ̂ = 1 for
//! binomial and Poisson, else the Fletcher estimate with `tr F`),
//! `F = H_f⁻¹XᵀW_fX`, `edf = diag F`, `V_e = F V_p`. The null deviance is that of the weighted mean response,
//! or with an offset and an intercept that of the intercept-and-offset GLM,
//! or without an intercept that of `μ = g⁻¹(offset)`; for `cnorm` the smallest deviance of a
//! constant linear predictor (mgcv's `find.null.dev`).

use faer::linalg::solvers::DenseSolveCore;
use faer::{Mat, Side};

use super::{Assembly, FitResult, Influence, TrainingParts};
use crate::error::{GamError, Result};
use crate::family::Family;
use crate::fit::generalized::laml::fletcher_scale;
use crate::fit::generalized::outer::LamlFit;
use crate::fit::generalized::pirls::{GlmProblem, NullFit};
use crate::fit::generalized::rows::ModelRows;
use crate::fit::generalized::setup::GlmSetup;
use crate::fit::method::Selection;
use crate::linalg::symmetrise;

/// The fitted generalized model's results.
///
/// `selection` is the criterion the fit optimised: after GCV, UBRE or GACV
/// there is no smoothing-parameter uncertainty correction (mgcv's `edf2` is
/// computed for likelihood criteria only) and the AIC's scale is the reported
/// Fletcher estimate (mgcv's `scale.est`, its `reml.scale` being NA).
pub fn assemble(parts: &TrainingParts<'_>, setup: &GlmSetup, fit: &LamlFit, selection: Selection) -> Result<FitResult> {
    let with_theta = (!fit.theta.is_empty()).then(|| GlmProblem {
        theta: fit.theta.clone(),
        ..setup.prob.clone()
    });
    let prob = with_theta.as_ref().unwrap_or(&setup.prob);
    let e = &fit.eval;
    let p = prob.p();
    // The known scale: the family's 1, or mgcv's `scale > 0`.
    let known_scale = selection.known_scale(prob.family);
    let known = known_scale.is_some();
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
    let influence = Influence::new(&hf_inv, &xwx);
    // mgcv reports the REML scale for families with a parameter (gam.fit4),
    // Fletcher's estimate for the others (gam.fit3).
    let scale = if let Some(phi) = known_scale {
        phi
    } else if prob.family.has_theta() {
        e.scale
    } else {
        fletcher_scale(prob, &e.fit.mu, influence.total())
    };
    let mu = &e.fit.mu;
    // For betar the fit's deviance is −2 log f; the reported one adds twice the saturated
    // log-likelihood (mgcv's postproc), to the null deviance too.
    let saturated = prob.family.saturated_deviance(&prob.obs, &prob.theta);
    let deviance = e.fit.deviance + saturated;
    let null_deviance = null_deviance(prob, parts.design.intercept)? + saturated;

    let sum_w: f64 = prob.obs.iter().map(|o| o.w).sum();
    let dev1 = if let Some(phi) = known_scale {
        phi * sum_w
    } else if prob.family == Family::Gaussian {
        deviance
    } else if selection.criterion.is_prediction_error() {
        scale * sum_w
    } else {
        e.scale * sum_w
    };
    let aic_model = prob.family.aic(&prob.obs, &prob.trials, mu, dev1, &prob.theta);
    // logLik's df counts the scale if estimated and the estimated family parameters (mgcv's
    // n.theta: none when they are fixed).
    let sc_p = if known { 0.0 } else { 1.0 };
    let n_theta = setup.prob.n_theta_estimated() as f64;
    let loglik = sc_p - aic_model / 2.0;
    // logLik's df: edf2 (corrected for smoothing-parameter uncertainty) plus the scale.
    let m = parts.pens.len();
    let k = e.grad.len();
    let hessian = Mat::from_fn(k, k, |a, b| e.hess[a * k + b]);
    let mut j = super::edf2::beta_derivatives(&e.h_inv, parts.pens, &lambda, &e.fit.beta);
    if !e.beta_theta.is_empty() {
        // mgcv's covariance of the log smoothing parameters includes the
        // family parameters (their rows and columns follow ρ in the Hessian).
        let bt = &e.beta_theta;
        j = Mat::from_fn(p, m + bt.len(), |r, c| if c < m { j[(r, c)] } else { bt[c - m][r] });
    }
    let edf2 = if selection.criterion.is_prediction_error() {
        super::edf2::Edf2 {
            edf2: influence.edf.clone(),
            vc_extra: None,
        }
    } else {
        super::edf2::corrected(&super::edf2::Corrected {
            xtx: &xwx,
            edf: &influence.edf,
            edf1: &influence.edf1,
            j: &j,
            hessian: &hessian,
            pens: parts.pens,
            lambda: &lambda,
            scale,
            controls: parts.controls,
            grad: &e.grad,
        })
    };
    let loglik_df = (edf2.edf2.iter().sum::<f64>() + sc_p).min(p as f64 + sc_p) + n_theta;

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
    Assembly {
        parts,
        beta: &e.fit.beta,
        h_inv: &hf_inv,
        influence,
        r: &r,
        scale,
        reml_scale: e.scale,
        scale_estimated: !known,
        theta: fit.theta.clone(),
        fitted: mu,
        deviance,
        null_deviance,
        loglik,
        loglik_df,
        rho: &fit.rho,
        reml_score: e.score,
        selection,
        outer: &fit.outer,
        vc_extra: edf2.vc_extra,
    }
    .finish()
}

/// mgcv's null deviance (see the module documentation).
fn null_deviance(prob: &GlmProblem, intercept: bool) -> Result<f64> {
    let has_offset = prob.offset.iter().any(|&o| o != 0.0);
    // mgcv's find.null.dev (scat, ziP, cnorm) searches over a constant whatever the model.
    if !intercept && prob.family.null_mean_is_weighted_mean() {
        let mu: Vec<f64> = prob.offset.iter().map(|&o| prob.link.inverse(o)).collect();
        return Ok(prob.deviance(&mu));
    }
    // The weighted mean minimises the deviance of a constant mean for the exponential
    // families, nb, tw and betar; for the others (scat, ziP, cnorm) mgcv's postproc searches
    // (find.null.dev), and the one-column fit below finds the same minimum exactly.
    if !has_offset && prob.family.null_mean_is_weighted_mean() {
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
