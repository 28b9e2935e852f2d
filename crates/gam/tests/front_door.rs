//! The front door (issue 12), through the crate root only: a spec is checked
//! as it is built (formula, family × link, default links), weights give the
//! expert API's fit, fits on two threads give the fits made alone, `exclude`
//! removes a term from the prediction and its standard error as mgcv does,
//! a response-scale prediction is the inverse link of the link-scale one, a
//! model survives JSON and files and a damaged one is refused, and the
//! frame's logical and text columns fit as mgcv fits them.
//!
//! `gam::expert` appears twice, where the front door has nothing to compare
//! with: the expert spec of a weighted fit, and the model matrix (mgcv's
//! `lpmatrix`) from which the standard error of an `exclude` prediction is
//! computed independently.

mod common;

use std::sync::Barrier;

use common::front::{Columns, bits, columns};
use gam::{
    Cache, CvOptions, CvReport, Family, FitOptions, FittedGam, Frame, FrameBuilder, Gam, GamError, Link, Matrix,
    PredictOptions, PredictType, Prediction, SmoothInfo, StartSource,
};

// Compile-time: everything at the root that a binding would move to or share
// with another thread (a Python binding releases the GIL while it fits).
const _: () = {
    const fn send_and_sync<T: Send + Sync>() {}
    send_and_sync::<Gam>();
    send_and_sync::<FittedGam>();
    send_and_sync::<Frame>();
    send_and_sync::<FrameBuilder>();
    send_and_sync::<Cache>();
    send_and_sync::<FitOptions>();
    send_and_sync::<PredictOptions>();
    send_and_sync::<Prediction>();
    send_and_sync::<SmoothInfo>();
    send_and_sync::<Matrix>();
    send_and_sync::<StartSource>();
    send_and_sync::<CvOptions>();
    send_and_sync::<CvReport>();
    send_and_sync::<GamError>();
    send_and_sync::<gam::SummaryText<'static>>();
};

/// Rows of the synthetic data: quick fits, enough for smooths with k = 10.
const N: usize = 400;

/// Agreement of two computations of one number that differ only in the
/// order of floating-point operations.
const ROUNDING_TOL: f64 = 1e-12;

/// The Gaussian model: two smooths and a factor.
const GAUSSIAN: &str = "y ~ s(x) + s(z, bs = \"cr\") + g";

/// The Poisson model.
const POISSON: &str = "count ~ s(x, k = 8) + z + g";

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= ROUNDING_TOL * a.abs().max(b.abs()).max(1.0)
}

fn gaussian(data: &Columns) -> FittedGam {
    Gam::new(GAUSSIAN)
        .unwrap()
        .fit(&data.frame())
        .expect("the Gaussian fit")
}

fn poisson_spec() -> Gam {
    Gam::new(POISSON).unwrap().family(Family::Poisson)
}

/// What two fits must share to be the same fit, as bits.
fn outcome(f: &FittedGam) -> (Vec<u64>, Vec<u64>, Vec<u64>, u64, u64, u64) {
    (
        bits(f.coefficients()),
        bits(f.smoothing_parameters()),
        bits(f.edf()),
        f.criterion().to_bits(),
        f.scale().to_bits(),
        f.deviance().to_bits(),
    )
}

// ---- spec checks (item 1) ----

#[test]
fn a_formula_that_does_not_parse_is_a_formula_error() {
    match Gam::new("y ~ s(x") {
        Err(GamError::Formula { formula, .. }) => assert_eq!(formula, "y ~ s(x"),
        other => panic!("expected GamError::Formula, got {other:?}"),
    }
}

#[test]
fn a_link_the_family_does_not_take_is_refused_when_the_spec_is_built() {
    let e = Gam::new("y ~ s(x)")
        .unwrap()
        .family(Family::Binomial)
        .link(Link::Inverse)
        .unwrap_err();
    match &e {
        GamError::LinkMismatch { family, link, links } => {
            assert_eq!((family.as_str(), link.as_str()), ("binomial", "inverse"));
            assert!(links.iter().any(|l| l == "logit"), "{links:?}");
        }
        other => panic!("expected GamError::LinkMismatch, got {other:?}"),
    }
    assert_eq!(e.to_string().lines().count(), 1, "{e}");
}

