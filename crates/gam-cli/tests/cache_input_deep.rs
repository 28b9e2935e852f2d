//! The input key of `gam fit` (the content hash of the data file, which lets an
//! unchanged file be answered without parsing it) covers every byte of a file
//! larger than one hashed leaf (1 MiB): one byte changed deep in the file,
//! beyond the first leaf, is a miss, and the same bytes again are a hit.
//!
//! Which key answered is seen in the cache directory: a fit whose input key
//! missed records an alias under its new input key (one more key directory),
//! even when the parsed data, and so the exact key, are the same.

mod common;

use std::ffi::OsStr;
use std::path::Path;

use common::fit::FitRun;
use common::{Run, gam_in};
use tempfile::TempDir;

const FORMULA: &str = "y ~ s(x)";

/// Rows of the data file: about 1.3 MB, so two 1 MiB leaves.
const ROWS: usize = 60_000;

/// The row written in exponent notation (`…e0`), in the second leaf.
const DEEP_ROW: usize = 50_000;

/// The data file's text, its deep row's y written with exponent letter `e`
/// (`E` parses to the same number), and that y's first digit replaced by `digit`.
fn data(e: char, digit: Option<char>) -> String {
    let mut s = String::from("x,y\n");
    for i in 0..ROWS {
        let x = (i as f64 + 0.5) / ROWS as f64;
        let noise = ((i * 7919) % 13) as f64 / 130.0;
        let y = (2.0 * std::f64::consts::PI * x).sin() + noise;
        if i == DEEP_ROW {
            let mut text = format!("{:.6}{e}0", 1.0 + y.abs());
            if let Some(d) = digit {
                text.replace_range(0..1, &d.to_string());
            }
            s.push_str(&format!("{x:.8},{text}\n"));
        } else {
            s.push_str(&format!("{x:.8},{y:.8}\n"));
        }
    }
    s
}

/// The key directories of the cache in `dir`.
fn keys(dir: &Path) -> usize {
    std::fs::read_dir(dir.join(".gam-cache"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()) && e.file_name().len() == 64)
        .count()
}

fn fit(dir: &Path, file: &Path) -> Run {
    let run = gam_in(dir, [OsStr::new("fit"), file.as_os_str(), OsStr::new(FORMULA)]);
    run.assert_ok();
    run
}

#[test]
fn one_byte_changed_beyond_the_first_leaf_is_a_miss_and_the_same_bytes_a_hit() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let file = d.join("data.csv");
    let original = data('e', None);
    let at = original.find("e0\n").unwrap();
    assert!(at > 1 << 20, "the changed byte ({at}) lies beyond the first leaf");

    std::fs::write(&file, &original).unwrap();
    let cold = fit(d, &file);
    assert_eq!(cold.stderr, "cache: cold start\n", "{cold:?}");
    let after_cold = keys(d);
    let hit = fit(d, &file);
    assert_eq!(hit.stderr, "cache: exact hit\n", "{hit:?}");
    assert_eq!(hit.stdout, cold.stdout);
    assert_eq!(keys(d), after_cold, "a hit by the input key writes no new key");

    // `e` to `E`: one byte, the same numbers. The input key misses (a new
    // alias is recorded); the parsed data's exact key answers.
    let upper = data('E', None);
    assert_eq!(upper.len(), original.len());
    assert_eq!(original.bytes().zip(upper.bytes()).filter(|(a, b)| a != b).count(), 1);
    std::fs::write(&file, &upper).unwrap();
    let same_data = fit(d, &file);
    assert_eq!(same_data.stderr, "cache: exact hit\n", "{same_data:?}");
    assert_eq!(same_data.stdout, cold.stdout);
    assert_eq!(keys(d), after_cold + 1, "the changed byte must give another input key");

    // A digit of that row changed: other data, so no exact hit at all.
    let original_digit = original.as_bytes()[at - 8] as char;
    let other = if original_digit == '1' { '2' } else { '1' };
    let changed = data('e', Some(other));
    assert_eq!(original.bytes().zip(changed.bytes()).filter(|(a, b)| a != b).count(), 1);
    std::fs::write(&file, &changed).unwrap();
    let miss = fit(d, &file);
    assert_ne!(miss.stderr, "cache: exact hit\n", "{miss:?}");
    assert_ne!(miss.stdout, cold.stdout);

    // The original bytes again: a hit by their input key, no new key.
    std::fs::write(&file, &original).unwrap();
    let keys_before = keys(d);
    let again = fit(d, &file);
    assert_eq!(again.stderr, "cache: exact hit\n", "{again:?}");
    assert_eq!(again.stdout, cold.stdout);
    assert_eq!(keys(d), keys_before);
}
