//! Refusing a model that is not identifiable, with its aliased terms named.
//!
//! When some coefficients are aliased (a column of the model matrix is a
//! combination of others and no penalty separates them), the penalised
//! systems of the fit are singular in exact arithmetic; in floating point,
//! whether a factorisation meets a non-positive pivot depends on rounding.
//! When none does, the fit returns meaningless numbers (EDFs of ±10³, a
//! negative scale, standard errors of 10⁷) and would exit 0. So every fit is
//! checked once, in the setup, before the outer iteration:
//! [`check_identifiable`] looks for structural aliasing in `A = XᵀWX + S`,
//! with `S` the penalties at mgcv's balanced starting smoothing parameters
//! ([`initial_log_sp`]) and `W` the prior weights (a Gaussian identity-link
//! fit: `RᵀR` of its QR summary) or mgcv's starting IRLS weights (a
//! generalized fit: the `XᵀW₀X` that also gives its starting smoothing
//! parameters, positive wherever the prior weights are). For positive
//! weights and smoothing parameters the null space of `A` is the same at
//! every point (the directions no column of X and no penalty sees), so one
//! check covers the whole fit. A system that becomes singular only at the
//! fit's own weights or smoothing parameters (e.g. perfect separation) has
//! no structural null space: the fit's own error then names no term.
//!
//! Method: `A` is scaled to unit diagonal, so that the columns' units do not
//! matter, and decomposed into eigenvalues. The eigenvectors whose
//! eigenvalue is at most [`ALIAS_TOL`] times the largest span the null
//! space. A coefficient's weight in it is the squared length of the
//! projection of its unit vector onto that space (whatever basis the
//! eigenvectors chose); a term is aliased when the weights of its
//! coefficients sum to at least [`ALIAS_SHARE`]. A bound from the Cholesky
//! factor settles a well-conditioned `A` first, in about a tenth of the
//! eigendecomposition's time (at p = 1000, 0.05 s against 0.2 s; the fit
//! itself takes seconds to minutes), so the eigenvectors are computed only
//! for a matrix near singular.
//!
//! Guarantees: exact aliasing leaves scaled eigenvalue ratios at rounding
//! level (at most 2.1e-16 measured over every aliased model of the test
//! suites), far below [`ALIAS_TOL`], so it is refused with
//! [`GamError::NotIdentifiable`]; a model whose scaled `A` has a condition
//! number below `1 / ALIAS_TOL` is never refused (the smallest ratio among
//! the models the test suites fit is 1.4e-5, a deliberately near-collinear
//! one). A model in between (ratio below 1e-10 without exact aliasing) is
//! refused too: the fit solves with `A`, and at that conditioning its
//! Cholesky solutions would keep fewer than six significant digits.
//!
//! Nested smooths never reach this check aliased: like mgcv's `gam.side`,
//! [`crate::design::side`] deletes the columns of a smooth that repeat
//! lower-order smooths of the same covariates when the design is built. What
//! is exactly aliased beyond that (`y ~ x + s(x)`, `fac + s(x, by = fac) +
//! s(x)`), mgcv fits rank deficient through its penalised least-squares
//! core, fixing the directions past the numerical rank of a pivoted QR at
//! zero; the driver does the same when this check finds a null space
//! ([`crate::fit::rank`]) and checks again with those directions removed. So
//! a model is refused here only when it is nearly aliased (mgcv would keep
//! every coefficient, at a condition number above `1 / ALIAS_TOL`'s square
//! root) or when the rank decision does not account for the whole null space.

use faer::linalg::triangular_inverse::invert_lower_triangular;
use faer::{Mat, Par, Side};

use super::outer::initial_log_sp;
use crate::design::{Design, PenaltySet};
use crate::error::{GamError, Result};
use crate::linalg::symmetrise;

