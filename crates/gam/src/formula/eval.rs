//! Evaluating value expressions on data, as R's `model.frame` does: each
//! [`Derived`] column is computed from the data columns it reads and added
//! to the frame under its deparsed name.
//!
//! Guarantee: every computed number is finite. Where R gives `NaN` (with a
//! warning) or `±Inf` (`log(-1)`, `log(0)`, `1/0`), the evaluation stops
//! with an error naming the function or operator, its position in the
//! formula and the data row.

use crate::data::{Column, DataFrame, FactorColumn};

use super::expr::{BinOp, Derived, Expr, Fun};
use super::span::Span;

/// Why an expression could not be evaluated.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalError {
    /// The derived column being computed (its deparsed expression).
    pub column: String,
    /// Where the failing function or operator is written.
    pub span: Span,
    /// The 0-based row of the frame, when one row is to blame.
    pub row: Option<usize>,
    /// What went wrong.
    pub message: String,
}

/// A value during evaluation: a number (broadcast), numbers or a factor.
enum Val {
    Scalar(f64),
    Numbers(Vec<f64>),
    Factor(FactorColumn),
}

fn fail(span: Span, row: Option<usize>, message: impl Into<String>) -> EvalError {
    EvalError {
        column: String::new(),
        span,
        row,
        message: message.into(),
    }
}

/// Evaluates `expr` on every row of `data`.
pub fn evaluate(expr: &Expr, data: &DataFrame) -> Result<Column, EvalError> {
    let n = data.nrows();
    Ok(match eval(expr, data)? {
        Val::Scalar(v) => Column::Numeric(vec![v; n]),
        Val::Numbers(v) => Column::Numeric(v),
        Val::Factor(f) => Column::Factor(f),
    })
}

/// `data` with every column of `derived` added (or replaced, should the
/// data already hold a column of that name: the expression wins, as in R),
/// skipping the response-only ones when `skip_response`.
pub fn add_derived(data: DataFrame, derived: &[Derived], skip_response: bool) -> Result<DataFrame, EvalError> {
    let mut out = data;
    for d in derived.iter().filter(|d| !(skip_response && d.response_only)) {
        let col = evaluate(&d.expr, &out).map_err(|e| EvalError {
            column: d.name.clone(),
            ..e
        })?;
        out.set_column(&d.name, col).map_err(|e| EvalError {
            column: d.name.clone(),
            ..fail(d.expr.span(), None, e.to_string())
        })?;
    }
    Ok(out)
}

fn numbers(v: Val, what: &str, span: Span) -> Result<Val, EvalError> {
    match v {
        Val::Factor(_) => Err(fail(
            span,
            None,
            format!("{what} needs numbers, but its argument is a factor (use as.numeric() for the level codes)"),
        )),
        other => Ok(other),
    }
}

/// `r`, the result of `what` of `args`, if finite; otherwise the error at `span`, `row`.
fn finite(r: f64, span: Span, row: Option<usize>, what: &str, args: impl FnOnce() -> String) -> Result<f64, EvalError> {
    if r.is_finite() {
        Ok(r)
    } else {
        Err(fail(
            span,
            row,
            format!("{what} of {} is {r}: the model needs finite numbers", args()),
        ))
    }
}

/// Applies `f` elementwise, refusing a non-finite result.
fn map1(v: Val, f: impl Fn(f64) -> f64, what: &str, span: Span) -> Result<Val, EvalError> {
    let check = |x: f64, r: f64, row: Option<usize>| finite(r, span, row, what, || x.to_string());
    match numbers(v, what, span)? {
        Val::Scalar(x) => Ok(Val::Scalar(check(x, f(x), None)?)),
        Val::Numbers(xs) => Ok(Val::Numbers(
            xs.iter()
                .enumerate()
                .map(|(i, &x)| check(x, f(x), Some(i)))
                .collect::<Result<_, _>>()?,
        )),
        Val::Factor(_) => unreachable!("refused by numbers()"),
    }
}

