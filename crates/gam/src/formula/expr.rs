//! Value expressions inside a formula (`log(x)`, `I(y / n)`, `factor(g)`),
//! and their names as R deparses them.
//!
//! Every expression the formula uses as a value becomes a derived column
//! ([`Derived`]) named by its deparsed R text (`log(x + 1)`, `I(x^2)`), so
//! that the design and everything after it see plain named columns, with
//! mgcv's labels (`s(log(x))`) and coefficient names (`I(x^2)`) for free.

use serde::{Deserialize, Serialize};

use super::span::Span;

/// A function a value expression may call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Fun {
    /// `log(x)`, the natural logarithm.
    Log,
    /// `log10(x)`.
    Log10,
    /// `log1p(x)` = log(1 + x).
    Log1p,
    /// `exp(x)`.
    Exp,
    /// `sqrt(x)`.
    Sqrt,
    /// `abs(x)`.
    Abs,
    /// `pmin(a, b)`: elementwise minimum.
    Pmin,
    /// `pmax(a, b)`: elementwise maximum.
    Pmax,
    /// `I(x)`: arithmetic taken as arithmetic.
    I,
    /// `as.numeric(x)`: a factor gives its level codes 1, 2, … (as R does).
    AsNumeric,
    /// `factor(x)` (also `as.factor(x)`).
    Factor,
    /// `ordered(x)`: a factor with R's polynomial contrasts.
    Ordered,
}

impl Fun {
    /// Every function, with its R name(s): the first is how it is deparsed.
    const NAMES: [(Fun, &'static str); 13] = [
        (Fun::Log, "log"),
        (Fun::Log10, "log10"),
        (Fun::Log1p, "log1p"),
        (Fun::Exp, "exp"),
        (Fun::Sqrt, "sqrt"),
        (Fun::Abs, "abs"),
        (Fun::Pmin, "pmin"),
        (Fun::Pmax, "pmax"),
        (Fun::I, "I"),
        (Fun::AsNumeric, "as.numeric"),
        (Fun::Factor, "factor"),
        (Fun::Factor, "as.factor"),
        (Fun::Ordered, "ordered"),
    ];

    /// The function R calls `name`, if supported.
    pub fn from_name(name: &str) -> Option<Fun> {
        Fun::NAMES.iter().find(|(_, n)| *n == name).map(|(f, _)| *f)
    }

    /// The supported names, for messages.
    pub fn supported() -> String {
        Fun::NAMES.iter().map(|(_, n)| *n).collect::<Vec<_>>().join(", ")
    }

    /// How many arguments it takes.
    pub fn arity(self) -> usize {
        match self {
            Fun::Pmin | Fun::Pmax => 2,
            _ => 1,
        }
    }
}

/// An arithmetic operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BinOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `^`
    Pow,
}

impl BinOp {
    /// As R's deparse writes it: spaces around `+ - *`, none around `/ ^`.
    fn deparse(self) -> &'static str {
        match self {
            BinOp::Add => " + ",
            BinOp::Sub => " - ",
            BinOp::Mul => " * ",
            BinOp::Div => "/",
            BinOp::Pow => "^",
        }
    }
}

/// A value expression, with where each part is written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Expr {
    /// A data column.
    Var {
        /// Its name.
        name: String,
        /// Where it is written.
        span: Span,
    },
    /// A number.
    Num {
        /// Its value.
        value: f64,
        /// As R deparses it (`1e+05`, `2L`).
        text: String,
        /// Where it is written.
        span: Span,
    },
    /// Unary minus.
    Neg {
        /// The operand.
        arg: Box<Expr>,
        /// Where the whole is written.
        span: Span,
    },
    /// Parentheses as written (R keeps them in the deparsed name).
    Paren {
        /// The inside.
        arg: Box<Expr>,
        /// Where the whole is written.
        span: Span,
    },
    /// `lhs op rhs`.
    Binary {
        /// The operator.
        op: BinOp,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
        /// Where the whole is written.
        span: Span,
    },
    /// A function call.
    Call {
        /// The function.
        fun: Fun,
        /// Its name as written (`factor` or `as.factor`).
        name: String,
        /// Its arguments.
        args: Vec<Expr>,
        /// Where the whole is written.
        span: Span,
    },
}

impl Expr {
    /// Where the expression is written.
    pub fn span(&self) -> Span {
        match self {
            Expr::Var { span, .. }
            | Expr::Num { span, .. }
            | Expr::Neg { span, .. }
            | Expr::Paren { span, .. }
            | Expr::Binary { span, .. }
            | Expr::Call { span, .. } => *span,
        }
    }

    /// Whether this is a bare column.
    pub fn as_var(&self) -> Option<&str> {
        match self {
            Expr::Var { name, .. } => Some(name),
            _ => None,
        }
    }

