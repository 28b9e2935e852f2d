//! Fidelity of the smoothing controls (issue 13 item 4) against mgcv 1.8-41 references made by
//! `tests/data/controls/make_reference.R`: smoothing parameters fixed per term (`s(x, sp = )`,
//! `te(..., sp = c(, ))`), for the model (mgcv's `sp =`, negative entries estimated, all fixed),
//! `min.sp`, and families with a fixed parameter or a quasi-likelihood.
//!
//! Per case: mgcv's criterion (`gcv.ubre`), scale, per-smooth EDF, coefficient names, the fixed
//! smoothing parameters (exactly) and the estimated ones, fitted values on the first 100 rows.
#![allow(clippy::print_stdout)]

#[macro_use]
mod common;

use common::cases::test_data;
use common::json::{num, nums, read_json, sd, strings};
use common::tol::{EDF_ABS_TOL, PRED_SD_TOL, REML_REL_TOL};
use gam::expert::data::{DataFrame, ReadOptions};
use gam::expert::family::family_and_link;
use gam::expert::formula::Formula;
use gam::expert::model::{Family, GamModel, GamSpec, Link};
use gam::expert::predict::{PredictOptions, PredictType};
use gam::expert::report::summary_lines;
use serde_json::Value;

/// Scale estimate, relative (as tests/family_fidelity.rs).
const SCALE_REL_TOL: f64 = 1e-4;
/// Estimated smoothing parameters, relative: the criterion is flat in them near the optimum.
const SP_REL_TOL: f64 = 1e-2;
/// Fixed smoothing parameters are used as given.
const FIXED_SP_REL_TOL: f64 = 1e-14;

/// The family and link of a reference, as a user gives them (`--family`, `--link`).
fn family_of(r: &Value) -> (Family, Link) {
    let (family, link) = match r["family_call"].as_str().unwrap() {
        "Tweedie(1.25, link = power(0.1))" => ("Tweedie(1.25)", Some("power(0.1)")),
        call => (call.trim_end_matches("()"), None),
    };
    family_and_link(family, link).unwrap_or_else(|e| panic!("{}: {e}", r["id"]))
}

fn opt_nums(v: &Value) -> Option<Vec<f64>> {
    (!v.is_null()).then(|| nums(v))
}

/// Fits a reference case; returns the model, its data and the worst differences found.
fn fit(r: &Value) -> (GamModel, DataFrame) {
    let path = test_data().join("controls").join(r["data"].as_str().unwrap());
    let data = DataFrame::read_csv_with(&path, &ReadOptions::default()).unwrap();
    let (family, link) = family_of(r);
    let mut spec = GamSpec::new(Formula::parse(r["formula"].as_str().unwrap()).unwrap()).with_family(family, link);
    spec.weights = r["weights"].as_str().map(str::to_string);
    spec.options.sp = opt_nums(&r["sp_arg"]);
    spec.options.min_sp = opt_nums(&r["min_sp_arg"]);
    let model = spec.fit(&data).unwrap_or_else(|e| panic!("{}: {e}", r["id"]));
    (model, data)
}

/// Worst differences of one case, for the report.
#[derive(Default, Debug)]
struct Worst {
    criterion_rel: f64,
    edf_abs: f64,
    fitted_sd: f64,
}

