//! mgcv's `nat.param(X, S, rank, type = 3, unit.fnorm = TRUE)`, the margin
//! reparameterisation of `t2()` (mgcv 1.8-41 `smooth.r` lines 15-69).
//!
//! With the eigen-decomposition `S = U Λ Uᵀ` (eigenvalues decreasing, the
//! last `k − r` zero), each column of `X U` is divided by `E_j`: `√λ_j` for
//! the penalised columns, and for the null columns the factor that gives
//! them the mean squared norm of the penalised ones. The penalty on the new
//! coefficients is then the identity on the first `r` and zero on the rest.
//! Type 3 then rotates the null columns by the eigenvectors of their centred
//! cross product, so that the constant function (if in the null space) is
//! the first null column; finally every column is multiplied by one factor
//! that makes the mean square of the model matrix one (mgcv scales the
//! penalised and the null columns separately, but after the steps above the
//! two factors are equal).
//!
//! **Which null-space basis.** The steps above are not invariant to the
//! basis `U_n` of the null space the eigen-decomposition returns (the
//! division by `E_j` is column by column), so neither is a `t2()` fit: a
//! rotation of `U_n` changes mgcv's REML score by up to 1% on our data. The
//! basis mgcv gets is LAPACK's (`dsyevr`, lower triangle), which reduces `S`
//! to tridiagonal form by Householder reflections that leave the first unit
//! vector `e₁` fixed: the reduction is the Lanczos process started from
//! `e₁`, whose Krylov space meets the null space only in the direction of
//! the projection of `e₁`. So LAPACK's null basis is that projection and
//! vectors orthogonal to `e₁`, and with a null space of dimension two (the
//! `cr`, `ps` and `bs` margins of order 2) it is determined up to signs;
//! when the null space is spanned by unit vectors (`tp`, whose penalty has
//! exact zero rows) LAPACK returns them. We take the Gram-Schmidt
//! orthogonalisation of the projections of `e₁, e₂, …` onto the null space,
//! which is that basis in both cases. For a null space of dimension three or
//! more not spanned by unit vectors, LAPACK's remaining vectors depend on
//! rounding in its reduction and cannot be reproduced; ours are the
//! continuation of the same rule (a documented difference from mgcv).

use faer::{Mat, Side};

use crate::error::{GamError, Result};

/// A projection of a unit vector onto the null space shorter than this
/// (after removing the earlier ones) is rounding, not a direction.
const NULL_DIRECTION: f64 = 1e-8;

/// The reparameterisation of one margin.
#[derive(Debug, Clone)]
pub(crate) struct Type3 {
    /// `X P` (`n x k`): the first `rank` columns penalised by a ridge, the rest not.
    pub x: Mat<f64>,
    /// `P` (`k x k`): the margin's model matrix times `P` is the new one.
    pub p: Mat<f64>,
}

