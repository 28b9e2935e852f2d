//! K-fold cross-validation in which the folds seed each other.
//!
//! Rows with a missing value in a used column are dropped first; the rest
//! are shuffled by a SplitMix64 generator started from the seed and dealt
//! round-robin into K folds ([`assign_folds`]), so the same seed always gives
//! the same folds. Fold i is fitted on the other folds and scored on its own
//! rows by the held-out deviance: the family's deviance Σ w d(y, μ) of those
//! rows at the predicted means μ (Gaussian without weights: Σ(y − μ)²).
//!
//! # Guarantees
//! - Each fold's fit goes through the warm-start cache when one is given, so
//!   after the first fold the smoothing parameters recorded under the coarse
//!   key (same model, other data) seed the next one, and a rerun is all
//!   exact hits. Without a cache, or once the cache fails (reported once as
//!   [`CvEvent::CacheOff`]), each fold is started in process from the
//!   previous fold's smoothing parameters instead, falling back to a cold
//!   start if they do not fit. [`CvOptions::seed_folds`] off turns both off.
//! - The report ([`CvReport`]) serialises to the JSON `gam cv --json`
//!   prints, and renders as its text ([`CvText`]) and its held-out
//!   predictions as CSV ([`write_held_out_csv`]): the bytes every front end
//!   prints.
//! - Nothing here prints: progress goes to the caller's [`CvObserver`].
//!
//! `cv` sits last in the data flow before the front door: it uses data,
//! fit, the cache glue, predict and report; nothing earlier imports it.

mod folds;
mod outcome;
mod render;
mod run;

pub use folds::assign_folds;
pub use outcome::{CvReport, FoldReport, HeldOut};
pub use render::{CvText, write_held_out_csv};
pub use run::{CvEvent, CvObserver, CvOptions, MIN_FOLDS, NoCvObserver, cross_validate};
