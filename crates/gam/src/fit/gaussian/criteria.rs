//! Every smoothness-selection criterion of [`crate::fit::method`] for a
//! penalised least-squares problem, with exact derivatives, from the QR
//! summary ([`LsqProblem`]) in O(p³) per evaluation.
//!
//! With `A = RᵀR + S_λ`, `M_k = λ_k A⁻¹S_k`, `F = A⁻¹RᵀR` and
//! `β_k = −M_k β̂`, `β_jk = −A⁻¹(λ_jS_jβ_k + λ_kS_kβ_j + δ_jk λ_jS_jβ̂)`:
//!
//! ```text
//! D_p:  ∂_k = λ_k β̂ᵀS_kβ̂,        ∂_jk = δ_jk ∂_k + 2λ_j β̂ᵀS_jβ_k
//! RSS:  ∂_k = −2β_kᵀS_λβ̂,        ∂_jk = 2β_jᵀRᵀRβ_k − 2β_jkᵀS_λβ̂
//! tr F: ∂_k = −tr(M_kF),          ∂_jk = tr(M_jM_kF) + tr(M_kM_jF) − δ_jk tr(M_kF)
//! log|A|: ∂_k = tr M_k,           ∂_jk = δ_jk tr M_k − tr(M_jM_k)
//! ```
//!
//! and the ML determinant likewise with `G = U_r(U_rᵀAU_r)⁻¹U_rᵀ` in place
//! of A⁻¹ ([`ml_determinant`]). For the Gaussian family the deviance and the
//! Pearson statistic are both the residual sum of squares, and the
//! saturated log-likelihood is `−n/2 log(2πφ) + Σ log(wᵢ)/2`.

use std::f64::consts::PI;

use faer::linalg::solvers::DenseSolveCore;
use faer::{Mat, Side};

use super::reml::{LsqProblem, RemlEval};
use crate::design::PenaltySet;
use crate::error::{GamError, Result};
use crate::fit::method::{self, Criterion, Parts, ScaleArg, Smooth, ml_determinant, penalty_range_basis};
use crate::linalg::{dot, trace, trace_of_product};

impl LsqProblem {
    /// The criterion `crit` with `gamma` at ρ and `scale` (the scale is
    /// a parameter for REML and ML, derived from the fit otherwise). The result's
    /// score, gradient and Hessian are the criterion's (log φ last for a
    /// scale parameter), its `scale` the scale the criterion used.
    pub fn criterion(
        &self,
        pens: &PenaltySet,
        rho: &[f64],
        crit: Criterion,
        gamma: f64,
        scale: ScaleArg,
    ) -> Result<RemlEval> {
        let p = self.p();
        let m = pens.len();
        let lambda: Vec<f64> = rho.iter().map(|r| r.exp()).collect();
        let xtx = self.xtwx();
        let a = crate::linalg::symmetrise(&(&xtx + pens.total(&lambda)));
        let singular = || GamError::NotIdentifiable {
            terms: Vec::new(),
            symptom: "the penalised normal equations are singular".into(),
        };
        let llt = a.llt(Side::Lower).map_err(|_| singular())?;
        let a_inv = llt.inverse();
        let (beta, rss) = self.coefficients(&llt);
        let mv =
            |a: &Mat<f64>, v: &[f64]| -> Vec<f64> { (0..p).map(|i| (0..p).map(|j| a[(i, j)] * v[j]).sum()).collect() };
        // λ_k S_k β̂, S_λβ̂, b_k = λ_k β̂ᵀS_kβ̂, β_k.
        let lsb: Vec<Vec<f64>> = (0..m)
            .map(|k| pens.apply(k, &beta).into_iter().map(|v| lambda[k] * v).collect())
            .collect();
        let slb: Vec<f64> = (0..p).map(|i| lsb.iter().map(|v| v[i]).sum()).collect();
        let b: Vec<f64> = lsb.iter().map(|v| dot(&beta, v)).collect();
        let beta_k: Vec<Vec<f64>> = lsb
            .iter()
            .map(|v| mv(&a_inv, v).into_iter().map(|x| -x).collect())
            .collect();
        let s_k: Vec<Mat<f64>> = pens
            .penalties()
            .iter()
            .zip(&lambda)
            .map(|(pen, &l)| {
                let mut s = Mat::<f64>::zeros(p, p);
                pens.add_scaled(&mut s, pen, l);
                s
            })
            .collect();
        let d_p_value = rss + b.iter().sum::<f64>();
        let mut d_p = smooth(d_p_value, m);
        let mut dev = smooth(rss, m);
        for k in 0..m {
            d_p.grad[k] = b[k];
            dev.grad[k] = -2.0 * dot(&beta_k[k], &slb);
            for j in 0..m {
                let lsj_bk = mv(&s_k[j], &beta_k[k]);
                d_p.hess[j * m + k] = if j == k { b[k] } else { 0.0 } + 2.0 * dot(&beta, &lsj_bk);
                // β_jk = −A⁻¹(λ_jS_jβ_k + λ_kS_kβ_j + δ_jk λ_jS_jβ̂)
                let lsk_bj = mv(&s_k[k], &beta_k[j]);
                let rhs: Vec<f64> = (0..p)
                    .map(|i| lsj_bk[i] + lsk_bj[i] + if j == k { lsb[j][i] } else { 0.0 })
                    .collect();
                let beta_jk = mv(&a_inv, &rhs);
                let xtx_bk = mv(&xtx, &beta_k[k]);
                dev.hess[j * m + k] = 2.0 * dot(&beta_k[j], &xtx_bk) + 2.0 * dot(&beta_jk, &slb);
            }
        }
        // The determinant term with its "inverse" (A⁻¹ or G).
        let (det_value, g) = if crit.uses_ml_determinant() {
            ml_determinant(&a, &penalty_range_basis(pens)).ok_or_else(singular)?
        } else {
            let l = llt.L();
            let log_det = 2.0 * (0..p).map(|i| l[(i, i)].ln()).sum::<f64>() - pens.ridge_log_det();
            (log_det, a_inv.clone())
        };
        let mut det = smooth(det_value, m);
        let g_s: Vec<Mat<f64>> = s_k.iter().map(|s| &g * s).collect();
        for k in 0..m {
            det.grad[k] = trace(&g_s[k]);
            for j in 0..m {
                det.hess[j * m + k] = if j == k { det.grad[k] } else { 0.0 } - trace_of_product(&g_s[j], &g_s[k]);
            }
        }
        let f = &a_inv * &xtx;
        let tr_f = trace(&f);
        let mut tr_a = smooth(tr_f, m);
        if crit.is_prediction_error() {
            let m_k: Vec<Mat<f64>> = s_k.iter().map(|s| &a_inv * s).collect();
            let mf: Vec<Mat<f64>> = m_k.iter().map(|mk| mk * &f).collect();
            for k in 0..m {
                tr_a.grad[k] = -trace(&mf[k]);
                for j in 0..m {
                    tr_a.hess[j * m + k] = trace_of_product(&m_k[j], &mf[k]) + trace_of_product(&m_k[k], &mf[j])
                        - if j == k { trace(&mf[k]) } else { 0.0 };
                }
            }
        }
        let ld = pens.log_det(&lambda);
        let parts = Parts {
            n: self.n as f64,
            mp: pens.null_space_dim() as f64,
            d_p,
            pearson: dev.clone(),
            dev,
            det,
            log_s: Smooth {
                value: ld.value,
                grad: ld.grad,
                hess: ld.hess,
            },
            tr_a,
        };
        let n = self.n as f64;
        let offset = self.score_offset;
        let ls = move |phi: f64| {
            [
                -n / 2.0 * (2.0 * PI * phi).ln() - offset,
                -n / (2.0 * phi),
                n / (2.0 * phi * phi),
            ]
        };
        let score = method::score(crit, gamma, &parts, scale, &ls);
        Ok(RemlEval {
            score: score.value,
            grad: score.grad,
            hess: score.hess,
            beta,
            a_inv,
            rss,
            d_p: d_p_value,
            d_p_grad: b,
            edf_total: tr_f,
            scale: score.scale,
        })
    }
}

