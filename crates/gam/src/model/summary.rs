//! The summary of a fitted model, computed when first asked for.
//!
//! mgcv's `summary.gam` tests each smooth term (Wood 2013) from the
//! coefficients, their covariance, the smoothing parameters and a factor `R`
//! with `RᵀR = XᵀWX` at the optimum; all of them are kept in the model, so
//! the tables cost nothing at fit time (they took an eighth of a one-smooth
//! fit of 200 rows) and come out the same, bit for bit, from a model loaded
//! back. Files of format version 1 carry the tables themselves instead.

use std::sync::OnceLock;

use super::GamModel;
use crate::fit::Summary;
use crate::fit::assemble::tables::{self, SummaryInputs};

/// The summary tables once computed: derived from the rest of the model, so
/// two models compare equal whether or not theirs has been computed yet.
#[derive(Debug, Clone, Default)]
pub(crate) struct LazySummary(OnceLock<Summary>);

impl PartialEq for LazySummary {
    fn eq(&self, _: &LazySummary) -> bool {
        true
    }
}

impl GamModel {
    /// mgcv's summary tables: the parametric coefficients with Wald tests,
    /// the smooth terms with Wood (2013) tests, adjusted R² and deviance
    /// explained. Computed on the first call, then kept.
    pub fn summary(&self) -> &Summary {
        self.summary_cache
            .0
            .get_or_init(|| match (&self.stored_summary, &self.summary_factor) {
                (Some(stored), _) => stored.clone(),
                (None, Some(factor)) => tables::compute(&SummaryInputs {
                    design: &self.design,
                    x: &factor.to_mat(),
                    beta: &self.coefficients,
                    vp: &self.vp.to_mat(),
                    sp: &self.sp,
                    scale: self.scale,
                    edf: &self.edf,
                    edf1: &self.edf1,
                    scale_estimated: self.scale_estimated,
                    n: self.n,
                    r_sq_adj: self.r_sq_adj,
                    deviance: self.deviance,
                    null_deviance: self.null_deviance,
                }),
                // `check` refuses such a model; one built by hand gets empty tables.
                (None, None) => Summary {
                    parametric: Vec::new(),
                    smooths: Vec::new(),
                    scale_estimated: self.scale_estimated,
                    r_sq_adj: self.r_sq_adj,
                    dev_explained: self.dev_explained(),
                    residual_df: tables::residual_df(self.n, &self.edf),
                },
            })
    }
}
