//! mgcv's outer Newton iteration (`newton()` in mgcv 1.8-41), restated.
//!
//! The parameters `x` are the log smoothing parameters ρ, followed by
//! `τ = log φ` when the scale is estimated (mgcv treats the log scale as one
//! more "smoothing parameter" of the unprofiled REML criterion). One
//! iteration, from `x` with score `V`, gradient `g` and Hessian `H`:
//!
//! 1. **Which parameters move.** Only the components in the set `U` (mgcv's
//!    `uconv.ind`) get a Newton step; the others stay put. Initially `U` holds
//!    the components with `|g_i| > s·ε_c`, where `ε_c` is [`CONV_TOL`] and the
//!    convergence scale is `s = |log φ_s| + |V|` with `φ_s = RSS/(n − edf)`
//!    (mgcv's `scale.est`). After each iteration `U` becomes
//!    `{i : |g_i| > s·ε_c/10 or |H_ii| > s·ε_c/10}`, or every component when
//!    the convergence test passed on the gradient but not on the score.
//! 2. **The Newton step.** `H_UU = E diag(d) Eᵀ`; negative eigenvalues are
//!    replaced by their absolute values and all are floored at
//!    `max(d)·ε^0.7` (ε the machine epsilon): `Δ_U = −E diag(1/d) Eᵀ g_U`.
//!    `H` is called *positive definite* if no eigenvalue needed changing,
//!    and *indefinite* if some eigenvalue is below `−|d_max|·√ε`. The step is
//!    scaled so that no component exceeds [`MAX_NEWTON_STEP`].
//! 3. **Acceptance.** A trial point `x + Δ` is accepted if its score is
//!    finite and lower and the quadratic model predicted the change well:
//!    with predicted change `p = gᵀΔ + ½ΔᵀHΔ` and actual change `c`,
//!    `|p − c| / (max(|p|, |c|) + s·ε_c) <` [`QERROR_THRESHOLD`]. A full
//!    Newton step is accepted only if `H` was positive definite.
//! 4. **Step halving.** Otherwise the step is halved until accepted, at most
//!    [`MAX_HALVINGS`] times; at the fourth attempt of one of the first
//!    [`SD_SWITCH_ITERATIONS`] iterations the direction is switched to steepest
//!    descent `−g/max|g|` with length `min(‖Δ‖, `[`MAX_SD_STEP`]`)`. After
//!    [`QERROR_RELAX_AFTER`] halvings the prediction test is dropped.
//! 5. **Non-positive-definite Hessian.** If `H` was not positive definite and
//!    steepest descent was not already tried, a steepest-descent line search
//!    (steps `−g/max|g| · 2^−k`, k = 0, 1, ..., at most [`SD_SEARCH_STEPS`])
//!    finds the best such point, and the better of it and the Newton point is
//!    taken.
//! 6. **Convergence**: after the step, with `s` recomputed, the iteration has
//!    converged if `H` was not indefinite, every `|g_i| ≤ 5·s·ε_c` and the
//!    score changed by at most `s·ε_c`; or if step halving failed (mgcv's
//!    "step failed").
//!
//! Because the score must drop by more than `s·ε_c` to continue, a
//! smoothing parameter heading to infinity along a flat direction stops
//! where mgcv's does, rather than where a tighter gradient test would.
//! Which `ε_c` and gradient bound apply is [`Convergence`]'s choice.
//!

use std::ops::ControlFlow;

use faer::{Mat, Side};

pub use super::convergence::{BAM_CONV_TOL, BAM_CONVERGENCE_MIN_ROWS, CONV_TOL, Convergence, GRAD_CONV_FACTOR};

use super::controls::SpControls;
use crate::error::{GamError, Result};

/// mgcv's `newton$maxNstep`: longest Newton step in any component.
pub const MAX_NEWTON_STEP: f64 = 5.0;

/// mgcv's `newton$maxSstep`: longest steepest-descent step substituted during halving.
pub const MAX_SD_STEP: f64 = 2.0;

