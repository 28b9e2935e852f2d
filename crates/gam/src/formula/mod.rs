//! The second stage of the data flow: mgcv formula syntax to terms.
//!
//! ```text
//! formula  := response '~' rhs
//! response := column | 'cbind' '(' column ',' column ')'
//! rhs      := ['+' | '-'] item (('+' | '-') item)*
//! item     := '0' | '1' | column | 'offset' '(' column ')' | smooth
//! smooth   := ('s' | 'te' | 'ti') '(' column (',' column)* (',' name '=' value)* ')'
//! column   := R identifier (letters, digits, '.', '_') | `backquoted name`
//! ```
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
mod lexer;
mod parser;
mod smooth;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_errors;

pub use ast::{BasisType, ColumnRef, Formula, Response, SmoothKind, SmoothSpec, SpValue, Span, Term};

use crate::error::Result;

impl Formula {
    /// Parses an mgcv formula such as `y ~ s(x, k = 20) + te(a, b) + g`.
    pub fn parse(text: &str) -> Result<Formula> {
        parser::parse(text)
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
        Term::Smooth(s) => {
            let list = |items: Vec<String>| format!("c({})", items.join(","));
            let na = |v: &Option<i64>| v.map_or("NA".to_string(), |m| m.to_string());
            format!(
                "{}({},k={},bs={},m={},by={},fx={})",
                s.kind.as_str(),
                s.vars.iter().map(|v| quote(v)).collect::<Vec<_>>().join(","),
                list(s.k.iter().map(i64::to_string).collect()),
                list(s.bs.iter().map(|b| format!("\"{b}\"")).collect()),
                list(s.m.iter().map(na).collect()),
                s.by.as_deref().map_or("NA".to_string(), quote),
                if s.fx { "TRUE" } else { "FALSE" },
            ) + &if s.sp.is_empty() {
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

/// Backquotes a name, escaping `\` and `` ` `` so that any name is unambiguous.
fn quote(name: &str) -> String {
    format!("`{}`", name.replace('\\', "\\\\").replace('`', "\\`"))
}
