//! What a cross-validation found: per fold and overall ([`CvReport`], the
//! JSON of `gam cv --json`) and the held-out prediction of every row.

use serde::Serialize;

/// The outcome of one fold.
#[derive(Debug, Clone, Serialize)]
pub struct FoldReport {
    /// 1-based fold number.
    pub fold: usize,
    /// Rows the fold was fitted on.
    pub n_train: usize,
    /// Held-out rows.
    pub n_test: usize,
    /// Held-out deviance, the family's Σ w d(y, μ) over the held-out rows.
    pub deviance: f64,
    /// The same per held-out row.
    pub deviance_per_row: f64,
    /// Outer iterations this fold's fit performed (0 for a cache hit).
    pub outer_iterations: usize,
    /// Where the fold's fit started: `exact_hit`, `resumed`, `seeded` or `cold`.
    pub start: &'static str,
    /// The fold's REML score.
    pub reml_score: f64,
}

/// The outcome of a cross-validation: what `gam cv --json` prints.
#[derive(Debug, Clone, Serialize)]
pub struct CvReport {
    /// The formula as written.
    pub formula: String,
    /// R's name of the family.
    pub family: String,
    /// R's name of the link.
    pub link: String,
    /// Rows used (after dropping rows with missing values).
    pub n: usize,
    /// Rows dropped because a used column was missing.
    pub n_dropped: usize,
    /// Number of folds.
    pub folds: usize,
    /// Seed of the fold assignment.
    pub seed: u64,
    /// Whether the folds were fitted through the cache (false: seeded in process, or cold).
    pub cached: bool,
    /// Each fold.
    pub fold: Vec<FoldReport>,
    /// Mean over folds of the held-out deviance.
    pub mean_deviance: f64,
    /// Total held-out deviance over all rows divided by the number of rows.
    pub mean_deviance_per_row: f64,
    /// Outer iterations of all folds together.
    pub total_outer_iterations: usize,
    /// The held-out prediction of every row, in row order (not in the JSON;
    /// see [`crate::cv::write_held_out_csv`]).
    #[serde(skip)]
    pub predictions: Vec<HeldOut>,
}

/// The held-out prediction of one row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HeldOut {
    /// 0-based data row of the input (counting rows later dropped for
    /// missing values).
    pub row: usize,
    /// 1-based fold that held it out.
    pub fold: usize,
    /// The predicted mean μ.
    pub mu: f64,
}
