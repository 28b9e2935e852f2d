//! The Laplace-approximate REML criterion of a generalized model and its
//! exact first and second derivatives in the log smoothing parameters
//! (Wood 2011, §3 and Appendix), as mgcv's `gam.fit3` defines it:
//!
//! ```text
//! V(ρ, φ) = D_p/(2φ) − ls(φ) + ½ log|XᵀWX + S_λ| − ½ log|S_λ|₊ − M_p/2 · log(2πφ)
//! ```
//!
//! where `D_p = D(β̂) + β̂ᵀS_λβ̂` is the penalised deviance at the penalised
//! IRLS coefficients β̂ ([`super::pirls`]), W holds the Newton weights at β̂,
//! `ls` is the family's saturated log-likelihood and M_p the dimension of
//! the penalty null space.
//!
//! # Derivatives
//!
//! With `H = XᵀWX + S_λ`, `β_k = ∂β̂/∂ρ_k`, `η_k = Xβ_k`, `w'`, `w''` the
//! derivatives of the Newton weights in η and `h_i = x_iᵀH⁻¹x_i`:
//!
//! ```text
//! β_k  = −λ_k H⁻¹ S_k β̂
//! ∂H/∂ρ_k = Xᵀ diag(w' η_k) X + λ_k S_k
//! β_jk = −H⁻¹ (Xᵀ(w' η_j η_k) + λ_j S_j β_k + λ_k S_k β_j + δ_jk λ_k S_k β̂)
//! ∂D_p/∂ρ_k = λ_k β̂ᵀS_kβ̂,   ∂²D_p/∂ρ_j∂ρ_k = δ_jk λ_k β̂ᵀS_kβ̂ + 2 λ_k β_jᵀS_kβ̂
//! ∂log|H|/∂ρ_k = Σ_i w'_i η_ik h_i + λ_k tr(H⁻¹S_k)
//! ∂²log|H|/∂ρ_j∂ρ_k = Σ_i (w''_i η_ij η_ik + w'_i η_ijk) h_i + δ_jk λ_k tr(H⁻¹S_k)
//!                     − tr(H⁻¹ ∂H/∂ρ_j H⁻¹ ∂H/∂ρ_k)
//! ```
//!
//! (D_p's first derivative needs no β_k because β̂ minimises D_p.) When the
//! scale is estimated, τ = log φ is one more parameter, with
//! `∂V/∂τ = −D_p/(2φ) − φ ls'(φ) − M_p/2`,
//! `∂²V/∂τ² = D_p/(2φ) − φ² ls''(φ) − φ ls'(φ)` and `∂²V/∂ρ_k∂τ = −∂D_p/∂ρ_k /(2φ)`.

use faer::linalg::solvers::DenseSolveCore;
use faer::{Mat, Side};

use super::penalty::{PenaltySet, trace_of_product};
use super::pirls::{GlmProblem, PirlsFit, weighted_cross};
use super::reml::dot;
use crate::error::{GamError, Result};

/// The criterion and everything derived at one point.
#[derive(Debug, Clone)]
pub struct LamlEval {
    /// The criterion V.
    pub score: f64,
    /// Its gradient in ρ, then τ when the scale is estimated.
    pub grad: Vec<f64>,
    /// Its Hessian in the same parameters, row-major.
    pub hess: Vec<f64>,
    /// The inner fit.
    pub fit: PirlsFit,
    /// `H⁻¹ = (XᵀWX + S_λ)⁻¹` with Newton weights.
    pub h_inv: Mat<f64>,
    /// Newton weights at β̂.
    pub w: Vec<f64>,
    /// Fisher weights at β̂.
    pub wf: Vec<f64>,
    /// `∂D_p/∂ρ_k`.
    pub d_p_grad: Vec<f64>,
    /// `tr(H⁻¹XᵀWX)`, mgcv's `trA`.
    pub tr_a: f64,
    /// mgcv's default (Fletcher) scale estimate at β̂.
    pub scale_est: f64,
    /// The scale the criterion was evaluated at.
    pub scale: f64,
}

