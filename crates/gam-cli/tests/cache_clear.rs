//! End-to-end tests of `gam cache clear`: confirmation (`--yes`, or a
//! question on a terminal) and what it reports.

// A test that cannot run here says why on stderr instead of passing silently.
#![allow(clippy::print_stderr)]

mod common;

use std::io::Write as _;
use std::process::{Command, Stdio};

use common::GAM;
use common::cache::{CacheRun, cache, fixture, snapshot};

#[test]
fn clear_needs_yes_when_stdin_is_not_a_terminal() {
    let f = fixture();
    let before = snapshot(&f.root);
    cache(&f.root, &["clear"]).assert_error(2, &["--yes", f.root.to_str().unwrap()]);
    assert_eq!(snapshot(&f.root), before, "nothing removed");

    let run = cache(&f.root, &["clear", "--yes"]);
    run.assert_ok();
    assert!(
        run.stdout.starts_with("Removed 2 keys (") && run.stdout.contains(f.root.to_str().unwrap()),
        "{run:?}"
    );
    assert!(f.store.keys().unwrap().is_empty());
    assert!(cache(&f.root, &["ls"]).stdout.contains("is empty"));

    let json = cache(&f.root, &["clear", "-y", "--json"]).assert_ok().json();
    assert_eq!(json["keys_removed"], 0);
    assert_eq!(json["bytes_freed"], 0);
    assert!(cache(&f.root, &["clear", "--yes"]).stdout.contains("already empty"));
}

/// `clear` without `--yes` on a terminal asks; runs under `script` to get one.
#[test]
fn clear_asks_on_a_terminal() {
    let has_script = Command::new("script")
        .args(["-qec", "true", "/dev/null"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !has_script {
        eprintln!("SKIPPED clear_asks_on_a_terminal: no working `script` (util-linux) to provide a terminal");
        return;
    }
    let f = fixture();
    let on_tty = |answer: &str| {
        let cmd = format!("'{GAM}' cache clear --cache-dir '{}'", f.root.display());
        let mut child = Command::new("script")
            .args(["-qec", &cmd, "/dev/null"])
            .env_remove("GAM_CACHE_DIR")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(answer.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let (code, text) = on_tty("n\n");
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("Remove 2 keys (") && text.contains(&format!("from {}? [y/N]", f.root.display())),
        "{text}"
    );
    assert!(text.contains("aborted: nothing removed"), "{text}");
    assert_eq!(f.store.keys().unwrap().len(), 2);
    let (code, text) = on_tty("y\n");
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("Removed 2 keys"), "{text}");
    assert!(f.store.keys().unwrap().is_empty());
}

#[test]
fn clear_json_reports_what_it_removed() {
    let f = fixture();
    let bytes = f.store.stats().unwrap().bytes;
    let json = cache(&f.root, &["--json", "clear", "--yes"]).assert_ok().json();
    assert_eq!(json["root"], f.root.to_str().unwrap());
    assert_eq!(json["keys_removed"], 2);
    assert_eq!(json["bytes_freed"], bytes);
}
