//! Gaussian process smooths (`bs = "gp"`, mgcv's class `gp.smooth`): the
//! Kammann and Wand (2003) low-rank Gaussian process, as mgcv 1.8-41's
//! `smooth.construct.gp.smooth.spec`, `gpE` and `gpT` build it.
//!
//! # Mathematics
//!
//! With knots `x_1..x_K` (see [`crate::basis::radial`]), a correlation
//! function `c(r)` of the distance `r = |x - x_i| / rho` and the matrix
//! `E_ij = c(|x_i - x_j| / rho)`, the basis keeps the `k - M` eigenvectors
//! `U` of `E` with the largest |eigenvalues| `D` (mgcv's `slanczos`; when
//! `k - M` equals the number of knots, `U = I` and `D = E`), and
//!
//! - model matrix rows `[c(|x - x_i| / rho)_i U, 1, x]` (`[.., 1]` for the
//!   stationary version), the covariates centred by their means;
//! - penalty `diag(D, 0, .., 0)`: the `M` trailing columns (`M = d + 1`, or
//!   1 stationary) are the unpenalised linear trend.
//!
//! Nothing is rescaled and no constraint is absorbed here (the smooth
//! layer centres the term as for any basis).
//!
//! # `m = c(type, rho, kappa)`, as mgcv reads it
//!
//! - `type` (rounded): 1 spherical `(1 - 1.5 r + 0.5 r^3) [r <= 1]`,
//!   2 power exponential `exp(-r^kappa)`, 3 Matérn 1.5 `(1 + r) e^-r`,
//!   4 Matérn 2.5 `e^-r (1 + r + r^2/3)`, 5 Matérn 3.5
//!   `e^-r (1 + r + 2r^2/5 + r^3/15)`; default 3. A negative type is the
//!   same correlation without the linear trend (null space the constant).
//! - `rho` the range; default (or `NA`) the largest distance between knots.
//!   mgcv silently uses the default for a range `<= 0`; here an explicit
//!   range that is not positive is an error naming the term.
//! - `kappa` the power of type 2, `0 < kappa <= 2` (default 1); mgcv
//!   checks the bound whatever the type, and so does this.
//! - `k` default `d + 1 + c(10, 30, 100)[d]` (`d` capped at 3), at least
//!   `d + 2` (mgcv raises smaller values with a warning).
//!
//! # Agreement with mgcv
//!
//! The eigenvectors are mgcv's Lanczos Ritz vectors, its iteration and
//! stopping rule reproduced (`tp::decompose::mgcv_lanczos`; its loose
//! tolerance leaves them up to about 1e-9 from the exact eigenvectors, so
//! exact ones would not do). Their signs are free, so bases agree with
//! mgcv's up to the signs of the first `k - M` columns (measured: 1e-14).

use faer::Mat;
use serde::{Deserialize, Serialize};

use crate::basis::radial::{RadialBasis, RadialPart, centred_knots};
use crate::basis::tp::decompose::{SLANCZOS_TOL, mgcv_lanczos};
use crate::basis::tp::kernel::{Radial, eta_matrix};
use crate::error::{GamError, Result};
use crate::formula::Real;

/// mgcv's default covariance type (Matérn 1.5).
pub const DEFAULT_TYPE: i64 = 3;

/// mgcv's default basis dimension is `d + 1 + DEFAULT_K_EXTRA[min(d, 3) - 1]`.
const DEFAULT_K_EXTRA: [usize; 3] = [10, 30, 100];

/// A correlation function of scaled distance, with its parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Correlation {
    /// Type 1..=5 (see the module documentation).
    kind: u8,
    /// The range `rho`.
    range: f64,
    /// The power of the power exponential.
    kappa: f64,
}

