//! Factor-smooth interactions `s(x, fac, bs = "fs")` and `s(x, fac, bs = "sz")` (issue 16)
//! against mgcv 1.8-41 references made by `tests/data/bases_i16/make_refs_fssz.R`.
//!
//! Bases: each term's model matrix, every penalty (after mgcv's rescaling and the `sz`
//! sum-to-zero contrasts) and the model matrix at new points, as `smoothCon(absorb.cons = TRUE,
//! scale.penalty = TRUE)` and `PredictMat` give them, within [`BASIS_TOL`] up to the sign of
//! each column (eigenvector signs are free in `nat.param`, flipped penalty rows and columns
//! alike). mgcv's `fs` null-space columns are an arbitrary rotation (rounding noise of
//! `eigen()`, see `basis::natural`): the references are made with that rotation fixed as the
//! engine fixes it, and the test also checks that mgcv's unfixed matrix spans the same columns.
//!
//! Base classes: besides tp, cr, ps and cc, every class mgcv 1.8-41 takes as a base and the
//! engine has: cp, bs, gp, ds (two covariates), ad with one penalty for both; re, ts and cs for
//! `sz` (mgcv's `fs` fails without a penalty null space). `sz` with an `id` (one summed
//! penalty) and `fs` with one (no change). What mgcv refuses is a one-line error.
//!
//! Fits ([`common::setup_ref::check_fit`]): REML criterion, per-term EDF, names, fitted values,
//! predictions with standard errors at new points; and the summary's test (reTest for `fs`,
//! whose null space is empty; testStat for `sz`) against `summary.gam`, and plot.gam's curves.
#![allow(clippy::print_stdout)]

#[macro_use]
mod common;

use common::cases::test_data;
use common::json::{matrix, num, nums, read_json, strings};
use common::setup_ref::{FitDiffs, check_fit, dense_and_chunked, spec, spread};
use common::tol::PRED_SD_TOL;
use faer::Mat;
use faer::linalg::solvers::Solve;
use gam::expert::data::{Column, DataFrame, FactorColumn};
use gam::expert::design::smooth::SmoothTerm;
use gam::expert::formula::Formula;
use gam::expert::model::{GamModel, GamSpec};
use gam::expert::predict::PredictOptions;
use gam::expert::report::plot::{PlotKind, PlotOptions, plot_data};
use serde_json::Value;

/// Model matrices and penalties, absolute, relative to the largest entry of the matrix.
const BASIS_TOL: f64 = 1e-10;
/// mgcv's unfixed fs null-space columns reproduced from ours by a rotation, relative.
const ROTATION_TOL: f64 = 1e-9;
/// Reference df and F (or Chi.sq) statistic of the summary's smooth tests, relative.
const STAT_REL_TOL: f64 = 2e-3;
/// p-values of the summary's smooth tests, relative (or absolute below [`P_ABS_TOL`]).
const P_REL_TOL: f64 = 1e-2;
/// p-values this small count as equal (mgcv prints `<2e-16`).
const P_ABS_TOL: f64 = 1e-12;

fn data() -> DataFrame {
    DataFrame::read_csv(&test_data().join("bases_i16/fssz_n300.csv")).unwrap()
}

fn new_data() -> DataFrame {
    DataFrame::read_csv(&test_data().join("bases_i16/fssz_new.csv")).unwrap()
}

fn term(spec: &str) -> SmoothTerm {
    let f = Formula::parse(&format!("y ~ {spec}")).unwrap();
    let spec = f.smooths().next().unwrap().clone();
    let mut terms = SmoothTerm::build(&spec, &data()).unwrap();
    assert_eq!(terms.len(), 1);
    terms.remove(0)
}

fn max_abs(m: &Mat<f64>) -> f64 {
    (0..m.nrows())
        .flat_map(|i| (0..m.ncols()).map(move |j| (i, j)))
        .map(|(i, j)| m[(i, j)].abs())
        .fold(0.0, f64::max)
}

