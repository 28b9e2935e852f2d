//! `gam.check` against mgcv 1.8-41 on every public reference case
//! (`tests/data/check/<id>.json`, made by `tests/data/check/check_ref.R`):
//! the printed report line by line, and the data of the residual plots.
//!
//! The report is that of our own fit (as a user sees it), so its numbers are
//! compared with tolerances: the score and scale agree to the optimisers'
//! tolerance, the Hessian's eigenvalues to what a slightly different end
//! point moves them, the gradient is noise below the convergence tolerance
//! in both. The residual plots are compared on a fit at mgcv's smoothing
//! parameters, where they agree to rounding.

mod common;

use common::cases::{cases, fit_at_mgcv_sp, load_data, test_data, values};
use common::json::read_json;
use gam::expert::formula::Formula;
use gam::expert::model::{Family, GamSpec, Link};
use gam::expert::report::check::{CheckOptions, QqReference, check_text, gam_check};
use serde_json::Value;

/// The score and scale as printed (7 significant digits) and as fitted.
const SCORE_REL_TOL: f64 = 1e-6;
/// The Hessian's eigenvalues, relative to the largest (different end points
/// of two optimisers on a flat criterion move the small ones most).
const HESSIAN_EIGEN_REL_TOL: f64 = 1e-3;
/// The residual plots' per-row numbers, relative to the largest of each kind.
const RESID_TOL: f64 = 1e-8;
/// Theoretical quantiles where they depend on the randomisation (every family
/// but the Gaussian): the mean absolute difference from mgcv's, relative to
/// their spread. Each is the mean of 10 random draws, in both.
const QQ_RANDOM_TOL: f64 = 0.05;
/// The k-index where it is computed from a subsample (random) or a tie of
/// neighbours (see `plot_fidelity.rs`): printed to 3 digits.
const K_INDEX_TOL: f64 = 0.06;

/// The numbers in a line of text.
fn numbers(line: &str) -> Vec<f64> {
    line.split(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '-' | 'e' | '+')))
        .filter_map(|s| s.trim_end_matches('.').parse::<f64>().ok())
        .collect()
}

fn close(what: &str, ours: f64, theirs: f64, tol: f64) {
    assert!(
        (ours - theirs).abs() <= tol,
        "{what}: ours {ours}, mgcv {theirs} (tol {tol})"
    );
}

fn check_report(id: &str, case: &Value, reference: &Value) {
    let data = load_data(id, case);
    let family = Family::from_name(case["family"].as_str().unwrap()).unwrap();
    let link = Link::from_name(case["link"].as_str().unwrap()).unwrap();
    let spec = GamSpec::new(Formula::parse(case["formula"].as_str().unwrap()).unwrap()).with_family(family, link);
    let model = spec.fit(&data).unwrap();
    let check = gam_check(&model, &data, &CheckOptions::default()).unwrap();
    let ours: Vec<String> = check_text(&check).lines().map(str::to_string).collect();
    // mgcv runs "no smoothing parameter selection" into the rank line; we end the line.
    let theirs: Vec<String> = reference["text"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|l| {
            let l = l.as_str().unwrap();
            match l.split_once("selectionModel rank") {
                Some((a, b)) => vec![format!("{a}selection"), format!("Model rank{b}")],
                None => vec![l.to_string()],
            }
        })
        .collect();
    // The stars legend follows the random p-values: not compared.
    let legend = |l: &String| l == "---" || l.starts_with("Signif. codes");
    let ours: Vec<String> = ours.into_iter().filter(|l| !legend(l)).collect();
    let theirs: Vec<String> = theirs.into_iter().filter(|l| !legend(l)).collect();
    assert_eq!(
        ours.len(),
        theirs.len(),
        "{id}: lines\n{}\nvs mgcv\n{}",
        ours.join("\n"),
        theirs.join("\n")
    );
    let mut k_rows = false;
    for (a, b) in ours.iter().zip(&theirs) {
        let what = format!("{id}: '{a}' vs mgcv '{b}'");
        if let Some(rest) = b.strip_prefix("Gradient range [") {
            // Noise below the convergence tolerance in both fits.
            assert!(a.starts_with("Gradient range ["), "{what}");
            let tol = 1e-3 * (1.0 + model.reml_score.abs());
            for g in numbers(a).into_iter().chain(numbers(rest)) {
                assert!(g.abs() <= tol, "{what}: gradient {g}");
            }
        } else if b.starts_with("(score ") {
            let (x, y) = (numbers(a), numbers(b));
            assert_eq!(x.len(), 2, "{what}");
            close(&what, x[0], y[0], SCORE_REL_TOL * y[0].abs());
            close(&what, x[1], y[1], SCORE_REL_TOL * y[1].abs());
        } else if b.contains("eigenvalue range [") {
            assert_eq!(
                a.starts_with("Hessian positive definite"),
                b.starts_with("Hessian positive definite"),
                "{what}"
            );
            let (x, y) = (numbers(a), numbers(b));
            let scale = y.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            close(&what, x[0], y[0], HESSIAN_EIGEN_REL_TOL * scale);
            close(&what, x[1], y[1], HESSIAN_EIGEN_REL_TOL * scale);
        } else if b.trim_start().starts_with("k'") {
            k_rows = true;
            // A column of stars follows when a (random) p-value is below 0.1.
            assert_eq!(a.trim_end(), b.trim_end(), "{what}");
        } else if k_rows && !b.is_empty() {
            // term, k', edf as printed; the k-index close (it is random only on a
            // subsample or a tie); the p-value random.
            let strip = |s: &str| s.trim_end_matches([' ', '*', '.']).to_string();
            let (a, b) = (&strip(a), &strip(b));
            let (x, y) = (numbers(a), numbers(b));
            let label = |s: &str| s.split("  ").next().unwrap().to_string();
            assert_eq!(label(a), label(b), "{what}");
            let n = y.len().min(x.len());
            assert!(n >= 2, "{what}");
            let tail = |v: &[f64]| v[v.len() - n..].to_vec();
            let (x, y) = (tail(&x), tail(&y));
            let kcol = n.saturating_sub(2);
            for j in 0..kcol {
                assert_eq!(x[j], y[j], "{what}: column {j}");
            }
            if a.trim_end().ends_with("NA") || b.trim_end().ends_with("NA") {
                assert!(a.trim_end().ends_with("NA") && b.trim_end().ends_with("NA"), "{what}");
            } else {
                close(&what, x[kcol], y[kcol], K_INDEX_TOL);
                assert!((0.0..=1.0).contains(&x[kcol + 1]), "{what}");
            }
        } else {
            assert_eq!(a, b, "{what}");
        }
    }
}

