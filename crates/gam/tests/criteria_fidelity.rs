//! Every smoothness-selection criterion against mgcv 1.8-41: `y ~ s(x0) + s(x1, bs = "cr")` for
//! Gaussian, Poisson, binomial and Gamma(log) data fitted with `method` = REML, ML, GCV.Cp,
//! GACV.Cp, P-REML, P-ML and with `gamma = 1.4` for REML and GCV.Cp, and for weighted Gaussian
//! and inverse.gaussian(log) data with every method (references made by
//! `tests/data/criteria/make_reference.R`; see its README).
//!
//! Per fit: the criterion's name as mgcv's summary prints it and its value, per-term EDF, the
//! fitted values on the first 100 rows, the scale mgcv reports (its Fletcher estimate for an
//! estimated scale) and, where the criterion is curved enough for them to be determined, the
//! smoothing parameters.
#![allow(clippy::print_stdout)]

#[macro_use]
mod common;

use common::cases::{predictions, test_data};
use common::json::{num, nums, read_json, sd};
use common::tol::{EDF_ABS_TOL, PRED_SD_TOL, REML_REL_TOL};
use gam::expert::data::{Column, DataFrame};
use gam::expert::formula::Formula;
use gam::expert::model::{Family, GamModel, GamSpec, Link};
use gam::expert::predict::PredictType;
use gam::{Method, SummaryText};

/// The criterion, relative. For the Gaussian GCV.Cp fits mgcv ran `magic` (its own optimiser,
/// rms gradient 3e-6 at the end) rather than the outer Newton, so this bound is the honest one
/// there; elsewhere both run the same Newton iteration.
const CRITERION_REL_TOL: f64 = REML_REL_TOL;
/// The reported scale, relative: it moves with the EDF, which agree to [`EDF_ABS_TOL`].
const SCALE_REL_TOL: f64 = 1e-4;
/// Smoothing parameters, on the log scale, where determined (see [`SP_FLAT_EDF`]).
const LOG_SP_ABS_TOL: f64 = 0.05;
/// A smoothing parameter whose term has fewer EDF than this above its null space is on a flat
/// stretch of the criterion (the smooth is nearly linear), where both optimisers stop wherever
/// the convergence test is met: its value is not compared.
const SP_FLAT_EDF: f64 = 1.5;

/// All the reference fits: `<family>_<method>[_g1.4]`.
fn ids() -> Vec<String> {
    let mut out = Vec::new();
    for fam in ["gaussian", "poisson", "binomial", "gamma"] {
        for m in ["REML", "ML", "GCV.Cp", "GACV.Cp", "P-REML", "P-ML"] {
            out.push(format!("{fam}_{m}"));
        }
        out.push(format!("{fam}_REML_g1.4"));
        out.push(format!("{fam}_GCV.Cp_g1.4"));
    }
    // Prior weights on the Gaussian path, and inverse.gaussian with a log link: γ = 1 only.
    for fam in ["gaussianw", "invgauss"] {
        for m in ["REML", "ML", "GCV.Cp", "GACV.Cp", "P-REML", "P-ML"] {
            out.push(format!("{fam}_{m}"));
        }
    }
    out
}

/// Worst differences of one fit, for the table in the test output.
struct Worst {
    criterion: f64,
    edf: f64,
    fitted: f64,
}

