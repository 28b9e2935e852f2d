//! Comparing fitted models: mgcv's `anova` of one model or of several, and
//! their information criteria side by side (`report::anova`,
//! `report::compare`), as the text R prints and the JSON `gam anova --json`
//! and `gam compare --json` print.

use gam::expert::model::GamModel;
use gam::expert::report::anova::{AnovaTest, anova, anova_models, anova_text, deviance_table_text};
use gam::expert::report::compare::{compare, compare_text};
use gam::expert::report::json_text;
use pyo3::prelude::*;

use crate::errors::to_py;
use crate::fitted::PyFitted;

fn json_err(e: impl std::fmt::Display) -> PyErr {
    pyo3::exceptions::PyValueError::new_err(e.to_string())
}

/// mgcv's `anova` of `models` named `names`: one model's term tests, or the
/// analysis of deviance of several with `test` (None, "F" or "Chisq");
/// returns (text, JSON, warnings).
#[pyfunction]
#[pyo3(signature = (models, names, test=None))]
pub fn anova_of(
    py: Python<'_>,
    models: Vec<PyRef<'_, PyFitted>>,
    names: Vec<String>,
    test: Option<&str>,
) -> PyResult<(String, String, Vec<String>)> {
    let refs: Vec<&GamModel> = models.iter().map(|m| m.inner.model()).collect();
    let test = match test {
        None => None,
        Some("F") => Some(AnovaTest::F),
        Some("Chisq" | "LRT") => Some(AnovaTest::Chisq),
        Some(other) => {
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "test={other:?}: give None, \"F\" or \"Chisq\""
            )));
        }
    };
    if let [one] = refs.as_slice() {
        if test.is_some() {
            return Err(pyo3::exceptions::PyValueError::new_err(
                "test applies to an analysis of deviance of two or more models; the anova of one model has its own tests",
            ));
        }
        let json = json_text(&anova(one)).map_err(json_err)?;
        return Ok((py.detach(|| anova_text(one)), json, Vec::new()));
    }
    let table = py.detach(|| anova_models(&refs, &names, test)).map_err(to_py)?;
    let json = json_text(&table).map_err(json_err)?;
    Ok((deviance_table_text(&table), json, table.warnings.clone()))
}

/// logLik, df, AIC and BIC of `models` named `names`: (text, JSON).
#[pyfunction]
pub fn compare_of(models: Vec<PyRef<'_, PyFitted>>, names: Vec<String>) -> PyResult<(String, String)> {
    let refs: Vec<&GamModel> = models.iter().map(|m| m.inner.model()).collect();
    let c = compare(&refs, &names).map_err(to_py)?;
    Ok((compare_text(&c), json_text(&c).map_err(json_err)?))
}
