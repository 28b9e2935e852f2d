//! File-system primitives: private modes, no symlink following, durable writes,
//! unique names and writer liveness.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
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

/// Opens an existing file for reading without following a symlink at its last component.
pub(crate) fn open_read_nofollow(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(path)
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

/// Creates `path` and missing parents with the private mode.
pub(crate) fn create_dir_all_private(path: &Path) -> io::Result<()> {
    fs::DirBuilder::new().recursive(true).mode(DIR_MODE).create(path)
}

/// Creates one private directory; an existing directory is fine.
pub(crate) fn create_dir_private(path: &Path) -> io::Result<()> {
    match fs::DirBuilder::new().mode(DIR_MODE).create(path) {
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        other => other,
    }
}

/// Flushes a directory so that renames into it survive a power loss.
pub(crate) fn sync_dir(path: &Path) -> io::Result<()> {
    File::open(path)?.sync_all()
}

/// Reads a whole small file without following symlinks.
pub(crate) fn read_small(path: &Path) -> io::Result<Vec<u8>> {
    let mut f = open_read_nofollow(path)?;
    let mut buf = Vec::new();
    f.read_to_end(&mut buf)?;
    Ok(buf)
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

/// Removes a file; a file already gone is not an error.
pub(crate) fn remove_if_exists(path: &Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
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
