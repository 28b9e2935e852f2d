//! Naming the aliased terms of a model that is not identifiable.
//!
//! When a linear system of the fit is singular, the numeric code raises
//! [`GamError::NotIdentifiable`] without names: it may be at a trial point
//! the outer iteration discards, and the diagnosis costs an
//! eigendecomposition. Once the error leaves the fit, [`name_aliased`]
//! looks for structural aliasing in `A = XᵀWX + S`, with `W` the prior
//! weights and `S` the penalties at mgcv's balanced starting smoothing
//! parameters ([`initial_log_sp`]). For positive weights and smoothing
//! parameters the null space of `A` is the same at every point (the
//! directions no column of X and no penalty sees), so it names the terms
//! whichever point failed. A system that was singular only at the fit's own
//! weights or smoothing parameters (e.g. perfect separation) has no
//! structural null space: the error then keeps its symptom and names no term.
//!
//! Method: `A` is scaled to unit diagonal, so that the columns' units do not
//! matter, and decomposed into eigenvalues. The eigenvectors whose
//! eigenvalue is at most [`ALIAS_TOL`] times the largest span the null
//! space. A coefficient's weight in it is the squared length of the
//! projection of its unit vector onto that space (whatever basis the
//! eigenvectors chose); a term is aliased when the weights of its
//! coefficients sum to at least [`ALIAS_SHARE`].

use faer::{Mat, Side};

use super::outer::initial_log_sp;
use crate::design::{Design, PenaltySet};
use crate::error::{GamError, Result};
use crate::linalg::symmetrise;

/// An eigenvalue of the unit-diagonal `XᵀWX + S` at most this fraction of
/// the largest marks a null direction. Exact aliasing leaves eigenvalues of
/// order 1e-15; a model that fits has none below about 1e-12 after the
/// scaling, or its Cholesky factorisation would have failed first.
pub const ALIAS_TOL: f64 = 1e-10;

/// A term whose coefficients carry at least this share of a null direction
/// (squared loadings summed over the term) is named as aliased; rounding
/// leaves shares of order 1e-20 elsewhere.
pub const ALIAS_SHARE: f64 = 1e-2;

/// Fills in the terms of a [`GamError::NotIdentifiable`] that names none,
/// from the structural null space of `XᵀWX + S` (see the module doc);
/// `xtwx` computes `XᵀWX` at the prior weights, and only for that error.
/// Any other error passes through unchanged.
pub fn name_aliased(
    err: GamError,
    design: &Design,
    pens: &PenaltySet,
    xtwx: impl FnOnce() -> Result<Mat<f64>>,
) -> GamError {
    let GamError::NotIdentifiable { terms, symptom } = err else {
        return err;
    };
    if !terms.is_empty() {
        return GamError::NotIdentifiable { terms, symptom };
    }
    let terms = match xtwx() {
        Ok(xtwx) => {
            // A degenerate XᵀWX can make a starting λ infinite; such a penalty counts at λ = 1.
            let lambda: Vec<f64> = initial_log_sp(&xtwx, pens)
                .iter()
                .map(|r| if r.is_finite() { r.exp() } else { 1.0 })
                .collect();
            let a = symmetrise(&(&xtwx + pens.total(&lambda)));
            null_weights(&a).map(|w| aliased_terms(design, &w)).unwrap_or_default()
        }
        Err(_) => Vec::new(),
    };
    GamError::NotIdentifiable { terms, symptom }
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
    if b.col_iter().any(|c| c.iter().any(|v| !v.is_finite())) {
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
    fn a_zero_column_is_aliased_alone() {
        let x: Vec<f64> = (0..10).map(f64::from).collect();
        let w = null_weights(&cross(&[vec![1.0; 10], x, vec![0.0; 10]])).unwrap();
        assert!((w[2] - 1.0).abs() < 1e-12 && w[0] + w[1] < 1e-12, "{w:?}");
    }
}
