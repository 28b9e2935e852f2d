//! Rank-deficient fits as mgcv makes them: which coefficient directions a
//! model that is not identifiable loses (`y ~ s(x0) + x0`, whose linear
//! function is both the parametric term and in the smooth's null space).
//!
//! mgcv never refuses such a model. In its penalised least-squares core
//! (`gdiPK`, `src/gdi.c` in 1.8-41) it takes the coefficients in the basis
//! `U₁ = [Y Z]` of the total penalty `S_t = Σ_j S_j / ‖S_j‖_F` (`Y` the range
//! eigenvectors in decreasing order of eigenvalue `d`, `Z` the null space;
//! `totalPenaltySpace`), stacks the scaled factors
//!
//! ```text
//! B = [ R U₁ / ‖R‖_F ;  (diag(√d) 0) / ‖√d‖₂ ]        (RᵀR = Xᵀ|W|X)
//! ```
//!
//! and runs LAPACK's pivoted QR (`dgeqp3`) on `B`. The rank is the largest
//! leading triangle whose Cline–Moler–Stewart–Wilkinson condition estimate
//! ([`r_cond`]) is at most `1 / RANK_TOL`; the columns of `U₁` past it, in
//! pivot order, are the directions whose coefficients are fixed at zero.
//! Only penalty-null columns can go: a range column's block of `B` is
//! invertible. So the outcome depends on the data, the units of the
//! covariates and the penalties, not on term order: `y ~ s(x0) + x0` loses
//! `x0`, the same model with `x0` in hundreds loses `(Intercept)`.
//!
//! `S_t` is block diagonal (one block per smooth), and LAPACK's eigensolver
//! splits it into its blocks: mgcv's `U₁` is made of per-block eigenvectors
//! and of axis vectors for every coefficient no penalty touches, which is
//! how [`penalty_space`] builds it (a general eigensolver on the whole `S_t`
//! could mix the degenerate zero cluster and decide differently). mgcv's
//! further similarity transform of the range block (`gam.reparam`) is not
//! needed: a pivoted QR's pivots do not change when `B` is multiplied by an
//! orthogonal matrix on the left, and in mgcv's range block only the
//! well-determined range columns move.
//!
//! A Gaussian identity-link fit by GCV or UBRE goes through mgcv's `magic`
//! instead, whose truncated SVD gives the minimum-norm solution: the
//! directions removed are then the whole null space of the penalised Hessian
//! ([`null_space`]).
//!
//! Guarantees: the decision follows the exact-arithmetic pivot order, so it
//! is mgcv's whenever no two candidate columns tie in norm to rounding
//! (duplicated columns, such as `s(x, by = z)` next to `z`, tie: mgcv's own
//! choice between them then varies with the data, and so may ours; the fitted
//! values, smoothing parameters, total EDF and every criterion but REML are
//! the same either way). The removed directions are fixed by a ridge in the
//! fit (see [`crate::design::penalty::Ridge`]), which gives exactly the
//! constrained solution.

use faer::{Mat, Side};

use crate::design::PenaltySet;
use crate::design::penalty::Ridge;
use crate::linalg::householder::pivoted_qr;
use crate::linalg::symmetrise;

/// mgcv's `rank.tol` (`.Machine$double.eps * 100`): a leading triangle whose
/// condition estimate exceeds `1 / RANK_TOL` is rank deficient.
pub const RANK_TOL: f64 = 100.0 * f64::EPSILON;

/// `totalPenaltySpace`'s threshold, `.Machine$double.eps^0.66`: an
/// eigenvalue of `S_t` at most this fraction of the largest is zero, and so
/// is a coefficient's row of a penalty block at most this fraction of the
/// block's largest entry (the coefficient is then an axis of the null space).
pub const PENALTY_NULL_TOL: f64 = 4.662_840_380_272_951_6e-11;

/// An eigenvalue of the unit-diagonal penalised Hessian at most this fraction
/// of the largest is a null direction for the minimum-norm solution
/// ([`null_space`]); exact aliasing leaves ratios of order 1e-16, and the fit
/// refuses near-aliasing above it ([`crate::fit::aliased::ALIAS_TOL`]).
pub const MIN_NORM_TOL: f64 = super::aliased::ALIAS_TOL;

