//! The outer iteration shared by both paths: mgcv's Newton method on the
//! smoothing-parameter criterion ([`newton`]), its convergence tests
//! ([`convergence`]), and where it starts: mgcv's `initial.sp`
//! ([`initial_log_sp`]) or an [`OuterStart`] (a checkpoint, a related fit).

pub mod controls;
pub mod convergence;
pub mod newton;

use faer::Mat;
use serde::{Deserialize, Serialize};

pub use controls::SpControls;
pub use convergence::Convergence;
pub use newton::{Evaluation, Iterate, NewtonOptions, NewtonResult};

use crate::design::PenaltySet;

/// Penalty entries at most this fraction (mgcv: ε^0.8) of a penalty's largest
/// absolute entry are treated as zero when judging which coefficients it acts on.
const INITIAL_SP_THRESHOLD: f64 = 3.0e-13;

/// mgcv rescales its starting smoothing parameters by powers of
/// [`INITIAL_SP_FACTOR`] until the mean of `XᵀX_ii / (XᵀX_ii + S_ii)` over the
/// penalised coefficients first reaches this value from below.
pub(crate) const INITIAL_SP_BALANCE: f64 = 0.4;

/// Factor by which mgcv rescales its starting smoothing parameters.
pub(crate) const INITIAL_SP_FACTOR: f64 = 10.0;

/// mgcv's starting smoothing parameters (`initial.sp`), as logs.
///
/// For penalty `j`, over the coefficients it really acts on (row mean and
/// diagonal of `|S_j|` above a tiny threshold), `λ_j = mean(XᵀX_ii) /
/// mean(S_j,ii)`. All λ are then multiplied by the same power of 10 so that,
/// with `s_i = Σ_j λ_j S_j,ii` summed over every penalty touching
/// coefficient `i`, the mean of `XᵀX_ii / (XᵀX_ii + s_i)` over penalised
/// coefficients with `s_i > 0` and `XᵀX_ii > 0` is the first value `≥ 0.4`
/// when scaling down from above 0.4 (or up from below).
pub fn initial_log_sp(xtx: &Mat<f64>, pens: &PenaltySet) -> Vec<f64> {
    let p = xtx.nrows();
    let mut sp = vec![0.0; pens.len()];
    let mut penalised = vec![false; p];
    let mut diag_s = vec![0.0; p];
    for (j, pen) in pens.penalties().iter().enumerate() {
        let d = pen.s.nrows();
        let max = (0..d)
            .flat_map(|a| (0..d).map(move |b| (a, b)))
            .fold(0.0f64, |m, (a, b)| m.max(pen.s[(a, b)].abs()));
        let thresh = INITIAL_SP_THRESHOLD * max;
        let mut xx = 0.0;
        let mut ss = 0.0;
        let mut count = 0usize;
        for a in 0..d {
            let row_mean = (0..d).map(|b| pen.s[(a, b)].abs()).sum::<f64>() / d as f64;
            let col_mean = (0..d).map(|b| pen.s[(b, a)].abs()).sum::<f64>() / d as f64;
            if row_mean > thresh && col_mean > thresh && pen.s[(a, a)].abs() > thresh {
                xx += xtx[(pen.offset + a, pen.offset + a)];
                ss += pen.s[(a, a)];
                count += 1;
                penalised[pen.offset + a] = true;
            }
        }
        sp[j] = if count == 0 || ss <= 0.0 || xx <= 0.0 {
            1.0
        } else {
            xx / ss
        };
        for a in 0..d {
            diag_s[pen.offset + a] += sp[j] * pen.s[(a, a)];
        }
    }
    let used: Vec<usize> = (0..p)
        .filter(|&i| diag_s[i] > 0.0 && penalised[i] && xtx[(i, i)] > 0.0)
        .collect();
    if !used.is_empty() {
        let balance = |mult: f64| {
            used.iter()
                .map(|&i| xtx[(i, i)] / (xtx[(i, i)] + mult * diag_s[i]))
                .sum::<f64>()
                / used.len() as f64
        };
        let mut mult = 1.0;
        while balance(mult) > INITIAL_SP_BALANCE {
            mult *= INITIAL_SP_FACTOR;
        }
        while balance(mult) < INITIAL_SP_BALANCE {
            mult /= INITIAL_SP_FACTOR;
        }
        sp.iter_mut().for_each(|v| *v *= mult);
    }
    sp.iter().map(|v| v.ln()).collect()
}

/// mgcv's initial scale for the outer iteration is the null scale divided by this.
pub(crate) const NULL_SCALE_DIVISOR: f64 = 10.0;

/// Where the outer iteration starts when it does not start cold.
#[derive(Debug, Clone, PartialEq)]
pub struct OuterStart {
    /// Log smoothing parameters to start from.
    pub rho: Vec<f64>,
    /// Iterations already done (a resumed fit continues the count).
    pub iteration: usize,
    /// The other optimised parameters where known (a resumed checkpoint's),
    /// in the optimiser's order: a family parameter first (nb's log θ), then
    /// the log scale. Empty: they start where a cold fit starts them.
    pub extra: Vec<f64>,
}

/// How the outer optimisation ended, as the fitted model records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OuterInfo {
    /// Outer iterations.
    pub iter: usize,
    /// Whether it converged.
    pub converged: bool,
    /// Largest absolute gradient component of the REML score at the end.
    #[serde(deserialize_with = "crate::files::nan_if_null")]
    pub max_abs_grad: f64,
    /// In words.
    pub message: String,
    /// The smallest and largest component of the criterion's gradient at
    /// the end, over every optimised parameter (the log scale and a family
    /// parameter included; mgcv's `range(outer.info$grad)`, which
    /// `gam.check` prints). Absent without smoothing parameters to select
    /// and in files written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grad_range: Option<[f64; 2]>,
    /// The smallest and largest eigenvalue of the criterion's Hessian there
    /// (`range(eigen(outer.info$hess)$values)`); absent as `grad_range`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hessian_eigen_range: Option<[f64; 2]>,
}

impl OuterInfo {
    /// How an outer Newton optimisation ended.
    pub fn of(outer: &NewtonResult) -> OuterInfo {
        let k = outer.grad.len();
        let grad_range = range(outer.grad.iter().copied());
        let hessian_eigen_range = (k > 0 && outer.hess.len() == k * k)
            .then(|| {
                let h = faer::Mat::from_fn(k, k, |i, j| 0.5 * (outer.hess[i * k + j] + outer.hess[j * k + i]));
                let eig = h.self_adjoint_eigen(faer::Side::Lower).ok()?;
                range((0..k).map(|i| eig.S()[i]))
            })
            .flatten();
        OuterInfo {
            iter: outer.last.iter,
            converged: outer.converged,
            max_abs_grad: outer.last.grad.iter().fold(0.0f64, |m, g| m.max(g.abs())),
            message: outer.message.clone(),
            grad_range,
            hessian_eigen_range,
        }
    }
}

/// `[min, max]` of finite values; `None` when empty or any is not finite
/// (the model file stores only finite numbers here).
fn range(values: impl Iterator<Item = f64>) -> Option<[f64; 2]> {
    let mut out: Option<[f64; 2]> = None;
    for v in values {
        if !v.is_finite() {
            return None;
        }
        out = Some(out.map_or([v, v], |[lo, hi]| [lo.min(v), hi.max(v)]));
    }
    out
}
