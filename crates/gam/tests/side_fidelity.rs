//! Nested smooths made identifiable as mgcv's `gam.side` does (issue 13 item
//! 6), against mgcv 1.8-41 references made by `tests/data/side/make_reference.R`:
//! per model the deleted columns of each smooth, coefficient names and count,
//! REML score, per-smooth EDF, fitted values and predictions on new data, and
//! the same predictions after a model-file round trip. Models mgcv fits only
//! through its rank-deficient least squares are fitted the same way.
#![allow(clippy::print_stdout)]

mod common;

use common::cases::{data, predictions, test_data};
use common::json::{num, nums, read_json, sd, strings, worst};
use common::tol::{EDF_ABS_TOL, PRED_SD_TOL, REML_REL_TOL};
use gam::GamError;
use gam::expert::data::DataFrame;
use gam::expert::formula::Formula;
use gam::expert::model::{Family, GamModel, GamSpec, Link};
use gam::expert::predict::PredictType;
use serde_json::Value;

/// Summary statistics (Ref.df, F or χ²), relative, as in `family_fidelity.rs`.
const SUMMARY_REL_TOL: f64 = 1e-3;
/// p-values, relative, or absolute below [`P_VALUE_FLOOR`], as in `family_fidelity.rs`.
const P_VALUE_REL_TOL: f64 = 3e-3;
/// Below this a p-value is compared on an absolute scale.
const P_VALUE_FLOOR: f64 = 1e-12;

fn spec(r: &Value) -> GamSpec {
    let family = Family::from_name(r["family"].as_str().unwrap()).unwrap();
    let link = Link::from_name(r["link"].as_str().unwrap()).unwrap();
    GamSpec::new(Formula::parse(r["formula"].as_str().unwrap()).unwrap()).with_family(family, link)
}

fn link_predictions(model: &GamModel, frame: &DataFrame) -> Vec<f64> {
    predictions(model, frame, PredictType::Link)
}

