//! End-to-end tests of `gam fit` and `gam summary`: the summary as mgcv prints it,
//! the JSON document's fields and values, rows dropped for missing values, gzip
//! and factor columns, and a fit that did not converge. Each runs the built `gam`
//! binary on CSV files written to a temporary directory (or on the bundled
//! examples/mcycle.csv) and checks its output and exit status.

mod common;

use std::ffi::OsStr;
use std::fs;
use std::io::Write as _;

use common::fit::{FitRun, MCYCLE_CR, close, mcycle, mcycle_model, synthetic};
use common::{gam_in, write};
use serde_json::Value;
use tempfile::TempDir;

/// `print(summary(gam(accel ~ s(times, bs = "cr", k = 20), data = mcycle,
/// method = "REML")))` with mgcv 1.8-41 (R 4.x, UTF-8 locale).
const MGCV_MCYCLE_CR_SUMMARY: &str = "
Family: gaussian 
Link function: identity 

Formula:
accel ~ s(times, bs = \"cr\", k = 20)

Parametric coefficients:
            Estimate Std. Error t value Pr(>|t|)    
(Intercept)  -25.546      1.956  -13.06   <2e-16 ***
---
Signif. codes:  0 \u{2018}***\u{2019} 0.001 \u{2018}**\u{2019} 0.01 \u{2018}*\u{2019} 0.05 \u{2018}.\u{2019} 0.1 \u{2018} \u{2019} 1

Approximate significance of smooth terms:
           edf Ref.df     F p-value    
s(times) 11.78  13.97 33.93  <2e-16 ***
---
Signif. codes:  0 \u{2018}***\u{2019} 0.001 \u{2018}**\u{2019} 0.01 \u{2018}*\u{2019} 0.05 \u{2018}.\u{2019} 0.1 \u{2018} \u{2019} 1

R-sq.(adj) =  0.782   Deviance explained = 80.1%
-REML = 616.01  Scale est. = 509.01    n = 133
";

#[test]
fn fit_prints_the_summary_as_mgcv_does() {
    let dir = TempDir::new().unwrap();
    let run = gam_in(
        dir.path(),
        [OsStr::new("fit"), mcycle().as_os_str(), OsStr::new(MCYCLE_CR)],
    );
    run.assert_ok();
    assert_eq!(run.stdout, MGCV_MCYCLE_CR_SUMMARY);
}

#[test]
fn the_readme_command_fits_the_example() {
    // README: gam fit examples/mcycle.csv "accel ~ s(times)" (thin plate basis).
    let dir = TempDir::new().unwrap();
    let run = gam_in(
        dir.path(),
        [OsStr::new("fit"), mcycle().as_os_str(), OsStr::new("accel ~ s(times)")],
    );
    run.assert_ok();
    // mgcv: summary(gam(accel ~ s(times), data = mcycle, method = "REML")).
    for line in [
        "accel ~ s(times)",
        "(Intercept)  -25.546      1.951  -13.09   <2e-16 ***",
        "s(times) 8.625  8.958 53.4  <2e-16 ***",
        "R-sq.(adj) =  0.783   Deviance explained = 79.7%",
        "-REML = 616.14  Scale est. = 506.35    n = 133",
    ] {
        assert!(
            run.stdout.lines().any(|l| l == line),
            "no line {line:?} in\n{}",
            run.stdout
        );
    }
}

#[test]
fn fit_out_then_summary_prints_the_same() {
    let dir = TempDir::new().unwrap();
    let model = dir.path().join("model.json");
    let fit = gam_in(
        dir.path(),
        [
            OsStr::new("fit"),
            mcycle().as_os_str(),
            OsStr::new(MCYCLE_CR),
            OsStr::new("--out"),
            model.as_os_str(),
        ],
    );
    fit.assert_ok();
    let summary = gam_in(dir.path(), [OsStr::new("summary"), model.as_os_str()]);
    summary.assert_ok();
    assert_eq!(summary.stdout, fit.stdout);
    // The JSON document too, whichever side of the subcommand --json is on.
    let fit_json = gam_in(
        dir.path(),
        [
            OsStr::new("--json"),
            OsStr::new("fit"),
            mcycle().as_os_str(),
            OsStr::new(MCYCLE_CR),
        ],
    );
    let summary_json = gam_in(
        dir.path(),
        [OsStr::new("summary"), model.as_os_str(), OsStr::new("--json")],
    );
    fit_json.assert_ok();
    summary_json.assert_ok();
    // `gam fit --json` adds how the cache helped; the rest is the model's.
    let mut fit_doc = fit_json.json();
    let fields = fit_doc.as_object_mut().unwrap();
    assert_eq!(
        fields.remove("iterations_run"),
        Some(Value::from(0)),
        "a refit is a cache hit"
    );
    assert_eq!(fields.remove("start").unwrap()["source"], "exact_hit");
    assert_eq!(fit_doc, summary_json.json());
}

#[test]
fn fit_json_has_the_reference_fields() {
    let dir = TempDir::new().unwrap();
    let run = gam_in(
        dir.path(),
        [
            OsStr::new("fit"),
            mcycle().as_os_str(),
            OsStr::new(MCYCLE_CR),
            OsStr::new("--json"),
        ],
    );
    run.assert_ok();
    let j = run.json();
    for field in [
        "formula",
        "family",
        "link",
        "n",
        "n_dropped",
        "reml_score",
        "edf_total",
        "smooths",
        "scale",
        "deviance",
        "null_deviance",
        "dev_explained",
        "r_sq_adj",
        "loglik",
        "aic",
        "sp",
        "outer",
        "coefficients",
        "parametric",
    ] {
        assert!(j.get(field).is_some(), "no field {field}: {j}");
    }
    assert_eq!(j["formula"], MCYCLE_CR);
    assert_eq!(j["family"], "gaussian");
    assert_eq!(j["link"], "identity");
    assert_eq!(j["n"], 133);
    assert_eq!(j["n_dropped"], 0);
    // mgcv's values (reference mcycle_cr), to the engine's fidelity tolerances.
    let num = |v: &Value| v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"));
    assert!(close(num(&j["reml_score"]), 616.009380483298, 1e-6));
    assert!(close(num(&j["edf_total"]), 12.7849040960794, 1e-4));
    assert!(close(num(&j["scale"]), 509.012106909417, 1e-4));
    assert!(close(num(&j["deviance"]), 61190.9392483722, 1e-4));
    assert!(close(num(&j["null_deviance"]), 308222.710225564, 1e-9));
    assert!(close(num(&j["dev_explained"]), 0.801471672208737, 1e-4));
    assert!(close(num(&j["loglik"]), -596.457275891303, 1e-6));
    assert!(close(num(&j["aic"]), 1221.054179385, 1e-5));
    let s = &j["smooths"][0];
    assert_eq!(j["smooths"].as_array().unwrap().len(), 1);
    assert_eq!(s["label"], "s(times)");
    assert_eq!(s["class"], "cr.smooth");
    assert_eq!(s["n_coef"], 19);
    assert!(close(num(&s["edf"]), 11.7849040960794, 1e-4));
    for f in ["ref_df", "F", "p_value"] {
        num(&s[f]);
    }
    assert_eq!(j["sp"]["names"], serde_json::json!(["s(times)"]));
    assert!(close(num(&j["sp"]["values"][0]), 25.3195481967939, 1e-3));
    assert_eq!(j["outer"]["converged"], true);
    assert!(j["outer"]["iter"].as_u64().is_some());
    assert!(num(&j["outer"]["max_abs_grad"]) < 1e-3);
    let c = &j["coefficients"];
    assert_eq!(c["names"][0], "(Intercept)");
    assert_eq!(c["names"][19], "s(times).19");
    assert_eq!(c["values"].as_array().unwrap().len(), 20);
    assert_eq!(c["se_bayes"].as_array().unwrap().len(), 20);
    assert!(close(num(&c["values"][0]), -25.5458646616542, 1e-9));
    assert!(close(num(&c["se_bayes"][0]), 1.95631252579107, 1e-4));
    let p = &j["parametric"][0];
    assert_eq!(p["name"], "(Intercept)");
    for f in ["estimate", "std_error", "t_value", "p_value"] {
        num(&p[f]);
    }
}

#[test]
fn fit_reports_rows_dropped_for_missing_values() {
    let dir = TempDir::new().unwrap();
    let mut text = synthetic(90);
    text.push_str("0.5,NA,a,1,1.0\n0.25,0.5,b,2,\n0.75,0.5,,3,2.0\n");
    let data = write(dir.path(), "d.csv", &text);
    let run = gam_in(
        dir.path(),
        [OsStr::new("fit"), data.as_os_str(), OsStr::new("y ~ s(x) + z")],
    );
    run.assert_ok();
    // The row missing only an unused column (g) is kept.
    assert!(
        run.stdout.contains("  n = 91\n(2 rows with missing values dropped)\n"),
        "{run:?}"
    );
    let json = gam_in(
        dir.path(),
        [
            OsStr::new("fit"),
            data.as_os_str(),
            OsStr::new("y ~ s(x) + z"),
            OsStr::new("--json"),
        ],
    );
    json.assert_ok();
    assert_eq!(json.json()["n"], 91);
    assert_eq!(json.json()["n_dropped"], 2);
}

#[test]
fn fit_reads_gzip_and_factor_columns() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("d.csv.gz");
    let mut gz = flate2::write::GzEncoder::new(fs::File::create(&path).unwrap(), flate2::Compression::default());
    gz.write_all(synthetic(90).as_bytes()).unwrap();
    gz.finish().unwrap();
    let run = gam_in(
        dir.path(),
        [
            OsStr::new("fit"),
            path.as_os_str(),
            OsStr::new("y~s(x,bs='cr')+code+g"),
            OsStr::new("--factor"),
            OsStr::new("code"),
            OsStr::new("--json"),
        ],
    );
    run.assert_ok();
    let j = run.json();
    assert_eq!(j["n"], 90);
    let names: Vec<&str> = j["coefficients"]["names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(names[..5], ["(Intercept)", "code2", "code3", "gb", "gc"]);
    // The text summary lists the factor coefficients and prints the formula as R does.
    let text = gam_in(
        dir.path(),
        [
            OsStr::new("fit"),
            path.as_os_str(),
            OsStr::new("y~s(x,bs='cr')+code+g"),
            OsStr::new("--factor"),
            OsStr::new("code"),
        ],
    );
    text.assert_ok();
    assert!(
        text.stdout.contains("\nFormula:\ny ~ s(x, bs = \"cr\") + code + g\n"),
        "{text:?}"
    );
    assert!(text.stdout.contains("\ncode2 "), "{text:?}");
}

#[test]
fn summary_says_when_the_fit_did_not_converge() {
    let dir = TempDir::new().unwrap();
    let model = mcycle_model(dir.path());
    let mut m: Value = serde_json::from_str(&fs::read_to_string(&model).unwrap()).unwrap();
    m["outer"]["converged"] = Value::Bool(false);
    m["outer"]["iter"] = 200.into();
    m["outer"]["max_abs_grad"] = 0.0123.into();
    m["outer"]["message"] = "iteration limit reached".into();
    fs::write(&model, serde_json::to_string(&m).unwrap()).unwrap();
    let run = gam_in(dir.path(), [OsStr::new("summary"), model.as_os_str()]);
    run.assert_ok();
    let last = run.stdout.lines().last().unwrap();
    assert!(last.contains("did not converge after 200 iterations"), "{run:?}");
    assert!(last.contains("max |gradient| = 0.0123"), "{run:?}");
    assert!(last.contains("iteration limit reached"), "{run:?}");
}
