//! Smooths linked by `id =` (issue 16): one basis set up from the pooled
//! covariates of the linked terms, and one smoothing parameter per penalty
//! shared by them, against mgcv 1.8-41 references made by
//! `tests/data/id/make_reference.R`: the model matrix and penalties of
//! `gam(..., fit = FALSE)` (G$X, G$S), its `L`, and the REML fit (score,
//! smoothing parameters, EDF per smooth, fitted values, predictions with
//! standard errors on new data).
#![allow(clippy::print_stdout)]

mod common;

use common::cases::data;
use common::setup_ref::check;
use gam::GamError;
use gam::expert::formula::Formula;
use gam::expert::model::GamSpec;

#[test]
fn two_thin_plate_smooths_share_a_basis_and_a_smoothing_parameter() {
    check("id", "id_tp");
}

#[test]
fn a_later_term_is_built_as_a_copy_of_the_first_with_its_id() {
    check("id", "id_clone");
}

#[test]
fn the_levels_of_a_factor_by_with_an_id_share_one_smoothing_parameter() {
    check("id", "id_by");
}

#[test]
fn tensor_products_with_an_id_share_each_margin_s_parameter() {
    check("id", "id_te");
}

#[test]
fn a_poisson_model_with_linked_smooths_matches_mgcv() {
    check("id", "id_pois");
}

#[test]
fn linked_smooths_must_match_in_covariates_and_kind() {
    let train = data("id/id_n300.csv");
    for (formula, part) in [
        (
            "y ~ s(x, id = 1) + s(z, w, id = 1)",
            "must have the same number of covariates",
        ),
        (
            "y ~ te(x, z, id = 1) + s(x, w, id = 1)",
            "must be the same kind of smooth",
        ),
        (
            "y ~ s(x, id = 1) + s(fac, bs = \"re\", id = 1)",
            "needs a numeric column",
        ),
        (
            "y ~ s(fac, bs = \"re\", id = 1) + s(x, fac, bs = \"re\", id = 2)",
            "a term of factors can not share it",
        ),
    ] {
        let e = GamSpec::new(Formula::parse(formula).unwrap()).fit(&train).unwrap_err();
        assert!(
            matches!(e, GamError::Term { .. } | GamError::Data { .. }),
            "{formula}: {e}"
        );
        let text = e.to_string();
        assert!(text.contains(part) && !text.contains('\n'), "{formula}: {text}");
    }
    // mgcv's `sp` takes one value per shared smoothing parameter.
    let f = Formula::parse("y ~ s(x, id = 1) + s(z, id = 1)").unwrap();
    let with_sp = |sp: Vec<f64>| {
        let mut s = GamSpec::new(f.clone());
        s.options.sp = Some(sp);
        s
    };
    let fixed = with_sp(vec![0.5]).fit(&train).unwrap();
    assert_eq!(fixed.sp, [0.5, 0.5]);
    let e = with_sp(vec![0.5, 0.5]).fit(&train).unwrap_err();
    assert!(e.to_string().contains("terms with one id share one"), "{e}");
}
