//! Cyclic cubic regression spline basis, mgcv's `s(x, bs = "cc")` (class
//! `cyclic.smooth`): a cubic spline whose value, slope and curvature agree at
//! the two ends of the knot range, for periodic covariates.
//!
//! # Knots
//! `k` knots (default 10, at least 4) placed by mgcv's `place.knots`: with
//! `u_1 < ... < u_n` the unique covariate values and `delta = (n-1)/(k-1)`,
//! knot `i` (1-based) is `u` linearly interpolated at position
//! `1 + (i-1) delta`, so the first and last knots are the data extremes.
//!
//! # Basis
//! The periodic cubic interpolating spline through the knots, with period
//! `t_{k-1} - t_0`; knot `k-1` is identified with knot 0, so there are `k - 1`
//! coefficients, the values at knots `0..k-2`. With `h_j = t_{j+1} - t_j`
//! taken cyclically, the second derivatives at the knots are `B^{-1} D beta`
//! where the cyclic tridiagonal `B` has diagonal `(h_{j-1} + h_j)/3` and
//! off-diagonals `h_{j-1}/6`, `h_j/6`, and `D` has `1/h_{j-1}`,
//! `-(1/h_{j-1} + 1/h_j)`, `1/h_j` (indices mod `k - 1`). On each interval the
//! spline is the usual cubic interpolant of the values and second
//! derivatives at its ends. Covariates outside the knot range are wrapped
//! into it modulo the period (mgcv's `cwrap`).
//!
//! # Penalty
//! `S = D' B^{-1} D` (the integrated squared second derivative over one
//! period), symmetrised as mgcv does. Its null space (constants) has
//! dimension 1.

use faer::Mat;
use faer::prelude::*;
use serde::{Deserialize, Serialize};

use super::BasisFn;
use super::cr::{
    check_finite, check_knots, check_stored, check_training, check_user_knots, corrupt, one_covariate, sorted_unique,
    stored_penalty, too_few_unique,
};
use crate::error::Result;
use crate::linalg::StoredMat;

/// Number of knots mgcv uses when `k` is not given.
pub const DEFAULT_K: usize = 10;
/// Smallest number of knots; mgcv raises a smaller `k` to this (with a warning).
pub const MIN_K: usize = 4;

/// A cyclic cubic regression spline basis fitted to training covariate values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CcBasis {
    /// The term as written, for error messages.
    term: String,
    /// The `k` knots, ascending (mgcv's `object$xp`); the last is the first plus one period.
    knots: Vec<f64>,
    /// `(k-1) x (k-1)`: maps the coefficients to the second derivatives at
    /// knots `0..k-2` (mgcv's `object$BD`).
    bd: StoredMat,
    /// The `(k-1) x (k-1)` penalty.
    s: StoredMat,
}

/// The number of knots for a requested `k`: mgcv's default for `None`, and
/// never fewer than [`MIN_K`]; the basis has one function fewer.
pub(crate) fn knot_count(k: Option<usize>) -> usize {
    k.unwrap_or(DEFAULT_K).max(MIN_K)
}

impl CcBasis {
    /// Builds the basis for covariate values `x` with `k` knots (`None`:
    /// mgcv's default 10; values below 4 are raised to 4 as mgcv does), so
    /// `k - 1` basis functions. `term` labels error messages. Fails when `x`
    /// is empty or not finite, or has fewer than `k` unique values.
    pub fn new(term: &str, x: &[f64], k: Option<usize>) -> Result<CcBasis> {
        CcBasis::with_knots(term, x, k, None)
    }

    /// [`CcBasis::new`] with mgcv's user knots (`knots = list(x = ...)`):
    /// `k` strictly increasing knots, the first and last setting the period;
    /// or two, the ends of the period, with the `k` knots placed by
    /// `place.knots` through the unique values of the two and the data
    /// together (so the period spans the data too).
    pub fn with_knots(term: &str, x: &[f64], k: Option<usize>, knots: Option<&[f64]>) -> Result<CcBasis> {
        check_training(term, x)?;
        let k = knot_count(k);
        let knots = match knots {
            Some(given) if given.len() != 2 => {
                check_user_knots(term, given, &[k, 2], "k")?;
                given.to_vec()
            }
            _ => {
                let mut pooled = x.to_vec();
                if let Some(ends) = knots {
                    // Two ends in either order, as mgcv sorts them.
                    let mut ends = ends.to_vec();
                    ends.sort_by(f64::total_cmp);
                    check_user_knots(term, &ends, &[2], "k")?;
                    pooled.extend_from_slice(&ends);
                }
                let unique = sorted_unique(&pooled);
                if unique.len() < k {
                    return Err(too_few_unique(term, unique.len(), k));
                }
                place_knots(&unique, k)
            }
        };
        let (b, d) = cyclic_b_d(&knots);
        let bd = b.partial_piv_lu().solve(&d);
        let s = d.transpose() * &bd;
        let n = s.nrows();
        let s = Mat::from_fn(n, n, |i, j| (s[(i, j)] + s[(j, i)]) / 2.0);
        Ok(CcBasis {
            term: term.to_string(),
            knots,
            bd: StoredMat::from_mat(&bd),
            s: StoredMat::from_mat(&s),
        })
    }

