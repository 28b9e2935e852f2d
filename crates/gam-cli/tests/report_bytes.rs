//! The CLI prints the library's bytes: what `gam summary`, `gam predict` and
//! `gam cv` print (text, JSON, CSV) is byte for byte what `gam::expert::report` and
//! `gam::expert::cv` make from the same model and data, so that any other front end
//! calling the library prints the same. Each test runs the built binary and
//! the library side by side on the bundled examples/mcycle.csv.

mod common;

use std::ffi::OsStr;
use std::fs;

use common::fit::{FitRun, MCYCLE_CR, mcycle, mcycle_model};
use common::gam_in;
use gam::expert::cv::{CvOptions, CvText, NoCvObserver, cross_validate, write_held_out_csv};
use gam::expert::data::DataFrame;
use gam::expert::formula::Formula;
use gam::expert::model::{GamModel, GamSpec};
use gam::expert::predict::{PredictOptions, PredictType};
use gam::expert::report::{SummaryText, json_text, model_json, prediction_json, write_prediction_csv};
use tempfile::TempDir;

#[test]
fn summary_and_predictions_are_the_library_s_bytes() {
    let dir = TempDir::new().unwrap();
    let path = mcycle_model(dir.path());
    let model = GamModel::load(&path).unwrap();
    let data_path = mcycle();

    let text = gam_in(dir.path(), [OsStr::new("summary"), path.as_os_str()]);
    text.assert_ok();
    assert_eq!(text.stdout, SummaryText(&model).to_string());
    assert!(
        text.stdout.contains("Approximate significance of smooth terms:"),
        "{text:?}"
    );

    let json = gam_in(
        dir.path(),
        [OsStr::new("summary"), OsStr::new("--json"), path.as_os_str()],
    );
    json.assert_ok();
    assert_eq!(json.stdout, json_text(&model_json(&model)).unwrap());

    let data = DataFrame::read_csv(&mcycle()).unwrap();
    let opts = PredictOptions {
        kind: PredictType::Response,
        se: true,
        terms: true,
        ..Default::default()
    };
    let p = model.predict(&data, &opts).unwrap();
    let predict = |extra: &[&str]| {
        let mut args = vec![
            OsStr::new("predict"),
            path.as_os_str(),
            data_path.as_os_str(),
            OsStr::new("--type"),
            OsStr::new("response"),
            OsStr::new("--se"),
            OsStr::new("--terms"),
        ];
        args.extend(extra.iter().map(OsStr::new));
        gam_in(dir.path(), args)
    };
    let csv = predict(&[]);
    csv.assert_ok();
    let mut want = Vec::new();
    write_prediction_csv(&mut want, &p).unwrap();
    assert_eq!(csv.stdout.as_bytes(), want.as_slice());
    assert!(csv.stdout.starts_with("fit,se_fit,s(times)\n"), "{csv:?}");

    let json = predict(&["--json"]);
    json.assert_ok();
    assert_eq!(
        json.stdout,
        json_text(&prediction_json(&p, PredictType::Response)).unwrap()
    );
}

#[test]
fn cross_validation_is_the_library_s_bytes() {
    let dir = TempDir::new().unwrap();
    let held_out = dir.path().join("held_out.csv");
    let data_path = mcycle();
    let cv = |extra: &[&str]| {
        let mut args = vec![
            OsStr::new("--no-cache"),
            OsStr::new("cv"),
            data_path.as_os_str(),
            OsStr::new(MCYCLE_CR),
            OsStr::new("--folds"),
            OsStr::new("4"),
            OsStr::new("--seed"),
            OsStr::new("3"),
        ];
        args.extend(extra.iter().map(OsStr::new));
        gam_in(dir.path(), args)
    };
    let spec = GamSpec::new(Formula::parse(MCYCLE_CR).unwrap());
    let data = DataFrame::read_csv(&mcycle()).unwrap();
    let opts = CvOptions {
        folds: 4,
        seed: 3,
        ..CvOptions::default()
    };
    let report = cross_validate(&spec, &data, None, &opts, &mut NoCvObserver).unwrap();
    assert_eq!(report.fold.len(), 4);
    assert_eq!(report.predictions.len(), 133);

    let text = cv(&["--predictions", held_out.to_str().unwrap()]);
    text.assert_ok();
    assert_eq!(text.stdout, CvText(&report).to_string());
    let mut want = Vec::new();
    write_held_out_csv(&mut want, &report.predictions).unwrap();
    assert_eq!(fs::read(&held_out).unwrap(), want);

    let json = cv(&["--json"]);
    json.assert_ok();
    assert_eq!(json.stdout, json_text(&report).unwrap());
}
