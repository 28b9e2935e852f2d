//! The total penalty `S_λ = Σ_j λ_j S_j` and its log pseudo-determinant.
//!
//! Penalties act on disjoint blocks of coefficients (one block per smooth
//! term, after constraints). Within a block with one penalty,
//! `log|λ S|_+ = r log λ + log|S|_+`, exact at any λ. A block with several
//! penalties (a tensor product) is eigen-decomposed at each λ: its null space
//! does not depend on λ (all λ > 0), so the pseudo-determinant keeps a fixed
//! rank `r`, the sum of the logs of the `r` largest eigenvalues, and
//!
//! ```text
//! d log|S_λ|_+ / dρ_j        = λ_j tr(S_λ⁺ S_j)
//! d² log|S_λ|_+ / dρ_j dρ_k  = δ_jk λ_j tr(S_λ⁺ S_j) − λ_j λ_k tr(S_λ⁺ S_j S_λ⁺ S_k)
//! ```
//! with ρ = log λ.
//!
//! A rank-deficient fit (mgcv fixes coefficients past the numerical rank at
//! zero, see `crate::fit::rank`) adds a fixed ridge `c Z Zᵀ` along the
//! directions it removes ([`PenaltySet::with_ridge`]): [`PenaltySet::total`]
//! includes it, so every penalised Hessian of the fit does, but it is no
//! smoothing penalty — it has no smoothing parameter and changes neither
//! `log|S_λ|_+` nor the null-space dimension `M_p`.

use faer::{Mat, Side};

use crate::linalg::{symmetrise, trace, trace_of_product};

/// Eigenvalues below this fraction of the largest count as zero when a rank
/// is determined numerically.
pub const RANK_TOL: f64 = 1e-11;

/// One penalty matrix acting on coefficients `offset..offset + s.nrows()`.
#[derive(Debug, Clone)]
pub struct Penalty {
    /// First coefficient it acts on.
    pub offset: usize,
    /// The (symmetric, positive semi-definite) penalty matrix.
    pub s: Mat<f64>,
}

/// Penalties sharing one block of coefficients.
#[derive(Debug, Clone)]
struct Block {
    offset: usize,
    dim: usize,
    /// Indices into the penalty list.
    members: Vec<usize>,
    /// Rank of the summed penalty (independent of λ > 0).
    rank: usize,
    /// For single-penalty blocks: Σ log of the positive eigenvalues of S.
    log_det_unit: f64,
}

/// The penalties of a model, grouped into blocks.
#[derive(Debug, Clone)]
pub struct PenaltySet {
    penalties: Vec<Penalty>,
    blocks: Vec<Block>,
    p: usize,
    ridge: Option<Ridge>,
}

/// A fixed ridge `c Z Zᵀ` along directions whose coefficients a
/// rank-deficient fit fixes at zero (see the module doc).
#[derive(Debug, Clone, PartialEq)]
pub struct Ridge {
    /// The directions, `p × k`, orthonormal columns.
    pub z: Mat<f64>,
    /// The ridge's weight `c > 0`.
    pub c: f64,
}

impl Ridge {
    /// Number of directions.
    pub fn k(&self) -> usize {
        self.z.ncols()
    }
}

/// log|S_λ|_+ and its derivatives with respect to ρ = log λ.
#[derive(Debug, Clone)]
pub struct LogDet {
    /// The log pseudo-determinant.
    pub value: f64,
    /// First derivatives.
    pub grad: Vec<f64>,
    /// Second derivatives (row-major m x m).
    pub hess: Vec<f64>,
}

fn positive_eigs(m: &Mat<f64>) -> Vec<f64> {
    let sym = symmetrise(m);
    match sym.self_adjoint_eigen(Side::Lower) {
        Ok(e) => (0..sym.nrows()).map(|i| e.S()[i]).collect(),
        Err(_) => Vec::new(),
    }
}

fn numerical_rank(eigs: &[f64]) -> usize {
    let max = eigs.iter().cloned().fold(0.0f64, f64::max);
    eigs.iter().filter(|&&e| e > max * RANK_TOL).count()
}

impl PenaltySet {
    /// Groups penalties over `p` coefficients into blocks.
    pub fn new(p: usize, penalties: Vec<Penalty>) -> PenaltySet {
        let mut blocks: Vec<Block> = Vec::new();
        for (i, pen) in penalties.iter().enumerate() {
            match blocks
                .iter_mut()
                .find(|b| b.offset == pen.offset && b.dim == pen.s.nrows())
            {
                Some(b) => b.members.push(i),
                None => blocks.push(Block {
                    offset: pen.offset,
                    dim: pen.s.nrows(),
                    members: vec![i],
                    rank: 0,
                    log_det_unit: 0.0,
                }),
            }
        }
        for b in &mut blocks {
            let mut sum = Mat::<f64>::zeros(b.dim, b.dim);
            for &m in &b.members {
                // Normalise so that no member dominates the rank decision.
                let s = &penalties[m].s;
                let norm = s.norm_l2().max(f64::MIN_POSITIVE);
                sum += s * (1.0 / norm);
            }
            let eigs = positive_eigs(&sum);
            b.rank = numerical_rank(&eigs);
            if b.members.len() == 1 {
                let mut e = positive_eigs(&penalties[b.members[0]].s);
                e.sort_by(|a, b| b.total_cmp(a));
                b.log_det_unit = e[..b.rank].iter().map(|v| v.ln()).sum();
            }
        }
        PenaltySet {
            penalties,
            blocks,
            p,
            ridge: None,
        }
    }

