//! gam: generalized additive models whose fits never start from scratch twice.
//!
//! Fits reproduce `mgcv::gam(method = "REML")` (to the tolerances stated in
//! the fidelity tests), stream data too large for memory, and go through a
//! persistent warm-start cache shared with the `gam` command: a repeated fit
//! is answered from it, an interrupted one resumes.
//!
//! # The front door
//!
//! ```
//! use gam::{Frame, Gam, PredictOptions};
//!
//! // The mcycle data (Silverman 1985) as two columns in memory.
//! let (mut times, mut accel) = (Vec::new(), Vec::new());
//! for line in include_str!("../../../examples/mcycle.csv").lines().skip(1) {
//!     let fields: Vec<f64> = line.split(',').map(|f| f.parse().unwrap()).collect();
//!     times.push(fields[1]);
//!     accel.push(fields[2]);
//! }
//! let frame = Frame::builder().numeric("times", times).numeric("accel", accel).build()?;
//!
//! let fitted = Gam::new("accel ~ s(times, k = 20)")?.fit(&frame)?;
//! assert!(fitted.converged());
//! assert_eq!(fitted.smooths()[0].label, "s(times)");
//!
//! let new = Frame::builder().numeric("times", vec![10.0, 20.0, 30.0]).build()?;
//! let options = PredictOptions { se: true, ..Default::default() };
//! let prediction = fitted.predict(&new, &options)?;
//! let se = prediction.se_fit.as_ref().expect("asked for");
//! assert!(se.iter().all(|&s| s > 0.0));
//!
//! // mgcv's summary.gam printout, the bytes `gam fit` prints.
//! let summary = fitted.summary().to_string();
//! assert!(summary.contains("Approximate significance of smooth terms:"));
//! # Ok::<(), gam::GamError>(())
//! ```
//!
//! The front door is what the crate root exports: 59 items, and the
//! [`expert`] module.
//! - data: [`Frame`], [`FrameBuilder`], [`CsvOptions`];
//! - the model: [`Gam`] (built and checked step by step), [`Family`],
//!   [`Link`], [`FitOptions`], [`Method`] (the smoothness criterion), [`NewtonOptions`], [`Convergence`],
//!   [`ScaleSetting`];
//! - the cache: [`Cache`] (the `gam` command's directory by default), [`StartSource`];
//! - watching and stopping a fit: [`FitObserver`], [`Iterate`], [`NoObserver`], [`StopOnFlag`];
//! - general families (several linear predictors, cox.ph): [`GeneralGam`],
//!   [`FittedGeneralGam`], [`GeneralPrediction`];
//! - the fitted model: [`FittedGam`], [`SmoothInfo`], [`Matrix`]; its fitted
//!   values and residuals: [`FittedValues`], [`Residuals`], [`ResidualType`];
//! - prediction: [`PredictOptions`], [`PredictType`], [`MissingRows`], [`Prediction`];
//! - the summary: [`SummaryText`] (mgcv's printout), [`Summary`], [`ParamRow`], [`SmoothRow`];
//! - plots: [`PlotOptions`], [`TermPlot`], [`PlotKind`] (what `plot.gam` draws per term);
//! - concurvity: [`Concurvity`], [`ConcurvityTables`], [`ConcurvityMeasures`] (mgcv's `concurvity()`);
//! - checks: [`GamCheck`] and its [`CheckOptions`] (mgcv's `gam.check`);
//! - posterior draws: [`SampleOptions`], [`CoefDraws`], [`FittedDraws`];
//! - cross-validation: [`CvOptions`], [`CvReport`] (its [`FoldReport`]s and
//!   [`HeldOut`] predictions, its table [`CvText`]), and watching or stopping
//!   one: [`CvObserver`], [`CvEvent`], [`NoCvObserver`];
//! - errors: [`GamError`] (one `#[non_exhaustive]` enum, a variant per
//!   failure), [`ErrorKind`] (its coarse class), [`InnerFailure`], [`Result`];
//! - [`ENGINE_VERSION`], [`use_sequential_linear_algebra`].
//!
//! Everything else is in [`expert`]: the engine's pieces, for the `gam`
//! command, the tests and benchmarks, with no stability promise.
//!
//! # Layout
//! The modules under [`expert`] follow the data flow, and imports only run
//! down it (a test in `tests/import_flow.rs` holds this): `data` (typed
//! columns) → `formula` (mgcv syntax to terms) → `family`, `basis` (smooth
//! bases and penalties) → `design` (model matrix, penalties) → `fit`
//! (penalised least squares or IRLS inside, REML outside) → `model` (the
//! fitted model, its file) → `cache` (the warm-start glue) → `predict` →
//! `report` (what every front end prints) → `cv` → the front door; `error`,
//! `files` and `linalg` sit below them all.
//!
//! # Guarantees
//! - Bases, penalties and the REML criterion follow mgcv's definitions, so a
//!   fit matches `mgcv::gam(method = "REML")` to the tolerances stated in the
//!   fidelity tests (up to 10⁵ rows; beyond, the outer iteration stops by
//!   `bam()`'s tighter test, see [`Convergence`]).
//! - Large data never needs the n x p model matrix: a Gaussian fit from
//!   32768 rows reduces it by QR chunk by chunk, a generalized fit whose X
//!   would exceed 64 MiB rebuilds it chunk by chunk at every pass, and
//!   prediction streams; the chunked and in-memory paths give the same fit
//!   to 1e-10 (a test).
//! - Bad input is an error naming the file, column, row or formula position,
//!   never a panic.
//! - The library never prints; front ends print what it computes.
//! - [`Gam`], [`FittedGam`] and [`Frame`] are `Send + Sync`: fits on
//!   several threads run at once and give the results they give alone.

mod api;
mod error;

pub mod expert;

pub(crate) use expert::{basis, cache, cv, data, design, family, files, fit, formula, linalg, model, predict, report};

pub use api::{
    Cache, CsvOptions, FittedGam, FittedGeneralGam, FittedValues, Frame, FrameBuilder, Gam, GeneralGam,
    GeneralPrediction, ResidualType, Residuals, SmoothInfo,
};
pub use cache::StartSource;
pub use cv::{CvEvent, CvObserver, CvOptions, CvReport, CvText, FoldReport, HeldOut, NoCvObserver};
pub use error::{ErrorKind, GamError, InnerFailure, Result};
pub use family::{Family, Link};
pub use fit::assemble::{ParamRow, SmoothRow};
pub use fit::method::Method;
pub use fit::{
    Convergence, FitObserver, FitOptions, Iterate, NewtonOptions, NoObserver, ScaleSetting, StopOnFlag, Summary,
};
pub use linalg::StoredMat as Matrix;
pub use predict::{MissingRows, PredictOptions, PredictType, Prediction};
pub use report::SummaryText;
pub use report::check::{CheckOptions, GamCheck};
pub use report::concurvity::{Concurvity, ConcurvityMeasures, ConcurvityTables};
pub use report::plot::{PlotKind, PlotOptions, TermPlot};
pub use report::sample::{CoefDraws, FittedDraws, SampleOptions};

/// The engine's version, part of every fit's cache key so that a different
/// build never reuses another build's result.
pub const ENGINE_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Makes faer's dense kernels run on the calling thread. The engine's dense
/// matrices are small (p is at most a few hundred) and faer's thread fan-out
/// costs more than it saves on them: measured 1.4 to 2.5 times slower on two
/// cores across the public benchmark cases. Binaries call this once at start.
pub fn use_sequential_linear_algebra() {
    faer::set_global_parallelism(faer::Par::Seq);
}
