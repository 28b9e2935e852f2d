//! Issue 16 through the built binary: `gam fit --ordered o` with smooths `by` the ordered
//! factor, and a random effect of two factors (Poisson), saved, predicted with standard errors
//! and summarised, against the mgcv 1.8-41 references of `crates/gam/tests/data/i16_re`.

mod common;

use std::ffi::OsStr;

use common::fit::{FitRun, reference, test_data};
use common::gam_in;
use serde_json::Value;
use tempfile::TempDir;

/// mgcv's criterion (REML), relative.
const REML_REL_TOL: f64 = 1e-6;
/// Predictions, as a multiple of sd(y) (Gaussian) or of the linear predictor's sd.
const PRED_SD_TOL: f64 = 1e-4;
/// Standard errors of predictions, relative.
const SE_REL_TOL: f64 = 0.01;

/// A number of the references (a `%.17g` string, alone or in a one-element array).
fn num(v: &Value) -> f64 {
    let v = v.as_array().filter(|a| a.len() == 1).map_or(v, |a| &a[0]);
    v.as_str().and_then(|s| s.parse().ok()).or_else(|| v.as_f64()).unwrap()
}

fn nums(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(num).collect()
}

/// Fits reference `id` with `extra` options, saves it, predicts at new_n8.csv (link scale, with
/// standard errors) and compares the criterion, smooth labels and predictions with mgcv's.
fn fit_and_predict(id: &str, extra: &[&str]) {
    let dir = TempDir::new().unwrap();
    let r = reference(&format!("i16_re/{id}.json"));
    let data = test_data(r["data"].as_str().unwrap());
    let model = dir.path().join("m.json");
    let mut args: Vec<&OsStr> = vec![
        OsStr::new("--json"),
        OsStr::new("fit"),
        data.as_os_str(),
        OsStr::new(r["formula"].as_str().unwrap()),
        OsStr::new("--out"),
        model.as_os_str(),
    ];
    args.extend(extra.iter().map(OsStr::new));
    let run = gam_in(dir.path(), &args);
    run.assert_ok();
    let j = run.json();
    let (ours, mgcv) = (j["reml_score"].as_f64().unwrap(), num(&r["criterion"]));
    assert!(
        (ours - mgcv).abs() <= REML_REL_TOL * mgcv.abs(),
        "{id}: {ours} vs mgcv {mgcv}"
    );
    let want: Vec<&str> = r["sp_names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(j["sp"]["names"], serde_json::json!(want), "{id}");
    let new = test_data("i16_re/new_n8.csv");
    // The model knows o is ordered: new data needs no --ordered.
    let pred = gam_in(
        dir.path(),
        [
            OsStr::new("--json"),
            OsStr::new("predict"),
            model.as_os_str(),
            new.as_os_str(),
            OsStr::new("--se"),
            OsStr::new("--type"),
            OsStr::new("link"),
        ],
    );
    pred.assert_ok();
    let p = pred.json();
    let spread = if r["family"] == "gaussian" {
        num(&r["sd_y"])
    } else {
        num(&r["sd_lp"])
    };
    for (what, ours, mgcv) in [
        ("fit", &p["fit"], &r["predict"]["fit"]),
        ("se_fit", &p["se_fit"], &r["predict"]["se_fit"]),
    ] {
        let ours: Vec<f64> = ours.as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        let mgcv = nums(mgcv);
        assert_eq!(ours.len(), mgcv.len());
        for (a, b) in ours.iter().zip(&mgcv) {
            let ok = if what == "fit" {
                (a - b).abs() <= PRED_SD_TOL * spread
            } else {
                (a - b).abs() <= SE_REL_TOL * b
            };
            assert!(ok, "{id}: {what} {a} vs mgcv {b}");
        }
    }
    // The saved model prints the summary table with mgcv's labels.
    let summary = gam_in(dir.path(), [OsStr::new("summary"), model.as_os_str()]);
    summary.assert_ok();
    for s in r["s_table"].as_array().unwrap() {
        let label = s["label"].as_str().unwrap();
        assert!(
            summary.stdout.contains(&format!("\n{label} ")),
            "{id}: {label} in\n{}",
            summary.stdout
        );
    }
}

#[test]
fn ordered_by_through_the_binary_matches_mgcv() {
    fit_and_predict("ord_by", &["--ordered", "o"]);
}

#[test]
fn random_effect_of_two_factors_through_the_binary_matches_mgcv() {
    fit_and_predict("re_gh_pois", &["--family", "poisson"]);
}

/// Without `--ordered` the by factor is an ordinary factor: one smooth per level, the first
/// included, and treatment contrasts (another model than mgcv's ordered one).
#[test]
fn without_ordered_every_level_gets_a_smooth() {
    let dir = TempDir::new().unwrap();
    let data = test_data("i16_re/re_n300.csv");
    let run = gam_in(
        dir.path(),
        [
            OsStr::new("--json"),
            OsStr::new("fit"),
            data.as_os_str(),
            OsStr::new("y ~ o + s(x) + s(x, by = o)"),
        ],
    );
    run.assert_ok();
    let names = &run.json()["sp"]["names"];
    assert_eq!(names[1], "s(x):oa", "{names}");
}
