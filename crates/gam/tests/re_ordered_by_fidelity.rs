//! Issue 16 against mgcv 1.8-41 references made by `tests/data/i16_re/make_reference.R`:
//! random effects of several covariates (`s(g, x, bs = "re")`, `s(x, g, ...)`, `s(g, h, ...)`,
//! `s(x, z, ...)`, with numeric and factor `by`) and smooths `by` an ordered factor (`y ~ o +
//! s(x) + s(x, by = o)`: smooths for the levels after the first only).
//!
//! Checked: each term's model matrix, penalties, `S.scale`, class, null space, random-effect
//! and `side.constrain` flags and its matrix at new data against `smoothCon`/`PredictMat`
//! ([`BASIS_TOL`]; the random effects and `cr` columns exactly, thin plate columns up to sign,
//! which mgcv leaves free: see [`signs`]); for the ordered-by cases the whole
//! model matrix and penalties against `gam(fit = FALSE)`'s `G$X`, `G$S`; full REML fits
//! (Gaussian and Poisson) to the shared tolerances; the summary tables ([`SUMMARY`]);
//! prediction with standard errors at new data; the chunked fit; a saved and reloaded model.
#![allow(clippy::print_stdout)]

#[macro_use]
mod common;

use common::cases::test_data;
use common::json::{num, nums, read_json};
use common::setup_ref::{FitDiffs, check_fit, dense_and_chunked, spec as fit_spec};
use faer::Mat;
use gam::expert::data::DataFrame;
use gam::expert::design::SmoothTerm;
use gam::expert::formula::Formula;
use gam::expert::model::{GamModel, GamSpec};
use gam::expert::predict::PredictOptions;
use serde_json::Value;

/// Model matrices and penalties against mgcv's, absolute.
const BASIS_TOL: f64 = 1e-10;

/// Thin plate model matrices and penalties against mgcv's, relative to the matrix's largest
/// entry: mgcv's Lanczos eigenvectors agree with exact ones to about 1e-11 (as in
/// `basis/tp/tests.rs`, whose tolerance this is).
const TP_REL_TOL: f64 = 1e-9;

/// The largest |entry| of a reference matrix written row by row.
fn largest(rows: &Value) -> f64 {
    rows.as_array()
        .unwrap()
        .iter()
        .flat_map(nums)
        .fold(0.0, |m, v| m.max(v.abs()))
}

/// The chunked and the in-memory fit, relative (as `chunked.rs`).
const CHUNKED_REL_TOL: f64 = 1e-10;

/// Rows per chunk for the chunked fit: several chunks of the 300 rows.
const SMALL_CHUNK: usize = 37;

/// Summary tables at our own REML optimum against mgcv's (whose outer iteration stops once its
/// gradient is small): edf absolute; Ref.df, statistics, p-values and parametric estimates and
/// standard errors relative, or absolute for p-values negligible in both.
struct SummaryTol {
    edf_abs: f64,
    rel: f64,
    p_abs: f64,
}

const SUMMARY: SummaryTol = SummaryTol {
    edf_abs: 1e-3,
    rel: 2e-3,
    p_abs: 1e-12,
};

fn data(path: &str) -> DataFrame {
    let mut d = DataFrame::read_csv(&test_data().join(path)).unwrap();
    // make_reference.R reads o as ordered(o, levels = c("a", "b", "c", "d")).
    d.make_ordered("o").unwrap();
    d
}

/// Per column of `a`, the sign that makes its entry of largest magnitude in mgcv's `rows` agree
/// in sign: thin plate bases agree with mgcv's only up to column signs (Lanczos eigenvectors
/// have free signs, see `basis/tp.rs`); the tests allow flips only in such columns.
fn signs(a: &Mat<f64>, rows: &Value) -> Vec<f64> {
    let rows: Vec<Vec<f64>> = rows.as_array().unwrap().iter().map(nums).collect();
    (0..a.ncols())
        .map(|j| {
            let i = (0..rows.len())
                .max_by(|&p, &q| rows[p][j].abs().total_cmp(&rows[q][j].abs()))
                .unwrap();
            if rows[i][j] * a[(i, j)] < 0.0 { -1.0 } else { 1.0 }
        })
        .collect()
}

