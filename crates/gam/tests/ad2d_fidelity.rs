//! Fidelity of the adaptive smooth of two covariates, `s(x, z, bs = "ad")` (issue 16), against
//! mgcv 1.8-41 references made by `tests/data/bases_i16/make_refs_ad2d.R`.
//!
//! Basis level (`ad2d_basis_*.json`): mgcv's `smoothCon(spec, absorb.cons = FALSE)` model
//! matrix, every penalty (as `gam` scales it) and its scale, `PredictMat` at new points (some
//! outside the data), class, null space dimension and mgcv's penalty ranks, for the default,
//! `k = c(10, 12)`, penalty basis sizes `c(2, 3)` (mgcv's 5 x 5 linear fallback) and 4, cr and
//! cp margins, and the single penalty `m = 1`. No free signs: every column is determined.
//!
//! Fits (`ad2d_fit_*.json`): REML fits (Gaussian, Poisson, a factor `by` with cr margins,
//! `k = c(10, 12)` with one penalty): criterion, EDF, coefficient and smoothing parameter
//! names, fitted values, predictions with standard errors on new data (with the factor `by`:
//! the fit's own, mgcv's lpmatrix with the `by` applied, since mgcv's `predict.gam` leaves the
//! `by` of this class out), the summary's smooth
//! table, plot.gam's surfaces with their standard errors and excluded points, k.check's k-index;
//! a save/load round trip; the chunked fit path agrees with the in-memory one; bad arguments
//! are one-line errors naming the term.
#![allow(clippy::print_stdout)]

mod common;

use std::time::Instant;

use common::cases::test_data;
use common::json::{num, nums, read_json, strings};
use common::setup_ref;
use common::tol::{PRED_SD_TOL, SE_REL_TOL};
use faer::Mat;
use gam::expert::basis::{Basis, BasisFn};
use gam::expert::data::{Column, DataFrame};
use gam::expert::design::{SmoothOptions, SmoothTerm};
use gam::expert::formula::{Formula, Term};
use gam::expert::model::{GamModel, GamSpec};
use gam::expert::predict::PredictOptions;
use gam::expert::report::check::{KCheckOptions, k_check};
use gam::expert::report::plot::{PlotKind, PlotOptions, plot_data};
use serde_json::Value;

/// Model matrices, penalties and penalty scales: `max |ours - mgcv|` relative to the largest
/// entry of mgcv's.
const BASIS_REL_TOL: f64 = 1e-10;
/// Summary statistics (F / chi-square) of the smooth terms, relative.
const STAT_REL_TOL: f64 = 1e-3;
/// k.check's k-index on all rows, relative: it moves with the fit (residuals and the
/// covariate rescaling by the fitted surface's slopes), which agrees to about 1e-7.
const K_INDEX_REL_TOL: f64 = 1e-4;

/// A matrix from its non-zero entries (`nrow`, `ncol`, 0-based `i`, `j`, `x`; a symmetric one
/// holds its upper triangle).
fn sparse(v: &Value) -> Mat<f64> {
    let (nrow, ncol) = (num(&v["nrow"]) as usize, num(&v["ncol"]) as usize);
    let mut m = Mat::<f64>::zeros(nrow, ncol);
    let (i, j, x) = (nums(&v["i"]), nums(&v["j"]), nums(&v["x"]));
    let symmetric = v["symmetric"].as_bool().unwrap();
    for ((i, j), x) in i.iter().zip(&j).zip(&x) {
        let (i, j) = (*i as usize, *j as usize);
        m[(i, j)] = *x;
        if symmetric {
            m[(j, i)] = *x;
        }
    }
    m
}

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

