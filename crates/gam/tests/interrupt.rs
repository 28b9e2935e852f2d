//! Interruptible fits: an observer that asks to stop ends the fit with
//! `GamError::Interrupted` after the iterate it was shown, that iterate is left
//! in the warm-start cache as a checkpoint, and the same fit through the same
//! cache resumes from it and reaches the optimum of an uninterrupted fit.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use gam::GamError;
use gam::expert::cache::keys::Payload;
use gam::expert::cache::{CacheOptions, StartSource, fit_cached};
use gam::expert::data::DataFrame;
use gam::expert::fit::Iterate;
use gam::expert::fit::driver::{FitObserver, NoObserver};
use gam::expert::fit::observer::StopOnFlag;
use gam::expert::formula::Formula;
use gam::expert::model::{Family, GamModel, GamSpec, Link};
use gam::expert::warmstart::{EntryKind, StoreOptions, WarmStartStore};

/// A Gaussian model of the gamsim4 data with 11 outer iterations from a cold start.
const GAMSIM4_FORMULA: &str = "y ~ fac + s(x2, by = fac) + s(x0) + s(x1)";

/// A resumed fit reaches the cold fit's REML score to this relative difference.
const SAME_OPTIMUM: f64 = 1e-8;

fn data_file(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(rel)
}

fn gamsim4() -> (GamSpec, DataFrame) {
    let data = DataFrame::read_csv(&data_file("bench/data/gamsim4_n400.csv")).unwrap();
    (GamSpec::new(Formula::parse(GAMSIM4_FORMULA).unwrap()), data)
}

fn nb() -> (GamSpec, DataFrame) {
    let data = DataFrame::read_csv(&data_file("families/nb_n400.csv")).unwrap();
    let formula = Formula::parse("y ~ s(x0) + s(x1)").unwrap();
    (
        GamSpec::new(formula).with_family(Family::NegativeBinomial, Link::Log),
        data,
    )
}

fn open_store(dir: &tempfile::TempDir) -> WarmStartStore {
    WarmStartStore::open(dir.path().to_path_buf(), StoreOptions::default()).unwrap()
}

/// Asks to stop once it has seen `after` iterates; keeps what it saw.
struct StopAfter {
    after: usize,
    seen: Vec<Iterate>,
}

impl StopAfter {
    fn new(after: usize) -> StopAfter {
        StopAfter {
            after,
            seen: Vec::new(),
        }
    }
}

impl FitObserver for StopAfter {
    fn on_iterate(&mut self, it: &Iterate) {
        self.seen.push(it.clone());
    }

    fn should_stop(&self) -> bool {
        self.seen.len() >= self.after
    }
}

/// Counts the iterates of a fit.
struct Count(usize);

impl FitObserver for Count {
    fn on_iterate(&mut self, _: &Iterate) {
        self.0 += 1;
    }
}

/// A resumed fit reached the optimum of the cold one.
fn assert_same_optimum(resumed: &GamModel, cold: &GamModel) {
    let (a, b) = (resumed.reml_score, cold.reml_score);
    let rel = (a - b).abs() / a.abs().max(b.abs());
    assert!(rel <= SAME_OPTIMUM, "REML resumed {a} vs cold {b}");
}

/// Every entry in the store: (kind, iteration, objective).
fn entries(store: &WarmStartStore) -> Vec<(EntryKind, Option<u64>, Option<f64>)> {
    let mut out = Vec::new();
    for key in store.keys().unwrap() {
        for e in store.entries(&key).unwrap() {
            out.push((e.kind, e.iteration, e.objective));
        }
    }
    out
}

#[test]
fn a_stopped_fit_leaves_its_checkpoint_and_the_same_fit_resumes_from_it() {
    let (spec, data) = gamsim4();
    let cold = spec.fit(&data).unwrap();
    assert!(cold.outer.iter >= 5, "the test needs several outer iterations");

    let dir = tempfile::tempdir().unwrap();
    let store = open_store(&dir);
    let opts = CacheOptions::default();
    let mut stop = StopAfter::new(2);
    let err = fit_cached(&spec, &data, Some(&store), &opts, &mut stop).unwrap_err();
    assert_eq!(
        stop.seen.len(),
        2,
        "the fit stops at the iterate after which it was asked"
    );
    let last = &stop.seen[1];
    match err {
        GamError::Interrupted {
            iterations,
            score,
            saved,
        } => {
            assert_eq!((iterations, score, saved), (last.iter, last.score, true));
            assert_eq!(iterations, 1);
        }
        other => panic!("expected Interrupted, got {other}"),
    }
    // The store holds that iterate as a checkpoint, and no finished model.
    let held = entries(&store);
    assert_eq!(
        held,
        [(EntryKind::Checkpoint, Some(1), Some(last.score))],
        "one checkpoint, of the iterate the fit stopped at"
    );
    for key in store.keys().unwrap() {
        let entry = store.lookup(&key).unwrap().unwrap();
        assert!(matches!(
            Payload::from_bytes(&entry.payload),
            Some(Payload::Checkpoint(_))
        ));
    }

    let mut count = Count(0);
    let resumed = fit_cached(&spec, &data, Some(&store), &opts, &mut count).unwrap();
    assert_eq!(
        resumed.source,
        StartSource::Resumed {
            iteration: 1,
            score: last.score
        }
    );
    assert!(
        resumed.iterations_run < cold.outer.iter,
        "resumed: {} iterations, cold: {}",
        resumed.iterations_run,
        cold.outer.iter
    );
    assert!(
        resumed.model.outer.iter > 1,
        "iterations count on from the checkpoint's"
    );
    assert_same_optimum(&resumed.model, &cold);
}

