//! Engine errors as Python exceptions of the hierarchy in `warmgam/errors.py`
//! (pure Python, so that its classes can also derive from `ValueError`,
//! `MemoryError` or `OSError`). The message is the engine's one line, as the
//! `gam` command prints it after `error: `.

use gam::GamError;
use pyo3::PyErr;
use pyo3::exceptions::{PyFileNotFoundError, PyOSError, PyPermissionError};

pyo3::import_exception!(warmgam.errors, FormulaError);
pyo3::import_exception!(warmgam.errors, DataError);
pyo3::import_exception!(warmgam.errors, OptionError);
pyo3::import_exception!(warmgam.errors, FitError);
pyo3::import_exception!(warmgam.errors, FitTooLargeError);
pyo3::import_exception!(warmgam.errors, FitInterrupted);
pyo3::import_exception!(warmgam.errors, ModelFileError);
pyo3::import_exception!(warmgam.errors, CacheError);

/// The Python exception for an engine error.
pub fn to_py(err: GamError) -> PyErr {
    let message = err.to_string();
    // Which class: by the engine's category of the error (a fold's error by
    // its cause), so that `except DataError` works the same for `wg.cv`.
    let mut cause = &err;
    while let GamError::Fold { source, .. } = cause {
        cause = source;
    }
    match cause {
        GamError::Formula { .. } | GamError::Term { .. } => FormulaError::new_err(message),
        GamError::Data { .. }
        | GamError::UnknownColumn { .. }
        | GamError::Csv { .. }
        | GamError::EmptyData { .. }
        | GamError::FamilyMismatch { .. } => DataError::new_err(message),
        GamError::LinkMismatch { .. }
        | GamError::UnknownFamily { .. }
        | GamError::UnsupportedLink { .. }
        | GamError::Control { .. }
        | GamError::BadOption { .. }
        | GamError::TooFewFolds { .. }
        | GamError::TooManyFolds { .. } => OptionError::new_err(message),
        GamError::TooLarge { .. } => FitTooLargeError::new_err(message),
        GamError::Interrupted { .. } => FitInterrupted::new_err(message),
        GamError::Model { .. } | GamError::ModelNotSaved { .. } => ModelFileError::new_err(message),
        GamError::Cache { .. } => CacheError::new_err(message),
        // The engine's message keeps the path, which pyo3's own conversion of
        // an io::Error would lose.
        GamError::Io { source, .. } => match source.kind() {
            std::io::ErrorKind::NotFound => PyFileNotFoundError::new_err(message),
            std::io::ErrorKind::PermissionDenied => PyPermissionError::new_err(message),
            _ => PyOSError::new_err(message),
        },
        // Every other reason a fit cannot be computed (and any the engine adds).
        _ => FitError::new_err(message),
    }
}
