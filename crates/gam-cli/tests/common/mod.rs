//! What the end-to-end tests share: the built binary and the outcome of one run of it;
//! [`cache`] adds what the `gam cache` tests share, [`fit`] what the tests of fitting,
//! summarising, predicting and cross-validating share, [`library`] what the tests of the
//! library and the command together share, [`resume`] what the tests of fits through the
//! cache (exact hits, killed fits resumed) share.

// Each test binary uses only part of this module.
#![allow(dead_code)]

pub mod cache;
pub mod fit;
pub mod library;
pub mod resume;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// The `gam` binary under test.
pub const GAM: &str = env!("CARGO_BIN_EXE_gam");

/// What a run of `gam` gave.
#[derive(Debug)]
pub struct Run {
    /// Exit code (-1 if killed by a signal).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(out: Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

impl Run {
    /// Runs a prepared command to completion.
    pub fn of(mut cmd: Command) -> Run {
        cmd.output().expect("gam runs").into()
    }

    /// Stdout parsed as one JSON document.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}): {self:?}"))
    }
}

/// Runs `gam` with `args` in `dir`, with its warm-start cache in `dir/.gam-cache`
/// (never the user's).
pub fn gam_in<I, S>(dir: &Path, args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let out = Command::new(GAM)
        .args(args)
        .current_dir(dir)
        .env("GAM_CACHE_DIR", dir.join(".gam-cache"))
        .stdin(Stdio::null())
        .output()
        .expect("gam runs");
    out.into()
}

/// Writes a test file `name` with `text` into `dir`.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write test file");
    path
}
