//! The fitted model ([`PyFitted`], a `gam::FittedGam`): accessors as numpy
//! arrays, prediction (GIL released), mgcv's summary, the model file.

use std::path::PathBuf;
use std::sync::Arc;

use gam::{
    CheckOptions, FittedGam, Frame, Matrix, MissingRows, PlotOptions, PredictOptions, PredictType, ResidualType,
    SampleOptions,
};
use numpy::{PyArray1, PyArray2, PyArrayMethods};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::errors::to_py;
use crate::frame::PyFrame;

/// A fitted model; `training` is the frame it was fitted to (formula
/// columns only), kept for residuals; `None` after loading a file.
#[pyclass(frozen, module = "warmgam._warmgam", name = "Fitted")]
pub struct PyFitted {
    /// The engine's model.
    pub inner: FittedGam,
    /// The data of the fit, if this process made it.
    pub training: Option<Arc<Frame>>,
}

/// A row-major engine matrix as a 2-D numpy array (one move of its data).
fn matrix<'py>(py: Python<'py>, m: &Matrix) -> PyResult<Bound<'py, PyArray2<f64>>> {
    PyArray1::from_vec(py, m.data.clone()).reshape([m.rows, m.cols])
}

/// `na_action` as the engine's [`MissingRows`].
fn missing_rows(na_action: &str) -> PyResult<MissingRows> {
    match na_action {
        "pass" => Ok(MissingRows::Pass),
        "error" => Ok(MissingRows::Error),
        other => Err(to_py(gam::GamError::BadOption {
            option: "na_action".into(),
            message: format!("'{other}' is not an action for missing values (use pass or error)"),
        })),
    }
}

/// Values per kept row, and the rows (0-based).
type Rows<'py> = (Bound<'py, PyArray1<f64>>, Bound<'py, PyArray1<u64>>);

/// Fitted values, linear predictor and the rows (0-based).
type Fitted<'py> = (
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<u64>>,
);

