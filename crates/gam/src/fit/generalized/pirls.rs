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
//! A family given by its deviance's μ-derivatives (mgcv's `Dd`: betar) takes w and z from them
//! ([`crate::family::DevDerivs`], as `gam.fit4`), falling back to `½ E[∂²D/∂η²]` when indefinite
//! (ours; `gam.fit4` handles negative weights in its QR; the converged β̂ is the same).
//!
//! Safeguards, as in mgcv: a step to a non-finite deviance or an invalid
//! mean is halved back towards the previous coefficients, and so is a step
//! that raises the penalised deviance. Convergence: the penalised deviance
//! changes by less than [`PIRLS_TOL`] relative and its gradient is below
//! [`PIRLS_TOL`] times it.
//!
//! **One pass over the rows per iteration.** X may be rebuilt chunk by chunk
//! ([`ModelRows`]), so each iteration reads it once: the pass at new
//! coefficients β forms `η = Xβ + o` block by block and, from the same
//! block, accumulates `XᵀWX`, `XᵀWz` and the deviance gradient `Xᵀr` at
//! that η ([`WorkingSums`]). Step halving works on the stored η of the two
//! iterates (η is linear in β) and then needs one more pass at the halved
//! point. The converged fit keeps `XᵀWX` at β̂, which the Laplace REML
//! criterion needs next.

use faer::linalg::solvers::Solve;
use faer::{Mat, Side};

use super::rows::ModelRows;
use crate::error::{GamError, InnerFailure, Result};
use crate::family::{Family, Link, Obs, ocat};
use crate::linalg::blocks::{block_mat_vec, sum_mats};

/// Relative convergence tolerance of the penalised deviance and its gradient.
/// Tighter than mgcv's 1e-7 so that the REML score is evaluated at the
/// converged coefficients to well below the accuracy it is compared at.
pub const PIRLS_TOL: f64 = 1e-10;

/// Iteration limit of one inner fit (mgcv's `maxit`).
pub const PIRLS_MAX_ITER: usize = 200;

/// Step halvings allowed while recovering from a bad step.
const MAX_STEP_HALVINGS: usize = 100;

/// Iterations in a row with the penalised deviance converged and the
/// gradient not halving after which the gradient is taken to be at its
/// rounding floor (see [`Stall`]).
const STALL_ITERS: usize = 3;

/// Whether the Newton iteration has stalled at the rounding floor of its
/// gradient.
///
/// With very large smoothing parameters (a smooth penalised to its null
/// space) the gradient `XᵀW(z − Xβ) − S_λβ` is a difference of terms many
/// orders of magnitude larger than [`PIRLS_TOL`] allows it to be, so it
/// cannot get below that: measured on a Gamma fit of 24 rows, the
/// deviance settled to 1e-10 relative in three steps and the gradient then
/// wandered between 5e-10 and 7e-10 against a limit of 1.2e-10 until the
/// 200-iteration limit, in 5 of the fit's 18 inner fits (1033 iterations
/// against 30). Once the deviance criterion has held for [`STALL_ITERS`]
/// iterations in a row and the gradient has not halved over them, more
/// iterations only move the coefficients within rounding: the iterate is
/// converged as far as the arithmetic allows.
#[derive(Default)]
struct Stall {
    /// Gradient norms of the current run of iterations whose deviance met the criterion.
    grads: Vec<f64>,
}

impl Stall {
    /// Records an iteration; true when the iteration has stalled.
    fn stalled(&mut self, deviance_converged: bool, grad: f64) -> bool {
        if !deviance_converged {
            self.grads.clear();
            return false;
        }
        self.grads.push(grad);
        let n = self.grads.len();
        n > STALL_ITERS && {
            let recent = self.grads[n - STALL_ITERS..]
                .iter()
                .copied()
                .fold(f64::INFINITY, f64::min);
            recent > 0.5 * self.grads[n - 1 - STALL_ITERS]
        }
    }
}

/// A generalized penalised regression problem: data, family and link.
#[derive(Debug, Clone)]
pub struct GlmProblem {
    /// The n x p model matrix, held or rebuilt by chunks.
    pub x: ModelRows,
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
    /// The family parameters as the family's functions take them (the negative binomial's θ;
    /// empty for a family without any).
    pub theta: Vec<f64>,
    /// Whether `theta` is fixed (mgcv's `n.theta = 0`: a family given with `theta =`), so that
    /// only the smoothing parameters are estimated.
    pub theta_fixed: bool,
    /// Where the estimation of the family parameters starts, in the optimiser's scale (mgcv's
    /// `theta =` with negative values); `None` for the family's default start.
    pub t_start: Option<Vec<f64>>,
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
    /// `XᵀWX` with the Newton weights at β̂.
    pub xtwx: Mat<f64>,
}

