//! A generalized problem with the constants of its outer iteration: mgcv's
//! null fit and null scale, its starting smoothing parameters, and the
//! criterion at any point ([`GlmSetup::evaluate`], a penalised IRLS fit and
//! the Laplace-approximate REML score with its derivatives).

use super::laml::{self, Extra, LamlEval};
use super::pirls::{GlmProblem, NullFit};
use crate::design::PenaltySet;
use crate::error::Result;
use crate::fit::outer::initial_log_sp;

/// A generalized problem with the constants of its outer iteration.
#[derive(Debug, Clone)]
pub struct GlmSetup {
    /// Data, family and link.
    pub prob: GlmProblem,
    /// The constant-mean model (mgcv's `null.coef` and its linear predictor),
    /// where the inner iteration retreats when a first step diverges.
    pub null: NullFit,
    /// Deviance of the constant-mean model per observation (mgcv's `null.scale`).
    pub null_scale: f64,
}

impl GlmSetup {
    /// Computes mgcv's null coefficients and null scale for `prob`.
    pub fn new(prob: GlmProblem) -> Result<GlmSetup> {
        let n = prob.n();
        let mean = prob.obs.iter().map(|o| o.y).sum::<f64>() / n as f64;
        let null = prob.null_fit()?;
        let null_scale = prob
            .obs
            .iter()
            .map(|o| prob.family.deviance_residual(*o, mean, prob.theta))
            .sum::<f64>()
            / n as f64;
        Ok(GlmSetup { prob, null, null_scale })
    }

    /// mgcv's starting log smoothing parameters for this problem.
    pub fn initial_log_sp(&self, pens: &PenaltySet) -> Result<Vec<f64>> {
        let prob = &self.prob;
        let mu0 = prob.initial_mu();
        let w0: Vec<f64> = mu0
            .iter()
            .zip(&prob.obs)
            .map(|(&m, o)| {
                let me = prob.link.mu_eta(prob.link.link(m));
                o.w * me * me / prob.family.variance(m, prob.theta)[0]
            })
            .collect();
        Ok(initial_log_sp(&prob.x.weighted_cross(&w0)?, pens))
    }

    /// The criterion at `rho`, scale `phi` (ignored when the family's scale
    /// is known) and family parameter `theta` (for a family that has one).
    pub fn evaluate(
        &self,
        pens: &PenaltySet,
        rho: &[f64],
        phi: f64,
        theta: f64,
        start: Option<&[f64]>,
    ) -> Result<LamlEval> {
        let family = self.prob.family;
        let known = family.scale_known();
        let phi = if known { 1.0 } else { phi };
        let extra = Extra {
            theta: family.has_theta(),
            scale: !known,
        };
        if family.has_theta() {
            let prob = GlmProblem {
                theta,
                ..self.prob.clone()
            };
            laml::evaluate(&prob, pens, rho, phi, extra, start, &self.null)
        } else {
            laml::evaluate(&self.prob, pens, rho, phi, extra, start, &self.null)
        }
    }
}