/// Evaluates the criterion at log smoothing parameters `rho` and scale `phi`.
///
/// `estimate_scale` adds the τ = log φ row and column to the derivatives.
/// `start` seeds the inner iteration (the previous β̂ in an optimisation).
pub fn evaluate(
    prob: &GlmProblem,
    pens: &PenaltySet,
    rho: &[f64],
    phi: f64,
    estimate_scale: bool,
    start: Option<&[f64]>,
    null_coef: &[f64],
) -> Result<LamlEval> {
    let p = prob.p();
    let n = prob.n();
    let m = pens.len();
    let lambda: Vec<f64> = rho.iter().map(|r| r.exp()).collect();
    let s_lambda = pens.total(&lambda);
    let fit = prob.fit(&s_lambda, start, null_coef)?;
    let beta = &fit.beta;
    let wts = prob.weights(&fit.mu, false);
    let h = super::penalty::symmetrise(&(weighted_cross(&prob.x, &wts.w) + &s_lambda));
    let llt = h.llt(Side::Lower).map_err(|_| GamError::Fit {
        message: "the penalised Hessian is not positive definite at the inner optimum: some coefficients are \
                  not identifiable (collinear covariates, or perfect separation in a binomial model)"
            .into(),
    })?;
    let log_det_h = {
        let l = llt.L();
        2.0 * (0..p).map(|i| l[(i, i)].ln()).sum::<f64>()
    };
    let h_inv = llt.inverse();
    let xh = &prob.x * &h_inv;
    let hdiag: Vec<f64> = (0..n)
        .map(|i| (0..p).map(|j| xh[(i, j)] * prob.x[(i, j)]).sum())
        .collect();
    let tr_a = (0..n).map(|i| wts.w[i] * hdiag[i]).sum::<f64>();

    let sb: Vec<Vec<f64>> = (0..m).map(|k| pens.apply(k, beta)).collect();
    let b: Vec<f64> = (0..m).map(|k| lambda[k] * dot(beta, &sb[k])).collect();
    let d_p = fit.deviance + fit.penalty;
    let ld = pens.log_det(&lambda);
    let mp = pens.null_space_dim() as f64;
    let trials = &prob.trials;
    let ls = prob.family.saturated_loglik(&prob.obs, trials, phi);
    let two_pi_phi = 2.0 * std::f64::consts::PI * phi;
    let score = d_p / (2.0 * phi) - ls[0] + 0.5 * log_det_h - 0.5 * ld.value - 0.5 * mp * two_pi_phi.ln();

    // β_k, η_k.
    let hv = |v: &[f64]| -> Vec<f64> { (0..p).map(|i| (0..p).map(|j| h_inv[(i, j)] * v[j]).sum()).collect() };
    let xv = |v: &[f64]| -> Vec<f64> { (0..n).map(|i| (0..p).map(|j| prob.x[(i, j)] * v[j]).sum()).collect() };
    let beta_k: Vec<Vec<f64>> = (0..m)
        .map(|k| hv(&sb[k]).into_iter().map(|v| -lambda[k] * v).collect())
        .collect();
    let eta_k: Vec<Vec<f64>> = beta_k.iter().map(|bk| xv(bk)).collect();
    let tr_hs: Vec<f64> = (0..m)
        .map(|k| {
            let pen = &pens.penalties()[k];
            let d = pen.s.nrows();
            let o = pen.offset;
            lambda[k]
                * (0..d)
                    .map(|a| (0..d).map(|c| h_inv[(o + a, o + c)] * pen.s[(c, a)]).sum::<f64>())
                    .sum::<f64>()
        })
        .collect();
    let tr_a1: Vec<f64> = (0..m)
        .map(|k| (0..n).map(|i| wts.w1[i] * eta_k[k][i] * hdiag[i]).sum::<f64>() + tr_hs[k])
        .collect();

    // H⁻¹ ∂H/∂ρ_k.
    let mut m_k = Vec::with_capacity(m);
    for k in 0..m {
        let d: Vec<f64> = (0..n).map(|i| wts.w1[i] * eta_k[k][i]).collect();
        let mut dh = weighted_cross(&prob.x, &d);
        pens.add_scaled(&mut dh, &pens.penalties()[k], lambda[k]);
        m_k.push(&h_inv * &dh);
    }

    let k_all = if estimate_scale { m + 1 } else { m };
    let mut grad = vec![0.0; k_all];
    let mut hess = vec![0.0; k_all * k_all];
    for j in 0..m {
        grad[j] = b[j] / (2.0 * phi) + 0.5 * tr_a1[j] - 0.5 * ld.grad[j];
    }
    let sbeta_k: Vec<Vec<Vec<f64>>> = (0..m)
        .map(|k| (0..m).map(|j| pens.apply(k, &beta_k[j])).collect())
        .collect();
    for j in 0..m {
        for k in j..m {
            // β_jk
            let mut v: Vec<f64> = (0..p)
                .map(|c| {
                    (0..n)
                        .map(|i| prob.x[(i, c)] * wts.w1[i] * eta_k[j][i] * eta_k[k][i])
                        .sum::<f64>()
                })
                .collect();
            for c in 0..p {
                v[c] += lambda[j] * sbeta_k[j][k][c] + lambda[k] * sbeta_k[k][j][c];
                if j == k {
                    v[c] += lambda[k] * sb[k][c];
                }
            }
            let beta_jk: Vec<f64> = hv(&v).into_iter().map(|x| -x).collect();
            let eta_jk = xv(&beta_jk);
            let mut tr2: f64 = (0..n)
                .map(|i| (wts.w2[i] * eta_k[j][i] * eta_k[k][i] + wts.w1[i] * eta_jk[i]) * hdiag[i])
                .sum();
            if j == k {
                tr2 += tr_hs[k];
            }
            tr2 -= trace_of_product(&m_k[j], &m_k[k]);
            let mut d2 = 2.0 * lambda[k] * dot(&beta_k[j], &sb[k]);
            if j == k {
                d2 += b[k];
            }
            let hjk = d2 / (2.0 * phi) + 0.5 * tr2 - 0.5 * ld.hess[j * m + k];
            hess[j * k_all + k] = hjk;
            hess[k * k_all + j] = hjk;
        }
    }
    if estimate_scale {
        let t = m;
        grad[t] = -d_p / (2.0 * phi) - ls[1] * phi - 0.5 * mp;
        hess[t * k_all + t] = d_p / (2.0 * phi) - ls[2] * phi * phi - ls[1] * phi;
        for j in 0..m {
            let cross = -b[j] / (2.0 * phi);
            hess[j * k_all + t] = cross;
            hess[t * k_all + j] = cross;
        }
    }

    let scale_est = fletcher_scale(prob, &fit.mu, tr_a);
    Ok(LamlEval {
        score,
        grad,
        hess,
        fit,
        h_inv,
        w: wts.w,
        wf: wts.wf,
        d_p_grad: b,
        tr_a,
        scale_est,
        scale: phi,
    })
}

/// mgcv's default scale estimate (`scale.est = "fletcher"`): the Pearson
/// statistic over `n − tr A`, divided by `1 + s̄` with
/// `s̄ = max(−0.9, mean(V'(μ)(y − μ)/V(μ)))` (Fletcher 2012).
pub fn fletcher_scale(prob: &GlmProblem, mu: &[f64], tr_a: f64) -> f64 {
    let n = prob.n() as f64;
    let mut pearson = 0.0;
    let mut s = 0.0;
    for (o, &m) in prob.obs.iter().zip(mu) {
        let v = prob.family.variance(m);
        pearson += o.w * (o.y - m).powi(2) / v[0];
        s += v[1] * (o.y - m) / v[0];
    }
    let s_bar = (s / n).max(-0.9);
    let est = pearson / (n - tr_a);
    if s_bar.is_finite() { est / (1.0 + s_bar) } else { est }
}
