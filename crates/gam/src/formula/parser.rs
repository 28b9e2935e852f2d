//! Recursive-descent parser: tokens to [`Formula`].

use super::ast::{Formula, Response, Span};
use super::expr::Derived;
use super::lexer::{Tok, Token, error, tokenize};
use crate::error::{GamError, Result};

/// Parses `response ~ terms`.
pub(crate) fn parse(text: &str) -> Result<Formula> {
    let mut p = Parser {
        text,
        toks: tokenize(text)?,
        i: 0,
        derived: Vec::new(),
    };
    p.formula()
}

/// Parser state: the tokens and the index of the next one.
pub(crate) struct Parser<'a> {
    pub(crate) text: &'a str,
    toks: Vec<Token>,
    i: usize,
    /// The derived columns met so far.
    pub(crate) derived: Vec<Derived>,
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
            derived: std::mem::take(&mut self.derived),
        })
    }

    fn response(&mut self) -> Result<(Response, Span)> {
        let start = self.peek().span.start;
        if let Tok::Name(f) = &self.peek().tok
            && self.peek2().tok == Tok::LParen
        {
            if f != "cbind" {
                let (name, span) = self.value_column("the response", true)?;
                return Ok((Response::Column(name), span));
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
        if matches!(self.peek().tok, Tok::Number(_)) {
            return Err(self.expected("the response column"));
        }
        let (name, span) = self.value_column("the response column", true)?;
        Ok((Response::Column(name), span))
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
