//! The generalized path (any family or link but Gaussian identity):
//! penalised IRLS inside ([`pirls`]) on the model matrix held or rebuilt by
//! chunks ([`rows`]), the Laplace-approximate REML criterion and its exact
//! derivatives ([`laml`]; ML too, and the other criteria from its parts in
//! [`criteria`]) for the problem and its constants ([`setup`]),
//! mgcv's outer Newton iteration over it ([`outer`]), started on large data
//! by a few PQL iterations ([`pql`]), and binomial perfect separation found
//! before and after the fit ([`separation`]).
//!
//! Imports run down this list: rows ← pirls ← criteria ← laml ← setup ← pql ← outer;
//! separation reads rows only.

pub mod criteria;
pub mod laml;
pub mod outer;
pub mod pirls;
pub mod pql;
pub mod rows;
pub mod separation;
pub mod setup;

pub use outer::{LamlFit, fit_laml};
pub use setup::GlmSetup;
