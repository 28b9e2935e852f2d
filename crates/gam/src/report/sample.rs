//! Posterior draws of a fitted model's coefficients, and the fitted values
//! they give at the rows of a data frame: what mgcv users compute with
//! `rmvn(n, coef(b), vcov(b))` and `predict(b, newdata, type = "lpmatrix")`
//! for simultaneous intervals and derived quantities.
//!
//! # Maths
//! A draw is `β̃ = β̂ + L z` with `z` a vector of independent standard
//! normal deviates and `L Lᵀ = V_p` (mgcv's Bayesian posterior covariance
//! `Vp`), or with [`SampleOptions::unconditional`] `V_c` (`Vc`, corrected
//! for the uncertainty of the smoothing parameters). `L = U diag(√λ)` from the symmetric eigendecomposition `V_p = U Λ
//! Uᵀ`, with negative rounding-level eigenvalues set to zero, so a rank
//! deficient `V_p` (a coefficient fixed at zero) is drawn from exactly: the
//! draws vary only where `V_p` does. mgcv's `rmvn` uses a pivoted Cholesky
//! root of the same matrix: the distribution is the same, the deviates
//! differ (another generator). The fitted values of draw `d` at row `i` are
//! `x_iᵀ β̃_d + offset_i` on the link scale, or `g⁻¹` of that.
//!
//! # Guarantees
//! The same model, options and seed give the same draws, on any machine
//! (a fixed generator, Xoshiro256++). Sizes are checked before anything is
//! allocated: at most [`MAX_DRAWS`] draws and [`MAX_SAMPLE_CELLS`] numbers
//! in a result.

use faer::{Mat, Side};
use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use rand_distr::{Distribution, StandardNormal};
use serde::Serialize;

use crate::data::DataFrame;
use crate::error::{GamError, Result};
use crate::model::GamModel;
use crate::predict::PredictType;

/// The most draws one call makes.
pub const MAX_DRAWS: usize = 1_000_000;

/// The most numbers one result holds (draws × coefficients, or draws × rows): 160 MB.
pub const MAX_SAMPLE_CELLS: usize = 20_000_000;

/// Settings of [`posterior_draws`].
#[derive(Debug, Clone, PartialEq)]
pub struct SampleOptions {
    /// Number of draws.
    pub n: usize,
    /// Seed of the generator.
    pub seed: u64,
    /// Draw from `N(β̂, V_c)`, the covariance corrected for smoothing
    /// parameter uncertainty (mgcv's `vcov(b, unconditional = TRUE)`),
    /// instead of `V_p`.
    pub unconditional: bool,
}

impl Default for SampleOptions {
    fn default() -> Self {
        SampleOptions {
            n: 1000,
            seed: 1,
            unconditional: false,
        }
    }
}

/// Draws of the coefficients: `draws[d]` is draw `d`, in [`crate::design::Design::coef_names`] order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoefDraws {
    /// The coefficients' names.
    pub coef_names: Vec<String>,
    /// One vector of coefficients per draw.
    pub draws: Vec<Vec<f64>>,
}

/// The fitted values of each draw at the rows of a data frame.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FittedDraws {
    /// The rows' numbers in the data (1-based, as the CSV file counts data rows).
    pub rows: Vec<usize>,
    /// Link or response scale.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// One vector of fitted values per draw, one value per row.
    pub fit: Vec<Vec<f64>>,
}

fn too_many(what: &str, n: usize, per: usize) -> GamError {
    GamError::BadOption {
        option: "sample".into(),
        message: format!(
            "{n} draws x {per} {what} is more than {MAX_SAMPLE_CELLS} numbers: ask for fewer draws (--n) or rows"
        ),
    }
}

