//! The benchmark cases of `tests/data/bench/cases.json` and their data.

use std::path::{Path, PathBuf};

use gam::expert::data::{DataFrame, ReadOptions};
use gam::expert::formula::Formula;
use gam::expert::model::{Family, GamModel, GamSpec, Link};
use serde_json::Value;

use super::json::read_json;

/// `tests/data`: every reference and data file of the tests.
pub fn test_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

/// `tests/data/bench`: the benchmark cases, their data (`data/`) and mgcv's
/// answers (`ref/<id>.json`).
pub fn bench_dir() -> PathBuf {
    test_data().join("bench")
}

/// Every case of `cases.json` (public and not, every family).
pub fn cases() -> Vec<Value> {
    match read_json(&bench_dir().join("cases.json")) {
        Value::Array(a) => a,
        other => panic!("cases.json is not an array: {other}"),
    }
}

/// The columns a case reads as factors (its `factors` list; none if absent).
pub fn factors(case: &Value) -> Vec<String> {
    case["factors"]
        .as_array()
        .map(|a| a.iter().filter_map(|f| f.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

/// Reads a case's data with its `factors` columns as factors; panics naming
/// the case `id` and the file.
pub fn load_data(id: &str, case: &Value) -> DataFrame {
    let path = bench_dir().join(case["data"].as_str().expect("case without data"));
    DataFrame::read_csv_with(&path, &ReadOptions { factors: factors(case) })
        .unwrap_or_else(|e| panic!("{id}: reading {}: {e}", path.display()))
}

/// A CSV file of `tests/data` read as a data frame.
#[allow(dead_code)]
pub fn data(name: &str) -> DataFrame {
    DataFrame::read_csv(&test_data().join(name)).unwrap()
}

/// Predictions of `model` at the rows of `frame` on the scale `kind` (without standard errors).
#[allow(dead_code)]
pub fn predictions(
    model: &gam::expert::model::GamModel,
    frame: &DataFrame,
    kind: gam::expert::predict::PredictType,
) -> Vec<f64> {
    let opts = gam::expert::predict::PredictOptions {
        kind,
        ..Default::default()
    };
    model.predict(frame, &opts).unwrap().fit
}

/// mgcv's numbers, NaN for `null` (an excluded grid point).
pub fn values(v: &Value) -> Vec<f64> {
    match v {
        Value::Array(a) => a.iter().map(|x| x.as_f64().unwrap_or(f64::NAN)).collect(),
        Value::Null => Vec::new(),
        other => vec![other.as_f64().unwrap_or(f64::NAN)],
    }
}

/// A case's data and its model fitted at mgcv's smoothing parameters (the
/// reference file's `sp`).
pub fn fit_at_mgcv_sp(id: &str, case: &Value, reference: &Value) -> (DataFrame, GamModel) {
    fit_at_sp(id, case, values(&reference["sp"]))
}

/// A case's data and its model fitted at the smoothing parameters `sp`
/// (mgcv's, from a reference file), so that a test compares what is
/// computed from the fit and not two optimisers' stopping points.
pub fn fit_at_sp(id: &str, case: &Value, sp: Vec<f64>) -> (DataFrame, GamModel) {
    let data = load_data(id, case);
    let family = Family::from_name(case["family"].as_str().unwrap()).unwrap();
    let link = Link::from_name(case["link"].as_str().unwrap()).unwrap();
    let mut spec = GamSpec::new(Formula::parse(case["formula"].as_str().unwrap()).unwrap()).with_family(family, link);
    spec.options.sp = Some(sp);
    let model = spec.fit(&data).unwrap_or_else(|e| panic!("{id}: {e}"));
    (data, model)
}
