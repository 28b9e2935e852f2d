//! Typed columns: numeric with NaN for missing, or factors with sorted levels.

use std::cmp::Ordering;
use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::error::{GamError, Result};

/// One column of a [`DataFrame`](super::DataFrame).
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    /// Numbers; `NaN` marks a missing value (infinities are values, not missing).
    Numeric(Vec<f64>),
    /// A categorical variable.
    Factor(FactorColumn),
}

impl Column {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            Column::Numeric(v) => v.len(),
            Column::Factor(f) => f.codes.len(),
        }
    }

    /// Whether the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the value at `row` (0-based) is missing. Panics if `row` is out of range.
    pub fn is_missing(&self, row: usize) -> bool {
        match self {
            Column::Numeric(v) => v[row].is_nan(),
            Column::Factor(f) => f.codes[row].is_none(),
        }
    }

    /// Number of missing values.
    pub fn missing_count(&self) -> usize {
        match self {
            Column::Numeric(v) => v.iter().filter(|x| x.is_nan()).count(),
            Column::Factor(f) => f.codes.iter().filter(|c| c.is_none()).count(),
        }
    }

    /// Whether this is a numeric column.
    pub fn is_numeric(&self) -> bool {
        matches!(self, Column::Numeric(_))
    }

    /// Whether this is a factor column.
    pub fn is_factor(&self) -> bool {
        matches!(self, Column::Factor(_))
    }

    /// The values of a numeric column.
    pub fn as_numeric(&self) -> Option<&[f64]> {
        match self {
            Column::Numeric(v) => Some(v),
            Column::Factor(_) => None,
        }
    }

    /// The factor, for a factor column.
    pub fn as_factor(&self) -> Option<&FactorColumn> {
        match self {
            Column::Numeric(_) => None,
            Column::Factor(f) => Some(f),
        }
    }

    /// `"numeric"` or `"factor"`, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Column::Numeric(_) => "numeric",
            Column::Factor(_) => "factor",
        }
    }

    /// The rows at `rows` (0-based, any order, repeats allowed). Panics on an out-of-range index.
    pub fn select_rows(&self, rows: &[usize]) -> Column {
        match self {
            Column::Numeric(v) => Column::Numeric(rows.iter().map(|&r| v[r]).collect()),
            Column::Factor(f) => Column::Factor(FactorColumn {
                levels: f.levels.clone(),
                codes: rows.iter().map(|&r| f.codes[r]).collect(),
                ordered: f.ordered,
            }),
        }
    }

    /// This column as a factor: a factor is returned as is; a numeric column
    /// gets one level per distinct non-missing value, sorted numerically and
    /// spelled by Rust's shortest round-trip formatting (`2`, `2.5`, `1000000`).
    /// This is for an explicit user request only: the reader already decides
    /// the type of every column it reads.
    pub fn to_factor(&self) -> FactorColumn {
        match self {
            Column::Factor(f) => f.clone(),
            Column::Numeric(v) => FactorColumn::from_numeric(v),
        }
    }

    /// Codes this column (of new data, e.g. for prediction) against the
    /// levels of the training factor, so that the same level gets the same
    /// code. A factor matches by level name, falling back to numeric equality
    /// when both spellings are numbers (`"2"` matches `"2.0"`); a numeric
    /// column matches numerically (`2` matches level `"2"`). Missing values
    /// stay missing. A value that is not a training level is an error naming
    /// `column_name`, the 1-based row and the known levels.
    pub fn recode_to_levels(&self, column_name: &str, levels: &[String]) -> Result<FactorColumn> {
        let exact: HashMap<&str, u32> = levels.iter().enumerate().map(|(i, l)| (l.as_str(), i as u32)).collect();
        let numeric: Vec<Option<f64>> = levels.iter().map(|l| parse_number(l)).collect();
        let by_number = |x: f64| -> Option<u32> {
            let mut hits = numeric.iter().enumerate().filter(|(_, v)| **v == Some(x));
            let first = hits.next()?;
            // Two levels with the same value ("1", "1.0") make a number ambiguous.
            if hits.next().is_some() {
                None
            } else {
                Some(first.0 as u32)
            }
        };
        let unknown = |row: usize, value: String| GamError::Data {
            column: column_name.to_string(),
            row: Some(row + 1),
            message: format!(
                "level '{value}' was not in the training data (known levels: {})",
                levels.join(", ")
            ),
        };
        let codes = match self {
            Column::Factor(f) => {
                // Map each of the new column's levels once, not each row.
                let map: Vec<Option<u32>> = f
                    .levels
                    .iter()
                    .map(|l| {
                        exact
                            .get(l.as_str())
                            .copied()
                            .or_else(|| parse_number(l).and_then(by_number))
                    })
                    .collect();
                let mut codes = Vec::with_capacity(f.codes.len());
                for (row, code) in f.codes.iter().enumerate() {
                    codes.push(match code {
                        None => None,
                        Some(c) => match map[*c as usize] {
                            Some(new) => Some(new),
                            None => return Err(unknown(row, f.levels[*c as usize].clone())),
                        },
                    });
                }
                codes
            }
            Column::Numeric(v) => {
                let mut codes = Vec::with_capacity(v.len());
                for (row, &x) in v.iter().enumerate() {
                    if x.is_nan() {
                        codes.push(None);
                    } else {
                        match by_number(x) {
                            Some(c) => codes.push(Some(c)),
                            None => return Err(unknown(row, format_number(x))),
                        }
                    }
                }
                codes
            }
        };
        Ok(FactorColumn {
            levels: levels.to_vec(),
            codes,
            ordered: false,
        })
    }
}

