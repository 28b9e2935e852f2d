//! The chunked paths give the in-memory answers: a fit whose model matrix is
//! built a block of rows at a time, in parallel (reduced by QR for a Gaussian
//! model, re-read at every penalised IRLS iteration and derivative pass for
//! the others), agrees with the in-memory fit on every public case (REML
//! score, coefficients, EDF, scale, deviance to [`AGREE_REL_TOL`], the same
//! outer iterations), and prediction on large data, done chunk by chunk,
//! equals prediction block by block.

mod common;

use common::cases::{bench_dir, cases, load_data};
use gam::expert::data::DataFrame;
use gam::expert::fit::driver::{MatrixStorage, NoObserver, prepare};
use gam::expert::formula::Formula;
use gam::expert::model::{Family, GamModel, GamSpec, Link};

/// Relative agreement of the two paths (coefficients: relative to max(1, max |β|)).
const AGREE_REL_TOL: f64 = 1e-10;

/// Small enough that even the smallest case is cut into several chunks.
const SMALL_CHUNK: usize = 37;

fn fit(spec: &GamSpec, data: &DataFrame, how: MatrixStorage) -> GamModel {
    let setup = spec.setup_with(prepare(spec, data).unwrap(), how).unwrap();
    spec.fit_setup(&setup, None, &mut NoObserver).unwrap()
}

#[test]
fn chunked_and_in_memory_fits_agree_on_every_public_case() {
    let mut checked = 0;
    for case in &cases() {
        if case["visibility"] != "public" {
            continue;
        }
        let id = case["id"].as_str().unwrap();
        let data = load_data(id, case);
        let family = Family::from_name(case["family"].as_str().unwrap()).unwrap();
        let link = Link::from_name(case["link"].as_str().unwrap()).unwrap();
        let spec = GamSpec::new(Formula::parse(case["formula"].as_str().unwrap()).unwrap()).with_family(family, link);
        // The large case is cut into the default chunks; the others into tiny ones.
        let chunk = if data.nrows() > 10_000 { 16_384 } else { SMALL_CHUNK };
        let dense = fit(&spec, &data, MatrixStorage::Dense);
        let chunked = fit(&spec, &data, MatrixStorage::Chunked(chunk));
        let rel = |a: f64, b: f64| (a - b).abs() / b.abs().max(1.0);
        assert!(
            rel(chunked.reml_score, dense.reml_score) <= AGREE_REL_TOL * dense.reml_score.abs().max(1.0),
            "{id}: REML {} vs {}",
            chunked.reml_score,
            dense.reml_score
        );
        // Coefficients normwise (relative to the largest): a heavily penalised direction is
        // determined only to the inner iteration's tolerance relative to the whole vector.
        let scale = dense.coefficients.iter().fold(1.0f64, |m, c| m.max(c.abs()));
        for (i, (c, d)) in chunked.coefficients.iter().zip(&dense.coefficients).enumerate() {
            assert!(
                (c - d).abs() <= AGREE_REL_TOL * scale,
                "{id}: coefficient {i}: {c} vs {d} (max |β| {scale})"
            );
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
    assert!(checked >= 19, "only {checked} public cases");
}

/// Prediction on more rows than one chunk (done chunk by chunk in parallel)
/// equals prediction on each block of rows alone, with SEs and terms.
#[test]
fn chunked_prediction_equals_blockwise_prediction() {
    use gam::expert::predict::{PredictOptions, PredictType};
    let data = DataFrame::read_csv(&bench_dir().join("data/gamsim1_n100k.csv.gz")).unwrap();
    let small = data.select_rows(&(0..2000).collect::<Vec<_>>());
    let spec = GamSpec::new(Formula::parse("y ~ s(x0, bs = \"cr\") + s(x2, bs = \"cr\") + x1").unwrap());
    let model = spec.fit(&small).unwrap();
    let opts = PredictOptions {
        kind: PredictType::Response,
        se: true,
        terms: true,
        ..Default::default()
    };
    let all = model.predict(&data, &opts).unwrap();
    assert_eq!(all.fit.len(), data.nrows());
    for start in [0, 16_000, 40_000, 99_000] {
        let rows: Vec<usize> = (start..start + 1000).collect();
        let part = model.predict(&data.select_rows(&rows), &opts).unwrap();
        for (k, &i) in rows.iter().enumerate() {
            assert!(
                (all.fit[i] - part.fit[k]).abs() <= 1e-12 * (1.0 + part.fit[k].abs()),
                "fit row {i}"
            );
            let (a, b) = (all.se_fit.as_ref().unwrap()[i], part.se_fit.as_ref().unwrap()[k]);
            assert!((a - b).abs() <= 1e-12 * (1.0 + b), "se row {i}");
            for ((la, ta), (lb, tb)) in all.terms.as_ref().unwrap().iter().zip(part.terms.as_ref().unwrap()) {
                assert_eq!(la, lb);
                assert!((ta[i] - tb[k]).abs() <= 1e-12 * (1.0 + tb[k].abs()), "{la} row {i}");
            }
        }
    }
}

/// A missing value far into large data is reported at its own row.
#[test]
fn chunked_prediction_names_the_first_bad_row() {
    use gam::expert::predict::PredictOptions;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.csv");
    let mut csv = String::from("y,x\n");
    for i in 0..50_000 {
        let x = (i as f64 + 0.5) / 50_000.0;
        let xs = if i == 41_234 || i == 45_000 {
            String::new()
        } else {
            format!("{x}")
        };
        csv.push_str(&format!("{},{xs}\n", (6.0 * x).sin()));
    }
    std::fs::write(&path, csv).unwrap();
    let data = DataFrame::read_csv(&path).unwrap();
    let train = data.select_rows(&(0..1000).collect::<Vec<_>>());
    let model = GamSpec::new(Formula::parse("y ~ s(x)").unwrap()).fit(&train).unwrap();
    let e = model
        .predict(&data, &PredictOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("row 41235") && e.contains("'x'"), "{e}");
}
