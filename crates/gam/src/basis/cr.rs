//! Cubic regression spline basis, mgcv's `s(x, bs = "cr")` (class `cr.smooth`).
//!
//! # Knots
//! `k` knots (default 10, at least 3) at the type-7 quantiles of the sorted
//! unique covariate values for probabilities `0, 1/(k-1), ..., 1`, i.e.
//! `quantile(unique(x), seq(0, 1, length = k))` in R.
//!
//! # Basis
//! The natural cubic interpolating spline through the knots, parameterised by
//! its values `beta_j` at the knots. With `h_j = t_{j+1} - t_j`, the second
//! derivatives at the knots are `gamma = F' beta`, where `gamma_0 =
//! gamma_{k-1} = 0` and the interior ones solve `B gamma_int = D beta` with
//! `D` the `(k-2) x k` matrix `D[i,i] = 1/h_i`, `D[i,i+1] = -1/h_i - 1/h_{i+1}`,
//! `D[i,i+2] = 1/h_{i+1}` and `B` symmetric tridiagonal with diagonal
//! `(h_i + h_{i+1})/3` and off-diagonal `h_{i+1}/6`. On `[t_j, t_{j+1}]`, with
//! `a- = t_{j+1} - x` and `a+ = x - t_j`,
//!
//! `f(x) = a-/h beta_j + a+/h beta_{j+1} + (a-^3/h - a- h)/6 gamma_j + (a+^3/h - a+ h)/6 gamma_{j+1}`.
//!
//! Outside `[t_0, t_{k-1}]` the spline continues linearly with the slope it
//! has at the end knot, as mgcv's C routine `crspl` does.
//!
//! # Penalty
//! `S = D' B^{-1} D`, the integrated squared second derivative
//! `int f''(x)^2 dx = beta' S beta`, symmetrised as mgcv does. Its null space
//! (straight lines) has dimension 2.
//!
//! This module also holds the small helpers shared by the one-dimensional
//! bases of this folder (covariate checks, sorted unique values).

use faer::Mat;
use serde::{Deserialize, Serialize};

use super::BasisFn;
use super::shrink::{SHRINK, shrink_null_space};
use crate::error::{GamError, Result};
use crate::linalg::StoredMat;

/// Basis dimension mgcv uses when `k` is not given.
pub const DEFAULT_K: usize = 10;
/// Smallest basis dimension; mgcv raises a smaller `k` to this (with a warning).
pub const MIN_K: usize = 3;

/// A cubic regression spline basis fitted to training covariate values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrBasis {
    /// The term as written, for error messages.
    term: String,
    /// The `k` knots, ascending.
    knots: Vec<f64>,
    /// `k x k`; column `j` maps the knot values to the second derivative at knot `j`
    /// (mgcv's `object$F`).
    f: StoredMat,
    /// The `k x k` penalty.
    s: StoredMat,
    /// mgcv's `"cs"`: the penalty's null space is penalised too.
    #[serde(default)]
    shrink: bool,
}

/// mgcv's fractions of the smallest positive eigenvalue that `"cs"` puts on
/// the two directions of the null space (`es$values[nk - 1]`, `[nk]`).
const CS_FRACTIONS: [f64; 2] = [SHRINK, SHRINK * SHRINK];

/// The number of knots (and basis functions) for a requested `k`: mgcv's
/// default for `None`, and never fewer than [`MIN_K`].
pub(crate) fn basis_dim(k: Option<usize>) -> usize {
    k.unwrap_or(DEFAULT_K).max(MIN_K)
}

/// 1/6, so that the inner loop multiplies instead of dividing.
const SIXTH: f64 = 1.0 / 6.0;

impl CrBasis {
    /// Builds the basis for covariate values `x` with `k` knots (`None`: mgcv's
    /// default 10; values below 3 are raised to 3 as mgcv does). `term` labels
    /// error messages. Fails when `x` is empty or not finite, or has fewer than
    /// `k` unique values.
    pub fn new(term: &str, x: &[f64], k: Option<usize>) -> Result<CrBasis> {
        CrBasis::with_options(term, x, k, None, false)
    }

