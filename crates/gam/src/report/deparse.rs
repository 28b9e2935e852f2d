//! The formula line of the summary as R prints a formula (`deparse`):
//! `y ~ s(x, bs = "cr", k = 20) + z`, whatever the spacing and quotes it
//! was written with, numbers as R writes them (`1e3` is `1000`), and lines
//! broken after R's 60-character cut-off with R's indentation.
//!
//! Only the syntax mgcv formulas use is understood (`~`, `+`, `-`, `*`,
//! `/`, `:`, `^`, parentheses, calls with named or positional arguments,
//! names, numbers, strings); anything else is printed as written, white
//! space collapsed. As R: spaces around `~ + - *`, none around `/ : ^`.

use super::rformat;

/// R's default `deparse` line-width cut-off.
const CUTOFF: usize = 60;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// A name, backquoted names with their backquotes.
    Name(String),
    /// A number, already in R's deparsed form.
    Num(String),
    /// A string, already double-quoted.
    Str(String),
    /// One of `~ + - * / : ^ ( ) , =`.
    Punct(char),
}

fn lex(text: &str) -> Option<Vec<Tok>> {
    let chars: Vec<char> = text.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if "~+-*/:^(),=".contains(c) {
            toks.push(Tok::Punct(c));
            i += 1;
        } else if c == '`' {
            let start = i;
            i += 1;
            while i < chars.len() && chars[i] != '`' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            if i >= chars.len() {
                return None;
            }
            i += 1;
            toks.push(Tok::Name(chars[start..i].iter().collect()));
        } else if c == '"' || c == '\'' {
            let mut value = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => return None,
                    Some(&q) if q == c => break,
                    Some('\\') => {
                        value.push(*chars.get(i + 1)?);
                        i += 2;
                    }
                    Some(&other) => {
                        value.push(other);
                        i += 1;
                    }
                }
            }
            i += 1;
            toks.push(Tok::Str(format!(
                "\"{}\"",
                value.replace('\\', "\\\\").replace('"', "\\\"")
            )));
        } else if c.is_ascii_digit() || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.') {
                let exp = matches!(chars[i], 'e' | 'E');
                i += 1;
                if exp && i < chars.len() && matches!(chars[i], '+' | '-') {
                    i += 1;
                }
            }
            let raw: String = chars[start..i].iter().collect();
            let num = match raw.parse::<f64>() {
                Ok(v) => rformat::format(&[v], 15).remove(0),
                Err(_) if raw.ends_with('L') && raw[..raw.len() - 1].parse::<i64>().is_ok() => raw,
                Err(_) => return None,
            };
            toks.push(Tok::Num(num));
        } else if c.is_alphabetic() || c == '.' || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '.' || chars[i] == '_') {
                i += 1;
            }
            toks.push(Tok::Name(chars[start..i].iter().collect()));
        } else {
            return None;
        }
    }
    Some(toks)
}

/// An expression of the formula.
#[derive(Debug, Clone, PartialEq)]
enum Expr {
    /// A name, number or string, as printed.
    Atom(String),
    /// `-x`, `+x`.
    Unary(char, Box<Expr>),
    /// `a ~ b`, `a + b`, `a - b`, `a * b`, `a/b`, `a:b`, `a^b`.
    Binary(char, Box<Expr>, Box<Expr>),
    /// `(x)`, parentheses as written.
    Paren(Box<Expr>),
    /// `f(args)`, arguments with their names.
    Call(String, Vec<(Option<String>, Expr)>),
}

