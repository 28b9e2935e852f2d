//! Data for the front door: a [`Frame`] of named columns, built in memory
//! ([`FrameBuilder`]) or read from a CSV file.
//!
//! Numeric columns are `f64` with `NaN` as R's `NA`; factor and text columns
//! are factors whose levels are sorted as the CSV reader sorts them (or, from
//! [`FrameBuilder::factor_with_levels`], in the order given); a
//! logical column is a factor of `FALSE`, `TRUE` (as R's `glm` treats a
//! logical covariate), with the levels present, as the CSV reader reads it.
//! Names must be unique and non-empty and every column as long as the first:
//! [`FrameBuilder::build`] checks both.

use std::collections::HashSet;
use std::path::Path;

use crate::data::{Column, DataFrame, FactorColumn, ReadOptions};
use crate::error::{GamError, Result};

/// Named columns of equal length: what a model is fitted to and predicts at.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    pub(crate) inner: DataFrame,
}

/// Options for reading a CSV file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CsvOptions {
    /// Columns read as factors whatever their content (e.g. numeric codes).
    pub factors: Vec<String>,
    /// Columns read as ordered factors (R's `ordered()`: polynomial
    /// contrasts), levels sorted as for any factor.
    pub ordered: Vec<String>,
}

/// Collects columns for a [`Frame`]; [`build`](Self::build) checks them.
#[derive(Debug, Clone, Default)]
pub struct FrameBuilder {
    columns: Vec<(String, Column)>,
    /// Columns [`build`](Self::build) makes factors (see [`FrameBuilder::as_factors`]).
    factors: Vec<String>,
    /// Columns [`build`](Self::build) makes ordered factors.
    ordered: Vec<String>,
}

impl FrameBuilder {
    /// A numeric column; `NaN` marks a missing value.
    pub fn numeric(mut self, name: &str, values: impl Into<Vec<f64>>) -> FrameBuilder {
        self.columns.push((name.to_string(), Column::Numeric(values.into())));
        self
    }

    /// A factor column from its values (`None` marks a missing value).
    pub fn factor<'a>(mut self, name: &str, values: impl IntoIterator<Item = Option<&'a str>>) -> FrameBuilder {
        self.columns
            .push((name.to_string(), Column::Factor(FactorColumn::from_values(values))));
        self
    }

    /// A factor column from its levels, in the order given (the first is
    /// the baseline of treatment contrasts, as in R's `factor(x, levels =)`),
    /// and one code per row indexing them (`None` marks a missing value);
    /// `ordered` makes it an ordered factor (R's `ordered()`: polynomial
    /// contrasts). This is how a pandas or Arrow categorical keeps its
    /// category order. [`build`](Self::build) refuses a code that is not a
    /// level, or a level given twice, naming the column. Levels no row has are
    /// kept here; a fit drops them, as mgcv does.
    ///
    /// ```
    /// let frame = gam::Frame::builder()
    ///     .factor_with_levels("size", vec!["small".into(), "large".into()], vec![Some(1), None, Some(0)], true)
    ///     .build()?;
    /// assert_eq!(frame.factor("size").unwrap(), [Some("large"), None, Some("small")]);
    /// let bad = gam::Frame::builder().factor_with_levels("g", vec!["a".into()], vec![Some(1)], false).build();
    /// assert_eq!(bad.unwrap_err().to_string(), "column 'g', row 1: code 1 is not a level: the factor has 1 level (codes 0 to 0)");
    /// # Ok::<(), gam::GamError>(())
    /// ```
    pub fn factor_with_levels(
        mut self,
        name: &str,
        levels: Vec<String>,
        codes: Vec<Option<u32>>,
        ordered: bool,
    ) -> FrameBuilder {
        let factor = FactorColumn { levels, codes, ordered };
        self.columns.push((name.to_string(), Column::Factor(factor)));
        self
    }

    /// A factor column from numbers (`NaN` marks a missing value): one level
    /// per distinct value, sorted numerically and spelled as the `gam`
    /// command's `--factor` spells them (`2`, `2.5`), so that the same
    /// numbers read from a CSV file give the same factor.
    ///
    /// ```
    /// let frame = gam::Frame::builder().numeric_factor("district", vec![10.0, 2.0, f64::NAN, 2.0]).build()?;
    /// assert_eq!(frame.factor("district").unwrap(), [Some("10"), Some("2"), None, Some("2")]);
    /// # Ok::<(), gam::GamError>(())
    /// ```
    pub fn numeric_factor(mut self, name: &str, values: impl Into<Vec<f64>>) -> FrameBuilder {
        let factor = FactorColumn::from_numeric(&values.into());
        self.columns.push((name.to_string(), Column::Factor(factor)));
        self
    }

    /// Makes the columns `factors` factors and the columns `ordered` ordered
    /// factors when the frame is built, as the `gam` command's `--factor` and
    /// `--ordered` do: a numeric column's numbers become levels as in
    /// [`numeric_factor`](Self::numeric_factor); a factor keeps its levels.
    /// A name that is no column of the frame is an error when it is built.
    /// Repeated calls add up.
    ///
    /// ```
    /// let frame = gam::Frame::builder()
    ///     .numeric("dose", vec![1.0, 2.0, 1.0])
    ///     .as_factors(&[], &["dose".to_string()])
    ///     .build()?;
    /// assert_eq!(frame.factor("dose").unwrap(), [Some("1"), Some("2"), Some("1")]);
    /// # Ok::<(), gam::GamError>(())
    /// ```
    pub fn as_factors(mut self, factors: &[String], ordered: &[String]) -> FrameBuilder {
        self.factors.extend_from_slice(factors);
        self.ordered.extend_from_slice(ordered);
        self
    }

    /// A text column: as mgcv treats character columns, a factor.
    pub fn text<'a>(self, name: &str, values: impl IntoIterator<Item = Option<&'a str>>) -> FrameBuilder {
        self.factor(name, values)
    }

    /// A logical column: a factor of `FALSE` and `TRUE` (`None` is missing),
    /// exactly as a CSV column of `TRUE`/`FALSE` is read: its levels are the
    /// values present, so a column that is always `TRUE` has one level and is
    /// refused as a model term as R refuses it, and either way the fit and
    /// its cache key are those of the same values read from a file.
    pub fn logical(self, name: &str, values: impl IntoIterator<Item = Option<bool>>) -> FrameBuilder {
        let text = |b: bool| if b { "TRUE" } else { "FALSE" };
        self.factor(name, values.into_iter().map(|v| v.map(text)))
    }

    /// The frame, or an error naming the first column with an empty or
    /// repeated name or a length different from the first column's, a
    /// factor with a code that is not a level or a level given twice, or a
    /// column to make a factor that the frame does not have.
    pub fn build(self) -> Result<Frame> {
        let mut inner = DataFrame::new(self.columns)?;
        for (name, column) in inner.columns() {
            if let Some(factor) = column.as_factor() {
                check_factor(name, factor)?;
            }
        }
        for name in &self.factors {
            inner.make_factor(name)?;
        }
        for name in &self.ordered {
            inner.make_ordered(name)?;
        }
        Ok(Frame { inner })
    }
}

