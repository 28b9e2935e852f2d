//! Fidelity on features no public benchmark case covers — `ti()`, a 2-D thin
//! plate spline, `te()` with thin plate margins, cyclic splines, a numeric
//! `by` variable, an offset and a model without intercept — against mgcv
//! 1.8-41 references made by `tests/data/extra/make_extra_refs.R`.

mod common;

use common::cases::{bench_dir, test_data};
use common::json::{num, nums, read_json, sd};
use common::tol::{EDF_ABS_TOL, PRED_SD_TOL, REML_REL_TOL, SE_REL_TOL};
use gam::expert::data::DataFrame;
use gam::expert::formula::Formula;
use gam::expert::model::GamSpec;
use gam::expert::predict::{PredictOptions, PredictType};

fn check(id: &str) {
    let reference = read_json(&test_data().join(format!("extra/{id}.json")));
    let data = DataFrame::read_csv(&bench_dir().join("data").join(reference["data"].as_str().unwrap())).unwrap();
    let formula = Formula::parse(reference["formula"].as_str().unwrap()).unwrap();
    let response = match &formula.response {
        gam::expert::formula::Response::Column(c) => c.clone(),
        _ => unreachable!("Gaussian references only"),
    };
    let model = GamSpec::new(formula).fit(&data).unwrap();

    let reml = num(&reference["reml_score"]);
    let rel = (model.reml_score - reml).abs() / reml.abs();
    assert!(
        rel <= REML_REL_TOL,
        "{id}: REML {} vs mgcv {reml} (rel {rel:.1e})",
        model.reml_score
    );
    let edf_total = num(&reference["edf_total"]);
    assert!(
        (model.edf_total() - edf_total).abs() <= EDF_ABS_TOL,
        "{id}: total EDF {} vs mgcv {edf_total}",
        model.edf_total()
    );
    let ours = model.smooth_edf();
    for (i, s) in reference["smooths"].as_array().unwrap().iter().enumerate() {
        let label = s["label"].as_str().unwrap();
        assert_eq!(model.design.smooths[i].label, label, "{id}: term order");
        let edf = num(&s["edf"]);
        assert!(
            (ours[i] - edf).abs() <= EDF_ABS_TOL,
            "{id}: {label} EDF {} vs mgcv {edf}",
            ours[i]
        );
    }

    let y = data.column(&response).unwrap().as_numeric().unwrap();
    let sd = sd(y);
    let pred = model
        .predict(
            &data,
            &PredictOptions {
                kind: PredictType::Link,
                se: true,
                terms: false,
                ..Default::default()
            },
        )
        .unwrap();
    let se = pred.se_fit.unwrap();
    for (i, (&f, &s)) in nums(&reference["fitted"])
        .iter()
        .zip(&nums(&reference["se"]))
        .enumerate()
    {
        assert!(
            (pred.fit[i] - f).abs() <= PRED_SD_TOL * sd,
            "{id}: fitted[{i}] {} vs mgcv {f}",
            pred.fit[i]
        );
        assert!(
            (se[i] - s).abs() <= SE_REL_TOL * s,
            "{id}: se[{i}] {} vs mgcv {s}",
            se[i]
        );
    }
}

#[test]
fn ti_with_main_effects() {
    check("ti_main_effects");
}

#[test]
fn thin_plate_in_two_dimensions() {
    check("tp_2d");
}

#[test]
fn tensor_product_with_thin_plate_margins() {
    check("te_tp_margins");
}

#[test]
fn cyclic_spline_and_numeric_by_variable() {
    check("cc_and_numeric_by");
}

#[test]
fn offset_and_no_intercept() {
    check("offset_no_intercept");
}
