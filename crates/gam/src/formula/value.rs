//! Parsing value expressions (`log(x + 1)`, `I(y / n)`, `pmin(x, 3)`) with
//! R's operator precedence: `^` (right-associative) binds tighter than
//! unary minus, then `* /`, then `+ -`.

use super::ast::Span;
use super::expr::{BinOp, Derived, Expr, Fun, deparse_number};
use super::lexer::Tok;
use super::parser::Parser;
use crate::error::Result;

impl Parser<'_> {
    /// A value expression at the next token: a bare column name, or an
    /// expression whose result becomes a derived column. Returns the column
    /// name (the deparsed expression for a derived column, which is
    /// registered) and where it is written.
    pub(crate) fn value_column(&mut self, what: &str, response: bool) -> Result<(String, Span)> {
        if matches!(self.peek().tok, Tok::Number(_)) {
            return Err(self.expected(what));
        }
        let expr = self.value_sum(what)?;
        let span = expr.span();
        let mut vars = Vec::new();
        expr.vars(&mut vars);
        if vars.is_empty() {
            return Err(self.err(
                span.start,
                format!("expected {what}, found '{}', which reads no column", expr.deparse()),
            ));
        }
        Ok((self.register(expr, response), span))
    }

    /// Registers `expr` as a derived column unless it is a bare column; returns the column name.
    pub(crate) fn register(&mut self, expr: Expr, response: bool) -> String {
        if let Some(name) = expr.as_var() {
            return name.to_string();
        }
        let name = expr.deparse();
        match self.derived.iter_mut().find(|d| d.name == name) {
            Some(d) => d.response_only &= response,
            None => self.derived.push(Derived {
                name: name.clone(),
                expr,
                response_only: response,
            }),
        }
        name
    }

    fn value_sum(&mut self, what: &str) -> Result<Expr> {
        let mut lhs = self.value_product(what)?;
        loop {
            let op = match self.peek().tok {
                Tok::Plus => BinOp::Add,
                Tok::Minus => BinOp::Sub,
                _ => return Ok(lhs),
            };
            self.bump();
            let rhs = self.value_product(what)?;
            lhs = binary(op, lhs, rhs);
        }
    }

    fn value_product(&mut self, what: &str) -> Result<Expr> {
        let mut lhs = self.value_unary(what)?;
        loop {
            let op = match self.peek().tok {
                Tok::Op('*') => BinOp::Mul,
                Tok::Op('/') => BinOp::Div,
                _ => return Ok(lhs),
            };
            self.bump();
            let rhs = self.value_unary(what)?;
            lhs = binary(op, lhs, rhs);
        }
    }

    fn value_unary(&mut self, what: &str) -> Result<Expr> {
        if self.peek().tok == Tok::Minus {
            let start = self.bump().span.start;
            let arg = self.value_unary(what)?;
            let span = Span::new(start, arg.span().end);
            return Ok(Expr::Neg {
                arg: Box::new(arg),
                span,
            });
        }
        let base = self.value_atom(what)?;
        if self.peek().tok != Tok::Op('^') {
            return Ok(base);
        }
        self.bump();
        // R's `^` is right-associative and its exponent may be negated: x^-1.
        let exponent = self.value_unary(what)?;
        Ok(binary(BinOp::Pow, base, exponent))
    }

    fn value_atom(&mut self, what: &str) -> Result<Expr> {
        let t = self.peek().clone();
        match &t.tok {
            Tok::Number(text) => {
                self.bump();
                let integer = text.ends_with('L');
                let value = text.trim_end_matches('L').parse::<f64>().unwrap_or(f64::NAN);
                Ok(Expr::Num {
                    value,
                    text: deparse_number(value, integer),
                    span: t.span,
                })
            }
            Tok::LParen => {
                self.bump();
                let arg = self.value_sum(what)?;
                if self.peek().tok != Tok::RParen {
                    return Err(self.expected(&format!("')' to close '(' opened at column {}", t.span.start + 1)));
                }
                let end = self.bump().span.end;
                Ok(Expr::Paren {
                    arg: Box::new(arg),
                    span: Span::new(t.span.start, end),
                })
            }
            Tok::Name(name) if self.peek2().tok == Tok::LParen => {
                let name = name.clone();
                self.value_call(&name)
            }
            Tok::Name(name) | Tok::Backquoted(name) => {
                let name = name.clone();
                self.bump();
                Ok(Expr::Var { name, span: t.span })
            }
            _ => Err(self.expected(what)),
        }
    }

    /// `f(args)` for a supported value function `name`; the next tokens are `name (`.
    pub(crate) fn value_call(&mut self, name: &str) -> Result<Expr> {
        let start = self.peek().span.start;
        let Some(fun) = Fun::from_name(name) else {
            let hint = match name {
                "s" | "te" | "ti" | "t2" | "offset" => format!("{name}() cannot be used inside an expression"),
                _ => format!(
                    "unsupported function '{name}()' (supported: s, te, ti, t2, offset, {}); \
                     transform the column in the data first",
                    Fun::supported()
                ),
            };
            return Err(self.err(start, hint));
        };
        self.bump();
        self.bump();
        let mut args = Vec::new();
        if self.peek().tok != Tok::RParen {
            loop {
                if matches!(self.peek().tok, Tok::Name(_)) && self.peek2().tok == Tok::Equals {
                    return Err(self.err(
                        self.peek().span.start,
                        format!("{name}() takes no named arguments here"),
                    ));
                }
                args.push(self.value_sum(&format!("an argument of {name}()"))?);
                if self.peek().tok != Tok::Comma {
                    break;
                }
                self.bump();
            }
        }
        if self.peek().tok != Tok::RParen {
            return Err(self.expected(&format!("',' or ')' to close {name}( opened at column {}", start + 1)));
        }
        let end = self.bump().span.end;
        if args.len() != fun.arity() {
            let want = fun.arity();
            let hint = if matches!(fun, Fun::Pmin | Fun::Pmax) {
                " (a column or expression and a constant)"
            } else {
                ""
            };
            return Err(self.err(
                start,
                format!(
                    "{name}() takes {want} argument{}{hint}, found {}",
                    if want == 1 { "" } else { "s" },
                    args.len()
                ),
            ));
        }
        Ok(Expr::Call {
            fun,
            name: name.to_string(),
            args,
            span: Span::new(start, end),
        })
    }
}

fn binary(op: BinOp, lhs: Expr, rhs: Expr) -> Expr {
    let span = Span::new(lhs.span().start, rhs.span().end);
    Expr::Binary {
        op,
        lhs: Box::new(lhs),
        rhs: Box::new(rhs),
        span,
    }
}
