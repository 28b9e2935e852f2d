//! The checks of an extended-family fit against mgcv 1.8-41 that `efam_fidelity.rs` (betar,
//! scat, ziP) and `cnorm_fidelity.rs` share: one reference JSON per case in `tests/data/efam/` (written by
//! `make_efam_refs.R`, `make_cnorm_refs.R`), the model fitted as the JSON names it, and per fit
//! the criterion, EDF, family parameter, fitted values, deviance, null deviance,
//! log-likelihood, AIC, deviance (and response) residuals, predictions with standard errors on
//! both scales, the summary tables and mgcv's printed summary line by line.

#![allow(clippy::print_stdout)]

use super::cases::test_data;
use super::json::{num, nums, read_json, sd, worst};
use super::tol::{EDF_ABS_TOL, PRED_SD_TOL, REML_REL_TOL, SE_REL_TOL};
use gam::Method;
use gam::expert::data::DataFrame;
use gam::expert::family::Obs;
use gam::expert::family::family_link_theta;
use gam::expert::formula::Formula;
use gam::expert::model::{GamModel, GamSpec};
use gam::expert::predict::{PredictOptions, PredictType};
use gam::expert::report::summary_lines;
use serde_json::Value;

/// The criterion, relative (the acceptance).
pub const CRITERION_REL_TOL: f64 = REML_REL_TOL;
/// Family parameters (betar's φ), relative (the acceptance).
pub const THETA_REL_TOL: f64 = 1e-4;
/// Deviance, null deviance, log-likelihood and AIC, relative: they move with the fitted values.
pub const LIKELIHOOD_REL_TOL: f64 = 1e-6;
/// Deviance residuals, absolute.
pub const RESIDUAL_ABS_TOL: f64 = 1e-4;
/// Summary statistics (estimates, SEs, statistics, Ref.df), relative to max(1, |mgcv|).
pub const SUMMARY_REL_TOL: f64 = 1e-3;

pub fn fit(r: &Value) -> (GamModel, DataFrame) {
    let data = DataFrame::read_csv(&test_data().join("efam").join(r["data"].as_str().unwrap())).unwrap();
    // The family text may carry mgcv's theta = (fixed or starting family parameters).
    let (family, link, theta) = family_link_theta(r["family"].as_str().unwrap(), r["link"].as_str()).unwrap();
    let mut spec = GamSpec::new(Formula::parse(r["formula"].as_str().unwrap()).unwrap()).with_family(family, link);
    spec.options.family_theta = theta;
    spec.options.method = Method::parse(r["method"].as_str().unwrap()).unwrap();
    let model = spec.fit(&data).unwrap_or_else(|e| panic!("{}: {e}", r["id"]));
    (model, data)
}

pub fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(f64::MIN_POSITIVE)
}

