//! The front door for general families (`GeneralGam` → `FittedGeneralGam`, issue 17):
//! fits of the committed mgcv 1.8-41 references (`tests/data/general/`, made by
//! `make_refs.R`, `make_multinom_refs.R`, `make_coxph_refs.R`) through the public API agree
//! with mgcv as the expert-level fidelity tests require, and give exactly what the expert
//! path (the `gam` command's) gives: summary lines, model file, predictions; the spec
//! refuses misshapen models in one line; the cache answers a repeated fit; files round-trip.
#![allow(clippy::print_stdout)]

mod common;

use std::collections::BTreeMap;
use std::time::Instant;

use common::cases::test_data;
use common::json::{num, nums, read_json, sd, strings, worst};
use common::tol::{EDF_ABS_TOL, PRED_SD_TOL, REML_REL_TOL};
use gam::expert::data::DataFrame;
use gam::expert::family::general::GeneralFamily;
use gam::expert::fit::FitOptions;
use gam::expert::model::general::GeneralModel;
use gam::expert::report::general::general_summary_lines;
use gam::{Cache, CsvOptions, ErrorKind, FittedGeneralGam, Frame, GeneralGam, PredictType};
use serde_json::Value;

/// The REML criterion, relative (the acceptance).
const CRITERION_REL_TOL: f64 = REML_REL_TOL;
/// Survival probabilities of cox.ph, absolute (as general_coxph_fidelity's).
const SURVIVAL_ABS_TOL: f64 = 1e-5;
/// Rows mgcv predicted at for gaulss and multinom (`nd <- d[1:40, ]`).
const NEW_ROWS: usize = 40;

fn reference(id: &str) -> Value {
    read_json(&test_data().join(format!("general/{id}.json")))
}

fn frame(file: &str) -> Frame {
    Frame::read_csv(test_data().join("general").join(file), &CsvOptions::default()).unwrap()
}

/// The first `n` rows of a CSV file as a frame (mgcv's `d[1:n, ]`).
fn head(file: &str, n: usize) -> Frame {
    let text = std::fs::read_to_string(test_data().join("general").join(file)).unwrap();
    let cut: String = text.lines().take(n + 1).map(|l| format!("{l}\n")).collect();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("head.csv");
    std::fs::write(&path, cut).unwrap();
    Frame::read_csv(&path, &CsvOptions::default()).unwrap()
}

/// Compares a public-API fit with mgcv's reference and with the expert path's model;
/// returns the worst differences for the printout.
fn check_against_mgcv(r: &Value, fitted: &FittedGeneralGam) -> (f64, f64) {
    let id = r["id"].as_str().unwrap();
    let crit = (fitted.criterion() - num(&r["criterion"])).abs() / num(&r["criterion"]).abs();
    assert!(crit <= CRITERION_REL_TOL, "{id}: criterion rel {crit:.2e}");
    let mut edf = 0.0f64;
    let smooths = fitted.smooths();
    for s in r["smooths"].as_array().unwrap() {
        let label = s["label"].as_str().unwrap();
        let ours = smooths
            .iter()
            .find(|x| x.label == label)
            .unwrap_or_else(|| panic!("{id}: no {label}"));
        edf = edf.max((ours.edf - num(&s["edf"])).abs());
    }
    assert!(edf <= EDF_ABS_TOL, "{id}: EDF {edf:.2e}");
    assert_eq!(fitted.coefficient_names(), strings(&r["coef_names"]), "{id}: names");
    assert_eq!(
        fitted.smoothing_parameter_names(),
        strings(&r["sp_names"]),
        "{id}: sp names"
    );
    assert_eq!(fitted.n(), num(&r["n"]) as usize, "{id}: n");
    assert!(fitted.converged(), "{id}: converged");
    // The same model as the expert path (what `gam fit` saves), so the same bytes.
    let data = DataFrame::read_csv(&test_data().join("general").join(r["data"].as_str().unwrap())).unwrap();
    let family = GeneralFamily::parse(r["family"].as_str().unwrap()).unwrap().unwrap();
    let expert = if family == GeneralFamily::CoxPh {
        gam::expert::fit::general::cox::fit(r["formula"].as_str().unwrap(), "status", &data, &FitOptions::default())
    } else {
        gam::expert::fit::general::fit(r["formula"].as_str().unwrap(), family, &data, &FitOptions::default())
    }
    .unwrap();
    let expert = GeneralModel::from_fit(&expert);
    assert_eq!(
        fitted.coefficients(),
        &expert.coefficients[..],
        "{id}: as the expert path"
    );
    let lines: String = general_summary_lines(&expert)
        .iter()
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(fitted.summary(), lines, "{id}: the command's summary");
    (crit, edf)
}

