//! A fit that cannot be computed fails with a typed [`GamError`] variant a
//! caller can match on, whose message is one line: a model that is nearly
//! aliased names its aliased terms, perfect separation names its term,
//! and too many coefficients, a response or link the family does not take, a
//! mismatched warm start and an unsavable model each have their own variant.
//! Models that are merely close to aliased still fit, and exactly aliased
//! ones are fitted rank deficient as mgcv fits them.
//!
//! `tests/data/errors/aliased.csv`: 100 rows of x (uniform, 6 decimals),
//! x2 = 2x, xs = x, z (uniform), y = sin(6x) + z + N(0, 0.3²) and a count
//! yc, made with Python's `random.seed(1)`; `rank_deficient.json` beside it
//! holds mgcv 1.8-41's fits of its aliased models (`rank_deficient.R`).

use gam::GamError;
use gam::expert::data::DataFrame;
use gam::expert::fit::OuterStart;
use gam::expert::fit::driver::NoObserver;
use gam::expert::formula::Formula;
use gam::expert::model::{Family, GamModel, GamSpec, Link};
use gam::expert::predict::{PredictOptions, PredictType};

/// Uniform numbers in [0, 1) from a linear congruential generator started at `seed`.
fn uniforms(seed: u64) -> impl FnMut() -> f64 {
    let mut state = seed;
    move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// `csv` written to a temporary directory and read back.
fn read_back(csv: &str) -> (tempfile::TempDir, DataFrame) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.csv");
    std::fs::write(&path, csv).unwrap();
    let df = DataFrame::read_csv(&path).unwrap();
    (dir, df)
}

/// `n` rows of x, z, a near copy xn = 2x + noise, a smooth Gaussian
/// response y, a count yc, and successes and failures s, f.
fn frame(n: usize) -> (tempfile::TempDir, DataFrame) {
    let mut uniform = uniforms(7);
    let mut csv = String::from("x,xn,z,y,yc,s,f\n");
    for i in 0..n {
        let x = (i as f64 + 0.5) / n as f64;
        let z = uniform();
        let xn = 2.0 * x + 0.05 * (uniform() - 0.5);
        let y = (6.0 * x).sin() + z + 0.3 * (uniform() - 0.5);
        let yc = (3.0 * uniform() * (1.0 + x)).floor();
        let s = (4.0 * uniform()).floor();
        csv.push_str(&format!("{x},{xn},{z},{y},{yc},{s},{}\n", 4.0 - s));
    }
    read_back(&csv)
}

fn spec(formula: &str, family: Family) -> GamSpec {
    GamSpec::new(Formula::parse(formula).unwrap()).with_family(family, family.default_link())
}

fn fit(formula: &str, family: Family) -> Result<GamModel, GamError> {
    let (_dir, df) = frame(100);
    spec(formula, family).fit(&df)
}

/// The error of a fit that must fail, checked to be one line.
fn fit_err(formula: &str, family: Family) -> GamError {
    let e = fit(formula, family).expect_err("the fit must fail");
    assert_eq!(e.to_string().lines().count(), 1, "{e}");
    e
}

/// `n` rows of evenly spaced x and its copy xs, random xr and xr2 = 2 xr,
/// random z, and a Gaussian response y and a count yc.
fn copies_frame(n: usize) -> (tempfile::TempDir, DataFrame) {
    let mut uniform = uniforms(5);
    let mut csv = String::from("x,xs,xr,xr2,xt,z,y,yc\n");
    for i in 0..n {
        let x = i as f64 / n as f64;
        let (xr, z) = (uniform(), uniform());
        let y = (6.0 * x).sin() + z + xr + 0.3 * (uniform() - 0.5);
        let yc = (3.0 * uniform() * (1.0 + x)).floor();
        let xt = 2.0 * xr + 1e-9 * (i as f64).sin();
        csv.push_str(&format!("{x},{x},{xr},{},{xt},{z},{y},{yc}\n", 2.0 * xr));
    }
    read_back(&csv)
}

fn aliased_terms(e: &GamError) -> &[String] {
    match e {
        GamError::NotIdentifiable { terms, .. } => terms,
        other => panic!("expected NotIdentifiable, got {other:?}"),
    }
}

/// mgcv 1.8-41's REML fits of the exactly aliased models on `aliased.csv`
/// (`tests/data/errors/rank_deficient.R`).
fn mgcv_rank_deficient(id: &str) -> serde_json::Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/errors/rank_deficient.json");
    let all: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    all[id].clone()
}

/// The REML score, relative (the usual fidelity tolerance).
const REML_REL_TOL: f64 = 1e-6;
/// A coefficient at most this fraction of the largest is zero to rounding.
const ZERO_REL_TOL: f64 = 1e-12;
/// Fitted values, relative to the response's spread (the usual fidelity tolerance).
const FITTED_SD_TOL: f64 = 1e-4;

fn sd(v: &[f64]) -> f64 {
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (v.len() - 1) as f64).sqrt()
}

