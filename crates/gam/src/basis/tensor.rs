//! Tensor product smooths `te()` and `ti()` (Wood 2006), built from marginal
//! bases as mgcv's `smooth.construct.tensor.smooth.spec` builds them.
//!
//! - Each one-dimensional margin that mgcv does not mark `noterp` (tp, ps) is
//!   reparameterised so that its coefficients are function values at `k`
//!   evenly spaced points over the data range: with `P` the margin's model
//!   matrix at those points, `X ← X P⁻¹`, `S ← P⁻ᵀ S P⁻¹`.
//! - Each margin penalty is divided by its largest eigenvalue.
//! - The model matrix is the row-wise Kronecker product of the margins (the
//!   first margin varies slowest); the penalties are `S₁ ⊗ I ⊗ …`,
//!   `I ⊗ S₂ ⊗ …`, one per margin.
//! - `ti()` centres each margin first (so the interaction excludes the main
//!   effects; `mc =` can leave margins out) and then needs no further
//!   constraint; `te()` is centred as a whole afterwards by the smooth layer.
//! - A margin may take several covariates (`d =`): it is then built on all
//!   of them (a thin plate spline, typically) and not reparameterised.

use faer::{Mat, Side};

/// Below this ratio of smallest to largest singular value mgcv declares the
/// evenly-spaced reparameterisation unstable and skips it (ε^0.66).
pub const REPARAM_CONDITION: f64 = 4.909093465297727e-11;

/// Row-wise Kronecker product of margin model matrices (first margin slowest).
pub fn row_tensor(xs: &[Mat<f64>]) -> Mat<f64> {
    let n = xs[0].nrows();
    let mut out = xs[0].clone();
    for x in &xs[1..] {
        let (pa, pb) = (out.ncols(), x.ncols());
        out = Mat::from_fn(n, pa * pb, |i, j| out[(i, j / pb)] * x[(i, j % pb)]);
    }
    out
}

/// Kronecker product `A ⊗ B`.
pub fn kron(a: &Mat<f64>, b: &Mat<f64>) -> Mat<f64> {
    let (ra, ca, rb, cb) = (a.nrows(), a.ncols(), b.nrows(), b.ncols());
    Mat::from_fn(ra * rb, ca * cb, |i, j| a[(i / rb, j / cb)] * b[(i % rb, j % cb)])
}

/// The tensor product penalties `I ⊗ … ⊗ S_i ⊗ … ⊗ I`, one per margin.
pub fn tensor_penalties(ss: &[Mat<f64>]) -> Vec<Mat<f64>> {
    (0..ss.len())
        .map(|i| {
            let mut acc: Option<Mat<f64>> = None;
            for (j, s) in ss.iter().enumerate() {
                let factor = if i == j {
                    s.clone()
                } else {
                    Mat::<f64>::identity(s.nrows(), s.ncols())
                };
                acc = Some(match acc {
                    None => factor,
                    Some(a) => kron(&a, &factor),
                });
            }
            let m = acc.expect("at least one margin");
            Mat::from_fn(m.nrows(), m.ncols(), |r, c| 0.5 * (m[(r, c)] + m[(c, r)]))
        })
        .collect()
}

/// `P⁻¹` for the margin model matrix `P` at evenly spaced points, via its SVD,
/// or `None` when `P` is too ill-conditioned (mgcv then skips the step).
pub fn evenly_spaced_reparam(p: &Mat<f64>) -> Option<Mat<f64>> {
    let svd = p.thin_svd().ok()?;
    let d = svd.S();
    let k = p.ncols();
    let (dmax, dmin) = (d[0], d[k - 1]);
    let ratio = dmin / dmax;
    if ratio.is_nan() || ratio < REPARAM_CONDITION {
        return None;
    }
    let (u, v) = (svd.U(), svd.V());
    Some(Mat::from_fn(k, k, |i, j| {
        (0..k).map(|c| v[(i, c)] * u[(j, c)] / d[c]).sum()
    }))
}

