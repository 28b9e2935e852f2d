//! Smoothing-parameter selection for non-Gaussian (or non-identity link)
//! models: mgcv's outer Newton iteration ([`crate::fit::outer::newton`]) on the
//! Laplace-approximate REML criterion ([`super::laml`]), with a penalised
//! IRLS fit ([`super::pirls`]) at every evaluation, warm-started from the
//! previous one.
//!
//! Starting values are mgcv's: the smoothing parameters from `initial.sp`
//! on `√W₀ X` with W₀ the Fisher weights at R's starting means, and for an
//! estimated scale `log(null scale / 10)` with the null scale the deviance
//! of the constant mean per observation.

use std::cell::RefCell;

use super::laml::LamlEval;
use super::setup::GlmSetup;
use crate::design::PenaltySet;
use crate::error::Result;
use crate::fit::method::Selection;
use crate::fit::outer::newton::{self, Evaluation, Iterate, NewtonOptions, NewtonResult};
use crate::fit::outer::{Convergence, NULL_SCALE_DIVISOR, OuterStart};

/// The outcome of the outer optimisation of a generalized model.
#[derive(Debug, Clone)]
pub struct LamlFit {
    /// The evaluation at the optimum.
    pub eval: LamlEval,
    /// Log smoothing parameters.
    pub rho: Vec<f64>,
    /// How the outer optimisation ended.
    pub outer: NewtonResult,
    /// The estimated family parameters (nb's θ) as the family's functions take them; empty
    /// for a family without any.
    pub theta: Vec<f64>,
}

/// Selects the smoothing parameters (and the scale, if estimated) by
/// Laplace-approximate REML; `start` resumes or seeds the outer iteration
/// (its scale then starts from the Fletcher estimate at its ρ).
pub fn fit_laml<P: newton::Proceed>(
    setup: &GlmSetup,
    pens: &PenaltySet,
    start: Option<&OuterStart>,
    opts: &NewtonOptions,
    on_iterate: impl FnMut(&Iterate) -> P,
) -> Result<LamlFit> {
    fit_selected(setup, pens, Selection::default(), start, opts, on_iterate)
}

