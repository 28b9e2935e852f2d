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
        GeneralFamily::Gammals { b } => gammals(prob, s, b),
        GeneralFamily::Ziplss => ziplss(prob, s),
        GeneralFamily::Multinom { .. } => multinom(prob, s),
        // mgcv's cox.ph `initialize`: β = 0 (its fit takes its own path, fit/general/cox.rs).
        GeneralFamily::CoxPh => vec![0.0; prob.x.ncols()],
        GeneralFamily::Gevlss => location_scale_then_constants(prob, s, &[gevlss::xi_link(1e-3)]),
        GeneralFamily::Shash { .. } => location_scale_then_constants(prob, s, &[0.0, 0.0]),
        GeneralFamily::Twlss => twlss(prob, s),
    }
}

/// The penalised least-squares coefficients of predictor `a` for `target` with row weights
/// `w` (all 1 when `None`) and that predictor's block of `s`: `(X_aᵀWX_a + S_aa)⁻¹X_aᵀW t`
/// (zeros when the matrix is singular).
fn penalised_ls(prob: &Problem, s: &Mat<f64>, a: usize, target: &[f64], w: Option<&[f64]>) -> Vec<f64> {
    let r = &prob.lpi[a];
    let xa = prob.x.as_ref().subcols(r.start, r.len());
    let wx = Mat::<f64>::from_fn(xa.nrows(), r.len(), |i, j| w.map_or(1.0, |w| w[i]) * xa[(i, j)]);
    let mut xtx = xa.transpose() * &wx;
    for i in 0..r.len() {
        for j in 0..r.len() {
            xtx[(i, j)] += s[(r.start + i, r.start + j)];
        }
    }
    let xty: Vec<f64> = (0..r.len())
        .map(|j| wx.col(j).iter().zip(target).map(|(x, t)| x * t).sum())
        .collect();
    match inner::chol_inverse(&xtx) {
        Some((inv, _)) => mat_vec(&inv, &xty),
        None => vec![0.0; r.len()],
    }
}

/// mgcv's multinom `initialize`: for each predictor `k`, a penalised regression of
/// `6·[y = k] − 3` on its columns (mgcv's `pen.reg` tunes the penalty's weight to keep the
/// EDF near the rank; the block of the total penalty is used here, as for gaulss).
fn multinom(prob: &Problem, s: &Mat<f64>) -> Vec<f64> {
    let mut beta = vec![0.0; prob.x.ncols()];
    for (a, r) in prob.lpi.iter().enumerate() {
        let target: Vec<f64> = prob
            .y
            .iter()
            .map(|&y| if y == (a + 1) as f64 { 3.0 } else { -3.0 })
            .collect();
        beta[r.clone()].copy_from_slice(&penalised_ls(prob, s, a, &target, None));
    }
    beta
}

/// mgcv's gammals `initialize`: `log y` regressed on the log mean's columns, then mgcv's
/// scale link of `log|y − η̂_1|` (its raw residual on the log-mean scale, as mgcv writes it)
/// on the log scale's.
fn gammals(prob: &Problem, s: &Mat<f64>, b: f64) -> Vec<f64> {
    let mut beta = vec![0.0; prob.x.ncols()];
    let ymax = prob.y.iter().cloned().fold(0.0, f64::max);
    let shift = ymax * f64::EPSILON.powf(0.75);
    let yt: Vec<f64> = prob.y.iter().map(|y| (y + shift).ln()).collect();
    let (r0, r1) = (prob.lpi[0].clone(), prob.lpi[1].clone());
    beta[r0.clone()].copy_from_slice(&penalised_ls(prob, s, 0, &yt, None));
    let eta = prob.x_times(&r0, &beta[r0.clone()]);
    let target: Vec<f64> = prob
        .y
        .iter()
        .zip(&eta)
        .map(|(y, e)| crate::family::general::gammals::scale_link((y - e).abs().max(1e-300).ln(), b))
        .collect();
    beta[r1].copy_from_slice(&penalised_ls(prob, s, 1, &target, None));
    beta
}

