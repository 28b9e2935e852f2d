//! Parsing `s(...)`, `te(...)` and `ti(...)` with mgcv's arguments and defaults.

use super::ast::{BasisType, SmoothKind, SmoothSpec, SmoothXt, SpValue, Span};
use super::lexer::Tok;
use super::parser::Parser;
use crate::error::Result;

/// mgcv's default basis dimension per margin of `te()`/`ti()`.
pub(crate) const TE_DEFAULT_K: i64 = 5;
/// mgcv's "use the basis's default" basis dimension of `s()`.
pub(crate) const S_DEFAULT_K: i64 = -1;

/// The named arguments given, each with the position of its name.
#[derive(Default)]
struct Args {
    k: Option<(Vec<Option<i64>>, usize)>,
    bs: Option<(Vec<BasisType>, usize)>,
    m: Option<(Vec<Option<i64>>, usize)>,
    by: Option<(Option<String>, usize)>,
    fx: Option<(bool, usize)>,
    xt: Option<(SmoothXt, usize)>,
    sp: Option<(Vec<SpValue>, usize)>,
}

impl Args {
    fn any(&self) -> bool {
        self.k.is_some()
            || self.bs.is_some()
            || self.m.is_some()
            || self.by.is_some()
            || self.fx.is_some()
            || self.xt.is_some()
            || self.sp.is_some()
    }
}