impl Radial for Correlation {
    #[inline]
    fn at(self, r2: f64) -> f64 {
        let r = r2.sqrt() / self.range;
        match self.kind {
            1 => {
                if r <= 1.0 {
                    // R's `E^3` is C's pow.
                    1.0 - 1.5 * r + 0.5 * r.powf(3.0)
                } else {
                    0.0
                }
            }
            2 => (-r.powf(self.kappa)).exp(),
            3 => (1.0 + r) * (-r).exp(),
            4 => {
                let e = (-r).exp();
                e + (r * e) * (1.0 + r / 3.0)
            }
            _ => {
                let e = (-r).exp();
                e + (r * e) * (1.0 + 0.4 * r + r * r / 15.0)
            }
        }
    }
}

/// `m` of a `gp` term as mgcv reads it: `(type, stationary, range, kappa)`,
/// the range `None` for the default. Errors (naming `term`) for a type
/// other than ±1..±5, a `kappa` outside `(0, 2]` (mgcv's "incorrect
/// arguments to GP smoother"), or an explicit range that is not positive.
pub fn parse_m(term: &str, m: &[Option<Real>]) -> Result<(u8, bool, Option<f64>, f64)> {
    let err = |message: String| GamError::Term {
        term: term.to_string(),
        message,
    };
    let first = m.first().copied().flatten().map(|v| v.0);
    let ty = first.map_or(DEFAULT_TYPE as f64, |v| v.round_ties_even());
    let stationary = first.is_some_and(|v| v < 0.0);
    let kind = ty.abs();
    if !(1.0..=5.0).contains(&kind) {
        return Err(err(format!(
            "m[1] = {}: the covariance type is 1 (spherical), 2 (power exponential), 3, 4 or 5 (Matérn 1.5, 2.5, 3.5), negative for no linear trend",
            first.unwrap_or(f64::NAN)
        )));
    }
    let range = m.get(1).copied().flatten().map(|v| v.0);
    if let Some(r) = range.filter(|r| !(*r > 0.0 && r.is_finite())) {
        return Err(err(format!(
            "m[2] = {r}: the range must be positive (leave it out, or NA, for the largest distance between knots)"
        )));
    }
    let kappa = m.get(2).copied().flatten().map_or(1.0, |v| v.0);
    if !(kappa > 0.0 && kappa <= 2.0) {
        return Err(err(format!(
            "m[3] = {kappa}: the power exponential's power must be in (0, 2]"
        )));
    }
    if m.len() > 3 {
        return Err(err(format!(
            "m has {} values; bs = \"gp\" takes c(type, range, power)",
            m.len()
        )));
    }
    Ok((kind as u8, stationary, range, kappa))
}

/// `(M, k)`: the null space dimension and basis dimension of a `gp` term of
/// `d` covariates for a requested `k` (negative: mgcv's default) and the
/// stationary flag.
pub fn dims(d: usize, k: i64, stationary: bool) -> (usize, usize) {
    let null_dim = if stationary { 1 } else { d.saturating_add(1) };
    let k = match usize::try_from(k) {
        Ok(k) => k,
        Err(_) => d.saturating_add(1).saturating_add(DEFAULT_K_EXTRA[d.clamp(1, 3) - 1]),
    };
    (null_dim, k.max(d.saturating_add(2)))
}

/// The largest distance between two rows of `knots` (mgcv's default range).
fn largest_distance(knots: &Mat<f64>) -> f64 {
    let mut max2 = 0.0f64;
    for i in 0..knots.nrows() {
        for j in 0..i {
            let r2: f64 = (0..knots.ncols())
                .map(|c| (knots[(i, c)] - knots[(j, c)]).powi(2))
                .sum();
            max2 = max2.max(r2);
        }
    }
    max2.sqrt()
}

/// A Gaussian process basis fitted to training covariates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GpBasis {
    /// The term as written, for error messages.
    term: String,
    /// Covariance type 1..=5.
    kind: u8,
    /// Whether the linear trend is left out (mgcv's negative type).
    stationary: bool,
    /// The range used (mgcv's `gp.defn[2]`).
    range: f64,
    /// The power exponential's power (mgcv's `gp.defn[3]`).
    kappa: f64,
    /// Knots, centring, the coefficient map and the penalty.
    radial: RadialPart,
}

