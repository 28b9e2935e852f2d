//! Thin plate regression splines: mgcv's default smooth (`bs = "tp"`, class
//! `tprs.smooth`), for any number `d` of covariates (the fidelity tests cover
//! `d = 1, 2, 3, 5`).
//!
//! # Mathematics
//!
//! The thin plate spline of penalty order `m` (with `2m > d`) in `d`
//! dimensions, with knots `x_1..x_K`, is
//! `f(x) = sum_i delta_i eta(|x - x_i|) + sum_j alpha_j phi_j(x)`, where
//!
//! - `eta(r) = c r^(2m-d) log r` for even `d` and `eta(r) = c r^(2m-d)` for
//!   odd `d`; for even `d`, `c = (-1)^(m+1+d/2) / (2^(2m-1) pi^(d/2) (m-1)! (m-d/2)!)`,
//!   for odd `d`, `c = Gamma(d/2-m) / (2^(2m) pi^(d/2) (m-1)!)` (the
//!   constant scales the penalty, so it must be mgcv's);
//! - `phi_1..phi_M` are the `M = choose(m+d-1, d)` monomials of degree `< m`
//!   (mgcv's order: for `d = 2, m = 2`: `1, x, z`), spanning the penalty's
//!   null space;
//! - the coefficients satisfy `T' delta = 0` with `T_ij = phi_j(x_i)`, and the
//!   wiggliness penalty is `delta' E delta` with `E_ij = eta(|x_i - x_j|)`.
//!
//! The regression spline truncates `E` to its `k` eigenvalues of largest
//! magnitude, `E ~ U_k D_k U_k'` (ordered by decreasing value, as mgcv's Lanczos
//! routine returns them), and sets `delta = U_k delta_k`. The constraint
//! `T' U_k delta_k = 0` is absorbed with mgcv's Householder "QT" factorisation
//! `(T' U_k) Q = [0, B]` (row `i` is reflected onto column `k-1-i`): `Z`, the
//! first `k - M` columns of `Q`, spans the constraint's null space and
//! `delta_k = Z beta`. The model matrix and penalty are then
//! `X = [U_k D_k Z, T]` and `S = [[Z' D_k Z, 0], [0, 0]]`, and the map from the
//! basis coefficients to the full spline's `(delta, alpha)` is
//! `UZ = [[U_k Z, 0], [0, I_M]]`, so that a new point `x` has model matrix row
//! `[eta(|x - x_i|)_i, phi_j(x)_j] UZ`. Finally every column of `X` is scaled
//! to unit root mean square over the training rows (`X -> XW`, `S -> WSW`,
//! `UZ -> UZ W`).
//!
//! When exactly `k` knots exist there is no truncation (mgcv's "pure knot"
//! branch): `U_k = I`, `D_k` is replaced by `E` itself.
//!
//! # Data handling, as in mgcv
//!
//! - Covariates are centred by their means (`shift`), before anything else.
//! - The knots are the unique covariate combinations, sorted lexicographically
//!   (ties in the data share a row of the eigenproblem).
//! - With more than [`MAX_KNOTS`] unique combinations (mgcv's
//!   `xt$max.knots`), mgcv samples that many of them with R's random number
//!   generator (`xt$seed`, default 1); module [`knots`] reproduces the
//!   sample exactly. User knots replace the data as knots.
//! - `m = c(m, 0)` drops the null space (mgcv's `drop.null`): the last `M`
//!   columns go and the others are centred over the training rows, in place
//!   of the centring constraint. `bs = "ts"` penalises the null space with
//!   a tenth of the smallest positive eigenvalue (module `shrink`).
//!
//! # Agreement with mgcv
//!
//! mgcv computes the truncated eigen-decomposition with Lanczos iterations;
//! here it is exact (faer's symmetric eigensolver), which agrees with mgcv's
//! converged Ritz pairs to about `1e-11`. An eigenvector's sign is arbitrary;
//! mgcv's comes out of LAPACK's tridiagonal solver inside its Lanczos loop and
//! cannot be predicted, so here each eigenvector is oriented to have a
//! positive inner product with mgcv's deterministic Lanczos start vector. The
//! Householder factorisation is sign-equivariant, so a flipped eigenvector
//! flips exactly the corresponding column of `X` (and row/column of `S`,
//! column of `UZ`): bases agree with mgcv's up to column signs. That flips
//! the signs of the corresponding coefficients but changes no fitted value,
//! smoothing parameter, penalty rescaling (mgcv's norms are sign-blind) or
//! `te` margin (reparameterised to function values).
//!
//! # Cost
//!
//! Construction is dominated by the dense eigen-decomposition of the
//! `n_knots x n_knots` matrix `E` (about a second at 2000 knots). Evaluating
//! the model matrix costs `O(n_unique * n_knots * (d + k))`: rows with equal
//! covariates are evaluated once, and blocks of rows run on separate threads.

