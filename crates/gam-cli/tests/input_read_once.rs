//! `gam fit` reads its data file once: the input key that lets an unchanged
//! file be answered from the cache is a hash of the very bytes that are
//! parsed and fitted. Before, the file was read twice (once to hash, once to
//! parse), and a file replaced between the two reads left the old content's
//! key pointing at the new content's model.
//!
//! The data file here is a FIFO fed by the test: its first open gets one
//! version of the data, any later open another. A fit that read the file
//! twice would fit the second version under the first's key, and a later fit
//! of the first version would be answered with that wrong model.

mod common;

use std::ffi::OsStr;
use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use common::fit::FitRun;
use common::{GAM, Run, gam_in, write};
use tempfile::TempDir;

/// How long the test waits for the fit before it fails.
const DEADLINE: Duration = Duration::from_secs(300);

/// Between polls of the FIFO and of the child's open files.
const POLL: Duration = Duration::from_millis(2);

const FORMULA: &str = "y ~ s(x)";

/// 60 rows of `y = sign · sin(2πx) + noise`.
fn data(sign: f64) -> String {
    let mut s = String::from("x,y\n");
    for i in 0..60 {
        let x = (i as f64 + 0.5) / 60.0;
        let noise = ((i * 7919) % 13) as f64 / 130.0;
        s.push_str(&format!(
            "{x},{}\n",
            sign * (2.0 * std::f64::consts::PI * x).sin() + noise
        ));
    }
    s
}

/// Whether process `pid` has `path` open.
fn has_open(pid: u32, path: &Path) -> bool {
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    fds.flatten()
        .any(|fd| std::fs::read_link(fd.path()).is_ok_and(|target| target == path))
}

/// Waits until `ready` holds, failing if `child` exits or the deadline passes first.
fn wait_for(child: &mut Child, what: &str, mut ready: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    loop {
        if ready() {
            return true;
        }
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        assert!(start.elapsed() < DEADLINE, "timed out waiting for {what}");
        sleep(POLL);
    }
}

/// Runs `gam fit` on the FIFO `fifo`, feeding `first` to its first open and
/// `later` to any other, until the fit exits. Returns the run and how many
/// times the fit opened the file.
fn fit_through_fifo(dir: &Path, fifo: &Path, first: &str, later: &str) -> (Run, usize) {
    let mut child = Command::new(GAM)
        .args([OsStr::new("fit"), fifo.as_os_str(), OsStr::new(FORMULA)])
        .current_dir(dir)
        .env("GAM_CACHE_DIR", dir.join(".gam-cache"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("gam runs");
    let pid = child.id();
    let mut opens = 0;
    loop {
        // A non-blocking open for writing succeeds only while a reader opens the FIFO.
        let mut writer = None;
        let open = wait_for(&mut child, "gam to open the data file", || {
            writer = OpenOptions::new()
                .write(true)
                .custom_flags(libc::O_NONBLOCK)
                .open(fifo)
                .ok();
            writer.is_some()
        });
        let Some(mut writer) = writer.filter(|_| open) else {
            break;
        };
        // Its open done (it now waits for data), the reader gets one version
        // and the end of the file; the next version waits until it has
        // closed this one, so that versions never run together.
        assert!(wait_for(&mut child, "gam's open to finish", || has_open(pid, fifo)));
        let text = if opens == 0 { first } else { later };
        writer.write_all(text.as_bytes()).unwrap();
        drop(writer);
        opens += 1;
        wait_for(&mut child, "gam to close the data file", || !has_open(pid, fifo));
    }
    let out = child.wait_with_output().unwrap();
    (Run::from(out), opens)
}

#[test]
fn a_file_that_changes_while_read_cannot_poison_the_cache() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let (a, b) = (data(1.0), data(-1.0));
    let a_file = write(d, "a.csv", &a);
    let b_file = write(d, "b.csv", &b);
    let fit_a = gam_in(
        d,
        [
            OsStr::new("--no-cache"),
            OsStr::new("fit"),
            a_file.as_os_str(),
            OsStr::new(FORMULA),
        ],
    );
    let fit_b = gam_in(
        d,
        [
            OsStr::new("--no-cache"),
            OsStr::new("fit"),
            b_file.as_os_str(),
            OsStr::new(FORMULA),
        ],
    );
    fit_a.assert_ok();
    fit_b.assert_ok();
    assert_ne!(fit_a.stdout, fit_b.stdout, "the two versions must give different fits");

    let fifo: PathBuf = d.canonicalize().unwrap().join("data.csv");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo runs");
    assert!(made.success());
    let (run, opens) = fit_through_fifo(d, &fifo, &a, &b);
    run.assert_ok();
    assert_eq!(opens, 1, "the data file was opened {opens} times: {run:?}");
    assert_eq!(run.stdout, fit_a.stdout, "the fit is of the version that was hashed");

    // The same bytes as a plain file: answered from the cache by their key,
    // with their own model.
    std::fs::remove_file(&fifo).unwrap();
    std::fs::write(&fifo, &a).unwrap();
    let again = gam_in(d, [OsStr::new("fit"), fifo.as_os_str(), OsStr::new(FORMULA)]);
    again.assert_ok();
    assert_eq!(again.stderr, "cache: exact hit\n", "{again:?}");
    assert_eq!(
        again.stdout, fit_a.stdout,
        "the cache answered with another version's model"
    );
}
