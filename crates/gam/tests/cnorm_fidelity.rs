//! mgcv's censored normal family `cnorm` (issue 17) against mgcv 1.8-41, with σ estimated:
//! an uncensored response (the plain column, against mgcv's `cbind(y, y)`), a mixture of
//! uncensored, left-, right- and interval-censored rows by REML and by ML, and positive
//! right- and interval-censored times with the log link. References made by
//! `tests/data/efam/make_cnorm_refs.R` on data of its own.
//!
//! Per fit (the shared [`common::efam::check`]): the criterion, per-term and total EDF, σ,
//! every fitted value, predictions with standard errors on both scales, deviance and null
//! deviance, deviance and response residuals, log-likelihood and AIC, the summary tables and
//! mgcv's printed summary (`Family: cnorm(σ)`) line by line.
#![allow(clippy::print_stdout)]

#[macro_use]
mod common;

use common::cases::test_data;
use common::efam::{check, fit, rel};
use common::json::{num, read_json};
use gam::expert::data::DataFrame;
use gam::expert::family::{Family, Link, family_and_link};
use gam::expert::formula::Formula;
use gam::expert::model::{GamModel, GamSpec};
use gam::expert::predict::{PredictOptions, PredictType};
use gam::expert::report::summary_lines;

test_per_case!(check; cnorm_gauss, cnorm_mixed_reml, cnorm_mixed_ml, cnorm_aft_log);

/// Agreement of two fits of the same model (chunked against dense).
const SAME_FIT_REL_TOL: f64 = 1e-9;

/// The mixed-censoring REML fit's spec and data.
fn mixed_spec() -> (GamSpec, DataFrame) {
    let r = read_json(&test_data().join("efam/cnorm_mixed_reml.json"));
    let data = DataFrame::read_csv(&test_data().join("efam").join(r["data"].as_str().unwrap())).unwrap();
    let (family, link) = family_and_link("cnorm", None).unwrap();
    let spec = GamSpec::new(Formula::parse(r["formula"].as_str().unwrap()).unwrap()).with_family(family, link);
    (spec, data)
}

/// Fit times, ours: the median of 5 fits of each reference model (release build), beside mgcv's
/// median of 5 `gam()` calls recorded by the R script.
#[test]
fn cnorm_fit_times_against_mgcv() {
    for id in ["cnorm_gauss", "cnorm_mixed_reml", "cnorm_mixed_ml", "cnorm_aft_log"] {
        let r = read_json(&test_data().join(format!("efam/{id}.json")));
        let mut secs: Vec<f64> = (0..5)
            .map(|_| {
                let t0 = std::time::Instant::now();
                fit(&r);
                t0.elapsed().as_secs_f64()
            })
            .collect();
        secs.sort_by(f64::total_cmp);
        println!(
            "{id}: ours median {:.4}s, mgcv median {:.4}s",
            secs[2],
            num(&r["mgcv_seconds_median"])
        );
    }
}

/// The model matrix built chunk by chunk gives the fit it gives in memory, σ included.
#[test]
fn cnorm_chunked_fit_equals_the_dense_one() {
    let (spec, data) = mixed_spec();
    let (dense, chunked) = common::setup_ref::dense_and_chunked(&spec, &data, 37);
    assert!(rel(chunked.reml_score, dense.reml_score) < SAME_FIT_REL_TOL);
    assert!(rel(chunked.theta[0], dense.theta[0]) < SAME_FIT_REL_TOL);
}

/// The model file keeps the family, its link and σ, and reads back to the same predictions
/// and summary; a damaged σ is refused.
#[test]
fn cnorm_model_file_round_trips() {
    let (spec, data) = mixed_spec();
    let (family, link) = family_and_link("cnorm(link = \"sqrt\")", None).unwrap();
    assert_eq!((family, link), (Family::Cnorm, Link::Sqrt));
    let model = spec.with_family(family, link).fit(&data).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.json");
    model.save(&path).unwrap();
    let back = GamModel::load(&path).unwrap();
    assert_eq!(back.family, Family::Cnorm);
    assert_eq!(back.link, Link::Sqrt);
    assert_eq!(back.theta, model.theta);
    assert_eq!(summary_lines(&back), summary_lines(&model));
    assert!(summary_lines(&back)[1].starts_with("Family: cnorm("));
    let opts = PredictOptions {
        kind: PredictType::Response,
        se: true,
        ..Default::default()
    };
    assert_eq!(
        back.predict(&data, &opts).unwrap().fit,
        model.predict(&data, &opts).unwrap().fit
    );
    let text = std::fs::read_to_string(&path).unwrap();
    let theta = model.theta[0];
    let bad = text.replacen(&format!("\"theta\":[{theta}]"), "\"theta\":[-1.0]", 1);
    assert_ne!(bad, text, "the file holds theta as written");
    std::fs::write(&path, bad).unwrap();
    assert!(GamModel::load(&path).is_err());
}

/// A copy of the mixed data with line `line` (1-based data row) of the CSV edited by `edit`.
fn edited(edit: impl Fn(&str) -> String, row: usize) -> DataFrame {
    let text = std::fs::read_to_string(test_data().join("efam/cnorm_n400.csv")).unwrap();
    let out: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, l)| if i == row { edit(l) } else { l.to_string() })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.csv");
    std::fs::write(&path, out.join("\n") + "\n").unwrap();
    DataFrame::read_csv(&path).unwrap()
}

/// Columns of the CSV: y, lo, hi, x0, x1. Sets lo and hi of a line.
fn set_bounds(line: &str, lo: &str, hi: &str) -> String {
    let f: Vec<&str> = line.split(',').collect();
    format!("{},{lo},{hi},{},{}", f[0], f[3], f[4])
}

/// An interval with its upper end below its lower end, and an infinite first column, are
/// one-line errors naming the row and the column; the data as written fit.
#[test]
fn cnorm_refuses_impossible_responses_naming_the_row() {
    let (spec, _) = mixed_spec();
    let bad = edited(|l| set_bounds(l, "2.5", "2.25"), 7);
    let e = spec.fit(&bad).unwrap_err().to_string();
    assert!(
        e.contains("row 7") && e.contains("hi") && e.contains("2.25") && !e.contains('\n'),
        "{e}"
    );
    let bad = edited(|l| set_bounds(l, "Inf", "Inf"), 9);
    let e = spec.fit(&bad).unwrap_err().to_string();
    assert!(e.contains("row 9") && e.contains("lo") && !e.contains('\n'), "{e}");
    // -Inf and Inf in the second column are read as censoring, not as missing values.
    let fine = edited(|l| set_bounds(l, "2.5", "-Inf"), 7);
    assert_eq!(fine.nrows(), 400);
    assert!(spec.fit(&fine).is_ok());
}