/// mgcv's `newton$maxHalf`: step halvings before the step is declared failed.
pub const MAX_HALVINGS: usize = 30;

/// A step is accepted only if the quadratic model's relative prediction error is below this.
pub const QERROR_THRESHOLD: f64 = 0.8;

/// At this halving attempt (0-based) the step switches to steepest descent ...
pub const SD_SWITCH_HALVING: usize = 3;

/// ... but only in iterations before this one (1-based iteration numbers below it).
pub const SD_SWITCH_ITERATIONS: usize = 10;

/// After more halvings than this the prediction-error test is dropped: `min(4, maxHalf/2)`.
pub const QERROR_RELAX_AFTER: usize = 4;

/// Longest steepest-descent line search when the Hessian is not positive definite.
pub const SD_SEARCH_STEPS: usize = 40;

/// A component joins the next Newton step if its gradient or Hessian diagonal exceeds this times `s·ε_c`.
pub const ACTIVE_FACTOR: f64 = 0.1;

/// Eigenvalues of the Hessian are floored at the largest times ε to this power.
const EIGEN_FLOOR_POWER: f64 = 0.7;

/// Settings of the outer optimisation.
#[derive(Debug, Clone, PartialEq)]
pub struct NewtonOptions {
    /// Iteration limit (mgcv: 200).
    pub max_iter: usize,
    /// Which convergence test ends the iteration.
    pub convergence: Convergence,
    /// Smoothing parameters fixed or bounded below (mgcv's `sp`, `min.sp`): the
    /// optimiser runs over the free ones ([`SpControls`]). Set by the fit from
    /// the model's options; the default fixes nothing.
    pub controls: SpControls,
}

impl Default for NewtonOptions {
    fn default() -> Self {
        NewtonOptions {
            max_iter: 200,
            convergence: Convergence::Auto,
            controls: SpControls::default(),
        }
    }
}

impl NewtonOptions {
    /// These options for a fit to `n` rows ([`Convergence::for_rows`]).
    pub fn for_rows(&self, n: usize) -> NewtonOptions {
        NewtonOptions {
            convergence: self.convergence.for_rows(n),
            ..self.clone()
        }
    }
}

/// The state after an accepted outer iteration.
#[derive(Debug, Clone)]
pub struct Iterate {
    /// Iterations done so far.
    pub iter: usize,
    /// Log smoothing parameters (without the log scale).
    pub rho: Vec<f64>,
    /// The criterion.
    pub score: f64,
    /// Its gradient in the log smoothing parameters.
    pub grad: Vec<f64>,
    /// Coefficients at ρ.
    pub coefficients: Vec<f64>,
    /// Scale parameter at this iterate (the current value of `e^τ` when the scale is estimated).
    pub scale: f64,
    /// The optimised parameters after the reported ones (a family parameter, log scale).
    pub extra: Vec<f64>,
}

/// What an observer of the outer iteration answers after each iterate: `()` (go on) or a
/// [`ControlFlow`], whose `Break` stops the optimisation with [`GamError::Interrupted`].
pub trait Proceed {
    /// Whether to go on.
    fn proceed(self) -> ControlFlow<()>;
}

impl Proceed for () {
    fn proceed(self) -> ControlFlow<()> {
        ControlFlow::Continue(())
    }
}

impl Proceed for ControlFlow<()> {
    fn proceed(self) -> ControlFlow<()> {
        self
    }
}

/// How the optimisation ended.
#[derive(Debug, Clone)]
pub struct NewtonResult {
    /// The final iterate.
    pub last: Iterate,
    /// Whether the convergence test passed (after a step failure: whether the gradient test passes).
    pub converged: bool,
    /// Why it stopped, in words (mgcv's `outer.info$conv`).
    pub message: String,
    /// The criterion's gradient at the end in every optimised parameter
    /// (the free ones when some are fixed; mgcv's `outer.info$grad`).
    pub grad: Vec<f64>,
    /// Its Hessian there, row-major (mgcv's `outer.info$hess`).
    pub hess: Vec<f64>,
}

