//! The one error type of the engine. Every variant names the file, column,
//! row or formula position it concerns, so that the message alone tells the
//! user what to fix.
//!
//! A fit that cannot be computed has a variant for each reason, so that a
//! caller can tell a model that is not identifiable (naming the aliased
//! terms) from perfect separation, a failed or unconverged inner iteration,
//! an overflow, or a model too large for the data or the memory. The enum
//! is `#[non_exhaustive]`: new reasons may come.

use std::path::PathBuf;

/// Everything that can go wrong between reading data and predicting.
///
/// New variants may be added: match with a `_` arm.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
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
    /// The model is not identifiable: a linear system of the fit (the
    /// penalised normal equations, the penalised IRLS system or Hessian) is
    /// singular, because some coefficients are aliased: a column of the
    /// model matrix is a combination of others and no penalty separates them.
    #[error("fit failed: {}", not_identifiable(terms, symptom))]
    NotIdentifiable {
        /// The labels of the terms whose coefficients are aliased, in model
        /// order (`(Intercept)` for the intercept). Empty when no structural
        /// aliasing was found: the system became singular only at the fit's
        /// weights or smoothing parameters (e.g. perfect separation in a
        /// binomial model).
        terms: Vec<String>,
        /// Which system was found singular, and how, e.g. `the penalised
        /// normal equations are singular`.
        symptom: String,
    },
    /// Perfect separation in a binomial model: a term predicts the 0/1
    /// outcome exactly, so its coefficient would be infinite.
    #[error(
        "fit failed: perfect separation in the binomial model: term {term} {detail}, so its coefficient would be \
         infinite. Remove the term, merge the levels, or add data where the outcome varies"
    )]
    Separation {
        /// The term that separates the outcomes, as labelled in the model.
        term: String,
        /// How it separates them (the level, the split value, or the rows
        /// fitted at probability 0 or 1).
        detail: String,
    },
    /// Penalised IRLS (the inner fit of a generalized model) stopped
    /// without a usable iterate.
    #[error("fit failed: {failure}")]
    InnerFailed {
        /// What went wrong.
        failure: InnerFailure,
    },
    /// Penalised IRLS did not converge within its iteration limit.
    #[error(
        "fit failed: penalised IRLS did not converge in {iterations} iterations (deviance {deviance:.6}, \
         penalty {penalty:.6})"
    )]
    NoConvergence {
        /// Iterations taken (the limit).
        iterations: usize,
        /// The deviance at the last iterate.
        deviance: f64,
        /// The penalty at the last iterate.
        penalty: f64,
    },
    /// The fitted model holds a non-finite number (the criterion, scale, a
    /// coefficient, the covariance or the deviance): the data overflowed
    /// double precision.
    #[error("fit failed: {what}; {cause}")]
    NotFinite {
        /// Which number is not finite, with its value, e.g. `the REML criterion is inf`.
        what: String,
        /// The likely cause (the most extreme value in the data) and what to do.
        cause: String,
    },
    /// The model has at least as many coefficients as there are rows of data.
    #[error(
        "fit failed: the model has {coefficients} coefficients but only {rows} rows of data: reduce k or the \
         number of terms"
    )]
    TooFewRows {
        /// Coefficients of the model.
        coefficients: usize,
        /// Rows of data the fit uses.
        rows: usize,
    },
    /// The fit would need more memory than the machine has available.
    #[error(
        "fit failed: the model has {coefficients} coefficients{}; the fit would need about {} of memory and {} \
         is available: reduce k or the number of terms",
        largest_term.as_ref().map(|(t, c)| format!(" ({t}: {c})")).unwrap_or_default(),
        bytes(*needed_bytes),
        bytes(*available_bytes)
    )]
    TooLarge {
        /// Coefficients of the model.
        coefficients: usize,
        /// The term with the most coefficients, and how many it has.
        largest_term: Option<(String, usize)>,
        /// Memory the fit would need, in bytes (an upper estimate).
        needed_bytes: f64,
        /// Memory available, in bytes.
        available_bytes: f64,
    },
    /// The response does not suit the family, e.g. a `cbind(successes,
    /// failures)` response with a family other than binomial.
    #[error("fit failed: a {response} response needs the binomial family, not {family}")]
    FamilyMismatch {
        /// The response as written, e.g. `cbind(s, f)`.
        response: String,
        /// The family asked for.
        family: String,
    },
    /// The family does not take the link asked for.
    #[error("the {family} family does not take the {link} link (it takes: {})", links.join(", "))]
    LinkMismatch {
        /// The family.
        family: String,
        /// The link asked for.
        link: String,
        /// The links the family takes.
        links: Vec<String>,
    },
    /// A warm start (a cached checkpoint or a related fit) does not match
    /// the model: it has a different number of smoothing parameters.
    #[error("fit failed: warm start has {given} smoothing parameters, the model {expected}")]
    WarmStartMismatch {
        /// Smoothing parameters in the warm start.
        given: usize,
        /// Smoothing parameters of the model.
        expected: usize,
    },
    /// A smoothing control (mgcv's `sp`, `min.sp`, a term's `sp =`) or a fixed family
    /// parameter that does not fit the model: which option and what to do.
    #[error("{option}: {message}")]
    Control {
        /// The option as mgcv spells it (`sp`, `min.sp`, `negbin(theta)`).
        option: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// A model was not written because it would not load again.
    #[error("{}: not saved: {problem}", path.display())]
    ModelNotSaved {
        /// Where the model was to be written.
        path: PathBuf,
        /// What is wrong with the model (one line).
        problem: String,
    },
    /// The fit's observer asked it to stop (e.g. on Ctrl-C) before it converged.
    #[error("fit interrupted after outer iteration {iterations} (criterion {score:.4})")]
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
    /// No family of this build has the name (a front end's family option).
    #[error("unsupported family '{name}': this build fits {known}")]
    UnknownFamily {
        /// The name as given.
        name: String,
        /// The families this build fits, comma-separated.
        known: String,
    },
    /// The link is unknown or not one the family takes (a front end's link option).
    #[error("unsupported link '{name}' for the {family} family: supported links are {links}")]
    UnsupportedLink {
        /// The link name as given.
        name: String,
        /// The family it was asked for.
        family: String,
        /// The family's links, comma-separated.
        links: String,
    },
    /// Fewer folds than cross-validation needs.
    #[error("the number of folds must be at least {min}, not {folds}")]
    TooFewFolds {
        /// The number asked for.
        folds: usize,
        /// The least number.
        min: usize,
    },
    /// More folds than rows without missing values.
    #[error("{folds} folds are more than the {rows} rows with no missing values")]
    TooManyFolds {
        /// The number asked for.
        folds: usize,
        /// Rows left after dropping those with missing values.
        rows: usize,
    },
    /// A fold of a cross-validation failed: its fit, or the prediction and
    /// scoring of its held-out rows.
    #[error("{} fold {fold}: {source}", if *predicting { "predicting the held-out rows of" } else { "fitting" })]
    Fold {
        /// 1-based fold number.
        fold: usize,
        /// Whether the held-out prediction failed (else the fit).
        predicting: bool,
        /// Why.
        #[source]
        source: Box<GamError>,
    },
    /// The warm-start cache could not be opened (a fit itself never fails
    /// for want of the cache: it goes on without it, with a warning).
    #[error("{}", cache_line(path, message))]
    Cache {
        /// The cache directory (empty when none could be determined).
        path: PathBuf,
        /// What went wrong and what to do.
        message: String,
    },
    /// A saved model could not be read.
    #[error("{}: not a gam model: {message}", path.display())]
    Model {
        /// The model file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// A fitting option with a value that makes no sense (`method`, `gamma`, ...).
    #[error("{option}: {message}")]
    BadOption {
        /// The option, as mgcv and the command line spell it.
        option: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// Models that cannot be compared in one table (`anova` of several
    /// models, `compare`): fitted to different rows, responses or families.
    #[error("{message}")]
    NotComparable {
        /// Which models differ, how, and what to do.
        message: String,
    },
}

/// What kind of failure a [`GamError`] is: the coarse classes a front end
/// maps to its own error types (a Python binding's exception hierarchy)
/// without matching every variant, so that a new variant does not break it.
///
/// ```
/// use gam::{ErrorKind, Gam};
/// let e = Gam::new("y ~ s(x").unwrap_err();
/// assert_eq!(e.kind(), ErrorKind::Formula);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The formula does not parse, or a term cannot be built from the data.
    Formula,
    /// The data: a missing column, a bad value, a malformed file, a response unfit for the family.
    Data,
    /// An option: the family, link, method, gamma, a smoothing control, the number of folds.
    Option,
    /// The fit could not be computed (not identifiable, separation, no convergence, too large, ...).
    Fit,
    /// The fit's observer asked it to stop.
    Interrupted,
    /// A model file or JSON could not be read, or a model would not load again.
    Model,
    /// The warm-start cache could not be opened.
    Cache,
    /// A file could not be opened or read.
    Io,
}

impl GamError {
    /// The kind of this error; a cross-validation fold's error
    /// ([`GamError::Fold`]) has the kind of the error inside it.
    pub fn kind(&self) -> ErrorKind {
        match self {
            GamError::Formula { .. } | GamError::Term { .. } => ErrorKind::Formula,
            GamError::Data { .. }
            | GamError::UnknownColumn { .. }
            | GamError::Csv { .. }
            | GamError::EmptyData { .. }
            | GamError::FamilyMismatch { .. } => ErrorKind::Data,
            GamError::LinkMismatch { .. }
            | GamError::UnknownFamily { .. }
            | GamError::UnsupportedLink { .. }
            | GamError::Control { .. }
            | GamError::BadOption { .. }
            | GamError::TooFewFolds { .. }
            | GamError::TooManyFolds { .. } => ErrorKind::Option,
            GamError::NotIdentifiable { .. }
            | GamError::Separation { .. }
            | GamError::InnerFailed { .. }
            | GamError::NoConvergence { .. }
            | GamError::NotFinite { .. }
            | GamError::TooFewRows { .. }
            | GamError::TooLarge { .. }
            | GamError::WarmStartMismatch { .. } => ErrorKind::Fit,
            GamError::Interrupted { .. } => ErrorKind::Interrupted,
            GamError::Model { .. } | GamError::ModelNotSaved { .. } | GamError::NotComparable { .. } => {
                ErrorKind::Model
            }
            GamError::Cache { .. } => ErrorKind::Cache,
            GamError::Io { .. } => ErrorKind::Io,
            GamError::Fold { source, .. } => source.kind(),
        }
    }

    /// The error itself, or for a cross-validation fold's error the error
    /// inside it (through any depth): what a front end inspects for details
    /// such as [`GamError::TooLarge`] or an [`GamError::Io`] error's cause.
    pub fn innermost(&self) -> &GamError {
        match self {
            GamError::Fold { source, .. } => source.innermost(),
            other => other,
        }
    }

    /// The data column the error names, if it names one.
    pub fn column(&self) -> Option<&str> {
        match self.innermost() {
            GamError::Data { column, .. } | GamError::UnknownColumn { column, .. } => Some(column),
            _ => None,
        }
    }

    /// The 1-based data row a [`GamError::Data`] names (not counting a
    /// header), if it names one; a CSV error names a file line instead.
    pub fn row(&self) -> Option<usize> {
        match self.innermost() {
            GamError::Data { row, .. } => *row,
            _ => None,
        }
    }

    /// The 0-based character position in the formula, for a formula that does not parse.
    pub fn position(&self) -> Option<usize> {
        match self.innermost() {
            GamError::Formula { position, .. } => Some(*position),
            _ => None,
        }
    }
}

/// Why penalised IRLS (the inner fit of a generalized model) stopped.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum InnerFailure {
    /// No starting linear predictor gives valid means for the family and link.
    #[error("no valid starting values for the {family} family with the {link} link")]
    NoValidStart {
        /// The family.
        family: String,
        /// The link.
        link: String,
    },
    /// Step halving found no step with a finite deviance.
    #[error("penalised IRLS could not find a step with a finite deviance")]
    NonFiniteDeviance,
    /// Step halving found no step that reduces the penalised deviance.
    #[error("penalised IRLS could not reduce the penalised deviance")]
    DevianceNotReduced,
    /// The penalised quasi-likelihood start reached means outside the family's range.
    #[error("PQL reached invalid means")]
    InvalidMeans,
}

