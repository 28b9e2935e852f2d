//! P-spline basis, mgcv's `s(x, bs = "ps")` (class `pspline.smooth`): B-splines
//! on evenly spaced knots with a difference penalty on their coefficients
//! (Eilers and Marx).
//!
//! # Knots
//! With `m = (m1, m2)` (default `(2, 2)`: cubic B-splines, second-order
//! differences), `k` basis functions (default `max(10, m1 + 1)`) and
//! `nk = k - m1` knots spanning the data: the covariate range `[a, b]` is
//! widened by 0.1% of its width at each end to `[a', b']`, the spacing is
//! `dx = (b' - a') / (nk - 1)`, and the `nk + 2 m1 + 2` knots run evenly from
//! `a' - (m1 + 1) dx` to `b' + (m1 + 1) dx`.
//!
//! # Basis
//! The `k` B-splines of order `m1 + 2` (degree `m1 + 1`) on those knots,
//! evaluated by the Cox–de Boor recursion as R's `splines::spline.des` does.
//! They form a partition of unity on `[a', b']` (the knots `t_{m1+1}` and
//! `t_{nk+m1}`); outside it each basis function continues linearly along its
//! tangent at the nearer end, as mgcv's `Predict.matrix.pspline.smooth` does.
//! (For linear B-splines, `m1 = 0`, `spline.des` reports a zero slope at the
//! upper end, so the continuation above `b'` is constant, as in mgcv.)
//!
//! # Penalty
//! `S = D' D` with `D` the `(k - m2) x k` matrix of `m2`-th order differences
//! (`diff(diag(k), differences = m2)`; the identity for `m2 = 0`). Its null
//! space, polynomials of degree below `m2` in the coefficient index, has
//! dimension `m2`.

use faer::Mat;
use serde::{Deserialize, Serialize};

use super::BasisFn;
use super::cr::{
    check_finite, check_knots, check_training, check_user_knots, corrupt, one_covariate, stored_penalty, term_error,
};
use crate::error::Result;
use crate::linalg::StoredMat;

/// mgcv's default `m`: cubic B-splines with a second-order difference penalty.
pub const DEFAULT_M: [usize; 2] = [2, 2];
/// The smallest basis dimension mgcv uses when `k` is not given.
pub const DEFAULT_K: usize = 10;
/// Fraction of the covariate range by which the knot span is widened at each end.
const RANGE_EXTENSION: f64 = 0.001;

/// A P-spline basis fitted to training covariate values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PsBasis {
    /// The term as written, for error messages.
    term: String,
    /// The `k + m1 + 2` knots, ascending (mgcv's `object$knots`).
    knots: Vec<f64>,
    /// `(m1, m2)`: B-spline order `m1 + 2`, difference order `m2`.
    m: [usize; 2],
    /// The `k x k` penalty.
    s: StoredMat,
}

