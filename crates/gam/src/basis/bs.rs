//! B-spline basis with derivative penalties, mgcv's `s(x, bs = "bs")` (class
//! `Bspline.smooth`).
//!
//! # Orders
//! `m = (m1, m2, m3, ...)`: B-splines of order `m1 + 1` (degree `m1`; 3 is
//! cubic) and one penalty `∫ f^(m_i)(x)² dx` per further entry. mgcv's
//! defaults: no `m` is `(3, 2)`; one value `v` is `(v, max(0, v - 1))`; an
//! `NA` first entry is `m2 + 1`, an `NA` second `max(0, m1 - 1)`.
//!
//! # Knots
//! `k` basis functions (default `max(10, m1)`) on `nk = k - m1 + 1` interior
//! knots spanning the data: the range widened by 0.1% at each end, spacing
//! `dx = (b' - a') / (nk - 1)`, and the `nk + 2 m1` knots evenly from
//! `a' - m1 dx` to `b' + m1 dx`. User knots: two (a range replacing the
//! data's), four (lower prediction limit, lower and upper data limits, upper
//! prediction limit), or all `nk + 2 m1`.
//!
//! # Basis
//! As the P-spline's ([`super::ps`]): `splines::spline.des` within the
//! interior knots, linear continuation beyond them.
//!
//! # Penalties
//! Exactly, on the interior knots: the `m_i`-th derivative is a piecewise
//! polynomial of degree `p = m1 - m_i`, so it is determined by its values at
//! `p + 1` evenly spaced points per interval, and the integral of its square
//! is `d' W d` for those values `d = D β` and the block-diagonal (blocks
//! overlapping at shared interval ends) Gram matrix `W` of the Lagrange
//! polynomials through them, scaled by the interval's half-width: `S = D' W D`
//! (mgcv forms the same matrix through a banded Cholesky factor of `W`). For
//! `p = 0` the derivative is piecewise constant: one midpoint per interval,
//! `W = diag(h)`. Each penalty has rank `k - m_i`; mgcv reports the null
//! space dimension `min(m_i)`.

use faer::Mat;
use serde::{Deserialize, Serialize};

use super::BasisFn;
use super::cr::{check_knots, check_training, check_user_knots, corrupt, one_covariate, stored_penalty, term_error};
use super::ps::{bspline_design, even_knots, r_seq};
use crate::error::Result;
use crate::linalg::StoredMat;

/// The smallest basis dimension mgcv uses when `k` is not given.
pub const DEFAULT_K: usize = 10;

/// A B-spline basis with derivative penalties fitted to training values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BsBasis {
    /// The term as written, for error messages.
    term: String,
    /// The `k + m1 + 1` knots, ascending (mgcv's `object$knots`).
    knots: Vec<f64>,
    /// `(m1, m2, ...)`: B-spline order `m1 + 1`, then the penalised derivative orders.
    m: Vec<usize>,
    /// One `k x k` penalty per penalised derivative order.
    s: Vec<StoredMat>,
}

/// mgcv's orders for a given `m` (`None` entries are `NA`), checked: every
/// penalty order at most `m1` and no two alike. `term` labels errors.
pub(crate) fn orders(term: &str, m: &[Option<usize>]) -> Result<Vec<usize>> {
    let mut m: Vec<Option<usize>> = match m {
        [] => vec![None, None],
        [v] => vec![*v, v.map(|v| v.saturating_sub(1))],
        _ => m.to_vec(),
    };
    if m[0].is_none() {
        m[0] = Some(m[1].map_or(3, |m2| m2 + 1));
        if m[1].is_none() {
            m[1] = Some(2);
        }
    }
    let m1 = m[0].unwrap_or(3);
    if m[1].is_none() {
        m[1] = Some(m1.saturating_sub(1));
    }
    let Some(m) = m.into_iter().collect::<Option<Vec<usize>>>() else {
        return Err(term_error(
            term,
            "m: give every penalty order beyond the second as a number",
        ));
    };
    for (i, &mi) in m.iter().enumerate().skip(1) {
        if mi > m1 {
            return Err(term_error(
                term,
                format!(
                    "m[{}] = {mi}: a B-spline of degree m[1] = {m1} has no derivative of that order; use at most {m1}",
                    i + 1
                ),
            ));
        }
        if m[1..i].contains(&mi) {
            return Err(term_error(
                term,
                format!("m gives the penalty order {mi} twice; give each once"),
            ));
        }
    }
    Ok(m)
}

