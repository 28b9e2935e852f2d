//! The extended Fellner–Schall (EFS) outer iteration for general families whose
//! log-likelihood has derivatives up to second order only (mgcv's `available.derivs = 0`,
//! twlss): mgcv's `efsud` (gam.fit4.r 1456-1545; Wood & Fasiolo 2017), which `gam` selects for
//! such a family (mgcv.r 1668-1670) and whose final `REML` it reports as `gcv.ubre`
//! (mgcv.r 1510-1517). The Newton path ([`super::laml`]) stays for the other families.
//!
//! Each iterate fits β̂ for `ρ = log λ` by the inner Newton iteration ([`super::inner`]),
//! with the criterion `V(ρ)` of [`super::laml`] and `V_p = (−ℓ_ββ + S_λ)⁻¹`. The update is
//!
//! ```text
//! ρ_j ← min(ρ_j + mult · log r_j, 15),   r_j = max(√ε, tr(S_λ⁻ S_j) − tr(V_p S_j)) / max(√ε, β̂ᵀS_jβ̂)
//! ```
//!
//! (`tr(S_λ⁻ S_j) = ∂log|S_λ|₊/∂ρ_j / λ_j`). Step control as mgcv's: a step that lowers `V`
//! and moves no `ρ_j` by 0.05 or more is tried doubled (capped at 12), and kept with `mult`
//! doubled when that lowers `V` further; a step that raises `V` is halved while `mult > 1`.
//! The iteration stops after 200 steps, when (after 3) the last step was below 0.05 with the
//! last four criteria within 0.1 (`efs.tol`), or when the log-likelihood changes by less than
//! `100 ε_c |ℓ|` (`ε_c` = 1e-7, mgcv's `control$eps`). The start is mgcv's `initial.spg` for
//! general families ([`initial_log_sp`]) plus 2.5, as `efsud` adds.
//!
//! Since EFS stops loosely, its optimum is mgcv's only when the path is mgcv's: the same
//! start, the same updates, the same stopping rule. The path depends on the inner fits only
//! through `V` comparisons and the log-likelihood test.

use std::ops::ControlFlow;

use faer::{Mat, Side};

use super::inner::{Problem, chol_inverse, fit_beta, penalised};
use crate::design::PenaltySet;
use crate::error::{GamError, Result};
use crate::fit::outer::newton::Iterate;
use crate::linalg::{dot, trace_of_product};

/// mgcv's `efs.lspmax`: the largest log smoothing parameter an update may reach.
const LSP_MAX: f64 = 15.0;
/// The cap of a doubled (extended) step.
const LSP_EXTEND_MAX: f64 = 12.0;
/// mgcv's `efs.tol`: the criterion's largest change over the last four iterates at convergence.
const EFS_TOL: f64 = 0.1;
/// mgcv's `control$eps`; the log-likelihood test uses `100 ·` it.
const CONTROL_EPS: f64 = 1e-7;
/// Steps smaller than this (in every ρ_j) count as small.
const SMALL_STEP: f64 = 0.05;
/// `efsud`'s iteration limit.
const MAX_ITER: usize = 200;
/// `efsud` starts from `initial.spg` plus this.
const START_SHIFT: f64 = 2.5;

/// One inner fit at ρ and what the update needs.
#[derive(Debug, Clone)]
pub(crate) struct EfsFit {
    /// The criterion (mgcv's `REML`).
    pub score: f64,
    /// The coefficients.
    pub beta: Vec<f64>,
    /// The log-likelihood.
    pub ll: f64,
    /// `V_p`.
    pub vp: Mat<f64>,
    /// `−ℓ_ββ`.
    pub neg_hess: Mat<f64>,
    /// `tr(S_λ⁻ S_j)` per penalty.
    tr_sinv_s: Vec<f64>,
}

/// The inner fit and criterion at `rho` from `start`.
pub(crate) fn evaluate(prob: &Problem, pens: &PenaltySet, rho: &[f64], start: &[f64]) -> Result<EfsFit> {
    let lambda: Vec<f64> = rho.iter().map(|r| r.exp()).collect();
    let s = pens.total(&lambda);
    let beta = fit_beta(prob, &s, start)?;
    let at = prob.at(&beta, 2);
    let neg_hess = prob.neg_hessian(&at);
    let hp = &neg_hess + &s;
    let (vp, log_det_hp) = chol_inverse(&hp).ok_or_else(|| GamError::Term {
        term: "the general family's fit".into(),
        message: "the penalised Hessian is not positive definite at the fitted coefficients: \
                  the model may be unidentifiable; try fewer or smaller smooths"
            .into(),
    })?;
    let ld = pens.log_det(&lambda);
    let mp = pens.null_space_dim() as f64;
    let score =
        -penalised(at.ll, &s, &beta) - 0.5 * ld.value + 0.5 * log_det_hp - 0.5 * mp * (2.0 * std::f64::consts::PI).ln();
    let tr_sinv_s = ld.grad.iter().zip(&lambda).map(|(g, l)| g / l).collect();
    Ok(EfsFit {
        score,
        beta,
        ll: at.ll,
        vp,
        neg_hess,
        tr_sinv_s,
    })
}

