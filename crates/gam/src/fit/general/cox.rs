//! Fitting mgcv's `cox.ph` family: one formula `time ~ …`, the event indicator (1 event,
//! 0 censored) as mgcv's `weights`, and no intercept (mgcv's `drop.intercept`: the terms are
//! set up as with one, then its column is removed, coxph.r / mgcv.r `gam.setup`).
//!
//! The partial likelihood does not split into per-observation terms, so this is a path of its
//! own beside the per-observation one (gaulss): the same REML criterion as
//! [`super::laml`] (mgcv's `gam.fit5`), with `ℓ`, `ℓ_β`, `−ℓ_ββ` and the derivatives of
//! `−ℓ_ββ` along `X ∂β̂/∂ρ` taken from the risk-set sums of
//! [`crate::family::general::coxph`] (mgcv's `ll` of `cox.ph`, returning `lb`, `lbb`, `d1H`,
//! `d2H`), optimised by the outer Newton iteration all fits share. The inner iteration starts
//! from β = 0 as mgcv's `initialize` does; afterwards the Breslow baseline and the fitted
//! survival `exp(−h(t_i) e^{η_i})` are computed as mgcv's `postproc`.

use std::time::Instant;

use faer::Mat;

use super::inner::{chol_inverse, mat_vec, newton_step, penalised};
use super::laml::Laml;
use super::{GeneralDesign, GeneralFit, check_options};
use crate::data::{Column, DataFrame};
use crate::design::PenaltySet;
use crate::error::{GamError, Result};
use crate::family::general::GeneralFamily;
use crate::family::general::coxph::{CoxBaseline, CoxData, deviances};
use crate::fit::driver::observe;
use crate::fit::observer::{FitObserver, NoObserver};
use crate::fit::outer::newton::{Evaluation, minimise};
use crate::fit::outer::{NewtonOptions, OuterStart, initial_log_sp};
use crate::fit::spec::FitOptions;
use crate::formula::Formula;
use crate::formula::list::FormulaList;
use crate::linalg::{dot, trace, trace_of_product};

/// What a Cox fit keeps beyond a general fit's fields.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CoxExtra {
    /// The Breslow baseline (for survival prediction).
    pub baseline: CoxBaseline,
    /// The deviance (sum of squared deviance residuals).
    pub deviance: f64,
    /// The null deviance (mgcv's `postproc`).
    pub null_deviance: f64,
}

/// The sorted data of a Cox fit.
struct CoxProblem {
    data: CoxData,
    /// The model matrix, rows in decreasing time order.
    x: Mat<f64>,
}

impl CoxProblem {
    fn eta(&self, beta: &[f64]) -> Vec<f64> {
        (0..self.x.nrows())
            .map(|i| (0..beta.len()).map(|j| self.x[(i, j)] * beta[j]).sum())
            .collect()
    }
}

/// Maximises `ℓ(β) − βᵀSβ/2` by Newton's method with step halving, as the general inner fit.
fn fit_beta(prob: &CoxProblem, s: &Mat<f64>, start: &[f64]) -> Result<Vec<f64>> {
    let mut beta = start.to_vec();
    let mut pll = penalised(prob.data.loglik(&prob.eta(&beta)), s, &beta);
    if !pll.is_finite() {
        beta.iter_mut().for_each(|b| *b = 0.0);
        pll = penalised(prob.data.loglik(&prob.eta(&beta)), s, &beta);
    }
    for _ in 0..super::inner::INNER_MAX_ITER {
        let (_, g, nh) = prob.data.derivs(&prob.x, &prob.eta(&beta));
        let sb = mat_vec(s, &beta);
        let grad: Vec<f64> = g.iter().zip(&sb).map(|(g, v)| g - v).collect();
        let max_grad = grad.iter().fold(0.0f64, |m, g| m.max(g.abs()));
        if max_grad < super::inner::INNER_TOL * pll.abs().max(1.0) {
            return Ok(beta);
        }
        let mut step = newton_step(&(nh + s), &grad)?;
        let mut accepted = false;
        for halving in 0..40 {
            let trial: Vec<f64> = beta.iter().zip(&step).map(|(b, d)| b + d).collect();
            let tp = penalised(prob.data.loglik(&prob.eta(&trial)), s, &trial);
            if tp.is_finite() && tp >= pll {
                accepted = tp > pll || halving == 0;
                if accepted {
                    beta = trial;
                    pll = tp;
                }
                break;
            }
            step.iter_mut().for_each(|v| *v *= 0.5);
        }
        if !accepted {
            return Ok(beta);
        }
    }
    Ok(beta)
}

