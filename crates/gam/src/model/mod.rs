//! The unfitted model specification ([`GamSpec`]) and the fitted model
//! ([`GamModel`]), which is saved and loaded as versioned JSON.
//!
//! # Guarantees
//! - [`GamModel::load`] returns only models that pass [`GamModel::check`]:
//!   a damaged file (sizes that do not fit together, a wrong link, a
//!   negative variance, ...) is refused with one line naming the file and
//!   the first inconsistency, never predicted from. Only regular files of
//!   at most [`MAX_MODEL_FILE_BYTES`] are read.
//! - [`GamModel::save`] writes atomically (a failed save leaves the previous
//!   file intact) and only models that pass the check, so that every file it
//!   writes loads again.

mod file;
pub mod general;
mod summary;
mod validate;

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::ENGINE_VERSION;
use crate::data::DataFrame;
use crate::design::{Design, SmoothTerm};
use crate::error::{GamError, Result};
pub use crate::family::{Family, Link};
use crate::files::nan_if_null;
use crate::fit::driver::{FitObserver, FitSetup, NoObserver, prepare};
pub use crate::fit::{FitOptions, FitResult, GamSpec, OuterInfo, OuterStart, Summary};
use crate::linalg::StoredMat;

pub use file::MAX_MODEL_FILE_BYTES;
use file::ReadProblem;

/// Version of the model file format written by this build. Version 1 files
/// (which store the summary tables instead of the factor they are computed
/// from) and version 2 files are read as well. Version 3 added issue 16's
/// smooths (`id`, tensor margins of several covariates, `mc`, the new bases
/// such as `mrf`), which a reader of version 2 could not evaluate.
pub const MODEL_FORMAT_VERSION: u32 = 3;

/// The oldest model file format this build reads.
pub const OLDEST_MODEL_FORMAT_VERSION: u32 = 1;

