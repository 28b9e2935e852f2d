//! Fits beyond 10^5 rows, where gam's default outer convergence test is bam()'s
//! (`Convergence::Auto`), against mgcv 1.8-41 references made by
//! `tests/data/large_n/make_large_n_refs.R` on n = 200000 rows that the test and the script
//! compute the same way (Weyl sequences, gamSim(1)'s functions; see the script).
//!
//! - Default: per-smooth EDF within 0.01 and the linear predictor within 1e-4·sd(y) of
//!   bam(fREML) given gam()'s knots, and the REML score within 1e-6 relative of gam(REML)'s (the
//!   acceptance of "big data" for n = 10^6, at a size CI can afford).
//! - `Convergence::Gam`: reproduces gam(REML) itself (its stopping point along the flat direction
//!   of the null-effect smooth s(x3), 0.013 EDF from bam's).
//! - Binomial (logit) on the same covariates, the model matrix streamed by chunks: EDF within 0.01
//!   and the linear predictor within 1e-4·sd of bam's, the Laplace REML score within 1e-6 relative
//!   of gam(REML)'s.
#![allow(clippy::print_stdout)]

mod common;

use common::cases::test_data;
use common::json::{nums, read_json};
use common::tol::{EDF_ABS_TOL, PRED_SD_TOL, REML_REL_TOL};
use gam::expert::data::{Column, DataFrame};
use gam::expert::fit::Convergence;
use gam::expert::fit::driver::{MatrixStorage, NoObserver, prepare};
use gam::expert::formula::Formula;
use gam::expert::linalg::chunks::CHUNK_ROWS;
use gam::expert::model::{Family, GamModel, GamSpec, Link};
use gam::expert::predict::{PredictOptions, PredictType};
use serde_json::Value;

/// With gam()'s own test: EDF against gam(REML), absolute (the same path to the same stop).
const GAM_EDF_ABS_TOL: f64 = 1e-4;
/// With gam()'s own test: REML score against gam(REML)'s, relative.
const GAM_REML_REL_TOL: f64 = 1e-10;
/// The generated response against the script's first values, relative (same formulas, same libm).
const DATA_REL_TOL: f64 = 1e-13;

const FORMULA: &str = r#"y ~ s(x0, bs = "cr") + s(x1, bs = "cr") + s(x2, bs = "cr") + s(x3, bs = "cr")"#;

fn reference() -> Value {
    read_reference("weyl_n200k.json")
}

fn read_reference(name: &str) -> Value {
    read_json(&test_data().join("large_n").join(name))
}

/// Row i = 1..n of the Weyl sequence frac(i·√p).
fn weyl(n: usize, p: f64) -> Vec<f64> {
    (1..=n).map(|i| (i as f64 * p.sqrt()) % 1.0).collect()
}

/// gamSim(1)'s f0 + f1 + f2.
fn signal(x0: f64, x1: f64, x2: f64) -> f64 {
    let pi = std::f64::consts::PI;
    let f2 = 0.2 * x2.powf(11.0) * (10.0 * (1.0 - x2)).powf(6.0) + 10.0 * (10.0 * x2).powf(3.0) * (1.0 - x2).powf(10.0);
    2.0 * (pi * x0).sin() + (2.0 * x1).exp() + f2
}

/// The Gaussian data of make_large_n_refs.R: row i = 1..n.
fn weyl_data(n: usize) -> DataFrame {
    let (x0, x1, x2, x3) = (weyl(n, 2.0), weyl(n, 3.0), weyl(n, 5.0), weyl(n, 7.0));
    let (u1, u2) = (weyl(n, 11.0), weyl(n, 13.0));
    let pi = std::f64::consts::PI;
    let y: Vec<f64> = (0..n)
        .map(|i| {
            let z = (-2.0 * u1[i].ln()).sqrt() * (2.0 * pi * u2[i]).cos();
            signal(x0[i], x1[i], x2[i]) + 2.0 * z
        })
        .collect();
    frame(y, x0, x1, x2, x3)
}

/// The binary data of make_large_n_refs.R: y = 1 when frac(i·√17) < plogis(0.33 f − 2.5).
fn weyl_binary_data(n: usize) -> DataFrame {
    let (x0, x1, x2, x3) = (weyl(n, 2.0), weyl(n, 3.0), weyl(n, 5.0), weyl(n, 7.0));
    let u = weyl(n, 17.0);
    let y: Vec<f64> = (0..n)
        .map(|i| {
            let p = 1.0 / (1.0 + (-(0.33 * signal(x0[i], x1[i], x2[i]) - 2.5)).exp());
            f64::from(u8::from(u[i] < p))
        })
        .collect();
    frame(y, x0, x1, x2, x3)
}

fn frame(y: Vec<f64>, x0: Vec<f64>, x1: Vec<f64>, x2: Vec<f64>, x3: Vec<f64>) -> DataFrame {
    let cols = [("y", y), ("x0", x0), ("x1", x1), ("x2", x2), ("x3", x3)];
    DataFrame::new(
        cols.into_iter()
            .map(|(n, v)| (n.to_string(), Column::Numeric(v)))
            .collect(),
    )
    .unwrap()
}

