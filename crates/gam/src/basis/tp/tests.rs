//! Agreement of [`TpBasis`] with mgcv 1.8-41, on reference files made by
//! `tests/data/bases/make_tp_refs.R`, and behaviour on edge cases.

use std::path::PathBuf;

use faer::Mat;
use faer::prelude::*;
use serde_json::Value;

use super::*;

/// Largest difference to mgcv, relative to the largest entry of the compared
/// matrix, accepted for model matrices, penalties and predictions. mgcv's
/// Lanczos eigenvectors agree with the exact ones to about `1e-11`; the worst
/// case seen is `4.8e-11` (`sim1_x012_k15`, the model matrix).
const MGCV_REL_TOL: f64 = 1e-9;

/// serde_json (without its `float_roundtrip` feature) may lose the last bit
/// of a float, and evaluating the radial basis far from the knots amplifies
/// that about a hundredfold (large `eta` values cancel).
const SERDE_REL_TOL: f64 = 1e-12;

/// Covariate means agree to rounding.
const SHIFT_REL_TOL: f64 = 1e-14;

/// One reference case.
struct Case {
    name: String,
    vars: Vec<String>,
    k_requested: i64,
    m_requested: Option<usize>,
    k: usize,
    null_space_dim: usize,
    shift: Vec<f64>,
    x: Vec<Vec<f64>>,
    x_rows: Vec<usize>,
    big_x: Mat<f64>,
    s: Mat<f64>,
    new_x: Vec<Vec<f64>>,
    predict: Mat<f64>,
}

fn to_vec(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|a| a.as_f64().expect("number"))
        .collect()
}

fn to_mat(v: &Value) -> Mat<f64> {
    let rows: Vec<Vec<f64>> = v.as_array().expect("rows").iter().map(to_vec).collect();
    Mat::from_fn(rows.len(), rows[0].len(), |i, j| rows[i][j])
}

fn load(name: &str) -> Case {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("tests/data/bases/tp_{name}.json"));
    let text = std::fs::read_to_string(&path).expect("reference file");
    let v: Value = serde_json::from_str(&text).expect("json");
    let vars = match &v["vars"] {
        Value::String(s) => vec![s.clone()],
        other => other
            .as_array()
            .expect("vars")
            .iter()
            .map(|a| a.as_str().expect("name").to_string())
            .collect(),
    };
    Case {
        name: name.to_string(),
        vars,
        k_requested: v["k_requested"].as_i64().expect("k"),
        m_requested: v["m_requested"].as_u64().map(|m| m as usize),
        k: v["k"].as_u64().expect("k") as usize,
        null_space_dim: v["null_space_dim"].as_u64().expect("M") as usize,
        shift: to_vec(&v["shift"]),
        x: v["x"].as_array().expect("x").iter().map(to_vec).collect(),
        x_rows: to_vec(&v["x_rows"]).iter().map(|&r| r as usize).collect(),
        big_x: to_mat(&v["X"]),
        s: to_mat(&v["S"]),
        new_x: v["new_x"].as_array().expect("new_x").iter().map(to_vec).collect(),
        predict: to_mat(&v["predict"]),
    }
}

fn max_abs(m: &Mat<f64>) -> f64 {
    let mut a = 0.0f64;
    for j in 0..m.ncols() {
        for i in 0..m.nrows() {
            a = a.max(m[(i, j)].abs());
        }
    }
    a
}

/// `max |a - b| / max |b|`.
fn rel_diff(a: &Mat<f64>, b: &Mat<f64>) -> f64 {
    assert_eq!((a.nrows(), a.ncols()), (b.nrows(), b.ncols()));
    max_abs(&(a - b)) / max_abs(b)
}

fn slices(x: &[Vec<f64>]) -> Vec<&[f64]> {
    x.iter().map(|c| c.as_slice()).collect()
}

fn label(case: &Case) -> String {
    format!("s({}, k = {})", case.vars.join(", "), case.k_requested)
}

