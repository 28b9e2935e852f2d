//! The Laplace-approximate REML criterion of a general family and its exact gradient and
//! Hessian in `ρ = log λ` (mgcv's `gam.fit5`, gam.fit4.r 1240-1392; Wood, Pya & Säfken 2016,
//! section 3):
//!
//! ```text
//! V(ρ) = −ℓ(β̂) + β̂ᵀS_λβ̂/2 − log|S_λ|_+/2 + log|H_p|/2 − M_p log(2π)/2,   H_p = −ℓ_ββ + S_λ
//! ```
//!
//! With `s_k = λ_k S_k β̂`, implicit differentiation gives `∂β̂/∂ρ_k = −H_p⁻¹ s_k`, and
//!
//! ```text
//! ∂V/∂ρ_k      = β̂ᵀs_k/2 − ∂log|S|_+/2 + tr(H_p⁻¹ ∂H_p/∂ρ_k)/2
//! ∂H_p/∂ρ_k    = −∂ℓ_ββ/∂ρ_k + λ_k S_k,  ∂ℓ_ββ/∂ρ_k = X_aᵀ diag(Σ_c ℓ_abc X_c ∂β̂_c/∂ρ_k) X_b
//! ∂²β̂/∂ρ_k∂ρ_l = −H_p⁻¹(∂H_p/∂ρ_l ∂β̂/∂ρ_k + λ_k S_k ∂β̂/∂ρ_l) + δ_kl ∂β̂/∂ρ_k
//! ∂²V/∂ρ_k∂ρ_l = δ_kl β̂ᵀs_k/2 + s_kᵀ∂β̂/∂ρ_l − ∂²log|S|_+/2
//!                + [tr(H_p⁻¹ ∂²H_p/∂ρ_k∂ρ_l) − tr(H_p⁻¹∂H_p/∂ρ_k H_p⁻¹∂H_p/∂ρ_l)]/2
//! ```
//!
//! where `∂²H_p/∂ρ_k∂ρ_l` takes the fourth η-derivatives of ℓ along `X ∂β̂/∂ρ_k`,
//! `X ∂β̂/∂ρ_l` and the third along `X ∂²β̂/∂ρ_k∂ρ_l`, plus `δ_kl λ_k S_k`. The traces with
//! `X_aᵀ diag(w) X_b` are `Σ_i w_i x_{b,i}ᵀ (H_p⁻¹)_{ba} x_{a,i}`, from the per-observation
//! "leverages" `Q_{ab,i}` computed once. mgcv's general families with
//! `available.derivs = 2` (gaulss) are optimised by this exact Newton iteration.

use faer::Mat;

use super::inner::{Problem, chol_inverse, fit_beta, mat_vec, penalised};
use crate::design::PenaltySet;
use crate::error::{GamError, Result};
use crate::linalg::{dot, trace, trace_of_product};

/// The criterion and what the fit keeps from its evaluation.
#[derive(Debug, Clone)]
pub struct Laml {
    /// The criterion (mgcv's `REML`, `gcv.ubre`).
    pub score: f64,
    /// Its gradient in ρ.
    pub grad: Vec<f64>,
    /// Its Hessian in ρ, row-major.
    pub hess: Vec<f64>,
    /// The coefficients.
    pub beta: Vec<f64>,
    /// `H_p⁻¹` (the Bayesian covariance matrix `V_p`).
    pub vp: Mat<f64>,
    /// `−ℓ_ββ`.
    pub neg_hess: Mat<f64>,
    /// The log-likelihood.
    pub ll: f64,
}

