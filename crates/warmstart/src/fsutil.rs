//! File-system primitives: private modes, no symlink following, durable writes,
//! unique names and writer liveness.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::Path;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Mode of directories the store creates.
pub(crate) const DIR_MODE: u32 = 0o700;
/// Mode of files the store creates.
pub(crate) const FILE_MODE: u32 = 0o600;

/// Prefix of every temporary file; lookup skips names starting with a dot.
pub(crate) const TMP_PREFIX: &str = ".tmp.";

/// A file's identity on its file system: device and inode numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FileId {
    pub dev: u64,
    pub ino: u64,
}

impl FileId {
    pub fn of(m: &fs::Metadata) -> FileId {
        FileId {
            dev: m.dev(),
            ino: m.ino(),
        }
    }
}

/// Why a file named like one of the store's could not be read as one.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// Nothing is there.
    NotFound,
    /// Something other than a regular file is there (a FIFO, socket,
    /// device, directory or symbolic link): never opened for reading.
    NotRegular { what: &'static str, id: FileId },
    /// A regular file larger than the format allows: never read.
    TooLarge { len: u64, cap: u64, id: FileId },
    /// Any other failure (permissions, ...).
    Io(io::Error),
}

impl ReadError {
    fn from_io(e: io::Error) -> ReadError {
        if e.kind() == io::ErrorKind::NotFound {
            ReadError::NotFound
        } else {
            ReadError::Io(e)
        }
    }

    /// A one-line description for reports; `None` for a plain I/O error.
    pub fn corruption(&self) -> Option<String> {
        match self {
            ReadError::NotRegular { what, .. } => Some(format!("is a {what}, not a regular file")),
            ReadError::TooLarge { len, cap, .. } => Some(format!("has {len} bytes, more than the {cap} allowed")),
            ReadError::NotFound | ReadError::Io(_) => None,
        }
    }

    /// The same as an `io::Error`, for callers that only pass errors on.
    pub fn into_io(self) -> io::Error {
        match self {
            ReadError::NotFound => io::Error::from(io::ErrorKind::NotFound),
            ReadError::Io(e) => e,
            other => io::Error::new(io::ErrorKind::InvalidData, other.corruption().unwrap_or_default()),
        }
    }
}

/// What kind of file `t` is, in words.
pub(crate) fn kind_name(t: fs::FileType) -> &'static str {
    if t.is_symlink() {
        "symbolic link"
    } else if t.is_dir() {
        "directory"
    } else if t.is_fifo() {
        "FIFO"
    } else if t.is_socket() {
        "socket"
    } else if t.is_block_device() || t.is_char_device() {
        "device"
    } else if t.is_file() {
        "regular file"
    } else {
        "special file"
    }
}

/// Opens a regular file for reading, and nothing else: never follows a
/// symbolic link, and never blocks (a FIFO would wait forever for a writer).
/// Returns the open file and its length.
///
/// The type is checked twice: on the name before opening (so that a device
/// or FIFO is not even opened), and on the opened handle (so that a file
/// swapped in between is caught). `O_NONBLOCK` makes the open itself return
/// at once even in that race; on a regular file it has no effect.
pub(crate) fn open_regular(path: &Path) -> Result<(File, u64), ReadError> {
    let m = fs::symlink_metadata(path).map_err(ReadError::from_io)?;
    if !m.file_type().is_file() {
        return Err(ReadError::NotRegular {
            what: kind_name(m.file_type()),
            id: FileId::of(&m),
        });
    }
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(path)
        .map_err(|e| match e.raw_os_error() {
            // Swapped for a symbolic link since the check above.
            Some(libc::ELOOP) => ReadError::NotRegular {
                what: "symbolic link",
                id: FileId::of(&m),
            },
            _ => ReadError::from_io(e),
        })?;
    let m = file.metadata().map_err(ReadError::Io)?;
    if !m.file_type().is_file() {
        return Err(ReadError::NotRegular {
            what: kind_name(m.file_type()),
            id: FileId::of(&m),
        });
    }
    Ok((file, m.len()))
}

