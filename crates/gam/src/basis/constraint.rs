//! Identifiability constraints and penalty scaling, as mgcv's `smoothCon`
//! applies them on top of a basis constructor.
//!
//! **Centring.** A smooth `f(x) = X β` is made identifiable next to the
//! intercept by `1ᵀ X β = 0`, i.e. `C β = 0` with `C` the column means of X.
//! The constraint is absorbed by reparameterising `β = Z β̃`, where `Z` holds
//! the last `k − 1` columns of the Householder reflection `H` that maps `Cᵀ`
//! onto a multiple of the first unit vector (LINPACK's convention, as R's
//! `qr`), so `X̃ = X Z` and `S̃ = Zᵀ S Z`. Using the same reflection as mgcv
//! makes the coefficients themselves, not only the fit, comparable.
//!
//! **Unconstrained columns.** Where `C` has exact zeros (a column of `X`
//! without data, such as an MRF area without rows), mgcv's `smoothCon`
//! (`smooth.r` lines 4160-4183, `PredictMat` 4455-4466) constrains only the
//! other columns, `indi`: the reflection of `C[indi]` replaces the columns
//! `indi[1..nx-1]` in place, the free columns stay where they are, and
//! column `indi[nx]` is dropped. The span is that of the full reflection's
//! `Z`; the column order differs when a free column precedes a constrained
//! one ([`SumToZero::smooth_con`]).
//!
//! **Penalty scaling.** Each penalty is divided by
//! `‖S‖₁ / ‖X‖∞²` (maximum absolute column sum over squared maximum absolute
//! row sum), which leaves the fit unchanged but puts the smoothing parameters
//! on mgcv's scale.

use faer::Mat;
use serde::{Deserialize, Serialize};

use crate::linalg::StoredMat;

/// The reparameterisation that absorbs a sum-to-zero constraint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SumToZero {
    /// Householder vector `v` with `H = I − v vᵀ / v₀`, over the constrained
    /// coefficients (all but `free`).
    v: Vec<f64>,
    /// Coefficients the constraint leaves alone (ascending), mgcv's columns
    /// outside `indi`; none in files written before them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    free: Vec<usize>,
}

impl SumToZero {
    /// The constraint `colMeans(X) β = 0` for a model matrix `X`.
    pub fn from_design(x: &Mat<f64>) -> SumToZero {
        let n = x.nrows().max(1) as f64;
        let c: Vec<f64> = (0..x.ncols())
            .map(|j| (0..x.nrows()).map(|i| x[(i, j)]).sum::<f64>() / n)
            .collect();
        SumToZero::from_constraint(&c)
    }

    /// The constraint `c β = 0` for one constraint row `c`, absorbed by the
    /// reflection of all of `c`.
    pub fn from_constraint(c: &[f64]) -> SumToZero {
        let norm = c.iter().map(|v| v * v).sum::<f64>().sqrt();
        if norm == 0.0 {
            // A zero constraint constrains nothing; H = I drops the first coefficient.
            let mut v = vec![0.0; c.len()];
            v[0] = 1.0;
            return SumToZero { v, free: Vec::new() };
        }
        let s = if c[0] < 0.0 { -norm } else { norm };
        let mut v: Vec<f64> = c.iter().map(|x| x / s).collect();
        v[0] += 1.0;
        SumToZero { v, free: Vec::new() }
    }

    /// The constraint `c β = 0` as mgcv's `smoothCon` absorbs it: the
    /// coefficients whose entry of `c` is exactly zero are left free (see
    /// the module documentation); with none, [`SumToZero::from_constraint`].
    pub fn smooth_con(c: &[f64]) -> SumToZero {
        let free: Vec<usize> = (0..c.len()).filter(|&j| c[j] == 0.0).collect();
        if free.is_empty() || free.len() == c.len() {
            return SumToZero::from_constraint(c);
        }
        let constrained: Vec<f64> = c.iter().copied().filter(|&x| x != 0.0).collect();
        SumToZero {
            free,
            ..SumToZero::from_constraint(&constrained)
        }
    }

    /// Number of coefficients before the constraint.
    pub fn k(&self) -> usize {
        self.v.len() + self.free.len()
    }

