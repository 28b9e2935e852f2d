//! Reading a CSV file (plain or gzip-compressed) into a [`DataFrame`].

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use flate2::read::MultiGzDecoder;

use super::DataFrame;
use super::column::{Column, LevelInterner, parse_number};
use super::tokenizer::{Record, Tokenizer};
use crate::error::{GamError, Result};

/// How to read a CSV file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// Columns to read as factors whatever their content (e.g. a numeric
    /// district code). Naming a column the file does not have is an error.
    pub factors: Vec<String>,
}

/// What the first pass learned about a column.
enum Pending {
    /// Every non-missing value so far is a number.
    Numeric {
        values: Vec<f64>,
        /// Some non-missing value was not quoted.
        any_unquoted: bool,
    },
    /// Read as a factor in the second pass.
    Factor {
        interner: LevelInterner,
        codes: Vec<Option<u32>>,
    },
}

impl Pending {
    fn factor() -> Pending {
        Pending::Factor {
            interner: LevelInterner::default(),
            codes: Vec::new(),
        }
    }
}

/// Whether a field marks a missing value in any column: empty or `NA`,
/// after trimming ASCII white space. (In numeric columns `NaN` is missing too,
/// because it parses to NaN; in a factor column it is an ordinary level.)
fn is_na(field: &str) -> bool {
    let t = field.trim_ascii();
    t.is_empty() || t == "NA"
}

/// Reads `path` with [`ReadOptions::default`]; see [`read_csv_with`].
pub fn read_csv(path: &Path) -> Result<DataFrame> {
    read_csv_with(path, &ReadOptions::default())
}

/// Reads a CSV file with a header row into typed columns.
///
/// - The file is gunzipped when its name ends in `.gz` or it starts with the
///   gzip magic bytes, up to [`decompressed_limit`] bytes of text.
/// - Missing values: empty fields and `NA` (also when quoted, as in R), and
///   in numeric columns `NaN`.
/// - A column is numeric when every non-missing value is a number and at
///   least one of them was not quoted; otherwise (or when listed in
///   [`ReadOptions::factors`]) it is a factor, with levels sorted numerically
///   when all are numbers, else by bytes.
/// - Errors name the file and line: ragged rows, no data rows, empty or
///   duplicate column names, invalid UTF-8, unterminated quotes.
/// - Time and memory are linear in the size of the file, whatever its shape
///   (many rows or many columns).
pub fn read_csv_with(path: &Path, options: &ReadOptions) -> Result<DataFrame> {
    let raw = std::fs::read(path).map_err(|source| GamError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    read_csv_bytes(path, &raw, options)
}

/// [`read_csv_with`] on the bytes of a file already read: `raw` is what
/// `path` held, and `path` serves only for messages and for its `.gz`
/// extension. For callers that use the bytes for something else too (a
/// cache key is a hash of them), so that both uses see the same version of
/// a file that may change on disk.
pub fn read_csv_bytes(path: &Path, raw: &[u8], options: &ReadOptions) -> Result<DataFrame> {
    let gz_name = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("gz"));
    let decompressed;
    let bytes = if gz_name || raw.starts_with(&[0x1f, 0x8b]) {
        decompressed = gunzip(path, raw, decompressed_limit(raw.len()))?;
        decompressed.as_slice()
    } else {
        raw
    };
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        GamError::Csv {
            path: path.to_path_buf(),
            line: 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count() as u64,
            message: format!("invalid UTF-8 at byte {at}; save the file as UTF-8"),
        }
    })?;
    parse_csv(path, text, options, Chunking::DEFAULT)
}

/// A gzip file may decompress to this many times its own size. CSV text
/// compresses 2 to 10 times (the benchmark data: 2.2); a gzip bomb, about
/// 1000 times.
pub const MAX_GZIP_RATIO: u64 = 100;

/// Any gzip file may decompress to this much, whatever its ratio, so that
/// small, very repetitive files are never refused.
pub const MIN_DECOMPRESSED_LIMIT: u64 = 256 << 20;

