//! The penalised least-squares problem reduced over row chunks, so that the
//! n x p model matrix is never held in memory.
//!
//! The data's rows are cut into chunks of [`CHUNK_ROWS`](crate::linalg::chunks::CHUNK_ROWS); for each chunk the
//! model matrix is built and the augmented block `[√w X_c, √w z_c]` is
//! reduced by QR to its triangular factor. Two triangular factors combine
//! into the factor of the stacked rows by one more QR of the two stacked
//! `(p+1) x (p+1)` blocks, since `[A; B] = Q [R_A; R_B]`-style orthogonal
//! transformations leave `AᵀA + BᵀB` unchanged. The chunks are reduced in
//! parallel (rayon) and combined pairwise, so memory is O(p² + chunk·p) per
//! thread and the result is the factor of the whole augmented matrix, the
//! same [`LsqProblem`] that [`LsqProblem::from_dense`] gives up to rounding.

use std::ops::Range;

use faer::Mat;

use super::reml::LsqProblem;
use crate::data::DataFrame;
use crate::design::Design;
use crate::error::Result;
use crate::linalg::blocks::{combine, triangular_factor};
use crate::linalg::chunks::{combine_in_order, row_chunks, try_par_map};

/// The factor of the augmented matrix `[√w X, √w z]` over the rows `range`.
fn chunk_factor(
    design: &Design,
    data: &DataFrame,
    z: &[f64],
    w: Option<&[f64]>,
    range: Range<usize>,
) -> Result<Mat<f64>> {
    let rows: Vec<usize> = range.clone().collect();
    let sub = data.select_rows(&rows);
    let x = design.model_matrix(&sub)?;
    let p = x.ncols();
    let sw = |i: usize| w.map_or(1.0, |w| w[range.start + i].sqrt());
    let aug = Mat::from_fn(rows.len(), p + 1, |i, j| {
        let v = if j < p { x[(i, j)] } else { z[range.start + i] };
        v * sw(i)
    });
    Ok(triangular_factor(&aug))
}

impl LsqProblem {
    /// Reduces the problem `min ‖√w (z − Xβ)‖²` with `X` the model matrix of
    /// `design` at the rows of `data`, chunk by chunk in parallel (see the
    /// module documentation); `chunk` rows per chunk.
    pub fn from_chunks(
        design: &Design,
        data: &DataFrame,
        z: &[f64],
        w: Option<&[f64]>,
        chunk: usize,
    ) -> Result<LsqProblem> {
        let n = data.nrows();
        let p = design.n_coef();
        let factors: Vec<Mat<f64>> = try_par_map(row_chunks(n, chunk), |r| chunk_factor(design, data, z, w, r))?;
        let r_aug = combine_in_order(factors, combine).unwrap_or_else(|| Mat::zeros(0, p + 1));
        // Pad to (p+1) x (p+1) if there were fewer rows than columns.
        let r_aug = Mat::from_fn(p + 1, p + 1, |i, j| if i < r_aug.nrows() { r_aug[(i, j)] } else { 0.0 });
        Ok(LsqProblem::from_factor(&r_aug, z, w))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_the_rows_once() {
        let c = row_chunks(10, 4);
        assert_eq!(c, vec![0..4, 4..8, 8..10]);
        assert!(row_chunks(0, 4).is_empty());
        assert_eq!(row_chunks(3, 0), vec![0..1, 1..2, 2..3]);
    }
}