/// An eigenvalue of the unit-diagonal `XᵀWX + S` at most this fraction of
/// the largest marks a null direction. Exact aliasing leaves ratios of order
/// 1e-16 (rounding); the models of the test suites, near-collinear ones
/// included, have none below 1e-5; at 1e-10 the fit's Cholesky solutions
/// with `A` would keep fewer than six significant digits.
pub const ALIAS_TOL: f64 = 1e-10;

/// A term whose coefficients carry at least this share of a null direction
/// (squared loadings summed over the term) is named as aliased; rounding
/// leaves shares of order 1e-20 elsewhere.
pub const ALIAS_SHARE: f64 = 1e-2;

/// Refuses a model whose coefficients are structurally aliased: `Ok` when
/// `XᵀWX + S` (`xtwx` is `XᵀWX`) has no null direction (see the module
/// doc), [`GamError::NotIdentifiable`] naming the aliased terms otherwise.
pub fn check_identifiable(design: &Design, pens: &PenaltySet, xtwx: &Mat<f64>) -> Result<()> {
    // A degenerate XᵀWX can make a starting λ infinite; such a penalty counts at λ = 1.
    let lambda: Vec<f64> = initial_log_sp(xtwx, pens)
        .iter()
        .map(|r| if r.is_finite() { r.exp() } else { 1.0 })
        .collect();
    let a = symmetrise(&(xtwx + pens.total(&lambda)));
    match null_weights(&a) {
        None => Ok(()),
        Some(w) => Err(GamError::NotIdentifiable {
            terms: aliased_terms(design, &w),
            symptom: "the penalised model matrix has linearly dependent columns".into(),
        }),
    }
}

/// Each coefficient's weight in the null space of the symmetric positive
/// semi-definite `a` (see the module doc), or `None` when `a` has no null
/// direction or cannot be decomposed.
fn null_weights(a: &Mat<f64>) -> Option<Vec<f64>> {
    let p = a.nrows();
    // A zero diagonal is a zero row and column: left unscaled, it is a null direction.
    let scale: Vec<f64> = (0..p)
        .map(|i| if a[(i, i)] > 0.0 { 1.0 / a[(i, i)].sqrt() } else { 1.0 })
        .collect();
    let b = Mat::from_fn(p, p, |i, j| a[(i, j)] * scale[i] * scale[j]);
    if b.col_iter().any(|c| c.iter().any(|v| !v.is_finite())) || surely_full_rank(&b) {
        return None;
    }
    let eig = b.self_adjoint_eigen(Side::Lower).ok()?;
    let s = eig.S();
    let u = eig.U();
    let max = (0..p).map(|k| s[k]).fold(0.0f64, f64::max);
    let null: Vec<usize> = (0..p).filter(|&k| s[k] <= ALIAS_TOL * max).collect();
    if null.is_empty() {
        return None;
    }
    Some((0..p).map(|i| null.iter().map(|&k| u[(i, k)].powi(2)).sum()).collect())
}

/// Whether the symmetric `b` certainly has no eigenvalue at most
/// [`ALIAS_TOL`] times its largest, from its Cholesky factor `L` (a tenth of
/// the eigendecomposition's time): `λ_min = 1 / ‖L⁻¹‖₂² ≥ 1 / ‖L⁻¹‖_F²` and
/// `λ_max ≤ ‖b‖_F`. `false` (a failed factorisation, or bounds that do not
/// settle it) leaves the question to the eigenvalues. Exact aliasing never
/// passes: the computed factor is exact for `b + E` with `‖E‖` of order
/// `p ε ‖b‖`, so `‖L⁻¹‖_F²` is at least of order `1 / (p ε ‖b‖)`.
fn surely_full_rank(b: &Mat<f64>) -> bool {
    let p = b.nrows();
    let Ok(llt) = b.llt(Side::Lower) else {
        return false;
    };
    let mut l_inv = Mat::<f64>::zeros(p, p);
    invert_lower_triangular(l_inv.as_mut(), llt.L(), Par::Seq);
    let inv_sq: f64 = (0..p).map(|j| (j..p).map(|i| l_inv[(i, j)].powi(2)).sum::<f64>()).sum();
    let b_norm = b.norm_l2();
    inv_sq.is_finite() && 1.0 / inv_sq > ALIAS_TOL * b_norm
}

