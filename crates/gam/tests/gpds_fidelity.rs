//! Fidelity of the Gaussian process (`bs = "gp"`) and Duchon spline (`bs = "ds"`) smooths
//! against mgcv 1.8-41, on references made by `tests/data/bases_i16/make_refs_gpds.R`.
//!
//! Basis level (`basis_<id>.json`, one per `gp` covariance type, 1-D and 2-D, the stationary
//! version, default and explicit range, `xt = list(max.knots, seed)`, user knots, Duchon `m = c(m, s)` with
//! mgcv's clamping, 1-3 covariates): mgcv's raw basis (`absorb.cons = FALSE`, no rescaling), the
//! term's model matrix and penalty as `smoothCon(absorb.cons = TRUE, scale.penalty = TRUE)`
//! makes them, and `PredictMat` at new points, within [`BASIS_REL_TOL`] of the largest entry.
//!
//! **Column signs.** Both bases keep eigenvectors of the kernel matrix, whose signs are free
//! (mgcv's come out of its Lanczos routine). The raw basis is compared with each of its first
//! `k - M` (eigenvector) columns' sign chosen to match mgcv's, the `M` polynomial columns as
//! they are; the constrained basis (the centring reflection mixes the columns, sign-equivariantly)
//! with every column's sign chosen, and the penalty's rows and columns flipped alike.
//!
//! Full fits (`fit_<id>.json`): REML criterion, EDFs, linear predictor, predictions and their
//! standard errors on new data, summary statistics, within the usual tolerances.
#![allow(clippy::print_stdout)]

mod common;

use std::collections::BTreeMap;

use common::cases::test_data;
use common::json::{matrix, num, nums, read_json, strings};
use common::setup_ref::{FitDiffs, check_fit, dense_and_chunked, spec as model_spec};
use faer::Mat;
use gam::expert::basis::BasisFn;
use gam::expert::data::DataFrame;
use gam::expert::design::options::SmoothOptions;
use gam::expert::design::smooth::SmoothTerm;
use gam::expert::formula::Formula;
use gam::expert::model::{GamModel, GamSpec};
use gam::expert::predict::PredictOptions;
use gam::expert::report::plot::{PlotKind, PlotOptions, plot_data};
use serde_json::Value;

/// Bases, penalties and predictions, relative to the largest |entry| of mgcv's matrix.
const BASIS_REL_TOL: f64 = 1e-10;

/// Summary statistics (F or chi-square) and p-values of smooth terms, relative.
const STAT_REL_TOL: f64 = 1e-3;

/// plot.gam's curves and surfaces (fit and band), relative to the largest |value|.
const PLOT_REL_TOL: f64 = 1e-6;

/// Chunked and in-memory fits agree to this (relative).
const CHUNKED_REL_TOL: f64 = 1e-10;

fn max_abs(m: &Mat<f64>) -> f64 {
    m.col_iter()
        .flat_map(|c| c.iter().copied().collect::<Vec<_>>())
        .fold(0.0, |a, v| a.max(v.abs()))
}

/// Signs `s_j` (±1) making column `j` of `ours` agree best with mgcv's, for the columns in `free`.
fn column_signs(ours: &Mat<f64>, theirs: &Mat<f64>, free: usize) -> Vec<f64> {
    (0..ours.ncols())
        .map(|j| {
            if j >= free {
                return 1.0;
            }
            let dot: f64 = (0..ours.nrows()).map(|i| ours[(i, j)] * theirs[(i, j)]).sum();
            if dot < 0.0 { -1.0 } else { 1.0 }
        })
        .collect()
}

/// Largest |ours·diag(signs) − theirs| relative to max |theirs|.
fn rel_diff(ours: &Mat<f64>, theirs: &Mat<f64>, signs: &[f64], what: &str) -> f64 {
    assert_eq!(
        (ours.nrows(), ours.ncols()),
        (theirs.nrows(), theirs.ncols()),
        "{what}: shape"
    );
    let mut worst = 0.0f64;
    for i in 0..ours.nrows() {
        for j in 0..ours.ncols() {
            worst = worst.max((ours[(i, j)] * signs[j] - theirs[(i, j)]).abs());
        }
    }
    worst / max_abs(theirs)
}