    /// [`CrBasis::new`] with mgcv's user knots (`knots = list(x = ...)`:
    /// exactly `k` of them, strictly increasing; mgcv gives a wrong basis
    /// for unsorted knots, so they are refused) and the shrinkage basis
    /// `"cs"` (`shrink`).
    ///
    /// With shrinkage the null space of straight lines is penalised with
    /// fractions 0.1 and 0.01 of the smallest positive eigenvalue. mgcv
    /// takes the two directions from LAPACK's eigenvectors for the two
    /// rounding-level eigenvalues: one of them vanishes at the first knot
    /// (LAPACK's reduction makes it so), the other is orthogonal to it, and
    /// which of the two gets 0.1 depends on the signs of rounding errors
    /// (about half of the data sets tried each way; it cannot be predicted
    /// without LAPACK's exact arithmetic). Here the direction vanishing at
    /// the first knot gets 0.1: when mgcv made the other choice, fits differ
    /// slightly (measured: criterion 6.7e-4 relative, fitted values
    /// 8.5e-4·sd(y)); when it made this one they agree to rounding.
    pub fn with_options(
        term: &str,
        x: &[f64],
        k: Option<usize>,
        knots: Option<&[f64]>,
        shrink: bool,
    ) -> Result<CrBasis> {
        check_training(term, x)?;
        let k = basis_dim(k);
        let unique = sorted_unique(x);
        if unique.len() < k {
            return Err(too_few_unique(term, unique.len(), k));
        }
        let knots = match knots {
            None => quantile_knots(&unique, k),
            Some(given) => {
                check_user_knots(term, given, &[k], "k")?;
                given.to_vec()
            }
        };
        let (f, mut s) = f_and_penalty(&knots);
        if shrink {
            let t0 = knots[0];
            let a: Vec<f64> = knots.iter().map(|t| t - t0).collect();
            let na = a.iter().map(|v| v * v).sum::<f64>().sqrt();
            let dot: f64 = a.iter().sum::<f64>() / na;
            let b: Vec<f64> = a.iter().map(|v| 1.0 - dot * v / na).collect();
            let nb = b.iter().map(|v| v * v).sum::<f64>().sqrt();
            let null = Mat::from_fn(k, 2, |i, j| if j == 0 { a[i] / na } else { b[i] / nb });
            s = shrink_null_space(&s, &null, &CS_FRACTIONS, term)?;
        }
        Ok(CrBasis {
            term: term.to_string(),
            knots,
            f: StoredMat::from_mat(&f),
            s: StoredMat::from_mat(&s),
            shrink,
        })
    }

    /// Whether this is mgcv's shrinkage basis `"cs"`.
    pub fn shrinks(&self) -> bool {
        self.shrink
    }

    /// The knots, ascending (mgcv's `object$xp`).
    pub fn knots(&self) -> &[f64] {
        &self.knots
    }

    /// The `k x k` matrix whose column `j` maps knot values to the second
    /// derivative of the spline at knot `j` (mgcv's `object$F` as a matrix).
    pub fn second_derivative_map(&self) -> Mat<f64> {
        stored_or_empty(&self.f)
    }
}

impl BasisFn for CrBasis {
    fn dim(&self) -> usize {
        self.knots.len()
    }