/// A fitted GAM.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GamModel {
    /// [`MODEL_FORMAT_VERSION`] of the writer.
    pub format_version: u32,
    /// The engine version that fitted it.
    pub engine_version: String,
    /// The formula as written.
    pub formula: String,
    /// The response distribution.
    pub family: Family,
    /// The link.
    pub link: Link,
    /// How data become the model matrix.
    pub design: Design,
    /// Coefficients, in [`Design::coef_names`] order.
    pub coefficients: Vec<f64>,
    /// mgcv's `rank` when the model is rank deficient: how many coefficient
    /// directions were estimated, the others fixed at zero; absent when every
    /// coefficient is identifiable (and in files written before there was a choice).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank: Option<usize>,
    /// Bayesian posterior covariance of the coefficients (mgcv's `Vp`).
    pub vp: StoredMat,
    /// `Vp` corrected for smoothing-parameter uncertainty (mgcv's `Vc`,
    /// `vcov(b, unconditional = TRUE)`); absent where no correction is made
    /// and in files written before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vc: Option<StoredMat>,
    /// Frequentist covariance (mgcv's `Ve`).
    pub ve: StoredMat,
    /// Effective degrees of freedom of each coefficient (diagonal of F = A⁻¹XᵀWX).
    pub edf: Vec<f64>,
    /// mgcv's alternative `edf1 = 2F − FF` per coefficient (used for Ref.df).
    pub edf1: Vec<f64>,
    /// Smoothing parameters, one per penalty ([`Design::sp_names`] order).
    pub sp: Vec<f64>,
    /// The scale parameter as mgcv reports it (`sig2`: σ² for Gaussian, 1
    /// for binomial and Poisson, Fletcher's estimate for other families).
    pub scale: f64,
    /// The scale at which the REML criterion was minimised (mgcv's `reml.scale`).
    #[serde(default = "one")]
    pub reml_scale: f64,
    /// The estimated family parameters as the family's functions take them (nb's θ, tw's p,
    /// betar's φ: one each); empty for a family without any. Files written when there was at
    /// most one hold a number or null here, which loads as a list of one or none.
    #[serde(default, deserialize_with = "theta_compat")]
    pub theta: Vec<f64>,
    /// Whether `theta` was fixed by the family's `theta =` (mgcv's `n.theta = 0`) rather than
    /// estimated; absent (false) in files written before there was a choice.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub theta_fixed: bool,
    /// Column of prior weights used in the fit, if any.
    #[serde(default)]
    pub weights: Option<String>,
    /// Whether the scale was estimated.
    pub scale_estimated: bool,
    /// The minimised criterion (mgcv's `gcv.ubre`): REML unless the fit chose another
    /// ([`GamModel::criterion`]); the field keeps its name for old files.
    pub reml_score: f64,
    /// Which criterion `reml_score` holds, as mgcv names it (`b$method`: "REML", "ML", "GCV",
    /// "UBRE", "GACV", "P-REML", "P-ML"); "REML" in files written before there was a choice.
    #[serde(default = "default_criterion")]
    pub criterion: String,
    /// mgcv's `gamma` of the criterion (1 in files written before there was a choice).
    #[serde(default = "default_gamma")]
    pub gamma: f64,
    /// The outer optimisation's outcome.
    pub outer: OuterInfo,
    /// Rows used in the fit.
    pub n: usize,
    /// Rows dropped because a used column was missing.
    pub n_dropped: usize,
    /// Residual deviance.
    pub deviance: f64,
    /// Deviance of the intercept-only model.
    pub null_deviance: f64,
    /// Log-likelihood as mgcv's `logLik.gam`.
    #[serde(deserialize_with = "nan_if_null")]
    pub loglik: f64,
    /// Degrees of freedom of the log-likelihood (mgcv's `attr(logLik, "df")`).
    #[serde(deserialize_with = "nan_if_null")]
    pub loglik_df: f64,
    /// AIC as mgcv's `AIC()`.
    #[serde(deserialize_with = "nan_if_null")]
    pub aic: f64,
    /// mgcv's adjusted R², from the training rows (the one line of the
    /// summary that needs them); in a version 1 file it is in the stored tables.
    #[serde(default = "nan", deserialize_with = "nan_if_null")]
    pub r_sq_adj: f64,
    /// A p x p factor R with RᵀR = XᵀWX at the optimum (mgcv's `R`), from which
    /// [`summary`](Self::summary) computes the tests; absent in version 1 files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) summary_factor: Option<StoredMat>,
    /// The summary tables a version 1 file stores (computed when asked for
    /// since version 2); a version 1 model is saved with them again.
    #[serde(default, rename = "summary", skip_serializing_if = "Option::is_none")]
    pub(crate) stored_summary: Option<Summary>,
    /// The summary tables once computed.
    #[serde(skip)]
    summary_cache: summary::LazySummary,
    /// Things about the data or the fit the user should know (as R's warnings).
    #[serde(default)]
    pub warnings: Vec<String>,
}

impl GamSpec {
    /// Fits the model to `data`.
    pub fn fit(&self, data: &DataFrame) -> Result<GamModel> {
        self.fit_with(data, None, &mut NoObserver)
    }

    /// Fits the model starting the outer iteration at `start` (e.g. a cached
    /// checkpoint or a related fit), reporting iterates to `observer`.
    pub fn fit_with(
        &self,
        data: &DataFrame,
        start: Option<&OuterStart>,
        observer: &mut dyn FitObserver,
    ) -> Result<GamModel> {
        let setup = self.setup(prepare(self, data)?)?;
        self.fit_setup(&setup, start, observer)
    }

    /// Runs the outer optimisation on a prepared fit and assembles the model.
    pub fn fit_setup(
        &self,
        setup: &FitSetup,
        start: Option<&OuterStart>,
        observer: &mut dyn FitObserver,
    ) -> Result<GamModel> {
        Ok(GamModel::from_fit(self, self.fit_result(setup, start, observer)?))
    }
}

