//! The fitted general-family model of the front door: [`FittedGeneralGam`] (see
//! [`general`](super::general) for why it is a type of its own), with accessors for what
//! the fit estimates, prediction per linear predictor ([`GeneralPrediction`]), mgcv's
//! summary and the `gam` command's JSON and model file.
//!
//! Everything here calls what the `gam` command calls (`commands/general.rs` of gam-cli):
//! the summary is `general_summary_lines`, the JSON `general_fit_json` /
//! `general_model_json`, the model file `GeneralModel::save`/`load`, prediction
//! `GeneralModel::predict`, so the bytes are the command's.

use std::path::Path;

use super::fitted::SmoothInfo;
use super::frame::{CsvOptions, Frame};
use crate::cache::StartSource;
use crate::cache::general::GeneralCachedFit;
use crate::design::{By, Design};
use crate::error::{GamError, Result};
use crate::family::general::GeneralFamily;
use crate::linalg::StoredMat;
use crate::model::general::GeneralModel;
use crate::predict::PredictType;
use crate::report::general::general_summary_lines;
use crate::report::general_json::{general_fit_json, general_model_json};
use crate::report::json_text;

/// A fitted general-family model (several linear predictors, or cox.ph).
#[derive(Debug, Clone, PartialEq)]
pub struct FittedGeneralGam {
    model: GeneralModel,
    /// How this process's fit ran (`None` for a model read from a file or JSON).
    run: Option<Run>,
}

/// How a fit made in this process ran.
#[derive(Debug, Clone, PartialEq)]
struct Run {
    source: StartSource,
    iterations_run: usize,
    cache_warning: Option<String>,
}

/// A general-family prediction: one column per linear predictor, or per value the family
/// predicts on the response scale, named as `gam predict` names them (`fit_1`, `fit_2`, …;
/// a multinom model's class probabilities `p0`, …, `pK`), with standard errors.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct GeneralPrediction {
    /// The columns' names (`gam predict` writes `se_` before them for the standard errors).
    pub columns: Vec<String>,
    /// `fit[k][i]`: column `k` at row `i`.
    pub fit: Vec<Vec<f64>>,
    /// Their standard errors, the same shape.
    pub se: Vec<Vec<f64>>,
}

impl FittedGeneralGam {
    pub(crate) fn from_cached(fitted: GeneralCachedFit) -> FittedGeneralGam {
        FittedGeneralGam {
            model: fitted.model,
            run: Some(Run {
                source: fitted.source,
                iterations_run: fitted.iterations_run,
                cache_warning: fitted.cache_warning,
            }),
        }
    }

    /// The formula as written (a list, or cox.ph's single formula).
    pub fn formula(&self) -> &str {
        &self.model.formula
    }

    /// Each linear predictor's formula as written (later ones without a response).
    pub fn formulas(&self) -> &[String] {
        &self.model.formula_parts
    }

    /// The family as the `gam` command spells it (`gaulss`, `multinom(K=2)`, `cox.ph`).
    pub fn family(&self) -> String {
        self.model.family.spelling()
    }

