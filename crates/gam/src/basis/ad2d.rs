//! Adaptive smooth of two covariates, mgcv's `s(x, z, bs = "ad")`: a
//! tensor product basis whose discrete thin plate penalty is weighted by a
//! smooth function over the coefficient grid, written as several penalties
//! with their own smoothing parameters. This follows the `dim == 2` branch
//! of mgcv 1.8-41's `smooth.construct.ad.smooth.spec` (`R/smooth.r` lines
//! 2613-2667) and its `D2` (lines 2492-2548).
//!
//! # Basis
//! `te(x, z, bs = b, k = c(k1, k2), m = 2, np = FALSE)`: the row-wise
//! Kronecker product of a `k1`-function basis of `x` and a `k2`-function
//! basis of `z` (the `z` index varying fastest), both of type `b` from
//! `xt = list(bs = b)` (`"ps"`, the default, `"cp"` or `"cr"`) with
//! `m = (2, 2)`, kept in their own parameterisation (no evaluation at evenly
//! spaced points). `k` defaults to 15 per covariate. mgcv's class is
//! `tensor.smooth`, its null space dimension the margins' product.
//!
//! # Penalties
//! mgcv's `D2(ni = k1, nj = k2)` reads coefficient `p` (0-based) as the
//! point `(r, c) = (p mod k1, p div k1)` of a `k1 x k2` grid (for `k1 ≠ k2`
//! that is not the tensor product's own index pair; kept, as mgcv does) and
//! takes three difference operators on it: `Drr`, second differences along
//! `r` (`1, -2, 1`) at every interior `r`; `Dcc`, the same along `c`; and
//! `Dcr`, the mixed difference `(β[r+1,c+1] - β[r+1,c-1] - β[r-1,c+1] +
//! β[r-1,c-1]) / √8` at interior points, so that `Drr'Drr + Dcc'Dcc +
//! Dcr'Dcr` is a discrete thin plate penalty. Each difference sits at the
//! grid point `(r, c)` it is centred on.
//!
//! With `m = c(p1, p2)` (one value for both; default 3) and `P = p1 p2`:
//! - `P = 1`: the single penalty `Dcc'Dcc + Drr'Drr + Dcr'Dcr`, rank `k1 k2 - 3`;
//! - otherwise, with `V` the first `P` columns of the tensor product
//!   `te(r, c, bs = "ps", k = c(p1, p2), m = 1, np = FALSE)` (`"cp"` for a
//!   `cp` base) over the 1-based grid indices, evaluated at each
//!   difference's grid point, the penalties are
//!   `S_l = Drr' diag(V_l) Drr + Dcc' diag(V_l) Dcc + Dcr' diag(V_l) Dcr`: a
//!   smoothly varying weight on the squared differences. When a size is 2,
//!   mgcv's `te()` finds `k` too small and uses its default instead: a
//!   `5 x 5` product of linear (`m = 0`) B-splines, of which the first `P`
//!   columns are taken; this is reproduced. mgcv's rank of `S_l` counts its
//!   eigenvalues above `10 ε` times the largest.
//!
//! # A `by` variable
//! The term is multiplied by its `by` variable as every smooth is
//! (`crate::design::smooth`), in the fit and in predictions. mgcv 1.8-41
//! does so in the fit only: its smooth object is the inner `te()` object,
//! whose `by` is `"NA"`, so `predict.gam`, `lpmatrix` and `model.matrix`
//! leave the `by` out and disagree with mgcv's own fitted values. Here
//! predictions agree with the fit (the references in
//! `tests/data/bases_i16/make_refs_ad2d.R` apply the `by` to mgcv's lpmatrix).
//!
//! # What mgcv cannot build, refused here
//! `P > (k1 - 2)(k2 - 2)` ("penalty basis too large"); a size below 2 with
//! `P ≠ 1` ("too small"); `P = 3` (mgcv's "planar adaptiveness" branch
//! stops with "object 'Vrr' not found"); a size of 2 with `P > 25` (past
//! the `5 x 5` basis); `xt = "cc"` (its margins have `k - 1` coefficients
//! but the penalties are built for `k`, and `gam` fails); `m = 0` (mgcv's
//! unpenalised version, refused as for one covariate); more than two
//! covariates.

