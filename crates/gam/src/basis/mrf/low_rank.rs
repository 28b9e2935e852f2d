//! mgcv's low-rank MRF, `s(area, bs = "mrf", k)` with `k` below the number
//! of areas (`smooth.construct.mrf.smooth.spec`, `smooth.r` lines 2951-2967,
//! and `nat.param(type = 0)`, lines 15-127).
//!
//! # Construction
//! 1. The indicator model matrix `X` gets one dummy row for each area without
//!    training rows, so `XᵀX = C = diag(c)`, `c_a` the rows of area `a` (or
//!    the one dummy row). `X` itself is never formed: only `c` is needed.
//! 2. `nat.param`: with `X = QR`, `RᵀR = C`, so `R = C^½` (up to signs, and
//!    up to rounding-level off-diagonals in mgcv's Householder QR), and
//!    `R⁻ᵀ S R⁻¹ = C^-½ S C^-½ = U D Uᵀ`, eigenvalues decreasing; `P = C^-½ U`
//!    makes `XP = QU` orthonormal and the penalty `PᵀSP = D`. The rank is the
//!    number of eigenvalues above `ε^0.8` of the largest (mgcv's tolerance).
//! 3. `unit.fnorm`: over the `N` rows (data and dummy), column `j` of `XP`
//!    has sum of squares `Σ_a c_a P_aj²`; the penalised columns are scaled
//!    together to mean square one (and `D` by the factor squared), the
//!    unpenalised ones likewise.
//! 4. The last `k` columns, the least penalised, are kept: `P_k` (`areas ×
//!    k`), the penalty `diag(D)` of the kept penalised columns followed by
//!    zeros, and the rank of that. The model matrix is `X P_k` without the
//!    dummy rows: area `a`'s row of `P_k`, which also predicts an area
//!    without training rows.
//!
//! # Free choices
//! - An eigenvector's sign is free (mgcv's are LAPACK's): columns agree with
//!   mgcv's up to sign, which flips coefficients and changes no fit. Here
//!   each penalised column is oriented so that its largest entry is positive.
//! - Eigenvalues tied across the cut (a symmetric graph with equal counts
//!   per area) leave which of the tied directions are kept arbitrary, in
//!   mgcv and here; the fits then differ. Unequal counts rarely tie.
//! - The null space is unpenalised, so the fit (fitted values, EDF, REML
//!   score, predictions and their standard errors) is invariant to the basis
//!   chosen for it; only those columns' coefficients depend on it. mgcv's is
//!   whatever LAPACK returns (an arbitrary rotation when the graph has
//!   several connected components). Here, when the null space is the
//!   constant per component (as many zero eigenvalues as components), its
//!   columns are the components' indicators, `C^½ 1_g` normalised, in the
//!   order of each component's first area, so they are reproducible; with
//!   one component this agrees with mgcv's up to sign.
//! - `k` below the number of components would keep an arbitrary part of the
//!   null space, and `k = 1` nothing after centring: both are refused.

use faer::{Mat, Side};

use super::RANK_EXPONENT;
use crate::basis::cr::term_error;
use crate::error::Result;

/// `(P_k, penalty, rank)` of the rank-`k` MRF over `areas` with
/// neighbourhood penalty `s`, for training area codes `codes` (see the
/// module documentation); `term` labels errors.
pub(crate) fn reduce(
    term: &str,
    areas: &[String],
    s: &Mat<f64>,
    k: usize,
    codes: &[f64],
) -> Result<(Mat<f64>, Mat<f64>, usize)> {
    let n = areas.len();
    if k < 2 || k >= n {
        return Err(term_error(
            term,
            format!(
                "k = {k}: a low-rank MRF needs k from 2 to {} (below the {n} areas)",
                n.saturating_sub(1)
            ),
        ));
    }
    let components = components(s);
    if k < components.len() {
        return Err(term_error(
            term,
            format!(
                "k = {k} is below the {} connected components of the neighbourhood, each of which needs an \
                 unpenalised direction: give k of at least {}",
                components.len(),
                components.len()
            ),
        ));
    }
    let mut count = vec![0.0f64; n];
    for &c in codes {
        if c >= 0.0 && c < n as f64 && c.fract() == 0.0 {
            count[c as usize] += 1.0;
        }
    }
    // An area without rows gets one dummy row.
    let c: Vec<f64> = count.iter().map(|&v| if v == 0.0 { 1.0 } else { v }).collect();
    let rows: f64 = c.iter().sum();
    let w: Vec<f64> = c.iter().map(|v| 1.0 / v.sqrt()).collect();
    let rsr = Mat::from_fn(n, n, |i, j| w[i] * s[(i, j)] * w[j]);
    let eig = rsr
        .self_adjoint_eigen(Side::Lower)
        .map_err(|_| term_error(term, "the eigen-decomposition of the low-rank MRF did not converge"))?;
    // faer orders eigenvalues increasing; mgcv's eigen() decreasing.
    let mut d: Vec<f64> = (0..n).map(|j| eig.S()[n - 1 - j]).collect();
    let mut u = Mat::from_fn(n, n, |i, j| eig.U()[(i, n - 1 - j)]);
    let tol = f64::EPSILON.powf(RANK_EXPONENT) * d[0];
    let rank = d.iter().filter(|&&v| v > tol).count();
    for j in 0..rank {
        let big = (0..n)
            .max_by(|&a, &b| u[(a, j)].abs().total_cmp(&u[(b, j)].abs()))
            .unwrap_or(0);
        if u[(big, j)] < 0.0 {
            u.col_mut(j).iter_mut().for_each(|v| *v = -*v);
        }
    }
    let mut p = Mat::from_fn(n, n, |i, j| w[i] * u[(i, j)]);
    if n - rank == components.len() {
        // Column rank + g: C^-½ times the normalised C^½ 1_g, the constant 1/√(Σ_g c) on component g.
        for (g, members) in components.iter().enumerate() {
            let level = 1.0 / members.iter().map(|&a| c[a]).sum::<f64>().sqrt();
            p.col_mut(rank + g).iter_mut().for_each(|v| *v = 0.0);
            for &a in members {
                p[(a, rank + g)] = level;
            }
        }
    }
    // unit.fnorm: each block of columns to mean square one over all N rows.
    for (cols, penalised) in [(0..rank, true), (rank..n, false)] {
        if cols.is_empty() {
            continue;
        }
        let sum: f64 = cols
            .clone()
            .map(|j| (0..n).map(|a| c[a] * p[(a, j)] * p[(a, j)]).sum::<f64>())
            .sum();
        let scale = 1.0 / (sum / (rows * cols.len() as f64)).sqrt();
        for j in cols.clone() {
            p.col_mut(j).iter_mut().for_each(|v| *v *= scale);
        }
        if penalised {
            d.iter_mut().for_each(|v| *v *= scale * scale);
        }
    }
    let first = n - k;
    let p_k = Mat::from_fn(n, k, |a, j| p[(a, first + j)]);
    let penalty = Mat::from_fn(k, k, |i, j| if i == j && first + i < rank { d[first + i] } else { 0.0 });
    let kept_rank = (first..n).filter(|&j| j < rank).count();
    Ok((p_k, penalty, kept_rank))
}