fn penalty_diff(ours: &Mat<f64>, theirs: &Mat<f64>, signs: &[f64], what: &str) -> f64 {
    let flipped = Mat::from_fn(ours.nrows(), ours.ncols(), |i, j| ours[(i, j)] * signs[i] * signs[j]);
    rel_diff(&flipped, theirs, &vec![1.0; ours.ncols()], what)
}

/// The data a reference was made on, and new points with the same columns.
fn data_of(r: &Value) -> (DataFrame, DataFrame) {
    let data = DataFrame::read_csv(&test_data().join(r["data"].as_str().unwrap())).unwrap();
    let new = DataFrame::read_csv(&test_data().join("bases_i16/gpds_new.csv")).unwrap();
    (data, new)
}

/// Worst relative differences of one basis reference: raw X, raw S, X, S, predictions.
fn check_basis(id: &str) -> [f64; 5] {
    let r = read_json(&test_data().join(format!("bases_i16/basis_{id}.json")));
    let (data, new) = data_of(&r);
    let text = r["text"].as_str().unwrap();
    let formula = Formula::parse(&format!("y ~ {text}")).unwrap();
    let spec = formula.smooths().next().unwrap();
    let knots: Option<BTreeMap<String, Vec<f64>>> = r["knots"]
        .as_object()
        .map(|k| k.iter().map(|(name, v)| (name.clone(), nums(v))).collect());
    let opts = SmoothOptions {
        knots: knots.as_ref(),
        ..SmoothOptions::default()
    };
    let terms = SmoothTerm::build_with(spec, &data, &opts).unwrap_or_else(|e| panic!("{id}: {e}"));
    let term = &terms[0];
    assert_eq!(term.class(), r["class"].as_str().unwrap(), "{id}: class");
    assert_eq!(
        term.null_space_dim() as f64,
        num(&r["null_space_dim"]),
        "{id}: null space"
    );
    assert_eq!(term.basis.dim() as f64, num(&r["bs_dim"]), "{id}: basis dimension");

    // The raw basis: eigenvector columns up to sign, polynomial columns exactly.
    let cols: Vec<Vec<f64>> = spec
        .vars
        .iter()
        .map(|v| data.require_column(v).unwrap().as_numeric().unwrap().to_vec())
        .collect();
    let refs: Vec<&[f64]> = cols.iter().map(Vec::as_slice).collect();
    let raw = term.basis.design(&refs).unwrap();
    let raw_ref = matrix(&r["raw_X"]);
    let raw = raw.subrows(0, raw_ref.nrows()).to_owned();
    let m = term.basis.null_space_dim();
    let raw_signs = column_signs(&raw, &raw_ref, raw.ncols() - m);
    let raw_x = rel_diff(&raw, &raw_ref, &raw_signs, id);
    let raw_s = penalty_diff(&term.basis.penalties()[0], &matrix(&r["raw_S"]), &raw_signs, id);

    // The term: centred, penalty rescaled.
    let x = term.design(&data).unwrap();
    let x_ref = matrix(&r["X"]);
    let x = x.subrows(0, x_ref.nrows()).to_owned();
    let signs = column_signs(&x, &x_ref, x.ncols());
    let x_diff = rel_diff(&x, &x_ref, &signs, id);
    let s_diff = penalty_diff(&term.penalties[0].to_mat(), &matrix(&r["S"]), &signs, id);
    let xp = term.design(&new).unwrap();
    let p_diff = rel_diff(&xp, &matrix(&r["Xp"]), &signs, id);
    let flipped = signs.iter().filter(|s| **s < 0.0).count();
    println!(
        "{id:22} raw X {raw_x:.1e}  raw S {raw_s:.1e}  X {x_diff:.1e}  S {s_diff:.1e}  PredictMat {p_diff:.1e}  ({flipped} of {} columns flipped)",
        x.ncols()
    );
    for (what, v) in [
        ("raw X", raw_x),
        ("raw S", raw_s),
        ("X", x_diff),
        ("S", s_diff),
        ("PredictMat", p_diff),
    ] {
        assert!(
            v <= BASIS_REL_TOL,
            "{id}: {what} differs from mgcv's by {v:.2e} (relative)"
        );
    }
    [raw_x, raw_s, x_diff, s_diff, p_diff]
}

