//! Guards against fits that overflow double precision.
//!
//! A response of 1e300 squares to infinity, and the fit then "succeeds" with
//! a criterion of NaN and an infinite scale: a model that looks fitted, that
//! JSON cannot even store. Two guards make that an error instead:
//!
//! - before fitting, [`check_magnitudes`] refuses any value of a numeric
//!   column the model uses beyond [`MAX_MAGNITUDE`] in absolute value, naming
//!   the column and row; below it, squares and sums over 10^8 rows stay far
//!   from overflow;
//! - after fitting, [`check_result`] refuses a fit whose criterion, scale,
//!   coefficients or summary statistics are not finite, naming the most
//!   extreme value in the data (by its distance from its column's median in
//!   units of the column's median absolute deviation) as the likely cause.

use super::assemble::FitResult;
use crate::data::{Column, DataFrame};
use crate::error::{GamError, Result};

/// The largest magnitude of a value the fit accepts: its square (1e200)
/// times any realistic number of rows stays below the largest double (1.8e308).
pub const MAX_MAGNITUDE: f64 = 1e100;

/// A value this many median absolute deviations from its column's median is
/// named as the likely cause of a non-finite fit.
const EXTREME_MADS: f64 = 1e3;

/// Refuses values beyond [`MAX_MAGNITUDE`] (and infinities) in the numeric
/// columns `used`, naming the first in row order. Missing values (NaN) must
/// have been dropped before.
pub fn check_magnitudes(data: &DataFrame, used: &[String]) -> Result<()> {
    for name in used {
        let Some(Column::Numeric(v)) = data.column(name) else {
            continue;
        };
        if let Some(i) = v.iter().position(|x| x.is_nan() || x.abs() > MAX_MAGNITUDE) {
            let message = if v[i].is_finite() {
                format!(
                    "{} is too large to fit in double precision (the limit is {MAX_MAGNITUDE:e} in absolute \
                     value): check the value, or rescale the column",
                    number(v[i])
                )
            } else {
                format!("{} is not a finite number: remove the row or mark the value NA", v[i])
            };
            return Err(GamError::Data {
                column: name.clone(),
                row: Some(data.original_row(i) + 1),
                message,
            });
        }
    }
    Ok(())
}

/// [`check_magnitudes`] for one column in which `-Inf` and `Inf` are values (a censored
/// response's bounds).
pub fn check_magnitudes_but_infinity(data: &DataFrame, name: &str) -> Result<()> {
    let Some(Column::Numeric(v)) = data.column(name) else {
        return Ok(());
    };
    match v
        .iter()
        .position(|x| x.is_nan() || (x.is_finite() && x.abs() > MAX_MAGNITUDE))
    {
        Some(i) => Err(GamError::Data {
            column: name.to_string(),
            row: Some(data.original_row(i) + 1),
            message: if v[i].is_nan() {
                "NaN is not a number: remove the row or mark the value NA".to_string()
            } else {
                format!(
                    "{} is too large to fit in double precision (the limit is {MAX_MAGNITUDE:e} in absolute \
                     value): check the value, or rescale the column",
                    number(v[i])
                )
            },
        }),
        None => Ok(()),
    }
}