/// `m` with its rows and columns multiplied by `signs` (one or both sides).
fn flip(m: &Mat<f64>, row_signs: Option<&[f64]>, col_signs: &[f64]) -> Mat<f64> {
    Mat::from_fn(m.nrows(), m.ncols(), |i, j| {
        m[(i, j)] * row_signs.map_or(1.0, |s| s[i]) * col_signs[j]
    })
}

fn worst(a: &Mat<f64>, rows: &Value, what: &str) -> f64 {
    let rows = rows.as_array().unwrap_or_else(|| panic!("{what}: not rows"));
    assert_eq!(a.nrows(), rows.len(), "{what}: rows");
    let mut w: f64 = 0.0;
    for (i, r) in rows.iter().enumerate() {
        let r = nums(r);
        assert_eq!(a.ncols(), r.len(), "{what}: columns");
        for (j, v) in r.iter().enumerate() {
            w = w.max((a[(i, j)] - v).abs());
        }
    }
    w
}

/// The spec behind each id of `bases.json`, as make_reference.R writes it.
const BASES: &[(&str, &str)] = &[
    ("gx", "s(g, x, bs = \"re\")"),
    ("xg", "s(x, g, bs = \"re\")"),
    ("gh", "s(g, h, bs = \"re\")"),
    ("xz", "s(x, z, bs = \"re\")"),
    ("gx_by_z", "s(g, x, bs = \"re\", by = z)"),
    ("gx_by_h", "s(g, x, bs = \"re\", by = h)"),
    ("x_by_o", "s(x, k = 6, by = o)"),
];

#[test]
fn bases_match_smooth_con() {
    let r = read_json(&test_data().join("i16_re/bases.json"));
    let d = data(r["data"].as_str().unwrap());
    let nd = data(r["newdata"].as_str().unwrap());
    let mut overall: f64 = 0.0;
    for b in r["bases"].as_array().unwrap() {
        let id = b["id"].as_str().unwrap();
        let text = BASES.iter().find(|(i, _)| *i == id).unwrap().1;
        let f = Formula::parse(&format!("y ~ {text}")).unwrap();
        let spec = f.smooths().next().unwrap();
        let terms = SmoothTerm::build(spec, &d).unwrap_or_else(|e| panic!("{id}: {e}"));
        let want = b["smooths"].as_array().unwrap();
        assert_eq!(terms.len(), want.len(), "{id}: number of smooths");
        for (t, w) in terms.iter().zip(want) {
            let label = w["label"].as_str().unwrap();
            assert_eq!(t.label, label, "{id}");
            assert_eq!(t.class(), w["class"].as_str().unwrap(), "{label}: class");
            assert_eq!(
                t.null_space_dim() as u64,
                w["null_space_dim"].as_u64().unwrap(),
                "{label}"
            );
            assert_eq!(t.random, w["random"].as_bool().unwrap(), "{label}: random");
            assert_eq!(
                t.side_constrain,
                w["side_constrain"].as_bool().unwrap(),
                "{label}: side"
            );
            let x = t.design(&d).unwrap();
            let sg = signs(&x, &w["X"]);
            if t.class() != "tprs.smooth" {
                assert!(sg.iter().all(|&v| v > 0.0), "{label}: a column's sign differs");
            }
            let tp = t.class() == "tprs.smooth";
            let tol = if tp { TP_REL_TOL } else { BASIS_TOL };
            let unit = |r: &Value| if tp { largest(r) } else { 1.0 };
            let mut err = worst(&flip(&x, None, &sg), &w["X"], label) / unit(&w["X"]);
            let s = w["S"].as_array().unwrap();
            assert_eq!(t.penalties.len(), s.len(), "{label}: penalties");
            for (p, sr) in t.penalties.iter().zip(s) {
                err = err.max(worst(&flip(&p.to_mat(), Some(&sg), &sg), sr, label) / unit(sr));
            }
            for (a, b) in t.s_scale.iter().zip(nums(&w["S_scale"])) {
                err = err.max((a - b).abs() / b);
            }
            err = err.max(worst(&flip(&t.design(&nd).unwrap(), None, &sg), &w["Xp"], label) / unit(&w["Xp"]));
            println!("{label:14} X, S, S.scale, Xp: worst {err:.1e} (tolerance {tol:.0e})");
            assert!(err <= tol, "{label}: differs from smoothCon by {err:e}");
            overall = overall.max(err);
        }
    }
    println!("all bases: worst {overall:.1e}");
}

