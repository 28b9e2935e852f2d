//! Small helpers around faer: a serialisable dense matrix and common products.

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

    /// Builds the faer matrix.
    pub fn to_mat(&self) -> Mat<f64> {
        Mat::from_fn(self.rows, self.cols, |i, j| self.data[i * self.cols + j])
    }
}