/// No gzip file is decompressed beyond this, whatever its size: the text and
/// the columns parsed from it would not fit in memory anyway.
pub const MAX_DECOMPRESSED_BYTES: u64 = 16 << 30;

/// How many bytes a gzip file of `compressed` bytes may decompress to:
/// [`MAX_GZIP_RATIO`] times its size, at least [`MIN_DECOMPRESSED_LIMIT`],
/// at most [`MAX_DECOMPRESSED_BYTES`].
pub fn decompressed_limit(compressed: usize) -> u64 {
    (compressed as u64)
        .saturating_mul(MAX_GZIP_RATIO)
        .clamp(MIN_DECOMPRESSED_LIMIT, MAX_DECOMPRESSED_BYTES)
}

/// Decompresses the gzip members in `raw`, refusing to go past `limit` bytes.
fn gunzip(path: &Path, raw: &[u8], limit: u64) -> Result<Vec<u8>> {
    let io_err = |source| GamError::Io {
        path: path.to_path_buf(),
        source,
    };
    // Room for a typical ratio up front; the vector grows past it if needed.
    let guess = raw
        .len()
        .saturating_mul(4)
        .min(usize::try_from(limit).unwrap_or(usize::MAX));
    let mut out = Vec::with_capacity(guess);
    MultiGzDecoder::new(raw)
        .take(limit.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(io_err)?;
    if out.len() as u64 > limit {
        return Err(io_err(std::io::Error::new(
            std::io::ErrorKind::FileTooLarge,
            format!(
                "decompresses to more than {} MiB (over {MAX_GZIP_RATIO} times its size), \
                 so it is not read, in case it is a gzip bomb; if the data are genuine, \
                 decompress the file and read the plain CSV",
                limit >> 20
            ),
        )));
    }
    Ok(out)
}

/// Where the first pass may split the body into chunks parsed in parallel.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Chunking {
    /// Bodies (the text after the header) at least this long are parsed in
    /// parallel chunks when they hold no quotes and no lone carriage returns.
    pub(crate) min_body_bytes: usize,
    /// Target size of one chunk.
    pub(crate) chunk_bytes: usize,
}

impl Chunking {
    /// Parallel from 1 MiB, in chunks of about 1 MiB.
    pub(crate) const DEFAULT: Chunking = Chunking {
        min_body_bytes: 1 << 20,
        chunk_bytes: 1 << 20,
    };

    /// Always sequential.
    #[cfg(any(test, fuzzing))]
    pub(crate) const SEQUENTIAL: Chunking = Chunking {
        min_body_bytes: usize::MAX,
        chunk_bytes: 1 << 20,
    };
}