    fn design(&self, x: &[&[f64]]) -> Result<Mat<f64>> {
        let x = one_covariate(&self.term, x)?;
        check_finite(&self.term, x)?;
        let t = &self.knots;
        let nk = t.len();
        if nk < MIN_K || !t.is_sorted_by(|a, b| a < b) {
            return Err(corrupt(&self.term, "knots"));
        }
        check_stored(&self.term, &self.f, nk, nk)?;
        let f = self.f.to_mat();
        let (kmin, kmax) = (t[0], t[nk - 1]);
        // Each row is `cm·F[:, j] + cp·F[:, j+1]` plus two entries at j, j+1 (the
        // second-derivative coefficients and the linear interpolation weights): first those
        // six numbers per row, then the matrix column by column (it is stored by columns).
        let inv_h: Vec<f64> = t.windows(2).map(|w| 1.0 / (w[1] - w[0])).collect();
        let mut at = vec![0usize; x.len()];
        let mut coef = vec![[0.0f64; 4]; x.len()];
        for (i, &xi) in x.iter().enumerate() {
            let (j, c) = if xi < kmin {
                // linear continuation below the first knot
                let h = t[1] - kmin;
                let d = xi - kmin;
                (0, [-d * h / 3.0, -d * h / 6.0, 1.0 - d / h, d / h])
            } else if xi > kmax {
                // linear continuation above the last knot
                let h = kmax - t[nk - 2];
                let d = xi - kmax;
                (nk - 2, [d * h / 6.0, d * h / 3.0, -d / h, 1.0 + d / h])
            } else {
                // The interval by counting the inner knots below x: the same j as a bisection
                // (an interior knot belongs to the interval on its left) without its
                // data-dependent branches, which mispredict on
                // unsorted data and dominated the cost of rebuilding X by chunks; products with
                // 1/h and 1/6 rather than divisions, whose latency was the next cost.
                let j = t[1..nk - 1].iter().map(|&k| usize::from(xi > k)).sum::<usize>();
                let h = t[j + 1] - t[j];
                let ih = inv_h[j];
                let am = t[j + 1] - xi;
                let ap = xi - t[j];
                (
                    j,
                    [
                        am * (am * am * ih - h) * SIXTH,
                        ap * (ap * ap * ih - h) * SIXTH,
                        am * ih,
                        ap * ih,
                    ],
                )
            };
            at[i] = j;
            coef[i] = c;
        }
        let mut out = Mat::<f64>::zeros(x.len(), nk);
        for c in 0..nk {
            let col = out
                .col_mut(c)
                .try_as_col_major_mut()
                .expect("a fresh matrix is column-major")
                .as_slice_mut();
            let f_c: Vec<f64> = (0..nk).map(|j| f[(c, j)]).collect();
            for ((o, &j), &[cm, cp, _, _]) in col.iter_mut().zip(&at).zip(&coef) {
                *o = cm * f_c[j] + cp * f_c[j + 1];
            }
        }
        for (i, (&j, c)) in at.iter().zip(&coef).enumerate() {
            out[(i, j)] += c[2];
            out[(i, j + 1)] += c[3];
        }
        Ok(out)
    }

    fn penalties(&self) -> Vec<Mat<f64>> {
        vec![stored_or_empty(&self.s)]
    }

    fn null_space_dim(&self) -> usize {
        if self.shrink { 0 } else { 2 }
    }

    fn te_reparameterise(&self) -> bool {
        false
    }

    fn mgcv_class(&self) -> &'static str {
        if self.shrink { "cs.smooth" } else { "cr.smooth" }
    }
}

impl CrBasis {
    /// Checks a basis read back from a model file: at least [`MIN_K`]
    /// finite, strictly increasing knots and `k x k` matrices `F` and `S`.
    pub(crate) fn check(&self) -> std::result::Result<(), String> {
        let k = self.knots.len();
        if k < MIN_K {
            return Err(format!("{k} knots, but a cubic regression spline has at least {MIN_K}"));
        }
        check_knots(&self.knots)?;
        self.f.check("its second-derivative map F", k, k)?;
        self.s.check("its penalty", k, k)
    }
}

