//! End-to-end tests of `gam cache stats`.

mod common;

use common::cache::{CacheRun, cache, fixture};
use serde_json::Value;

#[test]
fn stats_counts_keys_entries_and_bytes() {
    let f = fixture();
    let run = cache(&f.root, &["stats"]);
    run.assert_ok();
    let field = |label: &str| -> String {
        run.stdout
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{label}:")))
            .unwrap_or_else(|| panic!("no {label} in {run:?}"))
            .trim()
            .to_owned()
    };
    assert_eq!(field("root"), f.root.display().to_string());
    assert_eq!(field("keys"), "2");
    assert_eq!(field("entries"), "3 (2 checkpoint, 1 final)");
    assert!(field("budget").starts_with("1.0 GiB"), "{run:?}");
    assert_eq!(field("ttl"), "30d");
    assert_eq!(field("temp files"), "0");
    assert!(field("total size").ends_with("KiB") || field("total size").ends_with(" B"));
    assert!(field("oldest entry").ends_with(" ago") && field("newest entry").ends_with(" ago"));

    let json = cache(&f.root, &["stats", "--json"]).assert_ok().json();
    let lib = f.store.stats().unwrap();
    assert_eq!(json["root"], f.root.to_str().unwrap());
    assert_eq!(json["keys"], 2);
    assert_eq!(json["entries"], 3);
    assert_eq!(json["checkpoints"], 2);
    assert_eq!(json["finals"], 1);
    assert_eq!(json["bytes"], lib.bytes);
    assert_eq!(json["tmp_files"], 0);
    assert_eq!(json["size_budget_bytes"], warmstart::DEFAULT_SIZE_BUDGET_BYTES);
    assert_eq!(json["ttl_secs"], warmstart::DEFAULT_TTL.as_secs());
    assert_eq!(json["oldest_write_unix_secs"], lib.oldest_write_unix_secs.unwrap());
    assert_eq!(json["newest_write_unix_secs"], lib.newest_write_unix_secs.unwrap());

    let missing = f.root.join("missing");
    let json = cache(&missing, &["stats", "--json"]).assert_ok().json();
    assert_eq!(json["keys"], 0);
    assert_eq!(json["oldest_write_unix_secs"], Value::Null);
    assert!(!missing.exists());
}
