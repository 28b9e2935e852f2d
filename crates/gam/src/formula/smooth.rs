//! Parsing `s(...)`, `te(...)`, `ti(...)` and `t2(...)` with mgcv's
//! arguments and defaults.

use super::ast::{BasisType, Real, SmoothKind, SmoothSpec, SmoothXt, SpValue, Span};
use super::lexer::Tok;
use super::parser::Parser;
use crate::error::Result;

/// mgcv's default basis dimension per covariate of a `te()`/`ti()`/`t2()`
/// margin (a margin of `d` covariates gets `5^d`).
pub(crate) const TE_DEFAULT_K: i64 = 5;
/// mgcv's "use the basis's default" basis dimension of `s()`.
pub(crate) const S_DEFAULT_K: i64 = -1;

/// The named arguments given, each with the position of its name.
#[derive(Default)]
struct Args {
    k: Option<(Vec<Option<i64>>, usize)>,
    bs: Option<(Vec<BasisType>, usize)>,
    m: Option<(Vec<Option<Real>>, usize)>,
    by: Option<(Option<String>, usize)>,
    fx: Option<(bool, usize)>,
    xt: Option<(SmoothXt, usize)>,
    sp: Option<(Vec<SpValue>, usize)>,
    id: Option<(String, usize)>,
    d: Option<(Vec<Option<i64>>, usize)>,
    mc: Option<(Vec<bool>, usize)>,
    full: Option<(bool, usize)>,
    ord: Option<(Vec<Option<i64>>, usize)>,
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
            || self.id.is_some()
            || self.d.is_some()
            || self.mc.is_some()
            || self.full.is_some()
            || self.ord.is_some()
    }
}