fn check_residual_plots(id: &str, case: &Value, reference: &Value) {
    if reference.get("resid").is_none() {
        return;
    }
    let (data, model) = fit_at_mgcv_sp(id, case, reference);
    let r = gam_check(&model, &data, &CheckOptions::default()).unwrap().residuals;
    for (name, ours, key) in [
        ("residuals", &r.residuals, "resid"),
        ("linear predictor", &r.linear_predictor, "linpred"),
        ("fitted", &r.fitted, "fitted"),
        ("response", &r.response, "y"),
    ] {
        let theirs = values(&reference[key]);
        assert_eq!(ours.len(), theirs.len(), "{id} {name}");
        let scale = theirs.iter().fold(1.0f64, |m, v| m.max(v.abs()));
        for (i, (a, b)) in ours.iter().zip(&theirs).enumerate() {
            close(&format!("{id} {name}[{i}]"), *a, *b, RESID_TOL * scale);
        }
    }
    assert_eq!(r.qq_reference, QqReference::Family, "{id}");
    let theirs = values(&reference["qq"]);
    assert_eq!(r.qq_theoretical.len(), theirs.len(), "{id} qq");
    let spread = theirs.last().unwrap() - theirs[0];
    if case["family"] == "gaussian" {
        for (i, (a, b)) in r.qq_theoretical.iter().zip(&theirs).enumerate() {
            close(&format!("{id} qq[{i}]"), *a, *b, RESID_TOL * spread.max(1.0));
        }
    } else {
        let mad = r
            .qq_theoretical
            .iter()
            .zip(&theirs)
            .map(|(a, b)| (a - b).abs())
            .sum::<f64>()
            / theirs.len() as f64;
        assert!(
            mad <= QQ_RANDOM_TOL * spread,
            "{id} qq: mean difference {mad}, spread {spread}"
        );
    }
    let h = &r.histogram;
    assert_eq!(
        h.counts.iter().sum::<u64>() as usize,
        r.residuals.len(),
        "{id} histogram"
    );
}

#[test]
fn gam_check_is_mgcv_gam_check_on_every_public_case() {
    let mut n = 0;
    for case in &cases() {
        if case["visibility"] != "public" {
            continue;
        }
        let id = case["id"].as_str().unwrap();
        let reference = read_json(&test_data().join(format!("check/{id}.json")));
        check_report(id, case, &reference);
        check_residual_plots(id, case, &reference);
        n += 1;
    }
    assert!(n >= 19, "{n} public cases");
}