impl GamModel {
    /// The model of a fit of `spec`.
    pub fn from_fit(spec: &GamSpec, r: FitResult) -> GamModel {
        GamModel {
            format_version: MODEL_FORMAT_VERSION,
            engine_version: ENGINE_VERSION.to_string(),
            formula: spec.formula.text.clone(),
            family: spec.family,
            link: spec.link,
            design: r.design,
            coefficients: r.coefficients,
            rank: r.rank,
            vp: r.vp,
            vc: r.vc,
            ve: r.ve,
            edf: r.edf,
            edf1: r.edf1,
            sp: r.sp,
            scale: r.scale,
            reml_scale: r.reml_scale,
            theta: r.theta,
            theta_fixed: spec.family.has_theta() && spec.options.family_theta.as_ref().is_some_and(|t| t.fixed),
            weights: spec.weights.clone(),
            scale_estimated: r.scale_estimated,
            reml_score: r.reml_score,
            criterion: r.selection.criterion.name().to_string(),
            gamma: r.selection.gamma,
            outer: r.outer,
            n: r.n,
            n_dropped: r.n_dropped,
            deviance: r.deviance,
            null_deviance: r.null_deviance,
            loglik: r.loglik,
            loglik_df: r.loglik_df,
            aic: r.aic,
            r_sq_adj: r.r_sq_adj,
            summary_factor: Some(r.summary_factor),
            stored_summary: None,
            summary_cache: Default::default(),
            warnings: r.warnings,
        }
    }

    /// Total effective degrees of freedom (parametric coefficients included).
    pub fn edf_total(&self) -> f64 {
        self.edf.iter().sum()
    }

    /// Effective degrees of freedom of each smooth term.
    pub fn smooth_edf(&self) -> Vec<f64> {
        let offsets = self.design.smooth_offsets();
        self.design
            .smooths
            .iter()
            .zip(offsets)
            .map(|(s, first)| self.edf[first..first + s.n_coef()].iter().sum())
            .collect()
    }

    /// The criterion as mgcv's summary labels it: `-REML`, `-ML` (negative log
    /// likelihoods), `GCV`, `UBRE`, `GACV`, `P-REML`, `P-ML`.
    pub fn criterion_label(&self) -> String {
        match self.criterion.as_str() {
            "REML" | "ML" => format!("-{}", self.criterion),
            other => other.to_string(),
        }
    }

    /// Proportion of the null deviance explained.
    pub fn dev_explained(&self) -> f64 {
        (self.null_deviance - self.deviance) / self.null_deviance
    }

    /// Bayesian standard errors of the coefficients.
    pub fn se_bayes(&self) -> Vec<f64> {
        (0..self.vp.rows)
            .map(|i| self.vp.data[i * self.vp.cols + i].max(0.0).sqrt())
            .collect()
    }

    /// Checks that every part of the model fits together: the sizes
    /// (coefficients = model-matrix columns, covariances p x p, one
    /// smoothing parameter per penalty, each basis's knots and matrices),
    /// the family and link, and that the numbers prediction and the summary
    /// compute with are finite. Returns the first inconsistency in words.
    pub fn check(&self) -> std::result::Result<(), String> {
        validate::check(self)
    }

    /// Writes the model as JSON, atomically: to a temporary file in the same
    /// directory, synced, then renamed over `path`. Refuses a model that
    /// would not load again (one that fails [`check`](Self::check), e.g. with
    /// a non-finite criterion or coefficient, which JSON would write as
    /// `null`); nothing is written then.
    pub fn save(&self, path: &Path) -> Result<()> {
        let text = self.json_text(path)?;
        crate::files::write_atomically(path, |w| w.write_all(text.as_bytes()))
    }

    /// The model as JSON (what [`save`](Self::save) writes); refused, as
    /// there, for a model that would not load again.
    pub fn to_json(&self) -> Result<String> {
        self.json_text(Path::new("<json>"))
    }

    /// The JSON text of a model that passes [`check`](Self::check); `path`
    /// names the destination in the error.
    fn json_text(&self, path: &Path) -> Result<String> {
        let not_saved = |problem: String| GamError::ModelNotSaved {
            path: path.to_path_buf(),
            problem: one_line(&problem),
        };
        self.check().map_err(not_saved)?;
        serde_json::to_string(self).map_err(|e| not_saved(e.to_string()))
    }

