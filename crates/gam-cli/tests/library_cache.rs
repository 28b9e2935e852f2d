//! The library's front door and the `gam` command share one warm-start cache
//! (issue 12, item 2): a fit made by `gam fit` is an exact hit for
//! `Gam::cache(..).fit(..)` — from a frame read from the same CSV file and from
//! one built in memory from the same values — with the coefficients of the
//! model `gam fit --out` saved, bit for bit; a fit made by the library is an
//! exact hit for `gam fit`. Both through an explicit directory and through the
//! default one (`GAM_CACHE_DIR`, read by `Cache::open_default` in a child
//! process of this test, so that no test of this binary changes its own
//! environment). And a model saved by the library is summarised by
//! `gam summary` with the text of `FittedGam::summary`.

mod common;

use std::path::Path;
use std::process::Command;

use common::fit::FitRun;
use common::library::front::bits;
use common::library::{FORMULA, data, data_dir, gam_with_cache_env};
use common::{Run, gam_in};
use gam::{Cache, CsvOptions, FittedGam, Frame, Gam, StartSource};

/// Environment of the child process run by [`the_default_directory_is_shared`]:
/// the CSV file it fits.
const CHILD_DATA: &str = "GAM_TEST_CHILD_DATA";
/// Where the child saves its model.
const CHILD_OUT: &str = "GAM_TEST_CHILD_OUT";
/// Which frame the child builds: `csv` or `memory`.
const CHILD_FRAME: &str = "GAM_TEST_CHILD_FRAME";

/// The name of the test the child process runs.
const CHILD_TEST: &str = "child_fits_through_the_default_cache";

/// How the library builds its frame of the data.
#[derive(Debug, Clone, Copy)]
enum FrameFrom {
    /// `Frame::read_csv` of the file `gam fit` reads.
    Csv,
    /// `Frame::builder()` with the same values.
    Memory,
}

fn frame(from: FrameFrom, csv: &Path) -> Frame {
    match from {
        FrameFrom::Csv => Frame::read_csv(csv, &CsvOptions::default()).expect("the CSV file reads"),
        FrameFrom::Memory => data().frame(),
    }
}

/// The library's fit of [`FORMULA`] to the data of `csv` through `cache`.
fn library_fit(cache: &Cache, from: FrameFrom, csv: &Path) -> FittedGam {
    let fitted = Gam::new(FORMULA).unwrap().cache(cache).fit(&frame(from, csv));
    fitted.unwrap_or_else(|e| panic!("the library's fit ({from:?}): {e}"))
}

/// `gam fit data.csv FORMULA --out model.json` in `dir`, through `cache`.
fn cli_fit(dir: &Path, cache: &Path) -> Run {
    gam_in(
        dir,
        [
            "--cache-dir".as_ref(),
            cache.as_os_str(),
            "fit".as_ref(),
            "data.csv".as_ref(),
            FORMULA.as_ref(),
            "--out".as_ref(),
            "model.json".as_ref(),
        ],
    )
}

fn assert_same_model(library: &FittedGam, cli: &FittedGam, what: &str) {
    assert_eq!(
        bits(library.coefficients()),
        bits(cli.coefficients()),
        "{what}: coefficients"
    );
    assert_eq!(
        bits(library.smoothing_parameters()),
        bits(cli.smoothing_parameters()),
        "{what}: smoothing parameters"
    );
    assert_eq!(
        library.summary().to_string(),
        cli.summary().to_string(),
        "{what}: summary"
    );
}

#[test]
fn a_fit_made_by_the_command_is_an_exact_hit_for_the_library() {
    for from in [FrameFrom::Csv, FrameFrom::Memory] {
        let (dir, csv, cache_dir) = data_dir();
        let run = cli_fit(dir.path(), &cache_dir);
        run.assert_ok();
        assert!(run.stderr.contains("cache: cold start"), "{run:?}");
        let saved = FittedGam::load(dir.path().join("model.json")).unwrap();

        let fitted = library_fit(&Cache::open(&cache_dir).unwrap(), from, &csv);
        assert_eq!(fitted.source(), Some(&StartSource::ExactHit), "{from:?}");
        assert_eq!(fitted.cache_warning(), None);
        assert_same_model(&fitted, &saved, &format!("{from:?}"));
    }
}

