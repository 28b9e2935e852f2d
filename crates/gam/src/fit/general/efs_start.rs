//! Where mgcv's EFS iteration starts for a general family: `initial.spg` (mgcv.r 4345-4390)
//! as `gam` calls it, which for EFS fixes the whole path ([`super::efs`]).
//!
//! mgcv evaluates it on the model matrix after `Sl.initial.repara` (fast-REML.r 68-330): the
//! columns of each smooth with one penalty `S_j = U diag(s) Uᵀ` (eigenvalues descending)
//! become `X_j U diag(d)`, `d_k = 1/√s_k` for the `rank` largest and 1 for the others. The
//! family's `initialize` there fits each predictor by `pen.reg` (gamlss.r 1123-1161): with `e`
//! the predictor's columns of the balanced penalty root `E` (`EᵀE = Σ_j S_j/‖S_j‖_F` in the
//! original coordinates, `totalPenaltySpace`, gam.fit3.r 2665) and `R` from `x`'s pivoted QR,
//! `b = (xᵀx + k² eᵀe)⁻¹ xᵀy` with `k = 0.01 ‖R‖₁/‖e‖₁` multiplied by 10 while the EDF
//! `tr((xᵀx + k² eᵀe)⁻¹xᵀx)` exceeds `rank − 0.1·re` and divided by 20 while it is below
//! 0.7·rank. `initial.spg` then balances the diagonal of `−ℓ_ββ` at that start (in the
//! re-parameterised coordinates) against the diagonal of each original `S_j`
//! ([`super::efs::initial_log_sp`]).

use faer::{Mat, Side};

use super::inner::{Problem, chol_inverse, mat_vec};
use crate::design::PenaltySet;
use crate::family::general::GeneralFamily;
use crate::linalg::householder::pivoted_qr;

/// Per penalty: its column offset and the re-parameterisation `U diag(d)` (identity when the
/// penalty shares its columns with another, which mgcv does not re-parameterise this way).
fn reparameterisations(pens: &PenaltySet) -> Vec<(usize, Mat<f64>)> {
    let list = pens.penalties();
    list.iter()
        .enumerate()
        .map(|(j, pen)| {
            let d = pen.s.nrows();
            let shared = list
                .iter()
                .enumerate()
                .any(|(k, o)| k != j && o.offset < pen.offset + d && pen.offset < o.offset + o.s.nrows());
            let Ok(eig) = crate::linalg::symmetrise(&pen.s).self_adjoint_eigen(Side::Lower) else {
                return (pen.offset, Mat::identity(d, d));
            };
            if shared {
                return (pen.offset, Mat::identity(d, d));
            }
            // faer's eigenvalues ascend; mgcv's (R's eigen) descend.
            let vals: Vec<f64> = (0..d).rev().map(|i| eig.S()[i]).collect();
            let max = vals.iter().cloned().fold(0.0, f64::max);
            let rank = vals.iter().filter(|&&v| v > max * f64::EPSILON.powf(0.8)).count();
            let u = eig.U();
            let t = Mat::<f64>::from_fn(d, d, |r, c| {
                let scale = if c < rank { 1.0 / vals[c].sqrt() } else { 1.0 };
                u[(r, d - 1 - c)] * scale
            });
            (pen.offset, t)
        })
        .collect()
}

/// The block-diagonal re-parameterisation of all coefficients.
fn full_transform(p: usize, reps: &[(usize, Mat<f64>)]) -> Mat<f64> {
    let mut t = Mat::<f64>::identity(p, p);
    for (o, tj) in reps {
        for r in 0..tj.nrows() {
            for c in 0..tj.ncols() {
                t[(o + r, o + c)] = tj[(r, c)];
            }
        }
    }
    t
}

/// `Σ_j S_j/‖S_j‖_F` (`totalPenaltySpace`'s `St`).
fn balanced_total(pens: &PenaltySet, p: usize) -> Mat<f64> {
    let mut st = Mat::<f64>::zeros(p, p);
    for pen in pens.penalties() {
        let d = pen.s.nrows();
        let f = (0..d)
            .flat_map(|a| (0..d).map(move |b| (a, b)))
            .map(|(a, b)| pen.s[(a, b)].powi(2))
            .sum::<f64>()
            .sqrt();
        pens.add_scaled(&mut st, pen, 1.0 / f);
    }
    st
}

