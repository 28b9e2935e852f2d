//! mgcv's extended families (issue 17) against mgcv 1.8-41: beta regression (`betar`) with its
//! precision φ estimated, by REML and ML, with the logit and probit links and with responses at
//! exactly 0 and 1 (moved to mgcv's `eps`); the scaled t (`scat`) with ν and σ estimated, by
//! REML and ML, identity and log links. References made by
//! `tests/data/efam/make_efam_refs.R` on data of its own.
//!
//! Per fit: the criterion (REML or ML), per-term and total EDF, the family parameter, every
//! fitted value, predictions with standard errors on both scales, the deviance (mgcv's, with
//! the saturated log-likelihood), deviance residuals, log-likelihood and AIC, the summary tables
//! and mgcv's printed summary line by line.
#![allow(clippy::print_stdout)]

#[macro_use]
mod common;

use common::cases::test_data;
use common::efam::{Failures, median_seconds_of_5, rel};
use common::json::{num, nums, read_json, sd, worst};
use common::tol::{EDF_ABS_TOL, PRED_SD_TOL, REML_REL_TOL, SE_REL_TOL};
use gam::Method;
use gam::expert::data::DataFrame;
use gam::expert::family::Obs;
use gam::expert::family::family_and_link;
use gam::expert::formula::Formula;
use gam::expert::model::{GamModel, GamSpec};
use gam::expert::predict::{PredictOptions, PredictType};
use gam::expert::report::summary_lines;
use serde_json::Value;

/// The criterion, relative (the acceptance).
const CRITERION_REL_TOL: f64 = REML_REL_TOL;
/// Family parameters (betar's φ), relative (the acceptance).
const THETA_REL_TOL: f64 = 1e-4;
/// Deviance, null deviance, log-likelihood and AIC, relative: they move with the fitted values.
const LIKELIHOOD_REL_TOL: f64 = 1e-6;
/// Deviance residuals, absolute.
const RESIDUAL_ABS_TOL: f64 = 1e-4;
/// Summary statistics (estimates, SEs, statistics, Ref.df), relative to max(1, |mgcv|).
const SUMMARY_REL_TOL: f64 = 1e-3;

fn fit(r: &Value) -> (GamModel, DataFrame) {
    let data = DataFrame::read_csv(&test_data().join("efam").join(r["data"].as_str().unwrap())).unwrap();
    let (family, link) = family_and_link(r["family"].as_str().unwrap(), r["link"].as_str()).unwrap();
    let mut spec = GamSpec::new(Formula::parse(r["formula"].as_str().unwrap()).unwrap()).with_family(family, link);
    spec.options.method = Method::parse(r["method"].as_str().unwrap()).unwrap();
    let model = spec.fit(&data).unwrap_or_else(|e| panic!("{}: {e}", r["id"]));
    (model, data)
}