/// `opts.n` draws of `model`'s coefficients from their posterior `N(β̂, V_p)`.
pub fn posterior_draws(model: &GamModel, opts: &SampleOptions) -> Result<CoefDraws> {
    let p = model.coefficients.len();
    if opts.n == 0 || opts.n > MAX_DRAWS {
        return Err(GamError::BadOption {
            option: "sample".into(),
            message: format!("n = {}: give 1 to {MAX_DRAWS} draws", opts.n),
        });
    }
    if opts.n.saturating_mul(p) > MAX_SAMPLE_CELLS {
        return Err(too_many("coefficients", opts.n, p));
    }
    let v = match (&model.vc, opts.unconditional) {
        (Some(vc), true) => vc,
        // Without smoothing parameters to select there is nothing to correct: Vc is Vp.
        (None, true) if !model.sp.is_empty() => {
            return Err(GamError::BadOption {
                option: "sample".into(),
                message: "this model file holds no corrected covariance Vc (it was written by an older gam): refit it, or draw from Vp".into(),
            });
        }
        _ => &model.vp,
    };
    let root = covariance_root(&v.to_mat())?;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(opts.seed);
    let mut z = vec![0.0; p];
    let draws = (0..opts.n)
        .map(|_| {
            z.iter_mut().for_each(|v| *v = StandardNormal.sample(&mut rng));
            (0..p)
                .map(|i| model.coefficients[i] + (0..p).map(|j| root[(i, j)] * z[j]).sum::<f64>())
                .collect()
        })
        .collect();
    Ok(CoefDraws {
        coef_names: model.design.coef_names(),
        draws,
    })
}

/// `L` with `L Lᵀ = V` (see the module doc).
fn covariance_root(v: &Mat<f64>) -> Result<Mat<f64>> {
    let p = v.nrows();
    let sym = Mat::from_fn(p, p, |i, j| 0.5 * (v[(i, j)] + v[(j, i)]));
    let eig = sym.self_adjoint_eigen(Side::Lower).map_err(|_| GamError::BadOption {
        option: "sample".into(),
        message: "the model's covariance matrix has no eigendecomposition (is the model file damaged?)".into(),
    })?;
    let u = eig.U();
    let s = eig.S();
    Ok(Mat::from_fn(p, p, |i, j| u[(i, j)] * s[j].max(0.0).sqrt()))
}

/// The fitted values of each of `draws` at the rows of `data`.
pub fn fitted_draws(model: &GamModel, data: &DataFrame, draws: &CoefDraws, kind: PredictType) -> Result<FittedDraws> {
    let n = data.nrows();
    if draws.draws.len().saturating_mul(n) > MAX_SAMPLE_CELLS {
        return Err(too_many("rows", draws.draws.len(), n));
    }
    let (x, offset) = model.lp_matrix(data)?;
    let p = x.ncols();
    let fit = draws
        .draws
        .iter()
        .map(|b| {
            (0..n)
                .map(|i| {
                    let eta = offset[i] + (0..p).map(|j| x[(i, j)] * b[j]).sum::<f64>();
                    match kind {
                        PredictType::Link => eta,
                        PredictType::Response => model.link.inverse(eta),
                    }
                })
                .collect()
        })
        .collect();
    Ok(FittedDraws {
        rows: (0..n).map(|i| data.original_row(i) + 1).collect(),
        kind: match kind {
            PredictType::Link => "link",
            PredictType::Response => "response",
        },
        fit,
    })
}

/// The draws as CSV: a header `draw,<coefficient names>`, then one line per draw.
pub fn write_draws_csv(out: &mut dyn std::io::Write, d: &CoefDraws) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let csv_err = |e: csv::Error| std::io::Error::other(format!("writing draws: {e}"));
    w.write_record(std::iter::once("draw").chain(d.coef_names.iter().map(String::as_str)))
        .map_err(csv_err)?;
    for (k, b) in d.draws.iter().enumerate() {
        w.write_record(std::iter::once((k + 1).to_string()).chain(b.iter().map(f64::to_string)))
            .map_err(csv_err)?;
    }
    w.flush()
}

/// The fitted values of the draws as CSV, one line per draw and row: `draw,row,fit`.
pub fn write_fitted_draws_csv(out: &mut dyn std::io::Write, f: &FittedDraws) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let csv_err = |e: csv::Error| std::io::Error::other(format!("writing fitted draws: {e}"));
    w.write_record(["draw", "row", "fit"]).map_err(csv_err)?;
    for (k, fit) in f.fit.iter().enumerate() {
        for (row, v) in f.rows.iter().zip(fit) {
            w.write_record([(k + 1).to_string(), row.to_string(), v.to_string()])
                .map_err(csv_err)?;
        }
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_of_a_semidefinite_matrix_reproduces_it() {
        // Rank 1: [[1, 2], [2, 4]].
        let v = Mat::from_fn(2, 2, |i, j| [[1.0, 2.0], [2.0, 4.0]][i][j]);
        let l = covariance_root(&v).unwrap();
        let back = &l * l.transpose();
        for i in 0..2 {
            for j in 0..2 {
                assert!((back[(i, j)] - v[(i, j)]).abs() < 1e-12);
            }
        }
    }
}