/// `E` with `EᵀE = St`: `diag(√λ) Yᵀ` over the eigenvalues above `max·ε^0.66`.
fn root(st: &Mat<f64>) -> Mat<f64> {
    let p = st.nrows();
    let Ok(eig) = crate::linalg::symmetrise(st).self_adjoint_eigen(Side::Lower) else {
        return Mat::zeros(0, p);
    };
    let max = (0..p).map(|i| eig.S()[i]).fold(0.0, f64::max);
    let keep: Vec<usize> = (0..p).filter(|&i| eig.S()[i] > max * f64::EPSILON.powf(0.66)).collect();
    Mat::from_fn(keep.len(), p, |r, c| eig.S()[keep[r]].sqrt() * eig.U()[(c, keep[r])])
}

/// mgcv's `pen.reg(x, e, y)` (module doc).
fn pen_reg(x: &Mat<f64>, e: &Mat<f64>, y: &[f64]) -> Vec<f64> {
    let r = x.ncols();
    let xtx = x.transpose() * x;
    let xty: Vec<f64> = (0..r)
        .map(|j| x.col(j).iter().zip(y).map(|(a, b)| a * b).sum())
        .collect();
    let ete = e.transpose() * e;
    let one_norm = |m: &Mat<f64>| {
        (0..m.ncols())
            .map(|j| m.col(j).iter().map(|v| v.abs()).sum::<f64>())
            .fold(0.0, f64::max)
    };
    let solve = |k: f64| -> Option<(Vec<f64>, f64)> {
        let a = &xtx + &ete * faer::Scale(k * k);
        let (inv, _) = chol_inverse(&a)?;
        let edf = crate::linalg::trace_of_product(&inv, &xtx);
        Some((mat_vec(&inv, &xty), edf))
    };
    let e_norm = one_norm(e);
    if e_norm == 0.0 {
        return solve(0.0).map(|(b, _)| b).unwrap_or_else(|| vec![0.0; r]);
    }
    let (rmat, _) = pivoted_qr(x.clone());
    let rr = r as f64;
    let nonzero_cols = (0..e.ncols()).filter(|&j| e.col(j).iter().any(|v| *v != 0.0)).count();
    let re = nonzero_cols.min(e.nrows()) as f64;
    let mut k = 0.01 * one_norm(&rmat) / e_norm;
    let Some((mut b, mut edf)) = solve(k) else {
        return vec![0.0; r];
    };
    for _ in 0..200 {
        if edf <= rr - 0.1 * re {
            break;
        }
        k *= 10.0;
        if let Some(s) = solve(k) {
            (b, edf) = s;
        }
    }
    for _ in 0..200 {
        if edf >= 0.7 * rr {
            break;
        }
        k /= 20.0;
        if let Some(s) = solve(k) {
            (b, edf) = s;
        }
    }
    b
}

/// `−ℓ_ββ` at mgcv's twlss start in the re-parameterised coordinates, for `initial.spg`;
/// `None` for a family whose start this module does not reproduce.
pub(crate) fn start_neg_hessian(prob: &Problem, pens: &PenaltySet) -> Option<Mat<f64>> {
    if prob.family != GeneralFamily::Twlss {
        return None;
    }
    let p = prob.x.ncols();
    let t = full_transform(p, &reparameterisations(pens));
    let xr = &prob.x * &t;
    let e = root(&balanced_total(pens, p));
    let cols = |m: &Mat<f64>, r: &std::ops::Range<usize>| m.as_ref().subcols(r.start, r.len()).to_owned();
    let mut b = vec![0.0; p];
    let ymax = prob.y.iter().cloned().fold(0.0, f64::max);
    let yt: Vec<f64> = prob.y.iter().map(|y| (y.abs() + ymax * 1e-7).ln()).collect();
    let (r0, r2) = (prob.lpi[0].clone(), prob.lpi[2].clone());
    let x0 = cols(&xr, &r0);
    let b0 = pen_reg(&x0, &cols(&e, &r0), &yt);
    let eta = mat_vec(&x0, &b0);
    b[r0].copy_from_slice(&b0);
    let lres: Vec<f64> = prob
        .y
        .iter()
        .zip(&eta)
        .map(|(y, e)| {
            let mu = e.exp();
            ((y - mu) / mu.powf(1.5)).abs().max(1e-300).ln()
        })
        .collect();
    b[r2.clone()].copy_from_slice(&pen_reg(&cols(&xr, &r2), &cols(&e, &r2), &lres));
    let beta = mat_vec(&t, &b);
    let h = prob.neg_hessian(&prob.at(&beta, 2));
    Some(t.transpose() * &h * &t)
}
