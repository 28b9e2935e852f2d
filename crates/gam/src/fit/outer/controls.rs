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
//! Smooths linked by mgcv's `id =` share their smoothing parameters: the
//! penalties of a later term with the id follow those of the first (mgcv's
//! `L`, a 0/1 matrix here). One optimiser parameter then moves every
//! penalty of its group, so its derivatives are sums over the group:
//! `∂V/∂x_a = Σ_{j∈a} c_j ∂V/∂ρ_j` and
//! `∂²V/∂x_a∂x_b = Σ_{j∈a} Σ_{l∈b} c_j c_l ∂²V/∂ρ_j∂ρ_l + δ_ab Σ_{j∈a} c_j (1 − c_j) ∂V/∂ρ_j`.
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
    /// Per penalty: the penalty whose smoothing parameter it shares (itself
    /// unless an `id =` links it to an earlier term's). Empty: none shared.
    pub link: Vec<usize>,
}

impl SpControls {
    /// Whether the map is the identity for `m` penalties.
    pub fn is_identity(&self) -> bool {
        self.fixed.iter().all(Option::is_none)
            && self.min_sp.iter().all(|&v| v == 0.0)
            && self.link.iter().enumerate().all(|(j, &l)| l == j)
    }

    /// The penalty whose smoothing parameter penalty `j` takes.
    fn lead(&self, j: usize) -> usize {
        self.link.get(j).copied().unwrap_or(j)
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
        if let Some((j, &l)) = self.link.iter().enumerate().find(|&(j, &l)| l > j || self.lead(l) != l) {
            return Err(GamError::Control {
                option: "id".into(),
                message: format!("penalty {j} is linked to penalty {l}, which is not a first penalty of its id"),
            });
        }
        for (what, len) in [
            ("sp", self.fixed.len()),
            ("min.sp", self.min_sp.len()),
            ("id", self.link.len()),
        ] {
            if len != 0 && len != m {
                return Err(GamError::Control {
                    option: what.into(),
                    message: format!("{len} values for a criterion with {m} smoothing parameters"),
                });
            }
        }
        Ok(())
    }

    /// The indices of the free penalties among the first `m` that lead their
    /// group (one per optimiser parameter).
    fn free(&self, m: usize) -> Vec<usize> {
        (0..m)
            .filter(|&j| self.fixed(j).is_none() && self.lead(j) == j)
            .collect()
    }

    /// For each optimiser parameter, the penalties it moves.
    fn groups(&self, m: usize) -> Vec<Vec<usize>> {
        self.free(m)
            .into_iter()
            .map(|a| {
                (0..m)
                    .filter(|&j| self.lead(j) == a && self.fixed(j).is_none())
                    .collect()
            })
            .collect()
    }

    /// `dρ_j/dx` of a free penalty at its optimiser value `x` (log of the free λ).
    fn slope(&self, j: usize, x: f64) -> f64 {
        let mj = self.min(j);
        let lambda = x.exp();
        if mj == 0.0 { 1.0 } else { lambda / (lambda + mj) }
    }

    /// The optimiser's starting point from the caller's `x0` (criterion ρ for
    /// the first `m`, then the other parameters).
    pub fn to_free(&self, x0: &[f64], m: usize) -> Vec<f64> {
        let mut out: Vec<f64> = self
            .groups(m)
            .into_iter()
            .map(|group| {
                let j = group[0];
                let mj = self.min(j);
                if group.len() > 1 {
                    // mgcv's least-squares fit of the per-penalty starting values
                    // onto the shared parameters: their mean, for a 0/1 `L`.
                    group.iter().map(|&l| x0[l]).sum::<f64>() / group.len() as f64
                } else if self.cold || mj == 0.0 {
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
                None => x[free.iter().position(|&f| f == self.lead(j)).unwrap_or(0)].exp(),
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
        let k_full = grad.len();
        let extra = k_full - m;
        // Optimiser index → the (criterion index, dρ/dx) it moves.
        let map: Vec<Vec<(usize, f64)>> = self
            .groups(m)
            .into_iter()
            .enumerate()
            .map(|(a, group)| group.into_iter().map(|j| (j, self.slope(j, x[a]))).collect())
            .chain((0..extra).map(|e| vec![(m + e, 1.0)]))
            .collect();
        chain_rule(&map, grad, |j, l| hess[j * k_full + l])
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
                } else if self.fixed(j).is_some() || self.lead(j) != j {
                    // A follower moves with its lead: the group's gradient is the lead's.
                    0.0
                } else {
                    (0..rho.len())
                        .filter(|&l| self.lead(l) == j)
                        .map(|l| grad[l] * self.total_slope(l, rho[l]))
                        .sum()
                }
            })
            .collect()
    }

