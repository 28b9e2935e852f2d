//! The linear algebra of the truncation: the `k` dominant eigenpairs of `E`,
//! ordered and oriented reproducibly, and mgcv's Householder "QT"
//! factorisation that absorbs the constraint `T' U_k delta_k = 0`.

use faer::{Col, Mat, Side};

use crate::error::{GamError, Result};

/// An eigenvector whose inner product with the Lanczos start vector is below
/// this (both have unit length) is oriented by its largest entry instead.
const SIGN_REFERENCE_MIN_DOT: f64 = 1e-8;

/// The `k` eigenpairs of `e` with largest |eigenvalue| (ties to the positive
/// one), ordered by decreasing eigenvalue and oriented against mgcv's Lanczos
/// start vector.
pub(crate) fn truncated_eigen(e: &Mat<f64>, k: usize, term: &str) -> Result<(Mat<f64>, Vec<f64>)> {
    let n = e.nrows();
    let start = lanczos_start(n);
    let (values, vectors) = match dominant_eigen(e, k, &start) {
        Some(found) => found,
        None => {
            let evd = e.self_adjoint_eigen(Side::Lower).map_err(|err| GamError::Term {
                term: term.to_string(),
                message: format!("eigen-decomposition of the penalty's kernel matrix failed: {err:?}"),
            })?;
            let values: Vec<f64> = evd.S().column_vector().iter().copied().collect();
            (values, evd.U().to_owned())
        }
    };
    let n = values.len();
    // Ascending values: take from the top or the bottom, whichever is larger in magnitude.
    let (mut lo, mut hi) = (0usize, n);
    for _ in 0..k {
        if values[hi - 1].abs() >= values[lo].abs() {
            hi -= 1;
        } else {
            lo += 1;
        }
    }
    let order: Vec<usize> = (hi..n).rev().chain((0..lo).rev()).collect();
    let rows = e.nrows();
    let mut u = Mat::<f64>::zeros(rows, k);
    let mut chosen = Vec::with_capacity(k);
    for (c, &idx) in order.iter().enumerate() {
        let col = vectors.col(idx);
        let dot: f64 = col.iter().zip(&start).map(|(a, b)| a * b).sum();
        let sign = if dot.abs() > SIGN_REFERENCE_MIN_DOT {
            dot.signum()
        } else {
            let big = col
                .iter()
                .copied()
                .fold(0.0f64, |acc, v| if v.abs() > acc.abs() { v } else { acc });
            if big < 0.0 { -1.0 } else { 1.0 }
        };
        for i in 0..rows {
            u[(i, c)] = sign * col[i];
        }
        chosen.push(values[idx]);
    }
    Ok((u, chosen))
}

/// Below this size the exact dense eigensolver is as fast as Lanczos.
const LANCZOS_MIN_N: usize = 80;

/// A Ritz pair is accepted when its residual ‖E v − θ v‖ is below this
/// fraction of the largest |eigenvalue| (mgcv's own Lanczos tolerance is of
/// the same order, and the fitted values are insensitive below it).
const LANCZOS_RESIDUAL_TOL: f64 = 1e-12;

/// The eigenpairs of `e` at both ends of its spectrum, enough to contain the
/// `k` of largest magnitude, by Lanczos iteration with full
/// reorthogonalisation from `start`. Returns eigenvalues ascending with their
/// eigenvectors as columns, or `None` when the Krylov space needed is not
/// much smaller than `e` (the dense solver is then the better tool) or the
/// iteration did not converge.
///
/// Both ends of the spectrum are extreme eigenvalues, which Lanczos finds
/// first; each wanted Ritz pair is checked by its residual
/// `|β_m s_m|` before it is used, so an unconverged one is never returned.
fn dominant_eigen(e: &Mat<f64>, k: usize, start: &[f64]) -> Option<(Vec<f64>, Mat<f64>)> {
    let n = e.nrows();
    if n < LANCZOS_MIN_N {
        return None;
    }
    let mut m = (3 * k + 20).min(n);
    loop {
        if 2 * m > n {
            return None;
        }
        if let Some(found) = lanczos_once(e, k, start, m) {
            return Some(found);
        }
        m *= 2;
    }
}

