//! Cross-validation ([`PyCvReport`]), run with the GIL released.

use gam::{CvOptions, CvReport};
use numpy::{IntoPyArray, PyArray1};
use pyo3::prelude::*;

use crate::errors::to_py;
use crate::frame::PyFrame;
use crate::observer::PyObserver;
use crate::spec::{PyCache, PySpec};

/// The result of a cross-validation (`gam::CvReport`); `str()` is the table
/// `gam cv` prints.
#[pyclass(frozen, module = "warmgam._warmgam", name = "CvReport")]
pub struct PyCvReport(pub CvReport);

#[pymethods]
impl PyCvReport {
    fn __str__(&self) -> String {
        self.0.to_string()
    }

    /// The JSON document `gam cv --json` prints.
    fn to_json(&self) -> String {
        self.0.to_json()
    }

    /// The held-out prediction of every row: (0-based input row, 1-based
    /// fold, predicted mean), in row order.
    #[allow(clippy::type_complexity)] // three parallel arrays
    fn predictions<'py>(
        &self,
        py: Python<'py>,
    ) -> (
        Bound<'py, PyArray1<u64>>,
        Bound<'py, PyArray1<u64>>,
        Bound<'py, PyArray1<f64>>,
    ) {
        let held = &self.0.predictions;
        let rows: Vec<u64> = held.iter().map(|h| h.row as u64).collect();
        let folds: Vec<u64> = held.iter().map(|h| h.fold as u64).collect();
        let mu: Vec<f64> = held.iter().map(|h| h.mu).collect();
        (rows.into_pyarray(py), folds.into_pyarray(py), mu.into_pyarray(py))
    }
}

/// Cross-validates `spec` on `frame` in `folds` folds (assignment from
/// `seed`), each fold's fit seeded from others and, with `cache`, answered
/// from it when made before; Ctrl-C and `progress` as for a fit.
#[pyfunction]
#[pyo3(signature = (spec, frame, folds=10, seed=1, cache=None, verify_cache=false, progress=None))]
#[allow(clippy::too_many_arguments)] // gam cv's options, one each
pub fn cross_validate(
    py: Python<'_>,
    spec: &PySpec,
    frame: &PyFrame,
    folds: usize,
    seed: u64,
    cache: Option<&PyCache>,
    verify_cache: bool,
    progress: Option<Py<PyAny>>,
) -> PyResult<PyCvReport> {
    let mut model = spec.0.clone();
    if let Some(c) = cache {
        model = model.cache(&c.0);
    }
    let options = CvOptions {
        folds,
        seed,
        verify_cache,
        ..CvOptions::default()
    };
    let data = std::sync::Arc::clone(&frame.0);
    let mut observer = PyObserver::new(progress);
    let result = py.detach(|| model.cross_validate_observed(&data, &options, &mut observer));
    if let Some(err) = observer.take_error() {
        if let Err(e) = &result {
            err.add_note(py, e.to_string())?;
        }
        return Err(err);
    }
    result.map(PyCvReport).map_err(to_py)
}
