//! The tolerances of the fidelity tests against mgcv 1.8-41 (`fidelity.rs`,
//! `family_fidelity.rs`, `extra_fidelity.rs`, `large_n.rs`): one place, so
//! that what the README claims is what the tests assert. Tolerances that only
//! one test uses stay in that test.

/// REML score (for non-Gaussian families the Laplace-approximate score, mgcv's
/// `gcv.ubre`), relative to mgcv's.
pub const REML_REL_TOL: f64 = 1e-6;
/// Total and per-smooth effective degrees of freedom, absolute.
pub const EDF_ABS_TOL: f64 = 0.01;
/// Fitted values and predictions (linear predictor, or fitted mean), as a
/// multiple of a spread: sd(y) for Gaussian models, the sd of mgcv's linear
/// predictor (or fitted mean) for the others.
pub const PRED_SD_TOL: f64 = 1e-4;
/// Standard errors of predictions, relative.
pub const SE_REL_TOL: f64 = 0.01;
/// Proportion of deviance explained, absolute.
pub const DEV_EXPL_ABS_TOL: f64 = 1e-6;
