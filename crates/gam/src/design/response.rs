//! The response and prior weights of a fit, checked against the family.
//!
//! A binomial response is a 0/1 outcome, a factor (first level failure,
//! the others success, as `glm` reads it; a logical column is the factor
//! `FALSE`, `TRUE`), a proportion (with the trials as prior weights), or `cbind(successes, failures)`, which becomes the
//! proportion `s/(s + f)` with `s + f` trials multiplying the prior weight,
//! as R's `binomial()$initialize` does. For the censored normal (`cnorm`), `cbind(y, censor)`
//! is mgcv's two-column response: the second column rides in [`Obs::censor`].

use crate::data::{Column, DataFrame};
use crate::error::{GamError, Result};
use crate::family::{Family, Obs};
use crate::formula::Response;

/// The response of a fit, row by row.
#[derive(Debug, Clone)]
pub struct ResponseData {
    /// Response (a proportion for binomial) and prior weight per row.
    pub obs: Vec<Obs>,
    /// Binomial trials per row (1 unless the response is `cbind`).
    pub trials: Vec<f64>,
    /// What R would warn about (non-integer counts), for the user to see.
    pub warnings: Vec<String>,
}

impl ResponseData {
    /// Refuses a response that leaves nothing to model: the same value in
    /// every row with a positive weight (without an offset, which could still
    /// vary the mean), or a binomial response without both outcomes, whose
    /// fitted probabilities run to 0 or 1. Left alone, such a fit reports
    /// `R-sq.(adj) = NaN` or "perfect separation" by some covariate.
    pub fn check_informative(&self, response: &Response, family: Family, has_offset: bool) -> Result<()> {
        let mut ys = self.obs.iter().filter(|o| o.w > 0.0).map(|o| o.y);
        let Some(first) = ys.next() else {
            return Ok(());
        };
        if ys.any(|y| y != first) {
            return Ok(());
        }
        let column = match response {
            Response::Column(name) => name.clone(),
            Response::Binomial { successes, failures } => format!("cbind({successes}, {failures})"),
        };
        let message = match family {
            Family::Binomial if first == 0.0 || first == 1.0 => format!(
                "every response value is {} (no {}): a binomial model needs rows of both outcomes",
                first,
                if first == 0.0 { "successes" } else { "failures" }
            ),
            _ if has_offset => return Ok(()),
            _ => format!("the response is {first} in every row: there is nothing to model"),
        };
        Err(GamError::Data {
            column,
            row: None,
            message,
        })
    }
}

/// A value counts as an integer within this distance (R's binomial uses 1e-8).
const INTEGER_TOL: f64 = 1e-8;

fn non_integer(v: f64) -> bool {
    (v - v.round()).abs() > INTEGER_TOL
}

/// The first row (1-based data row) at which `bad` holds, and how many rows it holds at.
fn first_bad(n: usize, row: impl Fn(usize) -> usize, bad: impl Fn(usize) -> bool) -> Option<(usize, usize)> {
    let count = (0..n).filter(|&i| bad(i)).count();
    (0..n).find(|&i| bad(i)).map(|i| (row(i), count))
}

fn numeric<'a>(data: &'a DataFrame, name: &str, what: &str) -> Result<&'a [f64]> {
    data.require_column(name)?.as_numeric().ok_or_else(|| {
        data.non_number_error(name, &format!("the {what}"), "")
            .unwrap_or(GamError::Data {
                column: name.to_string(),
                row: None,
                message: format!("the {what} must be numeric, but this column holds text"),
            })
    })
}