/// Worst |ours − mgcv| over predictor columns, over the sd of mgcv's values of each.
fn worst_scaled(ours: &[Vec<f64>], mgcv: &Value) -> f64 {
    ours.iter()
        .zip(mgcv.as_array().unwrap())
        .map(|(o, m)| {
            let m = nums(m);
            worst(o, &m) / sd(&m)
        })
        .fold(0.0, f64::max)
}

#[test]
fn gaulss_through_the_front_door_matches_mgcv() {
    let r = reference("gaulss_reml");
    let spec = GeneralGam::new(r["formula"].as_str().unwrap(), "gaulss").unwrap();
    assert_eq!(spec.columns(), ["y", "x1", "x2", "x3"]);
    let data = frame("gaulss_n400.csv");
    let t = Instant::now();
    let fitted = spec.fit(&data).unwrap();
    let seconds = t.elapsed().as_secs_f64();
    let (crit, edf) = check_against_mgcv(&r, &fitted);
    assert_eq!(
        (fitted.family(), fitted.family_name()),
        ("gaulss".to_string(), "gaulss")
    );
    assert_eq!(fitted.links(), ["identity", "logb"]);
    assert_eq!(fitted.n_predictors(), 2);
    assert_eq!(fitted.formulas(), ["y ~ s(x1) + s(x2) + x3", "~ s(x1)"]);
    assert_eq!(fitted.method(), "REML");
    assert_eq!(fitted.cache_status().as_deref(), Some("cold start"));
    let p = fitted.covariance().rows;
    assert_eq!(
        (p, fitted.coefficients().len(), fitted.standard_errors().len()),
        (30, 30, 30)
    );
    let nd = head("gaulss_n400.csv", NEW_ROWS);
    let link = fitted.predict(&nd, PredictType::Link).unwrap();
    assert_eq!(link.columns, ["fit_1", "fit_2"]);
    let pred = worst_scaled(&link.fit, &r["pred_link"]);
    assert!(pred <= PRED_SD_TOL, "gaulss: link predictions/sd {pred:.2e}");
    let resp = fitted.predict(&nd, PredictType::Response).unwrap();
    let pred_resp = worst_scaled(&resp.fit, &r["pred_response"]);
    assert!(
        pred_resp <= PRED_SD_TOL,
        "gaulss: response predictions/sd {pred_resp:.2e}"
    );
    println!(
        "gaulss_reml: criterion rel {crit:.2e}, EDF {edf:.2e}, link/sd {pred:.2e}, response/sd {pred_resp:.2e}; \
         fit {seconds:.3}s (mgcv {:.3}s)",
        num(&r["mgcv_seconds_median"])
    );
}

#[test]
fn multinom_class_probabilities_match_mgcv() {
    let r = reference("multinom_k2_reml");
    let data = frame("multinom_k2_n500.csv");
    let t = Instant::now();
    let fitted = GeneralGam::new(r["formula"].as_str().unwrap(), "multinom(K=2)")
        .unwrap()
        .fit(&data)
        .unwrap();
    let seconds = t.elapsed().as_secs_f64();
    let (crit, edf) = check_against_mgcv(&r, &fitted);
    assert_eq!(fitted.family(), "multinom(K=2)");
    let nd = head("multinom_k2_n500.csv", NEW_ROWS);
    let probs = fitted.predict(&nd, PredictType::Response).unwrap();
    assert_eq!(probs.columns, ["p0", "p1", "p2"]);
    let pred = worst_scaled(&probs.fit, &r["pred_response"]);
    assert!(pred <= PRED_SD_TOL, "multinom: probabilities/sd {pred:.2e}");
    println!(
        "multinom_k2_reml: criterion rel {crit:.2e}, EDF {edf:.2e}, probabilities/sd {pred:.2e}; \
         fit {seconds:.3}s (mgcv {:.3}s)",
        num(&r["mgcv_seconds_median"])
    );
}

#[test]
fn cox_ph_survival_matches_mgcv() {
    let r = reference("coxph_reml");
    let spec = GeneralGam::new("time ~ s(x1) + s(x2)", "cox.ph").unwrap();
    let e = spec.fit(&frame("coxph_n400.csv")).unwrap_err();
    assert!(e.to_string().contains("event indicator"), "{e}");
    let spec = spec.weights("status").unwrap();
    let data = frame("coxph_n400.csv");
    let t = Instant::now();
    let fitted = spec.fit(&data).unwrap();
    let seconds = t.elapsed().as_secs_f64();
    let (crit, edf) = check_against_mgcv(&r, &fitted);
    assert_eq!(fitted.family(), "cox.ph");
    assert_eq!(fitted.predictor_columns(PredictType::Link), ["x1", "x2"]);
    assert_eq!(fitted.predictor_columns(PredictType::Response), ["time", "x1", "x2"]);
    let nd = frame("coxph_new.csv");
    let link = fitted.predict(&nd, PredictType::Link).unwrap();
    let pred = worst(&link.fit[0], &nums(&r["pred_link"])) / sd(&nums(&r["linear_predictor"]));
    assert!(pred <= PRED_SD_TOL, "cox.ph: link predictions/sd {pred:.2e}");
    let surv = fitted.predict(&nd, PredictType::Response).unwrap();
    let survival = worst(&surv.fit[0], &nums(&r["pred_response"]));
    assert!(survival <= SURVIVAL_ABS_TOL, "cox.ph: survival {survival:.2e}");
    println!(
        "coxph_reml: criterion rel {crit:.2e}, EDF {edf:.2e}, link/sd {pred:.2e}, survival abs {survival:.2e}; \
         fit {seconds:.3}s (mgcv {:.3}s)",
        num(&r["mgcv_seconds_median"])
    );
}

