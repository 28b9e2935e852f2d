//! Products with a model matrix taken block of rows by block of rows, in
//! parallel (rayon): `X v`, `X_cᵀ D X_c`, `diag(X A Xᵀ)`, and the
//! triangular factor of stacked blocks. Each block product is exact; the
//! sums over blocks differ from the whole-matrix products by rounding only.

use faer::linalg::matmul::triangular::{self, BlockStructure};
use faer::{Accum, Mat, MatRef, Par};

use super::chunks::{BLOCK_ROWS, combine_in_order, par_map, row_chunks};

/// The upper-triangular factor of a matrix (its first min(rows, cols) rows).
pub fn triangular_factor(m: &Mat<f64>) -> Mat<f64> {
    let r = m.qr().thin_R().to_owned();
    Mat::from_fn(r.nrows(), r.ncols(), |i, j| if i <= j { r[(i, j)] } else { 0.0 })
}

/// Combines the factors of two row blocks into the factor of both.
pub fn combine(a: Mat<f64>, b: Mat<f64>) -> Mat<f64> {
    let cols = a.ncols();
    let stacked = Mat::from_fn(a.nrows() + b.nrows(), cols, |i, j| {
        if i < a.nrows() {
            a[(i, j)]
        } else {
            b[(i - a.nrows(), j)]
        }
    });
    triangular_factor(&stacked)
}

/// The sum of per-block `rows x cols` matrices (zeros when there are none).
pub fn sum_mats(parts: Vec<Mat<f64>>, rows: usize, cols: usize) -> Mat<f64> {
    combine_in_order(parts, |a, b| a + b).unwrap_or_else(|| Mat::zeros(rows, cols))
}

/// `X_c v`, column by column (X is stored by columns).
pub fn block_mat_vec(xc: MatRef<'_, f64>, v: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; xc.nrows()];
    for (j, &vj) in v.iter().enumerate() {
        if vj != 0.0 {
            for (o, xij) in out.iter_mut().zip(xc.col(j).iter()) {
                *o += xij * vj;
            }
        }
    }
    out
}

/// `X_cᵀ [D_1 X_c, D_2 X_c, ...]` (p x p·k) with `D_k = diag(ds[k][start..])`, lower
/// triangles only (each product is symmetric: half the arithmetic); [`split_crosses`] fills
/// the upper triangles after the blocks are summed.
pub fn block_crosses(xc: MatRef<'_, f64>, ds: &[&[f64]], start: usize) -> Mat<f64> {
    let p = xc.ncols();
    let rows = xc.nrows();
    let mut out = Mat::<f64>::zeros(p, p * ds.len());
    let mut b = Mat::<f64>::zeros(rows, p);
    for (m, d) in ds.iter().enumerate() {
        let d = &d[start..start + rows];
        for j in 0..p {
            for ((o, xv), dv) in b.col_mut(j).iter_mut().zip(xc.col(j).iter()).zip(d) {
                *o = xv * dv;
            }
        }
        triangular::matmul(
            out.as_mut().subcols_mut(m * p, p),
            BlockStructure::TriangularLower,
            Accum::Replace,
            xc.transpose(),
            BlockStructure::Rectangular,
            b.as_ref(),
            BlockStructure::Rectangular,
            1.0,
            Par::Seq,
        );
    }
    out
}

/// The p x p blocks of a p x p·k matrix of [`block_crosses`], made symmetric from their lower
/// triangles.
pub fn split_crosses(total: &Mat<f64>, k: usize) -> Vec<Mat<f64>> {
    let p = total.nrows();
    (0..k)
        .map(|m| Mat::from_fn(p, p, |i, j| total[(i.max(j), m * p + i.min(j))]))
        .collect()
}

/// `diag(X_c A X_cᵀ)`.
pub fn block_quadratic_diagonal(xc: MatRef<'_, f64>, a: &Mat<f64>) -> Vec<f64> {
    let xa = xc * a;
    let mut out = vec![0.0; xc.nrows()];
    for j in 0..xc.ncols() {
        for ((o, u), v) in out.iter_mut().zip(xa.col(j).iter()).zip(xc.col(j).iter()) {
            *o += u * v;
        }
    }
    out
}

/// `X v` for a held matrix, by blocks of rows in parallel.
pub fn mat_vec(x: &Mat<f64>, v: &[f64]) -> Vec<f64> {
    let parts: Vec<Vec<f64>> = par_map(row_chunks(x.nrows(), BLOCK_ROWS), |r| {
        block_mat_vec(x.as_ref().subrows(r.start, r.len()), v)
    });
    parts.concat()
}

/// `diag(X A Xᵀ)` for a held matrix and a p x p matrix A, by blocks of rows in parallel.
pub fn quadratic_diagonal(x: &Mat<f64>, a: &Mat<f64>) -> Vec<f64> {
    let parts: Vec<Vec<f64>> = par_map(row_chunks(x.nrows(), BLOCK_ROWS), |r| {
        block_quadratic_diagonal(x.as_ref().subrows(r.start, r.len()), a)
    });
    parts.concat()
}