#[test]
fn gaussian_process_bases_match_mgcv_for_every_covariance_type() {
    for id in [
        "gp_default",
        "gp_sph",
        "gp_sph_default_range",
        "gp_pexp",
        "gp_pexp_k1",
        "gp_m15",
        "gp_m25",
        "gp_m35",
        "gp_stationary",
        "gp_2d",
        "gp_2d_default",
        "gp_2d_stationary",
    ] {
        check_basis(id);
    }
}

#[test]
fn gaussian_process_knots_beyond_max_knots_match_mgcv() {
    check_basis("gp_big_maxknots");
    check_basis("gp_big_maxknots_1d");
}

#[test]
fn user_knots_match_mgcv() {
    check_basis("gp_knots");
    check_basis("ds_knots");
}

#[test]
fn duchon_bases_match_mgcv() {
    for id in [
        "ds_2d",
        "ds_2d_default",
        "ds_2d_m2_s05",
        "ds_1d_tp",
        "ds_1d_clamped",
        "ds_3d",
        "ds_big_maxknots",
    ] {
        check_basis(id);
    }
}

fn fit(r: &Value) -> (DataFrame, GamModel) {
    let data = DataFrame::read_csv(&test_data().join(r["data"].as_str().unwrap())).unwrap();
    let model = model_spec(r).fit(&data).unwrap_or_else(|e| panic!("{}: {e}", r["id"]));
    (data, model)
}

/// Largest |ours − theirs| relative to max(1, max |theirs|); NaN (excluded) must match.
fn plot_diff(what: &str, ours: &[f64], theirs: &[f64]) -> f64 {
    assert_eq!(ours.len(), theirs.len(), "{what}: lengths");
    let scale = theirs
        .iter()
        .filter(|v| v.is_finite())
        .fold(1.0f64, |m, v| m.max(v.abs()));
    let mut worst = 0.0f64;
    for (i, (a, b)) in ours.iter().zip(theirs).enumerate() {
        if b.is_nan() {
            assert!(a.is_nan(), "{what}[{i}]: ours {a}, mgcv excluded it");
        } else {
            worst = worst.max((a - b).abs() / scale);
        }
    }
    worst
}

/// plot.gam's data of every term: a curve for one covariate, a surface for two.
fn check_plot(id: &str, r: &Value, model: &GamModel, data: &DataFrame) -> f64 {
    let ours = plot_data(model, data, &PlotOptions::default()).unwrap();
    let theirs = r["plot"].as_array().unwrap();
    assert_eq!(ours.len(), theirs.len(), "{id}: plotted terms");
    let mut worst = 0.0f64;
    for (t, want) in ours.iter().zip(theirs) {
        let what = format!("{id} {}", t.label);
        let two_d = !want["y"].is_null();
        assert_eq!(
            t.kind,
            if two_d { PlotKind::Surface } else { PlotKind::Curve },
            "{what}: kind"
        );
        worst = worst.max(plot_diff(&format!("{what} x"), &t.x, &nums(&want["x"])));
        if two_d {
            worst = worst.max(plot_diff(
                &format!("{what} y"),
                t.y.as_deref().unwrap(),
                &nums(&want["y"]),
            ));
        }
        worst = worst.max(plot_diff(&format!("{what} fit"), &t.fit, &nums(&want["fit"])));
        worst = worst.max(plot_diff(
            &format!("{what} se"),
            t.se.as_deref().unwrap(),
            &nums(&want["se"]),
        ));
    }
    assert!(worst <= PLOT_REL_TOL, "{id}: plot data differ by {worst:.2e}");
    worst
}