/// The labels of the terms whose coefficients' `weights` sum to at least
/// [`ALIAS_SHARE`], in model order (`(Intercept)` first, when aliased).
fn aliased_terms(design: &Design, weights: &[f64]) -> Vec<String> {
    let mut terms = Vec::new();
    if design.intercept && weights.first().is_some_and(|&w| w >= ALIAS_SHARE) {
        terms.push("(Intercept)".to_string());
    }
    for (label, cols) in design.term_columns() {
        if cols.filter_map(|j| weights.get(j)).sum::<f64>() >= ALIAS_SHARE {
            terms.push(label);
        }
    }
    terms
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `XᵀX` of columns `cols` (each a vector of rows).
    fn cross(cols: &[Vec<f64>]) -> Mat<f64> {
        let p = cols.len();
        Mat::from_fn(p, p, |i, j| cols[i].iter().zip(&cols[j]).map(|(a, b)| a * b).sum())
    }

    #[test]
    fn the_aliased_columns_carry_the_null_space() {
        let n = 30;
        let one = vec![1.0; n];
        let x: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37).sin()).collect();
        let z: Vec<f64> = (0..n).map(|i| (i as f64 * 0.11).cos() * 1e4).collect();
        // x2 = 2x, in other units from the others: the scaling must not matter.
        let x2: Vec<f64> = x.iter().map(|v| 2e-3 * v).collect();
        let w = null_weights(&cross(&[one.clone(), x.clone(), z.clone(), x2])).unwrap();
        assert!(w[1] > 0.4 && w[3] > 0.4, "{w:?}");
        assert!(w[0] < 1e-12 && w[2] < 1e-12, "{w:?}");
        // Without the copy, no null direction.
        assert!(null_weights(&cross(&[one, x, z])).is_none());
    }

    #[test]
    fn the_cholesky_bound_settles_only_well_conditioned_matrices() {
        let n = 40;
        let one = vec![1.0; n];
        let x: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37).sin()).collect();
        let z: Vec<f64> = (0..n).map(|i| (i as f64 * 0.11).cos()).collect();
        let unit = |a: Mat<f64>| Mat::from_fn(a.nrows(), a.ncols(), |i, j| a[(i, j)] / (a[(i, i)] * a[(j, j)]).sqrt());
        assert!(surely_full_rank(&unit(cross(&[one.clone(), x.clone(), z.clone()]))));
        // An exact copy, and a copy off by 1e-7 (eigenvalue ratio about 1e-14): not settled.
        let copy: Vec<f64> = x.iter().map(|v| 3.0 * v).collect();
        assert!(!surely_full_rank(&unit(cross(&[
            one.clone(),
            x.clone(),
            z.clone(),
            copy
        ]))));
        let near: Vec<f64> = x.iter().enumerate().map(|(i, v)| v + 1e-7 * (i % 3) as f64).collect();
        let b = unit(cross(&[one, x, z, near]));
        assert!(!surely_full_rank(&b));
        // ‖·‖_F of the identity is √p: the bound uses the Frobenius norm.
        assert!((Mat::<f64>::identity(4, 4).norm_l2() - 2.0).abs() < 1e-15);
    }

    #[test]
    fn a_zero_column_is_aliased_alone() {
        let x: Vec<f64> = (0..10).map(f64::from).collect();
        let w = null_weights(&cross(&[vec![1.0; 10], x, vec![0.0; 10]])).unwrap();
        assert!((w[2] - 1.0).abs() < 1e-12 && w[0] + w[1] < 1e-12, "{w:?}");
    }
}
