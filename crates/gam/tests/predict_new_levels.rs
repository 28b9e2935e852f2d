//! Prediction refuses factor levels the model never saw, naming the row,
//! whether the factor is a parametric term or a smooth's `by` variable.

use gam::expert::data::{Column, DataFrame, FactorColumn};
use gam::expert::formula::Formula;
use gam::expert::model::GamSpec;
use gam::expert::predict::PredictOptions;

fn frame(x: &[f64], g: &[&str], y: &[f64]) -> DataFrame {
    DataFrame::new(vec![
        ("x".to_string(), Column::Numeric(x.to_vec())),
        (
            "g".to_string(),
            Column::Factor(FactorColumn::from_values(g.iter().map(|v| Some(*v)))),
        ),
        ("y".to_string(), Column::Numeric(y.to_vec())),
    ])
    .unwrap()
}

fn training() -> DataFrame {
    let n = 120;
    let x: Vec<f64> = (0..n).map(|i| i as f64 / n as f64).collect();
    let g: Vec<&str> = (0..n).map(|i| if i % 2 == 0 { "a" } else { "b" }).collect();
    // A deterministic wiggle per level plus a small deterministic "noise".
    let y: Vec<f64> = (0..n)
        .map(|i| {
            let s = if i % 2 == 0 { 1.0 } else { -1.0 };
            s * (6.0 * x[i]).sin() + 0.1 * ((i * 7919 % 101) as f64 / 101.0 - 0.5)
        })
        .collect();
    frame(&x, &g, &y)
}

#[test]
fn unseen_by_level_is_an_error_naming_the_row() {
    let f = Formula::parse("y ~ g + s(x, by = g, k = 5)").unwrap();
    let model = GamSpec::new(f).fit(&training()).unwrap();
    let ok = frame(&[0.3, 0.6], &["a", "b"], &[0.0, 0.0]);
    assert_eq!(model.predict(&ok, &PredictOptions::default()).unwrap().fit.len(), 2);
    // Only the by-smooth sees the level: without the parametric g term.
    let f = Formula::parse("y ~ s(x, by = g, k = 5)").unwrap();
    let model = GamSpec::new(f).fit(&training()).unwrap();
    let new = frame(&[0.3, 0.6, 0.9], &["a", "b", "c"], &[0.0; 3]);
    let err = model.predict(&new, &PredictOptions::default()).unwrap_err().to_string();
    assert!(
        err.contains("row 3") && err.contains("'c'") && err.contains("'g'"),
        "{err}"
    );
}

#[test]
fn unseen_parametric_level_is_an_error() {
    let f = Formula::parse("y ~ g + s(x, k = 5)").unwrap();
    let model = GamSpec::new(f).fit(&training()).unwrap();
    let new = frame(&[0.3, 0.6], &["a", "z"], &[0.0; 2]);
    let err = model.predict(&new, &PredictOptions::default()).unwrap_err().to_string();
    assert!(err.contains("row 2") && err.contains('z'), "{err}");
}