    /// mgcv's name of the family, as its summary prints it (`gaulss`, `multinom`, `Cox PH`).
    pub fn family_name(&self) -> &'static str {
        self.model.family.name()
    }

    /// The number of linear predictors.
    pub fn n_predictors(&self) -> usize {
        self.model.design.designs.len()
    }

    /// Each linear predictor's link, as mgcv's summary names them (empty for multinom,
    /// whose links mgcv leaves unnamed).
    pub fn links(&self) -> Vec<&'static str> {
        self.model.family.link_names()
    }

    /// The coefficients, predictor after predictor, in the order of
    /// [`coefficient_names`](Self::coefficient_names).
    pub fn coefficients(&self) -> &[f64] {
        &self.model.coefficients
    }

    /// mgcv's coefficient names (`(Intercept)`, `s(x).1`, `(Intercept).1`, `s.1(z).1`, ...).
    pub fn coefficient_names(&self) -> &[String] {
        &self.model.coef_names
    }

    /// The Bayesian posterior covariance of the coefficients (mgcv's `Vp`).
    pub fn covariance(&self) -> &StoredMat {
        &self.model.vp
    }

    /// Bayesian standard errors of the coefficients.
    pub fn standard_errors(&self) -> Vec<f64> {
        let vp = &self.model.vp;
        (0..vp.rows).map(|i| vp.data[i * vp.cols + i].max(0.0).sqrt()).collect()
    }

    /// Effective degrees of freedom of each coefficient.
    pub fn edf(&self) -> &[f64] {
        &self.model.edf
    }

    /// Total effective degrees of freedom (parametric coefficients included).
    pub fn edf_total(&self) -> f64 {
        self.model.edf.iter().sum()
    }

    /// The smooth terms of every predictor, with mgcv's labels (`s(x)`, `s.1(z)`), EDF and
    /// coefficient positions in [`coefficients`](Self::coefficients).
    pub fn smooths(&self) -> Vec<SmoothInfo> {
        self.model
            .design
            .smooth_columns()
            .into_iter()
            .map(|(label, r)| SmoothInfo {
                label,
                edf: self.model.edf[r.clone()].iter().sum(),
                coefficients: r,
            })
            .collect()
    }

    /// The smoothing parameters, in the order of
    /// [`smoothing_parameter_names`](Self::smoothing_parameter_names).
    pub fn smoothing_parameters(&self) -> &[f64] {
        &self.model.sp
    }

    /// mgcv's names of the smoothing parameters.
    pub fn smoothing_parameter_names(&self) -> &[String] {
        &self.model.sp_names
    }

    /// The minimised REML criterion (mgcv's `gcv.ubre`).
    pub fn criterion(&self) -> f64 {
        self.model.reml
    }

    /// The criterion's name: always `REML` (mgcv fits general families by REML only).
    pub fn method(&self) -> &'static str {
        "REML"
    }

    /// The log-likelihood at the fit.
    pub fn log_likelihood(&self) -> f64 {
        self.model.loglik
    }

    /// The deviance, as mgcv's summary reports it.
    pub fn deviance(&self) -> f64 {
        self.model.deviance
    }

    /// The null deviance, as mgcv's summary reports it.
    pub fn null_deviance(&self) -> f64 {
        self.model.null_deviance
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
        self.model.converged
    }

    /// Outer iterations of the smoothing-parameter search.
    pub fn iterations(&self) -> usize {
        self.model.iterations
    }

    /// Where the fit started (`None` for a model read from a file or JSON).
    pub fn source(&self) -> Option<&StartSource> {
        self.run.as_ref().map(|r| &r.source)
    }

    /// Where the fit started, in a few words, as [`FittedGam::cache_status`](super::FittedGam::cache_status).
    pub fn cache_status(&self) -> Option<String> {
        self.source().map(|source| match source {
            StartSource::ExactHit => "exact hit".to_string(),
            StartSource::Resumed { iteration, .. } => format!("resumed from checkpoint at iteration {iteration}"),
            StartSource::Seeded => "seeded from a related fit".to_string(),
            StartSource::Cold => "cold start".to_string(),
        })
    }

    /// Why the cache could not be used, if it could not (the fit went on without it).
    pub fn cache_warning(&self) -> Option<&str> {
        self.run.as_ref().and_then(|r| r.cache_warning.as_deref())
    }

    /// The columns new data must hold for a prediction on scale `kind`: those the
    /// predictors' terms read; for cox.ph on the response scale also the time (the survival
    /// is at each row's time).
    pub fn predictor_columns(&self, kind: PredictType) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let cox_times = kind == PredictType::Response && self.model.family == GeneralFamily::CoxPh;
        for d in &self.model.design.designs {
            let cols = if cox_times {
                d.columns_used.clone()
            } else {
                d.predictor_columns()
            };
            for c in cols {
                if !out.contains(&c) {
                    out.push(c);
                }
            }
        }
        out
    }

    /// The columns the model reads as factors, so that new data is read with the same coding.
    pub fn factor_columns(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for d in &self.model.design.designs {
            for c in design_factor_columns(d) {
                if !out.contains(&c) {
                    out.push(c);
                }
            }
        }
        out
    }

    /// Reads new data for this model from a CSV file, the model's factor columns as factors
    /// (as `gam predict` reads them).
    pub fn read_csv(&self, path: impl AsRef<Path>) -> Result<Frame> {
        let options = CsvOptions {
            factors: self.factor_columns(),
            ..CsvOptions::default()
        };
        Frame::read_csv(path, &options)
    }

    /// Predicts at the rows of `frame` as `gam predict` does (mgcv's `predict.gam`): on the
    /// link scale every linear predictor with its standard error; on the response scale
    /// each predictor's inverse link, or the family's own prediction (multinom: the class
    /// probabilities; gammals: mean and log scale; ziplss: the expected count; cox.ph: the
    /// survival at each row's time).
    ///
    /// # Errors
    /// What building the model matrix at `frame` refuses (a missing column, an unseen level).
    pub fn predict(&self, frame: &Frame, kind: PredictType) -> Result<GeneralPrediction> {
        let response = kind == PredictType::Response;
        let p = self.model.predict(&frame.inner, response)?;
        let classes = response && matches!(self.model.family, GeneralFamily::Multinom { .. });
        let columns = if classes {
            (0..p.fit.len()).map(|j| format!("p{j}")).collect()
        } else {
            (1..=p.fit.len()).map(|k| format!("fit_{k}")).collect()
        };
        Ok(GeneralPrediction {
            columns,
            fit: p.fit,
            se: p.se,
        })
    }

    /// mgcv's `summary.gam` printout, byte for byte what `gam fit` and `gam summary` print.
    pub fn summary(&self) -> String {
        let mut text = String::new();
        for line in general_summary_lines(&self.model) {
            text.push_str(&line);
            text.push('\n');
        }
        text
    }

    /// The JSON document the `gam` command prints: `gam fit --json`'s for a fit made here
    /// (with where it started), `gam summary --json`'s for a model read from a file.
    pub fn report_json(&self) -> Result<String> {
        let text = match &self.run {
            Some(run) => json_text(&general_fit_json(&GeneralCachedFit {
                model: self.model.clone(),
                source: run.source.clone(),
                iterations_run: run.iterations_run,
                cache_warning: run.cache_warning.clone(),
            })),
            None => json_text(&general_model_json(&self.model)),
        };
        text.map_err(|e| GamError::BadOption {
            option: "json".into(),
            message: e.to_string(),
        })
    }

    /// The model as JSON, the format [`save`](Self::save) writes; refused (naming the
    /// problem) when it would not load again.
    pub fn to_json(&self) -> Result<String> {
        let refuse = |problem: String| GamError::ModelNotSaved {
            path: "<json>".into(),
            problem,
        };
        self.model.check().map_err(refuse)?;
        serde_json::to_string(&self.model).map_err(|e| refuse(e.to_string()))
    }

    /// A model from the JSON of [`to_json`](Self::to_json) or a model file; refused unless
    /// every part is consistent.
    pub fn from_json(json: &str) -> Result<FittedGeneralGam> {
        Ok(GeneralModel::from_json_bytes(json.as_bytes(), Path::new("<json>"))?.into())
    }

    /// Whether `json` is a general-family model (else, perhaps, a [`FittedGam`](super::FittedGam)'s).
    pub fn is_general_json(json: &str) -> bool {
        GeneralModel::is_general_file(json.as_bytes())
    }

    /// Whether the file at `path` holds a general-family model (false when it cannot be
    /// read; [`load`](Self::load) then says why).
    pub fn is_general_file(path: impl AsRef<Path>) -> bool {
        GeneralModel::probe(path.as_ref())
    }

    /// Writes the model file atomically (`gam summary` and `gam predict` read it).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        self.model.save(path.as_ref())
    }

    /// Reads a model file written by [`save`](Self::save) or `gam fit --family ... --out`.
    ///
    /// ```
    /// let e = gam::FittedGeneralGam::load("/no/such/model.json").unwrap_err();
    /// assert_eq!(e.kind(), gam::ErrorKind::Io);
    /// ```
    pub fn load(path: impl AsRef<Path>) -> Result<FittedGeneralGam> {
        Ok(GeneralModel::load(path.as_ref())?.into())
    }

    /// The expert-level model behind this one.
    pub fn model(&self) -> &GeneralModel {
        &self.model
    }
}

impl From<GeneralModel> for FittedGeneralGam {
    fn from(model: GeneralModel) -> FittedGeneralGam {
        FittedGeneralGam { model, run: None }
    }
}

/// The columns one predictor's design reads as factors (as `GamModel::factor_columns`).
fn design_factor_columns(design: &Design) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let derived = |c: &str| design.derived.iter().any(|d| d.name == c);
    let mut add = |c: &str| {
        if !derived(c) && !out.iter().any(|o| o == c) {
            out.push(c.to_string());
        }
    };
    for t in &design.parametric {
        t.factor_columns().into_iter().for_each(&mut add);
    }
    for s in &design.smooths {
        if let By::Level { column, .. } = &s.by {
            add(column);
        }
        for (var, levels) in s.spec.vars.iter().zip(&s.factor_levels) {
            if levels.is_some() {
                add(var);
            }
        }
    }
    out
}
