//! mgcv's `theta =` of an extended family through the built binary: `--family 'scat(theta =
//! c(3, 1.2))'` fits with ν and σ fixed, prints mgcv's family line, reports the parameters as
//! fixed in `--json` (against mgcv 1.8-41's reference in `crates/gam/tests/data/efam`), keys the
//! cache apart from the estimated fit, and a value mgcv refuses is a one-line usage error.

mod common;

use common::fit::{FitRun, num, reference, rel_diff, test_data};
use common::gam_in;
use serde_json::Value;
use tempfile::TempDir;

/// The criterion against mgcv, relative.
const CRITERION_REL_TOL: f64 = 1e-6;

#[test]
fn scat_with_fixed_nu_and_sigma_fits_prints_and_caches_as_mgcv() {
    let dir = TempDir::new().unwrap();
    let cache = dir.path().join("cache");
    let r = reference("efam/scat_fixed.json");
    let data = test_data("efam/scat_n400.csv");
    let run = |family: &str, extra: &[&str]| {
        let mut a: Vec<std::ffi::OsString> = vec!["--cache-dir".into(), cache.clone().into_os_string()];
        a.extend(["fit".into(), data.clone().into_os_string()]);
        a.extend([r["formula"].as_str().unwrap(), "--family", family].map(Into::into));
        a.extend(extra.iter().map(Into::into));
        gam_in(dir.path(), a)
    };
    let fixed = "scat(theta = c(3, 1.2))";
    let first = run(fixed, &[]);
    first.assert_ok();
    assert_eq!(first.stderr, "cache: cold start\n", "{first:?}");
    assert!(
        first.stdout.lines().any(|l| l == "Family: Scaled t(3,1.2) "),
        "{first:?}"
    );
    let again = run(fixed, &[]);
    assert_eq!(again.stderr, "cache: exact hit\n", "{again:?}");
    assert_eq!(again.stdout, first.stdout);
    // The estimated fit of the same data is another model, not a hit.
    let estimated = run("scat", &[]);
    estimated.assert_ok();
    assert_ne!(estimated.stderr, "cache: exact hit\n", "{estimated:?}");
    let j = run(fixed, &["--json"]).json();
    assert_eq!(j["family_parameters_fixed"], Value::Bool(true), "{j}");
    let nu_sigma: Vec<f64> = j["family_parameters"].as_array().unwrap().iter().map(num).collect();
    assert!(
        rel_diff(nu_sigma[0], 3.0) < 1e-12 && rel_diff(nu_sigma[1], 1.2) < 1e-12,
        "{j}"
    );
    // The reference stores the criterion as R's jsonlite writes `format(x, digits = 17)`: a
    // one-element array of a string.
    let want: f64 = r["criterion"][0].as_str().unwrap().parse().unwrap();
    assert!(rel_diff(num(&j["reml_score"]), want) < CRITERION_REL_TOL, "{j}");
}

#[test]
fn refused_values_are_one_line_usage_errors() {
    let dir = TempDir::new().unwrap();
    let data = test_data("efam/scat_n400.csv");
    for (family, needle) in [
        ("scat(theta = c(3, 1.2), min.df = 4)", "min.df"),
        ("cnorm(theta = c(1, 2))", "1 value"),
    ] {
        let a: Vec<std::ffi::OsString> = vec![
            "fit".into(),
            data.clone().into_os_string(),
            "y ~ s(x0)".into(),
            "--family".into(),
            family.into(),
        ];
        let out = gam_in(dir.path(), a);
        assert_eq!(out.code, 2, "{family}: {out:?}");
        assert_eq!(out.stderr.lines().count(), 1, "{family}: {out:?}");
        assert!(out.stderr.contains(needle), "{family}: {out:?}");
    }
}
