//! A fitted general-family model (several linear predictors, [`crate::fit::general`]) as a
//! file: saved and loaded as JSON beside one-predictor models (same format version, a
//! `"kind": "general"` field telling them apart), checked on load
//! (`validate::check_general` in `model/validate.rs`), and predicting as mgcv's `predict.gam`
//! does for a general family: every linear predictor, or on `type = "response"` each
//! predictor's inverse link `h_k(η_k)` with standard error `|h_k'(η_k)| se(η_k)`
//! (mgcv.r, `predict.gam`, general families; for gaulss the second column is `1/σ`).

use std::path::Path;

use faer::Mat;
use serde::{Deserialize, Serialize};

use super::file::{self, ReadProblem};
use super::{MODEL_FORMAT_VERSION, OLDEST_MODEL_FORMAT_VERSION, damaged, model_error};
use crate::data::DataFrame;
use crate::error::{GamError, Result};
use crate::family::general::GeneralFamily;
use crate::fit::general::{GeneralDesign, GeneralFit};
use crate::linalg::StoredMat;

/// The `kind` of a general-family model file.
pub const GENERAL_KIND: &str = "general";

/// A fitted general-family model, as saved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GeneralModel {
    /// The model file format version ([`MODEL_FORMAT_VERSION`]).
    pub format_version: u32,
    /// Always [`GENERAL_KIND`].
    pub kind: String,
    /// The family.
    pub family: GeneralFamily,
    /// The list formula as written.
    pub formula: String,
    /// Each formula as written (a later one without its response), for the summary.
    pub formula_parts: Vec<String>,
    /// The designs and each predictor's columns.
    pub design: GeneralDesign,
    /// Coefficients, predictor after predictor.
    pub coefficients: Vec<f64>,
    /// Their names, as mgcv gives them.
    pub coef_names: Vec<String>,
    /// Smoothing parameters.
    pub sp: Vec<f64>,
    /// Their names.
    pub sp_names: Vec<String>,
    /// The REML criterion.
    pub reml: f64,
    /// The log-likelihood.
    pub loglik: f64,
    /// EDF per coefficient.
    pub edf: Vec<f64>,
    /// The Bayesian covariance matrix.
    pub vp: StoredMat,
    /// `−ℓ_ββ` at the fit (the summary's tests).
    pub neg_hess: StoredMat,
    /// The deviance (gaulss: `Σ ((y − μ̂) τ̂)²`; 0 for families whose summary shows none).
    pub deviance: f64,
    /// The null deviance (gaulss: `Σ ((y − ȳ) τ̂)²`; 0 for families whose summary shows none).
    pub null_deviance: f64,
    /// Rows used.
    pub n: usize,
    /// Rows dropped for missing values.
    #[serde(default)]
    pub n_dropped: usize,
    /// Outer iterations.
    #[serde(default)]
    pub iterations: usize,
    /// Whether the outer iteration converged.
    pub converged: bool,
}

/// What a general-family prediction gives: per linear predictor, values and standard errors.
#[derive(Debug, Clone, PartialEq)]
pub struct GeneralPrediction {
    /// `fit[k][i]`: predictor `k` at row `i` (on the scale asked for).
    pub fit: Vec<Vec<f64>>,
    /// Their standard errors.
    pub se: Vec<Vec<f64>>,
}

impl GeneralModel {
    /// The model of a fit.
    pub fn from_fit(fit: &GeneralFit) -> GeneralModel {
        let y = &fit.y;
        let mean = y.iter().sum::<f64>() / y.len() as f64;
        let (deviance, null_deviance) = match fit.family {
            GeneralFamily::Gaulss { .. } => {
                let (mu, tau) = (&fit.fitted[0], &fit.fitted[1]);
                (
                    y.iter().zip(mu).zip(tau).map(|((y, m), t)| ((y - m) * t).powi(2)).sum(),
                    y.iter().zip(tau).map(|(y, t)| ((y - mean) * t).powi(2)).sum(),
                )
            }
            // Families whose summary prints no deviance (`GeneralFamily::deviance_line`).
            _ => (0.0, 0.0),
        };
        GeneralModel {
            format_version: MODEL_FORMAT_VERSION,
            kind: GENERAL_KIND.into(),
            family: fit.family,
            formula: fit.formula.text.clone(),
            formula_parts: fit.formula.parts.clone(),
            design: fit.design.clone(),
            coefficients: fit.coefficients.clone(),
            coef_names: fit.coef_names.clone(),
            sp: fit.sp.clone(),
            sp_names: fit.sp_names.clone(),
            reml: fit.reml,
            loglik: fit.loglik,
            edf: fit.edf.clone(),
            vp: StoredMat::from_mat(&fit.vp),
            neg_hess: StoredMat::from_mat(&fit.neg_hess),
            deviance,
            null_deviance,
            n: fit.n,
            n_dropped: fit.n_dropped,
            iterations: fit.iterations,
            converged: fit.converged,
        }
    }