use std::sync::{Arc, OnceLock};

use faer::Mat;
use serde::{Deserialize, Serialize};

use crate::basis::BasisFn;
use crate::basis::shrink::{SHRINK, shrink_null_space};
use crate::error::{GamError, Result};
use crate::linalg::StoredMat;

pub(crate) mod decompose;
pub(crate) mod kernel;
pub mod knots;
pub(crate) mod piecewise;
pub(crate) mod rng;
mod support;

use decompose::{qt_orthogonal, truncated_eigen};
use kernel::{eta_matrix, eval_rows, poly_matrix, poly_powers, rows_at_knots, tp_eta};
use piecewise::Piecewise1d;
use support::null_space_dim;
pub(crate) use support::{UniqueRows, check_covariates, dims, mean, too_few_unique, unique_rows};

/// The largest number of knots: with more unique covariate combinations than
/// this, a subset of this size is used (mgcv's `xt$max.knots` default).
pub const MAX_KNOTS: usize = knots::DEFAULT_MAX_KNOTS;

/// mgcv's default basis dimension is `M + DEFAULT_K_EXTRA[min(d, 3) - 1]`.
const DEFAULT_K_EXTRA: [usize; 3] = [8, 27, 100];

/// A thin plate regression spline basis fitted to training covariates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TpBasis {
    /// The term as written, for error messages.
    term: String,
    /// Number of covariates.
    d: usize,
    /// Penalty order actually used (after mgcv's defaulting).
    m: usize,
    /// Null space dimension `M`.
    null_dim: usize,
    /// Basis dimension.
    k: usize,
    /// Covariate means subtracted before everything else.
    shift: Vec<f64>,
    /// Knots (centred), `n_knots x d`, sorted lexicographically.
    knots: StoredMat,
    /// Map from basis coefficients to thin plate spline coefficients, `(n_knots + M) x k`, column-scaled.
    uz: StoredMat,
    /// The penalty, `k x k` (`(k - M) x (k - M)` with the null space
    /// dropped), column-scaled and symmetric.
    penalty: StoredMat,
    /// mgcv's `"ts"`: the null space is penalised too.
    #[serde(default)]
    shrink: bool,
    /// `m = c(m, 0)`: the null space columns are dropped.
    #[serde(default)]
    drop_null: bool,
    /// With the null space dropped, the training column means subtracted
    /// from every model matrix row (mgcv's `cmX`), one per kept column.
    #[serde(default)]
    cm_x: Vec<f64>,
    /// The model matrix rows at the knots, kept from construction when the
    /// knots are the unique training points; not saved.
    #[serde(skip)]
    knot_rows: KnotRows,
    /// One covariate, knots that are not the unique training points (a subset beyond
    /// `max.knots`, or the user's): many rows are evaluated by piecewise polynomials. Absent
    /// from older model files, which evaluate directly as they did.
    #[serde(default)]
    piecewise_rows: bool,
    /// With one covariate, the basis as piecewise polynomials, built the first time many rows
    /// are evaluated; not saved.
    #[serde(skip)]
    piecewise: PiecewiseCache,
}

/// [`piecewise::Piecewise1d`] once built. A cache, not part of the basis (as [`KnotRows`]).
#[derive(Clone, Default)]
struct PiecewiseCache(OnceLock<Arc<Piecewise1d>>);

impl PartialEq for PiecewiseCache {
    fn eq(&self, _: &PiecewiseCache) -> bool {
        true
    }
}

impl std::fmt::Debug for PiecewiseCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.get().is_some() {
            "PiecewiseCache(built)"
        } else {
            "PiecewiseCache(none)"
        })
    }
}

