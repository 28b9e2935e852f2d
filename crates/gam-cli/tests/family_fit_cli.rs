//! End-to-end tests of fits of the non-Gaussian families on the command line:
//! `--family`, `--link`, `--weights` and `cbind(successes, failures)` responses in
//! `gam fit` and `gam predict --type response`, the tables printed for each
//! family, and the cache telling families, links and weights apart.
//!
//! Fits must match mgcv's reference values.

mod common;

use std::ffi::OsStr;
use std::fs;
use std::path::Path;

use common::fit::{FitRun, HEPATITIS_CBIND, column, hepatitis, num, parse_csv, rel_diff, test_data};
use common::{Run, gam_in, write};
use serde_json::Value;
use tempfile::TempDir;

/// `gam.reml_score` of an mgcv reference file under bench/ref.
fn mgcv_reml(reference: &str) -> f64 {
    let path = test_data(&format!("bench/ref/{reference}.json"));
    let doc: Value = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
    doc["gam"]["reml_score"].as_f64().expect("a reml_score")
}

/// Whether `text` has a line that, split on whitespace, has `word` as a field.
fn has_header_word(text: &str, word: &str) -> bool {
    text.lines().any(|l| l.split_whitespace().any(|w| w == word))
}

#[test]
fn a_cbind_binomial_fit_prints_binomial_tables_and_matches_mgcv() {
    let dir = TempDir::new().unwrap();
    let data = hepatitis();
    let text = gam_in(
        dir.path(),
        [
            OsStr::new("fit"),
            data.as_os_str(),
            OsStr::new(HEPATITIS_CBIND),
            OsStr::new("--family"),
            OsStr::new("binomial"),
        ],
    );
    text.assert_ok();
    let out = &text.stdout;
    assert!(out.contains("\nFamily: binomial \n"), "{out}");
    assert!(out.contains("\nLink function: logit \n"), "{out}");
    assert!(out.contains(&format!("\n{HEPATITIS_CBIND}\n")), "{out}");
    // Known scale: z tests for the coefficients, chi-squared for the smooths.
    assert!(out.contains("z value"), "{out}");
    assert!(out.contains("Pr(>|z|)"), "{out}");
    assert!(has_header_word(out, "Chi.sq"), "{out}");
    assert!(!out.contains("t value") && !has_header_word(out, "F"), "{out}");
    assert!(out.contains("Scale est. = 1 "), "{out}");
    assert!(out.contains("n = 83"), "{out}");

    let json = gam_in(
        dir.path(),
        [
            OsStr::new("fit"),
            data.as_os_str(),
            OsStr::new(HEPATITIS_CBIND),
            OsStr::new("--family"),
            OsStr::new("binomial"),
            OsStr::new("--json"),
        ],
    );
    json.assert_ok();
    let j = json.json();
    assert_eq!(j["family"], "binomial");
    assert_eq!(j["link"], "logit");
    assert_eq!(j["scale_estimated"], false);
    assert_eq!(j["scale"], 1.0);
    assert!(
        j["smooths"][0]["chi_sq"].is_f64() && j["smooths"][0].get("F").is_none(),
        "{j}"
    );
    assert!(j["parametric"][0]["z_value"].is_f64(), "{j}");
    let reml = num(&j["reml_score"]);
    let want = mgcv_reml("hepatitis_binom");
    assert!(rel_diff(reml, want) <= 1e-6, "REML {reml} vs mgcv {want}");
}

/// `gam fit --json` of the hepatitis proportions with the trials as weights.
fn hepatitis_proportions(dir: &Path, extra: &[&str]) -> Run {
    let data = test_data("families/hepatitis_prop.csv");
    let mut args = vec![
        OsStr::new("fit"),
        data.as_os_str(),
        OsStr::new("prop ~ s(age)"),
        OsStr::new("--family"),
        OsStr::new("binomial"),
    ];
    args.extend(extra.iter().map(OsStr::new));
    gam_in(dir, args)
}