/// The explanation of [`GamError::NotIdentifiable`]: the aliased terms and
/// what to do when they are known, the symptom otherwise.
fn not_identifiable(terms: &[String], symptom: &str) -> String {
    match terms {
        [] => format!(
            "{symptom}: some coefficients are not identifiable (check for collinear or constant covariates, or \
             perfect separation in a binomial model)"
        ),
        [one] => format!(
            "the model is not identifiable: the coefficients of {one} are aliased (a column of the term is a \
             combination of its others); reduce k or remove the term"
        ),
        [init @ .., last] => format!(
            "the model is not identifiable: the coefficients of {} and {last} are aliased (a column of one is a \
             combination of the others); remove one of the terms or reduce k",
            init.join(", ")
        ),
    }
}

/// Bytes as a person reads them: `512 MiB`, `23.4 GiB`, `82 TB`.
pub(crate) fn bytes(b: f64) -> String {
    const UNITS: [&str; 7] = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut v = b;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    if unit + 1 == UNITS.len() && v >= 1024.0 {
        return format!("{b:.1e} bytes");
    }
    format!("{v:.1} {}", UNITS[unit])
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

/// A cache that could not be opened, naming its directory once: the
/// store's own messages usually name it already.
fn cache_line(path: &std::path::Path, message: &str) -> String {
    let shown = path.display().to_string();
    if shown.is_empty() || message.contains(&shown) {
        format!("cache not opened: {message}")
    } else {
        format!("{shown}: cache not opened: {message}")
    }
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

    #[test]
    fn not_identifiable_names_the_aliased_terms() {
        let e = |terms: &[&str]| {
            GamError::NotIdentifiable {
                terms: terms.iter().map(|t| t.to_string()).collect(),
                symptom: "the penalised normal equations are singular".into(),
            }
            .to_string()
        };
        assert_eq!(
            e(&["s(x)", "s(x2)"]),
            "fit failed: the model is not identifiable: the coefficients of s(x) and s(x2) are aliased (a column \
             of one is a combination of the others); remove one of the terms or reduce k"
        );
        assert!(e(&["(Intercept)", "x", "s(x)"]).contains("of (Intercept), x and s(x) are aliased"));
        assert!(e(&["g"]).contains("the coefficients of g are aliased"));
        // Nothing structural found: the symptom, and where to look.
        assert_eq!(
            e(&[]),
            "fit failed: the penalised normal equations are singular: some coefficients are not identifiable \
             (check for collinear or constant covariates, or perfect separation in a binomial model)"
        );
    }

    #[test]
    fn every_fit_failure_is_one_line() {
        let errors = [
            GamError::Separation {
                term: "x".into(),
                detail: "splits the outcomes exactly".into(),
            },
            GamError::InnerFailed {
                failure: InnerFailure::NoValidStart {
                    family: "Gamma".into(),
                    link: "identity".into(),
                },
            },
            GamError::InnerFailed {
                failure: InnerFailure::NonFiniteDeviance,
            },
            GamError::InnerFailed {
                failure: InnerFailure::DevianceNotReduced,
            },
            GamError::InnerFailed {
                failure: InnerFailure::InvalidMeans,
            },
            GamError::NoConvergence {
                iterations: 200,
                deviance: 12.5,
                penalty: 0.25,
            },
            GamError::NotFinite {
                what: "the scale estimate is inf".into(),
                cause: "the data may be badly scaled: try rescaling the columns the model uses".into(),
            },
            GamError::TooFewRows {
                coefficients: 15,
                rows: 12,
            },
            GamError::TooLarge {
                coefficients: 100_010,
                largest_term: None,
                needed_bytes: 3.0 * 1024.0 * 1024.0,
                available_bytes: 1024.0,
            },
            GamError::FamilyMismatch {
                response: "cbind(s, f)".into(),
                family: "poisson".into(),
            },
            GamError::LinkMismatch {
                family: "poisson".into(),
                link: "logit".into(),
                links: vec!["log".into(), "identity".into()],
            },
            GamError::WarmStartMismatch { given: 3, expected: 1 },
            GamError::ModelNotSaved {
                path: "m.json".into(),
                problem: "coefficient 2 is NaN".into(),
            },
        ];
        let expected = [
            "fit failed: perfect separation in the binomial model: term x splits the outcomes exactly, so its \
             coefficient would be infinite. Remove the term, merge the levels, or add data where the outcome varies",
            "fit failed: no valid starting values for the Gamma family with the identity link",
            "fit failed: penalised IRLS could not find a step with a finite deviance",
            "fit failed: penalised IRLS could not reduce the penalised deviance",
            "fit failed: PQL reached invalid means",
            "fit failed: penalised IRLS did not converge in 200 iterations (deviance 12.500000, penalty 0.250000)",
            "fit failed: the scale estimate is inf; the data may be badly scaled: try rescaling the columns the \
             model uses",
            "fit failed: the model has 15 coefficients but only 12 rows of data: reduce k or the number of terms",
            "fit failed: the model has 100010 coefficients; the fit would need about 3.0 MiB of memory and 1.0 KiB \
             is available: reduce k or the number of terms",
            "fit failed: a cbind(s, f) response needs the binomial family, not poisson",
            "the poisson family does not take the logit link (it takes: log, identity)",
            "fit failed: warm start has 3 smoothing parameters, the model 1",
            "m.json: not saved: coefficient 2 is NaN",
        ];
        for (e, want) in errors.iter().zip(expected) {
            assert_eq!(e.to_string(), want);
        }
    }

    #[test]
    fn a_folds_error_has_the_kind_and_details_of_the_error_inside_it() {
        let data = GamError::Data {
            column: "y".into(),
            row: Some(7),
            message: "a count must be a non-negative number".into(),
        };
        let fold = GamError::Fold {
            fold: 2,
            predicting: false,
            source: Box::new(GamError::Fold {
                fold: 1,
                predicting: true,
                source: Box::new(data),
            }),
        };
        assert_eq!(fold.kind(), ErrorKind::Data);
        assert_eq!((fold.column(), fold.row(), fold.position()), (Some("y"), Some(7), None));
        assert!(matches!(fold.innermost(), GamError::Data { .. }));
        let kinds = [
            (GamError::WarmStartMismatch { given: 1, expected: 2 }, ErrorKind::Fit),
            (GamError::TooFewFolds { folds: 1, min: 2 }, ErrorKind::Option),
            (
                GamError::Interrupted {
                    iterations: 3,
                    score: 1.0,
                    saved: true,
                },
                ErrorKind::Interrupted,
            ),
            (
                GamError::ModelNotSaved {
                    path: "m.json".into(),
                    problem: "NaN".into(),
                },
                ErrorKind::Model,
            ),
            (
                GamError::Io {
                    path: "d.csv".into(),
                    source: std::io::Error::from(std::io::ErrorKind::NotFound),
                },
                ErrorKind::Io,
            ),
            (
                GamError::Formula {
                    formula: "y ~ s(x".into(),
                    position: 7,
                    message: "expected ')'".into(),
                },
                ErrorKind::Formula,
            ),
        ];
        for (e, kind) in kinds {
            assert_eq!(e.kind(), kind, "{e}");
        }
    }

    #[test]
    fn bytes_read_as_a_person_reads_them() {
        assert_eq!(bytes(512.0), "512.0 bytes");
        assert_eq!(bytes(23.4 * 1024.0 * 1024.0 * 1024.0), "23.4 GiB");
        assert_eq!(bytes(1e30), "1.0e30 bytes");
    }

    #[test]
    fn a_cache_error_names_its_directory_once() {
        let repeated = GamError::Cache {
            path: "/tmp/a.csv".into(),
            message: "cache root /tmp/a.csv is not a directory".into(),
        };
        assert_eq!(
            repeated.to_string(),
            "cache not opened: cache root /tmp/a.csv is not a directory"
        );
        let plain = GamError::Cache {
            path: "/tmp/c".into(),
            message: "permission denied".into(),
        };
        assert_eq!(plain.to_string(), "/tmp/c: cache not opened: permission denied");
    }
}
