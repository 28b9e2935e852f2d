//! mgcv's `nat.param`: the "natural" reparameterisation of a singly
//! penalised basis, in which the penalty is diagonal and its null space is
//! the trailing columns (mgcv 1.8-41 `smooth.r` lines 15-127, types 0 and 1
//! with `unit.fnorm = TRUE`). Used by the factor-smooth interaction `fs`.
//!
//! With `X = QR` (thin QR), the eigen-decomposition `R⁻ᵀ S R⁻¹ = U D Uᵀ`
//! (eigenvalues decreasing) gives `P = R⁻¹ U`: the model matrix `X P = Q U`
//! has orthonormal columns and the penalty `Pᵀ S P = D`. Type 1 further
//! divides each penalised column by `√d`, making the penalty the identity
//! on the range space. Finally (`unit.fnorm`) the penalised and the
//! unpenalised columns are each scaled so that their mean square is one.
//!
//! **Free choices.** The sign of each eigenvector is free, so each column of
//! `P` is determined up to its sign only. Worse, the null-space eigenvalues
//! are rounding-level zeros, so the basis LAPACK returns for the null space
//! is an arbitrary rotation of it (in mgcv a 1e-14 change of the data
//! rotates it completely). Where that matters (`fs` penalises each null
//! column separately) the engine fixes the rotation: given target functions
//! (the monomials of the covariates in increasing degree: `1`, `x`, `z`,
//! `x²`, ...), the null columns become the Gram-Schmidt orthogonalisation of
//! the targets' projections on the null space, in order, each with the sign
//! that correlates positively with its target. So the first null column is
//! the constant function (a random intercept per level), the next the
//! linear ones. This is a documented difference from mgcv, whose choice
//! cannot be reproduced.

use faer::{Mat, Side};

use crate::error::{GamError, Result};

/// Which of mgcv's `nat.param` types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NatType {
    /// Type 0: the penalty becomes diagonal.
    Diagonal,
    /// Type 1: the penalty becomes the identity on its range space.
    Identity,
}

/// The result of [`nat_param`].
#[derive(Debug, Clone)]
pub struct NaturalParam {
    /// The reparameterised model matrix `X P` (`n x k`).
    pub x: Mat<f64>,
    /// `P` (`k x k`): original coefficients are `P` times the new ones.
    pub p: Mat<f64>,
    /// The positive diagonal of the new penalty (`rank` entries; zeros follow).
    pub d: Vec<f64>,
    /// The rank of the penalty.
    pub rank: usize,
}

/// mgcv's `nat.param(X, S, rank, type)` with `unit.fnorm = TRUE`, the null
/// space rotated towards the columns of `targets` (`n x t`, e.g.
/// [`monomials`]) as the module documentation says, if given. `rank` is the
/// penalty's rank as the basis knows it (mgcv passes the basis's `rank`).
/// `term` labels errors.
pub fn nat_param(
    term: &str,
    x: &Mat<f64>,
    s: &Mat<f64>,
    rank: usize,
    kind: NatType,
    targets: Option<&Mat<f64>>,
) -> Result<NaturalParam> {
    let (n, k) = (x.nrows(), x.ncols());
    let fail = |what: &str| GamError::Term {
        term: term.to_string(),
        message: format!("the natural reparameterisation failed: {what}"),
    };
    if n < k || rank > k || k == 0 {
        return Err(fail("fewer rows than basis functions"));
    }
    let r = x.qr().thin_R().to_owned();
    let r_inv = upper_inverse(&r).ok_or_else(|| fail("the model matrix is rank deficient"))?;
    let rsr = crate::linalg::symmetrise(&(r_inv.transpose() * s * &r_inv));
    let eig = rsr
        .self_adjoint_eigen(Side::Lower)
        .map_err(|_| fail("the eigen-decomposition did not converge"))?;
    // faer orders eigenvalues increasing; mgcv's eigen() decreasing.
    let u = Mat::from_fn(k, k, |i, j| eig.U()[(i, k - 1 - j)]);
    let mut d: Vec<f64> = (0..rank).map(|j| eig.S()[k - 1 - j]).collect();
    let mut p = &r_inv * &u;
    if kind == NatType::Identity {
        for (j, dj) in d.iter_mut().enumerate() {
            let e = dj.sqrt();
            for i in 0..k {
                p[(i, j)] /= e;
            }
            *dj = 1.0;
        }
    }
    let mut xp = x * &p;
    // unit.fnorm: the mean square of the penalised, and of the unpenalised, columns is one.
    for (cols, is_range) in [(0..rank, true), (rank..k, false)] {
        if cols.is_empty() {
            continue;
        }
        let ms = cols
            .clone()
            .map(|j| xp.col(j).iter().map(|v| v * v).sum::<f64>())
            .sum::<f64>()
            / (n * cols.len()) as f64;
        let scale = 1.0 / ms.sqrt();
        for j in cols {
            xp.col_mut(j).iter_mut().for_each(|v| *v *= scale);
            p.col_mut(j).iter_mut().for_each(|v| *v *= scale);
        }
        if is_range {
            d.iter_mut().for_each(|v| *v *= scale * scale);
        }
    }
    if let Some(t) = targets {
        rotate_null_space(&mut xp, &mut p, rank, t);
    }
    Ok(NaturalParam { x: xp, p, d, rank })
}

