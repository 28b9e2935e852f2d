//! Small helpers around faer, below everything else in the data flow.
//!
//! - [`StoredMat`]: a dense matrix as a model file stores it (row-major, checked when read).
//! - [`chunks`]: how rows are cut into chunks and blocks.
//! - [`blocks`]: products with a model matrix block of rows by block of rows.
//! - [`householder`]: Householder QR with LAPACK's reflectors and `dgeqp3`'s column pivoting.
//! - [`dot`], [`trace`], [`trace_of_product`], [`symmetrise`], [`drop_columns`]: small dense helpers.

pub mod blocks;
pub mod chunks;
pub mod householder;

use faer::Mat;
use serde::{Deserialize, Serialize};

/// A dense matrix stored row-major, for saving inside a model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredMat {
    /// Number of rows.
    pub rows: usize,
    /// Number of columns.
    pub cols: usize,
    /// Row-major entries.
    pub data: Vec<f64>,
}

impl StoredMat {
    /// Copies a faer matrix.
    pub fn from_mat(m: &Mat<f64>) -> StoredMat {
        let mut data = Vec::with_capacity(m.nrows() * m.ncols());
        for i in 0..m.nrows() {
            for j in 0..m.ncols() {
                data.push(m[(i, j)]);
            }
        }
        StoredMat {
            rows: m.nrows(),
            cols: m.ncols(),
            data,
        }
    }

    /// Checks a matrix read back from a file: `rows x cols` as expected, as
    /// many entries as that (computed without overflow, so absurd stored
    /// dimensions are refused rather than allocated), every entry finite.
    /// `what` names the matrix in the message.
    pub fn check(&self, what: &str, rows: usize, cols: usize) -> Result<(), String> {
        if (self.rows, self.cols) != (rows, cols) {
            return Err(format!(
                "{what} is {} x {}, but should be {rows} x {cols}",
                self.rows, self.cols
            ));
        }
        if rows.checked_mul(cols) != Some(self.data.len()) {
            return Err(format!(
                "{what} is {rows} x {cols} but holds {} entries",
                self.data.len()
            ));
        }
        match self.data.iter().position(|v| !v.is_finite()) {
            Some(i) => Err(format!(
                "{what} has a non-finite entry at row {}, column {}",
                i / cols + 1,
                i % cols + 1
            )),
            None => Ok(()),
        }
    }

    /// Builds the faer matrix.
    pub fn to_mat(&self) -> Mat<f64> {
        Mat::from_fn(self.rows, self.cols, |i, j| self.data[i * self.cols + j])
    }
}

/// `(M + M') / 2`.
pub fn symmetrise(m: &Mat<f64>) -> Mat<f64> {
    Mat::from_fn(m.nrows(), m.ncols(), |i, j| 0.5 * (m[(i, j)] + m[(j, i)]))
}

/// Trace of a square matrix.
pub fn trace(m: &Mat<f64>) -> f64 {
    (0..m.nrows()).map(|i| m[(i, i)]).sum()
}

/// `tr(A B)` without forming the product.
pub fn trace_of_product(a: &Mat<f64>, b: &Mat<f64>) -> f64 {
    let mut acc = 0.0;
    for i in 0..a.nrows() {
        for k in 0..a.ncols() {
            acc += a[(i, k)] * b[(k, i)];
        }
    }
    acc
}

/// Dot product.
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// The columns of `x` except `deleted` (ascending); `x` itself, not copied,
/// when none is deleted.
pub fn drop_columns(x: Mat<f64>, deleted: &[usize]) -> Mat<f64> {
    if deleted.is_empty() {
        return x;
    }
    let keep: Vec<usize> = (0..x.ncols()).filter(|j| deleted.binary_search(j).is_err()).collect();
    Mat::from_fn(x.nrows(), keep.len(), |i, c| x[(i, keep[c])])
}