/// A categorical column: level names and one code per row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FactorColumn {
    /// Level names; the first is the baseline of treatment contrasts.
    pub levels: Vec<String>,
    /// Index into `levels` for each row; `None` is missing.
    pub codes: Vec<Option<u32>>,
    /// An ordered factor (R's `ordered()`): coded by R's polynomial
    /// contrasts (`contr.poly`) instead of treatment contrasts.
    #[serde(default)]
    pub ordered: bool,
}

impl FactorColumn {
    /// Builds a factor from row values (`None` = missing), with levels in
    /// the reader's order (see [`sort_levels`]).
    pub fn from_values<'a, I>(values: I) -> FactorColumn
    where
        I: IntoIterator<Item = Option<&'a str>>,
    {
        let mut interner = LevelInterner::default();
        let codes = values.into_iter().map(|v| v.map(|s| interner.intern(s))).collect();
        interner.finish(codes)
    }

    /// Builds a factor from numbers (`NaN` = missing); see [`Column::to_factor`].
    pub fn from_numeric(values: &[f64]) -> FactorColumn {
        // -0 and 0 are one level.
        let norm = |x: f64| if x == 0.0 { 0.0 } else { x };
        let mut distinct: Vec<f64> = values.iter().filter(|x| !x.is_nan()).map(|&x| norm(x)).collect();
        distinct.sort_by(f64::total_cmp);
        distinct.dedup();
        let levels: Vec<String> = distinct.iter().map(|&x| format_number(x)).collect();
        let codes = values
            .iter()
            .map(|&x| {
                let x = norm(x);
                distinct.binary_search_by(|d| d.total_cmp(&x)).ok().map(|i| i as u32)
            })
            .collect();
        FactorColumn {
            levels,
            codes,
            ordered: false,
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.codes.len()
    }

    /// Whether the factor has no rows.
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    /// Number of levels.
    pub fn n_levels(&self) -> usize {
        self.levels.len()
    }

    /// The level name at `row` (0-based), `None` if missing. Panics if `row` is out of range.
    pub fn level_of(&self, row: usize) -> Option<&str> {
        self.codes[row].map(|c| self.levels[c as usize].as_str())
    }

    /// The first row (0-based) whose value is not a number, and that value:
    /// why a column read as a factor cannot serve as numbers. `None` when
    /// every value is a number (a factor by quoting or by request).
    pub fn first_non_number(&self) -> Option<(usize, &str)> {
        let text: Vec<bool> = self.levels.iter().map(|l| parse_number(l).is_none()).collect();
        let row = self.codes.iter().position(|c| c.is_some_and(|c| text[c as usize]))?;
        Some((row, self.level_of(row)?))
    }

    /// The factor without the levels no row has, the others keeping their
    /// order (R's `droplevels`, what `model.frame(drop.unused.levels =
    /// TRUE)` does to a model's factors after `na.omit`).
    pub fn drop_unused_levels(self) -> FactorColumn {
        let counts = self.level_counts();
        if counts.iter().all(|&c| c > 0) {
            return self;
        }
        let mut new_code = vec![None; counts.len()];
        let mut levels = Vec::new();
        for (i, l) in self.levels.into_iter().enumerate() {
            if counts[i] > 0 {
                new_code[i] = Some(levels.len() as u32);
                levels.push(l);
            }
        }
        FactorColumn {
            levels,
            codes: self
                .codes
                .iter()
                .map(|c| c.and_then(|c| new_code[c as usize]))
                .collect(),
            ordered: self.ordered,
        }
    }

    /// Number of rows at each level (missing rows not counted).
    pub fn level_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.levels.len()];
        for c in self.codes.iter().flatten() {
            counts[*c as usize] += 1;
        }
        counts
    }
}

