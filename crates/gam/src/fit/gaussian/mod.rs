//! The Gaussian identity-link path: penalised least squares with exact
//! REML ([`reml`]) on a QR summary of the data, reduced in memory or chunk
//! by chunk ([`qr`]), and the outer iteration over it ([`fit_reml`]); every
//! other criterion of [`crate::fit::method`] on the same summary
//! ([`criteria`], optimised by [`fit_selected`]). mgcv fits Gaussian GCV.Cp
//! by its `magic` optimiser; here the same outer Newton iteration minimises
//! the same GCV score, so the optimum agrees to the optimisers' tolerance
//! (about 1e-6 relative in the score), not to rounding.
//!
//! For log smoothing parameters ρ (λ = e^ρ) and scale φ = e^τ the
//! criterion is the Gaussian REML score (Wood 2011)
//!
//! ```text
//! V(ρ, τ) = D_p/(2φ) + (n − M_p)/2 · log(2πφ) + ½ log|XᵀWX + S_λ| − ½ log|S_λ|₊
//! ```
//!
//! with D_p the penalised residual sum of squares at the penalised
//! least-squares coefficients ([`reml`] gives V and its exact derivatives).
//! [`fit_reml`] minimises it by mgcv's outer Newton iteration over ρ, and
//! over τ as well when the scale is estimated, starting from mgcv's
//! `initial.sp` and, for τ, from log(Σ(y − ȳ)²/(10 n)).

pub mod criteria;
pub mod qr;
pub mod reml;

pub use reml::{LsqProblem, RemlEval, Scale};

use crate::design::PenaltySet;
use crate::error::Result;
use crate::fit::method::{ScaleArg, Selection};
use crate::fit::outer::newton::{self, Evaluation, Iterate, NewtonOptions, NewtonResult};
use crate::fit::outer::{NULL_SCALE_DIVISOR, OuterStart, initial_log_sp};

/// The outcome of a REML fit of a penalised least-squares problem.
#[derive(Debug, Clone)]
pub struct RemlFit {
    /// Final evaluation (coefficients, A⁻¹, score, gradient, ...).
    pub eval: RemlEval,
    /// Log smoothing parameters.
    pub rho: Vec<f64>,
    /// How the outer optimisation ended.
    pub outer: NewtonResult,
}

/// Selects smoothing parameters by REML for a penalised least-squares problem.
///
/// The optimisation is mgcv's outer Newton iteration ([`newton::minimise`]).
/// With the scale known it runs over ρ alone; with the scale estimated it
/// runs over `(ρ, τ = log φ)` on the unprofiled criterion (module
/// [`reml`]), as mgcv does, so that it follows mgcv's path and stops where
/// mgcv stops along directions in which the criterion is flat: `gam()`'s
/// stopping rule up to 10⁵ rows and `bam()`'s tighter one beyond, unless
/// `opts.convergence` says otherwise ([`newton::Convergence`]).
///
/// Starting point: cold, ρ from [`initial_log_sp`] and τ = log(null scale / 10)
/// ([`LsqProblem::null_scale`], mgcv's choice); from `start`, its ρ and the
/// profiled τ = log φ̂(ρ) = log(D_p/(n − M_p)) at that ρ, so a resumed fit
/// starts from the best scale for its ρ. The reported `eval` (and so the
/// score, scale and coefficients of the fit) is the profiled criterion at the
/// final ρ, which at the optimum equals the joint criterion there.
pub fn fit_reml<P: newton::Proceed>(
    problem: &LsqProblem,
    pens: &PenaltySet,
    scale: Scale,
    start: Option<&OuterStart>,
    opts: &NewtonOptions,
    on_iterate: impl FnMut(&Iterate) -> P,
) -> Result<RemlFit> {
    let m = pens.len();
    let (rho0, start_iter) = match start {
        Some(s) => (s.rho.clone(), s.iteration),
        None => (initial_log_sp(&problem.xtwx(), pens), 0),
    };
    let mut x0 = rho0.clone();
    let known = match scale {
        Scale::Known(phi) => Some(phi),
        Scale::Estimated => {
            let cold = (problem.null_scale / NULL_SCALE_DIVISOR).ln();
            let tau0 = if start.is_none() && cold.is_finite() {
                cold
            } else {
                problem.reml(pens, &rho0, Scale::Estimated)?.scale.ln()
            };
            x0.push(tau0);
            None
        }
    };
    let opts = &opts.for_rows(problem.n);
    let outer = newton::minimise(
        |x| {
            joint_eval(
                problem,
                pens,
                &x[..m],
                known.unwrap_or_else(|| x[m].exp()),
                known.is_none(),
            )
        },
        &x0,
        m,
        start_iter,
        opts,
        on_iterate,
    )?;
    let eval = problem.reml(pens, &outer.last.rho, scale)?;
    Ok(RemlFit {
        rho: outer.last.rho.clone(),
        eval,
        outer,
    })
}