#[test]
fn proportions_with_trials_as_weights_fit_as_cbind_does() {
    let dir = TempDir::new().unwrap();
    let cbind = gam_in(
        dir.path(),
        [
            OsStr::new("fit"),
            hepatitis().as_os_str(),
            OsStr::new(HEPATITIS_CBIND),
            OsStr::new("--family"),
            OsStr::new("binomial"),
            OsStr::new("--json"),
            OsStr::new("--no-cache"),
        ],
    );
    cbind.assert_ok();
    let prop = hepatitis_proportions(dir.path(), &["--weights", "total", "--json", "--no-cache"]);
    prop.assert_ok();
    let (c, p) = (cbind.json(), prop.json());
    let (rc, rp) = (num(&c["reml_score"]), num(&p["reml_score"]));
    assert!(rel_diff(rc, rp) <= 1e-8, "REML cbind {rc} vs proportions {rp}");
    assert!(rel_diff(rp, mgcv_reml("hepatitis_binom")) <= 1e-6);
    assert_eq!(p["family"], "binomial");
    assert_eq!(p["n"], c["n"]);
    for field in ["deviance", "edf_total"] {
        assert!(rel_diff(num(&c[field]), num(&p[field])) <= 1e-6, "{field}: {c} vs {p}");
    }
    // Without the weights it is another model (each proportion one trial).
    // R warns about the non-integer successes of such a fit, and so does gam.
    let unweighted = hepatitis_proportions(dir.path(), &["--json", "--no-cache"]);
    assert_eq!(unweighted.code, 0, "{unweighted:?}");
    assert!(
        unweighted
            .stderr
            .contains("warning: column 'prop': non-integer numbers of successes"),
        "{unweighted:?}"
    );
    assert!(rel_diff(num(&unweighted.json()["reml_score"]), rp) > 1e-3);
}

#[test]
fn response_scale_predictions_are_the_inverse_link_with_delta_method_ses() {
    let dir = TempDir::new().unwrap();
    let model = dir.path().join("model.json");
    gam_in(
        dir.path(),
        [
            OsStr::new("fit"),
            hepatitis().as_os_str(),
            OsStr::new(HEPATITIS_CBIND),
            OsStr::new("--family"),
            OsStr::new("binomial"),
            OsStr::new("--out"),
            model.as_os_str(),
        ],
    )
    .assert_ok();
    // Inside and outside the data's ages (1 to 86), no response columns.
    let new = write(dir.path(), "new.csv", "age\n0.5\n5\n20\n33.3\n40\n60\n80\n95\n");
    let predict = |extra: &[&str]| {
        let mut args = vec![OsStr::new("predict"), model.as_os_str(), new.as_os_str()];
        args.extend(extra.iter().map(OsStr::new));
        let run = gam_in(dir.path(), args);
        run.assert_ok();
        run
    };
    let (lh, link) = parse_csv(&predict(&["--se"]).stdout);
    let (rh, response) = parse_csv(&predict(&["--se", "--type", "response"]).stdout);
    assert_eq!(lh, ["fit", "se_fit"]);
    assert_eq!(rh, ["fit", "se_fit"]);
    assert_eq!(link.len(), 8);
    assert_eq!(response.len(), 8);
    for (l, r) in link.iter().zip(&response) {
        let (eta, se_eta, mu, se_mu) = (l[0], l[1], r[0], r[1]);
        assert!(mu > 0.0 && mu < 1.0, "mu {mu}");
        let want = 1.0 / (1.0 + (-eta).exp());
        assert!((mu - want).abs() <= 1e-10, "mu {mu} vs 1/(1+exp(-{eta})) = {want}");
        assert!(se_eta > 0.0 && se_mu > 0.0);
        let want_se = se_eta * mu * (1.0 - mu);
        assert!(rel_diff(se_mu, want_se) <= 1e-8, "se {se_mu} vs {want_se}");
    }
    // The JSON says which scale it is on and carries the same numbers.
    let j = predict(&["--se", "--type", "response", "--json"]).json();
    assert_eq!(j["type"], "response");
    assert_eq!(j["n"], 8);
    assert_eq!(num(&j["fit"][3]), response[3][0]);
    assert_eq!(num(&j["se_fit"][3]), response[3][1]);
    // Without --se: the same fitted means.
    let (h, plain) = parse_csv(&predict(&["--type", "response"]).stdout);
    assert_eq!(h, ["fit"]);
    assert_eq!(column(&h, &plain, "fit"), column(&rh, &response, "fit"));
}