/// mgcv's basis `U₁` of the coefficients for the rank decision: its `p`
/// columns (range directions of the total penalty first, by decreasing
/// eigenvalue, then the null directions) and the range eigenvalues.
pub struct PenaltySpace {
    /// `p × p`, orthonormal columns.
    pub u1: Mat<f64>,
    /// The eigenvalues of the range columns, decreasing (the first `d.len()` columns of `u1`).
    pub d: Vec<f64>,
}

/// [`PenaltySpace`] of the penalties: per block, `Σ_j S_j / ‖S_j‖_F`; its
/// coefficients with a zero row are axis null directions, the rest is
/// eigen-decomposed; coefficients outside every block are axis null
/// directions. `None` if an eigendecomposition fails.
pub fn penalty_space(pens: &PenaltySet, p: usize) -> Option<PenaltySpace> {
    let mut range: Vec<(f64, Vec<f64>)> = Vec::new();
    let mut null: Vec<Vec<f64>> = Vec::new();
    let mut covered = vec![false; p];
    let unit = |i: usize| {
        let mut v = vec![0.0; p];
        v[i] = 1.0;
        v
    };
    let mut candidates: Vec<(f64, Vec<f64>)> = Vec::new();
    for (offset, dim, members) in pens.blocks() {
        let mut b = Mat::<f64>::zeros(dim, dim);
        for &j in members {
            let s = &pens.penalties()[j].s;
            let norm = s.norm_l2();
            if norm > 0.0 {
                b += s * (1.0 / norm);
            }
        }
        let max = max_abs(&b);
        let rows: Vec<usize> = (0..dim)
            .filter(|&i| (0..dim).any(|k| b[(i, k)].abs() > PENALTY_NULL_TOL * max))
            .collect();
        for i in 0..dim {
            covered[offset + i] = true;
            if rows.binary_search(&i).is_err() {
                null.push(unit(offset + i));
            }
        }
        if rows.is_empty() {
            continue;
        }
        let sub = symmetrise(&Mat::from_fn(rows.len(), rows.len(), |a, c| b[(rows[a], rows[c])]));
        let eig = sub.self_adjoint_eigen(Side::Lower).ok()?;
        for c in 0..rows.len() {
            let mut v = vec![0.0; p];
            for (a, &i) in rows.iter().enumerate() {
                v[offset + i] = eig.U()[(a, c)];
            }
            candidates.push((eig.S()[c], v));
        }
    }
    let max = candidates.iter().map(|c| c.0).fold(0.0, f64::max);
    for (d, v) in candidates {
        if d > PENALTY_NULL_TOL * max {
            range.push((d, v));
        } else {
            null.push(v);
        }
    }
    null.extend((0..p).filter(|&i| !covered[i]).map(unit));
    // Decreasing eigenvalue; a stable sort keeps block order within ties.
    range.sort_by(|a, b| b.0.total_cmp(&a.0));
    let d: Vec<f64> = range.iter().map(|r| r.0).collect();
    let cols: Vec<Vec<f64>> = range.into_iter().map(|r| r.1).chain(null).collect();
    let u1 = Mat::from_fn(p, p, |i, j| cols[j][i]);
    Some(PenaltySpace { u1, d })
}

