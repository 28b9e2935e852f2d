//! mgcv's `scale =` (issue 13 item 2: "GCV.Cp (GCV when the scale is unknown, UBRE/Cp when it is
//! known)") against mgcv 1.8-41: `y ~ s(x0) + s(x1, bs = "cr")` with a known scale for Gaussian
//! (REML, ML, GCV.Cp → UBRE by mgcv's magic, GACV.Cp → UBRE, P-REML → REML; with and without prior
//! weights), Gamma(log) and quasipoisson, an estimated scale for Poisson and binomial (GCV.Cp →
//! GCV, GACV.Cp → GACV; ignored under REML and P-REML, as mgcv ignores it) and a known scale 2
//! for Poisson (UBRE at φ = 2; ignored under REML). References: `tests/data/known_scale/`.
//!
//! Per fit: the criterion's name and value, the summary's criterion line (`UBRE = …  Scale est. =
//! 2 …`), whether the scale was estimated and its value, coefficient names, per-term EDF, fitted
//! values, the summary tables (z and χ² tests when the scale is known), logLik with its df and the
//! AIC, and the same summary after a model-file round trip.
#![allow(clippy::print_stdout)]

mod common;

use common::cases::{predictions, test_data};
use common::json::{num, nums, read_json, sd, strings};
use common::tol::{EDF_ABS_TOL, PRED_SD_TOL, REML_REL_TOL};
use gam::expert::data::{Column, DataFrame};
use gam::expert::formula::Formula;
use gam::expert::model::{Family, GamModel, GamSpec, Link};
use gam::expert::predict::PredictType;
use gam::{Method, ScaleSetting, SummaryText};
use serde_json::Value;

/// The criterion, relative (mgcv's `gcv.ubre`). The Gaussian GCV.Cp fits are mgcv's `magic`,
/// ours the outer Newton on the same UBRE score: both stop within their tolerances.
const CRITERION_REL_TOL: f64 = REML_REL_TOL;
/// The reported scale, relative (a known scale is reported exactly; an estimated one moves with
/// the EDF, which agree to [`EDF_ABS_TOL`]).
const SCALE_REL_TOL: f64 = 1e-4;
/// Summary statistics (estimates, standard errors, z/t, Ref.df, F/χ²), relative, as in
/// `family_fidelity.rs`.
const SUMMARY_REL_TOL: f64 = 1e-3;
/// p-values, relative, or absolute below [`P_VALUE_FLOOR`], as in `family_fidelity.rs`.
const P_VALUE_REL_TOL: f64 = 3e-3;
/// Below this a p-value is compared on an absolute scale.
const P_VALUE_FLOOR: f64 = 1e-12;
/// logLik, relative; its df and the AIC move with the EDF.
const LOGLIK_REL_TOL: f64 = 1e-6;
/// logLik's df (Σ edf2 plus an estimated scale), absolute, as the EDF.
const LOGLIK_DF_ABS_TOL: f64 = EDF_ABS_TOL;

/// Every reference fit: `<case>_<method>_s<scale>`.
const IDS: [&str; 20] = [
    "gaussian_REML_s2",
    "gaussian_ML_s2",
    "gaussian_GCV.Cp_s2",
    "gaussian_GACV.Cp_s2",
    "gaussian_P-REML_s2",
    "gaussianw_REML_s2",
    "gaussianw_GCV.Cp_s2",
    "poisson_REML_s-1",
    "poisson_GCV.Cp_s-1",
    "poisson_GACV.Cp_s-1",
    "poisson_P-REML_s-1",
    "poisson_GCV.Cp_s2",
    "poisson_REML_s2",
    "binomial_REML_s-1",
    "binomial_GCV.Cp_s-1",
    "gamma_REML_s0.25",
    "gamma_ML_s0.25",
    "gamma_GCV.Cp_s0.25",
    "quasipoisson_REML_s1.5",
    "quasipoisson_GCV.Cp_s1.5",
];