impl Parser<'_> {
    /// A smooth call; the next tokens are the function name `f` and `(`.
    pub(crate) fn smooth(&mut self, f: &str) -> Result<SmoothSpec> {
        let kind = match f {
            "s" => SmoothKind::S,
            "te" => SmoothKind::Te,
            "t2" => SmoothKind::T2,
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
                    self.named_arg(kind, arg, t.span.start, &mut args)?;
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
        let per_margin = kind.is_tensor();
        let d = self.margin_dims(f, vars.len(), args.d.as_ref())?;
        // Covariates per margin of a tensor product; s() has one "margin"
        // taking every value.
        let dims: Vec<usize> = match (per_margin, d.is_empty()) {
            (false, _) => vec![vars.len()],
            (true, true) => vec![1; vars.len()],
            (true, false) => d.clone(),
        };
        let n = dims.len();
        // te()/ti()/t2() take one value per margin or one for all; s() one value.
        let spread = |name: &str, len: usize, pos: usize| -> Result<usize> {
            match (per_margin, len) {
                (_, 1) => Ok(n),
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
        let default_k = |i: usize| -> i64 {
            if per_margin {
                (0..dims[i]).fold(1, |k, _| k * TE_DEFAULT_K)
            } else {
                S_DEFAULT_K
            }
        };
        // mgcv's adaptive smooth of two covariates takes a k per covariate
        // (its tensor product's margins).
        let adaptive_2d = !per_margin
            && vars.len() == 2
            && args
                .bs
                .as_ref()
                .is_some_and(|(bs, _)| bs.first() == Some(&BasisType::Ad));
        let k = match args.k {
            None => (0..n).map(default_k).collect(),
            Some((k, _)) if adaptive_2d && k.len() == 2 => k.into_iter().map(|v| v.unwrap_or(S_DEFAULT_K)).collect(),
            Some((k, pos)) => {
                spread("k", k.len(), pos)?;
                let k = if k.len() == n { k } else { vec![k[0]; n] };
                k.into_iter()
                    .enumerate()
                    .map(|(i, v)| v.unwrap_or_else(|| default_k(i)))
                    .collect()
            }
        };
        let mut bs = match args.bs {
            None => vec![if per_margin { BasisType::Cr } else { BasisType::Tp }; n],
            Some((bs, pos)) => {
                spread("bs", bs.len(), pos)?;
                if !per_margin && vars.len() > 1 && bs[0].is_one_dimensional() {
                    return Err(self.err(
                        pos,
                        format!(
                            "bs = \"{}\" smooths one covariate; s() of {} covariates needs \"tp\" (or \"re\"), \
                             or use te() for a tensor product",
                            bs[0],
                            vars.len()
                        ),
                    ));
                }
                if bs.len() == n { bs } else { vec![bs[0]; n] }
            }
        };
        // mgcv's te() silently gives a margin of several covariates a thin
        // plate basis when a one-dimensional spline was asked for.
        for (b, &dim) in bs.iter_mut().zip(&dims) {
            if per_margin && dim > 1 && matches!(b, BasisType::Cr | BasisType::Cs | BasisType::Ps | BasisType::Cp) {
                *b = BasisType::Tp;
            }
        }
        let m = match args.m {
            None => vec![None; n],
            // s() takes a vector m (e.g. c(2, 2) for a P-spline).
            Some((m, _)) if !per_margin => m,
            Some((m, pos)) => {
                spread("m", m.len(), pos)?;
                if m.len() == n { m } else { vec![m[0]; n] }
            }
        };
        let xt = match args.xt {
            None => SmoothXt::default(),
            Some((xt, pos)) if per_margin => self.check_margin_xt(kind, &bs, xt, pos)?,
            Some((xt, pos)) => self.check_xt(bs[0], xt, pos)?,
        };
        let mc = match args.mc {
            None => Vec::new(),
            Some((mc, pos)) => {
                spread("mc", mc.len(), pos)?;
                if mc.len() == n { mc } else { vec![mc[0]; n] }
            }
        };
        let ord = match args.ord {
            None => Vec::new(),
            Some((ord, pos)) => ord
                .into_iter()
                .map(|o| match o {
                    // 0 is the product of the null spaces alone, n the product of every range space.
                    Some(o) if o >= 0 && (o as usize) <= n => Ok(o as usize),
                    _ => Err(self.err(
                        pos,
                        format!("ord values must be whole numbers from 0 to {n} (how many margins' range spaces a product takes)"),
                    )),
                })
                .collect::<Result<Vec<usize>>>()?,
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
            id: args.id.map(|(id, _)| id),
            d,
            mc,
            full: args.full.is_some_and(|(full, _)| full),
            ord,
        })
    }

    /// `d =` checked against the covariates: empty when not given or when
    /// it gives each covariate its own margin (the default, so that the
    /// canonical form does not depend on writing it).
    fn margin_dims(&self, f: &str, n_vars: usize, d: Option<&(Vec<Option<i64>>, usize)>) -> Result<Vec<usize>> {
        let Some((d, pos)) = d else {
            return Ok(Vec::new());
        };
        let dims: Vec<usize> = d
            .iter()
            .map(|v| match v {
                Some(v) if *v >= 1 => Ok(*v as usize),
                _ => Err(self.err(*pos, "d values must be whole numbers from 1 (covariates per margin)")),
            })
            .collect::<Result<_>>()?;
        let total: usize = dims.iter().sum();
        if total != n_vars {
            return Err(self.err(
                *pos,
                format!("d covers {total} covariates but {f}() has {n_vars}; d gives the number of covariates of each margin"),
            ));
        }
        Ok(if dims.iter().all(|&v| v == 1) { Vec::new() } else { dims })
    }

    /// `name = value` (the `name =` already consumed; `pos` is where the name is).
    fn named_arg(&mut self, kind: SmoothKind, name: &str, pos: usize, args: &mut Args) -> Result<()> {
        let only = |ok: bool, which: &str| -> Result<()> {
            if ok {
                Ok(())
            } else {
                Err(self.err(
                    pos,
                    format!("argument '{name}' applies to {which}, not {}()", kind.as_str()),
                ))
            }
        };
        let given = match name {
            "k" => args.k.is_some(),
            "bs" => args.bs.is_some(),
            "m" => args.m.is_some(),
            "by" => args.by.is_some(),
            "fx" => {
                only(kind != SmoothKind::T2, "s(), te() and ti()")?;
                args.fx.is_some()
            }
            "xt" => args.xt.is_some(),
            "sp" => args.sp.is_some(),
            "id" => args.id.is_some(),
            "d" => {
                only(kind.is_tensor(), "te(), ti() and t2()")?;
                args.d.is_some()
            }
            "mc" => {
                only(kind == SmoothKind::Ti, "ti()")?;
                args.mc.is_some()
            }
            "full" | "ord" => {
                only(kind == SmoothKind::T2, "t2()")?;
                if name == "full" {
                    args.full.is_some()
                } else {
                    args.ord.is_some()
                }
            }
            "pc" | "mp" | "np" => {
                return Err(self.err(pos, format!("smooth argument '{name}' is not supported")));
            }
            _ => {
                let tensor = if kind.is_tensor() { ", d" } else { "" };
                let extra = match kind {
                    SmoothKind::Ti => ", mc",
                    SmoothKind::T2 => ", full, ord",
                    _ => "",
                };
                return Err(self.err(
                    pos,
                    format!("unknown smooth argument '{name}' (expected k, bs, m, by, fx, xt, sp, id{tensor}{extra})"),
                ));
            }
        };
        if given {
            return Err(self.err(pos, format!("argument '{name}' given twice")));
        }
        match name {
            "k" => args.k = Some((self.vector(|p| p.whole_number("k"))?, pos)),
            "m" => {
                if self.peek().tok == Tok::Name("list".to_string()) && self.peek2().tok == Tok::LParen {
                    return Err(self.err(
                        self.peek().span.start,
                        "m = list(...) is not supported; give one number per margin, e.g. m = c(2, 1)",
                    ));
                }
                args.m = Some((self.vector(|p| p.real_number("m"))?, pos))
            }
            "bs" => args.bs = Some((self.vector(Parser::basis)?, pos)),
            "xt" => args.xt = Some((self.xt_value()?, pos)),
            "sp" => args.sp = Some((self.vector(Parser::sp_value)?, pos)),
            "id" => args.id = Some((self.id_value()?, pos)),
            "d" => args.d = Some((self.vector(|p| p.whole_number("d"))?, pos)),
            "ord" => args.ord = Some((self.vector(|p| p.whole_number("ord"))?, pos)),
            "mc" => args.mc = Some((self.vector(|p| p.logical("mc"))?, pos)),
            "by" => {
                let by = if self.peek().tok == Tok::Name("NA".to_string()) {
                    self.bump();
                    None
                } else {
                    Some(self.value_column("a column name for by", false)?.0)
                };
                args.by = Some((by, pos));
            }
            "full" => args.full = Some((self.logical("full")?, pos)),
            _ => args.fx = Some((self.logical("fx")?, pos)),
        }
        Ok(())
    }

    /// `TRUE`/`T` or `FALSE`/`F`, for argument `arg`.
    fn logical(&mut self, arg: &str) -> Result<bool> {
        let value = match &self.peek().tok {
            Tok::Name(b) if b == "TRUE" || b == "T" => true,
            Tok::Name(b) if b == "FALSE" || b == "F" => false,
            _ => return Err(self.expected(&format!("TRUE or FALSE for {arg}"))),
        };
        self.bump();
        Ok(value)
    }

    /// An `id`: a number or a quoted string, kept as R's `as.character`
    /// writes it (`id = 1` and `id = "1"` are the same id).
    fn id_value(&mut self) -> Result<String> {
        let t = self.peek().clone();
        match &t.tok {
            Tok::Str(text) => {
                self.bump();
                Ok(text.clone())
            }
            Tok::Number(_) | Tok::Minus => {
                let v = self.real_number("id")?.map(|r| r.0);
                match v {
                    Some(v) => Ok(if v.fract() == 0.0 && v.abs() < 1e15 {
                        format!("{}", v as i64)
                    } else {
                        format!("{v}")
                    }),
                    None => Err(self.err(t.span.start, "id must be a number or a quoted name, not NA")),
                }
            }
            _ => Err(self.expected("a number or a quoted name for id")),
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
    pub(super) fn whole_number(&mut self, arg: &str) -> Result<Option<i64>> {
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

    /// A finite number (optionally negative) or `NA` (`None`), for argument `arg`.
    fn real_number(&mut self, arg: &str) -> Result<Option<Real>> {
        if self.peek().tok == Tok::Name("NA".to_string()) {
            self.bump();
            return Ok(None);
        }
        let negative = self.peek().tok == Tok::Minus;
        if negative {
            self.bump();
        }
        let t = self.peek().clone();
        let Tok::Number(text) = &t.tok else {
            return Err(self.expected(&format!("a number for {arg}")));
        };
        match text.trim_end_matches('L').parse::<f64>() {
            Ok(v) if v.is_finite() => {
                self.bump();
                Ok(Some(Real(if negative { -v } else { v })))
            }
            _ => Err(self.err(t.span.start, format!("{arg} must be a finite number, found {text}"))),
        }
    }

    /// A smoothing parameter: a number, negative for "estimate" (mgcv's `sp =`).
    fn sp_value(&mut self) -> Result<SpValue> {
        if !matches!(self.peek().tok, Tok::Number(_) | Tok::Minus) {
            return Err(self.expected("a number for sp (negative: estimate it)"));
        }
        let at = self.peek().span.start;
        self.real_number("sp")?
            .ok_or_else(|| self.err(at, "sp must be a number (negative: estimate it)"))
    }

    /// A quoted basis code.
    fn basis(&mut self) -> Result<BasisType> {
        let t = self.peek().clone();
        let codes: Vec<String> = BasisType::ALL.iter().map(|b| format!("\"{b}\"")).collect();
        let supported = format!("supported: {}", codes.join(", "));
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
