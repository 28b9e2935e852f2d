//! Fidelity against mgcv 1.8-41: every public reference case in `tests/data/bench/cases.json`
//! (Gaussian, binomial, Poisson, Gamma) is fitted with the engine and compared with mgcv's answers in
//! `tests/data/bench/ref/<id>.json`.
//!
//! Per case (tolerances: the named constants of `common/tol.rs` and below):
//! - full fit: REML score (for non-Gaussian families the Laplace-approximate score, mgcv's
//!   `gcv.ubre`), total EDF, per-smooth EDF (matched by label), deviance explained, linear predictor
//!   of rows 1..min(200, n);
//! - train/test: refit on rows 1..floor(0.8 n), REML score of that fit, link-scale predictions and
//!   their standard errors on the remaining rows.
//!
//! Predictions are compared as a multiple of a spread: sd(y) for Gaussian cases, the sd of mgcv's
//! linear predictor for the others (the response is on another scale than the linear predictor).
//!
//! One `#[test]` per case; `every_case_is_covered` checks the list against cases.json, so a new case
//! fails until it is added here (or to [`KNOWN_MISMATCH`] with a reason).
#![allow(clippy::print_stdout, clippy::print_stderr)]

#[macro_use]
mod common;

use common::cases::{bench_dir, cases, factors};
use common::json::{num_of, nums_of, read_json, sd};
use common::tol::{DEV_EXPL_ABS_TOL, EDF_ABS_TOL, PRED_SD_TOL, REML_REL_TOL, SE_REL_TOL};
use gam::expert::data::{DataFrame, ReadOptions};
use gam::expert::formula::Formula;
use gam::expert::model::{Family, GamModel, GamSpec, Link};
use gam::expert::predict::{PredictOptions, PredictType};
use serde_json::Value;
/// Rows of the full fit's linear predictor stored by mgcv.
const N_FIRST: usize = 200;
/// Fraction of rows in the training part of the train/test split.
const TRAIN_FRAC: f64 = 0.8;

/// Cases that are known not to match mgcv, with the reason. They are still fitted and their
/// differences printed, but they do not fail; one that matches fails, so that it is taken off this list.
const KNOWN_MISMATCH: &[(&str, &str)] = &[];

// One test per public case, plus the list of their ids for the completeness check.
test_per_case!(
    run_case;
    mcycle_tp,
    mcycle_cr,
    airquality_cr,
    gamsim1_tp,
    gamsim1_cr,
    gamsim1_ps,
    gamsim2_te,
    gamsim4_by,
    gamsim6_re,
    gamsim1_n100k_cr,
    faithful_ps,
    cake_re,
    airquality_te,
    trees_gamma,
    insurance_pois,
    gamsim1_binary,
    coal_pois,
    hepatitis_binom,
    head_circ_gamma,
);

fn all_ids() -> Vec<String> {
    cases()
        .iter()
        .map(|c| c["id"].as_str().expect("case without id").to_string())
        .collect()
}