    /// The text R's `deparse` gives: the derived column's name, mgcv's label.
    pub fn deparse(&self) -> String {
        self.write(&|name| deparse_name(name))
    }

    /// An unambiguous spelling for cache keys: every column name backquoted,
    /// so that the expression `log(x)` differs from a column called `log(x)`.
    pub fn canonical(&self) -> String {
        self.write(&|name| super::quote(name))
    }

    fn write(&self, name: &dyn Fn(&str) -> String) -> String {
        match self {
            Expr::Var { name: n, .. } => name(n),
            Expr::Num { text, .. } => text.clone(),
            Expr::Neg { arg, .. } => format!("-{}", arg.write(name)),
            Expr::Paren { arg, .. } => format!("({})", arg.write(name)),
            Expr::Binary { op, lhs, rhs, .. } => format!("{}{}{}", lhs.write(name), op.deparse(), rhs.write(name)),
            Expr::Call { name: f, args, .. } => format!(
                "{f}({})",
                args.iter().map(|a| a.write(name)).collect::<Vec<_>>().join(", ")
            ),
        }
    }

    /// The data columns it reads, each once, in order of appearance.
    pub fn vars(&self, out: &mut Vec<String>) {
        match self {
            Expr::Var { name, .. } => {
                if !out.contains(name) {
                    out.push(name.clone());
                }
            }
            Expr::Num { .. } => {}
            Expr::Neg { arg, .. } | Expr::Paren { arg, .. } => arg.vars(out),
            Expr::Binary { lhs, rhs, .. } => {
                lhs.vars(out);
                rhs.vars(out);
            }
            Expr::Call { args, .. } => args.iter().for_each(|a| a.vars(out)),
        }
    }
}

/// A name as R deparses it: backquoted unless it is syntactic.
fn deparse_name(name: &str) -> String {
    let mut chars = name.chars();
    let syntactic = match chars.next() {
        Some(c) if c.is_alphabetic() => true,
        Some('.') => !name.chars().nth(1).is_some_and(|c| c.is_ascii_digit()),
        _ => false,
    } && name.chars().all(|c| c.is_alphanumeric() || c == '.' || c == '_');
    if syntactic {
        name.to_string()
    } else {
        format!("`{name}`")
    }
}

/// A number as R's `deparse` writes it: up to 15 significant digits, in
/// fixed notation unless scientific notation is shorter (`1e+05`, `1e-04`).
pub fn deparse_number(value: f64, integer: bool) -> String {
    if integer {
        return format!("{}L", value as i64);
    }
    if value == 0.0 {
        return "0".to_string();
    }
    if !value.is_finite() {
        return if value.is_nan() {
            "NaN".into()
        } else if value > 0.0 {
            "Inf".into()
        } else {
            "-Inf".into()
        };
    }
    // The fewest significant digits (up to R's 15) that give the value back at 15 digits.
    let target = format!("{value:.14e}").parse::<f64>().unwrap_or(value);
    let digits = (1..=15)
        .find(|&d| format!("{:.*e}", d - 1, value).parse::<f64>().ok() == Some(target))
        .unwrap_or(15);
    let sci = format!("{:.*e}", digits - 1, value);
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let sci_text = format!("{mantissa}e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs());
    let decimals = (digits as i32 - 1 - exp).max(0) as usize;
    let fixed = format!("{value:.decimals$}");
    if fixed.len() <= sci_text.len() { fixed } else { sci_text }
}

/// A column computed from the data by an expression of the formula.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Derived {
    /// The column's name: the expression deparsed as R does.
    pub name: String,
    /// The expression (its spans point into the formula text).
    pub expr: Expr,
    /// Whether only the response uses it (then prediction, which has no
    /// response, does not compute it).
    pub response_only: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_deparse_as_r_does() {
        for (v, text) in [
            (1.0, "1"),
            (1.5, "1.5"),
            (100000.0, "1e+05"),
            (1000.0, "1000"),
            (0.0001, "1e-04"),
            (0.001, "0.001"),
            (0.1, "0.1"),
            (123456.7, "123456.7"),
            (1.0 / 3.0, "0.333333333333333"),
            (2.5e-10, "2.5e-10"),
        ] {
            assert_eq!(deparse_number(v, false), text, "{v}");
        }
        assert_eq!(deparse_number(2.0, true), "2L");
    }

    #[test]
    fn names_are_backquoted_unless_syntactic() {
        assert_eq!(deparse_name("x.1"), "x.1");
        assert_eq!(deparse_name("a b"), "`a b`");
        assert_eq!(deparse_name(".5x"), "`.5x`");
        assert_eq!(deparse_name("_x"), "`_x`");
    }
}
