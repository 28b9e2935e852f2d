//! mgcv's extended families with several parameters through the built binary: `--family scat`
//! and `--family ziP` fit, print mgcv's family line, report both parameters in `--json`
//! (against mgcv 1.8-41's references in `crates/gam/tests/data/efam`), and a rerun is answered
//! from the cache with the same bytes; `gam predict --type response` gives ziP's own mean.

mod common;

use std::fs;

use common::fit::{FitRun, num, parse_csv, rel_diff, test_data};
use common::gam_in;
use serde_json::Value;
use tempfile::TempDir;

/// Family parameters against mgcv, relative (the acceptance).
const THETA_REL_TOL: f64 = 1e-4;
/// The criterion against mgcv, relative.
const CRITERION_REL_TOL: f64 = 1e-6;

fn reference(id: &str) -> Value {
    serde_json::from_str(&fs::read_to_string(test_data(&format!("efam/{id}.json"))).unwrap()).unwrap()
}

fn field(r: &Value, k: &str) -> Vec<f64> {
    match &r[k] {
        Value::Array(a) => a.iter().map(|v| v.as_str().unwrap().parse().unwrap()).collect(),
        v => vec![v.as_str().unwrap().parse().unwrap()],
    }
}

#[test]
fn scat_and_zip_fit_print_and_cache_as_mgcv_names_them() {
    let dir = TempDir::new().unwrap();
    let cache = dir.path().join("cache");
    for (id, family, printed) in [
        ("scat_reml", "scat", "Family: Scaled t(5.68,0.68) "),
        ("zip_reml", "ziP", "Family: Zero inflated Poisson(-0.012,1.107) "),
    ] {
        let r = reference(id);
        let data = test_data(&format!("efam/{}", r["data"].as_str().unwrap()));
        let run = |extra: &[&str]| {
            let mut a: Vec<std::ffi::OsString> = vec!["--cache-dir".into(), cache.clone().into_os_string()];
            a.extend(["fit".into(), data.clone().into_os_string()]);
            a.extend([r["formula"].as_str().unwrap(), "--family", family].map(Into::into));
            a.extend(extra.iter().map(Into::into));
            let out = gam_in(dir.path(), a);
            out.assert_ok();
            out
        };
        let first = run(&[]);
        assert_eq!(first.stderr, "cache: cold start\n", "{id}: {first:?}");
        assert!(first.stdout.lines().any(|l| l == printed), "{id}: {first:?}");
        let again = run(&[]);
        assert_eq!(again.stderr, "cache: exact hit\n", "{id}: {again:?}");
        assert_eq!(again.stdout, first.stdout, "{id}: an exact hit prints the same bytes");
        let j = run(&["--json"]).json();
        let ours: Vec<f64> = j["family_parameters"]
            .as_array()
            .unwrap_or_else(|| panic!("{id}: {j}"))
            .iter()
            .map(num)
            .collect();
        let want = field(&r, "theta");
        assert_eq!(ours.len(), want.len(), "{id}");
        for (a, b) in ours.iter().zip(&want) {
            assert!(rel_diff(*a, *b) < THETA_REL_TOL, "{id}: {a} vs mgcv {b}");
        }
        assert!(
            rel_diff(num(&j["reml_score"]), field(&r, "criterion")[0]) < CRITERION_REL_TOL,
            "{id}"
        );
    }
}

#[test]
fn zip_response_predictions_are_its_mean_with_delta_method_ses() {
    let dir = TempDir::new().unwrap();
    let r = reference("zip_reml");
    let data = test_data("efam/zip_n400.csv");
    let model = dir.path().join("zip.json");
    gam_in(
        dir.path(),
        [
            "--no-cache".as_ref(),
            "fit".as_ref(),
            data.as_os_str(),
            "y ~ s(x0) + s(x1)".as_ref(),
            "--family".as_ref(),
            "ziP".as_ref(),
            "--out".as_ref(),
            model.as_os_str(),
        ],
    )
    .assert_ok();
    let pred = gam_in(
        dir.path(),
        [
            "predict".as_ref(),
            model.as_os_str(),
            data.as_os_str(),
            "--type".as_ref(),
            "response".as_ref(),
            "--se".as_ref(),
        ],
    );
    pred.assert_ok();
    let (header, rows) = parse_csv(&pred.stdout);
    assert_eq!(header, ["fit", "se_fit"], "{pred:?}");
    let (fit, se) = (field(&r, "pred_response"), field(&r, "pred_response_se"));
    for (i, (f, s)) in fit.iter().zip(&se).enumerate() {
        assert!(rel_diff(rows[i][0], *f) < 1e-6, "row {i}: {} vs mgcv {f}", rows[i][0]);
        assert!(
            rel_diff(rows[i][1], *s) < 1e-4,
            "row {i}: se {} vs mgcv {s}",
            rows[i][1]
        );
    }
}
