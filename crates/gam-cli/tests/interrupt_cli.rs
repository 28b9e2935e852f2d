//! Ctrl-C during `gam fit` and `gam cv`, tested with the built binary as a
//! child process and a real SIGINT: the fit stops after an outer iteration,
//! prints one line saying how to resume, exits with status 130 and leaves its
//! checkpoint, and rerunning the same command resumes from it and prints the
//! summary of an uninterrupted fit. A second Ctrl-C exits at once.
//!
//! The signal lands mid-fit deterministically: the child sleeps after every
//! outer iterate (the `GAM_TEST_PAUSE_AFTER_CHECKPOINT_MS` hook) and the test
//! signals it once a checkpoint is on disk. Every test has its own cache
//! directory; waits poll with generous deadlines (two loaded cores).

#![cfg(unix)]

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use common::fit::test_data;
use common::{GAM, Run};
use warmstart::{EntryKind, StoreOptions, WarmStartStore};

/// The test hook that makes a fit sleep after every outer iterate.
const PAUSE_ENV: &str = "GAM_TEST_PAUSE_AFTER_CHECKPOINT_MS";

/// A model with six outer iterations from a cold start, whose resumed fit
/// prints the cold fit's summary byte for byte from any of them.
const FORMULA: &str = "y ~ s(x2, k = 20)";

/// The pause after each iterate: the signal, sent after a checkpoint
/// appeared, lands in it, several iterations before the fit could converge.
const PAUSE_MS: &str = "1000";

/// The exit status of an interrupted command (128 + SIGINT).
const EXIT_INTERRUPTED: i32 = 130;

/// Resumed and uninterrupted cross-validation agree on the mean held-out
/// deviance to this relative difference.
const SAME_DEVIANCE: f64 = 1e-6;

/// How long a test waits for something before it fails.
const DEADLINE: Duration = Duration::from_secs(300);

/// What the first line after an interruption says when the checkpoint was saved.
const RESUME_ADVICE: &str = "rerun the same command to resume from the checkpoint";

fn data() -> PathBuf {
    test_data("bench/data/gamsim4_n400.csv")
}

/// `gam [--cache-dir CACHE] SUBCOMMAND DATA FORMULA EXTRA...`, without the user's cache.
fn command(cache: Option<&Path>, subcommand: &str, extra: &[&str]) -> Command {
    let mut cmd = Command::new(GAM);
    if let Some(cache) = cache {
        cmd.arg("--cache-dir").arg(cache);
    }
    cmd.arg(subcommand)
        .arg(data())
        .arg(FORMULA)
        .args(extra)
        .env_remove("GAM_CACHE_DIR")
        .env_remove(PAUSE_ENV)
        .stdin(Stdio::null());
    cmd
}

/// Starts `cmd` pausing after every iterate, with stdout and stderr kept.
fn spawn_paused(mut cmd: Command, pause_ms: &str) -> Child {
    cmd.env(PAUSE_ENV, pause_ms)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("gam starts")
}

fn sigint(child: &Child) {
    let pid = libc::pid_t::try_from(child.id()).expect("a pid fits pid_t");
    // SAFETY: kill has no memory effects; the child is ours and not yet reaped.
    let rc = unsafe { libc::kill(pid, libc::SIGINT) };
    assert_eq!(rc, 0, "kill(SIGINT): {}", std::io::Error::last_os_error());
}