/// Refuses a fitted model with a non-finite criterion, scale, coefficient,
/// covariance entry or deviance; `data` and `used` are the training data and
/// the columns the model reads, searched for the likely cause.
pub fn check_result(model: &FitResult, data: &DataFrame, used: &[String]) -> Result<()> {
    let what = if !model.reml_score.is_finite() {
        Some(format!("the REML criterion is {}", model.reml_score))
    } else if !model.scale.is_finite() {
        Some(format!("the scale estimate is {}", model.scale))
    } else if let Some(i) = model.coefficients.iter().position(|b| !b.is_finite()) {
        let name = model.design.coef_names().get(i).cloned().unwrap_or_default();
        Some(format!("coefficient {name} is {}", model.coefficients[i]))
    } else if model.vp.data.iter().chain(&model.ve.data).any(|v| !v.is_finite()) {
        Some("the coefficients' covariance is not finite".to_string())
    } else if !model.deviance.is_finite() || !model.null_deviance.is_finite() {
        Some(format!(
            "the deviance is {} (null deviance {})",
            model.deviance, model.null_deviance
        ))
    } else {
        None
    };
    let Some(what) = what else {
        return Ok(());
    };
    let cause = match most_extreme(data, used) {
        Some((column, row, value, median)) => format!(
            "the likely cause is the extreme value {} in column '{column}', row {row} (the column's \
             median is {}): check the value, or rescale the column",
            number(value),
            number(median)
        ),
        None => "the data may be badly scaled: try rescaling the columns the model uses".to_string(),
    };
    Err(GamError::NotFinite { what, cause })
}

/// The value furthest from its column's median, in units of the column's
/// median absolute deviation, if it is further than [`EXTREME_MADS`]:
/// `(column, 1-based data row, value, median)`.
fn most_extreme(data: &DataFrame, used: &[String]) -> Option<(String, usize, f64, f64)> {
    let mut best: Option<(f64, String, usize, f64, f64)> = None;
    for name in used {
        let Some(Column::Numeric(v)) = data.column(name) else {
            continue;
        };
        let median = median_of(v.to_vec())?;
        let mad = median_abs_dev(v, median).max(f64::MIN_POSITIVE);
        for (i, &x) in v.iter().enumerate() {
            let score = (x - median).abs() / mad;
            if score > EXTREME_MADS && best.as_ref().is_none_or(|b| score > b.0) {
                best = Some((score, name.clone(), data.original_row(i) + 1, x, median));
            }
        }
    }
    best.map(|(_, c, r, x, m)| (c, r, x, m))
}

/// A number as a person reads it: `0.25`, `1e300`.
fn number(v: f64) -> String {
    if v != 0.0 && (v.abs() >= 1e15 || v.abs() < 1e-4) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

fn median_abs_dev(v: &[f64], median: f64) -> f64 {
    median_of(v.iter().map(|x| (x - median).abs()).collect()).unwrap_or(0.0)
}

fn median_of(mut v: Vec<f64>) -> Option<f64> {
    v.retain(|x| !x.is_nan());
    if v.is_empty() {
        return None;
    }
    let mid = v.len() / 2;
    let (_, m, _) = v.select_nth_unstable_by(mid, f64::total_cmp);
    Some(*m)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(y: Vec<f64>) -> DataFrame {
        let x: Vec<f64> = (0..y.len()).map(|i| i as f64).collect();
        DataFrame::new(vec![("x".into(), Column::Numeric(x)), ("y".into(), Column::Numeric(y))]).unwrap()
    }

    #[test]
    fn huge_values_are_refused_with_their_row() {
        let mut y = vec![1.0; 20];
        y[6] = -1e300;
        let e = check_magnitudes(&frame(y), &["x".into(), "y".into()]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "column 'y', row 7: -1e300 is too large to fit in double precision (the limit is 1e100 in absolute \
             value): check the value, or rescale the column"
        );
        assert!(check_magnitudes(&frame(vec![1e99; 5]), &["y".into()]).is_ok());
    }

    #[test]
    fn the_most_extreme_value_is_named() {
        let mut y: Vec<f64> = (0..50).map(|i| (i % 7) as f64).collect();
        y[30] = 1e40;
        let (col, row, value, median) = most_extreme(&frame(y), &["x".into(), "y".into()]).unwrap();
        assert_eq!((col.as_str(), row, value, median), ("y", 31, 1e40, 3.0));
        // Nothing stands out in well-behaved data.
        let y: Vec<f64> = (0..50).map(|i| (i % 7) as f64).collect();
        assert!(most_extreme(&frame(y), &["x".into(), "y".into()]).is_none());
    }
}
