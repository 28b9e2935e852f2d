//! `gam fit data.csv "time ~ s(x1) + s(x2)" --family cox.ph --weights status`: mgcv's Cox PH
//! family through the CLI (numbers checked against mgcv in the library's
//! `general_coxph_fidelity` test; here the printout's lines against mgcv's), the saved model's
//! summary and survival predictions, and the one-line errors for a missing status column
//! and a list formula.

mod common;

use common::fit::{FitRun, reference, test_data};
use common::gam_in;
use tempfile::TempDir;

const FORMULA: &str = "time ~ s(x1) + s(x2)";
/// REML criterion against mgcv's, relative (issue 17's acceptance).
const REML_REL_TOL: f64 = 1e-6;
/// Each smooth's EDF against mgcv's, absolute.
const EDF_ABS_TOL: f64 = 0.01;
/// Link-scale predictions against mgcv's, as a fraction of their standard deviation.
const PRED_SD_TOL: f64 = 1e-4;
/// Link-scale standard errors against mgcv's, relative.
const SE_REL_TOL: f64 = 1e-3;

fn data() -> String {
    test_data("general/coxph_n400.csv").to_string_lossy().into_owned()
}

#[test]
fn coxph_fits_prints_mgcvs_summary_and_predicts_survival() {
    let dir = TempDir::new().unwrap();
    let run = gam_in(
        dir.path(),
        [
            "fit",
            &data(),
            FORMULA,
            "--family",
            "cox.ph",
            "--weights",
            "status",
            "--out",
            "m.json",
        ],
    );
    run.assert_ok();
    let r = reference("general/coxph_reml.json");
    // Every line but the smooth table's (its EDFs may differ from mgcv's in the last printed
    // digit; the library's fidelity test compares those with that allowance).
    for line in r["summary_text"].as_array().unwrap() {
        let line = line.as_str().unwrap();
        if line.starts_with("s(") {
            continue;
        }
        assert!(run.stdout.lines().any(|l| l == line), "{line:?}: {}", run.stdout);
    }
    let summary = gam_in(dir.path(), ["summary", "m.json"]);
    summary.assert_ok();
    assert_eq!(summary.stdout, run.stdout);
    std::fs::copy(test_data("general/coxph_new.csv"), dir.path().join("nd.csv")).unwrap();
    let pred = gam_in(
        dir.path(),
        ["predict", "m.json", "nd.csv", "--type", "response", "--se"],
    );
    pred.assert_ok();
    let mut lines = pred.stdout.lines();
    assert_eq!(lines.next(), Some("fit_1,se_fit_1"));
    for (i, line) in lines.enumerate() {
        let v: Vec<f64> = line.split(',').map(|x| x.parse().unwrap()).collect();
        let fit = r["pred_response"][i].as_str().unwrap().parse::<f64>().unwrap();
        let se = r["pred_response_se"][i].as_str().unwrap().parse::<f64>().unwrap();
        assert!((v[0] - fit).abs() < 1e-4, "survival row {i}: {} vs {fit}", v[0]);
        assert!((v[1] - se).abs() <= 1e-3 * se, "se row {i}: {} vs {se}", v[1]);
    }
}

#[test]
fn coxph_without_status_or_with_a_list_is_a_one_line_error() {
    let dir = TempDir::new().unwrap();
    let d = data();
    gam_in(dir.path(), ["fit", &d, FORMULA, "--family", "cox.ph"]).assert_error(&["--weights"]);
    gam_in(
        dir.path(),
        [
            "fit",
            &d,
            "list(time ~ s(x1), ~ s(x2))",
            "--family",
            "cox.ph",
            "--weights",
            "status",
        ],
    )
    .assert_error(&["single formula"]);
}

fn nums(v: &serde_json::Value) -> Vec<f64> {
    let one = |x: &serde_json::Value| x.as_str().map_or_else(|| x.as_f64().unwrap(), |s| s.parse().unwrap());
    match v {
        serde_json::Value::Array(a) => a.iter().map(one).collect(),
        v => vec![one(v)],
    }
}

/// `gam fit --json` of a cox.ph model (REML criterion and each smooth's EDF against mgcv's)
/// and `gam predict --type link --se` on new rows (against mgcv's `predict(b, nd,
/// se.fit = TRUE)`).
#[test]
fn coxph_json_and_link_predictions_hold_mgcvs_numbers() {
    let dir = TempDir::new().unwrap();
    let run = gam_in(
        dir.path(),
        [
            "fit",
            &data(),
            FORMULA,
            "--family",
            "cox.ph",
            "--weights",
            "status",
            "--json",
            "--out",
            "m.json",
        ],
    );
    run.assert_ok();
    let fit = run.json();
    let r = reference("general/coxph_reml.json");
    let (ours, theirs) = (fit["reml_score"].as_f64().unwrap(), nums(&r["criterion"])[0]);
    assert!(
        (ours - theirs).abs() <= REML_REL_TOL * theirs.abs(),
        "REML {ours} vs mgcv {theirs}"
    );
    assert_eq!(fit["family"], "Cox PH"); // mgcv's family name, as its summary prints it
    let ours_smooths = fit["smooths"].as_array().unwrap();
    let mgcv_smooths = r["smooths"].as_array().unwrap();
    assert_eq!(ours_smooths.len(), mgcv_smooths.len());
    for (s, m) in ours_smooths.iter().zip(mgcv_smooths) {
        assert_eq!(s["label"], m["label"]);
        let (a, b) = (s["edf"].as_f64().unwrap(), nums(&m["edf"])[0]);
        assert!((a - b).abs() <= EDF_ABS_TOL, "{}: EDF {a} vs mgcv {b}", s["label"]);
    }
    let summary = gam_in(dir.path(), ["summary", "m.json", "--json"]);
    summary.assert_ok();
    assert_eq!(summary.json()["reml_score"], fit["reml_score"]);

    std::fs::copy(test_data("general/coxph_new.csv"), dir.path().join("nd.csv")).unwrap();
    let pred = gam_in(dir.path(), ["predict", "m.json", "nd.csv", "--type", "link", "--se"]);
    pred.assert_ok();
    let mut lines = pred.stdout.lines();
    assert_eq!(lines.next(), Some("fit_1,se_fit_1"));
    let (fit_ref, se_ref) = (nums(&r["pred_link"]), nums(&r["pred_link_se"]));
    let mean = fit_ref.iter().sum::<f64>() / fit_ref.len() as f64;
    let sd = (fit_ref.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (fit_ref.len() - 1) as f64).sqrt();
    let rows: Vec<Vec<f64>> = lines
        .map(|l| l.split(',').map(|x| x.parse().unwrap()).collect())
        .collect();
    assert_eq!(rows.len(), fit_ref.len());
    for (i, v) in rows.iter().enumerate() {
        assert!(
            (v[0] - fit_ref[i]).abs() <= PRED_SD_TOL * sd,
            "link row {i}: {} vs mgcv {}",
            v[0],
            fit_ref[i]
        );
        assert!(
            (v[1] - se_ref[i]).abs() <= SE_REL_TOL * se_ref[i],
            "link se row {i}: {} vs mgcv {}",
            v[1],
            se_ref[i]
        );
    }
}
