//! The low-rank MRF, `s(area, bs = "mrf", k)` with `k` below the number of
//! areas (issue 16), against mgcv 1.8-41 on references made by
//! `tests/data/mrf/make_refs_lowrank_poly.R`: a 5 x 6 grid of areas with
//! queen neighbours, unequal counts, two areas (a07, a22) without data.
//!
//! - Basis (`basis_low.json`, `k = 12`): mgcv's `P`, the basis and penalty of
//!   `smoothCon(absorb.cons = FALSE)` (unscaled and scaled), the centred
//!   basis and penalty (`absorb.cons = TRUE`) and `PredictMat` at new areas
//!   (the two without data among them), within [`BASIS_REL_TOL`] of the
//!   largest entry. **Column signs**: every column is an eigenvector (the
//!   last the constant, the graph being connected), its sign free; each is
//!   compared with mgcv's sign, the penalties' rows and columns flipped
//!   alike.
//! - Fits (`mrf_low_gauss`, `k = 12` with `s(x)`; `mrf_low_pois`, Poisson,
//!   `k = 8`; `mrf_low_by`, `k = 10` by a factor): setup and REML fit as [`common::setup_ref::check`] compares
//!   them, predictions with standard errors at the areas without data
//!   included (mgcv's from `PredictMat` and `Vp`, as `predict.gam` refuses
//!   them), and mgcv's summary test of the terms.
//! - The fit does not depend on the null-space basis (`mrf_low_poly`, a
//!   Poisson `k = 10` on the polygons' graph of three connected components,
//!   where mgcv's null-space basis is arbitrary): criterion, EDF, fitted
//!   values, predictions and standard errors as mgcv's.
//! - Chunked fits equal in-memory ones; a saved model predicts as fitted.
#![allow(clippy::print_stdout)]

mod common;

use common::cases::{data, test_data};
use common::json::{num, read_json};
use common::setup_ref::{check, check_setup_fit, check_summary, dense_and_chunked, median_fit_ms, spec};
use common::signed::{mat, s_diff, signs, x_diff};
use faer::Mat;
use gam::expert::basis::{Basis, BasisFn};
use gam::expert::data::{Column, DataFrame};
use gam::expert::design::smooth::SmoothTerm;
use gam::expert::formula::Formula;
use gam::expert::model::GamSpec;
use gam::expert::predict::PredictOptions;

/// Bases, penalties and prediction matrices, relative to mgcv's largest |entry|.
const BASIS_REL_TOL: f64 = 1e-10;

/// Summary statistics (F or chi-square) and p-values, relative.
const SUMMARY_REL_TOL: f64 = 1e-3;

/// Chunked and in-memory fits agree to this (relative).
const CHUNKED_REL_TOL: f64 = 1e-10;

/// The area of each row of `frame`'s column `area`, as an index into `areas`.
fn codes(frame: &DataFrame, areas: &[String]) -> Vec<usize> {
    let Column::Factor(f) = frame.column("area").unwrap() else {
        panic!("area is a factor")
    };
    f.codes
        .iter()
        .map(|c| {
            let name = &f.levels[c.unwrap() as usize];
            areas.iter().position(|a| a == name).unwrap()
        })
        .collect()
}

#[test]
fn the_low_rank_basis_matches_smooth_con() {
    let r = read_json(&test_data().join("mrf/basis_low.json"));
    let train = data(r["data"].as_str().unwrap());
    let new = data(r["newdata"].as_str().unwrap());
    let formula = Formula::parse(&format!("y ~ {}", r["text"].as_str().unwrap())).unwrap();
    let term = SmoothTerm::build(formula.smooths().next().unwrap(), &train)
        .unwrap()
        .remove(0);
    let Basis::Mrf(mrf) = &term.basis else { panic!("an MRF") };
    let k = num(&r["bs_dim"]) as usize;
    assert_eq!(term.basis.dim(), k);
    assert_eq!(term.basis.null_space_dim() as f64, num(&r["null_space_dim"]));
    assert_eq!(term.basis.dim() - term.basis.null_space_dim(), num(&r["rank"]) as usize);

    // P (areas x k) and the raw basis, its rows.
    let n_areas = mrf.areas().len();
    let p = mrf.area_rows();
    let p_ref = mat(&r["P"], n_areas);
    let sg = signs(&p, &p_ref);
    let p_err = x_diff(&p, &p_ref, &sg);
    let rows = codes(&train, mrf.areas());
    let raw = Mat::from_fn(rows.len(), k, |i, j| p[(rows[i], j)]);
    let raw_err = x_diff(&raw, &mat(&r["raw_X"], rows.len()), &sg);
    let pen = &term.basis.penalties()[0];
    let unscaled_err = s_diff(pen, &mat(&r["unscaled_S"], k), &sg);
    let scaled = pen * (1.0 / term.s_scale[0]);
    let scaled_err = s_diff(&scaled, &mat(&r["raw_S"], k), &sg);

    // The centred term and its prediction matrix (a07, a22: no data).
    let x = term.design(&train).unwrap();
    let x_ref = mat(&r["X"], rows.len());
    let sc = signs(&x, &x_ref);
    let xc_err = x_diff(&x, &x_ref, &sc);
    let sc_err = s_diff(&term.penalties[0].to_mat(), &mat(&r["S"], k - 1), &sc);
    let xp = term.design(&new).unwrap();
    let pm_err = x_diff(&xp, &mat(&r["pred_X"], xp.nrows()), &sc);
    println!(
        "basis_low: P {p_err:.1e}, raw X {raw_err:.1e}, raw S {unscaled_err:.1e} (scaled {scaled_err:.1e}), \
         X {xc_err:.1e}, S {sc_err:.1e}, PredictMat {pm_err:.1e}"
    );
    for (what, v) in [
        ("P", p_err),
        ("raw X", raw_err),
        ("raw S", unscaled_err),
        ("scaled raw S", scaled_err),
        ("X", xc_err),
        ("S", sc_err),
        ("PredictMat", pm_err),
    ] {
        assert!(v <= BASIS_REL_TOL, "{what}: {v:.2e} relative");
    }
}

