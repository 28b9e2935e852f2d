//! Fitting: penalised least squares inside, REML smoothing-parameter
//! selection outside (Newton on log λ with exact derivatives).

pub mod cached;
pub mod edf2;
pub mod gam;
pub mod newton;
pub mod penalty;
pub mod reml;
pub mod warm;

use faer::Mat;

pub use newton::{Iterate, NewtonOptions, NewtonResult};
pub use penalty::{Penalty, PenaltySet};
pub use reml::{LsqProblem, RemlEval, Scale};

use crate::error::Result;

/// Penalty entries smaller than this fraction of the largest are treated as
/// zero when judging which coefficients a penalty really acts on.
const INITIAL_SP_THRESHOLD: f64 = 3.0e-13;

/// mgcv's starting smoothing parameters: for each penalty, the ratio of the
/// mean diagonal of XᵀX to the mean diagonal of S over the coefficients it
/// penalises, so that both parts of the criterion start on the same scale.
pub fn initial_log_sp(xtx: &Mat<f64>, pens: &PenaltySet) -> Vec<f64> {
    pens.penalties()
        .iter()
        .map(|pen| {
            let d = pen.s.nrows();
            let max = (0..d)
                .flat_map(|i| (0..d).map(move |j| (i, j)))
                .fold(0.0f64, |m, (i, j)| m.max(pen.s[(i, j)].abs()));
            let thresh = INITIAL_SP_THRESHOLD * max;
            let mut xx = 0.0;
            let mut ss = 0.0;
            let mut count = 0usize;
            for i in 0..d {
                let row_mean = (0..d).map(|j| pen.s[(i, j)].abs()).sum::<f64>() / d as f64;
                if row_mean > thresh && pen.s[(i, i)].abs() > thresh {
                    xx += xtx[(pen.offset + i, pen.offset + i)];
                    ss += pen.s[(i, i)];
                    count += 1;
                }
            }
            if count == 0 || ss <= 0.0 || xx <= 0.0 {
                0.0
            } else {
                (xx / ss).ln()
            }
        })
        .collect()
}

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

/// Where the outer iteration starts when it does not start cold.
#[derive(Debug, Clone, PartialEq)]
pub struct OuterStart {
    /// Log smoothing parameters to start from.
    pub rho: Vec<f64>,
    /// Iterations already done (a resumed fit continues the count).
    pub iteration: usize,
}

/// Selects smoothing parameters by REML for a penalised least-squares problem.
pub fn fit_reml(
    problem: &LsqProblem,
    pens: &PenaltySet,
    scale: Scale,
    start: Option<&OuterStart>,
    opts: &NewtonOptions,
    on_iterate: impl FnMut(&Iterate),
) -> Result<RemlFit> {
    let (rho0, start_iter) = match start {
        Some(s) => (s.rho.clone(), s.iteration),
        None => (initial_log_sp(&problem.xtwx(), pens), 0),
    };
    let outer = newton::minimise(
        |rho| {
            let e = problem.reml(pens, rho, scale)?;
            Ok(newton::Evaluation {
                score: e.score,
                grad: e.grad,
                hess: e.hess,
                coefficients: e.beta,
                scale: e.scale,
            })
        },
        &rho0,
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
