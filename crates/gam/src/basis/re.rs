//! Simple random effect "smooth", mgcv's `s(f, bs = "re")` (class
//! `random.effect`).
//!
//! # Basis
//! For a factor with `L` levels, one indicator column per level, in level
//! order (R's `model.matrix(~ f - 1)`): row `i` has a one in the column of
//! the level of observation `i`. For a numeric covariate, the single column
//! `x` (`model.matrix(~ x - 1)`). There are no knots and nothing depends on
//! the training values beyond the number of levels.
//!
//! Several covariates, `s(g, x, bs = "re")`, give mgcv's
//! `model.matrix(~ g:x - 1)`: the row-wise product of the covariates' columns
//! (every factor a full set of indicators, as R codes a factor in an
//! interaction whose margins are absent), the *first* covariate varying
//! fastest: `s(g, h)` with levels `a, b` and `p, q` has columns `a:p, b:p,
//! a:q, b:q`; `s(x, z)` is the single column `x·z`.
//!
//! # Penalty
//! The identity, so the coefficients are i.i.d. normal random effects with
//! variance `sigma^2 / lambda`. The null space is empty.
//!
//! Factors arrive as level codes `0..L-1` stored in `f64`.

use faer::Mat;
use serde::{Deserialize, Serialize};

use super::BasisFn;
use super::cr::{check_finite, check_training, term_error};
use crate::error::Result;

/// The covariate of a random effect term.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReCovariate {
    /// A factor with this many levels: one indicator column per level.
    Factor {
        /// Number of levels.
        levels: usize,
    },
    /// A numeric covariate: a single column holding its values.
    Numeric,
}

impl ReCovariate {
    /// Number of columns the covariate contributes to the product.
    fn width(self) -> usize {
        match self {
            ReCovariate::Factor { levels } => levels,
            ReCovariate::Numeric => 1,
        }
    }
}

/// A random effect basis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReBasis {
    /// The term as written, for error messages.
    term: String,
    /// What the (first) covariate is.
    covariate: ReCovariate,
    /// The covariates after the first (`s(g, x, bs = "re")`), kept apart
    /// from it so that a one-covariate basis is saved as before.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    others: Vec<ReCovariate>,
}

impl ReBasis {
    /// A random effect of a factor with `levels` levels, whose training level
    /// codes (`0..levels`, as `f64`) are `codes`. `term` labels error
    /// messages. Fails when there are no levels or data, or a code is not one
    /// of the levels.
    pub fn factor(term: &str, codes: &[f64], levels: usize) -> Result<ReBasis> {
        if levels == 0 {
            return Err(term_error(term, "the factor has no levels"));
        }
        if codes.is_empty() {
            return Err(term_error(term, "no data to build the basis from"));
        }
        let basis = ReBasis {
            term: term.to_string(),
            covariate: ReCovariate::Factor { levels },
            others: Vec::new(),
        };
        basis.level_indices(codes, levels)?;
        Ok(basis)
    }

    /// A random effect proportional to the numeric covariate `x` (one
    /// column). `term` labels error messages. Fails when `x` is empty or not
    /// finite.
    pub fn numeric(term: &str, x: &[f64]) -> Result<ReBasis> {
        check_training(term, x)?;
        Ok(ReBasis {
            term: term.to_string(),
            covariate: ReCovariate::Numeric,
            others: Vec::new(),
        })
    }

    /// A random effect of several covariates (mgcv's `s(g, x, bs = "re")`):
    /// `levels[j]` is the number of levels of covariate `j` when it is a
    /// factor (its training values `x[j]` then level codes), `None` when it
    /// is numeric. One covariate gives [`ReBasis::factor`] or
    /// [`ReBasis::numeric`]. Fails as they do, or when the product has more
    /// columns than memory can index.
    pub fn new(term: &str, x: &[&[f64]], levels: &[Option<usize>]) -> Result<ReBasis> {
        if x.len() != levels.len() || x.is_empty() {
            return Err(term_error(
                term,
                format!("{} covariates but {} level counts", x.len(), levels.len()),
            ));
        }
        let mut covariates = Vec::with_capacity(x.len());
        for (xj, lj) in x.iter().zip(levels) {
            let one = match lj {
                Some(l) => ReBasis::factor(term, xj, *l)?,
                None => ReBasis::numeric(term, xj)?,
            };
            covariates.push(one.covariate);
        }
        let basis = ReBasis {
            term: term.to_string(),
            covariate: covariates[0],
            others: covariates[1..].to_vec(),
        };
        match basis.checked_dim() {
            Some(d) if d <= MAX_COLUMNS => Ok(basis),
            _ => Err(term_error(
                term,
                format!("the covariates' levels multiply to more than {MAX_COLUMNS} columns"),
            )),
        }
    }