/// Reads a regular file of at most `cap` bytes: a larger one is refused by
/// its size before anything is read, and at most `cap + 1` bytes are ever
/// read (the file may grow after the size check).
pub(crate) fn read_capped(path: &Path, cap: u64) -> Result<Vec<u8>, ReadError> {
    let (file, len) = open_regular(path)?;
    let id = || file.metadata().map(|m| FileId::of(&m));
    if len > cap {
        let id = id().map_err(ReadError::Io)?;
        return Err(ReadError::TooLarge { len, cap, id });
    }
    let mut buf = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    (&file)
        .take(cap.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(ReadError::Io)?;
    if buf.len() as u64 > cap {
        let id = id().map_err(ReadError::Io)?;
        return Err(ReadError::TooLarge {
            len: buf.len() as u64,
            cap,
            id,
        });
    }
    Ok(buf)
}

/// Creates a new private file; fails if anything exists at `path`.
pub(crate) fn create_new_private(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(FILE_MODE)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(path)
}

/// What [`switch_into_place`] found at the destination.
pub(crate) enum Switched {
    /// Nothing was there.
    Fresh,
    /// Something was, and is now at the source path (exchanged atomically).
    Exchanged,
    /// The file system cannot exchange: a plain rename replaced whatever was there.
    Replaced,
}

/// Puts `from` in place at `to` in one atomic step and tells what it
/// replaced: with `renameat2(RENAME_EXCHANGE)` the replaced file lands at
/// `from`, so the caller learns exactly which file its switch displaced,
/// even when other processes switch the same name at the same moment. Falls
/// back to a plain rename where the file system cannot exchange.
pub(crate) fn switch_into_place(from: &Path, to: &Path) -> io::Result<Switched> {
    let c = |p: &Path| std::ffi::CString::new(p.as_os_str().as_bytes()).map_err(io::Error::other);
    let (cf, ct) = (c(from)?, c(to)?);
    let renameat2 = |flags: libc::c_uint| {
        // SAFETY: two valid NUL-terminated paths relative to the working directory.
        let rc = unsafe { libc::renameat2(libc::AT_FDCWD, cf.as_ptr(), libc::AT_FDCWD, ct.as_ptr(), flags) };
        if rc == 0 {
            Ok(())
        } else {
            Err(io::Error::last_os_error())
        }
    };
    for _ in 0..SWITCH_ATTEMPTS {
        match renameat2(libc::RENAME_EXCHANGE) {
            // A directory in the way is not displaced (a plain rename refuses
            // it too): put it back and fail as that rename would.
            Ok(()) if fs::symlink_metadata(from).is_ok_and(|m| m.is_dir()) => {
                renameat2(libc::RENAME_EXCHANGE)?;
                return Err(io::Error::from_raw_os_error(libc::EISDIR));
            }
            Ok(()) => return Ok(Switched::Exchanged),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) if matches!(e.raw_os_error(), Some(libc::EINVAL | libc::ENOSYS | libc::EOPNOTSUPP)) => break,
            Err(e) => return Err(e),
        }
        // Nothing at `to` (the source exists: it is ours): take the name unless someone just did.
        match renameat2(libc::RENAME_NOREPLACE) {
            Ok(()) => return Ok(Switched::Fresh),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) if matches!(e.raw_os_error(), Some(libc::EINVAL | libc::ENOSYS | libc::EOPNOTSUPP)) => break,
            Err(e) => return Err(e),
        }
    }
    fs::rename(from, to).map(|()| Switched::Replaced)
}

/// How often [`switch_into_place`] goes round between "nothing there" and
/// "someone just put something there" before settling for a plain rename.
const SWITCH_ATTEMPTS: usize = 16;

/// Creates `path` and missing parents with the private mode.
pub(crate) fn create_dir_all_private(path: &Path) -> io::Result<()> {
    fs::DirBuilder::new().recursive(true).mode(DIR_MODE).create(path)
}

/// Creates one private directory; fails with `AlreadyExists` if anything is
/// there already, so that the caller knows whether it made it.
pub(crate) fn create_new_dir_private(path: &Path) -> io::Result<()> {
    fs::DirBuilder::new().mode(DIR_MODE).create(path)
}

/// Flushes a directory so that renames into it survive a power loss.
/// Opens only a directory (anything else swapped in fails at once).
pub(crate) fn sync_dir(path: &Path) -> io::Result<()> {
    OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(path)?
        .sync_all()
}

/// Writes `data` to a new private file and optionally flushes it to stable storage.
pub(crate) fn write_new_file(path: &Path, data: &[u8], sync: bool) -> io::Result<()> {
    let mut f = create_new_private(path)?;
    f.write_all(data)?;
    if sync {
        f.sync_all()?;
    }
    Ok(())
}

/// Removes a file (a symbolic link itself, never its target); a file
/// already gone is not an error. A directory in its place is removed if
/// empty, and otherwise left (it is not the store's to empty).
pub(crate) fn remove_if_exists(path: &Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) if fs::symlink_metadata(path).is_ok_and(|m| m.is_dir()) => match fs::remove_dir(path) {
            Err(e2) if e2.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(_) => Err(e),
            Ok(()) => Ok(()),
        },
        other => other,
    }
}

/// Seconds and nanoseconds since the Unix epoch.
pub(crate) fn now_unix() -> (u64, u32) {
    let d = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
    (d.as_secs(), d.subsec_nanos())
}