    /// The knots, ascending (mgcv's `object$xp`).
    pub fn knots(&self) -> &[f64] {
        &self.knots
    }
}

impl BasisFn for CcBasis {
    fn dim(&self) -> usize {
        self.knots.len().saturating_sub(1)
    }

    fn design(&self, x: &[&[f64]]) -> Result<Mat<f64>> {
        let x = one_covariate(&self.term, x)?;
        check_finite(&self.term, x)?;
        let t = &self.knots;
        if t.len() < MIN_K || !t.is_sorted_by(|a, b| a < b) {
            return Err(corrupt(&self.term, "knots"));
        }
        let n = t.len() - 1;
        check_stored(&self.term, &self.bd, n, n)?;
        let bd = self.bd.to_mat();
        let (x0, x1) = (t[0], t[n]);
        let mut out = Mat::<f64>::zeros(x.len(), n);
        for (i, &xi) in x.iter().enumerate() {
            let xi = wrap(x0, x1, xi);
            // interval a: t[a] < x <= t[a+1] (x = t[0] uses interval 0)
            let a = t[1..].partition_point(|&v| v < xi).min(n - 1);
            let b = (a + 1) % n;
            let h = t[a + 1] - t[a];
            let am = t[a + 1] - xi;
            let ap = xi - t[a];
            let cm = am.powf(3.0) / (6.0 * h) - h * am / 6.0;
            let cp = ap.powf(3.0) / (6.0 * h) - h * ap / 6.0;
            for c in 0..n {
                out[(i, c)] = cm * bd[(a, c)] + cp * bd[(b, c)];
            }
            out[(i, a)] += am / h;
            out[(i, b)] += ap / h;
        }
        Ok(out)
    }

    fn penalties(&self) -> Vec<Mat<f64>> {
        vec![stored_penalty(&self.term, &self.s, self.dim())]
    }

    fn null_space_dim(&self) -> usize {
        1
    }

    fn te_reparameterise(&self) -> bool {
        false
    }

    fn mgcv_class(&self) -> &'static str {
        "cyclic.smooth"
    }
}

impl CcBasis {
    /// Checks a basis read back from a model file: at least [`MIN_K`]
    /// finite, strictly increasing knots and `(k-1) x (k-1)` matrices `BD` and `S`.
    pub(crate) fn check(&self) -> std::result::Result<(), String> {
        let k = self.knots.len();
        if k < MIN_K {
            return Err(format!("{k} knots, but a cyclic spline has at least {MIN_K}"));
        }
        check_knots(&self.knots)?;
        self.bd.check("its second-derivative map BD", k - 1, k - 1)?;
        self.s.check("its penalty", k - 1, k - 1)
    }
}

/// `k` knots interpolated evenly through the sorted unique values `u`
/// (mgcv's `place.knots`; requires `2 < k <= u.len()`).
fn place_knots(u: &[f64], k: usize) -> Vec<f64> {
    let n = u.len();
    let delta = (n - 1) as f64 / (k - 1) as f64;
    let mut knots = vec![0.0; k];
    knots[0] = u[0];
    knots[k - 1] = u[n - 1];
    for (i, knot) in knots.iter_mut().enumerate().take(k - 1).skip(1) {
        let pos = delta * i as f64;
        // 0-based index of the value at or below 1-based position pos + 1
        let lo = pos.floor();
        let frac = pos + 1.0 - (lo + 1.0);
        let lo = (lo as usize).min(n - 2);
        *knot = u[lo] * (1.0 - frac) + u[lo + 1] * frac;
    }
    knots
}