#[test]
fn a_gaussian_low_rank_mrf_matches_mgcv() {
    check("mrf", "mrf_low_gauss");
}

#[test]
fn a_poisson_low_rank_mrf_matches_mgcv() {
    check("mrf", "mrf_low_pois");
}

#[test]
fn a_low_rank_mrf_by_a_factor_matches_mgcv() {
    check("mrf", "mrf_low_by");
}

#[test]
fn the_summary_tests_the_low_rank_mrf_as_mgcv_does() {
    for id in ["mrf_low_gauss", "mrf_low_pois", "mrf_low_by"] {
        let r = read_json(&test_data().join(format!("mrf/{id}.json")));
        let model = spec(&r).fit(&data(r["data"].as_str().unwrap())).unwrap();
        check_summary(id, &r, &model, SUMMARY_REL_TOL);
    }
}

#[test]
fn a_low_rank_fit_does_not_depend_on_the_null_space_basis() {
    // The polygons' graph has three connected components: mgcv's basis of the
    // three-dimensional null space is whatever LAPACK returns, ours the
    // components' indicators. The fit is the same: criterion, EDF, fitted
    // values, predictions and standard errors (not the smoothing parameters).
    let r = read_json(&test_data().join("mrf/mrf_low_poly.json"));
    let train = data(r["data"].as_str().unwrap());
    let t0 = std::time::Instant::now();
    let model = spec(&r).fit(&train).unwrap();
    let secs = t0.elapsed().as_secs_f64();
    let d = check_setup_fit("mrf_low_poly", &r, &model, &train);
    println!(
        "mrf_low_poly: REML {:.1e} rel, EDF {:.1e}, fitted {:.1e}, predictions {:.1e}·sd, \
         se {:.1e} rel; fit {:.1} ms (mgcv {:.1} ms)",
        d.criterion,
        d.edf,
        d.fitted,
        d.predicted,
        d.se,
        secs * 1e3,
        num(&r["mgcv_seconds"]) * 1e3
    );
}

#[test]
fn a_low_rank_k_out_of_range_is_a_one_line_error() {
    let train = data("mrf/mrf_low_n400.csv");
    for (k, part) in [(1, "k from 2 to 29"), (0, "k from 2 to 29")] {
        let f = format!("y ~ s(area, bs = \"mrf\", k = {k}, xt = \"tests/data/mrf/nb_low.json\")");
        let e = GamSpec::new(Formula::parse(&f).unwrap())
            .fit(&train)
            .unwrap_err()
            .to_string();
        assert!(e.contains(part) && e.contains("s(area)") && !e.contains('\n'), "{e}");
    }
}

/// The chunked path (model matrix built a block of rows at a time) gives
/// the in-memory fit; a saved model, read back, predicts exactly as fitted.
#[test]
fn chunked_and_saved_fits_equal_in_memory_fits() {
    let dir = tempfile::tempdir().unwrap();
    for id in ["mrf_low_gauss", "mrf_low_pois", "mrf_low_by", "mrf_poly"] {
        let r = read_json(&test_data().join(format!("mrf/{id}.json")));
        let train = data(r["data"].as_str().unwrap());
        let (dense, chunked) = dense_and_chunked(&spec(&r), &train, 37);
        let rel = (chunked.reml_score - dense.reml_score).abs() / dense.reml_score.abs();
        assert!(
            rel <= CHUNKED_REL_TOL,
            "{id}: REML {} vs {}",
            chunked.reml_score,
            dense.reml_score
        );
        let scale = dense.coefficients.iter().fold(1.0f64, |m, c| m.max(c.abs()));
        for (c, d) in chunked.coefficients.iter().zip(&dense.coefficients) {
            assert!((c - d).abs() <= CHUNKED_REL_TOL * scale, "{id}: coefficient {c} vs {d}");
        }
        let path = dir.path().join(format!("{id}.json"));
        dense.save(&path).unwrap();
        let back = gam::expert::model::GamModel::load(&path).unwrap_or_else(|e| panic!("{id}: {e}"));
        let opts = PredictOptions {
            se: true,
            ..Default::default()
        };
        let new = data(r["newdata"].as_str().unwrap());
        assert_eq!(
            dense.predict(&new, &opts).unwrap(),
            back.predict(&new, &opts).unwrap(),
            "{id}"
        );
    }
}

/// Fit times of the reference models (median of 10 fits each), for comparison
/// with mgcv's (`mgcv_seconds`, the median of 10 in
/// `make_refs_lowrank_poly.R`). Run with `--ignored --nocapture`.
#[test]
#[ignore = "timing, not a check"]
fn time_reference_fits() {
    for id in [
        "mrf_low_gauss",
        "mrf_low_pois",
        "mrf_low_by",
        "mrf_low_poly",
        "mrf_poly",
    ] {
        let r = read_json(&test_data().join(format!("mrf/{id}.json")));
        let ours = median_fit_ms(&r, 10);
        println!(
            "TIME {id}: {:.1} ms (mgcv {:.1} ms)",
            ours,
            num(&r["mgcv_seconds"]) * 1e3
        );
    }
}
