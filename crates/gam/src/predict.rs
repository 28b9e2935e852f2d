//! Prediction on new data: the linear predictor or the mean, standard errors
//! from the Bayesian covariance, and per-term contributions, as mgcv's
//! `predict.gam`.
//!
//! New data must have every column the model reads (the response excepted).
//! A row with a missing value there is an error naming the row, or with
//! [`MissingRows::Pass`] (mgcv's `na.pass`) a row of `NaN`; a factor level
//! the model never saw is an error naming the row. Rows are never dropped,
//! so output row i is always input row i. Covariates outside the training
//! range are extrapolated as mgcv's bases do.

use faer::Mat;
use rayon::prelude::*;
use serde::Serialize;

use crate::data::DataFrame;
use crate::design::By;
use crate::design::size::available_bytes;
use crate::error::{GamError, Result, bytes};
use crate::formula::Response;
use crate::linalg::StoredMat;
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

/// What a prediction does with a row whose predictor is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissingRows {
    /// An error naming the row and column (the `gam` command's contract).
    #[default]
    Error,
    /// mgcv's `na.action = na.pass`: the row's fit, standard error, term
    /// contributions and model-matrix row are `NaN`; the other rows are
    /// predicted as usual.
    Pass,
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
    /// Rows with a missing predictor: an error (the default) or `NaN` rows.
    pub missing: MissingRows,
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

/// The class probabilities of an ordered categorical model (mgcv's `predict.gam(type =
/// "response")` for `ocat`), one row of R per input row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassProbabilities {
    /// `P(y = k)` for k = 1..R.
    pub fit: Vec<Vec<f64>>,
    /// Their standard errors by the delta method, `se(η) |∂P/∂η|`, if asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub se_fit: Option<Vec<Vec<f64>>>,
}

impl GamModel {
    /// The class probabilities on `data` of an ordered categorical model, from the linear
    /// predictor and the fitted cut points (mgcv's `ocat()$predict`), with standard errors if
    /// `se`.
    ///
    /// # Errors
    /// [`GamError::Control`] for a model of another family; the errors of
    /// [`GamModel::predict`] on the linear predictor.
    pub fn class_probabilities(&self, data: &DataFrame, se: bool) -> Result<ClassProbabilities> {
        if self.family.classes().is_none() {
            return Err(GamError::Control {
                option: "class probabilities".into(),
                message: format!(
                    "only an ordered categorical (ocat) model has class probabilities; this model's family is {}",
                    self.family.name()
                ),
            });
        }
        let eta = self.predict(
            data,
            &PredictOptions {
                kind: PredictType::Link,
                se,
                ..Default::default()
            },
        )?;
        let cuts = crate::family::ocat::cut_points(&self.theta);
        let (fit, dp): (Vec<Vec<f64>>, Vec<Vec<f64>>) = eta
            .fit
            .iter()
            .map(|&e| crate::family::ocat::class_probabilities(e, &cuts))
            .unzip();
        let se_fit = eta.se_fit.map(|s| {
            s.iter()
                .zip(&dp)
                .map(|(&s, d)| d.iter().map(|v| s * v.abs()).collect())
                .collect()
        });
        Ok(ClassProbabilities { fit, se_fit })
    }

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

    /// The rows of `data` (0-based) with a missing value in a column the
    /// terms read; an unknown column is an error.
    fn missing_rows(&self, data: &DataFrame) -> Result<Vec<bool>> {
        let mut missing = vec![false; data.nrows()];
        for name in self.predictor_columns() {
            let col = data.require_column(&name)?;
            for (i, m) in missing.iter_mut().enumerate() {
                *m |= col.is_missing(i);
            }
        }
        Ok(missing)
    }

    /// Predicts at the rows of `data`. Large data are predicted a chunk of
    /// rows at a time, in parallel, so that the model matrix of all rows is
    /// never held; a bad row is reported as the first one in file order.
    /// With [`MissingRows::Pass`] the rows with a missing predictor are `NaN`.
    pub fn predict(&self, data: &DataFrame, opts: &PredictOptions) -> Result<Prediction> {
        if opts.missing == MissingRows::Pass {
            let missing = self.missing_rows(data)?;
            if missing.iter().any(|&m| m) {
                let keep: Vec<usize> = (0..missing.len()).filter(|&i| !missing[i]).collect();
                let strict = PredictOptions {
                    missing: MissingRows::Error,
                    ..opts.clone()
                };
                let part = self.predict(&data.select_rows(&keep), &strict)?;
                let spread = |v: Vec<f64>| {
                    let mut out = vec![f64::NAN; missing.len()];
                    for (&i, x) in keep.iter().zip(v) {
                        out[i] = x;
                    }
                    out
                };
                return Ok(Prediction {
                    fit: spread(part.fit),
                    se_fit: part.se_fit.map(spread),
                    terms: part
                        .terms
                        .map(|t| t.into_iter().map(|(label, v)| (label, spread(v))).collect()),
                });
            }
        }
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

    /// The model matrix of new data (mgcv's `type = "lpmatrix"`) as a
    /// row-major n x p matrix, with the offset, built a chunk of rows at a
    /// time; its size is checked against the memory available before it is
    /// allocated. With [`MissingRows::Pass`] a row with a missing predictor
    /// is a row of `NaN` (offset included).
    pub fn lp_matrix_stored(&self, data: &DataFrame, missing: MissingRows) -> Result<(StoredMat, Vec<f64>)> {
        let n = data.nrows();
        let p = self.coefficients.len();
        let absent = match missing {
            MissingRows::Pass => self.missing_rows(data)?,
            MissingRows::Error => vec![false; n],
        };
        let needed = 8.0 * n as f64 * p as f64;
        let available = available_bytes();
        if needed > available {
            return Err(GamError::Data {
                column: self.predictor_columns().join(", "),
                row: None,
                message: format!(
                    "the model matrix of {n} rows and {p} columns would need about {} of memory and {} is available: \
                     ask for fewer rows at a time",
                    bytes(needed),
                    bytes(available)
                ),
            });
        }
        let keep: Vec<usize> = (0..n).filter(|&i| !absent[i]).collect();
        let mut out = StoredMat {
            rows: n,
            cols: p,
            data: vec![f64::NAN; n * p],
        };
        let mut offset = vec![f64::NAN; n];
        for chunk in keep.chunks(CHUNK_ROWS) {
            let (x, off) = self.lp_matrix(&data.select_rows(chunk))?;
            for (r, &i) in chunk.iter().enumerate() {
                let row = &mut out.data[i * p..(i + 1) * p];
                for (j, v) in row.iter_mut().enumerate() {
                    *v = x[(r, j)];
                }
                offset[i] = off[r];
            }
        }
        Ok((out, offset))
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
            // For ocat, mgcv's response scale is R class probabilities per row, which one
            // number per row cannot hold.
            PredictType::Response if self.family.classes().is_some() => {
                return Err(GamError::Control {
                    option: "type = response".into(),
                    message: "an ordered categorical (ocat) model's response-scale prediction is its class \
                              probabilities: ask for those (GamModel::class_probabilities), or predict the link"
                        .into(),
                });
            }
            PredictType::Response if self.family.response_mean(0.0, &self.theta).is_some() => {
                // A family whose mean is not the link's inverse (ziP): its own mean and slope.
                let at: Vec<(f64, f64)> = eta
                    .iter()
                    .map(|&e| self.family.response_mean(e, &self.theta).expect("checked above"))
                    .collect();
                let se = se_eta.map(|se| se.iter().zip(&at).map(|(s, a)| s * a.1.abs()).collect());
                (at.iter().map(|a| a.0).collect(), se)
            }
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