fn lanczos_once(e: &Mat<f64>, k: usize, start: &[f64], m: usize) -> Option<(Vec<f64>, Mat<f64>)> {
    let n = e.nrows();
    let mut q = Mat::<f64>::zeros(n, m);
    let mut alpha = vec![0.0; m];
    let mut beta = vec![0.0; m];
    for i in 0..n {
        q[(i, 0)] = start[i];
    }
    for j in 0..m {
        let mut w: Col<f64> = e * q.col(j);
        alpha[j] = q.col(j).transpose() * &w;
        // Full reorthogonalisation (twice, for stability) against all previous vectors.
        for _ in 0..2 {
            let basis = q.subcols(0, j + 1);
            let d: Col<f64> = basis.transpose() * &w;
            w -= basis * &d;
        }
        let b = w.norm_l2();
        beta[j] = b;
        if j + 1 < m {
            if b == 0.0 {
                // An invariant subspace: the Krylov space cannot grow from this start.
                return None;
            }
            q.col_mut(j + 1).copy_from(&(&w * (1.0 / b)));
        }
    }
    let evd = tridiagonal(&alpha, &beta, m).self_adjoint_eigen(Side::Lower).ok()?;
    let theta: Vec<f64> = evd.S().column_vector().iter().copied().collect();
    let s = evd.U();
    let top = theta.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    // The k of largest magnitude plus one more at each end, so that the
    // caller's choice between the two ends is made among converged pairs.
    let (mut lo, mut hi) = (0usize, m);
    for _ in 0..(k + 1).min(m) {
        if theta[hi - 1].abs() >= theta[lo].abs() {
            hi -= 1;
        } else {
            lo += 1;
        }
    }
    let keep: Vec<usize> = (0..lo.min(m)).chain(hi..m).collect();
    for &c in &keep {
        if (beta[m - 1] * s[(m - 1, c)]).abs() > LANCZOS_RESIDUAL_TOL * top {
            return None;
        }
    }
    let s_keep = Mat::from_fn(m, keep.len(), |r, c| s[(r, keep[c])]);
    let vectors = &q * &s_keep;
    Some((keep.iter().map(|&c| theta[c]).collect(), vectors))
}

/// mgcv's `slanczos(A, k, -1)` tolerance, `sqrt(.Machine$double.eps)`, used by
/// its R-level constructors (`gp`, `ds`); tp's C code uses `ε^0.7`.
pub(crate) const SLANCZOS_TOL: f64 = 1.490_116_119_384_765_6e-8;

/// The `k` eigenpairs of largest |eigenvalue| of `e` as mgcv's `Rlanczos`
/// (`slanczos(e, k, -1, tol)`) returns them: its Lanczos iteration from its
/// start vector with full reorthogonalisation, stopped where it stops (the
/// Ritz values' error bounds below `tol` times the largest |Ritz value|,
/// checked at its iterations), so that the Ritz pairs are mgcv's, not the
/// exact eigenpairs: with mgcv's loose tolerance they differ from those by up
/// to about 1e-9 relative. Ordered as [`truncated_eigen`] orders them (the
/// positive ones descending, then the negative ones descending) and oriented
/// to a positive first Lanczos coordinate (mgcv's signs are LAPACK's, free).
///
/// `k` must be below the size of `e`. Falls back to [`truncated_eigen`] if
/// the iteration breaks down (an invariant Krylov subspace), which mgcv's
/// does not guard against.
pub(crate) fn mgcv_lanczos(e: &Mat<f64>, k: usize, tol: f64, term: &str) -> Result<(Mat<f64>, Vec<f64>)> {
    let n = e.nrows();
    if k == 0 || k >= n {
        return truncated_eigen(e, k, term);
    }
    // How often mgcv decomposes T_j: every max(k/2, 10) iterations, at most n/10.
    let f_check = (k / 2).max(10).min((n / 10).max(1));
    let mut q: Vec<Col<f64>> = vec![Col::from_fn(n, |i| lanczos_start(n)[i])];
    let (mut alpha, mut beta) = (Vec::with_capacity(n), Vec::with_capacity(n));
    let mut found: Option<(Vec<f64>, Mat<f64>, usize, usize)> = None;
    for j in 0..n {
        let mut z: Col<f64> = e * &q[j];
        let a = q[j].transpose() * &z;
        alpha.push(a);
        if j == 0 {
            z -= &q[j] * a;
        } else {
            let b = beta[j - 1];
            z -= &q[j] * a + &q[j - 1] * b;
            // Full reorthogonalisation, twice, one vector at a time.
            for _ in 0..2 {
                for qi in &q[..=j] {
                    let x = qi.transpose() * &z;
                    z -= qi * x;
                }
            }
        }
        let b = z.norm_l2();
        beta.push(b);
        if j + 1 < n {
            if b == 0.0 {
                return truncated_eigen(e, k, term);
            }
            q.push(&z * (1.0 / b));
        }
        if !((j >= k && j % f_check == 0) || j + 1 == n) {
            continue;
        }
        let len = j + 1;
        let Ok(evd) = tridiagonal(&alpha, &beta, len).self_adjoint_eigen(Side::Lower) else {
            return truncated_eigen(e, k, term);
        };
        // Descending, as mgcv_trisymeig returns them.
        let d: Vec<f64> = (0..len).rev().map(|i| evd.S()[i]).collect();
        let v = Mat::from_fn(len, len, |r, c| evd.U()[(r, len - 1 - c)]);
        let err: Vec<f64> = (0..len).map(|c| (b * v[(len - 1, c)]).abs()).collect();
        if j < k {
            continue;
        }
        let max_err = d[0].abs().max(d[len - 1].abs()) * tol;
        let (mut pi, mut ni, mut converged) = (0usize, 0usize, true);
        while pi + ni < k {
            if d[pi].abs() >= d[j - ni].abs() {
                if err[pi] > max_err {
                    converged = false;
                    break;
                }
                pi += 1;
            } else {
                // mgcv tests err[ni] here (not the bound of d[j - ni]); kept, as it
                // decides when the iteration stops.
                if err[ni] > max_err {
                    converged = false;
                    break;
                }
                ni += 1;
            }
        }
        if converged || j + 1 == n {
            if !converged {
                // mgcv then returns the k algebraically largest; refuse instead.
                return truncated_eigen(e, k, term);
            }
            found = Some((d, v, pi, ni));
            break;
        }
    }
    let Some((d, v, pi, ni)) = found else {
        return truncated_eigen(e, k, term);
    };
    let len = d.len();
    let cols: Vec<usize> = (0..pi).chain(len - ni..len).collect();
    let mut u = Mat::<f64>::zeros(n, k);
    for (c, &idx) in cols.iter().enumerate() {
        let sign = if v[(0, idx)] < 0.0 { -1.0 } else { 1.0 };
        for (l, ql) in q.iter().take(len).enumerate() {
            let w = sign * v[(l, idx)];
            for i in 0..n {
                u[(i, c)] += ql[i] * w;
            }
        }
    }
    Ok((u, cols.iter().map(|&i| d[i]).collect()))
}

