//! `gam check` through the built binary: the text is the library's
//! `check_text` of the same model and data (the numbers are checked against
//! mgcv in the library's `check_fidelity` test), `--json` has the documented
//! shape, `--out` draws the four residual plots to SVG and PNG, the seed
//! changes only the random p-values, and bad input gets one line.

mod common;

use std::ffi::OsStr;

use common::fit::{FitRun, mcycle, mcycle_model};
use common::gam_in;
use gam::expert::data::{DataFrame, ReadOptions};
use gam::expert::model::GamModel;
use gam::expert::report::check::{CheckOptions, check_text, gam_check};
use tempfile::TempDir;

#[test]
fn check_prints_the_library_text_and_json_has_the_documented_shape() {
    let dir = TempDir::new().unwrap();
    let model = mcycle_model(dir.path());
    let run = gam_in(
        dir.path(),
        [OsStr::new("check"), model.as_os_str(), mcycle().as_os_str()],
    );
    run.assert_ok();
    let loaded = GamModel::load(&model).unwrap();
    let data = DataFrame::read_csv_with(&mcycle(), &ReadOptions::default()).unwrap();
    let lib = gam_check(&loaded, &data, &CheckOptions::default()).unwrap();
    assert_eq!(run.stdout, check_text(&lib));
    assert!(
        run.stdout
            .starts_with("\nMethod: REML   Optimizer: outer newton\nfull convergence after ")
    );
    assert!(
        run.stdout.contains("\nHessian positive definite, eigenvalue range ["),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("k'  edf k-index p-value"), "{}", run.stdout);

    let run = gam_in(
        dir.path(),
        [
            OsStr::new("check"),
            model.as_os_str(),
            mcycle().as_os_str(),
            OsStr::new("--json"),
        ],
    );
    run.assert_ok();
    let doc = run.json();
    let row = &doc["k_check"][0];
    assert_eq!(row["term"], "s(times)");
    assert_eq!(row["k_prime"], 19, "mcycle_model fits k = 20");
    for key in ["edf", "k_index", "p_value"] {
        assert!(row[key].is_f64(), "{key}: {row}");
    }
    assert_eq!(doc["selection"]["kind"], "newton");
    assert_eq!(doc["residuals"]["residuals"].as_array().unwrap().len(), 133);
    assert_eq!(doc["residuals"]["qq_theoretical"].as_array().unwrap().len(), 133);
    let counts: u64 = doc["residuals"]["histogram"]["counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_u64().unwrap())
        .sum();
    assert_eq!(counts, 133);
}

#[test]
fn the_seed_moves_only_the_random_p_values() {
    let dir = TempDir::new().unwrap();
    let model = mcycle_model(dir.path());
    let json = |seed: &str| {
        let run = gam_in(
            dir.path(),
            [
                OsStr::new("check"),
                model.as_os_str(),
                mcycle().as_os_str(),
                OsStr::new("--json"),
                OsStr::new("--seed"),
                OsStr::new(seed),
            ],
        );
        run.assert_ok();
        run.json()
    };
    let (a, a2, b) = (json("1"), json("1"), json("99"));
    assert_eq!(a, a2, "the same seed gives the same document");
    assert_eq!(a["k_check"][0]["k_index"], b["k_check"][0]["k_index"]);
    assert_ne!(a["k_check"][0]["p_value"], b["k_check"][0]["p_value"]);
}

#[test]
fn out_draws_the_four_residual_plots_to_svg_and_png() {
    let dir = TempDir::new().unwrap();
    let model = mcycle_model(dir.path());
    for name in ["check.svg", "check.png"] {
        let path = dir.path().join(name);
        let run = gam_in(
            dir.path(),
            [
                OsStr::new("check"),
                model.as_os_str(),
                mcycle().as_os_str(),
                OsStr::new("--out"),
                path.as_os_str(),
            ],
        );
        run.assert_ok();
        let bytes = std::fs::read(&path).unwrap();
        if name.ends_with(".png") {
            assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
            let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
            assert_eq!((be(&bytes[16..20]), be(&bytes[20..24])), (960, 840), "2 x 2 panels");
        } else {
            let svg = String::from_utf8(bytes).unwrap();
            assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
            for label in [
                "Q-Q Plot",
                "Resids vs. linear pred.",
                "Histogram of residuals",
                "Response vs. Fitted Values",
                "theoretical quantiles",
            ] {
                assert!(svg.contains(label), "{label} missing");
            }
        }
    }
}

#[test]
fn bad_input_gets_one_line_and_a_failure_status() {
    let dir = TempDir::new().unwrap();
    let model = mcycle_model(dir.path());
    let missing = dir.path().join("nope.csv");
    let run = gam_in(
        dir.path(),
        [OsStr::new("check"), model.as_os_str(), missing.as_os_str()],
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("nope.csv"), "{}", run.stderr);

    let bad = dir.path().join("check.gif");
    let run = gam_in(
        dir.path(),
        [
            OsStr::new("check"),
            model.as_os_str(),
            mcycle().as_os_str(),
            OsStr::new("--out"),
            bad.as_os_str(),
        ],
    );
    assert_ne!(run.code, 0, "{run:?}");
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains(".svg or .png"), "{}", run.stderr);
    assert!(!bad.exists());
}
