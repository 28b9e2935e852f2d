//! mgcv's `cox.ph` family (issue 17) against mgcv 1.8-41: Cox proportional hazards with two
//! smooths, ~28% censored, tied times, the event indicator given as weights; references made
//! by `tests/data/general/make_coxph_refs.R` on data of its own.
//!
//! Per fit: the REML criterion, per-term EDF, coefficient names (no intercept), the linear
//! predictor and the fitted survival; predictions on new (x, t) rows on the link scale and as
//! survival probabilities (mgcv's `predict(type = "response", se.fit = TRUE)`), with standard
//! errors, from the model saved and read back; mgcv's printed summary, line by line; invalid
//! times and event indicators refused in one line naming the row.
#![allow(clippy::print_stdout)]

#[macro_use]
mod common;

use common::cases::test_data;
use common::json::{num, nums, read_json, sd, strings, worst};
use common::tol::{EDF_ABS_TOL, PRED_SD_TOL, REML_REL_TOL};
use gam::expert::data::DataFrame;
use gam::expert::fit::FitOptions;
use gam::expert::fit::general::GeneralFit;
use gam::expert::fit::general::cox::fit;
use gam::expert::model::general::GeneralModel;
use gam::expert::report::general::general_summary_lines;

/// The REML criterion, relative (the acceptance).
const CRITERION_REL_TOL: f64 = REML_REL_TOL;
/// Prediction standard errors (link and survival), relative (as general_fidelity's: mgcv
/// stops its outer iteration where the criterion is flat to ~1e-11 but EDF still move ~1e-4).
const SE_REL_TOL: f64 = 1e-3;
/// Printed summary numbers: units in the last printed digit (the same flatness moves the
/// third decimal of an EDF).
const LAST_DIGIT_UNITS: f64 = 1.0;
/// Survival predictions, absolute (probabilities).
const SURVIVAL_ABS_TOL: f64 = 1e-5;

fn data() -> DataFrame {
    DataFrame::read_csv(&test_data().join("general").join("coxph_n400.csv")).unwrap()
}

/// Whether two printed lines agree: equal, or equal word for word except numbers that differ
/// by at most [`LAST_DIGIT_UNITS`] in their last printed digit.
fn same_printed(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let (wa, wb): (Vec<&str>, Vec<&str>) = (a.split_whitespace().collect(), b.split_whitespace().collect());
    wa.len() == wb.len()
        && wa.iter().zip(&wb).all(|(x, y)| {
            if x == y {
                return true;
            }
            let (Ok(u), Ok(v)) = (x.parse::<f64>(), y.parse::<f64>()) else {
                return false;
            };
            let decimals = y.split_once('.').map_or(0, |(_, d)| d.len()) as i32;
            (u - v).abs() <= LAST_DIGIT_UNITS * 10f64.powi(-decimals) * (1.0 + 1e-9)
        })
}

fn fit_ref(formula: &str) -> GeneralFit {
    fit(formula, "status", &data(), &FitOptions::default()).unwrap()
}

