//! Comparing our basis and penalty matrices with mgcv's where columns are
//! eigenvectors with free signs: take each column's sign from mgcv's, then
//! compare relative to mgcv's largest entry.

use faer::Mat;

use super::json::nums;

/// A row-major matrix of `rows` rows from a reference's flat list.
pub fn mat(v: &serde_json::Value, rows: usize) -> Mat<f64> {
    let x = nums(v);
    let cols = x.len() / rows;
    Mat::from_fn(rows, cols, |i, j| x[i * cols + j])
}

pub fn max_abs(m: &Mat<f64>) -> f64 {
    (0..m.nrows())
        .flat_map(|i| (0..m.ncols()).map(move |j| (i, j)))
        .fold(0.0, |a, (i, j)| a.max(m[(i, j)].abs()))
}

/// Signs making each column of `ours` agree with mgcv's.
pub fn signs(ours: &Mat<f64>, theirs: &Mat<f64>) -> Vec<f64> {
    (0..ours.ncols())
        .map(|j| {
            let dot: f64 = (0..ours.nrows()).map(|i| ours[(i, j)] * theirs[(i, j)]).sum();
            if dot < 0.0 { -1.0 } else { 1.0 }
        })
        .collect()
}

/// max |ours·diag(s) − theirs| / max |theirs|.
pub fn x_diff(ours: &Mat<f64>, theirs: &Mat<f64>, s: &[f64]) -> f64 {
    assert_eq!((ours.nrows(), ours.ncols()), (theirs.nrows(), theirs.ncols()));
    let d = Mat::from_fn(ours.nrows(), ours.ncols(), |i, j| ours[(i, j)] * s[j] - theirs[(i, j)]);
    max_abs(&d) / max_abs(theirs)
}

/// max |diag(s)·ours·diag(s) − theirs| / max |theirs|.
pub fn s_diff(ours: &Mat<f64>, theirs: &Mat<f64>, s: &[f64]) -> f64 {
    let flipped = Mat::from_fn(ours.nrows(), ours.ncols(), |i, j| ours[(i, j)] * s[i]);
    x_diff(&flipped, theirs, s)
}
