//! General families (`gam::GeneralGam` → `gam::FittedGeneralGam`): the unfitted model
//! ([`PyGeneralSpec`]), the fit with the GIL released, and the fitted model
//! ([`PyGeneralFitted`]) with its accessors, prediction, summary and model file.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use gam::{FitOptions, FittedGeneralGam, GamError, GeneralGam, Method, PredictType};
use numpy::{PyArray1, PyArray2, PyArrayMethods};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::errors::to_py;
use crate::frame::PyFrame;
use crate::observer::PyObserver;
use crate::spec::PyCache;

/// A general-family model to fit (`gam::GeneralGam`).
#[pyclass(frozen, module = "warmgam._warmgam", name = "GeneralSpec")]
pub struct PyGeneralSpec(pub GeneralGam);

#[pymethods]
impl PyGeneralSpec {
    /// The columns a fit reads: the formulas' and cox.ph's event indicator.
    fn columns(&self) -> Vec<String> {
        self.0.columns()
    }

    /// The formula as written.
    #[getter]
    fn formula(&self) -> String {
        self.0.formula().to_string()
    }

    fn __repr__(&self) -> String {
        format!("<warmgam GeneralSpec: {} ({})>", self.0.formula(), self.0.family())
    }
}

/// The general-family model of `formula` (a list, or cox.ph's one formula with its event
/// indicator as `weights`), each argument checked by the engine; the options general
/// families do not support yet are refused when fitted, naming them.
#[pyfunction]
#[pyo3(signature = (formula, family, weights=None, method="REML", gamma=1.0, sp=None, min_sp=None,
                    knots=None, select=false, convergence="auto"))]
#[allow(clippy::too_many_arguments)] // mgcv's arguments, one each
pub fn general_spec(
    formula: &str,
    family: &str,
    weights: Option<&str>,
    method: &str,
    gamma: f64,
    sp: Option<Vec<f64>>,
    min_sp: Option<Vec<f64>>,
    knots: Option<BTreeMap<String, Vec<f64>>>,
    select: bool,
    convergence: &str,
) -> PyResult<PyGeneralSpec> {
    let make = || -> Result<GeneralGam, GamError> {
        let mut spec = GeneralGam::new(formula, family)?;
        if let Some(w) = weights {
            spec = spec.weights(w)?;
        }
        let options = FitOptions {
            method: Method::parse(method)?,
            gamma,
            sp,
            min_sp,
            select,
            knots: knots.unwrap_or_default(),
            ..FitOptions::default()
        };
        spec.options(options).convergence(convergence)
    };
    make().map(PyGeneralSpec).map_err(to_py)
}

/// Whether `family` names a general family (the front end picks the fit by it).
#[pyfunction]
pub fn is_general_family(family: &str) -> bool {
    GeneralGam::is_general_family(family)
}

/// Fits `spec` to `frame` (through `cache`, if given) with the GIL released; Ctrl-C and
/// `progress` as for one-predictor fits.
#[pyfunction]
#[pyo3(signature = (spec, frame, cache=None, progress=None))]
pub fn fit_general(
    py: Python<'_>,
    spec: &PyGeneralSpec,
    frame: &PyFrame,
    cache: Option<&PyCache>,
    progress: Option<Py<PyAny>>,
) -> PyResult<PyGeneralFitted> {
    let mut model = spec.0.clone();
    if let Some(c) = cache {
        model = model.cache(&c.0);
    }
    let data = Arc::clone(&frame.0);
    let mut observer = PyObserver::new(progress);
    let result = py.detach(|| model.fit_observed(&data, &mut observer));
    if let Some(err) = observer.take_error() {
        if let Err(e) = &result {
            err.add_note(py, e.to_string())?;
        }
        return Err(err);
    }
    Ok(PyGeneralFitted(result.map_err(to_py)?))
}

/// `kind` as the engine's scale.
fn scale(kind: &str) -> PyResult<PredictType> {
    match kind {
        "link" => Ok(PredictType::Link),
        "response" => Ok(PredictType::Response),
        other => Err(to_py(GamError::BadOption {
            option: "type".into(),
            message: format!("'{other}' is not a prediction scale of a general family (use link or response)"),
        })),
    }
}

