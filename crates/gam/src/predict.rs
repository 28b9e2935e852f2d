//! Prediction on new data: the linear predictor or the mean, standard errors
//! from the Bayesian covariance, and per-term contributions, as mgcv's
//! `predict.gam`.
//!
//! New data must have every column the model reads (the response excepted).
//! A row with a missing value there, or a factor level the model never saw,
//! is an error naming the row: rows are never dropped silently, so output
//! row i is always input row i. Covariates outside the training range are
//! extrapolated as mgcv's bases do.

use faer::Mat;
use rayon::prelude::*;
use serde::Serialize;

use crate::data::DataFrame;
use crate::design::By;
use crate::error::{GamError, Result};
use crate::formula::Response;
use crate::linalg::blocks::{mat_vec, quadratic_diagonal};
use crate::linalg::chunks::{CHUNK_ROWS, row_chunks};
use crate::model::GamModel;

/// The scale predictions are on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PredictType {
    /// The linear predictor η (offset included).
    #[default]
    Link,
    /// The mean μ = g⁻¹(η).
    Response,
}

/// What to compute besides the prediction.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PredictOptions {
    /// Link or response scale.
    pub kind: PredictType,
    /// Standard errors.
    pub se: bool,
    /// Contributions of each term (link scale).
    pub terms: bool,
    /// Terms left out of the prediction, by label as [`Prediction::terms`]
    /// names them (mgcv's `exclude =`): their model-matrix columns are set
    /// to zero, so they contribute nothing to the fit or its standard error.
    pub exclude: Vec<String>,
}

/// Predictions, one per input row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Prediction {
    /// The prediction.
    pub fit: Vec<f64>,
    /// Its standard error, if asked for.
    pub se_fit: Option<Vec<f64>>,
    /// Term labels and contributions (each `fit.len()` long), if asked for.
    pub terms: Option<Vec<(String, Vec<f64>)>>,
}

impl GamModel {
    /// Columns new data must provide: the columns the terms read (through
    /// their expressions: `log(x)` needs `x`), not the response.
    pub fn predictor_columns(&self) -> Vec<String> {
        if self.design.derived.is_empty() {
            let response: Vec<&str> = match &self.design.response {
                Response::Column(c) => vec![c.as_str()],
                Response::Binomial { successes, failures } => vec![successes.as_str(), failures.as_str()],
            };
            return self
                .design
                .columns_used
                .iter()
                .filter(|c| !response.contains(&c.as_str()))
                .cloned()
                .collect();
        }
        self.design.predictor_columns()
    }

