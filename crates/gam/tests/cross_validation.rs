//! Behaviour of `gam::expert::cv::cross_validate` on the bundled examples/mcycle.csv:
//! the observer hears every fold in order, folds seed each other (in
//! process without a cache, through the cache with one, and a rerun through
//! the cache is all exact hits), seeding off makes every fold cold, and a
//! fold count that cannot be dealt is a typed error.

use std::path::{Path, PathBuf};

use gam::GamError;
use gam::expert::cv::{CvEvent, CvObserver, CvOptions, NoCvObserver, cross_validate};
use gam::expert::data::DataFrame;
use gam::expert::fit::Iterate;
use gam::expert::fit::driver::FitObserver;
use gam::expert::formula::Formula;
use gam::expert::model::GamSpec;
use gam::expert::warmstart::{StoreOptions, WarmStartStore};

const FORMULA: &str = "accel ~ s(times, bs = \"cr\", k = 20)";

fn mcycle() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/mcycle.csv")
}

fn setup() -> (GamSpec, DataFrame) {
    let spec = GamSpec::new(Formula::parse(FORMULA).unwrap());
    (spec, DataFrame::read_csv(&mcycle()).unwrap())
}

fn options(folds: usize) -> CvOptions {
    CvOptions {
        folds,
        seed: 11,
        ..CvOptions::default()
    }
}

/// Everything the observer heard, in words.
#[derive(Default)]
struct Recorder {
    events: Vec<String>,
    iterates: usize,
}

impl FitObserver for Recorder {
    fn on_iterate(&mut self, _: &Iterate) {
        self.iterates += 1;
    }
}

impl CvObserver for Recorder {
    fn on_cv_event(&mut self, event: &CvEvent<'_>) {
        self.events.push(match event {
            CvEvent::FoldStarted { fold, folds } => format!("start {fold}/{folds}"),
            CvEvent::CacheOff { .. } => "cache off".to_string(),
            CvEvent::FoldFinished(r) => format!("finish {} {}", r.fold, r.start),
            _ => "other".to_string(),
        });
    }
}

fn starts(report: &gam::expert::cv::CvReport) -> Vec<&'static str> {
    report.fold.iter().map(|f| f.start).collect()
}

#[test]
fn the_observer_hears_each_fold_and_folds_seed_each_other() {
    let (spec, data) = setup();
    let mut rec = Recorder::default();
    let report = cross_validate(&spec, &data, None, &options(3), &mut rec).unwrap();
    assert_eq!(
        rec.events,
        [
            "start 1/3",
            "finish 1 cold",
            "start 2/3",
            "finish 2 seeded",
            "start 3/3",
            "finish 3 seeded"
        ]
    );
    // Every iterate of every fold's fit reaches the observer: a start and
    // the accepted steps of each.
    assert!(rec.iterates >= report.total_outer_iterations + 3, "{}", rec.iterates);
    assert!(!report.cached);
    assert_eq!(report.n, 133);
    assert_eq!(report.fold.iter().map(|f| f.n_test).sum::<usize>(), 133);
    // Every row is held out once, in row order.
    let rows: Vec<usize> = report.predictions.iter().map(|p| p.row).collect();
    assert_eq!(rows, (0..133).collect::<Vec<_>>());
    let total: f64 = report.fold.iter().map(|f| f.deviance).sum();
    assert!((report.mean_deviance * 3.0 - total).abs() <= 1e-9 * total, "{report:?}");

    // Seeding off: every fold cold, and the same folds (same seed) scored.
    let cold_opts = CvOptions {
        seed_folds: false,
        ..options(3)
    };
    let cold = cross_validate(&spec, &data, None, &cold_opts, &mut NoCvObserver).unwrap();
    assert_eq!(starts(&cold), ["cold", "cold", "cold"]);
    let held_out = |r: &gam::expert::cv::CvReport| r.fold.iter().map(|f| f.n_test).collect::<Vec<_>>();
    assert_eq!(held_out(&cold), held_out(&report));
}

#[test]
fn through_the_cache_a_rerun_is_all_exact_hits() {
    let (spec, data) = setup();
    let dir = tempfile::tempdir().unwrap();
    let store = WarmStartStore::open(dir.path().to_path_buf(), StoreOptions::default()).unwrap();
    let first = cross_validate(&spec, &data, Some(&store), &options(3), &mut NoCvObserver).unwrap();
    assert!(first.cached);
    assert_eq!(starts(&first), ["cold", "seeded", "seeded"]);
    let again = cross_validate(&spec, &data, Some(&store), &options(3), &mut NoCvObserver).unwrap();
    assert_eq!(starts(&again), ["exact_hit", "exact_hit", "exact_hit"]);
    assert_eq!(again.total_outer_iterations, 0);
    assert_eq!(again.mean_deviance, first.mean_deviance);
    // Seeding off ignores the store.
    let cold_opts = CvOptions {
        seed_folds: false,
        ..options(3)
    };
    let cold = cross_validate(&spec, &data, Some(&store), &cold_opts, &mut NoCvObserver).unwrap();
    assert!(!cold.cached);
    assert_eq!(starts(&cold), ["cold", "cold", "cold"]);
}

#[test]
fn fold_counts_that_cannot_be_dealt_are_typed_errors() {
    let (spec, data) = setup();
    let err = cross_validate(&spec, &data, None, &options(1), &mut NoCvObserver).unwrap_err();
    assert!(matches!(err, GamError::TooFewFolds { folds: 1, .. }), "{err:?}");
    assert_eq!(err.to_string(), "the number of folds must be at least 2, not 1");
    let err = cross_validate(&spec, &data, None, &options(134), &mut NoCvObserver).unwrap_err();
    assert!(
        matches!(err, GamError::TooManyFolds { folds: 134, rows: 133 }),
        "{err:?}"
    );
    // A column the formula reads but the data lacks: the data's error as it is.
    let spec = GamSpec::new(Formula::parse("accel ~ s(nope)").unwrap());
    let err = cross_validate(&spec, &data, None, &options(3), &mut NoCvObserver).unwrap_err();
    assert!(matches!(err, GamError::UnknownColumn { .. }), "{err:?}");
    assert!(err.to_string().starts_with("unknown column 'nope'"), "{err}");
}
