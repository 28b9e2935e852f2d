//! Smoothing parameters fixed by the user and minimum smoothing parameters
//! (mgcv's `sp`, `s(x, sp = )` and `min.sp`), as a change of variables
//! around the criterion.
//!
//! The criterion functions are functions of the full vector ρ of log
//! smoothing parameters, one per penalty, with the penalty `Σ_j e^{ρ_j} S_j`.
//! mgcv optimises over the free log smoothing parameters only (its `L` and
//! `lsp0`: fixed ones leave the optimisation), and with `min.sp` adds the
//! fixed penalty `H = Σ_j m_j S_j`, so that the total penalty is
//! `Σ_j (λ_j + m_j) S_j` with λ_j optimised; `log|S_λ + H|₊` is then the
//! log pseudo-determinant of that total. Both are a map from the optimised
//! parameters to the criterion's ρ:
//!
//! ```text
//! ρ_j = log(e^{x_i} + m_j)   (penalty j free, optimised as x_i)
//! ρ_j = log(sp_j + m_j)      (penalty j fixed)
//! ```
//!
//! so the optimiser's gradient and Hessian follow exactly by the chain rule
//! from the criterion's: with `c_j = e^{x_i} / (e^{x_i} + m_j)`,
//! `∂V/∂x_i = c_j ∂V/∂ρ_j` and
//! `∂²V/∂x_i∂x_k = c_j c_l ∂²V/∂ρ_j∂ρ_l + δ_ik c_j (1 − c_j) ∂V/∂ρ_j`.
//! Parameters after the log smoothing parameters (a family parameter, the
//! log scale) pass through unchanged. With every smoothing parameter fixed
//! and the scale known nothing is optimised: one fit at the fixed values,
//! as mgcv's `no.sps` path.
//!
//! Everything outside the optimiser (the reported iterates, a resumed
//! start, the fitted model) sees the criterion's ρ, so a fitted model's
//! smoothing parameters are the totals `λ_j + m_j`.

use crate::error::{GamError, Result};

/// Which smoothing parameters are fixed and which minimum each has.
/// The default fixes nothing: the identity map.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SpControls {
    /// Per penalty: `Some(log sp)` if fixed (mgcv's `lsp0`), `None` if estimated.
    /// Empty: all estimated.
    pub fixed: Vec<Option<f64>>,
    /// Per penalty: the minimum smoothing parameter `m_j ≥ 0` (mgcv's
    /// `min.sp`). Empty: all zero.
    pub min_sp: Vec<f64>,
    /// Whether the starting point handed to the optimiser is mgcv's cold start
    /// (`initial.sp`, which is for the free λ, not the totals λ + m); otherwise
    /// it is a criterion ρ (a resumed fit, a related model's optimum).
    pub cold: bool,
}

impl SpControls {
    /// Whether the map is the identity for `m` penalties.
    pub fn is_identity(&self) -> bool {
        self.fixed.iter().all(Option::is_none) && self.min_sp.iter().all(|&v| v == 0.0)
    }

    fn min(&self, j: usize) -> f64 {
        self.min_sp.get(j).copied().unwrap_or(0.0)
    }

    fn fixed(&self, j: usize) -> Option<f64> {
        self.fixed.get(j).copied().flatten()
    }

    /// Checks the lengths against the `m` penalties of the criterion.
    ///
    /// # Errors
    /// [`GamError::Control`] naming the option and both counts.
    pub fn check(&self, m: usize) -> Result<()> {
        for (what, len) in [("sp", self.fixed.len()), ("min.sp", self.min_sp.len())] {
            if len != 0 && len != m {
                return Err(GamError::Control {
                    option: what.into(),
                    message: format!("{len} values for a criterion with {m} smoothing parameters"),
                });
            }
        }
        Ok(())
    }

    /// The indices of the free penalties among the first `m`.
    fn free(&self, m: usize) -> Vec<usize> {
        (0..m).filter(|&j| self.fixed(j).is_none()).collect()
    }

