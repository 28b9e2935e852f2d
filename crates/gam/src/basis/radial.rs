//! What the Gaussian process (`gp`) and Duchon spline (`ds`) bases share:
//! mgcv builds both in R (not in the thin plate spline's C code), with the
//! same knot choice and centring, and their model matrix rows have the thin
//! plate spline's form `[k(|x - knot_i|)_i UZ, phi_j(x)_j]` with another
//! radial function `k` (see [`crate::basis::tp`]; the evaluation is tp's).
//!
//! # Knots, as mgcv's R constructors choose them
//!
//! - User knots (`knots = list(x = ..., z = ...)`, all the term's
//!   covariates) are used as given, duplicates included, unless there are
//!   more of them than data rows: then mgcv ignores them (with a warning).
//! - Otherwise the unique covariate rows `xu <- uniquecombs(x, TRUE)`,
//!   in that function's order (numeric for one covariate, the rows' text
//!   for several: `knots::uniquecombs_order`); with more than
//!   `xt$max.knots` of them, `xu[sample(nu, max.knots), ]` drawn with R's
//!   generator seeded by `xt$seed`, kept in the order drawn.
//! - mgcv refuses fewer unique covariate rows than `k`, with or without
//!   user knots.
//!
//! Covariates and knots are then centred by the covariates' means
//! (`colMeans`). The knots are kept in mgcv's order because mgcv's Lanczos
//! iteration, reproduced here (`tp::decompose::mgcv_lanczos`), starts from a
//! fixed vector over them; the eigenvectors' signs stay free.
//!
//! Knots with symmetries (a regular grid) give the kernel matrix repeated
//! eigenvalues: Lanczos finds the further vectors of such an eigenspace only
//! through rounding errors, so mgcv's basis, and this one, are then an
//! arbitrary rotation within it (the fit is the same when the truncation
//! keeps whole eigenspaces). Covariate data rarely have such symmetries.

use faer::Mat;
use serde::{Deserialize, Serialize};

use crate::basis::BasisFn;
use crate::basis::tp::kernel::{Radial, eval_rows, poly_powers};
use crate::basis::tp::{check_covariates, knots, too_few_unique, unique_rows};
use crate::error::{GamError, Result};
use crate::linalg::StoredMat;

/// The covariate means, and the knots mgcv chooses (centred by them).
pub(crate) struct Centred {
    /// The covariate means subtracted.
    pub shift: Vec<f64>,
    /// The centred knots, `n_knots x d`.
    pub knots: Mat<f64>,
}

/// Checks the covariates and chooses the knots as mgcv's `gp` and `ds`
/// constructors do (see the module documentation); `k` is the basis
/// dimension asked for (before mgcv's minimum), refused when the data have
/// fewer unique rows.
pub(crate) fn centred_knots(
    term: &str,
    x: &[&[f64]],
    k: usize,
    user: Option<&[Vec<f64>]>,
    max_knots: Option<usize>,
    seed: Option<i32>,
) -> Result<Centred> {
    let term_err = |message: String| GamError::Term {
        term: term.to_string(),
        message,
    };
    let d = x.len();
    if d == 0 {
        return Err(term_err("the smooth needs at least one covariate".into()));
    }
    check_covariates(term, x, d)?;
    let n = x[0].len();
    if n == 0 {
        return Err(term_err("no data".into()));
    }
    let uniq = unique_rows(x);
    let nu = uniq.n_unique();
    if nu < k {
        return Err(too_few_unique(term, d, nu, k, false));
    }
    let user = match user {
        Some(u) if u.len() != d => {
            return Err(term_err(format!(
                "knots given for {} covariates, the term has {d}",
                u.len()
            )));
        }
        Some(u) => {
            let len = u[0].len();
            if u.iter().any(|c| c.len() != len) {
                return Err(term_err(
                    "the knots of the term's covariates differ in number: give the same number for each".into(),
                ));
            }
            if u.iter().flatten().any(|v| !v.is_finite()) {
                return Err(term_err("a knot is not finite".into()));
            }
            // mgcv ignores more knots than data (with a warning).
            (len <= n).then_some(u)
        }
        None => None,
    };
    let raw = if let Some(u) = user {
        Mat::from_fn(u[0].len(), d, |i, j| u[j][i])
    } else {
        let rows = if nu > max_knots.unwrap_or(knots::DEFAULT_MAX_KNOTS) {
            let max = max_knots.unwrap_or(knots::DEFAULT_MAX_KNOTS);
            knots::sample_order(&uniq.values, d, max, seed.unwrap_or(knots::DEFAULT_SEED))
        } else {
            knots::uniquecombs_order(&uniq.values, d)
        };
        Mat::from_fn(rows.len(), d, |i, j| uniq.values[rows[i] * d + j])
    };
    // colMeans: one pass.
    let shift: Vec<f64> = x.iter().map(|c| c.iter().sum::<f64>() / n as f64).collect();
    let knots = Mat::from_fn(raw.nrows(), d, |i, j| raw[(i, j)] - shift[j]);
    Ok(Centred { shift, knots })
}