    /// mgcv's `indi`: the constrained coefficients, ascending.
    fn indi(&self) -> Vec<usize> {
        let mut free = self.free.iter().peekable();
        (0..self.k())
            .filter(|j| {
                if free.peek() == Some(&j) {
                    free.next();
                    false
                } else {
                    true
                }
            })
            .collect()
    }

    /// Where each column after the constraint comes from, in order: the
    /// `m`-th column of the reflection's `Z` over the constrained
    /// coefficients, or a free coefficient kept as it is.
    fn layout(&self) -> Vec<Source> {
        if self.free.is_empty() {
            return (0..self.v.len() - 1).map(Source::Reflected).collect();
        }
        let indi = self.indi();
        let last = indi[indi.len() - 1];
        let mut rank = 0;
        (0..self.k())
            .filter(|&j| j != last)
            .map(|j| {
                if self.free.binary_search(&j).is_ok() {
                    Source::Free(j)
                } else {
                    rank += 1;
                    Source::Reflected(rank - 1)
                }
            })
            .collect()
    }

    /// Checks a constraint read back from a model file: it applies to a
    /// basis of `dim` functions, leaves at least one, and is finite.
    pub(crate) fn check(&self, dim: usize) -> std::result::Result<(), String> {
        if self.k() != dim || dim < 2 {
            return Err(format!(
                "its centring constraint is for {} basis functions, but the basis has {dim}",
                self.k()
            ));
        }
        if self.v.iter().any(|v| !v.is_finite()) {
            return Err("its centring constraint has a non-finite entry".into());
        }
        let ascending = self.free.windows(2).all(|w| w[0] < w[1]);
        if !ascending || self.free.last().is_some_and(|&j| j >= dim) || self.v.is_empty() {
            return Err("its centring constraint's free columns are not a proper subset of the basis".into());
        }
        Ok(())
    }

    /// `Z` (`k x (k − 1)`): columns 2..k of H (with free columns, laid out
    /// as mgcv lays them out).
    pub fn z(&self) -> Mat<f64> {
        let zr = self.reflected_z();
        if self.free.is_empty() {
            return zr;
        }
        let (k, indi) = (self.k(), self.indi());
        let mut z = Mat::<f64>::zeros(k, k - 1);
        for (o, src) in self.layout().into_iter().enumerate() {
            match src {
                Source::Free(j) => z[(j, o)] = 1.0,
                Source::Reflected(m) => indi.iter().enumerate().for_each(|(r, &i)| z[(i, o)] = zr[(r, m)]),
            }
        }
        z
    }

    /// Columns 2.. of the reflection over the constrained coefficients.
    fn reflected_z(&self) -> Mat<f64> {
        let k = self.v.len();
        let v0 = self.v[0];
        Mat::from_fn(k, k - 1, |i, j| {
            let col = j + 1;
            let id = if i == col { 1.0 } else { 0.0 };
            if v0 == 0.0 {
                id
            } else {
                id - self.v[i] * self.v[col] / v0
            }
        })
    }

    /// `X Z`: O(n k) rather than the O(n k²) of the product with Z (this runs
    /// for every chunk of rows at every pass of a streamed fit).
    pub fn apply_design(&self, x: &Mat<f64>) -> Mat<f64> {
        if self.free.is_empty() {
            return self.reflect(x);
        }
        let indi = self.indi();
        let xc = Mat::from_fn(x.nrows(), indi.len(), |i, r| x[(i, indi[r])]);
        let reflected = self.reflect(&xc);
        let layout = self.layout();
        Mat::from_fn(x.nrows(), layout.len(), |i, o| match layout[o] {
            Source::Free(j) => x[(i, j)],
            Source::Reflected(m) => reflected[(i, m)],
        })
    }

    /// `X Z` for the constrained columns `X` only, as
    /// `X[:, 2..] − (X v / v₀) v[2..]ᵀ`.
    fn reflect(&self, x: &Mat<f64>) -> Mat<f64> {
        let (n, k) = (x.nrows(), self.v.len());
        let v0 = self.v[0];
        let mut u = vec![0.0; n];
        if v0 != 0.0 {
            for (j, &vj) in self.v.iter().enumerate() {
                let c = vj / v0;
                for (ui, xij) in u.iter_mut().zip(x.col(j).iter()) {
                    *ui += xij * c;
                }
            }
        }
        let mut out = Mat::<f64>::zeros(n, k - 1);
        for j in 0..k - 1 {
            let vj = self.v[j + 1];
            for ((o, xij), ui) in out.col_mut(j).iter_mut().zip(x.col(j + 1).iter()).zip(&u) {
                *o = xij - ui * vj;
            }
        }
        out
    }

