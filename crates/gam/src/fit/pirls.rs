//! Penalised iteratively re-weighted least squares: the coefficients of a
//! generalized model at fixed smoothing parameters, as mgcv's `gam.fit3`
//! computes them.
//!
//! For a family with variance function V, link g and prior weights `w_p`,
//! the coefficients minimise the penalised deviance `D(β) + βᵀS_λβ`. Each
//! iteration solves the weighted problem
//!
//! ```text
//! (XᵀWX + S_λ) β = XᵀW z,   z = η − o + (y − μ) g'(μ) / α,   w = w_p α / (V g'²)
//! ```
//!
//! with `α = 1 + (y − μ)(V'/V + g''/g')`: these are full Newton weights,
//! the exact Hessian of D/2 in η, which the Laplace approximation needs
//! (Wood 2011, §3). For canonical links α = 1 and they are the Fisher
//! weights. When a Newton weight is negative and makes `XᵀWX + S_λ`
//! indefinite, that iteration uses the Fisher weights (α = 1) instead, as
//! mgcv does.
//!
//! Safeguards, as in mgcv: a step to a non-finite deviance or an invalid
//! mean is halved back towards the previous coefficients, and so is a step
//! that raises the penalised deviance. Convergence: the penalised deviance
//! changes by less than [`PIRLS_TOL`] relative and its gradient is below
//! [`PIRLS_TOL`] times it.

use faer::linalg::solvers::Solve;
use faer::{Mat, Side};
use rayon::prelude::*;

use super::accumulate::row_chunks;
use crate::error::{GamError, Result};
use crate::family::{Family, Link, Obs};

/// Relative convergence tolerance of the penalised deviance and its gradient.
/// Tighter than mgcv's 1e-7 so that the REML score is evaluated at the
/// converged coefficients to well below the accuracy it is compared at.
pub const PIRLS_TOL: f64 = 1e-10;

/// Iteration limit of one inner fit (mgcv's `maxit`).
pub const PIRLS_MAX_ITER: usize = 200;

/// Step halvings allowed while recovering from a bad step.
const MAX_STEP_HALVINGS: usize = 100;

/// A generalized penalised regression problem: data, family and link.
#[derive(Debug, Clone)]
pub struct GlmProblem {
    /// The n x p model matrix.
    pub x: Mat<f64>,
    /// Response and prior weight of each row.
    pub obs: Vec<Obs>,
    /// Binomial trials per row (1 unless the response is `cbind`).
    pub trials: Vec<f64>,
    /// Offset of each row.
    pub offset: Vec<f64>,
    /// The response distribution.
    pub family: Family,
    /// The link.
    pub link: Link,
    /// The family parameter (the negative binomial's θ; unused by other families).
    pub theta: f64,
}

/// Per-row quantities of the Newton weights at a mean vector.
#[derive(Debug, Clone)]
pub struct Weights {
    /// Newton weights `w_p α / (V g'²)`.
    pub w: Vec<f64>,
    /// Fisher weights `w_p / (V g'²)`.
    pub wf: Vec<f64>,
    /// `dw/dη`.
    pub w1: Vec<f64>,
    /// `d²w/dη²`.
    pub w2: Vec<f64>,
}

/// The converged inner fit.
#[derive(Debug, Clone)]
pub struct PirlsFit {
    /// Coefficients.
    pub beta: Vec<f64>,
    /// Linear predictor, offset included.
    pub eta: Vec<f64>,
    /// Fitted means.
    pub mu: Vec<f64>,
    /// Deviance.
    pub deviance: f64,
    /// `βᵀS_λβ`.
    pub penalty: f64,
    /// Inner iterations used.
    pub iterations: usize,
}

impl GlmProblem {
    /// Number of coefficients.
    pub fn p(&self) -> usize {
        self.x.ncols()
    }

    /// Number of rows.
    pub fn n(&self) -> usize {
        self.x.nrows()
    }

    /// `Xβ + offset`.
    pub fn linear_predictor(&self, beta: &[f64]) -> Vec<f64> {
        let mut eta = mat_vec(&self.x, beta);
        for (e, o) in eta.iter_mut().zip(&self.offset) {
            *e += o;
        }
        eta
    }

    /// The deviance at means `mu`.
    pub fn deviance(&self, mu: &[f64]) -> f64 {
        self.obs
            .iter()
            .zip(mu)
            .map(|(o, m)| self.family.deviance_residual(*o, *m, self.theta))
            .sum()
    }

    fn valid(&self, eta: &[f64], mu: &[f64]) -> bool {
        eta.iter().all(|&e| self.link.valid_eta(e)) && mu.iter().all(|&m| self.family.valid_mu(m))
    }

    /// R's starting means (`family$initialize`).
    pub fn initial_mu(&self) -> Vec<f64> {
        self.obs.iter().map(|o| self.family.initial_mu(*o)).collect()
    }