/// The symmetric tridiagonal `len x len` matrix of a Lanczos iteration:
/// diagonal `alpha`, off-diagonal `beta`.
fn tridiagonal(alpha: &[f64], beta: &[f64], len: usize) -> Mat<f64> {
    Mat::from_fn(len, len, |i, j| {
        if i == j {
            alpha[i]
        } else if i + 1 == j {
            beta[i]
        } else if j + 1 == i {
            beta[j]
        } else {
            0.0
        }
    })
}

/// mgcv's deterministic Lanczos start vector (a small linear congruential
/// sequence, centred and normalised).
fn lanczos_start(n: usize) -> Vec<f64> {
    let (ia, ic, im) = (106u64, 1283u64, 6075u64);
    let mut jran = 1u64;
    let mut v: Vec<f64> = (0..n)
        .map(|_| {
            jran = (jran * ia + ic) % im;
            jran as f64 / im as f64 - 0.5
        })
        .collect();
    let norm = v.iter().map(|a| a * a).sum::<f64>().sqrt();
    for a in &mut v {
        *a /= norm;
    }
    v
}

/// mgcv's QT factorisation of the `r x c` matrix `a` (`r < c`): Householder
/// reflections `H_i = I - u_i u_i'`, `i = 0..r`, each folding the first
/// `c - i` entries of row `i` (as transformed by the earlier reflections) onto
/// entry `c - 1 - i`, so that `a H_0 ... H_{r-1} = [0, B]`. Returns
/// `Q = H_0 ... H_{r-1}` (`c x c`).
pub(super) fn qt_orthogonal(a: &Mat<f64>) -> Mat<f64> {
    let (r, c) = (a.nrows(), a.ncols());
    let mut work = a.clone();
    let mut q = Mat::<f64>::identity(c, c);
    for i in 0..r {
        let len = c - i;
        let mut v: Vec<f64> = (0..len).map(|j| work[(i, j)]).collect();
        let scale = v.iter().fold(0.0f64, |acc, x| acc.max(x.abs()));
        if scale == 0.0 {
            continue;
        }
        for x in &mut v {
            *x /= scale;
        }
        let mut norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        if v[len - 1] < 0.0 {
            norm = -norm;
        }
        v[len - 1] += norm;
        let g = 1.0 / (norm * v[len - 1]);
        // Apply H = I - g v v' from the right to the remaining rows and to Q.
        let reflect = |m: &mut Mat<f64>, row: usize| {
            let s: f64 = (0..len).map(|j| m[(row, j)] * v[j]).sum::<f64>() * g;
            for (j, vj) in v.iter().enumerate() {
                m[(row, j)] -= s * vj;
            }
        };
        for row in i + 1..r {
            reflect(&mut work, row);
        }
        for row in 0..c {
            reflect(&mut q, row);
        }
        for j in 0..len - 1 {
            work[(i, j)] = 0.0;
        }
        work[(i, len - 1)] = -norm * scale;
    }
    q
}
