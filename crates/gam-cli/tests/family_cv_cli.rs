//! End-to-end tests of `gam cv` with the non-Gaussian families: cross-validation
//! scores held-out rows by the family's deviance (weighted by the trials of a
//! `cbind(successes, failures)` response), and its held-out predictions are
//! those of each fold's model, numbered by the rows of the file.

mod common;

use std::ffi::OsStr;
use std::fs;

use common::fit::{FitRun, HEPATITIS_CBIND, column, hepatitis, num, parse_csv, rel_diff, test_data};
use common::{gam_in, write};
use tempfile::TempDir;

/// The Poisson unit deviance 2(y log(y/μ) − (y − μ)), with 0 log 0 = 0.
fn poisson_deviance(y: f64, mu: f64) -> f64 {
    let ylogy = if y == 0.0 { 0.0 } else { y * (y / mu).ln() };
    2.0 * (ylogy - (y - mu))
}

/// The rows of a CSV file's text: the header and the data lines.
fn csv_lines(text: &str) -> (String, Vec<String>) {
    let mut lines = text.lines().map(str::to_string);
    let header = lines.next().unwrap();
    (header, lines.filter(|l| !l.is_empty()).collect())
}

#[test]
fn poisson_cross_validation_scores_folds_by_the_poisson_deviance() {
    let dir = TempDir::new().unwrap();
    let coal = test_data("bench/data/coal.csv");
    let formula = "count ~ s(year, k = 20)";
    let preds = dir.path().join("held-out.csv");
    let run = gam_in(
        dir.path(),
        [
            OsStr::new("--no-cache"),
            OsStr::new("cv"),
            coal.as_os_str(),
            OsStr::new(formula),
            OsStr::new("--family"),
            OsStr::new("poisson"),
            OsStr::new("--folds"),
            OsStr::new("5"),
            OsStr::new("--cold-folds"),
            OsStr::new("--predictions"),
            preds.as_os_str(),
            OsStr::new("--json"),
        ],
    );
    run.assert_ok();
    let j = run.json();
    assert_eq!(j["family"], "poisson");
    assert_eq!(j["link"], "log");
    assert_eq!(j["n"], 112);
    let folds = j["fold"].as_array().unwrap();
    assert_eq!(folds.len(), 5);

    // The held-out predictions: one per data row, in row order.
    let (data_header, data) = parse_csv(&fs::read_to_string(&coal).unwrap());
    let count = column(&data_header, &data, "count");
    let (ph, pr) = parse_csv(&fs::read_to_string(&preds).unwrap());
    assert_eq!(ph, ["row", "fold", "fit"]);
    let rows = column(&ph, &pr, "row");
    assert_eq!(rows, (1..=112).map(f64::from).collect::<Vec<_>>());
    let fold_of = column(&ph, &pr, "fold");
    let mu = column(&ph, &pr, "fit");
    assert!(mu.iter().all(|&m| m > 0.0 && m.is_finite()));

    let mut total = 0.0;
    for f in folds {
        let k = num(&f["fold"]);
        let held: Vec<usize> = (0..112).filter(|&i| fold_of[i] == k).collect();
        assert_eq!(held.len() as u64, f["n_test"].as_u64().unwrap());
        let poisson: f64 = held.iter().map(|&i| poisson_deviance(count[i], mu[i])).sum();
        let gaussian: f64 = held.iter().map(|&i| (count[i] - mu[i]).powi(2)).sum();
        let deviance = num(&f["deviance"]);
        assert!(deviance > 0.0 && deviance.is_finite());
        assert!(
            rel_diff(deviance, poisson) <= 1e-10,
            "fold {k}: deviance {deviance} vs Poisson {poisson}"
        );
        assert!(
            rel_diff(deviance, gaussian) > 1e-3,
            "fold {k}: the Gaussian value {gaussian}"
        );
        total += deviance;
    }
    assert!(rel_diff(num(&j["mean_deviance"]), total / 5.0) <= 1e-12);
    assert!(rel_diff(num(&j["mean_deviance_per_row"]), total / 112.0) <= 1e-12);

    // The predictions are those of the fold's model: fit fold 1's training
    // rows cold with `gam fit`, predict its held-out rows.
    let (header, lines) = csv_lines(&fs::read_to_string(&coal).unwrap());
    let (train, test): (Vec<usize>, Vec<usize>) = (0..112).partition(|&i| fold_of[i] != 1.0);
    let subset = |name: &str, rows: &[usize]| {
        let mut text = format!("{header}\n");
        for &i in rows {
            text.push_str(&lines[i]);
            text.push('\n');
        }
        write(dir.path(), name, &text)
    };
    let train_csv = subset("train.csv", &train);
    let test_csv = subset("test.csv", &test);
    let model = dir.path().join("fold1.json");
    gam_in(
        dir.path(),
        [
            OsStr::new("--no-cache"),
            OsStr::new("fit"),
            train_csv.as_os_str(),
            OsStr::new(formula),
            OsStr::new("--family"),
            OsStr::new("poisson"),
            OsStr::new("--out"),
            model.as_os_str(),
        ],
    )
    .assert_ok();
    let predicted = gam_in(
        dir.path(),
        [
            OsStr::new("predict"),
            model.as_os_str(),
            test_csv.as_os_str(),
            OsStr::new("--type"),
            OsStr::new("response"),
        ],
    );
    predicted.assert_ok();
    let (h, p) = parse_csv(&predicted.stdout);
    let fold1 = column(&h, &p, "fit");
    assert_eq!(fold1.len(), test.len());
    for (&i, &m) in test.iter().zip(&fold1) {
        assert!(rel_diff(mu[i], m) <= 1e-8, "row {}: cv {} vs fit {m}", i + 1, mu[i]);
    }

    // The text report.
    let text = gam_in(
        dir.path(),
        [
            OsStr::new("--no-cache"),
            OsStr::new("cv"),
            coal.as_os_str(),
            OsStr::new(formula),
            OsStr::new("--family"),
            OsStr::new("poisson"),
            OsStr::new("--folds"),
            OsStr::new("5"),
        ],
    );
    text.assert_ok();
    assert!(text.stdout.contains("Mean held-out deviance = "), "{text:?}");
}

