//! `gam fit --scale` and `gam cv --scale`: mgcv's `scale =` on the command line, run through the
//! built binary against mgcv 1.8-41 references (`crates/gam/tests/data/known_scale/`).

mod common;

use common::fit::{self, criterion_line, mgcv_criterion_line, r_num as num, test_data};
use common::gam_in;
use serde_json::Value;
use tempfile::TempDir;

/// The criterion against mgcv's `gcv.ubre`, relative (mgcv ran `magic` for Gaussian GCV.Cp).
const CRITERION_REL_TOL: f64 = 1e-6;

const FORMULA: &str = "y ~ s(x0) + s(x1, bs = \"cr\")";

/// An mgcv reference of `crates/gam/tests/data/known_scale/`.
fn reference(id: &str) -> Value {
    fit::reference(&format!("known_scale/{id}.json"))
}

/// `gam fit` of the reference `id` (its data, family, method and scale as mgcv was given them):
/// our text and JSON outputs, and the reference.
fn fit_like(dir: &std::path::Path, id: &str, family: &str) -> (String, Value, Value) {
    let r = reference(id);
    let link = r["link"].as_str().unwrap().to_string();
    let data = test_data(r["data"].as_str().unwrap());
    let scale = r["scale_arg"][0].as_str().unwrap().to_string();
    let method = r["method"].as_str().unwrap().to_string();
    let args = [
        "fit",
        data.to_str().unwrap(),
        FORMULA,
        "--family",
        family,
        "--link",
        &link,
        "--method",
        &method,
        "--scale",
        &scale,
    ];
    let text = gam_in(dir, args);
    assert_eq!(text.code, 0, "{text:?}");
    let mut json_args = vec!["--json"];
    json_args.extend(args);
    let json = gam_in(dir, &json_args);
    assert_eq!(json.code, 0, "{json:?}");
    (text.stdout, json.json(), r)
}

#[test]
fn a_known_gaussian_scale_makes_gcv_cp_ubre_as_mgcv_prints_it() {
    let dir = TempDir::new().unwrap();
    let (text, json, r) = fit_like(dir.path(), "gaussian_GCV.Cp_s2", "gaussian");
    // `UBRE = -0.055425  Scale est. = 2         n = 300`
    assert_eq!(criterion_line(&text), mgcv_criterion_line(&r));
    assert!(text.contains("z value") && text.contains("Chi.sq"), "{text}");
    assert_eq!(json["method"], "UBRE");
    let ours = json["reml_score"].as_f64().unwrap();
    let mgcv = num(&r["criterion"]);
    assert!(
        (ours - mgcv).abs() <= CRITERION_REL_TOL * mgcv.abs(),
        "{ours} vs {mgcv}"
    );
}

#[test]
fn an_estimated_poisson_scale_makes_gcv_cp_gcv_and_a_known_one_fixes_reml() {
    let dir = TempDir::new().unwrap();
    let (text, json, r) = fit_like(dir.path(), "poisson_GCV.Cp_s-1", "poisson");
    assert!(criterion_line(&text).starts_with("GCV = "), "{text}");
    assert_eq!(json["method"], "GCV");
    let ours = json["reml_score"].as_f64().unwrap();
    let mgcv = num(&r["criterion"]);
    assert!((ours - mgcv).abs() <= CRITERION_REL_TOL * mgcv, "{ours} vs {mgcv}");
    let (text, json, r) = fit_like(dir.path(), "gamma_REML_s0.25", "Gamma");
    assert!(criterion_line(&text).contains("Scale est. = 0.25"), "{text}");
    let ours = json["reml_score"].as_f64().unwrap();
    let mgcv = num(&r["criterion"]);
    assert!((ours - mgcv).abs() <= CRITERION_REL_TOL * mgcv, "{ours} vs {mgcv}");
}

#[test]
fn the_scale_is_its_own_cache_entry_and_cv_fits_with_it() {
    let dir = TempDir::new().unwrap();
    let data = test_data("known_scale/gaussian_n300.csv");
    let run = |extra: &[&str]| {
        let mut args = vec!["--json", "fit", data.to_str().unwrap(), FORMULA];
        args.extend(extra);
        let run = gam_in(dir.path(), &args);
        assert_eq!(run.code, 0, "{run:?}");
        run.json()
    };
    let default = run(&[]);
    let known = run(&["--scale", "2"]);
    assert_eq!(known["start"]["source"], "cold", "a known scale is another fit");
    assert_ne!(known["reml_score"], default["reml_score"]);
    let again = run(&["--scale", "2", "--verify-cache"]);
    assert_eq!(again["start"]["source"], "exact_hit");
    assert_eq!(again["start"]["verified"], true);
    let cv = |scale: &str| {
        let run = gam_in(
            dir.path(),
            [
                "--json",
                "cv",
                data.to_str().unwrap(),
                FORMULA,
                "--folds",
                "3",
                "--method",
                "GCV.Cp",
                "--scale",
                scale,
            ],
        );
        assert_eq!(run.code, 0, "{run:?}");
        run.json()
    };
    assert_ne!(cv("2")["fold"], cv("0")["fold"], "the scale changes the fold fits");
}

#[test]
fn a_bad_scale_is_a_usage_error_naming_the_flag() {
    let dir = TempDir::new().unwrap();
    let data = test_data("known_scale/poisson_n300.csv");
    for bad in ["NaN", "inf", "-inf", "two", ""] {
        let run = gam_in(dir.path(), ["fit", data.to_str().unwrap(), "y ~ s(x0)", "--scale", bad]);
        assert_eq!(run.code, 2, "--scale {bad}: {run:?}");
        assert!(run.stderr.contains("--scale"), "{}", run.stderr);
        assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);
    }
    // The negative binomial's scale is part of the family: mgcv ignores `scale =`, we refuse it.
    let run = gam_in(
        dir.path(),
        [
            "fit",
            data.to_str().unwrap(),
            "y ~ s(x0)",
            "--family",
            "nb",
            "--scale",
            "2",
        ],
    );
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("--scale") && run.stderr.contains("nb"),
        "{}",
        run.stderr
    );
}

/// Where mgcv ignores the setting (Poisson and binomial under REML-type criteria) the fit is
/// mgcv's and the user is told, on stderr, that the setting had no effect.
#[test]
fn an_ignored_setting_fits_as_mgcv_and_warns() {
    let dir = TempDir::new().unwrap();
    let r = reference("poisson_REML_s-1");
    let data = test_data(r["data"].as_str().unwrap());
    let run = gam_in(
        dir.path(),
        [
            "--json",
            "fit",
            data.to_str().unwrap(),
            FORMULA,
            "--family",
            "poisson",
            "--scale",
            "-1",
        ],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stderr.contains("scale = -1") && run.stderr.contains("has no effect"),
        "{}",
        run.stderr
    );
    let ours = run.json()["reml_score"].as_f64().unwrap();
    let mgcv = num(&r["criterion"]);
    assert!((ours - mgcv).abs() <= CRITERION_REL_TOL * mgcv, "{ours} vs {mgcv}");
}