/// The basis dimension and orders for a requested `k` and `m`, or the error
/// naming `term`.
pub(crate) fn dims(term: &str, k: Option<usize>, m: &[Option<usize>]) -> Result<(usize, Vec<usize>)> {
    let m = orders(term, m)?;
    let m1 = m[0];
    let k = k.unwrap_or(DEFAULT_K.max(m1));
    // nk = k - m1 + 1 interior knots, at least two.
    if k < m1.saturating_add(1) {
        return Err(term_error(
            term,
            format!(
                "k = {k} is too small for B-splines of degree m[1] = {m1}: k must be at least {}",
                m1.saturating_add(1)
            ),
        ));
    }
    Ok((k, m))
}

impl BsBasis {
    /// Builds the basis for covariate values `x` with `k` basis functions
    /// (`None`: mgcv's default) and orders `m` (see `orders`); `knots` as
    /// mgcv's user knots (two, four or all `k + m1 + 1`). Fails on empty,
    /// non-finite or constant `x`, a `k` too small, impossible orders, or
    /// data outside the knots.
    pub fn new(term: &str, x: &[f64], k: Option<usize>, m: &[Option<usize>], knots: Option<&[f64]>) -> Result<BsBasis> {
        check_training(term, x)?;
        let (k, m) = dims(term, k, m)?;
        let m1 = m[0];
        let nk = k - m1 + 1;
        let (lo, hi) = x.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
        let full = nk + 2 * m1;
        let knots = match knots {
            None => {
                if lo == hi {
                    return Err(term_error(
                        term,
                        "the covariate is constant: a spline needs a range of values",
                    ));
                }
                even_knots(lo, hi, nk, m1)
            }
            Some(given) => {
                let mut sorted = given.to_vec();
                if given.len() == 2 || given.len() == 4 {
                    sorted.sort_by(f64::total_cmp);
                }
                let counts: &[usize] = if full == 4 { &[2, full] } else { &[2, 4, full] };
                check_user_knots(term, &sorted, counts, "k and m")?;
                let (a, b) = match sorted.len() {
                    2 | 4 => (sorted[0], sorted[sorted.len() - 1]),
                    _ => (sorted[m1], sorted[full - m1 - 1]),
                };
                if lo < a || hi > b {
                    return Err(term_error(
                        term,
                        format!("the data ({lo} to {hi}) must lie within the knots' range {a} to {b}: widen the knots"),
                    ));
                }
                match sorted.len() {
                    2 => even_knots(a, b, nk, m1),
                    4 if full != 4 => four_knots(&sorted, nk, m1),
                    _ => sorted,
                }
            }
        };
        check_knots(&knots).map_err(|p| term_error(term, format!("the knots {p}: give more widely spaced knots")))?;
        let s = m[1..]
            .iter()
            .map(|&d| derivative_penalty(term, &knots, m1, d).map(|s| StoredMat::from_mat(&s)))
            .collect::<Result<Vec<_>>>()?;
        Ok(BsBasis {
            term: term.to_string(),
            knots,
            m,
            s,
        })
    }

    /// The knots, ascending (mgcv's `object$knots`).
    pub fn knots(&self) -> &[f64] {
        &self.knots
    }

    /// `(m1, m2, ...)`: the spline degree, then the penalised derivative orders.
    pub fn m(&self) -> &[usize] {
        &self.m
    }

    /// Number of penalties (one per penalised derivative order).
    pub(crate) fn n_penalties(&self) -> usize {
        self.m.len().saturating_sub(1)
    }

    fn order(&self) -> usize {
        self.m.first().map_or(0, |m1| m1.saturating_add(1))
    }
}

/// mgcv's knots from four user knots: `m1 + 1` evenly spaced from
/// `k1 - m1 dx` to `k1`, `nk - 2` from `k2` to `k3`, `m1 + 1` from `k4` to
/// `k4 + m1 dx`, with `dx = (k4 - k1) / (nk - 1)`.
fn four_knots(k: &[f64], nk: usize, m1: usize) -> Vec<f64> {
    let dx = (k[3] - k[0]) / (nk - 1) as f64;
    let p = m1 as f64;
    let mut out = r_seq(k[0] - dx * p, k[0], m1 + 1);
    out.extend(r_seq(k[1], k[2], nk.saturating_sub(2)));
    out.extend(r_seq(k[3], k[3] + dx * p, m1 + 1));
    out
}