/// The directions mgcv removes (see the module doc), `p × k` with orthonormal
/// columns, from a triangular factor `r` (`rᵀr = Xᵀ|W|X`, `p` columns) and the
/// penalties; `None` when the fit keeps every coefficient or a factorisation
/// fails.
pub fn dropped_directions(r: &Mat<f64>, pens: &PenaltySet) -> Option<Mat<f64>> {
    let p = r.ncols();
    let space = penalty_space(pens, p)?;
    let r1 = r * &space.u1;
    let r_norm = r1.norm_l2();
    let e_norm = space.d.iter().sum::<f64>().sqrt();
    let (rows_r, rows_e) = (r1.nrows(), space.d.len());
    if r_norm == 0.0 || !r_norm.is_finite() {
        return None;
    }
    let b = Mat::from_fn(rows_r + rows_e, p, |i, j| {
        if i < rows_r {
            r1[(i, j)] / r_norm
        } else if i - rows_r == j {
            space.d[j].sqrt() / e_norm
        } else {
            0.0
        }
    });
    let (upper, pivot) = pivoted_qr(b);
    let mut rank = p.min(upper.nrows());
    while rank > 0 && RANK_TOL * r_cond(&upper, rank) > 1.0 {
        rank -= 1;
    }
    if rank == p {
        return None;
    }
    let dropped = &pivot[rank..];
    // A range column cannot go (its block of B is invertible); if rounding
    // says otherwise the decision is not trustworthy, and the model is refused.
    if dropped.iter().any(|&j| j < space.d.len()) {
        return None;
    }
    Some(Mat::from_fn(p, dropped.len(), |i, c| space.u1[(i, dropped[c])]))
}

/// An orthonormal basis (`p × k`) of the null space of the penalised Hessian
/// `xtwx + S_λ` (any λ > 0: the null space does not depend on it), from the
/// unit-diagonal matrix at `λ = 1`; `None` when there is none.
pub fn null_space(xtwx: &Mat<f64>, pens: &PenaltySet) -> Option<Mat<f64>> {
    let p = xtwx.nrows();
    let h = symmetrise(&(xtwx + pens.total(&vec![1.0; pens.len()])));
    let scale: Vec<f64> = (0..p)
        .map(|i| if h[(i, i)] > 0.0 { 1.0 / h[(i, i)].sqrt() } else { 1.0 })
        .collect();
    let b = Mat::from_fn(p, p, |i, j| h[(i, j)] * scale[i] * scale[j]);
    let eig = b.self_adjoint_eigen(Side::Lower).ok()?;
    let max = (0..p).map(|k| eig.S()[k]).fold(0.0, f64::max);
    let null: Vec<usize> = (0..p).filter(|&k| eig.S()[k] <= MIN_NORM_TOL * max).collect();
    if null.is_empty() {
        return None;
    }
    // Back to the original coordinates, then orthonormal there.
    let v = Mat::from_fn(p, null.len(), |i, c| eig.U()[(i, null[c])] * scale[i]);
    let q = v.qr().compute_thin_Q();
    Some(q)
}

/// The fixed ridge for removed directions `z`, weighted by the mean diagonal
/// of `xtwx` (so that the penalised Hessian stays well scaled).
pub fn ridge(z: Mat<f64>, xtwx: &Mat<f64>) -> Ridge {
    let p = xtwx.nrows().max(1);
    let mean = (0..xtwx.nrows()).map(|i| xtwx[(i, i)]).sum::<f64>() / p as f64;
    let c = if mean.is_finite() && mean > 0.0 { mean } else { 1.0 };
    Ridge { z, c }
}

/// A ridge for removed directions `z` with the weight of `like` (a fit keeps
/// its ridge's weight when it changes the directions).
pub fn ridge_like(z: Mat<f64>, like: &Ridge) -> Ridge {
    Ridge { z, c: like.c }
}

/// The coefficients that are removed directions on their own (an axis of the
/// coefficient space): their estimate and covariance are exactly zero.
pub fn removed_axes(ridge: &Ridge) -> Vec<usize> {
    let (p, k) = (ridge.z.nrows(), ridge.k());
    (0..k)
        .filter_map(|c| {
            let nonzero: Vec<usize> = (0..p).filter(|&i| ridge.z[(i, c)] != 0.0).collect();
            (nonzero.len() == 1).then_some(nonzero[0])
        })
        .collect()
}

