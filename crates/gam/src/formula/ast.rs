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
// A formula holds a handful of terms: boxing the smooth would add an
// indirection to every use and save nothing that matters.
#[allow(clippy::large_enum_variant)]
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
    /// `t2()`: tensor product of Wood, Scheipl & Faraway (2013), one
    /// identity penalty per product of margin range and null spaces.
    T2,
}

impl SmoothKind {
    /// The function name: `s`, `te`, `ti` or `t2`.
    pub fn as_str(self) -> &'static str {
        match self {
            SmoothKind::S => "s",
            SmoothKind::Te => "te",
            SmoothKind::Ti => "ti",
            SmoothKind::T2 => "t2",
        }
    }

    /// Whether the smooth is a tensor product of margins (`te`, `ti`, `t2`).
    pub fn is_tensor(self) -> bool {
        self != SmoothKind::S
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
    /// Factor-smooth interaction (`"fs"`): one smooth of the numeric covariates per factor level.
    Fs,
    /// Constrained factor-smooth interaction (`"sz"`): level smooths as differences from a main smooth.
    Sz,
    /// Adaptive smooth (`"ad"`): a P-spline whose penalty varies smoothly with the covariate.
    Ad,
    /// Gaussian process smooth (`"gp"`) with one of mgcv's correlation functions.
    Gp,
    /// Duchon spline (`"ds"`).
    Ds,
    /// B-spline with derivative penalties (`"bs"`).
    Bs,
    /// Cyclic P-spline (`"cp"`).
    Cp,
    /// Markov random field over areas with a neighbourhood structure (`"mrf"`).
    Mrf,
}

impl BasisType {
    /// Every supported basis, in the order error messages list them.
    pub const ALL: [BasisType; 15] = [
        BasisType::Tp,
        BasisType::Cr,
        BasisType::Ps,
        BasisType::Cc,
        BasisType::Re,
        BasisType::Ts,
        BasisType::Cs,
        BasisType::Fs,
        BasisType::Sz,
        BasisType::Ad,
        BasisType::Gp,
        BasisType::Ds,
        BasisType::Bs,
        BasisType::Cp,
        BasisType::Mrf,
    ];

    /// mgcv's code, such as `"tp"`, `"cr"` or `"mrf"`.
    pub fn as_str(self) -> &'static str {
        match self {
            BasisType::Tp => "tp",
            BasisType::Cr => "cr",
            BasisType::Ps => "ps",
            BasisType::Cc => "cc",
            BasisType::Re => "re",
            BasisType::Ts => "ts",
            BasisType::Cs => "cs",
            BasisType::Fs => "fs",
            BasisType::Sz => "sz",
            BasisType::Ad => "ad",
            BasisType::Gp => "gp",
            BasisType::Ds => "ds",
            BasisType::Bs => "bs",
            BasisType::Cp => "cp",
            BasisType::Mrf => "mrf",
        }
    }

    /// The basis with mgcv code `code`, if supported.
    pub fn from_code(code: &str) -> Option<BasisType> {
        BasisType::ALL.into_iter().find(|b| b.as_str() == code)
    }

    /// Whether the basis only smooths one covariate.
    pub fn is_one_dimensional(self) -> bool {
        matches!(
            self,
            BasisType::Cr
                | BasisType::Ps
                | BasisType::Cc
                | BasisType::Cs
                | BasisType::Bs
                | BasisType::Cp
                | BasisType::Mrf
        )
    }

    /// Whether a factor covariate is allowed (`re`, `fs`, `sz`, `mrf` take factors).
    pub fn takes_factors(self) -> bool {
        matches!(self, BasisType::Re | BasisType::Fs | BasisType::Sz | BasisType::Mrf)
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
/// For `te()`/`ti()`/`t2()`, `k`, `bs` and `m` have one element per margin
/// (one margin per covariate unless `d` groups them), a single value given
/// by the user being repeated.
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
    /// Penalty order(s) and other basis parameters (a Gaussian process's
    /// range, a Duchon spline's `s`); `None` is mgcv's `NA`, the basis's default.
    pub m: Vec<Option<Real>>,
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
    /// mgcv's `xt =`: knot subsampling, a margin basis, a file.
    #[serde(default)]
    pub xt: SmoothXt,
    /// mgcv's `id =`: smooths with the same id share their smoothing
    /// parameters (and, as in mgcv, one basis set up from their pooled covariates).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// mgcv's `d =` of a tensor product: how many covariates each margin
    /// takes, in order. Empty: one per covariate.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub d: Vec<usize>,
    /// mgcv's `mc =` of `ti()`: which margins get the centring constraint.
    /// Empty: all of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mc: Vec<bool>,
    /// mgcv's `full = TRUE` of `t2()`: the null-space products are penalised
    /// separately (`false`, the default, merges them).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub full: bool,
    /// mgcv's `ord =` of `t2()`: which orders of products to keep (1: main
    /// effects of the margins' ranges ...). Empty: all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ord: Vec<usize>,
}

