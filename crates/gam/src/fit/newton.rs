//! Newton's method on the log smoothing parameters, as mgcv's outer
//! optimiser does it: the Hessian is made positive definite by taking the
//! absolute values of its eigenvalues, the step is capped in length, and
//! halved until the criterion decreases.

use faer::{Mat, Side};

use crate::error::Result;

/// Convergence: the largest gradient component is below this times (1 + |V|).
pub const GRAD_TOL: f64 = 1e-7;

/// Convergence: a full step that changes the score by less than this times (1 + |V|).
pub const SCORE_TOL: f64 = 1e-13;

/// With the score no longer moving, a gradient below this times (1 + |V|)
/// lies along flat directions and counts as converged.
pub const FLAT_GRAD_TOL: f64 = 1e-3;

/// Longest step in any log smoothing parameter.
pub const MAX_STEP: f64 = 5.0;

/// Eigenvalues of the Hessian are kept at least this fraction of the largest.
const EIGEN_FLOOR: f64 = 1e-7;

/// Halvings tried before a step is given up.
const MAX_HALVINGS: usize = 30;

/// Settings of the outer optimisation.
#[derive(Debug, Clone, PartialEq)]
pub struct NewtonOptions {
    /// Iteration limit.
    pub max_iter: usize,
}

impl Default for NewtonOptions {
    fn default() -> Self {
        NewtonOptions { max_iter: 200 }
    }
}

/// The state after an accepted outer iteration.
#[derive(Debug, Clone)]
pub struct Iterate {
    /// Iterations done so far.
    pub iter: usize,
    /// Log smoothing parameters.
    pub rho: Vec<f64>,
    /// The criterion.
    pub score: f64,
    /// Its gradient.
    pub grad: Vec<f64>,
    /// Coefficients at ρ.
    pub coefficients: Vec<f64>,
    /// Scale parameter at ρ.
    pub scale: f64,
}

/// How the optimisation ended.
#[derive(Debug, Clone)]
pub struct NewtonResult {
    /// The final iterate.
    pub last: Iterate,
    /// Whether the convergence test passed.
    pub converged: bool,
    /// Why it stopped, in words.
    pub message: String,
}

/// One evaluation of the criterion.
#[derive(Debug, Clone)]
pub struct Evaluation {
    /// The criterion.
    pub score: f64,
    /// Its gradient.
    pub grad: Vec<f64>,
    /// Its Hessian, row-major.
    pub hess: Vec<f64>,
    /// Coefficients at this ρ (carried along for checkpoints).
    pub coefficients: Vec<f64>,
    /// Scale at this ρ.
    pub scale: f64,
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0f64, |m, x| m.max(x.abs()))
}