    /// `Zᵀ S Z`.
    pub fn apply_penalty(&self, s: &Mat<f64>) -> Mat<f64> {
        let z = self.z();
        z.transpose() * s * &z
    }

    /// Maps constrained coefficients back: `β = Z β̃`.
    pub fn expand(&self, beta: &[f64]) -> Vec<f64> {
        let z = self.z();
        (0..self.k())
            .map(|i| (0..beta.len()).map(|j| z[(i, j)] * beta[j]).sum())
            .collect()
    }
}

/// Where a column after a [`SumToZero`] constraint comes from.
#[derive(Debug, Clone, Copy)]
enum Source {
    /// Column `m` of the reflection's `Z` over the constrained coefficients.
    Reflected(usize),
    /// A free coefficient, as it is.
    Free(usize),
}

/// mgcv's Kronecker product of sum-to-zero contrasts (`XZKr`, the
/// constraint of the `sz` class, `C = c(0, nf)`): coefficients indexed by
/// one level of each factor (first slowest) and a base coefficient
/// (fastest) are reparameterised by `K = C₁ ⊗ … ⊗ C_F ⊗ I`, with
/// `C_m = [I_{m−1}; −1ᵀ]`: for each base coefficient and each factor,
/// the values over that factor's levels sum to zero.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KroneckerSumToZero {
    /// Number of levels of each factor.
    levels: Vec<usize>,
    /// Number of base coefficients per level combination.
    block: usize,
}

impl KroneckerSumToZero {
    /// The contrasts for factors of `levels` levels and `block` base coefficients.
    pub fn new(levels: Vec<usize>, block: usize) -> KroneckerSumToZero {
        KroneckerSumToZero { levels, block }
    }

    /// Number of coefficients before the constraint.
    pub fn k(&self) -> usize {
        self.levels.iter().product::<usize>() * self.block
    }

    /// Number of coefficients after it.
    pub fn n_after(&self) -> usize {
        self.levels.iter().map(|l| l.saturating_sub(1)).product::<usize>() * self.block
    }

    /// `X K`, one factor at a time: the last level's columns are subtracted
    /// from the others' and dropped (O(n k) per factor).
    pub fn apply_design(&self, x: &Mat<f64>) -> Mat<f64> {
        let mut shape: Vec<usize> = self.levels.clone();
        shape.push(self.block);
        let mut cur = x.clone();
        for f in 0..self.levels.len() {
            let m = shape[f];
            let outer: usize = shape[..f].iter().product();
            let inner: usize = shape[f + 1..].iter().product();
            let mut next = Mat::<f64>::zeros(cur.nrows(), outer * (m - 1) * inner);
            for o in 0..outer {
                for a in 0..m - 1 {
                    for r in 0..inner {
                        let (from, last) = ((o * m + a) * inner + r, (o * m + m - 1) * inner + r);
                        let to = (o * (m - 1) + a) * inner + r;
                        for i in 0..cur.nrows() {
                            next[(i, to)] = cur[(i, from)] - cur[(i, last)];
                        }
                    }
                }
            }
            shape[f] = m - 1;
            cur = next;
        }
        cur
    }

    /// `Kᵀ S K`.
    pub fn apply_penalty(&self, s: &Mat<f64>) -> Mat<f64> {
        let sk = self.apply_design(s);
        self.apply_design(&sk.transpose().to_owned())
    }

    /// Checks a constraint read back from a model file.
    pub(crate) fn check(&self, dim: usize) -> std::result::Result<(), String> {
        let fits = self.levels.iter().all(|&l| l >= 2) && self.block >= 1;
        let k = self.levels.iter().try_fold(self.block, |a, &l| a.checked_mul(l));
        if !fits || k != Some(dim) {
            return Err(format!(
                "its sum-to-zero contrasts are for {:?} levels of {} functions, but the basis has {dim}",
                self.levels, self.block
            ));
        }
        Ok(())
    }
}