fn reference(id: &str) -> Value {
    read_json(&test_data().join(format!("i16_re/{id}.json")))
}

/// Relative difference, or absolute where both are below `abs`.
fn rel(ours: f64, mgcv: f64, abs: f64) -> f64 {
    let d = (ours - mgcv).abs();
    if d <= abs { 0.0 } else { d / mgcv.abs() }
}

/// Fits one case and compares it with mgcv: the shared checks ([`check_fit`]: criterion, EDF,
/// fitted values, predictions with standard errors at new data, names, random-effect flags) and
/// the summary tables; returns those differences and the summary's, relative.
fn check(id: &str) -> (FitDiffs, f64) {
    let r = reference(id);
    let d = data(r["data"].as_str().unwrap());
    let model = fit_spec(&r).fit(&d).unwrap_or_else(|e| panic!("{id}: {e}"));
    // Summary tables.
    let summary = model.summary();
    let mut sum_err: f64 = 0.0;
    let table = r["s_table"].as_array().unwrap();
    assert_eq!(summary.smooths.len(), table.len(), "{id}: smooth rows");
    for row in table {
        let label = row["label"].as_str().unwrap();
        let s = summary
            .smooths
            .iter()
            .find(|s| s.label == label)
            .unwrap_or_else(|| panic!("{id}: {label}"));
        let e = (s.edf - num(&row["edf"])).abs();
        assert!(
            e <= SUMMARY.edf_abs,
            "{id}: {label} edf {} vs {}",
            s.edf,
            num(&row["edf"])
        );
        for (what, ours, mgcv, abs) in [
            ("Ref.df", s.ref_df, num(&row["ref_df"]), 0.0),
            ("statistic", s.stat, num(&row["stat"]), 0.0),
            ("p-value", s.p_value, num(&row["p_value"]), SUMMARY.p_abs),
        ] {
            let e = rel(ours, mgcv, abs);
            println!("{id:12} {label:12} {what:9} ours {ours:.6e} mgcv {mgcv:.6e} ({e:.1e})");
            assert!(e <= SUMMARY.rel, "{id}: {label} {what}: ours {ours:e}, mgcv {mgcv:e}");
            sum_err = sum_err.max(e);
        }
    }
    let table = r["p_table"].as_array().unwrap();
    assert_eq!(summary.parametric.len(), table.len(), "{id}: parametric rows");
    for row in table {
        let name = row["name"].as_str().unwrap();
        let p = summary.parametric.iter().find(|p| p.name == name).unwrap();
        let se = num(&row["se"]);
        let est = (p.estimate - num(&row["estimate"])).abs() / se;
        let e = est
            .max(rel(p.se, se, 0.0))
            .max(rel(p.p_value, num(&row["p_value"]), SUMMARY.p_abs));
        assert!(
            e <= SUMMARY.rel,
            "{id}: {name}: estimate, se or p-value differ by {e:e}"
        );
        sum_err = sum_err.max(e);
    }
    println!("{id:12} summary {sum_err:.1e}");
    let nd = data("i16_re/new_n8.csv");
    (check_fit(id, &r, &model, &d, Some(&nd)), sum_err)
}

#[test]
fn random_effects_of_several_covariates_match_mgcv() {
    for id in ["re_gx", "re_xg", "re_gh", "re_xz", "re_gx_by"] {
        check(id);
    }
}

#[test]
fn random_effects_of_several_covariates_match_mgcv_poisson() {
    check("re_gx_pois");
    check("re_gh_pois");
}

#[test]
fn ordered_by_matches_mgcv() {
    check("ord_by");
    check("ord_by_cr");
    check("ord_by_pois");
}