/// mgcv's `nat.param(x, s, rank, type = 3)` with `unit.fnorm = TRUE`.
pub(crate) fn nat_param_type3(term: &str, x: &Mat<f64>, s: &Mat<f64>, rank: usize) -> Result<Type3> {
    let (n, k) = (x.nrows(), x.ncols());
    let fail = |what: &str| GamError::Term {
        term: term.to_string(),
        message: format!("the t2() margin reparameterisation failed: {what}"),
    };
    if k == 0 || n == 0 || rank == 0 || rank > k || s.nrows() != k || s.ncols() != k {
        return Err(fail("a margin has no penalised basis functions"));
    }
    let eig = crate::linalg::symmetrise(s)
        .self_adjoint_eigen(Side::Lower)
        .map_err(|_| fail("the eigen-decomposition did not converge"))?;
    // faer orders eigenvalues increasing; mgcv's eigen() decreasing.
    let values: Vec<f64> = (0..k).map(|j| eig.S()[k - 1 - j]).collect();
    let mut u = Mat::from_fn(k, k, |i, j| eig.U()[(i, k - 1 - j)]);
    if values[rank - 1] <= 0.0 {
        return Err(fail("the margin's penalty has a lower rank than its basis says"));
    }
    lapack_null_basis(&mut u, rank);
    // E: √λ on the range space; on the null space, what gives each null
    // column the average norm of the (scaled) range columns.
    let xu = x * &u;
    let col_norm: Vec<f64> = (0..k).map(|j| xu.col(j).iter().map(|v| v * v).sum::<f64>()).collect();
    let mut e: Vec<f64> = (0..k).map(|j| if j < rank { values[j].sqrt() } else { 1.0 }).collect();
    let av = (0..rank).map(|j| col_norm[j] / values[j]).sum::<f64>() / rank as f64;
    for j in rank..k {
        e[j] = (col_norm[j] / av).sqrt();
        if e[j].is_nan() || e[j] <= 0.0 {
            return Err(fail("a null-space basis function is zero at every data point"));
        }
    }
    let mut xp = Mat::from_fn(n, k, |i, j| xu[(i, j)] / e[j]);
    let mut p = Mat::from_fn(k, k, |i, j| u[(i, j)] / e[j]);
    if k - rank >= 2 {
        rotate_constant_first(&mut xp, &mut p, rank)?;
    }
    let ms = (0..rank)
        .map(|j| xp.col(j).iter().map(|v| v * v).sum::<f64>())
        .sum::<f64>()
        / (n * rank) as f64;
    let scale = 1.0 / ms.sqrt();
    xp *= scale;
    p *= scale;
    Ok(Type3 { x: xp, p })
}

/// Replaces the null columns `rank..k` of `u` by the Gram-Schmidt
/// orthogonalisation of the projections of `e₁, e₂, …` onto their span (see
/// the module documentation).
fn lapack_null_basis(u: &mut Mat<f64>, rank: usize) {
    let k = u.nrows();
    let nd = k - rank;
    if nd == 0 {
        return;
    }
    let null = Mat::from_fn(k, nd, |i, j| u[(i, rank + j)]);
    let mut basis: Vec<Vec<f64>> = Vec::with_capacity(nd);
    for unit in 0..k {
        if basis.len() == nd {
            break;
        }
        // The projection of e_unit: null · (row `unit` of null)ᵀ.
        let mut v: Vec<f64> = (0..k)
            .map(|i| (0..nd).map(|j| null[(i, j)] * null[(unit, j)]).sum())
            .collect();
        // Twice, for orthogonality to rounding error.
        for _ in 0..2 {
            for b in &basis {
                let dot: f64 = b.iter().zip(&v).map(|(a, c)| a * c).sum();
                v.iter_mut().zip(b).for_each(|(a, c)| *a -= dot * c);
            }
        }
        let norm = v.iter().map(|a| a * a).sum::<f64>().sqrt();
        if norm > NULL_DIRECTION {
            basis.push(v.into_iter().map(|a| a / norm).collect());
        }
    }
    // The unit vectors span everything, so `basis` is complete unless the
    // eigenvectors were not orthonormal; keep the decomposition's then.
    if basis.len() == nd {
        for (j, b) in basis.iter().enumerate() {
            for i in 0..k {
                u[(i, rank + j)] = b[i];
            }
        }
    }
}