fn check(id: &str) {
    let r = read_json(&test_data().join(format!("efam/{id}.json")));
    let t0 = std::time::Instant::now();
    let (model, data) = fit(&r);
    let secs = t0.elapsed().as_secs_f64();
    let mut failures = Failures::new(id);
    let mut cmp = |what: &str, err: f64, tol: f64| failures.cmp(what, err, tol);
    let crit = rel(model.reml_score, num(&r["criterion"]));
    cmp("criterion", crit, CRITERION_REL_TOL);
    let reported = model.family.reported_theta(&model.theta);
    let want_theta = nums(&r["theta"]);
    let theta = if reported.len() == want_theta.len() {
        reported
            .iter()
            .zip(&want_theta)
            .map(|(a, b)| rel(*a, *b))
            .fold(0.0, f64::max)
    } else {
        f64::NAN
    };
    cmp("family parameters", theta, THETA_REL_TOL);
    cmp("scale", (model.scale - num(&r["scale"])).abs(), 0.0);
    let mut edf = (model.edf_total() - num(&r["edf_total"])).abs();
    for (s, ours) in r["smooths"].as_array().unwrap().iter().zip(model.smooth_edf()) {
        edf = edf.max((ours - num(&s["edf"])).abs());
    }
    cmp("EDF", edf, EDF_ABS_TOL);
    let y_ref = nums(&r["y_used"]);
    let sd_y = sd(&y_ref);
    let response = PredictOptions {
        kind: PredictType::Response,
        ..Default::default()
    };
    let mu_hat = model.predict(&data, &response).unwrap().fit;
    let fitted = worst(&mu_hat, &nums(&r["fitted"])) / sd_y;
    cmp("fitted values / sd(y)", fitted, PRED_SD_TOL);
    for (what, ours, key) in [
        ("deviance", model.deviance, "deviance"),
        ("null deviance", model.null_deviance, "null_deviance"),
        ("log-likelihood", model.loglik, "loglik"),
        ("AIC", model.aic, "aic"),
    ] {
        cmp(what, rel(ours, num(&r[key])), LIKELIHOOD_REL_TOL);
    }
    cmp("logLik df", (model.loglik_df - num(&r["loglik_df"])).abs(), EDF_ABS_TOL);
    // Deviance residuals, as residuals(b, "deviance"): sign(y − μ) √(saturated part + −2 log f).
    let theta_hat = &model.theta;
    let res: Vec<f64> = y_ref
        .iter()
        .zip(&mu_hat)
        .map(|(&y, &mu)| {
            let d = model.family.reported_deviance(Obs { y, w: 1.0 }, mu, theta_hat);
            d.sqrt() * (y - mu).signum()
        })
        .collect();
    cmp(
        "deviance residuals",
        worst(&res, &nums(&r["residuals_deviance"])),
        RESIDUAL_ABS_TOL,
    );
    // Predictions with standard errors on the first 50 rows, both scales.
    let first = data.select_rows(&(0..50).collect::<Vec<_>>());
    for (kind, fit_key, se_key) in [
        (PredictType::Link, "pred_link", "pred_link_se"),
        (PredictType::Response, "pred_response", "pred_response_se"),
    ] {
        let opts = PredictOptions {
            kind,
            se: true,
            ..Default::default()
        };
        let p = model.predict(&first, &opts).unwrap();
        let want = nums(&r[fit_key]);
        cmp(fit_key, worst(&p.fit, &want) / sd(&want), PRED_SD_TOL);
        let se = p.se_fit.unwrap();
        let worst_se = se
            .iter()
            .zip(nums(&r[se_key]))
            .map(|(a, b)| rel(*a, b))
            .fold(0.0, f64::max);
        cmp(se_key, worst_se, SE_REL_TOL);
    }
    let summary = model.summary();
    for (row, ours) in r["p_table"].as_array().unwrap().iter().zip(&summary.parametric) {
        let est = num(&row["estimate"]);
        cmp(
            "estimate",
            (ours.estimate - est).abs() / est.abs().max(1.0),
            SUMMARY_REL_TOL,
        );
        cmp("estimate SE", rel(ours.se, num(&row["se"])), SUMMARY_REL_TOL);
    }
    for (row, ours) in r["s_table"].as_array().unwrap().iter().zip(&summary.smooths) {
        cmp("Ref.df", rel(ours.ref_df, num(&row["ref_df"])), SUMMARY_REL_TOL);
        cmp("Chi.sq", rel(ours.stat, num(&row["stat"])), SUMMARY_REL_TOL);
    }
    // mgcv's printout, line by line.
    failures.lines(&summary_lines(&model), &r["summary_text"]);
    println!(
        "{id}: criterion {crit:.2e} rel, theta {theta:.2e} rel, EDF {edf:.2e}, fitted {fitted:.2e} sd; \
         ours {secs:.3}s (debug or release as built), mgcv median {:.3}s",
        num(&r["mgcv_seconds_median"])
    );
    failures.assert_none();
}

test_per_case!(check; betar_reml, betar_ml, betar_probit_edges, scat_reml, scat_ml, scat_log);

/// The betar REML fit's spec and data.
fn betar_reml_spec() -> (GamSpec, DataFrame) {
    let r = read_json(&test_data().join("efam/betar_reml.json"));
    let data = DataFrame::read_csv(&test_data().join("efam").join(r["data"].as_str().unwrap())).unwrap();
    let (family, link) = family_and_link("betar", None).unwrap();
    let spec = GamSpec::new(Formula::parse(r["formula"].as_str().unwrap()).unwrap()).with_family(family, link);
    (spec, data)
}

/// Agreement of two fits of the same model (chunked against dense, resumed against cold).
const SAME_FIT_REL_TOL: f64 = 1e-9;

/// Fit times, ours: the median of 5 fits of each reference model (release build), beside mgcv's
/// median of 5 `gam()` calls recorded by the R script.
#[test]
fn fit_times_against_mgcv() {
    for id in [
        "betar_reml",
        "betar_ml",
        "betar_probit_edges",
        "scat_reml",
        "scat_ml",
        "scat_log",
    ] {
        let r = read_json(&test_data().join(format!("efam/{id}.json")));
        let ours = median_seconds_of_5(|| {
            fit(&r);
        });
        println!(
            "{id}: ours median {ours:.4}s, mgcv median {:.4}s",
            num(&r["mgcv_seconds_median"])
        );
    }
}