    /// The optimiser's starting point from the caller's `x0` (criterion ρ for
    /// the first `m`, then the other parameters).
    pub fn to_free(&self, x0: &[f64], m: usize) -> Vec<f64> {
        let mut out: Vec<f64> = self
            .free(m)
            .into_iter()
            .map(|j| {
                let mj = self.min(j);
                if self.cold || mj == 0.0 {
                    x0[j]
                } else {
                    // A criterion ρ below the minimum cannot be reached: start just above it.
                    let extra = x0[j].exp() - mj;
                    if extra > 0.0 {
                        extra.ln()
                    } else {
                        (mj * MIN_SP_START_FRACTION).ln()
                    }
                }
            })
            .collect();
        out.extend_from_slice(&x0[m..]);
        out
    }

    /// The criterion's point for the optimiser's `x` (free parameters, then the others).
    pub fn to_full(&self, x: &[f64], m: usize) -> Vec<f64> {
        let free = self.free(m);
        let mut out = vec![0.0; m];
        for (j, v) in out.iter_mut().enumerate() {
            let lambda = match self.fixed(j) {
                Some(lsp) => lsp.exp(),
                None => x[free.iter().position(|&f| f == j).unwrap_or(0)].exp(),
            };
            let mj = self.min(j);
            *v = if mj == 0.0 { lambda.ln() } else { (lambda + mj).ln() };
        }
        out.extend_from_slice(&x[free.len()..]);
        out
    }

    /// The gradient and Hessian (row-major) of the criterion at `to_full(x)` as functions
    /// of the optimiser's `x`, from the criterion's `grad` and `hess`.
    pub fn restrict(&self, grad: &[f64], hess: &[f64], x: &[f64], m: usize) -> (Vec<f64>, Vec<f64>) {
        let (e_grad, e_hess) = (grad, hess);
        let free = self.free(m);
        let nf = free.len();
        let k_full = e_grad.len();
        let extra = k_full - m;
        // Optimiser index → (criterion index, dρ/dx).
        let map: Vec<(usize, f64)> = free
            .iter()
            .enumerate()
            .map(|(i, &j)| {
                let mj = self.min(j);
                let lambda = x[i].exp();
                (j, if mj == 0.0 { 1.0 } else { lambda / (lambda + mj) })
            })
            .chain((0..extra).map(|a| (m + a, 1.0)))
            .collect();
        let k = nf + extra;
        let grad: Vec<f64> = map.iter().map(|&(j, c)| c * e_grad[j]).collect();
        let mut hess = vec![0.0; k * k];
        for (a, &(j, cj)) in map.iter().enumerate() {
            for (b, &(l, cl)) in map.iter().enumerate() {
                hess[a * k + b] = cj * cl * e_hess[j * k_full + l];
            }
            hess[a * k + a] += cj * (1.0 - cj) * e_grad[j];
        }
        (grad, hess)
    }

    /// The gradient of the criterion at its full `rho` in the directions the optimiser
    /// moves: zero for fixed smoothing parameters, scaled by `λ/(λ + m)` for those
    /// with a minimum; further components unchanged.
    pub fn free_gradient(&self, rho: &[f64], grad: &[f64]) -> Vec<f64> {
        grad.iter()
            .enumerate()
            .map(|(j, &g)| {
                if j >= rho.len() {
                    g
                } else if self.fixed(j).is_some() {
                    0.0
                } else {
                    let mj = self.min(j);
                    let total = rho[j].exp();
                    if mj == 0.0 {
                        g
                    } else {
                        g * ((total - mj).max(0.0) / total)
                    }
                }
            })
            .collect()
    }

    /// The optimiser's log smoothing parameters as (penalty index, `dρ_j/dx`) at the
    /// criterion's `rho`: fixed penalties are left out, one with a minimum scales by
    /// `λ/(λ + m)`. mgcv's corrected covariances (`edf2`) are in these coordinates.
    pub fn free_map(&self, rho: &[f64]) -> Vec<(usize, f64)> {
        (0..rho.len())
            .filter(|&j| self.fixed(j).is_none())
            .map(|j| {
                let mj = self.min(j);
                let total = rho[j].exp();
                (j, if mj == 0.0 { 1.0 } else { (total - mj).max(0.0) / total })
            })
            .collect()
    }