fn rows(py: Python<'_>, rows: Vec<usize>) -> Bound<'_, PyArray1<u64>> {
    PyArray1::from_vec(py, rows.into_iter().map(|r| r as u64).collect())
}

impl PyFitted {
    /// `frame`, else the data of the fit; an error for a loaded model.
    fn training_or(&self, frame: Option<&PyFrame>) -> PyResult<Arc<Frame>> {
        match (frame, &self.training) {
            (Some(f), _) => Ok(Arc::clone(&f.0)),
            (None, Some(t)) => Ok(Arc::clone(t)),
            (None, None) => Err(pyo3::exceptions::PyValueError::new_err(
                "this model was loaded from a file and holds no data: pass the data it was fitted to",
            )),
        }
    }
}

/// The outputs of `lp_matrix`: the model matrix and the offset.
type LpMatrix<'py> = (Bound<'py, PyArray2<f64>>, Bound<'py, PyArray1<f64>>);

/// The outputs of `predict`: fit, standard errors, per-term contributions.
type Predicted<'py> = (
    Bound<'py, PyArray1<f64>>,
    Option<Bound<'py, PyArray1<f64>>>,
    Vec<(String, Bound<'py, PyArray1<f64>>)>,
);

#[pymethods]
impl PyFitted {
    /// The formula as written.
    #[getter]
    fn formula(&self) -> String {
        self.inner.formula().to_string()
    }

    /// R's name of the family.
    #[getter]
    fn family(&self) -> String {
        self.inner.family().name().to_string()
    }

    /// R's name of the link.
    #[getter]
    fn link(&self) -> String {
        self.inner.link().name().to_string()
    }

    /// The coefficients (mgcv's `coef`).
    #[getter]
    fn coefficients<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_slice(py, self.inner.coefficients())
    }

    /// mgcv's coefficient names.
    #[getter]
    fn coefficient_names(&self) -> Vec<String> {
        self.inner.coefficient_names()
    }

    /// The Bayesian posterior covariance (mgcv's `Vp`).
    #[getter]
    fn vp<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<f64>>> {
        matrix(py, self.inner.covariance())
    }

    /// The frequentist covariance (mgcv's `Ve`).
    #[getter]
    fn ve<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<f64>>> {
        matrix(py, self.inner.frequentist_covariance())
    }

    /// Bayesian standard errors of the coefficients.
    #[getter]
    fn standard_errors<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_vec(py, self.inner.standard_errors())
    }

    /// Effective degrees of freedom per coefficient (mgcv's `edf`).
    #[getter]
    fn edf<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_slice(py, self.inner.edf())
    }

    /// Total effective degrees of freedom.
    #[getter]
    fn edf_total(&self) -> f64 {
        self.inner.edf_total()
    }

    /// The smooth terms: `(label, edf, first coefficient, end)`.
    #[getter]
    fn smooths(&self) -> Vec<(String, f64, usize, usize)> {
        self.inner
            .smooths()
            .into_iter()
            .map(|s| (s.label, s.edf, s.coefficients.start, s.coefficients.end))
            .collect()
    }

    /// The smoothing parameters (mgcv's `sp`).
    #[getter]
    fn sp<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_slice(py, self.inner.smoothing_parameters())
    }

    /// mgcv's names of the smoothing parameters.
    #[getter]
    fn sp_names(&self) -> Vec<String> {
        self.inner.smoothing_parameter_names()
    }

    /// The scale parameter (mgcv's `sig2`).
    #[getter]
    fn scale(&self) -> f64 {
        self.inner.scale()
    }

    /// Whether the scale was estimated.
    #[getter]
    fn scale_estimated(&self) -> bool {
        self.inner.scale_estimated()
    }

    /// The estimated family parameter (negative binomial θ, Tweedie p, beta regression φ), if any.
    #[getter]
    fn theta(&self) -> Option<f64> {
        self.inner.theta()
    }

    /// The estimated family parameters as mgcv's `family$getTheta(TRUE)` gives them (scaled t:
    /// ν and σ); empty for a family without any.
    #[getter]
    fn family_parameters(&self) -> Vec<f64> {
        self.inner.family_parameters()
    }

    /// The minimised criterion (mgcv's `gcv.ubre`).
    #[getter]
    fn criterion(&self) -> f64 {
        self.inner.criterion()
    }

    /// Which criterion was minimised, as mgcv names it (`REML`, `ML`, `GCV`, ...).
    #[getter]
    fn method(&self) -> String {
        self.inner.method().to_string()
    }

    /// Residual deviance.
    #[getter]
    fn deviance(&self) -> f64 {
        self.inner.deviance()
    }

    /// Null deviance.
    #[getter]
    fn null_deviance(&self) -> f64 {
        self.inner.null_deviance()
    }

    /// Proportion of the null deviance explained.
    #[getter]
    fn deviance_explained(&self) -> f64 {
        self.inner.deviance_explained()
    }

    /// The log-likelihood (mgcv's `logLik`).
    #[getter]
    fn log_likelihood(&self) -> f64 {
        self.inner.log_likelihood()
    }

    /// AIC.
    #[getter]
    fn aic(&self) -> f64 {
        self.inner.aic()
    }

    /// Rows used in the fit.
    #[getter]
    fn n(&self) -> usize {
        self.inner.n()
    }

    /// Rows dropped for a missing value.
    #[getter]
    fn n_dropped(&self) -> usize {
        self.inner.n_dropped()
    }

    /// Whether the smoothing-parameter search converged.
    #[getter]
    fn converged(&self) -> bool {
        self.inner.converged()
    }

    /// Outer iterations.
    #[getter]
    fn iterations(&self) -> usize {
        self.inner.iterations()
    }

    /// What to know about the data or the fit (R's warnings).
    #[getter]
    fn warnings(&self) -> Vec<String> {
        self.inner.warnings().to_vec()
    }

    /// Where the fit started: `exact hit`, `resumed from checkpoint at
    /// iteration i`, `seeded from a related fit`, `cold start`; `None` for a
    /// model loaded from a file.
    #[getter]
    fn cache_status(&self) -> Option<String> {
        self.inner.cache_status()
    }

    /// Why the cache could not be used, if it could not.
    #[getter]
    fn cache_warning(&self) -> Option<String> {
        self.inner.cache_warning().map(str::to_string)
    }

    /// The columns new data must provide for prediction.
    #[getter]
    fn predictor_columns(&self) -> Vec<String> {
        self.inner.predictor_columns()
    }

    /// The columns the model reads as factors (new data reads them so too).
    #[getter]
    fn factor_columns(&self) -> Vec<String> {
        self.inner.factor_columns()
    }

    /// Whether this object holds the data it was fitted to.
    #[getter]
    fn has_training_data(&self) -> bool {
        self.training.is_some()
    }

    /// Predictions at the rows of `frame` with the GIL released: `kind`
    /// `link` or `response`; standard errors with `se`, term contributions
    /// with `terms`; `exclude` names terms left out (mgcv's `exclude`); a row
    /// with a missing predictor is NaN (`na_action="pass"`, mgcv's) or an
    /// error naming it (`"error"`, the `gam` command's).
    #[pyo3(signature = (frame, kind="link", se=false, terms=false, exclude=Vec::new(), na_action="pass"))]
    #[allow(clippy::too_many_arguments)] // mgcv's predict.gam arguments
    fn predict<'py>(
        &self,
        py: Python<'py>,
        frame: &PyFrame,
        kind: &str,
        se: bool,
        terms: bool,
        exclude: Vec<String>,
        na_action: &str,
    ) -> PyResult<Predicted<'py>> {
        let missing = missing_rows(na_action)?;
        let kind = match kind {
            "link" => PredictType::Link,
            "response" => PredictType::Response,
            other => {
                return Err(to_py(gam::GamError::BadOption {
                    option: "type".into(),
                    message: format!("'{other}' is not a prediction type (use link, response, terms or lpmatrix)"),
                }));
            }
        };
        let options = PredictOptions {
            kind,
            se,
            terms,
            exclude,
            missing,
        };
        let data = Arc::clone(&frame.0);
        let p = py.detach(|| self.inner.predict(&data, &options)).map_err(to_py)?;
        let terms = p
            .terms
            .unwrap_or_default()
            .into_iter()
            .map(|(label, v)| (label, PyArray1::from_vec(py, v)))
            .collect();
        Ok((
            PyArray1::from_vec(py, p.fit),
            p.se_fit.map(|s| PyArray1::from_vec(py, s)),
            terms,
        ))
    }

    /// The model matrix at the rows of `frame` (mgcv's `type = "lpmatrix"`)
    /// and the offset per row, with the GIL released: `X @ coefficients +
    /// offset` is the link prediction.
    #[pyo3(signature = (frame, na_action="pass"))]
    fn lp_matrix<'py>(&self, py: Python<'py>, frame: &PyFrame, na_action: &str) -> PyResult<LpMatrix<'py>> {
        let missing = missing_rows(na_action)?;
        let data = Arc::clone(&frame.0);
        let (x, offset) = py.detach(|| self.inner.lp_matrix(&data, missing)).map_err(to_py)?;
        Ok((
            PyArray1::from_vec(py, x.data).reshape([x.rows, x.cols])?,
            PyArray1::from_vec(py, offset),
        ))
    }

    /// mgcv's `residuals.gam` of type `kind` (deviance, pearson,
    /// scaled.pearson, working, response) at the rows of `frame` (else the
    /// data this object was fitted to) kept by na.omit, and those rows
    /// (0-based), with the GIL released.
    #[pyo3(signature = (kind="deviance", frame=None))]
    fn residuals<'py>(&self, py: Python<'py>, kind: &str, frame: Option<&PyFrame>) -> PyResult<Rows<'py>> {
        let kind = ResidualType::parse(kind).map_err(to_py)?;
        let data = self.training_or(frame)?;
        let r = py.detach(|| self.inner.residuals(&data, kind)).map_err(to_py)?;
        Ok((PyArray1::from_vec(py, r.values), rows(py, r.rows)))
    }

    /// mgcv's fitted values (`mu`) and linear predictor (`eta`) at the rows
    /// of `frame` (else the training data) kept by na.omit, and those rows.
    #[pyo3(signature = (frame=None))]
    fn fitted_values<'py>(&self, py: Python<'py>, frame: Option<&PyFrame>) -> PyResult<Fitted<'py>> {
        let data = self.training_or(frame)?;
        let f = py.detach(|| self.inner.fitted_values(&data)).map_err(to_py)?;
        Ok((
            PyArray1::from_vec(py, f.mu),
            PyArray1::from_vec(py, f.eta),
            rows(py, f.rows),
        ))
    }

    /// What mgcv's `plot.gam` draws for each smooth term, on `frame` (else
    /// the training data), as the JSON document `gam plot --json` prints.
    #[pyo3(signature = (frame=None, n=100, n2=40, too_far=0.1, se_with_mean=false, residuals=false, all_terms=false, se=None))]
    #[allow(clippy::too_many_arguments)]
    fn plot_json(
        &self,
        py: Python<'_>,
        frame: Option<&PyFrame>,
        n: usize,
        n2: usize,
        too_far: f64,
        se_with_mean: bool,
        residuals: bool,
        all_terms: bool,
        se: Option<f64>,
    ) -> PyResult<String> {
        let data = self.training_or(frame)?;
        let opts = PlotOptions {
            n,
            n2,
            too_far,
            se_with_mean,
            residuals,
            all_terms,
            se_mult: se,
            ..PlotOptions::default()
        };
        let terms = py.detach(|| self.inner.plot_data(&data, &opts)).map_err(to_py)?;
        gam::expert::report::json_text(&gam::expert::report::PlotJson::new(terms))
            .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))
    }

    /// mgcv's `gam.check` on `frame` (else the training data): what it
    /// prints and the `gam check --json` document.
    #[pyo3(signature = (frame=None, seed=1, k_rep=200, k_sample=5000))]
    fn check(
        &self,
        py: Python<'_>,
        frame: Option<&PyFrame>,
        seed: u64,
        k_rep: usize,
        k_sample: usize,
    ) -> PyResult<(String, String)> {
        let data = self.training_or(frame)?;
        let mut opts = CheckOptions::default();
        opts.k.seed = seed;
        opts.k.n_rep = k_rep;
        opts.k.subsample = k_sample;
        let c = py.detach(|| self.inner.check(&data, &opts)).map_err(to_py)?;
        let json = gam::expert::report::json_text(&c.json())
            .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
        Ok((c.to_string(), json))
    }

    /// mgcv's `concurvity(b, full)` on `frame` (else the training data): what
    /// R prints and the `gam concurvity --json` document.
    #[pyo3(signature = (frame=None, full=true))]
    fn concurvity(&self, py: Python<'_>, frame: Option<&PyFrame>, full: bool) -> PyResult<(String, String)> {
        let data = self.training_or(frame)?;
        let c = py.detach(|| self.inner.concurvity(&data, full)).map_err(to_py)?;
        let json =
            gam::expert::report::json_text(&c).map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
        Ok((c.to_string(), json))
    }

    /// `n` posterior draws of the coefficients (an n x p array), seeded; with
    /// `frame`, the fitted values of each draw at its rows instead (n x rows).
    #[pyo3(signature = (n, seed, frame=None, kind="link", unconditional=false))]
    fn sample<'py>(
        &self,
        py: Python<'py>,
        n: usize,
        seed: u64,
        frame: Option<&PyFrame>,
        kind: &str,
        unconditional: bool,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let kind = match kind {
            "link" => PredictType::Link,
            "response" => PredictType::Response,
            other => {
                return Err(pyo3::exceptions::PyValueError::new_err(format!(
                    "type={other:?}: give \"link\" or \"response\""
                )));
            }
        };
        let frame = frame.map(|f| Arc::clone(&f.0));
        let rows = py
            .detach(|| -> gam::Result<Vec<Vec<f64>>> {
                let draws = self.inner.posterior_draws(&SampleOptions { n, seed, unconditional })?;
                Ok(match &frame {
                    Some(f) => self.inner.fitted_draws(f, &draws, kind)?.fit,
                    None => draws.draws,
                })
            })
            .map_err(to_py)?;
        let cols = rows.first().map_or(0, Vec::len);
        let flat: Vec<f64> = rows.into_iter().flatten().collect();
        PyArray1::from_vec(py, flat).reshape([n, cols])
    }

    /// mgcv's `summary.gam` printout: the bytes `gam fit` prints.
    fn summary(&self, py: Python<'_>) -> String {
        py.detach(|| self.inner.summary().to_string())
    }

    /// The model file's JSON (what `save` writes).
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        py.detach(|| self.inner.to_json()).map_err(to_py)
    }

    /// A model from its JSON (bytes or str), refused unless consistent.
    #[staticmethod]
    fn from_json(py: Python<'_>, json: &Bound<'_, PyAny>) -> PyResult<PyFitted> {
        let text: String = match json.cast::<PyBytes>() {
            Ok(b) => String::from_utf8(b.as_bytes().to_vec())
                .map_err(|e| pyo3::exceptions::PyValueError::new_err(format!("model JSON is not UTF-8: {e}")))?,
            Err(_) => json.extract()?,
        };
        let inner = py.detach(|| FittedGam::from_json(&text)).map_err(to_py)?;
        Ok(PyFitted { inner, training: None })
    }

    /// Writes the model file atomically (`gam summary`/`gam predict` read it).
    fn save(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        py.detach(|| self.inner.save(&path)).map_err(to_py)
    }

    /// Reads a model file written by `save` or `gam fit --out`.
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<PyFitted> {
        let inner = py.detach(|| FittedGam::load(&path)).map_err(to_py)?;
        Ok(PyFitted { inner, training: None })
    }

    fn __repr__(&self) -> String {
        format!(
            "<warmgam Fitted: {} ({}, {}), n = {}, edf = {:.3}, {} = {:.6}>",
            self.inner.formula(),
            self.inner.family().name(),
            self.inner.link().name(),
            self.inner.n(),
            self.inner.edf_total(),
            self.inner.method(),
            self.inner.criterion()
        )
    }
}