/// The model matrix built chunk by chunk gives the fit it gives in memory, θ included.
#[test]
fn betar_chunked_fit_equals_the_dense_one() {
    let (spec, data) = betar_reml_spec();
    let (dense, chunked) = common::setup_ref::dense_and_chunked(&spec, &data, 37);
    assert!(rel(chunked.reml_score, dense.reml_score) < SAME_FIT_REL_TOL);
    assert!(rel(chunked.theta[0], dense.theta[0]) < SAME_FIT_REL_TOL);
}

/// A fit resumed from an intermediate iterate (log smoothing parameters and log φ, as a
/// checkpoint holds them) reaches the cold fit's optimum.
#[test]
fn betar_resumes_from_a_checkpoint_with_its_theta() {
    use gam::expert::fit::driver::FitObserver;
    use gam::expert::fit::{Iterate, OuterStart};
    struct Keep(Vec<Iterate>);
    impl FitObserver for Keep {
        fn on_iterate(&mut self, it: &Iterate) {
            self.0.push(it.clone());
        }
    }
    let (spec, data) = betar_reml_spec();
    let mut seen = Keep(Vec::new());
    let cold = spec.fit_with(&data, None, &mut seen).unwrap();
    let mid = &seen.0[2];
    assert_eq!(mid.extra.len(), 1, "log φ follows the log smoothing parameters");
    let start = OuterStart {
        rho: mid.rho.clone(),
        iteration: mid.iter,
        extra: mid.extra.clone(),
    };
    let resumed = spec.fit_with(&data, Some(&start), &mut Keep(Vec::new())).unwrap();
    assert!(rel(resumed.reml_score, cold.reml_score) < SAME_FIT_REL_TOL);
    assert!(rel(resumed.theta[0], cold.theta[0]) < 1e-6);
    assert!(resumed.outer.iter <= cold.outer.iter + 1);
}

/// The model file keeps the family (with its eps) and the fitted φ, and reads back to the
/// same predictions and summary.
#[test]
fn betar_model_file_round_trips() {
    let (family, link) = family_and_link("betar(eps = 1e-9)", Some("cloglog")).unwrap();
    let (spec, data) = betar_reml_spec();
    let spec = spec.with_family(family, link);
    let model = spec.fit(&data).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.json");
    model.save(&path).unwrap();
    let back = GamModel::load(&path).unwrap();
    assert_eq!(back.family, family);
    assert_eq!(back.theta, model.theta);
    assert_eq!(summary_lines(&back), summary_lines(&model));
    let opts = PredictOptions {
        kind: PredictType::Response,
        se: true,
        ..Default::default()
    };
    assert_eq!(
        back.predict(&data, &opts).unwrap().fit,
        model.predict(&data, &opts).unwrap().fit
    );
    // A file whose φ was damaged is refused when read.
    let text = std::fs::read_to_string(&path).unwrap();
    let theta = model.theta[0];
    let bad = text.replacen(&format!("\"theta\":[{theta}]"), "\"theta\":[-1.0]", 1);
    assert_ne!(bad, text, "the file holds theta as written");
    std::fs::write(&path, bad).unwrap();
    assert!(GamModel::load(&path).is_err());
}

/// Responses outside [0, 1], and at 0 or 1 with eps = 0, are one-line errors naming the row.
#[test]
fn betar_refuses_impossible_responses_naming_the_row() {
    let (spec, data) = betar_reml_spec();
    let mut text = std::fs::read_to_string(test_data().join("efam/betar_n400.csv")).unwrap();
    let line = text.lines().nth(4).unwrap().to_string();
    let (_, rest) = line.split_once(',').unwrap();
    text = text.replacen(&line, &format!("-0.25,{rest}"), 1);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.csv");
    std::fs::write(&path, &text).unwrap();
    let bad = DataFrame::read_csv(&path).unwrap();
    let e = spec.fit(&bad).unwrap_err().to_string();
    assert!(e.contains("row 4") && e.contains("-0.25") && !e.contains('\n'), "{e}");
    let zero = text.replacen("-0.25,", "0,", 1);
    std::fs::write(&path, zero).unwrap();
    let at_zero = DataFrame::read_csv(&path).unwrap();
    let (family, link) = family_and_link("betar(eps = 0)", None).unwrap();
    let e = spec
        .clone()
        .with_family(family, link)
        .fit(&at_zero)
        .unwrap_err()
        .to_string();
    assert!(e.contains("row 4") && e.contains("eps"), "{e}");
    // With mgcv's default eps the same response is moved inside (0, 1) and fitted.
    assert!(spec.fit(&at_zero).is_ok());
    drop(data);
}
