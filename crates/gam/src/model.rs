//! The unfitted model specification ([`GamSpec`]) and the fitted model
//! ([`GamModel`]), which is saved and loaded as versioned JSON.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::design::Design;
use crate::error::{GamError, Result};
pub use crate::family::{Family, Link};
use crate::fit::NewtonOptions;
use crate::formula::Formula;
use crate::linalg::StoredMat;
use crate::summary::Summary;

/// Version of the model file format written by this build.
pub const MODEL_FORMAT_VERSION: u32 = 1;

/// Settings of a fit that are not part of the formula.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FitOptions {
    /// The outer (smoothing parameter) optimiser's settings.
    pub newton: NewtonOptions,
}

/// What to fit: formula, family and link, options. Fitting it to data gives a [`GamModel`].
#[derive(Debug, Clone)]
pub struct GamSpec {
    /// The parsed formula.
    pub formula: Formula,
    /// The response distribution.
    pub family: Family,
    /// The link.
    pub link: Link,
    /// Column holding prior weights (mgcv's `weights =`), if any.
    pub weights: Option<String>,
    /// Fitting options.
    pub options: FitOptions,
}

impl GamSpec {
    /// The columns the fit reads: the formula's and the weights column.
    pub fn columns_used(&self) -> Vec<String> {
        let mut cols = self.formula.columns_used();
        if let Some(w) = &self.weights
            && !cols.contains(w)
        {
            cols.push(w.clone());
        }
        cols
    }

    /// The same spec with another family and link.
    pub fn with_family(mut self, family: Family, link: Link) -> GamSpec {
        self.family = family;
        self.link = link;
        self
    }

    /// A Gaussian identity-link model with default options.
    pub fn new(formula: Formula) -> GamSpec {
        GamSpec {
            formula,
            family: Family::Gaussian,
            link: Link::Identity,
            weights: None,
            options: FitOptions::default(),
        }
    }
}

/// How the outer optimisation ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OuterInfo {
    /// Outer iterations.
    pub iter: usize,
    /// Whether it converged.
    pub converged: bool,
    /// Largest absolute gradient component of the REML score at the end.
    pub max_abs_grad: f64,
    /// In words.
    pub message: String,
}

impl OuterInfo {
    /// How an outer Newton optimisation ended, as the model records it.
    pub fn of(outer: &crate::fit::NewtonResult) -> OuterInfo {
        OuterInfo {
            iter: outer.last.iter,
            converged: outer.converged,
            max_abs_grad: outer.last.grad.iter().fold(0.0f64, |m, g| m.max(g.abs())),
            message: outer.message.clone(),
        }
    }
}

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
    /// Bayesian posterior covariance of the coefficients (mgcv's `Vp`).
    pub vp: StoredMat,
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
    /// The estimated family parameter (the negative binomial's θ), if the family has one.
    #[serde(default)]
    pub theta: Option<f64>,
    /// Column of prior weights used in the fit, if any.
    #[serde(default)]
    pub weights: Option<String>,
    /// Whether the scale was estimated.
    pub scale_estimated: bool,
    /// The minimised REML criterion (mgcv's `gcv.ubre`).
    pub reml_score: f64,
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
    pub loglik: f64,
    /// Degrees of freedom of the log-likelihood (mgcv's `attr(logLik, "df")`).
    pub loglik_df: f64,
    /// AIC as mgcv's `AIC()`.
    pub aic: f64,
    /// The summary tables, computed at fit time from the training data.
    pub summary: Summary,
    /// Things about the data or the fit the user should know (as R's warnings).
    #[serde(default)]
    pub warnings: Vec<String>,
}

impl GamModel {
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

    /// Writes the model as JSON.
    pub fn save(&self, path: &Path) -> Result<()> {
        let text = serde_json::to_string(self).map_err(|e| GamError::Model {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        std::fs::write(path, text).map_err(|source| GamError::Io {
            path: path.to_path_buf(),
            source,
        })
    }

    /// Reads a model written by [`save`](Self::save), refusing other format versions.
    pub fn load(path: &Path) -> Result<GamModel> {
        let bytes = std::fs::read(path).map_err(|source| GamError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        #[derive(Deserialize)]
        struct Probe {
            format_version: Option<u32>,
        }
        let probe: Probe = serde_json::from_slice(&bytes).map_err(|e| GamError::Model {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        match probe.format_version {
            Some(MODEL_FORMAT_VERSION) => {}
            Some(v) => {
                return Err(GamError::Model {
                    path: path.to_path_buf(),
                    message: format!("model format version {v}; this build reads version {MODEL_FORMAT_VERSION}"),
                });
            }
            None => {
                return Err(GamError::Model {
                    path: path.to_path_buf(),
                    message: "no format_version field".into(),
                });
            }
        }
        serde_json::from_slice(&bytes).map_err(|e| GamError::Model {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
    }
}

fn one() -> f64 {
    1.0
}