#[test]
fn coxph_reml() {
    let id = "coxph_reml";
    let r = read_json(&test_data().join(format!("general/{id}.json")));
    let model = fit_ref(r["formula"].as_str().unwrap());
    let mut failures = Vec::new();
    let mut cmp = |what: &str, err: f64, tol: f64| {
        if err.is_nan() || err > tol {
            failures.push(format!("{id}: {what}: error {err:.3e} > {tol:.1e}"));
        }
    };
    let crit = (model.reml - num(&r["criterion"])).abs() / num(&r["criterion"]).abs();
    cmp("criterion", crit, CRITERION_REL_TOL);
    let mut edf = 0.0f64;
    let smooths = r["smooths"].as_array().unwrap();
    assert_eq!(smooths.len(), model.smooth_edf.len(), "{id}: number of smooths");
    for (s, (label, ours)) in smooths.iter().zip(&model.smooth_edf) {
        assert_eq!(s["label"].as_str().unwrap(), label, "{id}: smooth label");
        edf = edf.max((ours - num(&s["edf"])).abs());
    }
    cmp("EDF", edf, EDF_ABS_TOL);
    assert_eq!(model.coef_names, strings(&r["coef_names"]), "{id}: coefficient names");
    let m = nums(&r["linear_predictor"]);
    let lp = worst(&model.eta[0], &m) / sd(&m);
    cmp("linear predictor", lp, PRED_SD_TOL);
    let m = nums(&r["fitted_survival"]);
    let surv = worst(&model.fitted[0], &m) / sd(&m);
    cmp("fitted survival", surv, PRED_SD_TOL);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.json");
    GeneralModel::from_fit(&model).save(&path).unwrap();
    let saved = GeneralModel::load(&path).unwrap();
    assert_eq!(saved, GeneralModel::from_fit(&model), "{id}: model read back");
    let dev = (saved.deviance - num(&r["deviance"])).abs() / num(&r["deviance"]);
    let null_dev = (saved.null_deviance - num(&r["null_deviance"])).abs() / num(&r["null_deviance"]);
    cmp("deviance (relative)", dev, 1e-6);
    cmp("null deviance (relative)", null_dev, 1e-9);
    let nd = DataFrame::read_csv(&test_data().join("general").join("coxph_new.csv")).unwrap();
    let link = saved.predict(&nd, false).unwrap();
    let m = nums(&r["pred_link"]);
    let pred_link = worst(&link.fit[0], &m) / sd(&nums(&r["linear_predictor"]));
    cmp("link predictions", pred_link, PRED_SD_TOL);
    let rel = |a: &[f64], b: &[f64]| {
        a.iter().zip(b).fold(0.0f64, |w, (a, b)| {
            w.max(if *b == 0.0 { a.abs() } else { (a - b).abs() / b.abs() })
        })
    };
    let link_se = rel(&link.se[0], &nums(&r["pred_link_se"]));
    cmp("link standard errors (relative)", link_se, SE_REL_TOL);
    let resp = saved.predict(&nd, true).unwrap();
    let survival = worst(&resp.fit[0], &nums(&r["pred_response"]));
    cmp("survival predictions", survival, SURVIVAL_ABS_TOL);
    let surv_se = rel(&resp.se[0], &nums(&r["pred_response_se"]));
    cmp("survival standard errors (relative)", surv_se, SE_REL_TOL);
    println!(
        "{id}: criterion rel {crit:.2e}, EDF {edf:.2e}, lp/sd {lp:.2e}, fitted survival/sd {surv:.2e}, \
         deviance rel {dev:.2e}; link pred/sd {pred_link:.2e}, se rel {link_se:.2e}; survival abs {survival:.2e}, \
         se rel {surv_se:.2e}; {} outer iterations; ours {:.3}s vs mgcv {:.3}s",
        model.iterations,
        model.seconds,
        num(&r["mgcv_seconds_median"])
    );
    let ours = general_summary_lines(&saved);
    let theirs = strings(&r["summary_text"]);
    let differing: Vec<String> = ours
        .iter()
        .zip(&theirs)
        .filter(|(a, b)| !same_printed(a, b))
        .map(|(a, b)| format!("  ours: {a}\n  mgcv: {b}"))
        .collect();
    if ours.len() != theirs.len() || !differing.is_empty() {
        failures.push(format!(
            "{id}: summary differs ({} vs {} lines):\n{}",
            ours.len(),
            theirs.len(),
            differing.join("\n")
        ));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Fit time, ours against mgcv's (median of 5 each); run with `--ignored --nocapture`.
#[test]
#[ignore]
fn coxph_timing() {
    let r = read_json(&test_data().join("general/coxph_reml.json"));
    let d = data();
    let mut t: Vec<f64> = (0..5)
        .map(|_| {
            let s = std::time::Instant::now();
            fit(r["formula"].as_str().unwrap(), "status", &d, &FitOptions::default()).unwrap();
            s.elapsed().as_secs_f64()
        })
        .collect();
    t.sort_by(f64::total_cmp);
    println!(
        "coxph: ours median {:.4}s, mgcv median {:.4}s",
        t[2],
        num(&r["mgcv_seconds_median"])
    );
}

/// A negative time, or an event indicator other than 0 or 1, is a one-line error naming the
/// row (as in the file, counting from 1 after the header).
#[test]
fn invalid_times_and_status_name_the_row() {
    let text = std::fs::read_to_string(test_data().join("general").join("coxph_n400.csv")).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.csv");
    let bad = |lines: &[String]| {
        std::fs::write(&path, lines.join("\n")).unwrap();
        let d = DataFrame::read_csv(&path).unwrap();
        fit("time ~ s(x1) + s(x2)", "status", &d, &FitOptions::default())
            .unwrap_err()
            .to_string()
    };
    let orig = lines[7].clone();
    let cols: Vec<&str> = orig.split(',').collect();
    lines[7] = format!("-1,{},{},{}", cols[1], cols[2], cols[3]);
    let e = bad(&lines);
    assert!(e.contains("row 7") && e.contains("time") && !e.contains('\n'), "{e}");
    lines[7] = format!("{},2,{},{}", cols[0], cols[2], cols[3]);
    let e = bad(&lines);
    assert!(e.contains("row 7") && e.contains("status") && !e.contains('\n'), "{e}");
}

#[test]
fn a_list_formula_is_refused() {
    let e = fit("list(time ~ s(x1), ~ s(x2))", "status", &data(), &FitOptions::default()).unwrap_err();
    assert!(e.to_string().contains("single formula"), "{e}");
}
