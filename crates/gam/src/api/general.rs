//! General families at the front door (mgcv's `general.family`: several linear predictors,
//! one formula each, e.g. `gaulss`, `multinom(K=2)`; and `cox.ph`, one formula whose
//! response is the time, with the event indicator as mgcv's `weights`): the unfitted
//! [`GeneralGam`] and the fitted [`FittedGeneralGam`](super::FittedGeneralGam).
//!
//! # Why a separate pair of types
//! A general-family fit has no single link, scale, mean, residual or deviance-based test:
//! of [`FittedGam`](super::FittedGam)'s accessors (scale, link, θ, residuals, `gam.check`,
//! concurvity, plots, posterior draws of the mean, ...) most would have no honest answer.
//! One type holding either model kind would answer them with errors or `None` at run time;
//! a pair of types (spec and fitted, as [`Gam`](super::Gam) and
//! [`FittedGam`](super::FittedGam)) says at compile time what a general fit offers, and
//! shares the rest: [`Frame`] for data, [`Cache`] for the warm-start cache,
//! [`SmoothInfo`](super::SmoothInfo) for smooths, [`PredictType`](crate::PredictType) for
//! the scale, [`StartSource`](crate::StartSource) for where a fit started. The model file is
//! the `gam` command's (`gam fit --family gaulss --out`), so files move freely between the
//! command, this library and Python.
//!
//! Fits follow the command's path exactly (`gam fit` with `--family`): through the cache
//! (exact hits, checkpoints a killed fit resumes from, seeds) for every family, cox.ph's
//! event indicator being part of its keys.

use std::collections::BTreeMap;

use super::fitted_general::FittedGeneralGam;
use super::frame::Frame;
use super::spec::Cache;
use crate::cache::general::{fit_cox_cached, fit_general_cached};
use crate::error::{GamError, Result};
use crate::family::general::GeneralFamily;
use crate::fit::driver::{FitObserver, NoObserver};
use crate::fit::method::Method;
use crate::fit::{Convergence, FitOptions};
use crate::formula::Formula;
use crate::formula::list::{FormulaList, is_list};

/// A general-family model to fit: a list formula (one per linear predictor) and the
/// family, or for cox.ph one formula and the event indicator. Fitting it gives a
/// [`FittedGeneralGam`].
///
/// ```
/// let spec = gam::GeneralGam::new("list(y ~ s(x0), ~ s(x1))", "gaulss")?;
/// assert_eq!((spec.family(), spec.columns()), ("gaulss".to_string(), vec!["y".into(), "x0".into(), "x1".into()]));
/// let cox = gam::GeneralGam::new("time ~ s(x)", "cox.ph")?.weights("status")?;
/// assert_eq!(cox.columns(), ["time", "x", "status"]);
/// // A one-predictor family is Gam's; a gaulss model needs a list.
/// assert!(gam::GeneralGam::new("list(y ~ s(x), ~ 1)", "poisson").is_err());
/// assert!(gam::GeneralGam::new("y ~ s(x)", "gaulss").is_err());
/// # Ok::<(), gam::GamError>(())
/// ```
#[derive(Debug, Clone)]
pub struct GeneralGam {
    formula: String,
    family: GeneralFamily,
    columns: Vec<String>,
    status: Option<String>,
    options: FitOptions,
    cache: Option<Cache>,
}

impl GeneralGam {
    /// The model of `formula` with the general family `family`, spelled as the `gam`
    /// command's `--family` takes it: `gaulss`, `gammals`, `ziplss`, `gevlss`, `shash`,
    /// `multinom(K=2)`, `cox.ph`. `formula` is a list of one formula per linear predictor
    /// (`list(y ~ s(x), ~ s(z))`, later ones without a response), or for cox.ph a single
    /// formula `time ~ ...`. An unknown family, a one-predictor family, or a formula of the
    /// wrong shape is an error saying what to write.
    pub fn new(formula: &str, family: &str) -> Result<GeneralGam> {
        let family = GeneralFamily::parse(family).ok_or_else(|| GamError::BadOption {
            option: "family".into(),
            message: format!(
                "'{family}' is not a general family (gaulss, gammals, ziplss, gevlss, shash, \
                 multinom(K=...), cox.ph): fit a one-predictor family with Gam"
            ),
        })??;
        // One line, as the `gam` command's usage error (a `Formula` error draws a caret).
        let shape = |message: String| GamError::BadOption {
            option: "formula".into(),
            message,
        };
        let columns = if family == GeneralFamily::CoxPh {
            if is_list(formula) {
                return Err(shape(
                    "cox.ph has one linear predictor: give a single formula, e.g. \"time ~ s(x)\"".into(),
                ));
            }
            Formula::parse(formula)?.columns_used()
        } else {
            if !is_list(formula) {
                return Err(shape(format!(
                    "{} models {} linear predictors: give one formula each as a list, e.g. \"list(y ~ s(x), ~ s(x))\"",
                    family.name(),
                    family.n_predictors()
                )));
            }
            FormulaList::parse(formula)?.columns_used()
        };
        Ok(GeneralGam {
            formula: formula.to_string(),
            family,
            columns,
            status: None,
            options: FitOptions::default(),
            cache: None,
        })
    }