/// Polls until `done` holds, failing if the child exits first or the deadline passes.
fn wait_until(child: &mut Child, what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the child ended ({status}) before {what}");
        }
        assert!(started.elapsed() < DEADLINE, "waited in vain for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits for the child to exit (killing it at the deadline) and collects its output.
fn finish(mut child: Child) -> (ExitStatus, Run) {
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            panic!("the child did not exit after SIGINT");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stdout = String::new();
    let mut stderr = String::new();
    child.stdout.take().unwrap().read_to_string(&mut stdout).unwrap();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    let code = status.code().unwrap_or(-1);
    (status, Run { code, stdout, stderr })
}

/// The (iteration, objective) of every Checkpoint entry in the cache, and
/// whether any entry is Final (a finished fit); nothing if there is no cache.
fn checkpoints(cache: &Path) -> (Vec<(u64, f64)>, bool) {
    if !cache.is_dir() {
        return (Vec::new(), false);
    }
    let store = WarmStartStore::open(cache.to_path_buf(), StoreOptions::default()).expect("the cache opens");
    let mut found = Vec::new();
    let mut finished = false;
    for key in store.keys().unwrap_or_default() {
        for e in store.entries(&key).unwrap_or_default() {
            match e.kind {
                EntryKind::Checkpoint => found.push((e.iteration.unwrap(), e.objective.unwrap())),
                EntryKind::Final => finished = true,
            }
        }
    }
    (found, finished)
}

/// Parses `interrupted[ (CONTEXT)] after outer iteration K (criterion S): ADVICE`
/// into (context, K, S as printed, advice).
fn parse_interrupted(line: &str) -> (String, u64, String, String) {
    let rest = line
        .strip_prefix("interrupted")
        .unwrap_or_else(|| panic!("not an interruption: {line:?}"));
    let (context, rest) = match rest.strip_prefix(" (") {
        Some(r) => {
            let (c, r) = r.split_once(')').unwrap();
            (c.to_string(), r)
        }
        None => (String::new(), rest),
    };
    let rest = rest.strip_prefix(" after outer iteration ").expect(line);
    let (iteration, rest) = rest.split_once(" (criterion ").expect(line);
    let (score, advice) = rest.split_once("): ").expect(line);
    (
        context,
        iteration.parse().expect(line),
        score.to_string(),
        advice.to_string(),
    )
}

/// Asserts an interrupted run: status 130 (exited, not killed), no stdout, and
/// one line on stderr, returned.
fn assert_interrupted(status: ExitStatus, run: &Run) -> String {
    assert_eq!(
        run.code, EXIT_INTERRUPTED,
        "exit status 130 after SIGINT: {status} {run:?}"
    );
    assert_eq!(run.stdout, "", "{run:?}");
    assert!(!run.stderr.contains("panicked"), "{run:?}");
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line on stderr: {run:?}");
    lines[0].to_string()
}

#[test]
fn ctrl_c_stops_a_fit_that_the_same_command_then_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let cold = Run::of(command(None, "fit", &["--no-cache"]));
    assert_eq!(
        (cold.code, cold.stderr.as_str()),
        (0, "cache: cold start\n"),
        "{cold:?}"
    );

    let started = Instant::now();
    let mut child = spawn_paused(command(Some(&cache), "fit", &[]), PAUSE_MS);
    wait_until(&mut child, "a checkpoint after an outer iteration", || {
        checkpoints(&cache).0.iter().any(|&(it, _)| it >= 1)
    });
    sigint(&child);
    let signalled = Instant::now();
    let (status, run) = finish(child);
    let stopped_after = signalled.elapsed();
    let line = assert_interrupted(status, &run);
    let (context, iteration, score, advice) = parse_interrupted(&line);
    assert_eq!((context.as_str(), advice.as_str()), ("", RESUME_ADVICE), "{line}");
    assert!(iteration >= 1, "{line}");
    // Within one outer iteration: the rest of the pause it landed in, and one step.
    assert!(
        stopped_after < Duration::from_secs(30),
        "stopped {stopped_after:?} after the signal"
    );

    // The cache holds the checkpoint the line names, and no finished model.
    let (held, finished) = checkpoints(&cache);
    assert!(!finished, "the interrupted fit must not have finished");
    assert_eq!(held.len(), 1, "{held:?}");
    assert_eq!(held[0].0, iteration, "{held:?} vs {line}");
    assert_eq!(format!("{:.4}", held[0].1), score, "{held:?} vs {line}");

    // The same command resumes from it and prints the cold fit's summary.
    let resumed = Run::of(command(Some(&cache), "fit", &[]));
    assert_eq!(resumed.code, 0, "{resumed:?}");
    assert_eq!(
        resumed.stderr,
        format!("cache: resumed from checkpoint at iteration {iteration} (criterion {score})\n"),
        "{resumed:?}"
    );
    assert_eq!(
        resumed.stdout, cold.stdout,
        "the resumed fit prints the cold fit's summary"
    );
    assert!(checkpoints(&cache).1, "the resumed fit finished the cache");
    assert!(started.elapsed() < DEADLINE);
}