/// Column-major values (`columns[k][i]`) as an n × m numpy array.
fn by_rows<'py>(py: Python<'py>, columns: &[Vec<f64>]) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let n = columns.first().map_or(0, Vec::len);
    let m = columns.len();
    let mut data = Vec::with_capacity(n * m);
    for i in 0..n {
        data.extend(columns.iter().map(|c| c[i]));
    }
    PyArray1::from_vec(py, data).reshape([n, m])
}

/// The outputs of `predict`: column names, values (n × m) and standard errors (n × m).
type Predicted<'py> = (Vec<String>, Bound<'py, PyArray2<f64>>, Bound<'py, PyArray2<f64>>);

/// A fitted general-family model (`gam::FittedGeneralGam`).
#[pyclass(frozen, module = "warmgam._warmgam", name = "GeneralFitted")]
pub struct PyGeneralFitted(pub FittedGeneralGam);

#[pymethods]
impl PyGeneralFitted {
    /// The formula as written.
    #[getter]
    fn formula(&self) -> String {
        self.0.formula().to_string()
    }

    /// Each linear predictor's formula.
    #[getter]
    fn formulas(&self) -> Vec<String> {
        self.0.formulas().to_vec()
    }

    /// The family as the `gam` command spells it.
    #[getter]
    fn family(&self) -> String {
        self.0.family()
    }

    /// Each linear predictor's link (mgcv's names).
    #[getter]
    fn links(&self) -> Vec<String> {
        self.0.links().into_iter().map(String::from).collect()
    }

    /// The number of linear predictors.
    #[getter]
    fn n_predictors(&self) -> usize {
        self.0.n_predictors()
    }

