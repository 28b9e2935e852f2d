//! Reading model files (writing is [`crate::files::write_atomically`]).
//!
//! # Guarantees
//! - Reading never blocks on or reads from anything but a regular file (a
//!   FIFO, a device or a directory is refused before it is read, and the
//!   file is opened without blocking), and never reads more than
//!   [`MAX_MODEL_FILE_BYTES`]: a larger file is refused from its metadata.
//! - Writing is atomic ([`crate::files::write_atomically`]): a failure at
//!   any step leaves the previous file (if any) as it was.

use std::fs::{self, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// The largest model file read: 1 GiB. A model's size is dominated by its
/// two p x p covariance matrices (about 20 bytes a number as JSON), so this
/// admits well over 5000 coefficients, beyond what a fit can produce, while
/// bounding the memory a damaged or hostile file can claim.
pub const MAX_MODEL_FILE_BYTES: u64 = 1 << 30;

/// Why a model file could not be read.
#[derive(Debug)]
pub(crate) enum ReadProblem {
    /// The operating system's error.
    Io(io::Error),
    /// Not something a model can be read from (described).
    NotAModel(String),
}

/// Reads a whole model file, refusing anything but a regular file of at most
/// [`MAX_MODEL_FILE_BYTES`].
pub(crate) fn read_model_file(path: &Path) -> Result<Vec<u8>, ReadProblem> {
    check_regular(&fs::metadata(path).map_err(ReadProblem::Io)?)?;
    // O_NONBLOCK: should the path have become a FIFO since the check, opening
    // it must not wait for a writer; the check below then refuses it.
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(ReadProblem::Io)?;
    check_regular(&file.metadata().map_err(ReadProblem::Io)?)?;
    let mut bytes = Vec::new();
    file.take(MAX_MODEL_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadProblem::Io)?;
    if bytes.len() as u64 > MAX_MODEL_FILE_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

fn check_regular(meta: &fs::Metadata) -> Result<(), ReadProblem> {
    if !meta.is_file() {
        return Err(ReadProblem::NotAModel(
            "not a regular file (a directory, FIFO or device cannot hold a model)".into(),
        ));
    }
    if meta.len() > MAX_MODEL_FILE_BYTES {
        return Err(too_large(meta.len()));
    }
    Ok(())
}

fn too_large(len: u64) -> ReadProblem {
    ReadProblem::NotAModel(format!(
        "the file is {len} bytes, more than the {MAX_MODEL_FILE_BYTES} bytes a model file may have"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs::File;

    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("m.json");
        let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: `c` is a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        match read_model_file(&fifo) {
            Err(ReadProblem::NotAModel(m)) => assert!(m.contains("not a regular file"), "{m}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_directory_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(read_model_file(dir.path()), Err(ReadProblem::NotAModel(_))));
    }

    #[test]
    fn a_file_over_the_limit_is_refused_from_its_size() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.json");
        // Sparse: the size is claimed without writing (or reading) a gigabyte.
        File::create(&path).unwrap().set_len(MAX_MODEL_FILE_BYTES + 1).unwrap();
        match read_model_file(&path) {
            Err(ReadProblem::NotAModel(m)) => assert!(m.contains("more than"), "{m}"),
            other => panic!("{:?}", other.map(|b| b.len())),
        }
    }

    #[test]
    fn atomic_write_replaces_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.json");
        fs::write(&path, "old").unwrap();
        crate::files::write_atomically(&path, |w| w.write_all(b"new")).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("m.json")]);
    }

    #[test]
    fn a_failed_write_keeps_the_previous_file() {
        let dir = tempfile::tempdir().unwrap();
        // The target is a non-empty directory: the rename fails after the data were written.
        let path = dir.path().join("m.json");
        fs::create_dir(&path).unwrap();
        fs::write(path.join("keep"), "old").unwrap();
        assert!(crate::files::write_atomically(&path, |w| w.write_all(b"new")).is_err());
        assert_eq!(fs::read(path.join("keep")).unwrap(), b"old");
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "temporary file left behind"
        );
    }
}
