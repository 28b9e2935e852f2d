//! The one error type of the engine. Every variant names the file, column,
//! row or formula position it concerns, so that the message alone tells the
//! user what to fix.

use std::path::PathBuf;

/// Everything that can go wrong between reading data and predicting.
#[derive(Debug, thiserror::Error)]
pub enum GamError {
    /// A file could not be opened or read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The CSV file is malformed at a given line.
    #[error("{}: line {line}: {message}", path.display())]
    Csv {
        /// The file.
        path: PathBuf,
        /// 1-based line number in the file (the header is line 1).
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// The file has no header or no data rows.
    #[error("{}: {message}", path.display())]
    EmptyData {
        /// The file.
        path: PathBuf,
        /// What is missing.
        message: String,
    },
    /// The formula could not be parsed or does not make sense.
    #[error("{message}\n{}", caret_lines(formula, *position))]
    Formula {
        /// The formula as written.
        formula: String,
        /// 0-based character position of the problem.
        position: usize,
        /// What was expected or is wrong.
        message: String,
    },
    /// A column named in the formula is not in the data.
    #[error("unknown column '{column}' (available: {})", listed(available))]
    UnknownColumn {
        /// The missing column.
        column: String,
        /// The columns the data has.
        available: Vec<String>,
    },
    /// A model term cannot be built from the data (e.g. a smooth of a factor, k too large).
    #[error("term {term}: {message}")]
    Term {
        /// The term as written, e.g. `s(x, k = 20)`.
        term: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// A data value is unusable (non-numeric response, invalid count, ...).
    #[error("column '{column}'{}: {message}", row.map(|r| format!(", row {r}")).unwrap_or_default())]
    Data {
        /// The column.
        column: String,
        /// 1-based data row (not counting the header), when one row is at fault.
        row: Option<usize>,
        /// What is wrong.
        message: String,
    },
    /// The fit could not be computed.
    #[error("fit failed: {message}")]
    Fit {
        /// What happened.
        message: String,
    },
    /// The fit's observer asked it to stop (e.g. on Ctrl-C) before it converged.
    #[error("fit interrupted after outer iteration {iterations} (REML {score:.4})")]
    Interrupted {
        /// The outer iteration reached, counted as checkpoints count it (a resumed fit goes on
        /// from its checkpoint's count): with `saved`, that of the checkpoint a rerun resumes
        /// from; otherwise that of the last iterate.
        iterations: usize,
        /// The criterion at that iterate.
        score: f64,
        /// Whether that iterate is saved as a checkpoint in the warm-start cache, so that the
        /// same fit through the same cache resumes from it.
        saved: bool,
    },
    /// A saved model could not be read.
    #[error("{}: not a gam model: {message}", path.display())]
    Model {
        /// The model file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
}

/// Column names listed in an error: a file of 3·10^5 columns would otherwise
/// make a line of megabytes.
const MAX_LISTED_COLUMNS: usize = 30;

/// The first [`MAX_LISTED_COLUMNS`] names, and how many more there are.
fn listed(names: &[String]) -> String {
    let mut out = names
        .iter()
        .take(MAX_LISTED_COLUMNS)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > MAX_LISTED_COLUMNS {
        out.push_str(&format!(" and {} more", names.len() - MAX_LISTED_COLUMNS));
    }
    out
}

/// Characters of a formula shown around an error position: a longer formula
/// is cut to this many, centred on the position, with `…` marking the cuts.
const FORMULA_WINDOW: usize = 120;

/// The formula (or the part of it around `position`) on one line, indented,
/// and a caret under the character at `position` (0-based) on the next.
fn caret_lines(formula: &str, position: usize) -> String {
    let chars: Vec<char> = formula.chars().collect();
    let position = position.min(chars.len());
    let (start, end) = if chars.len() <= FORMULA_WINDOW {
        (0, chars.len())
    } else {
        let start = position
            .saturating_sub(FORMULA_WINDOW / 2)
            .min(chars.len() - FORMULA_WINDOW);
        (start, start + FORMULA_WINDOW)
    };
    let mut shown = String::new();
    if start > 0 {
        shown.push('…');
    }
    shown.extend(&chars[start..end]);
    if end < chars.len() {
        shown.push('…');
    }
    let offset = position - start + usize::from(start > 0);
    format!("  {shown}\n  {}^", " ".repeat(offset))
}

/// Shorthand for results of the engine.
pub type Result<T, E = GamError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many_columns_are_listed_in_part() {
        let names: Vec<String> = (0..300_000).map(|i| format!("c{i}")).collect();
        let e = GamError::UnknownColumn {
            column: "nope".into(),
            available: names,
        }
        .to_string();
        assert!(e.starts_with("unknown column 'nope' (available: c0, c1, "), "{e}");
        assert!(e.ends_with(", c29 and 299970 more)"), "{e}");
        let few = GamError::UnknownColumn {
            column: "z".into(),
            available: vec!["x".into(), "y".into()],
        };
        assert_eq!(few.to_string(), "unknown column 'z' (available: x, y)");
    }
}
