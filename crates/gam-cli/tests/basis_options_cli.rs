//! `gam fit --select` and `--knots` (mgcv's `select = TRUE` and `knots = list(...)`), through the
//! built binary, against the mgcv 1.8-41 references of `crates/gam/tests/data/bases_i13`.

mod common;

use std::ffi::OsStr;

use common::fit::{FitRun, test_data};
use common::{gam_in, write};
use serde_json::Value;
use tempfile::TempDir;

/// mgcv's criterion (REML), relative.
const REML_REL_TOL: f64 = 1e-6;

/// A number of the references (written as a string, `%.17g`).
fn num(v: &Value) -> f64 {
    let v = v.as_array().and_then(|a| a.first()).unwrap_or(v);
    v.as_str().and_then(|s| s.parse().ok()).or_else(|| v.as_f64()).unwrap()
}

/// `--knots NAME=V1,V2,...` for the reference's knots of `name`, each value written so that it
/// parses back to the same double.
fn knots_arg(r: &Value, name: &str) -> String {
    let values: Vec<String> = r["knots"][name]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| format!("{:?}", num(v)))
        .collect();
    format!("{name}={}", values.join(","))
}

fn reference(id: &str) -> Value {
    let text = std::fs::read_to_string(test_data(&format!("bases_i13/{id}.json"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn fit(dir: &std::path::Path, id: &str, extra: &[&str]) -> common::Run {
    let r = reference(id);
    let data = test_data(r["data"].as_str().unwrap());
    let mut args: Vec<&OsStr> = vec![
        OsStr::new("--json"),
        OsStr::new("--no-cache"),
        OsStr::new("fit"),
        data.as_os_str(),
        OsStr::new(r["formula"].as_str().unwrap()),
    ];
    args.extend(extra.iter().map(OsStr::new));
    gam_in(dir, args)
}

fn assert_matches(run: &common::Run, id: &str) {
    assert_eq!(run.code, 0, "{run:?}");
    let r = reference(id);
    let ours = run.json()["reml_score"].as_f64().unwrap();
    let mgcv = num(&r["criterion"]);
    assert!(
        (ours - mgcv).abs() <= REML_REL_TOL * mgcv.abs(),
        "{id}: {ours} vs mgcv {mgcv}"
    );
}

#[test]
fn select_fits_mgcvs_model() {
    let dir = TempDir::new().unwrap();
    let run = fit(dir.path(), "select", &["--select"]);
    assert_matches(&run, "select");
    assert_eq!(
        run.json()["sp"]["names"],
        serde_json::json!(["s(x0)1", "s(x0)2", "s(x1)1", "s(x1)2", "s(x4)1", "s(x4)2"])
    );
    // Without the flag it is another model.
    let plain = fit(dir.path(), "select", &[]);
    assert_eq!(plain.code, 0, "{plain:?}");
    assert_ne!(plain.json()["reml_score"], run.json()["reml_score"]);
}

#[test]
fn knots_by_value_and_by_file_give_mgcvs_cyclic_period() {
    let dir = TempDir::new().unwrap();
    assert_matches(
        &fit(dir.path(), "knots_cc_period", &["--knots", "hour=0,24"]),
        "knots_cc_period",
    );
    // A file: one column per covariate, a shorter column's empty cells ignored.
    let file = write(dir.path(), "knots.csv", "hour,unused\n0,1\n24,\n");
    let run = fit(dir.path(), "knots_cc_period", &["--knots", file.to_str().unwrap()]);
    assert_matches(&run, "knots_cc_period");
    assert!(
        run.stderr.contains("'unused'"),
        "the unused column is named in a warning: {run:?}"
    );
    // Repeatable: knots for two smooths.
    let r = reference("knots_tp");
    let (hour, x) = (knots_arg(&r, "hour"), knots_arg(&r, "x"));
    let run = fit(dir.path(), "knots_tp", &["--knots", &hour, "--knots", &x]);
    assert_matches(&run, "knots_tp");
}

#[test]
fn bad_knots_are_one_line_errors() {
    let dir = TempDir::new().unwrap();
    // Malformed on the command line: a usage error.
    let run = fit(dir.path(), "knots_cc_period", &["--knots", "hour=0,noon"]);
    assert_eq!(run.code, 2, "{run:?}");
    run.assert_error(&["--knots 'hour=0,noon'", "finite numbers"]);
    let run = fit(
        dir.path(),
        "knots_cc_period",
        &["--knots", "hour=0,24", "--knots", "hour=1,2"],
    );
    assert_eq!(run.code, 2, "{run:?}");
    run.assert_error(&["'hour' given twice"]);
    // Well-formed but wrong for the basis: the model is refused, naming the term.
    let run = fit(dir.path(), "knots_cc_period", &["--knots", "hour=0,12,24"]);
    assert_eq!(run.code, 1, "{run:?}");
    run.assert_error(&["s(hour", "3 knots given but this basis needs 8 or 2"]);
    // A file that is not there.
    let missing = dir.path().join("nope.csv");
    let run = fit(dir.path(), "knots_cc_period", &["--knots", missing.to_str().unwrap()]);
    assert_ne!(run.code, 0, "{run:?}");
    run.assert_error(&["nope.csv"]);
}
