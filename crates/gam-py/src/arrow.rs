//! Arrow data (anything exporting the Arrow C stream: pandas, polars,
//! pyarrow, arro3, ...) into a frame: the only place Arrow types appear.
//!
//! Only the columns asked for are converted, batch by batch, while attached
//! to the interpreter (a stream backed by a Python iterator needs the GIL).
//! Kinds: numbers (integers, floats, decimals) → numeric, null or NaN
//! missing; strings → text; booleans → logical; a dictionary of strings (a
//! pandas or polars Categorical) → a factor keeping its category order and
//! orderedness; a dictionary of numbers → a factor of those numbers, as the
//! `gam` command's `--factor` reads them; anything else is refused naming
//! the column, but only if a model reads it.

use std::collections::HashMap;

use arrow_array::cast::AsArray;
use arrow_array::types::Float64Type;
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field};
use gam::GamError;
use pyo3::prelude::*;
use pyo3_arrow::input::AnyRecordBatch;

use crate::errors::to_py;
use crate::frame::{Col, PyFrame, build, unknown_column};

/// A column being collected from the batches of a stream.
enum Collect {
    Numeric(Vec<f64>),
    Text(Vec<Option<String>>),
    Logical(Vec<Option<bool>>),
    /// Levels in first-seen order across batches (each batch may carry its own dictionary).
    Factor {
        levels: Vec<String>,
        index: HashMap<String, u32>,
        codes: Vec<Option<u32>>,
        ordered: bool,
    },
    /// A dictionary of numbers: a factor of the numbers' spelling.
    NumericFactor(Vec<f64>),
}

fn unsupported(name: &str, dt: &DataType) -> GamError {
    GamError::Data {
        column: name.to_string(),
        row: None,
        message: format!(
            "its type {dt} cannot be a model variable: convert it to numbers (e.g. days since a date) or to text"
        ),
    }
}

fn arrow_error(name: &str, e: impl std::fmt::Display) -> GamError {
    GamError::Data {
        column: name.to_string(),
        row: None,
        message: format!("cannot read the Arrow data: {e}"),
    }
}

impl Collect {
    fn for_field(field: &Field) -> Result<Collect, GamError> {
        let dt = field.data_type();
        Ok(match dt {
            DataType::Boolean => Collect::Logical(Vec::new()),
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Collect::Text(Vec::new()),
            DataType::Dictionary(_, values) if is_text(values) => Collect::Factor {
                levels: Vec::new(),
                index: HashMap::new(),
                codes: Vec::new(),
                ordered: field.dict_is_ordered().unwrap_or(false),
            },
            DataType::Dictionary(_, values) if is_number(values) => Collect::NumericFactor(Vec::new()),
            dt if is_number(dt) || *dt == DataType::Null => Collect::Numeric(Vec::new()),
            _ => return Err(unsupported(field.name(), dt)),
        })
    }

    fn push(&mut self, name: &str, array: &ArrayRef) -> Result<(), GamError> {
        match self {
            Collect::Numeric(out) | Collect::NumericFactor(out) => {
                let cast = arrow_cast::cast(array, &DataType::Float64).map_err(|e| arrow_error(name, e))?;
                out.extend(cast.as_primitive::<Float64Type>().iter().map(|v| v.unwrap_or(f64::NAN)));
            }
            Collect::Text(out) => {
                let cast = arrow_cast::cast(array, &DataType::Utf8).map_err(|e| arrow_error(name, e))?;
                out.extend(cast.as_string::<i32>().iter().map(|v| v.map(str::to_string)));
            }
            Collect::Logical(out) => out.extend(array.as_boolean().iter()),
            Collect::Factor {
                levels, index, codes, ..
            } => {
                let dict = array
                    .as_any_dictionary_opt()
                    .ok_or_else(|| arrow_error(name, "a dictionary column without a dictionary"))?;
                let values = arrow_cast::cast(dict.values(), &DataType::Utf8).map_err(|e| arrow_error(name, e))?;
                let values = values.as_string::<i32>();
                // This batch's dictionary entries as codes of the merged levels.
                let mut code_of = Vec::with_capacity(values.len());
                for v in values.iter() {
                    code_of.push(v.map(|v| {
                        *index.entry(v.to_string()).or_insert_with(|| {
                            levels.push(v.to_string());
                            (levels.len() - 1) as u32
                        })
                    }));
                }
                let nulls = array.logical_nulls();
                for (row, key) in dict.normalized_keys().into_iter().enumerate() {
                    let missing = nulls.as_ref().is_some_and(|n| n.is_null(row));
                    codes.push(if missing {
                        None
                    } else {
                        code_of.get(key).copied().flatten()
                    });
                }
            }
        }
        Ok(())
    }

    fn finish(self) -> Col {
        match self {
            Collect::Numeric(v) => Col::Numeric(v),
            Collect::NumericFactor(v) => Col::NumericFactor(v),
            Collect::Text(v) => Col::Text(v),
            Collect::Logical(v) => Col::Logical(v),
            Collect::Factor {
                levels, codes, ordered, ..
            } => Col::Factor { levels, codes, ordered },
        }
    }
}

fn is_text(dt: &DataType) -> bool {
    matches!(dt, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
}

fn is_number(dt: &DataType) -> bool {
    dt.is_numeric()
}

/// Converts the stream's `columns` (all of them when `None`).
fn collect(data: AnyRecordBatch, columns: Option<Vec<String>>) -> Result<Vec<(String, Col)>, PyErr> {
    let schema = data.schema()?;
    let available: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    let names = columns.unwrap_or_else(|| available.clone());
    let mut wanted = Vec::with_capacity(names.len());
    for name in &names {
        let Ok(j) = schema.index_of(name) else {
            return Err(to_py(unknown_column(name, available)));
        };
        wanted.push((name.clone(), j, Collect::for_field(schema.field(j)).map_err(to_py)?));
    }
    for batch in data.into_reader()? {
        let batch: RecordBatch = batch.map_err(|e| to_py(arrow_error("<stream>", e)))?;
        for (name, j, out) in &mut wanted {
            out.push(name, batch.column(*j)).map_err(to_py)?;
        }
    }
    Ok(wanted.into_iter().map(|(name, _, out)| (name, out.finish())).collect())
}

/// A frame from an object exporting the Arrow C stream or array interface
/// (`__arrow_c_stream__` / `__arrow_c_array__`), reading only `columns`.
#[pyfunction]
#[pyo3(signature = (data, columns=None, factors=Vec::new(), ordered=Vec::new()))]
pub fn frame_from_arrow(
    data: AnyRecordBatch,
    columns: Option<Vec<String>>,
    factors: Vec<String>,
    ordered: Vec<String>,
) -> PyResult<PyFrame> {
    let columns = collect(data, columns)?;
    build(columns, &factors, &ordered).map_err(to_py)
}
