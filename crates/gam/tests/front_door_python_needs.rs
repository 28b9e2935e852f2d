//! The front door's calls that a Python binding needs (issue 14, design note
//! §1 "Gaps"), through the crate root only: error kinds a binding maps to
//! its exception classes, the columns a model reads, factors with given
//! levels, the cache status, options from strings, observed
//! cross-validation, the model matrix, predictions of rows with missing
//! values, unused levels, fitted values and residuals.

mod common;

use common::front::{bits, columns};
use gam::{ErrorKind, Family, Frame, Gam, GamError, PredictOptions};

/// Rows of the synthetic data: quick fits, enough for smooths with k = 10.
const N: usize = 400;

// ---- error kinds (G7) ----

#[test]
fn each_kind_of_failure_reached_through_the_front_door_has_its_error_kind() {
    let data = columns(N);
    let frame = data.frame();
    let kind = |e: GamError| e.kind();
    assert_eq!(kind(Gam::new("y ~ s(x").unwrap_err()), ErrorKind::Formula);
    let unknown = Gam::new("y ~ s(nope)").unwrap().fit(&frame).unwrap_err();
    assert_eq!((unknown.kind(), unknown.column()), (ErrorKind::Data, Some("nope")));
    let link = Gam::new("y ~ s(x)")
        .unwrap()
        .family(Family::Binomial)
        .link(gam::Link::Inverse)
        .unwrap_err();
    assert_eq!(link.kind(), ErrorKind::Option);
    // A smooth of a factor: the column is the problem.
    let factor = Gam::new("y ~ s(g)").unwrap().fit(&frame).unwrap_err();
    assert_eq!(
        (factor.kind(), factor.column()),
        (ErrorKind::Data, Some("g")),
        "{factor}"
    );
    // More basis functions than data: a term that cannot be built, a formula kind.
    let term = Gam::new("y ~ s(x, k = 500)").unwrap().fit(&frame).unwrap_err();
    assert!(matches!(term, GamError::Term { .. }), "{term:?}");
    assert_eq!(term.kind(), ErrorKind::Formula, "{term}");
    // Perfect separation: a fit that cannot be computed.
    let separated = Frame::builder()
        .numeric("x", data.x.clone())
        .numeric(
            "b",
            data.x.iter().map(|&x| f64::from(u8::from(x > 0.5))).collect::<Vec<_>>(),
        )
        .build()
        .unwrap();
    let fit = Gam::new("b ~ x")
        .unwrap()
        .family(Family::Binomial)
        .fit(&separated)
        .unwrap_err();
    assert_eq!(fit.kind(), ErrorKind::Fit, "{fit}");
    let missing = gam::FittedGam::load("/nonexistent/model.json").unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::Io, "{missing}");
    let bad = gam::FittedGam::from_json("{}").unwrap_err();
    assert_eq!(bad.kind(), ErrorKind::Model, "{bad}");
    let formula = Gam::new("y ~ s(x) + * z").unwrap_err();
    assert!(formula.position().is_some(), "{formula}");
}

#[test]
fn a_bad_row_in_a_cross_validation_fold_keeps_its_data_kind_row_and_column() {
    let mut data = columns(N);
    data.count[17] = -1.0;
    let frame = Frame::builder()
        .numeric("x", data.x.clone())
        .numeric("count", data.count.clone())
        .build()
        .unwrap();
    let spec = Gam::new("count ~ s(x)").unwrap().family(Family::Poisson);
    let e = spec.cross_validate(&frame, &gam::CvOptions::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Data, "{e}");
    assert_eq!(e.column(), Some("count"), "{e}");
    assert_eq!(e.row(), Some(18), "{e}");
}

// ---- the columns a model reads (G1, G2) ----

#[test]
fn a_spec_lists_the_columns_it_reads_and_fits_on_those_alone() {
    let data = columns(N);
    let spec = Gam::new("y ~ s(x) + log(z + 1) + g").unwrap().weights("w");
    assert_eq!(spec.columns(), ["y", "x", "z", "g", "w"]);
    assert_eq!(spec.response_columns(), ["y"]);
    let binomial = Gam::new("cbind(a, b) ~ s(x, by = g) + offset(o)").unwrap();
    assert_eq!(binomial.columns(), ["a", "b", "x", "g", "o"]);
    assert_eq!(binomial.response_columns(), ["a", "b"]);
    // A frame of exactly those columns gives the fit of the whole frame.
    let only = Frame::builder()
        .numeric("y", data.y.clone())
        .numeric("x", data.x.clone())
        .numeric("z", data.z.clone())
        .factor("g", data.g.iter().map(|&g| Some(g)))
        .numeric("w", data.w.clone())
        .build()
        .unwrap();
    let (a, b) = (spec.fit(&only).unwrap(), spec.fit(&data.frame()).unwrap());
    assert_eq!(bits(a.coefficients()), bits(b.coefficients()));
}

#[test]
fn a_fitted_model_lists_the_columns_new_data_needs_and_which_are_factors() {
    let data = columns(N);
    let fitted = Gam::new("y ~ s(x) + log(z + 1) + g + s(x, by = ok)")
        .unwrap()
        .fit(&data.frame())
        .unwrap();
    assert_eq!(fitted.predictor_columns(), ["x", "z", "g", "ok"]);
    assert_eq!(fitted.factor_columns(), ["g", "ok"]);
    // Those columns alone predict.
    let new = Frame::builder()
        .numeric("x", data.x.clone())
        .numeric("z", data.z.clone())
        .factor("g", data.g.iter().map(|&g| Some(g)))
        .logical("ok", data.ok.iter().map(|&b| Some(b)))
        .build()
        .unwrap();
    let p = fitted.predict(&new, &PredictOptions::default()).unwrap();
    assert_eq!(p.fit.len(), N);
}