/// Fits where mgcv ignores the scale setting (Poisson and binomial under REML-type criteria).
const IGNORED: [&str; 4] = [
    "poisson_REML_s-1",
    "poisson_P-REML_s-1",
    "poisson_REML_s2",
    "binomial_REML_s-1",
];

fn spec(r: &Value) -> GamSpec {
    let family = Family::from_name(r["family"].as_str().unwrap()).unwrap();
    let link = Link::from_name(r["link"].as_str().unwrap()).unwrap();
    let mut spec = GamSpec::new(Formula::parse(r["formula"].as_str().unwrap()).unwrap()).with_family(family, link);
    spec.options.method = Method::parse(r["method"].as_str().unwrap()).unwrap();
    spec.options.scale = ScaleSetting::from_mgcv(num(&r["scale_arg"])).unwrap();
    spec.weights = r["weights"].as_str().map(str::to_string);
    spec
}

/// Relative difference, or the absolute one scaled to [`P_VALUE_REL_TOL`] below [`P_VALUE_FLOOR`].
fn p_value_err(ours: f64, theirs: f64) -> f64 {
    if theirs < P_VALUE_FLOOR {
        (ours - theirs).abs() / P_VALUE_FLOOR * P_VALUE_REL_TOL
    } else {
        (ours - theirs).abs() / theirs
    }
}

fn rel(ours: f64, theirs: f64) -> f64 {
    (ours - theirs).abs() / theirs.abs()
}

/// The line of a summary that holds the criterion and the scale.
fn criterion_line(text: &str) -> Option<String> {
    text.lines().find(|l| l.contains("Scale est.")).map(str::to_string)
}