/// One evaluation of the criterion at a point of the optimisation.
#[derive(Debug, Clone)]
pub struct Evaluation {
    /// The criterion.
    pub score: f64,
    /// Its gradient in every optimised parameter.
    pub grad: Vec<f64>,
    /// Its Hessian, row-major.
    pub hess: Vec<f64>,
    /// Coefficients at this point (carried along for checkpoints).
    pub coefficients: Vec<f64>,
    /// Scale at this point.
    pub scale: f64,
    /// mgcv's `scale.est` (`RSS/(n − edf)`), which sets the convergence scale `s`.
    pub scale_est: f64,
    /// The part of the convergence scale `s` besides `|V|`: `|log scale_est|`
    /// for likelihood criteria, `scale_est` for GCV, UBRE and GACV (mgcv's
    /// `score.scale`, gam.fit3.r 1388-1389; see [`crate::fit::method::Criterion::conv_offset`]).
    pub conv_offset: f64,
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0f64, |m, x| m.max(x.abs()))
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

/// The convergence scale `s = |log φ_s| + |V|` (or `φ_s + |V|`, [`Evaluation::conv_offset`]).
fn conv_scale(e: &Evaluation) -> f64 {
    e.conv_offset + e.score.abs()
}

/// `gᵀΔ + ½ΔᵀHΔ`: the change the quadratic model predicts.
fn predicted_change(e: &Evaluation, step: &[f64]) -> f64 {
    let k = step.len();
    let lin: f64 = e.grad.iter().zip(step).map(|(g, s)| g * s).sum();
    let quad: f64 = (0..k)
        .map(|i| step[i] * (0..k).map(|j| e.hess[i * k + j] * step[j]).sum::<f64>())
        .sum();
    lin + 0.5 * quad
}

/// mgcv's relative prediction error of a step.
fn qerror(pred: f64, change: f64, tol: f64) -> f64 {
    (pred - change).abs() / (pred.abs().max(change.abs()) + tol)
}

fn add(x: &[f64], step: &[f64]) -> Vec<f64> {
    x.iter().zip(step).map(|(a, b)| a + b).collect()
}

/// A point with its evaluation (`None` where evaluation failed, which counts as an infinite score).
struct Trial {
    x: Vec<f64>,
    eval: Option<Evaluation>,
}

impl Trial {
    fn score(&self) -> f64 {
        self.eval.as_ref().map_or(
            f64::INFINITY,
            |e| if e.score.is_finite() { e.score } else { f64::INFINITY },
        )
    }
}

/// The regularised Newton step on the components in `active`.
struct NewtonStep {
    step: Vec<f64>,
    /// No eigenvalue needed flipping or flooring.
    pos_def: bool,
    /// Some eigenvalue is clearly negative.
    indefinite: bool,
}

