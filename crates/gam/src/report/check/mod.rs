//! mgcv's `gam.check`: how the smoothness selection converged, whether the
//! basis dimensions look large enough, and the data of the four residual
//! plots.
//!
//! # Map
//! - this file: [`gam_check`] assembles a [`GamCheck`]; [`check_text`]
//!   prints it as `gam.check` prints; [`CheckJson`] is its JSON document.
//! - `k_index`: the basis-dimension table ([`k_check`], mgcv's `k.check`).
//! - `residuals`: the residual plots' data ([`ResidualPlots`]: QQ against
//!   `qq.gam`'s theoretical quantiles, residuals against the linear
//!   predictor, histogram, response against fitted).
//!
//! # What is printed
//! The convergence report comes from what the fit recorded
//! ([`crate::model::OuterInfo`]): the criterion and the optimiser (always
//! mgcv's "outer newton" here: for GCV with a Gaussian identity model mgcv
//! would use `magic` and print its own report), the iterations and how they
//! ended, the range of the criterion's gradient over every optimised
//! parameter (the log scale and a family parameter included), the score and
//! scale, and the range of the Hessian's eigenvalues. The numbers are those
//! of this fit: the gradient at convergence is numerical noise and differs
//! from mgcv's in every digit, the other numbers agree to the optimisers'
//! tolerance. A model without smoothing parameters to select prints mgcv's
//! "Model required no smoothing parameter selection" (on a line of its own:
//! mgcv runs it into the next line). The k-index is mgcv's; its p-value is
//! random, from a seeded generator that is not R's.

mod k_index;
mod residuals;

pub use k_index::{KCheckOptions, KCheckRow, k_check};
pub use residuals::{Histogram, QqReference, ResidualPlots};

use serde::Serialize;

use super::rformat::{self, CoefTable};
use crate::data::DataFrame;
use crate::error::Result;
use crate::model::GamModel;

/// `gam.check`'s permutations for the k-index p-value (`k.rep = 200`; `k.check` alone uses 400).
pub const GAM_CHECK_K_REP: usize = 200;

/// `qq.gam`'s randomisations of the theoretical quantiles (`s.rep`).
pub const QQ_DRAWS: usize = 10;

/// Settings of [`gam_check`], with `gam.check`'s defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckOptions {
    /// The basis-dimension check's settings (its seed also seeds the QQ randomisation).
    pub k: KCheckOptions,
    /// Randomisations of the QQ plot's theoretical quantiles.
    pub qq_draws: usize,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            k: KCheckOptions {
                n_rep: GAM_CHECK_K_REP,
                ..KCheckOptions::default()
            },
            qq_draws: QQ_DRAWS,
        }
    }
}

/// How the smoothness selection ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Selection {
    /// No parameter was optimised (no smooth terms, or every smoothing
    /// parameter given with a known scale).
    NotNeeded,
    /// The outer Newton iteration ran.
    Newton {
        /// How it ended, in mgcv's words ("full convergence", ...).
        outcome: String,
        /// Whether it converged.
        converged: bool,
        /// Iterations.
        iterations: usize,
        /// Smallest and largest gradient component at the end (None in
        /// model files written before it was recorded).
        gradient_range: Option<[f64; 2]>,
        /// Smallest and largest eigenvalue of the Hessian there (as `gradient_range`).
        hessian_eigen_range: Option<[f64; 2]>,
    },
}

/// Everything `gam.check` reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GamCheck {
    /// The criterion as mgcv names it (`b$method`).
    pub method: String,
    /// The optimiser as mgcv names it (`b$optimizer`).
    pub optimizer: String,
    /// How the selection ended.
    pub selection: Selection,
    /// The minimised criterion (mgcv's `gcv.ubre`).
    pub score: f64,
    /// The scale parameter (mgcv's `sig2`).
    pub scale: f64,
    /// How many coefficient directions were estimated (mgcv's `rank`).
    pub rank: usize,
    /// Coefficients.
    pub n_coef: usize,
    /// The basis-dimension table (empty without smooth terms).
    pub k_check: Vec<KCheckRow>,
    /// The residual plots' data.
    pub residuals: ResidualPlots,
}

