//! Information criteria of one or more models, side by side: what R's
//! `AIC(b1, b2, …)` lists, extended with the log-likelihood and BIC.
//!
//! # Maths
//! mgcv's `logLik.gam` gives the log-likelihood `ℓ` (for the exponential
//! families `p − aic/2` of the family's `aic`) with the degrees of freedom
//! `df = Σ edf2 + [scale estimated] + [θ estimated]`, where `edf2` are the
//! EDF corrected for smoothing-parameter uncertainty (Wood, Pya & Säfken
//! 2016; `Σ edf` when the criterion was not a likelihood), capped at the
//! number of coefficients plus the scale. The model stores both (`loglik`,
//! `loglik_df`). Then `AIC = −2ℓ + 2 df` (R's `AIC`) and `BIC = −2ℓ + log(n) df`
//! (R's `BIC`), with `n` the rows of the fit.
//!
//! # Guarantees
//! `df`, `logLik`, `AIC` and `BIC` equal R's `attr(logLik(b), "df")`,
//! `logLik(b)`, `AIC(b)` and `BIC(b)` for mgcv 1.8-41 to 1e-6 (checked in
//! tests/anova_fidelity.rs), with one documented exception: R's `BIC` counts
//! the rows with a non-zero prior weight (`nobs`), which differs from `n` when
//! some prior weight is zero. The text is R's `print` of
//! `data.frame(df, logLik, AIC, BIC, row.names = labels)`, byte for byte;
//! quasi-families have no likelihood and print `NA`, as R. Models fitted to
//! different numbers of rows or with different responses are refused
//! ([`GamError::NotComparable`](crate::error::GamError::NotComparable)): their criteria are not comparable (R only warns).

use serde::Serialize;

use super::anova::{check_comparable, format_na};
use super::rformat;
use crate::error::Result;
use crate::model::GamModel;

/// The `digits` of R's `print.data.frame` (`getOption("digits")`).
const DATA_FRAME_DIGITS: usize = 7;

/// One model's information criteria; `None` where R gives NA (quasi-families).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelCriteria {
    /// How the model is named in the table (its file, for the CLI).
    pub label: String,
    /// The formula as written.
    pub formula: String,
    /// Degrees of freedom of the log-likelihood (mgcv's corrected EDF plus scale and θ).
    pub df: f64,
    /// mgcv's `logLik`.
    #[serde(rename = "logLik")]
    pub loglik: Option<f64>,
    /// `AIC = −2 logLik + 2 df`.
    #[serde(rename = "AIC")]
    pub aic: Option<f64>,
    /// `BIC = −2 logLik + log(n) df`.
    #[serde(rename = "BIC")]
    pub bic: Option<f64>,
    /// Rows of the fit.
    pub n: usize,
}

/// The table `gam compare` prints; `--json` prints it as `{"models": [...]}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// One entry per model, in the order given.
    pub models: Vec<ModelCriteria>,
}

/// The criteria of `models`, labelled `labels` (one each).
///
/// # Errors
/// [`GamError::NotComparable`](crate::error::GamError::NotComparable) when
/// there is no model, or models were fitted to different numbers of rows or
/// model different responses.
pub fn compare(models: &[&GamModel], labels: &[String]) -> Result<Comparison> {
    check_comparable(models, labels, 1, false)?;
    let finite = |v: f64| v.is_finite().then_some(v);
    let models = models
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let loglik = finite(m.loglik);
            let df = m.loglik_df;
            ModelCriteria {
                label: labels.get(i).cloned().unwrap_or_else(|| format!("model {}", i + 1)),
                formula: m.formula.clone(),
                df,
                loglik,
                aic: loglik.map(|l| -2.0 * l + 2.0 * df),
                bic: loglik.map(|l| -2.0 * l + (m.n as f64).ln() * df),
                n: m.n,
            }
        })
        .collect();
    Ok(Comparison { models })
}

/// `print(data.frame(df, logLik, AIC, BIC, row.names = labels))` byte for
/// byte: each column formatted on its own with 7 significant digits, labels
/// left-justified (every line ends in a newline).
pub fn compare_text(c: &Comparison) -> String {
    let m = &c.models;
    let headers: Vec<String> = ["df", "logLik", "AIC", "BIC"].map(String::from).to_vec();
    let cols: [Vec<Option<f64>>; 4] = [
        m.iter().map(|r| Some(r.df)).collect(),
        m.iter().map(|r| r.loglik).collect(),
        m.iter().map(|r| r.aic).collect(),
        m.iter().map(|r| r.bic).collect(),
    ];
    let cells: Vec<Vec<String>> = cols.iter().map(|c| format_na(c, DATA_FRAME_DIGITS, "NA")).collect();
    let names: Vec<String> = m.iter().map(|r| r.label.clone()).collect();
    rformat::print_matrix(&names, &headers, &cells)
        .iter()
        .map(|l| format!("{l}\n"))
        .collect()
}