/// The `k` evenly spaced points from `min(x)` to `max(x)`.
pub fn evenly_spaced(x: &[f64], k: usize) -> Vec<f64> {
    let lo = x.iter().cloned().fold(f64::INFINITY, f64::min);
    let hi = x.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    if k == 1 {
        return vec![lo];
    }
    (0..k).map(|i| lo + (hi - lo) * i as f64 / (k - 1) as f64).collect()
}

/// Largest eigenvalue of a symmetric matrix (the margin penalty normaliser).
pub fn largest_eigenvalue(s: &Mat<f64>) -> f64 {
    let sym = Mat::from_fn(s.nrows(), s.ncols(), |i, j| 0.5 * (s[(i, j)] + s[(j, i)]));
    sym.self_adjoint_eigen(Side::Lower)
        .map(|e| (0..s.nrows()).map(|i| e.S()[i]).fold(f64::NEG_INFINITY, f64::max))
        .unwrap_or(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_tensor_orders_first_margin_slowest() {
        let a = Mat::from_fn(1, 2, |_, j| [1.0, 2.0][j]);
        let b = Mat::from_fn(1, 3, |_, j| [10.0, 20.0, 30.0][j]);
        let t = row_tensor(&[a, b]);
        let row: Vec<f64> = (0..6).map(|j| t[(0, j)]).collect();
        assert_eq!(row, [10.0, 20.0, 30.0, 20.0, 40.0, 60.0]);
    }

    #[test]
    fn penalties_are_kronecker_with_identities() {
        let s1 = Mat::from_fn(2, 2, |i, j| [[1.0, 2.0], [2.0, 5.0]][i][j]);
        let s2 = Mat::from_fn(3, 3, |i, j| if i == j { (i + 1) as f64 } else { 0.0 });
        let ps = tensor_penalties(&[s1.clone(), s2.clone()]);
        // S1 ⊗ I3 at (row 0, col 3) is s1[0][1] * I[0][0].
        assert_eq!(ps[0][(0, 3)], 2.0);
        assert_eq!(ps[0][(0, 4)], 0.0);
        // I2 ⊗ S2 at (4,4) is s2[1][1].
        assert_eq!(ps[1][(4, 4)], 2.0);
        assert_eq!(ps[1][(0, 3)], 0.0);
    }

    #[test]
    fn reparam_inverts_the_grid_matrix() {
        let p = Mat::from_fn(3, 3, |i, j| [[2.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 4.0]][i][j]);
        let inv = evenly_spaced_reparam(&p).unwrap();
        let id = &p * &inv;
        for i in 0..3 {
            for j in 0..3 {
                assert!((id[(i, j)] - if i == j { 1.0 } else { 0.0 }).abs() < 1e-12);
            }
        }
        assert!(evenly_spaced_reparam(&Mat::from_fn(2, 2, |_, _| 1.0)).is_none());
    }
}

/// A tensor product smooth built from marginal bases.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TensorBasis {
    margins: Vec<super::Basis>,
    /// Number of covariates each margin takes, in order.
    margin_dims: Vec<usize>,
    /// ti(): each margin's centring constraint.
    margin_constraints: Vec<Option<super::constraint::SumToZero>>,
    /// te(): each margin's evenly-spaced reparameterisation P⁻¹, if done.
    reparam: Vec<Option<crate::linalg::StoredMat>>,
    /// The tensor penalties, one per margin.
    penalties: Vec<crate::linalg::StoredMat>,
    null_space_dim: usize,
    interaction: bool,
}

impl TensorBasis {
    /// Builds `te()` (`interaction = false`) or `ti()` (`true`) from fitted
    /// margins and the training covariates of each margin; `mc` says which
    /// margins a `ti()` centres (empty: all, mgcv's default).
    pub fn new(
        margins: Vec<super::Basis>,
        covariates: &[Vec<&[f64]>],
        interaction: bool,
        mc: &[bool],
    ) -> crate::error::Result<TensorBasis> {
        TensorBasis::build(margins, covariates, interaction, mc, true)
    }

