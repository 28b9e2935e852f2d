//! `gam fit --method` and `--gamma`: mgcv's smoothness criteria on the command line, run through
//! the built binary against mgcv 1.8-41 references (`crates/gam/tests/data/criteria/`).

mod common;

use common::fit::{self, criterion_line, mgcv_criterion_line, r_num as num, test_data};
use common::gam_in;
use serde_json::Value;
use tempfile::TempDir;

/// The criterion against mgcv's `gcv.ubre`, relative (mgcv ran `magic` for Gaussian GCV.Cp).
const CRITERION_REL_TOL: f64 = 1e-6;

/// An mgcv reference of `crates/gam/tests/data/criteria/`.
fn reference(id: &str) -> Value {
    fit::reference(&format!("criteria/{id}.json"))
}

/// `gam fit` of the Gaussian criteria data with `extra` options: its text and JSON outputs.
fn fit(dir: &std::path::Path, extra: &[&str]) -> (String, Value) {
    let data = test_data("criteria/gaussian_n300.csv");
    let mut args = vec!["fit", data.to_str().unwrap(), "y ~ s(x0) + s(x1, bs = \"cr\")"];
    args.extend(extra);
    // JSON first: its `start.source` says whether an earlier fit answered it.
    let mut json_args = vec!["--json"];
    json_args.extend(&args);
    let json = gam_in(dir, &json_args);
    assert_eq!(json.code, 0, "{json:?}");
    let text = gam_in(dir, &args);
    assert_eq!(text.code, 0, "{text:?}");
    (text.stdout, json.json())
}

#[test]
fn method_gcv_prints_gcv_with_mgcv_s_number_and_line() {
    let dir = TempDir::new().unwrap();
    let r = reference("gaussian_GCV.Cp");
    let (text, json) = fit(dir.path(), &["--method", "GCV.Cp"]);
    assert_eq!(criterion_line(&text), mgcv_criterion_line(&r));
    assert!(criterion_line(&text).starts_with("GCV = "), "{text}");
    assert_eq!(json["method"], "GCV");
    let ours = json["reml_score"].as_f64().unwrap();
    let mgcv = num(&r["criterion"]);
    assert!((ours - mgcv).abs() <= CRITERION_REL_TOL * mgcv, "{ours} vs {mgcv}");
}

#[test]
fn method_ml_prints_minus_ml_and_gamma_changes_the_fit() {
    let dir = TempDir::new().unwrap();
    let (text, json) = fit(dir.path(), &["--method", "ML"]);
    assert!(criterion_line(&text).starts_with("-ML = "), "{text}");
    assert_eq!(json["method"], "ML");
    let mgcv = num(&reference("gaussian_ML")["criterion"]);
    let ours = json["reml_score"].as_f64().unwrap();
    assert!((ours - mgcv).abs() <= CRITERION_REL_TOL * mgcv, "{ours} vs {mgcv}");
    // The default is REML, and gamma = 1.4 is its own fit (not answered from the cache).
    let (text, json) = fit(dir.path(), &["--gamma", "1.4"]);
    assert!(criterion_line(&text).starts_with("-REML = "), "{text}");
    assert_eq!(json["gamma"].as_f64(), Some(1.4));
    assert_eq!(json["start"]["source"], "cold");
    let mgcv = num(&reference("gaussian_REML_g1.4")["criterion"]);
    let ours = json["reml_score"].as_f64().unwrap();
    assert!((ours - mgcv).abs() <= CRITERION_REL_TOL * mgcv, "{ours} vs {mgcv}");
}

#[test]
fn a_bad_method_or_gamma_is_a_usage_error() {
    let dir = TempDir::new().unwrap();
    let data = test_data("criteria/gaussian_n300.csv");
    let run = gam_in(
        dir.path(),
        ["fit", data.to_str().unwrap(), "y ~ s(x0)", "--method", "GCV"],
    );
    assert_eq!(run.code, 2, "{run:?}");
    for choice in ["REML", "ML", "GCV.Cp", "GACV.Cp", "P-REML", "P-ML"] {
        assert!(run.stderr.contains(choice), "{choice} not named: {}", run.stderr);
    }
    for bad in ["0", "-1", "NaN", "inf"] {
        let run = gam_in(dir.path(), ["fit", data.to_str().unwrap(), "y ~ s(x0)", "--gamma", bad]);
        assert_eq!(run.code, 2, "--gamma {bad}: {run:?}");
        assert!(run.stderr.contains("gamma"), "{}", run.stderr);
    }
}

#[test]
fn help_gives_mgcv_s_spelling_and_default() {
    let dir = TempDir::new().unwrap();
    let run = gam_in(dir.path(), ["fit", "--help"]);
    assert_eq!(run.code, 0);
    for needle in [
        "--method",
        "method = \"...\"",
        "mgcv's default is GCV.Cp",
        "--gamma",
        "gamma = ...",
        "GACV.Cp",
    ] {
        assert!(run.stdout.contains(needle), "{needle} missing from\n{}", run.stdout);
    }
}

#[test]
fn verify_cache_recomputes_each_criterion_and_cv_fits_with_it() {
    let dir = TempDir::new().unwrap();
    for (data, family) in [
        ("criteria/gamma_n300.csv", "Gamma"),
        ("criteria/gaussian_n300.csv", "gaussian"),
    ] {
        let data = test_data(data);
        for method in ["REML", "ML", "GCV.Cp", "GACV.Cp", "P-REML", "P-ML"] {
            let args = [
                "--json",
                "fit",
                data.to_str().unwrap(),
                "y ~ s(x0) + s(x1, bs = \"cr\")",
                "--family",
                family,
                "--link",
                "log",
                "--method",
                method,
            ];
            let args: Vec<&str> = if family == "gaussian" {
                args.iter().copied().filter(|a| *a != "--link" && *a != "log").collect()
            } else {
                args.to_vec()
            };
            let first = gam_in(dir.path(), &args);
            assert_eq!(first.code, 0, "{first:?}");
            let mut verify = args.clone();
            verify.push("--verify-cache");
            let again = gam_in(dir.path(), &verify);
            assert_eq!(again.code, 0, "{again:?}");
            let j = again.json();
            assert_eq!(j["start"]["source"], "exact_hit", "{family} {method}");
            assert_eq!(
                j["start"]["verified"], true,
                "{family} {method}: the recomputed criterion differs"
            );
            assert_eq!(j["reml_score"], first.json()["reml_score"]);
        }
    }
    // Cross-validation fits every fold with the chosen criterion.
    let data = test_data("criteria/gaussian_n300.csv");
    let cv = |method: &str| {
        let run = gam_in(
            dir.path(),
            [
                "--json",
                "cv",
                data.to_str().unwrap(),
                "y ~ s(x0) + s(x1, bs = \"cr\")",
                "--folds",
                "3",
                "--method",
                method,
            ],
        );
        assert_eq!(run.code, 0, "{run:?}");
        run.json()
    };
    let (reml, gcv) = (cv("REML"), cv("GCV.Cp"));
    assert_eq!(reml["fold"].as_array().unwrap().len(), 3);
    assert_ne!(reml["fold"], gcv["fold"], "the criterion changes the fold fits");
}
