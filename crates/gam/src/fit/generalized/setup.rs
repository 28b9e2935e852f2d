//! A generalized problem with the constants of its outer iteration: mgcv's
//! null fit and null scale, its starting smoothing parameters, and the
//! criterion at any point ([`GlmSetup::evaluate`], a penalised IRLS fit and
//! the Laplace-approximate REML score with its derivatives).
//!
//! `XᵀW₀X` at mgcv's starting weights is computed once, with the setup: it
//! gives the starting smoothing parameters and the identifiability check
//! ([`crate::fit::aliased`]) the same pass over the rows.

use faer::Mat;

use super::laml::{self, Extra, LamlEval};
use super::pirls::{GlmProblem, NullFit};
use crate::design::PenaltySet;
use crate::error::Result;
use crate::fit::method::Selection;
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
    /// `XᵀW₀X` with `W₀` the Fisher weights at R's starting means (prior
    /// weight times `μ_η² / V(μ)`): positive wherever the prior weight is.
    pub initial_xtwx: Mat<f64>,
    /// The weights `W₀` of `initial_xtwx`.
    pub initial_weights: Vec<f64>,
}

impl GlmSetup {
    /// Computes mgcv's null coefficients and null scale for `prob`, and
    /// `XᵀW₀X` (one pass over the rows).
    pub fn new(prob: GlmProblem) -> Result<GlmSetup> {
        let n = prob.n();
        let mean = prob.obs.iter().map(|o| o.y).sum::<f64>() / n as f64;
        let null = prob.null_fit()?;
        let null_scale = prob
            .obs
            .iter()
            .map(|o| prob.family.deviance_residual(*o, mean, &prob.theta))
            .sum::<f64>()
            / n as f64;
        let initial_weights = initial_weights(&prob);
        let initial_xtwx = prob.x.weighted_cross(&initial_weights)?;
        Ok(GlmSetup {
            prob,
            null,
            null_scale,
            initial_xtwx,
            initial_weights,
        })
    }

    /// mgcv's starting log smoothing parameters for this problem.
    pub fn initial_log_sp(&self, pens: &PenaltySet) -> Vec<f64> {
        initial_log_sp(&self.initial_xtwx, pens)
    }

    /// The criterion at `rho`, scale `phi` (ignored when the scale is known:
    /// the family's 1 or mgcv's `scale > 0`) and family parameters `theta` (for a family that has them).
    pub fn evaluate(
        &self,
        pens: &PenaltySet,
        rho: &[f64],
        phi: f64,
        theta: &[f64],
        start: Option<&[f64]>,
    ) -> Result<LamlEval> {
        self.evaluate_with(pens, rho, phi, theta, start, Selection::default())
    }

    /// [`GlmSetup::evaluate`] for the criterion and `gamma` of `sel`: the
    /// scale is a parameter (differentiated in) for REML and ML with an
    /// unknown scale only; the others derive it from the fit.
    pub fn evaluate_with(
        &self,
        pens: &PenaltySet,
        rho: &[f64],
        phi: f64,
        theta: &[f64],
        start: Option<&[f64]>,
        sel: Selection,
    ) -> Result<LamlEval> {
        let family = self.prob.family;
        let known = sel.known_scale(family);
        let phi = known.unwrap_or(phi);
        let extra = Extra {
            theta: self.prob.n_theta_estimated() > 0,
            scale: known.is_none() && sel.criterion.scale_is_parameter(),
        };
        if family.has_theta() {
            let prob = GlmProblem {
                theta: theta.to_vec(),
                ..self.prob.clone()
            };
            laml::evaluate_with(&prob, pens, rho, phi, extra, start, &self.null, sel)
        } else {
            laml::evaluate_with(&self.prob, pens, rho, phi, extra, start, &self.null, sel)
        }
    }
}

/// mgcv's starting IRLS weights: the Fisher weights at R's starting means; for an extended
/// family given by its deviance derivatives, the Newton weights `½ D_μμ μ_η²` unless one is
/// negative, then `½ E[D_μμ] μ_η²` (mgcv's `initial.spg`).
fn initial_weights(prob: &GlmProblem) -> Vec<f64> {
    if prob.family.by_dev_derivatives() {
        let rows: Vec<(f64, f64)> = prob
            .initial_mu()
            .iter()
            .zip(&prob.obs)
            .map(|(&m, &o)| {
                let me = prob.link.mu_eta(prob.link.link(m));
                let d = prob.family.dev_derivatives(o, m, &prob.theta).unwrap_or_default();
                (0.5 * d.dmu2 * me * me, 0.5 * d.edmu2 * me * me)
            })
            .collect();
        let newton = rows.iter().all(|r| r.0 >= 0.0);
        return rows.iter().map(|r| if newton { r.0 } else { r.1 }).collect();
    }
    prob.initial_mu()
        .iter()
        .zip(&prob.obs)
        .map(|(&m, o)| {
            let me = prob.link.mu_eta(prob.link.link(m));
            o.w * me * me / prob.family.variance(m, &prob.theta)[0]
        })
        .collect()
}