/// The EFS ratios `r_j` at a fit (module doc).
fn ratios(pens: &PenaltySet, fit: &EfsFit) -> Vec<f64> {
    let tiny = f64::EPSILON.sqrt();
    let p = fit.beta.len();
    pens.penalties()
        .iter()
        .enumerate()
        .map(|(j, pen)| {
            let mut sj = Mat::<f64>::zeros(p, p);
            pens.add_scaled(&mut sj, pen, 1.0);
            let tr_vs = trace_of_product(&fit.vp, &sj);
            let bsb = dot(&fit.beta, &pens.apply(j, &fit.beta));
            let a = tiny.max(fit.tr_sinv_s[j] - tr_vs);
            let r = a / tiny.max(bsb);
            if r.is_finite() { r } else { 1e6 }
        })
        .collect()
}

/// The result of the EFS iteration.
#[derive(Debug, Clone)]
pub(crate) struct EfsResult {
    /// The final log smoothing parameters.
    pub rho: Vec<f64>,
    /// The fit there.
    pub fit: EfsFit,
    /// Iterations (counting a resumed fit's).
    pub iterations: usize,
    /// Whether a stopping rule (not the iteration limit) ended it.
    pub converged: bool,
}

/// Runs `efsud` (module doc) from `rho0` (`initial.spg`'s, before the shift; a resumed
/// iterate `resumed` is taken as it is) and coefficients `beta0`, reporting every iterate.
pub(crate) fn minimise(
    prob: &Problem,
    pens: &PenaltySet,
    rho0: &[f64],
    resumed: Option<usize>,
    beta0: &[f64],
    mut on_iterate: impl FnMut(&Iterate) -> ControlFlow<()>,
) -> Result<EfsResult> {
    let mut lsp: Vec<f64> = match resumed {
        Some(_) => rho0.to_vec(),
        None => rho0.iter().map(|r| r + START_SHIFT).collect(),
    };
    let iter0 = resumed.unwrap_or(0);
    let mut mult = 1.0;
    let mut fit = evaluate(prob, pens, &lsp, beta0)?;
    let report = |iter: usize, lsp: &[f64], fit: &EfsFit| Iterate {
        iter,
        rho: lsp.to_vec(),
        score: fit.score,
        grad: Vec::new(),
        coefficients: fit.beta.clone(),
        scale: 1.0,
        extra: Vec::new(),
    };
    let interrupted = |it: &Iterate| GamError::Interrupted {
        iterations: it.iter,
        score: it.score,
        saved: false,
    };
    let first = report(iter0, &lsp, &fit);
    if on_iterate(&first).is_break() {
        return Err(interrupted(&first));
    }
    let mut hist: Vec<f64> = Vec::new();
    let mut old_ll = f64::NAN;
    let mut converged = false;
    let mut iter = 0;
    while iter < MAX_ITER {
        iter += 1;
        let start = fit.beta.clone();
        let log_r: Vec<f64> = ratios(pens, &fit).iter().map(|r| r.ln()).collect();
        let step =
            |m: f64, cap: f64| -> Vec<f64> { lsp.iter().zip(&log_r).map(|(l, d)| (l + d * m).min(cap)).collect() };
        let mut lsp1 = step(mult, LSP_MAX);
        let max_step = lsp1.iter().zip(&lsp).fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
        let old_reml = fit.score;
        fit = evaluate(prob, pens, &lsp1, &start)?;
        if fit.score <= old_reml {
            if max_step < SMALL_STEP {
                let lsp2 = step(2.0 * mult, LSP_EXTEND_MAX);
                let fit2 = evaluate(prob, pens, &lsp2, &start)?;
                if fit2.score < fit.score {
                    fit = fit2;
                    lsp = lsp2;
                    mult *= 2.0;
                } else {
                    lsp = lsp1;
                }
            } else {
                lsp = lsp1;
            }
        } else {
            while fit.score > old_reml && mult > 1.0 {
                mult /= 2.0;
                lsp1 = step(mult, LSP_MAX);
                fit = evaluate(prob, pens, &lsp1, &start)?;
            }
            lsp = lsp1;
            mult = mult.max(1.0);
        }
        hist.push(fit.score);
        let it = report(iter0 + iter, &lsp, &fit);
        if on_iterate(&it).is_break() {
            return Err(interrupted(&it));
        }
        if iter > 3 && max_step < SMALL_STEP {
            let last = &hist[hist.len() - 4..];
            let spread = last.windows(2).fold(0.0f64, |m, w| m.max((w[1] - w[0]).abs()));
            if spread < EFS_TOL {
                converged = true;
                break;
            }
        }
        if iter > 1 && (old_ll - fit.ll).abs() < 100.0 * CONTROL_EPS * fit.ll.abs() {
            converged = true;
            break;
        }
        old_ll = fit.ll;
    }
    Ok(EfsResult {
        rho: lsp,
        fit,
        iterations: iter0 + iter,
        converged,
    })
}

