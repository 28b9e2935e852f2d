//! Parsing a smooth's `xt =`: a string (a margin basis, a neighbourhood
//! file), `list(max.knots = , seed = , bs = )`, or for a tensor product one
//! of those per margin, `list(xt1, xt2, ...)`, as mgcv's `te()` hands
//! `xt[[i]]` to margin `i` (`smooth.r`, `te()`: a single `xt` goes to every
//! margin) — and which forms each class reads.

use super::ast::{BasisType, SmoothKind, SmoothXt};
use super::lexer::Tok;
use super::parser::Parser;
use crate::error::Result;

impl Parser<'_> {
    /// Which `xt` forms the class reads: knot subsampling for the thin plate
    /// family (and `fs`/`sz` on such a base), a margin basis for
    /// `fs`/`sz`/`ad`, a file name for `mrf`.
    pub(super) fn check_xt(&self, bs: BasisType, xt: SmoothXt, pos: usize) -> Result<SmoothXt> {
        let knots = xt.max_knots.is_some() || xt.seed.is_some();
        let thin_plate = |b: BasisType| matches!(b, BasisType::Tp | BasisType::Ts | BasisType::Gp | BasisType::Ds);
        // fs and sz hand their xt list to the base smooth (default tp), which
        // reads max.knots and seed (mgcv's smooth.construct.fs/sz.smooth.spec).
        let grouped = matches!(bs, BasisType::Fs | BasisType::Sz);
        let base = xt.bs.as_deref().map_or(Some(BasisType::Tp), BasisType::from_code);
        if knots && grouped && xt.text.is_none() && !base.is_some_and(thin_plate) {
            return Err(self.err(
                pos,
                format!(
                    "xt = list(max.knots, seed) applies to a base smooth of bs = \"tp\", \"ts\", \"gp\" or \"ds\"; \
                     the base of this {bs} is \"{}\"",
                    xt.bs.as_deref().unwrap_or("tp")
                ),
            ));
        }
        let takes_knots = thin_plate(bs) || (grouped && xt.text.is_none());
        let takes_basis = matches!(bs, BasisType::Fs | BasisType::Sz | BasisType::Ad);
        if !xt.margins.is_empty() {
            return Err(self.err(
                pos,
                "xt = list(xt1, xt2, ...) gives one xt per margin of te(), ti() or t2(); s() takes a single xt",
            ));
        }
        if knots && !takes_knots {
            return Err(self.err(
                pos,
                "xt = list(max.knots, seed) applies to s(..., bs = \"tp\", \"ts\", \"gp\" or \"ds\") and to fs and sz \
                 on those bases",
            ));
        }
        if xt.bs.is_some() && !takes_basis {
            return Err(self.err(
                pos,
                "xt = list(bs = ...) applies to s(..., bs = \"fs\", \"sz\" or \"ad\")",
            ));
        }
        if let Some(text) = &xt.text {
            if bs == BasisType::Mrf {
                if text.is_empty() {
                    return Err(self.err(
                        pos,
                        "xt of an mrf smooth names its neighbourhood file, e.g. xt = \"nb.json\"",
                    ));
                }
            } else if !takes_basis {
                return Err(self.err(
                    pos,
                    "xt = \"...\" names a margin basis (bs = \"fs\", \"sz\", \"ad\") or a neighbourhood file (bs = \"mrf\")",
                ));
            }
        }
        let mut xt = xt;
        if takes_basis {
            // xt = "cr" and xt = list(bs = "cr") mean the same margin basis.
            if xt.bs.is_some() && xt.text.is_some() {
                return Err(self.err(pos, "give the margin basis once: xt = \"cr\" or xt = list(bs = \"cr\")"));
            }
            if let Some(text) = xt.text.take() {
                xt.bs = Some(text);
            }
            if let Some(code) = xt.bs.as_deref().filter(|c| BasisType::from_code(c).is_none()) {
                return Err(self.err(
                    pos,
                    format!("xt names basis \"{code}\", which is not a basis code (e.g. \"tp\", \"cr\")"),
                ));
            }
        }
        Ok(xt)
    }

    /// The `xt` of a tensor product, one entry per margin as mgcv's `te()`
    /// splits it: `list(xt1, xt2, ...)` gives margin `i` entry `i` (`NULL`:
    /// none); a single `"nb.json"` goes to every margin, of which the mrf
    /// margins read it (mgcv's other classes ignore it). Only an mrf margin
    /// reads an `xt`, its neighbourhood file; others must have `NULL`.
    pub(super) fn check_margin_xt(
        &self,
        kind: SmoothKind,
        bs: &[BasisType],
        xt: SmoothXt,
        pos: usize,
    ) -> Result<SmoothXt> {
        let f = kind.as_str();
        let n = bs.len();
        let mrf_file = "an mrf margin's xt names its neighbourhood file, e.g. xt = list(\"nb.json\", NULL)";
        let per_margin: Vec<SmoothXt> = if xt.margins.is_empty() {
            if xt.max_knots.is_some() || xt.seed.is_some() || xt.bs.is_some() || xt.text.is_none() {
                return Err(self.err(
                    pos,
                    format!("{f}() takes xt only for mrf margins: xt = \"nb.json\" or one per margin, xt = list(\"nb.json\", NULL)"),
                ));
            }
            if !bs.contains(&BasisType::Mrf) {
                return Err(self.err(
                    pos,
                    format!(
                        "xt of {f}() names the neighbourhood file of an mrf margin, but no margin has bs = \"mrf\""
                    ),
                ));
            }
            bs.iter()
                .map(|&b| {
                    if b == BasisType::Mrf {
                        xt.clone()
                    } else {
                        SmoothXt::default()
                    }
                })
                .collect()
        } else {
            if xt.margins.len() != n {
                return Err(self.err(
                    pos,
                    format!(
                        "xt has {} entries but {f}() has {n} margin{} (one per margin, NULL for none)",
                        xt.margins.len(),
                        if n == 1 { "" } else { "s" }
                    ),
                ));
            }
            xt.margins
        };
        for (i, (m, &b)) in per_margin.iter().zip(bs).enumerate() {
            if m.is_default() {
                continue;
            }
            if b != BasisType::Mrf {
                return Err(self.err(
                    pos,
                    format!(
                        "xt entry {} is for margin {} (bs = \"{b}\"), which takes none: give NULL",
                        i + 1,
                        i + 1
                    ),
                ));
            }
            let file_only = m.max_knots.is_none() && m.seed.is_none() && m.bs.is_none();
            if !file_only || m.text.as_deref().is_none_or(str::is_empty) {
                return Err(self.err(pos, format!("xt entry {}: {mrf_file}", i + 1)));
            }
        }
        if per_margin.iter().all(SmoothXt::is_default) {
            return Ok(SmoothXt::default());
        }
        Ok(SmoothXt {
            margins: per_margin,
            ..SmoothXt::default()
        })
    }

    /// `"text"` or `list(...)` with entries `max.knots`, `seed` and `bs`,
    /// any of them, in any order; or a tensor product's `list(xt1, xt2, ...)`.
    pub(super) fn xt_value(&mut self) -> Result<SmoothXt> {
        let supported = "xt = \"...\" or xt = list(max.knots = ..., seed = ..., bs = \"...\")";
        if let Tok::Str(text) = &self.peek().tok {
            let text = text.clone();
            self.bump();
            return Ok(SmoothXt {
                text: Some(text),
                ..SmoothXt::default()
            });
        }
        if !(self.peek().tok == Tok::Name("list".to_string()) && self.peek2().tok == Tok::LParen) {
            return Err(self.expected(&format!("{supported} (other xt values are not supported)")));
        }
        let open = self.bump().span.start;
        self.bump();
        if !(matches!(self.peek().tok, Tok::Name(_)) && self.peek2().tok == Tok::Equals) {
            return self.xt_margins(open);
        }
        let mut xt = SmoothXt::default();
        loop {
            let t = self.peek().clone();
            let field = match &t.tok {
                Tok::Name(f)
                    if matches!(f.as_str(), "max.knots" | "seed" | "bs") && self.peek2().tok == Tok::Equals =>
                {
                    f.clone()
                }
                Tok::Name(f) if self.peek2().tok == Tok::Equals => {
                    return Err(self.err(t.span.start, format!("xt entry '{f}' is not supported ({supported})")));
                }
                _ => return Err(self.expected(supported)),
            };
            self.bump();
            self.bump();
            let twice = match field.as_str() {
                "seed" => xt.seed.is_some(),
                "bs" => xt.bs.is_some(),
                _ => xt.max_knots.is_some(),
            };
            if twice {
                return Err(self.err(t.span.start, format!("xt entry '{field}' given twice")));
            }
            if field == "bs" {
                let Tok::Str(code) = &self.peek().tok else {
                    return Err(self.expected("a quoted basis name for xt's bs, e.g. bs = \"cr\""));
                };
                xt.bs = Some(code.clone());
                self.bump();
            } else {
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
                if field == "seed" {
                    xt.seed = value;
                } else {
                    xt.max_knots = value;
                }
            }
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

    /// `list(xt1, xt2, ...)` of a tensor product (`list(` consumed, opened at
    /// `open`): each entry `NULL`, `"text"` or `list(...)`, one per margin.
    fn xt_margins(&mut self, open: usize) -> Result<SmoothXt> {
        let mut margins = Vec::new();
        loop {
            let t = self.peek().clone();
            let entry = match &t.tok {
                Tok::Name(n) if n == "NULL" => {
                    self.bump();
                    SmoothXt::default()
                }
                Tok::Str(_) | Tok::Name(_) => {
                    let xt = self.xt_value()?;
                    if !xt.margins.is_empty() {
                        return Err(self.err(t.span.start, "a margin's xt cannot itself give one xt per margin"));
                    }
                    xt
                }
                _ => return Err(self.expected("NULL, \"...\" or list(...): the xt of one margin")),
            };
            margins.push(entry);
            match self.peek().tok {
                Tok::Comma => {
                    self.bump();
                }
                Tok::RParen => {
                    self.bump();
                    return Ok(SmoothXt {
                        margins,
                        ..SmoothXt::default()
                    });
                }
                _ => return Err(self.expected(&format!("',' or ')' to close list( opened at column {}", open + 1))),
            }
        }
    }
}