    /// What the first covariate is.
    pub fn covariate(&self) -> ReCovariate {
        self.covariate
    }

    /// What each covariate is, in the term's order.
    pub fn covariates(&self) -> Vec<ReCovariate> {
        std::iter::once(self.covariate)
            .chain(self.others.iter().copied())
            .collect()
    }

    /// Number of covariates the basis takes.
    pub fn n_covariates(&self) -> usize {
        1 + self.others.len()
    }

    /// The number of columns (the product of the covariates' widths), or
    /// `None` when it overflows.
    fn checked_dim(&self) -> Option<usize> {
        self.covariates()
            .iter()
            .try_fold(1usize, |acc, c| acc.checked_mul(c.width()))
    }

    /// The 0-based level of each code, or an error naming the first bad one.
    fn level_indices(&self, codes: &[f64], levels: usize) -> Result<Vec<usize>> {
        codes
            .iter()
            .enumerate()
            .map(|(i, &c)| {
                if c.is_finite() && c >= 0.0 && c.fract() == 0.0 && c < levels as f64 {
                    Ok(c as usize)
                } else {
                    Err(term_error(
                        &self.term,
                        format!(
                            "factor value {} has level code {c}, not one of the {levels} level codes 0..{}",
                            i + 1,
                            levels - 1
                        ),
                    ))
                }
            })
            .collect()
    }
}

impl ReBasis {
    /// Checks a basis read back from a model file: a factor has a level.
    pub(crate) fn check(&self) -> std::result::Result<(), String> {
        if self.covariates().contains(&ReCovariate::Factor { levels: 0 }) {
            return Err("a random effect of a factor with no levels".into());
        }
        // Absurd level counts are refused by the model's check against the
        // stored level names; only a product beyond usize is refused here.
        match self.checked_dim() {
            Some(_) => Ok(()),
            None => Err("the random effect's levels multiply beyond any size".into()),
        }
    }
}

/// The most columns a random effect built from data may have (a product of
/// many factors' levels could otherwise exhaust memory in one allocation).
const MAX_COLUMNS: usize = 1 << 24;

impl BasisFn for ReBasis {
    fn dim(&self) -> usize {
        // Saturating: a damaged file's product is refused by `check` first.
        self.covariates()
            .iter()
            .fold(1usize, |acc, c| acc.saturating_mul(c.width()))
    }

    fn design(&self, x: &[&[f64]]) -> Result<Mat<f64>> {
        let covariates = self.covariates();
        if x.len() != covariates.len() {
            return Err(term_error(
                &self.term,
                format!(
                    "this basis takes {} covariate(s), but {} were given",
                    covariates.len(),
                    x.len()
                ),
            ));
        }
        let n = x[0].len();
        if x.iter().any(|c| c.len() != n) {
            return Err(term_error(&self.term, "the covariates differ in length"));
        }
        // Each row has one non-zero column: the sum of its levels' offsets
        // (the first covariate varying fastest), holding the product of the
        // numeric covariates.
        let mut column = vec![0usize; n];
        let mut value = vec![1.0f64; n];
        let mut stride = 1;
        for (xj, c) in x.iter().zip(&covariates) {
            match *c {
                ReCovariate::Factor { levels } => {
                    for (col, l) in column.iter_mut().zip(self.level_indices(xj, levels)?) {
                        *col += l * stride;
                    }
                }
                ReCovariate::Numeric => {
                    check_finite(&self.term, xj)?;
                    for (v, xi) in value.iter_mut().zip(xj.iter()) {
                        *v *= xi;
                    }
                }
            }
            stride *= c.width();
        }
        let mut out = Mat::<f64>::zeros(n, self.dim());
        for i in 0..n {
            out[(i, column[i])] = value[i];
        }
        Ok(out)
    }

    fn penalties(&self) -> Vec<Mat<f64>> {
        vec![Mat::identity(self.dim(), self.dim())]
    }

    fn null_space_dim(&self) -> usize {
        0
    }

    fn te_reparameterise(&self) -> bool {
        false
    }

    fn mgcv_class(&self) -> &'static str {
        "random.effect"
    }
}

#[cfg(test)]
mod tests {
    use super::super::cr::test_support::{assert_close, load, matrix, vector};
    use super::*;

