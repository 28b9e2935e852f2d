//! Smoothing-parameter selection for non-Gaussian (or non-identity link)
//! models: mgcv's outer Newton iteration ([`super::newton`]) on the
//! Laplace-approximate REML criterion ([`super::laml`]), with a penalised
//! IRLS fit ([`super::pirls`]) at every evaluation, warm-started from the
//! previous one.
//!
//! Starting values are mgcv's: the smoothing parameters from `initial.sp`
//! on `√W₀ X` with W₀ the Fisher weights at R's starting means, and for an
//! estimated scale `log(null scale / 10)` with the null scale the deviance
//! of the constant mean per observation.

use std::cell::RefCell;

use faer::Mat;
use faer::linalg::solvers::SolveLstsq;

use super::laml::{self, LamlEval};
use super::newton::{self, Evaluation, Iterate, NewtonOptions, NewtonResult};
use super::penalty::PenaltySet;
use super::pirls::{GlmProblem, weighted_cross};
use super::{NULL_SCALE_DIVISOR, OuterStart, initial_log_sp};
use crate::error::Result;

/// A generalized problem with the constants of its outer iteration.
#[derive(Debug, Clone)]
pub struct GlmSetup {
    /// Data, family and link.
    pub prob: GlmProblem,
    /// Coefficients of the constant-mean model (mgcv's `null.coef`), where
    /// the inner iteration retreats when a first step diverges.
    pub null_coef: Vec<f64>,
    /// Deviance of the constant-mean model per observation (mgcv's `null.scale`).
    pub null_scale: f64,
}

impl GlmSetup {
    /// Computes mgcv's null coefficients and null scale for `prob`.
    pub fn new(prob: GlmProblem) -> GlmSetup {
        let n = prob.n();
        let mean = prob.obs.iter().map(|o| o.y).sum::<f64>() / n as f64;
        let eta_m = prob.link.link(mean);
        let rhs = Mat::from_fn(n, 1, |_, _| eta_m);
        let sol = prob.x.qr().solve_lstsq(&rhs);
        let null_coef: Vec<f64> = (0..prob.p())
            .map(|j| if sol[(j, 0)].is_finite() { sol[(j, 0)] } else { 0.0 })
            .collect();
        let null_scale = prob
            .obs
            .iter()
            .map(|o| prob.family.deviance_residual(*o, mean))
            .sum::<f64>()
            / n as f64;
        GlmSetup {
            prob,
            null_coef,
            null_scale,
        }
    }

    /// mgcv's starting log smoothing parameters for this problem.
    pub fn initial_log_sp(&self, pens: &PenaltySet) -> Vec<f64> {
        let prob = &self.prob;
        let mu0 = prob.initial_mu();
        let w0: Vec<f64> = mu0
            .iter()
            .zip(&prob.obs)
            .map(|(&m, o)| {
                let me = prob.link.mu_eta(prob.link.link(m));
                o.w * me * me / prob.family.variance(m)[0]
            })
            .collect();
        initial_log_sp(&weighted_cross(&prob.x, &w0), pens)
    }

    /// The criterion at `rho` and scale `phi` (ignored when the family's scale is known).
    pub fn evaluate(&self, pens: &PenaltySet, rho: &[f64], phi: f64, start: Option<&[f64]>) -> Result<LamlEval> {
        let known = self.prob.family.scale_known();
        let phi = if known { 1.0 } else { phi };
        laml::evaluate(&self.prob, pens, rho, phi, !known, start, &self.null_coef)
    }
}

/// The outcome of the outer optimisation of a generalized model.
#[derive(Debug, Clone)]
pub struct LamlFit {
    /// The evaluation at the optimum.
    pub eval: LamlEval,
    /// Log smoothing parameters.
    pub rho: Vec<f64>,
    /// How the outer optimisation ended.
    pub outer: NewtonResult,
}

/// Selects the smoothing parameters (and the scale, if estimated) by
/// Laplace-approximate REML; `start` resumes or seeds the outer iteration
/// (its scale then starts from the Fletcher estimate at its ρ).
pub fn fit_laml(
    setup: &GlmSetup,
    pens: &PenaltySet,
    start: Option<&OuterStart>,
    opts: &NewtonOptions,
    on_iterate: impl FnMut(&Iterate),
) -> Result<LamlFit> {
    let m = pens.len();
    let known = setup.prob.family.scale_known();
    let (rho0, start_iter) = match start {
        Some(s) => (s.rho.clone(), s.iteration),
        None => (setup.initial_log_sp(pens), 0),
    };
    let last_beta: RefCell<Option<Vec<f64>>> = RefCell::new(None);
    let mut x0 = rho0.clone();
    if !known {
        let cold = (setup.null_scale / NULL_SCALE_DIVISOR).ln();
        let tau0 = if start.is_none() && cold.is_finite() {
            cold
        } else {
            let e = setup.evaluate(pens, &rho0, 1.0, None)?;
            *last_beta.borrow_mut() = Some(e.fit.beta.clone());
            e.scale_est.ln()
        };
        x0.push(tau0);
    }
    let eval_at = |x: &[f64]| -> Result<LamlEval> {
        let phi = if known { 1.0 } else { x[m].exp() };
        let start = last_beta.borrow().clone();
        let e = setup.evaluate(pens, &x[..m], phi, start.as_deref())?;
        *last_beta.borrow_mut() = Some(e.fit.beta.clone());
        Ok(e)
    };
    let outer = newton::minimise(
        |x| {
            let e = eval_at(x)?;
            Ok(Evaluation {
                score: e.score,
                grad: e.grad,
                hess: e.hess,
                coefficients: e.fit.beta,
                scale: e.scale,
                scale_est: e.scale_est,
            })
        },
        &x0,
        m,
        start_iter,
        opts,
        on_iterate,
    )?;
    let mut x = outer.last.rho.clone();
    if !known {
        x.push(outer.last.scale.ln());
    }
    *last_beta.borrow_mut() = Some(outer.last.coefficients.clone());
    let eval = eval_at(&x)?;
    Ok(LamlFit {
        rho: outer.last.rho.clone(),
        eval,
        outer,
    })
}