    /// `dρ_j/dx` of a free penalty at the criterion's `ρ_j` (the total `λ + m`).
    fn total_slope(&self, j: usize, rho_j: f64) -> f64 {
        let mj = self.min(j);
        let total = rho_j.exp();
        if mj == 0.0 { 1.0 } else { (total - mj).max(0.0) / total }
    }

    /// The optimiser's log smoothing parameters, each as the (penalty index,
    /// `dρ_j/dx`) it moves at the criterion's `rho`: fixed penalties are left out,
    /// one with a minimum scales by `λ/(λ + m)`, penalties linked by an `id` move
    /// together. mgcv's corrected covariances (`edf2`) are in these coordinates.
    pub fn free_map(&self, rho: &[f64]) -> Vec<Vec<(usize, f64)>> {
        self.groups(rho.len())
            .into_iter()
            .map(|group| group.into_iter().map(|j| (j, self.total_slope(j, rho[j]))).collect())
            .collect()
    }

    /// Widens the optimiser's gradient to every penalty (zero for fixed ones, whose
    /// gradient is not optimised, and for followers of an `id`, whose group's
    /// gradient is their lead's) in the criterion's ρ.
    pub fn widen_grad(&self, grad: &[f64], m: usize) -> Vec<f64> {
        let free = self.free(m);
        (0..m)
            .map(|j| free.iter().position(|&f| f == j).map_or(0.0, |i| grad[i]))
            .collect()
    }
}

