//! End-to-end tests of `gam anova` and `gam compare` through the built
//! binary: the text is the library's (which tests/anova_fidelity.rs checks
//! against mgcv and R), the `--json` documents have their documented shape,
//! and refusals are one `error:` line with a non-zero exit status.

mod common;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use common::fit::{FitRun, HEPATITIS_CBIND, hepatitis, mcycle};
use common::{Run, gam_in};
use gam::expert::model::GamModel;
use gam::expert::report::anova::{AnovaTest, anova_models, anova_text, deviance_table_text};
use gam::expert::report::compare::{compare, compare_text};
use tempfile::TempDir;

/// Fits `formula` to `data` (with extra `args`) and saves the model as `dir/name`.
fn fit(dir: &Path, data: &Path, formula: &str, name: &str, args: &[&str]) -> PathBuf {
    let out = dir.join(name);
    let mut all: Vec<&OsStr> = vec![
        OsStr::new("fit"),
        data.as_os_str(),
        OsStr::new(formula),
        OsStr::new("--out"),
        out.as_os_str(),
        OsStr::new("--no-cache"),
    ];
    all.extend(args.iter().map(OsStr::new));
    gam_in(dir, all).assert_ok();
    out
}

/// Three nested mcycle models (k = 5, 10, 20), saved in `dir`.
fn mcycle_models(dir: &Path) -> Vec<PathBuf> {
    [5, 10, 20]
        .iter()
        .map(|k| {
            fit(
                dir,
                &mcycle(),
                &format!("accel ~ s(times, k = {k})"),
                &format!("m{k}.json"),
                &[],
            )
        })
        .collect()
}

fn run(dir: &Path, cmd: &str, models: &[PathBuf], extra: &[&str]) -> Run {
    let mut args: Vec<&OsStr> = vec![OsStr::new(cmd)];
    args.extend(models.iter().map(|m| m.as_os_str()));
    args.extend(extra.iter().map(OsStr::new));
    gam_in(dir, args)
}

fn load(paths: &[PathBuf]) -> (Vec<GamModel>, Vec<String>) {
    let models = paths.iter().map(|p| GamModel::load(p).unwrap()).collect();
    (models, paths.iter().map(|p| p.display().to_string()).collect())
}

fn keys(v: &serde_json::Value) -> Vec<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

#[test]
fn anova_of_one_model_prints_the_library_text_and_json() {
    let dir = TempDir::new().unwrap();
    let models = mcycle_models(dir.path());
    let one = &models[1..2];
    let r = run(dir.path(), "anova", one, &[]);
    r.assert_ok();
    let model = GamModel::load(&one[0]).unwrap();
    assert_eq!(r.stdout, anova_text(&model));
    assert!(r.stdout.contains("Approximate significance of smooth terms:"), "{r:?}");

    let r = run(dir.path(), "anova", one, &["--json"]);
    r.assert_ok();
    let doc = r.json();
    assert_eq!(
        keys(&doc),
        [
            "family",
            "formula",
            "link",
            "parametric_terms",
            "smooth_terms",
            "stat_name"
        ]
    );
    assert_eq!(doc["stat_name"], "F");
    assert_eq!(doc["parametric_terms"].as_array().unwrap().len(), 0);
    let s = &doc["smooth_terms"][0];
    assert_eq!(keys(s), ["edf", "p_value", "ref_df", "stat", "term"]);
    assert_eq!(s["term"], "s(times)");
    assert_eq!(s["edf"].as_f64().unwrap(), model.summary().smooths[0].edf);
}

#[test]
fn anova_of_nested_models_prints_the_analysis_of_deviance() {
    let dir = TempDir::new().unwrap();
    let paths = mcycle_models(dir.path());
    let (models, names) = load(&paths);
    let refs: Vec<&GamModel> = models.iter().collect();
    for (flag, test) in [
        (None, None),
        (Some("F"), Some(AnovaTest::F)),
        (Some("Chisq"), Some(AnovaTest::Chisq)),
    ] {
        let extra: Vec<&str> = flag.map(|f| vec!["--test", f]).unwrap_or_default();
        let r = run(dir.path(), "anova", &paths, &extra);
        r.assert_ok();
        let table = anova_models(&refs, &names, test).unwrap();
        assert_eq!(r.stdout, deviance_table_text(&table), "--test {flag:?}");
        assert!(
            r.stdout
                .starts_with("Analysis of Deviance Table\n\nModel 1: accel ~ s(times, k = 5)\n")
        );

        let mut extra = extra.clone();
        extra.push("--json");
        let r = run(dir.path(), "anova", &paths, &extra);
        r.assert_ok();
        let doc = r.json();
        assert_eq!(
            keys(&doc),
            ["df_dispersion", "dispersion", "models", "test", "warnings"]
        );
        assert_eq!(doc["test"], serde_json::json!(flag));
        let rows = doc["models"].as_array().unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(
            keys(&rows[1]),
            ["F", "deviance", "df", "formula", "p_value", "resid_dev", "resid_df"]
        );
        assert!(rows[0]["df"].is_null() && rows[0]["p_value"].is_null());
        assert_eq!(rows[1]["resid_df"].as_f64().unwrap(), table.models[1].resid_df);
        assert_eq!(rows[1]["p_value"].is_null(), test.is_none());
        assert_eq!(rows[1]["F"].is_null(), test != Some(AnovaTest::F));
    }
}