/// Refuses a factor whose codes do not index its levels, or whose levels
/// repeat (the builder's [`FrameBuilder::factor_with_levels`] takes both
/// from the caller).
fn check_factor(name: &str, factor: &FactorColumn) -> Result<()> {
    let n = factor.levels.len();
    if let Some((row, code)) = factor
        .codes
        .iter()
        .enumerate()
        .find_map(|(i, c)| c.filter(|&c| c as usize >= n).map(|c| (i, c)))
    {
        let plural = if n == 1 { "" } else { "s" };
        let range = if n == 0 {
            "no codes are valid: give the levels".to_string()
        } else {
            format!("codes 0 to {}", n - 1)
        };
        return Err(GamError::Data {
            column: name.to_string(),
            row: Some(row + 1),
            message: format!("code {code} is not a level: the factor has {n} level{plural} ({range})"),
        });
    }
    let mut seen = HashSet::with_capacity(n);
    if let Some(level) = factor.levels.iter().find(|l| !seen.insert(l.as_str())) {
        return Err(GamError::Data {
            column: name.to_string(),
            row: None,
            message: format!("level '{level}' is given twice: a factor's levels must be unique"),
        });
    }
    Ok(())
}

impl Frame {
    /// Starts a frame built from columns in memory.
    pub fn builder() -> FrameBuilder {
        FrameBuilder::default()
    }

    /// Reads a CSV file (plain or gzip-compressed): a header of names, then
    /// one row per line; `NA` or an empty field is missing. Errors name the
    /// file, line and column.
    pub fn read_csv(path: impl AsRef<Path>, options: &CsvOptions) -> Result<Frame> {
        let read = ReadOptions {
            factors: options.factors.iter().chain(&options.ordered).cloned().collect(),
        };
        let mut inner = DataFrame::read_csv_with(path.as_ref(), &read)?;
        for name in &options.ordered {
            inner.make_ordered(name)?;
        }
        Ok(Frame { inner })
    }

    /// Number of rows.
    pub fn nrows(&self) -> usize {
        self.inner.nrows()
    }

    /// Column names, in order.
    pub fn names(&self) -> &[String] {
        self.inner.names()
    }

    /// A numeric column's values (`NaN` = missing), if `name` is a numeric column.
    pub fn numeric(&self, name: &str) -> Option<&[f64]> {
        self.inner.column(name)?.as_numeric()
    }

    /// A factor column's level of each row (`None` = missing), if `name` is a factor.
    pub fn factor(&self, name: &str) -> Option<Vec<Option<&str>>> {
        let f = self.inner.column(name)?.as_factor()?;
        Some((0..f.len()).map(|i| f.level_of(i)).collect())
    }
}

impl From<DataFrame> for Frame {
    fn from(inner: DataFrame) -> Frame {
        Frame { inner }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_of_every_kind_build_a_frame() {
        let f = Frame::builder()
            .numeric("x", vec![1.0, f64::NAN, 3.0])
            .factor("g", [Some("b"), Some("a"), None])
            .logical("ok", [Some(true), None, Some(false)])
            .text("t", [Some("u"), Some("v"), Some("u")])
            .build()
            .unwrap();
        assert_eq!(f.nrows(), 3);
        assert_eq!(f.names(), ["x", "g", "ok", "t"]);
        assert!(f.numeric("x").unwrap()[1].is_nan());
        assert_eq!(f.factor("g").unwrap(), [Some("b"), Some("a"), None]);
        assert_eq!(f.factor("ok").unwrap(), [Some("TRUE"), None, Some("FALSE")]);
        assert!(f.numeric("g").is_none());
    }

    #[test]
    fn ragged_or_repeated_columns_are_refused_by_name() {
        let e = Frame::builder()
            .numeric("x", vec![1.0, 2.0])
            .numeric("y", vec![1.0])
            .build()
            .unwrap_err();
        assert_eq!(e.to_string(), "column 'y': has 1 rows, the first column has 2");
        let e = Frame::builder()
            .numeric("x", vec![1.0])
            .numeric("x", vec![2.0])
            .build()
            .unwrap_err();
        assert_eq!(e.to_string(), "column 'x': duplicate column name");
    }
}
