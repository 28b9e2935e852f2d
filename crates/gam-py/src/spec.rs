//! The unfitted model ([`PySpec`], a `gam::Gam`), the warm-start cache
//! ([`PyCache`]) and the fit itself, run with the GIL released.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use gam::{Cache, Gam, GamError};
use pyo3::prelude::*;

use crate::errors::to_py;
use crate::fitted::PyFitted;
use crate::frame::PyFrame;
use crate::observer::PyObserver;

/// A model to fit: formula, family, link, weights and options (`gam::Gam`).
#[pyclass(frozen, module = "warmgam._warmgam", name = "Spec")]
pub struct PySpec(pub Gam);

#[pymethods]
impl PySpec {
    /// The columns a fit reads: the formula's variables (through their
    /// expressions), offsets and the weights column.
    fn columns(&self) -> Vec<String> {
        self.0.columns()
    }

    /// The response's columns (`cbind(s, f)` has two).
    fn response_columns(&self) -> Vec<String> {
        self.0.response_columns()
    }

    /// The formula as written.
    #[getter]
    fn formula(&self) -> String {
        self.0.formula().to_string()
    }

    fn __repr__(&self) -> String {
        format!("<warmgam Spec: {}>", self.0.formula())
    }
}

/// The model of `formula` with the family, link and options of mgcv's
/// `gam()` arguments, each checked by the engine (an `OptionError` naming
/// the argument).
#[pyfunction]
#[pyo3(signature = (formula, family="gaussian", link=None, weights=None, method="REML", scale=0.0,
                    gamma=1.0, sp=None, min_sp=None, knots=None, select=false, convergence="auto"))]
#[allow(clippy::too_many_arguments)] // mgcv's arguments, one each
pub fn spec(
    formula: &str,
    family: &str,
    link: Option<&str>,
    weights: Option<&str>,
    method: &str,
    scale: f64,
    gamma: f64,
    sp: Option<Vec<f64>>,
    min_sp: Option<Vec<f64>>,
    knots: Option<BTreeMap<String, Vec<f64>>>,
    select: bool,
    convergence: &str,
) -> PyResult<PySpec> {
    let make = || -> Result<Gam, GamError> {
        let mut model = Gam::new(formula)?
            .with_family_names(family, link)?
            .method(method)?
            .scale(scale)?
            .gamma(gamma)?
            .select(select)
            .knots(knots.unwrap_or_default())?
            .convergence(convergence)?;
        if let Some(w) = weights {
            model = model.weights(w);
        }
        if let Some(sp) = sp {
            model = model.sp(sp);
        }
        if let Some(min_sp) = min_sp {
            model = model.min_sp(min_sp);
        }
        Ok(model)
    };
    make().map(PySpec).map_err(to_py)
}

/// The formula of the additive default model of `response` on every other
/// column of `frame` (`gam::Gam::additive`: smooths of the numeric columns
/// with enough distinct values, linear and factor terms of the others), for
/// data given without a formula.
#[pyfunction]
pub fn additive_formula(response: &str, frame: &PyFrame) -> PyResult<String> {
    Gam::additive(response, &frame.0)
        .map(|model| model.formula().to_string())
        .map_err(to_py)
}

/// A warm-start cache directory, shared with the `gam` command.
#[pyclass(frozen, module = "warmgam._warmgam", name = "Cache")]
pub struct PyCache(pub Cache);

#[pymethods]
impl PyCache {
    /// The directory.
    #[getter]
    fn dir(&self) -> PathBuf {
        self.0.dir().to_path_buf()
    }

    fn __repr__(&self) -> String {
        format!("<warmgam Cache at {}>", self.0.dir().display())
    }
}

/// The cache in `dir` (created if missing), or with `None` the `gam`
/// command's default: `$GAM_CACHE_DIR`, else the platform cache directory.
#[pyfunction]
#[pyo3(signature = (dir=None))]
pub fn open_cache(py: Python<'_>, dir: Option<PathBuf>) -> PyResult<PyCache> {
    py.detach(|| match dir {
        Some(d) => Cache::open(d),
        None => Cache::open_default(),
    })
    .map(PyCache)
    .map_err(to_py)
}

/// Fits `spec` to `frame` (through `cache`, if given) with the GIL released.
/// Ctrl-C stops the fit within about 100 ms of its next outer iterate and
/// raises `KeyboardInterrupt` (a note says where it stopped); `progress`,
/// if given, is called as `progress(iteration, score, elapsed_seconds)` at
/// most every 100 ms.
#[pyfunction]
#[pyo3(signature = (spec, frame, cache=None, verify_cache=false, progress=None))]
pub fn fit(
    py: Python<'_>,
    spec: &PySpec,
    frame: &PyFrame,
    cache: Option<&PyCache>,
    verify_cache: bool,
    progress: Option<Py<PyAny>>,
) -> PyResult<PyFitted> {
    let mut model = spec.0.clone().verify_cache(verify_cache);
    if let Some(c) = cache {
        model = model.cache(&c.0);
    }
    let data = Arc::clone(&frame.0);
    let mut observer = PyObserver::new(progress);
    let result = py.detach(|| model.fit_observed(&data, &mut observer));
    if let Some(err) = observer.take_error() {
        // KeyboardInterrupt, or the progress callback's exception: raised as
        // it is, with the engine's word on what was kept.
        if let Err(e) = &result {
            err.add_note(py, e.to_string())?;
        }
        return Err(err);
    }
    Ok(PyFitted {
        inner: result.map_err(to_py)?,
        training: Some(data),
    })
}
