//! What only the Gaussian identity-link path knows at its optimum: mgcv's
//! reported scale `RSS / (n − Σ edf)` (not the REML estimate
//! `D_p / (n − M_p)` used inside the criterion), the deviance from the
//! fitted values, the null deviance of the weighted mean, and the Gaussian
//! log-likelihood `−n/2 (log(2π D/n) + 1) + Σ log(w)/2` whose degrees of
//! freedom are `Σ edf2 + 1` (the estimated scale), at most `p + 1`.

use faer::Mat;
use rayon::prelude::*;

use super::{Assembly, FitResult, Influence, TrainingParts};
use crate::error::Result;
use crate::fit::gaussian::{LsqProblem, RemlFit};
use crate::fit::method::Selection;
use crate::linalg::chunks::{CHUNK_ROWS, row_chunks};

/// The fitted least-squares model's results.
///
/// `selection` is the criterion the fit optimised: for GCV and GACV there is
/// no smoothing-parameter uncertainty correction (mgcv computes `edf2` only
/// for likelihood criteria), so the log-likelihood's degrees of freedom are
/// `Σ edf + 1`; for ML, P-REML, P-ML and REML with `gamma != 1` the
/// correction uses that criterion's Hessian.
pub fn assemble(
    parts: &TrainingParts<'_>,
    problem: &LsqProblem,
    fit: &RemlFit,
    selection: Selection,
) -> Result<FitResult> {
    let y: Vec<f64> = parts.response.obs.iter().map(|o| o.y).collect();
    let weights: Vec<f64> = parts.response.obs.iter().map(|o| o.w).collect();
    let n = y.len();
    let p = parts.design.n_coef();
    let e = &fit.eval;
    let xtx = problem.xtwx();
    let influence = Influence::new(&e.a_inv, &xtx);
    // A known scale (mgcv's `scale > 0`) is reported as given.
    let known = selection.known_scale(crate::family::Family::Gaussian);
    let scale = known.unwrap_or(e.rss / (n as f64 - influence.total()));
    let fitted = linear_predictor(parts, &e.beta)?;
    let deviance: f64 = (0..n).map(|i| weights[i] * (y[i] - fitted[i]).powi(2)).sum();
    let null_deviance = null_deviance_gaussian(&y, &weights);
    let nf = n as f64;
    let log_w = weights.iter().map(|w| w.ln()).sum::<f64>() / 2.0;
    let loglik = match known {
        None => -0.5 * nf * ((2.0 * std::f64::consts::PI * deviance / nf).ln() + 1.0) + log_w,
        // mgcv's: R's gaussian aic at `dev = φ Σw` (its +2 for the scale not taken back).
        Some(phi) => {
            let sum_w: f64 = weights.iter().sum();
            -0.5 * nf * ((2.0 * std::f64::consts::PI * phi * sum_w / nf).ln() + 1.0) - 1.0 + log_w
        }
    };
    let edf2 = if selection.is_plain_reml() {
        super::edf2::edf2_with(problem, parts.pens, &fit.rho, e, &influence.edf1, parts.controls)
    } else if selection.criterion.is_likelihood() {
        super::edf2::edf2_with_hessian(problem, parts.pens, &fit.rho, e, &influence.edf1, parts.controls, known)
    } else {
        super::edf2::Edf2 {
            edf2: influence.edf.clone(),
            vc_extra: None,
        }
    };
    let sc_p = if known.is_some() { 0.0 } else { 1.0 };
    let loglik_df = (edf2.edf2.iter().sum::<f64>() + sc_p).min(p as f64 + sc_p);
    Assembly {
        parts,
        beta: &e.beta,
        h_inv: &e.a_inv,
        influence,
        r: &problem.r,
        scale,
        reml_scale: e.scale,
        scale_estimated: known.is_none(),
        theta: Vec::new(),
        fitted: &fitted,
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

/// `Xβ + offset` at the training rows, from the model matrix in memory or
/// rebuilt chunk by chunk in parallel.
fn linear_predictor(parts: &TrainingParts<'_>, beta: &[f64]) -> Result<Vec<f64>> {
    let p = beta.len();
    let xb = |x: &Mat<f64>| -> Vec<f64> {
        (0..x.nrows())
            .map(|i| (0..p).map(|j| x[(i, j)] * beta[j]).sum())
            .collect()
    };
    let mut eta = match parts.x {
        Some(x) => xb(x),
        None => {
            let blocks: Vec<Vec<f64>> = row_chunks(parts.data.nrows(), CHUNK_ROWS)
                .into_par_iter()
                .map(|r| {
                    let rows: Vec<usize> = r.collect();
                    Ok(xb(&parts.design.model_matrix(&parts.data.select_rows(&rows))?))
                })
                .collect::<Result<_>>()?;
            blocks.concat()
        }
    };
    for (e, o) in eta.iter_mut().zip(parts.offset) {
        *e += o;
    }
    Ok(eta)
}

/// Deviance of the null model as mgcv computes it for the Gaussian family:
/// the weighted sum of squares about the weighted mean of the response,
/// with or without an intercept in the model (checked against mgcv 1.8-41
/// on a `- 1` model).
fn null_deviance_gaussian(y: &[f64], w: &[f64]) -> f64 {
    let mean = y.iter().zip(w).map(|(y, w)| y * w).sum::<f64>() / w.iter().sum::<f64>();
    y.iter().zip(w).map(|(v, w)| w * (v - mean).powi(2)).sum()
}
