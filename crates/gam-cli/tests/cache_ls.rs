//! End-to-end tests of `gam cache ls`: each runs the built `gam` binary on a
//! temporary store filled through the `warmstart` library.

mod common;

use common::cache::{CacheRun, cache, fixture, now_secs, open};
use serde_json::Value;

#[test]
fn ls_on_a_missing_or_empty_store_says_it_is_empty() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("missing");
    let run = cache(&missing, &["ls"]);
    run.assert_ok();
    assert_eq!(run.stdout, format!("The cache at {} is empty.\n", missing.display()));
    assert!(!missing.exists(), "ls creates nothing");

    let empty = tmp.path().join("empty");
    open(&empty);
    let run = cache(&empty, &["ls"]);
    run.assert_ok();
    assert!(run.stdout.contains("is empty"), "{run:?}");
    assert_eq!(
        cache(&empty, &["ls", "--json"]).assert_ok().json(),
        serde_json::json!([])
    );
}

#[test]
fn ls_lists_each_key_with_its_best_entry() {
    let f = fixture();
    let run = cache(&f.root, &["ls"]);
    run.assert_ok();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "header and two keys: {run:?}");
    for col in ["KEY", "ENTRIES", "BEST OBJECTIVE", "KIND", "SIZE", "AGE"] {
        assert!(lines[0].contains(col), "{col} in {:?}", lines[0]);
    }
    let a: Vec<&str> = lines[1].split_whitespace().collect();
    assert_eq!(a[0], &f.a.to_hex()[..12]);
    assert_eq!(&a[1..4], ["2", "1.25", "final"]);
    assert!(
        a[4].parse::<f64>().is_ok() && ["B", "KiB"].contains(&a[5]),
        "size {a:?}"
    );
    assert!(a[6].ends_with('s') || a[6].ends_with('m'), "age {a:?}");
    let b: Vec<&str> = lines[2].split_whitespace().collect();
    assert_eq!(b[0], &f.b.to_hex()[..12]);
    assert_eq!(&b[1..4], ["1", "-", "checkpoint"]);

    let json = cache(&f.root, &["ls", "--json"]).assert_ok().json();
    let rows = json.as_array().expect("an array");
    assert_eq!(rows.len(), 2);
    let a = &rows[0];
    assert_eq!(a["key"], f.a.to_hex());
    assert_eq!(a["entries"], 2);
    assert_eq!(a["best_objective"], 1.25);
    assert_eq!(a["kind"], "final");
    assert_eq!(a["best_run_id"], f.a_final.as_str());
    assert_eq!(a["best_iteration"], 20);
    let a_bytes: u64 = f.store.entries(&f.a).unwrap().iter().map(|e| e.disk_bytes).sum();
    assert_eq!(a["bytes"], a_bytes);
    assert!(a_bytes > 300);
    let used = a["last_used_unix_secs"].as_u64().unwrap();
    assert!(now_secs().abs_diff(used) < 120, "{a}");
    let b = &rows[1];
    assert_eq!(b["key"], f.b.to_hex());
    assert_eq!(b["best_objective"], Value::Null);
    assert_eq!(b["kind"], "checkpoint");
}