/// mgcv's ziplss `initialize`: presence (`y > 0`) regressed on the presence predictor's
/// columns; then `log y` (`log 0.2` for a zero) on the log mean's, with a zero whose fitted
/// presence is below 1/2 down-weighted by 0.1 (mgcv scales the rows by 0.1, so the weight
/// in the normal equations is 0.01).
fn ziplss(prob: &Problem, s: &Mat<f64>) -> Vec<f64> {
    let mut beta = vec![0.0; prob.x.ncols()];
    let (r0, r1) = (prob.lpi[0].clone(), prob.lpi[1].clone());
    let present: Vec<f64> = prob.y.iter().map(|&y| if y > 0.0 { 1.0 } else { 0.0 }).collect();
    beta[r1.clone()].copy_from_slice(&penalised_ls(prob, s, 1, &present, None));
    let p = prob.x_times(&r1, &beta[r1.clone()]);
    let w: Vec<f64> = prob
        .y
        .iter()
        .zip(&p)
        .map(|(&y, &p)| if y == 0.0 && p < 0.5 { 0.01 } else { 1.0 })
        .collect();
    let yt: Vec<f64> = prob
        .y
        .iter()
        .map(|&y| if y == 0.0 { 0.2f64.ln() } else { y.ln() })
        .collect();
    beta[r0].copy_from_slice(&penalised_ls(prob, s, 0, &yt, Some(&w)));
    beta
}

/// mgcv's gaulss `initialize`: a penalised regression of `y` on the mean's columns, then of
/// `log|y − μ̂|` on the σ predictor's, each with its block of the total penalty `s`.
fn gaulss(prob: &Problem, s: &Mat<f64>) -> Vec<f64> {
    let mut beta = vec![0.0; prob.x.ncols()];
    let mut target = prob.y.clone();
    for (a, r) in prob.lpi.iter().enumerate() {
        let xa = prob.x.as_ref().subcols(r.start, r.len());
        let mut xtx = xa.transpose() * xa;
        for i in 0..r.len() {
            for j in 0..r.len() {
                xtx[(i, j)] += s[(r.start + i, r.start + j)];
            }
        }
        let xty: Vec<f64> = (0..r.len())
            .map(|j| xa.col(j).iter().zip(&target).map(|(x, t)| x * t).sum())
            .collect();
        if let Some((inv, _)) = inner::chol_inverse(&xtx) {
            beta[r.clone()].copy_from_slice(&mat_vec(&inv, &xty));
        }
        if a == 0 {
            let mu = prob.x_times(r, &beta[r.clone()]);
            target = prob
                .y
                .iter()
                .zip(&mu)
                .map(|(y, m)| (y - m).abs().max(1e-10).ln())
                .collect();
        }
    }
    beta
}

/// mgcv's gevlss and shash `initialize`: as gaulss for the location and log-scale predictors
/// (the scale predictor's coefficients fitted to `log|y − μ̂|` on the linear-predictor scale),
/// then each further predictor an unpenalised least-squares fit of the constant
/// `constants[k]` (gevlss: the shifted logit of ξ = 0.001; shash: ε = 0 and log δ = 0).
fn location_scale_then_constants(prob: &Problem, s: &Mat<f64>, constants: &[f64]) -> Vec<f64> {
    let mut beta = gaulss(prob, s);
    let unpenalised = Mat::zeros(s.nrows(), s.ncols());
    for (k, &c) in constants.iter().enumerate() {
        let a = 2 + k;
        let target = vec![c; prob.y.len()];
        let r = prob.lpi[a].clone();
        beta[r].copy_from_slice(&penalised_ls(prob, &unpenalised, a, &target, None));
    }
    beta
}

/// mgcv's twlss `initialize`: `log(|y| + 10⁻⁷ max y)` regressed on the log mean's columns,
/// then `log|(y − μ̂)/μ̂^1.5|` on the log scale's; the transformed power starts at 0 (p = 1.5).
fn twlss(prob: &Problem, s: &Mat<f64>) -> Vec<f64> {
    let mut beta = vec![0.0; prob.x.ncols()];
    let ymax = prob.y.iter().cloned().fold(0.0, f64::max);
    let yt: Vec<f64> = prob.y.iter().map(|y| (y.abs() + ymax * 1e-7).ln()).collect();
    let (r0, r2) = (prob.lpi[0].clone(), prob.lpi[2].clone());
    beta[r0.clone()].copy_from_slice(&penalised_ls(prob, s, 0, &yt, None));
    let eta = prob.x_times(&r0, &beta[r0.clone()]);
    let target: Vec<f64> = prob
        .y
        .iter()
        .zip(&eta)
        .map(|(y, e)| {
            let mu = e.exp();
            ((y - mu) / mu.powf(1.5)).abs().max(1e-300).ln()
        })
        .collect();
    beta[r2].copy_from_slice(&penalised_ls(prob, s, 2, &target, None));
    beta
}