/// Builds the basis of a case and returns it with its model matrix at the
/// reference rows and its prediction matrix.
fn build(case: &Case) -> (TpBasis, Mat<f64>, Mat<f64>) {
    let basis = TpBasis::new(&label(case), &slices(&case.x), case.k_requested, case.m_requested).expect("basis");
    assert_eq!(basis.dim(), case.k, "{}: k", case.name);
    assert_eq!(basis.null_space_dim(), case.null_space_dim, "{}: M", case.name);
    for (a, b) in basis.shift().iter().zip(&case.shift) {
        assert!(
            (a - b).abs() <= SHIFT_REL_TOL * b.abs().max(1.0),
            "{}: shift {a} vs {b}",
            case.name
        );
    }
    let full = basis.design(&slices(&case.x)).expect("design");
    let x = Mat::from_fn(case.x_rows.len(), case.k, |i, j| full[(case.x_rows[i], j)]);
    let p = basis.design(&slices(&case.new_x)).expect("predict");
    (basis, x, p)
}

/// Checks one reference case two ways and returns the largest relative error:
///
/// 1. columns equal mgcv's up to sign: X, S and predictions agree after
///    flipping the columns (and penalty rows/columns) whose signs differ;
/// 2. independently of any reparameterisation, ours spans mgcv's column space
///    with the same penalty: with `A` solving `X_ours = X_mgcv A` (least
///    squares), the residual vanishes, `S_ours = A' S_mgcv A` and
///    `P_ours = P_mgcv A`.
fn assert_matches_mgcv(name: &str) -> f64 {
    let case = load(name);
    let (basis, x, p) = build(&case);
    let s = &basis.penalties()[0];

    let signs: Vec<f64> = (0..case.k)
        .map(|j| {
            let dot: f64 = (0..x.nrows()).map(|i| x[(i, j)] * case.big_x[(i, j)]).sum();
            if dot < 0.0 { -1.0 } else { 1.0 }
        })
        .collect();
    let flip = |m: &Mat<f64>| Mat::from_fn(m.nrows(), m.ncols(), |i, j| m[(i, j)] * signs[j]);
    let s_flipped = Mat::from_fn(case.k, case.k, |i, j| s[(i, j)] * signs[i] * signs[j]);
    let by_column = [
        rel_diff(&flip(&x), &case.big_x),
        rel_diff(&s_flipped, &case.s),
        rel_diff(&flip(&p), &case.predict),
    ];

    let a = case.big_x.qr().solve_lstsq(&x);
    let by_space = [
        rel_diff(&(&case.big_x * &a), &x),
        rel_diff(&(a.transpose() * &case.s * &a), s),
        rel_diff(&(&case.predict * &a), &p),
    ];

    let worst = by_column.iter().chain(&by_space).copied().fold(0.0, f64::max);
    assert!(
        worst < MGCV_REL_TOL,
        "{name}: relative errors by column (X, S, predict) = {by_column:?}, by space = {by_space:?}"
    );
    worst
}

#[test]
fn mcycle_k20_matches_mgcv() {
    assert_matches_mgcv("mcycle_k20");
}

#[test]
fn default_k_1d_matches_mgcv() {
    assert_matches_mgcv("sim1_x0_default");
}

#[test]
fn symmetric_design_truncated_matches_mgcv() {
    assert_matches_mgcv("cake_temp_k5");
}

#[test]
fn pure_knot_basis_matches_mgcv() {
    assert_matches_mgcv("cake_temp_k6");
}

#[test]
fn ties_1d_match_mgcv() {
    assert_matches_mgcv("sim1_x0_round2_k8");
}

#[test]
fn order_3_penalty_matches_mgcv() {
    assert_matches_mgcv("sim1_x2_m3_k12");
}

#[test]
fn k_raised_to_minimum_matches_mgcv() {
    assert_matches_mgcv("sim1_x1_k2");
}

#[test]
fn default_k_2d_matches_mgcv() {
    assert_matches_mgcv("sim2_xz_default");
}

#[test]
fn ties_2d_match_mgcv() {
    assert_matches_mgcv("sim2_xz_round1_k20");
}

#[test]
fn three_covariates_match_mgcv() {
    assert_matches_mgcv("sim1_x012_k15");
    assert_matches_mgcv("sim1_x012_m2_k15");
}

#[test]
fn five_covariates_match_mgcv() {
    assert_matches_mgcv("sim1_5d_k60");
}