/// Type 3's rotation of the null columns: by the eigenvectors of their
/// centred cross product, the eigenvector of the largest eigenvalue giving
/// the last column, so that the constant (eigenvalue zero) comes first.
fn rotate_constant_first(x: &mut Mat<f64>, p: &mut Mat<f64>, rank: usize) -> Result<()> {
    let (n, k) = (x.nrows(), x.ncols());
    let nd = k - rank;
    let xn = Mat::from_fn(n, nd, |i, j| x[(i, rank + j)]);
    let means: Vec<f64> = (0..nd).map(|j| xn.col(j).iter().sum::<f64>() / n as f64).collect();
    let centred = Mat::from_fn(n, nd, |i, j| xn[(i, j)] - means[j]);
    let gram = crate::linalg::symmetrise(&(centred.transpose() * &centred));
    let eig = gram.self_adjoint_eigen(Side::Lower).map_err(|_| GamError::Term {
        term: String::new(),
        message: "the t2() null-space rotation did not converge".into(),
    })?;
    // faer's increasing order is mgcv's decreasing order written backwards
    // (`rind`), which is where mgcv puts it: column rank + j gets the j-th
    // smallest eigenvalue's vector.
    let v = eig.U().to_owned();
    let new_x = &xn * &v;
    let pn = Mat::from_fn(k, nd, |i, j| p[(i, rank + j)]);
    let new_p = &pn * &v;
    for j in 0..nd {
        for i in 0..n {
            x[(i, rank + j)] = new_x[(i, j)];
        }
        for i in 0..k {
            p[(i, rank + j)] = new_p[(i, j)];
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A second-difference penalty on 5 coefficients (null space: constant
    /// and linear coefficient vectors) and a B-spline-like design.
    fn example() -> (Mat<f64>, Mat<f64>) {
        let d = Mat::from_fn(3, 5, |i, j| match j as i64 - i as i64 {
            0 | 2 => 1.0,
            1 => -2.0,
            _ => 0.0,
        });
        let s = d.transpose() * &d;
        // Bumps normalised to sum to one in each row, as B-splines do, so
        // that the constant is in the span of the null space.
        let bump = |i: usize, j: usize| {
            let t = i as f64 / 39.0 * 4.0 - j as f64;
            (-t * t).exp()
        };
        let x = Mat::from_fn(40, 5, |i, j| bump(i, j) / (0..5).map(|c| bump(i, c)).sum::<f64>());
        (x, s)
    }

    #[test]
    fn penalty_becomes_a_partial_identity_and_x_p_matches() {
        let (x, s) = example();
        let t = nat_param_type3("t", &x, &s, 3).unwrap();
        let new_s = t.p.transpose() * &s * &t.p;
        // Up to the final scaling, the range block is the identity.
        let c = new_s[(0, 0)];
        for i in 0..5 {
            for j in 0..5 {
                let want = if i == j && i < 3 { c } else { 0.0 };
                assert!((new_s[(i, j)] - want).abs() < 1e-10 * c, "{i} {j} {}", new_s[(i, j)]);
            }
        }
        let xp = &x * &t.p;
        assert!((0..40).all(|i| (0..5).all(|j| (xp[(i, j)] - t.x[(i, j)]).abs() < 1e-12)));
        // The first null column is constant.
        let col: Vec<f64> = (0..40).map(|i| t.x[(i, 3)]).collect();
        assert!(col.iter().all(|v| (v - col[0]).abs() < 1e-10 * col[0].abs()));
        // Mean square one.
        let ms = (0..40)
            .flat_map(|i| (0..5).map(move |j| (i, j)))
            .map(|(i, j)| t.x[(i, j)].powi(2))
            .sum::<f64>()
            / 200.0;
        assert!((ms - 1.0).abs() < 1e-12);
    }

    #[test]
    fn the_null_basis_does_not_depend_on_the_eigen_solver() {
        // Rotating the null eigenvectors must not change the result: the
        // LAPACK rule picks the basis from the span alone.
        let (_, s) = example();
        let eig = s.self_adjoint_eigen(Side::Lower).unwrap();
        let mut u = Mat::from_fn(5, 5, |i, j| eig.U()[(i, 4 - j)]);
        let mut rotated = u.clone();
        let (c, sn) = (0.3f64.cos(), 0.3f64.sin());
        for i in 0..5 {
            rotated[(i, 3)] = c * u[(i, 3)] - sn * u[(i, 4)];
            rotated[(i, 4)] = sn * u[(i, 3)] + c * u[(i, 4)];
        }
        lapack_null_basis(&mut u, 3);
        lapack_null_basis(&mut rotated, 3);
        for i in 0..5 {
            for j in 3..5 {
                assert!((u[(i, j)] - rotated[(i, j)]).abs() < 1e-12);
            }
        }
        // The second null vector is orthogonal to e1, as LAPACK's.
        assert!(u[(0, 4)].abs() < 1e-12);
    }
}