/// Worst difference of `ours` (columns multiplied by `signs`) from `theirs`, relative to its largest entry.
fn diff(ours: &Mat<f64>, theirs: &Mat<f64>, row_signs: Option<&[f64]>, signs: &[f64]) -> f64 {
    assert_eq!((ours.nrows(), ours.ncols()), (theirs.nrows(), theirs.ncols()));
    let rs = |i: usize| row_signs.map_or(1.0, |s| s[i]);
    let worst = (0..ours.nrows())
        .flat_map(|i| (0..ours.ncols()).map(move |j| (i, j)))
        .map(|(i, j)| (ours[(i, j)] * rs(i) * signs[j] - theirs[(i, j)]).abs())
        .fold(0.0, f64::max);
    worst / max_abs(theirs).max(1e-300)
}

/// Compares one basis case; returns the worst difference and the number of flipped columns.
fn check_basis(id: &str, spec: &str) -> (f64, usize) {
    let r = read_json(&test_data().join(format!("bases_i16/fssz_basis_{id}.json")));
    let t = term(spec);
    assert_eq!(t.class(), r["class"].as_str().unwrap(), "{id}");
    assert_eq!(t.null_space_dim() as f64, num(&r["null_space_dim"]), "{id}: null space");
    let x = t.design(&data()).unwrap();
    let want = matrix(&r["X"]);
    // Each column's sign from its inner product with mgcv's.
    let signs: Vec<f64> = (0..x.ncols())
        .map(|j| {
            let dot: f64 = (0..x.nrows()).map(|i| x[(i, j)] * want[(i, j)]).sum();
            if dot < 0.0 { -1.0 } else { 1.0 }
        })
        .collect();
    let flipped = signs.iter().filter(|s| **s < 0.0).count();
    let mut worst = diff(&x, &want, None, &signs);
    let s_ref = r["S"].as_array().unwrap();
    assert_eq!(t.penalties.len(), s_ref.len(), "{id}: penalties");
    for (s, sr) in t.penalties.iter().zip(s_ref) {
        worst = worst.max(diff(&s.to_mat(), &matrix(sr), Some(&signs), &signs));
    }
    let scale = nums(&r["S_scale"]);
    for (a, b) in t.s_scale.iter().zip(&scale) {
        worst = worst.max((a - b).abs() / b.abs());
    }
    let xp = t.design(&new_data()).unwrap();
    worst = worst.max(diff(&xp, &matrix(&r["Xp"]), None, &signs));
    if !r["X_mgcv"].is_null() {
        let levels = 4;
        let k = x.ncols() / levels;
        let n_null = num(&r["n_null"]) as usize;
        // mgcv's own range columns equal ours up to sign; its null columns are ours rotated.
        let mgcv = matrix(&r["X_mgcv"]);
        let range: Vec<usize> = (0..x.ncols()).filter(|j| j % k < k - n_null).collect();
        let null: Vec<usize> = (0..x.ncols()).filter(|j| j % k >= k - n_null).collect();
        let pick = |m: &Mat<f64>, cols: &[usize]| Mat::from_fn(m.nrows(), cols.len(), |i, j| m[(i, cols[j])]);
        let (ours_r, theirs_r) = (pick(&x, &range), pick(&mgcv, &range));
        let rs: Vec<f64> = range.iter().map(|&j| signs[j]).collect();
        let range_diff = diff(&ours_r, &theirs_r, None, &rs);
        let (a, b) = (pick(&x, &null), pick(&mgcv, &null));
        let rot = (a.transpose() * &a).partial_piv_lu().solve(a.transpose() * &b);
        let resid = diff(&(&a * &rot), &b, None, &vec![1.0; b.ncols()]);
        let orth = rot.transpose() * &rot;
        let orth_err = (0..orth.nrows())
            .map(|i| (orth[(i, i)] - 1.0).abs())
            .fold(0.0, f64::max);
        println!(
            "{id:10} unfixed mgcv: range {range_diff:.1e}, null rotation residual {resid:.1e}, |RᵀR − I| {orth_err:.1e}"
        );
        assert!(
            range_diff < BASIS_TOL && resid < ROTATION_TOL && orth_err < ROTATION_TOL,
            "{id}: mgcv's unfixed basis"
        );
    }
    println!(
        "{id:10} basis: worst {worst:.1e}, {flipped} of {} columns flipped",
        x.ncols()
    );
    assert!(worst < BASIS_TOL, "{id}: basis differs by {worst:.2e}");
    (worst, flipped)
}