/// Applies `f` elementwise to two operands (a number broadcasts).
fn map2(a: Val, b: Val, f: impl Fn(f64, f64) -> f64, what: &str, span: Span) -> Result<Val, EvalError> {
    let a = numbers(a, what, span)?;
    let b = numbers(b, what, span)?;
    let check = |x: f64, y: f64, row: Option<usize>| finite(f(x, y), span, row, what, || format!("{x} and {y}"));
    let at = |v: &Val, i: usize| match v {
        Val::Scalar(x) => *x,
        Val::Numbers(xs) => xs[i],
        Val::Factor(_) => f64::NAN,
    };
    match (&a, &b) {
        (Val::Scalar(x), Val::Scalar(y)) => Ok(Val::Scalar(check(*x, *y, None)?)),
        (Val::Numbers(xs), _) | (_, Val::Numbers(xs)) => {
            let n = xs.len();
            Ok(Val::Numbers(
                (0..n)
                    .map(|i| check(at(&a, i), at(&b, i), Some(i)))
                    .collect::<Result<_, _>>()?,
            ))
        }
        _ => unreachable!("refused by numbers()"),
    }
}

fn eval(expr: &Expr, data: &DataFrame) -> Result<Val, EvalError> {
    match expr {
        Expr::Var { name, span } => match data.column(name) {
            Some(Column::Numeric(v)) => Ok(Val::Numbers(v.clone())),
            Some(Column::Factor(f)) => Ok(Val::Factor(f.clone())),
            None => Err(fail(
                *span,
                None,
                format!("no column '{name}' in the data (columns: {})", data.names().join(", ")),
            )),
        },
        Expr::Num { value, .. } => Ok(Val::Scalar(*value)),
        Expr::Paren { arg, .. } => eval(arg, data),
        Expr::Neg { arg, span } => map1(eval(arg, data)?, |x| -x, "unary '-'", *span),
        Expr::Binary { op, lhs, rhs, span } => {
            let (a, b) = (eval(lhs, data)?, eval(rhs, data)?);
            let (f, what): (fn(f64, f64) -> f64, &str) = match op {
                BinOp::Add => (|x, y| x + y, "'+'"),
                BinOp::Sub => (|x, y| x - y, "'-'"),
                BinOp::Mul => (|x, y| x * y, "'*'"),
                BinOp::Div => (|x, y| x / y, "'/'"),
                BinOp::Pow => (f64::powf, "'^'"),
            };
            map2(a, b, f, what, *span)
        }
        Expr::Call { fun, name, args, span } => {
            let what = format!("{name}()");
            let mut vals = Vec::with_capacity(args.len());
            for a in args {
                vals.push(eval(a, data)?);
            }
            let mut vals = vals.into_iter();
            let mut next = || {
                vals.next()
                    .ok_or_else(|| fail(*span, None, format!("{what} is missing an argument")))
            };
            let x = next()?;
            match fun {
                Fun::Log => map1(x, f64::ln, &what, *span),
                Fun::Log10 => map1(x, f64::log10, &what, *span),
                Fun::Log1p => map1(x, f64::ln_1p, &what, *span),
                Fun::Exp => map1(x, f64::exp, &what, *span),
                Fun::Sqrt => map1(x, f64::sqrt, &what, *span),
                Fun::Abs => map1(x, f64::abs, &what, *span),
                Fun::Pmin => map2(x, next()?, f64::min, &what, *span),
                Fun::Pmax => map2(x, next()?, f64::max, &what, *span),
                Fun::I => Ok(x),
                Fun::AsNumeric => Ok(match x {
                    Val::Factor(f) => Val::Numbers(
                        f.codes
                            .iter()
                            .map(|c| c.map_or(f64::NAN, |c| f64::from(c) + 1.0))
                            .collect(),
                    ),
                    other => other,
                }),
                Fun::Factor | Fun::Ordered => {
                    let mut f = match x {
                        Val::Factor(f) => f.drop_unused_levels(),
                        Val::Numbers(v) => FactorColumn::from_numeric(&v),
                        Val::Scalar(v) => FactorColumn::from_numeric(&vec![v; data.nrows()]),
                    };
                    // factor() of an ordered factor stays ordered, as in R.
                    f.ordered |= *fun == Fun::Ordered;
                    Ok(Val::Factor(f))
                }
            }
        }
    }
}
