//! Any bytes → the CSV reader: never a panic, and a frame that is read is
//! consistent. The first byte picks the variant: the bytes as a plain file,
//! gzip-compressed, or taken as a gzip stream as they are; factor options
//! naming the header's columns; the parallel first pass in small chunks,
//! which must agree with the sequential one.
#![no_main]

use std::io::Write;
use std::path::Path;

use flate2::Compression;
use flate2::write::GzEncoder;
use gam::GamError;
use gam::expert::data::{DataFrame, ReadOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, body)) = data.split_first() else {
        return;
    };
    let plain = DataFrame::from_csv_bytes(Path::new("fuzz.csv"), body, &ReadOptions::default());
    if let Ok(frame) = &plain {
        check(frame);
    }
    match mode % 4 {
        // The same text gzipped reads the same (unless it is itself gzip:
        // only the file's own first bytes select decompression).
        0 if !body.starts_with(&[0x1f, 0x8b]) => {
            let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
            enc.write_all(body).unwrap();
            let gz = enc.finish().unwrap();
            let read = DataFrame::from_csv_bytes(Path::new("fuzz.csv.gz"), &gz, &ReadOptions::default());
            assert_eq!(outcome(&plain), outcome(&read).replace("fuzz.csv.gz", "fuzz.csv"));
        }
        // The bytes themselves as a gzip stream: errors only.
        1 => {
            if let Ok(frame) = DataFrame::from_csv_bytes(Path::new("fuzz.csv.gz"), body, &ReadOptions::default()) {
                check(&frame);
            }
        }
        // Every other column (by the header) read as a factor.
        2 => {
            if let Ok(frame) = &plain {
                let factors: Vec<String> = frame.names().iter().step_by(2).cloned().collect();
                let options = ReadOptions { factors };
                let forced = DataFrame::from_csv_bytes(Path::new("fuzz.csv"), body, &options).unwrap();
                check(&forced);
                for f in &options.factors {
                    assert!(forced.column(f).unwrap().is_factor());
                }
                assert_eq!(forced.nrows(), frame.nrows());
            }
        }
        // Parallel chunks of a few bytes agree with the sequential pass.
        3 => {
            if let Ok(text) = std::str::from_utf8(body) {
                let chunk = usize::from(mode / 4) % 64 + 1;
                let [seq, par] = gam::expert::data::parse_both_ways(text, &ReadOptions::default(), chunk);
                assert_eq!(outcome(&seq), outcome(&par), "chunks of {chunk} bytes");
            }
        }
        _ => {}
    }
});

/// The frame or the error, comparable (NaN equal to NaN, as text).
fn outcome(r: &Result<DataFrame, GamError>) -> String {
    match r {
        Ok(frame) => format!("{frame:?}"),
        Err(e) => format!("error: {e}"),
    }
}

/// What every frame read must satisfy.
fn check(frame: &DataFrame) {
    assert!(frame.nrows() > 0, "a frame without rows is an error");
    assert_eq!(frame.names().len(), frame.ncols());
    let mut names: Vec<&String> = frame.names().iter().collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), frame.ncols(), "duplicate names");
    for (name, col) in frame.columns() {
        assert!(!name.is_empty());
        assert_eq!(col.len(), frame.nrows());
        if let Some(f) = col.as_factor() {
            assert!(f.codes.iter().flatten().all(|&c| (c as usize) < f.n_levels()));
        }
    }
    let all: Vec<&str> = frame.names().iter().map(String::as_str).collect();
    let (complete, dropped) = frame.drop_missing(&all);
    assert_eq!(complete.nrows() + dropped, frame.nrows());
}