/// Selects smoothing parameters by any criterion ([`crate::fit::method`]):
/// [`fit_reml`] for plain REML, otherwise the same outer Newton iteration on
/// [`LsqProblem::criterion`], over ρ and, for REML and ML, τ = log φ (started
/// cold at log(null scale / 10), or from `start` at the scale that is best
/// for its ρ, `D_p/(n − γ·M_p)` for REML and `D_p/n` for ML); over ρ alone
/// when the scale is known (mgcv's `scale > 0`: REML and ML at that scale,
/// UBRE). The reported evaluation is the criterion at the final point.
pub fn fit_selected<P: newton::Proceed>(
    problem: &LsqProblem,
    pens: &PenaltySet,
    sel: Selection,
    start: Option<&OuterStart>,
    opts: &NewtonOptions,
    on_iterate: impl FnMut(&Iterate) -> P,
) -> Result<RemlFit> {
    if sel.is_plain_reml() {
        return fit_reml(problem, pens, Scale::Estimated, start, opts, on_iterate);
    }
    let m = pens.len();
    let crit = sel.criterion;
    let known = sel.known_scale(crate::family::Family::Gaussian);
    let param = crit.scale_is_parameter() && known.is_none();
    let (rho0, start_iter) = match start {
        Some(s) => (s.rho.clone(), s.iteration),
        None => (initial_log_sp(&problem.xtwx(), pens), 0),
    };
    let eval_at = |x: &[f64]| {
        problem.criterion(
            pens,
            &x[..m],
            crit,
            sel.gamma,
            scale_arg(known, param, x.get(m).map(|t| t.exp())),
        )
    };
    let mut x0 = rho0.clone();
    if param {
        let cold = (problem.null_scale / NULL_SCALE_DIVISOR).ln();
        let tau0 = if start.is_none() && cold.is_finite() {
            cold
        } else {
            let reml = if crit == crate::fit::method::Criterion::Reml {
                1.0
            } else {
                0.0
            };
            let e = problem.criterion(pens, &rho0, crit, sel.gamma, ScaleArg::Parameter(1.0))?;
            let dof = problem.n as f64 - sel.gamma * reml * pens.null_space_dim() as f64;
            (e.d_p / dof).ln()
        };
        x0.push(tau0);
    }
    let opts = &opts.for_rows(problem.n);
    let n = problem.n as f64;
    let outer = newton::minimise(
        |x| {
            let e = eval_at(x)?;
            let scale_est = e.rss / (n - e.edf_total);
            Ok(Evaluation {
                score: e.score,
                grad: e.grad,
                hess: e.hess,
                coefficients: e.beta,
                scale: e.scale,
                scale_est,
                conv_offset: crit.conv_offset(scale_est),
            })
        },
        &x0,
        m,
        start_iter,
        opts,
        on_iterate,
    )?;
    let mut x = outer.last.rho.clone();
    x.extend(&outer.last.extra);
    let eval = eval_at(&x)?;
    Ok(RemlFit {
        rho: outer.last.rho.clone(),
        eval,
        outer,
    })
}

