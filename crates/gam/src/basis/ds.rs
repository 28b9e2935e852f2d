//! Duchon splines (`bs = "ds"`, mgcv's class `duchon.spline`), as mgcv
//! 1.8-41's `smooth.construct.ds.smooth.spec`, `DuchonE` and `DuchonT`
//! build them.
//!
//! # Mathematics
//!
//! Duchon's (1977) splines generalise thin plate splines: the penalty
//! `∫ |τ|^(2s) |F D^m f(τ)|² dτ` of order `m` with the fractional weight
//! `s` (`-d/2 < s < d/2`, `m + s > d/2`) has the radial function
//! `k(r) = ± r^p log r` for even `p = 2m + 2s - d` and `± r^p` for odd
//! `p`, the sign `+` when `floor(p / 2)` is odd (no constant factor, unlike
//! tp's `eta`). `m = c(m, 0)` is the thin plate spline of order `m`, up to
//! the penalty's scale. The null space is the `M = choose(m + d - 1, d)`
//! monomials of degree below `m` (tp's, in tp's order).
//!
//! With knots `x_1..x_K` (see [`crate::basis::radial`]) and
//! `E_ij = k(|x_i - x_j|)`, the basis keeps the `k` eigenvectors `U` of `E`
//! with the largest |eigenvalues| `D` (when `k` equals the number of
//! knots, `U = I` and `D = E`), absorbs the constraint `Tᵀ U δ = 0` with
//! the Householder QR of `Uᵀ T = Q R` (R's `qr`: `Z` the last `k - M`
//! columns of `Q`), and has
//!
//! - model matrix rows `[k(|x - x_i|)_i U Z, phi_j(x)_j]`, the covariates
//!   centred by their means;
//! - penalty `[[Zᵀ D Z, 0], [0, 0]]`.
//!
//! Nothing is rescaled (unlike tp).
//!
//! # `m = c(m, s)`, as mgcv clamps it
//!
//! `m` (default 2) is rounded and at least 1; `s` (default 0) is rounded
//! to a half. An `s >= d/2` becomes `(d - 1)/2`, an `s <= -d/2` becomes
//! `-(d - 1)/2`; then if `m + s <= d/2`, `s` becomes `1/2 + d/2 - m` (mgcv
//! would stop if that were `>= d/2`, "No suitable s", which cannot happen for
//! `m >= 1`; the check is kept). mgcv warns at each change ("s value
//! reduced", ...), and so does the fit.
//! `k` defaults to `M + c(10, 30, 100)[d]` (`d` capped at 3) and is at
//! least `M + 1`.
//!
//! # Agreement with mgcv
//!
//! As for `gp`: mgcv's Lanczos Ritz vectors, signs free, so the first
//! `k - M` columns agree with mgcv's up to sign (the QR is sign-equivariant).

use faer::Mat;
use serde::{Deserialize, Serialize};

use crate::basis::radial::{RadialBasis, RadialPart, centred_knots};
use crate::basis::tp::decompose::{SLANCZOS_TOL, mgcv_lanczos};
use crate::basis::tp::kernel::{Radial, eta_matrix, poly_matrix, poly_powers};
use crate::error::{GamError, Result};
use crate::formula::Real;
use crate::linalg::householder::Householder;

/// mgcv's default basis dimension is `M + DEFAULT_K_EXTRA[min(d, 3) - 1]`.
const DEFAULT_K_EXTRA: [usize; 3] = [10, 30, 100];

/// The Duchon radial function `± r^p (log r)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct DuchonKernel {
    /// The power `p = 2m + 2s - d` (at least 1).
    power: i32,
    /// The sign.
    sign: f64,
}

impl DuchonKernel {
    fn new(m: usize, s2: i64, d: usize) -> DuchonKernel {
        let power = (2 * m as i64 + s2 - d as i64) as i32;
        // mgcv: 1 - 2 * ((floor(k/2) + 1) %% 2).
        let sign = if (power / 2 + 1) % 2 == 1 { -1.0 } else { 1.0 };
        DuchonKernel { power, sign }
    }
}

impl Radial for DuchonKernel {
    #[inline]
    fn at(self, r2: f64) -> f64 {
        let r = r2.sqrt();
        // R's `^` is C's pow, except x^2 = x * x.
        let rp = if self.power == 2 {
            r * r
        } else {
            r.powf(f64::from(self.power))
        };
        let e = if self.power % 2 == 0 {
            if r == 0.0 { 0.0 } else { rp * r.ln() }
        } else {
            rp
        };
        e * self.sign
    }
}

/// `(m, 2s, warnings)`: a `ds` term's penalty order and twice its `s`
/// after mgcv's rounding and clamping for `d` covariates (see the module
/// documentation), with mgcv's warnings. Errors (naming `term`) for more
/// than two values, values that are not finite, and when no `s` suits.
pub fn orders(term: &str, d: usize, m: &[Option<Real>]) -> Result<(usize, i64, Vec<&'static str>)> {
    let err = |message: String| GamError::Term {
        term: term.to_string(),
        message,
    };
    if m.len() > 2 {
        return Err(err(format!("m has {} values; bs = \"ds\" takes c(m, s)", m.len())));
    }
    let get = |i: usize, default: f64| m.get(i).copied().flatten().map_or(default, |v| v.0);
    let (m1, s) = (get(0, 2.0), get(1, 0.0));
    if !m1.is_finite() || !s.is_finite() || m1.abs() > 1e6 || s.abs() > 1e6 {
        return Err(err(format!("m = c({m1}, {s}): the order and s must be finite numbers")));
    }
    let m1 = m1.round_ties_even().max(1.0) as i64;
    // s in halves: work with 2s.
    let mut s2 = (s * 2.0).round_ties_even() as i64;
    let d2 = d as i64;
    let mut warnings = Vec::new();
    if s2 >= d2 {
        s2 = d2 - 1;
        warnings.push("s value reduced");
    }
    if s2 <= -d2 {
        s2 = -(d2 - 1);
        warnings.push("s value increased");
    }
    if 2 * m1 + s2 <= d2 {
        s2 = 1 + d2 - 2 * m1;
        if s2 >= d2 {
            return Err(err(format!(
                "m = {m1}: no s (m[2]) gives a continuous function in {d} dimensions: increase m[1]"
            )));
        }
        warnings.push("s value modified to give continuous function");
    }
    Ok((m1 as usize, s2, warnings))
}