/// Worst relative difference of one basis case (X, S, S.scale, Xp).
fn check_basis(id: &str, spec: &str) -> f64 {
    let r = read_json(&test_data().join(format!("bases_i16/ad2d_basis_{id}.json")));
    let data = DataFrame::read_csv(&test_data().join("bases_i16/ad2d_basis_n100.csv")).unwrap();
    let formula = Formula::parse(&format!("y ~ {spec}")).unwrap();
    let Some(Term::Smooth(spec)) = formula.terms.iter().find(|t| matches!(t, Term::Smooth(_))) else {
        panic!("{id}: no smooth");
    };
    let terms = SmoothTerm::build_with(spec, &data, &SmoothOptions::default()).unwrap_or_else(|e| panic!("{id}: {e}"));
    let term = &terms[0];
    assert_eq!(term.label, "te(x,z)", "{id}: mgcv's label");
    assert_eq!(term.class(), r["class"].as_str().unwrap(), "{id}: class");
    assert_eq!(
        term.basis.null_space_dim() as f64,
        num(&r["null_space_dim"]),
        "{id}: null space"
    );
    let Basis::Ad(ad) = &term.basis else {
        panic!("{id}: not an adaptive smooth");
    };
    let ranks: Vec<f64> = ad.penalty_ranks().iter().map(|&v| v as f64).collect();
    assert_eq!(ranks, nums(&r["rank"]), "{id}: mgcv's penalty ranks");
    let column = |name: &str| data.require_column(name).unwrap().as_numeric().unwrap().to_vec();
    let (x, z) = (column("x"), column("z"));
    let mut worst = rel_err(id, &term.basis.design(&[&x, &z]).unwrap(), &sparse(&r["X"]));
    let s_ref = r["S"].as_array().unwrap();
    let raw = term.basis.penalties();
    assert_eq!(raw.len(), s_ref.len(), "{id}: number of penalties");
    let scale_ref = nums(&r["S_scale"]);
    for (i, (ours, theirs)) in raw.iter().zip(s_ref).enumerate() {
        let scaled = ours * (1.0 / term.s_scale[i]);
        worst = worst.max(rel_err(&format!("{id} S{i}"), &scaled, &sparse(theirs)));
        worst = worst.max((term.s_scale[i] - scale_ref[i]).abs() / scale_ref[i]);
    }
    let new = DataFrame::read_csv(&test_data().join("bases_i16/ad2d_new.csv")).unwrap();
    let (nx, nz) = (
        new.require_column("x").unwrap().as_numeric().unwrap().to_vec(),
        new.require_column("z").unwrap().as_numeric().unwrap().to_vec(),
    );
    worst = worst.max(rel_err(
        &format!("{id} Xp"),
        &term.basis.design(&[&nx, &nz]).unwrap(),
        &sparse(&r["Xp"]),
    ));
    println!("{id:8} basis, penalties, scales, prediction matrix: {worst:.1e}");
    assert!(worst <= BASIS_REL_TOL, "{id}: differs from mgcv by {worst:.2e}");
    worst
}

#[test]
fn adaptive_surface_bases_match_mgcv() {
    check_basis("default", "s(x, z, bs = \"ad\")");
    check_basis("k10_12", "s(x, z, bs = \"ad\", k = c(10, 12))");
    check_basis("m23", "s(x, z, bs = \"ad\", k = 10, m = c(2, 3))");
    check_basis("m44", "s(x, z, bs = \"ad\", k = c(9, 8), m = 4)");
    check_basis("cr", "s(x, z, bs = \"ad\", k = 8, xt = list(bs = \"cr\"))");
    check_basis("cp", "s(x, z, bs = \"ad\", k = 9, xt = list(bs = \"cp\"))");
    check_basis("m1", "s(x, z, bs = \"ad\", m = 1)");
}

fn read_data(r: &Value) -> DataFrame {
    DataFrame::read_csv(&test_data().join(r["data"].as_str().unwrap())).unwrap()
}

fn fit(r: &Value) -> GamModel {
    setup_ref::spec(r)
        .fit(&read_data(r))
        .unwrap_or_else(|e| panic!("{}: {e}", r["id"]))
}

/// The largest difference where both are numbers, relative to `spread`; the same points
/// must be missing.
fn worst_finite(what: &str, ours: &[f64], theirs: &Value, spread: f64) -> f64 {
    let theirs: Vec<f64> = theirs
        .as_array()
        .unwrap()
        .iter()
        .map(|v| if v.is_null() { f64::NAN } else { num(v) })
        .collect();
    assert_eq!(ours.len(), theirs.len(), "{what}: lengths");
    let mut worst: f64 = 0.0;
    for (i, (a, b)) in ours.iter().zip(&theirs).enumerate() {
        assert_eq!(a.is_nan(), b.is_nan(), "{what}[{i}]: ours {a}, mgcv {b}");
        if b.is_finite() {
            worst = worst.max((a - b).abs() / spread);
        }
    }
    worst
}

