//! The REML criterion of a penalised least-squares problem and its exact
//! first and second derivatives in the log smoothing parameters.
//!
//! After one pass over the data the problem is summarised by the `p x p`
//! triangular factor `R` of the (weighted) model matrix, `f = Qᵀz` and the
//! residual sum of squares outside the column space, so that every
//! evaluation below costs O(p³), independent of n:
//!
//! ```text
//! A = RᵀR + S_λ,   β̂ = A⁻¹ Rᵀ f,   D_p = ‖z − Xβ̂‖² + β̂ᵀ S_λ β̂
//! ```
//!
//! With the scale φ known (Wood 2011, eq. 4 for a Gaussian likelihood):
//!
//! ```text
//! V(ρ) = D_p / (2φ) + (n − M_p)/2 · log(2πφ) + ½ log|A| − ½ log|S_λ|_+
//! ```
//!
//! With φ estimated, mgcv minimises this same V jointly over `(ρ, τ = log φ)`
//! (see [`super::newton`]); the τ derivatives it needs are
//!
//! ```text
//! ∂V/∂τ = −D_p/(2φ) + (n − M_p)/2,   ∂²V/∂τ² = D_p/(2φ),   ∂²V/∂ρ_j∂τ = −λ_j β̂ᵀS_jβ̂ / (2φ)
//! ```
//!
//! so for given ρ the minimising scale is φ̂ = D_p / (n − M_p), and
//! [`Scale::Estimated`] evaluates the profiled criterion V(ρ, log φ̂(ρ)),
//! which has the same minimum:
//!
//! ```text
//! V(ρ) = (n − M_p)/2 · (1 + log(2π D_p / (n − M_p))) + ½ log|A| − ½ log|S_λ|_+
//! ```
//!
//! Derivatives use `∂D_p/∂ρ_j = λ_j β̂ᵀS_jβ̂` (β̂ minimises D_p),
//! `∂β̂/∂ρ_k = −λ_k A⁻¹ S_k β̂` and `∂ log|A| / ∂ρ_j = λ_j tr(A⁻¹ S_j)`.

use faer::linalg::solvers::DenseSolveCore;
use faer::prelude::*;
use faer::{Mat, Side};

use crate::design::PenaltySet;
use crate::error::{GamError, Result};
use crate::linalg::{dot, trace, trace_of_product};

/// Whether the scale parameter is known or estimated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scale {
    /// Known scale (e.g. 1 for Poisson and binomial).
    Known(f64),
    /// Estimated (profiled out of the criterion).
    Estimated,
}

/// A penalised least-squares problem reduced to its sufficient statistics.
#[derive(Debug, Clone)]
pub struct LsqProblem {
    /// Upper-triangular factor with `RᵀR = XᵀWX`.
    pub r: Mat<f64>,
    /// `Qᵀ z`: the response rotated into the column space.
    pub f: Vec<f64>,
    /// Weighted residual sum of squares outside the column space.
    pub rss0: f64,
    /// Number of observations.
    pub n: usize,
    /// mgcv's "null scale" `Σ wᵢ (yᵢ − ȳ)² / n` (ȳ the unweighted mean): the
    /// deviance per observation of the constant model, from which mgcv takes
    /// its initial scale for the outer iteration (see [`super::fit_reml`]).
    /// [`LsqProblem::from_dense`] computes it from the working response `z`;
    /// a caller whose `z` is the response minus an offset should set it from
    /// the response itself, as mgcv does.
    pub null_scale: f64,
    /// A constant added to the score: mgcv's `−Σ log(wᵢ)/2` from the
    /// Gaussian saturated log-likelihood when there are prior weights.
    pub score_offset: f64,
}