fn check(id: &str) {
    let r = read_json(&test_data().join(format!("side/{id}.json")));
    let train = data(r["data"].as_str().unwrap());
    let model = spec(&r).fit(&train).unwrap_or_else(|e| panic!("{id}: {e}"));
    let mut failures = Vec::new();

    // Which columns gam.side deleted, and what is left.
    let smooths = r["smooths"].as_array().unwrap();
    assert_eq!(model.design.smooths.len(), smooths.len(), "{id}: smooth count");
    for (s, m) in model.design.smooths.iter().zip(smooths) {
        assert_eq!(s.label, m["label"].as_str().unwrap(), "{id}: term order");
        let mut del: Vec<usize> = nums(&m["del_index"]).iter().map(|v| *v as usize - 1).collect();
        del.sort_unstable();
        assert_eq!(s.side_deleted, del, "{id}: columns deleted from {}", s.label);
        assert_eq!(
            s.n_coef(),
            num(&m["n_coef"]) as usize,
            "{id}: coefficients of {}",
            s.label
        );
        assert_eq!(
            s.penalties.len(),
            num(&m["n_penalties"]) as usize,
            "{id}: penalties of {}",
            s.label
        );
    }
    let names = strings(&r["coefficients"]["names"]);
    assert_eq!(model.design.coef_names(), names, "{id}: coefficient names");

    let crit = num(&r["criterion"]);
    let rel = (model.reml_score - crit).abs() / crit.abs();
    if rel > REML_REL_TOL {
        failures.push(format!("REML {} vs mgcv {crit}: {rel:.2e} relative", model.reml_score));
    }
    let edf = model.smooth_edf();
    let mut worst_edf = 0.0f64;
    for (i, m) in smooths.iter().enumerate() {
        let d = (edf[i] - num(&m["edf"])).abs();
        worst_edf = worst_edf.max(d);
        if d > EDF_ABS_TOL {
            failures.push(format!("EDF of {}: {} vs mgcv {}", m["label"], edf[i], num(&m["edf"])));
        }
    }
    // Gaussian: on sd(y); otherwise on the sd of mgcv's linear predictor.
    let lp_ref = nums(&r["linear_predictor"]);
    let spread = if r["family"] == "gaussian" {
        let y = train.column("y").unwrap().as_numeric().unwrap();
        sd(y)
    } else {
        sd(&lp_ref)
    };
    let fitted = worst(&link_predictions(&model, &train), &lp_ref) / spread;
    let newdata = data(r["newdata"].as_str().unwrap());
    let pred = link_predictions(&model, &newdata);
    let predicted = worst(&pred, &nums(&r["predict_link"])) / spread;
    for (what, v) in [("fitted", fitted), ("predictions", predicted)] {
        if v > PRED_SD_TOL {
            failures.push(format!("{what}: {v:.2e}·sd apart"));
        }
    }
    // summary(b)$s.table: the test of each smooth (reTest where the null space is gone).
    let mut worst_p = 0.0f64;
    for (row, m) in model.summary().smooths.iter().zip(r["s_table"].as_array().unwrap()) {
        for (what, ours, theirs) in [
            ("Ref.df", row.ref_df, num(&m["ref_df"])),
            ("statistic", row.stat, num(&m["stat"])),
        ] {
            if (ours - theirs).abs() > SUMMARY_REL_TOL * theirs.abs() {
                failures.push(format!("{} of {}: {ours} vs mgcv {theirs}", what, row.label));
            }
        }
        let p = num(&m["p_value"]);
        let err = if p < P_VALUE_FLOOR {
            (row.p_value - p).abs() / P_VALUE_FLOOR * P_VALUE_REL_TOL
        } else {
            (row.p_value - p).abs() / p
        };
        worst_p = worst_p.max(err);
        if err > P_VALUE_REL_TOL {
            failures.push(format!("p-value of {}: {} vs mgcv {p}", row.label, row.p_value));
        }
    }
    println!("{id}: p-values {worst_p:.1e} rel");
    println!("{id}: REML {rel:.1e} rel, EDF {worst_edf:.1e}, fitted {fitted:.1e}·sd, predictions {predicted:.1e}·sd");

    // The deleted columns travel with the model file.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.json");
    model.save(&path).unwrap();
    let back = GamModel::load(&path).unwrap();
    assert_eq!(back.design, model.design, "{id}: design after the round trip");
    assert_eq!(
        link_predictions(&back, &newdata),
        pred,
        "{id}: predictions after the round trip"
    );
    assert!(failures.is_empty(), "{id}:\n{}", failures.join("\n"));
}

#[test]
fn s_s_te() {
    check("s_s_te");
}

#[test]
fn s_s_tp2() {
    check("s_s_tp2");
}

#[test]
fn te_s() {
    check("te_s");
}

#[test]
fn s_te() {
    check("s_te");
}

#[test]
fn cr_cr_te() {
    check("cr_cr_te");
}

#[test]
fn s_s_ti() {
    check("s_s_ti");
}

#[test]
fn fac_by() {
    check("fac_by");
}

#[test]
fn pois_s_s_te() {
    check("pois_s_s_te");
}