fn check(id: &str) -> Worst {
    let r = read_json(&test_data().join(format!("controls/{id}.json")));
    let (model, data) = fit(&r);
    let mut failures = Vec::new();
    let mut worst = Worst::default();
    let mut fail = |what: String| failures.push(format!("{id}: {what}"));

    let crit = num(&r["criterion"]);
    worst.criterion_rel = (model.reml_score - crit).abs() / crit.abs();
    if worst.criterion_rel > REML_REL_TOL {
        fail(format!("criterion {} vs mgcv {crit}", model.reml_score));
    }
    let scale = num(&r["scale"]);
    if (model.scale - scale).abs() > SCALE_REL_TOL * scale {
        fail(format!("scale {} vs mgcv {scale}", model.scale));
    }
    // AIC and logLik's df: edf2 over the smoothing parameters the outer iteration moved.
    match r["aic"][0].as_str() {
        Some("NA") => {
            if !model.aic.is_nan() {
                fail(format!("AIC {} where mgcv has NA (a quasi-likelihood)", model.aic));
            }
        }
        _ => {
            let aic = num(&r["aic"]);
            if (model.aic - aic).abs() > SCALE_REL_TOL * aic.abs() {
                fail(format!("AIC {} vs mgcv {aic}", model.aic));
            }
        }
    }
    let df = num(&r["loglik_df"]);
    worst.edf_abs = worst.edf_abs.max((model.loglik_df - df).abs());
    if (model.loglik_df - df).abs() > EDF_ABS_TOL {
        fail(format!("logLik df {} vs mgcv {df}", model.loglik_df));
    }
    let ours = model.smooth_edf();
    for (i, s) in r["smooths"].as_array().unwrap().iter().enumerate() {
        assert_eq!(
            model.design.smooths[i].label,
            s["label"].as_str().unwrap(),
            "{id}: term order"
        );
        let d = (ours[i] - num(&s["edf"])).abs();
        worst.edf_abs = worst.edf_abs.max(d);
        if d > EDF_ABS_TOL {
            fail(format!("EDF of {}: {} vs mgcv {}", s["label"], ours[i], num(&s["edf"])));
        }
    }
    let names = strings(&r["coefficients"]["names"]);
    assert_eq!(model.design.coef_names(), names, "{id}: coefficient names");

    // Smoothing parameters: ours are the totals (sp + min.sp).
    let min_sp = opt_nums(&r["min_sp_arg"]).unwrap_or_else(|| vec![0.0; model.sp.len()]);
    let full = nums(&r["full_sp"]);
    assert_eq!(model.sp.len(), full.len(), "{id}: number of smoothing parameters");
    let fixed = fixed_sp(&r, &model);
    for j in 0..full.len() {
        let ours = model.sp[j] - min_sp[j];
        match fixed[j] {
            Some(v) if (model.sp[j] - min_sp[j] - v).abs() > FIXED_SP_REL_TOL * v.max(1.0) => {
                fail(format!("fixed sp {j}: {ours} vs {v}"))
            }
            // A minimum dominates: mgcv's part above it is close to 0 along a flat direction.
            None if min_sp[j] == 0.0 && (ours - full[j]).abs() > SP_REL_TOL * full[j] => {
                fail(format!("sp {j}: {ours} vs mgcv {}", full[j]))
            }
            _ => {}
        }
    }

    let mu_ref = nums(&r["fitted"]);
    let first = data.select_rows(&(0..mu_ref.len()).collect::<Vec<_>>());
    let opts = PredictOptions {
        kind: PredictType::Response,
        ..Default::default()
    };
    let pred = model.predict(&first, &opts).unwrap();
    let response = r["formula"].as_str().unwrap().split('~').next().unwrap().trim();
    let y_sd = sd(data.column(response).and_then(|c| c.as_numeric()).unwrap());
    for (i, (ours, mgcv)) in pred.fit.iter().zip(&mu_ref).enumerate() {
        let d = (ours - mgcv).abs() / y_sd;
        worst.fitted_sd = worst.fitted_sd.max(d);
        if d > PRED_SD_TOL {
            fail(format!("fitted row {}: {ours} vs mgcv {mgcv}", i + 1));
        }
    }
    // The summary as mgcv prints it, where the numbers agree to the digits printed.
    let ours = summary_lines(&model);
    let theirs: Vec<&str> = r["summary_text"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    if ours.len() < theirs.len() {
        fail(format!("summary has {} lines, mgcv's {}", ours.len(), theirs.len()));
    }
    for (a, b) in ours.iter().zip(&theirs) {
        if a != b {
            fail(format!("summary line:\n  ours: {a}\n  mgcv: {b}"));
        }
    }
    println!("{id}: {worst:?}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    worst
}

/// The smoothing parameters the reference fixed: the model's `sp` argument's non-negative
/// entries, overridden by the terms' `sp =` (read back from our design).
fn fixed_sp(r: &Value, model: &GamModel) -> Vec<Option<f64>> {
    let mut out: Vec<Option<f64>> = opt_nums(&r["sp_arg"])
        .unwrap_or_else(|| vec![-1.0; model.sp.len()])
        .into_iter()
        .map(|v| (v >= 0.0).then_some(v))
        .collect();
    let mut k = 0;
    for s in &model.design.smooths {
        for (i, v) in s.spec.sp.iter().enumerate() {
            out[k + i] = (v.0 >= 0.0).then_some(v.0);
        }
        k += s.penalties.len();
    }
    out
}

macro_rules! cases {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                check(stringify!($name));
            }
        )*
    };
}

