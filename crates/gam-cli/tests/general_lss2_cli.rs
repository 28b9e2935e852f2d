//! `gam fit` with `--family gammals` and `--family ziplss`: each fits a list formula and
//! prints mgcv's summary (family, links and the REML line as mgcv's printout; the numbers are
//! checked against mgcv in the library's `general_lss2_fidelity` test); a saved model
//! predicts as mgcv's `predict.gam` (gammals: two response columns, the mean and the log
//! scale; ziplss: one, the expected count); a response the family cannot model is a
//! one-line error naming the row.

mod common;

use common::fit::{FitRun, reference, test_data};
use common::gam_in;
use tempfile::TempDir;

const FORMULA: &str = "list(y ~ s(x1) + s(x2), ~ s(x1))";

fn data(family: &str) -> String {
    test_data(&format!("general/{family}_n400.csv"))
        .to_string_lossy()
        .into_owned()
}

/// Fits, checks the printout's family, link and REML lines against mgcv's, saves, and
/// predicts the first 40 rows on both scales against mgcv's values.
fn fits_prints_and_predicts(family: &str, links: &str, response_columns: usize) {
    let dir = TempDir::new().unwrap();
    let run = gam_in(
        dir.path(),
        ["fit", &data(family), FORMULA, "--family", family, "--out", "m.json"],
    );
    run.assert_ok();
    let r = reference(&format!("general/{family}_reml.json"));
    let mgcv: Vec<String> = r["summary_text"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    let family_line = format!("Family: {family} ");
    let link_line = format!("Link function: {links} ");
    for line in [family_line.as_str(), link_line.as_str(), "~s(x1)"] {
        assert!(run.stdout.lines().any(|l| l == line), "{line:?}: {}", run.stdout);
    }
    let reml = mgcv.iter().find(|l| l.starts_with("-REML")).unwrap();
    assert!(run.stdout.lines().any(|l| l == reml), "{reml:?}: {}", run.stdout);
    let summary = gam_in(dir.path(), ["summary", "m.json"]);
    summary.assert_ok();
    assert_eq!(summary.stdout, run.stdout);
    let rows: String = std::fs::read_to_string(data(family))
        .unwrap()
        .lines()
        .take(41)
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(dir.path().join("nd.csv"), rows).unwrap();
    for (kind, key, columns) in [
        ("link", "pred_link", 2),
        ("response", "pred_response", response_columns),
    ] {
        let run = gam_in(dir.path(), ["predict", "m.json", "nd.csv", "--type", kind, "--se"]);
        run.assert_ok();
        let mut lines = run.stdout.lines();
        let header: Vec<String> = (1..=columns)
            .map(|k| format!("fit_{k}"))
            .chain((1..=columns).map(|k| format!("se_fit_{k}")))
            .collect();
        assert_eq!(lines.next(), Some(header.join(",").as_str()));
        let mut n = 0;
        for (i, line) in lines.enumerate() {
            n += 1;
            let v: Vec<f64> = line.split(',').map(|x| x.parse().unwrap()).collect();
            for k in 0..columns {
                let fit = r[key][k][i].as_str().unwrap().parse::<f64>().unwrap();
                let se = r[format!("{key}_se")][k][i].as_str().unwrap().parse::<f64>().unwrap();
                // The library's fidelity test holds the exact tolerances; here: the columns.
                assert!(
                    (v[k] - fit).abs() < 1e-3 * (1.0 + fit.abs()),
                    "{family} {kind} fit_{} row {i}",
                    k + 1
                );
                assert!(
                    (v[columns + k] - se).abs() < 1e-3 * se,
                    "{family} {kind} se_fit_{} row {i}",
                    k + 1
                );
            }
        }
        assert_eq!(n, 40);
    }
}

#[test]
fn gammals_fits_prints_mgcvs_lines_and_predicts() {
    fits_prints_and_predicts("gammals", "identity log", 2);
}

#[test]
fn ziplss_fits_prints_mgcvs_lines_and_predicts() {
    fits_prints_and_predicts("ziplss", "identity identity", 1);
}

#[test]
fn invalid_responses_are_one_line_errors_naming_the_row() {
    let dir = TempDir::new().unwrap();
    for (family, value, word) in [("gammals", "-1", "positive"), ("ziplss", "0.5", "whole count")] {
        let text = std::fs::read_to_string(data(family)).unwrap();
        let mut lines: Vec<String> = text.lines().map(String::from).collect();
        let rest = lines[5].split_once(',').unwrap().1.to_string();
        lines[5] = format!("{value},{rest}");
        let path = dir.path().join(format!("{family}.csv"));
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        gam_in(dir.path(), ["fit", path.to_str().unwrap(), FORMULA, "--family", family]).assert_error(&["row 5", word]);
    }
    gam_in(
        dir.path(),
        ["fit", &data("ziplss"), FORMULA, "--family", "ziplss(link = 'log')"],
    )
    .assert_error(&["ziplss takes no arguments"]);
}