#[test]
fn a_gamma_log_fit_prints_f_tests_and_matches_mgcv() {
    let dir = TempDir::new().unwrap();
    let trees = test_data("bench/data/trees.csv");
    let fit = |extra: &[&str]| {
        let mut args = vec![
            OsStr::new("fit"),
            trees.as_os_str(),
            OsStr::new("Volume ~ s(Girth) + s(Height)"),
            OsStr::new("--family"),
            OsStr::new("Gamma"),
            OsStr::new("--link"),
            OsStr::new("log"),
        ];
        args.extend(extra.iter().map(OsStr::new));
        let run = gam_in(dir.path(), args);
        run.assert_ok();
        run
    };
    let text = fit(&[]);
    let out = &text.stdout;
    assert!(out.contains("\nFamily: Gamma \n"), "{out}");
    assert!(out.contains("\nLink function: log \n"), "{out}");
    // Estimated scale: t tests for the coefficients, F for the smooths.
    assert!(out.contains("t value"), "{out}");
    assert!(has_header_word(out, "F"), "{out}");
    assert!(!has_header_word(out, "Chi.sq"), "{out}");
    assert!(out.contains("s(Girth)") && out.contains("s(Height)"), "{out}");
    let j = fit(&["--json"]).json();
    assert_eq!(j["family"], "Gamma");
    assert_eq!(j["link"], "log");
    assert_eq!(j["scale_estimated"], true);
    assert!(j["smooths"][0]["F"].is_f64(), "{j}");
    let reml = num(&j["reml_score"]);
    let want = mgcv_reml("trees_gamma");
    assert!(rel_diff(reml, want) <= 1e-6, "REML {reml} vs mgcv {want}");
}

#[test]
fn the_cache_tells_families_links_and_weights_apart() {
    let dir = TempDir::new().unwrap();
    let cache = dir.path().join("fresh-cache");
    let data = hepatitis();
    let fit = |extra: &[&str]| {
        let mut args = vec![
            OsStr::new("--cache-dir"),
            cache.as_os_str(),
            OsStr::new("fit"),
            data.as_os_str(),
            OsStr::new(HEPATITIS_CBIND),
            OsStr::new("--family"),
            OsStr::new("binomial"),
        ];
        args.extend(extra.iter().map(OsStr::new));
        let run = gam_in(dir.path(), args);
        run.assert_ok();
        run
    };
    let first = fit(&[]);
    assert_eq!(first.stderr, "cache: cold start\n", "{first:?}");
    let second = fit(&[]);
    assert_eq!(second.stderr, "cache: exact hit\n", "{second:?}");
    assert_eq!(second.stdout, first.stdout, "an exact hit prints the same bytes");

    // Another link is another model.
    let probit = fit(&["--link", "probit"]);
    assert!(!probit.stderr.contains("exact hit"), "{probit:?}");
    assert!(probit.stdout.contains("\nLink function: probit \n"), "{probit:?}");
    assert_ne!(probit.stdout, first.stdout);
    let probit_again = fit(&["--link", "probit"]);
    assert_eq!(probit_again.stderr, "cache: exact hit\n");
    assert_eq!(probit_again.stdout, probit.stdout);
    // The logit fit is still there, unchanged.
    let logit = fit(&["--link", "logit"]);
    assert_eq!(logit.stderr, "cache: exact hit\n", "{logit:?}");
    assert_eq!(logit.stdout, first.stdout);

    // Weights are part of the model: with and without them are different fits.
    let prop = |extra: &[&str]| {
        let mut args = vec!["--cache-dir", cache.to_str().unwrap()];
        args.extend(extra);
        let run = hepatitis_proportions(dir.path(), &args);
        assert_eq!(run.code, 0, "{run:?}");
        run
    };
    let weighted = prop(&["--weights", "total"]);
    assert!(!weighted.stderr.contains("exact hit"), "{weighted:?}");
    let unweighted = prop(&[]);
    assert!(!unweighted.stderr.contains("exact hit"), "{unweighted:?}");
    assert_ne!(unweighted.stdout, weighted.stdout);
    assert_eq!(prop(&["--weights", "total"]).stdout, weighted.stdout);
}

