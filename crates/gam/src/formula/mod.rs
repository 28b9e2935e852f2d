//! The second stage of the data flow: mgcv formula syntax to terms.
//!
//! ```text
//! formula  := response '~' rhs
//! response := value | 'cbind' '(' column ',' column ')'
//! rhs      := ['+' | '-'] product (('+' | '-') product)*
//! product  := colon (('*' | '/') colon)*
//! colon    := power (':' power)*
//! power    := atom ['^' whole number]
//! atom     := '0' | '1' | '(' rhs ')' | value | 'offset' '(' value ')' | smooth
//! smooth   := ('s' | 'te' | 'ti') '(' value (',' value)* (',' name '=' value)* ')'
//! value    := column | number | call | value op value | '-' value | '(' value ')'
//! call     := log | log10 | log1p | exp | sqrt | abs | I | as.numeric
//!           | factor | as.factor | ordered '(' value ')' | (pmin | pmax) '(' value ',' value ')'
//! column   := R identifier (letters, digits, '.', '_') | `backquoted name`
//! ```
//!
//! The formula operators (`+ - * : / ^`) mean what they mean to R's
//! `terms()` (see the `terms` module: `a * b` is `a + b + a:b`, `a / b` is
//! `a + a:b`, `(a + b + c)^2` every term of up to two columns, `- t` drops
//! `t`); inside a call they are arithmetic (`log(x + 1)`, `I(x^2)`). Every
//! value that is not a bare column (`log(x)`, `I(y / n)`, `factor(g)`) is a
//! [`Derived`] column, named by its text as R deparses it, which the data
//! gets before the design is built ([`eval::add_derived`]); terms name it
//! like any column, so mgcv's labels (`s(log(x))`) and coefficient names
//! (`I(x^2)`, `factor(g)2`) follow.
//!
//! Smooth arguments are mgcv's `k`, `bs` (`"tp"`, `"cr"`, `"ps"`, `"cc"`,
//! `"re"`), `m`, `by` and `fx`, with mgcv's defaults: `s()` has `bs = "tp"`,
//! `k = -1` (the basis's default); `te()`/`ti()` have `bs = "cr"`, `k = 5` per
//! margin. `- 1`, `+ 0` and `0 +` remove the intercept.
//!
//! Errors are [`GamError::Formula`](crate::GamError::Formula) with the
//! 0-based character position of the problem; messages that mention a
//! "column N" count characters from 1, as an editor does.

mod ast;
pub mod eval;
mod expr;
mod lexer;
pub mod list;
mod parser;
mod smooth;
mod span;
mod terms;
mod value;
mod xt;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_basis_args;
#[cfg(test)]
mod tests_errors;
#[cfg(test)]
mod tests_expr;

pub use ast::{
    BasisType, ColumnRef, Formula, Interaction, Real, Response, SmoothKind, SmoothSpec, SmoothXt, SpValue, Span, Term,
};
pub use expr::{BinOp, Derived, Expr, Fun};

use crate::data::DataFrame;
use crate::error::Result;

impl Formula {
    /// Parses an mgcv formula such as `y ~ s(x, k = 20) + te(a, b) + g`.
    pub fn parse(text: &str) -> Result<Formula> {
        parser::parse(text)
    }

    /// `data` with the columns the formula's expressions compute (`log(x)`,
    /// `I(y / n)`, `factor(g)`) added under their deparsed names. An
    /// expression that cannot be evaluated is a formula error at the
    /// function or operator, naming the data row (`log()` of a negative
    /// number: R gives NaN with a warning; here the fit stops).
    pub fn derive(&self, data: DataFrame) -> Result<DataFrame> {
        if self.derived.is_empty() {
            return Ok(data);
        }
        // The original row numbers, for the message, survive the move into the evaluation.
        let rows = data.original_rows().to_vec();
        eval::add_derived(data, &self.derived, false).map_err(|e| {
            let message = match e.row {
                Some(r) => format!("{} (data row {})", e.message, rows[r] + 1),
                None => e.message,
            };
            self.error_at(e.span.start, message)
        })
    }

    /// The formula's meaning as a string, for cache keys: white space
    /// normalised, defaults made explicit, names backquoted, the intercept
    /// explicit and terms sorted. Formulas that differ only in spelling or
    /// term order give the same string. The term order does matter for the
    /// order of coefficients (mgcv's: parametric terms, then smooths in
    /// formula order), so never order anything by this string: a cached
    /// result must be stored against term labels, not positions, if
    /// reordered formulas are to share it.
    pub fn canonical(&self) -> String {
        let response = match &self.response {
            Response::Column(y) => quote(y),
            Response::Binomial { successes, failures } => format!("cbind({},{})", quote(successes), quote(failures)),
        };
        let mut terms: Vec<String> = self.terms.iter().map(canonical_term).collect();
        terms.sort();
        let mut out = format!("{response}~{}", if self.intercept { "1" } else { "0" });
        for t in terms {
            out.push('+');
            out.push_str(&t);
        }
        // What each derived column computes: the expression `log(x)` is not
        // a column called `log(x)`.
        let mut derived: Vec<String> = self
            .derived
            .iter()
            .map(|d| format!("{}:={}", quote(&d.name), d.expr.canonical()))
            .collect();
        derived.sort();
        for d in derived {
            out.push(';');
            out.push_str(&d);
        }
        out
    }
}

