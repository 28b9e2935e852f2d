//! mgcv's ordered categorical family (`ocat`, issue 17) against mgcv 1.8-41: R = 4 by REML and
//! ML, R = 5 and R = 3 by REML, each with two smooths, the R − 2 free cut points estimated with
//! the smoothing parameters. References made by `tests/data/efam/make_ocat_refs.R` on data of
//! its own.
//!
//! Per fit: the criterion, per-term and total EDF, the cut points (mgcv's
//! `family$getTheta(TRUE)`), the linear predictor, the deviance, null deviance, log-likelihood
//! and AIC, deviance and response residuals, predictions on new data on every scale mgcv offers
//! (link and terms with standard errors; response: the R class probabilities with theirs), the
//! summary tables and mgcv's printed summary line by line.
#![allow(clippy::print_stdout)]

#[macro_use]
mod common;

use common::cases::test_data;
use common::efam::{Failures, median_seconds_of_5, rel};
use common::json::{num, nums, read_json, sd, worst};
use common::tol::{EDF_ABS_TOL, PRED_SD_TOL, REML_REL_TOL, SE_REL_TOL};
use gam::Method;
use gam::expert::data::DataFrame;
use gam::expert::family::{Obs, family_and_link, ocat};
use gam::expert::formula::Formula;
use gam::expert::model::{GamModel, GamSpec};
use gam::expert::predict::PredictOptions;
use gam::expert::report::summary_lines;
use serde_json::Value;

/// The criterion, relative (the acceptance).
const CRITERION_REL_TOL: f64 = REML_REL_TOL;
/// The cut points, relative (the acceptance for family parameters).
const CUT_REL_TOL: f64 = 1e-4;
/// Deviance, null deviance, log-likelihood and AIC, relative: they move with the fit.
const LIKELIHOOD_REL_TOL: f64 = 1e-6;
/// Deviance residuals, absolute.
const RESIDUAL_ABS_TOL: f64 = 1e-4;
/// Class probabilities, absolute (they lie in [0, 1]; the 1e-4·sd for fitted values).
const PROB_ABS_TOL: f64 = 1e-4;
/// Summary statistics (estimates, SEs, statistics, Ref.df), relative to max(1, |mgcv|).
const SUMMARY_REL_TOL: f64 = 1e-3;

fn efam(name: &str) -> std::path::PathBuf {
    test_data().join("efam").join(name)
}

fn spec_of(r: &Value) -> GamSpec {
    let (family, link) = family_and_link(r["family"].as_str().unwrap(), r["link"].as_str()).unwrap();
    let mut spec = GamSpec::new(Formula::parse(r["formula"].as_str().unwrap()).unwrap()).with_family(family, link);
    spec.options.method = Method::parse(r["method"].as_str().unwrap()).unwrap();
    spec
}

fn fit(r: &Value) -> (GamModel, DataFrame) {
    let data = DataFrame::read_csv(&efam(r["data"].as_str().unwrap())).unwrap();
    let model = spec_of(r).fit(&data).unwrap_or_else(|e| panic!("{}: {e}", r["id"]));
    (model, data)
}

/// Rows of a matrix written row by row into one array, `ncol` wide.
fn rows(v: &[f64], ncol: usize) -> Vec<Vec<f64>> {
    v.chunks(ncol).map(<[f64]>::to_vec).collect()
}