/// The model matrix rows at the knots, `[E T] UZ` (`n_knots x k`, before
/// `cm_x`), as [`TpBasis::with_options`] has `E` at hand.
///
/// Set up, the model matrix is wanted at the training data twice (for the
/// constraint's column sums and for the fit), and each evaluation of `eta`
/// at every (point, knot) pair costs as much as the rest of a small fit.
/// When the knots are the unique training points the rows at the training
/// data are these rows, bit for bit (see [`kernel::rows_at_knots`]). A
/// cache, not part of the basis: two bases are equal whether or not they
/// hold it, and a basis read from a model file does not.
#[derive(Clone, Default)]
struct KnotRows(Option<Arc<Mat<f64>>>);

impl PartialEq for KnotRows {
    fn eq(&self, _: &KnotRows) -> bool {
        true
    }
}

impl std::fmt::Debug for KnotRows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "KnotRows(held)"
        } else {
            "KnotRows(none)"
        })
    }
}

/// mgcv's options of a thin plate smooth besides the data and `k`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TpOptions {
    /// Penalty order (`m[1]`; `None` for the default).
    pub m: Option<usize>,
    /// `m[2] == 0`: drop the null space (mgcv's `drop.null`).
    pub drop_null: bool,
    /// The shrinkage basis `"ts"`.
    pub shrink: bool,
    /// `xt$max.knots` (default [`knots::DEFAULT_MAX_KNOTS`]).
    pub max_knots: Option<usize>,
    /// `xt$seed` (default [`knots::DEFAULT_SEED`]).
    pub seed: Option<i32>,
    /// User knots, one vector per covariate (uncentred), all the same length.
    pub knots: Option<Vec<Vec<f64>>>,
}

impl TpBasis {
    /// Builds the basis as mgcv's `smooth.construct.tp.smooth.spec` does.
    ///
    /// `term` labels errors, `x` holds one slice per covariate (all the same
    /// length), `k` is the basis dimension (`-1`, or any negative value, for
    /// mgcv's default `M + 8` for one covariate, `M + 27` for two, `M + 100`
    /// for more; values below `M + 1` are raised to `M + 1`, as mgcv does with
    /// a warning), and `m` the penalty order (`None`, or any `m` with
    /// `2m <= d`, for mgcv's default, the smallest `m` with `2m > d + 1`:
    /// 2 for one or two covariates).
    ///
    /// Errors (naming `term`) when the covariates differ in length, are
    /// empty or not finite, or have fewer unique combinations than `k`.
    pub fn new(term: &str, x: &[&[f64]], k: i64, m: Option<usize>) -> Result<TpBasis> {
        TpBasis::with_options(
            term,
            x,
            k,
            &TpOptions {
                m,
                ..TpOptions::default()
            },
        )
    }