/// Parses the decoded text of `path`; bodies long enough for `chunking` go
/// through [`parse_numeric_parallel`] first.
pub(crate) fn parse_csv(path: &Path, text: &str, options: &ReadOptions, chunking: Chunking) -> Result<DataFrame> {
    let csv_err = |line: u64, message: String| GamError::Csv {
        path: path.to_path_buf(),
        line,
        message,
    };
    let next = |tok: &mut Tokenizer, rec: &mut Record| {
        tok.next_record(rec)
            .map_err(|e| csv_err(e.line, "a quoted field is never closed (missing '\"')".to_string()))
    };

    let mut tok = Tokenizer::new(text);
    let mut rec = Record::default();
    if !next(&mut tok, &mut rec)? {
        return Err(GamError::EmptyData {
            path: path.to_path_buf(),
            message: "empty file: no header row and no data rows".to_string(),
        });
    }
    let header_line = rec.line;
    let names = header_names(&rec, |m| csv_err(header_line, m))?;
    let ncols = names.len();

    let mut factor_cols = vec![false; ncols];
    let index: HashMap<&str, usize> = names.iter().enumerate().map(|(j, n)| (n.as_str(), j)).collect();
    for f in &options.factors {
        match index.get(f.as_str()) {
            Some(&j) => factor_cols[j] = true,
            None => {
                return Err(GamError::UnknownColumn {
                    column: f.clone(),
                    available: names.clone(),
                });
            }
        }
    }
    let mut pending: Vec<Pending> = factor_cols
        .iter()
        .map(|&f| {
            if f {
                Pending::factor()
            } else {
                Pending::Numeric {
                    values: Vec::new(),
                    any_unquoted: false,
                }
            }
        })
        .collect();

    // First pass: shape checks and numeric parsing, in parallel chunks when
    // the body allows it.
    let mut nrows = 0usize;
    let (body_start, body_line) = tok.position();
    let body = &text[body_start..];
    let parallel = if body.len() >= chunking.min_body_bytes {
        parse_numeric_parallel(body, body_line, ncols, &factor_cols, chunking.chunk_bytes)
            .map_err(|(line, m)| csv_err(line, m))?
    } else {
        None
    };
    let done_in_parallel = parallel.is_some();
    if let Some((rows, columns)) = parallel {
        nrows = rows;
        pending = columns;
    }
    while !done_in_parallel && next(&mut tok, &mut rec)? {
        if rec.len() != ncols {
            return Err(csv_err(
                rec.line,
                format!("{} fields, but the header has {ncols}", rec.len()),
            ));
        }
        for (j, p) in pending.iter_mut().enumerate() {
            let Pending::Numeric { values, any_unquoted } = p else {
                continue;
            };
            let field = rec.field(j);
            if is_na(field) {
                values.push(f64::NAN);
                continue;
            }
            match parse_number(field) {
                Some(x) => {
                    values.push(x);
                    *any_unquoted |= !x.is_nan() && !rec.quoted(j);
                }
                None => *p = Pending::factor(),
            }
        }
        nrows += 1;
    }
    if nrows == 0 {
        return Err(GamError::EmptyData {
            path: path.to_path_buf(),
            message: "no data rows (only a header)".to_string(),
        });
    }

    for p in pending.iter_mut() {
        // All-quoted numbers are what write.csv makes of a factor.
        if let Pending::Numeric {
            values,
            any_unquoted: false,
        } = p
            && values.iter().any(|x| !x.is_nan())
        {
            *p = Pending::factor();
        }
    }

    // Second pass, only when there are factor columns: intern their levels.
    if pending.iter().any(|p| matches!(p, Pending::Factor { .. })) {
        let mut tok = Tokenizer::new(text);
        next(&mut tok, &mut rec)?; // the header
        while next(&mut tok, &mut rec)? {
            for (j, p) in pending.iter_mut().enumerate() {
                if let Pending::Factor { interner, codes } = p {
                    let field = rec.field(j);
                    codes.push(if is_na(field) {
                        None
                    } else {
                        Some(interner.intern(field))
                    });
                }
            }
        }
    }

    let columns = names
        .into_iter()
        .zip(pending)
        .map(|(name, p)| {
            let col = match p {
                Pending::Numeric { values, .. } => Column::Numeric(values),
                Pending::Factor { interner, codes } => Column::Factor(interner.finish(codes)),
            };
            (name, col)
        })
        .collect();
    DataFrame::new(columns)
}

/// For the fuzz target only: `text` parsed sequentially, then with every
/// body of at least one byte split into parallel chunks of about
/// `chunk_bytes`. The two must agree.
#[cfg(fuzzing)]
pub fn parse_both_ways(text: &str, options: &ReadOptions, chunk_bytes: usize) -> [Result<DataFrame>; 2] {
    let path = Path::new("fuzz.csv");
    let parallel = Chunking {
        min_body_bytes: 1,
        chunk_bytes,
    };
    [
        parse_csv(path, text, options, Chunking::SEQUENTIAL),
        parse_csv(path, text, options, parallel),
    ]
}

/// What one parallel chunk found: its rows and, per column, its numbers
/// (`None` if a field is not a number, or the column is read as a factor).
struct ChunkResult {
    rows: usize,
    columns: Vec<Option<Vec<f64>>>,
}