/// A zero quantity in `m` parameters with value `value`.
fn smooth(value: f64, m: usize) -> Smooth {
    Smooth {
        value,
        grad: vec![0.0; m],
        hess: vec![0.0; m * m],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fit::method::{Criterion, Selection, assert_derivatives};

    fn check(crit: Criterion, gamma: f64) {
        let (prob, pens) = super::super::tests::problem();
        let param = crit.scale_is_parameter();
        let x0: Vec<f64> = if param { vec![1.0, 2.0, -2.5] } else { vec![1.0, 2.0] };
        let at = |x: &[f64]| {
            let scale = if param {
                ScaleArg::Parameter(x[2].exp())
            } else {
                ScaleArg::Derived
            };
            prob.criterion(&pens, &x[..2], crit, gamma, scale).unwrap()
        };
        let fd_at = |x: &[f64]| {
            let e = at(x);
            (e.score, e.grad, e.hess)
        };
        assert_derivatives(&x0, fd_at, &format!("{crit:?} γ={gamma}"));
    }

    #[test]
    fn every_criterion_s_derivatives_match_finite_differences() {
        for gamma in [1.0, 1.4] {
            for crit in [
                Criterion::Reml,
                Criterion::Ml,
                Criterion::PReml,
                Criterion::PMl,
                Criterion::Gcv,
                // GACV with γ ≠ 1 too: our derivatives are exact where mgcv's are not.
                Criterion::Gacv,
            ] {
                check(crit, gamma);
            }
        }
    }

    #[test]
    fn plain_reml_agrees_with_the_specialised_code() {
        let (prob, pens) = super::super::tests::problem();
        let rho = [0.7, -1.2];
        let phi = 0.3;
        let general = prob
            .criterion(&pens, &rho, Criterion::Reml, 1.0, ScaleArg::Parameter(phi))
            .unwrap();
        let special = prob.reml(&pens, &rho, super::super::Scale::Known(phi)).unwrap();
        assert!((general.score - special.score).abs() < 1e-12 * special.score.abs());
        for (g, s) in general.grad.iter().zip(&special.grad) {
            assert!((g - s).abs() < 1e-10 * (1.0 + s.abs()));
        }
        assert!(Selection::default().is_plain_reml());
    }
}
