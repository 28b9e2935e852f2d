//! Fidelity of issue 16's special bases `"cp"` (cyclic P-splines), `"bs"` (B-splines with
//! derivative penalties) and `"ad"` (adaptive smooths of one covariate) against mgcv 1.8-41 references made by
//! `tests/data/bases_i16/make_refs_bsp.R`.
//!
//! Basis level (`bsp_basis_*.json`): mgcv's `smoothCon(spec, absorb.cons = TRUE,
//! scale.penalty = TRUE)` model matrix and every penalty, and `PredictMat` at new points
//! (outside the period, where cp wraps; outside the knots, where bs continues linearly),
//! class, null space. No free signs: every column is determined.
//!
//! Fits (`bsp_fit_*.json`): REML fits (Gaussian and Poisson, a factor `by`, a `te` of cp and bs
//! margins, user knots): criterion, EDF, coefficient and smoothing parameter names, fitted
//! values, predictions with standard errors on new data, the summary's smooth-term table,
//! plot.gam's curves with standard errors, and a save/load round trip; the chunked fit path
//! agrees with the in-memory one.
#![allow(clippy::print_stdout)]

#[macro_use]
mod common;

use std::collections::BTreeMap;
use std::time::Instant;

use common::cases::test_data;
use common::json::{matrix, num, nums, read_json};
use common::setup_ref::{FitDiffs, check_fit, dense_and_chunked, spec, spread};
use common::tol::{PRED_SD_TOL, SE_REL_TOL};
use faer::Mat;
use gam::expert::data::{Column, DataFrame};
use gam::expert::design::{SmoothOptions, SmoothTerm};
use gam::expert::formula::{Formula, Term};
use gam::expert::model::{GamModel, GamSpec};
use gam::expert::predict::PredictOptions;
use gam::expert::report::plot::{PlotKind, PlotOptions, plot_data};
use serde_json::Value;

/// Model matrices and penalties, `max |ours - mgcv|` relative to the largest entry of mgcv's.
const BASIS_REL_TOL: f64 = 1e-10;
/// Summary statistics (F / chi-square) of the smooth terms, relative.
const STAT_REL_TOL: f64 = 1e-3;

fn rel_err(what: &str, a: &Mat<f64>, b: &Mat<f64>) -> f64 {
    assert_eq!((a.nrows(), a.ncols()), (b.nrows(), b.ncols()), "{what}: shape");
    let (mut scale, mut err) = (0.0f64, 0.0f64);
    for i in 0..b.nrows() {
        for j in 0..b.ncols() {
            scale = scale.max(b[(i, j)].abs());
            err = err.max((a[(i, j)] - b[(i, j)]).abs());
        }
    }
    if scale > 0.0 { err / scale } else { err }
}

fn knots_of(r: &Value) -> BTreeMap<String, Vec<f64>> {
    r["knots"]
        .as_object()
        .map(|k| k.iter().map(|(name, v)| (name.clone(), nums(v))).collect())
        .unwrap_or_default()
}

/// Worst relative difference of one basis case (X, S, Xp).
fn check_basis(id: &str, spec: &str, data_file: &str) -> f64 {
    let r = read_json(&test_data().join(format!("bases_i16/bsp_basis_{id}.json")));
    let data = DataFrame::read_csv(&test_data().join(format!("bases_i16/{data_file}"))).unwrap();
    let formula = Formula::parse(&format!("y ~ {spec}")).unwrap();
    let Some(Term::Smooth(spec)) = formula.terms.iter().find(|t| matches!(t, Term::Smooth(_))) else {
        panic!("{id}: no smooth");
    };
    let knots = knots_of(&r);
    let opts = SmoothOptions {
        select: false,
        knots: Some(&knots),
        ..Default::default()
    };
    let terms = SmoothTerm::build_with(spec, &data, &opts).unwrap_or_else(|e| panic!("{id}: {e}"));
    let term = &terms[0];
    assert_eq!(term.class(), r["class"].as_str().unwrap(), "{id}: class");
    assert_eq!(
        term.null_space_dim() as f64,
        num(&r["null_space_dim"]),
        "{id}: null space"
    );
    let mut worst = rel_err(id, &term.design(&data).unwrap(), &matrix(&r["X"]));
    let s_ref = r["S"].as_array().unwrap();
    assert_eq!(term.penalties.len(), s_ref.len(), "{id}: number of penalties");
    for (i, (ours, theirs)) in term.penalties.iter().zip(s_ref).enumerate() {
        worst = worst.max(rel_err(&format!("{id} S{i}"), &ours.to_mat(), &matrix(theirs)));
    }
    let name = r["term"].as_str().unwrap().to_string();
    let new = DataFrame::new(vec![(name, Column::Numeric(nums(&r["newx"])))]).unwrap();
    worst = worst.max(rel_err(
        &format!("{id} Xp"),
        &term.design(&new).unwrap(),
        &matrix(&r["Xp"]),
    ));
    println!("{id:18} basis, penalties, prediction matrix: {worst:.1e}");
    assert!(worst <= BASIS_REL_TOL, "{id}: differs from mgcv by {worst:.2e}");
    worst
}

