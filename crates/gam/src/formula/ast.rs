//! The parsed formula: what the user asked for, with source positions.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::expr::Derived;
pub use super::span::Span;
use crate::error::GamError;

/// A parsed model formula `response ~ terms`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Formula {
    /// The formula as written, for error messages.
    pub text: String,
    /// What is modelled.
    pub response: Response,
    /// Where the response is written.
    pub response_span: Span,
    /// The terms in formula order (this order, parametric terms first, is
    /// mgcv's coefficient order; do not sort).
    pub terms: Vec<Term>,
    /// Whether the model has an intercept (`- 1`, `+ 0` or `0 +` remove it).
    pub intercept: bool,
    /// The columns computed by expressions (`log(x)`, `factor(g)`), in
    /// order of first appearance; terms name them by their deparsed text.
    #[serde(default)]
    pub derived: Vec<Derived>,
}

impl Formula {
    /// A [`GamError::Formula`] about this formula at character `position`,
    /// for later stages that find a problem with a term (use the term's span).
    pub fn error_at(&self, position: usize, message: impl Into<String>) -> GamError {
        GamError::Formula {
            formula: self.text.clone(),
            position,
            message: message.into(),
        }
    }

    /// The smooth terms, in formula order.
    pub fn smooths(&self) -> impl Iterator<Item = &SmoothSpec> {
        self.terms.iter().filter_map(|t| match t {
            Term::Smooth(s) => Some(s),
            _ => None,
        })
    }

    /// The bare column terms (linear or factor, decided from the data), in formula order.
    pub fn column_terms(&self) -> impl Iterator<Item = &ColumnRef> {
        self.terms.iter().filter_map(|t| match t {
            Term::Column(c) => Some(c),
            _ => None,
        })
    }

    /// The offset columns, in formula order (several offsets add up).
    pub fn offsets(&self) -> impl Iterator<Item = &ColumnRef> {
        self.terms.iter().filter_map(|t| match t {
            Term::Offset(c) => Some(c),
            _ => None,
        })
    }

    /// Every data column the formula refers to (response, covariates, `by`
    /// variables, offsets), each once, in order of first appearance: the
    /// columns whose missing values make a row unusable.
    pub fn columns_used(&self) -> Vec<String> {
        self.columns_read(true)
    }

    /// The data columns the right-hand side reads (what new data for a
    /// prediction must hold), each once, in order of first appearance.
    pub fn predictor_columns(&self) -> Vec<String> {
        self.columns_read(false)
    }

    /// The data columns the left-hand side reads (the response's, through
    /// its expression: `log(y)` reads `y`), each once, in order.
    pub fn response_columns(&self) -> Vec<String> {
        let names: Vec<&str> = match &self.response {
            Response::Column(y) => vec![y],
            Response::Binomial { successes, failures } => vec![successes, failures],
        };
        let mut out: Vec<String> = Vec::new();
        for name in names {
            match self.derived(name) {
                Some(d) => d.expr.vars(&mut out),
                None if !out.iter().any(|o| o == name) => out.push(name.to_string()),
                None => {}
            }
        }
        out
    }

    /// The derived column called `name`, if `name` is one.
    pub fn derived(&self, name: &str) -> Option<&Derived> {
        self.derived.iter().find(|d| d.name == name)
    }

    fn columns_read(&self, with_response: bool) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
        let mut add = |name: &str| {
            // A derived column reads the columns of its expression.
            let mut names = Vec::new();
            match self.derived(name) {
                Some(d) => d.expr.vars(&mut names),
                None => names.push(name.to_string()),
            }
            for n in names {
                if seen.insert(n.clone()) {
                    out.push(n);
                }
            }
        };
        match &self.response {
            _ if !with_response => {}
            Response::Column(y) => add(y),
            Response::Binomial { successes, failures } => {
                add(successes);
                add(failures);
            }
        }
        for term in &self.terms {
            match term {
                Term::Column(c) | Term::Offset(c) => add(&c.name),
                Term::Interaction(x) => x.vars.iter().for_each(|v| add(v)),
                Term::Smooth(s) => {
                    s.vars.iter().for_each(|v| add(v));
                    if let Some(by) = &s.by {
                        add(by);
                    }
                }
            }
        }
        out
    }
}