/// Seconds since the Unix epoch of a system time (0 before the epoch).
pub(crate) fn unix_secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// This process as written into file names: pid and kernel start time, so a
/// recycled pid is not mistaken for the writer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Writer {
    pub pid: u32,
    pub start: u64,
}

impl Writer {
    /// The current process.
    pub fn current() -> Writer {
        static CURRENT: OnceLock<Writer> = OnceLock::new();
        *CURRENT.get_or_init(|| {
            let pid = std::process::id();
            Writer {
                pid,
                start: process_start_ticks(pid).unwrap_or(0),
            }
        })
    }

    /// `"<pid>-<start>"`.
    pub fn tag(&self) -> String {
        format!("{}-{}", self.pid, self.start)
    }

    /// Parses `"<pid>-<start>"`.
    pub fn parse(s: &str) -> Option<Writer> {
        let (pid, start) = s.split_once('-')?;
        Some(Writer {
            pid: pid.parse().ok()?,
            start: start.parse().ok()?,
        })
    }

    /// Whether the writing process is still running.
    pub fn liveness(&self) -> Liveness {
        if *self == Writer::current() {
            return Liveness::Alive;
        }
        match fs::read_to_string(format!("/proc/{}/stat", self.pid)) {
            Ok(stat) => match parse_stat(&stat) {
                Some((state, start)) => {
                    if state == 'Z' || state == 'X' || (self.start != 0 && start != self.start) {
                        Liveness::Dead
                    } else {
                        Liveness::Alive
                    }
                }
                None => Liveness::Unknown,
            },
            Err(e) if e.kind() == io::ErrorKind::NotFound && Path::new("/proc/self/stat").exists() => Liveness::Dead,
            Err(_) => kill_probe(self.pid),
        }
    }
}

/// What can be told about a writer process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Liveness {
    Alive,
    Dead,
    /// Liveness cannot be told here; fall back to the file's age.
    Unknown,
}

fn kill_probe(pid: u32) -> Liveness {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return Liveness::Unknown;
    };
    // SAFETY: signal 0 performs only the existence and permission check.
    let rc = unsafe { libc::kill(pid, 0) };
    if rc == 0 {
        return Liveness::Alive;
    }
    match io::Error::last_os_error().raw_os_error() {
        Some(libc::ESRCH) => Liveness::Dead,
        Some(libc::EPERM) => Liveness::Alive,
        _ => Liveness::Unknown,
    }
}

/// State character and start time (field 22) of a `/proc/<pid>/stat` line.
fn parse_stat(stat: &str) -> Option<(char, u64)> {
    // The command name (field 2) may contain spaces and parentheses; fields
    // after the last ')' are plain.
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    let state = fields.next()?.chars().next()?;
    // `rest` starts at field 3 (state); field 22 is 19 fields further on.
    let start = fields.nth(18)?.parse().ok()?;
    Some((state, start))
}

fn process_start_ticks(pid: u32) -> Option<u64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_stat(&stat).map(|(_, start)| start)
}

/// A name no other call in any process will produce: writer identity, time,
/// a per-process counter and per-process random bits.
pub(crate) fn unique_suffix() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    static SALT: OnceLock<u64> = OnceLock::new();
    let salt = *SALT.get_or_init(|| {
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u32(std::process::id());
        h.finish() & 0xffff_ffff
    });
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let (secs, nanos) = now_unix();
    format!("{}-{:x}{:08x}-{n:x}-{salt:08x}", Writer::current().tag(), secs, nanos)
}

/// The writer encoded at the start of a temporary file's or payload's unique part.
pub(crate) fn writer_of_suffix(suffix: &str) -> Option<Writer> {
    let mut parts = suffix.splitn(3, '-');
    let pid = parts.next()?;
    let start = parts.next()?;
    Writer::parse(&format!("{pid}-{start}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_parsing_handles_odd_command_names() {
        let line = "1234 (a b) c)) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 987654 20 21";
        assert_eq!(parse_stat(line), Some(('S', 987654)));
    }

    #[test]
    fn current_process_is_alive_and_a_reaped_child_is_dead() {
        assert_eq!(Writer::current().liveness(), Liveness::Alive);
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        let w = Writer {
            pid,
            start: process_start_ticks(pid).unwrap_or(1),
        };
        assert_eq!(w.liveness(), Liveness::Dead);
    }

    #[test]
    fn unique_suffixes_differ_and_carry_the_writer() {
        let a = unique_suffix();
        let b = unique_suffix();
        assert_ne!(a, b);
        assert_eq!(writer_of_suffix(&a), Some(Writer::current()));
    }
}
