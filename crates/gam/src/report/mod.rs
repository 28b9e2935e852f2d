//! What every front end prints about a fitted model and its predictions.
//!
//! # Guarantee
//! The CLI and every other front end print these bytes: the `gam` binary
//! writes exactly the strings and documents made here, so a second front end
//! (Python, R) that calls the same functions prints the same output, byte for
//! byte. Nothing here prints: functions return strings or structs, or write to
//! an [`std::io::Write`] the caller gives.
//!
//! # Map
//! - [`text`]: the mgcv-layout summary ([`SummaryText`], [`summary_lines`]),
//!   what `gam fit` and `gam summary` print.
//! - [`json`]: the JSON documents of a model ([`model_json`]) and of a fit
//!   through the cache ([`fit_json`]), and [`json_text`], the one way a
//!   document becomes text.
//! - [`anova`]: mgcv's `anova.gam`, of one model (term tests,
//!   [`anova::anova_text`]) or several (analysis of deviance,
//!   [`anova::deviance_table_text`]).
//! - [`compare`]: logLik, df, AIC and BIC of models side by side
//!   ([`compare::compare_text`]).
//! - [`check`]: `gam.check` ([`check::gam_check`], [`check::check_text`]): the
//!   convergence report, the basis-dimension table ([`check::k_check`]) and
//!   the residual plots' data.
//! - [`concurvity`]: mgcv's `concurvity()` tables ([`concurvity::concurvity`], [`concurvity::concurvity_text`]).
//! - [`plot`]: what mgcv's `plot.gam` draws for each smooth term
//!   ([`plot_data`]): grids, fits, bands, rugs, partial residuals.
//! - [`sample`]: posterior draws of the coefficients and the fitted values
//!   they give ([`sample::posterior_draws`], [`sample::fitted_draws`]).
//! - [`prediction`]: predictions as CSV ([`write_prediction_csv`]) or JSON
//!   ([`prediction_json`]).
//! - `rformat` (R's number formatting: `format`, `formatC`, `format.pval`,
//!   `printCoefmat`) and `deparse` (a formula as R prints it): the pieces the
//!   summary is made of, reproducing R digit for digit.
//!
//! `report` sits late in the data flow: it reads models, fits, predictions
//! and the cache's start sources; nothing earlier imports it.

pub mod anova;
pub mod check;
pub mod compare;
pub mod concurvity;
pub(crate) mod deparse;
pub mod general;
pub mod general_json;
pub mod json;
pub mod plot;
pub mod prediction;
pub(crate) mod rformat;
pub mod sample;
pub mod text;
pub(crate) mod training;

pub use json::{
    CoefficientsJson, FitJson, ModelJson, OuterJson, ParametricJson, SmoothJson, SpJson, StartJson, fit_json,
    json_text, model_json, source_name,
};
pub use plot::{PlotJson, PlotKind, PlotOptions, TermPlot, plot_data, plot_json};
pub use prediction::{
    ClassProbabilitiesJson, PredictionJson, TermJson, class_probabilities_json, predict_type_name, prediction_json,
    write_class_probabilities_csv, write_prediction_csv,
};
pub use text::{SummaryText, family_string, summary_lines};