/// The left-hand side of a formula.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Response {
    /// One column.
    Column(String),
    /// `cbind(successes, failures)`, for binomial counts.
    Binomial {
        /// Column of success counts.
        successes: String,
        /// Column of failure counts.
        failures: String,
    },
}

/// One additive term of the right-hand side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Term {
    /// A bare column: linear if numeric, a factor term if a factor (decided from the data).
    Column(ColumnRef),
    /// `offset(col)`: added to the linear predictor with coefficient 1.
    Offset(ColumnRef),
    /// `s(...)`, `te(...)` or `ti(...)`.
    Smooth(SmoothSpec),
    /// A parametric interaction such as `a:b` (from `a:b`, `a * b`, `a / b`, `(a + b)^2`).
    Interaction(Interaction),
}

/// A parametric interaction term: two or more (possibly derived) columns,
/// in order of first appearance in the formula.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interaction {
    /// The columns, in R's order (first appearance in the formula).
    pub vars: Vec<String>,
    /// From the first to the last of its columns as written.
    pub span: Span,
}

impl Term {
    /// Where the whole term is written.
    pub fn span(&self) -> Span {
        match self {
            Term::Column(c) | Term::Offset(c) => c.span,
            Term::Smooth(s) => s.span,
            Term::Interaction(x) => x.span,
        }
    }

    /// mgcv's label: the column name, `offset(col)`, `a:b`, or [`SmoothSpec::label`].
    pub fn label(&self) -> String {
        match self {
            Term::Column(c) => c.name.clone(),
            Term::Offset(c) => format!("offset({})", c.name),
            Term::Smooth(s) => s.label(),
            Term::Interaction(x) => x.vars.join(":"),
        }
    }
}

/// A column named in a term.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnRef {
    /// The column name (without backquotes).
    pub name: String,
    /// The whole term's span: the name for a bare column, `offset(...)` for an offset.
    pub span: Span,
}

/// Which smooth constructor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SmoothKind {
    /// `s()`: one (possibly multivariate isotropic) smooth.
    S,
    /// `te()`: tensor product smooth, main effects included.
    Te,
    /// `ti()`: tensor product interaction, main effects excluded.
    Ti,
}

impl SmoothKind {
    /// The function name: `s`, `te` or `ti`.
    pub fn as_str(self) -> &'static str {
        match self {
            SmoothKind::S => "s",
            SmoothKind::Te => "te",
            SmoothKind::Ti => "ti",
        }
    }
}

/// A smoothing basis (mgcv's `bs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BasisType {
    /// Thin plate regression spline (`"tp"`), any dimension.
    Tp,
    /// Cubic regression spline (`"cr"`), one dimension.
    Cr,
    /// P-spline (`"ps"`), one dimension.
    Ps,
    /// Cyclic cubic regression spline (`"cc"`), one dimension.
    Cc,
    /// Random effect (`"re"`).
    Re,
    /// Thin plate regression spline with shrinkage (`"ts"`): its null space is penalised too.
    Ts,
    /// Cubic regression spline with shrinkage (`"cs"`): its null space is penalised too.
    Cs,
}

impl BasisType {
    /// Every supported basis, in the order error messages list them.
    pub const ALL: [BasisType; 7] = [
        BasisType::Tp,
        BasisType::Cr,
        BasisType::Ps,
        BasisType::Cc,
        BasisType::Re,
        BasisType::Ts,
        BasisType::Cs,
    ];

