//! End-to-end tests of `gam cache prune`: expiry, the size limit, and the
//! parsing of its options.

mod common;

use std::time::{Duration, SystemTime};

use common::cache::{CacheRun, backdate, cache, fixture, meta_path, set_mtime};

#[test]
fn prune_removes_expired_entries_then_least_recently_used() {
    let f = fixture();
    backdate(&f.root, &f.b, &f.b_ckpt, Duration::from_secs(10 * 24 * 3600));

    // Defaults: 1 GiB and 30 days: nothing to do.
    let run = cache(&f.root, &["prune"]);
    run.assert_ok();
    assert!(run.stdout.contains("size limit 1.0 GiB, max age 30d"), "{run:?}");
    assert!(run.stdout.contains("removed: 0 entries"), "{run:?}");
    assert!(run.stdout.contains("left:    3 entries"), "{run:?}");

    let run = cache(&f.root, &["prune", "--older-than", "7d"]);
    run.assert_ok();
    assert!(
        run.stdout
            .contains("removed: 1 entry (1 expired, 0 over the size limit"),
        "{run:?}"
    );
    assert!(f.store.entries(&f.b).unwrap().is_empty());
    assert_eq!(f.store.entries(&f.a).unwrap().len(), 2);

    // A size limit one byte short of the total removes the least recently used entry only.
    let total: u64 = f.store.entries(&f.a).unwrap().iter().map(|e| e.disk_bytes).sum();
    set_mtime(
        &meta_path(&f.root, &f.a, &f.a_final),
        SystemTime::now() - Duration::from_secs(3600),
    );
    let limit = (total - 1).to_string();
    let json = cache(&f.root, &["prune", "--max-size", &limit, "--json"])
        .assert_ok()
        .json();
    assert_eq!(json["root"], f.root.to_str().unwrap());
    assert_eq!(json["max_bytes"], total - 1);
    assert_eq!(json["older_than_secs"], warmstart::DEFAULT_TTL.as_secs());
    assert_eq!(json["evicted_entries"], 1);
    assert_eq!(json["entries_left"], 1);
    let left = f.store.entries(&f.a).unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].run_id, f.a_ckpt);
    assert_eq!(json["bytes_left"], left[0].disk_bytes);
    assert_eq!(json["bytes_freed"], total - left[0].disk_bytes);

    let run = cache(&f.root, &["prune", "--max-size", "0"]);
    run.assert_ok();
    assert!(
        run.stdout
            .contains("removed: 1 entry (0 expired, 1 over the size limit"),
        "{run:?}"
    );
    assert!(run.stdout.contains("left:    0 entries, 0 B"), "{run:?}");
    assert_eq!(f.store.stats().unwrap().entries, 0);

    // Units are parsed; bad values are usage errors (clap's).
    cache(&f.root, &["prune", "--max-size", "500M", "--older-than", "12h"]).assert_ok();
    cache(&f.root, &["prune", "--max-size", "1GiB"]).assert_ok();
    let bad = cache(&f.root, &["prune", "--max-size", "lots"]);
    assert_eq!(bad.code, 2, "{bad:?}");
    assert!(bad.stderr.contains("invalid size") && !bad.stderr.contains("panicked"));
    let bad = cache(&f.root, &["prune", "--older-than", "soon"]);
    assert_eq!(bad.code, 2, "{bad:?}");
    assert!(bad.stderr.contains("invalid age"));
}
