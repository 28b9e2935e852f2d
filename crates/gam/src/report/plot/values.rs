//! The numbers every plot is made of, as mgcv's `plot.gam` computes them:
//! a term's value and standard error at the rows of its prediction matrix
//! `X_g` (its columns only, the `by` variable set to 1),
//!
//! ```text
//! fit = X_g β_j,     se = m · sqrt(rowSums((X_g V_j) ∘ X_g)),
//! ```
//!
//! the rows padded with the training column means and `V_p` for `V_j`
//! under `seWithMean`; and the partial residuals, the term's value at each
//! training row plus its working residual times the square root of its
//! working weight.

use faer::Mat;

use crate::data::DataFrame;
use crate::design::smooth::{By, SmoothTerm};
use crate::error::Result;
use crate::model::GamModel;

/// The values and `m`-multiplied standard errors of a term at the rows of a matrix.
pub(super) type Evaluate<'a> = dyn Fn(&Mat<f64>, f64) -> (Vec<f64>, Vec<f64>) + 'a;

/// The training rows the fit kept (mgcv's model frame: `na.omit`, derived
/// columns evaluated) and their working residuals times the square root of
/// their working weights.
pub(super) struct Training {
    pub(super) data: DataFrame,
    pub(super) sqrt_w_resid: Vec<f64>,
}

pub(super) fn training(model: &GamModel, data: &DataFrame) -> Result<Training> {
    let rows = crate::report::training::training_rows(model, data)?;
    let theta = &model.theta;
    // mgcv's `weights` and `residuals` of a fit (gam.fit3): the Fisher
    // weights `w_p / (V g'²)` and the working residuals of the full Newton
    // step, `(y − μ) g' / α` with `α = 1 + (y − μ)(V'/V + g''/g')` (1 for a
    // canonical link).
    let canonical = model.family.is_canonical(model.link);
    let sqrt_w_resid = rows
        .obs
        .iter()
        .zip(&rows.eta)
        .map(|(o, &eta)| {
            let mu = model.link.inverse(eta);
            if let Some(d) = model.family.dev_derivatives(*o, mu, theta) {
                // gam.fit4 (betar): weights ½E[D_ηη], residuals −D_η/D_ηη.
                let [w, wf, _, _, r] = d.eta_weights(model.link.derivatives(mu));
                return wf.max(0.0).sqrt() * r / w;
            }
            let [v0, v1, _, _] = model.family.variance(mu, theta);
            let [g1, g2, _, _] = model.link.derivatives(mu);
            let alpha = match 1.0 + (o.y - mu) * (v1 / v0 + g2 / g1) {
                _ if canonical => 1.0,
                0.0 => f64::EPSILON,
                a => a,
            };
            let w = o.w / (v0 * g1 * g1);
            w.sqrt() * (o.y - mu) * g1 / alpha
        })
        .collect();
    Ok(Training {
        data: rows.data,
        sqrt_w_resid,
    })
}

/// The column means of the training model matrix (mgcv's `cmX`), for
/// `seWithMean`.
pub(super) fn column_means(model: &GamModel, train: &DataFrame) -> Result<Vec<f64>> {
    let x = model.design.model_matrix(train)?;
    let n = x.nrows() as f64;
    Ok((0..x.ncols())
        .map(|j| (0..x.nrows()).map(|i| x[(i, j)]).sum::<f64>() / n)
        .collect())
}

/// The values, and `m`-multiplied standard errors, of `term` (its
/// coefficients `beta` starting at column `first`) at the rows of a matrix
/// of its columns; with `col_means`, a centred term's rows are padded to
/// every column with them and `vp` is used whole.
pub(super) fn evaluator<'a>(
    term: &'a SmoothTerm,
    first: usize,
    beta: &'a [f64],
    vp: &'a Mat<f64>,
    col_means: Option<&'a [f64]>,
) -> impl Fn(&Mat<f64>, f64) -> (Vec<f64>, Vec<f64>) + 'a {
    let k = beta.len();
    let p = vp.nrows();
    let cols = first..first + k;
    move |xg: &Mat<f64>, m: f64| {
        let fit = (0..xg.nrows())
            .map(|i| (0..k).map(|c| xg[(i, c)] * beta[c]).sum())
            .collect();
        let se = (0..xg.nrows())
            .map(|i| {
                let var = match (col_means, term.constraint.is_some()) {
                    (Some(means), true) => {
                        let row: Vec<f64> = (0..p)
                            .map(|j| {
                                if cols.contains(&j) {
                                    xg[(i, j - first)]
                                } else {
                                    means[j]
                                }
                            })
                            .collect();
                        quad(&row, vp, 0)
                    }
                    _ => {
                        let row: Vec<f64> = (0..k).map(|c| xg[(i, c)]).collect();
                        quad(&row, vp, first)
                    }
                };
                m * var.max(0.0).sqrt()
            })
            .collect();
        (fit, se)
    }
}

/// The partial residuals of `term` (coefficients `beta`) at the training
/// rows, when `wanted` (mgcv's `residuals = TRUE`).
pub(super) fn partial_residuals(
    term: &SmoothTerm,
    train: &Training,
    beta: &[f64],
    wanted: bool,
) -> Result<Option<Vec<f64>>> {
    if !wanted {
        return Ok(None);
    }
    let x = term.design(&train.data)?;
    Ok(Some(
        (0..x.nrows())
            .map(|i| (0..beta.len()).map(|c| x[(i, c)] * beta[c]).sum::<f64>() + train.sqrt_w_resid[i])
            .collect(),
    ))
}

/// The term's columns of the model matrix at `data`, its `by` variable set
/// to 1 (mgcv's plot data frame holds `by = 1`).
pub(super) fn term_matrix(term: &SmoothTerm, data: &DataFrame) -> Result<Mat<f64>> {
    let unmasked = SmoothTerm {
        by: By::None,
        ..term.clone()
    };
    unmasked.design(data)
}

/// `rᵀ V[o.., o..] r` for the block of `v` starting at row and column `o`.
pub(super) fn quad(r: &[f64], v: &Mat<f64>, o: usize) -> f64 {
    let mut s = 0.0;
    for (a, &ra) in r.iter().enumerate() {
        if ra == 0.0 {
            continue;
        }
        let mut t = 0.0;
        for (b, &rb) in r.iter().enumerate() {
            t += v[(o + a, o + b)] * rb;
        }
        s += ra * t;
    }
    s
}
