//! Splits formula text into tokens with character positions.

use super::ast::Span;
use crate::error::{GamError, Result};

/// What a token is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    /// An R identifier: letters, digits, `.` and `_`, starting with a letter
    /// or a `.` not followed by a digit.
    Name(String),
    /// A backquoted name, backquotes removed.
    Backquoted(String),
    /// A number literal as written (digits, `.`, exponent, optional `L`).
    Number(String),
    /// A quoted string, quotes removed.
    Str(String),
    /// `~`
    Tilde,
    /// `+`
    Plus,
    /// `-`
    Minus,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `,`
    Comma,
    /// `=`
    Equals,
    /// An operator: `*`, `:`, `^`, `/` (formula operators, or arithmetic inside a call),
    /// or `|`, `%`, which are not supported.
    Op(char),
    /// The end of the text.
    Eof,
}

/// A token and where it is written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub(crate) tok: Tok,
    pub(crate) span: Span,
}

/// The error for `text` at `position`.
pub(crate) fn error(text: &str, position: usize, message: impl Into<String>) -> GamError {
    GamError::Formula {
        formula: text.to_string(),
        position,
        message: message.into(),
    }
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || c == '.' || c == '_'
}

/// Tokenizes `text`; the last token is always [`Tok::Eof`], placed just
/// after the last non-blank character so that a caret there points at
/// where something is missing.
pub(crate) fn tokenize(text: &str) -> Result<Vec<Token>> {
    let chars: Vec<char> = text.chars().collect();
    let at = |i: usize| chars.get(i).copied();
    let mut tokens = Vec::new();
    let mut i = 0;
    while let Some(c) = at(i) {
        let start = i;
        let simple = match c {
            '~' => Some(Tok::Tilde),
            '+' => Some(Tok::Plus),
            '-' => Some(Tok::Minus),
            '(' => Some(Tok::LParen),
            ')' => Some(Tok::RParen),
            ',' => Some(Tok::Comma),
            '=' => Some(Tok::Equals),
            '*' | ':' | '^' | '/' | '|' | '%' => Some(Tok::Op(c)),
            _ => None,
        };
        let tok = if let Some(tok) = simple {
            i += 1;
            tok
        } else if c.is_whitespace() {
            i += 1;
            continue;
        } else if c.is_ascii_digit() || (c == '.' && at(i + 1).is_some_and(|d| d.is_ascii_digit())) {
            i = scan_number(&chars, i).map_err(|(pos, msg)| error(text, pos, msg))?;
            Tok::Number(chars[start..i].iter().collect())
        } else if c.is_alphabetic() || c == '.' {
            while at(i).is_some_and(is_name_char) {
                i += 1;
            }
            Tok::Name(chars[start..i].iter().collect())
        } else if c == '`' {
            let Some(len) = chars[i + 1..].iter().position(|&d| d == '`') else {
                return Err(error(text, start, "unterminated backquoted name (missing closing '`')"));
            };
            if len == 0 {
                return Err(error(text, start, "empty backquoted name ``"));
            }
            i += len + 2;
            Tok::Backquoted(chars[start + 1..i - 1].iter().collect())
        } else if c == '"' || c == '\'' {
            let (s, end) = scan_string(&chars, i)
                .ok_or_else(|| error(text, start, format!("unterminated string (missing closing {c})")))?;
            i = end;
            Tok::Str(s)
        } else {
            return Err(error(text, start, format!("unexpected character '{c}'")));
        };
        tokens.push(Token {
            tok,
            span: Span::new(start, i),
        });
    }
    let end = tokens.last().map_or(0, |t| t.span.end);
    tokens.push(Token {
        tok: Tok::Eof,
        span: Span::new(end, end),
    });
    Ok(tokens)
}