/// mgcv fits these through the rank handling of its penalised least squares,
/// which fixes a direction the data and penalties cannot determine at zero
/// (`rankdef_*.json` record what it does); so do we (see `fit::rank`; they were
/// refused before). `fac + s(x0, by = fac) + s(x0)` is an exact tie between
/// copies, where only the criterion and the rank are mgcv's to reproduce.
#[test]
fn models_mgcv_fits_rank_deficient_are_fitted_rank_deficient() {
    let train = data("side/side_n300.csv");
    for (id, tie) in [("rankdef_x_s", false), ("rankdef_x_cr", false), ("rankdef_by_s", true)] {
        let r = read_json(&test_data().join(format!("side/{id}.json")));
        let f = Formula::parse(r["formula"].as_str().unwrap()).unwrap();
        let model = GamSpec::new(f).fit(&train).unwrap_or_else(|e| panic!("{id}: {e}"));
        let n_coef = num(&r["n_coef"]) as usize;
        assert_eq!(model.coefficients.len(), n_coef, "{id}");
        // The rank of X is mgcv's rank where the penalties add nothing (a parametric copy);
        // with fac + s(x0, by = fac) + s(x0) they determine most of X's null space (mgcv's
        // rank is then 38 of 39: tests/data/nullspace, r10_tie_fac).
        let rank = model.rank.expect("rank deficient");
        if tie {
            assert!(
                rank < n_coef && rank > num(&r["rank_of_model_matrix"]) as usize,
                "{id}: {rank}"
            );
        } else {
            assert_eq!(rank, num(&r["rank_of_model_matrix"]) as usize, "{id}");
        }
        let want = num(&r["criterion"]);
        assert!(
            (model.reml_score - want).abs() < REML_REL_TOL * want.abs(),
            "{id}: REML {} vs mgcv {want}",
            model.reml_score
        );
        if !tie {
            let zero: Vec<String> = model
                .design
                .coef_names()
                .into_iter()
                .zip(&model.coefficients)
                .filter(|(_, b)| **b == 0.0)
                .map(|(n, _)| n)
                .collect();
            assert_eq!(zero, strings(&r["zero_coefficients"]), "{id}");
        }
    }
}

/// The loader checks the deleted columns; a model without nesting writes no
/// such field, so model files from before it load as they did.
#[test]
fn the_loader_checks_the_deleted_columns() {
    let train = data("side/side_n300.csv");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.json");
    let plain = GamSpec::new(Formula::parse("y ~ s(x0) + s(x1)").unwrap())
        .fit(&train)
        .unwrap();
    plain.save(&path).unwrap();
    assert!(!std::fs::read_to_string(&path).unwrap().contains("side_deleted"));
    GamModel::load(&path).unwrap();

    let model = GamSpec::new(Formula::parse("y ~ s(x0) + te(x0, x1)").unwrap())
        .fit(&train)
        .unwrap();
    model.save(&path).unwrap();
    let good: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(good["design"]["smooths"][1]["side_deleted"], serde_json::json!([22]));
    for (bad, needle) in [
        (serde_json::json!([99]), "deleted column 99 of a term with 24 columns"),
        (serde_json::json!([3, 3]), "not in ascending order"),
        (serde_json::json!((0..24).collect::<Vec<_>>()), "every column deleted"),
        (serde_json::json!([]), "penalty 1 is 23 x 23, but should be 24 x 24"),
    ] {
        let mut v = good.clone();
        v["design"]["smooths"][1]["side_deleted"] = bad;
        std::fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
        let e = GamModel::load(&path).expect_err(needle).to_string();
        assert!(e.contains(needle) && e.lines().count() == 1, "{e}");
    }
}

#[test]
fn tp2_te() {
    check("tp2_te");
}

#[test]
fn by_te() {
    check("by_te");
}

#[test]
fn s3_te3() {
    check("s3_te3");
}

#[test]
fn s_te_te3() {
    check("s_te_te3");
}

#[test]
fn nointercept() {
    check("nointercept");
}

/// mgcv 1.8-41 stops with an error when gam.side leaves a penalised smooth one
/// column (`mgcv_error_one_column.json`); we refuse it in one line naming the
/// smooth and the one it repeats.
#[test]
fn a_smooth_left_with_one_column_is_refused_as_mgcv_refuses_it() {
    let train = data("side/side_n300.csv");
    let r = read_json(&test_data().join("side/mgcv_error_one_column.json"));
    assert!(r["mgcv_error"].as_str().unwrap().contains("numeric matrix"));
    let f = Formula::parse(r["formula"].as_str().unwrap()).unwrap();
    let e = GamSpec::new(f).fit(&train).expect_err("mgcv refuses it");
    assert_eq!(e.to_string().lines().count(), 1, "{e}");
    match &e {
        GamError::NotIdentifiable { terms, .. } => assert_eq!(terms, &["te(x0,x1)", "s(x0,x1)"], "{e}"),
        other => panic!("expected NotIdentifiable, got {other:?}"),
    }
}
