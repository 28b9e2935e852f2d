//! What the general-family fidelity tests (`general_*fidelity.rs`) share: reading a reference
//! made by `tests/data/general/make_*refs.R` and its data, fitting it, the checks every family
//! makes (REML criterion, per-smooth EDF with labels, coefficient names), a model saved and
//! read back, and mgcv's printed summary compared line by line.

use serde_json::Value;

use super::cases::test_data;
use super::efam::Failures;
use super::json::{num, nums, read_json, sd, strings, worst};
use super::tol::{EDF_ABS_TOL, REML_REL_TOL};
use gam::expert::data::DataFrame;
use gam::expert::family::general::GeneralFamily;
use gam::expert::fit::FitOptions;
use gam::expert::fit::general::{GeneralFit, fit};
use gam::expert::model::general::GeneralModel;
use gam::expert::report::general::general_summary_lines;

/// Printed summary numbers may differ by this many units in the last digit of the coarser of
/// the two: a smoothing parameter along a flat direction of the criterion moves the third
/// decimal of an EDF or Ref.df, and R's `format` gives a column as many decimals as its most
/// demanding entry needs (a statistic on a rounding edge, 9.83949 against 9.8395, prints
/// 297.022 as 297.02).
pub const LAST_DIGIT_UNITS: f64 = 1.0;

/// The reference `tests/data/general/<id>.json`.
pub fn reference(id: &str) -> Value {
    read_json(&test_data().join(format!("general/{id}.json")))
}

/// The data file a reference names (its `data` field).
pub fn data(r: &Value) -> DataFrame {
    DataFrame::read_csv(&test_data().join("general").join(r["data"].as_str().unwrap())).unwrap()
}

/// The family a reference names.
pub fn family(r: &Value) -> GeneralFamily {
    GeneralFamily::parse(r["family"].as_str().unwrap()).unwrap().unwrap()
}

/// Our fit of a reference's formula and family to its data, with default options.
pub fn fit_ref(r: &Value) -> GeneralFit {
    fit(
        r["formula"].as_str().unwrap(),
        family(r),
        &data(r),
        &FitOptions::default(),
    )
    .unwrap_or_else(|e| panic!("{}: {e}", r["id"]))
}

/// Whether two printed lines agree: equal, or equal word for word except numbers that differ
/// by at most [`LAST_DIGIT_UNITS`] in the last digit of the coarser of the two.
pub fn same_printed(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let (wa, wb): (Vec<&str>, Vec<&str>) = (a.split_whitespace().collect(), b.split_whitespace().collect());
    wa.len() == wb.len()
        && wa.iter().zip(&wb).all(|(x, y)| {
            if x == y {
                return true;
            }
            let (Ok(u), Ok(v)) = (x.parse::<f64>(), y.parse::<f64>()) else {
                return false;
            };
            let places = |t: &str| t.split_once('.').map_or(0, |(_, d)| d.len()) as i32;
            let decimals = places(x).min(places(y));
            (u - v).abs() <= LAST_DIGIT_UNITS * 10f64.powi(-decimals) * (1.0 + 1e-9)
        })
}

/// The worst relative difference of two vectors (absolute where mgcv's value is 0).
pub fn worst_rel(ours: &[f64], mgcv: &[f64]) -> f64 {
    assert_eq!(ours.len(), mgcv.len(), "lengths");
    ours.iter().zip(mgcv).fold(0.0f64, |w, (a, b)| {
        w.max(if *b == 0.0 { a.abs() } else { (a - b).abs() / b.abs() })
    })
}

/// The worst difference of `ours` from mgcv's `m` on the scale of `scale_of` (its sd, or for a
/// constant, its largest absolute value), and whether it was a constant.
pub fn scaled_worst(ours: &[f64], m: &[f64], scale_of: &[f64]) -> (f64, bool) {
    let size = scale_of.iter().fold(0.0f64, |w, v| w.max(v.abs()));
    let s = sd(scale_of);
    if s > 1e-12 * size {
        (worst(ours, m) / s, false)
    } else {
        (worst(ours, m) / size, true)
    }
}

/// The worst difference over columns, each scaled by the sd of mgcv's column.
pub fn worst_scaled_columns(ours: &[Vec<f64>], theirs: &Value) -> f64 {
    let cols = theirs.as_array().unwrap();
    assert_eq!(ours.len(), cols.len(), "number of columns");
    ours.iter()
        .zip(cols)
        .map(|(o, t)| {
            let t = nums(t);
            worst(o, &t) / sd(&t)
        })
        .fold(0.0, f64::max)
}

/// The worst relative difference over columns.
pub fn worst_rel_columns(ours: &[Vec<f64>], theirs: &Value) -> f64 {
    let cols = theirs.as_array().unwrap();
    assert_eq!(ours.len(), cols.len(), "number of columns");
    ours.iter()
        .zip(cols)
        .map(|(o, t)| worst_rel(o, &nums(t)))
        .fold(0.0, f64::max)
}