/// Whether process `pid` catches SIGINT (its handler is installed), from /proc.
#[cfg(target_os = "linux")]
fn catches_sigint(pid: u32) -> bool {
    let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
        return false;
    };
    let mask = status
        .lines()
        .find_map(|l| l.strip_prefix("SigCgt:"))
        .and_then(|m| u64::from_str_radix(m.trim(), 16).ok())
        .unwrap_or(0);
    mask & (1 << (libc::SIGINT - 1)) != 0
}

/// Without a cache: a Ctrl-C as soon as the handler is in place (before or
/// while the data is read) stops the fit at its first iterate, and the line
/// says that nothing was saved.
#[cfg(target_os = "linux")]
#[test]
fn ctrl_c_without_a_cache_says_nothing_was_saved() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let mut child = spawn_paused(command(Some(&cache), "fit", &["--no-cache"]), PAUSE_MS);
    let pid = child.id();
    wait_until(&mut child, "the SIGINT handler", || catches_sigint(pid));
    sigint(&child);
    let (status, run) = finish(child);
    let line = assert_interrupted(status, &run);
    let (context, iteration, _, advice) = parse_interrupted(&line);
    assert_eq!(context, "");
    assert_eq!(iteration, 0, "{line}");
    assert_eq!(
        advice,
        "no checkpoint was saved (no usable cache), so a rerun starts over"
    );
    assert!(!cache.exists(), "--no-cache never touches the cache");
}

#[test]
fn a_second_ctrl_c_exits_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    // A pause far longer than the test waits: only the second signal can end it early.
    let mut child = spawn_paused(command(Some(&cache), "fit", &[]), "60000");
    wait_until(&mut child, "the first checkpoint", || !checkpoints(&cache).0.is_empty());
    sigint(&child);
    // Apart, so that the two are not merged into one pending signal.
    std::thread::sleep(Duration::from_millis(300));
    let signalled = Instant::now();
    sigint(&child);
    let (status, run) = finish(child);
    assert!(
        signalled.elapsed() < Duration::from_secs(30),
        "the second Ctrl-C did not end the fit at once"
    );
    let line = assert_interrupted(status, &run);
    assert_eq!(
        line,
        "interrupted again: exiting at once (the checkpoints written so far are kept)"
    );
    assert_eq!(checkpoints(&cache).0.len(), 1, "the checkpoint is kept");
}

#[test]
fn ctrl_c_stops_cross_validation_that_the_same_command_then_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let cv = |cache: &Path| command(Some(cache), "cv", &["--folds", "3", "--json"]);
    let mut child = spawn_paused(cv(&cache), PAUSE_MS);
    wait_until(&mut child, "a checkpoint of the first fold", || {
        checkpoints(&cache).0.iter().any(|&(it, _)| it >= 1)
    });
    sigint(&child);
    let (status, run) = finish(child);
    let line = assert_interrupted(status, &run);
    let (context, iteration, _, advice) = parse_interrupted(&line);
    assert_eq!(context, "fitting fold 1", "{line}");
    assert_eq!(advice, RESUME_ADVICE, "{line}");

    let resumed = Run::of(cv(&cache));
    assert_eq!(resumed.code, 0, "{resumed:?}");
    let json = resumed.json();
    assert_eq!(json["fold"][0]["start"], "resumed", "{json}");
    // The numbers of cross-validation that was never interrupted (folds 2
    // and 3 are seeded from fold 1, resumed or not, and so end a little apart).
    let other = dir.path().join("other-cache");
    let reference = Run::of(cv(&other));
    assert_eq!(reference.code, 0, "{reference:?}");
    let reference = reference.json();
    let iterations = |j: &serde_json::Value| j["fold"][0]["outer_iterations"].as_u64().unwrap();
    assert!(
        iterations(&json) < iterations(&reference),
        "fold 1 resumed from iteration {iteration}: {json} vs {reference}"
    );
    let (a, b) = (&json["mean_deviance"], &reference["mean_deviance"]);
    let (a, b) = (a.as_f64().unwrap(), b.as_f64().unwrap());
    assert!(
        (a - b).abs() <= SAME_DEVIANCE * b.abs(),
        "mean deviance resumed {a} vs {b}"
    );
}
