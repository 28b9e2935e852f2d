//! gam: generalized additive models whose fits never start from scratch twice.
//!
//! The engine (data, formulas, bases, penalised fitting with REML smoothing
//! parameter selection, prediction) is being built; today this crate only
//! re-exports the warm-start store it will checkpoint every fit into.
//!
//! # Guarantees
//! None yet beyond those of [`warmstart`], which this crate re-exports.

pub use warmstart;

/// The engine's version, part of every fit's cache key so that a different
/// build never reuses another build's result.
pub const ENGINE_VERSION: &str = env!("CARGO_PKG_VERSION");