    /// The coefficients, predictor after predictor.
    #[getter]
    fn coefficients<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_slice(py, self.0.coefficients())
    }

    /// mgcv's coefficient names.
    #[getter]
    fn coefficient_names(&self) -> Vec<String> {
        self.0.coefficient_names().to_vec()
    }

    /// The Bayesian posterior covariance (mgcv's `Vp`).
    #[getter]
    fn vp<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let m = self.0.covariance();
        PyArray1::from_vec(py, m.data.clone()).reshape([m.rows, m.cols])
    }

    /// Bayesian standard errors of the coefficients.
    #[getter]
    fn standard_errors<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_vec(py, self.0.standard_errors())
    }

    /// Total EDF.
    #[getter]
    fn edf_total(&self) -> f64 {
        self.0.edf_total()
    }

    /// The smooths: label, EDF, first and one-past-last coefficient.
    #[getter]
    fn smooths(&self) -> Vec<(String, f64, usize, usize)> {
        self.0
            .smooths()
            .into_iter()
            .map(|s| (s.label, s.edf, s.coefficients.start, s.coefficients.end))
            .collect()
    }

    /// The smoothing parameters.
    #[getter]
    fn sp<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_slice(py, self.0.smoothing_parameters())
    }

    /// Their names.
    #[getter]
    fn sp_names(&self) -> Vec<String> {
        self.0.smoothing_parameter_names().to_vec()
    }

    /// The REML criterion.
    #[getter]
    fn criterion(&self) -> f64 {
        self.0.criterion()
    }

    /// `REML`.
    #[getter]
    fn method(&self) -> String {
        self.0.method().to_string()
    }

    /// The log-likelihood.
    #[getter]
    fn log_likelihood(&self) -> f64 {
        self.0.log_likelihood()
    }

    /// The deviance.
    #[getter]
    fn deviance(&self) -> f64 {
        self.0.deviance()
    }

    /// The null deviance.
    #[getter]
    fn null_deviance(&self) -> f64 {
        self.0.null_deviance()
    }

    /// Rows used.
    #[getter]
    fn n(&self) -> usize {
        self.0.n()
    }

    /// Rows dropped for a missing value.
    #[getter]
    fn n_dropped(&self) -> usize {
        self.0.n_dropped()
    }

    /// Whether the outer iteration converged.
    #[getter]
    fn converged(&self) -> bool {
        self.0.converged()
    }

    /// Outer iterations.
    #[getter]
    fn iterations(&self) -> usize {
        self.0.iterations()
    }

    /// Where the fit started, in words (`None` when loaded).
    #[getter]
    fn cache_status(&self) -> Option<String> {
        self.0.cache_status()
    }

    /// Why the cache could not be used, if it could not.
    #[getter]
    fn cache_warning(&self) -> Option<String> {
        self.0.cache_warning().map(String::from)
    }

    /// The columns new data must hold for a prediction on scale `kind`.
    fn predictor_columns(&self, kind: &str) -> PyResult<Vec<String>> {
        Ok(self.0.predictor_columns(scale(kind)?))
    }

    /// The columns the model reads as factors.
    #[getter]
    fn factor_columns(&self) -> Vec<String> {
        self.0.factor_columns()
    }

    /// Predicts at the rows of `frame` on scale `kind` (GIL released): column names, values
    /// and standard errors as n × m arrays.
    fn predict<'py>(&self, py: Python<'py>, frame: &PyFrame, kind: &str) -> PyResult<Predicted<'py>> {
        let kind = scale(kind)?;
        let data = Arc::clone(&frame.0);
        let p = py.detach(|| self.0.predict(&data, kind)).map_err(to_py)?;
        Ok((p.columns.clone(), by_rows(py, &p.fit)?, by_rows(py, &p.se)?))
    }

    /// mgcv's summary printout: the bytes `gam fit` prints.
    fn summary(&self, py: Python<'_>) -> String {
        py.detach(|| self.0.summary())
    }

    /// The JSON `gam fit --json` (or, for a loaded model, `gam summary --json`) prints.
    fn report_json(&self, py: Python<'_>) -> PyResult<String> {
        py.detach(|| self.0.report_json()).map_err(to_py)
    }

    /// The model file's JSON.
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        py.detach(|| self.0.to_json()).map_err(to_py)
    }

    /// A model from its JSON (bytes or str), refused unless consistent.
    #[staticmethod]
    fn from_json(py: Python<'_>, json: &Bound<'_, PyAny>) -> PyResult<PyGeneralFitted> {
        let text = json_text(json)?;
        py.detach(|| FittedGeneralGam::from_json(&text))
            .map(PyGeneralFitted)
            .map_err(to_py)
    }

    /// Whether the JSON (bytes or str) is a general-family model's.
    #[staticmethod]
    fn is_general_json(json: &Bound<'_, PyAny>) -> PyResult<bool> {
        Ok(FittedGeneralGam::is_general_json(&json_text(json)?))
    }

    /// Whether the file at `path` holds a general-family model.
    #[staticmethod]
    fn is_general_file(py: Python<'_>, path: PathBuf) -> bool {
        py.detach(|| FittedGeneralGam::is_general_file(&path))
    }

    /// Writes the model file atomically.
    fn save(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        py.detach(|| self.0.save(&path)).map_err(to_py)
    }

    /// Reads a model file written by `save` or `gam fit --family ... --out`.
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<PyGeneralFitted> {
        py.detach(|| FittedGeneralGam::load(&path))
            .map(PyGeneralFitted)
            .map_err(to_py)
    }

    fn __repr__(&self) -> String {
        format!(
            "<warmgam GeneralFitted: {} ({}), n = {}, REML = {:.6}>",
            self.0.formula(),
            self.0.family(),
            self.0.n(),
            self.0.criterion()
        )
    }
}

/// A str or UTF-8 bytes as a string.
fn json_text(json: &Bound<'_, PyAny>) -> PyResult<String> {
    match json.cast::<PyBytes>() {
        Ok(b) => String::from_utf8(b.as_bytes().to_vec())
            .map_err(|e| pyo3::exceptions::PyValueError::new_err(format!("model JSON is not UTF-8: {e}"))),
        Err(_) => json.extract(),
    }
}