#[test]
fn compare_prints_the_library_table_and_json() {
    let dir = TempDir::new().unwrap();
    let paths = mcycle_models(dir.path());
    let (models, names) = load(&paths);
    let refs: Vec<&GamModel> = models.iter().collect();
    let r = run(dir.path(), "compare", &paths, &[]);
    r.assert_ok();
    let table = compare(&refs, &names).unwrap();
    assert_eq!(r.stdout, compare_text(&table));
    let header = r.stdout.lines().next().unwrap();
    assert!(header.ends_with("df    logLik      AIC      BIC"), "{header:?}");

    let r = run(dir.path(), "compare", &paths, &["--json"]);
    r.assert_ok();
    let doc = r.json();
    assert_eq!(keys(&doc), ["models"]);
    let rows = doc["models"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(keys(&rows[0]), ["AIC", "BIC", "df", "formula", "label", "logLik", "n"]);
    assert_eq!(rows[2]["label"], names[2].as_str());
    assert_eq!(rows[2]["AIC"].as_f64().unwrap(), table.models[2].aic.unwrap());
    assert_eq!(rows[2]["n"], 133);
}

#[test]
fn models_that_cannot_be_compared_are_refused_in_one_line() {
    let dir = TempDir::new().unwrap();
    let paths = mcycle_models(dir.path());
    // Fewer rows: the first 100 of mcycle.
    let text = std::fs::read_to_string(mcycle()).unwrap();
    let head: String = text.lines().take(101).map(|l| format!("{l}\n")).collect();
    let short = common::write(dir.path(), "short.csv", &head);
    let fewer = fit(dir.path(), &short, "accel ~ s(times, k = 10)", "short.json", &[]);
    let other_response = fit(dir.path(), &mcycle(), "times ~ s(accel, k = 5)", "times.json", &[]);
    let logit = fit(
        dir.path(),
        &hepatitis(),
        HEPATITIS_CBIND,
        "logit.json",
        &["--family", "binomial"],
    );
    let probit = fit(
        dir.path(),
        &hepatitis(),
        HEPATITIS_CBIND,
        "probit.json",
        &["--family", "binomial", "--link", "probit"],
    );
    for cmd in ["anova", "compare"] {
        run(dir.path(), cmd, &[paths[0].clone(), fewer.clone()], &[]).assert_error(&[
            "was fitted to 100 rows",
            "to 133",
            "same rows",
        ]);
        run(dir.path(), cmd, &[paths[0].clone(), other_response.clone()], &[]).assert_error(&["different responses"]);
    }
    run(
        dir.path(),
        "anova",
        &[logit.clone(), probit.clone()],
        &["--test", "Chisq"],
    )
    .assert_error(&["family binomial (link probit)", "cannot be compared"]);
    // AIC compares models of different links.
    run(dir.path(), "compare", &[logit, probit], &[]).assert_ok();
    let missing = dir.path().join("missing.json");
    run(dir.path(), "anova", &[paths[0].clone(), missing], &[]).assert_error(&["missing.json"]);
    let not_a_model = common::write(dir.path(), "junk.json", "{\"a\": 1}");
    run(dir.path(), "compare", &[not_a_model], &[]).assert_error(&["junk.json", "not a gam model"]);
}

#[test]
fn a_test_for_one_model_and_an_unknown_test_are_usage_errors() {
    let dir = TempDir::new().unwrap();
    let paths = mcycle_models(dir.path());
    let r = run(dir.path(), "anova", &paths[..1], &["--test", "F"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert_eq!(r.stderr.lines().count(), 1, "{r:?}");
    assert!(
        r.stderr.starts_with("error: --test applies to an analysis of deviance"),
        "{r:?}"
    );
    let r = run(dir.path(), "anova", &paths, &["--test", "Wald"]);
    assert_eq!(r.code, 2, "{r:?}");
    let r = run(dir.path(), "compare", &[], &[]);
    assert_eq!(r.code, 2, "{r:?}");
}

#[test]
fn an_f_test_at_a_fixed_dispersion_warns_as_r() {
    let dir = TempDir::new().unwrap();
    let small = fit(
        dir.path(),
        &hepatitis(),
        "cbind(positive, negative) ~ s(age, k = 4)",
        "small.json",
        &["--family", "binomial"],
    );
    let big = fit(
        dir.path(),
        &hepatitis(),
        HEPATITIS_CBIND,
        "big.json",
        &["--family", "binomial"],
    );
    let r = run(dir.path(), "anova", &[small, big], &["--test", "F"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        r.stderr,
        "warning: using F test with a 'binomial' family is inappropriate\n"
    );
    assert!(r.stdout.contains("Pr(>F)"), "{r:?}");
}