    /// Reads a model written by [`save`](Self::save): refuses anything but a
    /// regular file of at most [`MAX_MODEL_FILE_BYTES`], other format
    /// versions, and models that fail [`check`](Self::check), with one line
    /// naming `path` and the problem.
    pub fn load(path: &Path) -> Result<GamModel> {
        GamModel::from_json_bytes(&read_model_bytes(path)?, path)
    }

    /// Parses and checks a model file's contents (what [`load`](Self::load)
    /// does after reading); `path` names the source in errors.
    pub fn from_json_bytes(bytes: &[u8], path: &Path) -> Result<GamModel> {
        #[derive(Deserialize)]
        struct Probe {
            format_version: Option<u32>,
        }
        let probe: Probe =
            serde_json::from_slice(bytes).map_err(|e| model_error(path, &format!("not valid JSON: {e}")))?;
        match probe.format_version {
            Some(OLDEST_MODEL_FORMAT_VERSION..=MODEL_FORMAT_VERSION) => {}
            Some(v) => {
                return Err(model_error(
                    path,
                    &format!(
                        "model format version {v}; this build reads versions {OLDEST_MODEL_FORMAT_VERSION} to {MODEL_FORMAT_VERSION}"
                    ),
                ));
            }
            None => return Err(model_error(path, "no format_version field")),
        }
        if general::GeneralModel::is_general_file(bytes) {
            return Err(model_error(
                path,
                "a general-family model (several linear predictors): read it with GeneralModel::load",
            ));
        }
        let mut model: GamModel = serde_json::from_slice(bytes).map_err(|e| damaged(path, &e.to_string()))?;
        model
            .design
            .smooths
            .iter_mut()
            .for_each(SmoothTerm::fill_side_constrain);
        model.check().map_err(|problem| damaged(path, &problem))?;
        Ok(model)
    }
}

impl general::GeneralModel {
    /// Checks that the parts fit together (`check_general` in `model/validate.rs`); here so
    /// that `general` and `validate` do not import each other.
    pub fn check(&self) -> std::result::Result<(), String> {
        validate::check_general(self)
    }
}

/// What a refusal of a damaged file adds: what to do.
const DAMAGED: &str = " (the file is damaged; refit and save it again)";

/// The longest message a model error carries: a message quotes names from
/// the file, which must not flood the terminal.
const MAX_MESSAGE_CHARS: usize = 400;

/// A [`GamError::Model`] for `path` with `message` made one line.
fn model_error(path: &Path, message: &str) -> GamError {
    GamError::Model {
        path: path.to_path_buf(),
        message: one_line(message),
    }
}

/// The bytes of the model file at `path` (a regular file of bounded size), or the one-line
/// error naming it: what every model loader reads first.
pub(crate) fn read_model_bytes(path: &Path) -> Result<Vec<u8>> {
    file::read_model_file(path).map_err(|problem| match problem {
        ReadProblem::Io(source) => GamError::Io {
            path: path.to_path_buf(),
            source,
        },
        ReadProblem::NotAModel(message) => model_error(path, &message),
    })
}

/// A [`GamError::Model`] for a damaged file: the problem, then what to do.
fn damaged(path: &Path, problem: &str) -> GamError {
    GamError::Model {
        path: path.to_path_buf(),
        message: one_line(problem) + DAMAGED,
    }
}

/// `message` on one line: control characters (which names quoted from a
/// file may hold) escaped, and cut to [`MAX_MESSAGE_CHARS`].
fn one_line(message: &str) -> String {
    let mut out = String::new();
    for (i, c) in message.chars().enumerate() {
        if i == MAX_MESSAGE_CHARS {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

fn one() -> f64 {
    1.0
}

/// Reads the family parameters as a list, or as the number or null older files hold.
pub(crate) fn theta_compat<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Vec<f64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Stored {
        Many(Vec<f64>),
        One(f64),
        Null,
    }
    Ok(match Stored::deserialize(d)? {
        Stored::Many(v) => v,
        Stored::One(t) => vec![t],
        Stored::Null => Vec::new(),
    })
}

fn nan() -> f64 {
    f64::NAN
}

fn default_criterion() -> String {
    "REML".into()
}

fn default_gamma() -> f64 {
    1.0
}
