//! Tensor products with margins of several covariates (`te(x, z, w, d =
//! c(2, 1))`) and `ti()` margins left uncentred (`mc =`), issue 16, against
//! mgcv 1.8-41's setup (G$X, G$S) and REML fits made by
//! `tests/data/tensor_d/make_reference.R`; see [`common::setup_ref`].
#![allow(clippy::print_stdout)]

mod common;

use common::cases::data;
use common::setup_ref::check;
use gam::expert::formula::Formula;
use gam::expert::model::GamSpec;

#[test]
fn a_thin_plate_margin_of_two_covariates_times_a_cubic_spline() {
    check("tensor_d", "te_d21");
}

#[test]
fn default_dimensions_are_five_to_the_margin_s_covariates_and_its_spline_a_thin_plate() {
    check("tensor_d", "te_d12_default");
}

#[test]
fn a_ti_margin_left_uncentred_keeps_its_main_effect() {
    check("tensor_d", "ti_mc");
}

#[test]
fn a_poisson_ti_with_a_two_covariate_margin() {
    check("tensor_d", "ti_d21_pois");
}

#[test]
fn a_margin_of_several_covariates_needs_a_basis_that_takes_them() {
    let train = data("id/id_n300.csv");
    let e = GamSpec::new(Formula::parse("y ~ te(x, z, w, d = c(2, 1), bs = c(\"cc\", \"cr\"))").unwrap())
        .fit(&train)
        .unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("margin 1 takes 2 covariates; bs = \"cc\" smooths one"),
        "{text}"
    );
    assert!(!text.contains('\n'), "{text}");
}

/// Fit times of the reference models (median of 11 fits each, dense linear
/// algebra on the calling thread as the binaries run it), for comparison with
/// mgcv's (`mgcv_seconds`, the mean of 10 in `make_reference.R`). Run alone:
/// `--ignored --nocapture --exact time_reference_fits`.
#[test]
#[ignore = "timing, not a check"]
fn time_reference_fits() {
    for id in ["te_d21", "te_d12_default", "ti_mc", "ti_d21_pois"] {
        let r = common::json::read_json(&common::cases::test_data().join(format!("tensor_d/{id}.json")));
        let ours = common::setup_ref::median_fit_ms(&r, 11);
        println!(
            "TIME {id}: {:.1} ms (mgcv {:.1} ms)",
            ours,
            common::json::num(&r["mgcv_seconds"]) * 1e3
        );
    }
}