#[test]
fn each_family_starts_with_its_canonical_link() {
    let spec = Gam::new("y ~ s(x)").unwrap();
    assert_eq!(
        (spec.distribution(), spec.link_function()),
        (Family::Gaussian, Link::Identity)
    );
    let spec = spec.family(Family::Poisson);
    assert_eq!(spec.link_function(), Link::Log);
    // A link chosen before the family is replaced by the new family's default.
    let spec = spec.link(Link::Sqrt).unwrap().family(Family::Binomial);
    assert_eq!(spec.link_function(), Link::Logit);
}

#[test]
fn a_weighted_fit_is_the_expert_apis_fit_of_the_same_spec() {
    use gam::expert::data::{Column, DataFrame};
    use gam::expert::formula::Formula;
    use gam::expert::model::GamSpec;
    let data = columns(N);
    let formula = "y ~ s(x) + s(z, bs = \"cr\")";
    let front = Gam::new(formula)
        .unwrap()
        .weights("w")
        .fit(&data.frame())
        .expect("the weighted fit");
    let frame = DataFrame::new(vec![
        ("x".to_string(), Column::Numeric(data.x.clone())),
        ("z".to_string(), Column::Numeric(data.z.clone())),
        ("w".to_string(), Column::Numeric(data.w.clone())),
        ("y".to_string(), Column::Numeric(data.y.clone())),
    ])
    .unwrap();
    let mut spec = GamSpec::new(Formula::parse(formula).unwrap());
    spec.weights = Some("w".to_string());
    let expert: FittedGam = spec.fit(&frame).expect("the expert fit").into();
    assert_eq!(outcome(&front), outcome(&expert));
    // And the weights mattered.
    let unweighted = Gam::new(formula).unwrap().fit(&data.frame()).unwrap();
    assert_ne!(bits(front.coefficients()), bits(unweighted.coefficients()));
}

// ---- thread safety (item 7) ----

#[test]
fn two_fits_on_two_threads_equal_the_same_fits_one_after_the_other() {
    let data = columns(N);
    let frame = data.frame();
    let (g_spec, p_spec) = (Gam::new(GAUSSIAN).unwrap(), poisson_spec());
    let alone = (
        outcome(&g_spec.fit(&frame).unwrap()),
        outcome(&p_spec.fit(&frame).unwrap()),
    );
    assert_ne!(alone.0.0, alone.1.0, "two different fits");
    // Once without a cache, once both through one cache (each fit cold: the
    // directory is new): the cache shared between threads changes nothing.
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path()).unwrap();
    for (round, (g, p)) in [
        (g_spec.clone(), p_spec.clone()),
        (g_spec.cache(&cache), p_spec.cache(&cache)),
    ]
    .into_iter()
    .enumerate()
    {
        let start = Barrier::new(2);
        let (fit, start) = (&frame, &start);
        let together = std::thread::scope(|s| {
            let a = s.spawn(move || {
                start.wait();
                g.fit(fit).expect("the Gaussian fit")
            });
            let b = s.spawn(move || {
                start.wait();
                p.fit(fit).expect("the Poisson fit")
            });
            (a.join().expect("Gaussian thread"), b.join().expect("Poisson thread"))
        });
        assert_eq!(outcome(&together.0), alone.0, "round {round}: Gaussian");
        assert_eq!(outcome(&together.1), alone.1, "round {round}: Poisson");
        if round == 1 {
            assert_eq!(together.0.source(), Some(&StartSource::Cold));
            assert_eq!(together.1.source(), Some(&StartSource::Cold));
        }
    }
}

// ---- prediction options (item 1) ----

/// The model matrix of `frame`'s rows (mgcv's `lpmatrix`), as rows.
fn lp_matrix(fitted: &FittedGam, data: &Columns) -> Vec<Vec<f64>> {
    use gam::expert::data::{Column, DataFrame, FactorColumn};
    let frame = DataFrame::new(vec![
        ("x".to_string(), Column::Numeric(data.x.clone())),
        ("z".to_string(), Column::Numeric(data.z.clone())),
        (
            "g".to_string(),
            Column::Factor(FactorColumn::from_values(data.g.iter().map(|&g| Some(g)))),
        ),
    ])
    .unwrap();
    let (x, _offset) = fitted.model().lp_matrix(&frame).expect("the model matrix");
    (0..x.nrows())
        .map(|i| (0..x.ncols()).map(|j| x[(i, j)]).collect())
        .collect()
}

