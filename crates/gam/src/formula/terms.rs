//! The right-hand side as R's `terms()` reads it: the formula operators
//! `+`, `-`, `*`, `:`, `/` and `^` over atoms (columns, value expressions,
//! smooths, offsets), expanded into a list of terms, each a set of atoms.
//!
//! - `a * b` = `a + b + a:b`; `a / b` = `a + a:b` (`(a + b) / c` =
//!   `a + b + a:b:c`); `(a + b + c)^2` = every term of up to two atoms;
//!   `- t` removes `t` (`- 1` the intercept); a term given twice is kept once.
//! - An interaction's atoms are in order of first appearance in the formula,
//!   so `b:a + a` gives terms `a`, `b:a` but `a + b:a` gives `a`, `a:b`.
//! - Parametric terms are ordered by degree (main effects, then two-way
//!   interactions, ...), keeping formula order within a degree, as R does
//!   (`keep.order = FALSE`); smooths and offsets keep their places.

use std::collections::{HashMap, HashSet};

use super::ast::{ColumnRef, Interaction, SmoothSpec, Span, Term};
use super::lexer::Tok;
use super::parser::Parser;
use crate::error::Result;

/// What an atom of the right-hand side is.
// A formula holds a handful of terms: boxing the smooth would add an
// indirection to every use and save nothing that matters.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Atom {
    /// A column or derived column, by name.
    Column(String),
    /// A smooth.
    Smooth(SmoothSpec),
    /// `offset(...)`, naming its (possibly derived) column.
    Offset(String),
}

/// The atoms met so far, with where each is first written; a column
/// written twice is one atom (so that `a*b + a` has one `a`).
#[derive(Default)]
pub(crate) struct Atoms {
    list: Vec<(Atom, Span)>,
    columns: HashMap<String, usize>,
}

impl Atoms {
    fn add(&mut self, atom: Atom, span: Span) -> F {
        if let Atom::Column(name) = &atom {
            if let Some(&i) = self.columns.get(name) {
                return F::Atom(i, span);
            }
            self.columns.insert(name.clone(), self.list.len());
        }
        self.list.push((atom, span));
        F::Atom(self.list.len() - 1, span)
    }
}

/// The formula-level expression tree.
enum F {
    /// Atom `i`, written at `span`.
    Atom(usize, Span),
    /// `0` or `1` (intercept), written at `span`.
    Number(bool, Span),
    /// `± item ± item ...`: `true` marks a `-`.
    Sum(Vec<(bool, F)>),
    /// `a op b op ...` for `op` in `*`, `/`.
    Product(Box<F>, Vec<(char, F)>),
    /// `a:b:...`.
    Colon(Vec<F>),
    /// `a^k`.
    Power(Box<F>, u32),
}

/// A term: the sorted indices of its atoms.
type Set = Vec<usize>;

