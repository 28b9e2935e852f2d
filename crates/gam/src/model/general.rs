//! A fitted general-family model (several linear predictors, [`crate::fit::general`]) as a
//! file: saved and loaded as JSON beside one-predictor models (same format version, a
//! `"kind": "general"` field telling them apart), checked on load
//! (`validate::check_general` in `model/validate.rs`), and predicting as mgcv's `predict.gam`
//! does for a general family: every linear predictor, or on `type = "response"` each
//! predictor's inverse link `h_k(η_k)` with standard error `|h_k'(η_k)| se(η_k)`
//! (mgcv.r, `predict.gam`, general families; for gaulss the second column is `1/σ`), or the
//! family's own response-scale prediction where mgcv's family has a `predict` (gammals: the
//! mean and the log scale; ziplss: one column, the expected count; see
//! [`GeneralFamily::response_prediction`]). For
//! cox.ph the response scale is the survival at each new row's time, with its standard error
//! from the stored Breslow baseline (mgcv's `cox.ph()$predict`, `coxpred`).

use std::path::Path;

use faer::Mat;
use serde::{Deserialize, Serialize};

use super::file;
use super::{MODEL_FORMAT_VERSION, OLDEST_MODEL_FORMAT_VERSION, damaged, model_error};
use crate::data::DataFrame;
use crate::error::{GamError, Result};
use crate::family::general::{GeneralFamily, multinom};
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
    /// The deviance (gaulss: `Σ ((y − μ̂) τ̂)²`; others: [`GeneralFamily::deviances`]).
    pub deviance: f64,
    /// The null deviance (gaulss: `Σ ((y − ȳ) τ̂)²`; others: [`GeneralFamily::deviances`]).
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
    /// cox.ph's Breslow baseline and deviances (absent for other families).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cox: Option<crate::fit::general::cox::CoxExtra>,
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
        let (deviance, null_deviance) = match (&fit.cox, fit.family) {
            (Some(c), _) => (c.deviance, c.null_deviance),
            (None, GeneralFamily::Multinom { .. }) => multinom::deviances(y, &fit.eta),
            (None, family) => family.deviances(y, &fit.eta).unwrap_or_else(|| {
                // gaulss: Σ ((y − μ̂) τ̂)² and Σ ((y − ȳ) τ̂)².
                let mean = y.iter().sum::<f64>() / y.len() as f64;
                let (mu, tau) = (&fit.fitted[0], &fit.fitted[1]);
                (
                    y.iter().zip(mu).zip(tau).map(|((y, m), t)| ((y - m) * t).powi(2)).sum(),
                    y.iter().zip(tau).map(|(y, t)| ((y - mean) * t).powi(2)).sum(),
                )
            }),
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
            cox: fit.cox.clone(),
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
    /// For multinom the response scale is mgcv's: the `K + 1` class probabilities
    /// ([`class_probabilities`](Self::class_probabilities)).
    ///
    /// # Errors
    /// What building the model matrix at `data` refuses (a missing column, an unseen level).
    pub fn predict(&self, data: &DataFrame, response: bool) -> Result<GeneralPrediction> {
        if response && matches!(self.family, GeneralFamily::Multinom { .. }) {
            return self.class_probabilities(data);
        }
        if response && let Some(p) = self.family_response(data)? {
            return Ok(p);
        }
        let vp = self.vp.to_mat();
        let mut fit = Vec::new();
        let mut se = Vec::new();
        for (k, (d, r)) in self.design.designs.iter().zip(&self.design.lpi).enumerate() {
            let data = d.derive(data)?;
            let x = d.model_matrix(&data)?;
            let beta = &self.coefficients[r.clone()];
            let v = vp.as_ref().submatrix(r.start, r.start, r.len(), r.len());
            let xv: Mat<f64> = &x * v;
            if let (true, Some(cox)) = (response, &self.cox) {
                // cox.ph: the survival at each row's time (mgcv's `coxpred`).
                let times = d.response_values(&data)?;
                let mut f = Vec::with_capacity(x.nrows());
                let mut s = Vec::with_capacity(x.nrows());
                let vm = v.to_owned();
                for (i, &t) in times.iter().enumerate() {
                    let row: Vec<f64> = (0..r.len()).map(|j| x[(i, j)]).collect();
                    let eta: f64 = row.iter().zip(beta).map(|(x, b)| x * b).sum();
                    let (sv, se_s) = cox.baseline.survival(t, &row, eta, &vm);
                    f.push(sv);
                    s.push(se_s);
                }
                fit.push(f);
                se.push(s);
                continue;
            }
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

    /// The family's own response-scale prediction (mgcv's family `predict`, e.g. gammals'
    /// mean and log scale, ziplss' expected count), from every predictor's value and their
    /// joint covariance at each row; `None` for a family without one.
    fn family_response(&self, data: &DataFrame) -> Result<Option<GeneralPrediction>> {
        let m = self.design.designs.len();
        if self
            .family
            .response_prediction(&vec![0.0; m], &vec![0.0; m * m])
            .is_none()
        {
            return Ok(None);
        }
        let vp = self.vp.to_mat();
        let mut xs = Vec::with_capacity(m);
        for d in &self.design.designs {
            let data = d.derive(data)?;
            xs.push(d.model_matrix(&data)?);
        }
        let rows = xs.first().map_or(0, |x: &Mat<f64>| x.nrows());
        // X_a V_ab for every pair of predictors.
        let mut xv = Vec::with_capacity(m * m);
        for (a, ra) in self.design.lpi.iter().enumerate() {
            for rb in &self.design.lpi {
                let v = vp.as_ref().submatrix(ra.start, rb.start, ra.len(), rb.len());
                xv.push(&xs[a] * v);
            }
        }
        let mut fit: Vec<Vec<f64>> = Vec::new();
        let mut se: Vec<Vec<f64>> = Vec::new();
        for i in 0..rows {
            let eta: Vec<f64> = self
                .design
                .lpi
                .iter()
                .zip(&xs)
                .map(|(r, x)| (0..r.len()).map(|j| x[(i, j)] * self.coefficients[r.start + j]).sum())
                .collect();
            let mut cov = vec![0.0; m * m];
            for a in 0..m {
                for b in 0..m {
                    let rb = &self.design.lpi[b];
                    cov[a * m + b] = (0..rb.len()).map(|j| xv[a * m + b][(i, j)] * xs[b][(i, j)]).sum();
                }
            }
            let Some((f, s)) = self.family.response_prediction(&eta, &cov) else {
                return Ok(None);
            };
            if fit.is_empty() {
                fit = vec![Vec::with_capacity(rows); f.len()];
                se = vec![Vec::with_capacity(rows); s.len()];
            }
            fit.iter_mut().zip(&f).for_each(|(c, v)| c.push(*v));
            se.iter_mut().zip(&s).for_each(|(c, v)| c.push(*v));
        }
        if rows == 0 {
            let (f, _) = self
                .family
                .response_prediction(&vec![0.0; m], &vec![0.0; m * m])
                .unwrap_or_default();
            fit = vec![Vec::new(); f.len()];
            se = fit.clone();
        }
        Ok(Some(GeneralPrediction { fit, se }))
    }

    /// A multinom model's class probabilities `p_0..p_K` at the rows of `data`
    /// (`fit[j][i]`, `K + 1` columns) with their standard errors: the delta method with the
    /// linear predictors' joint covariance, which mgcv's `predict.gam(type = "response",
    /// se.fit = TRUE)` intends but 1.8-41 does not compute exactly
    /// ([`multinom::probability_se`]).
    ///
    /// # Errors
    /// A model of another family (no class probabilities); what building the model matrix at
    /// `data` refuses.
    pub fn class_probabilities(&self, data: &DataFrame) -> Result<GeneralPrediction> {
        if !matches!(self.family, GeneralFamily::Multinom { .. }) {
            return Err(GamError::Control {
                option: "class probabilities".into(),
                message: format!(
                    "{} models have no classes: predict on the link or response scale",
                    self.family.name()
                ),
            });
        }
        let vp = self.vp.to_mat();
        let mut xs = Vec::with_capacity(self.design.designs.len());
        for d in &self.design.designs {
            let data = d.derive(data)?;
            xs.push(d.model_matrix(&data)?);
        }
        let k = xs.len();
        let n = xs.first().map_or(0, Mat::nrows);
        // X_a V_ab for every pair a ≤ b (at xv[a][b − a]), so that
        // cov(η_a, η_b) = rowsum(X_a V_ab ∘ X_b).
        let xv: Vec<Vec<Mat<f64>>> = (0..k)
            .map(|a| {
                let ra = &self.design.lpi[a];
                (a..k)
                    .map(|b| {
                        let rb = &self.design.lpi[b];
                        &xs[a] * vp.as_ref().submatrix(ra.start, rb.start, ra.len(), rb.len())
                    })
                    .collect()
            })
            .collect();
        let mut fit = vec![Vec::with_capacity(n); k + 1];
        let mut se = vec![Vec::with_capacity(n); k + 1];
        for i in 0..n {
            let eta: Vec<f64> = (0..k)
                .map(|a| {
                    let r = &self.design.lpi[a];
                    (0..r.len())
                        .map(|j| xs[a][(i, j)] * self.coefficients[r.start + j])
                        .sum()
                })
                .collect();
            let cov = |a: usize, b: usize| -> f64 {
                let m = &xv[a][b - a];
                (0..xs[b].ncols()).map(|j| m[(i, j)] * xs[b][(i, j)]).sum()
            };
            let var: Vec<f64> = (0..k).map(|a| cov(a, a)).collect();
            let (p, s) = multinom::probability_se(&eta, &var, cov);
            for j in 0..=k {
                fit[j].push(p[j]);
                se[j].push(s[j]);
            }
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
        GeneralModel::from_json_bytes(&super::read_model_bytes(path)?, path)
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
