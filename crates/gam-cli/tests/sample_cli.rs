//! `gam sample` through the built binary: coefficient draws as CSV (one line
//! per draw, headed by the coefficient names) or JSON, fitted values of each
//! draw at the rows of a data file (`draw,row,fit`, equal to the model
//! matrix times that draw's coefficients), the seed fixing the draws,
//! `--out` writing a file, and one-line errors.

mod common;

use std::ffi::OsStr;

use common::fit::{FitRun, mcycle, mcycle_model};
use common::gam_in;
use gam::expert::data::{DataFrame, ReadOptions};
use gam::expert::model::GamModel;
use tempfile::TempDir;

fn rows(csv: &str) -> Vec<Vec<String>> {
    csv.lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

#[test]
fn draws_as_csv_and_json_and_the_fitted_values_they_give() {
    let dir = TempDir::new().unwrap();
    let model = mcycle_model(dir.path());
    let loaded = GamModel::load(&model).unwrap();
    let p = loaded.coefficients.len();
    let run = gam_in(
        dir.path(),
        [
            OsStr::new("sample"),
            model.as_os_str(),
            OsStr::new("--n"),
            OsStr::new("5"),
            OsStr::new("--seed"),
            OsStr::new("9"),
        ],
    );
    run.assert_ok();
    let coefs = rows(&run.stdout);
    assert_eq!(coefs.len(), 6);
    assert_eq!(coefs[0][0], "draw");
    assert_eq!(coefs[0][1..].to_vec(), loaded.design.coef_names());
    assert!(coefs[1..].iter().all(|r| r.len() == p + 1));

    let run = gam_in(
        dir.path(),
        [
            OsStr::new("sample"),
            model.as_os_str(),
            OsStr::new("--n"),
            OsStr::new("5"),
            OsStr::new("--seed"),
            OsStr::new("9"),
            OsStr::new("--json"),
        ],
    );
    run.assert_ok();
    let doc = run.json();
    let first: Vec<f64> = doc["draws"][0]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let from_csv: Vec<f64> = coefs[1][1..].iter().map(|v| v.parse().unwrap()).collect();
    assert_eq!(first, from_csv, "the same seed gives the same draws in both formats");

    let run = gam_in(
        dir.path(),
        [
            OsStr::new("sample"),
            model.as_os_str(),
            mcycle().as_os_str(),
            OsStr::new("--n"),
            OsStr::new("5"),
            OsStr::new("--seed"),
            OsStr::new("9"),
        ],
    );
    run.assert_ok();
    let fitted = rows(&run.stdout);
    assert_eq!(fitted[0], ["draw", "row", "fit"]);
    assert_eq!(fitted.len(), 1 + 5 * 133);
    let data = DataFrame::read_csv_with(&mcycle(), &ReadOptions::default()).unwrap();
    let (x, offset) = loaded.lp_matrix(&data).unwrap();
    for line in &fitted[1..134] {
        assert_eq!(line[0], "1");
        let i: usize = line[1].parse::<usize>().unwrap() - 1;
        let want = offset[i] + (0..p).map(|j| x[(i, j)] * first[j]).sum::<f64>();
        let got: f64 = line[2].parse().unwrap();
        assert!(
            (got - want).abs() <= 1e-9 * want.abs().max(1.0),
            "row {i}: {got} vs {want}"
        );
    }

    let out = dir.path().join("draws.csv");
    let run = gam_in(
        dir.path(),
        [
            OsStr::new("sample"),
            model.as_os_str(),
            OsStr::new("--n"),
            OsStr::new("5"),
            OsStr::new("--seed"),
            OsStr::new("9"),
            OsStr::new("--out"),
            out.as_os_str(),
        ],
    );
    run.assert_ok();
    assert_eq!(std::fs::read_to_string(&out).unwrap(), rows_text(&coefs));
}

fn rows_text(rows: &[Vec<String>]) -> String {
    rows.iter().map(|r| r.join(",") + "\n").collect()
}

#[test]
fn bad_requests_get_one_line() {
    let dir = TempDir::new().unwrap();
    let model = mcycle_model(dir.path());
    let run = gam_in(
        dir.path(),
        [
            OsStr::new("sample"),
            model.as_os_str(),
            OsStr::new("--n"),
            OsStr::new("0"),
        ],
    );
    assert_eq!(run.code, 2, "{run:?}");
    let bad = common::write(dir.path(), "bad.csv", "x\n1\n");
    let run = gam_in(dir.path(), [OsStr::new("sample"), model.as_os_str(), bad.as_os_str()]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("times"), "{}", run.stderr);
}

#[test]
fn unconditional_draws_come_from_vc() {
    let dir = TempDir::new().unwrap();
    let model = mcycle_model(dir.path());
    let loaded = GamModel::load(&model).unwrap();
    assert!(loaded.vc.is_some(), "a fit with smoothing parameters keeps Vc");
    let draws = |extra: &[&str]| {
        let mut args = vec![
            OsStr::new("sample"),
            model.as_os_str(),
            OsStr::new("--n"),
            OsStr::new("20000"),
            OsStr::new("--json"),
        ];
        args.extend(extra.iter().map(OsStr::new));
        let run = gam_in(dir.path(), args);
        run.assert_ok();
        run.json()["draws"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                d.as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_f64().unwrap())
                    .collect::<Vec<f64>>()
            })
            .collect::<Vec<_>>()
    };
    let (vp, vc) = (draws(&[]), draws(&["--unconditional"]));
    assert_ne!(vp, vc);
    // The sample variance of the coefficient whose Vc and Vp variances differ most (by 6.7%)
    // follows Vc: with 20000 draws its standard error is 1%.
    let p = loaded.coefficients.len();
    let (vcm, vpm) = (&loaded.vc.as_ref().unwrap().data, &loaded.vp.data);
    let j = (0..p)
        .max_by(|&a, &b| (vcm[a * p + a] / vpm[a * p + a]).total_cmp(&(vcm[b * p + b] / vpm[b * p + b])))
        .unwrap();
    let var = |d: &[Vec<f64>]| {
        let m = d.iter().map(|b| b[j]).sum::<f64>() / d.len() as f64;
        d.iter().map(|b| (b[j] - m).powi(2)).sum::<f64>() / (d.len() - 1) as f64
    };
    let (want_vc, want_vp) = (vcm[j * p + j], vpm[j * p + j]);
    assert!(want_vc / want_vp > 1.05, "Vc {want_vc} vs Vp {want_vp}");
    assert!((var(&vc) / want_vc - 1.0).abs() < 0.025, "{} vs Vc {want_vc}", var(&vc));
    assert!((var(&vp) / want_vp - 1.0).abs() < 0.025, "{} vs Vp {want_vp}", var(&vp));
}
