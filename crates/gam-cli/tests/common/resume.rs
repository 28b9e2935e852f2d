//! What the tests of fits through the warm-start cache share: the `cache: ` lines of a
//! run, the printed `-REML` line, the checkpoints in a store, and a fit killed with SIGKILL
//! once a checkpoint is written (then resumed).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use gam::expert::cache::keys::Payload;
use warmstart::{EntryKind, StoreOptions, WarmStartStore};

use super::{GAM, Run};

/// The test hook that makes a fit sleep after every outer iterate.
pub const PAUSE_ENV: &str = "GAM_TEST_PAUSE_AFTER_CHECKPOINT_MS";

/// How long a test waits for a checkpoint before it fails.
pub const DEADLINE: Duration = Duration::from_secs(300);

/// The stderr lines starting with `cache: `.
pub fn cache_lines(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| l.starts_with("cache: ")).collect()
}

/// The printed `-REML = …` line.
pub fn reml_line(stdout: &str) -> String {
    stdout
        .lines()
        .find(|l| l.starts_with("-REML"))
        .unwrap_or_else(|| panic!("no REML line in {stdout}"))
        .to_string()
}

/// The highest iteration of a Checkpoint entry, and whether a general model is stored.
pub fn checkpoint_state(cache: &Path) -> (Option<u64>, bool) {
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

/// `gam --cache-dir CACHE ARGS…` (the pause hook off), run to completion.
pub fn run_with_cache(cache: &Path, args: &[&str]) -> Run {
    let mut cmd = Command::new(GAM);
    cmd.arg("--cache-dir")
        .arg(cache)
        .args(args)
        .env_remove("GAM_CACHE_DIR")
        .env_remove(PAUSE_ENV)
        .stdin(Stdio::null());
    Run::of(cmd)
}

/// Starts `gam --cache-dir CACHE ARGS…` pausing `pause_ms` after every outer iterate, kills
/// it with SIGKILL once a checkpoint at iteration `min_iteration` or later is stored, and
/// returns the last checkpoint's iteration (checked to survive the kill, with no model
/// stored).
pub fn kill_after_checkpoint(cache: &Path, args: &[&str], pause_ms: u64, min_iteration: u64) -> u64 {
    let mut child = Command::new(GAM)
        .arg("--cache-dir")
        .arg(cache)
        .args(args)
        .env(PAUSE_ENV, pause_ms.to_string())
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
        if cache.is_dir() && checkpoint_state(cache).0.is_some_and(|it| it >= min_iteration) {
            break;
        }
        assert!(
            started.elapsed() < DEADLINE,
            "no checkpoint at iteration >= {min_iteration} appeared"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().expect("SIGKILL"); // std's kill is SIGKILL on Unix
    assert!(!child.wait().unwrap().success());
    let (last, has_model) = checkpoint_state(cache);
    assert!(!has_model, "the killed fit must not have finished");
    last.expect("the checkpoint survives the kill")
}