    /// Whether `family` names a general family (even one spelt wrongly, e.g.
    /// `multinom(K=0)`, which [`new`](Self::new) then refuses saying why): a front end picks
    /// [`GeneralGam`] or [`Gam`](super::Gam) by it.
    ///
    /// ```
    /// assert!(gam::GeneralGam::is_general_family("multinom(K=2)") && !gam::GeneralGam::is_general_family("poisson"));
    /// ```
    pub fn is_general_family(family: &str) -> bool {
        GeneralFamily::parse(family).is_some()
    }

    /// cox.ph's event indicator (1 event, 0 censored), the column mgcv takes as `weights`;
    /// refused for the other general families (mgcv's gaulss and its kin ignore prior
    /// weights), as the `gam` command refuses `--weights`.
    pub fn weights(mut self, column: &str) -> Result<GeneralGam> {
        if self.family != GeneralFamily::CoxPh {
            return Err(GamError::BadOption {
                option: "weights".into(),
                message: format!(
                    "prior weights are not supported for general families ({}) yet; only cox.ph takes \
                     weights, as its event indicator",
                    self.family.name()
                ),
            });
        }
        self.status = Some(column.to_string());
        Ok(self)
    }

    /// The smoothness criterion by mgcv's name; general families are fitted by REML only
    /// (mgcv 1.8-41 replaces any other method by REML), so another is refused when fitted.
    pub fn method(mut self, name: &str) -> Result<GeneralGam> {
        self.options.method = Method::parse(name)?;
        Ok(self)
    }

    /// mgcv's `knots = list(x = c(...))`, by covariate name (see [`FitOptions::knots`]).
    pub fn knots(mut self, knots: BTreeMap<String, Vec<f64>>) -> GeneralGam {
        self.options.knots = knots;
        self
    }

    /// The outer iteration's convergence test by name: `"auto"`, `"gam"` or `"bam"`.
    pub fn convergence(mut self, name: &str) -> Result<GeneralGam> {
        self.options.newton.convergence = Convergence::from_name(name).ok_or_else(|| GamError::BadOption {
            option: "convergence".into(),
            message: format!("unknown convergence test '{name}' (choose one of auto, gam, bam)"),
        })?;
        Ok(self)
    }

    /// Fitting options wholesale; the fit refuses what general families do not support yet
    /// (fixed or bounded smoothing parameters, `select`, `gamma` other than 1), naming it.
    pub fn options(mut self, options: FitOptions) -> GeneralGam {
        self.options = options;
        self
    }

    /// Fits through `cache` as `gam fit` does.
    pub fn cache(mut self, cache: &Cache) -> GeneralGam {
        self.cache = Some(cache.clone());
        self
    }

    /// The formula as written.
    pub fn formula(&self) -> &str {
        &self.formula
    }

    /// The family as the `gam` command spells it (`gaulss`, `multinom(K=2)`, `cox.ph`).
    pub fn family(&self) -> String {
        self.family.spelling()
    }

    /// Every data column the model reads (the formulas' columns, then cox.ph's event
    /// indicator), each once; a row missing any of them is dropped (mgcv's `na.omit`).
    pub fn columns(&self) -> Vec<String> {
        let mut out = self.columns.clone();
        if let Some(s) = &self.status
            && !out.contains(s)
        {
            out.push(s.clone());
        }
        out
    }

    /// The fitting options.
    pub fn fit_options(&self) -> &FitOptions {
        &self.options
    }

    /// Fits the model to `frame`.
    ///
    /// ```
    /// let x0: Vec<f64> = (0..200).map(|i| i as f64 / 200.0).collect();
    /// let x1: Vec<f64> = (0..200).map(|i| ((i * 37) % 200) as f64 / 200.0).collect();
    /// let y: Vec<f64> = (0..200).map(|i| (6.0 * x0[i]).sin() + (1.0 + x1[i]) * (((i * 7919) % 101) as f64 / 50.0 - 1.0)).collect();
    /// let frame = gam::Frame::builder().numeric("x0", x0).numeric("x1", x1).numeric("y", y).build()?;
    /// let fitted = gam::GeneralGam::new("list(y ~ s(x0), ~ s(x1))", "gaulss")?.fit(&frame)?;
    /// assert!(fitted.converged());
    /// assert_eq!(fitted.links(), ["identity", "logb"]);
    /// assert_eq!(fitted.smoothing_parameter_names(), ["s(x0)", "s.1(x1)"]);
    /// let p = fitted.predict(&frame, gam::PredictType::Link)?;
    /// assert_eq!(p.columns, ["fit_1", "fit_2"]);
    /// # Ok::<(), gam::GamError>(())
    /// ```
    pub fn fit(&self, frame: &Frame) -> Result<FittedGeneralGam> {
        self.fit_observed(frame, &mut NoObserver)
    }

    /// Fits the model to `frame`, reporting every outer iterate to `observer`, which can
    /// stop the fit.
    pub fn fit_observed(&self, frame: &Frame, observer: &mut dyn FitObserver) -> Result<FittedGeneralGam> {
        let store = self.cache.as_ref().map(Cache::store);
        let fitted = if self.family == GeneralFamily::CoxPh {
            let status = self.status.as_deref().ok_or_else(|| GamError::BadOption {
                option: "weights".into(),
                message: "cox.ph needs the event indicator (1 event, 0 censored) as weights, as mgcv's".into(),
            })?;
            fit_cox_cached(&self.formula, status, &frame.inner, &self.options, store, observer)?
        } else {
            fit_general_cached(&self.formula, self.family, &frame.inner, &self.options, store, observer)?
        };
        Ok(FittedGeneralGam::from_cached(fitted))
    }
}