#[test]
fn excluding_a_term_removes_its_contribution_and_its_columns_from_the_standard_error() {
    let data = columns(N);
    let fitted = gaussian(&data);
    let frame = data.frame();
    let full = fitted
        .predict(
            &frame,
            &PredictOptions {
                se: true,
                terms: true,
                ..Default::default()
            },
        )
        .unwrap();
    let without = fitted
        .predict(
            &frame,
            &PredictOptions {
                se: true,
                terms: true,
                exclude: vec!["s(x)".to_string()],
                ..Default::default()
            },
        )
        .unwrap();
    let terms = full.terms.as_ref().expect("asked for");
    let sx = &terms.iter().find(|(l, _)| l == "s(x)").expect("the s(x) term").1;
    assert_eq!(without.fit.len(), N);
    for (i, ((&w, &f), &c)) in without.fit.iter().zip(&full.fit).zip(sx).enumerate() {
        assert!(close(w, f - c), "row {i}: {w} vs {}", f - c);
    }
    // The excluded term is not among the terms of the prediction; the others are unchanged.
    let left = without.terms.as_ref().expect("asked for");
    let others: Vec<_> = terms.iter().filter(|(l, _)| l != "s(x)").cloned().collect();
    assert_eq!(left, &others);

    // se = sqrt(x_i' Vp x_i) with s(x)'s columns of x_i set to zero, from
    // the covariance and the term's coefficient range.
    let range = fitted
        .smooths()
        .into_iter()
        .find(|s| s.label == "s(x)")
        .unwrap()
        .coefficients;
    let vp = fitted.covariance();
    let p = fitted.coefficients().len();
    assert_eq!((vp.rows, vp.cols), (p, p));
    let se = without.se_fit.as_ref().expect("asked for");
    let se_full = full.se_fit.as_ref().expect("asked for");
    for (i, mut row) in lp_matrix(&fitted, &data).into_iter().enumerate() {
        let quad = |row: &[f64]| -> f64 {
            (0..p)
                .map(|a| (0..p).map(|b| row[a] * vp.data[a * p + b] * row[b]).sum::<f64>())
                .sum::<f64>()
        };
        assert!(close(se_full[i], quad(&row).sqrt()), "row {i}: full se");
        row[range.clone()].fill(0.0);
        assert!(
            close(se[i], quad(&row).sqrt()),
            "row {i}: se {} vs {}",
            se[i],
            quad(&row).sqrt()
        );
    }
    assert!(
        (0..N).any(|i| (se[i] - se_full[i]).abs() > 1e-3 * se_full[i]),
        "the exclusion changed the SE"
    );
}

#[test]
fn excluding_an_unknown_term_is_an_error_naming_the_models_terms() {
    let data = columns(N);
    let fitted = gaussian(&data);
    let e = fitted
        .predict(
            &data.frame(),
            &PredictOptions {
                exclude: vec!["s(w)".to_string()],
                ..Default::default()
            },
        )
        .unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, GamError::Term { ref term, .. } if term == "s(w)"), "{e:?}");
    for label in ["s(x)", "s(z)", "g"] {
        assert!(msg.contains(label), "message lacks {label}: {msg}");
    }
    assert_eq!(msg.lines().count(), 1, "{msg}");
}

#[test]
fn a_response_scale_prediction_is_the_inverse_link_of_the_link_scale_one() {
    let data = columns(N);
    let fitted = poisson_spec().fit(&data.frame()).expect("the Poisson fit");
    assert_eq!(fitted.link(), Link::Log);
    let frame = data.frame();
    let link = fitted
        .predict(
            &frame,
            &PredictOptions {
                se: true,
                ..Default::default()
            },
        )
        .unwrap();
    let response = fitted
        .predict(
            &frame,
            &PredictOptions {
                kind: PredictType::Response,
                se: true,
                ..Default::default()
            },
        )
        .unwrap();
    let (se_eta, se_mu) = (link.se_fit.unwrap(), response.se_fit.unwrap());
    for i in 0..N {
        let mu = link.fit[i].exp();
        assert!(
            close(response.fit[i], mu),
            "row {i}: {} vs exp({})",
            response.fit[i],
            link.fit[i]
        );
        // The delta method: dμ/dη = μ for the log link.
        assert!(close(se_mu[i], mu * se_eta[i]), "row {i}: se");
    }
}

