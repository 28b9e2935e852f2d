//! The front door: the few types a user of the library needs, re-exported
//! at the crate root.
//!
//! ```text
//! Frame (columns in memory, or a CSV file)
//!   └─> Gam (formula, family, link, weights, options, cache) ──fit──> FittedGam
//!         accessors · predict(&Frame, &PredictOptions) · summary() · to_json/from_json · save/load
//! ```
//!
//! - [`frame`]: [`Frame`] and [`FrameBuilder`], [`CsvOptions`].
//! - [`spec`]: [`Gam`], the unfitted model, and [`Cache`], the warm-start
//!   cache it may fit through (the `gam` command's, by default).
//! - [`additive`]: [`Gam::additive`], the default model of data given
//!   without a formula.
//! - [`fitted`]: [`FittedGam`] and [`SmoothInfo`].
//! - [`general`], [`fitted_general`]: [`GeneralGam`] and [`FittedGeneralGam`], mgcv's
//!   general families (several linear predictors, a list formula; cox.ph), with
//!   [`GeneralPrediction`].
//! - [`residuals`]: its fitted values and residuals on the training data
//!   ([`FittedValues`], [`Residuals`], [`ResidualType`]).

pub mod additive;
pub mod fitted;
pub mod fitted_general;
pub mod frame;
pub mod general;
pub mod residuals;
pub mod spec;

pub use fitted::{FittedGam, SmoothInfo};
pub use fitted_general::{FittedGeneralGam, GeneralPrediction};
pub use frame::{CsvOptions, Frame, FrameBuilder};
pub use general::GeneralGam;
pub use residuals::{FittedValues, ResidualType, Residuals};
pub use spec::{Cache, Gam};