/// R's type-7 quantiles of the sorted values `u` at `k` evenly spaced
/// probabilities from 0 to 1 (`quantile(u, seq(0, 1, length = k))`).
fn quantile_knots(u: &[f64], k: usize) -> Vec<f64> {
    let n = u.len();
    let step = 1.0 / (k - 1) as f64;
    (0..k)
        .map(|i| {
            let p = if i == 0 {
                0.0
            } else if i == k - 1 {
                1.0
            } else {
                i as f64 * step
            };
            let index = 1.0 + (n - 1) as f64 * p;
            let lo = index.floor();
            let hi = index.ceil();
            // 1-based positions, both in 1..=n
            let q_lo = u[lo as usize - 1];
            let q_hi = u[hi as usize - 1];
            if index > lo && q_hi != q_lo {
                let h = index - lo;
                (1.0 - h) * q_lo + h * q_hi
            } else {
                q_lo
            }
        })
        .collect()
}

/// The second-derivative map `F` (`k x k`, column `j` gives the second
/// derivative at knot `j`) and the penalty `S = D' B^{-1} D` for the knots.
fn f_and_penalty(t: &[f64]) -> (Mat<f64>, Mat<f64>) {
    let n = t.len();
    let m = n - 2;
    let h: Vec<f64> = t.windows(2).map(|w| w[1] - w[0]).collect();
    let d = Mat::from_fn(m, n, |i, j| {
        if j == i {
            1.0 / h[i]
        } else if j == i + 1 {
            -1.0 / h[i] - 1.0 / h[i + 1]
        } else if j == i + 2 {
            1.0 / h[i + 1]
        } else {
            0.0
        }
    });
    let diag: Vec<f64> = (0..m).map(|i| (h[i] + h[i + 1]) / 3.0).collect();
    let off: Vec<f64> = (1..m).map(|i| h[i] / 6.0).collect();
    let bd = solve_spd_tridiagonal(&diag, &off, &d);
    let f = Mat::from_fn(n, n, |r, c| if c == 0 || c == n - 1 { 0.0 } else { bd[(c - 1, r)] });
    let s = d.transpose() * &bd;
    let s = Mat::from_fn(n, n, |i, j| (s[(i, j)] + s[(j, i)]) / 2.0);
    (f, s)
}

/// Solves `T Y = R` for a symmetric positive definite tridiagonal `T` given by
/// its diagonal and off-diagonal, via `T = L diag(d) L'` (LAPACK's `dptsv` method).
fn solve_spd_tridiagonal(diag: &[f64], off: &[f64], rhs: &Mat<f64>) -> Mat<f64> {
    let m = diag.len();
    let mut d = vec![0.0; m];
    let mut l = vec![0.0; m];
    d[0] = diag[0];
    for i in 1..m {
        l[i] = off[i - 1] / d[i - 1];
        d[i] = diag[i] - l[i] * off[i - 1];
    }
    let mut y = rhs.clone();
    for c in 0..y.ncols() {
        for i in 1..m {
            y[(i, c)] -= l[i] * y[(i - 1, c)];
        }
        y[(m - 1, c)] /= d[m - 1];
        for i in (0..m - 1).rev() {
            y[(i, c)] = y[(i, c)] / d[i] - l[i + 1] * y[(i + 1, c)];
        }
    }
    y
}

/// A [`GamError::Term`] for `term`.
pub(crate) fn term_error(term: &str, message: impl Into<String>) -> GamError {
    GamError::Term {
        term: term.to_string(),
        message: message.into(),
    }
}

/// The error for a covariate with fewer unique values than the basis needs knots.
pub(crate) fn too_few_unique(term: &str, unique: usize, k: usize) -> GamError {
    term_error(
        term,
        format!("the covariate has only {unique} unique values, fewer than k = {k}: reduce k"),
    )
}

/// The single covariate of a one-dimensional basis, or an error if there is not exactly one.
pub(crate) fn one_covariate<'a>(term: &str, x: &[&'a [f64]]) -> Result<&'a [f64]> {
    match x {
        [x] => Ok(x),
        _ => Err(term_error(
            term,
            format!("this basis takes one covariate, but {} were given", x.len()),
        )),
    }
}

