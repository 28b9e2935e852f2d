//! Reading a CSV file (plain or gzip-compressed) into a [`DataFrame`].

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
///   gzip magic bytes.
/// - Missing values: empty fields and `NA` (also when quoted, as in R), and
///   in numeric columns `NaN`.
/// - A column is numeric when every non-missing value is a number and at
///   least one of them was not quoted; otherwise (or when listed in
///   [`ReadOptions::factors`]) it is a factor, with levels sorted numerically
///   when all are numbers, else by bytes.
/// - Errors name the file and line: ragged rows, no data rows, empty or
///   duplicate column names, invalid UTF-8, unterminated quotes.
pub fn read_csv_with(path: &Path, options: &ReadOptions) -> Result<DataFrame> {
    let io_err = |source| GamError::Io {
        path: path.to_path_buf(),
        source,
    };
    let raw = std::fs::read(path).map_err(io_err)?;
    let gz_name = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("gz"));
    let bytes = if gz_name || raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::with_capacity(raw.len().saturating_mul(4));
        MultiGzDecoder::new(raw.as_slice())
            .read_to_end(&mut out)
            .map_err(io_err)?;
        out
    } else {
        raw
    };
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        GamError::Csv {
            path: path.to_path_buf(),
            line: 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count() as u64,
            message: format!("invalid UTF-8 at byte {at}; save the file as UTF-8"),
        }
    })?;
    parse_csv(path, text, options)
}

/// Parses the decoded text of `path`.
fn parse_csv(path: &Path, text: &str, options: &ReadOptions) -> Result<DataFrame> {
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
    for f in &options.factors {
        match names.iter().position(|n| n == f) {
            Some(j) => factor_cols[j] = true,
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

    // First pass: shape checks and numeric parsing.
    let mut nrows = 0usize;
    while next(&mut tok, &mut rec)? {
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

/// Validates the header: non-empty, unique names (surrounding white space trimmed).
fn header_names(rec: &Record, err: impl Fn(String) -> GamError) -> Result<Vec<String>> {
    let mut names: Vec<String> = Vec::with_capacity(rec.len());
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
        if let Some(first) = names.iter().position(|n| n == name) {
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