/// The criterion and everything derived at one ρ.
#[derive(Debug, Clone)]
pub struct RemlEval {
    /// The REML score V(ρ) (mgcv's `gcv.ubre` for `method = "REML"`).
    pub score: f64,
    /// ∂V/∂ρ.
    pub grad: Vec<f64>,
    /// ∂²V/∂ρ∂ρᵀ, row-major.
    pub hess: Vec<f64>,
    /// Coefficients.
    pub beta: Vec<f64>,
    /// `A⁻¹ = (XᵀWX + S_λ)⁻¹`.
    pub a_inv: Mat<f64>,
    /// Weighted residual sum of squares ‖z − Xβ̂‖².
    pub rss: f64,
    /// Penalised deviance D_p.
    pub d_p: f64,
    /// `∂D_p/∂ρ_j = λ_j β̂ᵀS_jβ̂`.
    pub d_p_grad: Vec<f64>,
    /// Effective degrees of freedom `tr(A⁻¹XᵀWX) = p − Σ_j λ_j tr(A⁻¹S_j)`
    /// (less `c tr(ZᵀA⁻¹Z)` when a ridge removes directions).
    pub edf_total: f64,
    /// The scale used (estimated or known).
    pub scale: f64,
}

impl LsqProblem {
    /// Reduces a dense weighted problem `min ‖√w (z − Xβ)‖²` by one QR
    /// factorisation of the augmented matrix `[√w X, √w z]`: its triangular
    /// factor holds R, f = Qᵀz and the residual norm, so Q is never formed.
    pub fn from_dense(x: &Mat<f64>, z: &[f64], w: Option<&[f64]>) -> LsqProblem {
        let n = x.nrows();
        let p = x.ncols();
        let sw = |i: usize| w.map_or(1.0, |w| w[i].sqrt());
        let aug = Mat::from_fn(n, p + 1, |i, j| if j < p { x[(i, j)] * sw(i) } else { z[i] * sw(i) });
        let r_aug = aug.qr().thin_R().to_owned();
        let r_aug = Mat::from_fn(p + 1, p + 1, |i, j| {
            if i < r_aug.nrows() && i <= j {
                r_aug[(i, j)]
            } else {
                0.0
            }
        });
        LsqProblem::from_factor(&r_aug, z, w)
    }

    /// The problem from the `(p+1) x (p+1)` triangular factor of the
    /// augmented matrix `[√w X, √w z]` (however it was computed), with the
    /// working response and weights for the null scale.
    pub fn from_factor(r_aug: &Mat<f64>, z: &[f64], w: Option<&[f64]>) -> LsqProblem {
        let p = r_aug.ncols() - 1;
        let n = z.len();
        let r = Mat::from_fn(p, p, |i, j| if i <= j { r_aug[(i, j)] } else { 0.0 });
        let f: Vec<f64> = (0..p).map(|i| r_aug[(i, p)]).collect();
        let rss0 = if n > p { r_aug[(p, p)].powi(2) } else { 0.0 };
        let mean = z.iter().sum::<f64>() / n as f64;
        let null_scale = (0..n)
            .map(|i| w.map_or(1.0, |w| w[i]) * (z[i] - mean).powi(2))
            .sum::<f64>()
            / n as f64;
        LsqProblem {
            r,
            f,
            rss0,
            n,
            null_scale,
            score_offset: 0.0,
        }
    }

    /// Number of coefficients.
    pub fn p(&self) -> usize {
        self.r.ncols()
    }

    /// `XᵀWX = RᵀR`.
    pub fn xtwx(&self) -> Mat<f64> {
        self.r.transpose() * &self.r
    }

    /// The penalised least-squares coefficients `β̂ = A⁻¹Rᵀf` from the Cholesky
    /// factor of `A = RᵀR + S_λ`, and the residual sum of squares at them.
    pub(super) fn coefficients(&self, llt: &faer::linalg::solvers::Llt<f64>) -> (Vec<f64>, f64) {
        let p = self.p();
        let rtf = Mat::from_fn(p, 1, |i, _| (0..p).map(|k| self.r[(k, i)] * self.f[k]).sum::<f64>());
        let beta_m = llt.solve(&rtf);
        let beta: Vec<f64> = (0..p).map(|i| beta_m[(i, 0)]).collect();
        let resid: f64 = (0..p)
            .map(|i| {
                let fit: f64 = (i..p).map(|k| self.r[(i, k)] * beta[k]).sum();
                (self.f[i] - fit).powi(2)
            })
            .sum();
        (beta, self.rss0 + resid)
    }