/// [`fit_laml`] for any criterion and `gamma` ([`crate::fit::method`]): the
/// log scale is optimised with ρ for REML and ML with an unknown scale only;
/// the other criteria derive the scale from the fit at every ρ.
pub fn fit_selected<P: newton::Proceed>(
    setup: &GlmSetup,
    pens: &PenaltySet,
    sel: Selection,
    start: Option<&OuterStart>,
    opts: &NewtonOptions,
    on_iterate: impl FnMut(&Iterate) -> P,
) -> Result<LamlFit> {
    let m = pens.len();
    // `known`: no log scale among the optimised parameters.
    let known = sel.known_scale(setup.prob.family).is_some() || !sel.criterion.scale_is_parameter();
    let family = setup.prob.family;
    // The estimated family parameters: none when they are fixed (mgcv's n.theta = 0), and then
    // the outer iteration is over ρ (and τ) only.
    let k_t = setup.prob.n_theta_estimated();
    let has_theta = k_t > 0;
    // mgcv's starting family parameters (nb's θ at 1 and tw's p at 1.5: t = 0 for both), or
    // the start given with the family (theta = negative values); a resumed fit where it was.
    let t0: Vec<f64> = if has_theta {
        start
            .map(|s| s.extra.iter().take(k_t).copied().collect::<Vec<f64>>())
            .filter(|t| t.len() == k_t && t.iter().all(|v| v.is_finite()))
            .or_else(|| setup.prob.t_start.clone())
            .unwrap_or_else(|| family.initial_t(&setup.prob.obs))
    } else {
        Vec::new()
    };
    // The family parameters at an optimiser point's t (the fixed ones whatever t).
    let theta_of = |t: &[f64]| -> Vec<f64> {
        if setup.prob.theta_fixed {
            setup.prob.theta.clone()
        } else {
            family.theta_of_t(t)
        }
    };
    let opts = &opts.for_rows(setup.prob.n());
    // Beyond 10^5 rows (bam()'s convergence test) a cold fit starts where PQL ends: the exact
    // iteration then needs a few evaluations instead of about ten (module pql). Families with a
    // parameter keep mgcv's start (PQL would need θ too).
    let mut pql_used = false;
    let (rho0, start_iter) = match start {
        Some(s) => (s.rho.clone(), s.iteration),
        None => {
            let cold = setup.initial_log_sp(pens);
            let pql = (opts.convergence == Convergence::Bam && !has_theta)
                .then(|| super::pql::pql_start(setup, pens, &cold))
                .flatten();
            pql_used = pql.is_some();
            (pql.unwrap_or(cold), 0)
        }
    };
    let last: RefCell<Option<Last>> = RefCell::new(None);
    let mut x0 = rho0.clone();
    x0.extend(&t0);
    if !known {
        let cold = (setup.null_scale / NULL_SCALE_DIVISOR).ln();
        let tau0 = if start.is_none() && !pql_used && cold.is_finite() {
            cold
        } else {
            let e = setup.evaluate_with(pens, &rho0, 1.0, &theta_of(&t0), None, sel)?;
            let mut x = rho0.clone();
            x.extend(&t0);
            *last.borrow_mut() = Some(Last::of(x, &e));
            e.scale_est.ln()
        };
        x0.push(tau0);
    }
    let t_at = m;
    let tau_at = m + k_t;
    let eval_at = |x: &[f64]| -> Result<LamlEval> {
        let phi = if known { 1.0 } else { x[tau_at].exp() };
        let theta = theta_of(&x[t_at..tau_at]);
        let start = last.borrow().as_ref().map(|l| l.predict(x));
        let e = setup.evaluate_with(pens, &x[..m], phi, &theta, start.as_deref(), sel)?;
        *last.borrow_mut() = Some(Last::of(x[..tau_at].to_vec(), &e));
        Ok(e)
    };
    // The lowest-scoring evaluation so far: the optimiser's final point is one it accepted, so
    // its evaluation is usually this one and need not be repeated (four passes over the rows).
    let best: RefCell<Option<(Vec<f64>, LamlEval)>> = RefCell::new(None);
    let outer = newton::minimise(
        |x| {
            let e = eval_at(x)?;
            let out = Evaluation {
                score: e.score,
                grad: e.grad.clone(),
                hess: e.hess.clone(),
                coefficients: e.fit.beta.clone(),
                scale: e.scale,
                scale_est: e.scale_est,
                conv_offset: sel.criterion.conv_offset(e.scale_est),
            };
            if best.borrow().as_ref().is_none_or(|(_, b)| e.score < b.score) {
                *best.borrow_mut() = Some((x.to_vec(), e));
            }
            Ok(out)
        },
        &x0,
        m,
        start_iter,
        opts,
        on_iterate,
    )?;
    let mut x = outer.last.rho.clone();
    x.extend(&outer.last.extra);
    let eval = match best.into_inner() {
        Some((at, e)) if at == x => e,
        _ => {
            *last.borrow_mut() = Some(Last {
                x: x.clone(),
                beta: outer.last.coefficients.clone(),
                dbeta: Vec::new(),
            });
            eval_at(&x)?
        }
    };
    Ok(LamlFit {
        rho: outer.last.rho.clone(),
        theta: theta_of(&x[t_at..tau_at]),
        eval,
        outer,
    })
}

/// The last evaluated point (ρ, then t), its coefficients and their derivatives there.
struct Last {
    x: Vec<f64>,
    beta: Vec<f64>,
    /// `∂β̂/∂x_j` for the leading components of x (none: no prediction).
    dbeta: Vec<Vec<f64>>,
}

impl Last {
    fn of(x: Vec<f64>, e: &LamlEval) -> Last {
        let mut dbeta = e.beta_rho.clone();
        dbeta.extend(e.beta_theta.iter().cloned());
        Last {
            x,
            beta: e.fit.beta.clone(),
            dbeta,
        }
    }

