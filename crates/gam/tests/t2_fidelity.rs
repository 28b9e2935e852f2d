//! `t2()` tensor products (Wood, Scheipl & Faraway 2013), issue 16, against
//! mgcv 1.8-41's setup (G$X, G$S: the fitting parameterisation) and REML
//! fits made by `tests/data/t2/make_reference.R` ([`common::setup_ref`]),
//! plus the term's raw basis (smoothCon, `absorb.cons = FALSE`), the
//! coefficients as mgcv reports them (the whole term summing to zero) and
//! the summary's smooth table.
//!
//! Every column of a `t2()` basis is a product of margin eigenvectors,
//! whose signs are free, so columns and coefficients are compared up to
//! sign. The margins' null-space bases follow LAPACK's (see
//! `basis::t2::natural`), which our references reach (null spaces of
//! dimension at most two, or spanned by unit vectors).
#![allow(clippy::print_stdout)]

mod common;

use common::cases::data;
use common::json::{num, nums, read_json, strings, worst};
use common::setup_ref::check;
use common::tol::EDF_ABS_TOL;
use gam::expert::basis::BasisFn;
use gam::expert::formula::Formula;
use gam::expert::model::GamSpec;

/// Basis columns and coefficients, relative to the largest entry: the
/// same construction as mgcv's.
const BASIS_REL_TOL: f64 = 1e-9;
/// Coefficients relative to the largest: they follow the smoothing
/// parameters, which mgcv's optimiser fixes to about 1e-5 relative.
const COEF_REL_TOL: f64 = 1e-4;
/// Summary statistics and p-values, relative.
const SUMMARY_REL_TOL: f64 = 1e-3;

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0f64, |m, x| m.max(x.abs()))
}

/// `ours` against `theirs` (both column-major `n x p` as row-major lists of
/// rows), each column up to sign, relative to the largest entry.
fn up_to_sign(ours: &[f64], theirs: &[f64], p: usize) -> f64 {
    let n = theirs.len() / p;
    let mut worst_err = 0.0f64;
    for j in 0..p {
        let dot: f64 = (0..n).map(|i| ours[i * p + j] * theirs[i * p + j]).sum();
        let s = if dot < 0.0 { -1.0 } else { 1.0 };
        for i in 0..n {
            worst_err = worst_err.max((s * ours[i * p + j] - theirs[i * p + j]).abs());
        }
    }
    worst_err / max_abs(theirs)
}

