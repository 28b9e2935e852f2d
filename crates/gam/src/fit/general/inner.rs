//! The inner fit of a general family: Newton's method on the coefficients for a fixed
//! smoothing parameter vector (mgcv's `gam.fit5`, gam.fit4.r 950-1240), maximising the
//! penalised log-likelihood `ℓ(β) − βᵀS_λβ/2`.
//!
//! With `η_a = X_a β_a` (the columns `lpi[a]` of the model matrix), the gradient is
//! `Σ_i X_{a,i} ∂ℓ_i/∂η_a` and the Hessian block `(a, b)` is `X_aᵀ diag(∂²ℓ/∂η_a∂η_b) X_b`.
//! Each iteration solves `H_p Δ = ∇` with `H_p = −ℓ_ββ + S_λ` (made positive definite, as
//! mgcv's `eigen.fix` does, when it is not), limits the step to a tenth of `‖β‖` as mgcv
//! does, halves it until the penalised log-likelihood increases, and stops when the largest
//! gradient component is below [`INNER_TOL`] relative to the penalised log-likelihood (mgcv's
//! `epsilon` = 1e-7; tighter here so that the outer criterion is smooth to ~1e-10).

use std::ops::Range;

use faer::linalg::solvers::DenseSolveCore;
use faer::{Mat, Side};

use crate::error::{GamError, Result};
use crate::family::general::{GeneralFamily, PointDerivs, eta_derivs};

/// Relative gradient tolerance of the inner Newton iteration.
pub const INNER_TOL: f64 = 1e-11;

/// Iteration limit of the inner Newton iteration (mgcv: `2 · maxit` = 400).
pub const INNER_MAX_ITER: usize = 400;

/// The data of a general-family fit.
#[derive(Debug, Clone)]
pub struct Problem {
    /// The stacked model matrix.
    pub x: Mat<f64>,
    /// Each predictor's columns.
    pub lpi: Vec<Range<usize>>,
    /// The response.
    pub y: Vec<f64>,
    /// The family.
    pub family: GeneralFamily,
}

/// The log-likelihood at some β with its derivatives in the linear predictors per observation.
#[derive(Debug, Clone)]
pub struct AtBeta {
    /// `Σ ℓ_i`.
    pub ll: f64,
    /// Per observation, the derivatives in η up to the order asked for.
    pub d: Vec<PointDerivs>,
    /// The linear predictors, `eta[a][i]`.
    pub eta: Vec<Vec<f64>>,
}

impl Problem {
    /// Number of linear predictors.
    pub fn m(&self) -> usize {
        self.lpi.len()
    }

    /// `η_a = X_a β_a` for every predictor.
    pub fn eta(&self, beta: &[f64]) -> Vec<Vec<f64>> {
        self.lpi.iter().map(|r| self.x_times(r, &beta[r.clone()])).collect()
    }

    /// `X_r v` for the columns `r`.
    pub fn x_times(&self, r: &Range<usize>, v: &[f64]) -> Vec<f64> {
        let n = self.x.nrows();
        let mut out = vec![0.0; n];
        for (j, &vj) in r.clone().zip(v) {
            if vj == 0.0 {
                continue;
            }
            for (o, &xij) in out.iter_mut().zip(self.x.col_as_slice(j)) {
                *o += xij * vj;
            }
        }
        out
    }

    /// ℓ and its η-derivatives up to `order` at β.
    pub fn at(&self, beta: &[f64], order: usize) -> AtBeta {
        let eta = self.eta(beta);
        let m = self.m();
        let mut ll = 0.0;
        let mut d = Vec::with_capacity(if order > 0 { self.y.len() } else { 0 });
        for (i, &y) in self.y.iter().enumerate() {
            let h: Vec<[f64; 5]> = (0..m).map(|a| self.family.inverse_link(a, eta[a][i])).collect();
            let theta: Vec<f64> = h.iter().map(|v| v[0]).collect();
            let pd = self.family.param_derivs(y, &theta, order);
            ll += pd.l0;
            if order > 0 {
                d.push(eta_derivs(&pd, &h, order));
            }
        }
        AtBeta { ll, d, eta }
    }

    /// `Σ_ab X_aᵀ diag(w_ab) X_b` placed in the `(a, b)` blocks, with `w_ab` = `w(i, a, b)`.
    pub fn weighted_cross(&self, w: impl Fn(usize, usize, usize) -> f64) -> Mat<f64> {
        let p = self.x.ncols();
        let n = self.x.nrows();
        let mut out = Mat::<f64>::zeros(p, p);
        for (a, ra) in self.lpi.iter().enumerate() {
            for (b, rb) in self.lpi.iter().enumerate().skip(a) {
                let wx = Mat::<f64>::from_fn(n, rb.len(), |i, j| w(i, a, b) * self.x[(i, rb.start + j)]);
                let xa = self.x.as_ref().subcols(ra.start, ra.len());
                let block = xa.transpose() * &wx;
                for r in 0..ra.len() {
                    for c in 0..rb.len() {
                        out[(ra.start + r, rb.start + c)] = block[(r, c)];
                        out[(rb.start + c, ra.start + r)] = block[(r, c)];
                    }
                }
            }
        }
        out
    }