/// The binomial unit deviance of a proportion y out of `t` trials.
fn binomial_deviance(y: f64, t: f64, mu: f64) -> f64 {
    let term = |a: f64, b: f64| if a == 0.0 { 0.0 } else { a * (a / b).ln() };
    2.0 * t * (term(y, mu) + term(1.0 - y, 1.0 - mu))
}

#[test]
fn cbind_cross_validation_weights_the_deviance_by_the_trials() {
    let dir = TempDir::new().unwrap();
    let preds = dir.path().join("held-out.csv");
    let run = gam_in(
        dir.path(),
        [
            OsStr::new("--no-cache"),
            OsStr::new("cv"),
            hepatitis().as_os_str(),
            OsStr::new(HEPATITIS_CBIND),
            OsStr::new("--family"),
            OsStr::new("binomial"),
            OsStr::new("--folds"),
            OsStr::new("4"),
            OsStr::new("--predictions"),
            preds.as_os_str(),
            OsStr::new("--json"),
        ],
    );
    run.assert_ok();
    let j = run.json();
    assert_eq!(j["family"], "binomial");
    let (dh, data) = parse_csv(&fs::read_to_string(hepatitis()).unwrap());
    let (pos, neg) = (column(&dh, &data, "positive"), column(&dh, &data, "negative"));
    let (ph, pr) = parse_csv(&fs::read_to_string(&preds).unwrap());
    let (fold_of, mu) = (column(&ph, &pr, "fold"), column(&ph, &pr, "fit"));
    assert_eq!(mu.len(), pos.len());
    for f in j["fold"].as_array().unwrap() {
        let k = num(&f["fold"]);
        let want: f64 = (0..mu.len())
            .filter(|&i| fold_of[i] == k)
            .map(|i| {
                let t = pos[i] + neg[i];
                binomial_deviance(pos[i] / t, t, mu[i])
            })
            .sum();
        let got = num(&f["deviance"]);
        assert!(rel_diff(got, want) <= 1e-10, "fold {k}: {got} vs binomial {want}");
    }
}

#[test]
fn cv_predictions_number_the_rows_of_the_file() {
    // Rows dropped for missing values keep the other rows' numbers.
    let dir = TempDir::new().unwrap();
    let mut text = String::from("x,y\n");
    for i in 0..40 {
        let x = f64::from(i) / 40.0;
        let y = (6.0 * x).sin() + 0.1 * f64::from(i % 7);
        if i == 3 {
            text.push_str(&format!("{x},NA\n"));
        } else {
            text.push_str(&format!("{x},{y}\n"));
        }
    }
    write(dir.path(), "d.csv", &text);
    let run = gam_in(
        dir.path(),
        [
            "--no-cache",
            "cv",
            "d.csv",
            "y ~ s(x, k = 5)",
            "--folds",
            "3",
            "--predictions",
            "p.csv",
        ],
    );
    run.assert_ok();
    let (h, p) = parse_csv(&fs::read_to_string(dir.path().join("p.csv")).unwrap());
    let rows = column(&h, &p, "row");
    let want: Vec<f64> = (1..=40).filter(|&r| r != 4).map(f64::from).collect();
    assert_eq!(rows, want);
}