/// `gam.check(model)` on `data`, the frame the model was fitted to.
pub fn gam_check(model: &GamModel, data: &DataFrame, opts: &CheckOptions) -> Result<GamCheck> {
    let rows = crate::report::training::training_rows(model, data)?;
    let residuals = residuals::residual_plots(model, &rows.obs, &rows.eta, opts.qq_draws, opts.k.seed);
    // The training rows are read once, for the plots and the k table alike.
    let k_check = k_index::k_check_on(model, rows.data, residuals.residuals.clone(), &opts.k)?;
    let o = &model.outer;
    let selection = if o.grad_range.is_none() && o.message == "no smoothing parameters" {
        Selection::NotNeeded
    } else {
        Selection::Newton {
            outcome: o.message.clone(),
            converged: o.converged,
            iterations: o.iter,
            gradient_range: o.grad_range,
            hessian_eigen_range: o.hessian_eigen_range,
        }
    };
    Ok(GamCheck {
        method: model.criterion.clone(),
        optimizer: "outer newton".into(),
        selection,
        score: model.reml_score,
        scale: model.scale,
        rank: model.rank.unwrap_or(model.coefficients.len()),
        n_coef: model.coefficients.len(),
        k_check,
        residuals,
    })
}

/// R's `cat()` of one number (7 significant digits).
fn cat_num(x: f64) -> String {
    rformat::format(&[x], 7).remove(0)
}

/// What `gam.check` prints, line by line with a final newline.
pub fn check_text(c: &GamCheck) -> String {
    let mut out = String::new();
    out.push_str(&format!("\nMethod: {}   Optimizer: {}", c.method, c.optimizer));
    match &c.selection {
        Selection::NotNeeded => out.push_str("\nModel required no smoothing parameter selection\n"),
        Selection::Newton {
            outcome,
            iterations,
            gradient_range,
            hessian_eigen_range,
            ..
        } => {
            let plural = if *iterations == 1 { "." } else { "s." };
            out.push_str(&format!("\n{outcome} after {iterations} iteration{plural}"));
            let range = |r: &Option<[f64; 2]>| match r {
                Some([lo, hi]) => format!("[{},{}]", cat_num(*lo), cat_num(*hi)),
                None => "not recorded (model file from an older gam)".into(),
            };
            out.push_str(&format!("\nGradient range {}", range(gradient_range)));
            out.push_str(&format!("\n(score {} & scale {}).", cat_num(c.score), cat_num(c.scale)));
            let pos_def = hessian_eigen_range.is_some_and(|[lo, _]| lo > 0.0);
            out.push_str(if pos_def { "\nHessian positive definite, " } else { "\n" });
            out.push_str(&format!("eigenvalue range {}.\n", range(hessian_eigen_range)));
        }
    }
    out.push_str(&format!("Model rank =  {} / {} \n\n", c.rank, c.n_coef));
    if !c.k_check.is_empty() {
        out.push_str("Basis dimension (k) checking results. Low p-value (k-index<1) may\n");
        out.push_str("indicate that k is too low, especially if edf is close to k'.\n\n");
        let rows = &c.k_check;
        let table = CoefTable {
            row_names: rows.iter().map(|r| r.term.clone()).collect(),
            col_names: ["k'", "edf", "k-index", "p-value"].map(String::from).to_vec(),
            columns: vec![
                rows.iter().map(|r| r.k_prime as f64).collect(),
                rows.iter().map(|r| r.edf).collect(),
                rows.iter().map(|r| r.k_index).collect(),
                rows.iter().map(|r| r.p_value).collect(),
            ],
            coef_se: vec![0, 1],
            test_stat: 2,
            nan_is_na: true,
        };
        for line in rformat::print_coefmat(&table, 3) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

/// The JSON document of `gam check --json`.
#[derive(Debug, Clone, Serialize)]
pub struct CheckJson<'a> {
    /// The basis-dimension table: `term`, `k_prime`, `edf`, `k_index`, `p_value` (null when not tested).
    pub k_check: &'a [KCheckRow],
    /// The criterion.
    pub method: &'a str,
    /// The optimiser.
    pub optimizer: &'a str,
    /// How the selection ended.
    pub selection: &'a Selection,
    /// The minimised criterion.
    pub score: f64,
    /// The scale parameter.
    pub scale: f64,
    /// The model's rank.
    pub rank: usize,
    /// Coefficients.
    pub n_coef: usize,
    /// The residual plots' data.
    pub residuals: &'a ResidualPlots,
}

impl std::fmt::Display for GamCheck {
    /// What `gam.check` prints ([`check_text`]).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&check_text(self))
    }
}

impl GamCheck {
    /// The JSON document (`gam check --json`).
    pub fn json(&self) -> CheckJson<'_> {
        CheckJson {
            k_check: &self.k_check,
            method: &self.method,
            optimizer: &self.optimizer,
            selection: &self.selection,
            score: self.score,
            scale: self.scale,
            rank: self.rank,
            n_coef: self.n_coef,
            residuals: &self.residuals,
        }
    }
}
