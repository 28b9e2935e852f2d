//! `gam fit --family 'ocat(R = 4)'` and `gam predict --type response` of the ordered
//! categorical model end to end, against the mgcv 1.8-41 reference of
//! `crates/gam/tests/data/efam/ocat4_reml.json` (made by `make_ocat_refs.R`): the printed
//! family and criterion, a refit from the cache, and the class probabilities (one column per
//! class, with standard errors) as CSV and JSON.

mod common;

use std::ffi::OsStr;
use std::fs;

use common::fit::{FitRun, num, parse_csv, test_data};
use common::gam_in;
use serde_json::Value;
use tempfile::TempDir;

/// Class probabilities and their standard errors against mgcv's (the fit matches to ~1e-12;
/// this allows for the printed digits of Rust's shortest form).
const PROB_ABS_TOL: f64 = 1e-9;

fn reference() -> Value {
    serde_json::from_str(&fs::read_to_string(test_data("efam/ocat4_reml.json")).unwrap()).unwrap()
}

/// The reference's numbers, written as "%.17g" strings.
fn nums(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().parse().unwrap())
        .collect()
}

#[test]
fn ocat_fits_prints_as_mgcv_and_predicts_class_probabilities() {
    let r = reference();
    let dir = TempDir::new().unwrap();
    let model = dir.path().join("model.json");
    let data = test_data("efam/ocat4_n400.csv");
    let fit = || {
        let run = gam_in(
            dir.path(),
            [
                OsStr::new("fit"),
                data.as_os_str(),
                OsStr::new("y ~ s(x0) + s(x1)"),
                OsStr::new("--family"),
                OsStr::new("ocat(R = 4)"),
                OsStr::new("--out"),
                model.as_os_str(),
            ],
        );
        run.assert_ok();
        run
    };
    let first = fit();
    let summary: Vec<&str> = r["summary_text"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    for line in [summary[1], summary[2], summary[summary.len() - 1]] {
        assert!(
            first.stdout.lines().any(|l| l == line),
            "missing {line:?} in\n{}",
            first.stdout
        );
    }
    // A second fit starts from the cache (the cut points included) and prints the same.
    let second = fit();
    assert_eq!(first.stdout, second.stdout);

    let new = test_data("efam/ocat_new.csv");
    let predict = |extra: &[&str]| {
        let mut args = vec![OsStr::new("predict"), model.as_os_str(), new.as_os_str()];
        args.extend(extra.iter().map(OsStr::new));
        let run = gam_in(dir.path(), args);
        run.assert_ok();
        run
    };
    let (header, rows) = parse_csv(&predict(&["--se", "--type", "response"]).stdout);
    assert_eq!(header, ["p1", "p2", "p3", "p4", "se_p1", "se_p2", "se_p3", "se_p4"]);
    let (p, se) = (nums(&r["pred_response"]), nums(&r["pred_response_se"]));
    assert_eq!(rows.len() * 4, p.len());
    for (i, row) in rows.iter().enumerate() {
        for k in 0..4 {
            assert!((row[k] - p[4 * i + k]).abs() < PROB_ABS_TOL, "row {i} class {k}");
            assert!((row[4 + k] - se[4 * i + k]).abs() < PROB_ABS_TOL, "row {i} se {k}");
        }
        assert!((row[..4].iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }
    let j = predict(&["--type", "response", "--json"]).json();
    assert_eq!(j["type"], "response");
    assert_eq!(j["n"], 40);
    assert_eq!(num(&j["fit"][3][2]), rows[3][2]);
    assert!(j.get("se_fit").is_none());
    // The link scale is one column, as for every family.
    let (lh, link) = parse_csv(&predict(&[]).stdout);
    assert_eq!(lh, ["fit"]);
    let want = nums(&r["pred_link"]);
    assert!(link.iter().zip(&want).all(|(a, b)| (a[0] - b).abs() < 1e-8));
    // Term contributions are on the link scale only.
    let bad = gam_in(
        dir.path(),
        [
            OsStr::new("predict"),
            model.as_os_str(),
            new.as_os_str(),
            OsStr::new("--type"),
            OsStr::new("response"),
            OsStr::new("--terms"),
        ],
    );
    assert!(bad.code != 0 && bad.stderr.contains("--type link"), "{bad:?}");
}

#[test]
fn ocat_family_spellings_are_checked() {
    let dir = TempDir::new().unwrap();
    let data = test_data("efam/ocat4_n400.csv");
    for family in ["ocat", "ocat(4)", "ocat(R = 1)", "ocat(R = 4, link = \"logit\")"] {
        let run = gam_in(
            dir.path(),
            [
                OsStr::new("fit"),
                data.as_os_str(),
                OsStr::new("y ~ s(x0)"),
                OsStr::new("--family"),
                OsStr::new(family),
            ],
        );
        assert!(run.code != 0, "{family}");
        assert!(
            run.stderr.trim().lines().count() == 1 && run.stderr.contains("ocat"),
            "{family}: {}",
            run.stderr
        );
    }
    // A response outside 1..R names the row.
    let run = gam_in(
        dir.path(),
        [
            OsStr::new("fit"),
            data.as_os_str(),
            OsStr::new("y ~ s(x0)"),
            OsStr::new("--family"),
            OsStr::new("ocat(R = 3)"),
        ],
    );
    assert!(
        run.code != 0 && run.stderr.contains("row") && run.stderr.contains("ocat(R = 3)"),
        "{}",
        run.stderr
    );
}
