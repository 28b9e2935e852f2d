//! End-to-end tests of what every `gam cache` subcommand does alike: global
//! options before or after the subcommand, `--json`, usage errors and a
//! closed stdout.

mod common;

use std::process::{Command, Stdio};

use common::GAM;
use common::cache::{CacheRun, cache, fixture, gam_cmd};

#[test]
fn global_options_work_before_and_after_the_subcommand() {
    let f = fixture();
    let root = f.root.to_str().unwrap();
    let before = gam_cmd(&[], ["--json", "--cache-dir", root, "cache", "ls"]);
    let middle = gam_cmd(&[], ["--cache-dir", root, "cache", "--json", "ls"]);
    let after = gam_cmd(&[], ["cache", "ls", "--json", "--cache-dir", root]);
    before.assert_ok();
    assert_eq!(before.json(), middle.json());
    assert_eq!(before.json(), after.json());
}

#[test]
fn every_command_prints_one_json_document() {
    let f = fixture();
    for args in [
        &["dir"][..],
        &["ls"],
        &["show", "aa01"],
        &["stats"],
        &["verify"],
        &["verify", "--fix"],
        &["prune"],
        &["clear", "--yes"],
    ] {
        let mut all = args.to_vec();
        all.push("--json");
        let run = cache(&f.root, &all);
        run.assert_ok();
        let v = run.json();
        assert!(v.is_object() || v.is_array(), "{args:?}: {v}");
    }
}

#[test]
fn usage_errors_exit_with_status_2() {
    for args in [
        &[][..],
        &["cache"],
        &["cache", "frobnicate"],
        &["cache", "ls", "--bogus"],
        &["cache", "show"],
    ] {
        let run = gam_cmd(&[], args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(!run.stderr.contains("panicked"));
    }
    let help = gam_cmd(&[], ["cache", "--help"]);
    help.assert_ok();
    for sub in ["dir", "ls", "show", "stats", "verify", "prune", "clear"] {
        assert!(help.stdout.contains(sub), "{sub} in help");
    }
}

#[test]
fn a_closed_stdout_is_not_a_panic() {
    let f = fixture();
    let mut child = Command::new(GAM)
        .args(["cache", "ls", "--cache-dir"])
        .arg(&f.root)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"), "{out:?}");
}