/// The connected components of the neighbourhood whose penalty is `s`
/// (`s[a][b] ≠ 0` for neighbours), each as its areas in increasing order,
/// in the order of their first areas.
fn components(s: &Mat<f64>) -> Vec<Vec<usize>> {
    let n = s.nrows();
    let mut seen = vec![false; n];
    let mut out = Vec::new();
    for start in 0..n {
        if seen[start] {
            continue;
        }
        seen[start] = true;
        let mut members = vec![start];
        let mut next = 0;
        while next < members.len() {
            let a = members[next];
            next += 1;
            for b in 0..n {
                if b != a && s[(a, b)] != 0.0 && !seen[b] {
                    seen[b] = true;
                    members.push(b);
                }
            }
        }
        members.sort_unstable();
        out.push(members);
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::basis::BasisFn;
    use crate::basis::mrf::MrfBasis;

    fn names(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("a{i}")).collect()
    }

    /// A chain a0 - a1 - ... - a5 and, apart, a6 - a7.
    fn chains() -> MrfBasis {
        let nb: Vec<Vec<usize>> = vec![
            vec![1],
            vec![0, 2],
            vec![1, 3],
            vec![2, 4],
            vec![3, 5],
            vec![4],
            vec![7],
            vec![6],
        ];
        MrfBasis::new("s(a)", names(8), &nb).unwrap()
    }

    #[test]
    fn the_kept_columns_are_the_least_penalised_natural_ones() {
        // Unequal counts; a5 has no rows.
        let codes: Vec<f64> = [0, 0, 1, 2, 2, 2, 3, 4, 4, 6, 7, 7]
            .iter()
            .map(|&c| f64::from(c))
            .collect();
        let full = chains();
        let s = full.penalties()[0].clone();
        let b = full.low_rank(5, &codes).unwrap();
        assert_eq!((b.dim(), b.null_space_dim()), (5, 2));
        let p = b.area_rows();
        let pen = &b.penalties()[0];
        // PᵀSP is the kept diagonal, zero on the two null columns.
        let psp = p.transpose() * &s * &p;
        for i in 0..5 {
            for j in 0..5 {
                let want = if i == j { pen[(i, j)] } else { 0.0 };
                assert!((psp[(i, j)] - want).abs() < 1e-10, "{i} {j}");
            }
        }
        assert!(pen[(0, 0)] >= pen[(1, 1)] && pen[(2, 2)] > 0.0 && pen[(3, 3)] == 0.0);
        // XᵀX over the data and dummy rows is N times the identity (unit mean squares, orthogonal).
        let c = [2.0, 1.0, 3.0, 1.0, 2.0, 1.0, 1.0, 2.0];
        let rows: f64 = c.iter().sum();
        for i in 0..5 {
            for j in 0..5 {
                let g: f64 = (0..8).map(|a| c[a] * p[(a, i)] * p[(a, j)]).sum();
                let want = if i == j { rows } else { 0.0 };
                assert!((g - want).abs() < 1e-9, "{i} {j}: {g}");
            }
        }
        // The null columns are constant on each chain (zero on the other).
        let (u, v) = (p.col(3), p.col(4));
        assert!((0..6).all(|a| (u[a] - u[0]).abs() < 1e-12) && u[6] == 0.0);
        assert!(v[6] == v[7] && v[0] == 0.0);
        // The design is P's rows; a5 (no data) has its own.
        let x = b.design(&[&[5.0, 0.0]]).unwrap();
        assert!((0..5).all(|j| x[(0, j)] == p[(5, j)] && x[(1, j)] == p[(0, j)]));
        assert!(b.check().is_ok());
    }

    #[test]
    fn k_below_the_components_or_two_is_refused() {
        let e = chains().low_rank(1, &[0.0]).unwrap_err().to_string();
        assert!(e.contains("k from 2 to 7"), "{e}");
        let single = MrfBasis::new("s(a)", names(3), &[vec![], vec![], vec![]]).unwrap();
        let e = single.low_rank(2, &[0.0, 1.0, 2.0]).unwrap_err().to_string();
        assert!(e.contains("below the 3 connected components"), "{e}");
    }
}
