//! Constrained factor-smooth interaction, mgcv's `s(x, fac, bs = "sz")`
//! (class `sz.interaction`, mgcv 1.8-41 `smooth.r` ~2302 and ~2447).
//!
//! # Basis
//! A base smooth of the numeric covariates (`xt` names its class, default
//! `tp`; `k` and `m` are the base's), unreparameterised, times the
//! indicators of one or several factors: the row tensor product of the
//! factors' indicator matrices and the base's model matrix, the first factor
//! varying slowest and the base fastest (mgcv's `tensor.prod.model.matrix`).
//!
//! # Penalties and constraint
//! One copy of the base's penalty per level combination, each its own
//! smoothing parameter; with an `id =` (mgcv's `object$id`), their sum
//! instead: one block-diagonal penalty, one smoothing parameter (mgcv
//! 1.8-41 `smooth.r` ~2390). The term then gets, instead of mgcv's centring, the
//! Kronecker product of sum-to-zero contrasts
//! (`constraint::KroneckerSumToZero`): for
//! each base coefficient, its values over the levels of each factor sum to
//! zero, so the level curves are deviations from a main effect `s(x)` the
//! formula has too. mgcv's `null.space.dim` is the base's times the product
//! of (levels − 1); `gam.side` leaves the term alone.
//!
//! Factors arrive as level codes `0..L-1` stored in `f64`.

use faer::Mat;
use serde::{Deserialize, Serialize};

use super::constraint::KroneckerSumToZero;
use super::fs::{level_codes, relabel, single_penalty, split_factors, term_error};
use super::{Basis, BasisFn};
use crate::error::Result;

/// A constrained factor-smooth interaction basis (before its constraint).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SzBasis {
    /// The term as written, for error messages.
    term: String,
    /// The base smooth of the numeric covariates.
    base: Box<Basis>,
    /// Positions of the factors among the term's covariates, ascending.
    factors: Vec<usize>,
    /// Number of levels of each factor.
    levels: Vec<usize>,
    /// Whether the per-combination penalties are summed into one (the term
    /// has an `id`). Files written before the flag read as `false`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    summed: bool,
}

impl SzBasis {
    /// The interaction of the fitted `base` with factors at positions
    /// `factors` (ascending) among the term's covariates, of `levels` levels
    /// each, whose training codes are `codes`; `summed` (a term with an
    /// `id`) sums the per-combination penalties into one. `term` labels
    /// errors. Fails for a factor of fewer than two levels and a base with
    /// other than one penalty.
    pub fn new(
        term: &str,
        base: Basis,
        factors: Vec<usize>,
        codes: &[&[f64]],
        levels: Vec<usize>,
        summed: bool,
    ) -> Result<SzBasis> {
        if factors.is_empty() || factors.len() != levels.len() || codes.len() != levels.len() {
            return Err(term_error(term, "bs = \"sz\" needs at least one factor"));
        }
        if levels.iter().any(|&l| l < 2) {
            return Err(term_error(
                term,
                "bs = \"sz\" needs factors with at least 2 levels: use s(x) for one curve",
            ));
        }
        for (c, &l) in codes.iter().zip(&levels) {
            level_codes(term, c, l)?;
        }
        single_penalty(term, "sz", &base)?;
        Ok(SzBasis {
            term: term.to_string(),
            base: Box::new(base),
            factors,
            levels,
            summed,
        })
    }

    /// The base smooth.
    pub fn base(&self) -> &Basis {
        &self.base
    }

    /// Positions of the factors among the term's covariates.
    pub fn factor_positions(&self) -> &[usize] {
        &self.factors
    }

    /// Number of levels of each factor.
    pub fn levels(&self) -> &[usize] {
        &self.levels
    }

    /// The sum-to-zero contrasts that make the level curves deviations.
    pub fn contrast(&self) -> KroneckerSumToZero {
        KroneckerSumToZero::new(self.levels.clone(), self.base.dim())
    }

    fn combinations(&self) -> usize {
        self.levels.iter().product()
    }

    /// Number of penalties: one per level combination, or one if summed.
    pub(crate) fn n_penalties(&self) -> usize {
        if self.summed { 1 } else { self.combinations() }
    }

    /// Checks a basis read back from a model file.
    pub(crate) fn check(&self) -> std::result::Result<(), String> {
        self.base.check()?;
        let n_cov = self.n_covariates();
        let ascending = self.factors.windows(2).all(|w| w[0] < w[1]);
        if self.factors.is_empty()
            || self.factors.len() != self.levels.len()
            || !ascending
            || self.factors.iter().any(|&f| f >= n_cov)
            || self.levels.iter().any(|&l| l < 2)
            || self.levels.iter().try_fold(1usize, |a, &l| a.checked_mul(l)).is_none()
        {
            return Err("an sz basis whose factors or levels do not fit".into());
        }
        Ok(())
    }

    /// Number of covariates: the base's and the factors.
    pub(crate) fn n_covariates(&self) -> usize {
        self.base.n_covariates() + self.factors.len()
    }
}

impl BasisFn for SzBasis {
    fn dim(&self) -> usize {
        self.base.dim() * self.combinations()
    }

    fn design(&self, x: &[&[f64]]) -> Result<Mat<f64>> {
        let (numeric, codes) = split_factors(&self.term, x, &self.factors, self.n_covariates())?;
        let idx: Vec<Vec<usize>> = codes
            .iter()
            .zip(&self.levels)
            .map(|(c, &l)| level_codes(&self.term, c, l))
            .collect::<Result<_>>()?;
        let xb = self.base.design(&numeric).map_err(|e| relabel(e, &self.term))?;
        let k = xb.ncols();
        let mut out = Mat::<f64>::zeros(xb.nrows(), self.dim());
        for i in 0..xb.nrows() {
            // The first factor varies slowest.
            let block = idx.iter().zip(&self.levels).fold(0, |acc, (f, &l)| acc * l + f[i]);
            for j in 0..k {
                out[(i, block * k + j)] = xb[(i, j)];
            }
        }
        Ok(out)
    }

    fn penalties(&self) -> Vec<Mat<f64>> {
        let s = self.base.penalties().swap_remove(0);
        let k = s.nrows();
        let blocks = |which: &mut dyn Iterator<Item = usize>| {
            let mut out = Mat::<f64>::zeros(self.dim(), self.dim());
            for b in which {
                for i in 0..k {
                    for j in 0..k {
                        out[(b * k + i, b * k + j)] = s[(i, j)];
                    }
                }
            }
            out
        };
        if self.summed {
            return vec![blocks(&mut (0..self.combinations()))];
        }
        (0..self.combinations())
            .map(|b| blocks(&mut std::iter::once(b)))
            .collect()
    }

    fn null_space_dim(&self) -> usize {
        // After the constraint, as mgcv's constructor reports it.
        self.base.null_space_dim() * self.levels.iter().map(|l| l - 1).product::<usize>()
    }

    fn te_reparameterise(&self) -> bool {
        false
    }

    fn mgcv_class(&self) -> &'static str {
        "sz.interaction"
    }
}