    /// Whether the Newton weights equal the Fisher weights (canonical link).
    pub fn canonical(&self) -> bool {
        self.family.is_canonical(self.link)
    }

    /// The Newton weights and their first two derivatives in η at means
    /// `mu`; with `fisher`, α is taken as 1 (Fisher scoring weights).
    ///
    /// With `q = 1/(V g'²)` and `b = V'/V + g''/g'`, `w = w_p α q` with
    /// `α = 1 + (y − μ) b`; differentiating in μ, `q' = q a` with
    /// `a = −V'/V − 2g''/g'`, `α' = −b + (y − μ) b'`, and `d/dη = (1/g') d/dμ`.
    pub fn weights(&self, mu: &[f64], fisher: bool) -> Weights {
        let n = mu.len();
        let mut out = Weights {
            w: vec![0.0; n],
            wf: vec![0.0; n],
            w1: vec![0.0; n],
            w2: vec![0.0; n],
        };
        let fisher = fisher || self.canonical();
        for (i, (&m, &o)) in mu.iter().zip(&self.obs).enumerate() {
            let [v0, v1, v2, v3] = self.family.variance(m, self.theta);
            let [g1, g2, g3, g4] = self.link.derivatives(m);
            let (rv1, rv2, rv3) = (v1 / v0, v2 / v0, v3 / v0);
            let (rg2, rg3, rg4) = (g2 / g1, g3 / g1, g4 / g1);
            let q = 1.0 / (v0 * g1 * g1);
            let a = -rv1 - 2.0 * rg2;
            let da = -(rv2 - rv1 * rv1) - 2.0 * (rg3 - rg2 * rg2);
            let q1 = q * a;
            let q2 = q * (a * a + da);
            let (alpha, alpha1, alpha2) = if fisher {
                (1.0, 0.0, 0.0)
            } else {
                let c = o.y - m;
                let b = rv1 + rg2;
                let b1 = rv2 - rv1 * rv1 + rg3 - rg2 * rg2;
                let b2 = rv3 - 3.0 * rv2 * rv1 + 2.0 * rv1.powi(3) + rg4 - 3.0 * rg3 * rg2 + 2.0 * rg2.powi(3);
                let alpha = 1.0 + c * b;
                (
                    if alpha == 0.0 { f64::EPSILON } else { alpha },
                    -b + c * b1,
                    -2.0 * b1 + c * b2,
                )
            };
            let dw = o.w * (alpha1 * q + alpha * q1);
            let d2w = o.w * (alpha2 * q + 2.0 * alpha1 * q1 + alpha * q2);
            out.w[i] = o.w * alpha * q;
            out.wf[i] = o.w * q;
            out.w1[i] = dw / g1;
            out.w2[i] = (d2w / g1 - dw * g2 / (g1 * g1)) / g1;
        }
        out
    }