/// The identifiability constraint a smooth term absorbs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Constraint {
    /// mgcv's centring (the default).
    SumToZero(SumToZero),
    /// Kronecker sum-to-zero contrasts (`sz`).
    Kronecker(KroneckerSumToZero),
    /// One coefficient set to zero (mgcv's `C` as a column number; a
    /// `t2()` whose null space has dimension one).
    Drop {
        /// Number of coefficients before the constraint.
        k: usize,
        /// The coefficient set to zero.
        column: usize,
    },
}

impl Constraint {
    /// Number of coefficients before the constraint.
    pub fn k(&self) -> usize {
        match self {
            Constraint::SumToZero(c) => c.k(),
            Constraint::Kronecker(c) => c.k(),
            Constraint::Drop { k, .. } => *k,
        }
    }

    /// Number of coefficients after it.
    pub fn n_after(&self) -> usize {
        match self {
            Constraint::Kronecker(c) => c.n_after(),
            _ => self.k() - 1,
        }
    }

    /// How much it lowers the basis's null space dimension (the `sz` basis
    /// reports its dimension after the constraint already, as mgcv's does).
    pub fn null_space_reduction(&self) -> usize {
        match self {
            Constraint::Kronecker(_) => 0,
            _ => 1,
        }
    }

    /// The constrained model matrix.
    pub fn apply_design(&self, x: &Mat<f64>) -> Mat<f64> {
        match self {
            Constraint::SumToZero(c) => c.apply_design(x),
            Constraint::Kronecker(c) => c.apply_design(x),
            Constraint::Drop { column, .. } => crate::linalg::drop_columns(x.clone(), &[*column]),
        }
    }

    /// The constrained penalty.
    pub fn apply_penalty(&self, s: &Mat<f64>) -> Mat<f64> {
        match self {
            Constraint::SumToZero(c) => c.apply_penalty(s),
            Constraint::Kronecker(c) => c.apply_penalty(s),
            Constraint::Drop { column, .. } => {
                let rows = crate::linalg::drop_columns(s.transpose().to_owned(), &[*column]);
                crate::linalg::drop_columns(rows.transpose().to_owned(), &[*column])
            }
        }
    }

    /// Checks a constraint read back from a model file for a basis of `dim` functions.
    pub(crate) fn check(&self, dim: usize) -> std::result::Result<(), String> {
        match self {
            Constraint::SumToZero(c) => c.check(dim),
            Constraint::Kronecker(c) => c.check(dim),
            Constraint::Drop { k, column } if *k == dim && *column < dim && dim >= 2 => Ok(()),
            Constraint::Drop { .. } => Err(format!(
                "its dropped coefficient does not fit a basis of {dim} functions"
            )),
        }
    }
}

/// mgcv's `S.scale` for a penalty: `‖S‖₁ / ‖X‖∞²`; the penalty used is `S / scale`.
pub fn penalty_scale(x: &Mat<f64>, s: &Mat<f64>) -> f64 {
    penalty_scale_from(DesignStats::of(x).max_row_abs_sum, s)
}

/// What the constraint and the penalty scaling need of a smooth's raw
/// model matrix: its largest absolute row sum and its column sums, which
/// can be accumulated over row chunks without holding the matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct DesignStats {
    /// `max_i Σ_j |X_ij|` (R's `norm(X, "I")`).
    pub max_row_abs_sum: f64,
    /// `Σ_i X_ij` per column.
    pub col_sums: Vec<f64>,
    /// Rows seen.
    pub rows: usize,
}

impl DesignStats {
    /// The statistics of one block of rows.
    pub fn of(x: &Mat<f64>) -> DesignStats {
        DesignStats {
            max_row_abs_sum: (0..x.nrows())
                .map(|i| (0..x.ncols()).map(|j| x[(i, j)].abs()).sum::<f64>())
                .fold(0.0f64, f64::max),
            col_sums: (0..x.ncols())
                .map(|j| (0..x.nrows()).map(|i| x[(i, j)]).sum())
                .collect(),
            rows: x.nrows(),
        }
    }

    /// The statistics of two blocks together.
    pub fn merge(self, other: DesignStats) -> DesignStats {
        DesignStats {
            max_row_abs_sum: self.max_row_abs_sum.max(other.max_row_abs_sum),
            col_sums: self.col_sums.iter().zip(&other.col_sums).map(|(a, b)| a + b).collect(),
            rows: self.rows + other.rows,
        }
    }

