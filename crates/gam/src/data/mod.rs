//! The first stage of the data flow: a CSV file becomes a [`DataFrame`] of
//! typed columns (numeric or factor), with missing values marked.
//!
//! A frame remembers, for each of its rows, the 0-based row of the file it
//! came from ([`DataFrame::original_row`]), through [`DataFrame::select_rows`]
//! and [`DataFrame::drop_missing`], so that later stages can name the row a
//! user sees in the file (`original_row(i) + 1` is the 1-based data row, the
//! convention of [`GamError::Data`]).

mod column;
mod read;
mod tokenizer;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_hostile;

#[cfg(fuzzing)]
#[doc(hidden)]
pub use read::parse_both_ways;

pub use column::{Column, FactorColumn, parse_number, sort_levels};
pub use read::{
    MAX_DECOMPRESSED_BYTES, MAX_GZIP_RATIO, MIN_DECOMPRESSED_LIMIT, ReadOptions, decompressed_limit, read_csv,
    read_csv_bytes, read_csv_with,
};

use std::collections::HashSet;
use std::path::Path;

use crate::error::{GamError, Result};

/// Messages show at most this many characters of a bad value.
const MAX_SHOWN_VALUE_CHARS: usize = 40;

/// Named, typed columns of equal length, in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct DataFrame {
    names: Vec<String>,
    columns: Vec<Column>,
    /// For each row, its 0-based data row in the original file or frame.
    rows: Vec<usize>,
}

impl DataFrame {
    /// Builds a frame from `(name, column)` pairs; row `i` is original row
    /// `i`. Names must be non-empty and unique, columns of equal length.
    pub fn new(columns: Vec<(String, Column)>) -> Result<DataFrame> {
        let nrows = columns.first().map_or(0, |(_, c)| c.len());
        let mut names: Vec<String> = Vec::with_capacity(columns.len());
        let mut cols = Vec::with_capacity(columns.len());
        // A set, not a scan of `names`: files may have 10^5 columns.
        let mut seen: HashSet<String> = HashSet::with_capacity(columns.len());
        for (name, col) in columns {
            let problem = if name.is_empty() {
                Some("empty column name".to_string())
            } else if !seen.insert(name.clone()) {
                Some("duplicate column name".to_string())
            } else if col.len() != nrows {
                Some(format!("has {} rows, the first column has {nrows}", col.len()))
            } else {
                None
            };
            if let Some(message) = problem {
                return Err(GamError::Data {
                    column: name,
                    row: None,
                    message,
                });
            }
            names.push(name);
            cols.push(col);
        }
        Ok(DataFrame {
            names,
            columns: cols,
            rows: (0..nrows).collect(),
        })
    }

    /// Reads a CSV file; see [`read_csv_with`].
    pub fn read_csv(path: &Path) -> Result<DataFrame> {
        read_csv(path)
    }

    /// Reads a CSV file with options; see [`read_csv_with`].
    pub fn read_csv_with(path: &Path, options: &ReadOptions) -> Result<DataFrame> {
        read_csv_with(path, options)
    }

    /// Parses the bytes `raw` that were read from `path`; see [`read_csv_bytes`].
    pub fn from_csv_bytes(path: &Path, raw: &[u8], options: &ReadOptions) -> Result<DataFrame> {
        read_csv_bytes(path, raw, options)
    }

    /// Number of rows.
    pub fn nrows(&self) -> usize {
        self.rows.len()
    }

    /// Number of columns.
    pub fn ncols(&self) -> usize {
        self.columns.len()
    }