    /// Fits the coefficients at total penalty `s_lambda`, starting from
    /// coefficients `start` (or from R's starting means when `None`);
    /// `null_coef` (coefficients of the constant model) is where step
    /// halving retreats to when the first step goes wrong.
    pub fn fit(&self, s_lambda: &Mat<f64>, start: Option<&[f64]>, null_coef: &[f64]) -> Result<PirlsFit> {
        let penalty_of = |b: &[f64]| quad(s_lambda, b);
        let (mut eta, mut beta) = match start {
            Some(b) => (self.linear_predictor(b), b.to_vec()),
            None => {
                let eta: Vec<f64> = self.initial_mu().iter().map(|&m| self.link.link(m)).collect();
                (eta, null_coef.to_vec())
            }
        };
        let null_eta = self.linear_predictor(null_coef);
        let mut mu: Vec<f64> = eta.iter().map(|&e| self.link.inverse(e)).collect();
        let mut tries = 0;
        while !self.valid(&eta, &mu) {
            tries += 1;
            if tries > 20 {
                return Err(GamError::Fit {
                    message: format!(
                        "no valid starting values for the {} family with the {} link",
                        self.family.name(),
                        self.link.name()
                    ),
                });
            }
            for (e, e0) in eta.iter_mut().zip(&null_eta) {
                *e = 0.9 * *e + 0.1 * e0;
            }
            mu = eta.iter().map(|&e| self.link.inverse(e)).collect();
        }
        let mut coef_old = if start.is_some() {
            beta.clone()
        } else {
            null_coef.to_vec()
        };
        let mut eta_old = if start.is_some() { eta.clone() } else { null_eta.clone() };
        let mut old_pdev = if start.is_some() {
            self.deviance(&mu) + penalty_of(&beta)
        } else {
            let mu0: Vec<f64> = null_eta.iter().map(|&e| self.link.inverse(e)).collect();
            self.deviance(&mu0) + penalty_of(null_coef)
        };
        let strictly_additive = self.family == Family::Gaussian && self.link == Link::Identity;
        let mut dev = f64::NAN;
        let mut pen = f64::NAN;
        for iter in 1..=PIRLS_MAX_ITER {
            let step = self.newton_step(&eta, &mu, s_lambda)?;
            beta = step;
            eta = self.linear_predictor(&beta);
            mu = eta.iter().map(|&e| self.link.inverse(e)).collect();
            dev = self.deviance(&mu);
            let mut halvings = 0;
            while !dev.is_finite() || !self.valid(&eta, &mu) {
                halvings += 1;
                if halvings > MAX_STEP_HALVINGS {
                    return Err(GamError::Fit {
                        message: "penalised IRLS could not find a step with a finite deviance".into(),
                    });
                }
                (mu, dev) = self.halve_step(&mut beta, &mut eta, &coef_old, &eta_old);
            }
            pen = penalty_of(&beta);
            let mut pdev = dev + pen;
            let div_thresh = 10.0 * (0.1 + old_pdev.abs()) * f64::EPSILON.sqrt();
            let mut halvings = 0;
            while pdev - old_pdev > div_thresh {
                halvings += 1;
                if halvings > MAX_STEP_HALVINGS {
                    return Err(GamError::Fit {
                        message: "penalised IRLS could not reduce the penalised deviance".into(),
                    });
                }
                (mu, dev) = self.halve_step(&mut beta, &mut eta, &coef_old, &eta_old);
                pen = penalty_of(&beta);
                pdev = dev + pen;
            }
            let converged = strictly_additive
                || ((pdev - old_pdev).abs() <= PIRLS_TOL * (1.0 + pdev.abs())
                    && self.gradient_norm(&beta, &mu, s_lambda) <= PIRLS_TOL * (1.0 + pdev.abs()));
            if converged {
                return Ok(PirlsFit {
                    beta,
                    eta,
                    mu,
                    deviance: dev,
                    penalty: pen,
                    iterations: iter,
                });
            }
            old_pdev = pdev;
            coef_old = beta.clone();
            eta_old = eta.clone();
        }
        Err(GamError::Fit {
            message: format!(
                "penalised IRLS did not converge in {PIRLS_MAX_ITER} iterations (deviance {dev:.6}, penalty {pen:.6})"
            ),
        })
    }

    /// Moves the coefficients and linear predictor half way back to the
    /// previous iterate; returns the new means and deviance.
    fn halve_step(&self, beta: &mut [f64], eta: &mut [f64], coef_old: &[f64], eta_old: &[f64]) -> (Vec<f64>, f64) {
        for (b, b0) in beta.iter_mut().zip(coef_old) {
            *b = 0.5 * (*b + b0);
        }
        for (e, e0) in eta.iter_mut().zip(eta_old) {
            *e = 0.5 * (*e + e0);
        }
        let mu: Vec<f64> = eta.iter().map(|&e| self.link.inverse(e)).collect();
        let dev = self.deviance(&mu);
        (mu, dev)
    }

    /// One penalised Newton step: the solution of `(XᵀWX + S_λ) β = XᵀWz`.
    fn newton_step(&self, eta: &[f64], mu: &[f64], s_lambda: &Mat<f64>) -> Result<Vec<f64>> {
        for fisher in [false, true] {
            if fisher && self.canonical() {
                break;
            }
            let wts = self.weights(mu, fisher);
            let n = self.n();
            // w z = w (η − o) + w_p α q (y − μ) g' / α = w (η − o) + w_f (y − μ) g'
            let wz: Vec<f64> = (0..n)
                .map(|i| {
                    let g1 = self.link.derivatives(mu[i])[0];
                    wts.w[i] * (eta[i] - self.offset[i]) + wts.wf[i] * (self.obs[i].y - mu[i]) * g1
                })
                .collect();
            let h = weighted_cross(&self.x, &wts.w) + s_lambda;
            let Ok(llt) = super::penalty::symmetrise(&h).llt(Side::Lower) else {
                continue;
            };
            let xtwz = mat_t_vec(&self.x, &wz);
            let rhs = Mat::from_fn(self.p(), 1, |j, _| xtwz[j]);
            let sol = llt.solve(&rhs);
            return Ok((0..self.p()).map(|j| sol[(j, 0)]).collect());
        }
        Err(GamError::Fit {
            message: "the penalised IRLS system is singular: some coefficients are not identifiable \
                      (check for collinear or constant covariates, or perfect separation)"
                .into(),
        })
    }