    /// The same penalties with the fixed ridge `ridge` (replacing any other).
    pub fn with_ridge(mut self, ridge: Option<Ridge>) -> PenaltySet {
        self.ridge = ridge;
        self
    }

    /// The fixed ridge, if the fit removes directions.
    pub fn ridge(&self) -> Option<&Ridge> {
        self.ridge.as_ref()
    }

    /// Number of directions the ridge removes (0 without one).
    pub fn removed(&self) -> usize {
        self.ridge.as_ref().map_or(0, Ridge::k)
    }

    /// `k log c`: `log|XᵀWX + S_λ + cZZᵀ| − k log c` is the log determinant of
    /// the penalised Hessian over the directions kept (0 without a ridge).
    pub fn ridge_log_det(&self) -> f64 {
        self.ridge.as_ref().map_or(0.0, |r| r.k() as f64 * r.c.ln())
    }

    /// `c tr(ZᵀA⁻¹Z)` for `a_inv = (XᵀWX + S_λ + cZZᵀ)⁻¹` (0 without a ridge):
    /// subtracted from `p − Σ_j λ_j tr(A⁻¹S_j)` it gives `tr(A⁻¹XᵀWX)`.
    pub fn ridge_trace(&self, a_inv: &Mat<f64>) -> f64 {
        let Some(r) = &self.ridge else {
            return 0.0;
        };
        let az = a_inv * &r.z;
        r.c * (0..r.k())
            .map(|j| (0..self.p).map(|i| r.z[(i, j)] * az[(i, j)]).sum::<f64>())
            .sum::<f64>()
    }

    /// The inverse of the penalised Hessian over the directions kept, from
    /// `a_inv = (H + cZZᵀ)⁻¹`: `A⁻¹ − c (A⁻¹Z)(A⁻¹Z)ᵀ`, zero along the removed
    /// directions (mgcv's `Vp / φ` of a rank-deficient fit). `a_inv` itself without a ridge.
    pub fn kept_inverse(&self, a_inv: &Mat<f64>) -> Mat<f64> {
        let Some(r) = &self.ridge else {
            return a_inv.clone();
        };
        let az = a_inv * &r.z;
        let out = a_inv - (&az * az.transpose()) * r.c;
        crate::linalg::symmetrise(&out)
    }

    /// The coefficient blocks: first coefficient, size and the indices of the
    /// penalties acting on it, in penalty order.
    pub fn blocks(&self) -> impl Iterator<Item = (usize, usize, &[usize])> {
        self.blocks.iter().map(|b| (b.offset, b.dim, b.members.as_slice()))
    }

    /// Number of smoothing parameters.
    pub fn len(&self) -> usize {
        self.penalties.len()
    }

    /// Whether there are no penalties.
    pub fn is_empty(&self) -> bool {
        self.penalties.is_empty()
    }

    /// The penalties.
    pub fn penalties(&self) -> &[Penalty] {
        &self.penalties
    }

    /// Total rank of S_λ (for any λ > 0).
    pub fn rank(&self) -> usize {
        self.blocks.iter().map(|b| b.rank).sum()
    }

    /// Dimension of the null space of S_λ over all `p` coefficients (mgcv's `Mp`).
    pub fn null_space_dim(&self) -> usize {
        self.p - self.rank()
    }

    /// `S_λ` as a dense `p x p` matrix, with the fixed ridge if there is one.
    pub fn total(&self, lambda: &[f64]) -> Mat<f64> {
        let mut out = Mat::<f64>::zeros(self.p, self.p);
        for (pen, &l) in self.penalties.iter().zip(lambda) {
            self.add_scaled(&mut out, pen, l);
        }
        if let Some(r) = &self.ridge {
            out += (&r.z * r.z.transpose()) * r.c;
        }
        out
    }

    /// Adds `l * S_j` into a `p x p` matrix at the penalty's block.
    pub fn add_scaled(&self, out: &mut Mat<f64>, pen: &Penalty, l: f64) {
        let d = pen.s.nrows();
        for i in 0..d {
            for j in 0..d {
                out[(pen.offset + i, pen.offset + j)] += l * pen.s[(i, j)];
            }
        }
    }

