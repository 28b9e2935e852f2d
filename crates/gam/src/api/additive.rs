//! A default model for data without a formula: [`Gam::additive`], an
//! additive model of every column, for front ends that are handed a table
//! of covariates and no formula (scikit-learn's estimators).

use std::collections::HashSet;

use super::frame::Frame;
use super::spec::Gam;
use crate::data::Column;
use crate::error::{GamError, Result};

/// The basis dimension of a default smooth: mgcv's default `k` for `s(x)`.
const MAX_K: usize = 10;

/// The smallest `k` of a one-dimensional thin-plate smooth (its null space
/// has dimension 2, so `k = 3` leaves one penalized function).
const MIN_K: usize = 3;

/// R's reserved words: a column so named is backquoted.
const RESERVED: &[&str] = &[
    "if", "else", "repeat", "while", "function", "for", "next", "break", "TRUE", "FALSE", "NULL", "Inf", "NaN", "NA",
    "in",
];

/// What a column becomes in the additive default.
enum Term {
    /// `s(col, k = k)`: `k - 1` coefficients after the centring constraint.
    Smooth(usize),
    /// `col`: one coefficient.
    Linear,
    /// `col` as a factor: one coefficient per level but the first.
    Factor(usize),
}

impl Term {
    fn coefficients(&self) -> usize {
        match self {
            Term::Smooth(k) => k - 1,
            Term::Linear => 1,
            Term::Factor(levels) => levels - 1,
        }
    }
}

impl Gam {
    /// A Gaussian additive model of `response` on every other column of
    /// `frame`, for data given without a formula: a numeric column with at
    /// least 4 distinct values becomes a smooth `s(col, k = min(10, distinct
    /// − 1))`, one with 2 or 3 a linear term, a factor (or text or logical)
    /// column a factor term; a column with one value is left out (its term
    /// could not be estimated). Values are counted on the rows without a
    /// missing value, which are the rows a fit keeps (mgcv's `na.omit`);
    /// while the coefficients would be as many as those rows, the largest
    /// `k` is lowered (below 3 a smooth becomes linear), so that a fit is
    /// possible. Names that R would not parse bare are backquoted. The
    /// family, options and cache are set on the result as on [`Gam::new`]'s.
    ///
    /// ```
    /// let frame = gam::Frame::builder()
    ///     .numeric("x", (0..50).map(f64::from).collect::<Vec<_>>())
    ///     .numeric("two", (0..50).map(|i| f64::from(i % 2)).collect::<Vec<_>>())
    ///     .factor("g", (0..50).map(|i| Some(if i < 25 { "a" } else { "b" })))
    ///     .numeric("y", (0..50).map(|i| f64::from(i).sin()).collect::<Vec<_>>())
    ///     .build()?;
    /// let model = gam::Gam::additive("y", &frame)?;
    /// assert_eq!(model.formula(), "y ~ s(x, k = 10) + two + g");
    /// # Ok::<(), gam::GamError>(())
    /// ```
    pub fn additive(response: &str, frame: &Frame) -> Result<Gam> {
        let data = &frame.inner;
        if data.column(response).is_none() {
            return Err(GamError::UnknownColumn {
                column: response.to_string(),
                available: data.names().to_vec(),
            });
        }
        let kept: Vec<usize> = (0..data.nrows())
            .filter(|&i| data.columns().all(|(_, c)| !c.is_missing(i)))
            .collect();
        let mut terms: Vec<(&str, Term)> = data
            .columns()
            .filter(|(name, _)| *name != response)
            .filter_map(|(name, column)| default_term(column, &kept).map(|t| (name, t)))
            .collect();
        // Lower the largest k (the first of equals) until the coefficients,
        // the intercept's included, are fewer than the rows.
        let count = |terms: &[(&str, Term)]| 1 + terms.iter().map(|(_, t)| t.coefficients()).sum::<usize>();
        while count(&terms) >= kept.len() {
            let largest = terms
                .iter_mut()
                .filter_map(|(_, t)| match t {
                    Term::Smooth(k) => Some((*k, t)),
                    _ => None,
                })
                .rev()
                .max_by_key(|(k, _)| *k);
            let Some((k, term)) = largest else { break };
            *term = if k > MIN_K { Term::Smooth(k - 1) } else { Term::Linear };
        }
        let rhs: Vec<String> = terms
            .iter()
            .map(|(name, term)| {
                let name = formula_name(name)?;
                Ok(match term {
                    Term::Smooth(k) => format!("s({name}, k = {k})"),
                    Term::Linear | Term::Factor(_) => name,
                })
            })
            .collect::<Result<_>>()?;
        let rhs = if rhs.is_empty() {
            "1".to_string()
        } else {
            rhs.join(" + ")
        };
        Gam::new(&format!("{} ~ {rhs}", formula_name(response)?))
    }
}

/// The default term of `column`, from its values at the rows `kept`; `None`
/// for a column with fewer than two distinct values there.
fn default_term(column: &Column, kept: &[usize]) -> Option<Term> {
    match column {
        Column::Numeric(values) => {
            // By bits, with -0 as 0: equal numbers are one value.
            let distinct: HashSet<u64> = kept.iter().map(|&i| (values[i] + 0.0).to_bits()).collect();
            match distinct.len() {
                0 | 1 => None,
                d if d > MIN_K => Some(Term::Smooth(MAX_K.min(d - 1))),
                _ => Some(Term::Linear),
            }
        }
        Column::Factor(f) => {
            let levels: HashSet<u32> = kept.iter().filter_map(|&i| f.codes[i]).collect();
            (levels.len() > 1).then_some(Term::Factor(levels.len()))
        }
    }
}