#[test]
fn misshapen_models_are_refused_in_one_line() {
    let cases: [(&str, &str, &str); 4] = [
        ("list(y ~ s(x), ~ 1)", "poisson", "not a general family"),
        ("y ~ s(x)", "gaulss", "give one formula each as a list"),
        ("list(time ~ s(x), ~ 1)", "cox.ph", "give a single formula"),
        ("list(y ~ s(x), ~ 1)", "multinom(K=0)", "multinom"),
    ];
    for (formula, family, says) in cases {
        let e = GeneralGam::new(formula, family).unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains(says) && !text.contains('\n'),
            "{formula} / {family}: {text}"
        );
    }
    // A formula that does not parse points at the position, as Gam::new's.
    let e = GeneralGam::new("list(y ~ s(x), ~ ", "gaulss").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Formula);
    let e = GeneralGam::new("list(y ~ s(x), ~ 1)", "gaulss")
        .unwrap()
        .weights("w")
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Option);
    let e = GeneralGam::new("list(y ~ s(x), ~ 1)", "gaulss")
        .unwrap()
        .convergence("fast")
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "convergence: unknown convergence test 'fast' (choose one of auto, gam, bam)"
    );
    // An option general families do not support is refused when fitted, naming it.
    let spec = GeneralGam::new("list(y ~ s(x1), ~ s(x1))", "gaulss").unwrap();
    let e = spec
        .clone()
        .method("GCV.Cp")
        .unwrap()
        .fit(&frame("gaulss_n400.csv"))
        .unwrap_err();
    assert!(e.to_string().contains("REML"), "{e}");
    let knots = BTreeMap::from([("x1".to_string(), vec![0.0, 1.0])]);
    assert_eq!(spec.knots(knots).fit_options().knots.len(), 1);
}

#[test]
fn the_cache_answers_a_repeated_fit_and_files_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path().join("cache")).unwrap();
    let spec = GeneralGam::new("list(y ~ s(x1) + s(x2) + x3, ~ s(x1))", "gaulss")
        .unwrap()
        .cache(&cache);
    let data = frame("gaulss_n400.csv");
    let first = spec.fit(&data).unwrap();
    assert_eq!(first.cache_status().as_deref(), Some("cold start"));
    let again = spec.fit(&data).unwrap();
    assert_eq!(again.cache_status().as_deref(), Some("exact hit"));
    assert_eq!(again.coefficients(), first.coefficients());
    assert_eq!(again.summary(), first.summary());
    let json: Value = serde_json::from_str(&again.report_json().unwrap()).unwrap();
    assert_eq!(json["start"]["source"], "exact_hit", "{json}");
    assert_eq!(json["family"], "gaulss");

    // The model file: saved, loaded back equal (the command's format), predicting alike.
    let path = dir.path().join("m.json");
    first.save(&path).unwrap();
    assert!(FittedGeneralGam::is_general_file(&path));
    let loaded = FittedGeneralGam::load(&path).unwrap();
    assert_eq!(loaded.model(), first.model());
    assert_eq!(loaded.cache_status(), None);
    assert_eq!(loaded.summary(), first.summary());
    let summary_json: Value = serde_json::from_str(&loaded.report_json().unwrap()).unwrap();
    assert!(summary_json.get("start").is_none());
    let nd = head("gaulss_n400.csv", 5);
    assert_eq!(
        loaded.predict(&nd, PredictType::Response).unwrap(),
        first.predict(&nd, PredictType::Response).unwrap()
    );
    let text = first.to_json().unwrap();
    assert!(FittedGeneralGam::is_general_json(&text));
    assert_eq!(FittedGeneralGam::from_json(&text).unwrap().model(), first.model());
    assert_eq!(text, std::fs::read_to_string(&path).unwrap());
    // A one-predictor model file is not a general one, and the loader says so.
    assert!(!FittedGeneralGam::is_general_json("{\"format_version\": 3}"));
    assert_eq!(FittedGeneralGam::from_json("{}").unwrap_err().kind(), ErrorKind::Model);
}
