//! mgcv's general families (issue 17 item 2) against mgcv 1.8-41: gaulss (Gaussian
//! location-scale: mean on the identity link, σ on mgcv's logb link) with a list formula,
//! two smooths and a linear term in the mean and one or two smooths in the σ predictor.
//! References made by `tests/data/general/make_refs.R` on data of its own.
//!
//! Per fit: the REML criterion, per-term EDF, coefficient names, the fitted values of both
//! predictors (μ and 1/σ, mgcv's `fitted.values`) and both linear predictors; smoothing
//! parameters are printed as a diagnostic only (the criterion is flat along some of them);
//! mgcv's printed summary, line by line.
#![allow(clippy::print_stdout)]

#[macro_use]
mod common;

use common::cases::test_data;
use common::json::{num, nums, read_json, sd, strings, worst};
use common::tol::{EDF_ABS_TOL, PRED_SD_TOL, REML_REL_TOL};
use gam::Method;
use gam::expert::data::DataFrame;
use gam::expert::family::general::GeneralFamily;
use gam::expert::fit::FitOptions;
use gam::expert::fit::general::{GeneralFit, fit};
use gam::expert::model::general::GeneralModel;
use gam::expert::report::general::general_summary_lines;
use serde_json::Value;

/// The REML criterion, relative (the acceptance).
const CRITERION_REL_TOL: f64 = REML_REL_TOL;
/// Prediction standard errors, relative (tighter than the shared 1e-2: they are
/// within 1e-4 of mgcv's here).
const SE_REL_TOL: f64 = 1e-3;
/// Rows of the data mgcv predicted at (`nd <- d[1:40, ]`).
const NEW_ROWS: usize = 40;
/// Printed summary numbers: units in the last printed digit.
const LAST_DIGIT_UNITS: f64 = 1.0;

fn data() -> DataFrame {
    DataFrame::read_csv(&test_data().join("general").join("gaulss_n400.csv")).unwrap()
}

fn fit_ref(r: &Value) -> GeneralFit {
    let family = GeneralFamily::parse(r["family"].as_str().unwrap()).unwrap().unwrap();
    fit(r["formula"].as_str().unwrap(), family, &data(), &FitOptions::default())
        .unwrap_or_else(|e| panic!("{}: {e}", r["id"]))
}

/// Whether two printed lines agree: equal, or equal word for word except numbers that differ
/// by at most [`LAST_DIGIT_UNITS`] in their last printed digit (a smoothing parameter along a
/// flat direction of the criterion moves the third decimal of a Ref.df near 1).
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
    for (ours, key) in model.fitted.iter().zip(["fitted_mu", "fitted_tau"]) {
        let m = nums(&r[key]);
        fitted = fitted.max(worst(ours, &m) / sd(&m));
    }
    cmp("fitted values", fitted, PRED_SD_TOL);
    let mut lp = 0.0f64;
    for (ours, key) in model.eta.iter().zip(["lp_mu", "lp_sigma"]) {
        let m = nums(&r[key]);
        lp = lp.max(worst(ours, &m) / sd(&m));
    }
    cmp("linear predictors", lp, PRED_SD_TOL);
    let sp_ref = nums(&r["sp"]);
    let sp_rel: Vec<String> = model
        .sp
        .iter()
        .zip(&sp_ref)
        .map(|(a, b)| format!("{:.2e}", (a - b).abs() / b))
        .collect();
    println!(
        "{id}: criterion rel {crit:.2e}, EDF {edf:.2e}, fitted/sd {fitted:.2e}, lp/sd {lp:.2e}; sp rel [{}] (diagnostic); \
         {} outer iterations; ours {:.3}s vs mgcv {:.3}s",
        sp_rel.join(", "),
        model.iterations,
        model.seconds,
        num(&r["mgcv_seconds_median"])
    );
    // Saved and loaded back: the summary and the predictions come from the file.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.json");
    GeneralModel::from_fit(&model).save(&path).unwrap();
    let saved = GeneralModel::load(&path).unwrap();
    assert_eq!(saved, GeneralModel::from_fit(&model), "{id}: model read back");
    let nd = data().select_rows(&(0..NEW_ROWS).collect::<Vec<_>>());
    let mut pred = 0.0f64;
    let mut pred_se = 0.0f64;
    for (response, key) in [(false, "pred_link"), (true, "pred_response")] {
        let p = saved.predict(&nd, response).unwrap();
        for k in 0..2 {
            let m = nums(&r[key][k]);
            let sd_k = sd(&nums(
                &r[if k == 0 {
                    "fitted_mu"
                } else if response {
                    "fitted_tau"
                } else {
                    "lp_sigma"
                }],
            ));
            pred = pred.max(worst(&p.fit[k], &m) / sd_k);
            let mse = nums(&r[format!("{key}_se")][k]);
            let rel_se = p.se[k]
                .iter()
                .zip(&mse)
                .fold(0.0f64, |w, (a, b)| w.max((a - b).abs() / b.abs()));
            pred_se = pred_se.max(rel_se);
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
fn gaulss_reml() {
    check("gaulss_reml");
}

#[test]
fn gaulss_two_sigma_smooths() {
    check("gaulss_two_sigma");
}

/// mgcv 1.8-41 fits a general family by REML whatever `method` says (its ML reference equals
/// its REML one); here ML is refused in one line instead of silently changed.
#[test]
fn gaulss_ml_is_refused_as_mgcv_fits_reml() {
    let ml = read_json(&test_data().join("general/gaulss_ml.json"));
    let reml = read_json(&test_data().join("general/gaulss_reml.json"));
    assert_eq!(num(&ml["criterion"]), num(&reml["criterion"]));
    let opts = FitOptions {
        method: Method::Ml,
        ..FitOptions::default()
    };
    let family = GeneralFamily::parse("gaulss").unwrap().unwrap();
    let e = fit(ml["formula"].as_str().unwrap(), family, &data(), &opts).unwrap_err();
    let text = e.to_string();
    assert!(text.contains("REML") && !text.contains('\n'), "{text}");
}

#[test]
fn gaulss_needs_two_formulas() {
    let family = GeneralFamily::parse("gaulss").unwrap().unwrap();
    let e = fit(
        "list(y ~ s(x1), ~ s(x1), ~ x2)",
        family,
        &data(),
        &FitOptions::default(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("needs 2 formulas"), "{e}");
}

/// A damaged model file (a coefficient removed, a non-finite covariance) is refused on load
/// in one line naming the problem.
#[test]
fn a_damaged_general_model_file_is_refused() {
    let r = read_json(&test_data().join("general/gaulss_reml.json"));
    let model = GeneralModel::from_fit(&fit_ref(&r));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.json");
    model.save(&path).unwrap();
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    v["coefficients"].as_array_mut().unwrap().pop();
    std::fs::write(&path, v.to_string()).unwrap();
    let e = GeneralModel::load(&path).unwrap_err().to_string();
    assert!(e.contains("coefficients") && !e.contains('\n'), "{e}");
    let mut v: Value = serde_json::from_str(&serde_json::to_string(&model).unwrap()).unwrap();
    v["vp"]["data"][0] = Value::from("x");
    std::fs::write(&path, v.to_string()).unwrap();
    assert!(GeneralModel::load(&path).is_err());
    let mut bad = model.clone();
    bad.reml = f64::NAN;
    let e = bad.save(&path).unwrap_err().to_string();
    assert!(e.contains("criterion"), "{e}");
}