/// One full fit: the shared checks ([`check_fit`]: criterion, EDF, linear predictor,
/// predictions and standard errors on new data, names), the summary's smooth-term statistics
/// and p-values, plot.gam's data, and mgcv's warnings about Duchon's s.
fn check(id: &str) -> FitDiffs {
    let r = read_json(&test_data().join(format!("bases_i16/fit_{id}.json")));
    let (data, model) = fit(&r);
    let new = match r["newdata"].as_str() {
        Some(p) => DataFrame::read_csv(&test_data().join(p)).unwrap(),
        None => data.select_rows(&(0..8).collect::<Vec<_>>()),
    };
    // summary(b)$s.table: edf, Ref.df, F (or Chi.sq), p-value.
    let summary = model.summary();
    let mut stat_err: f64 = 0.0;
    for (row, want) in summary.smooths.iter().zip(r["summary_s_table"].as_array().unwrap()) {
        let want = nums(want);
        let rel = |a: f64, b: f64| (a - b).abs() / b.abs().max(1e-300);
        stat_err = stat_err.max(rel(row.stat, want[2]));
        if want[3] > 1e-12 {
            stat_err = stat_err.max(rel(row.p_value, want[3]));
        }
    }
    let plot = check_plot(id, &r, &model, &data);
    for w in strings(&r["warnings"]).iter().filter(|w| w.starts_with("s value")) {
        assert!(
            model.warnings.iter().any(|ours| ours.ends_with(w.as_str())),
            "{id}: mgcv warns '{w}', we do not"
        );
    }
    println!("{id:12} summary {stat_err:.1e}  plot {plot:.1e}");
    assert!(
        stat_err <= STAT_REL_TOL,
        "{id}: summary statistics differ by {stat_err} (relative)"
    );
    check_fit(id, &r, &model, &data, Some(&new))
}

#[test]
fn gaussian_fits_match_mgcv() {
    check("gauss");
    check("gauss_types");
}

#[test]
fn fits_with_by_variables_match_mgcv() {
    check("gauss_by");
}

#[test]
fn poisson_fit_matches_mgcv() {
    check("pois");
}

#[test]
fn tensor_product_of_gp_and_ds_margins_matches_mgcv() {
    check("te_gp");
}

#[test]
fn fit_beyond_max_knots_matches_mgcv() {
    check("big");
}

/// The chunked path (model matrix built a block of rows at a time) gives the in-memory fit.
#[test]
fn chunked_fits_equal_in_memory_fits() {
    for id in ["gauss", "pois"] {
        let r = read_json(&test_data().join(format!("bases_i16/fit_{id}.json")));
        let data = DataFrame::read_csv(&test_data().join(r["data"].as_str().unwrap())).unwrap();
        let (dense, chunked) = dense_and_chunked(&model_spec(&r), &data, 37);
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
    }
}

/// A saved model keeps the bases (knots, range, eigenvectors): read back, it predicts exactly
/// as the fitted one, and passes the loader's consistency check.
#[test]
fn saved_models_predict_as_fitted() {
    let dir = tempfile::TempDir::new().unwrap();
    for id in ["gauss", "gauss_by", "te_gp", "big"] {
        let r = read_json(&test_data().join(format!("bases_i16/fit_{id}.json")));
        let (data, model) = fit(&r);
        let path = dir.path().join(format!("{id}.json"));
        model.save(&path).unwrap();
        let loaded = GamModel::load(&path).unwrap_or_else(|e| panic!("{id}: {e}"));
        let opts = PredictOptions {
            se: true,
            ..Default::default()
        };
        assert_eq!(
            model.predict(&data, &opts).unwrap(),
            loaded.predict(&data, &opts).unwrap(),
            "{id}"
        );
    }
}