/// The extra arguments `xt = ...` of a smooth that are supported: a thin
/// plate smooth's knot subsampling (`None` = mgcv's default), a class's
/// margin basis (`xt = "cr"` or `list(bs = "cr")` of `fs`, `sz` and `ad`),
/// a neighbourhood file (`xt = "nb.json"` of `mrf`), or, for a tensor
/// product, one of those per margin (`margins`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmoothXt {
    /// `max.knots`: at most this many knots (mgcv's default 2000).
    pub max_knots: Option<i64>,
    /// `seed`: the random seed of the knot sample (mgcv's default 1).
    pub seed: Option<i64>,
    /// `xt = "text"`: a basis code or a file name, as the class reads it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// `xt = list(bs = "code")`: the margin basis of `fs`, `sz` or `ad`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bs: Option<String>,
    /// A tensor product's xt per margin, in order (mgcv's `xt = list(xt1,
    /// xt2)`; `NULL` is the default): one entry per margin once parsed, the
    /// other fields then empty. Empty for `s()` and for a tensor product
    /// without `xt`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub margins: Vec<SmoothXt>,
}

impl SmoothXt {
    /// Whether nothing was given.
    pub fn is_default(&self) -> bool {
        *self == SmoothXt::default()
    }
}

/// A number written in a formula (a smoothing parameter, an element of
/// `m`): an `f64` compared by its bits, so that a [`SmoothSpec`] stays `Eq`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Real(pub f64);

/// A smoothing parameter written in a formula (negative: estimate it).
pub type SpValue = Real;

impl PartialEq for Real {
    fn eq(&self, other: &Self) -> bool {
        self.0.to_bits() == other.0.to_bits()
    }
}

impl Eq for Real {}

impl Real {
    /// The value as a whole number, if it is one.
    pub fn whole(self) -> Option<i64> {
        (self.0.fract() == 0.0 && self.0.abs() < 9.0e15).then_some(self.0 as i64)
    }
}

impl SmoothSpec {
    /// `m[i]` as a whole number (`None` when not given, NA or not whole:
    /// `check_m` refuses the last for classes that need whole orders).
    pub fn m_int(&self, i: usize) -> Option<i64> {
        self.m.get(i).copied().flatten().and_then(Real::whole)
    }

    /// `m` as whole numbers (entries that are not whole become `None`).
    pub fn m_ints(&self) -> Vec<Option<i64>> {
        self.m.iter().map(|v| v.and_then(Real::whole)).collect()
    }

    /// How many covariates each margin of a tensor product takes (one each
    /// unless `d` was given); `[n]` for `s()`.
    pub fn margin_dims(&self) -> Vec<usize> {
        match self.kind {
            SmoothKind::S => vec![self.vars.len()],
            _ if self.d.is_empty() => vec![1; self.vars.len()],
            _ => self.d.clone(),
        }
    }

    /// The `xt` of margin `i`: a tensor product's own entry for the margin
    /// (the default when it has none), the whole `xt` of an `s()`.
    pub fn margin_xt(&self, i: usize) -> &SmoothXt {
        static NONE: SmoothXt = SmoothXt {
            max_knots: None,
            seed: None,
            text: None,
            bs: None,
            margins: Vec::new(),
        };
        if self.kind == SmoothKind::S {
            &self.xt
        } else {
            self.xt.margins.get(i).unwrap_or(&NONE)
        }
    }

    /// The margin (the entry of `k`, `bs`, `m`) of a tensor product that
    /// covariate `i` belongs to; 0 for `s()`.
    pub fn margin_of(&self, i: usize) -> usize {
        let mut end = 0;
        for (margin, d) in self.margin_dims().into_iter().enumerate() {
            end += d;
            if i < end {
                return margin;
            }
        }
        0
    }

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