#[test]
fn every_case_is_covered() {
    let gaussian = all_ids();
    let mut problems = Vec::new();
    for id in &gaussian {
        let run = CASES.contains(&id.as_str());
        let known = KNOWN_MISMATCH.iter().any(|(k, _)| k == id);
        if !run && !known {
            problems.push(format!(
                "case {id} is neither tested (test_per_case!) nor listed in KNOWN_MISMATCH"
            ));
        }
    }
    for id in CASES {
        if !gaussian.iter().any(|g| g == id) {
            problems.push(format!("{id} is tested but is not a case of cases.json"));
        }
    }
    for (id, reason) in KNOWN_MISMATCH {
        if !gaussian.iter().any(|g| g == id) {
            problems.push(format!("KNOWN_MISMATCH lists {id}, which is not a case of cases.json"));
        }
        if reason.trim().is_empty() {
            problems.push(format!("KNOWN_MISMATCH entry {id} has no reason"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Collects the comparisons of one case; failures are reported together at the end.
struct Checker {
    id: String,
    failures: Vec<String>,
    /// Unchecked information printed with the failures.
    context: Vec<String>,
    n_checked: usize,
}

impl Checker {
    fn check(&mut self, quantity: &str, ours: f64, mgcv: f64, err: f64, tol: f64, tol_text: &str) {
        self.n_checked += 1;
        if err.is_nan() || err > tol {
            self.failures.push(format!(
                "{}: {quantity}: ours {ours:.10e}, mgcv {mgcv:.10e}, error {err:.3e} > tolerance {tol:.3e} ({tol_text})",
                self.id
            ));
        }
    }

    fn rel(&mut self, quantity: &str, ours: f64, mgcv: f64, tol: f64) {
        let err = (ours - mgcv).abs() / mgcv.abs();
        self.check(quantity, ours, mgcv, err, tol, "relative");
    }

    fn abs(&mut self, quantity: &str, ours: f64, mgcv: f64, tol: f64, tol_text: &str) {
        self.check(quantity, ours, mgcv, (ours - mgcv).abs(), tol, tol_text);
    }

    /// Element-wise absolute comparison; reports the worst element (and how many fail).
    fn abs_vec(&mut self, quantity: &str, ours: &[f64], mgcv: &[f64], tol: f64, tol_text: &str) {
        self.vec(quantity, ours, mgcv, |o, m| (o - m).abs(), tol, tol_text);
    }

    /// Element-wise relative comparison; reports the worst element (and how many fail).
    fn rel_vec(&mut self, quantity: &str, ours: &[f64], mgcv: &[f64], tol: f64) {
        self.vec(quantity, ours, mgcv, |o, m| (o - m).abs() / m.abs(), tol, "relative");
    }

    fn vec(&mut self, quantity: &str, ours: &[f64], mgcv: &[f64], err: impl Fn(f64, f64) -> f64, tol: f64, t: &str) {
        if ours.len() != mgcv.len() {
            self.n_checked += 1;
            self.failures.push(format!(
                "{}: {quantity}: ours has {} values, mgcv {}",
                self.id,
                ours.len(),
                mgcv.len()
            ));
            return;
        }
        let errs: Vec<f64> = ours.iter().zip(mgcv).map(|(&o, &m)| err(o, m)).collect();
        let n_bad = errs.iter().filter(|e| e.is_nan() || **e > tol).count();
        let worst = (0..errs.len()).max_by(|&a, &b| errs[a].total_cmp(&errs[b]).then(b.cmp(&a)));
        let Some(i) = worst else { return };
        let label = format!(
            "{quantity} (worst of {} at row {}; {n_bad} out of tolerance)",
            errs.len(),
            i + 1
        );
        self.check(&label, ours[i], mgcv[i], errs[i], tol, t);
    }

    /// Adds (unchecked) smoothing parameters and per-smooth EDFs of `model` and mgcv's `fit` to the report.
    fn context(&mut self, model: &GamModel, fit: &Value, what: &str) {
        let ref_sp = nums_of(&fit["sp"]["values"], "sp.values");
        let names = model.design.sp_names();
        for (i, name) in names.iter().enumerate() {
            let mgcv = ref_sp.get(i).map_or_else(|| "-".to_string(), |v| format!("{v:.6e}"));
            self.context.push(format!(
                "  context, {what} fit: sp {name}: ours {:.6e}, mgcv {mgcv}",
                model.sp[i]
            ));
        }
        let ours_edf = model.smooth_edf();
        for (s, edf) in model.design.smooths.iter().zip(&ours_edf) {
            let mgcv = fit["smooths"]
                .as_array()
                .and_then(|a| a.iter().find(|r| r["label"] == s.label.as_str()))
                .and_then(|r| r["edf"].as_f64())
                .map_or_else(|| "-".to_string(), |v| format!("{v:.6}"));
            self.context.push(format!(
                "  context, {what} fit: EDF {}: ours {edf:.6}, mgcv {mgcv}",
                s.label
            ));
        }
        self.context.push(format!(
            "  context, {what} fit: outer iterations ours {} (max |grad| {:.2e}), mgcv {} (max |grad| {:.2e})",
            model.outer.iter,
            model.outer.max_abs_grad,
            fit["outer"]["iter"],
            fit["outer"]["max_abs_grad"].as_f64().unwrap_or(f64::NAN)
        ));
    }

    fn fail(&mut self, message: String) {
        self.n_checked += 1;
        self.failures.push(format!("{}: {message}", self.id));
    }
}

/// Reads a case's data, with its `factors` columns as factors (from quoting, or forced if not detected).
fn load_data(id: &str, case: &Value) -> DataFrame {
    let path = bench_dir().join(case["data"].as_str().expect("case without data"));
    let factors = factors(case);
    let data = DataFrame::read_csv(&path).unwrap_or_else(|e| panic!("{id}: reading {}: {e}", path.display()));
    let undetected: Vec<&String> = factors
        .iter()
        .filter(|f| !data.column(f).is_some_and(|c| c.is_factor()))
        .collect();
    if undetected.is_empty() {
        return data;
    }
    eprintln!("{id}: factor column(s) {undetected:?} not detected from quoting; reading with ReadOptions");
    DataFrame::read_csv_with(&path, &ReadOptions { factors })
        .unwrap_or_else(|e| panic!("{id}: reading {} with factors: {e}", path.display()))
}

fn fit(id: &str, what: &str, spec: &GamSpec, data: &DataFrame) -> GamModel {
    spec.fit(data)
        .unwrap_or_else(|e| panic!("{id}: {what} fit failed: {e}"))
}

fn run_case(id: &str) {
    let all = cases();
    let case = all
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("{id} is not in cases.json"));
    let family_name = case["family"].as_str().expect("case without family");
    let family = Family::from_name(family_name).unwrap_or_else(|| panic!("{id}: unknown family {family_name}"));
    let link_name = case["link"].as_str().expect("case without link");
    let link = Link::from_name(link_name).unwrap_or_else(|| panic!("{id}: unknown link {link_name}"));
    let reference = read_json(&bench_dir().join("ref").join(format!("{id}.json")));
    assert_eq!(reference["status"], "ok", "{id}: mgcv's reference status is not ok");
    let g = &reference["gam"];

    let data = load_data(id, case);
    let n = data.nrows();
    assert_eq!(
        n as u64,
        case["n"].as_u64().expect("case without n"),
        "{id}: rows read vs cases.json n"
    );
    let formula_text = case["formula"].as_str().expect("case without formula");
    let formula = Formula::parse(formula_text).unwrap_or_else(|e| panic!("{id}: formula {formula_text:?}: {e}"));
    let spec = GamSpec::new(formula).with_family(family, link);

    let mut c = Checker {
        id: id.to_string(),
        failures: Vec::new(),
        context: Vec::new(),
        n_checked: 0,
    };

    // Full fit.
    let model = fit(id, "full", &spec, &data);
    let lp_ref = nums_of(&g["linear_predictor_first"], "gam.linear_predictor_first");
    let (spread, spread_name) = if family == Family::Gaussian {
        let y = model
            .design
            .response_values(&data)
            .unwrap_or_else(|e| panic!("{id}: response: {e}"));
        (sd(&y), "sd(y)")
    } else {
        (sd(&lp_ref), "sd(linear predictor)")
    };
    let pred_tol = PRED_SD_TOL * spread;
    let pred_tol_text = format!("{PRED_SD_TOL:e} * {spread_name} = {PRED_SD_TOL:e} * {spread:.6}");
    c.rel(
        "REML score",
        model.reml_score,
        num_of(&g["reml_score"], "gam.reml_score"),
        REML_REL_TOL,
    );
    c.abs(
        "total EDF",
        model.edf_total(),
        num_of(&g["edf_total"], "gam.edf_total"),
        EDF_ABS_TOL,
        "absolute",
    );
    let ours_edf = model.smooth_edf();
    let ours_labels: Vec<&str> = model.design.smooths.iter().map(|s| s.label.as_str()).collect();
    let ref_smooths = g["smooths"].as_array().expect("gam.smooths is not an array");
    for s in ref_smooths {
        let label = s["label"].as_str().expect("smooth without label");
        let mgcv = num_of(&s["edf"], "smooth edf");
        match ours_labels.iter().position(|l| *l == label) {
            Some(i) => c.abs(&format!("EDF of {label}"), ours_edf[i], mgcv, EDF_ABS_TOL, "absolute"),
            None => c.fail(format!(
                "mgcv's smooth {label} not in our model (ours: {ours_labels:?})"
            )),
        }
    }
    for l in &ours_labels {
        if !ref_smooths.iter().any(|s| s["label"] == *l) {
            c.fail(format!("our smooth {l} is not in mgcv's model"));
        }
    }
    c.abs(
        "deviance explained",
        model.dev_explained(),
        num_of(&g["dev_explained"], "gam.dev_explained"),
        DEV_EXPL_ABS_TOL,
        "absolute",
    );
    let n_first = N_FIRST.min(n);
    assert_eq!(lp_ref.len(), n_first, "{id}: length of linear_predictor_first");
    let first = data.select_rows(&(0..n_first).collect::<Vec<_>>());
    let lp = model
        .predict(&first, &PredictOptions::default())
        .unwrap_or_else(|e| panic!("{id}: predicting the first rows: {e}"));
    c.abs_vec("fitted linear predictor", &lp.fit, &lp_ref, pred_tol, &pred_tol_text);

    // Train/test split.
    let tt = &g["train_test"];
    let n_train = (TRAIN_FRAC * n as f64).floor() as usize;
    assert_eq!(
        Some(n_train as u64),
        case["split"]["n_train"].as_u64(),
        "{id}: floor(0.8 n) vs cases.json split.n_train"
    );
    let train = data.select_rows(&(0..n_train).collect::<Vec<_>>());
    let test = data.select_rows(&(n_train..n).collect::<Vec<_>>());
    let train_model = fit(id, "train", &spec, &train);
    c.rel(
        "train REML score",
        train_model.reml_score,
        num_of(&tt["reml_score"], "train_test.reml_score"),
        REML_REL_TOL,
    );
    let opts = PredictOptions {
        kind: PredictType::Link,
        se: true,
        terms: false,
        ..Default::default()
    };
    let pred = train_model
        .predict(&test, &opts)
        .unwrap_or_else(|e| panic!("{id}: predicting the test rows: {e}"));
    let link_ref = nums_of(&tt["test_pred_link"], "train_test.test_pred_link");
    let se_ref = nums_of(&tt["test_pred_se"], "train_test.test_pred_se");
    c.abs_vec("test prediction (link)", &pred.fit, &link_ref, pred_tol, &pred_tol_text);
    match &pred.se_fit {
        Some(se) => c.rel_vec("test prediction SE", se, &se_ref, SE_REL_TOL),
        None => c.fail("no standard errors returned with se: true".into()),
    }

    if !c.failures.is_empty() {
        // Context for a failure (not checked): smoothing parameters and EDFs of both fits.
        c.context(&model, g, "full");
        c.context(&train_model, tt, "train");
    }

    let known = KNOWN_MISMATCH.iter().find(|(k, _)| *k == id);
    let report = c
        .failures
        .iter()
        .chain(&c.context)
        .cloned()
        .collect::<Vec<_>>()
        .join("\n");
    match (known, c.failures.is_empty()) {
        (None, true) => println!("{id}: all {} comparisons with mgcv within tolerance", c.n_checked),
        (None, false) => panic!(
            "{id}: {} of {} comparisons with mgcv out of tolerance:\n{}",
            c.failures.len(),
            c.n_checked,
            report
        ),
        (Some((_, reason)), false) => println!(
            "{id}: KNOWN_MISMATCH ({reason}); {} of {} comparisons out of tolerance:\n{}",
            c.failures.len(),
            c.n_checked,
            report
        ),
        (Some((_, reason)), true) => panic!(
            "{id}: listed in KNOWN_MISMATCH ({reason}) but all {} comparisons are within tolerance: remove it",
            c.n_checked
        ),
    }
}
