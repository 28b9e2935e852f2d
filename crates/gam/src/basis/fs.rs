//! Factor-smooth interaction, mgcv's `s(x, fac, bs = "fs")` (class
//! `fs.interaction`, mgcv 1.8-41 `smooth.r` ~2112 and ~2269).
//!
//! # Basis
//! A base smooth of the numeric covariates (`xt` names its class, default
//! `tp`; `k` and `m` are the base's) is reparameterised by
//! `natural::nat_param` (type 1): `X_b = X P` with the
//! penalty the identity on its range space and the null space the trailing
//! columns. The term's model matrix repeats `X_b` once per factor level,
//! level-major: the block of level `l` is `X_b` on rows at level `l` and zero
//! elsewhere, so every level has its own curve.
//!
//! # Penalties
//! One penalty on the range space of every level's curve, then one per
//! null-space column (each level's coefficient of that column): each is
//! block diagonal over the levels, so all levels share the smoothing
//! parameters, as random effects. No centring constraint; mgcv's
//! `null.space.dim` is 0 (the summary uses its random-effect test) and
//! `gam.side` leaves the term alone.
//!
//! The null-space columns are rotated as [`super::natural`] documents: the
//! constant function first (a random intercept per level), then the linear
//! ones (random slopes); mgcv's own rotation is rounding noise and cannot be
//! reproduced.
//!
//! Factors arrive as level codes `0..L-1` stored in `f64`.

use faer::Mat;
use serde::{Deserialize, Serialize};

use super::natural::{NatType, monomials, nat_param};
use super::{Basis, BasisFn};
use crate::error::{GamError, Result};
use crate::linalg::StoredMat;

/// A factor-smooth interaction basis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FsBasis {
    /// The term as written, for error messages.
    term: String,
    /// The base smooth of the numeric covariates.
    base: Box<Basis>,
    /// `P` of the natural reparameterisation (`k x k`, `k` the base's dimension).
    p: StoredMat,
    /// The range-space diagonal of the reparameterised penalty.
    d: Vec<f64>,
    /// Position of the factor among the term's covariates.
    factor: usize,
    /// Number of factor levels.
    levels: usize,
}

impl FsBasis {
    /// The interaction of the fitted `base` (built on the numeric covariates
    /// `base_x`, in order) with a factor of `levels` levels whose training
    /// codes are `codes`, the factor being covariate number `factor` of the
    /// term. `term` labels errors. Fails for a factor of fewer than two
    /// levels, a base with other than one penalty or without a penalty
    /// null space.
    pub fn new(
        term: &str,
        base: Basis,
        base_x: &[&[f64]],
        factor: usize,
        codes: &[f64],
        levels: usize,
    ) -> Result<FsBasis> {
        if levels < 2 {
            return Err(term_error(
                term,
                "bs = \"fs\" needs a factor with at least 2 levels: use s(x) for one curve",
            ));
        }
        level_codes(term, codes, levels)?;
        let s = single_penalty(term, "fs", &base)?;
        if base.null_space_dim() == 0 {
            // mgcv's null-space loop fails ("subscript out of bounds").
            return Err(term_error(
                term,
                format!(
                    "the base smooth ({}) has no penalty null space, which bs = \"fs\" penalises apart; \
                     use a base with one (e.g. xt = \"tp\") or bs = \"sz\"",
                    base.mgcv_class()
                ),
            ));
        }
        let rank = base.dim() - base.null_space_dim();
        // The null space's free rotation, fixed towards 1, x, z, x², ...
        let targets = monomials(base_x, target_degree(base_x.len(), base.null_space_dim()));
        let np = nat_param(term, &base.design(base_x)?, &s, rank, NatType::Identity, Some(&targets))?;
        Ok(FsBasis {
            term: term.to_string(),
            base: Box::new(base),
            p: StoredMat::from_mat(&np.p),
            d: np.d,
            factor,
            levels,
        })
    }

    /// The base smooth.
    pub fn base(&self) -> &Basis {
        &self.base
    }

    /// Position of the factor among the term's covariates.
    pub fn factor_position(&self) -> usize {
        self.factor
    }

    /// Number of factor levels.
    pub fn levels(&self) -> usize {
        self.levels
    }

    /// Dimension of the base's null space (one penalty each).
    fn null_dim(&self) -> usize {
        self.base.dim() - self.d.len()
    }

    /// Number of penalties: the range space's and one per null-space column.
    pub(crate) fn n_penalties(&self) -> usize {
        1 + self.null_dim()
    }

