//! mgcv's general families `gammals` (gamma location-scale) and `ziplss` (zero-inflated
//! Poisson) against mgcv 1.8-41 (issue 17), on data of their own made by
//! `tests/data/general/make_lss2_refs.R`: two smooths in the first predictor, one in the
//! second.
//!
//! Per fit: the REML criterion, per-term EDF, coefficient names, mgcv's fitted values (after
//! the family's `postproc`: gammals' first column is the mean) and both linear predictors,
//! the deviance and null deviance, predictions on new data on the link scale (values and
//! standard errors as `predict.gam`) and on the response scale (the family's own `predict`:
//! values as mgcv's; standard errors as the delta method that `predict` intends, which the
//! R script computes, since mgcv 1.8-41's are off by slips described there), mgcv's printed
//! summary line by line, and responses the family cannot model refused naming the row.
#![allow(clippy::print_stdout)]

#[macro_use]
mod common;

use common::cases::test_data;
use common::efam::Failures;
use common::general::{
    check_criterion_and_edf, check_summary, data, family, fit_ref, reference, round_trip, sp_diagnostic, with_response,
    worst_rel,
};
use common::json::{num, nums, sd, worst};
use common::tol::PRED_SD_TOL;
use gam::expert::data::DataFrame;
use gam::expert::family::general::GeneralFamily;
use gam::expert::fit::FitOptions;
use gam::expert::fit::general::fit;

/// Prediction standard errors, relative.
const SE_REL_TOL: f64 = 1e-3;
/// Deviance and null deviance, relative (mgcv's null deviance comes from `optimize`, whose
/// tolerance leaves ~1e-8 relative in the ziplss null likelihood).
const DEVIANCE_REL_TOL: f64 = 1e-6;
/// Rows of the data mgcv predicted at (`nd <- d[1:40, ]`).
const NEW_ROWS: usize = 40;

fn check(id: &str) {
    let r = reference(id);
    let model = fit_ref(&r);
    let mut f = Failures::new(id);
    let (crit, edf) = check_criterion_and_edf(&mut f, &r, &model);
    let mut fitted = 0.0f64;
    let mut lp = 0.0f64;
    for k in 0..2 {
        let m = nums(&r["fitted"][k]);
        fitted = fitted.max(worst(&model.fitted[k], &m) / sd(&m));
        let m = nums(&r["lp"][k]);
        lp = lp.max(worst(&model.eta[k], &m) / sd(&m));
    }
    f.cmp("fitted values", fitted, PRED_SD_TOL);
    f.cmp("linear predictors", lp, PRED_SD_TOL);
    let saved = round_trip(&model);
    let dev = worst_rel(
        &[saved.deviance, saved.null_deviance],
        &[num(&r["deviance"]), num(&r["null_deviance"])],
    );
    f.cmp("deviance and null deviance (relative)", dev, DEVIANCE_REL_TOL);
    println!(
        "{id}: criterion rel {crit:.2e}, EDF {edf:.2e}, fitted/sd {fitted:.2e}, lp/sd {lp:.2e}, deviances rel {dev:.2e}; \
         {}; {} outer iterations; ours {:.3}s vs mgcv {:.3}s",
        sp_diagnostic(&model, &r),
        model.iterations,
        model.seconds,
        num(&r["mgcv_seconds_median"])
    );
    let nd = data(&r).select_rows(&(0..NEW_ROWS).collect::<Vec<_>>());
    let mut pred = 0.0f64;
    let mut pred_se = 0.0f64;
    for (response, key) in [(false, "pred_link"), (true, "pred_response")] {
        let p = saved.predict(&nd, response).unwrap();
        let columns = r[key].as_array().unwrap().len();
        assert_eq!(p.fit.len(), columns, "{id}: {key} columns");
        for k in 0..columns {
            let m = nums(&r[key][k]);
            pred = pred.max(worst(&p.fit[k], &m) / sd(&m));
            pred_se = pred_se.max(worst_rel(&p.se[k], &nums(&r[format!("{key}_se")][k])));
        }
    }
    f.cmp("predictions", pred, PRED_SD_TOL);
    f.cmp("prediction standard errors (relative)", pred_se, SE_REL_TOL);
    println!("{id}: predictions/sd {pred:.2e}, standard errors rel {pred_se:.2e}");
    check_summary(&mut f, &saved, &r);
    f.assert_none();
}

#[test]
fn gammals_reml() {
    check("gammals_reml");
}

#[test]
fn ziplss_reml() {
    check("ziplss_reml");
}

/// A response the family cannot model is a one-line error naming the data row.
#[test]
fn invalid_responses_are_one_line_errors_naming_the_row() {
    for (id, value, word) in [
        ("gammals_reml", "0", "positive"),
        ("gammals_reml", "-2.5", "positive"),
        ("ziplss_reml", "2.5", "whole count"),
        ("ziplss_reml", "-1", "whole count"),
    ] {
        let r = reference(id);
        let d = with_response(&r, 7, value);
        let e = fit(r["formula"].as_str().unwrap(), family(&r), &d, &FitOptions::default())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("row 7") && e.contains(word) && !e.contains('\n'),
            "{id} {value}: {e}"
        );
    }
}

/// ziplss refuses 0/1 data as mgcv's `initialize` does, in one line.
#[test]
fn ziplss_refuses_binary_data() {
    let r = reference("ziplss_reml");
    let d = data(&r);
    let text = std::fs::read_to_string(test_data().join("general/ziplss_n400.csv")).unwrap();
    let binary: String = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                format!("{l}\n")
            } else {
                let (y, rest) = l.split_once(',').unwrap();
                let y: f64 = y.parse().unwrap();
                format!("{},{rest}\n", if y > 0.0 { 1 } else { 0 })
            }
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("b.csv");
    std::fs::write(&p, binary).unwrap();
    assert_eq!(d.nrows(), DataFrame::read_csv(&p).unwrap().nrows());
    let e = fit(
        r["formula"].as_str().unwrap(),
        GeneralFamily::Ziplss,
        &DataFrame::read_csv(&p).unwrap(),
        &FitOptions::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("0/1") && !e.contains('\n'), "{e}");
}

/// Fit times, ours against mgcv's (both the median of 5 fits of the same model; mgcv's from
/// the R script's `system.time`). Run with `--ignored --nocapture`.
#[test]
#[ignore = "timing, run by hand"]
fn fit_times() {
    for id in ["gammals_reml", "ziplss_reml"] {
        let r = reference(id);
        let mut secs: Vec<f64> = (0..5).map(|_| fit_ref(&r).seconds).collect();
        secs.sort_by(f64::total_cmp);
        println!(
            "{id}: ours median {:.3}s vs mgcv median {:.3}s",
            secs[2],
            num(&r["mgcv_seconds_median"])
        );
    }
}
