//! End-to-end tests of the warm-start cache through the built `gam` binary:
//! exact hits, resuming a killed fit, `--no-cache`, an unusable cache,
//! seeding from a related fit, `--verify-cache` (also against a tampered
//! cached model) and cross-validation with folds seeding each other.
//!
//! Every test uses its own temporary cache directory (`--cache-dir`), never
//! the user's. Waits poll with generous deadlines: the tests must hold on a
//! loaded two-core machine.

mod common;

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{GAM, Run};
use gam::expert::cache::keys::Payload;
use tempfile::TempDir;
use warmstart::{EntryKind, Fingerprint, StoreOptions, WarmStartStore};

/// The test hook that makes a fit sleep after every outer iterate.
const PAUSE_ENV: &str = "GAM_TEST_PAUSE_AFTER_CHECKPOINT_MS";

/// A model of the gamsim4 data with 11 outer iterations from a cold start.
const GAMSIM4_FORMULA: &str = "y ~ fac + s(x2, by = fac) + s(x0) + s(x1)";

/// How long a test waits for something before it fails.
const DEADLINE: Duration = Duration::from_secs(300);

impl Run {
    fn ok(self) -> Run {
        assert_eq!(self.code, 0, "expected success: {self:?}");
        assert!(!self.stderr.contains("panicked"), "{self:?}");
        self
    }

    /// The stderr lines starting with `prefix`.
    fn lines_starting(&self, prefix: &str) -> Vec<&str> {
        self.stderr.lines().filter(|l| l.starts_with(prefix)).collect()
    }
}

fn command<I, S>(args: I) -> Command
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut cmd = Command::new(GAM);
    cmd.args(args)
        .env_remove("GAM_CACHE_DIR")
        .env_remove(PAUSE_ENV)
        .stdin(Stdio::null());
    cmd
}

fn run_cmd(cmd: Command) -> Run {
    Run::of(cmd)
}

fn gam<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    run_cmd(command(args))
}

/// `gam --cache-dir CACHE fit DATA FORMULA EXTRA...`.
fn fit(cache: &Path, data: &Path, formula: &str, extra: &[&str]) -> Run {
    let mut args: Vec<&OsStr> = vec![
        OsStr::new("--cache-dir"),
        cache.as_os_str(),
        OsStr::new("fit"),
        data.as_os_str(),
        OsStr::new(formula),
    ];
    args.extend(extra.iter().map(OsStr::new));
    gam(args)
}

fn bench_data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../gam/tests/data/bench/data")
        .join(name)
}

fn gamsim4() -> PathBuf {
    bench_data("gamsim4_n400.csv")
}

fn open_store(cache: &Path) -> WarmStartStore {
    WarmStartStore::open(cache.to_path_buf(), StoreOptions::default()).expect("the cache opens")
}

/// The key whose best entry is a finished model (not a Seed), and that entry's payload.
fn final_entry(store: &WarmStartStore) -> Option<(Fingerprint, warmstart::CachedEntry)> {
    store.keys().ok()?.into_iter().find_map(|key| {
        let entry = store.lookup(&key).ok()??;
        matches!(Payload::from_bytes(&entry.payload), Some(Payload::Final(_))).then_some((key, entry))
    })
}

/// The highest iteration of any Checkpoint entry in the store, and whether any entry holds a model.
fn checkpoint_state(store: &WarmStartStore) -> (Option<u64>, bool) {
    let mut best = None;
    let mut has_model = false;
    for key in store.keys().unwrap_or_default() {
        for e in store.entries(&key).unwrap_or_default() {
            if e.kind == EntryKind::Checkpoint {
                best = best.max(e.iteration);
            }
        }
        if let Ok(Some(entry)) = store.lookup(&key) {
            has_model |= matches!(Payload::from_bytes(&entry.payload), Some(Payload::Final(_)));
        }
    }
    (best, has_model)
}

fn rel_diff(a: f64, b: f64) -> f64 {
    (a - b).abs() / a.abs().max(b.abs()).max(f64::MIN_POSITIVE)
}

