//! Smoothing parameters and outer iteration counts against mgcv 1.8-41.
//!
//! For every public Gaussian case in `tests/data/bench/cases.json`, the full fit and the train fit
//! (rows 1..floor(0.8 n)) are compared with mgcv's `sp` and `outer.iter` in `ref/<id>.json`:
//! - every smoothing parameter within [`SP_REL_TOL`] of mgcv's, relative; or, where the criterion is
//!   flat in it (a smoothing parameter heading to infinity, where mgcv and we stop at a point that
//!   depends on the last few steps), the effective degrees of freedom of its smooth within
//!   [`FLAT_EDF_ABS_TOL`] of mgcv's;
//! - the number of outer Newton iterations within [`ITER_ABS_TOL`] of mgcv's.
//!
//! All comparisons are collected and printed as a table, then failures are reported together.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod common;

use common::cases::{bench_dir, cases, load_data};
use common::json::read_json;
use gam::expert::formula::Formula;
use gam::expert::model::{GamModel, GamSpec};
use serde_json::Value;

/// Smoothing parameters, relative to mgcv's.
const SP_REL_TOL: f64 = 1e-3;
/// Where a smoothing parameter is not within [`SP_REL_TOL`]: EDF of its smooth, absolute.
const FLAT_EDF_ABS_TOL: f64 = 1e-4;
/// Outer iterations, absolute difference from mgcv's count.
const ITER_ABS_TOL: usize = 0;
/// Fraction of rows in the training part of the train/test split.
const TRAIN_FRAC: f64 = 0.8;

/// Compares one fit with mgcv's answers `fit` (the `gam` or `gam.train_test` object).
fn compare(label: &str, model: &GamModel, fit: &Value, rows: &mut Vec<String>, failures: &mut Vec<String>) {
    let ref_sp: Vec<f64> = fit["sp"]["values"]
        .as_array()
        .expect("sp.values")
        .iter()
        .map(|v| v.as_f64().expect("sp value"))
        .collect();
    if ref_sp.len() != model.sp.len() {
        failures.push(format!(
            "{label}: {} smoothing parameters, mgcv {}",
            model.sp.len(),
            ref_sp.len()
        ));
        return;
    }
    let edf = model.smooth_edf();
    // The smooth each smoothing parameter belongs to.
    let owner: Vec<usize> = model
        .design
        .smooths
        .iter()
        .enumerate()
        .flat_map(|(i, s)| std::iter::repeat_n(i, s.sp_names().len()))
        .collect();
    let names = model.design.sp_names();
    for (j, (&ours, &mgcv)) in model.sp.iter().zip(&ref_sp).enumerate() {
        let rel = (ours - mgcv).abs() / mgcv.abs();
        let smooth = &model.design.smooths[owner[j]];
        let ref_edf = fit["smooths"]
            .as_array()
            .and_then(|a| a.iter().find(|r| r["label"] == smooth.label.as_str()))
            .and_then(|r| r["edf"].as_f64())
            .unwrap_or(f64::NAN);
        let edf_diff = (edf[owner[j]] - ref_edf).abs();
        let ok = rel <= SP_REL_TOL || edf_diff <= FLAT_EDF_ABS_TOL;
        rows.push(format!(
            "{label:<26} {:<14} {ours:>14.6e} {mgcv:>14.6e} {rel:>10.2e} {edf_diff:>10.2e} {}",
            names[j],
            if ok { "ok" } else { "FAIL" }
        ));
        if !ok {
            failures.push(format!(
                "{label}: sp {}: ours {ours:.6e}, mgcv {mgcv:.6e} (relative {rel:.2e} > {SP_REL_TOL:e}), \
                 EDF of {} differs by {edf_diff:.2e} > {FLAT_EDF_ABS_TOL:e}",
                names[j], smooth.label
            ));
        }
    }
    let ref_iter = fit["outer"]["iter"].as_u64().expect("outer.iter") as usize;
    rows.push(format!(
        "{label:<26} iterations: ours {}, mgcv {ref_iter}; max |grad| ours {:.2e}, mgcv {:.2e}; {}",
        model.outer.iter,
        model.outer.max_abs_grad,
        fit["outer"]["max_abs_grad"].as_f64().unwrap_or(f64::NAN),
        model.outer.message
    ));
    if model.outer.iter.abs_diff(ref_iter) > ITER_ABS_TOL {
        failures.push(format!(
            "{label}: {} outer iterations, mgcv {ref_iter}",
            model.outer.iter
        ));
    }
}

#[test]
fn smoothing_parameters_and_iterations_match_mgcv() {
    let cases = cases();
    let mut rows = vec![format!(
        "{:<26} {:<14} {:>14} {:>14} {:>10} {:>10}",
        "fit", "sp", "ours", "mgcv", "rel", "|dEDF|"
    )];
    let mut failures = Vec::new();
    for case in cases.iter().filter(|c| c["family"] == "gaussian") {
        let id = case["id"].as_str().expect("case without id");
        let reference = read_json(&bench_dir().join("ref").join(format!("{id}.json")));
        let data = load_data(id, case);
        let text = case["formula"].as_str().expect("case without formula");
        let formula = Formula::parse(text).unwrap_or_else(|e| panic!("{id}: formula {text:?}: {e}"));
        let spec = GamSpec::new(formula);
        let full = spec.fit(&data).unwrap_or_else(|e| panic!("{id}: full fit: {e}"));
        compare(
            &format!("{id} full"),
            &full,
            &reference["gam"],
            &mut rows,
            &mut failures,
        );
        let n_train = (TRAIN_FRAC * data.nrows() as f64).floor() as usize;
        let train = data.select_rows(&(0..n_train).collect::<Vec<_>>());
        let model = spec.fit(&train).unwrap_or_else(|e| panic!("{id}: train fit: {e}"));
        compare(
            &format!("{id} train"),
            &model,
            &reference["gam"]["train_test"],
            &mut rows,
            &mut failures,
        );
    }
    println!("{}", rows.join("\n"));
    assert!(
        failures.is_empty(),
        "{} comparisons with mgcv out of tolerance:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