/// One-line errors naming the term, where mgcv silently changes the input (a range that is
/// not positive: mgcv uses its default) or stops with a message that names nothing.
#[test]
fn bad_arguments_are_one_line_errors_naming_the_term() {
    let data = DataFrame::read_csv(&test_data().join("bases_i16/gpds_data.csv")).unwrap();
    for (formula, wanted) in [
        (
            "y ~ s(x, bs = \"gp\", m = c(3, 0))",
            "m[2] = 0: the range must be positive",
        ),
        (
            "y ~ s(x, bs = \"gp\", m = c(3, -0.5))",
            "m[2] = -0.5: the range must be positive",
        ),
        (
            "y ~ s(x, bs = \"gp\", m = c(6, 0.2))",
            "m[1] = 6: the covariance type is",
        ),
        ("y ~ s(x, bs = \"gp\", m = 0)", "m[1] = 0: the covariance type is"),
        (
            "y ~ s(x, bs = \"gp\", m = c(2, 0.2, 2.5))",
            "m[3] = 2.5: the power exponential's power must be in (0, 2]",
        ),
        ("y ~ s(x, bs = \"gp\", m = c(2, 0.2, 1, 4))", "m has 4 values"),
        ("y ~ s(x, bs = \"ds\", m = c(1, 0.5, 3))", "m has 3 values"),
        (
            "y ~ s(x, bs = \"ds\", k = 239)",
            "x has only 238 unique values, fewer than k = 239: reduce k",
        ),
    ] {
        let spec = GamSpec::new(Formula::parse(formula).unwrap());
        let Err(err) = spec.fit(&data) else {
            panic!("{formula}: fitted");
        };
        let err = err.to_string();
        assert!(err.contains(wanted), "{formula}: {err}");
        assert!(err.contains("s(x"), "{formula}: the term is not named: {err}");
        assert!(!err.contains('\n'), "{formula}: not one line: {err}");
    }
}

/// Duchon's s is clamped as mgcv clamps it, with mgcv's warnings: `s >= d/2` is reduced to
/// `(d - 1)/2`, and `m + s <= d/2` raised to give a continuous function. (mgcv's "No suitable s"
/// cannot happen: the raised `s = 1/2 + d/2 - m` is below `d/2` for every `m >= 1`.)
#[test]
fn duchon_s_is_clamped_as_mgcv_clamps_it() {
    let data = DataFrame::read_csv(&test_data().join("bases_i16/gpds_data.csv")).unwrap();
    for (formula, warning) in [
        ("y ~ s(x, bs = \"ds\", m = c(1, 0.5), k = 10)", "s(x): s value reduced"),
        (
            "y ~ s(x, z, w, bs = \"ds\", m = c(1, -1), k = 15)",
            "s(x,z,w): s value modified to give continuous function",
        ),
    ] {
        let model = match GamSpec::new(Formula::parse(formula).unwrap()).fit(&data) {
            Ok(m) => m,
            Err(e) => panic!("{formula}: {e}"),
        };
        assert!(
            model.warnings.iter().any(|w| w == warning),
            "{formula}: {:?}",
            model.warnings
        );
    }
}

/// Fit time of the reference models (median of 7 fits each), for comparison with mgcv's
/// (`mgcv_seconds_median` in the references, or `make_refs_gpds.R`'s timing loop run
/// interleaved with this). Run with `--ignored --nocapture`.
#[test]
#[ignore = "timing, not a check"]
fn time_reference_fits() {
    for id in ["gauss", "gauss_types", "gauss_by", "pois", "te_gp", "big"] {
        let r = read_json(&test_data().join(format!("bases_i16/fit_{id}.json")));
        let data = DataFrame::read_csv(&test_data().join(r["data"].as_str().unwrap())).unwrap();
        let spec = model_spec(&r);
        let mut times: Vec<f64> = (0..7)
            .map(|_| {
                let start = std::time::Instant::now();
                spec.fit(&data).unwrap();
                start.elapsed().as_secs_f64()
            })
            .collect();
        times.sort_by(f64::total_cmp);
        println!("TIME {id} {:.4}", times[3]);
    }
}

