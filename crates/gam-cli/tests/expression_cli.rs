//! Formula expressions through the built `gam` binary (issue 13 item 1):
//! fit `log(y) ~ s(log(x)) + fac*z`, save, predict on new data (the
//! transforms are applied to the new data) and compare with mgcv's
//! `predict.gam`; `--ordered COL` gives R's polynomial contrasts; an
//! expression that fails on new data names the row.

mod common;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use common::fit::{FitRun, parse_csv};
use common::gam_in;
use serde_json::Value;
use tempfile::TempDir;

/// Predictions within this multiple of the sd of mgcv's predictions (the fidelity tolerance).
const PRED_SD_TOL: f64 = 1e-4;

fn data(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../gam/tests/data/expressions")
        .join(file)
}

fn reference(id: &str) -> Value {
    serde_json::from_slice(&std::fs::read(data(&format!("{id}.json"))).unwrap()).unwrap()
}

fn strings(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().parse().unwrap())
        .collect()
}

fn sd(v: &[f64]) -> f64 {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
}

/// Fits `formula` on train.csv with `extra` flags, saves it, predicts on newdata.csv.
fn fit_and_predict(dir: &Path, formula: &str, extra: &[&str]) -> Vec<f64> {
    let model = dir.join("model.json");
    let train = data("train.csv");
    let mut args: Vec<&OsStr> = vec![OsStr::new("fit"), train.as_os_str(), OsStr::new(formula)];
    args.extend(extra.iter().map(OsStr::new));
    args.extend([OsStr::new("--out"), model.as_os_str()]);
    gam_in(dir, args).assert_ok();
    let newdata = data("newdata.csv");
    let run = gam_in(dir, [OsStr::new("predict"), model.as_os_str(), newdata.as_os_str()]);
    run.assert_ok();
    let (header, rows) = parse_csv(&run.stdout);
    assert_eq!(header, ["fit"]);
    rows.iter().map(|r| r[0]).collect()
}

fn assert_close(ours: &[f64], mgcv: &[f64]) {
    assert_eq!(ours.len(), mgcv.len());
    let tol = PRED_SD_TOL * sd(mgcv);
    for (i, (o, m)) in ours.iter().zip(mgcv).enumerate() {
        assert!((o - m).abs() <= tol, "row {}: ours {o}, mgcv {m}", i + 1);
    }
}

#[test]
fn fit_save_predict_applies_the_transforms_to_new_data() {
    let dir = TempDir::new().unwrap();
    let r = reference("fac_times_z");
    assert_eq!(r["formula"], "log(y) ~ s(log(x)) + fac*z");
    let p = fit_and_predict(dir.path(), "log(y) ~ s(log(x)) + fac*z", &[]);
    assert_close(&p, &strings(&r["predict_link"]));
    // The summary names the terms as mgcv does.
    let summary = gam_in(
        dir.path(),
        [OsStr::new("summary"), dir.path().join("model.json").as_os_str()],
    );
    summary.assert_ok();
    // The formula line as R prints it: spaces around `*`.
    for name in ["facB:z", "facC:z", "s(log(x))", "log(y) ~ s(log(x)) + fac * z"] {
        assert!(summary.stdout.contains(name), "{name}: {}", summary.stdout);
    }
}

#[test]
fn ordered_flag_reads_a_column_as_an_ordered_factor() {
    let dir = TempDir::new().unwrap();
    let r = reference("ordered_column");
    let p = fit_and_predict(dir.path(), "y ~ grade + s(x)", &["--ordered", "grade"]);
    assert_close(&p, &strings(&r["predict_link"]));
    let summary = gam_in(
        dir.path(),
        [OsStr::new("summary"), dir.path().join("model.json").as_os_str()],
    );
    assert!(
        summary.stdout.contains("grade.L") && summary.stdout.contains("grade.Q"),
        "{}",
        summary.stdout
    );
    // Without --ordered the same column gets treatment contrasts.
    fit_and_predict(dir.path(), "y ~ grade + s(x)", &[]);
    let summary = gam_in(
        dir.path(),
        [OsStr::new("summary"), dir.path().join("model.json").as_os_str()],
    );
    assert!(
        summary.stdout.contains("gradelo") && !summary.stdout.contains("grade.L"),
        "{}",
        summary.stdout
    );
    // An unknown column is refused.
    let train = data("train.csv");
    gam_in(
        dir.path(),
        [
            OsStr::new("fit"),
            train.as_os_str(),
            OsStr::new("y ~ s(x)"),
            OsStr::new("--ordered"),
            OsStr::new("nosuch"),
        ],
    )
    .assert_error(&["nosuch"]);
}

#[test]
fn an_expression_that_fails_on_new_data_names_the_row() {
    let dir = TempDir::new().unwrap();
    fit_and_predict(dir.path(), "y ~ s(log(x))", &[]);
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "x\n1.5\n2\n-3\n").unwrap();
    gam_in(
        dir.path(),
        [
            OsStr::new("predict"),
            dir.path().join("model.json").as_os_str(),
            bad.as_os_str(),
        ],
    )
    .assert_data_error("log(x)", 3, &["log() of -3"]);
    // At fit time the error points into the formula.
    gam_in(
        dir.path(),
        [OsStr::new("fit"), bad.as_os_str(), OsStr::new("x ~ I(x) + sqrt(x)")],
    )
    .assert_error_lines(3, &["sqrt() of -3 is NaN", "data row 3"]);
}
