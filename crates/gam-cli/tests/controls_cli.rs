//! `gam fit --sp` / `--min-sp`, a term's `s(x, sp = )` and families in R's syntax (`negbin(3)`,
//! `Tweedie(1.25)` with `--link 'power(.1)'`, `quasipoisson`): mgcv's smoothing controls (issue 13
//! item 4) through the built binary: good input fits with the values fixed, bad input is refused
//! with one line (a malformed list as a usage error, exit 2; a list that does not fit the
//! model as a fit error, exit 1).

mod common;

use common::gam_in;
use serde_json::Value;
use tempfile::TempDir;

/// The controls' reference data (tests/data/controls of the library).
fn data() -> String {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../gam/tests/data/controls/gaussian_n300.csv")
        .to_string_lossy()
        .into_owned()
}

/// mgcv's -REML of `y ~ s(x0) + s(x1) + s(x2)` with `sp = c(-1, 5, -1)`
/// (model_sp_negative.json of the library's references).
const MGCV_MODEL_SP_NEGATIVE: f64 = 522.829486302615;
/// The criterion as the CLI prints it, relative.
const REML_REL_TOL: f64 = 1e-6;

fn sp_values(j: &Value) -> Vec<f64> {
    j["sp"]["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect()
}

#[test]
fn sp_and_min_sp_fit_with_the_values_fixed() {
    let dir = TempDir::new().unwrap();
    let formula = "y ~ s(x0) + s(x1) + s(x2)";
    let run = gam_in(dir.path(), ["--json", "fit", &data(), formula, "--sp", "-1,5,-1"]);
    assert_eq!(run.code, 0, "{run:?}");
    let j = run.json();
    let score = j["reml_score"].as_f64().unwrap();
    assert!((score - MGCV_MODEL_SP_NEGATIVE).abs() < REML_REL_TOL * score, "{score}");
    let sp = sp_values(&j);
    assert!((sp[1] - 5.0).abs() < 1e-12, "{sp:?}");
    // R's spelling works too, and is the same fit (the same cache entry).
    let again = gam_in(dir.path(), ["--json", "fit", &data(), formula, "--sp", "c(-1, 5, -1)"]);
    assert_eq!(again.code, 0, "{again:?}");
    assert_eq!(again.json()["reml_score"], j["reml_score"]);
    assert_eq!(again.json()["start"]["source"], "exact_hit");
    // min.sp: the reported values include the minimum; a different option is a different fit.
    let min = gam_in(dir.path(), ["--json", "fit", &data(), formula, "--min-sp", "5,0,0.5"]);
    assert_eq!(min.code, 0, "{min:?}");
    let m = min.json();
    assert_eq!(m["start"]["source"], "cold");
    let sp = sp_values(&m);
    assert!(sp[0] >= 5.0 && sp[2] >= 0.5, "{sp:?}");
    // A term's own sp wins over the model's entry.
    let term = gam_in(
        dir.path(),
        [
            "--json",
            "fit",
            &data(),
            "y ~ s(x0, sp = 0.1) + s(x1) + s(x2)",
            "--sp",
            "2,-1,-1",
        ],
    );
    assert_eq!(term.code, 0, "{term:?}");
    assert!((sp_values(&term.json())[0] - 0.1).abs() < 1e-15);
}

#[test]
fn bad_sp_lists_are_refused_in_one_line() {
    let dir = TempDir::new().unwrap();
    let formula = "y ~ s(x0) + te(x1, x2)";
    let d = data();
    let refuse = |args: &[&str], code: i32, needle: &str| {
        let mut all = vec!["fit", d.as_str(), formula];
        all.extend_from_slice(args);
        let run = gam_in(dir.path(), &all);
        assert_eq!(run.code, code, "{args:?}: {run:?}");
        assert!(run.stderr.contains(needle), "{args:?}: {}", run.stderr);
        assert_eq!(run.stderr.trim().lines().count(), 1, "{args:?}: {}", run.stderr);
    };
    refuse(&["--sp", "0.1,abc,1"], 2, "--sp: 'abc' is not a number");
    refuse(&["--min-sp", "1,,1"], 2, "--min-sp: '' is not a number");
    refuse(
        &["--sp", "0.1,1"],
        1,
        "sp: 2 values given, one per smoothing parameter is needed (the model has 3: s(x0), te(x1,x2)1, te(x1,x2)2)",
    );
    refuse(&["--min-sp", "1,-1,1"], 1, "min.sp: -1 is not allowed");
    let run = gam_in(dir.path(), ["fit", &data(), "y ~ te(x1, x2, sp = 1)"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr
            .contains("term te(x1,x2): sp has 1 value but the term has 2 smoothing parameters"),
        "{}",
        run.stderr
    );
}

#[test]
fn help_gives_mgcvs_spelling() {
    let dir = TempDir::new().unwrap();
    let run = gam_in(dir.path(), ["fit", "--help"]);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout.contains("--sp <SP,...>") && run.stdout.contains("mgcv's `sp = c(0.1, -1, ...)`"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("--min-sp <SP,...>") && run.stdout.contains("mgcv's `min.sp = c(...)`"));
}

/// A data file of the library's controls references.
fn controls(name: &str) -> String {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../gam/tests/data/controls")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

/// mgcv's -REML of the references tweedie125_power01, negbin3 and quasipoisson.
const MGCV_TWEEDIE_POWER: f64 = 1025.98693875406;
const MGCV_NEGBIN3: f64 = 871.227717054918;
const MGCV_QUASIPOISSON: f64 = 345.206089235542;

#[test]
fn families_in_r_syntax_fit_save_and_predict() {
    let dir = TempDir::new().unwrap();
    let model = dir.path().join("tw.json");
    let model_arg = model.to_string_lossy().into_owned();
    let tw = gam_in(
        dir.path(),
        [
            "fit",
            &controls("tweedie_n400.csv"),
            "y ~ s(x0) + s(x1)",
            "--family",
            "Tweedie(1.25)",
            "--link",
            "power(.1)",
            "--out",
            &model_arg,
        ],
    );
    assert_eq!(tw.code, 0, "{tw:?}");
    assert!(
        tw.stdout.contains("\nFamily: Tweedie(1.25) \nLink function: mu^0.1 \n"),
        "{}",
        tw.stdout
    );
    assert!(
        tw.stdout.contains("-REML =   1026  Scale est. = 0.76641   n = 400"),
        "{}",
        tw.stdout
    );
    // The saved model predicts on the response scale through the power link.
    let new = dir.path().join("new.csv");
    std::fs::write(&new, "x0,x1\n0.5,0.5\n0.1,0.9\n").unwrap();
    let pred = gam_in(
        dir.path(),
        ["predict", &model_arg, &new.to_string_lossy(), "--type", "response"],
    );
    assert_eq!(pred.code, 0, "{pred:?}");
    let link = gam_in(dir.path(), ["predict", &model_arg, &new.to_string_lossy()]);
    let rows = |text: &str| -> Vec<f64> { text.lines().skip(1).map(|l| l.trim().parse().unwrap()).collect() };
    for (mu, eta) in rows(&pred.stdout).iter().zip(rows(&link.stdout)) {
        assert!((mu - eta.powf(10.0)).abs() < 1e-10 * mu, "{mu} vs {eta}^10");
    }

    let score = |args: &[&str]| {
        let mut all = vec!["--json", "fit"];
        all.extend_from_slice(args);
        let run = gam_in(dir.path(), &all);
        assert_eq!(run.code, 0, "{run:?}");
        run.json()
    };
    let j = score(&[
        &controls("tweedie_n400.csv"),
        "y ~ s(x0) + s(x1)",
        "--family",
        "Tweedie(1.25)",
        "--link",
        "power(0.1)",
    ]);
    assert!((j["reml_score"].as_f64().unwrap() - MGCV_TWEEDIE_POWER).abs() < REML_REL_TOL * MGCV_TWEEDIE_POWER);
    assert_eq!(j["link"], "mu^0.1");
    let j = score(&[
        &controls("counts_n400.csv"),
        "y ~ s(x0) + s(x1) + s(x2)",
        "--family",
        "negbin(3)",
    ]);
    assert!((j["reml_score"].as_f64().unwrap() - MGCV_NEGBIN3).abs() < REML_REL_TOL * MGCV_NEGBIN3);
    assert_eq!(j["family"], "Negative Binomial(3)");
    let j = score(&[
        &controls("counts_n400.csv"),
        "y ~ s(x0) + s(x1) + x2",
        "--family",
        "quasipoisson",
    ]);
    assert!((j["reml_score"].as_f64().unwrap() - MGCV_QUASIPOISSON).abs() < REML_REL_TOL * MGCV_QUASIPOISSON);
    // A quasi-likelihood has no log-likelihood (R: NA).
    assert!(j["aic"].is_null() && j["loglik"].is_null(), "{j}");
}

#[test]
fn bad_family_syntax_is_a_one_line_usage_error() {
    let dir = TempDir::new().unwrap();
    let d = controls("counts_n400.csv");
    for (family, link, needle) in [
        (
            "negbin(c(2, 3))",
            None,
            "a vector of theta values (mgcv's search over them) is not supported",
        ),
        ("negbin(0)", None, "theta must be a positive number"),
        ("negbin(x)", None, "theta must be a positive number"),
        ("Tweedie(2.5)", None, "p must lie in 1 < p < 2"),
        (
            "Tweedie(1.5)",
            Some("power(x)"),
            "unsupported link 'power(x)' for the Tweedie family",
        ),
        (
            "poisson",
            Some("power(.5)"),
            "unsupported link 'power(.5)' for the poisson family",
        ),
        ("weibull(2)", None, "unsupported family 'weibull(2)'"),
    ] {
        let mut args = vec!["fit", d.as_str(), "y ~ s(x0)", "--family", family];
        if let Some(l) = link {
            args.extend(["--link", l]);
        }
        let run = gam_in(dir.path(), &args);
        assert_eq!(run.code, 2, "{family}: {run:?}");
        assert!(run.stderr.contains(needle), "{family}: {}", run.stderr);
        assert_eq!(run.stderr.trim().lines().count(), 1, "{family}: {}", run.stderr);
    }
}
