//! End-to-end tests of `gam predict`: predictions on the training data against
//! mgcv's fitted values, standard errors and per-term columns, CSV and JSON
//! output, the order of the input rows, and a reader that goes away. Each runs
//! the built `gam` binary on a model of the bundled examples/mcycle.csv and
//! checks its output and exit status.

mod common;

use std::ffi::OsStr;
use std::fs;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::fit::{FitRun, close, mcycle, mcycle_model, parse_csv};
use common::{GAM, gam_in, write};
use tempfile::TempDir;

/// mgcv's fitted values at the first three rows of mcycle (reference `mcycle_cr`).
const MGCV_MCYCLE_CR_FITTED: [f64; 3] = [-68.6830888682002, -106.611986810217, 39.0680305826101];

#[test]
fn predict_on_the_training_data_reproduces_the_fitted_values() {
    let dir = TempDir::new().unwrap();
    let model = mcycle_model(dir.path());
    let run = gam_in(
        dir.path(),
        [OsStr::new("predict"), model.as_os_str(), mcycle().as_os_str()],
    );
    run.assert_ok();
    let (header, rows) = parse_csv(&run.stdout);
    assert_eq!(header, ["fit"]);
    assert_eq!(rows.len(), 133);
    for (row, want) in rows.iter().zip(MGCV_MCYCLE_CR_FITTED) {
        assert!(close(row[0], want, 1e-5), "{} vs mgcv {want}", row[0]);
    }
    // The residual sum of squares of the predictions is the model's deviance.
    let (_, data) = parse_csv(&fs::read_to_string(mcycle()).unwrap());
    let rss: f64 = rows.iter().zip(&data).map(|(p, d)| (d[2] - p[0]).powi(2)).sum();
    let summary = gam_in(
        dir.path(),
        [OsStr::new("summary"), model.as_os_str(), OsStr::new("--json")],
    );
    let deviance = summary.json()["deviance"].as_f64().unwrap();
    assert!(close(rss, deviance, 1e-10), "{rss} vs {deviance}");
    // On the response scale (identity link) the predictions are the same.
    let response = gam_in(
        dir.path(),
        [
            OsStr::new("predict"),
            model.as_os_str(),
            mcycle().as_os_str(),
            OsStr::new("--type"),
            OsStr::new("response"),
        ],
    );
    response.assert_ok();
    assert_eq!(response.stdout, run.stdout);
}

#[test]
fn predict_se_and_terms_give_one_column_each() {
    let dir = TempDir::new().unwrap();
    let model = mcycle_model(dir.path());
    let run = gam_in(
        dir.path(),
        [
            OsStr::new("predict"),
            model.as_os_str(),
            mcycle().as_os_str(),
            OsStr::new("--se"),
            OsStr::new("--terms"),
        ],
    );
    run.assert_ok();
    let (header, rows) = parse_csv(&run.stdout);
    assert_eq!(header, ["fit", "se_fit", "s(times)"]);
    assert_eq!(rows.len(), 133);
    let intercept = -25.5458646616542;
    for r in &rows {
        assert_eq!(r.len(), 3);
        assert!(r[1] > 0.0 && r[1].is_finite());
        // fit = intercept + the smooth's contribution.
        assert!(close(r[0] - r[2], intercept, 1e-6), "{r:?}");
    }
    // --out writes the same CSV to a file and nothing to stdout.
    let out = dir.path().join("preds.csv");
    let to_file = gam_in(
        dir.path(),
        [
            OsStr::new("predict"),
            model.as_os_str(),
            mcycle().as_os_str(),
            OsStr::new("--se"),
            OsStr::new("--terms"),
            OsStr::new("--out"),
            out.as_os_str(),
        ],
    );
    to_file.assert_ok();
    assert!(to_file.stdout.is_empty());
    assert_eq!(fs::read_to_string(&out).unwrap(), run.stdout);
    // --json: the same numbers in one document.
    let json = gam_in(
        dir.path(),
        [
            OsStr::new("predict"),
            model.as_os_str(),
            mcycle().as_os_str(),
            OsStr::new("--se"),
            OsStr::new("--terms"),
            OsStr::new("--json"),
        ],
    );
    json.assert_ok();
    let j = json.json();
    assert_eq!(j["n"], 133);
    assert_eq!(j["fit"].as_array().unwrap().len(), 133);
    assert_eq!(j["se_fit"].as_array().unwrap().len(), 133);
    assert_eq!(j["terms"][0]["label"], "s(times)");
    assert_eq!(j["fit"][0].as_f64().unwrap(), rows[0][0]);
}

#[test]
fn predict_keeps_the_input_rows_in_order() {
    let dir = TempDir::new().unwrap();
    let model = mcycle_model(dir.path());
    // Rows in any order, repeated, outside the training range, no response column.
    let new = write(dir.path(), "new.csv", "times,other\n30,x\n2.4,\n30,y\n57.6,z\n60,w\n");
    let run = gam_in(dir.path(), [OsStr::new("predict"), model.as_os_str(), new.as_os_str()]);
    run.assert_ok();
    let (_, rows) = parse_csv(&run.stdout);
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[0], rows[2]);
    assert_ne!(rows[0], rows[1]);
    assert!(rows.iter().all(|r| r[0].is_finite()));
}

#[test]
fn a_closed_pipe_is_not_a_panic() {
    let dir = TempDir::new().unwrap();
    let model = mcycle_model(dir.path());
    let mut text = String::from("times\n");
    for i in 0..200_000 {
        text.push_str(&format!("{}\n", (i % 570) as f64 / 10.0));
    }
    let big = write(dir.path(), "big.csv", &text);
    let mut child = Command::new(GAM)
        .args([OsStr::new("predict"), model.as_os_str(), big.as_os_str()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert_eq!(first, "fit\n");
    // The reader is gone (dropped above); gam must stop quietly.
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(out.status.success(), "{stderr}");
}
