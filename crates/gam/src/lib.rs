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
//!   fidelity tests (up to 10⁵ rows; beyond, the outer iteration stops by
//!   `bam()`'s tighter test, see [`fit::Convergence`]).
//! - Large data never needs the n x p model matrix: a Gaussian fit from
//!   32768 rows reduces it by QR chunk by chunk, a generalized fit whose X
//!   would exceed 64 MiB rebuilds it chunk by chunk at every pass
//!   ([`fit::rows`]), and prediction streams; the chunked and in-memory paths
//!   give the same fit to 1e-10 (a test).
//! - Bad input is an error naming the file, column, row or formula position,
//!   never a panic.
//! - The library never prints; the `gam` binary does.

pub mod basis;
pub mod cache;
pub mod cv;
pub mod data;
pub mod design;
mod error;
pub mod family;
pub mod files;
pub mod fit;
pub mod formula;
pub mod linalg;
pub mod model;
pub mod predict;
pub mod report;

pub use error::{GamError, InnerFailure, Result};
pub use warmstart;

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