fn newton_step(e: &Evaluation, active: &[usize], conv_scale: f64) -> NewtonStep {
    let k = e.grad.len();
    let na = active.len();
    let h = Mat::from_fn(na, na, |a, b| {
        let (i, j) = (active[a], active[b]);
        0.5 * (e.hess[i * k + j] + e.hess[j * k + i])
    });
    let g: Vec<f64> = active.iter().map(|&i| e.grad[i]).collect();
    let mut step = vec![0.0; k];
    let Ok(eig) = h.self_adjoint_eigen(Side::Lower) else {
        // No decomposition: fall back to steepest descent, as for an indefinite Hessian.
        for (a, &i) in active.iter().enumerate() {
            step[i] = -g[a];
        }
        return NewtonStep {
            step,
            pos_def: false,
            indefinite: true,
        };
    };
    let u = eig.U();
    let mut d: Vec<f64> = (0..na).map(|i| eig.S()[i]).collect();
    let d_max = d.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let sqrt_eps = f64::EPSILON.sqrt();
    let mut indefinite = d.iter().any(|&v| -v > d_max.abs() * sqrt_eps);
    if indefinite && na == 1 {
        indefinite = d[0] < -conv_scale * sqrt_eps;
    }
    let mut pos_def = !d.iter().any(|&v| v < 0.0);
    d.iter_mut().for_each(|v| *v = v.abs());
    let low = d.iter().cloned().fold(0.0f64, f64::max) * f64::EPSILON.powf(EIGEN_FLOOR_POWER);
    for v in &mut d {
        if *v < low {
            pos_def = false;
            *v = low;
        }
    }
    for c in 0..na {
        let inv = if d[c] != 0.0 { 1.0 / d[c] } else { 0.0 };
        let ug: f64 = (0..na).map(|a| u[(a, c)] * g[a]).sum();
        for (a, &i) in active.iter().enumerate() {
            step[i] -= u[(a, c)] * ug * inv;
        }
    }
    NewtonStep {
        step,
        pos_def,
        indefinite,
    }
}

/// Minimises `eval` from `x0` by mgcv's outer Newton iteration.
///
/// The first `n_reported` parameters are the log smoothing parameters that
/// [`Iterate`] reports (any further ones, the log scale, are optimised but not
/// reported). `on_iterate` is called once at the start, with `iter` =
/// `start_iter` (the count a resumed optimisation continues from), and after
/// every iteration that moved the point; when it answers `Break` (and the
/// iteration has not converged at that iterate) the optimisation stops with
/// [`GamError::Interrupted`] at that iterate. An evaluation error at the start
/// is returned; at a trial point it counts as an infinite score.
///
/// With `opts.controls` fixing or bounding smoothing parameters, `eval` and
/// `x0` stay in the criterion's full ρ; the iteration runs over the free ones
/// ([`SpControls`]) and reports iterates in the full ρ (with a zero gradient
/// for fixed ones).
pub fn minimise<P: Proceed>(
    mut eval: impl FnMut(&[f64]) -> Result<Evaluation>,
    x0: &[f64],
    n_reported: usize,
    start_iter: usize,
    opts: &NewtonOptions,
    mut on_iterate: impl FnMut(&Iterate) -> P,
) -> Result<NewtonResult> {
    let c = &opts.controls;
    if c.is_identity() {
        return minimise_free(eval, x0, n_reported, start_iter, opts, on_iterate);
    }
    let m = n_reported;
    c.check(m)?;
    let widen = |it: &Iterate| {
        let mut x = it.rho.clone();
        x.extend_from_slice(&it.extra);
        let full = c.to_full(&x, m);
        Iterate {
            rho: full[..m].to_vec(),
            grad: c.widen_grad(&it.grad, m),
            extra: full[m..].to_vec(),
            ..it.clone()
        }
    };
    let x_free = c.to_free(x0, m);
    let n_free = x_free.len() - (x0.len() - m);
    let mut result = minimise_free(
        |x| {
            let e = eval(&c.to_full(x, m))?;
            let (grad, hess) = c.restrict(&e.grad, &e.hess, x, m);
            Ok(Evaluation { grad, hess, ..e })
        },
        &x_free,
        n_free,
        start_iter,
        opts,
        |it| on_iterate(&widen(it)),
    )?;
    result.last = widen(&result.last);
    Ok(result)
}