// ---- JSON and files (item 1) ----

#[test]
fn json_round_trips_to_the_same_model() {
    let fitted = gaussian(&columns(N));
    let json = fitted.to_json().unwrap();
    let back = FittedGam::from_json(&json).expect("the JSON loads");
    assert_eq!(back.model(), fitted.model());
    assert_eq!(bits(back.coefficients()), bits(fitted.coefficients()));
    assert_eq!(back.summary().to_string(), fitted.summary().to_string());
    assert_eq!(back.to_json().unwrap(), json);
    assert_eq!(back.source(), None, "a model from JSON was not fitted here");
}

#[test]
fn a_json_model_with_a_coefficient_too_few_is_refused() {
    let fitted = gaussian(&columns(N));
    let mut doc: serde_json::Value = serde_json::from_str(&fitted.to_json().unwrap()).unwrap();
    let coefficients = doc["coefficients"].as_array_mut().expect("a coefficient array");
    coefficients.pop();
    let e = FittedGam::from_json(&doc.to_string()).unwrap_err();
    assert!(matches!(e, GamError::Model { .. }), "{e:?}");
    assert_eq!(e.to_string().lines().count(), 1, "{e}");
}

#[test]
fn a_saved_and_loaded_model_predicts_as_the_original() {
    let data = columns(N);
    let fitted = gaussian(&data);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.json");
    fitted.save(&path).unwrap();
    let loaded = FittedGam::load(&path).unwrap();
    let new = Frame::builder()
        .numeric("x", vec![0.1, 0.5, 0.9])
        .numeric("z", vec![0.3, 0.6, 0.2])
        .factor("g", [Some("c"), Some("a"), Some("b")])
        .build()
        .unwrap();
    let options = PredictOptions {
        se: true,
        terms: true,
        ..Default::default()
    };
    assert_eq!(
        loaded.predict(&new, &options).unwrap(),
        fitted.predict(&new, &options).unwrap()
    );
    assert_eq!(loaded.summary().to_string(), fitted.summary().to_string());
}

// ---- frames (item 1) ----

#[test]
fn a_logical_column_gets_mgcvs_coefficient_name() {
    let data = columns(N);
    let fitted = Gam::new("y ~ s(x) + ok").unwrap().fit(&data.frame()).unwrap();
    let names = fitted.coefficient_names();
    assert_eq!(names[..2], ["(Intercept)", "okTRUE"]);
    // The data shift y by 0.4 where ok is true.
    assert!(
        (fitted.coefficients()[1] - 0.4).abs() < 0.2,
        "{}",
        fitted.coefficients()[1]
    );
    // New data whose logical is always TRUE (a frame with one level) predicts
    // as the same rows of the training data: levels are matched by name.
    let rows: Vec<usize> = (0..N).filter(|&i| data.ok[i]).take(3).collect();
    let new = Frame::builder()
        .numeric("x", rows.iter().map(|&i| data.x[i]).collect::<Vec<_>>())
        .logical("ok", rows.iter().map(|_| Some(true)))
        .build()
        .unwrap();
    let all = fitted.predict(&data.frame(), &PredictOptions::default()).unwrap();
    let some = fitted.predict(&new, &PredictOptions::default()).unwrap();
    assert_eq!(
        bits(&some.fit),
        bits(&rows.iter().map(|&i| all.fit[i]).collect::<Vec<_>>())
    );
}

