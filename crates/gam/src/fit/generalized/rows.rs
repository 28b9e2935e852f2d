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
//! The block products themselves live in [`crate::linalg::blocks`], which
//! prediction uses on a matrix it holds.

use std::ops::Range;
use std::sync::Arc;

use faer::{Mat, MatRef};

use crate::data::DataFrame;
use crate::design::Design;
use crate::error::Result;
use crate::linalg::blocks::{block_crosses, block_mat_vec, combine, split_crosses, sum_mats, triangular_factor};
use crate::linalg::chunks::{BLOCK_ROWS, combine_in_order, par_map, row_chunks, try_par_map};

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
            Source::Held(x) => Ok(par_map(row_chunks(self.n, BLOCK_ROWS), |r| {
                f(r.clone(), x.as_ref().subrows(r.start, r.len()))
            })),
            Source::Chunked { design, data, chunk } => try_par_map(row_chunks(self.n, *chunk), |r| {
                let rows: Vec<usize> = r.clone().collect();
                let xc = design.model_matrix(&data.select_rows(&rows))?;
                Ok(f(r, xc.as_ref()))
            }),
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
            triangular_factor(&aug)
        })?;
        let r = combine_in_order(factors, combine).unwrap_or_else(|| Mat::zeros(0, cols));
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
