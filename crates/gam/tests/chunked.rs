//! The chunked path (model matrix built and reduced a block of rows at a
//! time, in parallel) and the in-memory path give the same fit: on every
//! public Gaussian case the REML score, coefficients, EDF and scale agree to
//! [`AGREE_REL_TOL`].

use std::path::{Path, PathBuf};

use gam::data::{DataFrame, ReadOptions};
use gam::fit::gam::{Accumulation, NoObserver, prepare};
use gam::formula::Formula;
use gam::model::{GamModel, GamSpec};
use serde_json::Value;

/// Relative agreement of the two paths (scaled by max(1, |value|) for coefficients).
const AGREE_REL_TOL: f64 = 1e-10;

/// Small enough that even the smallest case is cut into several chunks.
const SMALL_CHUNK: usize = 37;

fn bench_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/bench")
}

fn fit(spec: &GamSpec, data: &DataFrame, how: Accumulation) -> GamModel {
    let setup = spec.setup_with(prepare(spec, data).unwrap(), how).unwrap();
    spec.fit_setup(&setup, None, &mut NoObserver).unwrap()
}

#[test]
fn chunked_and_in_memory_fits_agree_on_every_public_gaussian_case() {
    let cases: Value = serde_json::from_slice(&std::fs::read(bench_dir().join("cases.json")).unwrap()).unwrap();
    let mut checked = 0;
    for case in cases.as_array().unwrap() {
        if case["family"] != "gaussian" || case["visibility"] != "public" {
            continue;
        }
        let id = case["id"].as_str().unwrap();
        let factors = case["factors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f.as_str().unwrap().to_string())
            .collect();
        let data = DataFrame::read_csv_with(
            &bench_dir().join(case["data"].as_str().unwrap()),
            &ReadOptions { factors },
        )
        .unwrap();
        let spec = GamSpec::new(Formula::parse(case["formula"].as_str().unwrap()).unwrap());
        // The large case is cut into the default chunks; the others into tiny ones.
        let chunk = if data.nrows() > 10_000 { 16_384 } else { SMALL_CHUNK };
        let dense = fit(&spec, &data, Accumulation::Dense);
        let chunked = fit(&spec, &data, Accumulation::Chunked(chunk));
        let rel = |a: f64, b: f64| (a - b).abs() / b.abs().max(1.0);
        assert!(
            rel(chunked.reml_score, dense.reml_score) <= AGREE_REL_TOL * dense.reml_score.abs().max(1.0),
            "{id}: REML {} vs {}",
            chunked.reml_score,
            dense.reml_score
        );
        for (i, (c, d)) in chunked.coefficients.iter().zip(&dense.coefficients).enumerate() {
            assert!(rel(*c, *d) <= AGREE_REL_TOL, "{id}: coefficient {i}: {c} vs {d}");
        }
        assert!(
            rel(chunked.edf_total(), dense.edf_total()) <= AGREE_REL_TOL,
            "{id}: EDF"
        );
        assert!(
            (chunked.scale - dense.scale).abs() <= AGREE_REL_TOL * dense.scale,
            "{id}: scale"
        );
        assert!(
            (chunked.deviance - dense.deviance).abs() <= AGREE_REL_TOL * dense.deviance,
            "{id}: deviance"
        );
        assert_eq!(chunked.outer.iter, dense.outer.iter, "{id}: outer iterations");
        checked += 1;
    }
    assert!(checked >= 12, "only {checked} public Gaussian cases");
}
