//! Issue 16, item 3: every new smooth class (fs, sz, re of several
//! covariates, ordered-factor `by`, `id`, 1-D and 2-D `ad`, `gp`, `ds`, `bs`,
//! `cp`, `mrf`, `t2`, `te` with a 2-D margin) under the criteria and
//! families its own fidelity test does not use: Gaussian ML and GCV.Cp,
//! Poisson ML and UBRE, Gamma(log) GACV.Cp and P-REML, and REML for binomial,
//! Gamma, nb, tw and quasipoisson data — against mgcv 1.8-41 fits made by
//! `tests/data/i16_matrix/make_reference.R` on one data set of our own.
//!
//! Each fit is compared by [`common::setup_ref::check_fit`] (names, classes,
//! null spaces, criterion, EDF, linear predictor, predictions and standard
//! errors on new data, at the tolerances stated there) and, for nb and tw,
//! the estimated family parameter.
//!
//! **Flat criteria.** Where a smooth is nearly in its penalty's null space
//! (a smoothing parameter in the thousands or more), the criterion barely
//! moves along that smoothing parameter and the two optimisers stop at
//! different points of the flat stretch: the criterion agrees to 1e-6, but
//! fitted values move by up to a few 1e-3·sd. Those fits ([`FLAT`]) are
//! checked in two steps: the free fit's criterion (and family parameter)
//! against mgcv's, then a refit at mgcv's smoothing parameters (and family
//! parameter), which must match everything at the usual tolerances. Two fits
//! ([`OTHER_OPTIMUM`]) end in another local optimum than mgcv's; they get
//! the refit only, and the test asserts on which side of mgcv's our
//! criterion lies, so a change in that is seen.
#![allow(clippy::print_stdout)]

mod common;

use common::cases::{data, test_data};
use common::json::{num, nums, read_json};
use common::setup_ref::{check_fit, spec};
use common::tol::REML_REL_TOL;
use gam::expert::family::{Family, Param};
use gam::{Method, ScaleSetting};

/// nb's θ and tw's p, relative: they move with the smoothing parameters,
/// which mgcv's optimiser fixes to about 1e-5 relative.
const THETA_REL_TOL: f64 = 1e-4;

const SETTINGS: [&str; 11] = [
    "gauss_ML",
    "gauss_GCV",
    "pois_ML",
    "pois_UBRE",
    "gamma_GACV",
    "gamma_PREML",
    "binom",
    "gamma",
    "nb",
    "tw",
    "quasi",
];

/// Fits on a flat stretch of the criterion (see the module doc): ours and
/// mgcv's fitted values differ by more than the tolerance allows, the
/// criterion by at most 1e-6 relative. Mostly nb and tw fits, where the
/// family parameter is one more optimised direction.
const FLAT: [&str; 14] = [
    "ad_gauss_GCV",
    "ad_nb",
    // Once in another optimum (7.6e-4 worse); since tw's starting weights use mgcv's starting
    // power p = 1.5 (session 14) it reaches mgcv's, criterion within 3e-7.
    "ad_tw",
    "ad2_tw",
    "cp_nb",
    "ds_nb",
    "id_nb",
    "id_tw",
    "mrf_tw",
    "ordby_tw",
    "sz_tw",
    "t2_nb",
    "ted_nb",
    "ted_tw",
];

/// Fits that end in another local optimum than mgcv's, with the sign of
/// ours minus mgcv's criterion: a Gaussian GCV fit where mgcv's `magic`
/// stops on a plateau (ours is better by 1.1e-4).
const OTHER_OPTIMUM: [(&str, f64); 1] = [("sz_gauss_GCV", -1.0)];