/// mgcv's `initial.spg` for a general family (mgcv.r 4345-4390): for each penalty, the
/// power of 5 `λ` that brings `√(mean(d/(d + λ s m)) · mean(d)/mean(d + λ s m))` to about 0.4,
/// with `d` the diagonal of `|ℓ_ββ|` at the starting coefficients over the coefficients the
/// penalty acts on (shared out between penalties on the same coefficient), `s` the penalty's
/// diagonal and `m = max(1, dim/rank)`; log λ per penalty.
pub(crate) fn initial_log_sp(neg_hess: &Mat<f64>, pens: &PenaltySet) -> Vec<f64> {
    let p = neg_hess.nrows();
    let thresh = f64::EPSILON.powf(0.75);
    let active = |pen: &crate::design::penalty::Penalty| -> Vec<bool> {
        let d = pen.s.nrows();
        let max = (0..d)
            .flat_map(|a| (0..d).map(move |b| (a, b)))
            .fold(f64::NEG_INFINITY, |m, (a, b)| m.max(pen.s[(a, b)]));
        (0..d)
            .map(|a| {
                let row: f64 = (0..d).map(|b| pen.s[(a, b)].abs()).sum();
                row > max * thresh && neg_hess[(pen.offset + a, pen.offset + a)] != 0.0
            })
            .collect()
    };
    let mut count = vec![0.0; p];
    for pen in pens.penalties() {
        for (a, on) in active(pen).into_iter().enumerate() {
            if on {
                count[pen.offset + a] += 1.0;
            }
        }
    }
    pens.penalties()
        .iter()
        .map(|pen| {
            let d = pen.s.nrows();
            let rank = penalty_rank(&pen.s).max(1);
            let rm = (d as f64 / rank as f64).max(1.0);
            let on = active(pen);
            let idx: Vec<usize> = (0..d).filter(|&a| on[a]).collect();
            if idx.is_empty() {
                return 0.0;
            }
            let dlb: Vec<f64> = idx
                .iter()
                .map(|&a| neg_hess[(pen.offset + a, pen.offset + a)].abs() / count[pen.offset + a])
                .collect();
            let ds: Vec<f64> = idx.iter().map(|&a| pen.s[(a, a)]).collect();
            let k = idx.len() as f64;
            let balance = |lam: f64| {
                let m1 = dlb.iter().zip(&ds).map(|(b, s)| b / (b + lam * s * rm)).sum::<f64>() / k;
                let m2 = dlb.iter().sum::<f64>() / k;
                let m3 = dlb.iter().zip(&ds).map(|(b, s)| b + lam * s * rm).sum::<f64>() / k;
                (m1 * m2 / m3).sqrt()
            };
            let mut lam = 1.0f64;
            while balance(lam) > 0.4 {
                lam *= 5.0;
            }
            while balance(lam) < 0.4 {
                lam /= 5.0;
            }
            lam.ln()
        })
        .collect()
}

/// The numerical rank of a penalty matrix (eigenvalues above `max · ε^0.7`).
fn penalty_rank(s: &Mat<f64>) -> usize {
    let sym = crate::linalg::symmetrise(s);
    match sym.self_adjoint_eigen(Side::Lower) {
        Ok(e) => {
            let eig: Vec<f64> = (0..sym.nrows()).map(|i| e.S()[i]).collect();
            let max = eig.iter().cloned().fold(0.0, f64::max);
            eig.iter().filter(|&&v| v > max * f64::EPSILON.powf(0.7)).count()
        }
        Err(_) => s.nrows(),
    }
}