    /// The sum-to-zero constraint of the columns' means, as `smoothCon`
    /// absorbs it (columns without data left free).
    pub fn sum_to_zero(&self) -> SumToZero {
        let n = self.rows.max(1) as f64;
        SumToZero::smooth_con(&self.col_sums.iter().map(|s| s / n).collect::<Vec<_>>())
    }
}

/// [`penalty_scale`] from the largest absolute row sum of the model matrix.
pub fn penalty_scale_from(max_row_sum: f64, s: &Mat<f64>) -> f64 {
    let max_col_sum = (0..s.ncols())
        .map(|j| (0..s.nrows()).map(|i| s[(i, j)].abs()).sum::<f64>())
        .fold(0.0f64, f64::max);
    let denom = max_row_sum * max_row_sum;
    if denom == 0.0 || max_col_sum == 0.0 {
        1.0
    } else {
        max_col_sum / denom
    }
}

/// A stored matrix helper for optional reparameterisations.
pub fn stored(m: &Mat<f64>) -> StoredMat {
    StoredMat::from_mat(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOL: f64 = 1e-12;

    #[test]
    fn z_spans_the_null_space_of_the_constraint_and_is_orthonormal() {
        let c = [0.3, -1.2, 0.5, 2.0];
        let con = SumToZero::from_constraint(&c);
        let z = con.z();
        for j in 0..3 {
            let cz: f64 = (0..4).map(|i| c[i] * z[(i, j)]).sum();
            assert!(cz.abs() < TOL, "c·z_{j} = {cz}");
            for l in 0..3 {
                let d: f64 = (0..4).map(|i| z[(i, j)] * z[(i, l)]).sum();
                let expect = if j == l { 1.0 } else { 0.0 };
                assert!((d - expect).abs() < TOL);
            }
        }
    }

    #[test]
    fn matches_r_qr_householder_convention() {
        // R: qrc <- qr(t(matrix(c(1,2,2),1))); qr.Q(qrc, complete=TRUE)[,2:3]
        // gives columns (-2/3, 2/3... ) computed by hand below: v = c/3 + e1 = (4/3, 2/3, 2/3),
        // H = I - v v' / (4/3).
        let con = SumToZero::from_constraint(&[1.0, 2.0, 2.0]);
        let z = con.z();
        let expected = [
            [-2.0 / 3.0, -2.0 / 3.0],
            [2.0 / 3.0, -1.0 / 3.0],
            [-1.0 / 3.0, 2.0 / 3.0],
        ];
        for i in 0..3 {
            for j in 0..2 {
                assert!((z[(i, j)] - expected[i][j]).abs() < TOL, "{i},{j}: {}", z[(i, j)]);
            }
        }
    }

    #[test]
    fn apply_design_equals_the_product_with_z() {
        let x = Mat::from_fn(7, 4, |i, j| ((i * 5 + j * 3) % 11) as f64 / 11.0 - 0.4);
        for c in [[0.3, -1.2, 0.5, 2.0], [0.0, 0.0, 0.0, 0.0], [-1.0, 0.2, 0.0, 0.3]] {
            let con = SumToZero::from_constraint(&c);
            let want = &x * con.z();
            let got = con.apply_design(&x);
            for i in 0..7 {
                for j in 0..3 {
                    assert!((got[(i, j)] - want[(i, j)]).abs() < TOL, "{c:?} {i},{j}");
                }
            }
        }
    }

    /// X K for two factors (3 and 2 levels) and blocks of 2, against the
    /// explicit Kronecker product; old centring constraints still read back.
    #[test]
    fn kronecker_contrasts_equal_the_explicit_product() {
        let c = |m: usize| {
            Mat::from_fn(m, m - 1, |i, j| {
                if i == j {
                    1.0
                } else if i == m - 1 {
                    -1.0
                } else {
                    0.0
                }
            })
        };
        let kron = |a: &Mat<f64>, b: &Mat<f64>| {
            Mat::from_fn(a.nrows() * b.nrows(), a.ncols() * b.ncols(), |i, j| {
                a[(i / b.nrows(), j / b.ncols())] * b[(i % b.nrows(), j % b.ncols())]
            })
        };
        let k = kron(&kron(&c(3), &c(2)), &Mat::<f64>::identity(2, 2));
        let con = KroneckerSumToZero::new(vec![3, 2], 2);
        assert_eq!((con.k(), con.n_after()), (12, 4));
        let x = Mat::from_fn(5, 12, |i, j| ((i * 7 + j * 3) % 13) as f64 - 6.0);
        let (got, want) = (con.apply_design(&x), &x * &k);
        let s = x.transpose() * &x;
        let (gs, ws) = (con.apply_penalty(&s), k.transpose() * &s * &k);
        for i in 0..5 {
            for j in 0..4 {
                assert!((got[(i, j)] - want[(i, j)]).abs() < TOL);
            }
        }
        for i in 0..4 {
            for j in 0..4 {
                assert!((gs[(i, j)] - ws[(i, j)]).abs() < 1e-9);
            }
        }
        assert!(con.check(12).is_ok() && con.check(10).is_err());
        let old: Constraint = serde_json::from_str(r#"{"v":[2.0,1.0]}"#).unwrap();
        assert_eq!(
            old,
            Constraint::SumToZero(SumToZero {
                v: vec![2.0, 1.0],
                free: Vec::new()
            })
        );
        let text = serde_json::to_string(&Constraint::Kronecker(con.clone())).unwrap();
        assert_eq!(
            serde_json::from_str::<Constraint>(&text).unwrap(),
            Constraint::Kronecker(con)
        );
    }

    /// A zero entry of the constraint leaves its column in place, as mgcv's
    /// smoothCon does: R's qr of (0.5, 0.3, 0.2) reflects columns 1, 3 and 4
    /// into positions 1 and 3, column 2 stays, column 4 goes.
    #[test]
    fn zero_entries_leave_their_columns_free_in_place() {
        let c = [0.5, 0.0, 0.3, 0.2];
        let con = SumToZero::smooth_con(&c);
        assert_eq!(con.k(), 4);
        let z = con.z();
        let reduced = SumToZero::from_constraint(&[0.5, 0.3, 0.2]).z();
        for (o, (free, m)) in [(false, 0), (true, 0), (false, 1)].into_iter().enumerate() {
            for (i, &row) in [0usize, 2, 3].iter().enumerate() {
                let want = if free { 0.0 } else { reduced[(i, m)] };
                assert!((z[(row, o)] - want).abs() < TOL, "{row},{o}");
            }
            assert_eq!(z[(1, o)], if free { 1.0 } else { 0.0 });
        }
        let x = Mat::from_fn(6, 4, |i, j| ((i * 5 + j * 3) % 11) as f64 / 11.0 - 0.4);
        let (got, want) = (con.apply_design(&x), &x * &z);
        assert!((0..6).all(|i| (0..3).all(|j| (got[(i, j)] - want[(i, j)]).abs() < TOL)));
        assert!(con.check(4).is_ok() && con.check(5).is_err());
        // Without zeros, or all zeros: the full reflection.
        assert_eq!(
            SumToZero::smooth_con(&[1.0, 2.0]),
            SumToZero::from_constraint(&[1.0, 2.0])
        );
        let text = serde_json::to_string(&con).unwrap();
        assert_eq!(serde_json::from_str::<SumToZero>(&text).unwrap(), con);
    }

    #[test]
    fn penalty_scale_uses_one_and_infinity_norms() {
        let x = Mat::from_fn(2, 2, |i, j| [[1.0, -2.0], [0.5, 0.5]][i][j]);
        let s = Mat::from_fn(2, 2, |i, j| [[2.0, -1.0], [-1.0, 4.0]][i][j]);
        assert!((penalty_scale(&x, &s) - 5.0 / 9.0).abs() < TOL);
    }

    #[test]
    fn a_dropped_coefficient_is_a_constraint_of_its_own() {
        let x = Mat::from_fn(6, 5, |i, j| ((i * 5 + j) as f64 * 0.37).sin());
        let drop = Constraint::Drop { k: 5, column: 4 };
        assert_eq!(drop.apply_design(&x).ncols(), 4);
        assert!(drop.check(5).is_ok() && drop.check(4).is_err());
    }
}