#[test]
fn a_fit_made_by_the_library_is_an_exact_hit_for_the_command() {
    for from in [FrameFrom::Csv, FrameFrom::Memory] {
        let (dir, csv, cache_dir) = data_dir();
        let fitted = library_fit(&Cache::open(&cache_dir).unwrap(), from, &csv);
        assert_eq!(fitted.source(), Some(&StartSource::Cold), "{from:?}");

        let run = cli_fit(dir.path(), &cache_dir);
        run.assert_ok();
        assert_eq!(run.stderr.trim_end(), "cache: exact hit", "{from:?}: {run:?}");
        // `gam fit` prints the summary the library renders.
        assert_eq!(run.stdout, fitted.summary().to_string(), "{from:?}");
        let saved = FittedGam::load(dir.path().join("model.json")).unwrap();
        assert_same_model(&fitted, &saved, &format!("{from:?}"));
    }
}

/// Runs [`CHILD_TEST`] in a child process of this test binary, with
/// `GAM_CACHE_DIR` set to `cache_dir`: it fits the data of `csv` through
/// `Cache::open_default()` and saves the model to `out`. Returns where its
/// fit started, as `StartSource::describe` says it.
fn child_fit(cache_dir: &Path, csv: &Path, out: &Path, from: FrameFrom) -> String {
    let exe = std::env::current_exe().expect("the test binary");
    let output = Command::new(exe)
        .args([CHILD_TEST, "--exact", "--ignored", "--test-threads=1", "--nocapture"])
        .env(warmstart::CACHE_DIR_ENV, cache_dir)
        .env(CHILD_DATA, csv)
        .env(CHILD_OUT, out)
        .env(CHILD_FRAME, format!("{from:?}"))
        .output()
        .expect("the child runs");
    let run = Run::from(output);
    assert_eq!(run.code, 0, "the child's fit: {run:?}");
    assert!(run.stdout.contains("1 passed"), "the child ran its test: {run:?}");
    std::fs::read_to_string(out.with_extension("source")).expect("the child says where its fit started")
}

/// The child of [`the_default_directory_is_shared`]: run only by it, in a
/// process of its own whose environment it sets.
#[test]
#[ignore = "run in a child process by the_default_directory_is_shared"]
fn child_fits_through_the_default_cache() {
    let var = |name: &str| std::env::var(name).unwrap_or_else(|_| panic!("{name} is set by the parent test"));
    let (csv, out) = (var(CHILD_DATA), var(CHILD_OUT));
    let from = match var(CHILD_FRAME).as_str() {
        "Csv" => FrameFrom::Csv,
        _ => FrameFrom::Memory,
    };
    let cache = Cache::open_default().expect("the default cache opens");
    assert_eq!(cache.dir(), Path::new(&var(warmstart::CACHE_DIR_ENV)));
    let fitted = library_fit(&cache, from, Path::new(&csv));
    fitted.save(&out).unwrap();
    let source = fitted.source().expect("fitted through the cache").describe();
    std::fs::write(Path::new(&out).with_extension("source"), source).unwrap();
}

#[test]
fn the_default_directory_is_shared() {
    for from in [FrameFrom::Csv, FrameFrom::Memory] {
        // The command first, the library second.
        let (dir, csv, cache_dir) = data_dir();
        let run = gam_with_cache_env(
            dir.path(),
            &cache_dir,
            ["fit", "data.csv", FORMULA, "--out", "model.json"],
        );
        run.assert_ok();
        assert!(run.stderr.contains("cache: cold start"), "{run:?}");
        let out = dir.path().join("child-model.json");
        assert_eq!(child_fit(&cache_dir, &csv, &out, from), "cache: exact hit", "{from:?}");
        let (cli, library) = (
            FittedGam::load(dir.path().join("model.json")).unwrap(),
            FittedGam::load(&out).unwrap(),
        );
        assert_same_model(&library, &cli, &format!("{from:?}"));

        // The library first, the command second.
        let (dir, csv, cache_dir) = data_dir();
        let out = dir.path().join("child-model.json");
        assert_eq!(child_fit(&cache_dir, &csv, &out, from), "cache: cold start", "{from:?}");
        let run = gam_with_cache_env(
            dir.path(),
            &cache_dir,
            ["fit", "data.csv", FORMULA, "--out", "model.json"],
        );
        run.assert_ok();
        assert_eq!(run.stderr.trim_end(), "cache: exact hit", "{from:?}: {run:?}");
    }
}

#[test]
fn a_model_saved_by_the_library_is_summarised_by_the_command() {
    let dir = tempfile::tempdir().unwrap();
    let fitted = Gam::new(FORMULA).unwrap().fit(&data().frame()).unwrap();
    let path = dir.path().join("library-model.json");
    fitted.save(&path).unwrap();
    let run = gam_in(dir.path(), ["summary", "library-model.json"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stderr.is_empty(), "{run:?}");
    assert_eq!(run.stdout, fitted.summary().to_string());
}
