//! End-to-end tests of `gam concurvity`: its text is the library's (R's
//! printout of mgcv's `concurvity()`), full by default and pairwise on
//! request; `--json` has the issue's shape, keys in mgcv's order; bad input
//! gets one line and a non-zero exit.

mod common;

use std::ffi::OsStr;
use std::path::Path;

use common::fit::{FitRun, mcycle, mcycle_model};
use common::gam_in;
use gam::expert::data::{DataFrame, ReadOptions};
use gam::expert::model::GamModel;
use gam::expert::report::concurvity::{concurvity, concurvity_text};
use serde_json::Value;
use tempfile::TempDir;

fn concurvity_run(dir: &Path, model: &Path, data: &Path, extra: &[&str]) -> common::Run {
    let mut args = vec![OsStr::new("concurvity"), model.as_os_str(), data.as_os_str()];
    args.extend(extra.iter().map(OsStr::new));
    gam_in(dir, args)
}

/// The library's text of the same model and data.
fn library_text(model: &Path, full: bool) -> String {
    let loaded = GamModel::load(model).unwrap();
    let data = DataFrame::read_csv_with(&mcycle(), &ReadOptions::default()).unwrap();
    concurvity_text(&concurvity(&loaded, &data, full).unwrap())
}

#[test]
fn text_is_the_library_text_full_by_default_and_pairwise_on_request() {
    let dir = TempDir::new().unwrap();
    let model = mcycle_model(dir.path());
    let full = concurvity_run(dir.path(), &model, &mcycle(), &[]);
    full.assert_ok();
    assert_eq!(full.stdout, library_text(&model, true));
    let header: Vec<&str> = full.stdout.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["para", "s(times)"], "{full:?}");
    assert_eq!(
        full.stdout.lines().skip(1).map(|l| &l[..8]).collect::<Vec<_>>(),
        ["worst   ", "observed", "estimate"],
        "{full:?}"
    );
    let explicit = concurvity_run(dir.path(), &model, &mcycle(), &["--full"]);
    assert_eq!(explicit.stdout, full.stdout);

    let pairwise = concurvity_run(dir.path(), &model, &mcycle(), &["--pairwise"]);
    pairwise.assert_ok();
    assert_eq!(pairwise.stdout, library_text(&model, false));
    let heads: Vec<&str> = pairwise.stdout.lines().filter(|l| l.starts_with('$')).collect();
    assert_eq!(heads, ["$worst", "$observed", "$estimate"]);
}

#[test]
fn json_has_the_issue_shape_in_mgcv_order() {
    let dir = TempDir::new().unwrap();
    let model = mcycle_model(dir.path());
    let run = concurvity_run(dir.path(), &model, &mcycle(), &["--json"]);
    run.assert_ok();
    let doc = run.json();
    let measures: Vec<&String> = doc.as_object().unwrap().keys().collect();
    assert_eq!(measures.len(), 3, "{doc}");
    for m in ["worst", "observed", "estimate"] {
        let terms = doc[m].as_object().unwrap_or_else(|| panic!("{m}: {doc}"));
        assert_eq!(terms.len(), 2, "{doc}");
        for t in ["para", "s(times)"] {
            let v = terms[t].as_f64().unwrap_or_else(|| panic!("{m} {t}: {doc}"));
            assert!((0.0..=1.0 + 1e-12).contains(&v), "{m} {t}: {v}");
        }
    }
    // Keys in mgcv's order: measures, and terms within each.
    let at = |s: &str, from: usize| from + run.stdout[from..].find(s).unwrap();
    let w = at("\"worst\"", 0);
    let o = at("\"observed\"", w);
    let e = at("\"estimate\"", o);
    assert!(at("\"para\"", w) < at("\"s(times)\"", w) && at("\"s(times)\"", w) < o);
    assert!(at("\"para\"", e) < at("\"s(times)\"", e));

    let run = concurvity_run(dir.path(), &model, &mcycle(), &["--json", "--pairwise"]);
    run.assert_ok();
    let doc = run.json();
    for m in ["worst", "observed", "estimate"] {
        for row in ["para", "s(times)"] {
            assert_eq!(doc[m][row][row], 1.0, "{m}: {doc}");
            let other = if row == "para" { "s(times)" } else { "para" };
            assert!(doc[m][row][other].is_number(), "{m} {row} {other}: {doc}");
        }
    }
    assert!(matches!(doc["worst"]["para"], Value::Object(ref o) if o.len() == 2));
}

#[test]
fn bad_model_or_data_is_one_line_and_a_failure() {
    let dir = TempDir::new().unwrap();
    let model = mcycle_model(dir.path());
    let missing = dir.path().join("no-such-model.json");
    let other = common::write(dir.path(), "other.csv", "a,b\n1,2\n3,4\n");
    let not_a_model = common::write(dir.path(), "bad.json", "{\"hello\": 1}\n");
    for (run, says) in [
        (
            concurvity_run(dir.path(), &missing, &mcycle(), &[]),
            "no-such-model.json",
        ),
        (
            concurvity_run(dir.path(), &not_a_model, &mcycle(), &[]),
            "not a gam model",
        ),
        (concurvity_run(dir.path(), &model, &other, &["--json"]), "'accel'"),
        (
            concurvity_run(dir.path(), &model, &dir.path().join("none.csv"), &[]),
            "none.csv",
        ),
    ] {
        assert_eq!(run.code, 1, "{run:?}");
        assert!(
            run.stderr.starts_with("error: ") && run.stderr.contains(says),
            "{run:?}"
        );
        assert_eq!(run.stderr.lines().count(), 1, "{run:?}");
        assert!(run.stdout.is_empty(), "{run:?}");
    }
}

#[test]
fn a_model_without_smooths_says_there_is_nothing_to_do() {
    let dir = TempDir::new().unwrap();
    let model = dir.path().join("linear.json");
    gam_in(
        dir.path(),
        [
            OsStr::new("fit"),
            mcycle().as_os_str(),
            OsStr::new("accel ~ times"),
            OsStr::new("--out"),
            model.as_os_str(),
        ],
    )
    .assert_ok();
    let run = concurvity_run(dir.path(), &model, &mcycle(), &[]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("no smooth terms") && run.stderr.contains("nothing to do for this model"),
        "{run:?}"
    );
    assert_eq!(run.stderr.lines().count(), 1, "{run:?}");
}