use faer::{Mat, Side};
use serde::{Deserialize, Serialize};

use super::cr::term_error;
use super::tensor::TensorBasis;
use super::{Basis, BasisFn, cp, cr, ps};
use crate::error::Result;

/// mgcv's default basis dimension per covariate.
pub const DEFAULT_K: usize = 15;
/// mgcv's default penalty basis size per covariate.
pub const DEFAULT_M: usize = 3;
/// mgcv's `te()` default dimension per margin, which it uses for the
/// penalty basis when a requested size is below 3.
const TE_DEFAULT_K: usize = 5;
/// mgcv's rank threshold of an adaptive penalty: eigenvalues above this
/// times ε times the largest count.
const RANK_EPS_FACTOR: f64 = 10.0;

/// What the penalties of a two-covariate adaptive smooth depend on: the
/// grid and the penalty basis (not the data).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grid {
    /// Basis dimension per covariate, `(k1, k2)`.
    k: [usize; 2],
    /// Penalty basis size per covariate, mgcv's `m = c(p1, p2)`.
    kp: [usize; 2],
    /// Whether the penalty basis is cyclic (a `cp` base).
    cyclic: bool,
}

/// Base codes allowed for two covariates (`cc` is mgcv's, but broken there).
const BASES: [&str; 3] = ["ps", "cp", "cr"];

impl Grid {
    /// The grid of `s(x, z, bs = "ad")` for the formula's `k` (one value or
    /// one per covariate; negative: the default 15), `m` (one or two
    /// penalty basis sizes; `None`: 3) and base code, or the error naming
    /// `term` for what mgcv cannot build (module doc).
    pub(crate) fn new(term: &str, k: &[i64], m: &[Option<i64>], base: &str) -> Result<Grid> {
        if base == "cc" {
            return Err(term_error(
                term,
                "xt = \"cc\" is broken for two covariates in mgcv 1.8-41 (its margins have k - 1 coefficients, \
                 its penalties k); use xt = list(bs = \"cp\") for a cyclic adaptive smooth",
            ));
        }
        if !BASES.contains(&base) {
            return Err(term_error(
                term,
                format!("xt = \"{base}\": an adaptive smooth of two covariates has base \"ps\", \"cp\" or \"cr\""),
            ));
        }
        let k_of = |v: i64| if v < 0 { DEFAULT_K } else { v as usize };
        let k = match *k {
            [] => [DEFAULT_K; 2],
            [a] => [k_of(a); 2],
            [a, b] => [k_of(a), k_of(b)],
            _ => return Err(term_error(term, "k takes one value or one per covariate (two)")),
        };
        for &ki in &k {
            let smallest = if base == "ps" { 4 } else { 3 };
            if ki < smallest {
                return Err(term_error(
                    term,
                    format!(
                        "k = {ki} is too small: each covariate of an adaptive smooth with base \"{base}\" needs k of at least {smallest}"
                    ),
                ));
            }
        }
        let size = |v: Option<i64>| v.map_or(DEFAULT_M, |v| v.max(0) as usize);
        let kp = match *m {
            [] => [DEFAULT_M; 2],
            [a] => [size(a); 2],
            [a, b] => [size(a), size(b)],
            _ => {
                return Err(term_error(
                    term,
                    format!(
                        "m has {} values; an adaptive smooth of two covariates takes one penalty basis size or one per covariate",
                        m.len()
                    ),
                ));
            }
        };
        let total = kp[0].saturating_mul(kp[1]);
        let rows = (k[0] - 2) * (k[1] - 2);
        let m_text = format!("m = c({}, {})", kp[0], kp[1]);
        if total == 0 {
            return Err(term_error(
                term,
                "m = 0 (no penalty) is not supported for an adaptive smooth; use te(..., fx = TRUE) for an unpenalised surface",
            ));
        }
        if total > rows {
            return Err(term_error(
                term,
                format!(
                    "{m_text} asks for {total} penalties, too many for k = c({}, {}): at most (k1 - 2)(k2 - 2) = {rows}",
                    k[0], k[1]
                ),
            ));
        }
        if total == 3 {
            return Err(term_error(
                term,
                format!(
                    "{m_text} asks for 3 penalties (\"planar adaptiveness\"), which mgcv 1.8-41 cannot build \
                     (it stops with \"object 'Vrr' not found\"); use m = 1, or sizes of at least 2 each"
                ),
            ));
        }
        if total > 1 && kp.iter().any(|&p| p < 2) {
            return Err(term_error(
                term,
                format!("{m_text}: a penalty basis size below 2 is too small (use m = 1 for a single penalty)"),
            ));
        }
        let linear = TE_DEFAULT_K * TE_DEFAULT_K;
        if kp.contains(&2) && total > linear {
            return Err(term_error(
                term,
                format!(
                    "{m_text} asks for {total} penalties, but with a size of 2 mgcv uses a {TE_DEFAULT_K} x {TE_DEFAULT_K} \
                     penalty basis: at most {linear} penalties (use sizes of at least 3)"
                ),
            ));
        }
        Ok(Grid {
            k,
            kp,
            cyclic: base == "cp",
        })
    }

