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
//! # Penalty
//! The identity, so the coefficients are i.i.d. normal random effects with
//! variance `sigma^2 / lambda`. The null space is empty.
//!
//! Factors arrive as level codes `0..L-1` stored in `f64`.

use faer::Mat;
use serde::{Deserialize, Serialize};

use super::BasisFn;
use super::cr::{check_finite, check_training, one_covariate, term_error};
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

/// A random effect basis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReBasis {
    /// The term as written, for error messages.
    term: String,
    /// What the covariate is.
    covariate: ReCovariate,
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
        };
        basis.level_indices(codes)?;
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
        })
    }

    /// What the covariate is.
    pub fn covariate(&self) -> ReCovariate {
        self.covariate
    }

    /// The 0-based level of each code, or an error naming the first bad one.
    fn level_indices(&self, codes: &[f64]) -> Result<Vec<usize>> {
        let levels = self.dim();
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
        match self.covariate {
            ReCovariate::Factor { levels: 0 } => Err("a random effect of a factor with no levels".into()),
            _ => Ok(()),
        }
    }
}

impl BasisFn for ReBasis {
    fn dim(&self) -> usize {
        match self.covariate {
            ReCovariate::Factor { levels } => levels,
            ReCovariate::Numeric => 1,
        }
    }

    fn design(&self, x: &[&[f64]]) -> Result<Mat<f64>> {
        let x = one_covariate(&self.term, x)?;
        match self.covariate {
            ReCovariate::Factor { levels } => {
                let idx = self.level_indices(x)?;
                let mut out = Mat::<f64>::zeros(x.len(), levels);
                for (i, &l) in idx.iter().enumerate() {
                    out[(i, l)] = 1.0;
                }
                Ok(out)
            }
            ReCovariate::Numeric => {
                check_finite(&self.term, x)?;
                Ok(Mat::from_fn(x.len(), 1, |i, _| x[i]))
            }
        }
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
    fn unused_levels_keep_their_columns() {
        let b = ReBasis::factor("s(f)", &[0.0, 0.0, 2.0], 4).unwrap();
        let x = b.design(&[&[3.0]]).unwrap();
        assert_eq!((x.ncols(), x[(0, 3)]), (4, 1.0));
        assert_eq!(b.covariate(), ReCovariate::Factor { levels: 4 });
    }
}