fn check(id: &str) {
    let r = read_json(&efam(&format!("{id}.json")));
    let (model, data) = fit(&r);
    let classes = num(&r["R"]) as usize;
    let mut f = Failures::new(id);
    let crit = rel(model.reml_score, num(&r["criterion"]));
    f.cmp("criterion", crit, CRITERION_REL_TOL);
    let theta = model.theta.clone();
    let cuts = ocat::cut_points(&theta);
    let cut_err = cuts
        .iter()
        .zip(nums(&r["cut_points"]))
        .map(|(&a, b)| rel(a, b))
        .fold(0.0, f64::max);
    f.cmp("cut points", cut_err, CUT_REL_TOL);
    f.cmp(
        "number of cut points",
        (cuts.len() as f64 - (classes - 1) as f64).abs(),
        0.0,
    );
    f.cmp("scale", (model.scale - num(&r["scale"])).abs(), 0.0);
    let mut edf = (model.edf_total() - num(&r["edf_total"])).abs();
    for (s, ours) in r["smooths"].as_array().unwrap().iter().zip(model.smooth_edf()) {
        edf = edf.max((ours - num(&s["edf"])).abs());
    }
    f.cmp("EDF", edf, EDF_ABS_TOL);
    let link = PredictOptions::default();
    let eta = model.predict(&data, &link).unwrap().fit;
    let eta_ref = nums(&r["linear_predictors"]);
    let lp = worst(&eta, &eta_ref) / sd(&eta_ref);
    f.cmp("linear predictor / sd", lp, PRED_SD_TOL);
    for (what, ours, key) in [
        ("deviance", model.deviance, "deviance"),
        ("null deviance", model.null_deviance, "null_deviance"),
        ("log-likelihood", model.loglik, "loglik"),
        ("AIC", model.aic, "aic"),
    ] {
        f.cmp(what, rel(ours, num(&r[key])), LIKELIHOOD_REL_TOL);
    }
    f.cmp("logLik df", (model.loglik_df - num(&r["loglik_df"])).abs(), EDF_ABS_TOL);
    // Residuals: deviance (signed by the class interval's midpoint minus η) and response
    // (y minus the class η falls in), as mgcv's ocat()$residuals.
    let y = nums(&r["y_used"]);
    let dev_res: Vec<f64> = y
        .iter()
        .zip(&eta)
        .map(|(&y, &m)| {
            let d = model.family.reported_deviance(Obs::new(y, 1.0), m, &theta);
            d.max(0.0).sqrt() * ocat::residual_sign(y, m, &theta)
        })
        .collect();
    f.cmp(
        "deviance residuals",
        worst(&dev_res, &nums(&r["residuals_deviance"])),
        RESIDUAL_ABS_TOL,
    );
    let resp_res: Vec<f64> = y
        .iter()
        .zip(&eta)
        .map(|(&y, &m)| y - ocat::class_of(m, &cuts))
        .collect();
    f.cmp(
        "response residuals",
        worst(&resp_res, &nums(&r["residuals_response"])),
        0.0,
    );
    // New data: link with SEs, terms with SEs, class probabilities with SEs.
    let new = DataFrame::read_csv(&efam(r["newdata"].as_str().unwrap())).unwrap();
    let opts = PredictOptions {
        se: true,
        terms: true,
        ..Default::default()
    };
    let p = model.predict(&new, &opts).unwrap();
    let want = nums(&r["pred_link"]);
    f.cmp("new link / sd", worst(&p.fit, &want) / sd(&want), PRED_SD_TOL);
    let worst_rel = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(a, b)| rel(*a, *b)).fold(0.0, f64::max);
    f.cmp(
        "new link se",
        worst_rel(p.se_fit.as_ref().unwrap(), &nums(&r["pred_link_se"])),
        SE_REL_TOL,
    );
    let terms = p.terms.as_ref().unwrap();
    let n_terms = terms.len();
    let t_ref = rows(&nums(&r["pred_terms"]), n_terms);
    for (j, (label, v)) in terms.iter().enumerate() {
        let want: Vec<f64> = t_ref.iter().map(|row| row[j]).collect();
        f.cmp(&format!("terms {label} / sd"), worst(v, &want) / sd(&want), PRED_SD_TOL);
    }
    let probs = model.class_probabilities(&new, true).unwrap();
    let p_ref = rows(&nums(&r["pred_response"]), classes);
    let se_ref = rows(&nums(&r["pred_response_se"]), classes);
    let mut p_err: f64 = 0.0;
    let mut se_err: f64 = 0.0;
    for (i, row) in probs.fit.iter().enumerate() {
        p_err = p_err.max(worst(row, &p_ref[i]));
        se_err = se_err.max(worst_rel(&probs.se_fit.as_ref().unwrap()[i], &se_ref[i]));
    }
    f.cmp("class probabilities", p_err, PROB_ABS_TOL);
    f.cmp("class probability se", se_err, SE_REL_TOL);
    // Summary tables and mgcv's printout.
    let summary = model.summary();
    for (row, ours) in r["p_table"].as_array().unwrap().iter().zip(&summary.parametric) {
        let est = num(&row["estimate"]);
        f.cmp(
            "estimate",
            (ours.estimate - est).abs() / est.abs().max(1.0),
            SUMMARY_REL_TOL,
        );
        f.cmp("estimate SE", rel(ours.se, num(&row["se"])), SUMMARY_REL_TOL);
    }
    for (row, ours) in r["s_table"].as_array().unwrap().iter().zip(&summary.smooths) {
        f.cmp("Ref.df", rel(ours.ref_df, num(&row["ref_df"])), SUMMARY_REL_TOL);
        f.cmp("Chi.sq", rel(ours.stat, num(&row["stat"])), SUMMARY_REL_TOL);
    }
    f.lines(&summary_lines(&model), &r["summary_text"]);
    println!(
        "{id}: criterion {crit:.2e} rel, cut points {cut_err:.2e} rel, EDF {edf:.2e}, linear predictor \
         {lp:.2e} sd, probabilities {p_err:.2e}, outer iterations ours {} mgcv {}",
        model.outer.iter,
        num(&r["outer_iter"])
    );
    f.assert_none();
}