#[test]
fn too_few_unique_values_is_an_error() {
    let case = load("cake_temp_k5");
    let err = TpBasis::new("s(temp, k = 10)", &slices(&case.x), 10, None).unwrap_err();
    assert_eq!(
        err.to_string(),
        "term s(temp, k = 10): temp has only 6 unique values, fewer than k = 10: reduce k"
    );
    let x: Vec<f64> = (0..20).map(|i| (i % 5) as f64).collect();
    let z: Vec<f64> = (0..20).map(|i| (i % 4) as f64).collect();
    let err = TpBasis::new("s(a, b)", &[&x, &z], -1, None).unwrap_err();
    assert!(
        err.to_string()
            .contains("(a, b) has only 20 unique combinations, fewer than k = 30"),
        "{err}"
    );
}

#[test]
fn bad_input_is_an_error() {
    let x = [0.0, 1.0, f64::NAN, 3.0];
    assert!(TpBasis::new("s(x)", &[&x], 3, None).is_err());
    let x: Vec<f64> = (0..20).map(f64::from).collect();
    let z: Vec<f64> = (0..19).map(f64::from).collect();
    assert!(TpBasis::new("s(x, z)", &[&x, &z], 10, None).is_err());
    assert!(TpBasis::new("s()", &[], 10, None).is_err());
    let basis = TpBasis::new("s(x)", &[&x], 5, None).expect("basis");
    assert!(basis.design(&[&x, &x]).is_err());
    assert!(basis.design(&[&[f64::INFINITY]]).is_err());
}

#[test]
fn defaults_follow_mgcv() {
    let x: Vec<f64> = (0..60).map(|i| ((i * 37) % 60) as f64 / 7.0).collect();
    let z: Vec<f64> = (0..60).map(|i| ((i * 11) % 17) as f64).collect();
    let b1 = TpBasis::new("s(x)", &[&x], -1, None).expect("1-d");
    assert_eq!((b1.dim(), b1.order(), b1.null_space_dim()), (10, 2, 2));
    let b2 = TpBasis::new("s(x, z)", &[&x, &z], -1, None).expect("2-d");
    assert_eq!((b2.dim(), b2.order(), b2.null_space_dim()), (30, 2, 3));
    // 2m <= d falls back to the default order; m = 1 is allowed in one dimension.
    let b3 = TpBasis::new("s(x, z)", &[&x, &z], 10, Some(1)).expect("2-d, m = 1");
    assert_eq!((b3.order(), b3.null_space_dim()), (2, 3));
    let b4 = TpBasis::new("s(x)", &[&x], 1, Some(1)).expect("1-d, m = 1");
    assert_eq!((b4.dim(), b4.order(), b4.null_space_dim()), (2, 1, 1));
    assert_eq!(b1.mgcv_class(), "tprs.smooth");
    assert!(b1.te_reparameterise());
}

#[test]
fn design_reproduces_constant_and_linear_columns() {
    // The last M columns are 1 and the centred covariates, scaled to unit rms.
    let case = load("sim2_xz_default");
    let (basis, _, _) = build(&case);
    let x = basis.design(&slices(&case.x)).expect("design");
    let k = basis.dim();
    for i in 0..x.nrows() {
        assert!((x[(i, k - 3)] - 1.0).abs() < 1e-15);
    }
    let rms = |j: usize| ((0..x.nrows()).map(|i| x[(i, j)] * x[(i, j)]).sum::<f64>() / x.nrows() as f64).sqrt();
    for j in 0..k {
        assert!((rms(j) - 1.0).abs() < 1e-12, "column {j} rms {}", rms(j));
    }
}

#[test]
fn serde_round_trip_predicts_identically() {
    let case = load("mcycle_k20");
    let (basis, _, p) = build(&case);
    let json = serde_json::to_string(&basis).expect("serialise");
    let back: TpBasis = serde_json::from_str(&json).expect("deserialise");
    assert_eq!(
        (back.dim(), back.order(), back.null_space_dim()),
        (basis.dim(), basis.order(), basis.null_space_dim())
    );
    let p2 = back.design(&slices(&case.new_x)).expect("predict");
    assert!(rel_diff(&p2, &p) < SERDE_REL_TOL, "{}", rel_diff(&p2, &p));
    assert!(rel_diff(&back.penalties()[0], &basis.penalties()[0]) < SERDE_REL_TOL);
}

