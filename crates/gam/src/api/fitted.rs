//! The fitted model of the front door: [`FittedGam`], with accessors for
//! what a fit estimates, prediction, mgcv's summary and a JSON form that
//! loads back only when consistent.

use std::ops::Range;
use std::path::Path;

use super::frame::{CsvOptions, Frame};
use crate::cache::{CachedFit, StartSource};
use crate::error::Result;
use crate::family::{Family, Link};
use crate::fit::Summary;
use crate::linalg::StoredMat;
use crate::model::GamModel;
use crate::predict::{MissingRows, PredictOptions, Prediction};
use crate::report::SummaryText;
use crate::report::check::{CheckOptions, GamCheck};
use crate::report::concurvity::Concurvity;
use crate::report::plot::{PlotOptions, TermPlot};
use crate::report::sample::{CoefDraws, FittedDraws, SampleOptions};

/// A fitted generalized additive model.
#[derive(Debug, Clone, PartialEq)]
pub struct FittedGam {
    model: GamModel,
    source: Option<StartSource>,
    cache_warning: Option<String>,
}

/// One smooth term of a fitted model.
#[derive(Debug, Clone, PartialEq)]
pub struct SmoothInfo {
    /// mgcv's label, e.g. `s(x)` or `te(a,b)`.
    pub label: String,
    /// Its effective degrees of freedom.
    pub edf: f64,
    /// Its coefficients' positions in [`FittedGam::coefficients`].
    pub coefficients: Range<usize>,
}

impl FittedGam {
    pub(crate) fn from_cached(fitted: CachedFit) -> FittedGam {
        FittedGam {
            model: fitted.model,
            source: Some(fitted.source),
            cache_warning: fitted.cache_warning,
        }
    }

    /// The formula as written.
    pub fn formula(&self) -> &str {
        &self.model.formula
    }

    /// The response distribution.
    pub fn family(&self) -> Family {
        self.model.family
    }

    /// The link.
    pub fn link(&self) -> Link {
        self.model.link
    }

    /// The coefficients, in the order of [`coefficient_names`](Self::coefficient_names).
    pub fn coefficients(&self) -> &[f64] {
        &self.model.coefficients
    }

    /// mgcv's coefficient names: `(Intercept)`, `x`, `gb`, `s(x).1`, ...
    pub fn coefficient_names(&self) -> Vec<String> {
        self.model.design.coef_names()
    }

    /// The Bayesian posterior covariance of the coefficients (mgcv's `Vp`).
    pub fn covariance(&self) -> &StoredMat {
        &self.model.vp
    }

    /// The frequentist covariance of the coefficients (mgcv's `Ve`).
    pub fn frequentist_covariance(&self) -> &StoredMat {
        &self.model.ve
    }

    /// Bayesian standard errors of the coefficients.
    pub fn standard_errors(&self) -> Vec<f64> {
        self.model.se_bayes()
    }

    /// Effective degrees of freedom of each coefficient.
    pub fn edf(&self) -> &[f64] {
        &self.model.edf
    }

    /// Total effective degrees of freedom (parametric coefficients included).
    pub fn edf_total(&self) -> f64 {
        self.model.edf_total()
    }

    /// The smooth terms: label, EDF and coefficient positions.
    pub fn smooths(&self) -> Vec<SmoothInfo> {
        let design = &self.model.design;
        design
            .smooths
            .iter()
            .zip(design.smooth_offsets())
            .zip(self.model.smooth_edf())
            .map(|((s, first), edf)| SmoothInfo {
                label: s.label.clone(),
                edf,
                coefficients: first..first + s.n_coef(),
            })
            .collect()
    }

    /// The smoothing parameters, one per penalty, in the order of
    /// [`smoothing_parameter_names`](Self::smoothing_parameter_names).
    pub fn smoothing_parameters(&self) -> &[f64] {
        &self.model.sp
    }

    /// mgcv's names of the smoothing parameters (`s(x)`, `te(a,b)1`, ...).
    pub fn smoothing_parameter_names(&self) -> Vec<String> {
        self.model.design.sp_names()
    }

    /// The scale parameter as mgcv reports it (`sig2`).
    pub fn scale(&self) -> f64 {
        self.model.scale
    }

    /// Whether the scale was estimated (false for binomial and Poisson).
    pub fn scale_estimated(&self) -> bool {
        self.model.scale_estimated
    }