    /// mgcv's code: `"tp"`, `"cr"`, `"ps"`, `"cc"`, `"re"`, `"ts"` or `"cs"`.
    pub fn as_str(self) -> &'static str {
        match self {
            BasisType::Tp => "tp",
            BasisType::Cr => "cr",
            BasisType::Ps => "ps",
            BasisType::Cc => "cc",
            BasisType::Re => "re",
            BasisType::Ts => "ts",
            BasisType::Cs => "cs",
        }
    }

    /// The basis with mgcv code `code`, if supported.
    pub fn from_code(code: &str) -> Option<BasisType> {
        BasisType::ALL.into_iter().find(|b| b.as_str() == code)
    }

    /// Whether the basis only smooths one covariate.
    pub fn is_one_dimensional(self) -> bool {
        matches!(self, BasisType::Cr | BasisType::Ps | BasisType::Cc | BasisType::Cs)
    }
}

impl fmt::Display for BasisType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A smooth term with mgcv's defaults filled in.
///
/// For `s()`, `k` and `bs` have one element and `m` is the smooth's whole
/// `m` vector (e.g. `c(2, 2)` for a P-spline; `[None]` = mgcv's default).
/// For `te()`/`ti()`, `k`, `bs` and `m` have one element per margin (one
/// margin per covariate), a single value given by the user being repeated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmoothSpec {
    /// `s`, `te` or `ti`.
    pub kind: SmoothKind,
    /// Covariate columns, in the order written.
    pub vars: Vec<String>,
    /// Basis dimension(s); for `s()`, `-1` means the basis's default (mgcv's convention).
    pub k: Vec<i64>,
    /// Basis type(s); defaults `tp` for `s()`, `cr` per margin for `te()`/`ti()`.
    pub bs: Vec<BasisType>,
    /// Penalty order(s); `None` is mgcv's `NA`, the basis's default.
    pub m: Vec<Option<i64>>,
    /// The `by` column, if any (numeric: varying coefficient; factor: one smooth per level).
    pub by: Option<String>,
    /// `fx = TRUE`: an unpenalised regression spline of fixed degrees of freedom.
    pub fx: bool,
    /// mgcv's `sp =`: one smoothing parameter per penalty of the term (per margin of a
    /// `te()`), fixed if ≥ 0, estimated if negative. Empty: all estimated.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sp: Vec<SpValue>,
    /// Where the whole term is written.
    pub span: Span,
    /// mgcv's `xt = list(max.knots = ..., seed = ...)` of a thin plate smooth.
    #[serde(default)]
    pub xt: SmoothXt,
}

/// The extra arguments `xt = list(...)` of a smooth that are supported:
/// a thin plate smooth's knot subsampling (`None` = mgcv's default).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmoothXt {
    /// `max.knots`: at most this many knots (mgcv's default 2000).
    pub max_knots: Option<i64>,
    /// `seed`: the random seed of the knot sample (mgcv's default 1).
    pub seed: Option<i64>,
}

impl SmoothXt {
    /// Whether nothing was given.
    pub fn is_default(&self) -> bool {
        *self == SmoothXt::default()
    }
}

/// A smoothing parameter written in a formula: an `f64` compared by its bits, so that a
/// [`SmoothSpec`] stays `Eq`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SpValue(pub f64);

impl PartialEq for SpValue {
    fn eq(&self, other: &Self) -> bool {
        self.0.to_bits() == other.0.to_bits()
    }
}

impl Eq for SpValue {}

impl SmoothSpec {
    /// mgcv's label: `s(x)`, `s(x,z)`, `te(Wind,Temp)`, `ti(x,z)`, with
    /// `:by` appended for a `by` variable (`s(x):z`). For a factor `by`
    /// mgcv appends the level too (`s(x):gA`); that is the caller's job.
    pub fn label(&self) -> String {
        let mut label = format!("{}({})", self.kind.as_str(), self.vars.join(","));
        if let Some(by) = &self.by {
            label.push(':');
            label.push_str(by);
        }
        label
    }
}
