//! `gam fit` with `--family 'multinom(K=2)'` and a list of two formulas prints mgcv's summary
//! (its numbers are checked against mgcv in the library's `general_multinom_fidelity` test;
//! here the family, link and REML lines against mgcv's printout); a list with the wrong
//! number of formulas and a response that is not a class are one-line errors; a saved model
//! predicts the linear predictors and, with `--type response`, the class probabilities
//! `p0..p2` with mgcv's standard errors.

mod common;

use common::fit::{FitRun, reference, test_data};
use common::gam_in;
use tempfile::TempDir;

const FORMULA: &str = "list(y ~ s(x1) + s(x2), ~ s(x1) + s(x2))";
const FAMILY: &str = "multinom(K=2)";

fn data() -> String {
    test_data("general/multinom_k2_n500.csv").to_string_lossy().into_owned()
}

fn mgcv_value(r: &serde_json::Value, key: &str, col: usize, row: usize) -> f64 {
    r[key][col][row].as_str().unwrap().parse().unwrap()
}

#[test]
fn multinom_fits_summarises_and_predicts_class_probabilities() {
    let dir = TempDir::new().unwrap();
    let fit = gam_in(
        dir.path(),
        ["fit", &data(), FORMULA, "--family", FAMILY, "--out", "m.json"],
    );
    fit.assert_ok();
    let r = reference("general/multinom_k2_reml.json");
    let mgcv: Vec<&str> = r["summary_text"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let reml = mgcv.iter().find(|l| l.starts_with("-REML")).unwrap();
    for line in ["Family: multinom ", "Link function: ", "~s(x1) + s(x2)", reml] {
        assert!(fit.stdout.lines().any(|l| l == line), "{line:?}: {}", fit.stdout);
    }
    let summary = gam_in(dir.path(), ["summary", "m.json"]);
    summary.assert_ok();
    assert_eq!(summary.stdout, fit.stdout);
    let rows: String = std::fs::read_to_string(data())
        .unwrap()
        .lines()
        .take(41)
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(dir.path().join("nd.csv"), rows).unwrap();
    for (kind, key, header, cols) in [
        ("link", "pred_link", "fit_1,fit_2,se_fit_1,se_fit_2", 2),
        ("response", "pred_response", "p0,p1,p2,se_p0,se_p1,se_p2", 3),
    ] {
        let run = gam_in(dir.path(), ["predict", "m.json", "nd.csv", "--type", kind, "--se"]);
        run.assert_ok();
        let mut lines = run.stdout.lines();
        assert_eq!(lines.next(), Some(header));
        let mut n = 0;
        for (i, line) in lines.enumerate() {
            let v: Vec<f64> = line.split(',').map(|x| x.parse().unwrap()).collect();
            assert_eq!(v.len(), 2 * cols, "{kind} row {i}");
            for k in 0..cols {
                let fit = mgcv_value(&r, key, k, i);
                let se = mgcv_value(&r, &format!("{key}_se"), k, i);
                // The library's fidelity test holds the exact tolerances; here: the columns.
                assert!(
                    (v[k] - fit).abs() < 1e-3 * (1.0 + fit.abs()),
                    "{kind} column {k} row {i}"
                );
                assert!((v[cols + k] - se).abs() < 1e-3 * se, "{kind} se column {k} row {i}");
            }
            n += 1;
        }
        assert_eq!(n, 40, "{kind}: one line per row");
    }
}

#[test]
fn multinom_wrong_formula_count_and_bad_classes_are_one_line_errors() {
    let dir = TempDir::new().unwrap();
    let d = data();
    gam_in(
        dir.path(),
        ["fit", &d, "list(y ~ s(x1), ~ s(x1), ~ s(x2))", "--family", FAMILY],
    )
    .assert_error(&["multinom(K=2)", "needs 2 formulas"]);
    gam_in(dir.path(), ["fit", &d, FORMULA, "--family", "multinom(K=x)"]).assert_error(&["multinom(K="]);
    let mut text = std::fs::read_to_string(&d).unwrap();
    // The first data row (row 1) gets class 3, which K = 2 does not have.
    let start = text.find('\n').unwrap() + 1;
    text.replace_range(start..start + 1, "3");
    std::fs::write(dir.path().join("bad.csv"), text).unwrap();
    gam_in(dir.path(), ["fit", "bad.csv", FORMULA, "--family", FAMILY]).assert_error(&["row 1", "0 to 2"]);
}