impl std::str::FromStr for Formula {
    type Err = crate::GamError;

    /// Same as [`Formula::parse`].
    fn from_str(text: &str) -> Result<Formula> {
        Formula::parse(text)
    }
}

/// One term with every argument explicit.
fn canonical_term(term: &Term) -> String {
    match term {
        Term::Column(c) => quote(&c.name),
        Term::Offset(c) => format!("offset({})", quote(&c.name)),
        Term::Interaction(x) => x.vars.iter().map(|v| quote(v)).collect::<Vec<_>>().join(":"),
        Term::Smooth(s) => {
            let list = |items: Vec<String>| format!("c({})", items.join(","));
            let na = |v: &Option<Real>| v.map_or("NA".to_string(), canonical_real);
            format!(
                "{}({},k={},bs={},m={},by={},fx={})",
                s.kind.as_str(),
                s.vars.iter().map(|v| quote(v)).collect::<Vec<_>>().join(","),
                list(s.k.iter().map(i64::to_string).collect()),
                list(s.bs.iter().map(|b| format!("\"{b}\"")).collect()),
                list(s.m.iter().map(na).collect()),
                s.by.as_deref().map_or("NA".to_string(), quote),
                if s.fx { "TRUE" } else { "FALSE" },
            ) + &canonical_xt(&s.xt)
                + &canonical_extras(s)
                + &if s.sp.is_empty() {
                    String::new()
                } else {
                    // Bits, so that two values that print alike still differ.
                    format!(
                        ",sp={}",
                        list(s.sp.iter().map(|v| format!("{:016x}", v.0.to_bits())).collect())
                    )
                }
        }
    }
}

/// A number as written in the canonical form: whole numbers as integers
/// (as before `m` took fractions, so that keys did not change), others in
/// Rust's shortest round-trip form.
fn canonical_real(v: Real) -> String {
    v.whole().map_or_else(|| format!("{:?}", v.0), |w| w.to_string())
}

/// `,xt=list(...)` inside the closing parenthesis when given, nothing
/// otherwise (so that formulas without it keep their canonical form).
fn canonical_xt(xt: &SmoothXt) -> String {
    let mut out = String::new();
    if xt.max_knots.is_some() || xt.seed.is_some() {
        let na = |v: Option<i64>| v.map_or("NA".to_string(), |m| m.to_string());
        out += &format!("[xt=list(max.knots={},seed={})]", na(xt.max_knots), na(xt.seed));
    }
    if let Some(text) = &xt.text {
        out += &format!("[xt={}]", quote(text));
    }
    if let Some(bs) = &xt.bs {
        out += &format!("[xt.bs={}]", quote(bs));
    }
    if !xt.margins.is_empty() {
        let each: Vec<String> = xt
            .margins
            .iter()
            .map(|m| {
                if m.is_default() {
                    "NULL".to_string()
                } else {
                    canonical_xt(m)
                }
            })
            .collect();
        out += &format!("[xt.margins=list({})]", each.join(","));
    }
    out
}

/// The arguments added with issue 16 (`id`, `d`, `mc`, `full`, `ord`),
/// each only when given, so that older formulas keep their canonical form.
fn canonical_extras(s: &SmoothSpec) -> String {
    let list = |items: Vec<String>| format!("c({})", items.join(","));
    let mut out = String::new();
    if let Some(id) = &s.id {
        out += &format!("[id={}]", quote(id));
    }
    if !s.d.is_empty() {
        out += &format!("[d={}]", list(s.d.iter().map(usize::to_string).collect()));
    }
    if !s.mc.is_empty() {
        out += &format!("[mc={}]", list(s.mc.iter().map(|b| b.to_string()).collect()));
    }
    if s.full {
        out += "[full=TRUE]";
    }
    if !s.ord.is_empty() {
        out += &format!("[ord={}]", list(s.ord.iter().map(usize::to_string).collect()));
    }
    out
}

/// Backquotes a name, escaping `\` and `` ` `` so that any name is unambiguous.
pub(crate) fn quote(name: &str) -> String {
    format!("`{}`", name.replace('\\', "\\\\").replace('`', "\\`"))
}
