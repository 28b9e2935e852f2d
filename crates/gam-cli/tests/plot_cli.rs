//! End-to-end tests of `gam plot --json`: the plot data document of a saved
//! model (its shape, mgcv's labels, the grid along the training range, the
//! library's numbers), and its refusals.

mod common;

use std::ffi::OsStr;

use common::fit::{FitRun, mcycle, mcycle_model};
use common::gam_in;
use gam::expert::data::{DataFrame, ReadOptions};
use gam::expert::model::GamModel;
use gam::expert::report::{PlotOptions, plot_data};
use tempfile::TempDir;

#[test]
fn plot_json_is_the_library_plot_data_of_each_smooth() {
    let dir = TempDir::new().unwrap();
    let model = mcycle_model(dir.path());
    let run = gam_in(
        dir.path(),
        [
            OsStr::new("plot"),
            model.as_os_str(),
            mcycle().as_os_str(),
            OsStr::new("--json"),
            OsStr::new("--residuals"),
        ],
    );
    run.assert_ok();
    let doc = run.json();
    let terms = doc["terms"].as_array().unwrap();
    assert_eq!(terms.len(), 1);
    let t = &terms[0];
    assert_eq!(t["label"], "s(times)");
    assert_eq!(t["kind"], "curve");
    assert_eq!(t["xlab"], "times");
    assert!(t["ylab"].as_str().unwrap().starts_with("s(times,"), "{t}");
    let x: Vec<f64> = t["x"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    assert_eq!(
        (x.len(), x[0], x[99]),
        (100, 2.4, 57.6),
        "the grid spans the training range"
    );
    assert_eq!(t["se"].as_array().unwrap().len(), 100);
    assert_eq!(t["p_resid"].as_array().unwrap().len(), 133);

    // The same numbers as the library's, from the same model and data.
    let loaded = GamModel::load(&model).unwrap();
    let data = DataFrame::read_csv_with(&mcycle(), &ReadOptions::default()).unwrap();
    let ours = plot_data(
        &loaded,
        &data,
        &PlotOptions {
            residuals: true,
            ..Default::default()
        },
    )
    .unwrap();
    let fit: Vec<f64> = t["fit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(fit, ours[0].fit);
}

#[test]
fn plot_without_out_or_json_or_with_a_bad_distance_is_a_usage_error() {
    let dir = TempDir::new().unwrap();
    let model = mcycle_model(dir.path());
    let run = gam_in(
        dir.path(),
        [OsStr::new("plot"), model.as_os_str(), mcycle().as_os_str()],
    );
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .contains("needs --out FILE.svg or FILE.png for pictures, or --json"),
        "{run:?}"
    );
    let run = gam_in(
        dir.path(),
        [
            OsStr::new("plot"),
            model.as_os_str(),
            mcycle().as_os_str(),
            OsStr::new("--json"),
            OsStr::new("--too-far=-1"),
        ],
    );
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("--too-far -1"), "{run:?}");
}

#[test]
fn plot_of_data_without_the_model_columns_names_the_column() {
    let dir = TempDir::new().unwrap();
    let model = mcycle_model(dir.path());
    let other = common::write(dir.path(), "other.csv", "a,b\n1,2\n3,4\n");
    let run = gam_in(
        dir.path(),
        [
            OsStr::new("plot"),
            model.as_os_str(),
            other.as_os_str(),
            OsStr::new("--json"),
        ],
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.starts_with("error: ") && run.stderr.contains("'accel'"),
        "{run:?}"
    );
    assert_eq!(run.stderr.lines().count(), 1, "{run:?}");
}

/// `--se N` makes every band N standard errors (mgcv's numeric `se`); a
/// negative number is refused in one line.
#[test]
fn se_sets_the_band_width() {
    let dir = TempDir::new().unwrap();
    let model = mcycle_model(dir.path());
    let data = mcycle();
    let json = |extra: &[&str]| {
        let mut args = vec![
            OsStr::new("plot"),
            model.as_os_str(),
            data.as_os_str(),
            OsStr::new("--json"),
        ];
        args.extend(extra.iter().map(OsStr::new));
        gam_in(dir.path(), args)
    };
    let default = json(&[]).json();
    let one = json(&["--se", "1"]).json();
    assert_eq!(default["terms"][0]["se_mult"], 2.0);
    assert_eq!(one["terms"][0]["se_mult"], 1.0);
    let (a, b) = (
        default["terms"][0]["se"].as_array().unwrap(),
        one["terms"][0]["se"].as_array().unwrap(),
    );
    for (x, y) in a.iter().zip(b) {
        let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
        assert!((x - 2.0 * y).abs() <= 1e-12 * x.abs().max(1.0), "{x} vs 2 x {y}");
    }
    let run = json(&["--se", "-1"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("se = -1"), "{}", run.stderr);
    let out = dir.path().join("none.svg");
    let run = gam_in(
        dir.path(),
        [
            OsStr::new("plot"),
            model.as_os_str(),
            mcycle().as_os_str(),
            OsStr::new("--se"),
            OsStr::new("0"),
            OsStr::new("--out"),
            out.as_os_str(),
        ],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        !std::fs::read_to_string(&out).unwrap().contains("stroke-dasharray"),
        "no dashed band"
    );
}