/// The REML criterion with its gradient and (when `hessian`) Hessian at `rho` (module doc;
/// the formulas are [`super::laml`]'s with Cox's `∂(−ℓ_ββ)/∂ρ`).
fn evaluate(prob: &CoxProblem, pens: &PenaltySet, rho: &[f64], start: &[f64], hessian: bool) -> Result<Laml> {
    let lambda: Vec<f64> = rho.iter().map(|r| r.exp()).collect();
    let s = pens.total(&lambda);
    let beta = fit_beta(prob, &s, start)?;
    let eta = prob.eta(&beta);
    let (ll, _, neg_hess) = prob.data.derivs(&prob.x, &eta);
    let (vp, log_det_hp) = chol_inverse(&(&neg_hess + &s)).ok_or_else(|| GamError::Term {
        term: "the cox.ph fit".into(),
        message: "the penalised Hessian is not positive definite at the fitted coefficients: \
                  the model may be unidentifiable; try fewer or smaller smooths"
            .into(),
    })?;
    let ld = pens.log_det(&lambda);
    let mp = pens.null_space_dim() as f64;
    let score =
        -penalised(ll, &s, &beta) - 0.5 * ld.value + 0.5 * log_det_hp - 0.5 * mp * (2.0 * std::f64::consts::PI).ln();
    let m_sp = pens.len();
    let sk: Vec<Vec<f64>> = (0..m_sp)
        .map(|k| pens.apply(k, &beta).into_iter().map(|v| v * lambda[k]).collect())
        .collect();
    let db: Vec<Vec<f64>> = sk
        .iter()
        .map(|v| mat_vec(&vp, v).into_iter().map(|x| -x).collect())
        .collect();
    let xdb: Vec<Vec<f64>> = db.iter().map(|d| prob.eta(d)).collect();
    let mut dhp = Vec::with_capacity(m_sp);
    let mut grad = vec![0.0; m_sp];
    for k in 0..m_sp {
        let mut a = prob.data.d_neg_hess(&prob.x, &eta, &xdb[k]);
        pens.add_scaled(&mut a, &pens.penalties()[k], lambda[k]);
        grad[k] = 0.5 * dot(&beta, &sk[k]) - 0.5 * ld.grad[k] + 0.5 * trace_of_product(&vp, &a);
        dhp.push(a);
    }
    let mut hess = vec![0.0; m_sp * m_sp];
    if hessian {
        let a_k: Vec<Mat<f64>> = dhp.iter().map(|d| &vp * d).collect();
        for k in 0..m_sp {
            for l in k..m_sp {
                let mut v = mat_vec(&dhp[l], &db[k]);
                let sdl = pens.apply(k, &db[l]);
                v.iter_mut().zip(&sdl).for_each(|(x, s)| *x += lambda[k] * s);
                let mut d2b: Vec<f64> = mat_vec(&vp, &v).into_iter().map(|x| -x).collect();
                if k == l {
                    d2b.iter_mut().zip(&db[k]).for_each(|(x, d)| *x += d);
                }
                let d2h = prob.data.d2_neg_hess(&prob.x, &eta, &xdb[k], &xdb[l], &prob.eta(&d2b));
                let mut tr_d2h = trace_of_product(&vp, &d2h);
                if k == l {
                    let mut sk_mat = Mat::<f64>::zeros(beta.len(), beta.len());
                    pens.add_scaled(&mut sk_mat, &pens.penalties()[k], lambda[k]);
                    tr_d2h += trace(&(&vp * &sk_mat));
                }
                let d2ldet = tr_d2h - trace_of_product(&a_k[k], &a_k[l]);
                let pen2 = if k == l { 0.5 * dot(&beta, &sk[k]) } else { 0.0 } + dot(&sk[k], &db[l]);
                let h = pen2 - 0.5 * ld.hess[k * m_sp + l] + 0.5 * d2ldet;
                hess[k * m_sp + l] = h;
                hess[l * m_sp + k] = h;
            }
        }
    }
    Ok(Laml {
        score,
        grad,
        hess,
        beta,
        vp,
        neg_hess,
        ll,
    })
}

