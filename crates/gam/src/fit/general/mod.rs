//! Fitting a general family (several linear predictors, mgcv's `general.family`): the
//! design from a list formula ([`design`]), Newton's method on the coefficients for given
//! smoothing parameters ([`inner`], mgcv's `gam.fit5`), and the Laplace-approximate REML
//! criterion with its exact gradient and Hessian ([`laml`]) optimised by the outer Newton
//! iteration all fits share ([`crate::fit::outer`]; mgcv's `newton()`, which `gam.outer`
//! uses for a family with `available.derivs = 2`, such as gaulss). A family whose
//! derivatives stop at second order (twlss, mgcv's `available.derivs = 0`) is fitted instead by
//! mgcv's extended Fellner–Schall iteration (`efs`, gam.fit4.r 1456-1545; mgcv.r 1668-1670),
//! started where mgcv starts it (`efs_start`).
//!
//! mgcv 1.8-41 fits every general family by REML: `gam()` replaces any other `method`
//! (ML, GCV.Cp, …) by REML silently (mgcv.r 1655-1656). Here only REML is accepted and any
//! other method is a one-line error saying so, so that a user asking for ML knows it is not
//! what mgcv fits. Chunked model matrices, offsets, fixed or bounded smoothing parameters,
//! `gamma` and `select` are refused with one-line errors too (not yet supported).
//!
//! [`GeneralSetup::fit`] reports each outer iterate to an observer (progress, the cache's
//! checkpoints, Ctrl-C) and starts from given log smoothing parameters when asked (a
//! resumed checkpoint, [`crate::cache::general`]); the start changes the path, not the optimum.
//!
//! Starting values follow mgcv: the family's `initialize` (for gaulss a penalised regression
//! of `y` on the mean's columns, then of `log|y − μ|` on the σ predictor's) and `initial.spg`
//! (the smoothing parameters that balance `−ℓ_ββ` at those coefficients against the
//! penalties, [`crate::fit::outer::initial_log_sp`]). The start changes the path, not the
//! optimum.

pub mod cox;
pub mod design;
pub(crate) mod efs;
mod efs_start;
pub mod inner;
pub mod laml;
mod start;

use std::time::Instant;

use faer::Mat;

pub use design::GeneralDesign;
use inner::Problem;
use start::initialize;

use super::driver::observe;
use super::method::Method;
use super::observer::{FitObserver, NoObserver};
use super::outer::newton::{Evaluation, minimise};
use super::outer::{NewtonOptions, OuterStart, initial_log_sp};
use super::spec::FitOptions;
use crate::data::{Column, DataFrame};
use crate::error::{GamError, Result};
use crate::family::general::GeneralFamily;
use crate::formula::list::FormulaList;

/// A fitted general-family model.
#[derive(Debug, Clone)]
pub struct GeneralFit {
    /// The family.
    pub family: GeneralFamily,
    /// The list formula.
    pub formula: FormulaList,
    /// The design.
    pub design: GeneralDesign,
    /// Coefficients, predictor after predictor.
    pub coefficients: Vec<f64>,
    /// Their names, as mgcv gives them.
    pub coef_names: Vec<String>,
    /// Smoothing parameters.
    pub sp: Vec<f64>,
    /// Their names.
    pub sp_names: Vec<String>,
    /// The REML criterion (mgcv's `gcv.ubre`).
    pub reml: f64,
    /// The log-likelihood at the fit.
    pub loglik: f64,
    /// Effective degrees of freedom per coefficient (`diag(V_p · −ℓ_ββ)`).
    pub edf: Vec<f64>,
    /// Each smooth's label and EDF.
    pub smooth_edf: Vec<(String, f64)>,
    /// The Bayesian covariance matrix of the coefficients.
    pub vp: Mat<f64>,
    /// `−ℓ_ββ` at the fit.
    pub neg_hess: Mat<f64>,
    /// The response at the training rows.
    pub y: Vec<f64>,
    /// The linear predictors at the training rows, `eta[a][i]`.
    pub eta: Vec<Vec<f64>>,
    /// mgcv's `fitted.values` at the training rows (`fitted[a][i]`, [`GeneralFamily::fitted_value`];
    /// gaulss: μ, 1/σ; gammals: the mean `e^μ` and the log scale).
    pub fitted: Vec<Vec<f64>>,
    /// Outer iterations.
    pub iterations: usize,
    /// Whether the outer iteration converged.
    pub converged: bool,
    /// Rows used and rows dropped for missing values.
    pub n: usize,
    /// Rows dropped.
    pub n_dropped: usize,
    /// Seconds the fit took.
    pub seconds: f64,
    /// cox.ph's baseline and deviances ([`cox`]); `None` for other families.
    pub cox: Option<cox::CoxExtra>,
}

