//! Engine errors as Python exceptions of the hierarchy in `warmgam/errors.py`
//! (pure Python, so that its classes can also derive from `ValueError`,
//! `MemoryError` or `OSError`). The message is the engine's one line, as the
//! `gam` command prints it after `error: `.

use gam::{ErrorKind, GamError};
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

/// The Python exception for an engine error: the class by the engine's
/// [`ErrorKind`] (a fold's error by its cause's, so that `except DataError`
/// works the same for `wg.cv`), the message its `Display`.
pub fn to_py(err: GamError) -> PyErr {
    let message = err.to_string();
    let inner = err.innermost();
    match (err.kind(), inner) {
        (_, GamError::TooLarge { .. }) => FitTooLargeError::new_err(message),
        // The engine's message keeps the path, which pyo3's own conversion of
        // an io::Error would lose.
        (_, GamError::Io { source, .. }) => match source.kind() {
            std::io::ErrorKind::NotFound => PyFileNotFoundError::new_err(message),
            std::io::ErrorKind::PermissionDenied => PyPermissionError::new_err(message),
            _ => PyOSError::new_err(message),
        },
        (ErrorKind::Formula, _) => FormulaError::new_err(message),
        (ErrorKind::Data, _) => DataError::new_err(message),
        (ErrorKind::Option, _) => OptionError::new_err(message),
        (ErrorKind::Interrupted, _) => FitInterrupted::new_err(message),
        (ErrorKind::Model, _) => ModelFileError::new_err(message),
        (ErrorKind::Cache, _) => CacheError::new_err(message),
        (ErrorKind::Io, _) => PyOSError::new_err(message),
        // Fit, and any kind the engine adds.
        _ => FitError::new_err(message),
    }
}
