//! Formula expressions (issue 13 item 1) against mgcv 1.8-41: transforms in
//! the response (`log(y)`, `sqrt(y)`, `I(succ/ntr)`), in parametric terms
//! (`I(z^2)`, `log10(a)`, `pmin(z, 0.8)`), as smooth covariates
//! (`s(log(x))`, `te(sqrt(a), b)`), in `offset(log(expo))` and `by =`;
//! `factor()`, `ordered()` and an ordered column; parametric interactions
//! with R's contrasts (`fac*z`, `fac:z`, `fac/z`, `(a + b + c)^2 - a:c`,
//! factor × factor, no intercept); a binomial response given as a factor and
//! as a logical. References: `tests/data/expressions/make_reference.R`.
//!
//! Per model: the REML criterion (mgcv's `gcv.ubre`), each smooth's EDF,
//! the coefficient names (exactly, in order), the fitted linear predictor
//! and mean, and `predict.gam` on new data (link and response) — new data
//! that go through the same transforms.

#![allow(non_snake_case, clippy::print_stdout)]

mod common;

use common::cases::test_data;
use common::json::{num, nums, read_json, sd};
use common::tol::{EDF_ABS_TOL, PRED_SD_TOL, REML_REL_TOL};
use gam::expert::data::{DataFrame, ReadOptions};
use gam::expert::formula::Formula;
use gam::expert::model::{Family, GamModel, GamSpec};
use gam::expert::predict::{PredictOptions, PredictType};
use gam::{CsvOptions, Frame, Gam};
use serde_json::Value;

/// The column the reference script reads as an ordered factor (`--ordered grade`).
const ORDERED: &str = "grade";

fn read(file: &str) -> DataFrame {
    let path = test_data().join("expressions").join(file);
    let mut data = DataFrame::read_csv_with(
        &path,
        &ReadOptions {
            factors: vec![ORDERED.into()],
        },
    )
    .unwrap();
    data.make_ordered(ORDERED).unwrap();
    data
}

fn reference(id: &str) -> Value {
    read_json(&test_data().join(format!("expressions/{id}.json")))
}

fn fit(r: &Value, train: &DataFrame) -> GamModel {
    let family = Family::from_name(r["family"].as_str().unwrap()).unwrap();
    let mut spec = GamSpec::new(Formula::parse(r["formula"].as_str().unwrap()).unwrap())
        .with_family(family, family.canonical_link());
    spec.weights = r["weights"].as_str().map(str::to_string);
    spec.fit(train).unwrap_or_else(|e| panic!("{}: {e}", r["id"]))
}

/// Worst differences, for the report.
#[derive(Debug, Default)]
struct Worst {
    criterion_rel: f64,
    edf: f64,
    fitted_sd: f64,
    predict_sd: f64,
}

fn compare(what: &str, ours: &[f64], mgcv: &[f64], failures: &mut Vec<String>) -> f64 {
    assert_eq!(ours.len(), mgcv.len(), "{what}: lengths");
    let spread = sd(mgcv).max(f64::MIN_POSITIVE);
    let mut worst: f64 = 0.0;
    for (i, (o, m)) in ours.iter().zip(mgcv).enumerate() {
        let err = (o - m).abs() / spread;
        worst = worst.max(err);
        if err.is_nan() || err > PRED_SD_TOL {
            failures.push(format!("{what} row {}: ours {o}, mgcv {m} ({err:.2e} sd)", i + 1));
        }
    }
    worst
}