/// `∫ f^(deriv)(x)² dx` over the interior knots as a quadratic form in the
/// coefficients of the degree-`m1` B-splines on `knots` (see the module docs).
fn derivative_penalty(term: &str, knots: &[f64], m1: usize, deriv: usize) -> Result<Mat<f64>> {
    let ord = m1 + 1;
    let nk = knots.len() - 2 * m1;
    let k0 = &knots[m1..m1 + nk];
    let h: Vec<f64> = k0.windows(2).map(|w| w[1] - w[0]).collect();
    let pord = m1 - deriv;
    // the points at which the derivative is evaluated, as mgcv's cumsum gives them
    let points: Vec<f64> = if pord == 0 {
        k0.windows(2).map(|w| (w[1] + w[0]) / 2.0).collect()
    } else {
        let mut acc = k0[0];
        let mut p = vec![acc];
        for &hi in &h {
            for _ in 0..pord {
                acc += hi / pord as f64;
                p.push(acc);
            }
        }
        p
    };
    let d = bspline_design(term, knots, ord, &points, deriv)?;
    let np = points.len();
    let mut w = Mat::<f64>::zeros(np, np);
    if pord == 0 {
        for (i, &hi) in h.iter().enumerate() {
            w[(i, i)] = hi;
        }
    } else {
        let w1 = lagrange_gram(pord);
        for (i, &hi) in h.iter().enumerate() {
            let o = i * pord;
            for a in 0..=pord {
                for b in 0..=pord {
                    w[(o + a, o + b)] += w1[(a, b)] * hi / 2.0;
                }
            }
        }
    }
    let s = d.transpose() * &w * &d;
    if (0..s.nrows()).any(|i| (0..s.ncols()).any(|j| !s[(i, j)].is_finite())) {
        return Err(corrupt(term, "penalty"));
    }
    Ok(crate::linalg::symmetrise(&s))
}

/// `∫₋₁¹ L_a(s) L_b(s) ds` for the Lagrange polynomials `L_a` through
/// `p + 1` evenly spaced points on `[-1, 1]` (mgcv's `t(P) %*% H %*% P`).
fn lagrange_gram(p: usize) -> Mat<f64> {
    let nodes = r_seq(-1.0, 1.0, p + 1);
    // coefficients (ascending powers) of each L_a
    let coef: Vec<Vec<f64>> = (0..=p)
        .map(|a| {
            let mut c = vec![1.0];
            for (b, &sb) in nodes.iter().enumerate() {
                if b == a {
                    continue;
                }
                let den = nodes[a] - sb;
                let mut next = vec![0.0; c.len() + 1];
                for (i, &ci) in c.iter().enumerate() {
                    next[i + 1] += ci / den;
                    next[i] -= ci * sb / den;
                }
                c = next;
            }
            c
        })
        .collect();
    // ∫ s^(i+j) over [-1, 1]: 2 / (i + j + 1) for even i + j, else 0
    let moment = |n: usize| if n.is_multiple_of(2) { 2.0 / (n + 1) as f64 } else { 0.0 };
    Mat::from_fn(p + 1, p + 1, |a, b| {
        let mut v = 0.0;
        for (i, ca) in coef[a].iter().enumerate() {
            for (j, cb) in coef[b].iter().enumerate() {
                v += ca * cb * moment(i + j);
            }
        }
        v
    })
}

impl BasisFn for BsBasis {
    fn dim(&self) -> usize {
        self.knots.len().saturating_sub(self.order())
    }

    fn design(&self, x: &[&[f64]]) -> Result<Mat<f64>> {
        let x = one_covariate(&self.term, x)?;
        bspline_design(&self.term, &self.knots, self.order(), x, 0)
    }

    fn penalties(&self) -> Vec<Mat<f64>> {
        self.s
            .iter()
            .map(|s| stored_penalty(&self.term, s, self.dim()))
            .collect()
    }

    fn null_space_dim(&self) -> usize {
        self.m[1..].iter().copied().min().unwrap_or(0)
    }

    fn te_reparameterise(&self) -> bool {
        true
    }

    fn mgcv_class(&self) -> &'static str {
        "Bspline.smooth"
    }
}

impl BsBasis {
    /// Checks a basis read back from a model file: orders mgcv accepts,
    /// enough finite, strictly increasing knots, one `k x k` penalty per
    /// penalised order.
    pub(crate) fn check(&self) -> std::result::Result<(), String> {
        let Some(&m1) = self.m.first() else {
            return Err("no orders".into());
        };
        if self.m.len() < 2 || self.m[1..].iter().any(|&d| d > m1) {
            return Err(format!(
                "the orders {:?} are not a degree and penalty orders up to it",
                self.m
            ));
        }
        let nk = self.knots.len();
        if m1
            .checked_add(1)
            .and_then(|o| o.checked_mul(2))
            .is_none_or(|need| nk < need.max(2 * m1 + 2))
        {
            return Err(format!("{nk} knots are too few for B-splines of degree {m1}"));
        }
        check_knots(&self.knots)?;
        if self.s.len() != self.m.len() - 1 {
            return Err(format!(
                "{} penalties for {} penalty orders",
                self.s.len(),
                self.m.len() - 1
            ));
        }
        let k = self.dim();
        for (i, s) in self.s.iter().enumerate() {
            s.check(&format!("penalty {}", i + 1), k, k)?;
        }
        Ok(())
    }
}
