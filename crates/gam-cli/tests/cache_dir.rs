//! End-to-end tests of `gam cache dir`: where the cache root comes from
//! (`--cache-dir`, `GAM_CACHE_DIR`, the platform default).

mod common;

use std::process::Command;

use common::GAM;
use common::cache::{CacheRun, gam_cmd};

#[test]
fn dir_prints_the_root_from_the_option_or_the_environment() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("not-yet");
    let before = gam_cmd(&[], ["--cache-dir", root.to_str().unwrap(), "cache", "dir"]);
    before.assert_ok();
    assert_eq!(before.stdout, format!("{}\n", root.display()));
    // Global options also go after the subcommand.
    let after = gam_cmd(&[], ["cache", "dir", "--cache-dir", root.to_str().unwrap()]);
    assert_eq!(after.stdout, before.stdout);
    assert!(!root.exists(), "dir creates nothing");

    let from_env = Command::new(GAM)
        .args(["cache", "dir"])
        .env("GAM_CACHE_DIR", tmp.path().join("env"))
        .output()
        .unwrap();
    assert!(from_env.status.success());
    assert_eq!(
        String::from_utf8_lossy(&from_env.stdout),
        format!("{}\n", tmp.path().join("env").display())
    );
    let option_wins = Command::new(GAM)
        .args(["cache", "dir", "--cache-dir"])
        .arg(&root)
        .env("GAM_CACHE_DIR", tmp.path().join("env"))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&option_wins.stdout), before.stdout);
    // An empty GAM_CACHE_DIR counts as unset, as in the library.
    let empty_env = Command::new(GAM)
        .args(["cache", "dir"])
        .env("GAM_CACHE_DIR", "")
        .output()
        .unwrap();
    assert!(empty_env.status.success(), "{empty_env:?}");
    assert!(!String::from_utf8_lossy(&empty_env.stdout).trim().is_empty());

    let json = gam_cmd(&[], ["--json", "cache", "dir", "--cache-dir", root.to_str().unwrap()]);
    json.assert_ok();
    assert_eq!(json.json(), serde_json::json!({ "root": root.to_str().unwrap() }));
}
