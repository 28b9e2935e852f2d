//! Hostile and unlucky files: very wide headers, gzip bombs, a file that
//! changes on disk, a stray word in a numeric column.

use std::io::Write;
use std::time::{Duration, Instant};

use flate2::Compression;
use flate2::write::GzEncoder;
use tempfile::TempDir;

use super::*;
use crate::error::GamError;

/// Columns in the wide-header test: 2·10⁵ took about a minute with the
/// quadratic duplicate-name checks, and takes well under a second now.
const WIDE_COLUMNS: usize = 200_000;

/// Generous bound on reading [`WIDE_COLUMNS`] columns (two cores shared with
/// other work); the quadratic reader needed several times this.
const WIDE_READ_BOUND: Duration = Duration::from_secs(15);

#[test]
fn a_very_wide_header_reads_in_linear_time() {
    let names: Vec<String> = (0..WIDE_COLUMNS).map(|j| format!("c{j}")).collect();
    let row: Vec<&str> = (0..WIDE_COLUMNS)
        .map(|j| if j % 2 == 0 { "1.5" } else { "2" })
        .collect();
    let text = format!("{}\n{}\n{}\n", names.join(","), row.join(","), row.join(","));
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("wide.csv");
    std::fs::write(&path, &text).unwrap();
    let forced = ReadOptions {
        factors: names.iter().step_by(1000).cloned().collect(),
    };
    let started = Instant::now();
    let df = DataFrame::read_csv_with(&path, &forced).unwrap();
    let took = started.elapsed();
    assert_eq!((df.ncols(), df.nrows()), (WIDE_COLUMNS, 2));
    assert!(df.column("c1000").unwrap().is_factor());
    assert!(took < WIDE_READ_BOUND, "{WIDE_COLUMNS} columns took {took:?}");
    // A duplicate far to the right is still found, naming both columns.
    let dup = format!("{},c17\n{},1\n", names.join(","), row.join(","));
    std::fs::write(&path, dup).unwrap();
    let err = DataFrame::read_csv(&path).unwrap_err().to_string();
    assert!(
        err.contains(&format!(
            "duplicate column name 'c17' (columns 18 and {})",
            WIDE_COLUMNS + 1
        )),
        "{err}"
    );
}

/// Gzip members of one MiB of the same line each, concatenated: a small file
/// that decompresses to `mib` MiB.
fn gzip_bomb(mib: usize) -> Vec<u8> {
    let line = b"1,2,3,4,5,6,7\n";
    let block: Vec<u8> = line
        .iter()
        .copied()
        .cycle()
        .take(line.len() * ((1 << 20) / line.len()))
        .collect();
    let mut enc = GzEncoder::new(Vec::new(), Compression::best());
    enc.write_all(&block).unwrap();
    let member = enc.finish().unwrap();
    let mut out = GzEncoder::new(Vec::new(), Compression::best());
    out.write_all(b"a,b,c,d,e,f,g\n").unwrap();
    let mut bomb = out.finish().unwrap();
    for _ in 0..mib {
        bomb.extend_from_slice(&member);
    }
    bomb
}

#[test]
fn decompression_limit_is_a_ratio_with_a_floor_and_a_ceiling() {
    assert_eq!(decompressed_limit(0), MIN_DECOMPRESSED_LIMIT);
    assert_eq!(decompressed_limit(1000), MIN_DECOMPRESSED_LIMIT);
    assert_eq!(decompressed_limit(10 << 20), (10 << 20) * MAX_GZIP_RATIO);
    assert_eq!(decompressed_limit(usize::MAX), MAX_DECOMPRESSED_BYTES);
}

