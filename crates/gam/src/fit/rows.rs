//! The model matrix X of a generalized fit, seen as blocks of rows: held in
//! memory, or rebuilt from the data one chunk of rows at a time so that the
//! n x p matrix never exists.
//!
//! Everything the penalised IRLS and the Laplace REML derivatives need from
//! X is a sum over rows (`XᵀDX`, `Xᵀv`) or a per-row quantity (`Xβ`,
//! `x_iᵀAx_i`), so every use is a pass over blocks: [`ModelRows::map_blocks`]
//! hands each block `X_c` (its row range and matrix) to a closure, in
//! parallel (rayon), and returns the results in row order. A held matrix is
//! cut into views of [`BLOCK_ROWS`] rows; a chunked one builds each chunk's
//! model matrix from the design and the data (memory O(chunk·p) per thread),
//! so a pass costs one basis evaluation per row on top of its arithmetic:
//! callers fuse what they need into as few passes as possible.
//!
//! The free functions ([`mat_vec`], [`quadratic_diagonal`], ...) do the same
//! on a matrix the caller holds (prediction).

use std::ops::Range;
use std::sync::Arc;

use faer::linalg::matmul::triangular::{self, BlockStructure};
use faer::{Accum, Mat, MatRef, Par};
use rayon::prelude::*;

use super::accumulate::row_chunks;
use crate::data::DataFrame;
use crate::design::Design;
use crate::error::Result;

/// Rows per block when the matrix is held: a block of 4096 x 40 doubles
/// (1.3 MB) stays in cache while its products are formed.
pub const BLOCK_ROWS: usize = 4096;

/// The model matrix of a fit, held or rebuilt by chunks (see the module doc).
#[derive(Debug, Clone)]
pub struct ModelRows {
    n: usize,
    p: usize,
    source: Source,
}

#[derive(Debug, Clone)]
enum Source {
    /// The whole matrix, shared (a problem with another family parameter is a cheap clone).
    Held(Arc<Mat<f64>>),
    /// The design and the rows it is built from, `chunk` rows at a time.
    Chunked {
        design: Arc<Design>,
        data: Arc<DataFrame>,
        chunk: usize,
    },
}

impl ModelRows {
    /// A model matrix held in memory.
    pub fn held(x: Mat<f64>) -> ModelRows {
        ModelRows {
            n: x.nrows(),
            p: x.ncols(),
            source: Source::Held(Arc::new(x)),
        }
    }

    /// The model matrix of `design` at the rows of `data`, built `chunk` rows at a time whenever
    /// it is used.
    pub fn chunked(design: Arc<Design>, data: Arc<DataFrame>, chunk: usize) -> ModelRows {
        ModelRows {
            n: data.nrows(),
            p: design.n_coef(),
            source: Source::Chunked {
                design,
                data,
                chunk: chunk.max(1),
            },
        }
    }

    /// Number of rows.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Number of columns (coefficients).
    pub fn p(&self) -> usize {
        self.p
    }

    /// Whether the rows are rebuilt by chunks rather than held.
    pub fn is_chunked(&self) -> bool {
        matches!(self.source, Source::Chunked { .. })
    }