    /// The gradient of ℓ in β.
    pub fn gradient(&self, at: &AtBeta) -> Vec<f64> {
        let mut g = vec![0.0; self.x.ncols()];
        for (a, r) in self.lpi.iter().enumerate() {
            for j in r.clone() {
                g[j] = self.x.col_as_slice(j).iter().zip(&at.d).map(|(x, d)| x * d.l1[a]).sum();
            }
        }
        g
    }

    /// `−ℓ_ββ`.
    pub fn neg_hessian(&self, at: &AtBeta) -> Mat<f64> {
        let m = self.m();
        self.weighted_cross(|i, a, b| -at.d[i].l2[a * m + b])
    }
}

/// `S v`.
pub(crate) fn mat_vec(s: &Mat<f64>, v: &[f64]) -> Vec<f64> {
    (0..s.nrows())
        .map(|i| (0..s.ncols()).map(|j| s[(i, j)] * v[j]).sum())
        .collect()
}

/// A symmetric matrix's inverse and log-determinant by Cholesky; `None` when it is not
/// positive definite.
pub(crate) fn chol_inverse(h: &Mat<f64>) -> Option<(Mat<f64>, f64)> {
    let llt = h.llt(Side::Lower).ok()?;
    let l = llt.L();
    let log_det = 2.0 * (0..h.nrows()).map(|i| l[(i, i)].ln()).sum::<f64>();
    Some((llt.inverse(), log_det))
}

/// `H⁻¹ g` for a Newton step, with `H` made positive definite first when it is not (its
/// eigenvalues replaced by their absolute values, floored at `max·√ε`; mgcv's `eigen.fix`).
pub(crate) fn newton_step(h: &Mat<f64>, g: &[f64]) -> Result<Vec<f64>> {
    if let Some((inv, _)) = chol_inverse(h) {
        return Ok(mat_vec(&inv, g));
    }
    let eig = crate::linalg::symmetrise(h)
        .self_adjoint_eigen(Side::Lower)
        .map_err(|_| not_converged("the penalised Hessian has no eigen-decomposition"))?;
    let p = h.nrows();
    let s: Vec<f64> = (0..p).map(|i| eig.S()[i].abs()).collect();
    let floor = s.iter().cloned().fold(0.0, f64::max) * f64::EPSILON.sqrt();
    let u = eig.U();
    let ug: Vec<f64> = (0..p).map(|c| (0..p).map(|i| u[(i, c)] * g[i]).sum()).collect();
    Ok((0..p)
        .map(|i| (0..p).map(|c| u[(i, c)] * ug[c] / s[c].max(floor)).sum())
        .collect())
}

fn not_converged(message: &str) -> GamError {
    GamError::Term {
        term: "the general family's inner fit".into(),
        message: format!("{message}: try fewer or smaller smooths"),
    }
}

/// The penalised log-likelihood `ℓ − βᵀSβ/2`.
pub(crate) fn penalised(ll: f64, s: &Mat<f64>, beta: &[f64]) -> f64 {
    ll - 0.5 * crate::linalg::dot(beta, &mat_vec(s, beta))
}

/// Maximises `ℓ(β) − βᵀSβ/2` from `start` (module doc); the maximiser.
pub fn fit_beta(prob: &Problem, s: &Mat<f64>, start: &[f64]) -> Result<Vec<f64>> {
    let mut beta = start.to_vec();
    let mut at = prob.at(&beta, 2);
    if !at.ll.is_finite() {
        return Err(not_converged("the log-likelihood is not finite at the starting values"));
    }
    let mut pll = penalised(at.ll, s, &beta);
    for _ in 0..INNER_MAX_ITER {
        let sb = mat_vec(s, &beta);
        let grad: Vec<f64> = prob.gradient(&at).iter().zip(&sb).map(|(g, v)| g - v).collect();
        let max_grad = grad.iter().fold(0.0f64, |m, g| m.max(g.abs()));
        if max_grad < INNER_TOL * pll.abs().max(1.0) {
            return Ok(beta);
        }
        let hp = prob.neg_hessian(&at) + s;
        let mut step = newton_step(&hp, &grad)?;
        let c_norm = crate::linalg::dot(&beta, &beta).sqrt();
        let s_norm = crate::linalg::dot(&step, &step).sqrt();
        if c_norm > 0.0 && s_norm > 0.1 * c_norm {
            step.iter_mut().for_each(|v| *v *= 0.1 * c_norm / s_norm);
        }
        let mut accepted = false;
        for halving in 0..40 {
            let trial: Vec<f64> = beta.iter().zip(&step).map(|(b, d)| b + d).collect();
            let t = prob.at(&trial, 0);
            let tp = penalised(t.ll, s, &trial);
            if tp.is_finite() && tp >= pll {
                accepted = tp > pll || halving == 0;
                if accepted {
                    beta = trial;
                    pll = tp;
                }
                break;
            }
            step.iter_mut().for_each(|v| *v *= if halving < 5 { 0.5 } else { 0.2 });
        }
        if !accepted {
            // No step improves: at a maximum to rounding.
            return Ok(beta);
        }
        at = prob.at(&beta, 2);
    }
    Ok(beta)
}
