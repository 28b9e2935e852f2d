//! `gam predict` and `gam summary` on a damaged model file: one `error:` line
//! naming the file and the inconsistency, nothing on stdout, a failure exit
//! status that is not a panic's (101); on the undamaged file, output
//! identical to the fitted model's. Models of every basis type are fitted
//! by the binary; the damages are those of the library's tests.

mod common;
#[path = "../../gam/tests/common/damage.rs"]
mod damage;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::fit::{FitRun, synthetic};
use common::{GAM, Run, gam_in, write};
use damage::DAMAGES;
use serde_json::Value;
use tempfile::TempDir;

/// The exit status of a Rust panic.
const PANIC_EXIT: i32 = 101;

/// One model of each basis type (tp, cr, cc, ps, re, te, ti, a factor by).
const FORMULAS: &[&str] = &[
    "y ~ g + s(x)",
    "y ~ s(x, bs = \"cr\", k = 6)",
    "y ~ s(x, bs = \"cc\", k = 6)",
    "y ~ s(x, bs = \"ps\", k = 8)",
    "y ~ x + s(g, bs = \"re\")",
    "y ~ te(x, z, k = 4)",
    "y ~ ti(x, z, k = 4) + s(x, k = 5)",
    "y ~ g + s(x, by = g, k = 5)",
];

/// Fits `formula` to `data` and saves it as `name`.
fn fit(dir: &Path, data: &Path, formula: &str, name: &str) -> PathBuf {
    let out = dir.join(name);
    gam_in(
        dir,
        [
            OsStr::new("fit"),
            data.as_os_str(),
            OsStr::new(formula),
            OsStr::new("--out"),
            out.as_os_str(),
        ],
    )
    .assert_ok();
    out
}

fn predict(dir: &Path, model: &Path, data: &Path) -> Run {
    gam_in(
        dir,
        [
            OsStr::new("predict"),
            model.as_os_str(),
            data.as_os_str(),
            OsStr::new("--se"),
            OsStr::new("--terms"),
        ],
    )
}

fn summary(dir: &Path, model: &Path) -> Run {
    gam_in(dir, [OsStr::new("summary"), model.as_os_str()])
}

fn assert_refused(run: &Run, model: &Path, needle: &str) {
    assert_ne!(run.code, PANIC_EXIT, "a panic: {run:?}");
    run.assert_error(&[needle, &format!("{}: not a gam model", model.display())]);
}

#[test]
fn damaged_files_are_refused_by_predict_and_summary() {
    let dir = TempDir::new().unwrap();
    let data = write(dir.path(), "d.csv", &synthetic(150));
    let mut applied = vec![0usize; DAMAGES.len()];
    for (i, formula) in FORMULAS.iter().enumerate() {
        let model = fit(dir.path(), &data, formula, &format!("m{i}.json"));
        let value: Value = serde_json::from_slice(&std::fs::read(&model).unwrap()).unwrap();
        // Control: the file read and written again predicts and summarises identically.
        let copy = write(dir.path(), &format!("m{i}-copy.json"), &value.to_string());
        let (want, got) = (predict(dir.path(), &model, &data), predict(dir.path(), &copy, &data));
        want.assert_ok();
        assert_eq!(got.stdout, want.stdout, "{formula}");
        assert_eq!(
            summary(dir.path(), &copy).stdout,
            summary(dir.path(), &model).stdout,
            "{formula}"
        );
        for (d, damage) in DAMAGES.iter().enumerate() {
            let mut v = value.clone();
            if !(damage.apply)(&mut v) {
                continue;
            }
            applied[d] += 1;
            let bad = write(dir.path(), &format!("m{i}-d{d}.json"), &v.to_string());
            assert_refused(&predict(dir.path(), &bad, &data), &bad, damage.needle);
            assert_refused(&summary(dir.path(), &bad), &bad, damage.needle);
        }
    }
    for (damage, n) in DAMAGES.iter().zip(applied) {
        assert!(n > 0, "no model could be damaged by: {}", damage.name);
    }
}

/// NaN statistics (a p-value, R², AIC) are written as null and shown, not refused.
#[test]
fn summary_shows_a_model_with_nan_statistics() {
    let dir = TempDir::new().unwrap();
    let data = write(dir.path(), "d.csv", &synthetic(150));
    let model = fit(dir.path(), &data, FORMULAS[0], "m.json");
    let mut v: Value = serde_json::from_slice(&std::fs::read(&model).unwrap()).unwrap();
    v["r_sq_adj"] = Value::Null;
    v["aic"] = Value::Null;
    let nan = write(dir.path(), "nan.json", &v.to_string());
    let run = summary(dir.path(), &nan);
    run.assert_ok();
    assert!(run.stdout.contains("R-sq.(adj) =    NaN"), "{run:?}");
    let json = gam_in(
        dir.path(),
        [OsStr::new("summary"), nan.as_os_str(), OsStr::new("--json")],
    );
    json.assert_ok();
    assert!(
        json.json()["aic"].is_null() && json.json()["r_sq_adj"].is_null(),
        "{json:?}"
    );

    // A version 1 file stores its tables, where a statistic may be NaN too.
    let v1 = Path::new(env!("CARGO_MANIFEST_DIR")).join("../gam/tests/data/model_v1/cake.json");
    let mut v: Value = serde_json::from_slice(&std::fs::read(v1).unwrap()).unwrap();
    v["summary"]["parametric"][0]["p_value"] = Value::Null;
    v["summary"]["smooths"][0]["stat"] = Value::Null;
    let nan = write(dir.path(), "nan_v1.json", &v.to_string());
    let run = summary(dir.path(), &nan);
    run.assert_ok();
    assert!(run.stdout.matches("NaN").count() == 2, "{run:?}");
}

/// A FIFO named as the model is refused at once, not waited on.
#[test]
fn a_fifo_as_the_model_does_not_hang() {
    let dir = TempDir::new().unwrap();
    let fifo = dir.path().join("m.json");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo runs");
    assert!(made.success());
    let mut child = Command::new(GAM)
        .args([OsStr::new("summary"), fifo.as_os_str()])
        .env("GAM_CACHE_DIR", dir.path().join(".gam-cache"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("gam summary on a FIFO still waits after 20 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let run: Run = child.wait_with_output().unwrap().into();
    assert_refused(&run, &fifo, "not a regular file");
}
