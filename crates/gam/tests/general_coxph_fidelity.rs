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
use common::efam::Failures;
use common::general::{check_criterion_and_edf, check_summary, reference, round_trip, worst_rel};
use common::json::{num, nums, sd, worst};
use common::tol::PRED_SD_TOL;
use gam::expert::data::DataFrame;
use gam::expert::fit::FitOptions;
use gam::expert::fit::general::GeneralFit;
use gam::expert::fit::general::cox::fit;

/// Prediction standard errors (link and survival), relative (as general_fidelity's: mgcv
/// stops its outer iteration where the criterion is flat to ~1e-11 but EDF still move ~1e-4).
const SE_REL_TOL: f64 = 1e-3;
/// Survival predictions, absolute (probabilities).
const SURVIVAL_ABS_TOL: f64 = 1e-5;
/// The deviance, relative.
const DEVIANCE_REL_TOL: f64 = 1e-6;
/// The null deviance (no smoothing parameters involved), relative.
const NULL_DEVIANCE_REL_TOL: f64 = 1e-9;

fn data() -> DataFrame {
    DataFrame::read_csv(&test_data().join("general").join("coxph_n400.csv")).unwrap()
}

fn fit_ref(formula: &str) -> GeneralFit {
    fit(formula, "status", &data(), &FitOptions::default()).unwrap()
}

#[test]
fn coxph_reml() {
    let id = "coxph_reml";
    let r = reference(id);
    let model = fit_ref(r["formula"].as_str().unwrap());
    let mut f = Failures::new(id);
    let (crit, edf) = check_criterion_and_edf(&mut f, &r, &model);
    let m = nums(&r["linear_predictor"]);
    let lp = worst(&model.eta[0], &m) / sd(&m);
    f.cmp("linear predictor", lp, PRED_SD_TOL);
    let m = nums(&r["fitted_survival"]);
    let surv = worst(&model.fitted[0], &m) / sd(&m);
    f.cmp("fitted survival", surv, PRED_SD_TOL);
    let saved = round_trip(&model);
    let dev = worst_rel(&[saved.deviance], &[num(&r["deviance"])]);
    let null_dev = worst_rel(&[saved.null_deviance], &[num(&r["null_deviance"])]);
    f.cmp("deviance (relative)", dev, DEVIANCE_REL_TOL);
    f.cmp("null deviance (relative)", null_dev, NULL_DEVIANCE_REL_TOL);
    let nd = DataFrame::read_csv(&test_data().join("general").join("coxph_new.csv")).unwrap();
    let link = saved.predict(&nd, false).unwrap();
    let m = nums(&r["pred_link"]);
    let pred_link = worst(&link.fit[0], &m) / sd(&nums(&r["linear_predictor"]));
    f.cmp("link predictions", pred_link, PRED_SD_TOL);
    let link_se = worst_rel(&link.se[0], &nums(&r["pred_link_se"]));
    f.cmp("link standard errors (relative)", link_se, SE_REL_TOL);
    let resp = saved.predict(&nd, true).unwrap();
    let survival = worst(&resp.fit[0], &nums(&r["pred_response"]));
    f.cmp("survival predictions", survival, SURVIVAL_ABS_TOL);
    let surv_se = worst_rel(&resp.se[0], &nums(&r["pred_response_se"]));
    f.cmp("survival standard errors (relative)", surv_se, SE_REL_TOL);
    println!(
        "{id}: criterion rel {crit:.2e}, EDF {edf:.2e}, lp/sd {lp:.2e}, fitted survival/sd {surv:.2e}, \
         deviance rel {dev:.2e}; link pred/sd {pred_link:.2e}, se rel {link_se:.2e}; survival abs {survival:.2e}, \
         se rel {surv_se:.2e}; {} outer iterations; ours {:.3}s vs mgcv {:.3}s",
        model.iterations,
        model.seconds,
        num(&r["mgcv_seconds_median"])
    );
    check_summary(&mut f, &saved, &r);
    f.assert_none();
}

/// Fit time, ours against mgcv's (median of 5 each); run with `--ignored --nocapture`.
#[test]
#[ignore]
fn coxph_timing() {
    let r = reference("coxph_reml");
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