    /// Checks a basis read back from a model file.
    pub(crate) fn check(&self) -> std::result::Result<(), String> {
        self.base.check()?;
        let k = self.base.dim();
        self.p.check("the fs reparameterisation", k, k)?;
        if self.levels < 2 || self.d.len() > k || self.factor > self.base.n_covariates() {
            return Err("an fs basis whose factor, levels or penalty rank do not fit its base".into());
        }
        if self.d.iter().any(|v| !(v.is_finite() && *v > 0.0)) {
            return Err("an fs penalty with a non-positive entry".into());
        }
        Ok(())
    }

    /// Number of covariates: the base's and the factor.
    pub(crate) fn n_covariates(&self) -> usize {
        self.base.n_covariates() + 1
    }
}

impl BasisFn for FsBasis {
    fn dim(&self) -> usize {
        self.base.dim() * self.levels
    }

    fn design(&self, x: &[&[f64]]) -> Result<Mat<f64>> {
        let (numeric, codes) = split_factors(&self.term, x, &[self.factor], self.n_covariates())?;
        let idx = level_codes(&self.term, codes[0], self.levels)?;
        let xb = self.base.design(&numeric).map_err(|e| relabel(e, &self.term))? * self.p.to_mat();
        let k = xb.ncols();
        let mut out = Mat::<f64>::zeros(xb.nrows(), k * self.levels);
        for (i, &l) in idx.iter().enumerate() {
            for j in 0..k {
                out[(i, l * k + j)] = xb[(i, j)];
            }
        }
        Ok(out)
    }

    fn penalties(&self) -> Vec<Mat<f64>> {
        let k = self.base.dim();
        let rank = self.d.len();
        let block_diag = |entry: &dyn Fn(usize) -> f64| {
            Mat::from_fn(self.dim(), self.dim(), |i, j| if i == j { entry(i % k) } else { 0.0 })
        };
        let mut out = vec![block_diag(&|j| if j < rank { self.d[j] } else { 0.0 })];
        for null in 0..self.null_dim() {
            out.push(block_diag(&|j| if j == rank + null { 1.0 } else { 0.0 }));
        }
        out
    }

    fn null_space_dim(&self) -> usize {
        0
    }

    fn te_reparameterise(&self) -> bool {
        false
    }

    fn mgcv_class(&self) -> &'static str {
        "fs.interaction"
    }
}

/// The lowest total degree whose monomials of `d` covariates number at least `nd`.
fn target_degree(d: usize, nd: usize) -> usize {
    let count = |deg: usize| (1..=d).fold(1usize, |acc, i| acc * (deg + i) / i);
    (0..nd).find(|&deg| count(deg) >= nd).unwrap_or(nd)
}

/// The one penalty of a grouped smooth's base, or mgcv's error for a
/// multiply penalised base (`"fs" smooth cannot use a multiply penalized
/// basis`), naming `class` (`fs` or `sz`).
pub(crate) fn single_penalty(term: &str, class: &str, base: &Basis) -> Result<Mat<f64>> {
    let mut s = base.penalties();
    if s.len() == 1 {
        return Ok(s.swap_remove(0));
    }
    Err(term_error(
        term,
        format!(
            "the base smooth ({}) has {} penalties; bs = \"{class}\" takes a base with one, as mgcv \
             (e.g. bs with m = c(3, 2), ad with m = 1)",
            base.mgcv_class(),
            s.len()
        ),
    ))
}

pub(crate) fn term_error(term: &str, message: impl Into<String>) -> GamError {
    super::cr::term_error(term, message)
}

/// An error of the base smooth, told about the whole term.
pub(crate) fn relabel(e: GamError, term: &str) -> GamError {
    match e {
        GamError::Term { message, .. } => GamError::Term {
            term: term.to_string(),
            message,
        },
        other => other,
    }
}

/// Numeric covariates and factor codes of a term.
pub(crate) type Split<'a> = (Vec<&'a [f64]>, Vec<&'a [f64]>);

/// The term's covariates split into the numeric ones (in order) and the
/// factor codes at `factors`.
pub(crate) fn split_factors<'a>(term: &str, x: &[&'a [f64]], factors: &[usize], expected: usize) -> Result<Split<'a>> {
    if x.len() != expected {
        return Err(term_error(
            term,
            format!("this basis takes {expected} covariates, but {} were given", x.len()),
        ));
    }
    let numeric = (0..x.len()).filter(|i| !factors.contains(i)).map(|i| x[i]).collect();
    Ok((numeric, factors.iter().map(|&i| x[i]).collect()))
}

/// The 0-based level of each code, or an error naming the first bad one
/// (a missing value, or a code outside `0..levels`).
pub(crate) fn level_codes(term: &str, codes: &[f64], levels: usize) -> Result<Vec<usize>> {
    codes
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            if c.is_finite() && c >= 0.0 && c.fract() == 0.0 && c < levels as f64 {
                Ok(c as usize)
            } else {
                Err(term_error(
                    term,
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
