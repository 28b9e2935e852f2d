//! mgcv's general families `gammals` (gamma location-scale) and `ziplss` (zero-inflated
//! Poisson) against mgcv 1.8-41 (issue 17), on data of their own made by
//! `tests/data/general/make_lss2_refs.R`: two smooths in the first predictor, one in the
//! second.
//!
//! Per fit: the REML criterion, per-term EDF, coefficient names, mgcv's fitted values (after
//! the family's `postproc`: gammals' first column is the mean) and both linear predictors,
//! the deviance and null deviance, predictions on new data on the link scale (values and
//! standard errors as `predict.gam`) and on the response scale (the family's own `predict`:
//! values as mgcv's; standard errors as the delta method that `predict` intends, which the
//! R script computes, since mgcv 1.8-41's are off by slips described there), mgcv's printed
//! summary line by line, and responses the family cannot model refused naming the row.
#![allow(clippy::print_stdout)]

#[macro_use]
mod common;

use common::cases::test_data;
use common::json::{num, nums, read_json, sd, strings, worst};
use common::tol::{EDF_ABS_TOL, PRED_SD_TOL, REML_REL_TOL};
use gam::expert::data::DataFrame;
use gam::expert::family::general::GeneralFamily;
use gam::expert::fit::FitOptions;
use gam::expert::fit::general::{GeneralFit, fit};
use gam::expert::model::general::GeneralModel;
use gam::expert::report::general::general_summary_lines;
use serde_json::Value;

/// The REML criterion, relative (the acceptance).
const CRITERION_REL_TOL: f64 = REML_REL_TOL;
/// Prediction standard errors, relative.
const SE_REL_TOL: f64 = 1e-3;
/// Deviance and null deviance, relative (mgcv's null deviance comes from `optimize`, whose
/// tolerance leaves ~1e-8 relative in the ziplss null likelihood).
const DEVIANCE_REL_TOL: f64 = 1e-6;
/// Rows of the data mgcv predicted at (`nd <- d[1:40, ]`).
const NEW_ROWS: usize = 40;
/// Printed summary numbers: units in the last printed digit.
const LAST_DIGIT_UNITS: f64 = 1.0;

fn data(r: &Value) -> DataFrame {
    DataFrame::read_csv(&test_data().join("general").join(r["data"].as_str().unwrap())).unwrap()
}

fn fit_ref(r: &Value) -> GeneralFit {
    let family = GeneralFamily::parse(r["family"].as_str().unwrap()).unwrap().unwrap();
    fit(r["formula"].as_str().unwrap(), family, &data(r), &FitOptions::default())
        .unwrap_or_else(|e| panic!("{}: {e}", r["id"]))
}

/// Whether two printed lines agree: equal, or equal word for word except numbers that differ
/// by at most [`LAST_DIGIT_UNITS`] in their last printed digit.
fn same_printed(a: &str, b: &str) -> bool {
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
            let decimals = y.split_once('.').map_or(0, |(_, d)| d.len()) as i32;
            (u - v).abs() <= LAST_DIGIT_UNITS * 10f64.powi(-decimals) * (1.0 + 1e-9)
        })
}

/// The worst relative difference of two vectors.
fn worst_rel(ours: &[f64], mgcv: &[f64]) -> f64 {
    assert_eq!(ours.len(), mgcv.len());
    ours.iter()
        .zip(mgcv)
        .fold(0.0f64, |w, (a, b)| w.max((a - b).abs() / b.abs()))
}