#[test]
fn a_flag_stops_a_generalized_fit_at_its_start_and_says_whether_it_was_saved() {
    let (spec, data) = nb();
    let flag = Arc::new(AtomicBool::new(false));
    // Set from another thread, as a signal handler or a Python front end would.
    let setter = {
        let flag = Arc::clone(&flag);
        std::thread::spawn(move || flag.store(true, Ordering::Release))
    };
    setter.join().unwrap();

    // Without a cache nothing is saved.
    let mut none = NoObserver;
    let err = fit_cached(
        &spec,
        &data,
        None,
        &CacheOptions::default(),
        &mut StopOnFlag::new(&mut none, Arc::clone(&flag)),
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            GamError::Interrupted {
                iterations: 0,
                saved: false,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with("fit interrupted after outer iteration 0 (criterion "),
        "{err}"
    );

    // Through a cache the start is saved, and the next fit resumes from it.
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(&dir);
    let mut seen = Count(0);
    let err = fit_cached(
        &spec,
        &data,
        Some(&store),
        &CacheOptions::default(),
        &mut StopOnFlag::new(&mut seen, Arc::clone(&flag)),
    )
    .unwrap_err();
    assert_eq!(seen.0, 1, "the inner observer saw the start");
    let GamError::Interrupted {
        iterations: 0,
        score,
        saved: true,
    } = err
    else {
        panic!("expected a saved interruption at iteration 0: {err:?}");
    };
    flag.store(false, Ordering::Release);
    let resumed = fit_cached(&spec, &data, Some(&store), &CacheOptions::default(), &mut NoObserver).unwrap();
    assert_eq!(resumed.source, StartSource::Resumed { iteration: 0, score });
    let cold = spec.fit(&data).unwrap();
    assert_same_optimum(&resumed.model, &cold);
}

#[test]
fn a_stop_asked_at_the_optimum_is_not_an_interruption() {
    let (spec, data) = gamsim4();
    let mut count = Count(0);
    let cold = spec.fit_with(&data, None, &mut count).unwrap();
    assert!(count.0 >= 2);
    // Asked after the last iterate, the one at which the iteration converged.
    let mut stop = StopAfter::new(count.0);
    let model = spec.fit_with(&data, None, &mut stop).unwrap();
    assert_eq!(stop.seen.len(), count.0);
    assert_eq!(model.reml_score, cold.reml_score);
    // One iterate earlier it is.
    let mut stop = StopAfter::new(count.0 - 1);
    let err = spec.fit_with(&data, None, &mut stop).unwrap_err();
    assert!(matches!(err, GamError::Interrupted { saved: false, .. }), "{err:?}");
}

/// Records, at each iterate, the checkpoints the store holds, then sleeps
/// `pause` (inside `on_iterate`, so the fit's clock runs on).
struct WatchStore<'a> {
    store: &'a WarmStartStore,
    pause: std::time::Duration,
    /// Per iterate: its iteration and the checkpoint iterations held.
    held: Vec<(usize, Vec<Option<u64>>)>,
}

impl FitObserver for WatchStore<'_> {
    fn on_iterate(&mut self, it: &Iterate) {
        let checkpoints = entries(self.store)
            .into_iter()
            .filter(|(kind, _, _)| *kind == EntryKind::Checkpoint)
            .map(|(_, iteration, _)| iteration)
            .collect();
        self.held.push((it.iter, checkpoints));
        std::thread::sleep(self.pause);
    }
}

#[test]
fn iterates_of_the_first_half_second_are_held_back_and_later_ones_are_checkpointed() {
    use gam::expert::cache::CHECKPOINT_AFTER;
    let (spec, data) = gamsim4();
    let opts = CacheOptions::default();

    // A quick fit writes no checkpoint at all, only its Final (and Seed).
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(&dir);
    let mut quick = WatchStore {
        store: &store,
        pause: std::time::Duration::ZERO,
        held: Vec::new(),
    };
    fit_cached(&spec, &data, Some(&store), &opts, &mut quick).unwrap();
    assert!(quick.held.len() >= 5, "{} iterates", quick.held.len());
    assert!(
        quick.held.iter().all(|(_, held)| held.is_empty()),
        "a fit shorter than {CHECKPOINT_AFTER:?} wrote checkpoints: {:?}",
        quick.held
    );
    assert!(
        entries(&store).iter().all(|(kind, _, _)| *kind == EntryKind::Final),
        "{:?}",
        entries(&store)
    );

    // A slow fit: the observer sees each iterate after the cache decided
    // on it. Iterate j arrives about j pauses after the start, so iterates
    // 0-2 (at 2/5 of CHECKPOINT_AFTER and less, plus compute time) are held
    // back and every later one (at 6/5 and more) is in the store when seen.
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(&dir);
    let pause = CHECKPOINT_AFTER * 2 / 5;
    let mut slow = WatchStore {
        store: &store,
        pause,
        held: Vec::new(),
    };
    fit_cached(&spec, &data, Some(&store), &opts, &mut slow).unwrap();
    for (j, (iteration, held)) in slow.held.iter().enumerate() {
        if j < 3 {
            assert!(held.is_empty(), "iterate {j} was written: {:?}", slow.held);
        } else {
            assert!(
                held.contains(&Some(*iteration as u64)),
                "iterate {j} (iteration {iteration}) was not written: {:?}",
                slow.held
            );
        }
    }
    assert!(slow.held.len() > 4, "the slow fit needs more than 4 iterates");
}
