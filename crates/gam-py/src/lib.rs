//! `warmgam._warmgam`: the gam engine's binding for Python. It marshals and
//! nothing else: data in (module [`frame`], [`arrow`]), the engine's calls
//! with the GIL released ([`spec`], [`fitted`], [`cv`]), results and errors
//! out ([`errors`]). The Python package `warmgam` is the front end.

use pyo3::prelude::*;

pub mod arrow;
pub mod compare;
pub mod cv;
pub mod errors;
pub mod fitted;
pub mod frame;
pub mod general;
pub mod observer;
pub mod spec;

/// The extension module.
#[pymodule]
fn _warmgam(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // The engine's dense matrices are small; faer's thread fan-out costs
    // more than it saves on them (lib.rs of gam).
    gam::use_sequential_linear_algebra();
    m.add("ENGINE_VERSION", gam::ENGINE_VERSION)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<frame::PyFrame>()?;
    m.add_class::<spec::PySpec>()?;
    m.add_class::<spec::PyCache>()?;
    m.add_class::<fitted::PyFitted>()?;
    m.add_class::<cv::PyCvReport>()?;
    m.add_class::<general::PyGeneralSpec>()?;
    m.add_class::<general::PyGeneralFitted>()?;
    m.add_function(wrap_pyfunction!(frame::frame_from_columns, m)?)?;
    m.add_function(wrap_pyfunction!(frame::require_columns, m)?)?;
    m.add_function(wrap_pyfunction!(arrow::frame_from_arrow, m)?)?;
    m.add_function(wrap_pyfunction!(spec::spec, m)?)?;
    m.add_function(wrap_pyfunction!(spec::additive_formula, m)?)?;
    m.add_function(wrap_pyfunction!(spec::open_cache, m)?)?;
    m.add_function(wrap_pyfunction!(spec::fit, m)?)?;
    m.add_function(wrap_pyfunction!(cv::cross_validate, m)?)?;
    m.add_function(wrap_pyfunction!(general::general_spec, m)?)?;
    m.add_function(wrap_pyfunction!(general::is_general_family, m)?)?;
    m.add_function(wrap_pyfunction!(general::fit_general, m)?)?;
    m.add_function(wrap_pyfunction!(compare::anova_of, m)?)?;
    m.add_function(wrap_pyfunction!(compare::compare_of, m)?)?;
    Ok(())
}
