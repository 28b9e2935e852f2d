//! End-to-end tests of how `gam cache` treats its root directory: commands
//! that only read change nothing, and a root that is a file, is read-only or
//! has symbolic links planted in it is handled without harm.

// A test that cannot run here says why on stderr instead of passing silently.
#![allow(clippy::print_stderr)]

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::GAM;
use common::cache::{
    CacheRun, backdate, cache, cache_as, fixture, flip_first_byte, key, meta_path, now_secs, open, payload_path,
    snapshot,
};
use warmstart::EntryKind;

/// Listing is not using: `ls`, `show`, `stats` and `verify` leave the
/// last-use times (metadata mtimes) and every file as they were.
#[test]
fn read_only_commands_change_nothing() {
    let f = fixture();
    for (k, r) in [(&f.a, &f.a_ckpt), (&f.a, &f.a_final), (&f.b, &f.b_ckpt)] {
        backdate(&f.root, k, r, Duration::from_secs(3 * 24 * 3600));
    }
    let before = snapshot(&f.root);
    for args in [
        &["ls"][..],
        &["show", "aa01"],
        &["stats"],
        &["verify"],
        &["ls", "--json"],
    ] {
        cache(&f.root, args).assert_ok();
    }
    assert_eq!(snapshot(&f.root), before);
    let json = cache(&f.root, &["ls", "--json"]).json();
    let used = json[1]["last_used_unix_secs"].as_u64().unwrap();
    assert!(now_secs() - used >= 3 * 24 * 3600 - 60, "{json}");
    let line = cache(&f.root, &["ls"]).stdout;
    assert!(line.lines().nth(2).unwrap().ends_with("3d"), "{line}");
}

#[test]
fn a_cache_dir_that_is_a_file_is_a_one_line_error() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("plain-file");
    fs::write(&file, b"not a cache").unwrap();
    let path = file.to_str().unwrap();
    for args in [
        &["ls"][..],
        &["ls", "--json"],
        &["show", "abcd"],
        &["stats"],
        &["verify"],
        &["verify", "--fix"],
        &["prune"],
        &["prune", "--max-size", "0"],
        &["clear", "--yes"],
    ] {
        cache(&file, args).assert_error(1, &[path, "not a directory"]);
    }
    assert_eq!(fs::read(&file).unwrap(), b"not a cache");
    // Below a file, too.
    cache(&file.join("sub"), &["ls"]).assert_error(1, &[path]);
}

/// Gives `path` and everything below it (symlinks themselves, not their targets) to nobody.
fn chown_tree(path: &Path) -> std::io::Result<()> {
    std::os::unix::fs::lchown(path, Some(65534), Some(65534))?;
    if fs::symlink_metadata(path)?.is_dir() {
        for e in fs::read_dir(path)? {
            chown_tree(&e?.path())?;
        }
    }
    Ok(())
}

/// Sets the mode of `path` and everything below it: `dir_mode` on directories, `file_mode` on files.
fn chmod_tree(path: &Path, dir_mode: u32, file_mode: u32) {
    let m = fs::symlink_metadata(path).unwrap();
    if m.is_dir() {
        for e in fs::read_dir(path).unwrap() {
            chmod_tree(&e.unwrap().path(), dir_mode, file_mode);
        }
        fs::set_permissions(path, fs::Permissions::from_mode(dir_mode)).unwrap();
    } else if m.is_file() {
        fs::set_permissions(path, fs::Permissions::from_mode(file_mode)).unwrap();
    }
}

/// How to run `gam` so that the read-only permissions bite, or why it cannot be done here.
fn read_only_runner(base: &Path, probe_dir: &Path) -> Result<Vec<&'static str>, String> {
    let probe = probe_dir.join("write-probe");
    if fs::write(&probe, b"x").is_err() {
        return Ok(Vec::new());
    }
    let _ = fs::remove_file(&probe);
    // Privileged (root): permissions do not stop us. Run gam as nobody instead.
    let setpriv = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];
    chown_tree(base).map_err(|e| format!("running as root and cannot chown to nobody: {e}"))?;
    let can_write = Command::new(setpriv[0])
        .args(&setpriv[1..])
        .args(["/bin/sh", "-c", "touch \"$0\"/write-probe"])
        .arg(probe_dir)
        .stderr(Stdio::null())
        .status();
    match can_write {
        Err(e) => Err(format!("running as root and setpriv is unavailable ({e})")),
        Ok(_) if probe.exists() => {
            let _ = fs::remove_file(&probe);
            Err("running as root and writes succeed even as nobody".into())
        }
        Ok(_) => {
            // setpriv must also be able to run gam (it fails the same way if it cannot switch user).
            let run = Command::new(setpriv[0])
                .args(&setpriv[1..])
                .args([GAM, "--version"])
                .output();
            match run {
                Ok(o) if o.status.success() => Ok(setpriv.to_vec()),
                _ => Err("running as root and setpriv cannot run gam as nobody".into()),
            }
        }
    }
}