/// The training rows: the formula's columns and the status column checked, rows with a
/// missing value in any dropped, the formula's derived columns added.
fn prepare(list: &FormulaList, status: &str, data: &DataFrame) -> Result<(DataFrame, usize)> {
    let mut used = list.columns_used();
    if !used.iter().any(|c| c == status) {
        used.push(status.to_string());
    }
    for c in &used {
        data.require_column(c)?;
    }
    let refs: Vec<&str> = used.iter().map(String::as_str).collect();
    let (mut kept, n_dropped) = data.drop_missing(&refs);
    if kept.nrows() == 0 {
        return Err(GamError::Data {
            column: used.join(", "),
            row: None,
            message: "no row without a missing value in a column the model uses".into(),
        });
    }
    for f in &list.formulas {
        kept = f.derive(kept)?;
    }
    Ok((kept, n_dropped))
}

/// The formula of a Cox fit as a one-formula list (cox.ph's formula is not written as a list).
///
/// # Errors
/// A list formula (cox.ph has one linear predictor), or what parsing the formula refuses.
pub fn single_list(formula: &str) -> Result<FormulaList> {
    if crate::formula::list::is_list(formula) {
        return Err(GamError::Formula {
            formula: formula.to_string(),
            position: 0,
            message: "cox.ph has one linear predictor: give a single formula, e.g. time ~ s(x)".into(),
        });
    }
    Ok(FormulaList {
        text: formula.to_string(),
        formulas: vec![Formula::parse(formula)?],
        parts: vec![formula.trim().to_string()],
    })
}

/// Fits `formula` (one formula, `time ~ …`) with mgcv's `cox.ph`, the event indicator in the
/// column `status` (1 event, 0 censored; mgcv's `weights`).
///
/// # Errors
/// As [`CoxSetup::new`].
pub fn fit(formula: &str, status: &str, data: &DataFrame, options: &FitOptions) -> Result<GeneralFit> {
    CoxSetup::new(formula, status, data, options)?.fit(None, &mut NoObserver)
}

/// A Cox fit made ready: the data checked and sorted, the design and penalties built.
/// [`CoxSetup::fit`] runs the optimisation (from mgcv's start or a given one), as
/// [`super::GeneralSetup`] does for the other general families.
pub struct CoxSetup {
    list: FormulaList,
    design: GeneralDesign,
    prob: CoxProblem,
    pens: PenaltySet,
    time: Vec<f64>,
    delta: Vec<f64>,
    n_dropped: usize,
    newton: NewtonOptions,
}

impl CoxSetup {
    /// Checks the options, the formula, the times and the event indicator, and builds the
    /// sorted design.
    ///
    /// # Errors
    /// One-line errors for what general fits do not support, a list formula, a negative or
    /// non-finite time or a status other than 0 or 1 (naming the row), and what building the
    /// design refuses.
    pub fn new(formula: &str, status: &str, data: &DataFrame, options: &FitOptions) -> Result<CoxSetup> {
        check_options(options)?;
        let list = single_list(formula)?;
        let (train, n_dropped) = prepare(&list, status, data)?;
        let mut design = GeneralDesign::build(&list, &train, &options.smooth_options())?;
        design.designs[0].intercept = false;
        let p = design.designs[0].n_coef();
        design.lpi = std::iter::once(0..p).collect();
        let family = GeneralFamily::CoxPh;
        let time = design.designs[0].response_values(&train)?;
        let response = list.formulas[0].response_columns().join(", ");
        for (i, &t) in time.iter().enumerate() {
            if let Err(message) = family.check_response(t) {
                return Err(GamError::Data {
                    column: response,
                    row: Some(train.original_row(i) + 1),
                    message,
                });
            }
        }
        let delta: Vec<f64> = match train.column(status) {
            Some(Column::Numeric(v)) => v.clone(),
            _ => {
                return Err(GamError::Data {
                    column: status.to_string(),
                    row: None,
                    message: "the event indicator must be numeric: 1 for an event, 0 for a censored time".into(),
                });
            }
        };
        if let Some(i) = delta.iter().position(|&d| d != 0.0 && d != 1.0) {
            return Err(GamError::Data {
                column: status.to_string(),
                row: Some(train.original_row(i) + 1),
                message: format!(
                    "the event indicator must be 1 (event) or 0 (censored), not {}",
                    delta[i]
                ),
            });
        }
        let n = time.len();
        if n <= p {
            return Err(GamError::TooFewRows {
                coefficients: p,
                rows: n,
            });
        }
        let x = design.model_matrix(&train)?;
        let cox = CoxData::new(&time, &delta);
        let prob = CoxProblem {
            x: cox.sort_rows(&x),
            data: cox,
        };
        let pens = design.penalty_set();
        let newton = NewtonOptions {
            max_iter: options.newton.max_iter,
            convergence: options.newton.convergence.for_rows(n),
            ..NewtonOptions::default()
        };
        Ok(CoxSetup {
            list,
            design,
            prob,
            pens,
            time,
            delta,
            n_dropped,
            newton,
        })
    }