/// mgcv's `R_cond`: the Cline, Moler, Stewart and Wilkinson (1979) estimate
/// of the condition number (∞-norm) of the leading `c × c` block of the
/// upper-triangular `r`.
pub fn r_cond(r: &Mat<f64>, c: usize) -> f64 {
    let mut p = vec![0.0; c];
    let mut y_inf = 0.0f64;
    for k in (0..c).rev() {
        let yp = (1.0 - p[k]) / r[(k, k)];
        let ym = (-1.0 - p[k]) / r[(k, k)];
        let pp: Vec<f64> = (0..k).map(|i| p[i] + r[(i, k)] * yp).collect();
        let pm: Vec<f64> = (0..k).map(|i| p[i] + r[(i, k)] * ym).collect();
        let pp_norm: f64 = pp.iter().map(|v| v.abs()).sum();
        let pm_norm: f64 = pm.iter().map(|v| v.abs()).sum();
        let y = if yp.abs() + pp_norm >= ym.abs() + pm_norm {
            p[..k].copy_from_slice(&pp);
            yp
        } else {
            p[..k].copy_from_slice(&pm);
            ym
        };
        y_inf = y_inf.max(y.abs());
    }
    let r_inf = (0..c)
        .map(|i| (i..c).map(|j| r[(i, j)].abs()).sum::<f64>())
        .fold(0.0, f64::max);
    r_inf * y_inf
}

fn max_abs(m: &Mat<f64>) -> f64 {
    (0..m.ncols())
        .flat_map(|j| (0..m.nrows()).map(move |i| (i, j)))
        .map(|(i, j)| m[(i, j)].abs())
        .fold(0.0, f64::max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::design::Penalty;

    #[test]
    fn the_tolerances_are_mgcvs() {
        assert_eq!(RANK_TOL, f64::EPSILON * 100.0);
        assert!((PENALTY_NULL_TOL / f64::EPSILON.powf(0.66) - 1.0).abs() < 1e-14);
    }

    #[test]
    fn the_condition_estimate_is_exact_for_a_diagonal() {
        let r = Mat::from_fn(3, 3, |i, j| if i == j { [4.0, 2.0, 1e-3][i] } else { 0.0 });
        assert!((r_cond(&r, 3) - 4e3).abs() < 1e-9);
        assert!((r_cond(&r, 2) - 2.0).abs() < 1e-12);
    }

    /// `n` rows of columns 1, x, and a two-column "smooth" (x, x²) whose
    /// penalty acts on x² only: x is in the smooth's null space and repeated.
    fn aliased() -> (Mat<f64>, PenaltySet) {
        let n = 30;
        let x: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37).sin()).collect();
        let xm = Mat::from_fn(n, 4, |i, j| match j {
            0 => 1.0,
            1 | 2 => x[i],
            _ => x[i] * x[i],
        });
        let s = Mat::from_fn(2, 2, |i, j| if i == 1 && j == 1 { 1.0 } else { 0.0 });
        let pens = PenaltySet::new(4, vec![Penalty { offset: 2, s }]);
        (xm.qr().thin_R().to_owned(), pens)
    }

    #[test]
    fn the_repeated_null_direction_is_removed_and_nothing_else() {
        let (r, pens) = aliased();
        let z = dropped_directions(&r, &pens).expect("rank deficient");
        assert_eq!(z.ncols(), 1);
        // One of the two copies of x goes, as an axis.
        let ridge = Ridge { z, c: 1.0 };
        let axes = removed_axes(&ridge);
        assert!(axes == [1] || axes == [2], "{axes:?}");
        // Full rank without the copy: nothing removed.
        let r3 = Mat::from_fn(3, 3, |i, j| if j == 0 { r[(i, 0)] } else { r[(i, j + 1)] });
        let pens3 = PenaltySet::new(
            3,
            vec![Penalty {
                offset: 1,
                s: pens.penalties()[0].s.clone(),
            }],
        );
        assert!(dropped_directions(&r3, &pens3).is_none());
    }

    #[test]
    fn the_null_space_is_orthonormal_and_annihilated() {
        let (r, pens) = aliased();
        let xtx = r.transpose() * &r;
        let z = null_space(&xtx, &pens).expect("null space");
        assert_eq!(z.ncols(), 1);
        let h = &xtx + pens.total(&[1.0]);
        let hz = &h * &z;
        assert!(hz.norm_l2() < 1e-10 * h.norm_l2(), "{:?}", hz);
        assert!(((z.transpose() * &z)[(0, 0)] - 1.0).abs() < 1e-12);
    }
}