struct Parser {
    toks: Vec<Tok>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at)
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(&Tok::Punct(c)) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    /// `sum ('~' sum)?`
    fn formula(&mut self) -> Option<Expr> {
        let lhs = self.sum()?;
        if self.eat('~') {
            let rhs = self.sum()?;
            Some(Expr::Binary('~', Box::new(lhs), Box::new(rhs)))
        } else {
            Some(lhs)
        }
    }

    /// `product (('+' | '-') product)*`, left-associative.
    fn sum(&mut self) -> Option<Expr> {
        self.left_assoc(&['+', '-'], Parser::product)
    }

    /// `unary (('*' | '/') unary)*`, left-associative.
    fn product(&mut self) -> Option<Expr> {
        self.left_assoc(&['*', '/'], Parser::unary)
    }

    fn left_assoc(&mut self, ops: &[char], next: fn(&mut Parser) -> Option<Expr>) -> Option<Expr> {
        let mut e = next(self)?;
        loop {
            let Some(&op) = ops.iter().find(|&&op| self.eat(op)) else {
                return Some(e);
            };
            let rhs = next(self)?;
            e = Expr::Binary(op, Box::new(e), Box::new(rhs));
        }
    }

    /// R's unary minus binds less tightly than `:` and `^`.
    fn unary(&mut self) -> Option<Expr> {
        for op in ['-', '+'] {
            if self.eat(op) {
                return Some(Expr::Unary(op, Box::new(self.unary()?)));
            }
        }
        self.left_assoc(&[':'], Parser::power)
    }

    /// `primary ('^' unary)?`: right-associative, the exponent may be negated.
    fn power(&mut self) -> Option<Expr> {
        let base = self.primary()?;
        if self.eat('^') {
            let exponent = self.unary()?;
            return Some(Expr::Binary('^', Box::new(base), Box::new(exponent)));
        }
        Some(base)
    }

    fn primary(&mut self) -> Option<Expr> {
        let tok = self.peek()?.clone();
        self.at += 1;
        match tok {
            Tok::Num(s) | Tok::Str(s) => Some(Expr::Atom(s)),
            Tok::Name(name) => {
                if !self.eat('(') {
                    return Some(Expr::Atom(name));
                }
                let mut args = Vec::new();
                if self.eat(')') {
                    return Some(Expr::Call(name, args));
                }
                loop {
                    let named = match (self.toks.get(self.at), self.toks.get(self.at + 1)) {
                        (Some(Tok::Name(n)), Some(Tok::Punct('='))) => Some(n.clone()),
                        _ => None,
                    };
                    if named.is_some() {
                        self.at += 2;
                    }
                    args.push((named, self.formula()?));
                    if self.eat(')') {
                        return Some(Expr::Call(name, args));
                    }
                    if !self.eat(',') {
                        return None;
                    }
                }
            }
            Tok::Punct('(') => {
                let inner = self.formula()?;
                self.eat(')').then(|| Expr::Paren(Box::new(inner)))
            }
            Tok::Punct(_) => None,
        }
    }
}

/// R's `deparse` buffer: the current line, its length and indentation.
struct Out {
    lines: Vec<String>,
    line: String,
    len: usize,
    indent: usize,
    start_of_line: bool,
}

impl Out {
    fn print(&mut self, s: &str) {
        if self.start_of_line {
            self.start_of_line = false;
            for i in 1..=self.indent {
                let tab = if i <= 4 { "    " } else { "  " };
                self.line.push_str(tab);
                self.len += tab.len();
            }
        }
        self.line.push_str(s);
        self.len += s.len();
    }

    fn write_line(&mut self) {
        self.lines.push(std::mem::take(&mut self.line));
        self.len = 0;
        self.start_of_line = true;
    }

    /// R's `linebreak`: a new line once past the cut-off, indenting what
    /// follows the first time.
    fn line_break(&mut self, broke: &mut bool) {
        if self.len > CUTOFF {
            if !*broke {
                *broke = true;
                self.indent += 1;
            }
            self.write_line();
        }
    }

    fn expr(&mut self, e: &Expr) {
        match e {
            Expr::Atom(s) => self.print(s),
            Expr::Unary(op, x) => {
                self.print(&op.to_string());
                self.expr(x);
            }
            Expr::Paren(x) => {
                self.print("(");
                self.expr(x);
                self.print(")");
            }
            // R's PP_BINARY2: no spaces and no line break.
            Expr::Binary(op @ ('/' | ':' | '^'), l, r) => {
                self.expr(l);
                self.print(&op.to_string());
                self.expr(r);
            }
            Expr::Binary(op, l, r) => {
                self.expr(l);
                self.print(&format!(" {op} "));
                let mut broke = false;
                self.line_break(&mut broke);
                self.expr(r);
                if broke {
                    self.indent -= 1;
                }
            }
            Expr::Call(name, args) => {
                self.print(name);
                self.print("(");
                let mut broke = false;
                for (i, (arg_name, value)) in args.iter().enumerate() {
                    if let Some(n) = arg_name {
                        self.print(n);
                        self.print(" = ");
                    }
                    self.expr(value);
                    if i + 1 < args.len() {
                        self.print(", ");
                        self.line_break(&mut broke);
                    }
                }
                if broke {
                    self.indent -= 1;
                }
                self.print(")");
            }
        }
    }
}