/// Scans a number starting at `i`; returns the position after it.
fn scan_number(chars: &[char], mut i: usize) -> std::result::Result<usize, (usize, String)> {
    let at = |i: usize| chars.get(i).copied();
    let digits = |mut i: usize| {
        while at(i).is_some_and(|d| d.is_ascii_digit()) {
            i += 1;
        }
        i
    };
    i = digits(i);
    if at(i) == Some('.') {
        i = digits(i + 1);
    }
    if matches!(at(i), Some('e' | 'E')) {
        let mut j = i + 1;
        if matches!(at(j), Some('+' | '-')) {
            j += 1;
        }
        if !at(j).is_some_and(|d| d.is_ascii_digit()) {
            return Err((i, "malformed number: expected digits after the exponent".to_string()));
        }
        i = digits(j);
    }
    if at(i) == Some('L') {
        i += 1;
    }
    if let Some(c) = at(i).filter(|&c| is_name_char(c)) {
        return Err((i, format!("unexpected '{c}' after a number")));
    }
    Ok(i)
}

/// Scans a string quoted by `chars[i]`; backslash escapes the next character.
/// Returns the content and the position after the closing quote.
fn scan_string(chars: &[char], i: usize) -> Option<(String, usize)> {
    let quote = chars[i];
    let mut out = String::new();
    let mut j = i + 1;
    loop {
        match *chars.get(j)? {
            '\\' => {
                out.push(*chars.get(j + 1)?);
                j += 2;
            }
            c if c == quote => return Some((out, j + 1)),
            c => {
                out.push(c);
                j += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(text: &str) -> Vec<(Tok, usize, usize)> {
        tokenize(text)
            .unwrap()
            .into_iter()
            .map(|t| (t.tok, t.span.start, t.span.end))
            .collect()
    }

    fn err_pos(text: &str) -> (usize, String) {
        match tokenize(text) {
            Err(GamError::Formula { position, message, .. }) => (position, message),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn names_numbers_strings_and_punctuation() {
        use Tok::*;
        assert_eq!(
            toks("Solar.R ~ s(x_1, k=-1e2L, bs='cr')  "),
            vec![
                (Name("Solar.R".into()), 0, 7),
                (Tilde, 8, 9),
                (Name("s".into()), 10, 11),
                (LParen, 11, 12),
                (Name("x_1".into()), 12, 15),
                (Comma, 15, 16),
                (Name("k".into()), 17, 18),
                (Equals, 18, 19),
                (Minus, 19, 20),
                (Number("1e2L".into()), 20, 24),
                (Comma, 24, 25),
                (Name("bs".into()), 26, 28),
                (Equals, 28, 29),
                (Str("cr".into()), 29, 33),
                (RParen, 33, 34),
                (Eof, 34, 34),
            ]
        );
        assert_eq!(
            toks(".5 .x `a b` \"q\\\"\" * :"),
            vec![
                (Number(".5".into()), 0, 2),
                (Name(".x".into()), 3, 5),
                (Backquoted("a b".into()), 6, 11),
                (Str("q\"".into()), 12, 17),
                (Op('*'), 18, 19),
                (Op(':'), 20, 21),
                (Eof, 21, 21),
            ]
        );
    }

    #[test]
    fn positions_count_characters_not_bytes() {
        assert_eq!(toks("\u{e9}t\u{e9} ~ x")[1], (Tok::Tilde, 4, 5));
    }

    #[test]
    fn lexical_errors_have_positions() {
        assert_eq!(err_pos("y ~ $x").0, 4);
        assert_eq!(err_pos("y ~ `x").0, 4);
        assert_eq!(err_pos("y ~ ``").1, "empty backquoted name ``");
        assert_eq!(err_pos("y ~ s(x, bs = \"cr)").0, 14);
        assert_eq!(
            err_pos("y ~ 1e+").1,
            "malformed number: expected digits after the exponent"
        );
        assert_eq!(err_pos("y ~ 2x").0, 5);
        assert_eq!(err_pos("y ~ _x").1, "unexpected character '_'");
    }
}