#[test]
fn families_with_an_estimated_parameter_name_it_as_mgcv_does() {
    let dir = TempDir::new().unwrap();
    for (file, reference, family, printed) in [
        (
            "families/nb_n400.csv",
            "families/nb_counts.json",
            "nb",
            "Family: Negative Binomial(2.579) ",
        ),
        (
            "families/tweedie_n400.csv",
            "families/tweedie_pos.json",
            "tw",
            "Family: Tweedie(p=1.534) ",
        ),
    ] {
        let data = test_data(file);
        let args = |extra: &[&str]| -> Vec<std::ffi::OsString> {
            let mut a: Vec<std::ffi::OsString> = vec!["fit".into(), data.clone().into_os_string()];
            a.extend(["y ~ s(x0) + s(x1)", "--family", family, "--no-cache"].map(Into::into));
            a.extend(extra.iter().map(Into::into));
            a
        };
        let text = gam_in(dir.path(), args(&[]));
        text.assert_ok();
        assert!(text.stdout.lines().any(|l| l == printed), "{family}: {text:?}");
        let json = gam_in(dir.path(), args(&["--json"]));
        json.assert_ok();
        let j = json.json();
        assert_eq!(j["family"], family);
        let r: Value = serde_json::from_str(&fs::read_to_string(test_data(reference)).unwrap()).unwrap();
        let field = |k: &str| -> f64 { r[k][0].as_str().unwrap().parse().unwrap() };
        let want = field("theta");
        assert!(
            rel_diff(num(&j["theta"]), want) < 1e-3,
            "{family}: θ {} vs mgcv {want}",
            j["theta"]
        );
        assert!(
            rel_diff(num(&j["reml_score"]), field("reml_score")) < 1e-6,
            "{family}: REML"
        );
    }
}

/// `--family cnorm` on a CSV whose `hi` column holds `-Inf` and `Inf` (left and right
/// censoring) and interval ends: the summary names σ as mgcv does, the criterion and σ are
/// mgcv's, a second run is an exact cache hit and `cnorm(link="log")` is another model.
#[test]
fn a_censored_normal_fit_reads_infinite_bounds_and_matches_mgcv() {
    let dir = TempDir::new().unwrap();
    let cache = dir.path().join("cnorm-cache");
    let fit = |file: &str, family: &str, extra: &[&str]| {
        let data = test_data(&format!("efam/{file}"));
        let mut args: Vec<std::ffi::OsString> = vec!["--cache-dir".into(), cache.clone().into_os_string()];
        args.extend(["fit".into(), data.into_os_string()]);
        args.extend(["cbind(lo, hi) ~ s(x0) + s(x1)", "--family", family].map(Into::into));
        args.extend(extra.iter().map(Into::into));
        let run = gam_in(dir.path(), args);
        run.assert_ok();
        run
    };
    let reference = |id: &str| -> Value {
        serde_json::from_str(&fs::read_to_string(test_data(&format!("efam/{id}.json"))).unwrap()).unwrap()
    };
    let field = |r: &Value, k: &str| -> f64 { r[k][0].as_str().unwrap().parse().unwrap() };
    let r = reference("cnorm_mixed_reml");
    let first = fit("cnorm_n400.csv", "cnorm", &[]);
    assert_eq!(first.stderr, "cache: cold start\n", "{first:?}");
    assert!(first.stdout.lines().any(|l| l == "Family: cnorm(0.483) "), "{first:?}");
    assert!(
        first.stdout.contains("Chi.sq") && first.stdout.contains("Scale est. = 1 "),
        "{first:?}"
    );
    let second = fit("cnorm_n400.csv", "cnorm", &[]);
    assert_eq!(second.stderr, "cache: exact hit\n", "{second:?}");
    assert_eq!(second.stdout, first.stdout);
    let j = fit("cnorm_n400.csv", "cnorm", &["--json"]).json();
    assert_eq!(j["family"], "censored normal");
    assert!(rel_diff(num(&j["reml_score"]), field(&r, "criterion")) < 1e-6, "{j}");
    assert!(rel_diff(num(&j["theta"]), field(&r, "theta")) < 1e-4, "{j}");
    let aft = reference("cnorm_aft_log");
    let log = fit("cnorm_aft_n400.csv", "cnorm(link=\"log\")", &["--json"]).json();
    assert_eq!(log["link"], "log");
    assert!(
        rel_diff(num(&log["reml_score"]), field(&aft, "criterion")) < 1e-6,
        "{log}"
    );
}
