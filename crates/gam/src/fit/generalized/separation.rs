//! Perfect separation in binomial models: a term that predicts a 0/1
//! outcome exactly has no finite maximum-likelihood coefficient, and for an
//! unpenalised (parametric, or a smooth's null-space) direction the penalty
//! does not rescue it. Rather than return a model whose coefficients have
//! run off towards infinity, the fit stops with an error naming the term.
//!
//! Two checks: before fitting, each parametric column against the response
//! (a factor level whose rows all have the same outcome, or a numeric
//! column whose values split the 0s from the 1s); after fitting, any fitted
//! probability numerically 0 or 1, blamed on the term contributing most to
//! that row's linear predictor.

use super::rows::ModelRows;

use crate::design::Design;
use crate::design::response::ResponseData;
use crate::error::{GamError, Result};

/// Fitted probabilities with `μ(1 − μ)` below this count as numerically 0 or
/// 1 (|logit μ| ≳ 23): a fitted probability of 1e-10 arises only when a
/// term separates the outcomes.
pub const SEPARATION_TOL: f64 = 1e-10;

fn separation_error(term: &str, detail: String) -> GamError {
    GamError::Separation {
        term: term.to_string(),
        detail,
    }
}

/// Checks every parametric column of a binomial model with an intercept for
/// perfect separation of the response.
pub fn check_parametric(design: &Design, rows: &ModelRows, response: &ResponseData) -> Result<()> {
    if !design.intercept {
        return Ok(());
    }
    let n = rows.n();
    let n_param = 1 + design.parametric.iter().map(|t| t.n_coef()).sum::<usize>();
    // The intercept and parametric columns only: one pass, n x (parametric) numbers.
    let x = rows.columns(0..n_param)?;
    let y: Vec<f64> = response.obs.iter().map(|o| o.y).collect();
    let positive = |i: usize| response.obs[i].w > 0.0;
    let names = design.coef_names();
    let mut at = 1;
    for t in &design.parametric {
        for j in at..at + t.n_coef() {
            let col: Vec<f64> = (0..n).map(|i| x[(i, j)]).collect();
            let is_indicator = col.iter().all(|&v| v == 0.0 || v == 1.0);
            if is_indicator {
                let ys: Vec<f64> = (0..n).filter(|&i| col[i] == 1.0 && positive(i)).map(|i| y[i]).collect();
                if !ys.is_empty() && (ys.iter().all(|&v| v == 0.0) || ys.iter().all(|&v| v == 1.0)) {
                    let level = names[j].strip_prefix(t.label()).unwrap_or(&names[j]);
                    return Err(separation_error(
                        t.label(),
                        format!("has level {level} whose {} rows all have outcome {}", ys.len(), ys[0]),
                    ));
                }
            } else if y.iter().all(|&v| v == 0.0 || v == 1.0) {
                let range = |outcome: f64| {
                    (0..n)
                        .filter(|&i| y[i] == outcome && positive(i))
                        .map(|i| col[i])
                        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)))
                };
                let (lo0, hi0) = range(0.0);
                let (lo1, hi1) = range(1.0);
                if hi0 < lo1 || hi1 < lo0 {
                    let (c, side) = if hi0 < lo1 { (hi0, "above") } else { (hi1, "below") };
                    return Err(separation_error(
                        t.label(),
                        format!(
                            "splits the outcomes exactly: y = 1 exactly when {} is {side} {c}",
                            t.label()
                        ),
                    ));
                }
            }
        }
        at += t.n_coef();
    }
    Ok(())
}

/// After a binomial fit: fails if any fitted probability is numerically 0
/// or 1, naming the term that contributes most to that row's linear
/// predictor and the row (`rows` holds the 1-based data row of each fitted row).
pub fn check_fitted(design: &Design, x: &ModelRows, beta: &[f64], mu: &[f64], rows: &[usize]) -> Result<()> {
    let Some(i) = mu.iter().position(|&m| m * (1.0 - m) < SEPARATION_TOL) else {
        return Ok(());
    };
    let count = mu.iter().filter(|&&m| m * (1.0 - m) < SEPARATION_TOL).count();
    let xi = x.row(i)?;
    let (term, _) = design
        .term_columns()
        .into_iter()
        .map(|(label, cols)| {
            let c: f64 = cols.map(|j| xi[j] * beta[j]).sum();
            (label, c.abs())
        })
        .fold((String::new(), -1.0), |best, t| if t.1 > best.1 { t } else { best });
    Err(separation_error(
        &term,
        format!(
            "drives the fitted probability of {count} row(s) to numerically {} (first: data row {}, fitted {:e})",
            if mu[i] < 0.5 { 0 } else { 1 },
            rows[i],
            mu[i]
        ),
    ))
}