#[test]
fn fs_bases_match_mgcv() {
    check_basis("fs_tp", "s(x, g, bs = \"fs\", k = 6)");
    check_basis("fs_cr", "s(x, g, bs = \"fs\", xt = \"cr\", k = 6)");
    check_basis(
        "fs_ps",
        "s(g, x, bs = \"fs\", xt = list(bs = \"ps\"), k = 7, m = c(2, 1))",
    );
    check_basis("fs_tp_m1", "s(x, g, bs = \"fs\", k = 5, m = 1)");
    check_basis("fs_2d", "s(x, z, g, bs = \"fs\", k = 8)");
}

/// sz does not reparameterise: with a cr base nothing is flipped; a tp base's own
/// eigenvectors have free signs (see `basis::tp`).
#[test]
fn sz_bases_match_mgcv() {
    check_basis("sz_tp", "s(x, g, bs = \"sz\", k = 5)");
    let (_, flipped) = check_basis("sz_cr", "s(x, g, bs = \"sz\", xt = \"cr\", k = 6)");
    assert_eq!(flipped, 0);
    check_basis("sz_2f", "s(x, g, h, bs = \"sz\", k = 5)");
}

fn fit(r: &Value) -> GamModel {
    spec(r).fit(&data()).unwrap_or_else(|e| panic!("{}: {e}", r["id"]))
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(1e-300)
}

/// mgcv's names of the smoothing parameters, as the engine gives them: an fs term on a gp or
/// ds base, whose penalty list mgcv names `S` (after its base's), gets from mgcv the names
/// `s(x,g)S`, `s(x,g)`, `s(x,g)`, ...; the engine numbers them as for any other base,
/// `s(x,g)1`, `s(x,g)2`, ..., as names must tell the parameters apart.
fn sp_names_as_ours(names: Vec<String>) -> Vec<String> {
    let mut out = names.clone();
    for (i, name) in names.iter().enumerate() {
        let Some(label) = name.strip_suffix('S') else { continue };
        let run = names[i + 1..].iter().take_while(|n| *n == label).count();
        if run > 0 {
            for j in 0..=run {
                out[i + j] = format!("{label}{}", j + 1);
            }
        }
    }
    out
}

/// One full fit: the shared checks ([`check_fit`]: criterion, EDF, names, fitted values,
/// predictions with standard errors at new points), the summary's smooth tests and the
/// level curves of plot.gam; returns those differences and the summary's p-values, relative.
fn check(id: &str) -> (FitDiffs, f64) {
    let mut r = read_json(&test_data().join(format!("bases_i16/fssz_fit_{id}.json")));
    r["sp_names"] = serde_json::json!(sp_names_as_ours(strings(&r["sp_names"])));
    let model = fit(&r);
    let summary = model.summary();
    let (mut stat, mut p): (f64, f64) = (0.0, 0.0);
    for (i, s) in r["smooths"].as_array().unwrap().iter().enumerate() {
        let row = &summary.smooths[i];
        stat = stat
            .max(rel(row.ref_df, num(&s["ref_df"])))
            .max(rel(row.stat, num(&s["stat"])));
        let pr = num(&s["p_value"]);
        if row.p_value.max(pr) > P_ABS_TOL {
            p = p.max(rel(row.p_value, pr));
        }
    }
    let spread = spread(&r, &model);
    let plot = plot_data(&model, &data(), &PlotOptions::default()).unwrap();
    for (i, want) in r["plots"].as_array().unwrap().iter().enumerate() {
        if want.is_null() {
            continue;
        }
        let t = &plot[i];
        assert_eq!(t.kind, PlotKind::LevelCurves, "{id}");
        let worst = |a: &[f64], b: Vec<f64>| a.iter().zip(&b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max);
        let fit_ref = nums(&want["fit"]);
        assert_eq!(t.fit.len(), fit_ref.len(), "{id}: plot points");
        let mut err = worst(&t.x, nums(&want["x"])).max(worst(&t.fit, fit_ref));
        // fs curves have no band (mgcv's se = FALSE); sz's have two standard errors.
        if let Some(se) = &t.se {
            err = err.max(worst(se, nums(&want["se"])));
        }
        println!(
            "{id:10} plot of {}: worst {:.1e}·sd over {} curves",
            t.label,
            err / spread,
            t.levels.as_ref().unwrap().len()
        );
        assert!(
            err / spread <= PRED_SD_TOL,
            "{id}: plot of {} differs by {err}",
            t.label
        );
    }
    println!("{id:10} summary statistics {stat:.1e}  p {p:.1e}");
    assert!(stat <= STAT_REL_TOL, "{id}: summary statistics differ by {stat}");
    assert!(p <= P_REL_TOL, "{id}: p-values differ by {p}");
    (check_fit(id, &r, &model, &data(), Some(&new_data())), p)
}