    /// Widens the optimiser's gradient to every penalty (zero for fixed ones, whose
    /// gradient is not optimised) in the criterion's ρ.
    pub fn widen_grad(&self, grad: &[f64], m: usize) -> Vec<f64> {
        let free = self.free(m);
        (0..m)
            .map(|j| free.iter().position(|&f| f == j).map_or(0.0, |i| grad[i]))
            .collect()
    }
}

/// When resuming from a criterion ρ at or below a minimum smoothing parameter, the free part
/// starts at this fraction of the minimum.
const MIN_SP_START_FRACTION: f64 = 1e-3;

#[cfg(test)]
mod tests {
    use super::*;

    /// A criterion's value, gradient and Hessian.
    struct Evaluation {
        score: f64,
        grad: Vec<f64>,
        hess: Vec<f64>,
    }

    /// A smooth test criterion of ρ (3 penalties) and one extra parameter.
    fn crit(x: &[f64]) -> Evaluation {
        let w = [1.0, -0.5, 0.3, 0.7];
        let score: f64 = (0..4)
            .map(|i| w[i] * x[i] + 0.5 * (x[i] * x[i]) + 0.1 * x[i] * x[(i + 1) % 4])
            .sum();
        let k = 4;
        let mut grad = vec![0.0; k];
        let mut hess = vec![0.0; k * k];
        for i in 0..k {
            grad[i] = w[i] + x[i] + 0.1 * x[(i + 1) % 4] + 0.1 * x[(i + 3) % 4];
            hess[i * k + i] = 1.0;
            hess[i * k + (i + 1) % 4] += 0.1;
            hess[i * k + (i + 3) % 4] += 0.1;
        }
        Evaluation { score, grad, hess }
    }

    #[test]
    fn restricted_derivatives_match_finite_differences() {
        let c = SpControls {
            fixed: vec![None, Some(0.3f64.ln()), None],
            min_sp: vec![2.0, 1.0, 0.0],
            cold: true,
        };
        let m = 3;
        let at = |x: &[f64]| {
            let e = crit(&c.to_full(x, m));
            let (grad, hess) = c.restrict(&e.grad, &e.hess, x, m);
            Evaluation {
                score: e.score,
                grad,
                hess,
            }
        };
        let x = [0.4, -0.2, 0.1];
        let e = at(&x);
        let h = 1e-6;
        for a in 0..3 {
            let (mut xp, mut xm) = (x, x);
            xp[a] += h;
            xm[a] -= h;
            let (ep, em) = (at(&xp), at(&xm));
            let g = (ep.score - em.score) / (2.0 * h);
            assert!((g - e.grad[a]).abs() < 1e-7, "grad {a}: {g} vs {}", e.grad[a]);
            for b in 0..3 {
                let fd = (ep.grad[b] - em.grad[b]) / (2.0 * h);
                assert!(
                    (fd - e.hess[a * 3 + b]).abs() < 1e-6,
                    "hess {a},{b}: {fd} vs {}",
                    e.hess[a * 3 + b]
                );
            }
        }
        // The fixed penalty sits at log(sp + min), the extra parameter passes through.
        let full = c.to_full(&x, m);
        assert!((full[1] - 1.3f64.ln()).abs() < 1e-15);
        assert!((full[0] - (0.4f64.exp() + 2.0).ln()).abs() < 1e-15);
        assert_eq!(full[3], 0.1);
        assert_eq!(c.widen_grad(&[1.0, 2.0, 3.0], m), [1.0, 0.0, 2.0]);
    }

    #[test]
    fn a_resumed_start_is_the_part_above_the_minimum() {
        let c = SpControls {
            fixed: vec![],
            min_sp: vec![2.0],
            cold: false,
        };
        let x = c.to_free(&[3.0f64.ln(), 0.5], 1);
        assert!((x[0] - 0.0).abs() < 1e-15 && x[1] == 0.5);
        assert!(c.to_free(&[1.0f64.ln()], 1)[0].is_finite());
        let cold = SpControls { cold: true, ..c };
        assert_eq!(cold.to_free(&[3.0f64.ln()], 1), [3.0f64.ln()]);
        assert!(cold.check(2).is_err() && cold.check(1).is_ok());
    }
}