/// Refuses what general families do not support yet (module doc), one line each.
fn check_options(options: &FitOptions) -> Result<()> {
    let refuse = |option: &str, message: &str| {
        Err(GamError::Control {
            option: option.to_string(),
            message: message.to_string(),
        })
    };
    if options.method != Method::Reml {
        return refuse(
            options.method.name(),
            "general families are fitted by REML only: mgcv 1.8-41 replaces any other method by REML; use --method REML",
        );
    }
    if options.sp.is_some() || options.min_sp.is_some() {
        return refuse(
            "sp",
            "fixed or bounded smoothing parameters are not supported for general families yet",
        );
    }
    if options.select || options.gamma != 1.0 {
        return refuse(
            if options.select { "select" } else { "gamma" },
            "not supported for general families yet",
        );
    }
    Ok(())
}

/// The training rows: the list's columns checked, rows with a missing value dropped, the
/// formulas' derived columns added.
fn prepare(list: &FormulaList, data: &DataFrame) -> Result<(DataFrame, usize)> {
    let used = list.columns_used();
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
    for name in &used {
        if let Some(Column::Factor(f)) = kept.column(name)
            && f.level_counts().contains(&0)
        {
            let dropped = Column::Factor(f.clone().drop_unused_levels());
            kept.set_column(name, dropped)?;
        }
    }
    for f in &list.formulas {
        kept = f.derive(kept)?;
    }
    Ok((kept, n_dropped))
}

/// A general-family fit made ready: the design built, the data checked, the penalties set.
/// [`GeneralSetup::fit`] runs the optimisation (from mgcv's start or a given one).
#[derive(Debug, Clone)]
pub struct GeneralSetup {
    list: FormulaList,
    design: GeneralDesign,
    prob: Problem,
    pens: crate::design::PenaltySet,
    n_dropped: usize,
    newton: NewtonOptions,
}

/// Fits `formula` (a list formula, one formula per linear predictor) with a general family.
///
/// # Errors
/// One-line errors for what is not supported (module doc), a list with the wrong number of
/// formulas for the family, a response the family cannot model (naming the row), and what
/// building the designs refuses.
pub fn fit(formula: &str, family: GeneralFamily, data: &DataFrame, options: &FitOptions) -> Result<GeneralFit> {
    GeneralSetup::new(formula, family, data, options)?.fit(None, &mut NoObserver)
}