    /// The smoothing parameters' names, in the order of `rho` in [`fit`](Self::fit)'s start
    /// and of the iterates it reports.
    pub fn sp_names(&self) -> Vec<String> {
        self.design.sp_names()
    }

    /// Runs the outer Newton iteration from `start` (log smoothing parameters named as
    /// [`sp_names`](Self::sp_names) and the iteration count of a resumed or seeded fit;
    /// `None` or a start of the wrong length: mgcv's `initial.sp` at β = 0), reporting every
    /// outer iterate to `observer`, which may stop it.
    ///
    /// # Errors
    /// [`GamError::Interrupted`] when the observer stops the fit; what the iteration refuses.
    pub fn fit(&self, start: Option<&OuterStart>, observer: &mut dyn FitObserver) -> Result<GeneralFit> {
        let started = Instant::now();
        let (prob, pens, design) = (&self.prob, &self.pens, &self.design);
        let (time, delta) = (&self.time, &self.delta);
        let (n, p, m) = (time.len(), design.n_coef(), pens.len());
        let family = GeneralFamily::CoxPh;
        let beta0 = vec![0.0; p];
        let (rho0, start_iter) = match start {
            Some(s) if s.rho.len() == m => (s.rho.clone(), s.iteration),
            _ => {
                let (_, _, nh0) = prob.data.derivs(&prob.x, &prob.eta(&beta0));
                (initial_log_sp(&nh0, pens), 0)
            }
        };
        // The inner fit of each iterate starts from the last one's coefficients.
        let mut beta = beta0;
        let (rho, iterations, converged) = if m == 0 {
            (Vec::new(), 0, true)
        } else {
            let result = minimise(
                |rho: &[f64]| {
                    let e = evaluate(prob, pens, rho, &beta, true)?;
                    beta.clone_from(&e.beta);
                    Ok(Evaluation {
                        score: e.score,
                        grad: e.grad,
                        hess: e.hess,
                        coefficients: e.beta,
                        scale: 1.0,
                        scale_est: 1.0,
                        conv_offset: 0.0,
                    })
                },
                &rho0,
                m,
                start_iter,
                &self.newton,
                |it| observe(observer, it),
            )?;
            (result.last.rho.clone(), result.last.iter, result.converged)
        };
        let last = evaluate(prob, pens, &rho, &beta, false)?;
        let f = &last.vp * &last.neg_hess;
        let edf: Vec<f64> = (0..p).map(|j| f[(j, j)]).collect();
        let smooth_edf = design
            .smooth_columns()
            .into_iter()
            .map(|(label, r)| (label, edf[r].iter().sum()))
            .collect();
        // postproc: the baseline, the fitted survival and the deviances, back in data order.
        let eta_sorted = prob.eta(&last.beta);
        let baseline = prob.data.baseline(&prob.x, &eta_sorted);
        let null_base = prob.data.baseline(&Mat::zeros(n, 0), &vec![0.0; n]);
        let mut eta = vec![0.0; n];
        let mut surv = vec![0.0; n];
        let mut null_surv = vec![0.0; n];
        for (k, &i) in prob.data.order.iter().enumerate() {
            eta[i] = eta_sorted[k];
            surv[i] = (-baseline.hazard(time[i]) * eta_sorted[k].exp()).exp();
            null_surv[i] = (-null_base.hazard(time[i])).exp();
        }
        let (deviance, null_deviance) = deviances(&surv, &null_surv, delta);
        Ok(GeneralFit {
            family,
            coef_names: design.coef_names(),
            sp_names: design.sp_names(),
            formula: self.list.clone(),
            design: design.clone(),
            coefficients: last.beta,
            sp: rho.iter().map(|r| r.exp()).collect(),
            reml: last.score,
            loglik: last.ll,
            edf,
            smooth_edf,
            vp: last.vp,
            neg_hess: last.neg_hess,
            y: time.clone(),
            eta: vec![eta],
            fitted: vec![surv],
            iterations,
            converged,
            n,
            n_dropped: self.n_dropped,
            seconds: started.elapsed().as_secs_f64(),
            cox: Some(CoxExtra {
                baseline,
                deviance,
                null_deviance,
            }),
        })
    }
}
