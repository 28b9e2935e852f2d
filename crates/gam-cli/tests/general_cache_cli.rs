//! General-family fits (gaulss) through the warm-start cache, with the built binary: a refit
//! is an exact hit printing the same bytes, a fit killed with SIGKILL resumes from its last
//! checkpoint and reaches the cold fit's optimum, and a fit of a list with its terms in
//! another order starts from the cached optimum without replacing it.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::fit::{FitRun, test_data};
use common::{GAM, gam_in};
use gam::expert::cache::keys::Payload;
use tempfile::TempDir;
use warmstart::{EntryKind, StoreOptions, WarmStartStore};

/// The test hook that makes a fit sleep after every outer iterate.
const PAUSE_ENV: &str = "GAM_TEST_PAUSE_AFTER_CHECKPOINT_MS";

/// How long the test waits for a checkpoint before it fails.
const DEADLINE: Duration = Duration::from_secs(300);

const FORMULA: &str = "list(y ~ s(x1) + s(x2) + x3, ~ s(x1))";

fn data() -> String {
    test_data("general/gaulss_n400.csv").to_string_lossy().into_owned()
}

/// The stderr lines starting with `cache: `.
fn cache_lines(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| l.starts_with("cache: ")).collect()
}

/// The printed `-REML = …` line.
fn reml_line(stdout: &str) -> String {
    stdout
        .lines()
        .find(|l| l.starts_with("-REML"))
        .unwrap_or_else(|| panic!("no REML line in {stdout}"))
        .to_string()
}

/// The highest iteration of a Checkpoint entry, and whether a general model is stored.
fn checkpoint_state(cache: &Path) -> (Option<u64>, bool) {
    let Ok(store) = WarmStartStore::open(cache.to_path_buf(), StoreOptions::default()) else {
        return (None, false);
    };
    let mut best = None;
    let mut has_model = false;
    for key in store.keys().unwrap_or_default() {
        for e in store.entries(&key).unwrap_or_default() {
            if e.kind == EntryKind::Checkpoint {
                best = best.max(e.iteration);
            }
        }
        if let Ok(Some(entry)) = store.lookup(&key) {
            has_model |= matches!(Payload::from_bytes(&entry.payload), Some(Payload::GeneralFinal(_)));
        }
    }
    (best, has_model)
}

#[test]
fn a_general_refit_is_an_exact_hit_with_the_same_bytes() {
    let dir = TempDir::new().unwrap();
    let cold = gam_in(dir.path(), ["fit", &data(), FORMULA, "--family", "gaulss"]);
    cold.assert_ok();
    assert_eq!(cache_lines(&cold.stderr), ["cache: cold start"], "{}", cold.stderr);
    let hit = gam_in(dir.path(), ["fit", &data(), FORMULA, "--family", "gaulss"]);
    hit.assert_ok();
    assert_eq!(cache_lines(&hit.stderr), ["cache: exact hit"], "{}", hit.stderr);
    assert_eq!(hit.stdout, cold.stdout);
    let quiet = gam_in(dir.path(), ["--quiet", "fit", &data(), FORMULA, "--family", "gaulss"]);
    quiet.assert_ok();
    assert_eq!(quiet.stderr, "");
    assert_eq!(quiet.stdout, cold.stdout);

    // The same model with the mean's terms in another order: started from the cached
    // optimum (same criterion), and the cached fit still answers its own order.
    let reordered = "list(y ~ x3 + s(x2) + s(x1), ~ s(x1))";
    let other = gam_in(dir.path(), ["fit", &data(), reordered, "--family", "gaulss"]);
    other.assert_ok();
    assert_eq!(
        cache_lines(&other.stderr),
        ["cache: seeded from a related fit"],
        "{}",
        other.stderr
    );
    assert_eq!(reml_line(&other.stdout), reml_line(&cold.stdout));
    let again = gam_in(dir.path(), ["fit", &data(), FORMULA, "--family", "gaulss"]);
    assert_eq!(cache_lines(&again.stderr), ["cache: exact hit"], "{}", again.stderr);
    assert_eq!(again.stdout, cold.stdout);
}

#[test]
fn a_killed_general_fit_resumes_from_its_last_checkpoint() {
    let dir = TempDir::new().unwrap();
    let cache = dir.path().join("cache");
    let cold = gam_in(
        dir.path(),
        ["--no-cache", "fit", &data(), FORMULA, "--family", "gaulss"],
    );
    cold.assert_ok();

    let mut child = Command::new(GAM)
        .args([
            "--cache-dir",
            cache.to_str().unwrap(),
            "fit",
            &data(),
            FORMULA,
            "--family",
            "gaulss",
        ])
        .env(PAUSE_ENV, "400")
        .env_remove("GAM_CACHE_DIR")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("gam starts");
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the fit ended ({status}) before it was killed");
        }
        if cache.is_dir() && checkpoint_state(&cache).0.is_some_and(|it| it >= 2) {
            break;
        }
        assert!(started.elapsed() < DEADLINE, "no checkpoint at iteration >= 2 appeared");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().expect("SIGKILL"); // std's kill is SIGKILL on Unix
    assert!(!child.wait().unwrap().success());
    let (last, has_model) = checkpoint_state(&cache);
    let last = last.expect("the checkpoint survives the kill");
    assert!(!has_model, "the killed fit must not have finished");

    let resumed = common::Run::of({
        let mut cmd = Command::new(GAM);
        cmd.args([
            "--cache-dir",
            cache.to_str().unwrap(),
            "fit",
            &data(),
            FORMULA,
            "--family",
            "gaulss",
        ])
        .env_remove("GAM_CACHE_DIR")
        .env_remove(PAUSE_ENV)
        .stdin(Stdio::null());
        cmd
    });
    resumed.assert_ok();
    let lines = cache_lines(&resumed.stderr);
    assert_eq!(lines.len(), 1, "{}", resumed.stderr);
    assert!(
        lines[0].starts_with(&format!(
            "cache: resumed from checkpoint at iteration {last} (criterion "
        )),
        "{}",
        resumed.stderr
    );
    assert_eq!(reml_line(&resumed.stdout), reml_line(&cold.stdout));
    assert!(checkpoint_state(&cache).1, "the resumed fit is stored when it finishes");
}