#[test]
fn cyclic_p_spline_bases_match_mgcv() {
    let g = "bsp_gauss_n300.csv";
    check_basis("cp_default", "s(hour, bs = \"cp\")", g);
    check_basis("cp_k8_m31", "s(hour, bs = \"cp\", k = 8, m = c(3, 1))", g);
    check_basis("cp_m0", "s(x0, bs = \"cp\", k = 6, m = c(1, 0))", g);
    check_basis("cp_knots_period", "s(hour, bs = \"cp\", k = 12)", g);
    check_basis("cp_knots_full", "s(hour, bs = \"cp\", k = 6)", g);
}

#[test]
fn b_spline_bases_match_mgcv() {
    let g = "bsp_gauss_n300.csv";
    check_basis("bs_default", "s(x1, bs = \"bs\")", g);
    check_basis("bs_m321", "s(x1, bs = \"bs\", m = c(3, 2, 1), k = 12)", g);
    check_basis("bs_m20", "s(x1, bs = \"bs\", m = c(2, 0), k = 7)", g);
    check_basis("bs_m33", "s(x1, bs = \"bs\", m = c(3, 3), k = 9)", g);
    check_basis("bs_m1", "s(x1, bs = \"bs\", m = 1, k = 8)", g);
    check_basis("bs_m5420", "s(x1, bs = \"bs\", m = c(5, 4, 2, 0), k = 14)", g);
    check_basis("bs_knots_ends", "s(x1, bs = \"bs\", k = 8)", g);
    check_basis("bs_knots_four", "s(x1, bs = \"bs\", k = 10)", g);
}

#[test]
fn adaptive_bases_match_mgcv() {
    let a = "bsp_adapt_n400.csv";
    check_basis("ad_default", "s(x, bs = \"ad\")", a);
    check_basis("ad_m3_k20", "s(x, bs = \"ad\", k = 20, m = 3)", a);
    check_basis("ad_m2", "s(x, bs = \"ad\", k = 15, m = 2)", a);
    check_basis("ad_cc", "s(x, bs = \"ad\", k = 20, m = 4, xt = list(bs = \"cc\"))", a);
    check_basis("ad_cp", "s(x, bs = \"ad\", k = 20, xt = list(bs = \"cp\"))", a);
    check_basis("ad_cr", "s(x, bs = \"ad\", k = 20, m = 4, xt = list(bs = \"cr\"))", a);
}

fn fit(r: &Value) -> GamModel {
    let data = DataFrame::read_csv(&test_data().join(r["data"].as_str().unwrap())).unwrap();
    spec(r).fit(&data).unwrap_or_else(|e| panic!("{}: {e}", r["id"]))
}