#[test]
fn a_read_only_cache_dir_refuses_changes_naming_the_path() {
    let f = fixture();
    flip_first_byte(&payload_path(&f.root, &f.a, &f.a_final));
    backdate(&f.root, &f.b, &f.b_ckpt, Duration::from_secs(10 * 24 * 3600));
    let base = f.root.parent().unwrap().to_path_buf();
    // What `chmod -R a-w` gives.
    chmod_tree(&f.root, 0o500, 0o400);
    let restore = || chmod_tree(&f.root, 0o700, 0o600);
    let prefix = match read_only_runner(&base, &f.root.join(f.a.to_hex())) {
        Ok(p) => p,
        Err(why) => {
            restore();
            eprintln!("SKIPPED a_read_only_cache_dir_refuses_changes_naming_the_path: {why}");
            return;
        }
    };
    let before = snapshot(&f.root);
    let root = f.root.to_str().unwrap();

    // Reading still works.
    let ls = cache_as(&prefix, &f.root, &["ls"]);
    ls.assert_ok();
    assert_eq!(ls.stdout.lines().count(), 3, "{ls:?}");
    cache_as(&prefix, &f.root, &["stats", "--json"]).assert_ok();
    cache_as(&prefix, &f.root, &["show", "bb02"]).assert_ok();
    cache_as(&prefix, &f.root, &["verify"]).assert_error(1, &["--fix"]);

    // Changing fails with the path.
    cache_as(&prefix, &f.root, &["clear", "--yes"]).assert_error(1, &[root, "not writable"]);
    cache_as(&prefix, &f.root, &["verify", "--fix"]).assert_error(1, &[root, "Permission denied"]);
    cache_as(&prefix, &f.root, &["prune", "--max-size", "0"]).assert_error(1, &[root, "could not"]);
    cache_as(&prefix, &f.root, &["prune", "--older-than", "7d"]).assert_error(1, &[root, "could not", "7d"]);
    // Nothing to remove: nothing to fail.
    cache_as(&prefix, &f.root, &["prune"]).assert_ok();
    assert_eq!(snapshot(&f.root), before, "nothing changed");
    restore();
}

#[test]
fn symlinks_planted_in_the_root_are_never_followed_and_are_removed_as_links() {
    let f = fixture();
    // Outside the root: a real store with a valid key directory, and a plain file.
    let outside_dir = tempfile::tempdir().unwrap();
    let outside = outside_dir.path().join("store");
    let other = open(&outside);
    let c = key(&[0xcc, 0x03]);
    let c_run = other.save(&c, &[7; 64], Some(0.5), Some(1), EntryKind::Final).unwrap();
    let lone = outside_dir.path().join("precious.txt");
    fs::write(&lone, b"keep me").unwrap();
    let c_dir = outside.join(c.to_hex());
    let c_meta = meta_path(&outside, &c, &c_run);
    let c_payload = payload_path(&outside, &c, &c_run);

    // Planted in the root: a key-named link to the outside key directory, a
    // link to the whole outside store, a link in place of the usage file; in a
    // real key directory, links named like an entry's files.
    let link = |target: &Path, at: PathBuf| std::os::unix::fs::symlink(target, at).unwrap();
    link(&c_dir, f.root.join(c.to_hex()));
    link(&outside, f.root.join("elsewhere"));
    let _ = fs::remove_file(f.root.join(".usage.json"));
    link(&lone, f.root.join(".usage.json"));
    let a_dir = f.root.join(f.a.to_hex());
    link(&c_meta, a_dir.join(format!("{c_run}.meta.json")));
    link(&c_payload, a_dir.join(c_payload.file_name().unwrap()));
    link(&lone, a_dir.join("zzz.meta.json"));

    let outside_before = snapshot(outside_dir.path());

    let ls = cache(&f.root, &["ls", "--json"]).assert_ok().json();
    let keys: Vec<&str> = ls
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, [f.a.to_hex(), f.b.to_hex()]);
    assert_eq!(ls[0]["entries"], 2);
    let stats = cache(&f.root, &["stats", "--json"]).assert_ok().json();
    assert_eq!(stats["keys"], 2);
    assert_eq!(stats["entries"], 3);
    // The key-named link and the three links named like A's files.
    assert_eq!(stats["odd_files"], 4);
    cache(&f.root, &["show", "cc03"]).assert_error(1, &["no key"]);
    // verify reports each planted link (never following it) and --fix removes them, as links.
    let verify = cache(&f.root, &["verify", "--json"]);
    assert_eq!(verify.code, 1, "{verify:?}");
    let issues = verify.json()["issues"].as_array().unwrap().len();
    assert_eq!(issues, 4, "{verify:?}");
    let verify = cache(&f.root, &["verify", "--fix", "--json"]).assert_ok().json();
    assert_eq!(verify["entries_checked"], 3);
    let removed = verify["issues"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["removed"] == true);
    assert!(removed, "{verify}");
    assert!(
        fs::symlink_metadata(f.root.join(c.to_hex())).is_err(),
        "the key-named link is gone"
    );
    let prune = cache(&f.root, &["prune", "--max-size", "0", "--json"])
        .assert_ok()
        .json();
    assert_eq!(prune["evicted_entries"], 3);
    assert_eq!(prune["entries_left"], 0);
    f.store.save(&f.b, b"again", None, None, EntryKind::Final).unwrap();
    // A link planted again in place of a key directory: clear removes it too.
    link(&c_dir, f.root.join(c.to_hex()));
    let clear = cache(&f.root, &["clear", "--yes", "--json"]).assert_ok().json();
    assert_eq!(clear["keys_removed"], 2, "{clear}");
    assert!(
        fs::symlink_metadata(f.root.join(c.to_hex())).is_err(),
        "clear removed the link"
    );

    assert_eq!(
        snapshot(outside_dir.path()),
        outside_before,
        "nothing outside the root changed"
    );
    assert_eq!(fs::read(&lone).unwrap(), b"keep me");
    assert_eq!(other.lookup(&c).unwrap().unwrap().run_id, c_run);
}