#[test]
fn a_gzip_bomb_is_refused_with_one_line_naming_the_file() {
    // Past the floor: 300 MiB of text from about 300 KB of gzip.
    let mib = (MIN_DECOMPRESSED_LIMIT >> 20) as usize + 44;
    let bomb = gzip_bomb(mib);
    assert!((bomb.len() as u64) * MAX_GZIP_RATIO < MIN_DECOMPRESSED_LIMIT);
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("bomb.csv.gz");
    std::fs::write(&path, &bomb).unwrap();
    let err = DataFrame::read_csv(&path).unwrap_err();
    let GamError::Io { source, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(source.kind(), std::io::ErrorKind::FileTooLarge);
    let shown = err.to_string();
    assert!(shown.starts_with(&path.display().to_string()), "{shown}");
    assert!(
        shown.contains("gzip bomb") && shown.contains("decompress the file"),
        "{shown}"
    );
    assert_eq!(shown.lines().count(), 1, "{shown}");
    // Just under the limit, the same stream is read.
    let small = gzip_bomb(2);
    let df = DataFrame::from_csv_bytes(&path, &small, &ReadOptions::default()).unwrap();
    assert_eq!(df.nrows(), 2 * ((1 << 20) / 14));
}

#[test]
fn bytes_already_read_are_parsed_without_reading_the_file_again() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("d.csv");
    std::fs::write(&path, "y,x\n1,2\n3,4\n").unwrap();
    let from_file = DataFrame::read_csv(&path).unwrap();
    let raw = std::fs::read(&path).unwrap();
    // The file changes (or vanishes) after it was read: the bytes count.
    std::fs::write(&path, "y,x\n9,9\n").unwrap();
    assert_eq!(
        DataFrame::from_csv_bytes(&path, &raw, &ReadOptions::default()).unwrap(),
        from_file
    );
    std::fs::remove_file(&path).unwrap();
    assert_eq!(
        DataFrame::from_csv_bytes(&path, &raw, &ReadOptions::default()).unwrap(),
        from_file
    );
    // The name still selects gzip and appears in errors.
    let gz_path = dir.path().join("d.csv.gz");
    let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
    enc.write_all(&raw).unwrap();
    let gz = enc.finish().unwrap();
    assert_eq!(
        DataFrame::from_csv_bytes(&gz_path, &gz, &ReadOptions::default()).unwrap(),
        from_file
    );
    let err = DataFrame::from_csv_bytes(&gz_path, &raw, &ReadOptions::default()).unwrap_err();
    assert!(err.to_string().starts_with(&gz_path.display().to_string()), "{err}");
}

/// 60 data rows of numeric `x` and `y`, with `x` at 1-based data row 57 set to `bad`.
fn with_bad_x(bad: &str) -> DataFrame {
    let mut text = String::from("y,x\n");
    for i in 1..=60 {
        let x = if i == 57 {
            bad.to_string()
        } else {
            format!("{}", i as f64 / 7.0)
        };
        text.push_str(&format!("{i},{x}\n"));
    }
    DataFrame::from_csv_bytes(Path::new("d.csv"), text.as_bytes(), &ReadOptions::default()).unwrap()
}

#[test]
fn a_word_in_a_numeric_column_is_named_with_its_row() {
    let df = with_bad_x("abc");
    let err = df.non_number_error("x", "s(x)", "").unwrap().to_string();
    assert!(
        err.starts_with("column 'x', row 57: 'abc' is not a number, so the column was read as a factor, but s(x) needs a numeric column"),
        "{err}"
    );
    // Rows keep their file numbers through row selection.
    let later: Vec<usize> = (40..60).collect();
    let err = df
        .select_rows(&later)
        .non_number_error("x", "s(x)", "")
        .unwrap()
        .to_string();
    assert!(err.contains("row 57: 'abc'"), "{err}");
    // A long or multi-line value is shown short and on one line.
    let long = format!("\"{}\nmore\"", "w".repeat(500));
    let err = with_bad_x(&long)
        .non_number_error("x", "the response", "")
        .unwrap()
        .to_string();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains(&format!("'{}...'", "w".repeat(MAX_SHOWN_VALUE_CHARS))),
        "{err}"
    );
    // Numeric columns, absent columns, and factors of numbers have no such row.
    assert!(df.non_number_error("y", "the response", "").is_none());
    assert!(df.non_number_error("nope", "the response", "").is_none());
    let quoted = DataFrame::from_csv_bytes(Path::new("q.csv"), b"x\n\"1\"\n\"2\"\n", &ReadOptions::default()).unwrap();
    assert!(quoted.column("x").unwrap().is_factor());
    assert!(quoted.non_number_error("x", "s(x)", "").is_none());
}