fn check(id: &str) {
    let r = read_json(&test_data().join(format!("general/{id}.json")));
    let model = fit_ref(&r);
    let mut failures = Vec::new();
    let mut cmp = |what: &str, err: f64, tol: f64| {
        if err.is_nan() || err > tol {
            failures.push(format!("{id}: {what}: error {err:.3e} > {tol:.1e}"));
        }
    };
    let crit = (model.reml - num(&r["criterion"])).abs() / num(&r["criterion"]).abs();
    cmp("criterion", crit, CRITERION_REL_TOL);
    let mut edf = 0.0f64;
    let smooths = r["smooths"].as_array().unwrap();
    assert_eq!(smooths.len(), model.smooth_edf.len(), "{id}: number of smooths");
    for (s, (label, ours)) in smooths.iter().zip(&model.smooth_edf) {
        assert_eq!(s["label"].as_str().unwrap(), label, "{id}: smooth label");
        edf = edf.max((ours - num(&s["edf"])).abs());
    }
    cmp("EDF", edf, EDF_ABS_TOL);
    assert_eq!(model.coef_names, strings(&r["coef_names"]), "{id}: coefficient names");
    let mut fitted = 0.0f64;
    let mut lp = 0.0f64;
    for k in 0..2 {
        let m = nums(&r["fitted"][k]);
        fitted = fitted.max(worst(&model.fitted[k], &m) / sd(&m));
        let m = nums(&r["lp"][k]);
        lp = lp.max(worst(&model.eta[k], &m) / sd(&m));
    }
    cmp("fitted values", fitted, PRED_SD_TOL);
    cmp("linear predictors", lp, PRED_SD_TOL);
    let saved_model = GeneralModel::from_fit(&model);
    let dev = worst_rel(
        &[saved_model.deviance, saved_model.null_deviance],
        &[num(&r["deviance"]), num(&r["null_deviance"])],
    );
    cmp("deviance and null deviance (relative)", dev, DEVIANCE_REL_TOL);
    let sp_rel: Vec<String> = model
        .sp
        .iter()
        .zip(&nums(&r["sp"]))
        .map(|(a, b)| format!("{:.2e}", (a - b).abs() / b))
        .collect();
    println!(
        "{id}: criterion rel {crit:.2e}, EDF {edf:.2e}, fitted/sd {fitted:.2e}, lp/sd {lp:.2e}, deviances rel {dev:.2e}; \
         sp rel [{}] (diagnostic); {} outer iterations; ours {:.3}s vs mgcv {:.3}s",
        sp_rel.join(", "),
        model.iterations,
        model.seconds,
        num(&r["mgcv_seconds_median"])
    );
    // Saved and loaded back: the summary and the predictions come from the file.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.json");
    saved_model.save(&path).unwrap();
    let saved = GeneralModel::load(&path).unwrap();
    assert_eq!(saved, saved_model, "{id}: model read back");
    let nd = data(&r).select_rows(&(0..NEW_ROWS).collect::<Vec<_>>());
    let mut pred = 0.0f64;
    let mut pred_se = 0.0f64;
    for (response, key) in [(false, "pred_link"), (true, "pred_response")] {
        let p = saved.predict(&nd, response).unwrap();
        let columns = r[key].as_array().unwrap().len();
        assert_eq!(p.fit.len(), columns, "{id}: {key} columns");
        for k in 0..columns {
            let m = nums(&r[key][k]);
            pred = pred.max(worst(&p.fit[k], &m) / sd(&m));
            pred_se = pred_se.max(worst_rel(&p.se[k], &nums(&r[format!("{key}_se")][k])));
        }
    }
    cmp("predictions", pred, PRED_SD_TOL);
    cmp("prediction standard errors (relative)", pred_se, SE_REL_TOL);
    println!("{id}: predictions/sd {pred:.2e}, standard errors rel {pred_se:.2e}");
    let ours = general_summary_lines(&saved);
    let theirs = strings(&r["summary_text"]);
    let differing: Vec<String> = ours
        .iter()
        .zip(&theirs)
        .filter(|(a, b)| !same_printed(a, b))
        .map(|(a, b)| format!("  ours: {a}\n  mgcv: {b}"))
        .collect();
    if ours.len() != theirs.len() || !differing.is_empty() {
        failures.push(format!(
            "{id}: summary differs ({} vs {} lines):\n{}",
            ours.len(),
            theirs.len(),
            differing.join("\n")
        ));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn gammals_reml() {
    check("gammals_reml");
}

#[test]
fn ziplss_reml() {
    check("ziplss_reml");
}

/// The data with response `y` at 1-based data row `row` replaced by `value`.
fn with_response(r: &Value, row: usize, value: &str) -> DataFrame {
    let path = test_data().join("general").join(r["data"].as_str().unwrap());
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let rest = lines[row].split_once(',').unwrap().1.to_string();
    lines[row] = format!("{value},{rest}");
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("d.csv");
    std::fs::write(&p, lines.join("\n") + "\n").unwrap();
    DataFrame::read_csv(&p).unwrap()
}

/// A response the family cannot model is a one-line error naming the data row.
#[test]
fn invalid_responses_are_one_line_errors_naming_the_row() {
    for (id, value, word) in [
        ("gammals_reml", "0", "positive"),
        ("gammals_reml", "-2.5", "positive"),
        ("ziplss_reml", "2.5", "whole count"),
        ("ziplss_reml", "-1", "whole count"),
    ] {
        let r = read_json(&test_data().join(format!("general/{id}.json")));
        let family = GeneralFamily::parse(r["family"].as_str().unwrap()).unwrap().unwrap();
        let d = with_response(&r, 7, value);
        let e = fit(r["formula"].as_str().unwrap(), family, &d, &FitOptions::default())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("row 7") && e.contains(word) && !e.contains('\n'),
            "{id} {value}: {e}"
        );
    }
}

/// ziplss refuses 0/1 data as mgcv's `initialize` does, in one line.
#[test]
fn ziplss_refuses_binary_data() {
    let r = read_json(&test_data().join("general/ziplss_reml.json"));
    let d = data(&r);
    let text = std::fs::read_to_string(test_data().join("general/ziplss_n400.csv")).unwrap();
    let binary: String = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                format!("{l}\n")
            } else {
                let (y, rest) = l.split_once(',').unwrap();
                let y: f64 = y.parse().unwrap();
                format!("{},{rest}\n", if y > 0.0 { 1 } else { 0 })
            }
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("b.csv");
    std::fs::write(&p, binary).unwrap();
    assert_eq!(d.nrows(), DataFrame::read_csv(&p).unwrap().nrows());
    let e = fit(
        r["formula"].as_str().unwrap(),
        GeneralFamily::Ziplss,
        &DataFrame::read_csv(&p).unwrap(),
        &FitOptions::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("0/1") && !e.contains('\n'), "{e}");
}

/// Fit times, ours against mgcv's (both the median of 5 fits of the same model; mgcv's from
/// the R script's `system.time`). Run with `--ignored --nocapture`.
#[test]
#[ignore = "timing, run by hand"]
fn fit_times() {
    for id in ["gammals_reml", "ziplss_reml"] {
        let r = read_json(&test_data().join(format!("general/{id}.json")));
        let mut secs: Vec<f64> = (0..5).map(|_| fit_ref(&r).seconds).collect();
        secs.sort_by(f64::total_cmp);
        println!(
            "{id}: ours median {:.3}s vs mgcv median {:.3}s",
            secs[2],
            num(&r["mgcv_seconds_median"])
        );
    }
}