    /// Number of penalties.
    pub(crate) fn n_penalties(&self) -> usize {
        self.kp[0] * self.kp[1]
    }

    /// Number of coefficients (`k1 k2`).
    pub(crate) fn dim(&self) -> usize {
        self.k[0] * self.k[1]
    }

    /// Whether mgcv's `te()` replaces the penalty basis by its `5 x 5`
    /// linear default (a size of 2; mgcv warns).
    pub(crate) fn linear_penalty_basis(&self) -> bool {
        self.kp.iter().any(|&v| v < 3) && self.n_penalties() > 1
    }

    /// Basis dimension per covariate.
    pub(crate) fn k(&self) -> [usize; 2] {
        self.k
    }

    /// Checks a grid read back from a model file against what [`Grid::new`] allows.
    pub(crate) fn check(&self) -> std::result::Result<(), String> {
        let k = [self.k[0] as i64, self.k[1] as i64];
        let m = [Some(self.kp[0] as i64), Some(self.kp[1] as i64)];
        if self.k.iter().any(|&v| v > 1 << 20) || self.kp.iter().any(|&v| v > 1 << 20) {
            return Err("an adaptive smooth's grid is absurdly large".into());
        }
        // The margins' own minimum k is checked with them (`check_base`).
        let base = if self.cyclic { "cp" } else { "cr" };
        Grid::new("", &k, &m, base).map(|_| ()).map_err(|e| match e {
            crate::error::GamError::Term { message, .. } => message,
            other => other.to_string(),
        })
    }

    /// The penalties (module doc), `k1 k2` square each, or the error of the
    /// penalty basis (which [`Grid::new`] rules out).
    pub(crate) fn penalties(&self, term: &str) -> Result<Vec<Mat<f64>>> {
        let ops = differences(self.k[0], self.k[1]);
        let p = self.dim();
        let total = self.n_penalties();
        if total == 1 {
            let unit = |d: &[Diff]| weighted_cross_product(p, d, |_| 1.0);
            let s = &(&unit(&ops[1]) + &unit(&ops[0])) + &unit(&ops[2]);
            return Ok(vec![crate::linalg::symmetrise(&s)]);
        }
        let v = self.penalty_basis(term)?;
        Ok((0..total)
            .map(|l| {
                let part = |d: &[Diff]| weighted_cross_product(p, d, |(r, c)| v[(r * self.k[1] + c, l)]);
                let s = &(&part(&ops[0]) + &part(&ops[1])) + &part(&ops[2]);
                crate::linalg::symmetrise(&s)
            })
            .collect())
    }

    /// mgcv's `rank` of each penalty: `k1 k2 - 3` for the single penalty,
    /// else the eigenvalues of each above `10 ε` times its largest.
    pub(crate) fn ranks(&self, penalties: &[Mat<f64>]) -> Vec<usize> {
        if self.n_penalties() == 1 {
            return vec![self.dim() - 3];
        }
        penalties
            .iter()
            .map(|s| {
                let ev: Vec<f64> = s
                    .self_adjoint_eigen(Side::Lower)
                    .map(|e| (0..s.nrows()).map(|i| e.S()[i]).collect())
                    .unwrap_or_default();
                let top = ev.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                ev.iter().filter(|&&e| e > top * f64::EPSILON * RANK_EPS_FACTOR).count()
            })
            .collect()
    }

