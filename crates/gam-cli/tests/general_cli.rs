//! `gam fit` with a general family: `--family gaulss` and a list formula print mgcv's summary
//! (the numbers are checked against mgcv in the library's `general_fidelity` test; here the
//! printout's REML line against mgcv's); the wrong pairing of family and formula, a bad part
//! of the list and options not supported yet are one-line errors.

mod common;

use common::fit::{FitRun, reference, test_data};
use common::gam_in;
use tempfile::TempDir;

const FORMULA: &str = "list(y ~ s(x1) + s(x2) + x3, ~ s(x1))";

fn data() -> String {
    test_data("general/gaulss_n400.csv").to_string_lossy().into_owned()
}

#[test]
fn gaulss_fits_and_prints_mgcvs_reml_line() {
    let dir = TempDir::new().unwrap();
    let run = gam_in(dir.path(), ["fit", &data(), FORMULA, "--family", "gaulss"]);
    run.assert_ok();
    let r = reference("general/gaulss_reml.json");
    let mgcv: Vec<String> = r["summary_text"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    for line in ["Family: gaulss ", "Link function: identity logb ", "~s(x1)"] {
        assert!(run.stdout.lines().any(|l| l == line), "{line:?}: {}", run.stdout);
    }
    let reml = mgcv.iter().find(|l| l.starts_with("-REML")).unwrap();
    assert!(run.stdout.lines().any(|l| l == reml), "{reml:?}: {}", run.stdout);
}

#[test]
fn wrong_pairings_and_unsupported_options_are_one_line_errors() {
    let dir = TempDir::new().unwrap();
    let d = data();
    gam_in(dir.path(), ["fit", &d, FORMULA]).assert_error(&["needs a general family", "--family gaulss"]);
    gam_in(dir.path(), ["fit", &d, "y ~ s(x1)", "--family", "gaulss"]).assert_error(&["list(y ~ s(x), ~ s(x))"]);
    gam_in(dir.path(), ["fit", &d, FORMULA, "--family", "gaulss", "--method", "ML"]).assert_error(&["REML only"]);
    gam_in(
        dir.path(),
        ["fit", &d, FORMULA, "--family", "gaulss", "--out", "m.json"],
    )
    .assert_error(&["--out"]);
    gam_in(
        dir.path(),
        ["fit", &d, "list(y ~ s(x1), ~ s(x1 +))", "--family", "gaulss"],
    )
    .assert_error_lines(3, &["formula 2 of the list"]);
}
