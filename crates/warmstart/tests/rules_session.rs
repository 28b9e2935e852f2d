//! The contract's rules on sessions (23 to 26).

mod common;

use std::fs;
use std::time::Duration;

use common::*;
use warmstart::{CHECKPOINT_MIN_INTERVAL, EntryKind, LoadSource, Session};

#[test]
fn rule23_checkpoints_are_rate_limited_unless_better() {
    let (_t, store) = temp_store();
    let s = Session::open(store.clone(), key(1));
    assert!(s.checkpoint(b"it1", Some(10.0), Some(1)), "first write");
    assert!(!s.checkpoint(b"it2", Some(10.0), Some(2)), "not better, too soon");
    assert!(!s.checkpoint(b"it3", Some(11.0), Some(3)), "worse, too soon");
    assert!(!s.checkpoint(b"it4", None, Some(4)), "no objective, too soon");
    assert!(
        s.checkpoint(b"it5", Some(9.0), Some(5)),
        "strictly better writes at once"
    );
    assert_eq!(store.lookup(&key(1)).unwrap().unwrap().payload, b"it5");
    std::thread::sleep(CHECKPOINT_MIN_INTERVAL + Duration::from_millis(100));
    assert!(s.checkpoint(b"it6", Some(9.5), Some(6)), "interval passed");
    let e = store.lookup(&key(1)).unwrap().unwrap();
    assert_eq!((e.payload.as_slice(), e.kind), (&b"it6"[..], EntryKind::Checkpoint));
    assert_eq!(store.entries(&key(1)).unwrap().len(), 1, "one slot per session");
    assert_eq!(e.run_id, s.run_id());
}

#[test]
fn rule24_finalize_ignores_the_rate_limit() {
    let (_t, store) = temp_store();
    let s = Session::open(store.clone(), key(1));
    assert!(s.checkpoint(b"ck", Some(5.0), Some(1)));
    assert!(s.finalize(b"done", Some(5.0), Some(2)));
    let e = store.lookup(&key(1)).unwrap().unwrap();
    assert_eq!(
        (e.payload.as_slice(), e.kind, e.iteration),
        (&b"done"[..], EntryKind::Final, Some(2))
    );
}

#[test]
fn rule25_preloaded_entry_is_returned_once_then_the_own_key() {
    let (_t, store) = temp_store();
    let (related, own) = (key(1), key(2));
    put(&store, &related, b"related", Some(3.0), EntryKind::Final);
    let seed = store.lookup(&related).unwrap().unwrap();
    let s = Session::open(store.clone(), own);
    s.preload(seed);
    let (e, src) = s.try_load_with_source().unwrap();
    assert_eq!((e.payload.as_slice(), src), (&b"related"[..], LoadSource::Preloaded));
    assert!(s.try_load_with_source().is_none(), "own key is still empty");
    assert!(s.checkpoint(b"own", Some(2.0), Some(1)));
    let (e, src) = s.try_load_with_source().unwrap();
    assert_eq!((e.payload.as_slice(), src), (&b"own"[..], LoadSource::Exact));
    assert_eq!(
        store.entries(&related).unwrap().len(),
        1,
        "nothing written under the related key"
    );
    assert_eq!(s.try_load().unwrap().payload, b"own");
}

#[test]
fn rule26_a_failing_store_never_fails_the_session() {
    let (_t, store) = temp_store();
    let s = Session::open(store.clone(), key(1));
    // Make the root unusable: a regular file where the directory was.
    fs::remove_dir_all(store.root()).unwrap();
    fs::write(store.root(), b"not a directory").unwrap();
    assert!(!s.checkpoint(b"a", Some(1.0), Some(1)));
    assert!(!s.finalize(b"b", Some(0.5), Some(2)));
    assert!(s.try_load().is_none());
    assert!(s.had_error());
    let err = s.take_error().expect("the failure is reported");
    assert!(err.to_string().contains(&store.root().display().to_string()), "{err}");
    assert!(s.take_error().is_none(), "reported once");
    assert!(s.had_error());
    assert!(!s.wrote_any());
}
