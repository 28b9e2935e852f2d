//! Starting coefficients of a general-family fit: each family's `initialize` as mgcv's
//! (gamlss.r), usually penalised least-squares fits of a transformed response on each
//! predictor's columns with that predictor's block of the total penalty. The start changes
//! the path of the inner and outer Newton iterations, not the optimum.

use faer::Mat;

use super::inner::{self, Problem, mat_vec};
use crate::family::general::GeneralFamily;

/// The starting coefficients for `prob` with total penalty `s`, as the family's `initialize`.
pub(super) fn initialize(prob: &Problem, s: &Mat<f64>) -> Vec<f64> {
    match prob.family {
        GeneralFamily::Gaulss { .. } => gaulss(prob, s),
        GeneralFamily::Multinom { .. } => multinom(prob, s),
        // mgcv's cox.ph `initialize`: β = 0 (its fit takes its own path, fit/general/cox.rs).
        GeneralFamily::CoxPh => vec![0.0; prob.x.ncols()],
    }
}

/// `(X_rᵀX_r + S_rr)⁻¹ X_rᵀ t`: the penalised least-squares fit of `target` on the columns
/// `r` with their block of the total penalty `s` (`None` when not positive definite).
fn penalised_ls(prob: &Problem, s: &Mat<f64>, r: &std::ops::Range<usize>, target: &[f64]) -> Option<Vec<f64>> {
    let xa = prob.x.as_ref().subcols(r.start, r.len());
    let mut xtx = xa.transpose() * xa;
    for i in 0..r.len() {
        for j in 0..r.len() {
            xtx[(i, j)] += s[(r.start + i, r.start + j)];
        }
    }
    let xty: Vec<f64> = (0..r.len())
        .map(|j| xa.col(j).iter().zip(target).map(|(x, t)| x * t).sum())
        .collect();
    inner::chol_inverse(&xtx).map(|(inv, _)| mat_vec(&inv, &xty))
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
        if let Some(b) = penalised_ls(prob, s, r, &target) {
            beta[r.clone()].copy_from_slice(&b);
        }
    }
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