impl GeneralSetup {
    /// Parses `formula`, checks the options and the response, and builds the design.
    ///
    /// # Errors
    /// As [`fit`].
    pub fn new(formula: &str, family: GeneralFamily, data: &DataFrame, options: &FitOptions) -> Result<GeneralSetup> {
        check_options(options)?;
        if family == GeneralFamily::CoxPh {
            return Err(GamError::Control {
                option: "family".into(),
                message: "cox.ph needs its event indicator as weights: fit it with fit::general::cox::fit".into(),
            });
        }
        let list = FormulaList::parse(formula)?;
        if list.formulas.len() != family.n_predictors() {
            // One line (no caret under the formula: the count, not a position, is wrong).
            return Err(GamError::Control {
                option: formula.to_string(),
                message: format!(
                    "{} has {} linear predictors, so the list needs {} formulas (it has {})",
                    family.spelling(),
                    family.n_predictors(),
                    family.n_predictors(),
                    list.formulas.len()
                ),
            });
        }
        let (train, n_dropped) = prepare(&list, data)?;
        let design = GeneralDesign::build(&list, &train, &options.smooth_options())?;
        let y = design.designs[0].response_values(&train)?;
        for (i, &v) in y.iter().enumerate() {
            if let Err(message) = family.check_response(v) {
                return Err(GamError::Data {
                    column: list.formulas[0].response_columns().join(", "),
                    row: Some(train.original_row(i) + 1),
                    message,
                });
            }
        }
        if let Err(message) = family.check_responses(&y) {
            return Err(GamError::Data {
                column: list.formulas[0].response_columns().join(", "),
                row: None,
                message,
            });
        }
        let n = y.len();
        let p = design.n_coef();
        if n <= p {
            return Err(GamError::TooFewRows {
                coefficients: p,
                rows: n,
            });
        }
        let prob = Problem {
            x: design.model_matrix(&train)?,
            lpi: design.lpi.clone(),
            y,
            family,
        };
        let pens = design.penalty_set();
        let newton = NewtonOptions {
            max_iter: options.newton.max_iter,
            convergence: options.newton.convergence.for_rows(n),
            ..NewtonOptions::default()
        };
        Ok(GeneralSetup {
            list,
            design,
            prob,
            pens,
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
    /// `None` or a start of the wrong length: mgcv's `initial.sp`), reporting every outer
    /// iterate to `observer`, which may stop it.
    ///
    /// # Errors
    /// [`GamError::Interrupted`] when the observer stops the fit; what the iteration refuses.
    pub fn fit(&self, start: Option<&OuterStart>, observer: &mut dyn FitObserver) -> Result<GeneralFit> {
        let started = Instant::now();
        let (prob, pens, family) = (&self.prob, &self.pens, self.prob.family);
        let m = pens.len();
        let unit = pens.total(&vec![1.0; m]);
        let beta0 = initialize(prob, &unit);
        let at0 = prob.at(&beta0, 2);
        if family.second_order_only() {
            let resumed = start.filter(|s| s.rho.len() == m);
            let rho0 = match resumed {
                Some(s) => s.rho.clone(),
                None => {
                    let h = efs_start::start_neg_hessian(prob, pens).unwrap_or_else(|| prob.neg_hessian(&at0));
                    efs::initial_log_sp(&h, pens)
                }
            };
            return self.fit_efs(&rho0, resumed.map(|s| s.iteration), observer, started);
        }
        let (rho0, start_iter) = match start {
            Some(s) if s.rho.len() == m => (s.rho.clone(), s.iteration),
            _ => (initial_log_sp(&prob.neg_hessian(&at0), pens), 0),
        };
        let mut beta = initialize(prob, &pens.total(&rho0.iter().map(|r| r.exp()).collect::<Vec<_>>()));
        let (rho, iterations, converged) = if m == 0 {
            (Vec::new(), 0, true)
        } else {
            let result = minimise(
                |rho: &[f64]| {
                    let e = laml::evaluate(prob, pens, rho, &beta, true)?;
                    beta.clone_from(&e.beta);
                    Ok(Evaluation {
                        score: e.score,
                        grad: e.grad,
                        hess: e.hess,
                        coefficients: e.beta,
                        scale: 1.0,
                        // mgcv's gam.fit5 reports scale.est = 1, so the convergence scale is |V|.
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
        let last = laml::evaluate(prob, pens, &rho, &beta, false)?;
        Ok(self.finish(
            rho,
            last.beta,
            last.score,
            last.ll,
            last.vp,
            last.neg_hess,
            iterations,
            converged,
            started,
        ))
    }

    /// The extended Fellner–Schall fit of a family with second derivatives only ([`efs`]),
    /// from `initial.spg`'s `rho0` or a resumed iterate.
    fn fit_efs(
        &self,
        rho0: &[f64],
        resumed: Option<usize>,
        observer: &mut dyn FitObserver,
        started: Instant,
    ) -> Result<GeneralFit> {
        let (prob, pens) = (&self.prob, &self.pens);
        let beta0 = initialize(prob, &pens.total(&rho0.iter().map(|r| r.exp()).collect::<Vec<_>>()));
        if pens.is_empty() {
            let f = efs::evaluate(prob, pens, &[], &beta0)?;
            return Ok(self.finish(Vec::new(), f.beta, f.score, f.ll, f.vp, f.neg_hess, 0, true, started));
        }
        let r = efs::minimise(prob, pens, rho0, resumed, &beta0, |it| observe(observer, it))?;
        let f = r.fit;
        Ok(self.finish(
            r.rho,
            f.beta,
            f.score,
            f.ll,
            f.vp,
            f.neg_hess,
            r.iterations,
            r.converged,
            started,
        ))
    }

    /// The fit at the final `rho` from the coefficients, criterion, log-likelihood, `V_p` and
    /// `−ℓ_ββ` there.
    #[allow(clippy::too_many_arguments)]
    fn finish(
        &self,
        rho: Vec<f64>,
        beta: Vec<f64>,
        score: f64,
        ll: f64,
        vp: Mat<f64>,
        neg_hess: Mat<f64>,
        iterations: usize,
        converged: bool,
        started: Instant,
    ) -> GeneralFit {
        let (prob, design, family) = (&self.prob, &self.design, self.prob.family);
        let (n, p) = (prob.y.len(), design.n_coef());
        let f = &vp * &neg_hess;
        let edf: Vec<f64> = (0..p).map(|j| f[(j, j)]).collect();
        let smooth_edf = design
            .smooth_columns()
            .into_iter()
            .map(|(label, r)| (label, edf[r].iter().sum()))
            .collect();
        let eta = prob.eta(&beta);
        let fitted = (0..prob.m())
            .map(|a| eta[a].iter().map(|&e| family.fitted_value(a, e)).collect())
            .collect();
        GeneralFit {
            family,
            coef_names: design.coef_names(),
            sp_names: design.sp_names(),
            formula: self.list.clone(),
            design: design.clone(),
            coefficients: beta,
            sp: rho.iter().map(|r| r.exp()).collect(),
            reml: score,
            loglik: ll,
            edf,
            smooth_edf,
            vp,
            neg_hess,
            y: prob.y.clone(),
            eta,
            fitted,
            iterations,
            converged,
            n,
            n_dropped: self.n_dropped,
            seconds: started.elapsed().as_secs_f64(),
            cox: None,
        }
    }
}
