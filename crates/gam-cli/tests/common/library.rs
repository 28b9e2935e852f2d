//! What the tests of the library and the command together share: the
//! library's synthetic data ([`front`], the same file as the library's tests
//! use), written as a CSV file with Rust's shortest round-trip float
//! formatting (`{}`) and built as a frame in memory from the same values, so
//! that both parse to the same bits; and running `gam` with a given cache
//! directory in its environment.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use tempfile::TempDir;

use super::{GAM, Run};

/// The model the tests fit: two smooths, a factor and a logical.
pub const FORMULA: &str = "y ~ s(x) + s(z, bs = \"cr\") + g + ok";

/// Rows of the data: a fit of a fraction of a second.
pub const ROWS: usize = 300;

/// The synthetic data of the library's front-door tests, shared so that
/// both crates' tests fit the same values.
#[path = "../../../gam/tests/common/front.rs"]
pub mod front;

/// The data: [`ROWS`] rows of [`front::columns`].
pub fn data() -> front::Columns {
    front::columns(ROWS)
}

/// A test directory holding the data as `data.csv`, and where a cache in it goes.
pub fn data_dir() -> (TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let csv = data().write_csv(dir.path());
    let cache = dir.path().join("cache");
    (dir, csv, cache)
}

/// Runs `gam ARGS...` in `dir` with `GAM_CACHE_DIR` set to `cache_dir`.
pub fn gam_with_cache_env<I, S>(dir: &Path, cache_dir: &Path, args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut cmd = Command::new(GAM);
    cmd.args(args)
        .current_dir(dir)
        .env(warmstart::CACHE_DIR_ENV, cache_dir)
        .stdin(Stdio::null());
    Run::of(cmd)
}
