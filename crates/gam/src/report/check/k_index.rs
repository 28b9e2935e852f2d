//! The basis-dimension check of mgcv's `gam.check` (`k.check`): is there
//! residual pattern along a smooth's covariates that a larger basis would
//! pick up?
//!
//! With `r` the deviance residuals of the training rows (a random subsample
//! of [`KCheckOptions::subsample`] rows when there are more), for each smooth:
//!
//! ```text
//! v = mean((r_i − r_nb(i))²) / 2,     k-index = v / mean(r²)
//! ```
//!
//! where `nb(i)` is the next row in the order of the covariate (one
//! covariate: differences of the sorted residuals) or each of the 3 nearest
//! rows in the covariates' space (several covariates; a tensor product's
//! covariates first rescaled to `[0, g_j]`, `g_j` the mean absolute slope of
//! the fitted term along covariate `j`). A k-index below 1 says neighbouring
//! residuals are more alike than at random. The p-value is the share of
//! [`KCheckOptions::n_rep`] random permutations of the residuals whose `v`
//! is below the observed one (random: seeded by [`KCheckOptions::seed`],
//! with another generator than R's). A term of a factor (a random effect)
//! is not tested (NaN).

use faer::Mat;
use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use rand::seq::SliceRandom;
use serde::Serialize;

use crate::data::{Column, DataFrame};
use crate::design::smooth::{By, SmoothTerm};
use crate::error::Result;
use crate::model::GamModel;

/// Neighbours per row for a term of several covariates (mgcv's `nn`).
const NEIGHBOURS: usize = 3;

/// Settings of [`k_check`], with `k.check`'s defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct KCheckOptions {
    /// At most this many rows are used (a random subsample of larger data).
    pub subsample: usize,
    /// Permutations for the p-value.
    pub n_rep: usize,
    /// Seed of the permutations and the subsample.
    pub seed: u64,
}

impl Default for KCheckOptions {
    fn default() -> Self {
        KCheckOptions {
            subsample: 5000,
            n_rep: 400,
            seed: 1,
        }
    }
}

/// One row of the basis-dimension table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KCheckRow {
    /// The term's label.
    pub term: String,
    /// Its number of coefficients (mgcv's `k'`).
    pub k_prime: usize,
    /// Its effective degrees of freedom.
    pub edf: f64,
    /// The k-index (NaN for a term that is not tested).
    pub k_index: f64,
    /// The permutation p-value (NaN for a term that is not tested).
    pub p_value: f64,
}

/// mgcv's `k.check`: the basis-dimension table of `gam.check` for each
/// smooth term of `model`, on `data`, the frame it was fitted to.
pub fn k_check(model: &GamModel, data: &DataFrame, opts: &KCheckOptions) -> Result<Vec<KCheckRow>> {
    let rows = crate::report::training::training_rows(model, data)?;
    let r = rows
        .obs
        .iter()
        .zip(&rows.eta)
        .map(|(&o, &eta)| super::residuals::deviance_residual(model, o, model.link.inverse(eta)))
        .collect();
    k_check_on(model, rows.data, r, opts)
}

/// [`k_check`] on the training rows (with their derived columns) and their
/// deviance residuals, already computed.
pub(super) fn k_check_on(
    model: &GamModel,
    mut rows: DataFrame,
    mut r: Vec<f64>,
    opts: &KCheckOptions,
) -> Result<Vec<KCheckRow>> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(opts.seed);
    if r.len() > opts.subsample {
        let mut pick = rand::seq::index::sample(&mut rng, r.len(), opts.subsample).into_vec();
        pick.sort_unstable();
        rows = rows.select_rows(&pick);
        r = pick.iter().map(|&i| r[i]).collect();
    }
    let mean_sq = r.iter().map(|v| v * v).sum::<f64>() / r.len() as f64;
    let offsets = model.design.smooth_offsets();
    let mut out = Vec::with_capacity(offsets.len());
    for (term, &first) in model.design.smooths.iter().zip(&offsets) {
        let k = term.n_coef();
        let edf = model.edf[first..first + k].iter().sum();
        let covariates = numeric_covariates(term, &rows);
        let (k_index, p_value) = match covariates {
            Some(cols) if !term.random => {
                let pairs = if cols.len() == 1 {
                    sorted_pairs(&cols[0])
                } else {
                    let cols = if term.basis.has_margins() {
                        rescaled(term, &cols, &model.coefficients[first..first + k])?
                    } else {
                        cols
                    };
                    neighbour_pairs(&cols)
                };
                let v_obs = half_mean_sq_diff(&r, &pairs);
                let mut shuffled = r.clone();
                let below = (0..opts.n_rep)
                    .filter(|_| {
                        shuffled.shuffle(&mut rng);
                        half_mean_sq_diff(&shuffled, &pairs) < v_obs
                    })
                    .count();
                (v_obs / mean_sq, below as f64 / opts.n_rep.max(1) as f64)
            }
            _ => (f64::NAN, f64::NAN),
        };
        out.push(KCheckRow {
            term: term.label.clone(),
            k_prime: k,
            edf,
            k_index,
            p_value,
        });
    }
    Ok(out)
}