    /// Each smooth's label and EDF.
    pub fn smooth_edf(&self) -> Vec<(String, f64)> {
        self.design
            .smooth_columns()
            .into_iter()
            .map(|(label, r)| (label, self.edf[r].iter().sum()))
            .collect()
    }

    /// Predicts every linear predictor at the rows of `data` (`response`: on each
    /// predictor's response scale), with standard errors from the Bayesian covariance.
    ///
    /// # Errors
    /// What building the model matrix at `data` refuses (a missing column, an unseen level).
    pub fn predict(&self, data: &DataFrame, response: bool) -> Result<GeneralPrediction> {
        let vp = self.vp.to_mat();
        let mut fit = Vec::new();
        let mut se = Vec::new();
        for (k, (d, r)) in self.design.designs.iter().zip(&self.design.lpi).enumerate() {
            let data = d.derive(data)?;
            let x = d.model_matrix(&data)?;
            let beta = &self.coefficients[r.clone()];
            let v = vp.as_ref().submatrix(r.start, r.start, r.len(), r.len());
            let xv: Mat<f64> = &x * v;
            let mut f = Vec::with_capacity(x.nrows());
            let mut s = Vec::with_capacity(x.nrows());
            for i in 0..x.nrows() {
                let eta: f64 = (0..r.len()).map(|j| x[(i, j)] * beta[j]).sum();
                let var: f64 = (0..r.len()).map(|j| xv[(i, j)] * x[(i, j)]).sum();
                let se_eta = var.max(0.0).sqrt();
                if response {
                    let h = self.family.inverse_link(k, eta);
                    f.push(h[0]);
                    s.push(se_eta * h[1].abs());
                } else {
                    f.push(eta);
                    s.push(se_eta);
                }
            }
            fit.push(f);
            se.push(s);
        }
        Ok(GeneralPrediction { fit, se })
    }

    /// Writes the model as JSON, atomically; refuses a model that would not load again.
    pub fn save(&self, path: &Path) -> Result<()> {
        let not_saved = |problem: String| GamError::ModelNotSaved {
            path: path.to_path_buf(),
            problem: super::one_line(&problem),
        };
        self.check().map_err(not_saved)?;
        let text = serde_json::to_string(self).map_err(|e| not_saved(e.to_string()))?;
        crate::files::write_atomically(path, |w| w.write_all(text.as_bytes()))
    }

    /// Whether the JSON `bytes` are a general-family model file (its `kind`).
    pub fn is_general_file(bytes: &[u8]) -> bool {
        #[derive(Deserialize)]
        struct Probe {
            kind: Option<String>,
        }
        serde_json::from_slice::<Probe>(bytes).is_ok_and(|p| p.kind.as_deref() == Some(GENERAL_KIND))
    }

    /// Whether the file at `path` holds a general-family model (false when it cannot be read:
    /// [`load`](Self::load) or the one-predictor loader then says why).
    pub fn probe(path: &Path) -> bool {
        file::read_model_file(path).is_ok_and(|bytes| GeneralModel::is_general_file(&bytes))
    }

    /// Reads a model written by [`save`](Self::save), refusing other format versions and
    /// models that fail [`check`](Self::check), in one line naming `path`.
    pub fn load(path: &Path) -> Result<GeneralModel> {
        let bytes = file::read_model_file(path).map_err(|problem| match problem {
            ReadProblem::Io(source) => GamError::Io {
                path: path.to_path_buf(),
                source,
            },
            ReadProblem::NotAModel(message) => model_error(path, &message),
        })?;
        GeneralModel::from_json_bytes(&bytes, path)
    }

    /// Parses and checks a model file's contents; `path` names the source in errors.
    pub fn from_json_bytes(bytes: &[u8], path: &Path) -> Result<GeneralModel> {
        let model: GeneralModel = serde_json::from_slice(bytes).map_err(|e| damaged(path, &e.to_string()))?;
        if !(OLDEST_MODEL_FORMAT_VERSION..=MODEL_FORMAT_VERSION).contains(&model.format_version) {
            return Err(model_error(
                path,
                &format!(
                    "model format version {}; this build reads versions {OLDEST_MODEL_FORMAT_VERSION} to {MODEL_FORMAT_VERSION}",
                    model.format_version
                ),
            ));
        }
        let mut model = model;
        for d in &mut model.design.designs {
            d.smooths
                .iter_mut()
                .for_each(crate::design::SmoothTerm::fill_side_constrain);
        }
        model.check().map_err(|problem| damaged(path, &problem))?;
        Ok(model)
    }
}
