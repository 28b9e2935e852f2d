//! Frames from Python data: [`PyFrame`] holds a `gam::Frame` that Rust owns,
//! so that a fit released from the GIL reads data no other thread can change
//! (its cache key is hashed from the very values it fits).
//!
//! Columns arrive from `warmgam/_data.py` already sorted by kind (numbers,
//! text, logical, factor with its levels in order) or as an Arrow stream
//! (module [`crate::arrow`]); only the columns a model reads are ever passed.

use std::sync::Arc;

use gam::{Frame, FrameBuilder, GamError};
use numpy::PyReadonlyArray1;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyString};

use crate::errors::to_py;

/// Named columns of equal length, owned by Rust (`gam::Frame`).
#[pyclass(frozen, module = "warmgam._warmgam", name = "Frame")]
pub struct PyFrame(pub Arc<Frame>);

#[pymethods]
impl PyFrame {
    /// Number of rows.
    #[getter]
    fn nrows(&self) -> usize {
        self.0.nrows()
    }

    /// Column names, in order.
    #[getter]
    fn names(&self) -> Vec<String> {
        self.0.names().to_vec()
    }

    fn __repr__(&self) -> String {
        format!(
            "<warmgam Frame: {} rows, columns {}>",
            self.0.nrows(),
            self.0.names().join(", ")
        )
    }
}

/// A column on its way into a frame, as the engine's [`FrameBuilder`] takes it.
pub enum Col {
    /// Numbers, `NaN` = missing.
    Numeric(Vec<f64>),
    /// Numbers read as a factor (a dictionary of numbers, as `--factor`).
    NumericFactor(Vec<f64>),
    /// Text, levels sorted as the CSV reader sorts them.
    Text(Vec<Option<String>>),
    /// Booleans, read as the CSV reader reads TRUE/FALSE.
    Logical(Vec<Option<bool>>),
    /// A categorical: levels in the caller's order, a code per row.
    Factor {
        /// The levels, in order.
        levels: Vec<String>,
        /// Index into `levels` per row; `None` = missing.
        codes: Vec<Option<u32>>,
        /// An ordered factor.
        ordered: bool,
    },
}

impl Col {
    fn add(self, builder: FrameBuilder, name: &str) -> FrameBuilder {
        match self {
            Col::Numeric(v) => builder.numeric(name, v),
            Col::NumericFactor(v) => builder.numeric_factor(name, v),
            Col::Text(v) => builder.text(name, v.iter().map(|s| s.as_deref())),
            Col::Logical(v) => builder.logical(name, v),
            Col::Factor { levels, codes, ordered } => builder.factor_with_levels(name, levels, codes, ordered),
        }
    }
}

/// The frame of `columns`, with those named in `factors` made factors and
/// those in `ordered` ordered factors (the `gam` command's `--factor` and
/// `--ordered`; names of columns not read are ignored), or the engine's
/// error naming the column.
pub fn build(columns: Vec<(String, Col)>, factors: &[String], ordered: &[String]) -> Result<PyFrame, GamError> {
    let present = |list: &[String]| -> Vec<String> {
        list.iter()
            .filter(|n| columns.iter().any(|(c, _)| c == *n))
            .cloned()
            .collect()
    };
    let (factors, ordered) = (present(factors), present(ordered));
    let builder = columns
        .into_iter()
        .fold(Frame::builder(), |b, (name, col)| col.add(b, &name));
    Ok(PyFrame(Arc::new(builder.as_factors(&factors, &ordered).build()?)))
}

/// The engine's "unknown column" error for a column the data lacks.
pub fn unknown_column(column: &str, available: Vec<String>) -> GamError {
    GamError::UnknownColumn {
        column: column.to_string(),
        available,
    }
}

/// One column as `_data.py` hands it over: `(name, kind, values)`.
fn column_of(name: &str, kind: &str, values: &Bound<'_, PyAny>) -> PyResult<Col> {
    Ok(match kind {
        "numeric" => {
            let values: PyReadonlyArray1<'_, f64> = values.extract()?;
            Col::Numeric(values.as_array().to_vec())
        }
        "text" => Col::Text(values.extract()?),
        // pandas' string dtype guarantees a str or a missing marker (NaN, pd.NA) per row.
        "strings" => Col::Text(
            values
                .cast::<PyList>()?
                .iter()
                .map(|v| match v.cast::<PyString>() {
                    Ok(s) => s.to_str().map(|s| Some(s.to_owned())),
                    Err(_) => Ok(None),
                })
                .collect::<PyResult<_>>()?,
        ),
        "logical" => Col::Logical(values.extract()?),
        "factor" => {
            let (codes, levels, ordered): (PyReadonlyArray1<'_, i64>, Vec<String>, bool) = values.extract()?;
            // A negative code (pandas' -1) is missing.
            let codes = codes.as_array().iter().map(|&c| u32::try_from(c).ok()).collect();
            Col::Factor { levels, codes, ordered }
        }
        other => {
            return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                "column '{name}': unknown column kind '{other}'"
            )));
        }
    })
}

/// A frame from columns `(name, kind, values)`: kind `numeric` (a float64
/// array, NaN = missing), `text` (a list of str or None), `strings` (a list
/// of str, anything else missing), `logical` (a list
/// of bool or None) or `factor` (`(codes: int64 array, -1 = missing, levels,
/// ordered)`, levels kept in their order).
#[pyfunction]
#[pyo3(signature = (columns, factors=Vec::new(), ordered=Vec::new()))]
pub fn frame_from_columns(
    columns: Vec<(String, String, Bound<'_, PyAny>)>,
    factors: Vec<String>,
    ordered: Vec<String>,
) -> PyResult<PyFrame> {
    let columns = columns
        .iter()
        .map(|(name, kind, values)| Ok((name.clone(), column_of(name, kind, values)?)))
        .collect::<PyResult<Vec<_>>>()?;
    build(columns, &factors, &ordered).map_err(to_py)
}

/// Raises the engine's `DataError` for the first of `needed` that is not
/// among `available` (the data's column names), listing those.
#[pyfunction]
pub fn require_columns(needed: Vec<String>, available: Vec<String>) -> PyResult<()> {
    match needed.iter().find(|n| !available.contains(n)) {
        Some(column) => Err(to_py(unknown_column(column, available))),
        None => Ok(()),
    }
}