/// Evaluates the criterion at `rho`, starting the inner fit at `start`; `hessian`: whether the
/// outer Hessian is wanted.
pub fn evaluate(prob: &Problem, pens: &PenaltySet, rho: &[f64], start: &[f64], hessian: bool) -> Result<Laml> {
    let lambda: Vec<f64> = rho.iter().map(|r| r.exp()).collect();
    let s = pens.total(&lambda);
    let beta = fit_beta(prob, &s, start)?;
    let at = prob.at(&beta, if hessian { 4 } else { 3 });
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
    let m_sp = pens.len();
    let m = prob.m();
    let sk: Vec<Vec<f64>> = (0..m_sp)
        .map(|k| pens.apply(k, &beta).into_iter().map(|v| v * lambda[k]).collect())
        .collect();
    let db: Vec<Vec<f64>> = sk
        .iter()
        .map(|v| mat_vec(&vp, v).into_iter().map(|x| -x).collect())
        .collect();
    // X_c ∂β̂_c/∂ρ_k per predictor.
    let xdb: Vec<Vec<Vec<f64>>> = db
        .iter()
        .map(|d| prob.lpi.iter().map(|r| prob.x_times(r, &d[r.clone()])).collect())
        .collect();
    let third = |i: usize, a: usize, b: usize, u: &[Vec<f64>]| -> f64 {
        (0..m).map(|c| at.d[i].l3[(a * m + b) * m + c] * u[c][i]).sum()
    };
    let mut dhp = Vec::with_capacity(m_sp);
    let mut grad = vec![0.0; m_sp];
    for k in 0..m_sp {
        let d1h = prob.weighted_cross(|i, a, b| third(i, a, b, &xdb[k]));
        let mut a = -d1h;
        pens.add_scaled(&mut a, &pens.penalties()[k], lambda[k]);
        grad[k] = 0.5 * dot(&beta, &sk[k]) - 0.5 * ld.grad[k] + 0.5 * trace_of_product(&vp, &a);
        dhp.push(a);
    }
    let mut hess = vec![0.0; m_sp * m_sp];
    if hessian && m_sp > 0 {
        let q = leverages(prob, &vp);
        let a_k: Vec<Mat<f64>> = dhp.iter().map(|d| &vp * d).collect();
        for k in 0..m_sp {
            for l in k..m_sp {
                let mut v = mat_vec(&dhp[l], &db[k]);
                let sdl = pens.apply(k, &db[l]);
                v.iter_mut().zip(&sdl).for_each(|(x, s)| *x += lambda[k] * s);
                let mut d2b: Vec<f64> = mat_vec(&vp, &v).into_iter().map(|x| -x).collect();
                if k == l {
                    d2b.iter_mut().zip(&db[k]).for_each(|(x, d)| *x += d);
                }
                let xd2b: Vec<Vec<f64>> = prob.lpi.iter().map(|r| prob.x_times(r, &d2b[r.clone()])).collect();
                // tr(H_p⁻¹ ∂²ℓ_ββ/∂ρ_k∂ρ_l).
                let mut tr_d2l = 0.0;
                for i in 0..prob.y.len() {
                    let d = &at.d[i];
                    for a in 0..m {
                        for b in 0..m {
                            let mut w = 0.0;
                            for c in 0..m {
                                let abc = (a * m + b) * m + c;
                                w += d.l3[abc] * xd2b[c][i];
                                for e in 0..m {
                                    w += d.l4[abc * m + e] * xdb[k][c][i] * xdb[l][e][i];
                                }
                            }
                            tr_d2l += w * q[b * m + a][i];
                        }
                    }
                }
                let mut tr_d2h = -tr_d2l;
                if k == l {
                    let mut sk_mat = Mat::<f64>::zeros(beta.len(), beta.len());
                    pens.add_scaled(&mut sk_mat, &pens.penalties()[k], lambda[k]);
                    tr_d2h += trace(&(&vp * &sk_mat));
                }
                let d2ldet = tr_d2h - trace_of_product(&a_k[k], &a_k[l]);
                let pen2 = if k == l { 0.5 * dot(&beta, &sk[k]) } else { 0.0 } + dot(&sk[k], &db[l]);
                let h = pen2 - 0.5 * ld.hess[k * m_sp + l] + 0.5 * d2ldet;
                hess[k * m_sp + l] = h;
                hess[l * m_sp + k] = h;
            }
        }
    }
    Ok(Laml {
        score,
        grad,
        hess,
        beta,
        vp,
        neg_hess,
        ll: at.ll,
    })
}

/// `Q_{ab,i} = x_{a,i}ᵀ (H_p⁻¹)_{ab} x_{b,i}` for every predictor pair, `q[a * m + b][i]`.
fn leverages(prob: &Problem, vp: &Mat<f64>) -> Vec<Vec<f64>> {
    let m = prob.m();
    let n = prob.y.len();
    let mut q = vec![vec![0.0; n]; m * m];
    for (a, ra) in prob.lpi.iter().enumerate() {
        let xa = prob.x.as_ref().subcols(ra.start, ra.len());
        for (b, rb) in prob.lpi.iter().enumerate() {
            let vab = vp.as_ref().submatrix(ra.start, rb.start, ra.len(), rb.len());
            let xv = xa * vab;
            for (i, out) in q[a * m + b].iter_mut().enumerate() {
                *out = (0..rb.len()).map(|j| xv[(i, j)] * prob.x[(i, rb.start + j)]).sum();
            }
        }
    }
    q
}
