//! `gam fit data.csv "time ~ s(x1) + s(x2)" --family cox.ph --weights status`: mgcv's Cox PH
//! family through the CLI (numbers checked against mgcv in the library's
//! `general_coxph_fidelity` test; here the printout's lines against mgcv's), the saved model's
//! summary and survival predictions, and the one-line errors for a missing status column
//! and a list formula.

mod common;

use common::fit::{FitRun, reference, test_data};
use common::gam_in;
use tempfile::TempDir;

const FORMULA: &str = "time ~ s(x1) + s(x2)";

fn data() -> String {
    test_data("general/coxph_n400.csv").to_string_lossy().into_owned()
}

#[test]
fn coxph_fits_prints_mgcvs_summary_and_predicts_survival() {
    let dir = TempDir::new().unwrap();
    let run = gam_in(
        dir.path(),
        [
            "fit",
            &data(),
            FORMULA,
            "--family",
            "cox.ph",
            "--weights",
            "status",
            "--out",
            "m.json",
        ],
    );
    run.assert_ok();
    let r = reference("general/coxph_reml.json");
    // Every line but the smooth table's (its EDFs may differ from mgcv's in the last printed
    // digit; the library's fidelity test compares those with that allowance).
    for line in r["summary_text"].as_array().unwrap() {
        let line = line.as_str().unwrap();
        if line.starts_with("s(") {
            continue;
        }
        assert!(run.stdout.lines().any(|l| l == line), "{line:?}: {}", run.stdout);
    }
    let summary = gam_in(dir.path(), ["summary", "m.json"]);
    summary.assert_ok();
    assert_eq!(summary.stdout, run.stdout);
    std::fs::copy(test_data("general/coxph_new.csv"), dir.path().join("nd.csv")).unwrap();
    let pred = gam_in(
        dir.path(),
        ["predict", "m.json", "nd.csv", "--type", "response", "--se"],
    );
    pred.assert_ok();
    let mut lines = pred.stdout.lines();
    assert_eq!(lines.next(), Some("fit_1,se_fit_1"));
    for (i, line) in lines.enumerate() {
        let v: Vec<f64> = line.split(',').map(|x| x.parse().unwrap()).collect();
        let fit = r["pred_response"][i].as_str().unwrap().parse::<f64>().unwrap();
        let se = r["pred_response_se"][i].as_str().unwrap().parse::<f64>().unwrap();
        assert!((v[0] - fit).abs() < 1e-4, "survival row {i}: {} vs {fit}", v[0]);
        assert!((v[1] - se).abs() <= 1e-3 * se, "se row {i}: {} vs {se}", v[1]);
    }
}

#[test]
fn coxph_without_status_or_with_a_list_is_a_one_line_error() {
    let dir = TempDir::new().unwrap();
    let d = data();
    gam_in(dir.path(), ["fit", &d, FORMULA, "--family", "cox.ph"]).assert_error(&["--weights"]);
    gam_in(
        dir.path(),
        [
            "fit",
            &d,
            "list(time ~ s(x1), ~ s(x2))",
            "--family",
            "cox.ph",
            "--weights",
            "status",
        ],
    )
    .assert_error(&["single formula"]);
}