/// The first pass over a body without quotes or lone carriage returns: the
/// body is cut at line ends into chunks parsed in parallel; numeric columns
/// are parsed there, factor columns are left to the sequential second pass.
/// `Ok(None)` when the body needs the sequential tokenizer after all (a
/// chunk met a quote or a lone `\r`). Errors are the first ragged row in
/// file order, as `(line, message)`.
#[allow(clippy::type_complexity)]
fn parse_numeric_parallel(
    body: &str,
    first_line: u64,
    ncols: usize,
    factor_cols: &[bool],
    chunk_bytes: usize,
) -> std::result::Result<Option<(usize, Vec<Pending>)>, (u64, String)> {
    use rayon::prelude::*;
    let bytes = body.as_bytes();
    // Chunk boundaries just after a '\n'.
    let mut bounds = vec![0usize];
    let chunk_bytes = chunk_bytes.max(1);
    let mut at = chunk_bytes;
    while at < bytes.len() {
        match bytes[at..].iter().position(|&b| b == b'\n') {
            Some(k) => {
                bounds.push(at + k + 1);
                at = at + k + 1 + chunk_bytes;
            }
            None => break,
        }
    }
    bounds.push(bytes.len());
    bounds.dedup();
    let ranges: Vec<(usize, usize)> = bounds.windows(2).map(|w| (w[0], w[1])).collect();
    // Each chunk is parsed with line numbers relative to its start; the file
    // line of an error is worked out only when there is one.
    let results: Vec<std::result::Result<Option<ChunkResult>, (u64, String)>> = ranges
        .par_iter()
        .map(|&(a, b)| {
            let c = &bytes[a..b];
            let plain = !c
                .iter()
                .enumerate()
                .any(|(i, &x)| x == b'"' || (x == b'\r' && c.get(i + 1) != Some(&b'\n')));
            if !plain {
                return Ok(None);
            }
            let mut tok = Tokenizer::at_line(&body[a..b], 1);
            let mut rec = Record::default();
            let mut columns: Vec<Option<Vec<f64>>> = factor_cols
                .iter()
                .map(|&f| if f { None } else { Some(Vec::new()) })
                .collect();
            let mut rows = 0;
            while tok
                .next_record(&mut rec)
                .map_err(|e| (e.line, "unterminated quote".to_string()))?
            {
                if rec.len() != ncols {
                    return Err((rec.line, format!("{} fields, but the header has {ncols}", rec.len())));
                }
                for (j, col) in columns.iter_mut().enumerate() {
                    let Some(values) = col else { continue };
                    let field = rec.field(j);
                    if is_na(field) {
                        values.push(f64::NAN);
                    } else if let Some(x) = parse_number(field) {
                        values.push(x);
                    } else {
                        *col = None;
                    }
                }
                rows += 1;
            }
            Ok(Some(ChunkResult { rows, columns }))
        })
        .collect();
    let line_of = |chunk: usize, relative: u64| {
        first_line + bytes[..ranges[chunk].0].iter().filter(|&&x| x == b'\n').count() as u64 + relative - 1
    };
    let mut chunks = Vec::with_capacity(results.len());
    for (k, r) in results.into_iter().enumerate() {
        match r {
            Ok(Some(c)) => chunks.push(c),
            Ok(None) => return Ok(None),
            Err((line, message)) => return Err((line_of(k, line), message)),
        }
    }
    let rows: usize = chunks.iter().map(|c| c.rows).sum();
    let pending = (0..ncols)
        .map(|j| {
            if factor_cols[j] || chunks.iter().any(|c| c.columns[j].is_none()) {
                return Pending::factor();
            }
            let mut values = Vec::with_capacity(rows);
            for c in &mut chunks {
                values.extend(c.columns[j].take().unwrap_or_default());
            }
            let any_unquoted = values.iter().any(|x| !x.is_nan());
            Pending::Numeric { values, any_unquoted }
        })
        .collect();
    Ok(Some((rows, pending)))
}