fn extra(id: &str) {
    let r = read_json(&common::cases::test_data().join(format!("t2/{id}.json")));
    let train = data(r["data"].as_str().unwrap());
    let model = common::setup_ref::spec(&r).fit(&train).unwrap();
    // The raw basis of the (first) t2 term at the training rows.
    let term = model
        .design
        .smooths
        .iter()
        .find(|s| s.label.starts_with("t2("))
        .unwrap();
    let covs: Vec<Vec<f64>> = term
        .spec
        .vars
        .iter()
        .map(|v| train.column(v).unwrap().as_numeric().unwrap().to_vec())
        .collect();
    let refs: Vec<&[f64]> = covs.iter().map(Vec::as_slice).collect();
    let raw = term.basis.design(&refs).unwrap();
    let p = num(&r["raw_p"]) as usize;
    assert_eq!(raw.ncols(), p, "{id}: raw basis columns");
    let ours: Vec<f64> = (0..raw.nrows())
        .flat_map(|i| (0..p).map(move |j| (i, j)))
        .map(|(i, j)| raw[(i, j)])
        .collect();
    let basis_err = up_to_sign(&ours, &nums(&r["raw_X"]), p);
    // gam.side's deletions in the reporting parameterisation: mgcv's
    // `del.index` (1-based), which the reported term carries.
    let mut deleted: Vec<usize> = r["del_index"]
        .as_array()
        .map(|a| a.iter().map(|v| v.as_u64().unwrap() as usize - 1).collect())
        .unwrap_or_default();
    deleted.sort_unstable();
    assert_eq!(term.side_deleted, deleted, "{id}: the reported term's deleted columns");
    let labels: Vec<String> = model.design.sp_names();
    let want: Vec<String> = strings(&r["full_sp_names"]);
    assert_eq!(labels, want, "{id}: smoothing parameter names");

    // Coefficients as reported (each up to sign).
    let coef_ref = nums(&r["coef"]);
    let sign_err = model
        .coefficients
        .iter()
        .zip(&coef_ref)
        .map(|(a, b)| (a.abs() - b.abs()).abs())
        .fold(0.0f64, f64::max)
        / max_abs(&coef_ref);
    let table = &model.summary().smooths;
    let edf_err = worst(&table.iter().map(|s| s.edf).collect::<Vec<_>>(), &nums(&r["s_edf"]));
    let rel = |ours: Vec<f64>, key: &str| {
        ours.iter()
            .zip(nums(&r[key]))
            .map(|(a, b)| (a - b).abs() / b.abs().max(1e-300))
            .fold(0.0f64, f64::max)
    };
    let ref_df_err = rel(table.iter().map(|s| s.ref_df).collect(), "s_ref_df");
    let stat_err = rel(table.iter().map(|s| s.stat).collect(), "s_stat");
    let p_err = rel(table.iter().map(|s| s.p_value).collect(), "s_p");
    println!(
        "{id}: raw basis {basis_err:.1e}, coefficients {sign_err:.1e}, summary edf {edf_err:.1e}, Ref.df {ref_df_err:.1e}, \
         stat {stat_err:.1e}, p {p_err:.1e}"
    );
    assert!(basis_err < BASIS_REL_TOL, "{id}: raw basis {basis_err:.2e}");
    assert!(sign_err < COEF_REL_TOL, "{id}: coefficients {sign_err:.2e}");
    assert!(edf_err < EDF_ABS_TOL, "{id}: summary edf {edf_err:.2e}");
    for (what, e) in [("Ref.df", ref_df_err), ("statistic", stat_err), ("p-value", p_err)] {
        assert!(e < SUMMARY_REL_TOL, "{id}: summary {what} {e:.2e} relative");
    }
}

fn case(id: &str) {
    check("t2", id);
    extra(id);
}

#[test]
fn default_cubic_regression_margins() {
    case("t2_cr");
}

#[test]
fn cyclic_margins_whose_null_space_is_the_constant() {
    case("t2_cc");
}

#[test]
fn thin_plate_margins_poisson() {
    case("t2_tp_pois");
}

#[test]
fn full_keeps_each_null_column_apart() {
    case("t2_full");
}

#[test]
fn ord_keeps_only_the_interaction_beside_main_effects() {
    case("t2_ord");
}

#[test]
fn three_margins() {
    case("t2_three");
}

#[test]
fn a_two_covariate_margin() {
    case("t2_d");
}

#[test]
fn one_surface_per_level_of_a_factor_by() {
    case("t2_by");
}

#[test]
fn a_p_spline_and_a_cubic_margin_poisson() {
    case("t2_ps_pois");
}

#[test]
fn an_ord_that_keeps_no_block_is_refused_naming_the_term() {
    // A random-effect margin has no null space, so there is no product of
    // null spaces alone for ord = 0 to keep.
    let train = data("t2/t2_n300.csv");
    let e = GamSpec::new(Formula::parse("y ~ t2(x, fac, bs = c(\"cr\", \"re\"), ord = 0)").unwrap())
        .fit(&train)
        .unwrap_err()
        .to_string();
    assert!(e.contains("t2(x,fac") && e.contains("ord") && !e.contains('\n'), "{e}");
}

#[test]
fn an_ord_beyond_the_margins_is_a_formula_error_at_its_position() {
    let e = Formula::parse("y ~ t2(x, z, ord = 3)").unwrap_err().to_string();
    assert!(e.contains("ord values must be whole numbers from 0 to 2"), "{e}");
}