/// The formula as R's `print(formula)` shows it, one entry per line.
pub fn formula_lines(text: &str) -> Vec<String> {
    let parsed = lex(text).and_then(|toks| {
        let mut p = Parser { toks, at: 0 };
        let e = p.formula()?;
        (p.at == p.toks.len()).then_some(e)
    });
    match parsed {
        Some(e) => {
            let mut out = Out {
                lines: Vec::new(),
                line: String::new(),
                len: 0,
                indent: 0,
                start_of_line: true,
            };
            out.expr(&e);
            out.write_line();
            out.lines
        }
        None => vec![text.split_whitespace().collect::<Vec<_>>().join(" ")],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected lines from R: print(<formula>).
    #[test]
    fn spacing_and_quotes_as_r() {
        assert_eq!(
            formula_lines("y~s(x,bs='cr',k=20)+z"),
            ["y ~ s(x, bs = \"cr\", k = 20) + z"]
        );
        assert_eq!(
            formula_lines("y ~ -1 + s(x, m=2, fx=TRUE, by=g)"),
            ["y ~ -1 + s(x, m = 2, fx = TRUE, by = g)"]
        );
        assert_eq!(formula_lines("y~ +x"), ["y ~ +x"]);
        assert_eq!(formula_lines("cbind(a,b)~x"), ["cbind(a, b) ~ x"]);
        assert_eq!(formula_lines("y ~ s(x,k=1e3) - 1"), ["y ~ s(x, k = 1000) - 1"]);
        assert_eq!(formula_lines("y ~ s(x, k = -1)"), ["y ~ s(x, k = -1)"]);
        assert_eq!(formula_lines("`a b` ~\n  s(`x y`)"), ["`a b` ~ s(`x y`)"]);
        // Operators and expressions (issue 13), as R's print(formula).
        assert_eq!(
            formula_lines("log(y)~s(log(x))+fac*z+I(x^2)+(a+b+c)^2-a:b+a/b+I(y/n)+exp(-x/2)"),
            [
                "log(y) ~ s(log(x)) + fac * z + I(x^2) + (a + b + c)^2 - a:b + ",
                "    a/b + I(y/n) + exp(-x/2)"
            ]
        );
        assert_eq!(formula_lines("y ~ I(-2^x) + x^-1"), ["y ~ I(-2^x) + x^-1"]);
    }

    #[test]
    fn long_formulas_break_as_r() {
        let f = "y ~ s(x0,bs=\"cr\",k=20) + s(x1, bs = \"cr\", k = 20) + s(x2, bs=\"cr\", k=20) + \
                 s(x3,bs=\"cr\",k=20) + te(x0,x1,k=c(5,5)) - 1 + offset(o)";
        assert_eq!(
            formula_lines(f),
            [
                "y ~ s(x0, bs = \"cr\", k = 20) + s(x1, bs = \"cr\", k = 20) + s(x2, ",
                "    bs = \"cr\", k = 20) + s(x3, bs = \"cr\", k = 20) + te(x0, x1, ",
                "    k = c(5, 5)) - 1 + offset(o)",
            ]
        );
    }

    #[test]
    fn unknown_syntax_is_kept() {
        assert_eq!(formula_lines("y ~ x:z  +\n w"), ["y ~ x:z + w"]);
    }

    #[test]
    fn random_formulas_print_as_in_r() {
        // R's print(as.formula(text)) for random formulas (tests/data/r_format/make_refs.R).
        let path = format!("{}/tests/data/r_format/deparse.json", env!("CARGO_MANIFEST_DIR"));
        let cases: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for c in cases.as_array().unwrap() {
            let text = c["text"].as_str().unwrap();
            let want: Vec<&str> = c["out"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l.as_str().unwrap())
                .collect();
            assert_eq!(formula_lines(text), want, "{text}");
        }
    }
}