#[test]
fn a_text_column_fits_as_the_same_values_read_from_csv_as_a_factor() {
    let data = columns(N);
    let dir = tempfile::tempdir().unwrap();
    let from_csv = Frame::read_csv(data.write_csv(dir.path()), &Default::default()).unwrap();
    let text = Frame::builder()
        .numeric("x", data.x.clone())
        .numeric("z", data.z.clone())
        .text("g", data.g.iter().map(|&g| Some(g)))
        .logical("ok", data.ok.iter().map(|&b| Some(b)))
        .numeric("y", data.y.clone())
        .build()
        .unwrap();
    assert_eq!(text.factor("g"), from_csv.factor("g"));
    let spec = Gam::new("y ~ s(x) + g + ok").unwrap();
    let (a, b) = (spec.fit(&text).unwrap(), spec.fit(&from_csv).unwrap());
    assert_eq!(outcome(&a), outcome(&b));
    assert_eq!(a.coefficient_names(), b.coefficient_names());
    assert_eq!(a.coefficient_names()[1..4], ["gb", "gc", "okTRUE"]);
    assert_eq!(a.summary().to_string(), b.summary().to_string());
}

#[test]
fn a_logical_column_that_is_always_true_is_refused_as_the_same_values_read_from_csv() {
    let data = columns(N);
    let memory = Frame::builder()
        .numeric("x", data.x.clone())
        .numeric("y", data.y.clone())
        .logical("ok", data.x.iter().map(|_| Some(true)))
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("x,y,ok\n");
    for (x, y) in data.x.iter().zip(&data.y) {
        text.push_str(&format!("{x},{y},TRUE\n"));
    }
    let path = dir.path().join("constant.csv");
    std::fs::write(&path, text).unwrap();
    let csv = Frame::read_csv(&path, &Default::default()).unwrap();
    assert_eq!(memory, csv, "the same frame either way");
    // R: "contrasts can be applied only to factors with 2 or more levels";
    // not an aliased intercept from a level no row has.
    let spec = Gam::new("y ~ s(x) + ok").unwrap();
    let (a, b) = (spec.fit(&memory).unwrap_err(), spec.fit(&csv).unwrap_err());
    assert!(matches!(&a, GamError::Term { term, .. } if term == "ok"), "{a:?}");
    assert_eq!(a.to_string(), b.to_string());
}

#[test]
fn an_empty_frame_is_refused_as_empty() {
    let frame = Frame::builder()
        .numeric("x", Vec::new())
        .numeric("y", Vec::new())
        .build()
        .unwrap();
    let e = Gam::new("y ~ s(x)").unwrap().fit(&frame).unwrap_err();
    assert!(matches!(e, GamError::Data { row: None, .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        "column 'y, x': the data has no rows: a model needs data to be fitted to"
    );
}

#[test]
fn new_data_for_a_model_reads_its_factors_as_factors() {
    let n = 90;
    let x: Vec<f64> = (0..n).map(|i| i as f64 / n as f64).collect();
    let codes: Vec<String> = (0..n).map(|i| format!("{}", i % 3 + 1)).collect();
    let y: Vec<f64> = (0..n)
        .map(|i| (6.0 * x[i]).sin() + (i % 3) as f64 + 0.1 * (((i * 7919) % 17) as f64 / 17.0 - 0.5))
        .collect();
    let frame = Frame::builder()
        .numeric("x", x.clone())
        .factor("g", codes.iter().map(|c| Some(c.as_str())))
        .numeric("y", y)
        .build()
        .unwrap();
    let fitted = Gam::new("y ~ s(x) + g").unwrap().fit(&frame).unwrap();
    // New data with the district codes written as bare numbers.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.csv");
    let mut text = String::from("x,g\n");
    for i in 0..n {
        text.push_str(&format!("{},{}\n", x[i], codes[i]));
    }
    std::fs::write(&path, text).unwrap();
    assert!(
        Frame::read_csv(&path, &Default::default())
            .unwrap()
            .numeric("g")
            .is_some()
    );
    let new = fitted.read_csv(&path).unwrap();
    assert!(new.factor("g").is_some(), "g read as the model's factor");
    let options = PredictOptions {
        se: true,
        ..Default::default()
    };
    let from_file = fitted.predict(&new, &options).unwrap();
    let in_memory = fitted.predict(&frame, &options).unwrap();
    assert_eq!(bits(&from_file.fit), bits(&in_memory.fit));
}
