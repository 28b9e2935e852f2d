//! Writing files so that a failure never loses what was there before.
//!
//! [`write_atomically`] writes to a temporary file in the target's
//! directory, syncs it to disk, renames it over the target and syncs the
//! directory. A full disk, a crash or a kill at any moment leaves either the
//! old file or the complete new one, never a truncated mixture; the
//! temporary file is removed on failure.
//!
//! [`nan_if_null`] reads back the non-finite numbers JSON writes as `null`.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use serde::Deserialize;

use crate::error::{GamError, Result};

/// Permissions asked for a new file; the process's umask applies, as it does
/// to a file created the usual way.
#[cfg(unix)]
const NEW_FILE_MODE: u32 = 0o666;

/// Writes `path` atomically with the bytes `write` produces (see the module
/// documentation). Errors name `path`.
pub fn write_atomically(path: &Path, write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<()> {
    let io_err = |source: std::io::Error| GamError::Io {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(NEW_FILE_MODE));
    }
    let tmp = builder.tempfile_in(dir).map_err(io_err)?;
    // Written through the plain file: the temporary file's own writer would
    // add its (meaningless to the user) name to every error.
    let mut out = BufWriter::new(tmp.as_file());
    write(&mut out).and_then(|()| out.flush()).map_err(io_err)?;
    drop(out);
    tmp.as_file().sync_all().map_err(io_err)?;
    tmp.persist(path).map_err(|e| io_err(e.error))?;
    sync_dir(dir).map_err(io_err)
}

/// Makes a rename in `dir` durable.
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Reads a number that is only displayed, taking `null` (what JSON makes of
/// a NaN or an infinity) as NaN, so that such a model loads again.
pub fn nan_if_null<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_keeps_the_old_file_and_leaves_no_temporary() {
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join("m.json");
        std::fs::write(&path, b"old").unwrap();
        let e = write_atomically(&path, |w| {
            w.write_all(b"partial")?;
            Err(std::io::Error::other("disk full"))
        })
        .unwrap_err();
        assert!(
            e.to_string().contains("m.json") && e.to_string().contains("disk full"),
            "{e}"
        );
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary file left"
        );
        write_atomically(&path, |w| w.write_all(b"new")).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn a_new_file_is_not_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join("p.csv");
        write_atomically(&path, |w| w.write_all(b"x")).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        // As a file created the usual way: 0666 less the process's umask.
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        if let Some(umask) = status.lines().find_map(|l| l.strip_prefix("Umask:")) {
            let umask = u32::from_str_radix(umask.trim(), 8).unwrap();
            assert_eq!(mode, 0o666 & !umask, "mode {mode:o}, umask {umask:o}");
        } else {
            assert_ne!(mode, 0o600, "not the temporary file's private mode");
        }
    }
}