    /// `S_j v` for a full-length coefficient vector, as a full-length vector.
    pub fn apply(&self, j: usize, v: &[f64]) -> Vec<f64> {
        let pen = &self.penalties[j];
        let d = pen.s.nrows();
        let mut out = vec![0.0; self.p];
        for i in 0..d {
            let mut acc = 0.0;
            for k in 0..d {
                acc += pen.s[(i, k)] * v[pen.offset + k];
            }
            out[pen.offset + i] = acc;
        }
        out
    }

    /// log|S_λ|_+ with its gradient and Hessian in ρ = log λ.
    pub fn log_det(&self, lambda: &[f64]) -> LogDet {
        let m = self.penalties.len();
        let mut out = LogDet {
            value: 0.0,
            grad: vec![0.0; m],
            hess: vec![0.0; m * m],
        };
        for b in &self.blocks {
            if b.members.len() == 1 {
                let j = b.members[0];
                out.value += b.rank as f64 * lambda[j].ln() + b.log_det_unit;
                out.grad[j] += b.rank as f64;
                continue;
            }
            let mut sum = Mat::<f64>::zeros(b.dim, b.dim);
            for &j in &b.members {
                sum += &self.penalties[j].s * lambda[j];
            }
            let sum = symmetrise(&sum);
            let Ok(eig) = sum.self_adjoint_eigen(Side::Lower) else {
                continue;
            };
            // Ascending eigenvalues: the range space is the last `rank` columns.
            let u = eig.U();
            let first = b.dim - b.rank;
            // S_λ⁺ = Σ_c u_c u_cᵀ / e_c, accumulated entry by entry in order of c
            // down contiguous columns, its lower triangle then mirrored (each
            // entry's product is symmetric in its two factors, so the mirror is
            // exact).
            let mut pinv = Mat::<f64>::zeros(b.dim, b.dim);
            let mut uc = vec![0.0; b.dim];
            for c in first..b.dim {
                let ev = eig.S()[c];
                out.value += ev.ln();
                for (i, v) in uc.iter_mut().enumerate() {
                    *v = u[(i, c)];
                }
                for k in 0..b.dim {
                    let ukc = uc[k];
                    let col = &mut pinv.col_as_slice_mut(k)[k..];
                    for (p, &uic) in col.iter_mut().zip(&uc[k..]) {
                        *p += uic * ukc / ev;
                    }
                }
            }
            for k in 0..b.dim {
                for i in k + 1..b.dim {
                    pinv[(k, i)] = pinv[(i, k)];
                }
            }
            let products: Vec<Mat<f64>> = b
                .members
                .iter()
                .map(|&j| &pinv * &self.penalties[j].s * lambda[j])
                .collect();
            for (a, &j) in b.members.iter().enumerate() {
                let tr_j = trace(&products[a]);
                out.grad[j] += tr_j;
                out.hess[j * m + j] += tr_j;
                for (c, &k) in b.members.iter().enumerate() {
                    out.hess[j * m + k] -= trace_of_product(&products[a], &products[c]);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diag(v: &[f64]) -> Mat<f64> {
        Mat::from_fn(v.len(), v.len(), |i, j| if i == j { v[i] } else { 0.0 })
    }

    #[test]
    fn single_penalty_log_det_is_exact() {
        let set = PenaltySet::new(
            4,
            vec![Penalty {
                offset: 1,
                s: diag(&[2.0, 3.0, 0.0]),
            }],
        );
        assert_eq!(set.rank(), 2);
        assert_eq!(set.null_space_dim(), 2);
        let ld = set.log_det(&[10.0]);
        let expected = (20.0f64).ln() + (30.0f64).ln();
        assert!((ld.value - expected).abs() < 1e-12);
        assert!((ld.grad[0] - 2.0).abs() < 1e-12);
    }

    #[test]
    fn multi_penalty_derivatives_match_finite_differences() {
        let s1 = Mat::from_fn(3, 3, |i, j| {
            [[2.0, -1.0, 0.0], [-1.0, 2.0, -1.0], [0.0, -1.0, 1.0]][i][j]
        });
        let s2 = diag(&[1.0, 0.0, 3.0]);
        let set = PenaltySet::new(3, vec![Penalty { offset: 0, s: s1 }, Penalty { offset: 0, s: s2 }]);
        let rho = [0.3f64, -0.7];
        let lam = |r: &[f64]| r.iter().map(|x| x.exp()).collect::<Vec<_>>();
        let ld = set.log_det(&lam(&rho));
        let h = 1e-5;
        for j in 0..2 {
            let mut up = rho;
            up[j] += h;
            let mut dn = rho;
            dn[j] -= h;
            let (a, b) = (set.log_det(&lam(&up)), set.log_det(&lam(&dn)));
            let g = (a.value - b.value) / (2.0 * h);
            assert!((g - ld.grad[j]).abs() < 1e-6, "grad {j}: {g} vs {}", ld.grad[j]);
            for k in 0..2 {
                let hk = (a.grad[k] - b.grad[k]) / (2.0 * h);
                assert!((hk - ld.hess[j * 2 + k]).abs() < 1e-6, "hess {j}{k}");
            }
        }
    }
}
