//! The one error type of the store.

use std::io;
use std::path::PathBuf;

/// Everything that can go wrong in the store, each carrying the path it concerns.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// An I/O operation on a path failed (permissions, disk full, ...).
    #[error("{op} {}: {source}", path.display())]
    Io {
        /// What the store was doing, e.g. "writing payload".
        op: &'static str,
        /// The file or directory concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// The cache root exists but is not a directory.
    #[error("cache root {} is not a directory", path.display())]
    NotADirectory {
        /// The offending path.
        path: PathBuf,
    },
    /// A path inside the root is a symbolic link; the store never follows those.
    #[error("refusing to follow symbolic link {}", path.display())]
    Symlink {
        /// The link.
        path: PathBuf,
    },
    /// A metadata file could not be parsed.
    #[error("malformed metadata {}: {reason}", path.display())]
    MalformedMetadata {
        /// The metadata file.
        path: PathBuf,
        /// What was wrong with it.
        reason: String,
    },
    /// A run id contains characters other than ASCII letters, digits, `-` and `_`, or is empty or too long.
    #[error("invalid run id {run_id:?}: use 1 to 128 ASCII letters, digits, '-' or '_'")]
    InvalidRunId {
        /// The rejected run id.
        run_id: String,
    },
    /// An objective was NaN or infinite; the ordering of entries needs finite numbers.
    #[error("objective {value} is not a finite number")]
    InvalidObjective {
        /// The rejected value.
        value: f64,
    },
}

impl StoreError {
    pub(crate) fn io(op: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        StoreError::Io {
            op,
            path: path.into(),
            source,
        }
    }
}

/// Shorthand for results of store operations.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