/// The term's covariates (not its `by` variable) as numbers; None if one is a factor.
fn numeric_covariates(term: &SmoothTerm, rows: &DataFrame) -> Option<Vec<Vec<f64>>> {
    term.spec
        .vars
        .iter()
        .map(|v| match rows.column(v)? {
            Column::Numeric(x) => Some(x.clone()),
            Column::Factor(_) => None,
        })
        .collect()
}

/// Consecutive rows in the order of `x` (ties in row order, as R's `order`).
fn sorted_pairs(x: &[f64]) -> Vec<(usize, usize)> {
    let mut order: Vec<usize> = (0..x.len()).collect();
    order.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    order.windows(2).map(|w| (w[1], w[0])).collect()
}

/// Each row with each of its [`NEIGHBOURS`] nearest other rows (Euclidean
/// distance over the columns `cols`).
fn neighbour_pairs(cols: &[Vec<f64>]) -> Vec<(usize, usize)> {
    let n = cols[0].len();
    let mut pairs = Vec::with_capacity(n * NEIGHBOURS);
    for i in 0..n {
        let mut near: Vec<(f64, usize)> = (0..n)
            .filter(|&j| j != i)
            .map(|j| (cols.iter().map(|c| (c[i] - c[j]).powi(2)).sum::<f64>(), j))
            .collect();
        let k = NEIGHBOURS.min(near.len());
        if k == 0 {
            continue;
        }
        near.select_nth_unstable_by(k - 1, |a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        near.truncate(k);
        pairs.extend(near.iter().map(|&(_, j)| (i, j)));
    }
    pairs
}

/// `mean((r_a − r_b)²) / 2` over the pairs.
fn half_mean_sq_diff(r: &[f64], pairs: &[(usize, usize)]) -> f64 {
    pairs.iter().map(|&(a, b)| (r[a] - r[b]).powi(2)).sum::<f64>() / pairs.len().max(1) as f64 / 2.0
}

/// A tensor product's covariates rescaled as `k.check` does: each to
/// `[0, g_j]` with `g_j` the mean absolute change of the fitted term per
/// unit of covariate `j` (a step of 1/1000 of its range).
fn rescaled(term: &SmoothTerm, cols: &[Vec<f64>], beta: &[f64]) -> Result<Vec<Vec<f64>>> {
    let plain = SmoothTerm {
        by: By::None,
        ..term.clone()
    };
    let frame = |cols: &[Vec<f64>]| {
        DataFrame::new(
            term.spec
                .vars
                .iter()
                .zip(cols)
                .map(|(v, c)| (v.clone(), Column::Numeric(c.clone())))
                .collect(),
        )
    };
    let values = |x: &Mat<f64>| -> Vec<f64> {
        (0..x.nrows())
            .map(|i| (0..x.ncols()).map(|c| x[(i, c)] * beta[c]).sum())
            .collect()
    };
    let f0 = values(&plain.design(&frame(cols)?)?);
    let mut out = Vec::with_capacity(cols.len());
    for (j, col) in cols.iter().enumerate() {
        let (lo, hi) = col
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
        let dx = (hi - lo) / 1000.0;
        let mut shifted = cols.to_vec();
        shifted[j].iter_mut().for_each(|v| *v += dx);
        let fp = values(&plain.design(&frame(&shifted)?)?);
        let slope = fp.iter().zip(&f0).map(|(a, b)| (a - b).abs()).sum::<f64>() / f0.len() as f64 / dx;
        let span = hi - lo;
        out.push(col.iter().map(|v| slope * (v - lo) / span).collect());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neighbours_of_points_on_a_line_are_the_nearest_three() {
        let x = vec![0.0, 1.0, 2.0, 3.0, 10.0];
        let pairs = neighbour_pairs(&[x]);
        let of = |i: usize| {
            let mut v: Vec<usize> = pairs.iter().filter(|p| p.0 == i).map(|p| p.1).collect();
            v.sort_unstable();
            v
        };
        assert_eq!(of(0), vec![1, 2, 3]);
        assert_eq!(of(4), vec![1, 2, 3]);
        assert_eq!(sorted_pairs(&[3.0, 1.0, 2.0]), vec![(2, 1), (0, 2)]);
    }
}
