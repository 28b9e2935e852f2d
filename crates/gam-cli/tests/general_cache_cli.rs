//! General-family fits (gaulss, and cox.ph on its own fit path) through the warm-start cache,
//! with the built binary: a refit is an exact hit printing the same bytes, a fit killed with
//! SIGKILL resumes from its last checkpoint and reaches the cold fit's optimum, and a fit of
//! a model with its terms in another order starts from the cached optimum without replacing
//! it. For cox.ph the keys also cover the event-indicator column: other censoring is a miss.

mod common;

use common::fit::{FitRun, test_data};
use common::gam_in;
use common::resume::{cache_lines, kill_after_checkpoint, reml_line, run_with_cache};
use tempfile::TempDir;

const GAULSS: &str = "list(y ~ s(x1) + s(x2) + x3, ~ s(x1))";
const GAULSS_REORDERED: &str = "list(y ~ x3 + s(x2) + s(x1), ~ s(x1))";
const COX: &str = "time ~ s(x1) + s(x2)";
const COX_REORDERED: &str = "time ~ s(x2) + s(x1)";

/// How long a fit sleeps after each outer iterate in the gaulss kill test (ms).
const PAUSE_MS: u64 = 400;
/// The same for cox.ph, whose fit takes 4 outer iterations: a checkpoint at iteration 2 or 3
/// leaves the test this long to kill it before it finishes (ms).
const COX_PAUSE_MS: u64 = 1000;

fn data(file: &str) -> String {
    test_data(&format!("general/{file}")).to_string_lossy().into_owned()
}

/// `fit DATA FORMULA --family gaulss`.
fn gaulss_args(formula: &str) -> Vec<String> {
    ["fit", &data("gaulss_n400.csv"), formula, "--family", "gaulss"]
        .map(str::to_string)
        .to_vec()
}

/// `fit DATA FORMULA --family cox.ph --weights STATUS`, with `data` a file in the general folder.
fn cox_args(file: &str, formula: &str, status: &str) -> Vec<String> {
    ["fit", &data(file), formula, "--family", "cox.ph", "--weights", status]
        .map(str::to_string)
        .to_vec()
}

fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

/// A cold fit, its exact hit (same stdout; `--quiet` silent), then the model with its terms
/// in another order (seeded, same criterion), after which the first still hits exactly.
fn exact_hit_case(args: &[String], reordered: &[String]) {
    let dir = TempDir::new().unwrap();
    let cold = gam_in(dir.path(), args);
    cold.assert_ok();
    assert_eq!(cache_lines(&cold.stderr), ["cache: cold start"], "{}", cold.stderr);
    let hit = gam_in(dir.path(), args);
    hit.assert_ok();
    assert_eq!(cache_lines(&hit.stderr), ["cache: exact hit"], "{}", hit.stderr);
    assert_eq!(hit.stdout, cold.stdout);
    let quiet = gam_in(dir.path(), std::iter::once("--quiet").chain(strs(args)));
    quiet.assert_ok();
    assert_eq!(quiet.stderr, "");
    assert_eq!(quiet.stdout, cold.stdout);

    let other = gam_in(dir.path(), reordered);
    other.assert_ok();
    assert_eq!(
        cache_lines(&other.stderr),
        ["cache: seeded from a related fit"],
        "{}",
        other.stderr
    );
    assert_eq!(reml_line(&other.stdout), reml_line(&cold.stdout));
    let again = gam_in(dir.path(), args);
    assert_eq!(cache_lines(&again.stderr), ["cache: exact hit"], "{}", again.stderr);
    assert_eq!(again.stdout, cold.stdout);
}

/// A fit paused `pause_ms` after each iterate and killed after a checkpoint at iteration
/// `min_iteration` or later resumes from it and prints the cold fit's REML line; the
/// finished fit is stored.
fn killed_fit_case(args: &[String], pause_ms: u64, min_iteration: u64) {
    let dir = TempDir::new().unwrap();
    let cache = dir.path().join("cache");
    let cold = gam_in(dir.path(), std::iter::once("--no-cache").chain(strs(args)));
    cold.assert_ok();
    let last = kill_after_checkpoint(&cache, &strs(args), pause_ms, min_iteration);
    let resumed = run_with_cache(&cache, &strs(args));
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
    assert!(
        common::resume::checkpoint_state(&cache).1,
        "the resumed fit is stored when it finishes"
    );
}

#[test]
fn a_general_refit_is_an_exact_hit_with_the_same_bytes() {
    exact_hit_case(&gaulss_args(GAULSS), &gaulss_args(GAULSS_REORDERED));
}

#[test]
fn a_killed_general_fit_resumes_from_its_last_checkpoint() {
    killed_fit_case(&gaulss_args(GAULSS), PAUSE_MS, 2);
}

#[test]
fn a_cox_refit_is_an_exact_hit_with_the_same_bytes() {
    exact_hit_case(
        &cox_args("coxph_n400.csv", COX, "status"),
        &cox_args("coxph_n400.csv", COX_REORDERED, "status"),
    );
}

#[test]
fn a_killed_cox_fit_resumes_from_its_last_checkpoint() {
    killed_fit_case(&cox_args("coxph_n400.csv", COX, "status"), COX_PAUSE_MS, 2);
}

/// The status column's values are in the exact key: the same times and covariates with
/// other censoring are not answered from the cache (only seeded by the coarse key).
#[test]
fn a_cox_fit_with_other_censoring_is_not_an_exact_hit() {
    let dir = TempDir::new().unwrap();
    let text = std::fs::read_to_string(data("coxph_n400.csv")).unwrap();
    let mut lines = text.lines();
    let mut out = format!("{}\n", lines.next().unwrap());
    for (i, line) in lines.enumerate() {
        // time,status,x1,x2 with every tenth row's status flipped.
        let mut fields: Vec<String> = line.split(',').map(str::to_string).collect();
        if i % 10 == 0 {
            fields[1] = if fields[1] == "1" { "0".into() } else { "1".into() };
        }
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    let file = dir.path().join("cox2.csv");
    std::fs::write(&file, out).unwrap();
    let original = cox_args("coxph_n400.csv", COX, "status");
    let mut flipped = original.clone();
    flipped[1] = file.to_string_lossy().into_owned();
    let first = gam_in(dir.path(), &original);
    first.assert_ok();
    assert_eq!(cache_lines(&first.stderr), ["cache: cold start"], "{}", first.stderr);
    let other = gam_in(dir.path(), &flipped);
    other.assert_ok();
    assert_eq!(
        cache_lines(&other.stderr),
        ["cache: seeded from a related fit"],
        "{}",
        other.stderr
    );
    assert_ne!(reml_line(&other.stdout), reml_line(&first.stdout));
    let hit = gam_in(dir.path(), &original);
    assert_eq!(cache_lines(&hit.stderr), ["cache: exact hit"], "{}", hit.stderr);
    assert_eq!(hit.stdout, first.stdout);
}