/// Minimises `eval` from `rho0`, calling `on_iterate` after every accepted step
/// (and once at the start, with `iter` = `start_iter`, the count a resumed
/// optimisation continues from).
pub fn minimise(
    mut eval: impl FnMut(&[f64]) -> Result<Evaluation>,
    rho0: &[f64],
    start_iter: usize,
    opts: &NewtonOptions,
    mut on_iterate: impl FnMut(&Iterate),
) -> Result<NewtonResult> {
    let m = rho0.len();
    let mut rho = rho0.to_vec();
    let mut cur = eval(&rho)?;
    let mut iter = start_iter;
    let state = |iter, rho: &Vec<f64>, e: &Evaluation| Iterate {
        iter,
        rho: rho.clone(),
        score: e.score,
        grad: e.grad.clone(),
        coefficients: e.coefficients.clone(),
        scale: e.scale,
    };
    let done = |iter, rho: &Vec<f64>, e: &Evaluation, converged: bool, message: String| NewtonResult {
        last: state(iter, rho, e),
        converged,
        message,
    };
    on_iterate(&state(iter, &rho, &cur));
    if m == 0 {
        return Ok(done(iter, &rho, &cur, true, "no smoothing parameters".into()));
    }
    loop {
        let tol_scale = 1.0 + cur.score.abs();
        if max_abs(&cur.grad) <= GRAD_TOL * tol_scale {
            return Ok(done(iter, &rho, &cur, true, "full convergence".into()));
        }
        if iter - start_iter >= opts.max_iter {
            let msg = format!("iteration limit {} reached", opts.max_iter);
            return Ok(done(iter, &rho, &cur, false, msg));
        }
        let mut step = newton_step(&cur.grad, &cur.hess, m);
        let longest = max_abs(&step);
        if longest > MAX_STEP {
            step.iter_mut().for_each(|s| *s *= MAX_STEP / longest);
        }
        let mut accepted = None;
        for _ in 0..MAX_HALVINGS {
            let trial: Vec<f64> = rho.iter().zip(&step).map(|(r, s)| r + s).collect();
            if let Ok(e) = eval(&trial) {
                if e.score <= cur.score {
                    accepted = Some((trial, e));
                    break;
                }
            }
            step.iter_mut().for_each(|s| *s *= 0.5);
        }
        iter += 1;
        let Some((trial, next)) = accepted else {
            let small = max_abs(&cur.grad) <= FLAT_GRAD_TOL * tol_scale;
            let msg = if small {
                "step failed to reduce the score; gradient small"
            } else {
                "step failed to reduce the score"
            };
            return Ok(done(iter, &rho, &cur, small, msg.into()));
        };
        let change = cur.score - next.score;
        rho = trial;
        cur = next;
        on_iterate(&state(iter, &rho, &cur));
        if change <= SCORE_TOL * tol_scale && max_abs(&cur.grad) <= FLAT_GRAD_TOL * tol_scale {
            // The score no longer moves: the remaining gradient is along
            // directions where V is flat (a smoothing parameter tending to
            // infinity or zero), which is convergence as mgcv reports it.
            return Ok(done(
                iter,
                &rho,
                &cur,
                true,
                "full convergence (flat directions)".into(),
            ));
        }
    }
}

/// −H̃⁻¹g where H̃ has the eigenvalues of H replaced by their absolute values
/// (floored), so the step is always a descent direction.
fn newton_step(grad: &[f64], hess: &[f64], m: usize) -> Vec<f64> {
    let h = Mat::from_fn(m, m, |i, j| 0.5 * (hess[i * m + j] + hess[j * m + i]));
    let Ok(eig) = h.self_adjoint_eigen(Side::Lower) else {
        return grad.iter().map(|g| -g).collect();
    };
    let u = eig.U();
    let vals: Vec<f64> = (0..m).map(|i| eig.S()[i].abs()).collect();
    let floor = vals.iter().cloned().fold(0.0f64, f64::max) * EIGEN_FLOOR;
    let mut step = vec![0.0; m];
    for c in 0..m {
        let d = vals[c].max(floor).max(f64::MIN_POSITIVE);
        let ug: f64 = (0..m).map(|i| u[(i, c)] * grad[i]).sum();
        for i in 0..m {
            step[i] -= u[(i, c)] * ug / d;
        }
    }
    step
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimises_a_quadratic_in_one_step() {
        let eval = |r: &[f64]| -> Result<Evaluation> {
            let (a, b) = (r[0] - 1.0, r[1] + 2.0);
            Ok(Evaluation {
                score: a * a + 3.0 * b * b + a * b,
                grad: vec![2.0 * a + b, 6.0 * b + a],
                hess: vec![2.0, 1.0, 1.0, 6.0],
                coefficients: Vec::new(),
                scale: 1.0,
            })
        };
        let mut seen = 0;
        let res = minimise(eval, &[0.0, 0.0], 0, &NewtonOptions::default(), |_| seen += 1).unwrap();
        assert!(res.converged);
        assert!((res.last.rho[0] - 1.0).abs() < 1e-9 && (res.last.rho[1] + 2.0).abs() < 1e-9);
        assert_eq!(seen, 2, "start plus one step");
    }
}