    /// The columns the model reads as factors (parametric factors, factor
    /// `by` variables, factor covariates of random effects), so that new data
    /// is read with the same coding even where such a column holds numbers.
    pub fn factor_columns(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let derived = |c: &str| self.design.derived.iter().any(|d| d.name == c);
        // A derived factor (factor(x)) is computed from x, which is read as it is.
        let mut add = |c: &str| {
            if !derived(c) && !out.iter().any(|o| o == c) {
                out.push(c.to_string());
            }
        };
        for t in &self.design.parametric {
            t.factor_columns().into_iter().for_each(&mut add);
        }
        for s in &self.design.smooths {
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

    /// The model matrix of new data (mgcv's `type = "lpmatrix"`), with the offset.
    pub fn lp_matrix(&self, data: &DataFrame) -> Result<(Mat<f64>, Vec<f64>)> {
        for name in self.predictor_columns() {
            let col = data.require_column(&name)?;
            if let Some(i) = (0..data.nrows()).find(|&i| col.is_missing(i)) {
                return Err(GamError::Data {
                    column: name,
                    row: Some(data.original_row(i) + 1),
                    message: "missing value (NA or empty): cannot predict this row".into(),
                });
            }
        }
        crate::fit::finite::check_magnitudes(data, &self.predictor_columns())?;
        let data = self.design.derive(data)?;
        let derived: Vec<String> = self.design.derived.iter().map(|d| d.name.clone()).collect();
        crate::fit::finite::check_magnitudes(&data, &derived)?;
        Ok((self.design.model_matrix(&data)?, self.design.offset(&data)?))
    }

    /// Predicts at the rows of `data`. Large data are predicted a chunk of
    /// rows at a time, in parallel, so that the model matrix of all rows is
    /// never held; a bad row is reported as the first one in file order.
    pub fn predict(&self, data: &DataFrame, opts: &PredictOptions) -> Result<Prediction> {
        let n = data.nrows();
        if n <= CHUNK_ROWS {
            return self.predict_block(data, opts);
        }
        let parts: Vec<Result<Prediction>> = row_chunks(n, CHUNK_ROWS)
            .into_par_iter()
            .map(|r| self.predict_block(&data.select_rows(&r.collect::<Vec<_>>()), opts))
            .collect();
        let mut out = Prediction {
            fit: Vec::with_capacity(n),
            se_fit: opts.se.then(|| Vec::with_capacity(n)),
            terms: None,
        };
        for part in parts {
            let part = part?;
            out.fit.extend(part.fit);
            if let (Some(all), Some(se)) = (out.se_fit.as_mut(), part.se_fit) {
                all.extend(se);
            }
            match (&mut out.terms, part.terms) {
                (None, Some(t)) => out.terms = Some(t),
                (Some(all), Some(t)) => {
                    for ((_, acc), (_, v)) in all.iter_mut().zip(t) {
                        acc.extend(v);
                    }
                }
                _ => {}
            }
        }
        Ok(out)
    }

    /// The columns of the terms `exclude` names, refusing a label that names no term.
    fn excluded_columns(&self, exclude: &[String]) -> Result<Vec<std::ops::Range<usize>>> {
        let terms = self.design.term_columns();
        exclude
            .iter()
            .map(|label| {
                terms
                    .iter()
                    .find(|(l, _)| l == label)
                    .map(|(_, cols)| cols.clone())
                    .ok_or_else(|| GamError::Term {
                        term: label.clone(),
                        message: format!(
                            "cannot be excluded: the model has no such term (its terms: {})",
                            terms.iter().map(|(l, _)| l.as_str()).collect::<Vec<_>>().join(", ")
                        ),
                    })
            })
            .collect()
    }

    /// [`GamModel::predict`] on one block of rows, all in memory.
    fn predict_block(&self, data: &DataFrame, opts: &PredictOptions) -> Result<Prediction> {
        let (mut x, offset) = self.lp_matrix(data)?;
        for cols in self.excluded_columns(&opts.exclude)? {
            for j in cols {
                x.col_mut(j).fill(0.0);
            }
        }
        let beta = &self.coefficients;
        let eta: Vec<f64> = mat_vec(&x, beta).iter().zip(&offset).map(|(e, o)| e + o).collect();
        let se_eta = opts.se.then(|| {
            quadratic_diagonal(&x, &self.vp.to_mat())
                .into_iter()
                .map(|v| v.max(0.0).sqrt())
                .collect::<Vec<f64>>()
        });
        let terms = opts.terms.then(|| self.term_contributions(&x, &opts.exclude));
        let (fit, se_fit) = match opts.kind {
            PredictType::Link => (eta, se_eta),
            // mgcv's predict.gam(type = "response"): μ = g⁻¹(η), and the
            // delta method gives se(μ) = |dμ/dη| se(η).
            PredictType::Response => {
                let link = self.link;
                let se = se_eta.map(|se| se.iter().zip(&eta).map(|(s, &e)| s * link.mu_eta(e).abs()).collect());
                (eta.iter().map(|&e| link.inverse(e)).collect(), se)
            }
        };
        // A prediction that overflowed is an error, never a NaN in the output.
        let bad = (0..fit.len()).find(|&i| !fit[i].is_finite() || se_fit.as_ref().is_some_and(|se| !se[i].is_finite()));
        if let Some(i) = bad {
            return Err(GamError::Data {
                column: self.predictor_columns().join(", "),
                row: Some(data.original_row(i) + 1),
                message: format!(
                    "the prediction is not finite ({}{}): the row's values are too extreme for this model",
                    fit[i],
                    se_fit
                        .as_ref()
                        .map(|se| format!(", standard error {}", se[i]))
                        .unwrap_or_default()
                ),
            });
        }
        Ok(Prediction { fit, se_fit, terms })
    }

    fn term_contributions(&self, x: &Mat<f64>, exclude: &[String]) -> Vec<(String, Vec<f64>)> {
        let beta = &self.coefficients;
        let n = x.nrows();
        self.design
            .term_columns()
            .into_iter()
            .filter(|(label, _)| !exclude.contains(label))
            .map(|(label, cols)| {
                let values = (0..n)
                    .map(|i| cols.clone().map(|j| x[(i, j)] * beta[j]).sum())
                    .collect();
                (label, values)
            })
            .collect()
    }
}