    /// Where the inner iteration at `x` starts: the first-order prediction
    /// `β̂ + Σ_j ∂β̂/∂x_j Δx_j` from the last point, which saves an inner
    /// iteration (a pass over the rows) at most outer steps; the last
    /// coefficients unchanged when a step is too long to trust it.
    fn predict(&self, x: &[f64]) -> Vec<f64> {
        let dx: Vec<f64> = self.dbeta.iter().enumerate().map(|(j, _)| x[j] - self.x[j]).collect();
        if dx.iter().any(|d| d.abs() > MAX_PREDICTED_STEP) {
            return self.beta.clone();
        }
        let mut b = self.beta.clone();
        for (d, db) in dx.iter().zip(&self.dbeta) {
            for (bi, dbi) in b.iter_mut().zip(db) {
                *bi += d * dbi;
            }
        }
        b
    }
}

/// Longest outer step (in log smoothing parameter) over which the inner iteration starts from
/// the first-order prediction of the coefficients rather than from the last ones.
const MAX_PREDICTED_STEP: f64 = 2.0;

#[cfg(test)]
mod tests {
    use super::*;
    use faer::Mat;

    use crate::design::Penalty;
    use crate::family::{Family, Link, Obs};
    use crate::fit::generalized::pirls::GlmProblem;
    use crate::fit::method::{Criterion, assert_derivatives};

    /// A cubic-in-cosines problem with a second-difference penalty, for a
    /// family and link, with a count-like response.
    fn setup(family: Family, link: Link) -> (GlmSetup, PenaltySet) {
        let n = 150;
        let t: Vec<f64> = (0..n).map(|i| (i as f64 + 0.5) / n as f64).collect();
        let x = Mat::from_fn(n, 6, |i, j| {
            if j == 0 {
                1.0
            } else {
                (std::f64::consts::PI * j as f64 * t[i]).cos()
            }
        });
        let obs: Vec<Obs> = (0..n)
            .map(|i| {
                let mean = (1.0 + (2.0 * std::f64::consts::PI * t[i]).sin()).exp();
                let y = (mean * (0.4 + ((i * 7919) % 13) as f64 / 10.0)).round();
                let y = match family {
                    Family::Gamma => y + 0.5,
                    // A proportion for beta regression.
                    Family::Betar(_) => (y + 0.5) / (y + 2.0),
                    _ => y,
                };
                Obs::new(y, 1.0)
            })
            .collect();
        let pens = PenaltySet::new(
            6,
            vec![Penalty {
                offset: 1,
                s: crate::basis::ps::difference_penalty(5, 2),
            }],
        );
        let prob = GlmProblem {
            x: crate::fit::generalized::rows::ModelRows::held(x),
            obs,
            trials: vec![1.0; n],
            offset: vec![0.0; n],
            family,
            link,
            theta: family.theta_of_t(&family.initial_t(&[])),
            theta_fixed: false,
            t_start: None,
        };
        (GlmSetup::new(prob).unwrap(), pens)
    }

    /// The gradient and Hessian in (ρ, t, τ) against central differences of the score and gradient.
    fn check_derivatives(family: Family, link: Link, x: &[f64]) {
        check_derivatives_with(family, link, x, Selection::default());
    }

    /// [`check_derivatives`] for the criterion and `gamma` of `sel` (REML or ML with a family parameter).
    fn check_derivatives_with(family: Family, link: Link, x: &[f64], sel: Selection) {
        let (setup, pens) = setup(family, link);
        let known = family.scale_known();
        let at = |x: &[f64]| {
            let theta = family.theta_of_t(&x[1..1 + family.n_theta()]);
            let phi = if known { 1.0 } else { x[x.len() - 1].exp() };
            setup.evaluate_with(&pens, &x[..1], phi, &theta, None, sel).unwrap()
        };
        let fd_at = |x: &[f64]| {
            let e = at(x);
            (e.score, e.grad, e.hess)
        };
        assert_derivatives(x, fd_at, &format!("{family:?}/{link:?} {sel:?}"));
    }

    /// Every criterion's gradient and Hessian against central differences, for `family`/`link`
    /// with the log scale appended for REML and ML when the scale is unknown.
    fn check_criterion(family: Family, link: Link, crit: Criterion, gamma: f64) {
        let (setup, pens) = setup(family, link);
        let with_scale = !family.scale_known() && crit.scale_is_parameter();
        let sel = Selection {
            criterion: crit,
            gamma,
            ..Selection::default()
        };
        let x0: Vec<f64> = if with_scale { vec![0.5, -1.0] } else { vec![0.5] };
        let at = |x: &[f64]| {
            let phi = if with_scale { x[1].exp() } else { 1.0 };
            setup.evaluate_with(&pens, &x[..1], phi, &[], None, sel).unwrap()
        };
        let fd_at = |x: &[f64]| {
            let e = at(x);
            (e.score, e.grad, e.hess)
        };
        assert_derivatives(&x0, fd_at, &format!("{family:?}/{link:?} {crit:?} γ={gamma}"));
    }