fn union(a: &Set, b: &Set) -> Set {
    let mut out: Set = a.iter().chain(b).copied().collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// `a:b` for every pair, left terms outermost (R's `InteractTerms`), repeats dropped.
fn interact(left: &[Set], right: &[Set]) -> Vec<Set> {
    let mut out = Vec::new();
    for l in left {
        for r in right {
            push_new(&mut out, union(l, r));
        }
    }
    out
}

fn push_new(out: &mut Vec<Set>, t: Set) {
    if !out.contains(&t) {
        out.push(t);
    }
}

fn concat(mut a: Vec<Set>, b: Vec<Set>) -> Vec<Set> {
    for t in b {
        push_new(&mut a, t);
    }
    a
}

impl Parser<'_> {
    /// The right-hand side: its terms (R's order) and whether there is an intercept.
    pub(crate) fn rhs(&mut self) -> Result<(Vec<Term>, bool)> {
        let rhs_start = self.peek().span.start;
        let mut atoms = Atoms::default();
        let tree = self.f_sum(&mut atoms)?;
        let atoms = atoms.list;
        let t = self.peek().clone();
        match t.tok {
            Tok::Eof => {}
            Tok::Tilde => return Err(self.err(t.span.start, "a formula has only one '~'")),
            Tok::RParen => return Err(self.err(t.span.start, "unmatched ')'")),
            Tok::Op(c) => return Err(self.err(t.span.start, format!("operator '{c}' is not supported"))),
            _ => return Err(self.expected("'+' or the end of the formula")),
        }
        let mut intercept = true;
        let sets = self.expand(&tree, &atoms, &mut intercept)?;
        let mut terms = Vec::with_capacity(sets.len());
        let mut labels: HashSet<String> = HashSet::with_capacity(sets.len());
        for set in &sets {
            if set.len() > 1
                && let Some(&i) = set.iter().find(|&&i| !matches!(atoms[i].0, Atom::Column(_)))
            {
                return Err(self.err(
                    atoms[i].1.start,
                    "a smooth or offset cannot be part of an interaction ('*', ':', '/', '^'); \
                     use te() or ti() for smooth interactions",
                ));
            }
            let term = match set.as_slice() {
                [i] => match &atoms[*i] {
                    (Atom::Column(name), span) => Term::Column(ColumnRef {
                        name: name.clone(),
                        span: *span,
                    }),
                    (Atom::Smooth(s), _) => Term::Smooth(s.clone()),
                    (Atom::Offset(name), span) => Term::Offset(ColumnRef {
                        name: name.clone(),
                        span: *span,
                    }),
                },
                _ => {
                    let span = Span::new(
                        set.iter().map(|&i| atoms[i].1.start).min().unwrap_or(0),
                        set.iter().map(|&i| atoms[i].1.end).max().unwrap_or(0),
                    );
                    let vars = set
                        .iter()
                        .map(|&i| match &atoms[i].0 {
                            Atom::Column(name) => name.clone(),
                            _ => unreachable!("refused above"),
                        })
                        .collect();
                    Term::Interaction(Interaction { vars, span })
                }
            };
            let label = term.label();
            if !labels.insert(label.clone()) {
                return Err(self.err(term.span().start, format!("term '{label}' appears twice")));
            }
            terms.push(term);
        }
        order_by_degree(&mut terms);
        if !intercept && !terms.iter().any(|t| !matches!(t, Term::Offset(_))) {
            return Err(self.err(rhs_start, "the model has no terms and no intercept"));
        }
        Ok((terms, intercept))
    }

    /// `± product ± product ...`.
    fn f_sum(&mut self, atoms: &mut Atoms) -> Result<F> {
        let mut items = Vec::new();
        let mut after = "'~'";
        let mut minus = false;
        if matches!(self.peek().tok, Tok::Plus | Tok::Minus) {
            let t = self.bump();
            after = if t.tok == Tok::Plus { "'+'" } else { "'-'" };
            minus = t.tok == Tok::Minus;
        }
        loop {
            if matches!(
                self.peek().tok,
                Tok::Eof | Tok::Plus | Tok::Minus | Tok::RParen | Tok::Comma
            ) {
                return Err(self.expected(&format!("a term after {after}")));
            }
            items.push((minus, self.f_product(atoms)?));
            match self.peek().tok {
                Tok::Plus | Tok::Minus => {
                    let t = self.bump();
                    after = if t.tok == Tok::Plus { "'+'" } else { "'-'" };
                    minus = t.tok == Tok::Minus;
                }
                _ => return Ok(F::Sum(items)),
            }
        }
    }

    fn f_product(&mut self, atoms: &mut Atoms) -> Result<F> {
        let first = self.f_colon(atoms)?;
        let mut rest = Vec::new();
        while let Tok::Op(c @ ('*' | '/')) = self.peek().tok {
            self.bump();
            rest.push((c, self.f_colon(atoms)?));
        }
        Ok(if rest.is_empty() {
            first
        } else {
            F::Product(Box::new(first), rest)
        })
    }

    fn f_colon(&mut self, atoms: &mut Atoms) -> Result<F> {
        let mut items = vec![self.f_power(atoms)?];
        while self.peek().tok == Tok::Op(':') {
            self.bump();
            items.push(self.f_power(atoms)?);
        }
        Ok(if items.len() == 1 {
            items.pop().expect("one item")
        } else {
            F::Colon(items)
        })
    }

    fn f_power(&mut self, atoms: &mut Atoms) -> Result<F> {
        let base = self.f_atom(atoms)?;
        if self.peek().tok != Tok::Op('^') {
            return Ok(base);
        }
        self.bump();
        let t = self.peek().clone();
        let k = match &t.tok {
            Tok::Number(n) => n.trim_end_matches('L').parse::<f64>().ok(),
            _ => None,
        };
        match k {
            Some(k) if k >= 1.0 && k.fract() == 0.0 && k <= 32.0 => {
                self.bump();
                Ok(F::Power(Box::new(base), k as u32))
            }
            _ => Err(self.err(
                t.span.start,
                "'^' in a formula takes a whole number of at least 1 (the order of interactions); \
                 for a power of a column write I(x^2)",
            )),
        }
    }

    fn f_atom(&mut self, atoms: &mut Atoms) -> Result<F> {
        let t = self.peek().clone();
        match &t.tok {
            Tok::Number(n) => {
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
                Ok(F::Number(keep, t.span))
            }
            Tok::LParen => {
                self.bump();
                let inner = self.f_sum(atoms)?;
                if self.peek().tok != Tok::RParen {
                    return Err(self.expected(&format!("')' to close '(' opened at column {}", t.span.start + 1)));
                }
                self.bump();
                Ok(inner)
            }
            Tok::Name(f) if self.peek2().tok == Tok::LParen => {
                let f = f.clone();
                match f.as_str() {
                    "s" | "te" | "ti" | "t2" => {
                        let s = self.smooth(&f)?;
                        let span = s.span;
                        Ok(atoms.add(Atom::Smooth(s), span))
                    }
                    "offset" => {
                        let (name, span) = self.offset()?;
                        Ok(atoms.add(Atom::Offset(name), span))
                    }
                    _ => {
                        let expr = self.value_call(&f)?;
                        let span = expr.span();
                        let name = self.register(expr, false);
                        Ok(atoms.add(Atom::Column(name), span))
                    }
                }
            }
            Tok::Name(n) if n == "." => {
                Err(self.err(t.span.start, "'.' (all other columns) is not supported; list the terms"))
            }
            Tok::Name(n) | Tok::Backquoted(n) => {
                let name = n.clone();
                self.bump();
                Ok(atoms.add(Atom::Column(name), t.span))
            }
            _ => Err(self.expected("a term")),
        }
    }

    /// `offset(expr)`: the offset's (possibly derived) column and the whole call's span.
    fn offset(&mut self) -> Result<(String, Span)> {
        let start = self.bump().span.start;
        self.bump();
        if self.peek().tok == Tok::RParen {
            return Err(self.err(self.peek().span.start, "offset() needs a column"));
        }
        let (name, _) = self.value_column("a column or expression in offset()", false)?;
        match self.peek().tok {
            Tok::RParen => {}
            Tok::Comma => return Err(self.err(self.peek().span.start, "offset() takes exactly one column")),
            _ => return Err(self.expected(&format!("')' to close offset( opened at column {}", start + 1))),
        }
        let end = self.bump().span.end;
        Ok((name, Span::new(start, end)))
    }

    /// The terms of `f`, in R's order before the ordering by degree.
    fn expand(&self, f: &F, atoms: &[(Atom, Span)], intercept: &mut bool) -> Result<Vec<Set>> {
        match f {
            F::Atom(i, _) => Ok(vec![vec![*i]]),
            F::Number(_, span) => Err(self.err(span.start, "0 and 1 (the intercept) cannot be part of an interaction")),
            F::Sum(items) => {
                let mut out: Vec<Set> = Vec::new();
                // A set beside the list: a formula of 10^5 terms stays linear.
                let mut seen: HashSet<Set> = HashSet::new();
                for (minus, item) in items {
                    if let F::Number(keep, _) = item {
                        // `- 1` and `+ 0` remove the intercept; `- 0` and `+ 1` keep it.
                        *intercept = *keep != *minus;
                        continue;
                    }
                    let terms = self.expand(item, atoms, intercept)?;
                    if *minus {
                        let drop: HashSet<&Set> = terms.iter().collect();
                        out.retain(|t| !drop.contains(t));
                        seen.retain(|t| !drop.contains(t));
                        continue;
                    }
                    for t in terms {
                        if seen.contains(&t) {
                            // Written twice as a term of its own: surely a slip (R would drop it silently).
                            if let F::Atom(i, span) = item {
                                let label = match &atoms[*i].0 {
                                    Atom::Column(n) => n.clone(),
                                    Atom::Smooth(s) => s.label(),
                                    Atom::Offset(n) => format!("offset({n})"),
                                };
                                return Err(self.err(span.start, format!("term '{label}' appears twice")));
                            }
                            continue;
                        }
                        seen.insert(t.clone());
                        out.push(t);
                    }
                }
                Ok(out)
            }
            F::Product(first, rest) => {
                let mut cur = self.expand(first, atoms, intercept)?;
                for (op, item) in rest {
                    let next = self.expand(item, atoms, intercept)?;
                    cur = if *op == '*' {
                        let inter = interact(&cur, &next);
                        concat(concat(cur, next), inter)
                    } else {
                        // a / b: a, then every variable of a together with each term of b.
                        let all = cur.iter().fold(Set::new(), |acc, t| union(&acc, t));
                        let inter = interact(&[all], &next);
                        concat(cur, inter)
                    };
                }
                Ok(cur)
            }
            F::Colon(items) => {
                let mut cur = self.expand(&items[0], atoms, intercept)?;
                for item in &items[1..] {
                    let next = self.expand(item, atoms, intercept)?;
                    cur = interact(&cur, &next);
                }
                Ok(cur)
            }
            F::Power(base, k) => {
                let base = self.expand(base, atoms, intercept)?;
                let mut cur = base.clone();
                for _ in 1..*k {
                    let inter = interact(&cur, &base);
                    cur = concat(cur, inter);
                }
                Ok(cur)
            }
        }
    }
}

/// Orders the parametric terms by degree, stably, in the places parametric
/// terms hold (smooths and offsets stay where they are).
fn order_by_degree(terms: &mut [Term]) {
    let slots: Vec<usize> = (0..terms.len())
        .filter(|&i| matches!(terms[i], Term::Column(_) | Term::Interaction(_)))
        .collect();
    let mut parametric: Vec<Term> = slots.iter().map(|&i| terms[i].clone()).collect();
    parametric.sort_by_key(|t| match t {
        Term::Interaction(x) => x.vars.len(),
        _ => 1,
    });
    for (slot, term) in slots.into_iter().zip(parametric) {
        terms[slot] = term;
    }
}