test_per_case!(check; ocat4_reml, ocat4_ml, ocat5_reml, ocat3_reml);

/// Fit times, ours: the median of 5 fits of each reference model (release build), beside mgcv's
/// median of 5 `gam()` calls recorded by the R script.
#[test]
fn ocat_fit_times_against_mgcv() {
    for id in ["ocat4_reml", "ocat4_ml", "ocat5_reml", "ocat3_reml"] {
        let r = read_json(&efam(&format!("{id}.json")));
        let ours = median_seconds_of_5(|| {
            fit(&r);
        });
        println!(
            "{id}: ours median {ours:.4}s, mgcv median {:.4}s",
            num(&r["mgcv_seconds_median"])
        );
    }
}

/// The model file keeps the family (with R) and the fitted cut points, and reads back to the
/// same predictions and summary; a file with a damaged class count is refused.
#[test]
fn ocat_model_file_round_trips() {
    let r = read_json(&efam("ocat4_reml.json"));
    let (model, data) = fit(&r);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.json");
    model.save(&path).unwrap();
    let back = GamModel::load(&path).unwrap();
    assert_eq!(back.family, model.family);
    assert_eq!(back.theta, model.theta);
    assert_eq!(summary_lines(&back), summary_lines(&model));
    assert_eq!(
        back.class_probabilities(&data, true).unwrap(),
        model.class_probabilities(&data, true).unwrap()
    );
    let text = std::fs::read_to_string(&path).unwrap();
    let bad = text.replacen("\"ocat\":4", "\"ocat\":1", 1);
    assert_ne!(bad, text, "the file holds the family as written");
    std::fs::write(&path, bad).unwrap();
    assert!(GamModel::load(&path).is_err());
}

/// A response outside 1..R or not a whole number is a one-line error naming the row.
#[test]
fn ocat_refuses_impossible_responses_naming_the_row() {
    let r = read_json(&efam("ocat4_reml.json"));
    let spec = spec_of(&r);
    let text = std::fs::read_to_string(efam("ocat4_n400.csv")).unwrap();
    let line = text.lines().nth(4).unwrap().to_string();
    let (_, rest) = line.split_once(',').unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.csv");
    for bad in ["5", "0", "2.5", "-1"] {
        std::fs::write(&path, text.replacen(&line, &format!("{bad},{rest}"), 1)).unwrap();
        let data = DataFrame::read_csv(&path).unwrap();
        let e = spec.fit(&data).unwrap_err().to_string();
        assert!(
            e.contains("row 4") && e.contains(bad) && e.contains("ocat") && !e.contains('\n'),
            "{e}"
        );
    }
}