/// Fixes the free rotation of the null-space columns `rank..k` (orthogonal,
/// of equal norms, as [`nat_param`] leaves them): Gram-Schmidt on the
/// projections `X_nᵀ t` of the targets, skipping a target (numerically)
/// dependent on earlier ones. Columns the targets do not reach keep the
/// eigen-decomposition's directions, orthogonalised against the others.
fn rotate_null_space(x: &mut Mat<f64>, p: &mut Mat<f64>, rank: usize, targets: &Mat<f64>) {
    let (n, k) = (x.nrows(), x.ncols());
    let nd = k - rank;
    if nd < 2 {
        return;
    }
    let xn = Mat::from_fn(n, nd, |i, j| x[(i, rank + j)]);
    let proj = xn.transpose() * targets;
    let candidates = (0..proj.ncols())
        .map(|t| proj.col(t).iter().copied().collect::<Vec<f64>>())
        .chain((0..nd).map(|j| (0..nd).map(|i| f64::from(u8::from(i == j))).collect()));
    let mut basis: Vec<Vec<f64>> = Vec::with_capacity(nd);
    for c in candidates {
        if basis.len() == nd {
            break;
        }
        let size = c.iter().map(|v| v * v).sum::<f64>().sqrt();
        let mut v = c;
        // Twice, for orthogonality to rounding error.
        for _ in 0..2 {
            for u in &basis {
                let dot: f64 = u.iter().zip(&v).map(|(a, b)| a * b).sum();
                v.iter_mut().zip(u).for_each(|(a, b)| *a -= dot * b);
            }
        }
        let norm = v.iter().map(|a| a * a).sum::<f64>().sqrt();
        if norm > DEPENDENT * size && norm > 0.0 {
            basis.push(v.into_iter().map(|a| a / norm).collect());
        }
    }
    let rot = Mat::from_fn(nd, nd, |i, j| basis[j][i]);
    let new_x = &xn * &rot;
    let pn = Mat::from_fn(k, nd, |i, j| p[(i, rank + j)]);
    let new_p = &pn * &rot;
    for j in 0..nd {
        for i in 0..n {
            x[(i, rank + j)] = new_x[(i, j)];
        }
        for i in 0..k {
            p[(i, rank + j)] = new_p[(i, j)];
        }
    }
}

/// A target whose projection keeps less than this fraction of its size
/// after removing the earlier ones is taken as dependent on them.
const DEPENDENT: f64 = 1e-7;

/// The monomials of the covariates `x` (each standardised to mean 0 and
/// standard deviation 1, which changes no Gram-Schmidt result of a graded
/// sequence) of total degree up to `degree`, in increasing degree and, within
/// a degree, lexicographic order of the covariates (`1, x, z, x², xz, z²`):
/// `n x (number of monomials)`.
pub fn monomials(x: &[&[f64]], degree: usize) -> Mat<f64> {
    let n = x.first().map_or(0, |c| c.len());
    let std: Vec<Vec<f64>> = x
        .iter()
        .map(|c| {
            let mean = c.iter().sum::<f64>() / n.max(1) as f64;
            let sd = (c.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n.max(2).saturating_sub(1) as f64).sqrt();
            let sd = if sd > 0.0 { sd } else { 1.0 };
            c.iter().map(|v| (v - mean) / sd).collect()
        })
        .collect();
    // Each monomial as its (non-decreasing) list of covariate indices.
    let mut terms: Vec<Vec<usize>> = vec![Vec::new()];
    let mut last: Vec<Vec<usize>> = vec![Vec::new()];
    for _ in 0..degree {
        let mut next = Vec::new();
        for t in &last {
            for v in t.last().copied().unwrap_or(0)..x.len() {
                let mut m = t.clone();
                m.push(v);
                next.push(m);
            }
        }
        terms.extend(next.iter().cloned());
        last = next;
    }
    Mat::from_fn(n, terms.len(), |i, j| terms[j].iter().map(|&v| std[v][i]).product())
}