#[test]
fn a_refit_is_an_exact_hit_with_an_identical_summary() {
    let dir = TempDir::new().unwrap();
    let cache = dir.path().join("cache");
    let cold = fit(&cache, &gamsim4(), GAMSIM4_FORMULA, &[]).ok();
    assert_eq!(cold.stderr, "cache: cold start\n", "{cold:?}");
    assert!(cold.stdout.contains("-REML = "), "{cold:?}");

    let hit = fit(&cache, &gamsim4(), GAMSIM4_FORMULA, &[]).ok();
    assert_eq!(hit.stderr, "cache: exact hit\n", "{hit:?}");
    assert_eq!(
        hit.stdout, cold.stdout,
        "an exact hit prints the same summary byte for byte"
    );

    // Respacing the formula is the same fit.
    let respaced = fit(&cache, &gamsim4(), "y~fac+s( x2 , by=fac )+s(x0) +  s(x1)", &[]).ok();
    assert_eq!(respaced.stderr, "cache: exact hit\n", "{respaced:?}");
    assert_eq!(
        respaced
            .stdout
            .replace("y~fac+s( x2 , by=fac )+s(x0) +  s(x1)", GAMSIM4_FORMULA),
        cold.stdout
    );
    // Reordering its terms is the same fit (same key) with another
    // coefficient order: it starts from the cached optimum and leaves the
    // cached model alone.
    let reordered_formula = "y ~ s(x0) + fac + s(x1) + s(x2, by = fac)";
    let reordered = fit(&cache, &gamsim4(), reordered_formula, &["--json"]).ok();
    assert_eq!(reordered.stderr, "cache: seeded from a related fit\n", "{reordered:?}");
    let json = reordered.json();
    assert!(json["iterations_run"].as_u64().unwrap() <= 2, "{json}");
    assert_eq!(json["formula"], reordered_formula);

    let json = fit(&cache, &gamsim4(), GAMSIM4_FORMULA, &["--json"]).ok().json();
    assert_eq!(json["start"]["source"], "exact_hit");
    assert_eq!(json["start"]["description"], "cache: exact hit");
    assert_eq!(json["iterations_run"], 0);
    assert_eq!(
        json["outer"]["iter"], 11,
        "the cached model keeps its own iteration count"
    );

    // --quiet drops the line.
    let quiet = fit(&cache, &gamsim4(), GAMSIM4_FORMULA, &["--quiet"]).ok();
    assert_eq!(quiet.stderr, "");
    assert_eq!(quiet.stdout, cold.stdout);
}

#[test]
fn a_killed_fit_resumes_from_its_last_checkpoint() {
    let dir = TempDir::new().unwrap();
    let cache = dir.path().join("cache");
    let data = gamsim4();

    let cold = gam([
        OsStr::new("--no-cache"),
        OsStr::new("fit"),
        data.as_os_str(),
        OsStr::new(GAMSIM4_FORMULA),
        OsStr::new("--json"),
    ])
    .ok();
    let cold_json = cold.json();
    let cold_iterations = cold_json["iterations_run"].as_u64().unwrap();
    assert_eq!(cold_json["start"]["source"], "cold");
    assert!(
        cold_iterations >= 5,
        "the test needs a fit with several outer iterations: {cold:?}"
    );

    let mut cmd = command([
        OsStr::new("--cache-dir"),
        cache.as_os_str(),
        OsStr::new("fit"),
        data.as_os_str(),
        OsStr::new(GAMSIM4_FORMULA),
    ]);
    cmd.env(PAUSE_ENV, "400").stdout(Stdio::null()).stderr(Stdio::null());
    let mut child = cmd.spawn().expect("gam starts");

    // Wait until a checkpoint of iteration 2 or later is on disk.
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the fit ended ({status}) before it was killed");
        }
        if cache.is_dir() {
            let store = open_store(&cache);
            if checkpoint_state(&store).0.is_some_and(|it| it >= 2) {
                break;
            }
        }
        assert!(started.elapsed() < DEADLINE, "no checkpoint at iteration >= 2 appeared");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().expect("SIGKILL"); // std's kill is SIGKILL on Unix
    let status = child.wait().unwrap();
    assert!(!status.success(), "the fit was killed, not finished: {status}");

    let store = open_store(&cache);
    let (last, has_model) = checkpoint_state(&store);
    let last = last.expect("the checkpoint survives the kill");
    assert!(!has_model, "the killed fit must not have finished");
    assert!(last >= 2 && last < cold_iterations, "checkpoint at {last}");

    let resumed = fit(&cache, &data, GAMSIM4_FORMULA, &["--json"]).ok();
    let start_lines = resumed.lines_starting("cache: ");
    assert_eq!(start_lines.len(), 1, "{resumed:?}");
    assert!(
        start_lines[0].starts_with(&format!(
            "cache: resumed from checkpoint at iteration {last} (criterion "
        )),
        "{resumed:?}"
    );
    let json = resumed.json();
    assert_eq!(json["start"]["source"], "resumed");
    assert_eq!(json["start"]["iteration"], last);
    let resumed_iterations = json["iterations_run"].as_u64().unwrap();
    assert!(
        resumed_iterations < cold_iterations,
        "resumed: {resumed_iterations} iterations, cold: {cold_iterations}"
    );
    let (a, b) = (
        json["reml_score"].as_f64().unwrap(),
        cold_json["reml_score"].as_f64().unwrap(),
    );
    assert!(rel_diff(a, b) <= 1e-8, "REML {a} resumed vs {b} cold");

    // And the resumed fit finished the cache: next time is an exact hit.
    let hit = fit(&cache, &data, GAMSIM4_FORMULA, &[]).ok();
    assert_eq!(hit.lines_starting("cache: "), ["cache: exact hit"]);
}

