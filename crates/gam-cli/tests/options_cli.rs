//! `gam fit --convergence`: which of mgcv's outer convergence tests ends a fit (gam()'s, bam()'s,
//! or auto: gam()'s up to 10^5 rows). Run through the built binary.

mod common;

use common::gam_in;
use tempfile::TempDir;

/// Two REML scores of the same model from different stopping rules, relative.
const REML_REL_TOL: f64 = 1e-6;

fn mcycle() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/mcycle.csv")
}

#[test]
fn convergence_tests_are_separate_fits_of_the_same_model() {
    let dir = TempDir::new().unwrap();
    let data = mcycle();
    let fit = |test: &str| {
        let run = gam_in(
            dir.path(),
            [
                "--json",
                "fit",
                data.to_str().unwrap(),
                "accel ~ s(times)",
                "--convergence",
                test,
            ],
        );
        assert_eq!(run.code, 0, "{run:?}");
        run.json()
    };
    let gam = fit("gam");
    let bam = fit("bam");
    let auto = fit("auto");
    // Each test is its own cache entry: the bam fit is not answered by the gam fit's entry.
    assert_eq!(gam["start"]["source"], "cold");
    assert_eq!(bam["start"]["source"], "cold");
    assert_eq!(auto["start"]["source"], "cold");
    let score = |j: &serde_json::Value| j["reml_score"].as_f64().unwrap();
    // bam()'s test is the tighter one: it stops no higher, and both agree to gam()'s tolerance.
    assert!(
        score(&bam) <= score(&gam) + 1e-9 * score(&gam).abs(),
        "{} vs {}",
        score(&bam),
        score(&gam)
    );
    assert!((score(&bam) - score(&gam)).abs() <= REML_REL_TOL * score(&gam).abs());
    // 133 rows: auto is gam()'s test.
    assert_eq!(score(&auto), score(&gam));
    assert_eq!(auto["sp"], gam["sp"]);
}

#[test]
fn an_unknown_convergence_test_is_a_usage_error() {
    let dir = TempDir::new().unwrap();
    let data = mcycle();
    let run = gam_in(
        dir.path(),
        [
            "fit",
            data.to_str().unwrap(),
            "accel ~ s(times)",
            "--convergence",
            "tight",
        ],
    );
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("tight"), "{}", run.stderr);
    assert!(
        run.stderr.contains("auto") && run.stderr.contains("bam"),
        "{}",
        run.stderr
    );
}