    /// A `te()` whose margins keep their own parameterisation (mgcv's
    /// `np = FALSE`): the base of a two-covariate adaptive smooth.
    pub(crate) fn without_reparameterisation(
        margins: Vec<super::Basis>,
        covariates: &[Vec<&[f64]>],
    ) -> crate::error::Result<TensorBasis> {
        TensorBasis::build(margins, covariates, false, &[], false)
    }

    fn build(
        margins: Vec<super::Basis>,
        covariates: &[Vec<&[f64]>],
        interaction: bool,
        mc: &[bool],
        reparameterise: bool,
    ) -> crate::error::Result<TensorBasis> {
        use super::BasisFn;
        let mut xs = Vec::with_capacity(margins.len());
        let mut ss = Vec::with_capacity(margins.len());
        let mut margin_constraints = Vec::with_capacity(margins.len());
        let mut reparam = Vec::with_capacity(margins.len());
        let mut null_dims = Vec::with_capacity(margins.len());
        for (i, (margin, x)) in margins.iter().zip(covariates).enumerate() {
            let mut xm = margin.design(x)?;
            let mut sm = margin
                .penalties()
                .into_iter()
                .next()
                .unwrap_or_else(|| Mat::zeros(margin.dim(), margin.dim()));
            let mut null_dim = margin.null_space_dim();
            let con = if interaction && mc.get(i).copied().unwrap_or(true) {
                // smoothCon's constraint: a column without data (an MRF
                // area without rows) is left free, mgcv's `indi`.
                let n = xm.nrows().max(1) as f64;
                let means: Vec<f64> = (0..xm.ncols())
                    .map(|j| (0..xm.nrows()).map(|r| xm[(r, j)]).sum::<f64>() / n)
                    .collect();
                let c = super::constraint::SumToZero::smooth_con(&means);
                xm = c.apply_design(&xm);
                sm = c.apply_penalty(&sm);
                null_dim = null_dim.saturating_sub(1);
                Some(c)
            } else {
                None
            };
            let mut xp = None;
            if reparameterise && x.len() == 1 && margin.te_reparameterise() {
                let grid = evenly_spaced(x[0], xm.ncols());
                let mut p = margin.design(&[&grid])?;
                if let Some(c) = &con {
                    p = c.apply_design(&p);
                }
                if let Some(inv) = evenly_spaced_reparam(&p) {
                    xm = &xm * &inv;
                    sm = inv.transpose() * &sm * &inv;
                    xp = Some(crate::linalg::StoredMat::from_mat(&inv));
                }
            }
            let top = largest_eigenvalue(&sm);
            if top > 0.0 {
                sm *= 1.0 / top;
            }
            xs.push(xm);
            ss.push(sm);
            margin_constraints.push(con);
            reparam.push(xp);
            null_dims.push(null_dim);
        }
        let penalties = tensor_penalties(&ss)
            .iter()
            .map(crate::linalg::StoredMat::from_mat)
            .collect();
        Ok(TensorBasis {
            margin_dims: covariates.iter().map(Vec::len).collect(),
            margins,
            margin_constraints,
            reparam,
            penalties,
            null_space_dim: null_dims.iter().product(),
            interaction,
        })
    }
}

impl TensorBasis {
    /// How many covariates each margin takes, in the order of the term's covariates.
    pub fn margin_dims(&self) -> &[usize] {
        &self.margin_dims
    }
}