/// What every family checks: the REML criterion (relative, [`REML_REL_TOL`]), EDF per smooth
/// (absolute, [`EDF_ABS_TOL`], with mgcv's labels in mgcv's order) and the coefficient names.
/// Returns the criterion's relative and the EDF's absolute worst difference.
pub fn check_criterion_and_edf(f: &mut Failures, r: &Value, model: &GeneralFit) -> (f64, f64) {
    let id = r["id"].as_str().unwrap_or("?");
    let crit = (model.reml - num(&r["criterion"])).abs() / num(&r["criterion"]).abs();
    f.cmp("criterion", crit, REML_REL_TOL);
    let smooths = r["smooths"].as_array().unwrap();
    assert_eq!(smooths.len(), model.smooth_edf.len(), "{id}: number of smooths");
    let mut edf = 0.0f64;
    for (s, (label, ours)) in smooths.iter().zip(&model.smooth_edf) {
        assert_eq!(s["label"].as_str().unwrap(), label, "{id}: smooth label");
        edf = edf.max((ours - num(&s["edf"])).abs());
    }
    f.cmp("EDF", edf, EDF_ABS_TOL);
    assert_eq!(model.coef_names, strings(&r["coef_names"]), "{id}: coefficient names");
    (crit, edf)
}

/// The smoothing parameters' relative differences, printed as a diagnostic only (the
/// criterion is flat along some of them, so they are not asserted).
pub fn sp_diagnostic(model: &GeneralFit, r: &Value) -> String {
    let rel: Vec<String> = model
        .sp
        .iter()
        .zip(&nums(&r["sp"]))
        .map(|(a, b)| format!("{:.2e}", (a - b).abs() / b))
        .collect();
    format!("sp rel [{}] (diagnostic)", rel.join(", "))
}

/// The model saved to a file and read back (asserted equal to what was saved), so that what a
/// test checks next comes from the file.
pub fn round_trip(model: &GeneralFit) -> GeneralModel {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.json");
    let saved = GeneralModel::from_fit(model);
    saved.save(&path).unwrap();
    let back = GeneralModel::load(&path).unwrap();
    assert_eq!(back, saved, "model read back");
    back
}

/// Records every line of our summary of `model` that differs from mgcv's printout (the
/// reference's `summary_text`) beyond [`same_printed`], and a different number of lines.
pub fn check_summary(f: &mut Failures, model: &GeneralModel, r: &Value) {
    let ours = general_summary_lines(model);
    let theirs = strings(&r["summary_text"]);
    let differing: Vec<String> = ours
        .iter()
        .zip(&theirs)
        .filter(|(a, b)| !same_printed(a, b))
        .map(|(a, b)| format!("  ours: {a}\n  mgcv: {b}"))
        .collect();
    if ours.len() != theirs.len() || !differing.is_empty() {
        f.push(format!(
            "summary differs ({} vs {} lines):\n{}",
            ours.len(),
            theirs.len(),
            differing.join("\n")
        ));
    }
}

/// A reference's data with the first column (the response) of 1-based data row `row`
/// replaced by `value`.
pub fn with_response(r: &Value, row: usize, value: &str) -> DataFrame {
    let text = std::fs::read_to_string(test_data().join("general").join(r["data"].as_str().unwrap())).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let rest = lines[row].split_once(',').unwrap().1.to_string();
    lines[row] = format!("{value},{rest}");
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("d.csv");
    std::fs::write(&p, lines.join("\n") + "\n").unwrap();
    DataFrame::read_csv(&p).unwrap()
}

/// Every predictor's fitted values and linear predictor against the reference's `fitted` and
/// `lp` columns: the worst differences relative to mgcv's sd for varying columns (fitted,
/// linear predictor) and relative to their size for constant ones (a family parameter).
pub fn predictor_differences(model: &GeneralFit, r: &Value) -> (f64, f64, f64) {
    let (mut fitted, mut lp, mut param) = (0.0f64, 0.0f64, 0.0f64);
    for k in 0..model.family.n_predictors() {
        for (ours, key, worst) in [
            (&model.fitted[k], "fitted", &mut fitted),
            (&model.eta[k], "lp", &mut lp),
        ] {
            let theirs = nums(&r[key][k]);
            let (e, constant) = scaled_worst(ours, &theirs, &theirs);
            if constant {
                param = param.max(e);
            } else {
                *worst = worst.max(e);
            }
        }
    }
    (fitted, lp, param)
}

/// Predictions of the saved model at the reference data's first `rows` rows on the link and
/// response scales against mgcv's `pred_link`/`pred_response` (relative to the sd of its
/// `lp`/`fitted` columns, or the size of a constant one) and their standard errors
/// (relative): the two worst differences.
pub fn prediction_differences(saved: &GeneralModel, r: &Value, rows: usize) -> (f64, f64) {
    let nd = data(r).select_rows(&(0..rows).collect::<Vec<_>>());
    let (mut pred, mut pred_se) = (0.0f64, 0.0f64);
    for (response, key) in [(false, "pred_link"), (true, "pred_response")] {
        let p = saved.predict(&nd, response).unwrap();
        for k in 0..saved.family.n_predictors() {
            let scale = nums(&r[if response { "fitted" } else { "lp" }][k]);
            pred = pred.max(scaled_worst(&p.fit[k], &nums(&r[key][k]), &scale).0);
            pred_se = pred_se.max(worst_rel(&p.se[k], &nums(&r[format!("{key}_se")][k])));
        }
    }
    (pred, pred_se)
}