fn check(id: &str) -> (Vec<String>, Worst) {
    let r = read_json(&test_data().join(format!("criteria/{id}.json")));
    let data = DataFrame::read_csv(&test_data().join(r["data"].as_str().unwrap())).unwrap();
    let family = Family::from_name(r["family"].as_str().unwrap()).unwrap();
    let link = Link::from_name(r["link"].as_str().unwrap()).unwrap();
    let mut spec = GamSpec::new(Formula::parse(r["formula"].as_str().unwrap()).unwrap()).with_family(family, link);
    spec.options.method = Method::parse(r["method"].as_str().unwrap()).unwrap();
    spec.options.gamma = num(&r["gamma"]);
    spec.weights = r["weights"].as_str().map(str::to_string);
    let model: GamModel = spec.fit(&data).unwrap_or_else(|e| panic!("{id}: {e}"));
    let mut failures = Vec::new();
    let mut fail = |what: String| failures.push(format!("{id}: {what}"));

    if model.criterion_label() != r["criterion_name"].as_str().unwrap() {
        fail(format!(
            "criterion name {} (mgcv {})",
            model.criterion_label(),
            r["criterion_name"]
        ));
    }
    // The summary's criterion line, e.g. `GCV = 2.1912  Scale est. = 2.1386    n = 300`, as mgcv prints it.
    let line = |lines: Vec<String>| lines.into_iter().find(|l| l.contains("Scale est."));
    let ours_line = line(SummaryText(&model).to_string().lines().map(String::from).collect());
    let mgcv_line = line(
        r["summary_text"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap().to_string())
            .collect(),
    );
    if ours_line != mgcv_line {
        fail(format!("summary line {ours_line:?} (mgcv {mgcv_line:?})"));
    }
    let crit = num(&r["criterion"]);
    let crit_err = (model.reml_score - crit).abs() / crit.abs();
    if crit_err.is_nan() || crit_err > CRITERION_REL_TOL {
        fail(format!(
            "criterion {:.12} vs mgcv {crit:.12}: {crit_err:.2e}",
            model.reml_score
        ));
    }
    let mut edf_err: f64 = 0.0;
    let ours = model.smooth_edf();
    for (i, s) in r["smooths"].as_array().unwrap().iter().enumerate() {
        let e = (ours[i] - num(&s["edf"])).abs();
        edf_err = edf_err.max(e);
        if e.is_nan() || e > EDF_ABS_TOL {
            fail(format!("EDF of {}: {} vs mgcv {}", s["label"], ours[i], num(&s["edf"])));
        }
    }
    let scale = num(&r["scale"]);
    let scale_err = (model.scale - scale).abs() / scale;
    if scale_err.is_nan() || scale_err > SCALE_REL_TOL {
        fail(format!("scale {} vs mgcv {scale}: {scale_err:.2e}", model.scale));
    }
    let Some(Column::Numeric(y)) = data.column("y") else {
        panic!("{id}: no numeric y")
    };
    let fitted_ref = nums(&r["fitted"]);
    let first = data.select_rows(&(0..fitted_ref.len()).collect::<Vec<_>>());
    let ours_fitted = predictions(&model, &first, PredictType::Response);
    let tol = PRED_SD_TOL * sd(y);
    let mut fit_err: f64 = 0.0;
    for (i, f) in fitted_ref.iter().enumerate() {
        let e = (ours_fitted[i] - f).abs();
        fit_err = fit_err.max(e / sd(y));
        if e.is_nan() || e > tol {
            fail(format!("fitted value {}: {} vs mgcv {f}", i + 1, ours_fitted[i]));
        }
    }
    let sp_ref = nums(&r["sp"]);
    for (i, s) in r["smooths"].as_array().unwrap().iter().enumerate() {
        // mgcv's EDF of a smooth with a two-dimensional null space (s() and cr: the constant is
        // absorbed, so one linear direction) starts at 1.
        if num(&s["edf"]) - 1.0 < SP_FLAT_EDF {
            continue;
        }
        let e = (model.sp[i].ln() - sp_ref[i].ln()).abs();
        if e.is_nan() || e > LOG_SP_ABS_TOL {
            fail(format!(
                "log sp {}: {} vs mgcv {}",
                i + 1,
                model.sp[i].ln(),
                sp_ref[i].ln()
            ));
        }
    }
    (
        failures,
        Worst {
            criterion: crit_err,
            edf: edf_err,
            fitted: fit_err,
        },
    )
}

#[test]
fn every_criterion_matches_mgcv() {
    let mut failures = Vec::new();
    println!("{:<22} {:>10} {:>9} {:>11}", "fit", "crit rel", "EDF abs", "fitted/sd");
    for id in ids() {
        let (f, w) = check(&id);
        println!("{id:<22} {:>10.2e} {:>9.2e} {:>11.2e}", w.criterion, w.edf, w.fitted);
        failures.extend(f);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