/// How the scale enters the criterion: the known φ, the optimised `phi`
/// (`param`: REML and ML with the scale unknown), or derived from the fit.
pub fn scale_arg(known: Option<f64>, param: bool, phi: Option<f64>) -> ScaleArg {
    match (known, phi) {
        (Some(known), _) => ScaleArg::Known(known),
        (None, Some(phi)) if param => ScaleArg::Parameter(phi),
        _ => ScaleArg::Derived,
    }
}

/// The criterion at `(ρ, φ)`; with `with_tau`, its derivatives are extended by
/// the `τ = log φ` row and column (module [`reml`]).
fn joint_eval(problem: &LsqProblem, pens: &PenaltySet, rho: &[f64], phi: f64, with_tau: bool) -> Result<Evaluation> {
    let m = rho.len();
    let e = problem.reml(pens, rho, Scale::Known(phi))?;
    let scale_est = e.rss / (problem.n as f64 - e.edf_total);
    if !with_tau {
        return Ok(Evaluation {
            score: e.score,
            grad: e.grad,
            hess: e.hess,
            coefficients: e.beta,
            scale: phi,
            scale_est,
            conv_offset: scale_est.ln().abs(),
        });
    }
    let k = m + 1;
    let nu = problem.n as f64 - pens.null_space_dim() as f64;
    let mut grad = e.grad;
    grad.push(-e.d_p / (2.0 * phi) + 0.5 * nu);
    let mut hess = vec![0.0; k * k];
    for j in 0..m {
        for l in 0..m {
            hess[j * k + l] = e.hess[j * m + l];
        }
        let cross = -e.d_p_grad[j] / (2.0 * phi);
        hess[j * k + m] = cross;
        hess[m * k + j] = cross;
    }
    hess[m * k + m] = e.d_p / (2.0 * phi);
    Ok(Evaluation {
        score: e.score,
        grad,
        hess,
        coefficients: e.beta,
        scale: phi,
        scale_est,
        conv_offset: scale_est.ln().abs(),
    })
}

#[cfg(test)]
mod tests {
    use faer::Mat;

    use super::*;
    use crate::design::Penalty;
    use crate::fit::outer::{INITIAL_SP_BALANCE, INITIAL_SP_FACTOR};

    /// A two-smooth problem: a second-difference penalty on a cubic block and
    /// a ridge penalty on a block the response does not depend on (a flat direction).
    pub(super) fn problem() -> (LsqProblem, PenaltySet) {
        let n = 120;
        let t: Vec<f64> = (0..n).map(|i| (i as f64 + 0.5) / n as f64).collect();
        let u: Vec<f64> = (0..n).map(|i| ((i * 37) % n) as f64 / n as f64).collect();
        let x = Mat::from_fn(n, 9, |i, j| match j {
            0 => 1.0,
            1..=5 => (std::f64::consts::PI * j as f64 * t[i]).cos(),
            _ => (u[i] - 0.5).powi(j as i32 - 5),
        });
        let z: Vec<f64> = (0..n)
            .map(|i| (2.0 * std::f64::consts::PI * t[i]).sin() + 0.3 * ((i * 7919) % 13) as f64 / 13.0)
            .collect();
        let pens = PenaltySet::new(
            9,
            vec![
                Penalty {
                    offset: 1,
                    s: crate::basis::ps::difference_penalty(5, 2),
                },
                Penalty {
                    offset: 6,
                    s: Mat::<f64>::identity(3, 3),
                },
            ],
        );
        (LsqProblem::from_dense(&x, &z, None), pens)
    }