    /// [`TpBasis::new`] with mgcv's further options: `m = c(m, 0)` (drop the
    /// null space), the shrinkage basis `"ts"`, `xt = list(max.knots, seed)`
    /// and user knots (see [`TpOptions`]).
    pub fn with_options(term: &str, x: &[&[f64]], k: i64, opts: &TpOptions) -> Result<TpBasis> {
        let term_err = |message: String| GamError::Term {
            term: term.to_string(),
            message,
        };
        let d = x.len();
        if d == 0 {
            return Err(term_err("a thin plate spline needs at least one covariate".into()));
        }
        let n = x[0].len();
        check_covariates(term, x, d)?;
        if n == 0 {
            return Err(term_err("no data".into()));
        }

        let (m, null_dim, k) = dims(d, k, opts.m);

        let shift: Vec<f64> = x.iter().map(|xj| mean(xj)).collect();
        let centred: Vec<Vec<f64>> = x
            .iter()
            .zip(&shift)
            .map(|(xj, s)| xj.iter().map(|v| v - s).collect())
            .collect();
        let cols: Vec<&[f64]> = centred.iter().map(|c| c.as_slice()).collect();
        let uniq = unique_rows(&cols);
        let n_unique = uniq.n_unique();

        // User knots, centred as the data; mgcv ignores more knots than
        // data (with a warning) and uses the data when fewer than k remain.
        let user_knots = match &opts.knots {
            Some(kn) if kn.len() != d => {
                return Err(term_err(format!(
                    "knots given for {} covariates, the term has {d}",
                    kn.len()
                )));
            }
            Some(kn) if kn.first().map_or(0, Vec::len) <= n => {
                let len = kn[0].len();
                if let Some(j) = kn.iter().position(|c| c.len() != len) {
                    return Err(term_err(format!(
                        "covariate {} has {} knots, covariate 1 has {len}: give each covariate of the term the same number",
                        j + 1,
                        kn[j].len()
                    )));
                }
                let kc: Vec<Vec<f64>> = kn
                    .iter()
                    .zip(&shift)
                    .map(|(c, s)| c.iter().map(|v| v - s).collect())
                    .collect();
                let refs: Vec<&[f64]> = kc.iter().map(Vec::as_slice).collect();
                check_covariates(term, &refs, d)?;
                let u = unique_rows(&refs);
                (len >= k).then_some(u)
            }
            _ => None,
        };
        let knot_count = user_knots.as_ref().map_or(n_unique, UniqueRows::n_unique);
        if knot_count < k {
            return Err(too_few_unique(term, d, knot_count, k, user_knots.is_some()));
        }

        // Knots: the user's, a sample of the unique points drawn as mgcv
        // draws it, or all unique points.
        let max_knots = opts.max_knots.unwrap_or(knots::DEFAULT_MAX_KNOTS);
        let knots = if let Some(u) = &user_knots {
            Mat::from_fn(u.n_unique(), d, |i, j| u.values[i * d + j])
        } else if n_unique > max_knots && k <= max_knots {
            let rows = knots::sampled_rows(&uniq.values, d, max_knots, opts.seed.unwrap_or(knots::DEFAULT_SEED));
            Mat::from_fn(rows.len(), d, |i, j| uniq.values[rows[i] * d + j])
        } else {
            Mat::from_fn(n_unique, d, |i, j| uniq.values[i * d + j])
        };
        // Whether the knots are exactly the unique data points.
        let data_knots = knots.nrows() == n_unique && user_knots.is_none();
        let n_knots = knots.nrows();

        let powers = poly_powers(d, m, null_dim);
        let e = eta_matrix(&knots, tp_eta(m, d));
        let t = poly_matrix(&knots, &powers);

        // Truncated eigenbasis U (n_knots x k) and the core C with E U = U C.
        let (u, core) = if n_knots == k {
            (Mat::<f64>::identity(k, k), e.clone())
        } else {
            let (u, values) = truncated_eigen(&e, k, term)?;
            (u, Mat::from_fn(k, k, |i, j| if i == j { values[i] } else { 0.0 }))
        };

        // Absorb T' U delta_k = 0.
        let tu = t.transpose() * &u;
        let q = qt_orthogonal(&tu);
        let p = k - null_dim;
        let z = q.subcols(0, p).to_owned();
        let uz_top = &u * &z;
        let s_top = z.transpose() * (&core * &z);

        let mut uz = Mat::<f64>::zeros(n_knots + null_dim, k);
        uz.submatrix_mut(0, 0, n_knots, p).copy_from(&uz_top);
        for j in 0..null_dim {
            uz[(n_knots + j, p + j)] = 1.0;
        }

        // Model matrix at the unique training points, before scaling.
        // With one covariate and at least as many points as knots, by the piecewise polynomials
        // (module piecewise).
        let piecewise = !data_knots && d == 1 && n_unique >= n_knots;
        let x_unique = if piecewise {
            Piecewise1d::new(
                knots.col_as_slice(0),
                &uz,
                &powers_1d(&powers),
                tp_eta(m, 1).at(1.0),
                2 * m - 1,
            )
            .eval(&uniq.values, k, |_| 0.0)
        } else if !data_knots {
            let xu = Mat::from_fn(n_unique, d, |i, j| uniq.values[i * d + j]);
            eval_rows(&xu, &knots, &uz, tp_eta(m, d), &powers)
        } else {
            let pen = &u * (&core * &z);
            Mat::from_fn(n_knots, k, |i, j| if j < p { pen[(i, j)] } else { t[(i, j - p)] })
        };

        // Unit root mean square columns over the n training rows.
        let mut scale = vec![0.0; k];
        for (i, &count) in uniq.counts.iter().enumerate() {
            for (j, sc) in scale.iter_mut().enumerate() {
                *sc += count as f64 * x_unique[(i, j)] * x_unique[(i, j)];
            }
        }
        for (j, sc) in scale.iter_mut().enumerate() {
            *sc = (*sc / n as f64).sqrt();
            if !(*sc > 0.0 && sc.is_finite()) {
                return Err(term_err(format!(
                    "basis function {} is zero at every data point (is a covariate constant?)",
                    j + 1
                )));
            }
        }
        let uz = Mat::from_fn(uz.nrows(), k, |i, j| uz[(i, j)] / scale[j]);
        let knot_rows = KnotRows(data_knots.then(|| Arc::new(rows_at_knots(&e, &t, &uz))));
        let mut penalty = Mat::from_fn(k, k, |i, j| {
            if i < p && j < p {
                0.5 * (s_top[(i, j)] + s_top[(j, i)]) / (scale[i] * scale[j])
            } else {
                0.0
            }
        });
        if opts.shrink {
            // mgcv sets all M null eigenvalues to SHRINK λ_r; the null
            // space is that of the last M (polynomial) coefficients.
            let null = Mat::from_fn(k, null_dim, |i, j| if i == p + j { 1.0 } else { 0.0 });
            penalty = shrink_null_space(&penalty, &null, &vec![SHRINK; null_dim], term)?;
        }
        // m = c(m, 0): the null space columns (the last M) are dropped and
        // the rest centred over the training rows, instead of a constraint.
        let cm_x = if opts.drop_null {
            let mut cm = vec![0.0; p];
            for (i, &count) in uniq.counts.iter().enumerate() {
                for (j, c) in cm.iter_mut().enumerate() {
                    *c += count as f64 * x_unique[(i, j)] / scale[j];
                }
            }
            penalty = penalty.submatrix(0, 0, p, p).to_owned();
            cm.iter().map(|c| c / n as f64).collect()
        } else {
            Vec::new()
        };

        let basis = TpBasis {
            term: term.to_string(),
            d,
            m,
            null_dim,
            k,
            shift,
            knots: StoredMat::from_mat(&knots),
            uz: StoredMat::from_mat(&uz),
            penalty: StoredMat::from_mat(&penalty),
            shrink: opts.shrink,
            drop_null: opts.drop_null,
            cm_x,
            knot_rows,
            piecewise_rows: piecewise,
            piecewise: PiecewiseCache::default(),
        };
        if piecewise {
            // Built again from the stored (scaled) matrices, exactly as a basis read back from a
            // model file builds it, so that both predict the same bits.
            let pw = Arc::new(basis.piecewise_polynomials());
            let _ = basis.piecewise.0.set(pw);
        }
        Ok(basis)
    }