/// The cyclic `B` and `D` (`(k-1) x (k-1)`) for knots `t` (mgcv's `getBD`).
fn cyclic_b_d(t: &[f64]) -> (Mat<f64>, Mat<f64>) {
    let n = t.len() - 1;
    let h: Vec<f64> = t.windows(2).map(|w| w[1] - w[0]).collect();
    let mut b = Mat::<f64>::zeros(n, n);
    let mut d = Mat::<f64>::zeros(n, n);
    for i in 0..n {
        let prev = (i + n - 1) % n;
        let next = (i + 1) % n;
        let (hb, ha) = (h[prev], h[i]);
        b[(i, prev)] = hb / 6.0;
        b[(i, next)] = ha / 6.0;
        b[(i, i)] = (hb + ha) / 3.0;
        d[(i, prev)] = 1.0 / hb;
        d[(i, next)] = 1.0 / ha;
        d[(i, i)] = -(1.0 / ha + 1.0 / hb);
    }
    (b, d)
}

/// `x` wrapped into `[x0, x1]` modulo `x1 - x0` (mgcv's `cwrap`).
pub(crate) fn wrap(x0: f64, x1: f64, x: f64) -> f64 {
    let h = x1 - x0;
    if x > x1 {
        x0 + r_mod(x - x1, h)
    } else if x < x0 {
        x1 - r_mod(x0 - x, h)
    } else {
        x
    }
}

/// R's `a %% b` for finite `a >= 0`, `b > 0`.
fn r_mod(a: f64, b: f64) -> f64 {
    let r = a - (a / b).floor() * b;
    r - (r / b).floor() * b
}

#[cfg(test)]
mod tests {
    use super::super::cr::test_support::{assert_matches_mgcv, load, vector};
    use super::*;

    fn check_case(name: &str, k: Option<usize>) {
        let r = load(name);
        assert_eq!(r["class"], "cyclic.smooth");
        let x = vector(&r, "x");
        let b = CcBasis::new("s(x)", &x, k).unwrap();
        assert_matches_mgcv(name, &r, &b, b.knots());
    }

    #[test]
    fn matches_mgcv_mcycle() {
        check_case("cc_mcycle", None);
    }

    #[test]
    fn matches_mgcv_gamsim_x2() {
        check_case("cc_gamsim_x2", Some(10));
    }

    #[test]
    fn matches_mgcv_ties() {
        check_case("cc_ties", Some(5));
    }

    #[test]
    fn matches_mgcv_short() {
        check_case("cc_short", Some(4));
    }

    #[test]
    fn too_few_unique_values_is_an_error() {
        let x = [1.0, 2.0, 3.0, 3.0, 1.0];
        let e = CcBasis::new("s(x, bs = \"cc\")", &x, Some(4)).unwrap_err().to_string();
        assert_eq!(
            e,
            "term s(x, bs = \"cc\"): the covariate has only 3 unique values, fewer than k = 4: reduce k"
        );
        assert!(CcBasis::new("s(x)", &[], None).is_err());
        assert!(CcBasis::new("s(x)", &[1.0, 2.0, f64::NAN, 3.0, 4.0], Some(4)).is_err());
    }

    #[test]
    fn small_k_is_raised_to_four() {
        let x = [0.0, 1.0, 2.0, 3.0, 4.0];
        let b = CcBasis::new("s(x)", &x, Some(2)).unwrap();
        assert_eq!((b.dim(), b.null_space_dim(), b.te_reparameterise()), (3, 1, false));
    }

    #[test]
    fn periodic_and_reproduces_constants() {
        let x: Vec<f64> = (0..60).map(|i| (i as f64 * 0.61).cos() + i as f64 * 0.05).collect();
        let b = CcBasis::new("s(x)", &x, Some(7)).unwrap();
        let period = b.knots()[6] - b.knots()[0];
        let base = [b.knots()[0], 0.3, 1.1, 2.0, b.knots()[6]];
        let shifted: Vec<f64> = base.iter().map(|v| v + 2.0 * period).collect();
        let xa = b.design(&[&base]).unwrap();
        let xb = b.design(&[&shifted]).unwrap();
        for i in 0..base.len() {
            let sum: f64 = (0..b.dim()).map(|j| xa[(i, j)]).sum();
            assert!((sum - 1.0).abs() < 1e-12);
            for j in 0..b.dim() {
                assert!((xa[(i, j)] - xb[(i, j)]).abs() < 1e-9);
            }
        }
        // the two ends of the range are the same point of the cycle
        for j in 0..b.dim() {
            assert!((xa[(0, j)] - xa[(4, j)]).abs() < 1e-12);
        }
    }

    #[test]
    fn corrupt_saved_basis_is_an_error() {
        let x: Vec<f64> = (0..20).map(f64::from).collect();
        let mut b = CcBasis::new("s(x)", &x, None).unwrap();
        b.bd.data.pop();
        assert!(b.design(&[&x]).is_err());
        b.knots.truncate(3);
        assert!(b.design(&[&x]).is_err());
    }
}