/// Fails on the first non-finite covariate value (1-based position in the message).
pub(crate) fn check_finite(term: &str, x: &[f64]) -> Result<()> {
    match x.iter().position(|v| !v.is_finite()) {
        Some(i) => Err(term_error(
            term,
            format!("covariate value {} is {}, not a finite number", i + 1, x[i]),
        )),
        None => Ok(()),
    }
}

/// The error for a deserialised basis whose fields do not fit together.
pub(crate) fn corrupt(term: &str, what: &str) -> GamError {
    term_error(term, format!("the saved basis is inconsistent ({what})"))
}

/// Checks knots read back from a model file: finite and strictly increasing
/// (every one-dimensional basis locates a covariate value by bisection).
pub(crate) fn check_knots(knots: &[f64]) -> std::result::Result<(), String> {
    if let Some(i) = knots.iter().position(|v| !v.is_finite()) {
        return Err(format!("knot {} is not a finite number", i + 1));
    }
    match knots.windows(2).position(|w| w[0] >= w[1]) {
        Some(i) => Err(format!("knots {} and {} are not increasing", i + 1, i + 2)),
        None => Ok(()),
    }
}

/// Checks user knots (mgcv's `knots = list(x = ...)`): as many as one of
/// `counts` (`what` names the argument they must agree with, for the
/// message), finite and strictly increasing.
pub(crate) fn check_user_knots(term: &str, knots: &[f64], counts: &[usize], what: &str) -> Result<()> {
    if !counts.contains(&knots.len()) {
        let want = counts.iter().map(usize::to_string).collect::<Vec<_>>().join(" or ");
        return Err(term_error(
            term,
            format!(
                "{} knots given but this basis needs {want} here ({what}): give that many knots or change {what}",
                knots.len()
            ),
        ));
    }
    check_knots(knots).map_err(|problem| {
        term_error(
            term,
            format!("user knots: {problem}; give them finite and in increasing order"),
        )
    })
}

/// Checks that a deserialised matrix has the expected shape and storage.
pub(crate) fn check_stored(term: &str, m: &StoredMat, rows: usize, cols: usize) -> Result<()> {
    if m.rows != rows || m.cols != cols || m.data.len() != rows * cols {
        return Err(corrupt(term, "matrix shape"));
    }
    Ok(())
}

/// A stored `k x k` penalty, or an empty matrix if its shape is not that
/// (a corrupt model file; `check` reports it, evaluation must not panic).
pub(crate) fn stored_penalty(term: &str, s: &StoredMat, k: usize) -> Mat<f64> {
    match check_stored(term, s, k, k) {
        Ok(()) => s.to_mat(),
        Err(_) => Mat::zeros(0, 0),
    }
}

/// The stored matrix, or an empty one if its storage is inconsistent (so
/// that a corrupt model file cannot cause a panic; `design` reports it).
pub(crate) fn stored_or_empty(m: &StoredMat) -> Mat<f64> {
    if m.data.len() == m.rows * m.cols {
        m.to_mat()
    } else {
        Mat::zeros(0, 0)
    }
}

/// Checks training covariate values: non-empty and finite.
pub(crate) fn check_training(term: &str, x: &[f64]) -> Result<()> {
    if x.is_empty() {
        return Err(term_error(term, "no data to build the basis from"));
    }
    check_finite(term, x)
}

/// The distinct values of `x`, ascending (R's `sort(unique(x))`).
pub(crate) fn sorted_unique(x: &[f64]) -> Vec<f64> {
    let mut u = x.to_vec();
    u.sort_by(f64::total_cmp);
    u.dedup_by(|a, b| a == b);
    u
}

/// Reading the mgcv reference files under `tests/data/bases` (made by
/// `make_refs.R` there) and comparing matrices with them.
#[cfg(test)]
pub(crate) mod test_support {
    use faer::Mat;
    use serde_json::Value;