    /// Errors if the stored matrices do not fit together (a damaged model file).
    /// The one-covariate basis as [`Piecewise1d`].
    fn piecewise_polynomials(&self) -> Piecewise1d {
        let powers = powers_1d(&poly_powers(1, self.m, self.null_dim));
        Piecewise1d::new(
            &self.knots.data,
            &self.uz.to_mat(),
            &powers,
            tp_eta(self.m, 1).at(1.0),
            2 * self.m - 1,
        )
    }

    fn check_consistent(&self) -> Result<()> {
        self.check().map_err(|problem| GamError::Term {
            term: self.term.clone(),
            message: format!("the stored thin plate spline basis is inconsistent: {problem} (damaged model?)"),
        })
    }

    /// Checks a basis read back from a model file: `2m > d`, the null space
    /// dimension and `k` agree with `d` and `m`, the shift, knots, `UZ` and
    /// penalty have the sizes these imply and finite entries. The stored
    /// shift and penalty bound `d` and `k` first, and `k` bounds `m` (the null
    /// space has at least `m` monomials), so that nothing below is computed
    /// from an absurd size.
    pub(crate) fn check(&self) -> std::result::Result<(), String> {
        let (d, m, k) = (self.d, self.m, self.k);
        if d == 0 || self.shift.len() != d || self.shift.iter().any(|v| !v.is_finite()) {
            return Err(format!("{} finite shifts for {d} covariates", self.shift.len()));
        }
        let dim = if self.drop_null {
            k.saturating_sub(self.null_dim)
        } else {
            k
        };
        self.penalty.check("its penalty", dim, dim)?;
        if self.cm_x.len() != if self.drop_null { dim } else { 0 } || self.cm_x.iter().any(|v| !v.is_finite()) {
            return Err(format!("{} finite column means for {dim} columns", self.cm_x.len()));
        }
        if m > k || m * 2 <= d {
            return Err(format!(
                "penalty order m = {m} does not suit {d} covariates and k = {k}"
            ));
        }
        if self.null_dim != null_space_dim(d, m) || k <= self.null_dim {
            return Err(format!(
                "null space dimension {} for m = {m}, d = {d}, k = {k}",
                self.null_dim
            ));
        }
        let n_knots = self.knots.rows;
        self.knots.check("its knots", n_knots, d)?;
        if n_knots < k {
            return Err(format!("{n_knots} knots, fewer than k = {k}"));
        }
        // Piecewise evaluation finds a row's interval among ascending knots of one covariate.
        if self.piecewise_rows && (d != 1 || self.knots.data.windows(2).any(|w| w[0] >= w[1])) {
            return Err("piecewise evaluation needs one covariate's knots, strictly ascending".into());
        }
        self.uz.check("its map UZ", n_knots + self.null_dim, k)
    }