/// `gam(fit = FALSE)`'s whole model matrix and penalties (at `G$off`) for the ordered-by cases:
/// the parametric `o` by `contr.poly`, no smooth for the first level.
#[test]
fn ordered_by_model_matrix_and_penalties_match_gam_setup() {
    for id in ["ord_by", "ord_by_cr"] {
        let r = reference(id);
        let d = data(r["data"].as_str().unwrap());
        let model = fit_spec(&r).fit(&d).unwrap();
        let g = &r["G"];
        let x = model.design.model_matrix(&d).unwrap();
        let sg = signs(&x, &g["X"]);
        for (label, cols) in model.design.term_columns() {
            let tp = model
                .design
                .smooths
                .iter()
                .any(|s| s.label == label && s.class() == "tprs.smooth");
            assert!(
                tp || sg[cols].iter().all(|&v| v > 0.0),
                "{id}: {label}: a column's sign differs"
            );
        }
        // The model matrix holds thin plate columns: relative to its largest entry.
        let mut err = worst(&flip(&x, None, &sg), &g["X"], id) / largest(&g["X"]);
        let off: Vec<usize> = nums(&g["off"]).iter().map(|&o| o as usize - 1).collect();
        let s = g["S"].as_array().unwrap();
        assert_eq!(model.design.sp_names().len(), s.len(), "{id}: penalties");
        let mut at = 0;
        let mut exact: f64 = 0.0;
        for (sm, first) in model.design.smooths.iter().zip(model.design.smooth_offsets()) {
            for p in &sm.penalties {
                assert_eq!(first, off[at], "{id}: offset of penalty {at}");
                let local = &sg[first..first + p.cols];
                let e = worst(&flip(&p.to_mat(), Some(local), local), &s[at], id);
                match sm.class() {
                    "tprs.smooth" => err = err.max(e / largest(&s[at])),
                    _ => exact = exact.max(e),
                }
                at += 1;
            }
        }
        println!("{id}: G$X and thin plate G$S worst {err:.1e} (relative), other G$S {exact:.1e}");
        assert!(err <= TP_REL_TOL, "{id}: differs from gam(fit = FALSE) by {err:e}");
        assert!(
            exact <= BASIS_TOL,
            "{id}: a penalty differs from gam(fit = FALSE) by {exact:e}"
        );
    }
}

/// Rows at the ordered factor's first level are predicted (they get no by-smooth); a level the
/// training data never had is still refused, naming the row.
#[test]
fn ordered_by_accepts_the_reference_level_and_refuses_unknown_ones() {
    let r = reference("ord_by");
    let d = data(r["data"].as_str().unwrap());
    let model = fit_spec(&r).fit(&d).unwrap();
    assert!(model.design.smooths.iter().all(|s| !s.label.ends_with(":oa")));
    let nd = data("i16_re/new_n8.csv");
    let at_a: Vec<usize> = (0..nd.nrows()).filter(|&i| [0, 4].contains(&i)).collect();
    let p = model
        .predict(&nd.select_rows(&at_a), &PredictOptions::default())
        .unwrap();
    assert!(p.fit.iter().all(|v| v.is_finite()));
    let mut bad = DataFrame::read_csv(&test_data().join("i16_re/new_n8.csv")).unwrap();
    let o: Vec<String> = (0..bad.nrows())
        .map(|i| if i == 2 { "e".into() } else { "b".into() })
        .collect();
    bad.set_column(
        "o",
        gam::expert::data::Column::Factor(gam::expert::data::FactorColumn::from_values(
            o.iter().map(|s| Some(s.as_str())),
        )),
    )
    .unwrap();
    bad.make_ordered("o").unwrap();
    let e = model.predict(&bad, &PredictOptions::default()).unwrap_err().to_string();
    assert!(e.contains("row 3") && e.contains("'e'"), "{e}");
}

