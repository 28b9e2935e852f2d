use std::io::Write;
use std::path::PathBuf;

use flate2::Compression;
use flate2::write::GzEncoder;
use tempfile::TempDir;

use super::*;

fn write(dir: &TempDir, name: &str, content: &[u8]) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, content).unwrap();
    path
}

fn gzip(content: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(content).unwrap();
    enc.finish().unwrap()
}

fn read_str(content: &str) -> Result<DataFrame> {
    let dir = TempDir::new().unwrap();
    DataFrame::read_csv(&write(&dir, "d.csv", content.as_bytes()))
}

fn num<'a>(df: &'a DataFrame, name: &str) -> &'a [f64] {
    df.column(name).unwrap().as_numeric().unwrap()
}

fn fac<'a>(df: &'a DataFrame, name: &str) -> &'a FactorColumn {
    df.column(name).unwrap().as_factor().unwrap()
}

fn csv_error(content: &str) -> (u64, String) {
    match read_str(content) {
        Err(GamError::Csv { line, message, .. }) => (line, message),
        other => panic!("expected a CSV error, got {other:?}"),
    }
}

#[test]
fn infers_numeric_and_factor_columns() {
    let df = read_str("x,g,z\n1.5,a,3\n-2,b,1e3\nInf,a,-Inf\n").unwrap();
    assert_eq!(df.names(), ["x", "g", "z"]);
    assert_eq!(df.nrows(), 3);
    assert_eq!(df.ncols(), 3);
    assert_eq!(num(&df, "x"), [1.5, -2.0, f64::INFINITY]);
    assert_eq!(num(&df, "z"), [3.0, 1000.0, f64::NEG_INFINITY]);
    let g = fac(&df, "g");
    assert_eq!(g.levels, ["a", "b"]);
    assert_eq!(g.codes, [Some(0), Some(1), Some(0)]);
    assert_eq!(g.level_of(1), Some("b"));
    assert_eq!(g.level_counts(), [2, 1]);
    assert!(df.column("nope").is_none());
}

#[test]
fn all_quoted_numbers_make_a_factor_but_any_unquoted_number_keeps_it_numeric() {
    // write.csv quotes factors: District "1".."4" is a factor; "10" sorts after "2".
    let df = read_str("District,y,w\n\"2\",1,\"3\"\n\"10\",2,4\n\"1\",3,\"5\"\nNA,4,NA\n").unwrap();
    let d = fac(&df, "District");
    assert_eq!(d.levels, ["1", "2", "10"]);
    assert_eq!(d.codes, [Some(1), Some(2), Some(0), None]);
    assert_eq!(num(&df, "w")[..3], [3.0, 4.0, 5.0]);
    assert!(num(&df, "w")[3].is_nan());
}

#[test]
fn missing_values_are_na_empty_and_nan_in_numeric_columns() {
    let df = read_str("x,g\n1,a\nNA,NA\n,\n NaN ,NaN\n\"NA\",\"\"\n").unwrap();
    let x = num(&df, "x");
    assert_eq!(x[0], 1.0);
    assert!(x[1..].iter().all(|v| v.is_nan()));
    let g = fac(&df, "g");
    // In a factor column, NaN is an ordinary level.
    assert_eq!(g.levels, ["NaN", "a"]);
    assert_eq!(g.codes, [Some(1), None, None, Some(0), None]);
    assert!(df.column("x").unwrap().is_missing(2));
    assert!(!df.column("g").unwrap().is_missing(3));
    assert_eq!(df.column("g").unwrap().missing_count(), 3);
}

#[test]
fn an_all_missing_column_is_numeric() {
    let df = read_str("x,y\nNA,1\n,2\n").unwrap();
    assert!(df.column("x").unwrap().is_numeric());
}