#[test]
fn fs_fits_match_mgcv() {
    check("fs_gauss");
    check("fs_cr_pois");
    check("fs_by");
    check("fs_2d");
}

#[test]
fn sz_fits_match_mgcv() {
    check("sz_gauss");
    check("sz_2f");
    check("sz_pois");
}

/// fs on every other base class mgcv takes (one penalty with a null space): cp, bs (one
/// derivative penalty), gp, ds of two covariates, ad with one penalty.
#[test]
fn fs_on_other_bases_matches_mgcv() {
    check_basis("fs_cp", "s(x, g, bs = \"fs\", xt = \"cp\", k = 8)");
    check_basis("fs_bs", "s(x, g, bs = \"fs\", xt = \"bs\", k = 8)");
    check_basis("fs_bs_m31", "s(x, g, bs = \"fs\", xt = \"bs\", k = 8, m = c(3, 1))");
    check_basis("fs_gp", "s(x, g, bs = \"fs\", xt = \"gp\", k = 8)");
    check_basis("fs_ds_2d", "s(x, z, g, bs = \"fs\", xt = \"ds\", k = 12)");
    check_basis("fs_ad_m1", "s(x, g, bs = \"fs\", xt = \"ad\", k = 12, m = 1)");
    check("fs_cp");
    check("fs_gp_pois");
    check("fs_ds_2d");
    check("fs_bs_by");
}

/// sz on every other base class mgcv takes (one penalty): bs, cp, cc, gp, ds of two
/// covariates, ad with one penalty, re (a random slope per level), and the shrinkage ts, cs.
#[test]
fn sz_on_other_bases_matches_mgcv() {
    check_basis("sz_bs", "s(x, g, bs = \"sz\", xt = \"bs\", k = 6)");
    check_basis("sz_cp", "s(x, g, bs = \"sz\", xt = \"cp\", k = 6)");
    check_basis("sz_cc", "s(x, g, bs = \"sz\", xt = \"cc\", k = 6)");
    check_basis("sz_gp", "s(x, g, bs = \"sz\", xt = \"gp\", k = 6)");
    check_basis("sz_ds_2d", "s(x, z, g, bs = \"sz\", xt = \"ds\", k = 10)");
    check_basis("sz_ad_m1", "s(x, g, bs = \"sz\", xt = \"ad\", k = 10, m = 1)");
    check_basis("sz_re", "s(x, g, bs = \"sz\", xt = \"re\")");
    check_basis("sz_ts", "s(x, g, bs = \"sz\", xt = \"ts\", k = 6)");
    check_basis("sz_cs", "s(x, g, bs = \"sz\", xt = \"cs\", k = 7)");
    check("sz_bs");
    check("sz_gp_pois");
    check("sz_re");
}

/// With an id, sz sums its per-level penalties into one (one smoothing parameter), as mgcv's
/// constructor does; fs ignores an id of its own.
#[test]
fn grouped_terms_with_an_id_match_mgcv() {
    check_basis("sz_id", "s(x, g, bs = \"sz\", k = 5, id = 1)");
    check_basis("sz_2f_id", "s(x, g, h, bs = \"sz\", k = 5, id = 1)");
    check("sz_id");
    check("sz_2f_id");
    check("fs_id");
}

