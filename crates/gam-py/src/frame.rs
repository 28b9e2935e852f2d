//! Frames from Python data: [`PyFrame`] holds a `gam::Frame` that Rust owns,
//! so that a fit released from the GIL reads data no other thread can change
//! (its cache key is hashed from the very values it fits).
//!
//! Columns arrive from `warmgam/_data.py` already sorted by kind (numbers,
//! text, logical, factor with its levels in order) or as an Arrow stream
//! (module [`crate::arrow`]); only the columns a model reads are ever passed.

use std::sync::Arc;

use gam::expert::data::{Column, DataFrame, FactorColumn};
use gam::{Frame, GamError};
use numpy::PyReadonlyArray1;
use pyo3::prelude::*;

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

/// The frame of `columns`, with the columns named in `factors` made factors
/// and those in `ordered` ordered factors (the `gam` command's `--factor` and
/// `--ordered`), or the engine's error naming the column.
pub fn build(columns: Vec<(String, Column)>, factors: &[String], ordered: &[String]) -> Result<PyFrame, GamError> {
    let mut data = DataFrame::new(columns)?;
    let present = |name: &String| data.names().contains(name);
    let factors: Vec<String> = factors.iter().filter(|n| present(n)).cloned().collect();
    let ordered: Vec<String> = ordered.iter().filter(|n| present(n)).cloned().collect();
    for name in &factors {
        data.make_factor(name)?;
    }
    for name in &ordered {
        data.make_ordered(name)?;
    }
    Ok(PyFrame(Arc::new(Frame::from(data))))
}

/// A factor from levels in their order and a code per row (`None` = missing),
/// refused naming the column when a code has no level or a level repeats.
pub fn factor_column(
    name: &str,
    levels: Vec<String>,
    codes: Vec<Option<u32>>,
    ordered: bool,
) -> Result<Column, GamError> {
    let data_error = |message: String| GamError::Data {
        column: name.to_string(),
        row: None,
        message,
    };
    let mut seen = std::collections::HashSet::new();
    if let Some(dup) = levels.iter().find(|l| !seen.insert(l.as_str())) {
        return Err(data_error(format!(
            "the level '{dup}' appears twice among the categories"
        )));
    }
    if let Some((row, _)) = codes
        .iter()
        .enumerate()
        .find(|(_, c)| c.is_some_and(|c| c as usize >= levels.len()))
    {
        return Err(GamError::Data {
            column: name.to_string(),
            row: Some(row + 1),
            message: format!("category code beyond the {} categories", levels.len()),
        });
    }
    Ok(Column::Factor(FactorColumn { levels, codes, ordered }))
}

/// The engine's "unknown column" error for a column the data lacks.
pub fn unknown_column(column: &str, available: Vec<String>) -> GamError {
    GamError::UnknownColumn {
        column: column.to_string(),
        available,
    }
}

/// One column as `_data.py` hands it over: `(name, kind, values)`.
fn column_of(name: &str, kind: &str, values: &Bound<'_, PyAny>) -> PyResult<Column> {
    Ok(match kind {
        "numeric" => {
            let values: PyReadonlyArray1<'_, f64> = values.extract()?;
            Column::Numeric(values.as_array().to_vec())
        }
        "text" => {
            let values: Vec<Option<String>> = values.extract()?;
            Column::Factor(FactorColumn::from_values(values.iter().map(|v| v.as_deref())))
        }
        // As the CSV reader reads TRUE/FALSE: a factor of the values present.
        "logical" => {
            let values: Vec<Option<bool>> = values.extract()?;
            let text = |b: bool| if b { "TRUE" } else { "FALSE" };
            Column::Factor(FactorColumn::from_values(values.iter().map(|v| v.map(text))))
        }
        "factor" => {
            let (codes, levels, ordered): (PyReadonlyArray1<'_, i64>, Vec<String>, bool) = values.extract()?;
            let codes = codes.as_array().iter().map(|&c| u32::try_from(c).ok()).collect();
            factor_column(name, levels, codes, ordered).map_err(to_py)?
        }
        other => {
            return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                "column '{name}': unknown column kind '{other}'"
            )));
        }
    })
}

/// A frame from columns `(name, kind, values)`: kind `numeric` (a float64
/// array, NaN = missing), `text` (a list of str or None), `logical` (a list
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