#[test]
fn levels_sort_by_bytes_unless_all_numeric() {
    let df = read_str("g,h,y\nb,10,1\nB,9,2\na,-1.5,3\n\u{e9},9,4\n").unwrap();
    assert_eq!(fac(&df, "g").levels, ["B", "a", "b", "\u{e9}"]);
    // h is numeric, but forced to a factor it sorts numerically.
    let dir = TempDir::new().unwrap();
    let path = write(&dir, "d.csv", b"g,h,y\nb,10,1\nB,9,2\na,-1.5,3\n");
    let opts = ReadOptions {
        factors: vec!["h".to_string(), "y".to_string()],
    };
    let df = DataFrame::read_csv_with(&path, &opts).unwrap();
    assert_eq!(fac(&df, "h").levels, ["-1.5", "9", "10"]);
    assert_eq!(fac(&df, "y").levels, ["1", "2", "3"]);
    let mut levels = vec!["10".to_string(), "9".to_string(), "09".to_string()];
    sort_levels(&mut levels);
    assert_eq!(levels, ["09", "9", "10"]);
}

#[test]
fn unknown_forced_factor_is_an_error() {
    let dir = TempDir::new().unwrap();
    let path = write(&dir, "d.csv", b"x,y\n1,2\n");
    let opts = ReadOptions {
        factors: vec!["z".to_string()],
    };
    match DataFrame::read_csv_with(&path, &opts) {
        Err(GamError::UnknownColumn { column, available }) => {
            assert_eq!(column, "z");
            assert_eq!(available, ["x", "y"]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn quoted_fields_crlf_bom_and_blank_lines() {
    let df = read_str("\u{feff}\"name\",\"x\"\r\n\"a, b\",1\r\n\r\n\"say \"\"hi\"\"\",2\r\n").unwrap();
    assert_eq!(df.names(), ["name", "x"]);
    assert_eq!(fac(&df, "name").levels, ["a, b", "say \"hi\""]);
    assert_eq!(num(&df, "x"), [1.0, 2.0]);
}

#[test]
fn reads_gzip_by_extension_and_by_magic_bytes() {
    let dir = TempDir::new().unwrap();
    let content = b"x,g\n1,a\n2,b\n";
    for name in ["d.csv.gz", "disguised.csv"] {
        let df = DataFrame::read_csv(&write(&dir, name, &gzip(content))).unwrap();
        assert_eq!(num(&df, "x"), [1.0, 2.0]);
        assert_eq!(fac(&df, "g").levels, ["a", "b"]);
    }
    // A .gz name on a file that is not gzip is an I/O error, not a panic.
    let err = DataFrame::read_csv(&write(&dir, "bad.csv.gz", content)).unwrap_err();
    assert!(matches!(err, GamError::Io { .. }), "{err:?}");
    assert!(err.to_string().contains("bad.csv.gz"));
}

#[test]
fn ragged_rows_name_their_line() {
    let (line, message) = csv_error("a,b,c,d,e\n1,2,3,4,5\n1,2,3,4\n");
    assert_eq!(line, 3);
    assert_eq!(message, "4 fields, but the header has 5");
    // Blank lines and newlines inside quotes count as lines of the file.
    let (line, _) = csv_error("a,b\n\n\"x\ny\",1\n1,2,3\n");
    assert_eq!(line, 5);
    let err = read_str("a,b\n1\n").unwrap_err().to_string();
    assert!(err.contains("d.csv: line 2: 1 fields, but the header has 2"), "{err}");
}

#[test]
fn empty_file_and_header_only_are_errors() {
    for content in ["", "\n\n  \n", "a,b\n", "a,b\n\n"] {
        match read_str(content) {
            Err(GamError::EmptyData { path, message }) => {
                assert!(path.ends_with("d.csv"));
                if content.starts_with('a') {
                    assert_eq!(message, "no data rows (only a header)");
                } else {
                    assert!(message.contains("empty file"), "{message}");
                }
            }
            other => panic!("{content:?}: {other:?}"),
        }
    }
}

#[test]
fn bad_header_names_are_errors() {
    let (line, message) = csv_error("\n\na,b,a\n1,2,3\n");
    assert_eq!(line, 3);
    assert_eq!(message, "duplicate column name 'a' (columns 1 and 3)");
    let (line, message) = csv_error("a,,c\n1,2,3\n");
    assert_eq!(line, 1);
    assert_eq!(message, "column 2 of the header has an empty name");
    let (_, message) = csv_error("\"\",x\n\"1\",2\n");
    assert!(message.contains("row.names = FALSE"), "{message}");
}

#[test]
fn invalid_utf8_names_its_line() {
    let dir = TempDir::new().unwrap();
    let path = write(&dir, "d.csv", b"x,g\n1,a\n2,\xff\xfe\n");
    match DataFrame::read_csv(&path) {
        Err(GamError::Csv { line, message, .. }) => {
            assert_eq!(line, 3);
            assert!(message.contains("invalid UTF-8"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn unterminated_quote_names_its_line() {
    let (line, message) = csv_error("x,g\n1,a\n2,\"open\n3,b\n");
    assert_eq!(line, 3);
    assert!(message.contains("never closed"), "{message}");
}

#[test]
fn unreadable_files_are_io_errors() {
    let dir = TempDir::new().unwrap();
    for path in [dir.path().join("missing.csv"), dir.path().to_path_buf()] {
        let err = DataFrame::read_csv(&path).unwrap_err();
        assert!(matches!(err, GamError::Io { .. }), "{err:?}");
    }
}

#[test]
fn never_panics_on_arbitrary_bytes() {
    let alphabet: &[u8] = b",\"\n\r 1a.-eNA\xff\xc3\xa9\x1f\x8b";
    let dir = TempDir::new().unwrap();
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for case in 0..300 {
        let len = case % 40;
        let content: Vec<u8> = (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                alphabet[(state % alphabet.len() as u64) as usize]
            })
            .collect();
        let path = write(&dir, "f.csv", &content);
        let _ = DataFrame::read_csv(&path);
        let _ = DataFrame::read_csv(&write(&dir, "f.csv.gz", &gzip(&content)));
    }
}

#[test]
fn drop_missing_keeps_order_and_original_rows() {
    let df = read_str("y,x,g,unused\n1,1,a,NA\nNA,2,b,1\n3,3,,1\n4,4,b,NA\n5,NA,a,1\n").unwrap();
    let (kept, dropped) = df.drop_missing(&["y", "x", "g"]);
    assert_eq!(dropped, 3);
    assert_eq!(kept.nrows(), 2);
    assert_eq!(num(&kept, "y"), [1.0, 4.0]);
    assert_eq!(kept.original_rows(), [0, 3]);
    assert_eq!(kept.original_row(1), 3);
    // Unused columns keep their missing values; the factor keeps all levels.
    assert!(kept.column("unused").unwrap().is_missing(0));
    assert_eq!(fac(&kept, "g").levels, ["a", "b"]);
    let (same, none) = df.drop_missing(&["unused_not_a_column"]);
    assert_eq!((same.nrows(), none), (5, 0));
    // Selecting from a selection still reports file rows.
    assert_eq!(kept.select_rows(&[1, 1, 0]).original_rows(), [3, 3, 0]);
}

#[test]
fn recodes_new_data_against_training_levels() {
    let train = read_str("g,d,y\nb,\"2\",1\na,\"1\",2\nc,\"10\",3\n").unwrap();
    let g_levels = &fac(&train, "g").levels;
    let d_levels = &fac(&train, "d").levels;
    assert_eq!(d_levels, &["1", "2", "10"]);
    // New data: a subset of levels in another order; d written as plain numbers.
    let new = read_str("g,d\nc,10\nNA,2.0\na,1\n").unwrap();
    let g = new.factor_with_levels("g", g_levels).unwrap();
    assert_eq!(g.levels, *g_levels);
    assert_eq!(g.codes, [Some(2), None, Some(0)]);
    let d = new.factor_with_levels("d", d_levels).unwrap();
    assert_eq!(d.codes, [Some(2), Some(1), Some(0)]);
    // A factor spelled differently but numerically equal matches.
    let f = FactorColumn::from_values([Some("2.0"), None]);
    assert_eq!(
        Column::Factor(f).recode_to_levels("d", d_levels).unwrap().codes,
        [Some(1), None]
    );
}

#[test]
fn unknown_level_names_column_row_level_and_known_levels() {
    let new = read_str("g,d\na,1\nb,2\nz,7\n").unwrap();
    let (kept, _) = new.select_rows(&[2]).drop_missing(&["g"]);
    let levels = vec!["a".to_string(), "b".to_string()];
    let err = kept.factor_with_levels("g", &levels).unwrap_err();
    assert_eq!(
        err.to_string(),
        "column 'g', row 3: level 'z' was not in the training data (known levels: a, b)"
    );
    let err = new
        .factor_with_levels("d", &["1".to_string(), "2".to_string()])
        .unwrap_err();
    assert!(err.to_string().contains("row 3: level '7'"), "{err}");
    assert!(matches!(
        new.factor_with_levels("q", &levels),
        Err(GamError::UnknownColumn { .. })
    ));
}

#[test]
fn numeric_columns_become_factors_on_request() {
    let mut df = DataFrame::new(vec![
        (
            "x".to_string(),
            Column::Numeric(vec![2.0, 10.0, f64::NAN, 2.5, -0.0, 0.0]),
        ),
        (
            "g".to_string(),
            Column::Factor(FactorColumn::from_values([Some("q"); 6])),
        ),
    ])
    .unwrap();
    df.make_factor("x").unwrap();
    df.make_factor("g").unwrap();
    let x = fac(&df, "x");
    assert_eq!(x.levels, ["0", "2", "2.5", "10"]);
    assert_eq!(x.codes, [Some(1), Some(3), None, Some(2), Some(0), Some(0)]);
    assert_eq!(fac(&df, "g").levels, ["q"]);
    assert!(matches!(df.make_factor("nope"), Err(GamError::UnknownColumn { .. })));
    assert!(matches!(df.require_column("nope"), Err(GamError::UnknownColumn { .. })));
    assert_eq!(
        df.columns().map(|(n, c)| (n, c.type_name())).collect::<Vec<_>>(),
        [("x", "factor"), ("g", "factor")]
    );
}

#[test]
fn constructor_checks_names_and_lengths() {
    let col = |n: usize| Column::Numeric(vec![0.0; n]);
    assert!(DataFrame::new(vec![]).unwrap().nrows() == 0);
    for bad in [
        vec![("a".to_string(), col(2)), ("b".to_string(), col(3))],
        vec![("a".to_string(), col(2)), ("a".to_string(), col(2))],
        vec![(String::new(), col(2))],
    ] {
        assert!(matches!(DataFrame::new(bad), Err(GamError::Data { .. })));
    }
}

#[test]
fn a_large_gzip_file_loads() {
    let mut content = String::from("y,x,g,d\n");
    for i in 0..100_000 {
        content.push_str(&format!(
            "{},{},{},\"{}\"\n",
            i % 7,
            i as f64 * 0.001,
            ["a", "b", "c"][i % 3],
            i % 4
        ));
    }
    let dir = TempDir::new().unwrap();
    let path = write(&dir, "big.csv.gz", &gzip(content.as_bytes()));
    let df = DataFrame::read_csv(&path).unwrap();
    assert_eq!(df.nrows(), 100_000);
    assert_eq!(fac(&df, "d").levels, ["0", "1", "2", "3"]);
    assert!(df.column("x").unwrap().is_numeric());
}