impl Parser<'_> {
    /// A smooth call; the next tokens are the function name `f` and `(`.
    pub(crate) fn smooth(&mut self, f: &str) -> Result<SmoothSpec> {
        let kind = match f {
            "s" => SmoothKind::S,
            "te" => SmoothKind::Te,
            _ => SmoothKind::Ti,
        };
        let start = self.bump().span.start;
        self.bump();
        let close = format!("')' to close {f}( opened at column {}", start + 1);
        if self.peek().tok == Tok::RParen {
            return Err(self.err(self.peek().span.start, format!("{f}() needs at least one covariate")));
        }
        let mut vars: Vec<String> = Vec::new();
        let mut args = Args::default();
        let end = loop {
            let t = self.peek().clone();
            match &t.tok {
                Tok::Name(arg) if self.peek2().tok == Tok::Equals => {
                    self.bump();
                    self.bump();
                    self.named_arg(arg, t.span.start, &mut args)?;
                }
                Tok::Name(_) | Tok::Backquoted(_) | Tok::LParen | Tok::Minus => {
                    if args.any() {
                        return Err(self.err(t.span.start, "covariates must come before named arguments"));
                    }
                    // A column or an expression such as log(x) (a derived column).
                    let (name, _) = self.value_column("a covariate column name", false)?;
                    if vars.contains(&name) {
                        return Err(self.err(t.span.start, format!("covariate '{name}' appears twice in {f}()")));
                    }
                    vars.push(name);
                }
                Tok::Number(n) => {
                    return Err(self.err(
                        t.span.start,
                        format!("expected a covariate column name, found number {n} (did you mean k = {n}?)"),
                    ));
                }
                Tok::Eof => return Err(self.expected(&close)),
                _ => return Err(self.expected("a covariate or a named argument")),
            }
            match self.peek().tok {
                Tok::Comma => {
                    self.bump();
                    if self.peek().tok == Tok::RParen {
                        return Err(self.expected("an argument after ','"));
                    }
                }
                Tok::RParen => break self.bump().span.end,
                Tok::Eof => return Err(self.expected(&close)),
                _ => return Err(self.expected(&format!("',' or {close}"))),
            }
        };
        if vars.is_empty() {
            return Err(self.err(
                start,
                format!("{f}() needs at least one covariate before its named arguments"),
            ));
        }
        self.finish_smooth(kind, vars, args, Span::new(start, end))
    }

    /// Fills in mgcv's defaults and checks argument lengths against the margins.
    fn finish_smooth(&self, kind: SmoothKind, vars: Vec<String>, args: Args, span: Span) -> Result<SmoothSpec> {
        let f = kind.as_str();
        let n = vars.len();
        let per_margin = kind != SmoothKind::S;
        // te()/ti() take one value per margin or one for all; s() one value.
        let spread = |name: &str, len: usize, pos: usize| -> Result<usize> {
            match (per_margin, len) {
                (_, 1) => Ok(if per_margin { n } else { 1 }),
                (true, l) if l == n => Ok(n),
                (true, l) => Err(self.err(
                    pos,
                    format!(
                        "{name} has {l} values but {f}() has {n} margin{}",
                        if n == 1 { "" } else { "s" }
                    ),
                )),
                (false, _) => Err(self.err(
                    pos,
                    format!("s() takes a single {name}; use te() for one {name} per margin"),
                )),
            }
        };
        let default_k = if per_margin { TE_DEFAULT_K } else { S_DEFAULT_K };
        let k = match args.k {
            None => vec![default_k; if per_margin { n } else { 1 }],
            Some((k, pos)) => {
                let len = spread("k", k.len(), pos)?;
                let k: Vec<i64> = k.into_iter().map(|v| v.unwrap_or(default_k)).collect();
                if k.len() == len { k } else { vec![k[0]; len] }
            }
        };
        let bs = match args.bs {
            None => vec![if per_margin { BasisType::Cr } else { BasisType::Tp }; if per_margin { n } else { 1 }],
            Some((bs, pos)) => {
                let len = spread("bs", bs.len(), pos)?;
                if !per_margin && n > 1 && bs[0].is_one_dimensional() {
                    return Err(self.err(
                        pos,
                        format!(
                            "bs = \"{}\" smooths one covariate; s() of {n} covariates needs \"tp\" (or \"re\"), \
                             or use te() for a tensor product",
                            bs[0]
                        ),
                    ));
                }
                if bs.len() == len { bs } else { vec![bs[0]; len] }
            }
        };
        let m = match args.m {
            None => vec![None; if per_margin { n } else { 1 }],
            // s() takes a vector m (e.g. c(2, 2) for a P-spline).
            Some((m, _)) if !per_margin => m,
            Some((m, pos)) => {
                let len = spread("m", m.len(), pos)?;
                if m.len() == len { m } else { vec![m[0]; len] }
            }
        };
        let xt = match args.xt {
            None => SmoothXt::default(),
            Some((xt, pos)) => {
                if kind != SmoothKind::S || !matches!(bs[0], BasisType::Tp | BasisType::Ts) {
                    return Err(self.err(
                        pos,
                        "xt = list(max.knots, seed) applies to a thin plate smooth: s(..., bs = \"tp\" or \"ts\")",
                    ));
                }
                xt
            }
        };
        Ok(SmoothSpec {
            kind,
            vars,
            k,
            bs,
            m,
            by: args.by.and_then(|(by, _)| by),
            fx: args.fx.is_some_and(|(fx, _)| fx),
            sp: args.sp.map(|(sp, _)| sp).unwrap_or_default(),
            span,
            xt,
        })
    }

    /// `name = value` (the `name =` already consumed; `pos` is where the name is).
    fn named_arg(&mut self, name: &str, pos: usize, args: &mut Args) -> Result<()> {
        let given = match name {
            "k" => args.k.is_some(),
            "bs" => args.bs.is_some(),
            "m" => args.m.is_some(),
            "by" => args.by.is_some(),
            "fx" => args.fx.is_some(),
            "xt" => args.xt.is_some(),
            "sp" => args.sp.is_some(),
            "id" | "pc" | "d" | "mp" | "np" => {
                return Err(self.err(pos, format!("smooth argument '{name}' is not supported")));
            }
            _ => {
                return Err(self.err(
                    pos,
                    format!("unknown smooth argument '{name}' (expected k, bs, m, by, fx)"),
                ));
            }
        };
        if given {
            return Err(self.err(pos, format!("argument '{name}' given twice")));
        }
        match name {
            "k" => args.k = Some((self.vector(|p| p.whole_number("k"))?, pos)),
            "m" => args.m = Some((self.vector(|p| p.whole_number("m"))?, pos)),
            "bs" => args.bs = Some((self.vector(Parser::basis)?, pos)),
            "xt" => args.xt = Some((self.xt_list()?, pos)),
            "sp" => args.sp = Some((self.vector(Parser::sp_value)?, pos)),
            "by" => {
                let by = if self.peek().tok == Tok::Name("NA".to_string()) {
                    self.bump();
                    None
                } else {
                    Some(self.value_column("a column name for by", false)?.0)
                };
                args.by = Some((by, pos));
            }
            _ => {
                let value = match &self.peek().tok {
                    Tok::Name(b) if b == "TRUE" || b == "T" => true,
                    Tok::Name(b) if b == "FALSE" || b == "F" => false,
                    _ => return Err(self.expected("TRUE or FALSE for fx")),
                };
                self.bump();
                args.fx = Some((value, pos));
            }
        }
        Ok(())
    }

    /// `list(max.knots = n, seed = s)`, either or both, in any order.
    fn xt_list(&mut self) -> Result<SmoothXt> {
        let supported = "xt = list(max.knots = ..., seed = ...)";
        if !(self.peek().tok == Tok::Name("list".to_string()) && self.peek2().tok == Tok::LParen) {
            return Err(self.expected(&format!("{supported} (other xt values are not supported)")));
        }
        let open = self.bump().span.start;
        self.bump();
        let mut xt = SmoothXt::default();
        loop {
            let t = self.peek().clone();
            let field = match &t.tok {
                Tok::Name(f) if (f == "max.knots" || f == "seed") && self.peek2().tok == Tok::Equals => f.clone(),
                Tok::Name(f) if self.peek2().tok == Tok::Equals => {
                    return Err(self.err(t.span.start, format!("xt entry '{f}' is not supported ({supported})")));
                }
                _ => return Err(self.expected(supported)),
            };
            self.bump();
            self.bump();
            let slot = if field == "seed" {
                &mut xt.seed
            } else {
                &mut xt.max_knots
            };
            if slot.is_some() {
                return Err(self.err(t.span.start, format!("xt entry '{field}' given twice")));
            }
            let value = self.whole_number(&field)?;
            let ok = match (field.as_str(), value) {
                ("seed", Some(v)) => i32::try_from(v).is_ok(),
                (_, Some(v)) => v >= 0,
                _ => false,
            };
            if !ok {
                return Err(self.err(
                    t.span.start,
                    if field == "seed" {
                        "seed must be a whole number that R's set.seed takes (a 32-bit integer)"
                    } else {
                        "max.knots must be a whole number from 0"
                    },
                ));
            }
            *slot = value;
            match self.peek().tok {
                Tok::Comma => {
                    self.bump();
                }
                Tok::RParen => {
                    self.bump();
                    return Ok(xt);
                }
                _ => return Err(self.expected(&format!("',' or ')' to close list( opened at column {}", open + 1))),
            }
        }
    }

    /// One value, or `c(value, ...)`.
    fn vector<T>(&mut self, mut elem: impl FnMut(&mut Self) -> Result<T>) -> Result<Vec<T>> {
        let is_c = self.peek().tok == Tok::Name("c".to_string()) && self.peek2().tok == Tok::LParen;
        if !is_c {
            return Ok(vec![elem(self)?]);
        }
        let open = self.bump().span.start;
        self.bump();
        if self.peek().tok == Tok::RParen {
            return Err(self.err(self.peek().span.start, "empty c(): expected at least one value"));
        }
        let mut out = Vec::new();
        loop {
            out.push(elem(self)?);
            match self.peek().tok {
                Tok::Comma => {
                    self.bump();
                }
                Tok::RParen => {
                    self.bump();
                    return Ok(out);
                }
                _ => return Err(self.expected(&format!("',' or ')' to close c( opened at column {}", open + 1))),
            }
        }
    }

    /// A whole number (optionally negative) or `NA` (`None`), for argument `arg`.
    fn whole_number(&mut self, arg: &str) -> Result<Option<i64>> {
        let t = self.peek().clone();
        if t.tok == Tok::Name("NA".to_string()) {
            self.bump();
            return Ok(None);
        }
        let negative = t.tok == Tok::Minus;
        if negative {
            self.bump();
        }
        let t = self.peek().clone();
        let Tok::Number(text) = &t.tok else {
            return Err(self.expected(&format!("a whole number for {arg}")));
        };
        let value = text.trim_end_matches('L').parse::<f64>().ok();
        match value {
            Some(v) if v.fract() == 0.0 && v.abs() < 9.0e15 => {
                self.bump();
                let v = v as i64;
                Ok(Some(if negative { -v } else { v }))
            }
            _ => Err(self.err(t.span.start, format!("{arg} must be a whole number, found {text}"))),
        }
    }

    /// A smoothing parameter: a number, negative for "estimate" (mgcv's `sp =`).
    fn sp_value(&mut self) -> Result<SpValue> {
        let negative = self.peek().tok == Tok::Minus;
        if negative {
            self.bump();
        }
        let t = self.peek().clone();
        let Tok::Number(text) = &t.tok else {
            return Err(self.expected("a number for sp (negative: estimate it)"));
        };
        match text.trim_end_matches('L').parse::<f64>() {
            Ok(v) if v.is_finite() => {
                self.bump();
                Ok(SpValue(if negative { -v } else { v }))
            }
            _ => Err(self.err(t.span.start, format!("sp must be a finite number, found {text}"))),
        }
    }

    /// A quoted basis code.
    fn basis(&mut self) -> Result<BasisType> {
        let t = self.peek().clone();
        let supported = "supported: \"tp\", \"cr\", \"ps\", \"cc\", \"re\", \"ts\", \"cs\"";
        match &t.tok {
            Tok::Str(code) => match BasisType::from_code(code) {
                Some(b) => {
                    self.bump();
                    Ok(b)
                }
                None => Err(self.err(t.span.start, format!("unsupported basis \"{code}\" ({supported})"))),
            },
            Tok::Name(code) if BasisType::from_code(code).is_some() => {
                Err(self.err(t.span.start, format!("the basis name needs quotes: bs = \"{code}\"")))
            }
            _ => Err(self.expected(&format!("a quoted basis name ({supported})"))),
        }
    }
}