    /// The estimated family parameter of a one-parameter family (the negative binomial's θ,
    /// Tweedie's p, betar's φ); `None` for a family with none or several
    /// ([`FittedGam::family_parameters`]).
    pub fn theta(&self) -> Option<f64> {
        match self.model.theta[..] {
            [t] => Some(t),
            _ => None,
        }
    }

    /// The estimated family parameters as mgcv's `family$getTheta(TRUE)` gives them (nb's θ;
    /// scat's ν and σ); empty for a family without any.
    pub fn family_parameters(&self) -> Vec<f64> {
        self.model.family.reported_theta(&self.model.theta)
    }

    /// The minimised criterion's value (mgcv's `gcv.ubre`); which one is [`method`](Self::method).
    pub fn criterion(&self) -> f64 {
        self.model.reml_score
    }

    /// Which criterion was minimised, as mgcv's `method` names it: `REML`,
    /// `ML`, `P-REML`, `P-ML`, `GCV`, `UBRE`, `GACV`, …
    pub fn method(&self) -> &str {
        &self.model.criterion
    }

    /// Residual deviance.
    pub fn deviance(&self) -> f64 {
        self.model.deviance
    }

    /// Deviance of the null model.
    pub fn null_deviance(&self) -> f64 {
        self.model.null_deviance
    }

    /// Proportion of the null deviance explained.
    pub fn deviance_explained(&self) -> f64 {
        self.model.dev_explained()
    }

    /// The log-likelihood (mgcv's `logLik`).
    pub fn log_likelihood(&self) -> f64 {
        self.model.loglik
    }

    /// AIC (mgcv's `AIC`).
    pub fn aic(&self) -> f64 {
        self.model.aic
    }

    /// Rows used in the fit.
    pub fn n(&self) -> usize {
        self.model.n
    }

    /// Rows dropped because a column the model uses was missing.
    pub fn n_dropped(&self) -> usize {
        self.model.n_dropped
    }

    /// Whether the smoothing-parameter search converged.
    pub fn converged(&self) -> bool {
        self.model.outer.converged
    }

    /// Outer iterations of the smoothing-parameter search.
    pub fn iterations(&self) -> usize {
        self.model.outer.iter
    }

    /// Things about the data or the fit to know (as R's warnings).
    pub fn warnings(&self) -> &[String] {
        &self.model.warnings
    }

    /// Where the fit started: answered from the cache, resumed, seeded or
    /// cold (`None` for a model read from a file or JSON).
    pub fn source(&self) -> Option<&StartSource> {
        self.source.as_ref()
    }

    /// Where the fit started, in a few words: `"exact hit"`, `"resumed from
    /// checkpoint at iteration 7"`, `"seeded from a related fit"` or `"cold
    /// start"` (also for a fit made without a cache); `None` for a model read
    /// from a file or JSON. [`source`](Self::source) has the details.
    ///
    /// ```
    /// let frame = gam::Frame::builder()
    ///     .numeric("x", (0..50).map(|i| i as f64 / 50.0).collect::<Vec<_>>())
    ///     .numeric("y", (0..50).map(|i| ((i * 37) % 11) as f64).collect::<Vec<_>>())
    ///     .build()?;
    /// let fitted = gam::Gam::new("y ~ s(x)")?.fit(&frame)?;
    /// assert_eq!(fitted.cache_status().as_deref(), Some("cold start"));
    /// let loaded = gam::FittedGam::from_json(&fitted.to_json()?)?;
    /// assert_eq!(loaded.cache_status(), None);
    /// # Ok::<(), gam::GamError>(())
    /// ```
    pub fn cache_status(&self) -> Option<String> {
        self.source.as_ref().map(|source| match source {
            StartSource::ExactHit => "exact hit".to_string(),
            StartSource::Resumed { iteration, .. } => format!("resumed from checkpoint at iteration {iteration}"),
            StartSource::Seeded => "seeded from a related fit".to_string(),
            StartSource::Cold => "cold start".to_string(),
        })
    }

    /// Why the cache could not be used, if it could not (the fit went on without it).
    pub fn cache_warning(&self) -> Option<&str> {
        self.cache_warning.as_deref()
    }

    /// The columns new data must hold for a prediction: those the terms
    /// read (through their expressions), not the response.
    pub fn predictor_columns(&self) -> Vec<String> {
        self.model.predictor_columns()
    }