/// Checks one fit against mgcv; prints the worst differences and the fit times.
fn check_fit(id: &str) {
    let r = read_json(&test_data().join(format!("bases_i16/ad2d_fit_{id}.json")));
    let model = fit(&r);
    let data = read_data(&r);
    let new = DataFrame::read_csv(&test_data().join(r["newdata"].as_str().unwrap())).unwrap();
    setup_ref::check_fit(id, &r, &model, &data, Some(&new));
    // mgcv's warning that a penalty basis size of 2 falls back to te()'s default, as ours
    for w in strings(&r["warnings"]) {
        let key = w.split(" - ").next().unwrap();
        assert!(
            model.warnings.iter().any(|ours| ours.contains(key)),
            "{id}: no warning like mgcv's '{w}'"
        );
    }
    let spread = setup_ref::spread(&r, &model);
    let summary = model.summary();
    for (row, want) in summary.smooths.iter().zip(&nums(&r["s_table"]["stat"])) {
        let e = (row.stat - want).abs() / want.abs().max(1e-8);
        assert!(
            e <= STAT_REL_TOL,
            "{id}: {} statistic {} vs mgcv {want}",
            row.label,
            row.stat
        );
    }
    // plot.gam's surfaces: grid, fit, se (one standard error) and the points too far from data
    let plots = plot_data(&model, &data, &PlotOptions::default()).unwrap();
    let surfaces: Vec<_> = plots.iter().filter(|p| p.kind != PlotKind::Parametric).collect();
    let mut plot_err: f64 = 0.0;
    let mut plot_se: f64 = 0.0;
    for (i, want) in r["surfaces"].as_array().unwrap().iter().enumerate() {
        let ours = surfaces[i];
        assert_eq!(ours.kind, PlotKind::Surface, "{id}: plot {i}");
        assert!(
            common::json::worst(&ours.x, &nums(&want["x"])) <= 1e-12,
            "{id}: plot {i} x"
        );
        assert!(
            common::json::worst(ours.y.as_deref().unwrap(), &nums(&want["y"])) <= 1e-12,
            "{id}: plot {i} y"
        );
        let exclude: Vec<bool> = want["exclude"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b.as_bool().unwrap())
            .collect();
        assert_eq!(
            ours.exclude.as_deref().unwrap(),
            exclude,
            "{id}: plot {i} excluded points"
        );
        plot_err = plot_err.max(worst_finite(
            &format!("{id} plot {i} fit"),
            &ours.fit,
            &want["fit"],
            spread,
        ));
        let se_ref: Vec<f64> = want["se"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| if v.is_null() { f64::NAN } else { num(v) })
            .collect();
        for (a, b) in ours.se.as_deref().unwrap().iter().zip(&se_ref) {
            if b.is_finite() {
                plot_se = plot_se.max((a - b).abs() / b.abs());
            }
        }
    }
    let kc = k_check(&model, &data, &KCheckOptions::default()).unwrap();
    let k_err = kc
        .iter()
        .zip(nums(&r["k_index"]))
        .map(|(row, want)| (row.k_index - want).abs() / want)
        .fold(0.0, f64::max);
    let mut times: Vec<f64> = (0..5)
        .map(|_| {
            let t = Instant::now();
            fit(&r);
            t.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    println!(
        "{id:6} surface {plot_err:.1e}·sd, se {plot_se:.1e}  k-index {k_err:.1e}  time {:.3}s vs mgcv {:.3}s",
        times[2],
        num(&r["mgcv_seconds"])
    );
    assert!(plot_err <= PRED_SD_TOL, "{id}: surfaces differ by {plot_err}·sd");
    assert!(
        plot_se <= SE_REL_TOL,
        "{id}: surface standard errors differ by {plot_se}"
    );
    assert!(k_err <= K_INDEX_REL_TOL, "{id}: k-index differs by {k_err}");
}

#[test]
fn gaussian_adaptive_surface_fit_matches_mgcv() {
    check_fit("gauss");
}

#[test]
fn poisson_adaptive_surface_fit_matches_mgcv() {
    check_fit("pois");
}

#[test]
fn adaptive_surface_by_factor_with_cr_margins_matches_mgcv() {
    check_fit("by_cr");
}

#[test]
fn adaptive_surface_with_one_penalty_and_two_ks_matches_mgcv() {
    check_fit("m1_k");
}

/// The saved model rebuilds its penalties from the stored grid: read back, it passes the
/// loader's checks and predicts exactly as the fitted one.
#[test]
fn saved_adaptive_surfaces_predict_alike() {
    let dir = tempfile::TempDir::new().unwrap();
    for id in ["by_cr", "m1_k"] {
        let r = read_json(&test_data().join(format!("bases_i16/ad2d_fit_{id}.json")));
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
        assert_eq!(
            model.design.smooths[0].basis.penalties(),
            loaded.design.smooths[0].basis.penalties(),
            "{id}"
        );
    }
}

/// The chunked model-matrix path (built a few rows at a time) fits as the in-memory one does.
#[test]
fn chunked_adaptive_surface_fits_agree_with_in_memory_fits() {
    for id in ["by_cr", "pois"] {
        let r = read_json(&test_data().join(format!("bases_i16/ad2d_fit_{id}.json")));
        let (dense, chunked) = setup_ref::dense_and_chunked(&setup_ref::spec(&r), &read_data(&r), 37);
        let rel = (chunked.reml_score - dense.reml_score).abs() / dense.reml_score.abs().max(1.0);
        assert!(
            rel <= 1e-10,
            "{id}: REML {} vs {}",
            chunked.reml_score,
            dense.reml_score
        );
        let scale = dense.coefficients.iter().fold(1.0f64, |m, c| m.max(c.abs()));
        for (c, d) in chunked.coefficients.iter().zip(&dense.coefficients) {
            assert!((c - d).abs() <= 1e-9 * scale, "{id}: coefficient {c} vs {d}");
        }
    }
}

/// What mgcv cannot build (or builds wrongly) is a one-line error naming the term.
#[test]
fn bad_adaptive_surface_arguments_are_term_errors() {
    let data = DataFrame::read_csv(&test_data().join("bases_i16/ad2d_gauss_n500.csv")).unwrap();
    let data = DataFrame::new(
        ["y", "x", "z"]
            .iter()
            .map(|c| (c.to_string(), data.require_column(c).unwrap().clone()))
            .chain([("w".to_string(), Column::Numeric((0..500).map(|i| i as f64).collect()))])
            .collect(),
    )
    .unwrap();
    for (formula, needle, term) in [
        ("y ~ s(x, z, bs = \"ad\", m = c(1, 3))", "planar", "s(x,z)"),
        ("y ~ s(x, z, bs = \"ad\", m = c(1, 2))", "too small", "s(x,z)"),
        ("y ~ s(x, z, bs = \"ad\", m = c(2, 13))", "5 x 5", "s(x,z)"),
        ("y ~ s(x, z, bs = \"ad\", k = 6, m = 5)", "too many", "s(x,z)"),
        ("y ~ s(x, z, bs = \"ad\", m = 0)", "no penalty", "s(x,z)"),
        ("y ~ s(x, z, bs = \"ad\", k = 3)", "at least 4", "s(x,z)"),
        ("y ~ s(x, z, bs = \"ad\", xt = list(bs = \"cc\"))", "broken", "s(x,z)"),
        ("y ~ s(x, z, bs = \"ad\", xt = list(bs = \"tp\"))", "base is", "s(x,z)"),
        ("y ~ s(x, z, w, bs = \"ad\")", "one or two covariates", "s(x,z,w)"),
        (
            "y ~ te(x, z, bs = c(\"ad\", \"cr\"))",
            "tensor product margin",
            "te(x,z)",
        ),
    ] {
        let spec = GamSpec::new(Formula::parse(formula).unwrap());
        let e = spec.fit(&data).map(|_| ()).unwrap_err().to_string();
        assert!(!e.contains('\n'), "{formula}: {e}");
        assert!(e.contains(needle), "{formula}: {e}");
        assert!(e.contains(term), "{formula}: names the term: {e}");
    }
}
