//! Reading mgcv's reference files (JSON written by R's jsonlite).

use std::path::Path;

use faer::Mat;
use serde_json::Value;

/// The JSON in `path`; panics naming the file if it cannot be read or parsed.
pub fn read_json(path: &Path) -> Value {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("cannot parse {}: {e}", path.display()))
}

/// A number as jsonlite writes it: a number, a one-element array (R has no
/// scalars) or a string (`"Inf"`, `"NaN"`, or digits kept exact).
pub fn num(v: &Value) -> f64 {
    match v {
        Value::Array(a) => num(&a[0]),
        Value::String(s) => s.parse().unwrap_or_else(|_| panic!("not a number: {s}")),
        other => other.as_f64().unwrap_or_else(|| panic!("not a number: {other}")),
    }
}

/// [`num`] of each element of an array.
pub fn nums(v: &Value) -> Vec<f64> {
    v.as_array().expect("an array").iter().map(num).collect()
}

/// A matrix written row by row (an array of rows, each [`nums`]).
pub fn matrix(v: &Value) -> Mat<f64> {
    let rows: Vec<Vec<f64>> = v.as_array().expect("an array of rows").iter().map(nums).collect();
    let ncol = rows.first().map_or(0, Vec::len);
    Mat::from_fn(rows.len(), ncol, |i, j| rows[i][j])
}

/// An array of strings, or one string (jsonlite writes a one-element vector as a scalar).
pub fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        v => v
            .as_array()
            .unwrap_or_else(|| panic!("not an array of strings: {v}"))
            .iter()
            .map(|x| x.as_str().unwrap_or_else(|| panic!("not a string: {x}")).to_string())
            .collect(),
    }
}

/// A plain JSON number; panics naming `what` otherwise.
pub fn num_of(v: &Value, what: &str) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("{what} is not a number: {v}"))
}

/// An array of plain JSON numbers; panics naming `what` otherwise.
pub fn nums_of(v: &Value, what: &str) -> Vec<f64> {
    v.as_array()
        .unwrap_or_else(|| panic!("{what} is not an array"))
        .iter()
        .map(|x| x.as_f64().unwrap_or_else(|| panic!("{what} has a non-number: {x}")))
        .collect()
}

/// Sample standard deviation (divisor n − 1), as R's `sd`: the spread that
/// predictions are compared on.
pub fn sd(v: &[f64]) -> f64 {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
}

/// Largest absolute difference between ours and mgcv's, of equal lengths.
#[allow(dead_code)]
pub fn worst(ours: &[f64], mgcv: &[f64]) -> f64 {
    assert_eq!(ours.len(), mgcv.len(), "lengths");
    ours.iter().zip(mgcv).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max)
}