/// The chunked fit (model matrix built a block of rows at a time) agrees with the in-memory one.
#[test]
fn chunked_fits_agree() {
    for id in ["re_gx", "re_gh_pois", "ord_by", "ord_by_pois"] {
        let r = reference(id);
        let d = data(r["data"].as_str().unwrap());
        let (dense, chunked) = dense_and_chunked(&fit_spec(&r), &d, SMALL_CHUNK);
        let scale = dense.coefficients.iter().fold(1.0f64, |m, c| m.max(c.abs()));
        let worst = chunked
            .coefficients
            .iter()
            .zip(&dense.coefficients)
            .map(|(a, b)| (a - b).abs() / scale)
            .fold(0.0, f64::max);
        let crit = (chunked.reml_score - dense.reml_score).abs() / dense.reml_score.abs().max(1.0);
        println!("{id}: chunked vs dense: criterion {crit:.1e}, coefficients {worst:.1e}");
        assert!(crit <= CHUNKED_REL_TOL && worst <= CHUNKED_REL_TOL, "{id}");
    }
}

/// A saved model reads back and predicts exactly as the fitted one (the several covariates
/// and the ordered factor's reference level live in the file).
#[test]
fn saved_models_predict_as_fitted() {
    let dir = tempfile::TempDir::new().unwrap();
    for id in ["re_gx_by", "re_gh", "ord_by"] {
        let r = reference(id);
        let d = data(r["data"].as_str().unwrap());
        let model = fit_spec(&r).fit(&d).unwrap();
        let path = dir.path().join(format!("{id}.json"));
        model.save(&path).unwrap();
        let loaded = GamModel::load(&path).unwrap_or_else(|e| panic!("{id}: {e}"));
        let nd = data("i16_re/new_n8.csv");
        let opts = PredictOptions {
            se: true,
            ..Default::default()
        };
        assert_eq!(
            model.predict(&nd, &opts).unwrap(),
            loaded.predict(&nd, &opts).unwrap(),
            "{id}"
        );
        assert_eq!(loaded.design, model.design, "{id}");
    }
}

/// `gam.side` leaves random effects out (`side_constrain` false): a random slope sharing its
/// covariate with `s(x)` deletes no column, and with fewer rows than coefficients builds (mgcv's
/// `gam.side` has nothing to do there either), while a nested pair of ordinary smooths with
/// fewer rows than coefficients is still refused (mgcv's `with.pen` variant, not implemented).
#[test]
fn gam_side_leaves_random_effects_out() {
    use gam::expert::data::{Column, FactorColumn};
    use gam::expert::design::Design;
    let n = 18;
    let x: Vec<f64> = (0..n).map(|i| (i as f64 + 0.5) / n as f64).collect();
    let z: Vec<f64> = (0..n).map(|i| ((i * 7) % n) as f64 / n as f64).collect();
    let g: Vec<String> = (0..n).map(|i| format!("l{:02}", i % 15)).collect();
    let d = DataFrame::new(vec![
        ("x".into(), Column::Numeric(x.clone())),
        ("z".into(), Column::Numeric(z)),
        (
            "g".into(),
            Column::Factor(FactorColumn::from_values(g.iter().map(|s| Some(s.as_str())))),
        ),
        ("y".into(), Column::Numeric(x)),
    ])
    .unwrap();
    let build = |f: &str| Design::build(&Formula::parse(f).unwrap(), &d);
    let design = build("y ~ s(x, k = 5) + s(g, x, bs = \"re\")").unwrap();
    assert_eq!(design.n_coef(), 20);
    assert!(design.smooths.iter().all(|s| s.side_deleted.is_empty()));
    let e = build("y ~ s(x, k = 5) + te(x, z, k = 4)").unwrap_err();
    assert!(
        matches!(&e, gam::GamError::NotIdentifiable { terms, symptom }
            if terms == &["s(x)", "te(x,z)"] && symptom.contains("fewer data rows")),
        "{e}"
    );
}

/// mgcv refuses a random effect with an `id` ("random effects don't work with ids"): so does
/// the engine, in one line naming the term.
#[test]
fn a_random_effect_with_an_id_is_refused() {
    let d = data("i16_re/re_n300.csv");
    for f in [
        "y ~ s(x) + s(g, x, bs = \"re\", id = 1)",
        "y ~ s(x) + s(g, bs = \"re\", id = \"a\") + s(h, bs = \"re\", id = \"a\")",
    ] {
        let e = GamSpec::new(Formula::parse(f).unwrap())
            .fit(&d)
            .unwrap_err()
            .to_string();
        assert!(e.contains("s(g") && e.contains("id =") && !e.contains('\n'), "{f}: {e}");
    }
}