/// A summary table row: its name, (statistic, ours, mgcv's), and the p-values, ours and mgcv's.
type TableRow<'a> = (&'a str, Vec<(&'static str, f64, f64)>, f64, f64);

/// Worst differences of one fit, for the table in the test output.
struct Worst {
    criterion: f64,
    edf: f64,
    fitted: f64,
    p_value: f64,
}

fn check(id: &str) -> (Vec<String>, Worst) {
    let r = read_json(&test_data().join(format!("known_scale/{id}.json")));
    let data = DataFrame::read_csv(&test_data().join(r["data"].as_str().unwrap())).unwrap();
    let model: GamModel = spec(&r).fit(&data).unwrap_or_else(|e| panic!("{id}: {e}"));
    let mut failures = Vec::new();
    let mut fail = |what: String| failures.push(format!("{id}: {what}"));

    if model.criterion_label() != r["criterion_name"].as_str().unwrap() {
        fail(format!(
            "criterion name {} (mgcv {})",
            model.criterion_label(),
            r["criterion_name"]
        ));
    }
    let mgcv_text = strings(&r["summary_text"]).join("\n");
    let ours_line = criterion_line(&SummaryText(&model).to_string());
    if ours_line != criterion_line(&mgcv_text) {
        fail(format!(
            "summary line {ours_line:?} (mgcv {:?})",
            criterion_line(&mgcv_text)
        ));
    }
    let estimated = r["scale_estimated"].as_bool().unwrap();
    if model.scale_estimated != estimated {
        fail(format!("scale estimated {} (mgcv {estimated})", model.scale_estimated));
    }
    let crit = num(&r["criterion"]);
    let crit_err = rel(model.reml_score, crit);
    if crit_err.is_nan() || crit_err > CRITERION_REL_TOL {
        fail(format!(
            "criterion {:.12} vs mgcv {crit:.12}: {crit_err:.2e}",
            model.reml_score
        ));
    }
    let scale_err = rel(model.scale, num(&r["scale"]));
    if scale_err.is_nan() || scale_err > SCALE_REL_TOL || (!estimated && scale_err != 0.0) {
        fail(format!("scale {} vs mgcv {}", model.scale, num(&r["scale"])));
    }
    if model.design.coef_names() != strings(&r["coefficients"]["names"]) {
        fail(format!("coefficient names {:?}", model.design.coef_names()));
    }
    let mut edf_err: f64 = 0.0;
    for (ours, s) in model.smooth_edf().iter().zip(r["smooths"].as_array().unwrap()) {
        let e = (ours - num(&s["edf"])).abs();
        edf_err = edf_err.max(e);
        if e.is_nan() || e > EDF_ABS_TOL {
            fail(format!("EDF of {}: {ours} vs mgcv {}", s["label"], num(&s["edf"])));
        }
    }
    let Some(Column::Numeric(y)) = data.column("y") else {
        panic!("{id}: no numeric y")
    };
    let fitted_ref = nums(&r["fitted"]);
    let first = data.select_rows(&(0..fitted_ref.len()).collect::<Vec<_>>());
    let ours_fitted = predictions(&model, &first, PredictType::Response);
    let mut fit_err: f64 = 0.0;
    for (i, f) in fitted_ref.iter().enumerate() {
        let e = (ours_fitted[i] - f).abs() / sd(y);
        fit_err = fit_err.max(e);
        if e.is_nan() || e > PRED_SD_TOL {
            fail(format!("fitted value {}: {} vs mgcv {f}", i + 1, ours_fitted[i]));
        }
    }
    // summary(b)$p.table and $s.table: z and χ² tests when the scale is known.
    let mut rows: Vec<TableRow<'_>> = Vec::new();
    for (row, m) in model.summary().parametric.iter().zip(r["p_table"].as_array().unwrap()) {
        let stats = vec![
            ("estimate", row.estimate, num(&m["estimate"])),
            ("std. error", row.se, num(&m["se"])),
            ("statistic", row.stat, num(&m["stat"])),
        ];
        rows.push((&row.name, stats, row.p_value, num(&m["p_value"])));
    }
    for (row, m) in model.summary().smooths.iter().zip(r["s_table"].as_array().unwrap()) {
        let stats = vec![
            ("Ref.df", row.ref_df, num(&m["ref_df"])),
            ("statistic", row.stat, num(&m["stat"])),
        ];
        rows.push((&row.label, stats, row.p_value, num(&m["p_value"])));
    }
    let mut p_err: f64 = 0.0;
    for (label, stats, p_ours, p_mgcv) in rows {
        for (what, ours, theirs) in stats {
            if rel(ours, theirs) > SUMMARY_REL_TOL {
                fail(format!("{what} of {label}: {ours} vs mgcv {theirs}"));
            }
        }
        let e = p_value_err(p_ours, p_mgcv);
        p_err = p_err.max(e);
        if e > P_VALUE_REL_TOL {
            fail(format!("p-value of {label}: {p_ours} vs mgcv {p_mgcv}"));
        }
    }
    // The table headers: `z value` and `Chi.sq` exactly when mgcv prints them.
    let ours_text = SummaryText(&model).to_string();
    for header in ["z value", "t value", "Chi.sq", "  F "] {
        if ours_text.contains(header) != mgcv_text.contains(header) {
            fail(format!(
                "summary header '{header}': ours {}",
                ours_text.contains(header)
            ));
        }
    }
    // A quasi family has no likelihood: mgcv's logLik and AIC are NA, ours NaN.
    if r["loglik"][0] == "NA" {
        if model.loglik.is_finite() || model.aic.is_finite() {
            fail(format!(
                "logLik {} and AIC {} of a quasi family",
                model.loglik, model.aic
            ));
        }
    } else {
        for (what, ours, theirs, tol) in [
            ("logLik", model.loglik, num(&r["loglik"]), LOGLIK_REL_TOL),
            (
                "AIC",
                model.aic,
                num(&r["aic"]),
                LOGLIK_DF_ABS_TOL * 2.0 / num(&r["aic"]).abs(),
            ),
        ] {
            if rel(ours, theirs).is_nan() || rel(ours, theirs) > tol {
                fail(format!("{what} {ours} vs mgcv {theirs}"));
            }
        }
    }
    if (model.loglik_df - num(&r["loglik_df"])).abs() > LOGLIK_DF_ABS_TOL {
        fail(format!(
            "logLik df {} vs mgcv {}",
            model.loglik_df,
            num(&r["loglik_df"])
        ));
    }
    let warned = model.warnings.iter().any(|w| w.contains("has no effect"));
    if warned != IGNORED.contains(&id) {
        fail(format!("warnings {:?}", model.warnings));
    }
    // What the summary needs travels with the model file.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.json");
    model.save(&path).unwrap();
    let back = GamModel::load(&path).unwrap();
    if SummaryText(&back).to_string() != ours_text || back.scale_estimated != model.scale_estimated {
        fail("summary after a model-file round trip".into());
    }
    (
        failures,
        Worst {
            criterion: crit_err,
            edf: edf_err,
            fitted: fit_err,
            p_value: p_err,
        },
    )
}

#[test]
fn known_and_estimated_scales_match_mgcv() {
    let mut failures = Vec::new();
    println!(
        "{:<26} {:>10} {:>9} {:>11} {:>9}",
        "fit", "crit rel", "EDF abs", "fitted/sd", "p rel"
    );
    for id in IDS {
        let (f, w) = check(id);
        println!(
            "{id:<26} {:>10.2e} {:>9.2e} {:>11.2e} {:>9.2e}",
            w.criterion, w.edf, w.fitted, w.p_value
        );
        failures.extend(f);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A known scale is no estimate: the Gaussian fit at φ = 2 differs from the default one (GCV
/// there, UBRE here), and an estimated scale for the Gaussian is its default, bit for bit.
#[test]
fn the_setting_changes_the_gaussian_fit_only_when_it_fixes_the_scale() {
    let data = DataFrame::read_csv(&test_data().join("known_scale/gaussian_n300.csv")).unwrap();
    let fit = |method: Method, scale: ScaleSetting| {
        let mut spec = GamSpec::new(Formula::parse("y ~ s(x0) + s(x1, bs = \"cr\")").unwrap());
        spec.options.method = method;
        spec.options.scale = scale;
        spec.fit(&data).unwrap()
    };
    for method in [Method::Reml, Method::GcvCp] {
        let default = fit(method, ScaleSetting::Default);
        let estimated = fit(method, ScaleSetting::Estimated);
        assert_eq!(default.coefficients, estimated.coefficients, "{method:?}");
        assert_eq!(default.reml_score, estimated.reml_score, "{method:?}");
        assert!(default.scale_estimated);
        let known = fit(method, ScaleSetting::Known(2.0));
        assert!(!known.scale_estimated);
        assert_eq!(known.scale, 2.0);
        assert_ne!(known.coefficients, default.coefficients, "{method:?}");
    }
    assert_eq!(fit(Method::GcvCp, ScaleSetting::Known(2.0)).criterion, "UBRE");
}

/// Settings that make no sense are refused with one line naming the option.
#[test]
fn bad_settings_are_refused() {
    let data = DataFrame::read_csv(&test_data().join("known_scale/poisson_n300.csv")).unwrap();
    let fit = |family: Family, link: Link, scale: ScaleSetting| {
        let mut spec =
            GamSpec::new(Formula::parse("y ~ s(x0) + s(x1, bs = \"cr\")").unwrap()).with_family(family, link);
        spec.options.scale = scale;
        spec.fit(&data).map(|_| ()).unwrap_err().to_string()
    };
    for v in [0.0, -2.0, f64::NAN, f64::INFINITY] {
        let e = fit(Family::Gaussian, Link::Identity, ScaleSetting::Known(v));
        assert!(e.contains("scale") && e.contains("above 0") && !e.contains('\n'), "{e}");
    }
    let e = fit(Family::NegativeBinomial, Link::Log, ScaleSetting::Estimated);
    assert!(e.contains("scale") && e.contains("nb") && !e.contains('\n'), "{e}");
}

/// A cached fit with a known (or an estimated Poisson) scale passes the cache's check of its
/// optimum (criterion and gradient recomputed at the cached smoothing parameters) and is found
/// again; a fit at another scale is not.
#[test]
fn cached_fits_at_a_given_scale_verify_and_are_found_again() {
    use gam::expert::cache::{CacheOptions, StartSource, fit_cached};
    use gam::expert::fit::NoObserver;
    use gam::expert::warmstart::{StoreOptions, WarmStartStore};
    let cache_dir = tempfile::tempdir().unwrap();
    let store = WarmStartStore::open(cache_dir.path().to_path_buf(), StoreOptions::default()).unwrap();
    let opts = CacheOptions { verify: true };
    for id in [
        "gaussian_REML_s2",
        "gaussian_GCV.Cp_s2",
        "gamma_GCV.Cp_s0.25",
        "poisson_GCV.Cp_s-1",
    ] {
        let r = read_json(&test_data().join(format!("known_scale/{id}.json")));
        let data = DataFrame::read_csv(&test_data().join(r["data"].as_str().unwrap())).unwrap();
        let spec = spec(&r);
        let first = fit_cached(&spec, &data, Some(&store), &opts, &mut NoObserver).unwrap();
        assert_eq!(first.source, StartSource::Cold, "{id}");
        let again = fit_cached(&spec, &data, Some(&store), &opts, &mut NoObserver).unwrap();
        assert_eq!(again.source, StartSource::ExactHit, "{id}");
        assert_eq!(again.verified, Some(true), "{id}");
        assert_eq!(again.model.coefficients, first.model.coefficients, "{id}");
        let mut other = spec.clone();
        other.options.scale = ScaleSetting::Known(0.5);
        let third = fit_cached(&other, &data, Some(&store), &opts, &mut NoObserver).unwrap();
        assert_ne!(third.source, StartSource::ExactHit, "{id}");
    }
}

/// A damage to a model file: its name, the edit, a phrase the refusal must contain.
type Edit = (&'static str, fn(&mut Value), &'static str);

/// A known scale travels with the model file (`scale`, `scale_estimated`, the criterion), and the
/// loader refuses a file whose scale disagrees with its criterion: a UBRE fit with an estimated
/// scale, a GCV fit with a known one, a known scale other than the criterion's.
#[test]
fn the_model_file_keeps_the_known_scale_and_refuses_disagreements() {
    let dir = tempfile::tempdir().unwrap();
    let r = read_json(&test_data().join("known_scale/gaussian_GCV.Cp_s2.json"));
    let data = DataFrame::read_csv(&test_data().join(r["data"].as_str().unwrap())).unwrap();
    let model = spec(&r).fit(&data).unwrap();
    let path = dir.path().join("ubre.json");
    model.save(&path).unwrap();
    let back = GamModel::load(&path).unwrap();
    assert_eq!(back, model);
    assert_eq!(
        (back.criterion.as_str(), back.scale, back.scale_estimated),
        ("UBRE", 2.0, false)
    );
    let value: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let edits: [Edit; 3] = [
        (
            "estimated",
            |v| v["scale_estimated"] = true.into(),
            "a UBRE fit of the gaussian family with the scale estimated",
        ),
        (
            "gcv",
            |v| v["criterion"] = "GCV".into(),
            "a GCV fit of the gaussian family with the scale known",
        ),
        (
            "reml_scale",
            |v| v["reml_scale"] = 3.0.into(),
            "the known scale is 2 but the criterion's scale is 3",
        ),
    ];
    for (name, edit, needle) in edits {
        let mut v = value.clone();
        edit(&mut v);
        let p = dir.path().join(format!("{name}.json"));
        std::fs::write(&p, serde_json::to_vec(&v).unwrap()).unwrap();
        let e = GamModel::load(&p).unwrap_err().to_string();
        assert!(e.contains(needle) && !e.contains('\n'), "{name}: {e}");
    }
}
