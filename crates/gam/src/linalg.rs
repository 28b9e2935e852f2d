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