cases!(
    term_sp_s,
    term_sp_te,
    model_sp_negative,
    model_sp_and_term_sp,
    all_sp_gaussian,
    all_sp_poisson,
    min_sp_gaussian,
    min_sp_poisson,
    negbin3,
    tweedie125_log,
    tweedie125_power01,
    quasipoisson,
    quasibinomial,
);

/// Fits `formula` to the Gaussian reference data with `sp` / `min.sp`; the error's text.
fn refusal(formula: &str, sp: Option<Vec<f64>>, min_sp: Option<Vec<f64>>) -> String {
    let path = test_data().join("controls/gaussian_n300.csv");
    let data = DataFrame::read_csv(&path).unwrap();
    let mut spec = GamSpec::new(Formula::parse(formula).unwrap());
    spec.options.sp = sp;
    spec.options.min_sp = min_sp;
    match spec.fit(&data) {
        Ok(_) => panic!("{formula}: fitted"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn bad_smoothing_controls_are_refused_naming_the_count_and_terms() {
    let f = "y ~ s(x0) + te(x1, x2)";
    assert_eq!(
        refusal(f, Some(vec![0.1, 1.0]), None),
        "sp: 2 values given, one per smoothing parameter is needed (the model has 3: s(x0), te(x1,x2)1, \
         te(x1,x2)2); negative values are estimated"
    );
    assert_eq!(
        refusal(f, None, Some(vec![0.1])),
        "min.sp: 1 values given, one per smoothing parameter is needed (the model has 3: s(x0), te(x1,x2)1, \
         te(x1,x2)2)"
    );
    assert_eq!(
        refusal(f, None, Some(vec![0.1, -1.0, 0.0])),
        "min.sp: -1 is not allowed: minimum smoothing parameters must be finite and >= 0"
    );
    assert_eq!(
        refusal(f, Some(vec![0.1, f64::NAN, 0.0]), None),
        "sp: NaN is not a number: give a value >= 0 to fix, negative to estimate"
    );
    assert_eq!(
        refusal("y ~ s(x0) + te(x1, x2, sp = 0.5)", None, None),
        "term te(x1,x2): sp has 1 value but the term has 2 smoothing parameters"
    );
}

#[test]
fn a_zero_sp_is_mgcvs_effective_zero_and_fixed_values_survive_a_reload() {
    let path = test_data().join("controls/gaussian_n300.csv");
    let data = DataFrame::read_csv(&path).unwrap();
    let mut spec = GamSpec::new(Formula::parse("y ~ s(x0) + s(x1, sp = 3)").unwrap());
    spec.options.sp = Some(vec![0.0, -1.0]);
    let model = spec.fit(&data).unwrap();
    // Effectively unpenalised: the smooth uses (almost) all its 9 degrees of freedom.
    assert!(model.sp[0] > 0.0 && model.sp[0] < 1e-12, "{}", model.sp[0]);
    assert!(model.smooth_edf()[0] > 8.99, "{:?}", model.smooth_edf());
    assert!((model.sp[1] - 3.0).abs() < FIXED_SP_REL_TOL * 3.0, "{}", model.sp[1]);
    let again = GamModel::from_json_bytes(model.to_json().unwrap().as_bytes(), &path).unwrap();
    assert_eq!(again.design.smooths[1].spec.sp, model.design.smooths[1].spec.sp);
    assert_eq!(again.sp, model.sp);
}

#[test]
fn a_model_file_with_a_wrong_number_of_term_sps_is_refused() {
    let data = DataFrame::read_csv(&test_data().join("controls/gaussian_n300.csv")).unwrap();
    let model = GamSpec::new(Formula::parse("y ~ s(x0, sp = 0.5) + s(x1)").unwrap())
        .fit(&data)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.json");
    model.save(&path).unwrap();
    assert_eq!(GamModel::load(&path).unwrap(), model);
    let mut v: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let sp = v
        .pointer_mut("/design/smooths/0/spec/sp")
        .expect("the term's sp is saved");
    sp.as_array_mut().unwrap().push(Value::from(1.0));
    std::fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
    let err = GamModel::load(&path).unwrap_err().to_string();
    assert!(
        err.contains("term s(x0): 2 fixed smoothing parameters for 1 penalties"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1);
}

#[test]
fn a_model_file_with_an_impossible_fixed_family_parameter_is_refused() {
    let r = read_json(&test_data().join("controls/tweedie125_power01.json"));
    let (model, _) = fit(&r);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.json");
    model.save(&path).unwrap();
    assert_eq!(GamModel::load(&path).unwrap(), model);
    let v: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(v["family"], serde_json::json!({"Tweedie": 1.25}), "the file records p");
    assert_eq!(v["link"], serde_json::json!({"power": 0.1}), "and q");
    for (pointer, bad, needle) in [
        ("/family/Tweedie", 2.5, "the Tweedie family's fixed parameter is 2.5"),
        ("/link/power", -1.0, "the power link's exponent is -1"),
    ] {
        let mut w = v.clone();
        *w.pointer_mut(pointer).unwrap() = Value::from(bad);
        std::fs::write(&path, serde_json::to_vec(&w).unwrap()).unwrap();
        let err = GamModel::load(&path).unwrap_err().to_string();
        assert!(err.contains(needle), "{err}");
    }
}

#[test]
fn quasibinomial_takes_a_cbind_response_as_proportions_with_trials() {
    let r = read_json(&test_data().join("controls/quasibinomial.json"));
    let (by_weights, data) = fit(&r);
    let prop = data.column("prop").and_then(|c| c.as_numeric()).unwrap();
    let trials = data.column("trials").and_then(|c| c.as_numeric()).unwrap();
    let x0 = data.column("x0").and_then(|c| c.as_numeric()).unwrap();
    let x1 = data.column("x1").and_then(|c| c.as_numeric()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cbind.csv");
    let mut text = String::from("succ,fail,x0,x1\n");
    for i in 0..prop.len() {
        let s = (prop[i] * trials[i]).round();
        text.push_str(&format!("{s},{},{:e},{:e}\n", trials[i] - s, x0[i], x1[i]));
    }
    std::fs::write(&path, text).unwrap();
    let cbind = DataFrame::read_csv(&path).unwrap();
    let (family, link) = family_and_link("quasibinomial", None).unwrap();
    let model = GamSpec::new(Formula::parse("cbind(succ, fail) ~ s(x0) + s(x1)").unwrap())
        .with_family(family, link)
        .fit(&cbind)
        .unwrap();
    let rel = (model.reml_score - by_weights.reml_score).abs() / by_weights.reml_score.abs();
    assert!(rel < REML_REL_TOL, "{} vs {}", model.reml_score, by_weights.reml_score);
    assert!((model.scale - by_weights.scale).abs() < SCALE_REL_TOL * by_weights.scale);
}