/// The constant-mean model the inner iteration starts from and retreats to.
#[derive(Debug, Clone)]
pub struct NullFit {
    /// Its coefficients (mgcv's `null.coef`).
    pub coef: Vec<f64>,
    /// Its linear predictor `X coef + offset`.
    pub eta: Vec<f64>,
}

/// What one pass over the rows accumulates at a linear predictor η.
#[derive(Debug, Clone)]
pub struct WorkingSums {
    /// `XᵀWX` (Newton weights unless the pass was asked for Fisher weights).
    pub xtwx: Mat<f64>,
    /// `XᵀWz` with the working response z.
    pub xtwz: Vec<f64>,
    /// `Xᵀr` with `r = w_p (y − μ)/(V g')`: minus half the deviance gradient.
    pub xtr: Vec<f64>,
    /// `zᵀWz` over the rows with positive weight.
    pub ztwz: f64,
}

impl GlmProblem {
    /// How many family parameters are estimated with the smoothing parameters: the family's
    /// number, none when they are fixed.
    pub fn n_theta_estimated(&self) -> usize {
        if self.theta_fixed { 0 } else { self.family.n_theta() }
    }

    /// Number of coefficients.
    pub fn p(&self) -> usize {
        self.x.p()
    }

    /// Number of rows.
    pub fn n(&self) -> usize {
        self.x.n()
    }

    /// `Xβ + offset`.
    pub fn linear_predictor(&self, beta: &[f64]) -> Result<Vec<f64>> {
        let mut eta = self.x.mat_vec(beta)?;
        for (e, o) in eta.iter_mut().zip(&self.offset) {
            *e += o;
        }
        Ok(eta)
    }

    /// The constant-mean model: coefficients fitting the link of the mean response by least
    /// squares (mgcv's `null.coef`; non-finite ones set to 0) and their linear predictor.
    pub fn null_fit(&self) -> Result<NullFit> {
        let n = self.n();
        let p = self.p();
        let mean = self.obs.iter().map(|o| o.y).sum::<f64>() / n as f64;
        let z = vec![self.link.link(mean); n];
        let r = self.x.triangular_factor(None, Some(&z))?;
        // Back substitution R β = Qᵀz; a zero pivot (a column dependent on earlier ones) gets 0.
        let mut coef = vec![0.0; p];
        for j in (0..p).rev() {
            let rhs = r[(j, p)] - (j + 1..p).map(|k| r[(j, k)] * coef[k]).sum::<f64>();
            let c = rhs / r[(j, j)];
            coef[j] = if c.is_finite() && r[(j, j)].abs() > f64::EPSILON * r[(0, 0)].abs() {
                c
            } else {
                0.0
            };
        }
        let eta = self.linear_predictor(&coef)?;
        Ok(NullFit { coef, eta })
    }

    /// The deviance at means `mu`.
    pub fn deviance(&self, mu: &[f64]) -> f64 {
        self.obs
            .iter()
            .zip(mu)
            .map(|(o, m)| self.family.deviance_residual(*o, *m, &self.theta))
            .sum()
    }

    fn valid(&self, eta: &[f64], mu: &[f64]) -> bool {
        eta.iter().all(|&e| self.link.valid_eta(e)) && mu.iter().all(|&m| self.family.valid_mu(m))
    }

