//! gam: generalized additive models whose fits never start from scratch twice.
//!
//! The data flow is the module layout: [`data`] (CSV to typed columns) ->
//! [`formula`] (mgcv syntax to terms) -> [`basis`] (smooth bases and
//! penalties) -> design -> fit (penalised least squares / IRLS inside, REML
//! outside) -> model -> predict, summary.
//!
//! # Guarantees
//! - Bases, penalties and the REML criterion follow mgcv's definitions, so a
//!   fit matches `mgcv::gam(method = "REML")` to the tolerances stated in the
//!   fidelity tests.
//! - Bad input is an error naming the file, column, row or formula position,
//!   never a panic.
//! - The library never prints; the `gam` binary does.

pub mod basis;
pub mod data;
pub mod design;
mod error;
pub mod fit;
pub mod formula;
pub mod linalg;
pub mod model;
pub mod predict;
pub mod summary;
mod summary_test;

pub use error::{GamError, Result};
pub use warmstart;

/// The engine's version, part of every fit's cache key so that a different
/// build never reuses another build's result.
pub const ENGINE_VERSION: &str = env!("CARGO_PKG_VERSION");