/// Fitted values (on the response scale) at the training rows.
fn fitted(model: &GamModel, df: &DataFrame) -> Vec<f64> {
    let opts = PredictOptions {
        kind: PredictType::Response,
        ..Default::default()
    };
    model.predict(df, &opts).unwrap().fit
}

/// The names of the coefficients fixed at zero, to rounding (mgcv's own are
/// exactly zero for a parametric column, of order 1e-17 for a smooth's null
/// function, whose basis vector carries rounding from its eigendecomposition).
fn zeroed(model: &GamModel) -> Vec<String> {
    let names = model.design.coef_names();
    let max = model.coefficients.iter().map(|b| b.abs()).fold(0.0, f64::max);
    model
        .coefficients
        .iter()
        .zip(names)
        .filter(|(b, _)| b.abs() <= ZERO_REL_TOL * max)
        .map(|(_, n)| n)
        .collect()
}

#[test]
fn exactly_aliased_models_are_fitted_rank_deficient_as_mgcv_fits_them() {
    // Before, these were refused (naming the aliased terms): exact aliasing is now resolved
    // as mgcv's gdi does it, by fixing the directions past the numerical rank at zero.
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/errors/aliased.csv");
    let df = DataFrame::read_csv(&path).unwrap();
    for id in [
        "copy",
        "proportional_smooths",
        "copied_smooths",
        "linear_and_smooth",
        "poisson_copied_smooths",
        "poisson_copy",
    ] {
        let r = mgcv_rank_deficient(id);
        let family = Family::from_name(r["family"].as_str().unwrap()).unwrap();
        let model = spec(r["formula"].as_str().unwrap(), family)
            .fit(&df)
            .unwrap_or_else(|e| panic!("{id}: {e}"));
        let n_coef = r["n_coef"].as_u64().unwrap() as usize;
        assert_eq!(model.coefficients.len(), n_coef, "{id}");
        assert_eq!(model.rank, Some(r["rank"].as_u64().unwrap() as usize), "{id}");
        let want: Vec<String> = r["zero"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        // Exactly copied columns tie in the pivoted QR, and rounding picks the copy mgcv
        // drops: only which term loses a coefficient is mgcv's choice to reproduce there.
        if !id.contains("copied") {
            assert_eq!(zeroed(&model), want, "{id}: coefficients fixed at zero");
        }
        let reml = r["reml"].as_f64().unwrap();
        assert!(
            (model.reml_score - reml).abs() < REML_REL_TOL * reml.abs(),
            "{id}: REML {} vs mgcv {reml}",
            model.reml_score
        );
        let mgcv_fitted: Vec<f64> = r["fitted"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let ours = fitted(&model, &df);
        let worst = ours
            .iter()
            .zip(&mgcv_fitted)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert!(
            worst < FITTED_SD_TOL * sd(&mgcv_fitted),
            "{id}: fitted values {worst} from mgcv's"
        );
        // A coefficient removed on its own is exactly zero, with no variance and no EDF.
        for (j, b) in model.coefficients.iter().enumerate() {
            if b.abs() <= ZERO_REL_TOL {
                assert_eq!((model.vp.data[j * n_coef + j], model.edf[j]), (0.0, 0.0), "{id}");
            }
        }
    }
}

#[test]
fn a_rank_deficient_fit_is_the_fit_without_the_copy() {
    // xr2 = 2 xr: the same column space and penalties as without it, so by ML (which, unlike
    // REML, does not count the null space dimension M_p, one larger with the copy) the same
    // fitted values, smoothing parameter and EDF; x beside s(x) likewise.
    let (_dir, df) = copies_frame(100);
    let ml = |formula: &str, family: Family| {
        let mut s = spec(formula, family);
        s.options.method = gam::Method::Ml;
        s.fit(&df)
    };
    for (family, with, without) in [
        (Family::Gaussian, "y ~ xr + xr2 + s(z)", "y ~ xr + s(z)"),
        (Family::Poisson, "yc ~ xr + xr2 + s(z)", "yc ~ xr + s(z)"),
        (Family::Gaussian, "y ~ x + s(x)", "y ~ s(x)"),
        (Family::Poisson, "yc ~ x + s(x)", "yc ~ s(x)"),
    ] {
        let a = ml(with, family).unwrap_or_else(|e| panic!("{with}: {e}"));
        let b = ml(without, family).unwrap();
        assert_eq!(a.rank, Some(b.coefficients.len()), "{with}");
        assert_eq!(b.rank, None, "{without}");
        let fa = fitted(&a, &df);
        let fb = fitted(&b, &df);
        let worst = fa.iter().zip(&fb).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max);
        assert!(worst < 1e-6 * sd(&fb), "{with}: fitted values {worst} apart");
        assert!((a.edf_total() - b.edf_total()).abs() < 1e-5, "{with}");
        assert!(
            (a.sp[0] / b.sp[0] - 1.0).abs() < 1e-3,
            "{with}: sp {} vs {}",
            a.sp[0],
            b.sp[0]
        );
        assert!(
            (a.reml_score - b.reml_score).abs() < 1e-8 * b.reml_score.abs(),
            "{with}: ML"
        );
    }
    let m = spec("y ~ s(x) + s(xs)", Family::Gaussian).fit(&df).unwrap();
    assert_eq!(m.rank, Some(m.coefficients.len() - 1));
}

#[test]
fn near_aliasing_mgcv_would_keep_is_refused_naming_the_terms() {
    // xt = 2 xr + 1e-9 sin(i): not exactly aliased, so mgcv keeps every coefficient (condition
    // 1e9, below its 1/(100 ε)), but the fit would keep fewer than six significant digits.
    let (_dir, df) = copies_frame(100);
    let e = spec("y ~ xr + xt + s(z)", Family::Gaussian)
        .fit(&df)
        .expect_err("refused");
    assert_eq!(e.to_string().lines().count(), 1, "{e}");
    assert_eq!(aliased_terms(&e), ["xr", "xt"]);
    let text = e.to_string();
    assert!(
        text.contains("not identifiable") && text.contains("xr and xt are aliased"),
        "{text}"
    );
}

#[test]
fn nearly_aliased_models_still_fit() {
    // xn = 2x + noise: collinear, not aliased; the structural check must not refuse it.
    fit("y ~ x + xn + s(z)", Family::Gaussian).unwrap();
    fit("y ~ s(x) + s(xn)", Family::Gaussian).unwrap();
    fit("yc ~ s(x) + s(z)", Family::Poisson).unwrap();
}

#[test]
fn perfect_separation_is_its_own_variant() {
    let (_dir, df) = frame(60);
    // A response that is 1 exactly when x > 0.5.
    let x = df.column("x").unwrap().as_numeric().unwrap().to_vec();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sep.csv");
    let mut csv = String::from("x,z,y\n");
    for (i, v) in x.iter().enumerate() {
        csv.push_str(&format!("{v},{},{}\n", (i * 7 % 11) as f64, u8::from(*v > 0.5)));
    }
    std::fs::write(&path, csv).unwrap();
    let sep = DataFrame::read_csv(&path).unwrap();
    let e = spec("y ~ x + z", Family::Binomial).fit(&sep).unwrap_err();
    assert!(matches!(&e, GamError::Separation { term, .. } if term == "x"), "{e:?}");
    let e = spec("y ~ s(x, k = 4) + z", Family::Binomial).fit(&sep).unwrap_err();
    assert!(
        matches!(&e, GamError::Separation { term, .. } if term == "s(x)"),
        "{e:?}"
    );
    assert!(e.to_string().starts_with("fit failed: perfect separation"), "{e}");
}

#[test]
fn more_coefficients_than_rows_is_too_few_rows() {
    let (_dir, df) = frame(12);
    // Each smooth has fewer coefficients than rows, the model (1 + 7 + 7) more.
    let e = spec("y ~ s(x, k = 8) + s(z, k = 8)", Family::Gaussian)
        .fit(&df)
        .unwrap_err();
    assert!(
        matches!(
            e,
            GamError::TooFewRows {
                coefficients: 15,
                rows: 12
            }
        ),
        "{e:?}"
    );
}

#[test]
fn a_family_that_does_not_fit_the_response_or_link_says_so() {
    let e = fit_err("cbind(s, f) ~ x", Family::Poisson);
    assert!(
        matches!(&e, GamError::FamilyMismatch { response, family } if response == "cbind(s, f)" && family == "poisson"),
        "{e:?}"
    );
    let (_dir, df) = frame(50);
    let e = GamSpec::new(Formula::parse("yc ~ x").unwrap())
        .with_family(Family::Poisson, Link::Logit)
        .fit(&df)
        .unwrap_err();
    assert!(
        matches!(&e, GamError::LinkMismatch { family, link, links } if family == "poisson" && link == "logit" && links.len() == 3),
        "{e:?}"
    );
    assert!(e.to_string().contains("(it takes: log, identity, sqrt)"), "{e}");
}

#[test]
fn a_warm_start_of_the_wrong_length_is_refused() {
    let (_dir, df) = frame(60);
    let start = OuterStart {
        rho: vec![0.0; 3],
        iteration: 0,
        extra: Vec::new(),
    };
    let e = spec("y ~ s(x) + z", Family::Gaussian)
        .fit_with(&df, Some(&start), &mut NoObserver)
        .unwrap_err();
    assert!(
        matches!(e, GamError::WarmStartMismatch { given: 3, expected: 1 }),
        "{e:?}"
    );
}

#[test]
fn a_model_that_would_not_load_is_not_saved() {
    let mut model = fit("y ~ s(x) + z", Family::Gaussian).unwrap();
    model.scale = f64::NAN;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.json");
    let e = model.save(&path).unwrap_err();
    assert!(
        matches!(&e, GamError::ModelNotSaved { path: p, .. } if *p == path),
        "{e:?}"
    );
    assert!(!path.exists());
}