    #[test]
    fn every_criterion_s_derivatives_match_finite_differences() {
        for gamma in [1.0, 1.4] {
            // Known scale: REML, ML, UBRE.
            for (family, link) in [(Family::Poisson, Link::Log), (Family::Poisson, Link::Sqrt)] {
                for crit in [Criterion::Reml, Criterion::Ml, Criterion::Ubre] {
                    check_criterion(family, link, crit, gamma);
                }
            }
            // Unknown scale; log: a non-canonical link (Newton weights differ from Fisher weights).
            for (family, link) in [(Family::Gamma, Link::Log), (Family::Gamma, Link::Inverse)] {
                for crit in [
                    Criterion::Reml,
                    Criterion::Ml,
                    Criterion::PReml,
                    Criterion::PMl,
                    Criterion::Gcv,
                    // GACV with γ ≠ 1: exact here, unlike mgcv's gradient.
                    Criterion::Gacv,
                ] {
                    check_criterion(family, link, crit, gamma);
                }
            }
        }
    }

    #[test]
    fn exact_derivatives_match_finite_differences() {
        check_derivatives(Family::Poisson, Link::Log, &[0.5]);
        check_derivatives(Family::Poisson, Link::Sqrt, &[0.5]);
        check_derivatives(Family::Gamma, Link::Log, &[0.5, -1.0]);
        check_derivatives(Family::NegativeBinomial, Link::Log, &[0.5, 0.7]);
        check_derivatives(Family::NegativeBinomial, Link::Sqrt, &[-0.5, 1.5]);
        check_derivatives(Family::Tweedie, Link::Log, &[0.5, 0.3, -0.4]);
        check_derivatives(Family::Tweedie, Link::Identity, &[1.0, -0.6, 0.2]);
        let betar = Family::Betar(crate::family::Param(crate::family::betar::DEFAULT_EPS));
        check_derivatives(betar, Link::Logit, &[0.5, 1.2]);
        check_derivatives(betar, Link::Probit, &[-0.5, 2.0]);
        check_derivatives(betar, Link::Cloglog, &[1.0, 0.4]);
        // Two family parameters (ν and σ in mgcv's scale): the pair terms of the Hessian.
        let scat = Family::Scat(crate::family::Param(crate::family::scat::DEFAULT_MIN_DF));
        check_derivatives(scat, Link::Identity, &[0.5, 0.8, 0.3]);
        check_derivatives(scat, Link::Log, &[-0.5, 1.5, -0.2]);
        let zip = Family::ZiP(crate::family::Param(0.2));
        check_derivatives(zip, Link::Identity, &[0.5, -0.3, 0.2]);
    }

    #[test]
    fn ml_and_gamma_with_a_family_parameter_match_finite_differences() {
        for criterion in [Criterion::Reml, Criterion::Ml] {
            let sel = Selection {
                criterion,
                gamma: 1.4,
                ..Selection::default()
            };
            check_derivatives_with(Family::NegativeBinomial, Link::Log, &[0.5, 0.7], sel);
            check_derivatives_with(Family::Tweedie, Link::Log, &[0.5, 0.3, -0.4], sel);
            let betar = Family::Betar(crate::family::Param(crate::family::betar::DEFAULT_EPS));
            check_derivatives_with(betar, Link::Logit, &[0.5, 1.2], sel);
            let scat = Family::Scat(crate::family::Param(crate::family::scat::DEFAULT_MIN_DF));
            check_derivatives_with(scat, Link::Identity, &[0.5, 0.8, 0.3], sel);
        }
        let ml = Selection {
            criterion: Criterion::Ml,
            ..Selection::default()
        };
        check_derivatives_with(Family::Gamma, Link::Log, &[0.5, -1.0], ml);
    }
}