    #[test]
    fn matches_mgcv_factor() {
        let r = load("re_factor");
        assert_eq!(r["class"], "random.effect");
        let levels = r["levels"].as_array().unwrap().len();
        let codes = vector(&r, "codes");
        let b = ReBasis::factor("s(f, bs = \"re\")", &codes, levels).unwrap();
        assert_close("re_factor X", &b.design(&[&codes]).unwrap(), &matrix(&r, "X"));
        assert_close("re_factor S", &b.penalties()[0], &matrix(&r, "S"));
        let newcodes = vector(&r, "newcodes");
        assert_close("re_factor Xp", &b.design(&[&newcodes]).unwrap(), &matrix(&r, "Xp"));
        assert_eq!(r["null_space_dim"].as_u64(), Some(0));
        assert_eq!((b.null_space_dim(), b.te_reparameterise()), (0, false));
    }

    #[test]
    fn matches_mgcv_numeric() {
        let r = load("re_numeric");
        let x = vector(&r, "x");
        let b = ReBasis::numeric("s(x, bs = \"re\")", &x).unwrap();
        assert_eq!(b.dim(), 1);
        assert_close("re_numeric X", &b.design(&[&x]).unwrap(), &matrix(&r, "X"));
        assert_close("re_numeric S", &b.penalties()[0], &matrix(&r, "S"));
        let newx = vector(&r, "newx");
        assert_close("re_numeric Xp", &b.design(&[&newx]).unwrap(), &matrix(&r, "Xp"));
    }

    #[test]
    fn bad_codes_are_errors() {
        let t = "s(f, bs = \"re\")";
        assert!(ReBasis::factor(t, &[0.0, 1.0], 0).is_err());
        assert!(ReBasis::factor(t, &[], 2).is_err());
        for bad in [f64::NAN, -1.0, 2.0, 0.5, f64::INFINITY] {
            assert!(ReBasis::factor(t, &[0.0, bad], 2).is_err(), "{bad}");
        }
        let b = ReBasis::factor(t, &[0.0, 1.0, 1.0], 2).unwrap();
        let e = b.design(&[&[1.0, 3.0]]).unwrap_err().to_string();
        assert_eq!(
            e,
            "term s(f, bs = \"re\"): factor value 2 has level code 3, not one of the 2 level codes 0..1"
        );
        assert!(b.design(&[&[0.0], &[1.0]]).is_err());
        assert!(ReBasis::numeric("s(x, bs = \"re\")", &[1.0, f64::NAN]).is_err());
        assert!(ReBasis::numeric("s(x, bs = \"re\")", &[]).is_err());
    }

    #[test]
    fn several_covariates_multiply_with_the_first_fastest() {
        // g with 2 levels, h with 3, x numeric: model.matrix(~ g:h:x - 1).
        let g = [0.0, 1.0, 1.0, 0.0];
        let h = [0.0, 0.0, 2.0, 1.0];
        let x = [2.0, 3.0, 0.5, -1.0];
        let b = ReBasis::new("s(g,h,x)", &[&g, &h, &x], &[Some(2), Some(3), None]).unwrap();
        assert_eq!((b.dim(), b.n_covariates()), (6, 3));
        let m = b.design(&[&g, &h, &x]).unwrap();
        // Column of (g, h) = g + 2 h.
        for (i, col) in [0, 1, 5, 2].into_iter().enumerate() {
            for j in 0..6 {
                assert_eq!(m[(i, j)], if j == col { x[i] } else { 0.0 }, "row {i} column {j}");
            }
        }
        assert_eq!(b.penalties()[0], Mat::<f64>::identity(6, 6));
        assert_eq!(
            b.covariates(),
            [
                ReCovariate::Factor { levels: 2 },
                ReCovariate::Factor { levels: 3 },
                ReCovariate::Numeric
            ]
        );
        // Two numeric covariates: one column, their product.
        let b = ReBasis::new("s(x,z)", &[&x, &g], &[None, None]).unwrap();
        assert_eq!(b.design(&[&x, &g]).unwrap()[(1, 0)], 3.0);
        // Refusals: wrong number of covariates, a bad code, an absurd product.
        assert!(b.design(&[&x]).is_err());
        assert!(ReBasis::new("s(g,h)", &[&g, &h], &[Some(2), Some(2)]).is_err());
        assert!(ReBasis::new("s(g,h)", &[&g, &h], &[Some(2)]).is_err());
        let e = ReBasis::new("s(g,h)", &[&g, &h], &[Some(1 << 13), Some(1 << 12)])
            .unwrap_err()
            .to_string();
        assert!(e.contains("more than 16777216 columns"), "{e}");
    }

    #[test]
    fn unused_levels_keep_their_columns() {
        let b = ReBasis::factor("s(f)", &[0.0, 0.0, 2.0], 4).unwrap();
        let x = b.design(&[&[3.0]]).unwrap();
        assert_eq!((x.ncols(), x[(0, 3)]), (4, 1.0));
        assert_eq!(b.covariate(), ReCovariate::Factor { levels: 4 });
    }
}
