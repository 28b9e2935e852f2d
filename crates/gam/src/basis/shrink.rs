//! Penalties of mgcv's shrinkage bases (`bs = "ts"`, `bs = "cs"`) and of
//! `select = TRUE`: penalising a penalty's null space too, so that a
//! smooth can be shrunk to zero as its smoothing parameters grow.
//!
//! The shrinkage bases (`smooth.construct.ts/cs.smooth.spec`) replace the
//! zero eigenvalues of the penalty by fractions of its smallest positive
//! eigenvalue `λ_r`: the penalty becomes `S + Σ_i f_i λ_r v_i v_iᵀ` over an
//! orthonormal basis `v_i` of the null space, with `f_i` mgcv's fractions.
//! (mgcv rebuilds the whole matrix from its eigen-decomposition, which
//! also drops the rounding-level null eigenvalues; the difference is at
//! rounding level.)

use faer::{Mat, Side};

use crate::error::{GamError, Result};
use crate::linalg::symmetrise;

/// mgcv's shrinkage fraction (`attr(object, "shrink")`).
pub const SHRINK: f64 = 0.1;

/// Eigenvalues of a symmetric matrix, largest first.
fn eigenvalues_desc(s: &Mat<f64>, term: &str) -> Result<Vec<f64>> {
    let eig = symmetrise(s)
        .self_adjoint_eigen(Side::Lower)
        .map_err(|_| GamError::Term {
            term: term.to_string(),
            message: "the penalty's eigen-decomposition failed (are the covariate values extreme?)".into(),
        })?;
    let mut v: Vec<f64> = (0..s.nrows()).map(|i| eig.S()[i]).collect();
    v.sort_by(|a, b| b.total_cmp(a));
    Ok(v)
}

/// `S + Σ_i factors[i] λ_r v_i v_iᵀ`, `v_i` the orthonormal columns of
/// `null` (spanning the null space of `S`) and `λ_r` the smallest of the
/// other eigenvalues of `S`.
pub(crate) fn shrink_null_space(s: &Mat<f64>, null: &Mat<f64>, factors: &[f64], term: &str) -> Result<Mat<f64>> {
    let k = s.nrows();
    let values = eigenvalues_desc(s, term)?;
    let lambda_r = values[k - null.ncols() - 1];
    let mut out = symmetrise(s);
    for (c, f) in factors.iter().enumerate() {
        let w = f * lambda_r;
        for i in 0..k {
            for j in 0..k {
                out[(i, j)] += w * null[(i, c)] * null[(j, c)];
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_space_gets_the_fractions_of_the_smallest_positive_eigenvalue() {
        let s = Mat::from_fn(3, 3, |i, j| if i == j && i < 2 { [4.0, 2.0][i] } else { 0.0 });
        let null = Mat::from_fn(3, 1, |i, _| if i == 2 { 1.0 } else { 0.0 });
        let out = shrink_null_space(&s, &null, &[SHRINK], "s(x)").unwrap();
        assert_eq!(out[(2, 2)], 0.2);
        assert_eq!(out[(0, 0)], 4.0);
    }
}