/// `(M, k)`: the null space dimension and the basis dimension of a `ds`
/// term of `d` covariates and order `m`, for a requested `k` (negative:
/// mgcv's default).
pub fn dims(d: usize, k: i64, m: usize) -> (usize, usize) {
    let mut null_dim = 1usize;
    for i in 0..d {
        null_dim = null_dim.saturating_mul(m.saturating_add(i)) / (i + 1);
    }
    let k = match usize::try_from(k) {
        Ok(k) => k,
        Err(_) => null_dim.saturating_add(DEFAULT_K_EXTRA[d.clamp(1, 3) - 1]),
    };
    (null_dim, k.max(null_dim.saturating_add(1)))
}

/// A Duchon spline basis fitted to training covariates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DsBasis {
    /// The term as written, for error messages.
    term: String,
    /// Penalty order `m` (after mgcv's clamping).
    m: usize,
    /// Twice `s` (after mgcv's clamping).
    s2: i64,
    /// Knots, centring, the coefficient map and the penalty.
    radial: RadialPart,
}

impl DsBasis {
    /// Builds the basis as mgcv's `smooth.construct.ds.smooth.spec` does
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
    ) -> Result<DsBasis> {
        let d = x.len();
        let (m, s2, _) = orders(term, d.max(1), m)?;
        let (null_dim, k) = dims(d, k, m);
        let c = centred_knots(term, x, k, knots, max_knots, seed)?;
        let nk = c.knots.nrows();
        let kernel = DuchonKernel::new(m, s2, d);
        let e = eta_matrix(&c.knots, kernel);
        let t = poly_matrix(&c.knots, &poly_powers(d, m, null_dim));
        let (u, core) = match nk.cmp(&k) {
            std::cmp::Ordering::Greater => {
                let (u, values) = mgcv_lanczos(&e, k, SLANCZOS_TOL, term)?;
                (u, Mat::from_fn(k, k, |i, j| if i == j { values[i] } else { 0.0 }))
            }
            std::cmp::Ordering::Equal => (Mat::<f64>::identity(k, k), e),
            std::cmp::Ordering::Less => {
                return Err(GamError::Term {
                    term: term.to_string(),
                    message: format!("{nk} knots for k = {k}: give at least k knots or reduce k"),
                });
            }
        };
        // Absorb Tᵀ U δ = 0 by R's QR of Uᵀ T: Z = Q[, -(1:M)].
        let qr = Householder::of(&(u.transpose() * &t));
        let p = k - null_dim;
        let mut qd = core;
        qr.apply_qt(&mut qd);
        let mut zd = Mat::from_fn(k, p, |i, j| qd[(null_dim + j, i)]);
        qr.apply_qt(&mut zd);
        let mut ut = u.transpose().to_owned();
        qr.apply_qt(&mut ut);
        let uz = Mat::from_fn(nk, p, |i, j| ut[(null_dim + j, i)]);
        let penalty = Mat::from_fn(k, k, |i, j| {
            if i < p && j < p {
                0.5 * (zd[(null_dim + i, j)] + zd[(null_dim + j, i)])
            } else {
                0.0
            }
        });
        Ok(DsBasis {
            term: term.to_string(),
            m,
            s2,
            radial: RadialPart::new(c.shift, &c.knots, &uz, &penalty, m, null_dim),
        })
    }

    fn duchon_kernel(&self) -> DuchonKernel {
        DuchonKernel::new(self.m, self.s2, self.radial.d())
    }

    /// `(m, s)` after mgcv's clamping (mgcv's `p.order`).
    pub fn orders(&self) -> (usize, f64) {
        (self.m, self.s2 as f64 / 2.0)
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
        self.radial.check()?;
        let d = self.radial.d() as i64;
        let m = i64::try_from(self.m).map_err(|_| format!("order m = {}", self.m))?;
        if m < 1 || self.s2 >= d || self.s2 <= -d || 2 * m + self.s2 <= d || m > 1_000_000 {
            return Err(format!(
                "m = {}, s = {} do not suit {d} covariates",
                self.m,
                self.s2 as f64 / 2.0
            ));
        }
        if self.radial.null_dim() != dims(self.radial.d(), 0, self.m).0 {
            return Err(format!("a null space of {} for m = {}", self.radial.null_dim(), self.m));
        }
        Ok(())
    }
}

impl RadialBasis for DsBasis {
    type Kernel = DuchonKernel;
    const CLASS: &'static str = "duchon.spline";

    fn term(&self) -> &str {
        &self.term
    }

    fn radial(&self) -> &RadialPart {
        &self.radial
    }

    fn kernel(&self) -> DuchonKernel {
        self.duchon_kernel()
    }
}