#[test]
fn no_cache_never_touches_the_cache_dir() {
    let dir = TempDir::new().unwrap();
    let cache = dir.path().join("cache");
    let env_cache = dir.path().join("env-cache");
    let mut cmd = command([
        OsStr::new("--no-cache"),
        OsStr::new("--cache-dir"),
        cache.as_os_str(),
        OsStr::new("fit"),
        gamsim4().as_os_str(),
        OsStr::new(GAMSIM4_FORMULA),
    ]);
    cmd.env("GAM_CACHE_DIR", &env_cache);
    let run = run_cmd(cmd).ok();
    assert_eq!(run.stderr, "cache: cold start\n");
    assert!(!cache.exists() && !env_cache.exists());

    let mut cmd = command([
        OsStr::new("cv"),
        gamsim4().as_os_str(),
        OsStr::new(GAMSIM4_FORMULA),
        OsStr::new("--folds"),
        OsStr::new("3"),
        OsStr::new("--no-cache"),
    ]);
    cmd.env("GAM_CACHE_DIR", &env_cache);
    run_cmd(cmd).ok();
    assert!(!env_cache.exists());
}

#[test]
fn an_unusable_cache_still_fits_and_warns_once() {
    let dir = TempDir::new().unwrap();
    let reference = gam([
        OsStr::new("--no-cache"),
        OsStr::new("fit"),
        gamsim4().as_os_str(),
        OsStr::new(GAMSIM4_FORMULA),
    ])
    .ok();
    let file = dir.path().join("a-file");
    fs::write(&file, "not a directory").unwrap();
    for cache in [file.clone(), file.join("below-a-file")] {
        let run = fit(&cache, &gamsim4(), GAMSIM4_FORMULA, &[]).ok();
        assert_eq!(run.stdout, reference.stdout);
        let warnings = run.lines_starting("warning: ");
        assert_eq!(warnings.len(), 1, "{run:?}");
        assert!(warnings[0].starts_with("warning: cache off: "), "{run:?}");
        assert_eq!(run.lines_starting("cache: "), ["cache: cold start"], "{run:?}");
        assert_eq!(run.stderr.lines().count(), 2, "{run:?}");
        // --quiet keeps the warning.
        let quiet = fit(&cache, &gamsim4(), GAMSIM4_FORMULA, &["-q"]).ok();
        assert_eq!(quiet.stderr.lines().count(), 1, "{quiet:?}");
        assert!(quiet.stderr.starts_with("warning: cache off: "), "{quiet:?}");
    }
    assert_eq!(fs::read_to_string(&file).unwrap(), "not a directory");

    // Cross-validation too: one warning for all the folds.
    let run = gam([
        OsStr::new("--cache-dir"),
        file.as_os_str(),
        OsStr::new("cv"),
        gamsim4().as_os_str(),
        OsStr::new(GAMSIM4_FORMULA),
        OsStr::new("--folds"),
        OsStr::new("3"),
        OsStr::new("--json"),
    ])
    .ok();
    assert_eq!(run.lines_starting("warning: cache off: ").len(), 1, "{run:?}");
    let json = run.json();
    assert_eq!(json["cached"], false);
    let starts: Vec<&str> = json["fold"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["start"].as_str().unwrap())
        .collect();
    assert_eq!(
        starts,
        ["cold", "seeded", "seeded"],
        "in-process seeding without a cache"
    );
}