/// One fit: the shared checks ([`check_fit`]: criterion, EDF, fitted values, predictions with
/// standard errors on new data, names), the summary's smooth-term statistics, plot.gam's
/// curves; returns those differences and our fit time over mgcv's (median of 5 each).
fn check(id: &str) -> (FitDiffs, f64) {
    let r = read_json(&test_data().join(format!("bases_i16/bsp_fit_{id}.json")));
    let model = fit(&r);
    let data = DataFrame::read_csv(&test_data().join(r["data"].as_str().unwrap())).unwrap();
    let spread = spread(&r, &model);
    let summary = model.summary();
    let stat_ref = nums(&r["s_table"]["stat"]);
    for (row, want) in summary.smooths.iter().zip(&stat_ref) {
        let e = (row.stat - want).abs() / want.abs().max(1e-8);
        assert!(
            e <= STAT_REL_TOL,
            "{id}: {} statistic {} vs mgcv {want}",
            row.label,
            row.stat
        );
    }
    // plot.gam's curves (x, fit, se) of the one-covariate terms
    let plots = plot_data(&model, &data, &PlotOptions::default()).unwrap();
    let smooth_plots: Vec<_> = plots.iter().filter(|p| p.kind != PlotKind::Parametric).collect();
    let mut plot_err: f64 = 0.0;
    for (i, want) in r["plots"].as_array().unwrap().iter().enumerate() {
        if want.is_null() {
            continue;
        }
        let ours = smooth_plots[i];
        assert_eq!(ours.kind, PlotKind::Curve, "{id}: plot {i}");
        assert!(
            common::json::worst(&ours.x, &nums(&want["x"])) <= 1e-12 * spread.max(1.0),
            "{id}: plot {i} x"
        );
        plot_err = plot_err.max(common::json::worst(&ours.fit, &nums(&want["fit"])) / spread);
        let se = ours.se.as_ref().expect("plot se");
        let se_rel = se
            .iter()
            .zip(nums(&want["se"]))
            .map(|(a, b)| (a - b).abs() / b.abs())
            .fold(0.0, f64::max);
        assert!(se_rel <= SE_REL_TOL, "{id}: plot {i} se differs by {se_rel}");
    }
    assert!(plot_err <= PRED_SD_TOL, "{id}: plot curves differ by {plot_err}·sd");
    let mut times: Vec<f64> = (0..5)
        .map(|_| {
            let t = Instant::now();
            fit(&r);
            t.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let ratio = times[2] / num(&r["mgcv_seconds"]);
    println!(
        "{id:12} plot {plot_err:.1e}·sd  time {:.3}s vs mgcv {:.3}s (x{ratio:.2})",
        times[2],
        num(&r["mgcv_seconds"])
    );
    let new = DataFrame::read_csv(&test_data().join(r["newdata"].as_str().unwrap())).unwrap();
    (check_fit(id, &r, &model, &data, Some(&new)), ratio)
}

#[test]
fn cyclic_and_b_spline_fits_match_mgcv() {
    check("cp_bs_gauss");
    check("cp_bs_pois");
    check("cp_knots");
}

#[test]
fn adaptive_fits_match_mgcv() {
    check("ad_gauss");
    check("ad_pois");
}

#[test]
fn b_spline_by_factor_and_tensor_margins_match_mgcv() {
    check("bs_by_te");
}

/// The knots and penalties of cp and bs live in the saved model: read back, it predicts
/// exactly as the fitted one and passes the loader's consistency check.
#[test]
fn saved_models_keep_cp_and_bs() {
    let dir = tempfile::TempDir::new().unwrap();
    for id in ["cp_bs_gauss", "bs_by_te", "cp_knots", "ad_pois"] {
        let r = read_json(&test_data().join(format!("bases_i16/bsp_fit_{id}.json")));
        let model = fit(&r);
        let path = dir.path().join(format!("{id}.json"));
        model.save(&path).unwrap();
        let loaded = GamModel::load(&path).unwrap_or_else(|e| panic!("{id}: {e}"));
        let new = DataFrame::read_csv(&test_data().join(r["newdata"].as_str().unwrap())).unwrap();
        let opts = PredictOptions {
            se: true,
            ..Default::default()
        };
        let a = model.predict(&new, &opts).unwrap();
        let b = loaded.predict(&new, &opts).unwrap();
        assert_eq!(a.fit, b.fit, "{id}");
        assert_eq!(a.se_fit, b.se_fit, "{id}");
    }
}

/// Bad arguments are one-line errors naming the term.
#[test]
fn bad_cp_and_bs_arguments_are_term_errors() {
    let data = DataFrame::read_csv(&test_data().join("bases_i16/bsp_gauss_n300.csv")).unwrap();
    for (formula, needle) in [
        ("y ~ s(x1, bs = \"ad\", k = 8, m = 6)", "too many"),
        ("y ~ s(x1, bs = \"ad\", xt = list(bs = \"tp\"))", "base is"),
        ("y ~ te(x1, x2, bs = c(\"ad\", \"cr\"))", "tensor product margin"),
        ("y ~ s(hour, bs = \"cp\", k = 2, m = c(2, 1))", "k must be at least 3"),
        ("y ~ s(hour, bs = \"cp\", k = 5, m = c(2, 5))", "must be less than k"),
        ("y ~ s(hour, bs = \"cp\", m = c(2, 2, 1))", "at most two"),
        ("y ~ s(x1, bs = \"bs\", k = 3)", "k must be at least 4"),
        ("y ~ s(x1, bs = \"bs\", m = c(3, 4))", "no derivative of that order"),
        ("y ~ s(x1, bs = \"bs\", m = c(3, 2, 2))", "twice"),
        ("y ~ s(x1, bs = \"bs\", m = c(3, -1))", "whole numbers"),
    ] {
        let spec = GamSpec::new(Formula::parse(formula).unwrap());
        let e = spec.fit(&data).map(|_| ()).unwrap_err().to_string();
        assert!(!e.contains('\n'), "{formula}: {e}");
        assert!(e.contains(needle), "{formula}: {e}");
        assert!(
            ["s(hour)", "s(x1)", "te(x1,x2)"].iter().any(|t| e.contains(t)),
            "{formula}: names the term: {e}"
        );
    }
}

/// The chunked model-matrix path (built a few rows at a time) fits cp, bs and ad terms exactly
/// as the in-memory path does.
#[test]
fn chunked_fits_agree_with_in_memory_fits() {
    for id in ["cp_bs_gauss", "cp_bs_pois", "ad_pois"] {
        let r = read_json(&test_data().join(format!("bases_i16/bsp_fit_{id}.json")));
        let data = DataFrame::read_csv(&test_data().join(r["data"].as_str().unwrap())).unwrap();
        let (dense, chunked) = dense_and_chunked(&spec(&r), &data, 37);
        let rel = (chunked.reml_score - dense.reml_score).abs() / dense.reml_score.abs().max(1.0);
        assert!(
            rel <= 1e-10,
            "{id}: REML {} vs {}",
            chunked.reml_score,
            dense.reml_score
        );
        let scale = dense.coefficients.iter().fold(1.0f64, |m, c| m.max(c.abs()));
        for (c, d) in chunked.coefficients.iter().zip(&dense.coefficients) {
            assert!((c - d).abs() <= 1e-10 * scale, "{id}: coefficient {c} vs {d}");
        }
    }
}