/// The surface `plot.gam` draws for a `t2()` term: mgcv's 40 x 40 grid, its
/// exclusion of points too far from the data, and the term's values and
/// standard errors there (from `predict(type = "terms")`).
#[test]
fn the_surface_plot_is_mgcvs() {
    use gam::expert::report::{PlotKind, PlotOptions, plot_data};
    let r = read_json(&common::cases::test_data().join("t2/t2_cr.json"));
    let train = data(r["data"].as_str().unwrap());
    let model = common::setup_ref::spec(&r).fit(&train).unwrap();
    let t = plot_data(&model, &train, &PlotOptions::default()).unwrap().remove(0);
    assert_eq!(t.kind, PlotKind::Surface);
    let p = &r["plot"];
    assert!(worst(&t.x, &nums(&p["x"])) < 1e-12 && worst(t.y.as_ref().unwrap(), &nums(&p["y"])) < 1e-12);
    let excluded: Vec<bool> = p["excluded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_bool().unwrap())
        .collect();
    let (fit, se) = (nums(&p["fit"]), nums(&p["se"]));
    let ours_se = t.se.as_ref().unwrap();
    let (mut fit_err, mut se_err) = (0.0f64, 0.0f64);
    for (i, &ex) in excluded.iter().enumerate() {
        assert_eq!(t.fit[i].is_nan(), ex, "grid point {i}: excluded or not");
        if !ex {
            fit_err = fit_err.max((t.fit[i] - fit[i]).abs());
            se_err = se_err.max((ours_se[i] / t.se_mult - se[i]).abs() / se[i]);
        }
    }
    println!("t2_cr plot: fit {fit_err:.1e}, se {se_err:.1e} relative");
    assert!(fit_err < 1e-8 && se_err < 1e-7, "fit {fit_err:.2e}, se {se_err:.2e}");
}

/// Reference `id` fitted a chunk of rows at a time equals the in-memory
/// fit, and a saved model loads back and predicts the same.
fn chunked_and_reloaded(id: &str) {
    use gam::expert::model::GamModel;
    use gam::expert::predict::PredictOptions;
    let r = read_json(&common::cases::test_data().join(format!("t2/{id}.json")));
    let train = data(r["data"].as_str().unwrap());
    let (dense, chunked) = common::setup_ref::dense_and_chunked(&common::setup_ref::spec(&r), &train, 37);
    let rel = (dense.reml_score - chunked.reml_score).abs() / dense.reml_score.abs();
    let coef = worst(&dense.coefficients, &chunked.coefficients) / max_abs(&dense.coefficients);
    assert!(
        rel < 1e-10 && coef < 1e-8,
        "{id} chunked: REML {rel:.1e}, coefficients {coef:.1e}"
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t2.json");
    dense.save(&path).unwrap();
    let back = GamModel::load(&path).unwrap();
    let newdata = data(r["newdata"].as_str().unwrap());
    let opts = PredictOptions {
        se: true,
        ..Default::default()
    };
    let (a, b) = (
        dense.predict(&newdata, &opts).unwrap(),
        back.predict(&newdata, &opts).unwrap(),
    );
    assert_eq!(a.fit, b.fit);
    assert_eq!(a.se_fit, b.se_fit);
}

/// A `t2()` with a factor `by`: chunked, saved and loaded.
#[test]
fn chunked_fits_and_saved_models_agree() {
    chunked_and_reloaded("t2_by");
}

/// Beside smooths of its own covariates, gam.side deletes the term's
/// linear-by-constant columns (x and z here) in the fitting
/// parameterisation, and as many in the reporting one; the coefficients
/// mgcv reports then mix the nested smooths' and the term's.
#[test]
fn beside_its_own_main_effects_as_mgcvs_gam_side() {
    case("t2_side");
}

/// Poisson, with a two-covariate margin and one nested main effect.
#[test]
fn beside_one_main_effect_with_a_two_covariate_margin_poisson() {
    case("t2_side_pois");
}

/// Beside a nested smooth, a chunked fit equals the in-memory one, and a
/// saved model predicts as the fitted one.
#[test]
fn beside_main_effects_chunked_and_reloaded() {
    chunked_and_reloaded("t2_side");
}