    /// Largest component of the gradient of the penalised deviance,
    /// `−2 Xᵀ(w_p (y − μ)/(V g')) + 2 S_λ β`.
    fn gradient_norm(&self, beta: &[f64], mu: &[f64], s_lambda: &Mat<f64>) -> f64 {
        let n = self.n();
        let r: Vec<f64> = (0..n)
            .map(|i| {
                let o = self.obs[i];
                let v = self.family.variance(mu[i], self.theta)[0];
                let g1 = self.link.derivatives(mu[i])[0];
                o.w * (o.y - mu[i]) / (v * g1)
            })
            .collect();
        let xtr = mat_t_vec(&self.x, &r);
        (0..self.p())
            .map(|j| {
                let xr = xtr[j];
                let sb: f64 = (0..self.p()).map(|k| s_lambda[(j, k)] * beta[k]).sum();
                (2.0 * (sb - xr)).abs()
            })
            .fold(0.0, f64::max)
    }
}

/// Rows per block in the row-parallel products below.
const BLOCK_ROWS: usize = 4096;

/// `X v`, by blocks of rows in parallel, each block column by column (X is stored by columns).
pub fn mat_vec(x: &Mat<f64>, v: &[f64]) -> Vec<f64> {
    let blocks: Vec<Vec<f64>> = row_chunks(x.nrows(), BLOCK_ROWS)
        .into_par_iter()
        .map(|r| {
            let mut out = vec![0.0; r.len()];
            for (j, &vj) in v.iter().enumerate() {
                if vj != 0.0 {
                    let col = x.col(j).subrows(r.start, r.len());
                    for (o, xij) in out.iter_mut().zip(col.iter()) {
                        *o += xij * vj;
                    }
                }
            }
            out
        })
        .collect();
    blocks.concat()
}

/// `Xᵀ v`, by blocks of rows in parallel.
pub fn mat_t_vec(x: &Mat<f64>, v: &[f64]) -> Vec<f64> {
    let p = x.ncols();
    row_chunks(x.nrows(), BLOCK_ROWS)
        .into_par_iter()
        .map(|r| {
            (0..p)
                .map(|j| {
                    let col = x.col(j).subrows(r.start, r.len());
                    col.iter().zip(&v[r.clone()]).map(|(a, b)| a * b).sum::<f64>()
                })
                .collect::<Vec<f64>>()
        })
        .reduce(|| vec![0.0; p], |a, b| a.iter().zip(&b).map(|(x, y)| x + y).collect())
}

/// `Xᵀ diag(d_k) X` for several weight vectors at once: one pass over blocks
/// of rows in parallel, each block one matrix product `X_cᵀ [D_1 X_c, D_2 X_c, ...]`.
pub fn weighted_crosses(x: &Mat<f64>, ds: &[&[f64]]) -> Vec<Mat<f64>> {
    let p = x.ncols();
    let k = ds.len();
    let total = row_chunks(x.nrows(), BLOCK_ROWS)
        .into_par_iter()
        .map(|r| {
            let xc = x.subrows(r.start, r.len());
            let mut b = Mat::<f64>::zeros(r.len(), p * k);
            for (m, d) in ds.iter().enumerate() {
                let d = &d[r.clone()];
                for j in 0..p {
                    for ((out, xv), dv) in b.col_mut(m * p + j).iter_mut().zip(xc.col(j).iter()).zip(d) {
                        *out = xv * dv;
                    }
                }
            }
            xc.transpose() * &b
        })
        .reduce(|| Mat::zeros(p, p * k), |a, b| a + b);
    (0..k)
        .map(|m| Mat::from_fn(p, p, |i, j| total[(i, m * p + j)]))
        .collect()
}

/// `diag(X A Xᵀ)` for a p x p matrix A, by blocks of rows in parallel.
pub fn quadratic_diagonal(x: &Mat<f64>, a: &Mat<f64>) -> Vec<f64> {
    let blocks: Vec<Vec<f64>> = row_chunks(x.nrows(), BLOCK_ROWS)
        .into_par_iter()
        .map(|r| {
            let xc = x.subrows(r.start, r.len());
            let xa = xc * a;
            let mut out = vec![0.0; r.len()];
            for j in 0..x.ncols() {
                for ((o, u), v) in out.iter_mut().zip(xa.col(j).iter()).zip(xc.col(j).iter()) {
                    *o += u * v;
                }
            }
            out
        })
        .collect();
    blocks.concat()
}

/// `Xᵀ diag(d) X`.
pub fn weighted_cross(x: &Mat<f64>, d: &[f64]) -> Mat<f64> {
    weighted_crosses(x, &[d]).pop().expect("one product")
}

/// `bᵀ S b`.
pub fn quad(s: &Mat<f64>, b: &[f64]) -> f64 {
    let p = b.len();
    (0..p)
        .map(|i| b[i] * (0..p).map(|j| s[(i, j)] * b[j]).sum::<f64>())
        .sum()
}
