//! Cyclic P-spline basis, mgcv's `s(x, bs = "cp")` (class `cpspline.smooth`):
//! B-splines wrapped around a period, with a cyclic difference penalty.
//!
//! # Knots
//! With `m = (m1, m2)` (default `(2, 2)`; one value `v` means `(v, v)`, an
//! `NA` entry 2) and `k` basis functions (default `max(10, m1)`), the
//! `k + 1` knots run evenly over the covariate's range (or over two user
//! knots' range), or are the `k + 1` user knots. The first and last knot
//! are the period's ends.
//!
//! # Basis
//! mgcv's `cSplineDes`: the B-splines of order `m1 + 2` on the knots
//! continued periodically, each folded onto the period, so that the `k`
//! functions and all their derivatives up to order `m1` join up at the
//! ends. New covariate values outside the period are first wrapped into it
//! (mgcv's `cwrap`).
//!
//! # Penalty
//! `S = D' D` with `D` the `k x k` matrix of cyclic `m2`-th order
//! differences of the coefficients; its null space is the constant
//! function (mgcv reports rank `k - 1` and null space dimension 1).

use faer::Mat;
use serde::{Deserialize, Serialize};

use super::BasisFn;
use super::cc::wrap;
use super::cr::{
    check_finite, check_knots, check_training, check_user_knots, corrupt, one_covariate, stored_penalty, term_error,
};
use super::ps::{bspline_values, difference_matrix, r_seq};
use crate::error::Result;
use crate::linalg::StoredMat;

/// mgcv's default `m`: cubic B-splines with a second-order difference penalty.
pub const DEFAULT_M: [usize; 2] = [2, 2];
/// The smallest basis dimension mgcv uses when `k` is not given.
pub const DEFAULT_K: usize = 10;

/// A cyclic P-spline basis fitted to training covariate values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CpBasis {
    /// The term as written, for error messages.
    term: String,
    /// The `k + 1` knots, ascending; the first and last bound the period.
    knots: Vec<f64>,
    /// `(m1, m2)`: B-spline order `m1 + 2`, difference order `m2`.
    m: [usize; 2],
    /// The `k x k` penalty.
    s: StoredMat,
}

/// The basis dimension and orders `(m1, m2)` for a requested `k` and `m`
/// (`None` entries of `m` are mgcv's default 2), or the error naming `term`.
pub(crate) fn dims(term: &str, k: Option<usize>, m: &[Option<usize>]) -> Result<(usize, [usize; 2])> {
    let m = match *m {
        [] => DEFAULT_M,
        [v] => [v.unwrap_or(2); 2],
        [a, b] => [a.unwrap_or(2), b.unwrap_or(2)],
        _ => {
            return Err(term_error(
                term,
                format!("m has {} values; a cyclic P-spline takes at most two (m1, m2)", m.len()),
            ));
        }
    };
    let [m1, m2] = m;
    let k = k.unwrap_or(DEFAULT_K.max(m1));
    // cSplineDes needs at least order (m1 + 2) knots, i.e. k >= m1 + 1.
    if k < m1.saturating_add(1) || k < 2 {
        return Err(term_error(
            term,
            format!(
                "k = {k} is too small for cyclic B-splines of order m[1] + 2 = {}: k must be at least {}",
                m1.saturating_add(2),
                m1.saturating_add(1).max(2)
            ),
        ));
    }
    if m2 >= k {
        return Err(term_error(
            term,
            format!("the difference penalty order m[2] = {m2} must be less than k = {k}"),
        ));
    }
    Ok((k, m))
}

impl CpBasis {
    /// Builds the basis for covariate values `x` with `k` basis functions
    /// (`None`: mgcv's default) and orders `m` (see `dims`); `knots` are
    /// mgcv's user knots: two ends of the period (containing the data) or
    /// all `k + 1`. Fails on empty, non-finite or constant `x`, a `k` too
    /// small for the order, `m2 >= k`, or data outside the knots.
    pub fn new(term: &str, x: &[f64], k: Option<usize>, m: &[Option<usize>], knots: Option<&[f64]>) -> Result<CpBasis> {
        check_training(term, x)?;
        let (k, m) = dims(term, k, m)?;
        let (lo, hi) = x.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
        let knots = match knots {
            None => {
                if lo == hi {
                    return Err(term_error(
                        term,
                        "the covariate is constant: a spline needs a range of values",
                    ));
                }
                r_seq(lo, hi, k + 1)
            }
            Some(given) => {
                let mut sorted = given.to_vec();
                if given.len() == 2 {
                    sorted.sort_by(f64::total_cmp);
                }
                check_user_knots(term, &sorted, &[2, k + 1], "k")?;
                let (a, b) = (sorted[0], sorted[sorted.len() - 1]);
                if lo < a || hi > b {
                    return Err(term_error(
                        term,
                        format!("the data ({lo} to {hi}) must lie within the knots' range {a} to {b}: widen the knots"),
                    ));
                }
                if sorted.len() == 2 { r_seq(a, b, k + 1) } else { sorted }
            }
        };
        Ok(CpBasis {
            term: term.to_string(),
            knots,
            m,
            s: StoredMat::from_mat(&cyclic_difference_penalty(k, m[1])),
        })
    }

