//! End-to-end tests of `gam cache show`: keys given by prefix, ambiguous
//! prefixes, and malformed keys.

mod common;

use common::cache::{CacheRun, cache, fixture, key, open};
use warmstart::EntryKind;

#[test]
fn show_lists_every_entry_of_a_key_by_prefix() {
    let f = fixture();
    let run = cache(&f.root, &["show", "aa01"]);
    run.assert_ok();
    assert!(
        run.stdout.starts_with(&format!("key {}: 2 entries\n", f.a.to_hex())),
        "{run:?}"
    );
    let ckpt = run
        .stdout
        .lines()
        .find(|l| l.contains(&f.a_ckpt))
        .expect("checkpoint line");
    let fin = run.stdout.lines().find(|l| l.contains(&f.a_final)).expect("final line");
    for (line, want) in [
        (ckpt, ["checkpoint", "3.5", "10", "100 B"]),
        (fin, ["final", "1.25", "20", "200 B"]),
    ] {
        for w in want {
            assert!(
                line.split_whitespace()
                    .any(|c| c == w || w.contains(' ') && line.contains(w)),
                "{w} in {line}"
            );
        }
        assert!(line.contains(" ago"), "{line}");
    }
    assert!(fin.trim_start().starts_with('*'), "best entry marked: {fin}");
    assert!(!ckpt.trim_start().starts_with('*'), "{ckpt}");

    // Any case, any length from 4 to 64.
    assert_eq!(
        cache(&f.root, &["show", "AA01"]).assert_ok().stdout.lines().next(),
        run.stdout.lines().next()
    );
    cache(&f.root, &["show", &f.a.to_hex()]).assert_ok();

    let json = cache(&f.root, &["show", "--json", "aa01"]).assert_ok().json();
    assert_eq!(json["key"], f.a.to_hex());
    assert_eq!(json["best_run_id"], f.a_final.as_str());
    let entries = json["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    let c = entries.iter().find(|e| e["run_id"] == f.a_ckpt.as_str()).unwrap();
    assert_eq!(c["kind"], "checkpoint");
    assert_eq!(c["objective"], 3.5);
    assert_eq!(c["iteration"], 10);
    assert_eq!(c["payload_len"], 100);
    assert!(c["written_unix_secs"].as_u64().is_some() && c["last_used_unix_secs"].as_u64().is_some());
    assert!(c["disk_bytes"].as_u64().unwrap() > 100);

    let b = cache(&f.root, &["show", "bb02"]).assert_ok().stdout.clone();
    assert!(b.contains(&f.b_ckpt) && b.contains("1 entry"), "{b}");
}

#[test]
fn show_with_an_ambiguous_prefix_lists_the_candidates() {
    let tmp = tempfile::tempdir().unwrap();
    let store = open(tmp.path());
    let (k1, k2) = (key(&[0xab, 0xcd, 0x01]), key(&[0xab, 0xcd, 0x02]));
    store.save(&k1, b"one", Some(1.0), None, EntryKind::Final).unwrap();
    store.save(&k2, b"two", Some(2.0), None, EntryKind::Final).unwrap();

    let run = cache(tmp.path(), &["show", "abcd"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout.is_empty(), "{run:?}");
    assert!(run.stderr.starts_with("error: "), "{run:?}");
    assert!(run.stderr.contains("ambiguous"), "{run:?}");
    assert!(
        run.stderr.contains(&k1.to_hex()) && run.stderr.contains(&k2.to_hex()),
        "{run:?}"
    );
    assert!(!run.stderr.contains("panicked"));

    let one = cache(tmp.path(), &["show", "abcd02"]);
    one.assert_ok();
    assert!(one.stdout.contains(&k2.to_hex()) && !one.stdout.contains(&k1.to_hex()));
}

#[test]
fn show_rejects_bad_keys_with_one_line() {
    let f = fixture();
    cache(&f.root, &["show", "xyz1"]).assert_error(2, &["\"xyz1\"", "not hexadecimal"]);
    cache(&f.root, &["show", "aa0g"]).assert_error(2, &["not hexadecimal"]);
    cache(&f.root, &["show", "aa0"]).assert_error(2, &["\"aa0\"", "too short", "4"]);
    cache(&f.root, &["show", ""]).assert_error(2, &["empty key"]);
    cache(&f.root, &["show", &"a".repeat(65)]).assert_error(2, &["too long", "64"]);
    let root = f.root.to_str().unwrap();
    cache(&f.root, &["show", "ffff"]).assert_error(1, &["no key", "ffff", root]);
    // Syntax is checked whatever the store: a missing root is not created.
    let missing = f.root.join("missing");
    cache(&missing, &["show", "zz"]).assert_error(2, &["not hexadecimal"]);
    cache(&missing, &["show", "abcd"]).assert_error(1, &["no key"]);
    assert!(!missing.exists());
}