/// `name` as a formula writes it: bare when R would parse it as a name,
/// else backquoted; a name holding a backquote cannot be written.
fn formula_name(name: &str) -> Result<String> {
    let mut chars = name.chars();
    let syntactic = match chars.next() {
        Some(c) if c.is_alphabetic() => true,
        Some('.') => !chars.next().is_some_and(|c| c.is_ascii_digit()),
        _ => false,
    } && name.chars().all(|c| c.is_alphanumeric() || c == '.' || c == '_')
        && !RESERVED.contains(&name);
    if syntactic {
        Ok(name.to_string())
    } else if name.contains('`') {
        Err(GamError::Data {
            column: name.to_string(),
            row: None,
            message: "a name with a backquote cannot be written in a formula: rename the column".to_string(),
        })
    } else {
        Ok(format!("`{name}`"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(n: usize, columns: &[(&str, Vec<f64>)]) -> Frame {
        let b = columns
            .iter()
            .fold(Frame::builder(), |b, (name, v)| b.numeric(name, v.clone()));
        let y: Vec<f64> = (0..n).map(|i| (i as f64).cos()).collect();
        b.numeric("y", y).build().unwrap()
    }

    fn seq(n: usize, f: impl Fn(usize) -> f64) -> Vec<f64> {
        (0..n).map(f).collect()
    }

    #[test]
    fn few_distinct_values_give_linear_terms_and_one_value_none() {
        let n = 40;
        let f = frame(
            n,
            &[
                ("a", seq(n, |i| i as f64)),
                ("three", seq(n, |i| (i % 3) as f64)),
                ("four", seq(n, |i| (i % 4) as f64)),
                ("constant", vec![2.0; n]),
                ("signed_zero", seq(n, |i| if i % 2 == 0 { 0.0 } else { -0.0 })),
            ],
        );
        let m = Gam::additive("y", &f).unwrap();
        assert_eq!(m.formula(), "y ~ s(a, k = 10) + three + s(four, k = 3)");
        assert_eq!(m.columns(), ["y", "a", "three", "four"]);
    }

    #[test]
    fn k_is_lowered_until_the_coefficients_are_fewer_than_the_rows() {
        // 3 smooths of k = 10 need 28 coefficients: 20 rows take 19 at most.
        let n = 20;
        let f = frame(
            n,
            &[
                ("a", seq(n, |i| i as f64)),
                ("b", seq(n, |i| (i * 7 % n) as f64)),
                ("c", seq(n, |i| (i as f64).sqrt())),
            ],
        );
        let m = Gam::additive("y", &f).unwrap();
        assert_eq!(m.formula(), "y ~ s(a, k = 7) + s(b, k = 7) + s(c, k = 7)");
        // Too few rows for any smooth: linear terms, then whatever is left to the fit.
        let n = 4;
        let f = frame(n, &[("a", seq(n, |i| i as f64)), ("b", seq(n, |i| (i * i) as f64))]);
        assert_eq!(Gam::additive("y", &f).unwrap().formula(), "y ~ a + b");
        let f = frame(3, &[("a", seq(3, |i| i as f64)), ("b", seq(3, |i| (i * i) as f64))]);
        assert_eq!(Gam::additive("y", &f).unwrap().formula(), "y ~ a + b");
    }

    #[test]
    fn rows_with_a_missing_value_are_not_counted() {
        let n = 30;
        // 26 distinct values, but only 3 on the rows without a missing value.
        let a = seq(n, |i| if i < 27 { i as f64 } else { (i - 27) as f64 });
        let b = seq(n, |i| if i < 27 { f64::NAN } else { i as f64 });
        let f = frame(n, &[("a", a), ("b", b)]);
        assert_eq!(Gam::additive("y", &f).unwrap().formula(), "y ~ a + b");
    }

    #[test]
    fn factors_are_terms_and_names_are_quoted_when_needed() {
        let n = 30;
        let f = Frame::builder()
            .numeric("2nd x", seq(n, |i| i as f64))
            .factor("if", (0..n).map(|i| Some(["u", "v", "w"][i % 3])))
            .factor("one level", (0..n).map(|_| Some("u")))
            .numeric(".5", seq(n, |i| (i % 2) as f64))
            .numeric("y", seq(n, |i| i as f64))
            .build()
            .unwrap();
        let m = Gam::additive("y", &f).unwrap();
        assert_eq!(m.formula(), "y ~ s(`2nd x`, k = 10) + `if` + `.5`");
        assert_eq!(m.columns(), ["y", "2nd x", "if", ".5"]);
        let fitted = m.fit(&f).unwrap();
        assert_eq!(fitted.coefficients().len(), 1 + 9 + 2 + 1);
    }

    #[test]
    fn nothing_to_model_gives_the_intercept_and_bad_names_are_refused() {
        let f = frame(10, &[("c", vec![1.0; 10])]);
        assert_eq!(Gam::additive("y", &f).unwrap().formula(), "y ~ 1");
        let e = Gam::additive("z", &f).unwrap_err();
        assert_eq!(e.to_string(), "unknown column 'z' (available: c, y)");
        let f = frame(10, &[("a`b", seq(10, |i| i as f64))]);
        let e = Gam::additive("y", &f).unwrap_err();
        assert_eq!(
            e.to_string(),
            "column 'a`b': a name with a backquote cannot be written in a formula: rename the column"
        );
    }

    #[test]
    fn the_default_fits() {
        let n = 60;
        let f = frame(
            n,
            &[
                ("a", seq(n, |i| i as f64 / 10.0)),
                ("b", seq(n, |i| ((i * 13) % 17) as f64)),
            ],
        );
        let fitted = Gam::additive("y", &f).unwrap().fit(&f).unwrap();
        assert!(fitted.converged());
        assert_eq!(fitted.coefficients().len(), 1 + 9 + 9);
    }
}