pub fn check(id: &str) {
    let r = read_json(&test_data().join(format!("efam/{id}.json")));
    let t0 = std::time::Instant::now();
    let (model, data) = fit(&r);
    let secs = t0.elapsed().as_secs_f64();
    let mut failures = Vec::new();
    let mut cmp = |what: &str, err: f64, tol: f64| {
        if err.is_nan() || err > tol {
            failures.push(format!("{id}: {what}: error {err:.3e} > {tol:.1e}"));
        }
    };
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
    // ocat's response scale is a matrix of class probabilities (not compared here).
    let mu_hat = if r["fitted"].is_null() {
        model.predict(&data, &PredictOptions::default()).unwrap().fit
    } else {
        model.predict(&data, &response).unwrap().fit
    };
    // mgcv's fitted values are the link's inverse of the predictor, which for ziP (identity on
    // the log Poisson mean) is not its response-scale mean.
    let own_mean = model.family.response_mean(0.0, &model.theta).is_some();
    let fit_scale = if own_mean {
        model.predict(&data, &PredictOptions::default()).unwrap().fit
    } else {
        mu_hat.clone()
    };
    // Relative to sd(y), or for ziP to the sd of mgcv's fitted predictor (another scale).
    // ocat (a matrix of class probabilities on the response scale): its linear predictors.
    let (fit_scale, fit_key) = if r["fitted"].is_null() {
        (
            model.predict(&data, &PredictOptions::default()).unwrap().fit,
            "linear_predictors",
        )
    } else {
        (fit_scale, "fitted")
    };
    let fit_sd = if own_mean || r["fitted"].is_null() {
        sd(&nums(&r[fit_key]))
    } else {
        sd_y
    };
    let fitted = worst(&fit_scale, &nums(&r[fit_key])) / fit_sd;
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
    // Deviance residuals, as residuals(b, "deviance"): sign(y − μ) √(the row's deviance as
    // reported); a censored response's second column from the JSON (`censor`).
    let theta_hat = &model.theta;
    let censor = if r["censor"].is_null() {
        y_ref.clone()
    } else {
        nums(&r["censor"])
    };
    let res: Vec<f64> = y_ref
        .iter()
        .zip(&censor)
        .zip(fit_scale.iter().zip(&mu_hat))
        .map(|((&y, &censor), (&at, &mean))| {
            let d = model.family.reported_deviance(Obs { y, w: 1.0, censor }, at, theta_hat);
            d.sqrt() * (y - mean).signum()
        })
        .collect();
    if !r["residuals_deviance"].is_null() {
        cmp(
            "deviance residuals",
            worst(&res, &nums(&r["residuals_deviance"])),
            RESIDUAL_ABS_TOL,
        );
    }
    // Predictions with standard errors on the first 50 rows, both scales.
    let first = data.select_rows(&(0..50).collect::<Vec<_>>());
    for (kind, fit_key, se_key) in [
        (PredictType::Link, "pred_link", "pred_link_se"),
        (PredictType::Response, "pred_response", "pred_response_se"),
    ] {
        if r[fit_key].is_null() {
            continue;
        }
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
    if !r["residuals_response"].is_null() {
        let ours: Vec<f64> = y_ref.iter().zip(&mu_hat).map(|(y, m)| y - m).collect();
        cmp(
            "response residuals / sd(y)",
            worst(&ours, &nums(&r["residuals_response"])) / sd_y,
            PRED_SD_TOL,
        );
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
    let ours = summary_lines(&model);
    let theirs: Vec<&str> = r["summary_text"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    for (i, b) in theirs.iter().enumerate() {
        let a = ours.get(i).map_or("<missing>", String::as_str);
        if a != *b {
            failures.push(format!("{id}: summary line {}:\n  ours: {a}\n  mgcv: {b}", i + 1));
        }
    }
    println!(
        "{id}: criterion {crit:.2e} rel, theta {theta:.2e} rel, EDF {edf:.2e}, fitted {fitted:.2e} sd; \
         ours {secs:.3}s (debug or release as built), mgcv median {:.3}s",
        num(&r["mgcv_seconds_median"])
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The comparisons of one case that failed, each a line naming the case and the quantity.
pub struct Failures {
    id: String,
    lines: Vec<String>,
}

impl Failures {
    /// An empty list for case `id`.
    pub fn new(id: &str) -> Failures {
        Failures {
            id: id.to_string(),
            lines: Vec::new(),
        }
    }

    /// Records `what` as failed when `err` exceeds `tol` or is NaN.
    pub fn cmp(&mut self, what: &str, err: f64, tol: f64) {
        if err.is_nan() || err > tol {
            self.lines
                .push(format!("{}: {what}: error {err:.3e} > {tol:.1e}", self.id));
        }
    }

    /// Records every line of `ours` that differs from mgcv's printout `theirs` (an array of
    /// strings, as `capture.output(print(summary(b)))` gives them).
    pub fn lines(&mut self, ours: &[String], theirs: &Value) {
        let theirs: Vec<&str> = theirs.as_array().unwrap().iter().map(|l| l.as_str().unwrap()).collect();
        for (i, b) in theirs.iter().enumerate() {
            let a = ours.get(i).map_or("<missing>", String::as_str);
            if a != *b {
                self.lines.push(format!(
                    "{}: summary line {}:\n  ours: {a}\n  mgcv: {b}",
                    self.id,
                    i + 1
                ));
            }
        }
    }

    /// Records a failure described by `what` (the case id is prefixed).
    pub fn push(&mut self, what: String) {
        self.lines.push(format!("{}: {what}", self.id));
    }

    /// Panics listing the failures, if any.
    pub fn assert_none(self) {
        assert!(self.lines.is_empty(), "{}", self.lines.join("\n"));
    }
}

/// The median of 5 timed runs of `fit`, in seconds.
pub fn median_seconds_of_5(mut fit: impl FnMut()) -> f64 {
    let mut secs: Vec<f64> = (0..5)
        .map(|_| {
            let t0 = std::time::Instant::now();
            fit();
            t0.elapsed().as_secs_f64()
        })
        .collect();
    secs.sort_by(f64::total_cmp);
    secs[2]
}