/// The part of a fitted `gp` or `ds` basis that evaluates it: model matrix
/// rows `[k(|x - shift - knot_i|)_i, phi_j(x - shift)_j] UZ`, where `UZ`
/// maps the basis coefficients to the kernel and polynomial coefficients
/// (its lower right block the identity, the polynomial part being
/// unpenalised columns of the basis).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RadialPart {
    /// Covariate means subtracted before evaluating.
    shift: Vec<f64>,
    /// Knots (centred), `n_knots x d`.
    knots: StoredMat,
    /// Map from basis coefficients to kernel and polynomial coefficients,
    /// `(n_knots + M) x k`.
    uz: StoredMat,
    /// Polynomial order of the null space: monomials of degree below this.
    poly_order: usize,
    /// Number of null space monomials `M`.
    null_dim: usize,
    /// The penalty, `k x k`.
    penalty: StoredMat,
}

impl RadialPart {
    /// The part for centred `knots`, the kernel-side map `u` (`n_knots x
    /// (k - M)`), the basis's `penalty` (`k x k`) and the `M` monomials of
    /// degree below `poly_order`.
    pub(crate) fn new(
        shift: Vec<f64>,
        knots: &Mat<f64>,
        u: &Mat<f64>,
        penalty: &Mat<f64>,
        poly_order: usize,
        null_dim: usize,
    ) -> RadialPart {
        let (nk, p) = (u.nrows(), u.ncols());
        let uz = Mat::from_fn(nk + null_dim, p + null_dim, |i, j| match (i < nk, j < p) {
            (true, true) => u[(i, j)],
            (false, false) if i - nk == j - p => 1.0,
            _ => 0.0,
        });
        RadialPart {
            shift,
            knots: StoredMat::from_mat(knots),
            uz: StoredMat::from_mat(&uz),
            poly_order,
            null_dim,
            penalty: StoredMat::from_mat(penalty),
        }
    }

    /// The penalty, `k x k`.
    pub(crate) fn penalty(&self) -> Mat<f64> {
        self.penalty.to_mat()
    }

    /// Number of covariates.
    pub(crate) fn d(&self) -> usize {
        self.shift.len()
    }

    /// Number of null space (polynomial) functions `M`.
    pub(crate) fn null_dim(&self) -> usize {
        self.null_dim
    }

    /// Number of basis functions.
    pub(crate) fn dim(&self) -> usize {
        self.uz.cols
    }

    /// The covariate means subtracted before evaluating.
    pub fn shift(&self) -> &[f64] {
        &self.shift
    }

    /// The knots, centred: `n_knots x d`.
    pub fn knots(&self) -> Mat<f64> {
        self.knots.to_mat()
    }

    /// Model matrix rows at already centred covariates (one vector each).
    pub(crate) fn rows_centred(&self, x: &[Vec<f64>], kernel: impl Radial) -> Mat<f64> {
        let d = self.d();
        let n = x.first().map_or(0, Vec::len);
        let xm = Mat::from_fn(n, d, |i, j| x[j][i]);
        let powers = poly_powers(d, self.poly_order, self.null_dim);
        eval_rows(&xm, &self.knots.to_mat(), &self.uz.to_mat(), kernel, &powers)
    }