    /// Largest accepted `max |ours - mgcv|` relative to the largest absolute
    /// entry of mgcv's matrix.
    pub(crate) const REL_TOL: f64 = 1e-12;

    /// Parses `tests/data/bases/<name>.json`.
    pub(crate) fn load(name: &str) -> Value {
        let path = format!("{}/tests/data/bases/{name}.json", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// A numeric array field.
    pub(crate) fn vector(v: &Value, field: &str) -> Vec<f64> {
        v[field]
            .as_array()
            .unwrap_or_else(|| panic!("{field} is not an array"))
            .iter()
            .map(|e| e.as_f64().unwrap_or_else(|| panic!("{field}: {e} is not a number")))
            .collect()
    }

    /// A matrix field stored as an array of rows.
    pub(crate) fn matrix(v: &Value, field: &str) -> Mat<f64> {
        let rows: Vec<Vec<f64>> = v[field]
            .as_array()
            .unwrap_or_else(|| panic!("{field} is not an array"))
            .iter()
            .map(|r| {
                r.as_array()
                    .unwrap_or_else(|| panic!("{field}: row is not an array"))
                    .iter()
                    .map(|e| e.as_f64().unwrap_or_else(|| panic!("{field}: {e} is not a number")))
                    .collect()
            })
            .collect();
        let ncol = rows.first().map_or(0, Vec::len);
        Mat::from_fn(rows.len(), ncol, |i, j| rows[i][j])
    }

    /// `max |a - b| / max |b|`, after checking the shapes agree.
    pub(crate) fn rel_err(what: &str, a: &Mat<f64>, b: &Mat<f64>) -> f64 {
        assert_eq!((a.nrows(), a.ncols()), (b.nrows(), b.ncols()), "{what}: shape");
        let mut scale = 0.0f64;
        let mut err = 0.0f64;
        for i in 0..b.nrows() {
            for j in 0..b.ncols() {
                scale = scale.max(b[(i, j)].abs());
                err = err.max((a[(i, j)] - b[(i, j)]).abs());
            }
        }
        if scale > 0.0 { err / scale } else { err }
    }

    /// Asserts that a basis built from reference `r`'s `x` matches mgcv's
    /// knots, model matrix, penalty, prediction matrix at `newx` and null
    /// space dimension, all recorded in `r`.
    pub(crate) fn assert_matches_mgcv(name: &str, r: &Value, b: &dyn crate::basis::BasisFn, knots: &[f64]) {
        let x = vector(r, "x");
        let ref_knots = vector(r, "knots");
        assert_close(
            &format!("{name} knots"),
            &Mat::from_fn(1, knots.len(), |_, j| knots[j]),
            &Mat::from_fn(1, ref_knots.len(), |_, j| ref_knots[j]),
        );
        assert_close(&format!("{name} X"), &b.design(&[&x]).unwrap(), &matrix(r, "X"));
        assert_close(&format!("{name} S"), &b.penalties()[0], &matrix(r, "S"));
        let newx = vector(r, "newx");
        assert_close(&format!("{name} Xp"), &b.design(&[&newx]).unwrap(), &matrix(r, "Xp"));
        assert_eq!(r["null_space_dim"].as_u64(), Some(b.null_space_dim() as u64));
    }

    /// Asserts `a` matches mgcv's `b` to [`REL_TOL`]; returns the relative error.
    pub(crate) fn assert_close(what: &str, a: &Mat<f64>, b: &Mat<f64>) -> f64 {
        let e = rel_err(what, a, b);
        assert!(e <= REL_TOL, "{what}: relative error {e:e} > {REL_TOL:e}");
        e
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::{assert_matches_mgcv, load, vector};
    use super::*;

    /// Relative change allowed by a JSON round trip (float parsing may be one ulp off).
    const ROUND_TRIP_TOL: f64 = 1e-14;

    fn check_case(name: &str, k: Option<usize>) {
        let r = load(name);
        assert_eq!(r["class"], "cr.smooth");
        let x = vector(&r, "x");
        let b = CrBasis::new("s(x)", &x, k).unwrap();
        assert_matches_mgcv(name, &r, &b, b.knots());
    }

    #[test]
    fn matches_mgcv_mcycle() {
        check_case("cr_mcycle", None);
    }

    #[test]
    fn matches_mgcv_gamsim_x2() {
        check_case("cr_gamsim_x2", Some(10));
    }

    #[test]
    fn matches_mgcv_ties() {
        check_case("cr_ties", Some(6));
    }

    #[test]
    fn matches_mgcv_short() {
        check_case("cr_short", Some(3));
    }

    #[test]
    fn too_few_unique_values_is_an_error() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 7.0, 1.0];
        let e = CrBasis::new("s(x)", &x, None).unwrap_err().to_string();
        assert_eq!(
            e,
            "term s(x): the covariate has only 7 unique values, fewer than k = 10: reduce k"
        );
    }

    #[test]
    fn small_k_is_raised_to_three() {
        let x = [0.0, 1.0, 2.0, 3.0];
        assert_eq!(CrBasis::new("s(x)", &x, Some(2)).unwrap().dim(), 3);
    }

    #[test]
    fn bad_covariates_are_errors() {
        assert!(CrBasis::new("s(x)", &[], None).is_err());
        assert!(CrBasis::new("s(x)", &[0.0, f64::NAN, 1.0, 2.0], Some(3)).is_err());
        let b = CrBasis::new("s(x)", &[0.0, 1.0, 2.0, 3.0], Some(3)).unwrap();
        assert!(b.design(&[&[0.5, f64::INFINITY]]).is_err());
        assert!(b.design(&[]).is_err());
        assert!(b.design(&[&[0.5], &[0.5]]).is_err());
        assert_eq!(b.design(&[&[]]).unwrap().nrows(), 0);
    }

    #[test]
    fn rows_sum_to_one_and_reproduce_lines() {
        // the basis interpolates, so constants and straight lines are reproduced,
        // also when extrapolating
        let x: Vec<f64> = (0..50)
            .map(|i| (i as f64 * 0.37).sin() * 3.0 + i as f64 * 0.1)
            .collect();
        let b = CrBasis::new("s(x)", &x, Some(8)).unwrap();
        let newx = [-10.0, -3.0, 0.0, 1.234, 5.0, 20.0];
        let xp = b.design(&[&newx]).unwrap();
        for (i, &v) in newx.iter().enumerate() {
            let ones: f64 = (0..b.dim()).map(|j| xp[(i, j)]).sum();
            let line: f64 = (0..b.dim()).map(|j| xp[(i, j)] * (2.0 * b.knots()[j] - 1.0)).sum();
            assert!((ones - 1.0).abs() < 1e-12);
            assert!((line - (2.0 * v - 1.0)).abs() < 1e-10);
        }
    }

    #[test]
    fn serde_round_trip() {
        let x: Vec<f64> = (0..30).map(|i| (i * i % 17) as f64).collect();
        let b = CrBasis::new("s(x)", &x, Some(5)).unwrap();
        let json = serde_json::to_string(&b).unwrap();
        let back: CrBasis = serde_json::from_str(&json).unwrap();
        // serde_json without its `float_roundtrip` feature may read a float
        // back one ulp off, so compare the bases through what they compute
        let newx = [-1.0, 0.5, 7.0, 20.0];
        let e = test_support::rel_err(
            "round trip",
            &back.design(&[&newx]).unwrap(),
            &b.design(&[&newx]).unwrap(),
        );
        assert!(e < ROUND_TRIP_TOL);
        let mut broken = b.clone();
        broken.f.data.pop();
        assert!(broken.design(&[&[1.0]]).is_err());
        assert_eq!(broken.second_derivative_map().nrows(), 0);
    }
}