    /// Evaluates the REML criterion and its derivatives at ρ.
    pub fn reml(&self, pens: &PenaltySet, rho: &[f64], scale: Scale) -> Result<RemlEval> {
        let p = self.p();
        let m = pens.len();
        let lambda: Vec<f64> = rho.iter().map(|r| r.exp()).collect();
        let s_lambda = pens.total(&lambda);
        let a = self.xtwx() + &s_lambda;
        let a = crate::linalg::symmetrise(&a);
        let llt = a.llt(Side::Lower).map_err(|_| GamError::NotIdentifiable {
            terms: Vec::new(),
            symptom: "the penalised normal equations are singular".into(),
        })?;
        let log_det_a: f64 = {
            let l = llt.L();
            // Over the kept directions when a ridge removes some (see PenaltySet::ridge_log_det).
            2.0 * (0..p).map(|i| l[(i, i)].ln()).sum::<f64>() - pens.ridge_log_det()
        };
        let a_inv = llt.inverse();
        let (beta, rss) = self.coefficients(&llt);
        let sb: Vec<Vec<f64>> = (0..m).map(|j| pens.apply(j, &beta)).collect();
        // b_j = λ_j β'S_jβ
        let b: Vec<f64> = (0..m).map(|j| lambda[j] * dot(&beta, &sb[j])).collect();
        let d_p = rss + b.iter().sum::<f64>();
        let ld = pens.log_det(&lambda);
        let mp = pens.null_space_dim() as f64;
        let n = self.n as f64;
        let nu = n - mp;

        // A⁻¹ S_j λ_j, the building block of both trace terms.
        let mut ainv_s = Vec::with_capacity(m);
        for (j, pen) in pens.penalties().iter().enumerate() {
            let mut s_full = Mat::<f64>::zeros(p, p);
            pens.add_scaled(&mut s_full, pen, lambda[j]);
            ainv_s.push(&a_inv * &s_full);
        }
        // A⁻¹ S_k β λ_k, for the derivative of β̂.
        let ainv_sb: Vec<Vec<f64>> = (0..m)
            .map(|k| {
                (0..p)
                    .map(|i| lambda[k] * (0..p).map(|c| a_inv[(i, c)] * sb[k][c]).sum::<f64>())
                    .collect()
            })
            .collect();

        let (score, scale_used, dp_coef) = match scale {
            Scale::Estimated => {
                let phi = d_p / nu;
                let score =
                    0.5 * nu * (1.0 + (2.0 * std::f64::consts::PI * phi).ln()) + 0.5 * log_det_a - 0.5 * ld.value;
                (score, phi, 0.5 * nu / d_p)
            }
            Scale::Known(phi) => {
                let score = d_p / (2.0 * phi) + 0.5 * nu * (2.0 * std::f64::consts::PI * phi).ln() + 0.5 * log_det_a
                    - 0.5 * ld.value;
                (score, phi, 0.5 / phi)
            }
        };

        let score = score + self.score_offset;
        let mut grad = vec![0.0; m];
        let mut hess = vec![0.0; m * m];
        let traces: Vec<f64> = ainv_s.iter().map(trace).collect();
        for j in 0..m {
            let tr_j = traces[j];
            grad[j] = dp_coef * b[j] + 0.5 * tr_j - 0.5 * ld.grad[j];
            for k in 0..m {
                // ∂b_j/∂ρ_k = δ_jk b_j − 2 λ_j β'S_j A⁻¹ S_k β λ_k
                let cross = 2.0 * lambda[j] * dot(&sb[j], &ainv_sb[k]);
                let d2dp = if j == k { b[j] } else { 0.0 } - cross;
                let mut h = dp_coef * d2dp;
                if scale == Scale::Estimated {
                    h -= 0.5 * nu * b[j] * b[k] / (d_p * d_p);
                }
                let tr_jk = trace_of_product(&ainv_s[j], &ainv_s[k]);
                h += 0.5 * (if j == k { tr_j } else { 0.0 } - tr_jk);
                h -= 0.5 * ld.hess[j * m + k];
                hess[j * m + k] = h;
            }
        }
        let edf_total = p as f64 - traces.iter().sum::<f64>() - pens.ridge_trace(&a_inv);
        Ok(RemlEval {
            score,
            grad,
            hess,
            beta,
            a_inv,
            rss,
            d_p,
            d_p_grad: b,
            edf_total,
            scale: scale_used,
        })
    }
}