    /// Model matrix rows at covariates as given, for the term `term`.
    pub(crate) fn design(&self, term: &str, x: &[&[f64]], kernel: impl Radial) -> Result<Mat<f64>> {
        let d = self.d();
        if x.len() != d {
            return Err(GamError::Term {
                term: term.to_string(),
                message: format!("expected {d} covariates, got {}", x.len()),
            });
        }
        check_covariates(term, x, d)?;
        self.check().map_err(|problem| GamError::Term {
            term: term.to_string(),
            message: format!("the stored basis is inconsistent: {problem} (damaged model?)"),
        })?;
        let centred: Vec<Vec<f64>> = x
            .iter()
            .zip(&self.shift)
            .map(|(c, s)| c.iter().map(|v| v - s).collect())
            .collect();
        Ok(self.rows_centred(&centred, kernel))
    }

    /// Checks the part read back from a model file: finite shifts, knots
    /// of `d` columns, a `UZ` with one row per knot and monomial and finite
    /// entries, and a null space of the monomials its order gives.
    pub(crate) fn check(&self) -> std::result::Result<(), String> {
        let d = self.d();
        if d == 0 || self.shift.iter().any(|v| !v.is_finite()) {
            return Err(format!("{} finite shifts", self.shift.len()));
        }
        let nk = self.knots.rows;
        self.knots.check("its knots", nk, d)?;
        if self.knots.data.iter().any(|v| !v.is_finite()) {
            return Err("a knot is not finite".into());
        }
        // choose(order + d - 1, d) monomials of degree below the order.
        let expected = (0..d).try_fold(1usize, |c, i| {
            c.checked_mul(self.poly_order.checked_add(i)?).map(|v| v / (i + 1))
        });
        if self.poly_order == 0 || expected != Some(self.null_dim) {
            return Err(format!(
                "{} null space functions for polynomials of degree below {} in {d} dimensions",
                self.null_dim, self.poly_order
            ));
        }
        let k = self.uz.cols;
        if k <= self.null_dim || nk < k - self.null_dim {
            return Err(format!(
                "{k} basis functions for {nk} knots and {} null space functions",
                self.null_dim
            ));
        }
        self.uz.check("its map UZ", nk.saturating_add(self.null_dim), k)?;
        if self.uz.data.iter().any(|v| !v.is_finite()) {
            return Err("its map UZ has a non-finite entry".into());
        }
        self.penalty.check("its penalty", k, k)?;
        if self.penalty.data.iter().any(|v| !v.is_finite()) {
            return Err("its penalty has a non-finite entry".into());
        }
        Ok(())
    }
}

/// A basis made of a [`RadialPart`] and a radial function (`gp`, `ds`): it
/// is a [`BasisFn`] through them.
pub(crate) trait RadialBasis {
    /// The radial function's type.
    type Kernel: Radial;
    /// mgcv's class name.
    const CLASS: &'static str;
    /// The term as written, for error messages.
    fn term(&self) -> &str;
    /// Knots, centring, coefficient map and penalty.
    fn radial(&self) -> &RadialPart;
    /// The radial function.
    fn kernel(&self) -> Self::Kernel;
}

impl<B: RadialBasis> BasisFn for B {
    fn dim(&self) -> usize {
        self.radial().dim()
    }

    fn design(&self, x: &[&[f64]]) -> Result<Mat<f64>> {
        self.radial().design(self.term(), x, self.kernel())
    }

    fn penalties(&self) -> Vec<Mat<f64>> {
        vec![self.radial().penalty()]
    }

    fn null_space_dim(&self) -> usize {
        self.radial().null_dim()
    }

    fn te_reparameterise(&self) -> bool {
        true
    }

    fn mgcv_class(&self) -> &'static str {
        B::CLASS
    }
}