fn fit(data: &DataFrame, convergence: Convergence) -> GamModel {
    let mut spec = GamSpec::new(Formula::parse(FORMULA).unwrap());
    spec.options.newton.convergence = convergence;
    spec.fit(data).unwrap()
}

fn label(model: &GamModel, k: usize) -> &str {
    &model.design.smooths[k].label
}

/// The linear predictor at the reference's (1-based) rows.
fn eta_at(model: &GamModel, data: &DataFrame, rows: &[f64]) -> Vec<f64> {
    let idx: Vec<usize> = rows.iter().map(|&r| r as usize - 1).collect();
    let sub = data.select_rows(&idx);
    let opts = PredictOptions {
        kind: PredictType::Link,
        ..PredictOptions::default()
    };
    model.predict(&sub, &opts).unwrap().fit
}

#[test]
fn generated_data_match_the_scripts() {
    let r = reference();
    let data = weyl_data(r["n"].as_u64().unwrap() as usize);
    let Some(Column::Numeric(y)) = data.column("y") else {
        panic!("y is not numeric")
    };
    for (i, want) in nums(&r["y_first"]).into_iter().enumerate() {
        assert!(
            (y[i] - want).abs() <= DATA_REL_TOL * want.abs(),
            "y[{i}] = {} vs R's {want}",
            y[i]
        );
    }
}

/// The acceptance checks against reference `r`: per-smooth EDF within [`EDF_ABS_TOL`] and the
/// linear predictor within [`PRED_SD_TOL`]`·sd` of bam's, the REML score within
/// [`REML_REL_TOL`] of gam(REML)'s (returned).
fn matches_bam_and_gam_reml(model: &GamModel, data: &DataFrame, r: &Value, sd: f64) -> f64 {
    let bam = &r["bam"];
    for (k, (o, b)) in model.smooth_edf().iter().zip(nums(&bam["edf"])).enumerate() {
        println!("{}: EDF {o:.5} bam {b:.5}", label(model, k));
        assert!((o - b).abs() <= EDF_ABS_TOL, "{}: EDF {o} vs bam {b}", label(model, k));
    }
    let eta = eta_at(model, data, &nums(&bam["eta_rows"]));
    let worst = eta
        .iter()
        .zip(nums(&bam["eta"]))
        .map(|(a, b)| (a - b).abs() / sd)
        .fold(0.0, f64::max);
    println!("max |eta - bam's| / sd = {worst:.2e}");
    assert!(worst <= PRED_SD_TOL, "linear predictor {worst:e}·sd from bam's");
    let gam_score = r["gam"]["score"].as_f64().unwrap();
    let rel = (model.reml_score - gam_score) / gam_score.abs();
    println!("REML {} vs gam(REML) {gam_score}: {rel:.2e}", model.reml_score);
    assert!(rel.abs() <= REML_REL_TOL, "REML {rel:e} relative from gam(REML)'s");
    gam_score
}

#[test]
fn default_beyond_1e5_rows_matches_bam_and_gam_reml() {
    let r = reference();
    let data = weyl_data(r["n"].as_u64().unwrap() as usize);
    let model = fit(&data, Convergence::Auto);
    let gam_score = matches_bam_and_gam_reml(&model, &data, &r, r["sd_y"].as_f64().unwrap());
    // Converging further along the flat direction can only lower the criterion.
    assert!(
        model.reml_score <= gam_score,
        "REML {} above gam(REML)'s {gam_score}",
        model.reml_score
    );
}

#[test]
fn gam_convergence_reproduces_gam_reml() {
    let r = reference();
    let data = weyl_data(r["n"].as_u64().unwrap() as usize);
    let model = fit(&data, Convergence::Gam);
    let g = &r["gam"];
    for (k, (o, m)) in model.smooth_edf().iter().zip(nums(&g["edf"])).enumerate() {
        assert!(
            (o - m).abs() <= GAM_EDF_ABS_TOL,
            "{}: EDF {o} vs gam(REML) {m}",
            label(&model, k)
        );
    }
    let score = g["score"].as_f64().unwrap();
    let rel = (model.reml_score - score) / score.abs();
    assert!(rel.abs() <= GAM_REML_REL_TOL, "REML {rel:e} relative from gam(REML)'s");
    assert_eq!(
        model.outer.iter as u64,
        g["outer_iter"].as_u64().unwrap(),
        "outer iterations"
    );
}

#[test]
fn streamed_binomial_beyond_1e5_rows_matches_bam_and_gam_reml() {
    let r = read_reference("weyl_binary_n200k.json");
    let data = weyl_binary_data(r["n"].as_u64().unwrap() as usize);
    let Some(Column::Numeric(y)) = data.column("y") else {
        panic!("y is not numeric")
    };
    // The same data as the script's (a count, so exact).
    assert_eq!(y[..1000].iter().sum::<f64>(), r["y_sum_first_1000"].as_f64().unwrap());
    let spec = GamSpec::new(Formula::parse(FORMULA).unwrap()).with_family(Family::Binomial, Link::Logit);
    let setup = spec
        .setup_with(prepare(&spec, &data).unwrap(), MatrixStorage::Chunked(CHUNK_ROWS))
        .unwrap();
    let model = spec.fit_setup(&setup, None, &mut NoObserver).unwrap();
    matches_bam_and_gam_reml(&model, &data, &r, r["sd_eta"].as_f64().unwrap());
}
