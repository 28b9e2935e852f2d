//! `gam fit` with the general families gevlss, shash and twlss: `--family gevlss|shash|twlss`
//! with a list formula print mgcv's summary (the numbers are checked against mgcv in the
//! library's `general_lss34_fidelity` and `general_twlss_fidelity` tests; here the family,
//! link and REML lines against mgcv's printout); a saved model predicts every predictor's
//! column on the response scale as mgcv's `predict.gam`; a response outside the family's
//! support is a one-line error naming the row.

mod common;

use common::fit::{FitRun, reference, test_data};
use common::gam_in;
use tempfile::TempDir;

/// Each case: reference id, family, number of linear predictors.
const CASES: [(&str, &str, usize); 3] = [
    ("gevlss_reml", "gevlss", 3),
    ("shash_reml", "shash", 4),
    ("twlss_simple_reml", "twlss", 3),
];

#[test]
fn gevlss_shash_and_twlss_fit_print_and_predict_as_mgcv() {
    for (id, family, m) in CASES {
        let r = reference(&format!("general/{id}.json"));
        let data = test_data(&format!("general/{}", r["data"].as_str().unwrap()));
        let formula = r["formula"].as_str().unwrap();
        let dir = TempDir::new().unwrap();
        let fit = gam_in(
            dir.path(),
            [
                "fit",
                data.to_str().unwrap(),
                formula,
                "--family",
                family,
                "--out",
                "m.json",
            ],
        );
        fit.assert_ok();
        let mgcv: Vec<&str> = r["summary_text"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        for line in mgcv.iter().filter(|l| {
            l.starts_with("Family") || l.starts_with("Link") || l.starts_with("-REML") || l.starts_with("Deviance")
        }) {
            assert!(
                fit.stdout.lines().any(|l| l == *line),
                "{id}: {line:?} in\n{}",
                fit.stdout
            );
        }
        let rows: String = std::fs::read_to_string(&data)
            .unwrap()
            .lines()
            .take(41)
            .map(|l| format!("{l}\n"))
            .collect();
        std::fs::write(dir.path().join("nd.csv"), rows).unwrap();
        let run = gam_in(
            dir.path(),
            ["predict", "m.json", "nd.csv", "--type", "response", "--se"],
        );
        run.assert_ok();
        let mut lines = run.stdout.lines();
        let header: Vec<String> = (1..=m)
            .map(|k| format!("fit_{k}"))
            .chain((1..=m).map(|k| format!("se_fit_{k}")))
            .collect();
        assert_eq!(lines.next(), Some(header.join(",").as_str()), "{id}");
        for (i, line) in lines.enumerate() {
            let v: Vec<f64> = line.split(',').map(|x| x.parse().unwrap()).collect();
            for k in 0..m {
                let fit = r["pred_response"][k][i].as_str().unwrap().parse::<f64>().unwrap();
                let se = r["pred_response_se"][k][i].as_str().unwrap().parse::<f64>().unwrap();
                // The library's fidelity test holds the exact tolerances; here: the columns.
                assert!(
                    (v[k] - fit).abs() < 1e-3 * (1.0 + fit.abs()),
                    "{id} fit_{} row {i}",
                    k + 1
                );
                assert!((v[m + k] - se).abs() < 1e-3 * se, "{id} se_fit_{} row {i}", k + 1);
            }
        }
    }
}

#[test]
fn a_response_outside_the_support_is_a_one_line_error_naming_the_row() {
    for (id, data, family, value, words) in [
        ("gevlss_reml", "gevlss_n400.csv", "gevlss", "Inf", ["row 5", "finite"]),
        (
            "twlss_simple_reml",
            "twlss_n400.csv",
            "twlss",
            "-1",
            ["row 5", "at least 0"],
        ),
    ] {
        let r = reference(&format!("general/{id}.json"));
        let csv = std::fs::read_to_string(test_data(&format!("general/{data}"))).unwrap();
        let mut lines: Vec<String> = csv.lines().map(String::from).collect();
        let rest = lines[5].split_once(',').unwrap().1.to_string();
        lines[5] = format!("{value},{rest}");
        let dir = TempDir::new().unwrap();
        std::fs::write(dir.path().join("bad.csv"), lines.join("\n") + "\n").unwrap();
        gam_in(
            dir.path(),
            ["fit", "bad.csv", r["formula"].as_str().unwrap(), "--family", family],
        )
        .assert_error(&words);
    }
}