/// Collects distinct level strings in first-seen order, allocating once per
/// distinct level rather than once per row.
#[derive(Default)]
pub(crate) struct LevelInterner {
    index: HashMap<String, u32>,
    levels: Vec<String>,
}

impl LevelInterner {
    /// The provisional code of `s`.
    pub(crate) fn intern(&mut self, s: &str) -> u32 {
        if let Some(&c) = self.index.get(s) {
            return c;
        }
        let c = self.levels.len() as u32;
        self.index.insert(s.to_string(), c);
        self.levels.push(s.to_string());
        c
    }

    /// Sorts the levels and rewrites the provisional `codes` to match.
    pub(crate) fn finish(self, mut codes: Vec<Option<u32>>) -> FactorColumn {
        let mut order: Vec<u32> = (0..self.levels.len() as u32).collect();
        let keys: Vec<Option<f64>> = self.levels.iter().map(|l| parse_number(l)).collect();
        let numeric = keys.iter().all(Option::is_some);
        order.sort_by(|&a, &b| {
            let (a, b) = (a as usize, b as usize);
            let by_value = match (numeric, keys[a], keys[b]) {
                (true, Some(x), Some(y)) => x.total_cmp(&y),
                _ => Ordering::Equal,
            };
            by_value.then_with(|| self.levels[a].as_bytes().cmp(self.levels[b].as_bytes()))
        });
        let mut new_code = vec![0u32; order.len()];
        for (new, &old) in order.iter().enumerate() {
            new_code[old as usize] = new as u32;
        }
        for c in codes.iter_mut().flatten() {
            *c = new_code[*c as usize];
        }
        let mut levels = self.levels;
        let mut sorted = Vec::with_capacity(levels.len());
        for &old in &order {
            sorted.push(std::mem::take(&mut levels[old as usize]));
        }
        FactorColumn {
            levels: sorted,
            codes,
            ordered: false,
        }
    }
}

/// Sorts level names as the reader does: numerically when every level is a
/// number (`"2" < "10"`), otherwise by bytes. The reference fits were made
/// with levels in this order, and the first level is the baseline.
pub fn sort_levels(levels: &mut [String]) {
    let numeric = levels.iter().all(|l| parse_number(l).is_some());
    levels.sort_by(|a, b| {
        let by_value = match (numeric, parse_number(a), parse_number(b)) {
            (true, Some(x), Some(y)) => x.total_cmp(&y),
            _ => Ordering::Equal,
        };
        by_value.then_with(|| a.as_bytes().cmp(b.as_bytes()))
    });
}

/// Parses a number as the reader does: surrounding ASCII white space is
/// ignored, then Rust's `f64` syntax, which covers R's spellings `Inf`,
/// `-Inf` and `NaN` (case-insensitively) and exponents such as `1e-3`.
pub fn parse_number(s: &str) -> Option<f64> {
    let t = s.trim_ascii();
    // Rust accepts "infinity" and "+inf"; harmless supersets of R's syntax.
    if t.is_empty() { None } else { t.parse::<f64>().ok() }
}

/// Spells a number as a level name.
fn format_number(x: f64) -> String {
    if x.is_infinite() {
        if x > 0.0 { "Inf".to_string() } else { "-Inf".to_string() }
    } else {
        format!("{x}")
    }
}