    /// The columns the model reads as factors (parametric factors, factor
    /// `by` variables, factor covariates of random effects): new data should
    /// give them as factors, or as numbers matching numeric levels.
    pub fn factor_columns(&self) -> Vec<String> {
        self.model.factor_columns()
    }

    /// Reads new data for this model from a CSV file: the columns the model
    /// uses as factors are read as factors whatever they hold (a numeric
    /// district code stays a code), as `gam predict` reads them.
    pub fn read_csv(&self, path: impl AsRef<Path>) -> Result<Frame> {
        let options = CsvOptions {
            factors: self.model.factor_columns(),
            ..CsvOptions::default()
        };
        Frame::read_csv(path, &options)
    }

    /// Predicts at the rows of `frame` (mgcv's `predict.gam`).
    pub fn predict(&self, frame: &Frame, options: &PredictOptions) -> Result<Prediction> {
        self.model.predict(&frame.inner, options)
    }

    /// The model matrix of the rows of `frame` (mgcv's `predict(type =
    /// "lpmatrix")`): a row-major n x p [`Matrix`](crate::Matrix) whose
    /// product with [`coefficients`](Self::coefficients), plus the returned
    /// offset, is the link-scale prediction. A row with a missing predictor
    /// is an error naming it, or with [`MissingRows::Pass`] a row of `NaN`.
    ///
    /// ```
    /// let x: Vec<f64> = (0..60).map(|i| i as f64 / 60.0).collect();
    /// let y: Vec<f64> = x.iter().map(|&x| (6.0 * x).sin() + ((x * 977.0) % 1.0) / 5.0).collect();
    /// let frame = gam::Frame::builder().numeric("x", x).numeric("y", y).build()?;
    /// let fitted = gam::Gam::new("y ~ s(x, k = 8)")?.fit(&frame)?;
    /// let new = gam::Frame::builder().numeric("x", vec![0.25, f64::NAN]).build()?;
    /// let (x, offset) = fitted.lp_matrix(&new, gam::MissingRows::Pass)?;
    /// assert_eq!((x.rows, x.cols), (2, 8));
    /// let eta: f64 = x.data[..8].iter().zip(fitted.coefficients()).map(|(a, b)| a * b).sum::<f64>() + offset[0];
    /// let fit = fitted.predict(&new, &gam::PredictOptions { missing: gam::MissingRows::Pass, ..Default::default() })?.fit;
    /// assert!((eta - fit[0]).abs() < 1e-12 && fit[1].is_nan() && x.data[8..].iter().all(|v| v.is_nan()));
    /// # Ok::<(), gam::GamError>(())
    /// ```
    pub fn lp_matrix(&self, frame: &Frame, missing: MissingRows) -> Result<(StoredMat, Vec<f64>)> {
        self.model.lp_matrix_stored(&frame.inner, missing)
    }

    /// What mgcv's `plot.gam` draws for each smooth term (grid, fit, band,
    /// rug, partial residuals; see [`PlotOptions`]), on `training`, the frame
    /// the model was fitted to: ranges, rugs and residuals come from its rows
    /// the fit kept.
    ///
    /// ```
    /// let x: Vec<f64> = (0..80).map(|i| i as f64 / 80.0).collect();
    /// let y: Vec<f64> = x.iter().map(|&x| (6.0 * x).sin() + ((x * 977.0) % 1.0) / 5.0).collect();
    /// let frame = gam::Frame::builder().numeric("x", x).numeric("y", y).build()?;
    /// let fitted = gam::Gam::new("y ~ s(x, k = 8)")?.fit(&frame)?;
    /// let terms = fitted.plot_data(&frame, &gam::PlotOptions::default())?;
    /// assert_eq!((terms[0].x.len(), terms[0].x[0], terms[0].x[99]), (100, 0.0, 79.0 / 80.0));
    /// assert!(terms[0].ylab.starts_with("s(x,"));
    /// # Ok::<(), gam::GamError>(())
    /// ```
    pub fn plot_data(&self, training: &Frame, opts: &PlotOptions) -> Result<Vec<TermPlot>> {
        crate::report::plot::plot_data(&self.model, &training.inner, opts)
    }

