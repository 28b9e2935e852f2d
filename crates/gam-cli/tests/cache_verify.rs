//! End-to-end tests of `gam cache verify` and `gam cache verify --fix` on
//! entries whose payload was corrupted or truncated.

mod common;

use std::fs;

use common::cache::{CacheRun, cache, fixture, flip_first_byte, meta_path, payload_path};

#[test]
fn verify_reports_a_corrupt_payload_and_fix_removes_it() {
    let f = fixture();
    let clean = cache(&f.root, &["verify"]);
    clean.assert_ok();
    assert!(
        clean.stdout.contains("checked 3 entries") && clean.stdout.contains("3 ok, 0 bad"),
        "{clean:?}"
    );

    let bad_meta = meta_path(&f.root, &f.a, &f.a_final);
    let bad_payload = payload_path(&f.root, &f.a, &f.a_final);
    flip_first_byte(&bad_payload);

    let run = cache(&f.root, &["verify"]);
    assert_eq!(run.code, 1, "{run:?}");
    let issue = run
        .stdout
        .lines()
        .find(|l| l.contains("bad entry"))
        .expect("an issue line");
    assert!(issue.contains(&f.a.to_hex()[..12]), "{issue}");
    assert!(issue.contains(bad_meta.to_str().unwrap()), "{issue}");
    assert!(issue.contains("checksum"), "{issue}");
    assert!(run.stdout.contains("2 ok, 1 bad"), "{run:?}");
    run.assert_error(1, &["1 bad entry", "run `gam cache verify --fix` to remove them"]);
    assert!(bad_meta.exists() && bad_payload.exists(), "report only");

    let json = cache(&f.root, &["verify", "--json"]);
    assert_eq!(json.code, 1);
    let report = json.json();
    assert_eq!(report["entries_checked"], 3);
    assert_eq!(report["entries_ok"], 2);
    let issues = report["issues"].as_array().unwrap();
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0]["key"], f.a.to_hex());
    assert_eq!(issues[0]["path"], bad_meta.to_str().unwrap());
    assert_eq!(issues[0]["removed"], false);
    assert!(issues[0]["problem"].as_str().unwrap().contains("checksum"));

    let fix = cache(&f.root, &["verify", "--fix"]);
    fix.assert_ok();
    assert!(
        fix.stdout.contains("(removed)") && fix.stdout.contains("removed 1 bad entry"),
        "{fix:?}"
    );
    assert!(!bad_meta.exists() && !bad_payload.exists());
    let left = f.store.lookup(&f.a).unwrap().expect("the good checkpoint is left");
    assert_eq!(left.run_id, f.a_ckpt);
    assert_eq!(left.objective, Some(3.5));
    let again = cache(&f.root, &["verify"]);
    again.assert_ok();
    assert!(again.stdout.contains("2 ok, 0 bad"), "{again:?}");
}

#[test]
fn verify_fix_of_a_keys_only_entry_leaves_no_entry() {
    let f = fixture();
    let payload = payload_path(&f.root, &f.b, &f.b_ckpt);
    // Truncated rather than flipped.
    fs::write(&payload, [3; 10]).unwrap();
    let run = cache(&f.root, &["verify"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains(&f.b.to_hex()[..12]) && run.stdout.contains("metadata says 50"),
        "{run:?}"
    );
    let fix = cache(&f.root, &["verify", "--fix", "--json"]);
    fix.assert_ok();
    assert_eq!(fix.json()["issues"][0]["removed"], true);
    assert_eq!(f.store.lookup(&f.b).unwrap(), None);
    assert!(f.store.lookup(&f.a).unwrap().is_some());
    cache(&f.root, &["verify"]).assert_ok();
}