    /// Column names, in file order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The column called `name`.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.names.iter().position(|n| n == name).map(|j| &self.columns[j])
    }

    /// The column called `name`, or [`GamError::UnknownColumn`] listing the available ones.
    pub fn require_column(&self, name: &str) -> Result<&Column> {
        self.column(name).ok_or_else(|| GamError::UnknownColumn {
            column: name.to_string(),
            available: self.names.clone(),
        })
    }

    /// When column `name` was read as a factor because a value is not a
    /// number: the error for `what` (e.g. `the response`, `s(x)`), which
    /// needs numbers, naming the first such row (as in the file) and value,
    /// with `advice` (what to do if the column really is a factor; may be
    /// empty) before the advice on missing values. `None` when the column is
    /// numeric, absent, or a factor of numbers (quoted, or read as a factor
    /// on request): the caller's own message fits those.
    pub fn non_number_error(&self, name: &str, what: &str, advice: &str) -> Option<GamError> {
        let (row, value) = self.column(name)?.as_factor()?.first_non_number()?;
        let mut shown: String = value.chars().take(MAX_SHOWN_VALUE_CHARS).collect::<String>();
        if shown.len() < value.len() {
            shown.push_str("...");
        }
        let sep = if advice.is_empty() { "" } else { "; " };
        Some(GamError::Data {
            column: name.to_string(),
            row: Some(self.rows[row] + 1),
            message: format!(
                "'{}' is not a number, so the column was read as a factor, but {what} needs a numeric column \
                 ({advice}{sep}for a missing value write NA or leave the field empty)",
                shown.escape_debug()
            ),
        })
    }

    /// `(name, column)` pairs in file order.
    pub fn columns(&self) -> impl Iterator<Item = (&str, &Column)> {
        self.names.iter().map(String::as_str).zip(self.columns.iter())
    }

    /// The 0-based row of the original file (or frame built by [`DataFrame::new`]) that row `i` came from.
    pub fn original_row(&self, i: usize) -> usize {
        self.rows[i]
    }

    /// [`DataFrame::original_row`] for every row, in order.
    pub fn original_rows(&self) -> &[usize] {
        &self.rows
    }

    /// The rows at `rows` (0-based indices into this frame, any order,
    /// repeats allowed), keeping their original row numbers. Panics on an
    /// out-of-range index: indices come from code, not from users.
    pub fn select_rows(&self, rows: &[usize]) -> DataFrame {
        DataFrame {
            names: self.names.clone(),
            columns: self.columns.iter().map(|c| c.select_rows(rows)).collect(),
            rows: rows.iter().map(|&r| self.rows[r]).collect(),
        }
    }

    /// Drops the rows with a missing value in any of `used_columns` (names
    /// not in the frame are ignored: check them first with
    /// [`DataFrame::require_column`]). Returns the remaining rows, in order,
    /// and how many were dropped; the kept rows' original numbers are the
    /// result's [`DataFrame::original_rows`]. Columns not used may keep
    /// missing values.
    pub fn drop_missing(&self, used_columns: &[&str]) -> (DataFrame, usize) {
        let used: Vec<&Column> = used_columns.iter().filter_map(|n| self.column(n)).collect();
        let keep: Vec<usize> = (0..self.nrows())
            .filter(|&i| used.iter().all(|c| !c.is_missing(i)))
            .collect();
        let dropped = self.nrows() - keep.len();
        if dropped == 0 {
            return (self.clone(), 0);
        }
        (self.select_rows(&keep), dropped)
    }

    /// Makes column `name` a factor (see [`Column::to_factor`]), at an explicit user request.
    pub fn make_factor(&mut self, name: &str) -> Result<()> {
        let j = self.index_of(name)?;
        if let Column::Numeric(_) = self.columns[j] {
            self.columns[j] = Column::Factor(self.columns[j].to_factor());
        }
        Ok(())
    }

    /// Makes column `name` an ordered factor (R's `ordered()`, levels in the
    /// reader's order), at an explicit user request.
    pub fn make_ordered(&mut self, name: &str) -> Result<()> {
        self.make_factor(name)?;
        let j = self.index_of(name)?;
        if let Column::Factor(f) = &mut self.columns[j] {
            f.ordered = true;
        }
        Ok(())
    }

    /// Sets column `name` to `column`: replaced if the frame has one of that
    /// name, added at the end otherwise. Rows keep their original numbers.
    /// Refused if the lengths differ.
    pub fn set_column(&mut self, name: &str, column: Column) -> Result<()> {
        if column.len() != self.nrows() {
            return Err(GamError::Data {
                column: name.to_string(),
                row: None,
                message: format!("has {} rows, the data has {}", column.len(), self.nrows()),
            });
        }
        match self.names.iter().position(|n| n == name) {
            Some(j) => self.columns[j] = column,
            None => {
                self.names.push(name.to_string());
                self.columns.push(column);
            }
        }
        Ok(())
    }

    /// Codes column `name` of this (new) data against the levels of a
    /// training factor; see [`Column::recode_to_levels`]. An unknown level
    /// is reported at its original row.
    pub fn factor_with_levels(&self, name: &str, levels: &[String]) -> Result<FactorColumn> {
        let col = self.require_column(name)?;
        col.recode_to_levels(name, levels).map_err(|e| match e {
            GamError::Data {
                column,
                row: Some(r),
                message,
            } => GamError::Data {
                column,
                row: Some(self.rows[r - 1] + 1),
                message,
            },
            other => other,
        })
    }

    fn index_of(&self, name: &str) -> Result<usize> {
        self.names
            .iter()
            .position(|n| n == name)
            .ok_or_else(|| GamError::UnknownColumn {
                column: name.to_string(),
                available: self.names.clone(),
            })
    }
}
