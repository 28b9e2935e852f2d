//! Recursive-descent parser: tokens to [`Formula`].

use super::ast::{ColumnRef, Formula, Response, Span, Term};
use super::lexer::{Tok, Token, error, tokenize};
use crate::error::{GamError, Result};

/// Parses `response ~ terms`.
pub(crate) fn parse(text: &str) -> Result<Formula> {
    let mut p = Parser {
        text,
        toks: tokenize(text)?,
        i: 0,
    };
    p.formula()
}

/// Parser state: the tokens and the index of the next one.
pub(crate) struct Parser<'a> {
    pub(crate) text: &'a str,
    toks: Vec<Token>,
    i: usize,
}

impl Parser<'_> {
    /// The next token, not consumed.
    pub(crate) fn peek(&self) -> &Token {
        // The token list always ends with Eof, and the parser never moves past it.
        &self.toks[self.i.min(self.toks.len() - 1)]
    }

    /// The token after the next one.
    pub(crate) fn peek2(&self) -> &Token {
        &self.toks[(self.i + 1).min(self.toks.len() - 1)]
    }

    /// Consumes and returns the next token.
    pub(crate) fn bump(&mut self) -> Token {
        let t = self.peek().clone();
        if t.tok != Tok::Eof {
            self.i += 1;
        }
        t
    }

    /// An error at `position`.
    pub(crate) fn err(&self, position: usize, message: impl Into<String>) -> GamError {
        error(self.text, position, message)
    }

    /// An error at the next token: `expected ..., found <token>`.
    pub(crate) fn expected(&self, what: &str) -> GamError {
        let t = self.peek();
        self.err(t.span.start, format!("expected {what}, found {}", describe(&t.tok)))
    }

    fn formula(&mut self) -> Result<Formula> {
        match self.peek().tok {
            Tok::Eof => return Err(self.err(0, "empty formula: expected 'response ~ terms'")),
            Tok::Tilde => return Err(self.err(self.peek().span.start, "missing response before '~'")),
            _ => {}
        }
        let (response, response_span) = self.response()?;
        match self.peek().tok {
            Tok::Tilde => {
                self.bump();
            }
            Tok::Eof => return Err(self.err(self.peek().span.start, "missing '~' after the response")),
            _ => return Err(self.expected("'~' after the response")),
        }
        let (terms, intercept) = self.rhs()?;
        Ok(Formula {
            text: self.text.to_string(),
            response,
            response_span,
            terms,
            intercept,
        })
    }

    fn response(&mut self) -> Result<(Response, Span)> {
        let start = self.peek().span.start;
        if let Tok::Name(f) = &self.peek().tok
            && self.peek2().tok == Tok::LParen
        {
            if f != "cbind" {
                return Err(self.err(
                    start,
                    format!(
                        "unsupported response '{f}(...)': transform the column in the data first, \
                         or use cbind(successes, failures)"
                    ),
                ));
            }
            self.bump();
            self.bump();
            let successes = self.column_name("the column of successes in cbind()")?;
            if self.peek().tok != Tok::Comma {
                if self.peek().tok == Tok::RParen {
                    return Err(self.err(self.peek().span.start, "cbind() needs two columns: successes, failures"));
                }
                return Err(self.expected("',' after the column of successes"));
            }
            self.bump();
            let failures = self.column_name("the column of failures in cbind()")?;
            match self.peek().tok {
                Tok::RParen => {}
                Tok::Comma => return Err(self.err(self.peek().span.start, "cbind() takes exactly two columns")),
                Tok::Minus | Tok::Plus | Tok::Op(_) | Tok::LParen => {
                    return Err(self.err(
                        self.peek().span.start,
                        "cbind() takes two column names (successes, failures); \
                         compute the failures (e.g. n - successes) as a column of the data",
                    ));
                }
                _ => return Err(self.expected(&format!("')' to close cbind( opened at column {}", start + 1))),
            }
            let end = self.bump().span.end;
            return Ok((Response::Binomial { successes, failures }, Span::new(start, end)));
        }
        let name = self.column_name("the response column")?;
        Ok((Response::Column(name), Span::new(start, self.toks[self.i - 1].span.end)))
    }

    /// A column name (plain or backquoted), consumed; `what` is for the error.
    pub(crate) fn column_name(&mut self, what: &str) -> Result<String> {
        match &self.peek().tok {
            Tok::Name(n) | Tok::Backquoted(n) => {
                let n = n.clone();
                if self.peek2().tok == Tok::LParen && matches!(self.peek().tok, Tok::Name(_)) {
                    return Err(self.err(
                        self.peek().span.start,
                        format!("expected {what}, found a call to '{n}()'; transform the column in the data first"),
                    ));
                }
                self.bump();
                Ok(n)
            }
            _ => Err(self.expected(what)),
        }
    }

    /// The right-hand side: signed items separated by `+` / `-`.
    fn rhs(&mut self) -> Result<(Vec<Term>, bool)> {
        let rhs_start = self.peek().span.start;
        let mut terms: Vec<Term> = Vec::new();
        // Labels seen so far: a hash set keeps the duplicate check linear in
        // the number of terms (a formula of 10^5 terms was quadratic).
        let mut labels: std::collections::HashSet<String> = std::collections::HashSet::new();
        let mut intercept = true;
        let mut after = "'~'";
        let mut minus: Option<usize> = None;
        if matches!(self.peek().tok, Tok::Plus | Tok::Minus) {
            let t = self.bump();
            after = if t.tok == Tok::Plus { "'+'" } else { "'-'" };
            minus = (t.tok == Tok::Minus).then_some(t.span.start);
        }
        loop {
            if matches!(
                self.peek().tok,
                Tok::Eof | Tok::Plus | Tok::Minus | Tok::RParen | Tok::Comma
            ) {
                return Err(self.expected(&format!("a term after {after}")));
            }
            if let Some(term) = self.item(minus, &mut intercept)? {
                let label = term.label();
                if labels.contains(&label) {
                    return Err(self.err(term.span().start, format!("term '{label}' appears twice")));
                }
                labels.insert(label);
                terms.push(term);
            }
            let t = self.peek().clone();
            match t.tok {
                Tok::Plus | Tok::Minus => {
                    self.bump();
                    after = if t.tok == Tok::Plus { "'+'" } else { "'-'" };
                    minus = (t.tok == Tok::Minus).then_some(t.span.start);
                }
                Tok::Eof => break,
                Tok::Op('*' | ':') => {
                    return Err(self.err(
                        t.span.start,
                        "interactions ('*', ':') are not supported; use te() or ti() for smooth interactions",
                    ));
                }
                Tok::Op(c) => return Err(self.err(t.span.start, format!("operator '{c}' is not supported"))),
                Tok::Tilde => return Err(self.err(t.span.start, "a formula has only one '~'")),
                Tok::RParen => return Err(self.err(t.span.start, "unmatched ')'")),
                _ => return Err(self.expected("'+' or the end of the formula")),
            }
        }
        if !intercept && !terms.iter().any(|t| !matches!(t, Term::Offset(_))) {
            return Err(self.err(rhs_start, "the model has no terms and no intercept"));
        }
        Ok((terms, intercept))
    }

    /// One item after an optional sign (`minus` is the position of a `-`):
    /// `0` / `1` set the intercept and give no term.
    fn item(&mut self, minus: Option<usize>, intercept: &mut bool) -> Result<Option<Term>> {
        let t = self.peek().clone();
        if let Tok::Number(n) = &t.tok {
            let value = n.trim_end_matches('L').parse::<f64>().ok();
            let keep = match value {
                Some(1.0) => true,
                Some(0.0) => false,
                _ => {
                    return Err(self.err(
                        t.span.start,
                        format!("expected a term, found number {n} (only 0 and 1, for the intercept, stand alone)"),
                    ));
                }
            };
            self.bump();
            // `- 1` and `+ 0` remove the intercept; `- 0` and `+ 1` keep it.
            *intercept = keep == minus.is_none();
            return Ok(None);
        }
        if let Some(pos) = minus {
            return Err(self.err(
                pos,
                "removing terms with '-' is only supported for the intercept ('- 1')",
            ));
        }
        match &t.tok {
            Tok::Name(f) if self.peek2().tok == Tok::LParen => {
                let f = f.clone();
                match f.as_str() {
                    "s" | "te" | "ti" => self.smooth(&f).map(|s| Some(Term::Smooth(s))),
                    "offset" => self.offset().map(|c| Some(Term::Offset(c))),
                    "factor" | "as.factor" => Err(self.err(
                        t.span.start,
                        "factor() is not supported in formulas; declare the column as a factor when reading the data",
                    )),
                    _ => Err(self.err(
                        t.span.start,
                        format!(
                            "unsupported function '{f}()' (supported: s, te, ti, offset); \
                             transform the column in the data first"
                        ),
                    )),
                }
            }
            Tok::Name(n) if n == "." => {
                Err(self.err(t.span.start, "'.' (all other columns) is not supported; list the terms"))
            }
            Tok::Name(n) | Tok::Backquoted(n) => {
                let name = n.clone();
                self.bump();
                Ok(Some(Term::Column(ColumnRef { name, span: t.span })))
            }
            _ => Err(self.expected("a term")),
        }
    }

    /// `offset(col)`.
    fn offset(&mut self) -> Result<ColumnRef> {
        let start = self.bump().span.start;
        self.bump();
        if self.peek().tok == Tok::RParen {
            return Err(self.err(self.peek().span.start, "offset() needs a column"));
        }
        if matches!(self.peek().tok, Tok::Name(_)) && self.peek2().tok == Tok::LParen {
            return Err(self.err(
                self.peek().span.start,
                "offset() takes a column name; compute the offset (e.g. log(exposure)) as a column of the data",
            ));
        }
        let name = self.column_name("a column name in offset()")?;
        match self.peek().tok {
            Tok::RParen => {}
            Tok::Comma => return Err(self.err(self.peek().span.start, "offset() takes exactly one column")),
            _ => return Err(self.expected(&format!("')' to close offset( opened at column {}", start + 1))),
        }
        let end = self.bump().span.end;
        Ok(ColumnRef {
            name,
            span: Span::new(start, end),
        })
    }
}

/// How a token is named in messages.
pub(crate) fn describe(tok: &Tok) -> String {
    match tok {
        Tok::Name(n) => format!("'{n}'"),
        Tok::Backquoted(n) => format!("'`{n}`'"),
        Tok::Number(n) => format!("number {n}"),
        Tok::Str(s) => format!("string \"{s}\""),
        Tok::Tilde => "'~'".to_string(),
        Tok::Plus => "'+'".to_string(),
        Tok::Minus => "'-'".to_string(),
        Tok::LParen => "'('".to_string(),
        Tok::RParen => "')'".to_string(),
        Tok::Comma => "','".to_string(),
        Tok::Equals => "'='".to_string(),
        Tok::Op(c) => format!("'{c}'"),
        Tok::Eof => "the end of the formula".to_string(),
    }
}