    /// mgcv's `concurvity(b, full)`: how far each term (`para`, then each
    /// smooth) lies in the span of the others — all of them (`full`) or each
    /// one alone (pairwise) — as the measures worst, observed and estimate,
    /// on `training`, the frame the model was fitted to. Its `Display` is
    /// what R prints; serialised it is `gam concurvity --json`'s document.
    ///
    /// ```
    /// let x: Vec<f64> = (0..80).map(|i| i as f64 / 80.0).collect();
    /// let z: Vec<f64> = x.iter().map(|&x| x * x + ((x * 613.0) % 1.0) / 10.0).collect();
    /// let y: Vec<f64> = x.iter().map(|&x| (6.0 * x).sin() + ((x * 977.0) % 1.0) / 5.0).collect();
    /// let frame = gam::Frame::builder().numeric("x", x).numeric("z", z).numeric("y", y).build()?;
    /// let fitted = gam::Gam::new("y ~ s(x, k = 8) + s(z, k = 8)")?.fit(&frame)?;
    /// let c = fitted.concurvity(&frame, true)?;
    /// assert_eq!(c.terms, ["para", "s(x)", "s(z)"]);
    /// let gam::ConcurvityTables::Full(m) = &c.tables else { unreachable!() };
    /// assert!(m.worst[1] > 0.9); // z is nearly a function of x
    /// let text = c.to_string(); // the matrix R prints: terms across, measures down
    /// assert!(text.lines().nth(1).unwrap().starts_with("worst "));
    /// # Ok::<(), gam::GamError>(())
    /// ```
    pub fn concurvity(&self, training: &Frame, full: bool) -> Result<Concurvity> {
        crate::report::concurvity::concurvity(&self.model, &training.inner, full)
    }

    /// mgcv's `gam.check(b)` on `training`, the frame the model was fitted
    /// to: the convergence report, the basis-dimension table (k-index and
    /// its permutation p-value) and the residual plots' data. Its `Display`
    /// is what `gam.check` prints; serialised ([`GamCheck::json`]) it is
    /// `gam check --json`'s document.
    pub fn check(&self, training: &Frame, opts: &CheckOptions) -> Result<GamCheck> {
        crate::report::check::gam_check(&self.model, &training.inner, opts)
    }

    /// `opts.n` draws of the coefficients from their posterior `N(β̂, Vp)`
    /// (mgcv's `rmvn(n, coef(b), vcov(b))`), seeded.
    pub fn posterior_draws(&self, opts: &SampleOptions) -> Result<CoefDraws> {
        crate::report::sample::posterior_draws(&self.model, opts)
    }

    /// The fitted values each of `draws` gives at the rows of `data`, on the
    /// link or response scale (`kind`).
    pub fn fitted_draws(&self, data: &Frame, draws: &CoefDraws, kind: crate::PredictType) -> Result<FittedDraws> {
        crate::report::sample::fitted_draws(&self.model, &data.inner, draws, kind)
    }

    /// The summary: its `Display` is mgcv's `summary.gam` printout, byte for
    /// byte what `gam fit` and `gam summary` print.
    pub fn summary(&self) -> SummaryText<'_> {
        SummaryText(&self.model)
    }

    /// The summary tables (parametric coefficients, smooth terms, R², deviance explained).
    pub fn summary_tables(&self) -> &Summary {
        self.model.summary()
    }

    /// The model as JSON, the format [`save`](Self::save) writes.
    pub fn to_json(&self) -> Result<String> {
        self.model.to_json()
    }

    /// A model from JSON; refused unless every part is consistent.
    pub fn from_json(json: &str) -> Result<FittedGam> {
        Ok(GamModel::from_json_bytes(json.as_bytes(), Path::new("<json>"))?.into())
    }

    /// Writes the model file atomically (readable by `gam summary`/`gam predict`).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        self.model.save(path.as_ref())
    }

    /// Reads a model file written by [`save`](Self::save) or `gam fit --out`.
    pub fn load(path: impl AsRef<Path>) -> Result<FittedGam> {
        Ok(GamModel::load(path.as_ref())?.into())
    }

    /// The expert-level model behind this one.
    pub fn model(&self) -> &GamModel {
        &self.model
    }
}

impl From<GamModel> for FittedGam {
    fn from(model: GamModel) -> FittedGam {
        FittedGam {
            model,
            source: None,
            cache_warning: None,
        }
    }
}