/// The basis dimension and orders `(m1, m2)` for a requested `k` and `m`
/// (see [`PsBasis::new`]), or the error naming `term` when they do not fit
/// together.
pub(crate) fn dims(term: &str, k: Option<usize>, m: &[usize]) -> Result<(usize, [usize; 2])> {
    let m = match *m {
        [] => DEFAULT_M,
        [v] => [v, v],
        [m1, m2] => [m1, m2],
        _ => {
            return Err(term_error(
                term,
                format!("m has {} values; a P-spline takes at most two (m1, m2)", m.len()),
            ));
        }
    };
    let [m1, m2] = m;
    let k = k.unwrap_or(DEFAULT_K.max(m1.saturating_add(1)));
    if k < m1.saturating_add(2) {
        return Err(term_error(
            term,
            format!(
                "k = {k} is too small for B-splines of order m[1] + 2 = {}: k must be at least {}",
                m1.saturating_add(2),
                m1.saturating_add(2)
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

impl PsBasis {
    /// Builds the basis for covariate values `x` with `k` basis functions
    /// (`None`: mgcv's default `max(10, m1 + 1)`) and orders `m` as in mgcv's
    /// `m` argument: empty for `(2, 2)`, one value `v` for `(v, v)`, or
    /// `(m1, m2)`. `term` labels error messages. Fails when `x` is empty, not
    /// finite or constant, when `k < m1 + 2`, or when `m2 >= k`.
    pub fn new(term: &str, x: &[f64], k: Option<usize>, m: &[usize]) -> Result<PsBasis> {
        PsBasis::with_knots(term, x, k, m, None)
    }

    /// [`PsBasis::new`] with mgcv's user knots (`knots = list(x = ...)`):
    /// two, a range containing the data that replaces the data's range; or
    /// all `k + m1 + 2`, strictly increasing, with the data inside the range
    /// where the B-splines sum to one (knots `m1 + 2` to `k + 1`, 1-based;
    /// mgcv's `splineDesign` refuses data outside it).
    pub fn with_knots(term: &str, x: &[f64], k: Option<usize>, m: &[usize], knots: Option<&[f64]>) -> Result<PsBasis> {
        check_training(term, x)?;
        let (k, m) = dims(term, k, m)?;
        let [m1, m2] = m;
        let (lo, hi) = x.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
        if lo == hi {
            return Err(term_error(
                term,
                "the covariate is constant: a spline needs a range of values",
            ));
        }
        let knots = match knots {
            None => even_knots(lo, hi, k - m1, m1 + 1),
            Some(given) => {
                // Two ends in either order, as mgcv takes their min and max.
                let mut sorted_ends = given.to_vec();
                if given.len() == 2 {
                    sorted_ends.sort_by(f64::total_cmp);
                }
                let given = sorted_ends.as_slice();
                let full = k + m1 + 2;
                check_user_knots(term, given, &[2, full], "k and m")?;
                let (a, b) = (given[0], given[given.len() - 1]);
                let (inner_lo, inner_hi) = if given.len() == 2 {
                    (a, b)
                } else {
                    (given[m1 + 1], given[k])
                };
                if lo < inner_lo || hi > inner_hi {
                    return Err(term_error(
                        term,
                        format!(
                            "the data ({lo} to {hi}) must lie within the knots' range {inner_lo} to {inner_hi}{}: widen the knots",
                            if given.len() == 2 {
                                ""
                            } else {
                                " (knots m1 + 2 to k + 1)"
                            }
                        ),
                    ));
                }
                if given.len() == 2 {
                    even_knots(a, b, k - m1, m1 + 1)
                } else {
                    given.to_vec()
                }
            }
        };
        Ok(PsBasis {
            term: term.to_string(),
            knots,
            m,
            s: StoredMat::from_mat(&difference_penalty(k, m2)),
        })
    }

    /// The knots, ascending (mgcv's `object$knots`).
    pub fn knots(&self) -> &[f64] {
        &self.knots
    }

    /// `(m1, m2)`: B-spline order `m1 + 2` and difference penalty order `m2`.
    pub fn m(&self) -> [usize; 2] {
        self.m
    }

    /// The B-spline order (`m1 + 2`; 4 for cubic).
    fn order(&self) -> usize {
        self.m[0].saturating_add(2)
    }
}

impl BasisFn for PsBasis {
    fn dim(&self) -> usize {
        self.knots.len().saturating_sub(self.order())
    }

    fn design(&self, x: &[&[f64]]) -> Result<Mat<f64>> {
        let x = one_covariate(&self.term, x)?;
        bspline_design(&self.term, &self.knots, self.order(), x, 0)
    }

    fn penalties(&self) -> Vec<Mat<f64>> {
        vec![stored_penalty(&self.term, &self.s, self.dim())]
    }

    fn null_space_dim(&self) -> usize {
        self.m[1]
    }

    fn te_reparameterise(&self) -> bool {
        true
    }

    fn mgcv_class(&self) -> &'static str {
        "pspline.smooth"
    }
}

impl PsBasis {
    /// Checks a basis read back from a model file: at least `2 (m1 + 2)`
    /// finite, strictly increasing knots (so that `k >= m1 + 2`), a
    /// difference order below `k` and a `k x k` penalty.
    pub(crate) fn check(&self) -> std::result::Result<(), String> {
        let [m1, m2] = self.m;
        let nk = self.knots.len();
        let enough = m1
            .checked_add(2)
            .and_then(|o| o.checked_mul(2))
            .is_some_and(|need| nk >= need);
        if !enough {
            return Err(format!(
                "{nk} knots are too few for B-splines of order m1 + 2 with m1 = {m1}"
            ));
        }
        check_knots(&self.knots)?;
        let k = self.dim();
        if m2 >= k {
            return Err(format!("the difference order m2 = {m2} is not below k = {k}"));
        }
        self.s.check("its penalty", k, k)
    }
}

/// `nk + 2 pad` evenly spaced knots for data in `[lo, hi]`, `pad` beyond
/// each end, as mgcv's `ps` (`pad = m1 + 1`) and `bs` (`pad = m1`)
/// constructors compute them: the range widened by 0.1% at each end, the
/// spacing `dx = (hi' - lo') / (nk - 1)`, then R's `seq`.
pub(crate) fn even_knots(lo: f64, hi: f64, nk: usize, pad: usize) -> Vec<f64> {
    let range = hi - lo;
    let lo = lo - range * RANGE_EXTENSION;
    let hi = hi + range * RANGE_EXTENSION;
    let dx = (hi - lo) / (nk - 1) as f64;
    let p = pad as f64;
    r_seq(lo - dx * p, hi + dx * p, nk + 2 * pad)
}

/// R's `seq(from, to, length.out = len)`: the interior points are
/// `from + i * ((to - from) / (len - 1))`, the ends exact.
pub(crate) fn r_seq(from: f64, to: f64, len: usize) -> Vec<f64> {
    let by = (to - from) / len.saturating_sub(1).max(1) as f64;
    (0..len)
        .map(|i| match i {
            0 => from,
            _ if i == len - 1 => to,
            _ => from + i as f64 * by,
        })
        .collect()
}

/// The model matrix (or its `deriv`-th derivative) of the B-splines of the
/// given order on knots `t` at `x`, as mgcv's
/// `Predict.matrix.pspline.smooth` computes it: `splines::spline.des`
/// inside the range where they sum to one; outside it the function
/// continues linearly along its tangent at the nearer end (so the first
/// derivative is that tangent's slope and higher ones are zero).
pub(crate) fn bspline_design(term: &str, t: &[f64], ord: usize, x: &[f64], deriv: usize) -> Result<Mat<f64>> {
    check_finite(term, x)?;
    let nk = t.len();
    if ord == 0 || nk < 2 * ord || !t.is_sorted_by(|a, b| a < b) {
        return Err(corrupt(term, "knots"));
    }
    let dim = nk - ord;
    // the range on which the B-splines sum to one
    let (ll, ul) = (t[ord - 1], t[nk - ord]);
    let mut row = vec![0.0; ord];
    let mut out = Mat::<f64>::zeros(x.len(), dim);
    // value and slope rows at the two ends, for linear continuation
    let end_rows = [ll, ul].map(|at| {
        [0, 1].map(|d| {
            let mut full = vec![0.0; dim];
            let first = bspline_row(t, ord, at, d, &mut row);
            full[first..first + ord].copy_from_slice(&row);
            full
        })
    });
    for (i, &xi) in x.iter().enumerate() {
        if xi < ll || xi > ul {
            let (e, end) = if xi < ll { (0, ll) } else { (1, ul) };
            let d = xi - end;
            for c in 0..dim {
                out[(i, c)] = match deriv {
                    0 => end_rows[e][0][c] + d * end_rows[e][1][c],
                    1 => end_rows[e][1][c],
                    _ => 0.0,
                };
            }
        } else {
            let first = bspline_row(t, ord, xi, deriv, &mut row);
            for (s, &v) in row.iter().enumerate() {
                out[(i, first + s)] = v;
            }
        }
    }
    Ok(out)
}

/// The `(k - m2) x k` matrix of `m2`-th order differences
/// (`diff(diag(k), differences = m2)`; the identity for `m2 = 0`).
pub(crate) fn difference_matrix(k: usize, m2: usize) -> Mat<f64> {
    let mut d = Mat::<f64>::identity(k, k);
    for _ in 0..m2.min(k) {
        let r = d.nrows() - 1;
        d = Mat::from_fn(r, k, |i, j| d[(i + 1, j)] - d[(i, j)]);
    }
    d
}

/// The `k x k` penalty `D' D` for the `m2`-th order difference matrix `D`.
pub(crate) fn difference_penalty(k: usize, m2: usize) -> Mat<f64> {
    let d = difference_matrix(k, m2);
    d.transpose() * &d
}

/// Values (`deriv = 0`) or `deriv`-th derivatives at `x` of the `order`
/// B-splines on knots `t` that can be non-zero there, written to
/// `out[..order]`; returns the index of the first of them. Requires distinct
/// knots and `t[order - 1] <= x <= t[len - order]`.
///
/// As in `splines::spline.des`, `x` in `[t_j, t_{j+1})` uses interval `j`
/// (the upper end `t[len - order]` uses the interval to its left), and the
/// derivative of order `order - 1` at the upper end is reported as zero.
pub(crate) fn bspline_row(t: &[f64], order: usize, x: f64, deriv: usize, out: &mut [f64]) -> usize {
    let n = t.len();
    // last knot <= x, kept inside the evaluation range
    let j = t
        .partition_point(|&v| v <= x)
        .saturating_sub(1)
        .clamp(order - 1, n - order - 1);
    let first = j + 1 - order;
    if deriv >= order || (deriv == order - 1 && deriv > 0 && x == t[n - order]) {
        out[..order].fill(0.0);
        return first;
    }
    // values of the order - deriv B-splines non-zero on interval j, then
    // deriv times d/dx B_{i,q} = (q-1) [B_{i,q-1} / (t_{i+q-1} - t_i) - B_{i+1,q-1} / (t_{i+q} - t_{i+1})]
    let mut lower = vec![0.0; order];
    bspline_values(t, order - deriv, j, x, &mut lower);
    for q in order - deriv + 1..=order {
        let first_q = j + 1 - q;
        let scale = (q - 1) as f64;
        for s in (0..q).rev() {
            let i = first_q + s;
            let left = if s >= 1 {
                lower[s - 1] / (t[i + q - 1] - t[i])
            } else {
                0.0
            };
            let right = if s + 1 < q {
                lower[s] / (t[i + q] - t[i + 1])
            } else {
                0.0
            };
            out[s] = scale * (left - right);
        }
        lower[..q].copy_from_slice(&out[..q]);
    }
    if deriv == 0 {
        out[..order].copy_from_slice(&lower[..order]);
    }
    first
}

/// The `order` B-splines of the given order that can be non-zero on
/// `[t_j, t_{j+1})`, at `x`, by the triangular Cox–de Boor recursion.
pub(crate) fn bspline_values(t: &[f64], order: usize, j: usize, x: f64, b: &mut [f64]) {
    b[0] = 1.0;
    for q in 1..order {
        // raise the degree from q - 1 to q
        let mut carry = 0.0;
        for r in 0..q {
            let right = t[j + 1 + r] - x;
            let left = x - t[j + 1 + r - q];
            let w = b[r] / (right + left);
            b[r] = carry + right * w;
            carry = left * w;
        }
        b[q] = carry;
    }
}

#[cfg(test)]
mod tests {
    use super::super::cr::test_support::{assert_matches_mgcv, load, vector};
    use super::*;

    fn check_case(name: &str, k: Option<usize>, m: &[usize]) {
        let r = load(name);
        assert_eq!(r["class"], "pspline.smooth");
        let x = vector(&r, "x");
        let b = PsBasis::new("s(x)", &x, k, m).unwrap();
        assert_matches_mgcv(name, &r, &b, b.knots());
    }

    #[test]
    fn matches_mgcv_mcycle() {
        check_case("ps_mcycle", None, &[]);
    }

    #[test]
    fn matches_mgcv_mcycle_k15_m31() {
        check_case("ps_mcycle_k15_m31", Some(15), &[3, 1]);
    }

    #[test]
    fn matches_mgcv_linear_bsplines() {
        check_case("ps_mcycle_m01", Some(8), &[0, 1]);
    }

    #[test]
    fn matches_mgcv_gamsim_x2() {
        check_case("ps_gamsim_x2", Some(10), &[]);
    }

    #[test]
    fn matches_mgcv_ties() {
        check_case("ps_ties", Some(6), &[1]);
    }

    #[test]
    fn matches_mgcv_short() {
        check_case("ps_short", Some(5), &[2, 3]);
    }

    #[test]
    fn default_k_and_m() {
        let x: Vec<f64> = (0..40).map(|i| i as f64 / 3.0).collect();
        let b = PsBasis::new("s(x)", &x, None, &[]).unwrap();
        assert_eq!((b.dim(), b.m(), b.null_space_dim()), (10, [2, 2], 2));
        assert_eq!(PsBasis::new("s(x)", &x, None, &[8]).unwrap().m(), [8, 8]);
        // mgcv's default k = max(10, m1 + 1) leaves fewer than two knots for m1 >= 9
        assert!(PsBasis::new("s(x)", &x, None, &[9]).is_err());
        assert!(b.te_reparameterise());
    }

    #[test]
    fn bad_arguments_are_errors() {
        let x: Vec<f64> = (0..20).map(f64::from).collect();
        let e = PsBasis::new("s(x)", &x, Some(3), &[2, 2]).unwrap_err().to_string();
        assert!(e.contains("k must be at least 4"), "{e}");
        assert!(PsBasis::new("s(x)", &x, Some(4), &[2, 4]).is_err());
        assert!(PsBasis::new("s(x)", &x, Some(4), &[2, 3]).is_ok());
        assert!(PsBasis::new("s(x)", &x, None, &[1, 2, 3]).is_err());
        assert!(PsBasis::new("s(x)", &[2.0; 5], None, &[]).is_err());
        assert!(PsBasis::new("s(x)", &[], None, &[]).is_err());
        assert!(PsBasis::new("s(x)", &[1.0, f64::NAN], None, &[]).is_err());
        let b = PsBasis::new("s(x)", &x, None, &[]).unwrap();
        assert!(b.design(&[&[f64::NEG_INFINITY]]).is_err());
        assert!(b.design(&[&x, &x]).is_err());
    }

    #[test]
    fn partition_of_unity_and_linear_continuation() {
        let x: Vec<f64> = (0..30).map(|i| (i as f64).sqrt()).collect();
        let b = PsBasis::new("s(x)", &x, Some(12), &[]).unwrap();
        let newx = [-3.0, 0.0, 1.5, 5.385, 9.0];
        let xp = b.design(&[&newx]).unwrap();
        for i in 0..newx.len() {
            let sum: f64 = (0..b.dim()).map(|j| xp[(i, j)]).sum();
            assert!((sum - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn derivative_matches_finite_difference() {
        let t: Vec<f64> = (0..12).map(|i| i as f64 * 0.7 - 1.0).collect();
        let (mut d, mut lo, mut hi) = ([0.0; 4], [0.0; 4], [0.0; 4]);
        let (x, h) = (2.33, 1e-6);
        let first = bspline_row(&t, 4, x, 1, &mut d);
        assert_eq!(bspline_row(&t, 4, x - h, 0, &mut lo), first);
        assert_eq!(bspline_row(&t, 4, x + h, 0, &mut hi), first);
        for s in 0..4 {
            assert!((d[s] - (hi[s] - lo[s]) / (2.0 * h)).abs() < 1e-6);
        }
    }

    /// Derivatives of every order agree with central differences of the order below.
    #[test]
    fn higher_derivatives_match_finite_differences() {
        let t: Vec<f64> = (0..16)
            .map(|i| (i as f64 * 0.7 - 1.0) + 0.05 * (i as f64).sin())
            .collect();
        let (x, h) = (2.33, 1e-5);
        for order in 2..=6 {
            for deriv in 1..order {
                let (mut d, mut lo, mut hi) = ([0.0; 6], [0.0; 6], [0.0; 6]);
                let first = bspline_row(&t, order, x, deriv, &mut d);
                assert_eq!(bspline_row(&t, order, x - h, deriv - 1, &mut lo), first);
                assert_eq!(bspline_row(&t, order, x + h, deriv - 1, &mut hi), first);
                for s in 0..order {
                    let fd = (hi[s] - lo[s]) / (2.0 * h);
                    assert!(
                        (d[s] - fd).abs() < 1e-4 * (1.0 + fd.abs()),
                        "order {order} deriv {deriv}"
                    );
                }
            }
            let mut d = [1.0; 6];
            bspline_row(&t, order, x, order, &mut d);
            assert!(d[..order].iter().all(|&v| v == 0.0));
        }
    }

    #[test]
    fn corrupt_saved_basis_is_an_error() {
        let x: Vec<f64> = (0..20).map(f64::from).collect();
        let mut b = PsBasis::new("s(x)", &x, None, &[]).unwrap();
        b.knots.truncate(5);
        assert!(b.design(&[&x]).is_err());
        assert_eq!(b.penalties()[0].nrows(), 0);
    }
}