/// Fits every setting of `class`, checks each (collecting the failures so
/// that one run shows them all), and prints our fit time beside mgcv's.
fn class(class: &str) {
    let mut train = data("i16_matrix/m16_n400.csv");
    let mut new = data("i16_matrix/m16_new.csv");
    for d in [&mut train, &mut new] {
        d.make_ordered("ofac").unwrap();
    }
    let mut failures = Vec::new();
    for setting in SETTINGS {
        let id = format!("{class}_{setting}");
        let outcome = std::panic::catch_unwind(|| {
            let r = read_json(&test_data().join(format!("i16_matrix/{id}.json")));
            let mut spec = spec(&r);
            spec.options.method = Method::parse(r["method"].as_str().unwrap()).unwrap();
            let t0 = std::time::Instant::now();
            let model = spec.fit(&train).unwrap_or_else(|e| panic!("{id}: {e}"));
            let secs = t0.elapsed().as_secs_f64();
            let theta = r["theta"].is_array().then(|| num(&r["theta"]));
            let flat = FLAT.contains(&id.as_str());
            let other = OTHER_OPTIMUM.iter().find(|(o, _)| *o == id).map(|(_, sign)| *sign);
            if flat || other.is_some() {
                let crit = num(&r["criterion"]);
                let rel = (model.reml_score - crit) / crit.abs();
                match other {
                    None => assert!(rel.abs() <= REML_REL_TOL, "{id}: criterion {rel:.2e} relative"),
                    Some(sign) => assert!(
                        rel * sign > REML_REL_TOL,
                        "{id}: criterion {rel:.2e} relative: no longer the other optimum listed in OTHER_OPTIMUM"
                    ),
                }
                println!("{id:22} free fit: criterion {rel:+.1e} relative; refit at mgcv's smoothing parameters:");
                let mut fixed = spec.clone();
                // One per smoothing parameter: terms with one id share one (mgcv's `sp`).
                fixed.options.sp = Some(nums(&r["sp"]));
                if let Some(t) = theta {
                    let fixed_family = match model.family {
                        Family::NegativeBinomial => Family::NegBinFixed(Param(t)),
                        Family::Tweedie => Family::TweedieFixed(Param(t)),
                        other => panic!("{id}: a family parameter for {other:?}"),
                    };
                    fixed = fixed.with_family(fixed_family, model.link);
                    // Tweedie(p) estimates its scale otherwise than tw() does: fixed at
                    // mgcv's, the REML criterion and Vp are tw()'s at that scale.
                    if model.family == Family::Tweedie {
                        fixed.options.scale = ScaleSetting::Known(num(&r["scale"]));
                    }
                }
                let at_mgcv = fixed.fit(&train).unwrap_or_else(|e| panic!("{id}: {e}"));
                check_fit(&id, &r, &at_mgcv, &train, Some(&new));
            } else {
                check_fit(&id, &r, &model, &train, Some(&new));
            }
            if let (Some(theta), None) = (theta, other) {
                let ours = model.theta.first().copied().unwrap_or(f64::NAN);
                let e = (ours - theta).abs() / theta.abs();
                assert!(
                    e < THETA_REL_TOL,
                    "{id}: family parameter {ours} vs mgcv {theta} ({e:.1e})"
                );
            }
            println!(
                "{id:22} fit {:.1} ms (mgcv {:.1} ms)",
                secs * 1e3,
                num(&r["mgcv_seconds"]) * 1e3
            );
        });
        if let Err(e) = outcome {
            let text = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            failures.push(format!("{id}: {text}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn factor_smooth_interactions_fs() {
    class("fs");
}

#[test]
fn sum_to_zero_factor_smooths_sz() {
    class("sz");
}

#[test]
fn random_slopes_re() {
    class("re2");
}

#[test]
fn ordered_factor_by() {
    class("ordby");
}

#[test]
fn shared_smoothing_parameters_id() {
    class("id");
}

#[test]
fn adaptive_one_covariate() {
    class("ad");
}

#[test]
fn adaptive_two_covariates() {
    class("ad2");
}

#[test]
fn gaussian_process() {
    class("gp");
}

#[test]
fn duchon() {
    class("ds");
}

#[test]
fn b_splines() {
    class("bs");
}

#[test]
fn cyclic_p_splines() {
    class("cp");
}

#[test]
fn markov_random_field() {
    class("mrf");
}

#[test]
fn t2_tensor() {
    class("t2");
}

#[test]
fn te_with_a_two_covariate_margin() {
    class("ted");
}
