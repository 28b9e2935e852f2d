//! Householder QR as LAPACK computes it, for the places where mgcv's result
//! depends on LAPACK's choices: the reflectors of `dlarfg` and the column
//! pivoting of `dgeqp3` (largest remaining column norm first, ties to the
//! first index, norms down-dated and recomputed below LAPACK's `tol3z`).
//! Used by `gam.side` ([`crate::design::side`]) and by the rank decision of
//! a rank-deficient fit (`crate::fit::rank`). O(m p²) without blocking: the
//! matrices are p-column summaries, not the data.

use faer::Mat;

/// LAPACK's `tol3z` (`sqrt(dlamch('Epsilon'))`, with `dlamch`'s ε = 2⁻⁵³):
/// below this relative remaining norm a downdated column norm is recomputed.
const NORM_RECOMPUTE: f64 = 1.053_671_212_772_350_9e-8;

/// Unpivoted Householder QR of an n × r matrix (r ≤ n), kept as reflectors.
pub struct Householder {
    /// Each reflector: its first row, `tau` and the vector (entries from that row on).
    reflectors: Vec<(usize, f64, Vec<f64>)>,
}

impl Householder {
    /// The reflectors of `x`'s QR, as `dgeqr2` computes them.
    pub fn of(x: &Mat<f64>) -> Householder {
        let mut a = x.clone();
        let (n, r) = (a.nrows(), a.ncols().min(x.nrows()));
        let mut reflectors = Vec::with_capacity(r);
        for k in 0..r {
            let col: Vec<f64> = (k..n).map(|i| a[(i, k)]).collect();
            let (tau, v) = reflector(&col);
            let h = (k, tau, v);
            apply_reflector(&h, &mut a, k + 1);
            reflectors.push(h);
        }
        Householder { reflectors }
    }

    /// Rows of `Qᵀ X` that span the column space (one per reflector).
    pub fn rank_rows(&self) -> usize {
        self.reflectors.len()
    }

    /// `m ← Qᵀ m`.
    pub fn apply_qt(&self, m: &mut Mat<f64>) {
        for h in &self.reflectors {
            apply_reflector(h, m, 0);
        }
    }

    /// `m ← Q m`.
    pub fn apply_q(&self, m: &mut Mat<f64>) {
        for h in self.reflectors.iter().rev() {
            apply_reflector(h, m, 0);
        }
    }
}

/// LAPACK's `dlarfg` on a column `[α, x]`: `τ` and `v` (with `v[0] = 1`)
/// such that `(I − τ v vᵀ) [α, x] = [β, 0]`; `τ = 0` when `x = 0`.
fn reflector(col: &[f64]) -> (f64, Vec<f64>) {
    let alpha = col[0];
    let xnorm = col[1..].iter().map(|v| v * v).sum::<f64>().sqrt();
    let mut v = vec![0.0; col.len()];
    v[0] = 1.0;
    if xnorm == 0.0 {
        return (0.0, v);
    }
    let beta = -alpha.signum() * alpha.hypot(xnorm);
    let tau = (beta - alpha) / beta;
    for (vi, &x) in v[1..].iter_mut().zip(&col[1..]) {
        *vi = x / (alpha - beta);
    }
    (tau, v)
}

/// Applies the reflector `(first, τ, v)` to the columns of `m` from `from_col` on.
fn apply_reflector(h: &(usize, f64, Vec<f64>), m: &mut Mat<f64>, from_col: usize) {
    let (first, tau, v) = h;
    if *tau == 0.0 {
        return;
    }
    for j in from_col..m.ncols() {
        let dot: f64 = v.iter().enumerate().map(|(i, vi)| vi * m[(first + i, j)]).sum();
        let s = tau * dot;
        for (i, vi) in v.iter().enumerate() {
            m[(first + i, j)] -= s * vi;
        }
    }
}

/// LAPACK's `dgeqp3` (its unblocked `dlaqp2`, which it uses below 128
/// columns) on `a`: the upper-triangular `R` (min(m, p) × p) and the pivot
/// order (0-based original column of each position). Ties in the pivot
/// choice go to the first column in the current order, as `idamax`.
pub fn pivoted_qr(mut a: Mat<f64>) -> (Mat<f64>, Vec<usize>) {
    let (m, p) = (a.nrows(), a.ncols());
    let k = m.min(p);
    let mut pivot: Vec<usize> = (0..p).collect();
    let mut vn1: Vec<f64> = (0..p).map(|j| a.col(j).norm_l2()).collect();
    let mut vn2 = vn1.clone();
    for i in 0..k {
        let mut pvt = i;
        for j in i + 1..p {
            if vn1[j] > vn1[pvt] {
                pvt = j;
            }
        }
        if pvt != i {
            for row in 0..m {
                let t = a[(row, pvt)];
                a[(row, pvt)] = a[(row, i)];
                a[(row, i)] = t;
            }
            pivot.swap(pvt, i);
            vn1[pvt] = vn1[i];
            vn2[pvt] = vn2[i];
        }
        let col: Vec<f64> = (i..m).map(|row| a[(row, i)]).collect();
        let (tau, v) = reflector(&col);
        let h = (i, tau, v);
        apply_reflector(&h, &mut a, i);
        for j in i + 1..p {
            if vn1[j] != 0.0 {
                let temp = (1.0 - (a[(i, j)].abs() / vn1[j]).powi(2)).max(0.0);
                let temp2 = temp * (vn1[j] / vn2[j]).powi(2);
                if temp2 <= NORM_RECOMPUTE {
                    vn1[j] = if i + 1 < m {
                        (i + 1..m).map(|row| a[(row, j)].powi(2)).sum::<f64>().sqrt()
                    } else {
                        0.0
                    };
                    vn2[j] = vn1[j];
                } else {
                    vn1[j] *= temp.sqrt();
                }
            }
        }
    }
    let upper = Mat::from_fn(k, p, |i, j| if j >= i { a[(i, j)] } else { 0.0 });
    (upper, pivot)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_recompute_threshold_is_lapacks() {
        assert_eq!(NORM_RECOMPUTE, (f64::EPSILON / 2.0).sqrt());
    }

    #[test]
    fn pivoting_picks_the_longest_column_first() {
        let a = Mat::from_fn(5, 3, |i, j| {
            ((i + 1) * (j + 1)) as f64 * if j == 1 { 2.0 } else { 1.0 } + (i * j) as f64
        });
        let (r, pivot) = pivoted_qr(a.clone());
        assert_eq!(pivot[0], 1);
        assert!((r[(0, 0)].abs() - a.col(1).norm_l2()).abs() < 1e-12);
        // R is upper triangular and |R| columns keep the norms of A's columns.
        for (pos, &j) in pivot.iter().enumerate() {
            let norm: f64 = (0..r.nrows()).map(|i| r[(i, pos)].powi(2)).sum::<f64>().sqrt();
            assert!((norm - a.col(j).norm_l2()).abs() < 1e-10);
        }
    }
}
