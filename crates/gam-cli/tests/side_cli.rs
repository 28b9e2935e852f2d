//! Nested smooths through the built binary (issue 13 item 6): a model mgcv
//! makes identifiable with `gam.side` fits, is saved, and predicts new data as
//! mgcv does (reference `crates/gam/tests/data/side/s_s_te.json`); a model that
//! mgcv fits only rank-deficiently is fitted the same way.

mod common;

use std::ffi::OsStr;

use common::fit::{FitRun, parse_csv, test_data};
use common::gam_in;
use serde_json::Value;
use tempfile::TempDir;

/// Predictions against mgcv's, as a multiple of sd(y) (the fidelity tests' tolerance).
const PRED_SD_TOL: f64 = 1e-4;

#[test]
fn nested_smooths_fit_save_and_predict_as_mgcv() {
    let dir = TempDir::new().unwrap();
    let data = test_data("side/side_n300.csv");
    let newdata = test_data("side/side_new.csv");
    let model = dir.path().join("m.json");
    let fit = gam_in(
        dir.path(),
        [
            OsStr::new("fit"),
            data.as_os_str(),
            OsStr::new("y ~ s(x0) + s(x1) + te(x0, x1)"),
            OsStr::new("--out"),
            model.as_os_str(),
        ],
    );
    fit.assert_ok();
    assert!(fit.stdout.contains("te(x0,x1)"), "{}", fit.stdout);
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    assert_eq!(saved["coefficients"].as_array().unwrap().len(), 41, "mgcv's count");
    assert_eq!(saved["design"]["smooths"][2]["side_deleted"], serde_json::json!([0, 3]));

    let run = gam_in(
        dir.path(),
        [OsStr::new("predict"), model.as_os_str(), newdata.as_os_str()],
    );
    run.assert_ok();
    let (header, rows) = parse_csv(&run.stdout);
    assert_eq!(header, ["fit"]);
    let reference: Value =
        serde_json::from_str(&std::fs::read_to_string(test_data("side/s_s_te.json")).unwrap()).unwrap();
    let want: Vec<f64> = reference["predict_link"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().parse().unwrap())
        .collect();
    assert_eq!(rows.len(), want.len());
    // y is the first column of the training file (its factor column keeps parse_csv away).
    let text = std::fs::read_to_string(&data).unwrap();
    let y: Vec<f64> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().parse().unwrap())
        .collect();
    let mean = y.iter().sum::<f64>() / y.len() as f64;
    let sd = (y.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (y.len() - 1) as f64).sqrt();
    for (row, w) in rows.iter().zip(&want) {
        assert!((row[0] - w).abs() < PRED_SD_TOL * sd, "{} vs mgcv {w}", row[0]);
    }
}

#[test]
fn a_linear_term_in_a_smooths_null_space_is_fitted_rank_deficient() {
    // Refused before; mgcv fits it with x0 fixed at zero (side/rankdef_x_s.json), and so does
    // the binary: its JSON reports rank 10 of 11 and mgcv's REML score.
    let dir = TempDir::new().unwrap();
    let data = test_data("side/side_n300.csv");
    let run = gam_in(
        dir.path(),
        [
            OsStr::new("fit"),
            data.as_os_str(),
            OsStr::new("y ~ s(x0) + x0"),
            OsStr::new("--json"),
        ],
    );
    assert_eq!(run.code, 0, "{run:?}");
    let json = run.json();
    let want: Value =
        serde_json::from_str(&std::fs::read_to_string(test_data("side/rankdef_x_s.json")).unwrap()).unwrap();
    assert_eq!(json["rank"], 10);
    let names = json["coefficients"]["names"].as_array().unwrap();
    let x0 = names.iter().position(|n| n == "x0").unwrap();
    assert_eq!(json["coefficients"]["values"][x0], 0.0);
    let mgcv: f64 = want["criterion"][0].as_str().unwrap().parse().unwrap();
    let ours = json["reml_score"].as_f64().unwrap();
    assert!((ours - mgcv).abs() < 1e-6 * mgcv, "REML {ours} vs mgcv {mgcv}");
}