impl TensorBasis {
    /// Checks a basis read back from a model file: one dimension count,
    /// constraint slot, reparameterisation slot and penalty per margin; each
    /// margin consistent and not itself a tensor, taking as many covariates
    /// as recorded; constraints exactly for `ti()`; each penalty square of
    /// the product of the margins' (constrained) dimensions, computed
    /// without overflow.
    pub(crate) fn check(&self) -> std::result::Result<(), String> {
        use super::BasisFn;
        let n = self.margins.len();
        if n == 0 {
            return Err("a tensor product without margins".into());
        }
        let slots = [
            self.margin_dims.len(),
            self.margin_constraints.len(),
            self.reparam.len(),
            self.penalties.len(),
        ];
        if slots.iter().any(|&len| len != n) {
            return Err(format!(
                "{n} margins but {} covariate counts, {} constraints, {} reparameterisations and {} penalties",
                slots[0], slots[1], slots[2], slots[3]
            ));
        }
        let mut product = 1usize;
        for (i, margin) in self.margins.iter().enumerate() {
            let at = |problem: String| format!("margin {}: {problem}", i + 1);
            if matches!(margin, super::Basis::Tensor(_)) {
                return Err(at("a tensor product inside a tensor product".into()));
            }
            margin.check().map_err(at)?;
            if margin.n_covariates() != self.margin_dims[i] {
                return Err(at(format!(
                    "takes {} covariates, but {} are recorded",
                    margin.n_covariates(),
                    self.margin_dims[i]
                )));
            }
            let mut dim = margin.dim();
            // ti() centres the margins `mc` names (all by default); te() none.
            match &self.margin_constraints[i] {
                Some(c) if self.interaction => {
                    c.check(dim).map_err(at)?;
                    dim -= 1;
                }
                Some(_) => return Err(at("a centring constraint in a te() margin".into())),
                None => {}
            }
            if let Some(p) = &self.reparam[i] {
                p.check("its reparameterisation", dim, dim).map_err(at)?;
            }
            product = product
                .checked_mul(dim)
                .ok_or_else(|| "the product of the margins' dimensions overflows".to_string())?;
        }
        for (j, p) in self.penalties.iter().enumerate() {
            p.check(&format!("penalty {}", j + 1), product, product)?;
        }
        if self.null_space_dim > product {
            return Err(format!(
                "null space dimension {} above the dimension {product}",
                self.null_space_dim
            ));
        }
        Ok(())
    }

    /// The margins, each with the number of covariates it takes, in order.
    pub(crate) fn margins(&self) -> impl Iterator<Item = (&super::Basis, usize)> {
        self.margins.iter().zip(self.margin_dims.iter().copied())
    }

    /// Number of penalties (one per margin).
    pub(crate) fn n_penalties(&self) -> usize {
        self.penalties.len()
    }

    /// Whether any margin was reparameterised to evenly spaced values.
    pub(crate) fn reparameterised(&self) -> bool {
        self.reparam.iter().any(Option::is_some)
    }

    /// Whether this is a `ti()` term (margins centred).
    pub(crate) fn is_interaction(&self) -> bool {
        self.interaction
    }
}

impl super::BasisFn for TensorBasis {
    fn dim(&self) -> usize {
        self.penalties.first().map_or(0, |p| p.rows)
    }

    fn design(&self, x: &[&[f64]]) -> crate::error::Result<Mat<f64>> {
        let mut xs = Vec::with_capacity(self.margins.len());
        let mut at = 0;
        for (i, margin) in self.margins.iter().enumerate() {
            let cols = &x[at..at + self.margin_dims[i]];
            at += self.margin_dims[i];
            let mut xm = margin.design(cols)?;
            if let Some(c) = &self.margin_constraints[i] {
                xm = c.apply_design(&xm);
            }
            if let Some(p) = &self.reparam[i] {
                xm = &xm * p.to_mat();
            }
            xs.push(xm);
        }
        Ok(row_tensor(&xs))
    }

    fn penalties(&self) -> Vec<Mat<f64>> {
        self.penalties.iter().map(|p| p.to_mat()).collect()
    }

    fn null_space_dim(&self) -> usize {
        self.null_space_dim
    }

    fn te_reparameterise(&self) -> bool {
        false
    }

    fn mgcv_class(&self) -> &'static str {
        "tensor.smooth"
    }
}
