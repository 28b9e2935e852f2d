//! Names on disk: which file in a key directory is what.

use crate::fsutil::{TMP_PREFIX, Writer, writer_of_suffix};

/// Suffix of metadata files: `<run_id>.meta.json`.
pub(crate) const META_SUFFIX: &str = ".meta.json";
/// Suffix of payload files: `<run_id>.<writer>-<unique>.payload`.
pub(crate) const PAYLOAD_SUFFIX: &str = ".payload";
/// The approximate running total of bytes, at the root.
pub(crate) const USAGE_FILE: &str = ".usage.json";
/// Largest metadata file the store reads. A real one is well under 1 KiB
/// (its longest fields are a 128-character run id and the payload file name
/// built from it); anything larger is corrupt and is never read.
pub const MAX_META_BYTES: u64 = 64 * 1024;
/// Longest run id accepted.
pub(crate) const MAX_RUN_ID_LEN: usize = 128;

/// What a name in a key directory is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FileRole {
    /// The metadata of a slot.
    Meta { run_id: String },
    /// One write's payload.
    Payload { writer: Option<Writer> },
    /// A temporary file of a write or removal in progress.
    Tmp { writer: Option<Writer> },
    /// Anything else: left alone.
    Unknown,
}

/// Whether `run_id` is a safe slot name.
pub(crate) fn valid_run_id(run_id: &str) -> bool {
    !run_id.is_empty()
        && run_id.len() <= MAX_RUN_ID_LEN
        && run_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Whether a directory name under the root is a key (64 lowercase hex characters).
pub(crate) fn is_key_dir_name(name: &str) -> bool {
    name.len() == 64 && name.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

pub(crate) fn meta_name(run_id: &str) -> String {
    format!("{run_id}{META_SUFFIX}")
}

pub(crate) fn payload_name(run_id: &str, unique: &str) -> String {
    format!("{run_id}.{unique}{PAYLOAD_SUFFIX}")
}

pub(crate) fn tmp_name(unique: &str, what: &str) -> String {
    format!("{TMP_PREFIX}{unique}.{what}")
}

/// Classifies a file name found in a key directory.
pub(crate) fn classify(name: &str) -> FileRole {
    if let Some(rest) = name.strip_prefix(TMP_PREFIX) {
        let unique = rest.split('.').next().unwrap_or("");
        return FileRole::Tmp {
            writer: writer_of_suffix(unique),
        };
    }
    if name.starts_with('.') {
        return FileRole::Unknown;
    }
    if let Some(run_id) = name.strip_suffix(META_SUFFIX) {
        if valid_run_id(run_id) {
            return FileRole::Meta {
                run_id: run_id.to_owned(),
            };
        }
        return FileRole::Unknown;
    }
    if let Some(stem) = name.strip_suffix(PAYLOAD_SUFFIX)
        && let Some((run_id, unique)) = stem.split_once('.')
        && valid_run_id(run_id)
        && valid_run_id(unique)
    {
        return FileRole::Payload {
            writer: writer_of_suffix(unique),
        };
    }
    FileRole::Unknown
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fsutil::unique_suffix;

    #[test]
    fn names_round_trip_through_classify() {
        let u = unique_suffix();
        assert_eq!(classify(&meta_name("run-1")), FileRole::Meta { run_id: "run-1".into() });
        assert_eq!(
            classify(&payload_name("run-1", &u)),
            FileRole::Payload {
                writer: Some(Writer::current())
            }
        );
        assert_eq!(
            classify(&tmp_name(&u, "meta")),
            FileRole::Tmp {
                writer: Some(Writer::current())
            }
        );
        assert_eq!(classify("notes.txt"), FileRole::Unknown);
        assert_eq!(classify(".hidden"), FileRole::Unknown);
        assert_eq!(classify("../x.meta.json"), FileRole::Unknown);
    }

    #[test]
    fn rule28_key_dir_names_are_exactly_64_hex() {
        assert!(is_key_dir_name(&"a".repeat(64)));
        // Keys are written in lowercase; other spellings are not the store's.
        assert!(!is_key_dir_name(&"A".repeat(64)));
        assert!(!is_key_dir_name(&"a".repeat(63)));
        assert!(!is_key_dir_name(&"g".repeat(64)));
        assert!(!is_key_dir_name("tmp"));
    }

    #[test]
    fn run_ids_are_restricted() {
        assert!(valid_run_id("abc-DEF_123"));
        assert!(!valid_run_id(""));
        assert!(!valid_run_id("a/b"));
        assert!(!valid_run_id("a.b"));
        assert!(!valid_run_id(&"x".repeat(MAX_RUN_ID_LEN + 1)));
    }
}