/// Validates the header: non-empty, unique names (surrounding white space
/// trimmed). Linear in the number of columns: a hash map finds duplicates.
fn header_names(rec: &Record, err: impl Fn(String) -> GamError) -> Result<Vec<String>> {
    let mut names: Vec<String> = Vec::with_capacity(rec.len());
    let mut seen: HashMap<&str, usize> = HashMap::with_capacity(rec.len());
    for i in 0..rec.len() {
        let name = rec.field(i).trim_ascii();
        if name.is_empty() {
            let hint = if i == 0 {
                " (R's write.csv writes row names this way; use write.csv(..., row.names = FALSE))"
            } else {
                ""
            };
            return Err(err(format!("column {} of the header has an empty name{hint}", i + 1)));
        }
        if let Some(first) = seen.insert(name, i) {
            return Err(err(format!(
                "duplicate column name '{name}' (columns {} and {})",
                first + 1,
                i + 1
            )));
        }
        names.push(name.to_string());
    }
    Ok(names)
}

#[cfg(test)]
mod parallel_tests {
    use super::*;

    /// Equal frames (NaN equal to NaN, which `PartialEq` does not give), without printing them.
    fn same(a: &DataFrame, b: &DataFrame) -> bool {
        format!("{a:?}") == format!("{b:?}")
    }

    fn both(text: &str, options: &ReadOptions) -> (Result<DataFrame>, Result<DataFrame>) {
        let path = Path::new("t.csv");
        (
            parse_csv(
                path,
                text,
                options,
                Chunking {
                    min_body_bytes: 0,
                    ..Chunking::DEFAULT
                },
            ),
            parse_csv(path, text, options, Chunking::SEQUENTIAL),
        )
    }

    /// A body of about `rows` × 40 bytes: several parallel chunks.
    fn big(rows: usize, crlf: bool, late_text: Option<usize>) -> String {
        let eol = if crlf { "\r\n" } else { "\n" };
        let mut s = format!("y,x,g{eol}");
        for i in 0..rows {
            let g = if late_text == Some(i) {
                "oops".to_string()
            } else {
                format!("{}", i % 7)
            };
            let x = if i % 1000 == 17 {
                "NA".to_string()
            } else {
                format!("{:.9}", (i as f64 * 0.37).sin())
            };
            s.push_str(&format!("{:.6},{x},{g}{eol}", i as f64 / 3.0));
            if i % 50_000 == 3 {
                s.push_str(eol); // a blank line
            }
        }
        s
    }

    #[test]
    fn parallel_and_sequential_reading_agree() {
        for crlf in [false, true] {
            let text = big(120_000, crlf, None);
            let (p, q) = both(&text, &ReadOptions::default());
            let (p, q) = (p.unwrap(), q.unwrap());
            assert!(same(&p, &q), "crlf {crlf}: the two paths differ");
            assert_eq!(p.nrows(), 120_000);
            let forced = ReadOptions {
                factors: vec!["g".into()],
            };
            let (p, q) = both(&text, &forced);
            assert!(same(&p.unwrap(), &q.unwrap()), "forced factor: the two paths differ");
        }
    }

    #[test]
    fn a_late_non_number_makes_a_factor_either_way() {
        let text = big(120_000, false, Some(110_000));
        let (p, q) = both(&text, &ReadOptions::default());
        let (p, q) = (p.unwrap(), q.unwrap());
        assert!(p.column("g").unwrap().is_factor());
        assert!(same(&p, &q), "the two paths differ");
    }

    #[test]
    fn a_late_ragged_row_is_reported_at_its_line_either_way() {
        let mut text = big(120_000, false, None);
        let at = text.len() - 200;
        let nl = at + text[at..].find('\n').unwrap() + 1;
        text.insert_str(nl, "1,2\n");
        let (p, q) = both(&text, &ReadOptions::default());
        let (p, q) = (p.unwrap_err().to_string(), q.unwrap_err().to_string());
        assert_eq!(p, q);
        assert!(p.contains("2 fields, but the header has 3"), "{p}");
    }

    #[test]
    fn quoted_files_take_the_sequential_path() {
        let mut text = big(60_000, false, None);
        text.push_str("1.5,\"2.5\",\"a\"\n");
        let (p, q) = both(&text, &ReadOptions::default());
        assert!(same(&p.unwrap(), &q.unwrap()), "the two paths differ");
    }
}
