//! Starting coefficients of a general-family fit: each family's `initialize` as mgcv's
//! (gamlss.r), usually penalised least-squares fits of a transformed response on each
//! predictor's columns with that predictor's block of the total penalty. The start changes
//! the path of the inner and outer Newton iterations, not the optimum.

use faer::Mat;

use super::inner::{self, Problem, mat_vec};
use crate::family::general::{GeneralFamily, gevlss};

/// The starting coefficients for `prob` with total penalty `s`, as the family's `initialize`.
pub(super) fn initialize(prob: &Problem, s: &Mat<f64>) -> Vec<f64> {
    match prob.family {
        GeneralFamily::Gaulss { .. } => gaulss(prob, s),
        GeneralFamily::Gevlss => location_scale_then_constants(prob, s, &[gevlss::xi_link(1e-3)]),
        GeneralFamily::Shash { .. } => location_scale_then_constants(prob, s, &[0.0, 0.0]),
    }
}

/// The least-squares coefficients of `target` on predictor `a`'s columns, with its block of
/// `s` added when `penalised` (zero when the system is singular).
fn regress(prob: &Problem, s: &Mat<f64>, a: usize, target: &[f64], penalised: bool) -> Vec<f64> {
    let r = &prob.lpi[a];
    let xa = prob.x.as_ref().subcols(r.start, r.len());
    let mut xtx = xa.transpose() * xa;
    if penalised {
        for i in 0..r.len() {
            for j in 0..r.len() {
                xtx[(i, j)] += s[(r.start + i, r.start + j)];
            }
        }
    }
    let xty: Vec<f64> = (0..r.len())
        .map(|j| xa.col(j).iter().zip(target).map(|(x, t)| x * t).sum())
        .collect();
    match inner::chol_inverse(&xtx) {
        Some((inv, _)) => mat_vec(&inv, &xty),
        None => vec![0.0; r.len()],
    }
}

/// `log|y − μ̂|` for the μ predictor's coefficients in `beta`.
fn log_abs_residuals(prob: &Problem, beta: &[f64]) -> Vec<f64> {
    let r = &prob.lpi[0];
    let mu = prob.x_times(r, &beta[r.clone()]);
    prob.y
        .iter()
        .zip(&mu)
        .map(|(y, m)| (y - m).abs().max(1e-10).ln())
        .collect()
}

/// mgcv's gaulss `initialize`: a penalised regression of `y` on the mean's columns, then of
/// `log|y − μ̂|` on the σ predictor's, each with its block of the total penalty `s`.
fn gaulss(prob: &Problem, s: &Mat<f64>) -> Vec<f64> {
    let mut beta = vec![0.0; prob.x.ncols()];
    let r0 = prob.lpi[0].clone();
    beta[r0].copy_from_slice(&regress(prob, s, 0, &prob.y, true));
    let target = log_abs_residuals(prob, &beta);
    let r1 = prob.lpi[1].clone();
    beta[r1].copy_from_slice(&regress(prob, s, 1, &target, true));
    beta
}

/// mgcv's gevlss and shash `initialize`: as gaulss for the location and log-scale predictors
/// (the scale predictor's coefficients fitted to `log|y − μ̂|` on the linear-predictor scale),
/// then each further predictor an unpenalised least-squares fit of the constant
/// `constants[k]` (gevlss: the shifted logit of ξ = 0.001; shash: ε = 0 and log δ = 0).
fn location_scale_then_constants(prob: &Problem, s: &Mat<f64>, constants: &[f64]) -> Vec<f64> {
    let mut beta = gaulss(prob, s);
    for (k, &c) in constants.iter().enumerate() {
        let a = 2 + k;
        let target = vec![c; prob.y.len()];
        let r = prob.lpi[a].clone();
        beta[r].copy_from_slice(&regress(prob, s, a, &target, false));
    }
    beta
}
