//! mgcv's general families (issue 17 item 2) against mgcv 1.8-41: gaulss (Gaussian
//! location-scale: mean on the identity link, σ on mgcv's logb link) with a list formula,
//! two smooths and a linear term in the mean and one or two smooths in the σ predictor.
//! References made by `tests/data/general/make_refs.R` on data of its own.
//!
//! Per fit: the REML criterion, per-term EDF, coefficient names, the fitted values of both
//! predictors (μ and 1/σ, mgcv's `fitted.values`) and both linear predictors; smoothing
//! parameters are printed as a diagnostic only (the criterion is flat along some of them);
//! mgcv's printed summary, line by line.
#![allow(clippy::print_stdout)]

#[macro_use]
mod common;

use common::efam::Failures;
use common::general::{
    check_criterion_and_edf, check_summary, fit_ref, reference, round_trip, sp_diagnostic, worst_rel,
};
use common::json::{num, nums, sd, worst};
use common::tol::PRED_SD_TOL;
use gam::Method;
use gam::expert::family::general::GeneralFamily;
use gam::expert::fit::FitOptions;
use gam::expert::fit::general::fit;
use gam::expert::model::general::GeneralModel;
use serde_json::Value;

/// Prediction standard errors, relative (tighter than the shared 1e-2: they are
/// within 1e-4 of mgcv's here).
const SE_REL_TOL: f64 = 1e-3;
/// Rows of the data mgcv predicted at (`nd <- d[1:40, ]`).
const NEW_ROWS: usize = 40;

fn data() -> gam::expert::data::DataFrame {
    common::general::data(&reference("gaulss_reml"))
}

fn check(id: &str) {
    let r = reference(id);
    let model = fit_ref(&r);
    let mut f = Failures::new(id);
    let (crit, edf) = check_criterion_and_edf(&mut f, &r, &model);
    let mut fitted = 0.0f64;
    for (ours, key) in model.fitted.iter().zip(["fitted_mu", "fitted_tau"]) {
        let m = nums(&r[key]);
        fitted = fitted.max(worst(ours, &m) / sd(&m));
    }
    f.cmp("fitted values", fitted, PRED_SD_TOL);
    let mut lp = 0.0f64;
    for (ours, key) in model.eta.iter().zip(["lp_mu", "lp_sigma"]) {
        let m = nums(&r[key]);
        lp = lp.max(worst(ours, &m) / sd(&m));
    }
    f.cmp("linear predictors", lp, PRED_SD_TOL);
    println!(
        "{id}: criterion rel {crit:.2e}, EDF {edf:.2e}, fitted/sd {fitted:.2e}, lp/sd {lp:.2e}; {}; \
         {} outer iterations; ours {:.3}s vs mgcv {:.3}s",
        sp_diagnostic(&model, &r),
        model.iterations,
        model.seconds,
        num(&r["mgcv_seconds_median"])
    );
    let saved = round_trip(&model);
    let nd = data().select_rows(&(0..NEW_ROWS).collect::<Vec<_>>());
    let mut pred = 0.0f64;
    let mut pred_se = 0.0f64;
    for (response, key) in [(false, "pred_link"), (true, "pred_response")] {
        let p = saved.predict(&nd, response).unwrap();
        for k in 0..2 {
            let m = nums(&r[key][k]);
            let scale_key = match (k, response) {
                (0, _) => "fitted_mu",
                (_, true) => "fitted_tau",
                (_, false) => "lp_sigma",
            };
            pred = pred.max(worst(&p.fit[k], &m) / sd(&nums(&r[scale_key])));
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
fn gaulss_reml() {
    check("gaulss_reml");
}

#[test]
fn gaulss_two_sigma_smooths() {
    check("gaulss_two_sigma");
}

/// mgcv 1.8-41 fits a general family by REML whatever `method` says (its ML reference equals
/// its REML one); here ML is refused in one line instead of silently changed.
#[test]
fn gaulss_ml_is_refused_as_mgcv_fits_reml() {
    let ml = reference("gaulss_ml");
    let reml = reference("gaulss_reml");
    assert_eq!(num(&ml["criterion"]), num(&reml["criterion"]));
    let opts = FitOptions {
        method: Method::Ml,
        ..FitOptions::default()
    };
    let family = GeneralFamily::parse("gaulss").unwrap().unwrap();
    let e = fit(ml["formula"].as_str().unwrap(), family, &data(), &opts).unwrap_err();
    let text = e.to_string();
    assert!(text.contains("REML") && !text.contains('\n'), "{text}");
}

#[test]
fn gaulss_needs_two_formulas() {
    let family = GeneralFamily::parse("gaulss").unwrap().unwrap();
    let e = fit(
        "list(y ~ s(x1), ~ s(x1), ~ x2)",
        family,
        &data(),
        &FitOptions::default(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("needs 2 formulas"), "{e}");
}

/// A damaged model file (a coefficient removed, a non-finite covariance) is refused on load
/// in one line naming the problem.
#[test]
fn a_damaged_general_model_file_is_refused() {
    let model = GeneralModel::from_fit(&fit_ref(&reference("gaulss_reml")));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.json");
    model.save(&path).unwrap();
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    v["coefficients"].as_array_mut().unwrap().pop();
    std::fs::write(&path, v.to_string()).unwrap();
    let e = GeneralModel::load(&path).unwrap_err().to_string();
    assert!(e.contains("coefficients") && !e.contains('\n'), "{e}");
    let mut v: Value = serde_json::from_str(&serde_json::to_string(&model).unwrap()).unwrap();
    v["vp"]["data"][0] = Value::from("x");
    std::fs::write(&path, v.to_string()).unwrap();
    assert!(GeneralModel::load(&path).is_err());
    let mut bad = model.clone();
    bad.reml = f64::NAN;
    let e = bad.save(&path).unwrap_err().to_string();
    assert!(e.contains("criterion"), "{e}");
}