/// The gradient and Hessian (row-major) in coordinates `x` whose component
/// `a` moves the criterion's parameters `map[a]` (index, `dρ_j/dx_a`), from
/// the criterion's gradient and Hessian (`hess(j, l)`); see the module
/// documentation for the formula.
pub(crate) fn chain_rule(
    map: &[Vec<(usize, f64)>],
    grad: &[f64],
    hess: impl Fn(usize, usize) -> f64,
) -> (Vec<f64>, Vec<f64>) {
    let hess = &hess;
    let k = map.len();
    let g: Vec<f64> = map.iter().map(|a| a.iter().map(|&(j, c)| c * grad[j]).sum()).collect();
    let mut h = vec![0.0; k * k];
    for (a, ma) in map.iter().enumerate() {
        for (b, mb) in map.iter().enumerate() {
            h[a * k + b] = ma
                .iter()
                .flat_map(|&(j, cj)| mb.iter().map(move |&(l, cl)| cj * cl * hess(j, l)))
                .sum();
        }
        h[a * k + a] += ma.iter().map(|&(j, c)| c * (1.0 - c) * grad[j]).sum::<f64>();
    }
    (g, h)
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

    /// The optimiser's gradient and Hessian from `restrict` equal central
    /// differences of the criterion through `to_full` at `x`.
    fn assert_restricted_derivatives(c: &SpControls, m: usize, x: &[f64]) {
        let at = |x: &[f64]| {
            let e = crit(&c.to_full(x, m));
            let (grad, hess) = c.restrict(&e.grad, &e.hess, x, m);
            Evaluation {
                score: e.score,
                grad,
                hess,
            }
        };
        let e = at(x);
        let k = x.len();
        let h = 1e-6;
        for a in 0..k {
            let (mut xp, mut xm) = (x.to_vec(), x.to_vec());
            xp[a] += h;
            xm[a] -= h;
            let (ep, em) = (at(&xp), at(&xm));
            let g = (ep.score - em.score) / (2.0 * h);
            assert!((g - e.grad[a]).abs() < 1e-7, "grad {a}: {g} vs {}", e.grad[a]);
            for b in 0..k {
                let fd = (ep.grad[b] - em.grad[b]) / (2.0 * h);
                assert!(
                    (fd - e.hess[a * k + b]).abs() < 1e-6,
                    "hess {a},{b}: {fd} vs {}",
                    e.hess[a * k + b]
                );
            }
        }
    }

    #[test]
    fn restricted_derivatives_match_finite_differences() {
        let c = SpControls {
            fixed: vec![None, Some(0.3f64.ln()), None],
            min_sp: vec![2.0, 1.0, 0.0],
            cold: true,
            link: Vec::new(),
        };
        let m = 3;
        let x = [0.4, -0.2, 0.1];
        assert_restricted_derivatives(&c, m, &x);
        // The fixed penalty sits at log(sp + min), the extra parameter passes through.
        let full = c.to_full(&x, m);
        assert!((full[1] - 1.3f64.ln()).abs() < 1e-15);
        assert!((full[0] - (0.4f64.exp() + 2.0).ln()).abs() < 1e-15);
        assert_eq!(full[3], 0.1);
        assert_eq!(c.widen_grad(&[1.0, 2.0, 3.0], m), [1.0, 0.0, 2.0]);
    }

    #[test]
    fn linked_penalties_move_together_with_exact_derivatives() {
        // Penalty 2 shares penalty 0's parameter (an `id`), with its own minimum.
        let c = SpControls {
            fixed: Vec::new(),
            min_sp: vec![0.0, 0.5, 1.5],
            cold: true,
            link: vec![0, 1, 0],
        };
        let m = 3;
        assert!(c.check(m).is_ok() && !c.is_identity());
        // Two optimiser parameters for three penalties, then the extra one.
        let x = [0.3, -0.4, 0.2];
        let full = c.to_full(&x, m);
        assert!((full[0] - 0.3).abs() < 1e-15 && (full[2] - (0.3f64.exp() + 1.5).ln()).abs() < 1e-15);
        assert_restricted_derivatives(&c, m, &x);
        // A cold start puts the shared parameter at the mean of its penalties' starts.
        assert_eq!(c.to_free(&[1.0, 2.0, 3.0, 0.7], m), [2.0, 2.0, 0.7]);
        // The lead reports the group's gradient, the follower none.
        let g = c.free_gradient(&full, &[1.0, 1.0, 1.0]);
        let c2 = 0.3f64.exp() / (0.3f64.exp() + 1.5);
        assert!((g[0] - (1.0 + c2)).abs() < 1e-12 && g[2] == 0.0, "{g:?}");
        assert_eq!(c.free_map(&full[..m]).len(), 2);
        // A link to a follower is refused.
        let bad = SpControls {
            link: vec![0, 0, 1],
            ..c.clone()
        };
        assert!(bad.check(m).is_err());
    }

    #[test]
    fn a_resumed_start_is_the_part_above_the_minimum() {
        let c = SpControls {
            fixed: vec![],
            min_sp: vec![2.0],
            cold: false,
            link: Vec::new(),
        };
        let x = c.to_free(&[3.0f64.ln(), 0.5], 1);
        assert!((x[0] - 0.0).abs() < 1e-15 && x[1] == 0.5);
        assert!(c.to_free(&[1.0f64.ln()], 1)[0].is_finite());
        let cold = SpControls { cold: true, ..c };
        assert_eq!(cold.to_free(&[3.0f64.ln()], 1), [3.0f64.ln()]);
        assert!(cold.check(2).is_err() && cold.check(1).is_ok());
    }
}