/// The inverse of an upper-triangular matrix, `None` if a diagonal entry is zero.
fn upper_inverse(r: &Mat<f64>) -> Option<Mat<f64>> {
    let k = r.nrows();
    // R's qr() treats columns below eps^0.8 of the largest as dependent.
    let largest = (0..k).map(|i| r[(i, i)].abs()).fold(0.0, f64::max);
    let tol = largest * f64::EPSILON.powf(0.8);
    let mut inv = Mat::<f64>::zeros(k, k);
    for col in 0..k {
        for i in (0..=col).rev() {
            let mut v = if i == col { 1.0 } else { 0.0 };
            for j in i + 1..=col {
                v -= r[(i, j)] * inv[(j, col)];
            }
            let diag = r[(i, i)];
            if diag.abs() <= tol || !diag.is_finite() {
                return None;
            }
            inv[(i, col)] = v / diag;
        }
    }
    Some(inv)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// X P reproduces the new model matrix, the penalty becomes diag(d, 0),
    /// the new columns are orthogonal and both blocks have unit mean square.
    #[test]
    fn reparameterises_as_documented() {
        let n = 40;
        let x = Mat::from_fn(n, 4, |i, j| {
            let t = i as f64 / n as f64;
            [1.0, t, (3.0 * t).sin(), (5.0 * t).cos()][j]
        });
        let s = Mat::from_fn(4, 4, |i, j| {
            if i < 2 || j < 2 {
                0.0
            } else if i == j {
                2.0
            } else {
                0.5
            }
        });
        for kind in [NatType::Diagonal, NatType::Identity] {
            let t = Mat::from_fn(n, 2, |i, j| if j == 0 { 1.0 } else { i as f64 });
            let np = nat_param("t", &x, &s, 2, kind, Some(&t)).unwrap();
            let xp = &x * &np.p;
            let pen = np.p.transpose() * &s * &np.p;
            for i in 0..4 {
                for j in 0..4 {
                    let want = if i == j && i < 2 { np.d[i] } else { 0.0 };
                    assert!((pen[(i, j)] - want).abs() < 1e-10, "{kind:?} S {i},{j}");
                }
                for r in 0..n {
                    assert!((xp[(r, i)] - np.x[(r, i)]).abs() < 1e-12);
                }
            }
            let ms = |cols: std::ops::Range<usize>| {
                let len = cols.len();
                cols.map(|j| np.x.col(j).iter().map(|v| v * v).sum::<f64>())
                    .sum::<f64>()
                    / (n * len) as f64
            };
            assert!((ms(0..2) - 1.0).abs() < 1e-12 && (ms(2..4) - 1.0).abs() < 1e-12);
            if kind == NatType::Identity {
                assert!((np.d[0] - np.d[1]).abs() < 1e-12);
            }
            // The constant function is the first null column, positive.
            let c = np.x.col(2);
            assert!(c[0] > 0.0 && c.iter().all(|v| (v - c[0]).abs() < 1e-10), "{kind:?}");
        }
    }

    #[test]
    fn rank_deficient_design_is_an_error() {
        let x = Mat::from_fn(10, 2, |i, _| i as f64);
        let s = Mat::<f64>::identity(2, 2);
        assert!(nat_param("t", &x, &s, 2, NatType::Identity, None).is_err());
    }
}

#[cfg(test)]
mod monomial_tests {
    use super::*;

    #[test]
    fn monomials_come_in_graded_order() {
        let (x, z) = ([0.0, 1.0, 2.0], [1.0, 1.0, 4.0]);
        let m = monomials(&[&x, &z], 2);
        assert_eq!(m.ncols(), 6);
        // Standardised: x → (-1, 0, 1); z → (-1/√3, -1/√3, 2/√3).
        let r3 = 3f64.sqrt();
        let want = [1.0, 1.0, 2.0 / r3, 1.0, 2.0 / r3, 4.0 / 3.0];
        for (j, w) in want.iter().enumerate() {
            assert!((m[(2, j)] - w).abs() < 1e-12, "{j}");
        }
    }
}