    /// The `k + 1` knots (mgcv's `object$knots`).
    pub fn knots(&self) -> &[f64] {
        &self.knots
    }

    /// `(m1, m2)`: B-spline order `m1 + 2` and difference penalty order `m2`.
    pub fn m(&self) -> [usize; 2] {
        self.m
    }
}

/// `D' D` for the `k x k` cyclic `m2`-th order difference matrix `D`, built
/// as mgcv does: the ordinary differences of `diag(k + m2)` with their first
/// `m2` columns folded onto the last `m2`.
pub(crate) fn cyclic_difference_penalty(k: usize, m2: usize) -> Mat<f64> {
    let de = difference_matrix(k + m2, m2);
    let d = Mat::from_fn(k, k, |i, j| {
        let folded = if j + m2 >= k { de[(i, j + m2 - k)] } else { 0.0 };
        de[(i, j + m2)] + folded
    });
    d.transpose() * &d
}

/// mgcv's `cSplineDes`: the cyclic B-spline model matrix of order `ord` on
/// `knots` (the period's ends first and last) at `x` within the period.
pub(crate) fn cyclic_design(knots: &[f64], ord: usize, x: &[f64]) -> Mat<f64> {
    let nk = knots.len();
    let k = nk - 1;
    let period = knots[k] - knots[0];
    // knot i of the periodic continuation (i may be negative or beyond k)
    let tau = |i: isize| {
        let q = i.div_euclid(k as isize);
        let r = i.rem_euclid(k as isize) as usize;
        knots[r] + q as f64 * period
    };
    let mut out = Mat::<f64>::zeros(x.len(), k);
    let mut local = vec![0.0; 2 * ord];
    let mut b = vec![0.0; ord];
    for (row, &xi) in x.iter().enumerate() {
        let j = knots.partition_point(|&v| v <= xi).saturating_sub(1).min(k - 1);
        for (l, t) in local.iter_mut().enumerate() {
            *t = tau(j as isize + l as isize + 1 - ord as isize);
        }
        bspline_values(&local, ord, ord - 1, xi, &mut b);
        for (s, &v) in b.iter().enumerate() {
            // B-spline starting at periodic knot j - ord + 1 + s is mgcv's
            // column (start + ord - 1) mod k.
            let col = (j + s).rem_euclid(k);
            out[(row, col)] += v;
        }
    }
    out
}

impl BasisFn for CpBasis {
    fn dim(&self) -> usize {
        self.knots.len().saturating_sub(1)
    }

    fn design(&self, x: &[&[f64]]) -> Result<Mat<f64>> {
        let x = one_covariate(&self.term, x)?;
        check_finite(&self.term, x)?;
        let t = &self.knots;
        let ord = self.m[0].saturating_add(2);
        if t.len() < ord.max(3) || !t.is_sorted_by(|a, b| a < b) {
            return Err(corrupt(&self.term, "knots"));
        }
        let (x0, x1) = (t[0], t[t.len() - 1]);
        let wrapped: Vec<f64> = x.iter().map(|&v| wrap(x0, x1, v)).collect();
        Ok(cyclic_design(t, ord, &wrapped))
    }

    fn penalties(&self) -> Vec<Mat<f64>> {
        vec![stored_penalty(&self.term, &self.s, self.dim())]
    }

    fn null_space_dim(&self) -> usize {
        1
    }

    fn te_reparameterise(&self) -> bool {
        true
    }

    fn mgcv_class(&self) -> &'static str {
        "cpspline.smooth"
    }
}

impl CpBasis {
    /// Checks a basis read back from a model file: at least `m1 + 2` (and 3)
    /// finite, strictly increasing knots, a difference order below `k` and
    /// a `k x k` penalty.
    pub(crate) fn check(&self) -> std::result::Result<(), String> {
        let [m1, m2] = self.m;
        let nk = self.knots.len();
        if m1.checked_add(2).is_none_or(|o| nk < o.max(3)) {
            return Err(format!("{nk} knots are too few for cyclic B-splines with m1 = {m1}"));
        }
        check_knots(&self.knots)?;
        let k = self.dim();
        if m2 >= k {
            return Err(format!("the difference order m2 = {m2} is not below k = {k}"));
        }
        self.s.check("its penalty", k, k)
    }
}