/// Bad fs/sz terms are one-line errors naming the term.
#[test]
fn bad_grouped_terms_are_one_line_errors() {
    let d = data();
    let one_level = d.select_rows(
        &(0..d.nrows())
            .filter(|&i| d.require_column("g").unwrap().as_factor().unwrap().level_of(i) == Some("a"))
            .collect::<Vec<_>>(),
    );
    let cases: [(&str, &DataFrame, &str); 14] = [
        (
            "y ~ s(x, g, bs = \"fs\")",
            &one_level,
            "term s(x,g): factor 'g' has only one level, 'a': bs = \"fs\" needs a factor with at least 2 levels (use s(x) for one curve)",
        ),
        (
            "y ~ s(x, g, h, bs = \"fs\")",
            &d,
            "term s(x,g,h): fs smooths can only have one factor argument (use bs = \"sz\" for several)",
        ),
        (
            "y ~ s(x, z, bs = \"fs\")",
            &d,
            "term s(x,z): bs = \"fs\" takes numeric covariates and a factor",
        ),
        (
            "y ~ s(x, g, bs = \"fs\", xt = \"ts\")",
            &d,
            "term s(x,g): xt = \"ts\" cannot be the base smooth of bs = \"fs\": its penalty has no null space",
        ),
        (
            "y ~ s(x, g, bs = \"fs\", xt = \"re\")",
            &d,
            "xt = \"re\" cannot be the base smooth of bs = \"fs\"",
        ),
        (
            "y ~ s(x, g, bs = \"fs\", xt = \"bs\", m = c(3, 0))",
            &d,
            "term s(x,g): the base smooth (Bspline.smooth) has no penalty null space",
        ),
        (
            "y ~ s(x, g, bs = \"fs\", xt = \"bs\", m = c(3, 2, 1))",
            &d,
            "term s(x,g): the base smooth (Bspline.smooth) has 2 penalties; bs = \"fs\" takes a base with one",
        ),
        (
            "y ~ s(x, g, bs = \"sz\", xt = \"ad\")",
            &d,
            "term s(x,g): the base smooth (pspline.smooth) has 5 penalties; bs = \"sz\" takes a base with one",
        ),
        (
            "y ~ s(x, g, bs = \"sz\", xt = \"mrf\")",
            &d,
            "xt = \"mrf\" cannot be the base smooth of bs = \"sz\"",
        ),
        (
            "y ~ s(x) + s(z) + s(x, g, bs = \"sz\", id = 1) + s(z, g, bs = \"sz\", id = 1)",
            &d,
            "term s(x,g): a bs = \"sz\" term cannot share id = \"1\" with other terms",
        ),
        (
            "y ~ s(x, id = 1) + s(x, g, bs = \"fs\", id = 1)",
            &d,
            "term s(x,g): a bs = \"fs\" term cannot share id = \"1\" with other terms",
        ),
        (
            "y ~ s(x) + s(x, g, bs = \"sz\", xt = \"re\", id = 1)",
            &d,
            "term s(x,g): random effects can not share smoothing parameters",
        ),
        (
            "y ~ te(x, g, bs = \"fs\")",
            &d,
            "bs = \"fs\" cannot be a margin of a tensor product",
        ),
        ("y ~ s(x, g, bs = \"sz\", m = -1)", &d, "term s(x,g): m = -1"),
    ];
    for (f, data, want) in cases {
        let e = GamSpec::new(Formula::parse(f).unwrap())
            .fit(data)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with(want) || e.contains(want), "{f}: {e}");
        assert!(!e.contains('\n'), "{f}: {e}");
    }
    // A level unseen in training is an error naming it, at prediction.
    let r = read_json(&test_data().join("bases_i16/fssz_fit_fs_gauss.json"));
    let model = fit(&r);
    let factor = |level: &str| {
        Column::Factor(FactorColumn {
            levels: vec![level.to_string()],
            codes: vec![Some(0)],
            ordered: false,
        })
    };
    let new = DataFrame::new(vec![
        ("x".into(), Column::Numeric(vec![0.5])),
        ("z".into(), Column::Numeric(vec![0.5])),
        ("g".into(), factor("e")),
        ("h".into(), factor("p")),
    ])
    .unwrap();
    let e = model.predict(&new, &PredictOptions::default()).unwrap_err().to_string();
    assert!(e.contains("'e'") && e.contains('g'), "{e}");
}

