//! The smoothing controls of a fit resolved against its design, as mgcv's
//! `gam.setup` resolves them: the model's `sp =` (one per penalty, in the
//! design's penalty order; negative entries estimated), then each term's
//! own `s(x, sp = …)` over its entries, then `min.sp`. The result is the
//! [`SpControls`] the outer iteration runs with.
//!
//! A fixed smoothing parameter of exactly 0 is replaced, as in mgcv, by an
//! "effective zero" `‖X_k‖²_F / ‖S_k‖_F · ε / 10`, where — reproducing mgcv
//! 1.8-41 exactly — the z-th zero uses the columns and penalty of the z-th
//! penalty of the model (not of its own).

use crate::data::DataFrame;
use crate::design::{Design, PenaltySet};
use crate::error::{GamError, Result};
use crate::fit::outer::SpControls;
use crate::fit::spec::FitOptions;

/// mgcv's effective zero smoothing parameter is this times ε times `‖X_k‖²_F / ‖S_k‖_F`.
const EFFECTIVE_ZERO_FACTOR: f64 = 0.1;

/// The smoothing controls of `options` and the formula's terms for `design`.
///
/// # Errors
/// [`GamError::Control`] for a model `sp`/`min.sp` of the wrong length or with a
/// non-finite (or, for `min.sp`, negative) entry; [`GamError::Term`] for a term
/// whose `sp =` does not give one value per penalty.
pub fn resolve(options: &FitOptions, design: &Design, pens: &PenaltySet, data: &DataFrame) -> Result<SpControls> {
    let m = pens.len();
    let names = design.sp_names();
    let link = design.sp_links()?;
    // With `id`, mgcv's `sp` gives one value per shared smoothing parameter.
    let leads: Vec<usize> = (0..m).filter(|&j| link.get(j).is_none_or(|&l| l == j)).collect();
    let count = || {
        if m == 0 {
            "the model has no smoothing parameters".to_string()
        } else {
            format!("the model has {m}: {}", names.join(", "))
        }
    };
    let mut sp = vec![-1.0; m];
    if let Some(given) = &options.sp {
        if given.len() != leads.len() {
            let shared = if leads.len() == m {
                String::new()
            } else {
                format!(" (terms with one id share one; {} in all)", leads.len())
            };
            return Err(GamError::Control {
                option: "sp".into(),
                message: format!(
                    "{} values given, one per smoothing parameter is needed ({}){shared}; negative values are estimated",
                    given.len(),
                    count()
                ),
            });
        }
        if let Some(v) = given.iter().find(|v| !v.is_finite()) {
            return Err(GamError::Control {
                option: "sp".into(),
                message: format!("{v} is not a number: give a value >= 0 to fix, negative to estimate"),
            });
        }
        for (j, slot) in sp.iter_mut().enumerate() {
            let lead = link.get(j).copied().unwrap_or(j);
            *slot = given[leads.iter().position(|&l| l == lead).unwrap_or(0)];
        }
    }
    let mut k = 0;
    for s in &design.smooths {
        let n = s.penalties.len();
        if !s.spec.sp.is_empty() {
            if s.spec.sp.len() != n {
                return Err(GamError::Term {
                    term: s.spec.label(),
                    message: format!(
                        "sp has {} value{} but the term has {n} smoothing parameter{}",
                        s.spec.sp.len(),
                        if s.spec.sp.len() == 1 { "" } else { "s" },
                        if n == 1 { "" } else { "s" }
                    ),
                });
            }
            for (slot, v) in sp[k..k + n].iter_mut().zip(&s.spec.sp) {
                *slot = v.0;
            }
        }
        k += n;
    }
    let min_sp = match &options.min_sp {
        None => Vec::new(),
        Some(given) => {
            if given.len() != m {
                return Err(GamError::Control {
                    option: "min.sp".into(),
                    message: format!(
                        "{} values given, one per smoothing parameter is needed ({})",
                        given.len(),
                        count()
                    ),
                });
            }
            if let Some(v) = given.iter().find(|v| !(v.is_finite() && **v >= 0.0)) {
                return Err(GamError::Control {
                    option: "min.sp".into(),
                    message: format!("{v} is not allowed: minimum smoothing parameters must be finite and >= 0"),
                });
            }
            given.clone()
        }
    };
    let n_zero = sp.iter().filter(|&&v| v == 0.0).count();
    let zeros = if n_zero > 0 {
        effective_zeros(design, pens, data, n_zero)?
    } else {
        Vec::new()
    };
    let mut z = 0;
    let fixed = sp
        .iter()
        .map(|&v| {
            if v > 0.0 {
                Some(v.ln())
            } else if v == 0.0 {
                z += 1;
                Some(zeros[z - 1])
            } else {
                None
            }
        })
        .collect::<Vec<_>>();
    Ok(SpControls {
        fixed: if fixed.iter().all(Option::is_none) {
            Vec::new()
        } else {
            fixed
        },
        min_sp,
        cold: true,
        link: if link.iter().enumerate().all(|(j, &l)| l == j) {
            Vec::new()
        } else {
            link
        },
    })
}

/// The logs of mgcv's effective zeros for the first `count` penalties.
fn effective_zeros(design: &Design, pens: &PenaltySet, data: &DataFrame, count: usize) -> Result<Vec<f64>> {
    let x = design.model_matrix(data)?;
    Ok(pens.penalties()[..count]
        .iter()
        .map(|pen| {
            let d = pen.s.nrows();
            let xx: f64 = (0..x.nrows())
                .map(|i| (0..d).map(|c| x[(i, pen.offset + c)].powi(2)).sum::<f64>())
                .sum();
            let ss: f64 = (0..d)
                .flat_map(|a| (0..d).map(move |b| (a, b)))
                .map(|(a, b)| pen.s[(a, b)].powi(2))
                .sum();
            (xx / ss.sqrt() * f64::EPSILON * EFFECTIVE_ZERO_FACTOR).ln()
        })
        .collect())
}