    /// R's starting means (`family$initialize`).
    pub fn initial_mu(&self) -> Vec<f64> {
        if self.family == Family::Cnorm && self.link != Link::Identity {
            // mgcv's cnorm: pmax(y, min(y > 0)), a logical's minimum: max(y, 1) when every y
            // is positive, max(y, 0) otherwise.
            let floor = if self.obs.iter().all(|o| o.y > 0.0) { 1.0 } else { 0.0 };
            return self.obs.iter().map(|o| o.y.max(floor)).collect();
        }
        if let Family::Ocat(_) = self.family {
            // mgcv's ocat initialize: the middle of the row's class at the starting cut points.
            return self.obs.iter().map(|o| ocat::start_mu(o.y, &self.theta)).collect();
        }
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
            let [w, wf, w1, w2] = self.weight_row(m, o, fisher);
            out.w[i] = w;
            out.wf[i] = wf;
            out.w1[i] = w1;
            out.w2[i] = w2;
        }
        out
    }

    /// `(w, w_f, g'(μ), V(μ))` of one row: what an IRLS pass needs, without the weights'
    /// derivatives.
    fn irls_row(&self, m: f64, o: Obs, fisher: bool) -> (f64, f64, f64, f64) {
        let [v0, v1, _, _] = self.family.variance(m, &self.theta);
        let [g1, g2, _, _] = self.link.derivatives(m);
        let q = 1.0 / (v0 * g1 * g1);
        let alpha = if fisher {
            1.0
        } else {
            newton_alpha(o.y - m, v1 / v0 + g2 / g1)
        };
        (o.w * alpha * q, o.w * q, g1, v0)
    }

    /// `[w, w_f, dw/dη, d²w/dη²]` of one row with mean `m` ([`GlmProblem::weights`]).
    fn weight_row(&self, m: f64, o: Obs, fisher: bool) -> [f64; 4] {
        if let Some(d) = self.family.dev_derivatives(o, m, &self.theta) {
            // An extended family given by its deviance derivatives (family::DevDerivs).
            let [w, wf, w1, w2, _] = d.eta_weights(self.link.derivatives(m));
            return if fisher { [wf, wf, 0.0, 0.0] } else { [w, wf, w1, w2] };
        }
        let [v0, v1, v2, v3] = self.family.variance(m, &self.theta);
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
            (newton_alpha(c, b), -b + c * b1, -2.0 * b1 + c * b2)
        };
        let dw = o.w * (alpha1 * q + alpha * q1);
        let d2w = o.w * (alpha2 * q + 2.0 * alpha1 * q1 + alpha * q2);
        [o.w * alpha * q, o.w * q, dw / g1, (d2w / g1 - dw * g2 / (g1 * g1)) / g1]
    }

    /// One pass over the rows: at `beta` (η = Xβ + offset, formed in the same pass and
    /// returned) or at a given `eta`, accumulates `XᵀWX`, `XᵀWz` and `Xᵀr` (see [`WorkingSums`]);
    /// Fisher weights with `fisher`.
    pub fn working_sums(&self, at: At<'_>, fisher: bool) -> Result<(Vec<f64>, WorkingSums)> {
        let p = self.p();
        let fisher = fisher || self.canonical();
        let parts = self.x.map_blocks(|r, xc| {
            let eta_c: Vec<f64> = match at {
                At::Beta(beta) => block_mat_vec(xc, beta)
                    .into_iter()
                    .zip(&self.offset[r.clone()])
                    .map(|(e, o)| e + o)
                    .collect(),
                At::Eta(eta) => eta[r.clone()].to_vec(),
            };
            // B = [W X_c, W z, r]: one product X_cᵀ B gives XᵀWX, XᵀWz and Xᵀr of the block.
            let rows = r.len();
            let mut w = vec![0.0; rows];
            let mut wz = vec![0.0; rows];
            let mut res = vec![0.0; rows];
            for (i, &e) in eta_c.iter().enumerate() {
                let row = r.start + i;
                let o = self.obs[row];
                let m = self.link.inverse(e);
                if let Some(d) = self.family.dev_derivatives(o, m, &self.theta) {
                    // z = η − o + r/w with r = −½ ∂D/∂η (family::DevDerivs).
                    let [wn, wf, _, _, r] = d.eta_weights(self.link.derivatives(m));
                    let wi = if fisher { wf } else { wn };
                    w[i] = wi;
                    wz[i] = wi * (e - self.offset[row]) + r;
                    res[i] = r;
                    continue;
                }
                let (wi, wfi, g1, v) = self.irls_row(m, o, fisher);
                w[i] = wi;
                // w z = w (η − o) + w_p α q (y − μ) g' / α = w (η − o) + w_f (y − μ) g'
                wz[i] = wi * (e - self.offset[row]) + wfi * (o.y - m) * g1;
                res[i] = o.w * (o.y - m) / (v * g1);
            }
            let mut b = Mat::<f64>::zeros(rows, p + 2);
            for j in 0..p {
                for ((o, x), wi) in b.col_mut(j).iter_mut().zip(xc.col(j).iter()).zip(&w) {
                    *o = x * wi;
                }
            }
            for (k, v) in [(p, &wz), (p + 1, &res)] {
                for (o, vi) in b.col_mut(k).iter_mut().zip(v) {
                    *o = *vi;
                }
            }
            let prod = xc.transpose() * &b;
            // zᵀWz = Σ (wz)²/w over rows with positive weight.
            let ztwz: f64 = wz
                .iter()
                .zip(&w)
                .filter(|(_, w)| **w > 0.0)
                .map(|(v, w)| v * v / w)
                .sum();
            (eta_c, prod, ztwz)
        })?;
        let mut eta = Vec::with_capacity(self.n());
        let mut prods = Vec::with_capacity(parts.len());
        let mut ztwz = 0.0;
        for (e, m, z) in parts {
            eta.extend(e);
            prods.push(m);
            ztwz += z;
        }
        let total = sum_mats(prods, p, p + 2);
        let acc = WorkingSums {
            xtwx: Mat::from_fn(p, p, |i, j| total[(i, j)]),
            xtwz: (0..p).map(|i| total[(i, p)]).collect(),
            xtr: (0..p).map(|i| total[(i, p + 1)]).collect(),
            ztwz,
        };
        Ok((eta, acc))
    }

    /// Fits the coefficients at total penalty `s_lambda`, starting from
    /// coefficients `start` (or from R's starting means when `None`); `null`
    /// (the constant-mean model) is where step halving retreats to when the
    /// first step goes wrong.
    pub fn fit(&self, s_lambda: &Mat<f64>, start: Option<&[f64]>, null: &NullFit) -> Result<PirlsFit> {
        let penalty_of = |b: &[f64]| quad(s_lambda, b);
        let inverse = |eta: &[f64]| -> Vec<f64> { eta.iter().map(|&e| self.link.inverse(e)).collect() };
        // The working sums at the current η, when they are up to date.
        let (mut eta, mut beta, mut acc) = match start {
            Some(b) => {
                let (eta, acc) = self.working_sums(At::Beta(b), false)?;
                (eta, b.to_vec(), Some(acc))
            }
            None => {
                let eta: Vec<f64> = self.initial_mu().iter().map(|&m| self.link.link(m)).collect();
                (eta, null.coef.clone(), None)
            }
        };
        let mut mu = inverse(&eta);
        let mut tries = 0;
        while !self.valid(&eta, &mu) {
            tries += 1;
            if tries > 20 {
                return Err(GamError::InnerFailed {
                    failure: InnerFailure::NoValidStart {
                        family: self.family.name().to_string(),
                        link: self.link.name().to_string(),
                    },
                });
            }
            for (e, e0) in eta.iter_mut().zip(&null.eta) {
                *e = 0.9 * *e + 0.1 * e0;
            }
            mu = inverse(&eta);
            acc = None;
        }
        let mut coef_old = if start.is_some() {
            beta.clone()
        } else {
            null.coef.clone()
        };
        let mut eta_old = if start.is_some() { eta.clone() } else { null.eta.clone() };
        let mut old_pdev = if start.is_some() {
            self.deviance(&mu) + penalty_of(&beta)
        } else {
            self.deviance(&inverse(&null.eta)) + penalty_of(&null.coef)
        };
        let strictly_additive = self.family == Family::Gaussian && self.link == Link::Identity;
        let mut dev = f64::NAN;
        let mut pen = f64::NAN;
        let mut stall = Stall::default();
        for iter in 1..=PIRLS_MAX_ITER {
            let here = match acc.take() {
                Some(a) => a,
                None => self.working_sums(At::Eta(&eta), false)?.1,
            };
            beta = self.newton_step(&here, &eta, s_lambda)?;
            let (eta_new, acc_new) = self.working_sums(At::Beta(&beta), false)?;
            eta = eta_new;
            let mut fresh = true;
            mu = inverse(&eta);
            dev = self.deviance(&mu);
            let mut halvings = 0;
            while !dev.is_finite() || !self.valid(&eta, &mu) {
                halvings += 1;
                if halvings > MAX_STEP_HALVINGS {
                    return Err(GamError::InnerFailed {
                        failure: InnerFailure::NonFiniteDeviance,
                    });
                }
                (mu, dev) = self.halve_step(&mut beta, &mut eta, &coef_old, &eta_old);
                fresh = false;
            }
            pen = penalty_of(&beta);
            let mut pdev = dev + pen;
            let div_thresh = 10.0 * (0.1 + old_pdev.abs()) * f64::EPSILON.sqrt();
            let mut halvings = 0;
            while pdev - old_pdev > div_thresh {
                halvings += 1;
                if halvings > MAX_STEP_HALVINGS {
                    return Err(GamError::InnerFailed {
                        failure: InnerFailure::DevianceNotReduced,
                    });
                }
                (mu, dev) = self.halve_step(&mut beta, &mut eta, &coef_old, &eta_old);
                fresh = false;
                pen = penalty_of(&beta);
                pdev = dev + pen;
            }
            let here = if fresh {
                acc_new
            } else {
                self.working_sums(At::Eta(&eta), false)?.1
            };
            let deviance_converged = (pdev - old_pdev).abs() <= PIRLS_TOL * (1.0 + pdev.abs());
            let converged = strictly_additive || {
                let grad = gradient_norm(&here, &beta, s_lambda);
                (deviance_converged && grad <= PIRLS_TOL * (1.0 + pdev.abs()))
                    || stall.stalled(deviance_converged, grad)
            };
            if converged {
                return Ok(PirlsFit {
                    beta,
                    eta,
                    mu,
                    deviance: dev,
                    penalty: pen,
                    iterations: iter,
                    xtwx: here.xtwx,
                });
            }
            acc = Some(here);
            old_pdev = pdev;
            coef_old = beta.clone();
            eta_old = eta.clone();
        }
        Err(GamError::NoConvergence {
            iterations: PIRLS_MAX_ITER,
            deviance: dev,
            penalty: pen,
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

    /// One penalised Newton step from the working sums `acc` at `eta`: the solution of
    /// `(XᵀWX + S_λ) β = XᵀWz`, with the Fisher weights (one more pass) when the Newton
    /// weights make the system indefinite.
    fn newton_step(&self, acc: &WorkingSums, eta: &[f64], s_lambda: &Mat<f64>) -> Result<Vec<f64>> {
        let solve = |a: &WorkingSums| -> Option<Vec<f64>> {
            let h = &a.xtwx + s_lambda;
            let llt = crate::linalg::symmetrise(&h).llt(Side::Lower).ok()?;
            let rhs = Mat::from_fn(self.p(), 1, |j, _| a.xtwz[j]);
            let sol = llt.solve(&rhs);
            Some((0..self.p()).map(|j| sol[(j, 0)]).collect())
        };
        if let Some(b) = solve(acc) {
            return Ok(b);
        }
        if !self.canonical() {
            let (_, fisher) = self.working_sums(At::Eta(eta), true)?;
            if let Some(b) = solve(&fisher) {
                return Ok(b);
            }
        }
        Err(GamError::NotIdentifiable {
            terms: Vec::new(),
            symptom: "the penalised IRLS system is singular".into(),
        })
    }
}

/// The Newton weights' factor `α = 1 + (y − μ)(V'/V + g''/g')` from `c = y − μ` and
/// `b = V'/V + g''/g'`, never exactly zero (it divides the working response).
fn newton_alpha(c: f64, b: f64) -> f64 {
    let alpha = 1.0 + c * b;
    if alpha == 0.0 { f64::EPSILON } else { alpha }
}

/// Where a pass over the rows evaluates the weights.
#[derive(Debug, Clone, Copy)]
pub enum At<'a> {
    /// At coefficients β: the pass forms η = Xβ + offset.
    Beta(&'a [f64]),
    /// At a known linear predictor.
    Eta(&'a [f64]),
}

/// Largest component of the gradient of the penalised deviance,
/// `−2 Xᵀ(w_p (y − μ)/(V g')) + 2 S_λ β`, from a pass at β.
fn gradient_norm(acc: &WorkingSums, beta: &[f64], s_lambda: &Mat<f64>) -> f64 {
    let p = beta.len();
    (0..p)
        .map(|j| {
            let sb: f64 = (0..p).map(|k| s_lambda[(j, k)] * beta[k]).sum();
            (2.0 * (sb - acc.xtr[j])).abs()
        })
        .fold(0.0, f64::max)
}

/// `bᵀ S b`.
pub fn quad(s: &Mat<f64>, b: &[f64]) -> f64 {
    let p = b.len();
    (0..p)
        .map(|i| b[i] * (0..p).map(|j| s[(i, j)] * b[j]).sum::<f64>())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stall_needs_the_deviance_converged_and_a_gradient_that_stopped_falling() {
        // A falling gradient is never a stall.
        let mut st = Stall::default();
        assert!((0..20).all(|i| !st.stalled(true, 0.5f64.powi(i))));
        // The deviance not yet converged resets the count.
        let mut st = Stall::default();
        for g in [6e-10, 5e-10, 7e-10] {
            assert!(!st.stalled(true, g));
        }
        assert!(!st.stalled(false, 6e-10));
        for g in [6e-10, 5e-10, 7e-10] {
            assert!(!st.stalled(true, g));
        }
        // Four in a row, the last three not below half the first: stalled.
        assert!(st.stalled(true, 6e-10));
    }
}