fn check(id: &str) {
    let r = reference(id);
    let train = read("train.csv");
    let newdata = read("newdata.csv");
    let model = fit(&r, &train);
    let mut failures = Vec::new();
    let mut worst = Worst::default();

    let mgcv_names: Vec<&str> = r["coef_names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(model.design.coef_names(), mgcv_names, "{id}: coefficient names");

    let reml = num(&r["reml_score"]);
    worst.criterion_rel = (model.reml_score - reml).abs() / reml.abs();
    if worst.criterion_rel.is_nan() || worst.criterion_rel > REML_REL_TOL {
        failures.push(format!("REML: ours {}, mgcv {reml}", model.reml_score));
    }
    let edf = model.smooth_edf();
    for (i, s) in r["smooths"].as_array().unwrap().iter().enumerate() {
        assert_eq!(
            model.design.smooths[i].label,
            s["label"].as_str().unwrap(),
            "{id}: smooth labels"
        );
        let err = (edf[i] - num(&s["edf"])).abs();
        worst.edf = worst.edf.max(err);
        if err.is_nan() || err > EDF_ABS_TOL {
            failures.push(format!(
                "EDF of {}: ours {}, mgcv {}",
                s["label"],
                edf[i],
                num(&s["edf"])
            ));
        }
    }

    let link = PredictOptions {
        kind: PredictType::Link,
        ..Default::default()
    };
    let response = PredictOptions {
        kind: PredictType::Response,
        ..Default::default()
    };
    let fitted_eta = model.predict(&train, &link).unwrap().fit;
    let fitted_mu = model.predict(&train, &response).unwrap().fit;
    worst.fitted_sd = compare(
        "linear predictor",
        &fitted_eta,
        &nums(&r["linear_predictor"]),
        &mut failures,
    )
    .max(compare("fitted mean", &fitted_mu, &nums(&r["fitted"]), &mut failures));
    let new_eta = model.predict(&newdata, &link).unwrap().fit;
    let new_mu = model.predict(&newdata, &response).unwrap().fit;
    worst.predict_sd = compare("new-data link", &new_eta, &nums(&r["predict_link"]), &mut failures).max(compare(
        "new-data response",
        &new_mu,
        &nums(&r["predict_response"]),
        &mut failures,
    ));
    println!("{id}: {worst:?}");
    assert!(failures.is_empty(), "{id}:\n{}", failures.join("\n"));
}

macro_rules! cases {
    ($($id:ident),* $(,)?) => {
        $(
            #[test]
            fn $id() {
                check(stringify!($id));
            }
        )*
    };
}

cases!(
    log_response_smooth_log,
    te_sqrt_I_power,
    poisson_offset_log,
    fac_times_z,
    fac_slopes,
    factor_numeric,
    ordered_numeric,
    ordered_column,
    power_minus,
    nested,
    factor_by_factor,
    no_intercept,
    by_expression,
    misc_functions,
    binomial_factor_response,
    binomial_logical_response,
    binomial_proportion,
);

/// The front door: fit, save, load, read new data as the model reads it,
/// predict — the transforms are applied to the new data after the round trip.
#[test]
fn front_door_predicts_new_data_through_the_transforms_after_a_round_trip() {
    let r = reference("fac_times_z");
    let dir = test_data().join("expressions");
    let train = Frame::read_csv(dir.join("train.csv"), &CsvOptions::default()).unwrap();
    let fitted = Gam::new(r["formula"].as_str().unwrap()).unwrap().fit(&train).unwrap();
    let tmp = std::env::temp_dir().join(format!("gam-expr-{}.json", std::process::id()));
    fitted.save(&tmp).unwrap();
    let loaded = gam::FittedGam::load(&tmp).unwrap();
    std::fs::remove_file(&tmp).unwrap();
    let newdata = loaded.read_csv(dir.join("newdata.csv")).unwrap();
    let p = loaded.predict(&newdata, &PredictOptions::default()).unwrap();
    let mut failures = Vec::new();
    compare(
        "front-door new-data link",
        &p.fit,
        &nums(&r["predict_link"]),
        &mut failures,
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(loaded.coefficient_names(), fitted.coefficient_names());
}

/// New data where an expression cannot be evaluated: an error naming the
/// derived column and the row, never a NaN prediction.
#[test]
fn a_transform_that_fails_on_new_data_names_the_row() {
    let r = reference("log_response_smooth_log");
    let model = fit(&r, &read("train.csv"));
    let mut newdata = read("newdata.csv");
    let mut x = newdata.column("x").unwrap().as_numeric().unwrap().to_vec();
    x[6] = -1.0;
    newdata.set_column("x", gam::expert::data::Column::Numeric(x)).unwrap();
    let err = model
        .predict(&newdata, &PredictOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("log(x)") && err.contains("row 7") && err.contains("log() of -1"),
        "{err}"
    );
    // The response is not needed for prediction, even though log(y) reads it.
    assert!(!model.predictor_columns().contains(&"y".to_string()));
}
