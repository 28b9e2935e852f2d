//! mgcv's general families gevlss (GEV: location, log scale, shape on mgcv's shifted logit)
//! and shash (sinh-arcsinh: location, log scale on the logeb link, skewness, log tail weight)
//! against mgcv 1.8-41 (issue 17). References made by
//! `tests/data/general/make_lss34_refs.R` on data of its own (n = 400, a smooth in the
//! location, one in the scale, constants in the other predictors).
//!
//! Per fit: the REML criterion, per-smooth EDF, coefficient names, fitted values and linear
//! predictors of every predictor (relative to their sd; a constant predictor, which is a
//! family parameter here, relative to its value), predictions on new data on the link and
//! response scales with standard errors from the saved model, and mgcv's printed summary line
//! by line. Smoothing parameters are printed as a diagnostic only.
#![allow(clippy::print_stdout)]

#[macro_use]
mod common;

use common::efam::Failures;
use common::general::{
    check_criterion_and_edf, check_summary, data, family, fit_ref, prediction_differences, predictor_differences,
    reference, round_trip, sp_diagnostic,
};
use common::json::num;
use common::tol::PRED_SD_TOL;
use gam::expert::family::general::GeneralFamily;
use gam::expert::fit::FitOptions;
use gam::expert::fit::general::fit;

/// A constant predictor (a family parameter: ξ, ε, log δ), relative (the acceptance).
const FAMILY_PARAM_REL_TOL: f64 = 1e-4;
/// Prediction standard errors, relative.
const SE_REL_TOL: f64 = 1e-3;
/// Rows of the data mgcv predicted at (`nd <- d[1:40, ]`).
const NEW_ROWS: usize = 40;

fn check(id: &str) {
    let r = reference(id);
    let model = fit_ref(&r);
    let mut f = Failures::new(id);
    let (crit, edf) = check_criterion_and_edf(&mut f, &r, &model);
    let (fitted, lp, param) = predictor_differences(&model, &r);
    f.cmp("fitted values", fitted, PRED_SD_TOL);
    f.cmp("linear predictors", lp, PRED_SD_TOL);
    f.cmp("family parameters (constant predictors)", param, FAMILY_PARAM_REL_TOL);
    println!(
        "{id}: criterion rel {crit:.2e}, EDF {edf:.2e}, fitted/sd {fitted:.2e}, lp/sd {lp:.2e}, \
         family parameters rel {param:.2e}; {}; {} outer iterations; ours {:.3}s vs mgcv {:.3}s",
        sp_diagnostic(&model, &r),
        model.iterations,
        model.seconds,
        num(&r["mgcv_seconds_median"])
    );
    let saved = round_trip(&model);
    let (pred, pred_se) = prediction_differences(&saved, &r, NEW_ROWS);
    f.cmp("predictions", pred, PRED_SD_TOL);
    f.cmp("prediction standard errors (relative)", pred_se, SE_REL_TOL);
    println!("{id}: predictions/sd {pred:.2e}, standard errors rel {pred_se:.2e}");
    check_summary(&mut f, &saved, &r);
    f.assert_none();
}

#[test]
fn gevlss_reml() {
    check("gevlss_reml");
}

#[test]
fn shash_reml() {
    check("shash_reml");
}

/// A response outside what the family models is a one-line error naming the row.
#[test]
fn invalid_responses_are_refused_naming_the_row() {
    for id in ["gevlss_reml", "shash_reml"] {
        let r = reference(id);
        // Data row 7 (the file's line 8, the header being line 1) gets an infinite response.
        let d = common::general::with_response(&r, 7, "Inf");
        let e = fit(r["formula"].as_str().unwrap(), family(&r), &d, &FitOptions::default()).unwrap_err();
        let text = e.to_string();
        assert!(text.contains("row 7") && !text.contains('\n'), "{id}: {text}");
    }
}

/// Each family needs as many formulas as it has linear predictors.
#[test]
fn the_list_needs_one_formula_per_predictor() {
    let r = reference("shash_reml");
    let family = GeneralFamily::parse("shash").unwrap().unwrap();
    let e = fit(
        "list(y ~ s(x1), ~ s(x2), ~ 1)",
        family,
        &data(&r),
        &FitOptions::default(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("needs 4 formulas"), "{e}");
    assert!(GeneralFamily::parse("gevlss(link = 'log')").unwrap().is_err());
}