    /// The penalty basis at every grid point: row `r k2 + c` (0-based grid
    /// point `(r, c)`), one column per penalty.
    fn penalty_basis(&self, term: &str) -> Result<Mat<f64>> {
        let (size, order) = if self.linear_penalty_basis() {
            ([TE_DEFAULT_K; 2], 0)
        } else {
            (self.kp, 1)
        };
        let label = format!("{term} (penalty basis)");
        let margin = |n: usize, size: usize| -> Result<Mat<f64>> {
            // mgcv's data are the 1-based grid indices.
            let at: Vec<f64> = (1..=n).map(|i| i as f64).collect();
            if self.cyclic {
                cp::CpBasis::new(&label, &at, Some(size), &[Some(order), Some(order)], None)?.design(&[&at])
            } else {
                ps::PsBasis::new(&label, &at, Some(size), &[order, order])?.design(&[&at])
            }
        };
        let (b1, b2) = (margin(self.k[0], size[0])?, margin(self.k[1], size[1])?);
        let total = self.n_penalties();
        let (n1, n2) = (self.k[0], self.k[1]);
        Ok(Mat::from_fn(n1 * n2, total, |row, l| {
            let (r, c) = (row / n2, row % n2);
            b1[(r, l / size[1])] * b2[(c, l % size[1])]
        }))
    }
}

/// One row of a difference operator: the grid point `(r, c)` it is centred
/// on and its non-zero coefficients `(coefficient index, value)`.
type Diff = ((usize, usize), Vec<(usize, f64)>);

/// mgcv's `D2(ni, nj)`: the rows of `Drr`, `Dcc` and `Dcr` in mgcv's order.
fn differences(ni: usize, nj: usize) -> [Vec<Diff>; 3] {
    let at = |r: usize, c: usize| r + c * ni;
    let s = 0.125f64.sqrt();
    let mut rr = Vec::new();
    for c in 0..nj {
        for r in 1..ni - 1 {
            rr.push(((r, c), vec![(at(r, c), -2.0), (at(r - 1, c), 1.0), (at(r + 1, c), 1.0)]));
        }
    }
    let mut cc = Vec::new();
    for c in 1..nj - 1 {
        for r in 0..ni {
            cc.push(((r, c), vec![(at(r, c), -2.0), (at(r, c - 1), 1.0), (at(r, c + 1), 1.0)]));
        }
    }
    let mut cr = Vec::new();
    for c in 1..nj - 1 {
        for r in 1..ni - 1 {
            cr.push((
                (r, c),
                vec![
                    (at(r - 1, c - 1), s),
                    (at(r + 1, c + 1), s),
                    (at(r - 1, c + 1), -s),
                    (at(r + 1, c - 1), -s),
                ],
            ));
        }
    }
    [rr, cc, cr]
}

/// `D' diag(w) D` for the rows of `D`, `w` a weight per row's grid point.
fn weighted_cross_product(p: usize, rows: &[Diff], w: impl Fn((usize, usize)) -> f64) -> Mat<f64> {
    let mut s = Mat::<f64>::zeros(p, p);
    for (point, entries) in rows {
        let weight = w(*point);
        for &(a, da) in entries {
            for &(b, db) in entries {
                s[(a, b)] += da * (weight * db);
            }
        }
    }
    s
}

