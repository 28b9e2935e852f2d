//! mgcv's list formula for a general family: `list(y ~ s(x1) + s(x2), ~ s(x1) + x3)`, one
//! formula per linear predictor, only the first with a response (mgcv's `gam.setup.list`,
//! mgcv.r). Each formula is parsed as a formula of its own; a later one, which has no
//! response, is parsed with the first's response so that every part reads the same rows.
//! Errors point into the whole list text and say which formula of the list they are in.

use super::Formula;
use crate::error::{GamError, Result};

/// The formulas of a list formula, one per linear predictor.
#[derive(Debug, Clone, PartialEq)]
pub struct FormulaList {
    /// The list as written.
    pub text: String,
    /// The formulas in list order; the first carries the response.
    pub formulas: Vec<Formula>,
    /// Each formula's text as written (a later one without its response).
    pub parts: Vec<String>,
}

/// Whether `text` is a list formula (`list(` … `)`).
pub fn is_list(text: &str) -> bool {
    let t = text.trim_start();
    t.strip_prefix("list").is_some_and(|r| r.trim_start().starts_with('('))
}

fn error(text: &str, position: usize, message: impl Into<String>) -> GamError {
    GamError::Formula {
        formula: text.to_string(),
        position,
        message: message.into(),
    }
}

/// The top-level comma-separated parts of `list(...)`, with their character offsets.
fn split(text: &str) -> Result<Vec<(usize, String)>> {
    let chars: Vec<char> = text.chars().collect();
    let open = chars.iter().position(|&c| c == '(').unwrap_or(0);
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut parts = Vec::new();
    let mut start = open + 1;
    let mut close = None;
    for (i, &c) in chars.iter().enumerate().skip(open + 1) {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' | '`' => quote = Some(c),
            '(' => depth += 1,
            ')' if depth == 0 => {
                parts.push((start, chars[start..i].iter().collect()));
                close = Some(i);
                break;
            }
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push((start, chars[start..i].iter().collect()));
                start = i + 1;
            }
            _ => {}
        }
    }
    let Some(close) = close else {
        return Err(error(text, chars.len(), "the list formula has no closing ')'"));
    };
    if chars[close + 1..].iter().any(|c| !c.is_whitespace()) {
        return Err(error(
            text,
            close + 1,
            "unexpected text after the list formula's closing ')'",
        ));
    }
    Ok(parts)
}

impl FormulaList {
    /// Parses `list(y ~ …, ~ …, …)`.
    ///
    /// # Errors
    /// [`GamError::Formula`] pointing into the list text: a part that does not parse (the
    /// message names its position in the list), a first formula without a response, a later
    /// one with a response, fewer than two formulas.
    pub fn parse(text: &str) -> Result<FormulaList> {
        if !is_list(text) {
            return Err(error(
                text,
                0,
                "a list formula starts with list( — e.g. list(y ~ s(x), ~ s(x))",
            ));
        }
        let parts = split(text)?;
        if parts.len() < 2 {
            return Err(error(
                text,
                0,
                "a list formula needs one formula per linear predictor, e.g. list(y ~ s(x), ~ s(x))",
            ));
        }
        let mut formulas = Vec::with_capacity(parts.len());
        let mut written = Vec::with_capacity(parts.len());
        let mut response = String::new();
        for (k, (at, part)) in parts.iter().enumerate() {
            let lead = part.len() - part.trim_start().len();
            let body = part.trim();
            let which = format!("formula {} of the list", k + 1);
            let has_response = !body.starts_with('~');
            if k == 0 && !has_response {
                return Err(error(
                    text,
                    at + lead,
                    format!("{which} needs a response: write y ~ ..."),
                ));
            }
            if k > 0 && has_response {
                return Err(error(
                    text,
                    at + lead,
                    format!("{which} has a response: only the first formula has one (write ~ ...)"),
                ));
            }
            let (parsed, shift) = if k == 0 {
                (Formula::parse(body), 0)
            } else {
                let full = format!("{response} {body}");
                let shift = response.chars().count() + 1;
                (Formula::parse(&full), shift)
            };
            let formula = parsed.map_err(|e| match e {
                GamError::Formula { position, message, .. } => {
                    let pos = at + lead + position.saturating_sub(shift);
                    error(text, pos, format!("{which}: {message}"))
                }
                other => other,
            })?;
            if k == 0 {
                let tilde = body.find('~').unwrap_or(body.len());
                response = body[..tilde].trim().to_string();
            }
            formulas.push(formula);
            written.push(body.to_string());
        }
        Ok(FormulaList {
            text: text.to_string(),
            formulas,
            parts: written,
        })
    }

    /// The columns the model reads, each once, in order of first appearance.
    pub fn columns_used(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for f in &self.formulas {
            for c in f.columns_used() {
                if !out.contains(&c) {
                    out.push(c);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_one_formula_per_predictor() {
        let l = FormulaList::parse("list(y ~ s(x1) + s(x2), ~ s(x1) + x3)").unwrap();
        assert_eq!(l.formulas.len(), 2);
        assert_eq!(l.parts[1], "~ s(x1) + x3");
        assert_eq!(l.columns_used(), vec!["y", "x1", "x2", "x3"]);
    }

    #[test]
    fn errors_name_the_formula_and_point_into_the_list() {
        let text = "list(y ~ s(x1), ~ s(x1 +))";
        let e = FormulaList::parse(text).unwrap_err();
        let GamError::Formula { position, message, .. } = &e else {
            panic!("{e}")
        };
        assert!(message.starts_with("formula 2 of the list"), "{message}");
        assert!(*position >= 16 && *position <= text.len(), "{position}");
        let e = FormulaList::parse("list(y ~ s(x1), z ~ s(x1))").unwrap_err();
        assert!(e.to_string().contains("only the first formula"), "{e}");
        assert!(FormulaList::parse("list(y ~ s(x1))").is_err());
        assert!(FormulaList::parse("list(y ~ s(x1), ~ x").is_err());
    }
}
