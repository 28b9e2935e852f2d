//! The linear algebra of the truncation: the `k` dominant eigenpairs of `E`,
//! ordered and oriented reproducibly, and mgcv's Householder "QT"
//! factorisation that absorbs the constraint `T' U_k delta_k = 0`.

use faer::{Mat, Side};

use crate::error::{GamError, Result};

/// An eigenvector whose inner product with the Lanczos start vector is below
/// this (both have unit length) is oriented by its largest entry instead.
const SIGN_REFERENCE_MIN_DOT: f64 = 1e-8;

/// The `k` eigenpairs of `e` with largest |eigenvalue| (ties to the positive
/// one), ordered by decreasing eigenvalue and oriented against mgcv's Lanczos
/// start vector.
pub(super) fn truncated_eigen(e: &Mat<f64>, k: usize, term: &str) -> Result<(Mat<f64>, Vec<f64>)> {
    let n = e.nrows();
    let evd = e.self_adjoint_eigen(Side::Lower).map_err(|err| GamError::Term {
        term: term.to_string(),
        message: format!("eigen-decomposition of the thin plate penalty failed: {err:?}"),
    })?;
    let values: Vec<f64> = evd.S().column_vector().iter().copied().collect();
    let vectors = evd.U();
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
    let start = lanczos_start(n);
    let mut u = Mat::<f64>::zeros(n, k);
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
        for i in 0..n {
            u[(i, c)] = sign * col[i];
        }
        chosen.push(values[idx]);
    }
    Ok((u, chosen))
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