    /// `f(rows, X_rows)` for every block of rows, in parallel; the results in row order.
    pub fn map_blocks<T: Send>(&self, f: impl Fn(Range<usize>, MatRef<'_, f64>) -> T + Sync + Send) -> Result<Vec<T>> {
        match &self.source {
            Source::Held(x) => Ok(row_chunks(self.n, BLOCK_ROWS)
                .into_par_iter()
                .map(|r| f(r.clone(), x.as_ref().subrows(r.start, r.len())))
                .collect()),
            Source::Chunked { design, data, chunk } => row_chunks(self.n, *chunk)
                .into_par_iter()
                .map(|r| {
                    let rows: Vec<usize> = r.clone().collect();
                    let xc = design.model_matrix(&data.select_rows(&rows))?;
                    Ok(f(r, xc.as_ref()))
                })
                .collect(),
        }
    }

    /// `X v`.
    pub fn mat_vec(&self, v: &[f64]) -> Result<Vec<f64>> {
        Ok(self.map_blocks(|_, xc| block_mat_vec(xc, v))?.concat())
    }

    /// `Xᵀ v` for several vectors `v` in one pass.
    pub fn mat_t_vecs(&self, vs: &[&[f64]]) -> Result<Vec<Vec<f64>>> {
        let parts = self.map_blocks(|r, xc| {
            let b = Mat::from_fn(r.len(), vs.len(), |i, k| vs[k][r.start + i]);
            xc.transpose() * &b
        })?;
        let total = sum_mats(parts, self.p, vs.len());
        Ok((0..vs.len()).map(|k| total.col(k).iter().copied().collect()).collect())
    }

    /// `Xᵀ diag(d_k) X` for several weight vectors at once, in one pass.
    pub fn weighted_crosses(&self, ds: &[&[f64]]) -> Result<Vec<Mat<f64>>> {
        let parts = self.map_blocks(|r, xc| block_crosses(xc, ds, r.start))?;
        Ok(split_crosses(&sum_mats(parts, self.p, self.p * ds.len()), ds.len()))
    }

    /// `Xᵀ diag(d) X`.
    pub fn weighted_cross(&self, d: &[f64]) -> Result<Mat<f64>> {
        Ok(self.weighted_crosses(&[d])?.pop().expect("one product"))
    }

    /// The upper-triangular factor R (p+1 x p+1 when `z` is given, else p x p) of
    /// `diag(s) [X, z]` (s = 1 when `scale` is `None`): `RᵀR` equals that matrix's cross
    /// product. Each block is reduced by QR and the factors are combined pairwise.
    pub fn triangular_factor(&self, scale: Option<&[f64]>, z: Option<&[f64]>) -> Result<Mat<f64>> {
        let cols = self.p + usize::from(z.is_some());
        let factors = self.map_blocks(|r, xc| {
            let s = |i: usize| scale.map_or(1.0, |s| s[r.start + i]);
            let aug = Mat::from_fn(r.len(), cols, |i, j| {
                let v = if j < self.p {
                    xc[(i, j)]
                } else {
                    z.expect("z column")[r.start + i]
                };
                v * s(i)
            });
            super::accumulate::triangular_factor(&aug)
        })?;
        let r = factors
            .into_par_iter()
            .reduce_with(super::accumulate::combine)
            .unwrap_or_else(|| Mat::zeros(0, cols));
        Ok(Mat::from_fn(
            cols,
            cols,
            |i, j| if i < r.nrows() { r[(i, j)] } else { 0.0 },
        ))
    }

    /// Row `i` of X.
    pub fn row(&self, i: usize) -> Result<Vec<f64>> {
        match &self.source {
            Source::Held(x) => Ok((0..self.p).map(|j| x[(i, j)]).collect()),
            Source::Chunked { design, data, .. } => {
                let xi = design.model_matrix(&data.select_rows(&[i]))?;
                Ok((0..self.p).map(|j| xi[(0, j)]).collect())
            }
        }
    }

    /// The columns `cols` of X (n x cols.len()), e.g. the parametric ones.
    pub fn columns(&self, cols: Range<usize>) -> Result<Mat<f64>> {
        let parts = self.map_blocks(|_, xc| xc.subcols(cols.start, cols.len()).to_owned())?;
        let mut out = Mat::zeros(self.n, cols.len());
        let mut at = 0;
        for part in parts {
            for j in 0..part.ncols() {
                for i in 0..part.nrows() {
                    out[(at + i, j)] = part[(i, j)];
                }
            }
            at += part.nrows();
        }
        Ok(out)
    }
}

/// The sum of per-block `rows x cols` matrices (zeros when there are none).
pub fn sum_mats(parts: Vec<Mat<f64>>, rows: usize, cols: usize) -> Mat<f64> {
    parts.into_par_iter().reduce(|| Mat::zeros(rows, cols), |a, b| a + b)
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
    let parts: Vec<Vec<f64>> = row_chunks(x.nrows(), BLOCK_ROWS)
        .into_par_iter()
        .map(|r| block_mat_vec(x.as_ref().subrows(r.start, r.len()), v))
        .collect();
    parts.concat()
}

/// `diag(X A Xᵀ)` for a held matrix and a p x p matrix A, by blocks of rows in parallel.
pub fn quadratic_diagonal(x: &Mat<f64>, a: &Mat<f64>) -> Vec<f64> {
    let parts: Vec<Vec<f64>> = row_chunks(x.nrows(), BLOCK_ROWS)
        .into_par_iter()
        .map(|r| block_quadratic_diagonal(x.as_ref().subrows(r.start, r.len()), a))
        .collect();
    parts.concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matrix(n: usize, p: usize) -> Mat<f64> {
        Mat::from_fn(n, p, |i, j| {
            ((i * 7 + j * 13) % 17) as f64 / 17.0 - 0.3 + (j == 0) as usize as f64
        })
    }

    #[test]
    fn block_products_equal_the_dense_ones() {
        let (n, p) = (BLOCK_ROWS * 2 + 37, 5);
        let x = matrix(n, p);
        let rows = ModelRows::held(x.clone());
        let v: Vec<f64> = (0..p).map(|j| j as f64 - 1.5).collect();
        let d: Vec<f64> = (0..n).map(|i| 1.0 + (i % 5) as f64).collect();
        let u: Vec<f64> = (0..n).map(|i| (i % 3) as f64 - 1.0).collect();
        let xv = &x * Mat::from_fn(p, 1, |j, _| v[j]);
        let got = rows.mat_vec(&v).unwrap();
        assert!((0..n).all(|i| (got[i] - xv[(i, 0)]).abs() < 1e-12));
        let xtu = x.transpose() * Mat::from_fn(n, 1, |i, _| u[i]);
        let got = rows.mat_t_vecs(&[&u, &d]).unwrap();
        assert!((0..p).all(|j| (got[0][j] - xtu[(j, 0)]).abs() < 1e-9));
        let xtdx = x.transpose() * Mat::from_fn(n, p, |i, j| d[i] * x[(i, j)]);
        let got = rows.weighted_cross(&d).unwrap();
        assert!((0..p).all(|i| (0..p).all(|j| (got[(i, j)] - xtdx[(i, j)]).abs() < 1e-8)));
        // RᵀR = XᵀDX for the factor of diag(√d) X.
        let sd: Vec<f64> = d.iter().map(|v| v.sqrt()).collect();
        let r = rows.triangular_factor(Some(&sd), None).unwrap();
        let rtr = r.transpose() * &r;
        assert!((0..p).all(|i| (0..p).all(|j| (rtr[(i, j)] - xtdx[(i, j)]).abs() < 1e-8 * xtdx[(i, i)].abs())));
        assert_eq!(
            rows.row(BLOCK_ROWS + 3).unwrap(),
            (0..p).map(|j| x[(BLOCK_ROWS + 3, j)]).collect::<Vec<_>>()
        );
        let cols = rows.columns(1..3).unwrap();
        assert!((0..n).all(|i| cols[(i, 0)] == x[(i, 1)] && cols[(i, 1)] == x[(i, 2)]));
    }
}