#[test]
fn many_rows_few_unique_values() {
    // 100 000 rows over 300 unique points in 2-d: rows with equal covariates get equal rows.
    let n = 100_000;
    let x: Vec<f64> = (0..n).map(|i| ((i * 7919) % 300) as f64 / 300.0).collect();
    let z: Vec<f64> = (0..n)
        .map(|i| (((i * 7919) % 300) as f64 / 300.0 * 9.0).sin())
        .collect();
    let basis = TpBasis::new("s(x, z)", &[&x, &z], -1, None).expect("basis");
    let big = basis.design(&[&x, &z]).expect("design");
    assert_eq!((big.nrows(), big.ncols()), (n, 30));
    let small = basis.design(&[&x[..300], &z[..300]]).expect("design");
    for i in (0..n).step_by(997) {
        for j in 0..30 {
            assert_eq!(big[(i, j)], small[(i % 300, j)]);
        }
    }
}

#[test]
#[cfg_attr(debug_assertions, ignore = "a 2000 x 2000 eigenproblem: run with --release")]
fn more_unique_values_than_max_knots_uses_a_knot_subset() {
    let n = 2600;
    let x: Vec<f64> = (0..n).map(|i| (i as f64 * 0.618_033_988_749_895).fract()).collect();
    let basis = TpBasis::new("s(x)", &[&x], 12, None).expect("basis");
    assert_eq!(basis.knots().nrows(), MAX_KNOTS);
    let big = basis.design(&[&x]).expect("design");
    // The null space columns are exact; the fit spans smooth functions.
    let k = basis.dim();
    let xs: Vec<f64> = x.iter().map(|v| v - basis.shift()[0]).collect();
    let sd = (xs.iter().map(|v| v * v).sum::<f64>() / n as f64).sqrt();
    for i in 0..n {
        assert!((big[(i, k - 2)] - 1.0).abs() < 1e-15);
        assert!((big[(i, k - 1)] - xs[i] / sd).abs() < 1e-12);
    }
}

/// A one-covariate basis on a knot subset evaluates many rows by piecewise polynomials: they
/// agree with the direct evaluation (fewer rows than knots) to rounding, in and beyond the
/// data's range, and a basis read back from its serialised form gives the same bits.
#[test]
fn knot_subset_rows_by_piecewise_polynomials_match_direct_evaluation() {
    let n = 600;
    let x: Vec<f64> = (0..n).map(|i| (i as f64 * 0.618_033_988_749_895).fract()).collect();
    // With and without the null space (m = c(2, 0): fewer columns, column means subtracted).
    for drop_null in [false, true] {
        let opts = TpOptions {
            max_knots: Some(45),
            drop_null,
            ..TpOptions::default()
        };
        let basis = TpBasis::with_options("s(x)", &[&x], 10, &opts).expect("basis");
        assert_eq!(basis.knots().nrows(), 45);
        let new: Vec<f64> = (0..300).map(|i| -0.2 + 1.4 * i as f64 / 299.0).collect();
        let many = basis.design(&[&new]).expect("design");
        let k = basis.dim();
        assert_eq!(many.ncols(), k);
        for chunk in 0..new.len() / 10 {
            let rows = &new[chunk * 10..(chunk + 1) * 10];
            let few = basis.design(&[rows]).expect("design");
            assert_eq!(few.ncols(), k);
            for i in 0..10 {
                for j in 0..k {
                    let (a, b) = (many[(chunk * 10 + i, j)], few[(i, j)]);
                    assert!(
                        (a - b).abs() <= 1e-11 * (1.0 + b.abs()),
                        "drop_null {drop_null} row {} col {j}: {a} vs {b}",
                        chunk * 10 + i
                    );
                }
            }
        }
        let back: TpBasis = serde_json::from_str(&serde_json::to_string(&basis).unwrap()).unwrap();
        assert_eq!(back.design(&[&new]).expect("design"), many);
    }
}