    #[test]
    fn joint_derivatives_match_finite_differences() {
        let (prob, pens) = problem();
        let x = [1.0, 2.0, -2.5];
        let at = |x: &[f64]| joint_eval(&prob, &pens, &x[..2], x[2].exp(), true).unwrap();
        let e = at(&x);
        let h = 1e-5;
        for a in 0..3 {
            let mut xp = x;
            let mut xm = x;
            xp[a] += h;
            xm[a] -= h;
            let (ep, em) = (at(&xp), at(&xm));
            let g = (ep.score - em.score) / (2.0 * h);
            assert!(
                (g - e.grad[a]).abs() < 1e-6 * (1.0 + g.abs()),
                "grad {a}: {g} vs {}",
                e.grad[a]
            );
            for b in 0..3 {
                let hab = (ep.grad[b] - em.grad[b]) / (2.0 * h);
                let exact = e.hess[a * 3 + b];
                assert!(
                    (hab - exact).abs() < 1e-5 * (1.0 + hab.abs()),
                    "hess {a},{b}: {hab} vs {exact}"
                );
            }
        }
    }

    #[test]
    fn joint_optimum_is_the_profiled_optimum_and_resumes_in_place() {
        let (prob, pens) = problem();
        let opts = NewtonOptions::default();
        let mut reports = 0;
        let fit = fit_reml(&prob, &pens, Scale::Estimated, None, &opts, |_| reports += 1).unwrap();
        assert!(fit.outer.converged, "{}", fit.outer.message);
        assert_eq!(reports, fit.outer.last.iter + 1);
        // The joint score at the end equals the profiled score there.
        assert!((fit.outer.last.score - fit.eval.score).abs() < 1e-8 * fit.eval.score.abs());
        // At the optimum the profiled gradient in the smooth direction vanishes.
        assert!(fit.eval.grad[0].abs() < 1e-3, "{:?}", fit.eval.grad);
        // Resuming from the optimum continues the count and stays put.
        let start = OuterStart {
            rho: fit.rho.clone(),
            iteration: fit.outer.last.iter,
            extra: Vec::new(),
        };
        let mut first = None;
        let again = fit_reml(&prob, &pens, Scale::Estimated, Some(&start), &opts, |it| {
            first.get_or_insert(it.iter);
        })
        .unwrap();
        assert_eq!(first, Some(fit.outer.last.iter));
        assert!(again.outer.last.iter >= fit.outer.last.iter);
        assert!((again.eval.score - fit.eval.score).abs() < 1e-8 * fit.eval.score.abs());
        assert!((again.rho[0] - fit.rho[0]).abs() < 1e-3);
    }

    #[test]
    fn initial_sp_balances_data_and_penalty() {
        let (prob, pens) = problem();
        let xtx = prob.xtwx();
        let sp: Vec<f64> = initial_log_sp(&xtx, &pens).iter().map(|r| r.exp()).collect();
        // The ratio of the two is mgcv's per-penalty ratio of mean diagonals.
        let ratio = |off: usize, s: &Mat<f64>| {
            let d = s.nrows();
            (0..d).map(|i| xtx[(off + i, off + i)]).sum::<f64>() / (0..d).map(|i| s[(i, i)]).sum::<f64>()
        };
        let p = pens.penalties();
        let want = ratio(p[0].offset, &p[0].s) / ratio(p[1].offset, &p[1].s);
        assert!((sp[0] / sp[1] - want).abs() < 1e-12 * want);
        // The common power of ten puts the balance just at or above 0.4.
        let balance = |mult: f64| {
            let mut num = 0.0;
            let mut cnt = 0.0;
            for pen in p.iter().zip(&sp) {
                for i in 0..pen.0.s.nrows() {
                    let xx = xtx[(pen.0.offset + i, pen.0.offset + i)];
                    num += xx / (xx + mult * pen.1 * pen.0.s[(i, i)]);
                    cnt += 1.0;
                }
            }
            num / cnt
        };
        assert!(balance(1.0) >= INITIAL_SP_BALANCE);
        assert!(balance(INITIAL_SP_FACTOR) < INITIAL_SP_BALANCE);
    }
}