/// [`minimise`] over every parameter.
fn minimise_free<P: Proceed>(
    mut eval: impl FnMut(&[f64]) -> Result<Evaluation>,
    x0: &[f64],
    n_reported: usize,
    start_iter: usize,
    opts: &NewtonOptions,
    mut on_iterate: impl FnMut(&Iterate) -> P,
) -> Result<NewtonResult> {
    let k = x0.len();
    let mut x = x0.to_vec();
    let (conv_tol, grad_factor) = opts.convergence.tolerances();
    let mut cur = eval(&x)?;
    let state = |iter: usize, x: &[f64], e: &Evaluation| Iterate {
        iter,
        rho: x[..n_reported].to_vec(),
        score: e.score,
        grad: e.grad[..n_reported].to_vec(),
        coefficients: e.coefficients.clone(),
        scale: e.scale,
        extra: x[n_reported..].to_vec(),
    };
    let interrupted = |it: Iterate| GamError::Interrupted {
        iterations: it.iter,
        score: it.score,
        saved: false,
    };
    let first = state(start_iter, &x, &cur);
    if on_iterate(&first).proceed().is_break() && k > 0 {
        return Err(interrupted(first));
    }
    if k == 0 {
        return Ok(NewtonResult {
            last: state(start_iter, &x, &cur),
            converged: true,
            message: "no smoothing parameters".into(),
            grad: Vec::new(),
            hess: Vec::new(),
        });
    }
    let mut eval_at = |x: Vec<f64>| {
        let eval = eval(&x).ok();
        Trial { x, eval }
    };

    let mut s = conv_scale(&cur);
    let mut active: Vec<bool> = cur.grad.iter().map(|g| g.abs() > s * conv_tol).collect();
    if !active.iter().any(|&a| a) {
        active.iter_mut().for_each(|a| *a = true);
    }
    let mut old_score = cur.score;
    let mut iter = 0;
    let mut halvings = 0;
    let mut converged = false;
    while iter < opts.max_iter {
        iter += 1;
        let i = iter;
        if !active.iter().any(|&a| a) {
            let gmax = max_abs(&cur.grad);
            active = cur.grad.iter().map(|g| g.abs() == gmax).collect();
        }
        let idx: Vec<usize> = (0..k).filter(|&j| active[j]).collect();
        let NewtonStep {
            step: mut nstep,
            pos_def,
            indefinite,
        } = newton_step(&cur, &idx, s);
        let gmax = max_abs(&cur.grad);
        let sstep: Vec<f64> = if gmax > 0.0 {
            cur.grad.iter().map(|g| -g / gmax).collect()
        } else {
            vec![0.0; k]
        };
        let longest = max_abs(&nstep);
        if longest > MAX_NEWTON_STEP {
            nstep.iter_mut().for_each(|v| *v *= MAX_NEWTON_STEP / longest);
        }
        let mut sd_unused = true;
        let tol = s * conv_tol;
        let score = cur.score;
        // mgcv's `b`: the fit whose scale estimate sets the next convergence scale.
        let mut b_conv_offset = cur.conv_offset;
        let mut moved = false;

        let mut trial = eval_at(add(&x, &nstep));
        if let Some(e) = &trial.eval {
            b_conv_offset = e.conv_offset;
        }
        let mut score1 = trial.score();
        let mut change = score1 - score;
        let mut q = qerror(predicted_change(&cur, &nstep), change, tol);
        halvings = 0;
        // A candidate found by halving that is kept only for comparison with steepest descent.
        let mut candidate_score = f64::NAN;
        if score1.is_finite() && change < 0.0 && pos_def && q < QERROR_THRESHOLD {
            old_score = score;
            x = trial.x;
            cur = trial.eval.take().expect("finite score has an evaluation");
            moved = true;
            trial = Trial {
                x: x.clone(),
                eval: None,
            };
        } else if !score1.is_finite() || score1 >= score || q >= QERROR_THRESHOLD {
            let mut step = nstep.clone();
            while (!score1.is_finite() || score1 >= score || q >= QERROR_THRESHOLD) && halvings < MAX_HALVINGS {
                if halvings == SD_SWITCH_HALVING && i < SD_SWITCH_ITERATIONS {
                    let len = norm(&step).min(MAX_SD_STEP);
                    let sn = norm(&sstep);
                    step = sstep.iter().map(|v| v * len / sn).collect();
                    sd_unused = false;
                } else {
                    step.iter_mut().for_each(|v| *v *= 0.5);
                }
                trial = eval_at(add(&x, &step));
                let pred = predicted_change(&cur, &step);
                score1 = trial.score();
                change = score1 - score;
                q = if halvings > QERROR_RELAX_AFTER {
                    QERROR_THRESHOLD / 2.0
                } else {
                    qerror(pred, change, tol)
                };
                if score1.is_finite() && change < 0.0 && q < QERROR_THRESHOLD {
                    let e = trial.eval.as_ref().expect("finite score has an evaluation");
                    b_conv_offset = e.conv_offset;
                    if pos_def || !sd_unused {
                        old_score = score;
                        x = trial.x.clone();
                        cur = e.clone();
                        moved = true;
                    } else {
                        candidate_score = score1;
                    }
                    // Leave the loop.
                    score1 = cur.score - cur.score.abs() - 1.0;
                }
                if !score1.is_finite() || score1 >= cur.score || q >= QERROR_THRESHOLD {
                    halvings += 1;
                }
            }
            if !pos_def && sd_unused && halvings < MAX_HALVINGS {
                score1 = candidate_score;
            }
        }
        if !pos_def && sd_unused {
            // Steepest-descent line search; keep the better of it and the Newton point.
            let mut step: Vec<f64> = sstep.iter().map(|v| v * 2.0).collect();
            let mut best: Option<Trial> = None;
            let mut best_score = f64::NAN;
            for _ in 0..SD_SEARCH_STEPS {
                step.iter_mut().for_each(|v| *v *= 0.5);
                let t = eval_at(add(&x, &step));
                let pred = predicted_change(&cur, &step);
                let score3 = t.score();
                let q3 = qerror(pred, score3 - score, tol);
                let take =
                    !best_score.is_finite() || (score3.is_finite() && score3 <= best_score && q3 < QERROR_THRESHOLD);
                if take {
                    best_score = score3;
                    best = Some(t);
                }
                // Stop once the search has passed a point better than the start.
                let stop = best_score.is_finite() && score3.is_finite() && best_score < score && score3 > best_score;
                if stop {
                    break;
                }
            }
            let chosen = match best {
                Some(b) if best_score.is_finite() && best_score < score1 => b,
                _ => trial,
            };
            if let Some(e) = chosen.eval {
                b_conv_offset = e.conv_offset;
                old_score = score;
                x = chosen.x;
                cur = e;
                moved = true;
            } else {
                halvings = MAX_HALVINGS;
            }
        }

        converged = !indefinite;
        s = b_conv_offset + cur.score.abs();
        let tol = s * conv_tol;
        active = (0..k)
            .map(|j| cur.grad[j].abs() > tol * ACTIVE_FACTOR || cur.hess[j * k + j].abs() > tol * ACTIVE_FACTOR)
            .collect();
        if cur.grad.iter().any(|g| g.abs() > tol * grad_factor) {
            converged = false;
        }
        if (old_score - cur.score).abs() > tol {
            if converged {
                active.iter_mut().for_each(|a| *a = true);
            }
            converged = false;
        }
        if halvings == MAX_HALVINGS {
            converged = true;
        }
        let stop = moved && on_iterate(&state(start_iter + iter, &x, &cur)).proceed().is_break();
        if converged {
            break;
        }
        if stop {
            return Err(interrupted(state(start_iter + iter, &x, &cur)));
        }
    }
    let last = state(start_iter + iter, &x, &cur);
    let (converged, message) = if halvings == MAX_HALVINGS {
        let tol = s * conv_tol * grad_factor;
        (cur.grad.iter().all(|g| g.abs() <= tol), "step failed".to_string())
    } else if converged {
        (true, "full convergence".to_string())
    } else {
        (false, format!("iteration limit {} reached", opts.max_iter))
    };
    Ok(NewtonResult {
        last,
        converged,
        message,
        grad: cur.grad,
        hess: cur.hess,
    })
}

#[cfg(test)]
#[path = "newton_tests.rs"]
mod tests;