    /// Number of covariates.
    pub(crate) fn n_covariates(&self) -> usize {
        self.d
    }

    /// Whether this is mgcv's shrinkage basis `"ts"`.
    pub fn shrinks(&self) -> bool {
        self.shrink
    }

    /// The penalty order `m` used (after mgcv's defaulting).
    pub fn order(&self) -> usize {
        self.m
    }

    /// The covariate means subtracted before evaluating the basis.
    pub fn shift(&self) -> &[f64] {
        &self.shift
    }

    /// The knots, centred: `n_knots x d`, one row per unique covariate combination.
    pub fn knots(&self) -> Mat<f64> {
        self.knots.to_mat()
    }

    /// The map from basis coefficients to thin plate spline coefficients
    /// (mgcv's `UZ`): `(n_knots + M) x k`.
    pub fn uz(&self) -> Mat<f64> {
        self.uz.to_mat()
    }
}

impl BasisFn for TpBasis {
    fn dim(&self) -> usize {
        if self.drop_null { self.k - self.null_dim } else { self.k }
    }

    fn design(&self, x: &[&[f64]]) -> Result<Mat<f64>> {
        if x.len() != self.d {
            return Err(GamError::Term {
                term: self.term.clone(),
                message: format!("expected {} covariates, got {}", self.d, x.len()),
            });
        }
        check_covariates(&self.term, x, self.d)?;
        self.check_consistent()?;
        let centred: Vec<Vec<f64>> = x
            .iter()
            .zip(&self.shift)
            .map(|(xj, s)| xj.iter().map(|v| v - s).collect())
            .collect();
        let cm = |j: usize| self.cm_x.get(j).copied().unwrap_or(0.0);
        if self.piecewise_rows && centred[0].len() >= self.knots.rows {
            // Many rows of one covariate: polynomials between the knots (module piecewise).
            let pw = self.piecewise.0.get_or_init(|| Arc::new(self.piecewise_polynomials()));
            return Ok(pw.eval(&centred[0], self.dim(), cm));
        }
        let cols: Vec<&[f64]> = centred.iter().map(|c| c.as_slice()).collect();
        let uniq = unique_rows(&cols);
        let at_knots = self.knot_rows.0.as_deref().filter(|_| {
            // The rows asked for are the knots themselves (the training data).
            uniq.values.len() == self.knots.data.len()
                && uniq
                    .values
                    .iter()
                    .zip(&self.knots.data)
                    .all(|(a, b)| a.to_bits() == b.to_bits())
        });
        let evaluated;
        let rows = match at_knots {
            Some(rows) => rows,
            None => {
                let xu = Mat::from_fn(uniq.n_unique(), self.d, |i, j| uniq.values[i * self.d + j]);
                let powers = poly_powers(self.d, self.m, self.null_dim);
                evaluated = eval_rows(
                    &xu,
                    &self.knots.to_mat(),
                    &self.uz.to_mat(),
                    tp_eta(self.m, self.d),
                    &powers,
                );
                &evaluated
            }
        };
        Ok(Mat::from_fn(uniq.row_to_unique.len(), self.dim(), |i, j| {
            rows[(uniq.row_to_unique[i], j)] - cm(j)
        }))
    }

    fn penalties(&self) -> Vec<Mat<f64>> {
        vec![self.penalty.to_mat()]
    }

    fn null_space_dim(&self) -> usize {
        if self.shrink || self.drop_null {
            0
        } else {
            self.null_dim
        }
    }

    fn te_reparameterise(&self) -> bool {
        true
    }

    fn mgcv_class(&self) -> &'static str {
        if self.shrink { "ts.smooth" } else { "tprs.smooth" }
    }
}

/// The monomials' degrees of a one-covariate basis.
fn powers_1d(powers: &[Vec<u32>]) -> Vec<u32> {
    powers.iter().map(|p| p[0]).collect()
}

#[cfg(test)]
mod tests;