/// A damaged gp or ds basis in a model file is refused with one line naming the smooth, and no
/// single edit of a basis's numbers or lists makes loading or predicting panic.
#[test]
fn damaged_bases_are_refused_without_panics() {
    use serde_json::json;
    let r = read_json(&test_data().join("bases_i16/fit_gauss.json"));
    let (data, model) = fit(&r);
    let value = serde_json::to_value(&model).unwrap();
    let load = |v: &Value| GamModel::from_json_bytes(&serde_json::to_vec(v).unwrap(), std::path::Path::new("m.json"));
    for (smooth, field, bad, needle) in [
        (0, "kind", json!(9), "covariance type 9"),
        (0, "range", json!(-1.0), "with range -1"),
        (0, "kappa", json!(3.0), "power 3 outside (0, 2]"),
        (1, "s2", json!(4), "do not suit 2 covariates"),
    ] {
        let mut v = value.clone();
        v["design"]["smooths"][smooth]["basis"][field] = bad;
        let Err(err) = load(&v) else {
            panic!("{field}: loaded");
        };
        let err = err.to_string();
        assert!(err.contains(needle) && err.contains("smooth s("), "{field}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    // Every number and list of both bases, edited in turn (lists: ends only).
    let mut edits = 0;
    for smooth in 0..2 {
        let basis = value["design"]["smooths"][smooth]["basis"].clone();
        let mut stack = vec![(Vec::<Value>::new(), basis)];
        while let Some((path, node)) = stack.pop() {
            let replacements: Vec<Value> = match &node {
                Value::Number(_) => vec![json!(0), json!(-1), json!(1u64 << 62), json!(1e300), Value::Null],
                Value::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        if i == 0 || i + 1 == items.len() {
                            let mut p = path.clone();
                            p.push(json!(i));
                            stack.push((p, item.clone()));
                        }
                    }
                    vec![json!([]), Value::Array(items.iter().skip(1).cloned().collect())]
                }
                Value::Object(map) => {
                    for (k, child) in map {
                        let mut p = path.clone();
                        p.push(json!(k));
                        stack.push((p, child.clone()));
                    }
                    continue;
                }
                _ => vec![json!("x")],
            };
            for replacement in replacements {
                let mut v = value.clone();
                let mut at = &mut v["design"]["smooths"][smooth]["basis"];
                for step in &path {
                    at = match step {
                        Value::String(k) => &mut at[k.as_str()],
                        i => &mut at[i.as_u64().unwrap() as usize],
                    };
                }
                *at = replacement;
                edits += 1;
                if let Ok(m) = load(&v) {
                    let _ = m.predict(&data, &PredictOptions::default());
                }
            }
        }
    }
    assert!(edits > 50, "only {edits} edits");
}

/// The size plan, made before anything is built, counts the coefficients the builders make
/// (mgcv's default and minimum k, the stationary null space, centring, factor `by` copies).
#[test]
fn the_size_plan_counts_the_built_coefficients() {
    let data = DataFrame::read_csv(&test_data().join("bases_i16/gpds_data.csv")).unwrap();
    // (formula, terms whose k mgcv raises to the minimum: gp d + 2, ds M + 1)
    for (formula, raised_k) in [
        ("y ~ s(x, bs = \"gp\") + s(z, w, bs = \"ds\")", 0),
        ("y ~ s(x, z, bs = \"gp\", m = -3) + s(w, bs = \"ds\", k = 1)", 1),
        (
            "y ~ fac + s(x, bs = \"gp\", by = fac, k = 2) + s(z, x, w, bs = \"ds\", m = c(1, 0.5), k = 12)",
            1,
        ),
        ("y ~ te(x, z, bs = c(\"gp\", \"ds\"), k = c(4, 5))", 0),
    ] {
        let f = Formula::parse(formula).unwrap();
        let plan = gam::expert::design::size::plan(&f, &data).unwrap();
        let model = match GamSpec::new(f).fit(&data) {
            Ok(m) => m,
            Err(e) => panic!("{formula}: {e}"),
        };
        assert_eq!(plan.n_coef, model.coefficients.len(), "{formula}");
        let raised: Vec<&String> = model
            .warnings
            .iter()
            .filter(|w| w.contains("increased to minimum"))
            .collect();
        assert_eq!(raised.len(), raised_k, "{formula}: {raised:?}");
    }
}