/// Reads the response (and the prior weights from column `weights`, if
/// given) from `data` and checks every value against `family`, naming the
/// 1-based data row of the first bad value.
pub fn response_data(
    response: &Response,
    data: &DataFrame,
    family: Family,
    weights: Option<&str>,
) -> Result<ResponseData> {
    let n = data.nrows();
    let row = |i: usize| data.original_row(i) + 1;
    let prior: Vec<f64> = match weights {
        None => vec![1.0; n],
        Some(col) => {
            let w = numeric(data, col, "weights column")?;
            for (i, &v) in w.iter().enumerate() {
                if !v.is_finite() || v < 0.0 {
                    return Err(GamError::Data {
                        column: col.to_string(),
                        row: Some(row(i)),
                        message: format!("prior weight {v} is not a non-negative number"),
                    });
                }
            }
            if !w.is_empty() && w.iter().all(|&v| v == 0.0) {
                return Err(GamError::Data {
                    column: col.to_string(),
                    row: None,
                    message: "every prior weight is zero: no row would inform the fit".into(),
                });
            }
            w.to_vec()
        }
    };
    let finite = |name: &str, v: &[f64]| -> Result<()> {
        match v.iter().position(|x| !x.is_finite()) {
            Some(i) => Err(GamError::Data {
                column: name.to_string(),
                row: Some(row(i)),
                message: format!("response value {} is not a finite number", v[i]),
            }),
            None => Ok(()),
        }
    };
    match response {
        Response::Column(name) => {
            let from_factor: Vec<f64>;
            let y = match data.require_column(name)? {
                // As glm: a factor's first level is failure, every other
                // level success; a logical (read as the factor FALSE, TRUE)
                // has TRUE for success.
                Column::Factor(f) if family == Family::Binomial => {
                    from_factor = f
                        .codes
                        .iter()
                        .map(|c| c.map_or(f64::NAN, |c| f64::from(u8::from(c > 0))))
                        .collect();
                    &from_factor[..]
                }
                _ => numeric(data, name, "response")?,
            };
            finite(name, y)?;
            for (i, &v) in y.iter().enumerate() {
                family.check_response(v, name, row(i))?;
            }
            // mgcv's ziP()$initialize refuses binary data: with only 0s and 1s the zero
            // inflation and the Poisson zeros cannot be told apart.
            if matches!(family, Family::ZiP(_))
                && y.iter().all(|&v| v == 0.0 || v == 1.0)
                && y.contains(&0.0)
                && y.contains(&1.0)
            {
                return Err(GamError::Data {
                    column: name.clone(),
                    row: None,
                    message: "every response is 0 or 1: a zero-inflated Poisson model of binary data makes no \
                              sense (mgcv refuses it too); use --family binomial"
                        .into(),
                });
            }
            let mut warnings = Vec::new();
            let bad = match family {
                Family::Poisson => first_bad(n, row, |i| non_integer(y[i])),
                Family::Binomial => first_bad(n, row, |i| non_integer(y[i] * prior[i])),
                _ => None,
            };
            if let Some((r, count)) = bad {
                let what = if family == Family::Poisson {
                    "non-integer counts"
                } else {
                    "non-integer numbers of successes (response × weight)"
                };
                warnings.push(format!(
                    "column '{name}': {what} in {count} row(s), first at row {r}; the {} likelihood is used as is",
                    family.name()
                ));
            }
            Ok(ResponseData {
                obs: y.iter().zip(&prior).map(|(&y, &w)| Obs::new(y, w)).collect(),
                trials: vec![1.0; n],
                warnings,
            })
        }
        Response::Binomial { successes, failures } if family == Family::Cnorm => {
            censored_response(data, successes, failures, &prior, row)
        }
        Response::Binomial { successes, failures } => {
            if family.base() != Family::Binomial {
                return Err(GamError::FamilyMismatch {
                    response: format!("cbind({successes}, {failures})"),
                    family: family.name().to_string(),
                });
            }
            let s = numeric(data, successes, "number of successes")?;
            let f = numeric(data, failures, "number of failures")?;
            finite(successes, s)?;
            finite(failures, f)?;
            let mut obs = Vec::with_capacity(n);
            let mut trials = Vec::with_capacity(n);
            for i in 0..n {
                for (col, v) in [(successes, s[i]), (failures, f[i])] {
                    if v < 0.0 {
                        return Err(GamError::Data {
                            column: col.clone(),
                            row: Some(row(i)),
                            message: format!("negative count {v} in a cbind(successes, failures) response"),
                        });
                    }
                }
                let t = s[i] + f[i];
                obs.push(Obs::new(if t > 0.0 { s[i] / t } else { 0.0 }, prior[i] * t));
                trials.push(t);
            }
            let mut warnings = Vec::new();
            if let Some((r, count)) = first_bad(n, row, |i| non_integer(s[i]) || non_integer(f[i])) {
                warnings.push(format!(
                    "cbind({successes}, {failures}): non-integer counts in {count} row(s), first at row {r}"
                ));
            }
            Ok(ResponseData { obs, trials, warnings })
        }
    }
}

/// The two columns of a `cnorm` response `cbind(y, censor)` (mgcv's matrix response: the
/// second column equal to the first for an observed value, `-Inf` when the first is an upper
/// bound, `Inf` when a lower bound, another number for the other end of an interval). A first
/// column that is not finite, a missing second column, and an interval whose second column is
/// below its first are refused naming the row.
fn censored_response(
    data: &DataFrame,
    first: &str,
    second: &str,
    prior: &[f64],
    row: impl Fn(usize) -> usize,
) -> Result<ResponseData> {
    let y = numeric(data, first, "response")?;
    let c = numeric(data, second, "censoring column of the response")?;
    let bad = |column: &str, i: usize, message: String| GamError::Data {
        column: column.to_string(),
        row: Some(row(i)),
        message,
    };
    let mut obs = Vec::with_capacity(y.len());
    for (i, (&yi, &ci)) in y.iter().zip(c).enumerate() {
        if !yi.is_finite() {
            return Err(bad(
                first,
                i,
                format!(
                    "response value {yi} is not a finite number: cbind({first}, {second}) takes the value or bound \
                     first, and -Inf/Inf second for left/right censoring"
                ),
            ));
        }
        if ci.is_nan() {
            return Err(bad(
                second,
                i,
                format!(
                    "the censoring column is missing: give {yi} for an observed value, -Inf or Inf for left or \
                     right censoring, or the interval's upper end"
                ),
            ));
        }
        if ci.is_finite() && ci < yi {
            return Err(bad(
                second,
                i,
                format!(
                    "interval [{yi}, {ci}] has its upper end below its lower end: cbind({first}, {second}) takes \
                     the lower end first"
                ),
            ));
        }
        obs.push(Obs {
            y: yi,
            w: prior[i],
            censor: ci,
        });
    }
    Ok(ResponseData {
        trials: vec![1.0; obs.len()],
        obs,
        warnings: Vec::new(),
    })
}