/// gamsim4 with the response of one row changed.
fn gamsim4_one_value_changed(dir: &Path) -> PathBuf {
    let text = fs::read_to_string(gamsim4()).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mut fields: Vec<String> = lines[5].split(',').map(str::to_string).collect();
    let y: f64 = fields[0].parse().unwrap();
    fields[0] = format!("{}", y + 0.5);
    lines[5] = fields.join(",");
    let path = dir.join("changed.csv");
    fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

#[test]
fn a_fit_on_slightly_changed_data_is_seeded_from_the_related_fit() {
    let dir = TempDir::new().unwrap();
    let cache = dir.path().join("cache");
    let changed = gamsim4_one_value_changed(dir.path());
    fit(&cache, &gamsim4(), GAMSIM4_FORMULA, &[]).ok();
    let seeded = fit(&cache, &changed, GAMSIM4_FORMULA, &["--json"]).ok();
    assert_eq!(
        seeded.lines_starting("cache: "),
        ["cache: seeded from a related fit"],
        "{seeded:?}"
    );
    let cold = gam([
        OsStr::new("--no-cache"),
        OsStr::new("fit"),
        changed.as_os_str(),
        OsStr::new(GAMSIM4_FORMULA),
        OsStr::new("--json"),
    ])
    .ok();
    let (s, c) = (seeded.json(), cold.json());
    assert_eq!(s["start"]["source"], "seeded");
    assert!(
        s["iterations_run"].as_u64().unwrap() < c["iterations_run"].as_u64().unwrap(),
        "seeded {} vs cold {}",
        s["iterations_run"],
        c["iterations_run"]
    );
    let (a, b) = (s["reml_score"].as_f64().unwrap(), c["reml_score"].as_f64().unwrap());
    assert!(rel_diff(a, b) <= 1e-6, "REML {a} seeded vs {b} cold");
    // The changed data's own result is now an exact hit.
    let hit = fit(&cache, &changed, GAMSIM4_FORMULA, &[]).ok();
    assert_eq!(hit.lines_starting("cache: "), ["cache: exact hit"]);
}

#[test]
fn verify_cache_accepts_a_good_hit_and_refits_a_tampered_one() {
    let dir = TempDir::new().unwrap();
    let cache = dir.path().join("cache");
    let original = fit(&cache, &gamsim4(), GAMSIM4_FORMULA, &[]).ok();

    let verified = fit(&cache, &gamsim4(), GAMSIM4_FORMULA, &["--verify-cache"]).ok();
    assert_eq!(verified.stderr, "cache: exact hit\n", "{verified:?}");
    assert_eq!(verified.stdout, original.stdout);
    let json = fit(&cache, &gamsim4(), GAMSIM4_FORMULA, &["--verify-cache", "--json"])
        .ok()
        .json();
    assert_eq!(json["start"]["source"], "exact_hit");
    assert_eq!(json["start"]["verified"], true);

    // Tamper: a "better" Final entry whose model claims a REML score 1 lower.
    let store = open_store(&cache);
    let (key, entry) = final_entry(&store).expect("the fit left a Final entry");
    let Some(Payload::Final(mut payload)) = Payload::from_bytes(&entry.payload) else {
        unreachable!()
    };
    payload.model.reml_score -= 1.0;
    let score = payload.model.reml_score;
    let iter = payload.model.outer.iter as u64;
    store
        .save(
            &key,
            &Payload::Final(payload).to_bytes(),
            Some(score),
            Some(iter),
            EntryKind::Final,
        )
        .unwrap();

    // Without verification the tampered model is served (its -REML line differs).
    let served = fit(&cache, &gamsim4(), GAMSIM4_FORMULA, &[]).ok();
    assert_eq!(served.stderr, "cache: exact hit\n");
    assert_ne!(served.stdout, original.stdout, "the tampered entry is the best one");

    // With verification it is caught and the model refitted.
    let refit = fit(&cache, &gamsim4(), GAMSIM4_FORMULA, &["--verify-cache", "--json"]).ok();
    assert_eq!(
        refit.lines_starting("warning: ").len(),
        1,
        "one warning about the failed verification: {refit:?}"
    );
    let starts = refit.lines_starting("cache: ");
    assert_eq!(starts.len(), 1, "{refit:?}");
    assert_ne!(starts[0], "cache: exact hit", "{refit:?}");
    let json = refit.json();
    assert_eq!(json["start"]["verified"], false);
    assert_ne!(json["start"]["source"], "exact_hit");

    // The bad entry is gone: the cache serves the true model again.
    let after = fit(&cache, &gamsim4(), GAMSIM4_FORMULA, &[]).ok();
    assert_eq!(after.stderr, "cache: exact hit\n");
    assert_eq!(after.stdout, original.stdout);
}

#[test]
fn cross_validation_folds_seed_each_other() {
    let dir = TempDir::new().unwrap();
    let cache = dir.path().join("cache");
    let cv = |extra: &[&str]| {
        let mut args: Vec<&OsStr> = vec![
            OsStr::new("--cache-dir"),
            cache.as_os_str(),
            OsStr::new("cv"),
            OsStr::new("--folds"),
            OsStr::new("4"),
            OsStr::new("--seed"),
            OsStr::new("3"),
        ];
        let data = gamsim4();
        args.push(data.as_os_str());
        args.push(OsStr::new(GAMSIM4_FORMULA));
        args.extend(extra.iter().map(OsStr::new));
        gam(args).ok()
    };
    let first = cv(&["--json"]).json();
    let folds = first["fold"].as_array().unwrap();
    assert_eq!(folds.len(), 4);
    assert_eq!(first["n"], 400);
    assert_eq!(first["cached"], true);
    assert_eq!(folds[0]["start"], "cold");
    for f in &folds[1..] {
        assert_eq!(f["start"], "seeded", "{f}");
    }
    let n_test: u64 = folds.iter().map(|f| f["n_test"].as_u64().unwrap()).sum();
    assert_eq!(n_test, 400);
    let total: f64 = folds.iter().map(|f| f["deviance"].as_f64().unwrap()).sum();
    assert!(rel_diff(first["mean_deviance"].as_f64().unwrap(), total / 4.0) < 1e-12);
    assert!(rel_diff(first["mean_deviance_per_row"].as_f64().unwrap(), total / 400.0) < 1e-12);

    // A rerun: every fold an exact hit, same numbers.
    let again = cv(&["--json"]).json();
    assert_eq!(again["total_outer_iterations"], 0);
    assert_eq!(again["mean_deviance"], first["mean_deviance"]);
    assert!(
        again["fold"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["start"] == "exact_hit")
    );

    // Text output: a table with a row per fold and the mean.
    let text = cv(&[]);
    assert!(text.stdout.contains("4-fold cross-validation (seed 3)"), "{text:?}");
    assert!(text.stdout.contains("Mean held-out deviance = "), "{text:?}");
    assert_eq!(
        text.stdout.lines().filter(|l| l.ends_with("exact_hit")).count(),
        4,
        "{text:?}"
    );

    // Another seed gives other folds (so other fits); all-cold folds start cold.
    let cold = gam([
        OsStr::new("cv"),
        OsStr::new("--cold-folds"),
        OsStr::new("--folds"),
        OsStr::new("4"),
        OsStr::new("--seed"),
        OsStr::new("3"),
        gamsim4().as_os_str(),
        OsStr::new(GAMSIM4_FORMULA),
        OsStr::new("--json"),
    ])
    .ok()
    .json();
    assert!(cold["fold"].as_array().unwrap().iter().all(|f| f["start"] == "cold"));
    assert!(cold["total_outer_iterations"].as_u64() > first["total_outer_iterations"].as_u64());
    assert_eq!(
        cold["fold"][0]["n_test"], folds[0]["n_test"],
        "the same seed deals the same folds"
    );
    assert!(
        rel_diff(
            cold["mean_deviance"].as_f64().unwrap(),
            first["mean_deviance"].as_f64().unwrap()
        ) < 1e-2
    );

    // Bad fold counts are usage errors.
    let bad = gam([
        OsStr::new("--no-cache"),
        OsStr::new("cv"),
        OsStr::new("--folds"),
        OsStr::new("1"),
        gamsim4().as_os_str(),
        OsStr::new(GAMSIM4_FORMULA),
    ]);
    assert_eq!(bad.code, 2, "{bad:?}");
    assert!(bad.stderr.starts_with("error: --folds must be at least 2"), "{bad:?}");
}