/// The chunked model matrix gives the in-memory fit; a saved model reads back and predicts
/// the same (its fs/sz bases pass the loader's checks).
#[test]
fn chunked_fits_and_saved_models_agree() {
    let dir = tempfile::TempDir::new().unwrap();
    for id in [
        "fs_gauss",
        "fs_cr_pois",
        "sz_2f",
        "sz_pois",
        "fs_gp_pois",
        "fs_ds_2d",
        "sz_bs",
        "sz_re",
        "sz_id",
    ] {
        let r = read_json(&test_data().join(format!("bases_i16/fssz_fit_{id}.json")));
        let (dense, chunked) = dense_and_chunked(&spec(&r), &data(), 37);
        assert!(rel(chunked.reml_score, dense.reml_score) < 1e-10, "{id}: chunked REML");
        let path = dir.path().join(format!("{id}.json"));
        dense.save(&path).unwrap();
        let loaded = GamModel::load(&path).unwrap_or_else(|e| panic!("{id}: {e}"));
        let opts = PredictOptions {
            se: true,
            ..Default::default()
        };
        let (a, b) = (
            dense.predict(&new_data(), &opts).unwrap(),
            loaded.predict(&new_data(), &opts).unwrap(),
        );
        assert_eq!((a.fit, a.se_fit), (b.fit, b.se_fit), "{id}");
    }
}

/// Fit times of the reference models (median of 5), for comparing with mgcv's
/// (`tests/data/bases_i16/time_fssz.R`); run with `--ignored --nocapture`.
#[test]
#[ignore = "a timing, not a check"]
fn fit_times() {
    for id in [
        "fs_gauss",
        "fs_cr_pois",
        "fs_by",
        "fs_2d",
        "sz_gauss",
        "sz_2f",
        "sz_pois",
        "fs_cp",
        "fs_gp_pois",
        "fs_ds_2d",
        "fs_bs_by",
        "sz_bs",
        "sz_gp_pois",
        "sz_re",
        "sz_id",
        "sz_2f_id",
        "fs_id",
        "fs_knots_gauss",
        "sz_knots_pois",
    ] {
        let r = read_json(&test_data().join(format!("bases_i16/fssz_fit_{id}.json")));
        let mut times: Vec<f64> = (0..5)
            .map(|_| {
                let t = std::time::Instant::now();
                fit(&r);
                t.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        times.sort_by(f64::total_cmp);
        println!("TIME rust {id} {:.2} ms", times[2]);
    }
}

/// fs and sz hand `xt = list(bs, max.knots, seed)` to their base smooth, which subsamples
/// its knots as `s(x, bs = "tp", xt = list(max.knots, seed))` does (R's RNG): 300 unique x,
/// 30 (25, 40) knots. References by `make_refs_fssz_knots.R`.
#[test]
fn fs_and_sz_subsample_the_base_knots_as_mgcv_does() {
    check_basis(
        "fs_tp_knots",
        "s(x, g, bs = \"fs\", k = 6, xt = list(bs = \"tp\", max.knots = 30, seed = 2))",
    );
    check_basis(
        "sz_tp_knots",
        "s(x, g, bs = \"sz\", k = 6, xt = list(max.knots = 30, seed = 2))",
    );
    check_basis(
        "sz_gp_knots",
        "s(x, g, bs = \"sz\", k = 6, xt = list(bs = \"gp\", max.knots = 25))",
    );
    check_basis(
        "fs_ds_2d_knots",
        "s(x, z, g, bs = \"fs\", k = 10, xt = list(bs = \"ds\", max.knots = 40, seed = 3))",
    );
    check("fs_knots_gauss");
    check("sz_knots_pois");
    // The subsample matters: without it the basis differs.
    let all = term("s(x, g, bs = \"sz\", k = 6)").design(&data()).unwrap();
    let sub = term("s(x, g, bs = \"sz\", k = 6, xt = list(max.knots = 30, seed = 2))")
        .design(&data())
        .unwrap();
    assert!((&all - &sub).norm_max() > 1e-3);
    // A base that takes no knots refuses them (mgcv would ignore them).
    let e = gam::expert::formula::Formula::parse("y ~ s(x, g, bs = \"fs\", xt = list(bs = \"cr\", max.knots = 30))")
        .unwrap_err()
        .to_string();
    assert!(e.contains("the base of this fs is \"cr\""), "{e}");
}