/// The tensor product basis of `x` and `z` (module doc), each margin with
/// its user knots if given.
pub(crate) fn basis(
    term: &str,
    xs: &[&[f64]],
    grid: &Grid,
    base: &str,
    knots: [Option<&[f64]>; 2],
) -> Result<TensorBasis> {
    let margins = (0..2)
        .map(|i| {
            let (x, k) = (xs[i], Some(grid.k[i]));
            Ok(match base {
                "cr" => Basis::Cr(cr::CrBasis::with_options(term, x, k, knots[i], false)?),
                "cp" => Basis::Cp(cp::CpBasis::new(term, x, k, &[Some(2), Some(2)], knots[i])?),
                _ => Basis::Ps(ps::PsBasis::with_knots(term, x, k, &[2, 2], knots[i])?),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    TensorBasis::without_reparameterisation(margins, &[vec![xs[0]], vec![xs[1]]])
}

/// Whether the stored base of a two-covariate adaptive smooth fits its grid:
/// an unreparameterised `te()` of two one-covariate ps, cp or cr margins of
/// the grid's dimensions (cp exactly when the grid is cyclic).
pub(crate) fn check_base(base: &Basis, grid: &Grid) -> std::result::Result<(), String> {
    let Basis::Tensor(t) = base else {
        return Err("the base of a two-covariate adaptive smooth is not a tensor product".into());
    };
    if t.is_interaction() || t.reparameterised() || t.margin_dims() != [1, 1] {
        return Err("the base of a two-covariate adaptive smooth is not te(x, z, np = FALSE)".into());
    }
    for ((margin, _), k) in t.margins().zip(grid.k) {
        let fits = match margin {
            Basis::Ps(_) | Basis::Cr(_) => !grid.cyclic,
            Basis::Cp(_) => grid.cyclic,
            _ => false,
        };
        if !fits || margin.dim() != k {
            return Err(format!(
                "a margin of class {} and dimension {} under a grid of k = {k}",
                margin.mgcv_class(),
                margin.dim()
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(k: [i64; 2], m: &[Option<i64>]) -> Grid {
        Grid::new("s(x,z)", &k, m, "ps").unwrap()
    }

    #[test]
    fn single_penalty_annihilates_planes() {
        let g = grid([6, 7], &[Some(1)]);
        let s = &g.penalties("s(x,z)").unwrap()[0];
        // A plane in the grid coordinates (r, c) of coefficient p = r + 6c.
        let beta: Vec<f64> = (0..42)
            .map(|p| 1.0 + 2.0 * (p % 6) as f64 - 0.5 * (p / 6) as f64)
            .collect();
        let norm = (0..42)
            .map(|i| (0..42).map(|j| s[(i, j)] * beta[j]).sum::<f64>().abs())
            .fold(0.0, f64::max);
        assert!(norm < 1e-12, "{norm}");
        assert_eq!(g.ranks(std::slice::from_ref(s)), vec![39]);
    }

    #[test]
    fn adaptive_penalties_sum_to_the_single_one_with_a_partition_of_unity() {
        // B-splines sum to one, so the weights of all penalties do too.
        let g = grid([6, 7], &[Some(3)]);
        let ss = g.penalties("s(x,z)").unwrap();
        let one = &grid([6, 7], &[Some(1)]).penalties("s(x,z)").unwrap()[0];
        let mut sum = Mat::<f64>::zeros(42, 42);
        for s in &ss {
            sum += s;
        }
        let err = (0..42)
            .flat_map(|i| (0..42).map(move |j| (i, j)))
            .map(|(i, j)| (sum[(i, j)] - one[(i, j)]).abs())
            .fold(0.0, f64::max);
        assert_eq!(ss.len(), 9);
        assert!(err < 1e-12, "{err}");
    }

    #[test]
    fn sizes_mgcv_cannot_build_are_refused() {
        for (k, m, needle) in [
            ([15, 15], vec![Some(1), Some(3)], "planar"),
            ([15, 15], vec![Some(1), Some(2)], "too small"),
            ([15, 15], vec![Some(2), Some(13)], "5 x 5"),
            ([6, 6], vec![Some(5)], "too many"),
            ([15, 15], vec![Some(0)], "no penalty"),
            ([3, 15], vec![None], "too small"),
        ] {
            let e = Grid::new("s(x,z)", &k, &m, "ps").unwrap_err().to_string();
            assert!(e.contains(needle) && e.contains("s(x,z)") && !e.contains('\n'), "{e}");
        }
        assert!(
            Grid::new("s(x,z)", &[8], &[], "cc")
                .unwrap_err()
                .to_string()
                .contains("broken")
        );
    }
}
