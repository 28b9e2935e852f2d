//! Fidelity of mgcv's basis options of issue 13 against mgcv 1.8-41 references made by
//! `tests/data/bases_i13/make_reference.R`: `select = TRUE`, the shrinkage bases `"ts"` and
//! `"cs"`, user knots for `cr`, `cc` (the period's ends or all knots), `ps` and `tp`,
//! `m = c(2, 0)` (a thin plate smooth without its null space), and thin plate smooths with more
//! unique covariate values than `max.knots` (mgcv's knot sample, `xt = list(max.knots, seed)`).
//!
//! Per case: the criterion (mgcv's `gcv.ubre`, REML), per-term EDF, coefficient names, the
//! linear predictor on the training rows (first 300), smoothing parameter names, and for the
//! knots cases predictions on new data (also outside the knots, where cc wraps around).
#![allow(clippy::print_stdout)]

#[macro_use]
mod common;

use std::collections::BTreeMap;

use common::cases::test_data;
use common::json::{num, nums, read_json, strings};
use common::tol::{EDF_ABS_TOL, PRED_SD_TOL, REML_REL_TOL};
use gam::expert::data::DataFrame;
use gam::expert::formula::Formula;
use gam::expert::model::{Family, GamModel, GamSpec, Link};
use gam::expert::predict::{PredictOptions, PredictType};
use serde_json::Value;

/// Criterion, relative, for the `"cs"` case whose null directions LAPACK ordered the other way.
const CS_OTHER_ORDER_REL_TOL: f64 = 2e-3;

fn fit(r: &Value) -> GamModel {
    let data = DataFrame::read_csv(&test_data().join(r["data"].as_str().unwrap())).unwrap();
    let family = Family::from_name(r["family"].as_str().unwrap()).expect("a supported family");
    let link = Link::from_name(r["link"].as_str().unwrap()).expect("a known link");
    let mut spec = GamSpec::new(Formula::parse(r["formula"].as_str().unwrap()).unwrap()).with_family(family, link);
    spec.options.select = r["select"].as_bool().unwrap_or(false);
    if let Some(k) = r["knots"].as_object() {
        spec.options.knots = k
            .iter()
            .map(|(name, v)| (name.clone(), nums(v)))
            .collect::<BTreeMap<_, _>>();
    }
    spec.fit(&data).unwrap_or_else(|e| panic!("{}: {e}", r["id"]))
}

/// Worst differences of one case: (criterion relative, EDF absolute, linear predictor / sd,
/// prediction / sd).
fn check(id: &str) -> [f64; 4] {
    let r = read_json(&test_data().join(format!("bases_i13/{id}.json")));
    let model = fit(&r);
    let crit = (model.reml_score - num(&r["criterion"])).abs() / num(&r["criterion"]).abs();
    let names = strings(&r["coefficients"]["names"]);
    assert_eq!(model.design.coef_names(), names, "{id}: coefficient names");
    // jsonlite writes a one-element vector as a scalar.
    let sp_names = strings(&r["sp_names"]);
    assert_eq!(model.design.sp_names(), sp_names, "{id}: smoothing parameter names");
    let mut edf: f64 = 0.0;
    for (i, s) in r["smooths"].as_array().unwrap().iter().enumerate() {
        let term = &model.design.smooths[i];
        assert_eq!(term.label, s["label"].as_str().unwrap(), "{id}: term order");
        assert_eq!(
            term.class(),
            s["class"].as_str().unwrap(),
            "{id}: class of {}",
            term.label
        );
        assert_eq!(
            term.null_space_dim() as f64,
            num(&s["null_space_dim"]),
            "{id}: null space of {}",
            term.label
        );
        edf = edf.max((model.smooth_edf()[i] - num(&s["edf"])).abs());
    }
    let data = DataFrame::read_csv(&test_data().join(r["data"].as_str().unwrap())).unwrap();
    let lp_ref = nums(&r["linear_predictor"]);
    let spread = if model.family == Family::Gaussian {
        num(&r["sd_y"])
    } else {
        num(&r["sd_lp"])
    };
    let opts = PredictOptions {
        kind: PredictType::Link,
        ..Default::default()
    };
    let first = data.select_rows(&(0..lp_ref.len()).collect::<Vec<_>>());
    let lp = model.predict(&first, &opts).unwrap().fit;
    let lp_err = lp.iter().zip(&lp_ref).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max) / spread;
    let mut pred_err = 0.0;
    if let Some(path) = r["newdata"].as_str() {
        let new = DataFrame::read_csv(&test_data().join(path)).unwrap();
        let p = model.predict(&new, &opts).unwrap().fit;
        let want = nums(&r["predict"]);
        assert_eq!(p.len(), want.len());
        pred_err = p.iter().zip(&want).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max) / spread;
    }
    println!("{id:18} criterion {crit:.1e}  EDF {edf:.1e}  fitted {lp_err:.1e}·sd  new data {pred_err:.1e}·sd");
    assert!(
        crit <= REML_REL_TOL,
        "{id}: criterion {} vs mgcv {} ({crit:.2e})",
        model.reml_score,
        num(&r["criterion"])
    );
    assert!(edf <= EDF_ABS_TOL, "{id}: EDF differs by {edf}");
    assert!(lp_err <= PRED_SD_TOL, "{id}: linear predictor differs by {lp_err}·sd");
    assert!(
        pred_err <= PRED_SD_TOL,
        "{id}: predictions on new data differ by {pred_err}·sd"
    );
    [crit, edf, lp_err, pred_err]
}