impl GpBasis {
    /// Builds the basis as mgcv's `smooth.construct.gp.smooth.spec` does
    /// (see the module documentation): `x` one slice per covariate, `k` the
    /// basis dimension (negative for the default), `m` the term's `m`,
    /// `knots` user knots (one vector per covariate), `max_knots` and
    /// `seed` mgcv's `xt`.
    pub fn new(
        term: &str,
        x: &[&[f64]],
        k: i64,
        m: &[Option<Real>],
        knots: Option<&[Vec<f64>]>,
        max_knots: Option<usize>,
        seed: Option<i32>,
    ) -> Result<GpBasis> {
        let (kind, stationary, range, kappa) = parse_m(term, m)?;
        let (null_dim, k) = dims(x.len(), k, stationary);
        let c = centred_knots(term, x, k, knots, max_knots, seed)?;
        let nk = c.knots.nrows();
        // The default range: the largest distance between knots.
        let range = range.unwrap_or_else(|| largest_distance(&c.knots));
        let corr = Correlation { kind, range, kappa };
        let e = eta_matrix(&c.knots, corr);
        let p = k - null_dim;
        if p > nk {
            return Err(GamError::Term {
                term: term.to_string(),
                message: format!("{nk} knots for k = {k} (at least {p} are needed): give more knots or reduce k"),
            });
        }
        let (u, values) = if p < nk {
            mgcv_lanczos(&e, p, SLANCZOS_TOL, term)?
        } else {
            (Mat::<f64>::identity(nk, nk), Vec::new())
        };
        let penalty = Mat::from_fn(k, k, |i, j| match (i < p, j < p) {
            (true, true) if p == nk => 0.5 * (e[(i, j)] + e[(j, i)]),
            (true, true) if i == j => values[i],
            _ => 0.0,
        });
        let poly_order = if stationary { 1 } else { 2 };
        Ok(GpBasis {
            term: term.to_string(),
            kind,
            stationary,
            range,
            kappa,
            radial: RadialPart::new(c.shift, &c.knots, &u, &penalty, poly_order, null_dim),
        })
    }

    fn correlation(&self) -> Correlation {
        Correlation {
            kind: self.kind,
            range: self.range,
            kappa: self.kappa,
        }
    }

    /// mgcv's `gp.defn`: the signed covariance type, the range and the power.
    pub fn definition(&self) -> (i64, f64, f64) {
        let ty = i64::from(self.kind);
        (if self.stationary { -ty } else { ty }, self.range, self.kappa)
    }

    /// The covariate means subtracted before evaluating the basis.
    pub fn shift(&self) -> &[f64] {
        self.radial.shift()
    }

    /// Number of covariates.
    pub(crate) fn n_covariates(&self) -> usize {
        self.radial.d()
    }

    /// Checks a basis read back from a model file.
    pub(crate) fn check(&self) -> std::result::Result<(), String> {
        if !((1..=5).contains(&self.kind) && self.range > 0.0 && self.range.is_finite()) {
            return Err(format!("covariance type {} with range {}", self.kind, self.range));
        }
        if !(self.kappa > 0.0 && self.kappa <= 2.0) {
            return Err(format!("power {} outside (0, 2]", self.kappa));
        }
        self.radial.check()?;
        let d = self.radial.d();
        let null_dim = if self.stationary { 1 } else { d + 1 };
        if self.radial.null_dim() != null_dim {
            return Err(format!(
                "a null space of {} where the covariance type gives {null_dim}",
                self.radial.null_dim()
            ));
        }
        Ok(())
    }
}

impl RadialBasis for GpBasis {
    type Kernel = Correlation;
    const CLASS: &'static str = "gp.smooth";

    fn term(&self) -> &str {
        &self.term
    }

    fn radial(&self) -> &RadialPart {
        &self.radial
    }

    fn kernel(&self) -> Correlation {
        self.correlation()
    }
}

#[cfg(test)]
#[path = "gp_tests.rs"]
mod tests;