#[test]
fn tp_without_null_space_matches_mgcv() {
    check("tp_drop_null");
    check("tp_drop_null_by");
}

#[test]
fn shrinkage_bases_match_mgcv() {
    check("ts");
    check("ts_pois");
    check("cs_same_order");
}

/// mgcv's `"cs"` penalty depends on the order LAPACK gives two rounding-level eigenvalues
/// (see `basis::cr`): in this reference it is the other order than the engine's, and the fits
/// differ by what sharing out 0.1 and 0.01 the other way between the two null directions
/// makes (measured: criterion 6.7e-4 relative, fitted values 8.5e-4·sd). The test pins that
/// the difference stays that small: the basis is otherwise mgcv's.
#[test]
fn cs_with_lapacks_other_order_differs_slightly() {
    let r = read_json(&test_data().join("bases_i13/cs.json"));
    let model = fit(&r);
    let crit = (model.reml_score - num(&r["criterion"])).abs() / num(&r["criterion"]).abs();
    assert!(crit < CS_OTHER_ORDER_REL_TOL, "cs: criterion differs by {crit:.2e}");
    assert!(
        crit > REML_REL_TOL,
        "cs: the other order now matches ({crit:.2e}): update the docs"
    );
}

#[test]
fn select_matches_mgcv() {
    check("select");
    check("select_mixed");
    check("select_pois");
}

#[test]
fn user_knots_match_mgcv() {
    for id in [
        "knots_cr",
        "knots_cc_period",
        "knots_cc_full",
        "knots_ps_ends",
        "knots_ps_full",
        "knots_tp",
    ] {
        check(id);
    }
}

#[test]
fn thin_plate_beyond_max_knots_matches_mgcv() {
    check("tp_n3000");
    check("tp2_n3000");
    check("tp_xt");
}

/// The knots, a dropped null space, the shrinkage and select's penalties live in the saved
/// model: a model read back from its file predicts exactly as the fitted one, and passes the
/// loader's consistency check.
#[test]
fn saved_models_keep_the_basis_options() {
    let dir = tempfile::TempDir::new().unwrap();
    for id in [
        "knots_cc_period",
        "knots_ps_full",
        "knots_tp",
        "tp_drop_null_by",
        "select_mixed",
        "cs_same_order",
        "tp_xt",
    ] {
        let r = read_json(&test_data().join(format!("bases_i13/{id}.json")));
        let model = fit(&r);
        let path = dir.path().join(format!("{id}.json"));
        model.save(&path).unwrap();
        let loaded = GamModel::load(&path).unwrap_or_else(|e| panic!("{id}: {e}"));
        let data = DataFrame::read_csv(&test_data().join(r["data"].as_str().unwrap())).unwrap();
        let opts = PredictOptions::default();
        let a = model.predict(&data, &opts).unwrap().fit;
        let b = loaded.predict(&data, &opts).unwrap().fit;
        assert_eq!(a, b, "{id}");
    }
}
