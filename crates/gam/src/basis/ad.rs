//! Adaptive smooth of one covariate, mgcv's `s(x, bs = "ad")`: a spline
//! basis whose wiggliness penalty varies smoothly along the covariate,
//! written as several penalties with their own smoothing parameters.
//!
//! # Basis
//! The base, from `xt = list(bs = ...)` (or `xt = "..."`): `"ps"` (default)
//! or `"cp"` with `m = (2, 2)`, or `"cr"` or `"cc"` with their default
//! knots; `k` defaults to 40. The model matrix, prediction and mgcv's class
//! are the base's.
//!
//! # Penalties
//! With `p = m` (default 5) and `nk` base coefficients: `p = 1` keeps the
//! base's penalty. Otherwise, with `Db` the second differences of the
//! coefficients and `V` a `p`-column basis over their positions
//! `x_j = j / nk` (`j = 1..nk-2`): `[1, x]` for `p = 2`, else the P-spline
//! (cyclic P-spline for a cyclic base) model matrix with `k = p` and
//! `m = 1` for `p = 3`, `m = 2` otherwise, the penalties are
//! `S_i = Db' diag(V_i) Db`: a smoothly varying weight on the squared
//! second differences.
//!
//! # Two covariates
//! `s(x, z, bs = "ad")` is the same struct with a tensor product base and
//! penalties on its coefficient grid: see [`super::ad2d`]. Those penalties
//! depend on the grid alone, so they are rebuilt rather than stored.

use faer::Mat;
use serde::{Deserialize, Serialize};

use super::ad2d::{self, Grid};
use super::cr::{stored_penalty, term_error};
use super::ps::difference_matrix;
use super::{Basis, BasisFn, cc, cp, cr, ps};
use crate::error::Result;
use crate::linalg::StoredMat;

/// mgcv's default basis dimension of an adaptive smooth.
pub const DEFAULT_K: usize = 40;
/// mgcv's default number of penalties.
pub const DEFAULT_M: usize = 5;

/// An adaptive smooth: a base basis and its varying-weight penalties.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdBasis {
    /// The term as written, for error messages.
    term: String,
    /// The base basis (ps, cp, cr or cc; for two covariates an
    /// unreparameterised tensor product of ps, cp or cr margins).
    base: Basis,
    /// The penalties (`k x k` each); empty for two covariates.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    s: Vec<StoredMat>,
    /// Two covariates: the coefficient grid and penalty basis the
    /// penalties are built from. `None` for one covariate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    grid: Option<Grid>,
}

/// The base codes mgcv's `ad` accepts.
const BASES: [&str; 4] = ["ps", "cp", "cr", "cc"];

/// The base code (`xt`), checked; `None` means `"ps"`.
pub(crate) fn base_code(term: &str, xt: Option<&str>) -> Result<&'static str> {
    let code = xt.unwrap_or("ps");
    BASES.into_iter().find(|b| *b == code).ok_or_else(|| {
        term_error(
            term,
            format!("xt = \"{code}\": an adaptive smooth's base is \"ps\", \"cp\", \"cr\" or \"cc\""),
        )
    })
}

/// The error for an adaptive smooth of more than two covariates.
pub(crate) fn too_many_covariates(term: &str) -> crate::error::GamError {
    term_error(
        term,
        "an adaptive smooth takes one or two covariates (as in mgcv); use te() for more",
    )
}

/// The error for an adaptive smooth used as a tensor product margin (mgcv
/// marks the class `te.ok = 0`).
pub(crate) fn not_a_margin(term: &str) -> crate::error::GamError {
    term_error(
        term,
        "bs = \"ad\" cannot be a tensor product margin (as in mgcv); use ps or cp",
    )
}

/// The basis dimension and number of penalties for `k`, `m` and a base
/// code, or the error naming `term`.
pub(crate) fn dims(term: &str, k: Option<usize>, m: Option<usize>, base: &str) -> Result<(usize, usize)> {
    let k = k.unwrap_or(DEFAULT_K);
    let dim = match base {
        "cr" => cr::basis_dim(Some(k)),
        "cc" => cc::knot_count(Some(k)) - 1,
        "cp" => cp::dims(term, Some(k), &[Some(2), Some(2)])?.0,
        _ => ps::dims(term, Some(k), &[2, 2])?.0,
    };
    let p = m.unwrap_or(DEFAULT_M);
    if p == 0 {
        return Err(term_error(
            term,
            "m = 0 (no penalty) is not supported for an adaptive smooth; use fx = TRUE on another basis",
        ));
    }
    if p + 2 >= dim {
        return Err(term_error(
            term,
            format!(
                "m = {p} penalties are too many for a basis of {dim} coefficients: use m below {}",
                dim.saturating_sub(2)
            ),
        ));
    }
    Ok((dim, p))
}

impl AdBasis {
    /// Builds the adaptive smooth of `x` with `k` base functions (`None`:
    /// 40), `m` penalties (`None`: 5), base `xt` (`None`: `"ps"`) and mgcv's
    /// user knots for the base.
    pub fn new(
        term: &str,
        x: &[f64],
        k: Option<usize>,
        m: Option<usize>,
        xt: Option<&str>,
        knots: Option<&[f64]>,
    ) -> Result<AdBasis> {
        let code = base_code(term, xt)?;
        let (_, p) = dims(term, k, m, code)?;
        let k = k.unwrap_or(DEFAULT_K);
        // mgcv's constructor would give cr and cc bases k evenly spaced
        // knots when `knots` is NULL, but smoothCon always passes a list, so
        // they get their own default knots (or the user's).
        let base = match code {
            "cr" => Basis::Cr(cr::CrBasis::with_options(term, x, Some(k), knots, false)?),
            "cc" => Basis::Cc(cc::CcBasis::with_knots(term, x, Some(k), knots)?),
            "cp" => Basis::Cp(cp::CpBasis::new(term, x, Some(k), &[Some(2), Some(2)], knots)?),
            _ => Basis::Ps(ps::PsBasis::with_knots(term, x, Some(k), &[2, 2], knots)?),
        };
        let nk = base.dim();
        let s = if p == 1 {
            base.penalties()
        } else {
            let pos: Vec<f64> = (1..=nk - 2).map(|j| j as f64 / nk as f64).collect();
            let v = if p == 2 {
                Mat::from_fn(nk - 2, 2, |i, j| if j == 0 { 1.0 } else { pos[i] })
            } else {
                let order = if p == 3 { 1 } else { 2 };
                let label = format!("{term} (penalty basis)");
                if base.mgcv_class() == "cpspline.smooth" || base.mgcv_class() == "cyclic.smooth" {
                    cp::CpBasis::new(&label, &pos, Some(p), &[Some(order), Some(order)], None)?.design(&[&pos])?
                } else {
                    ps::PsBasis::new(&label, &pos, Some(p), &[order, order])?.design(&[&pos])?
                }
            };
            let db = difference_matrix(nk, 2);
            (0..p)
                .map(|c| {
                    let weighted = Mat::from_fn(nk - 2, nk, |i, j| v[(i, c)] * db[(i, j)]);
                    crate::linalg::symmetrise(&(db.transpose() * &weighted))
                })
                .collect()
        };
        Ok(AdBasis {
            term: term.to_string(),
            base,
            s: s.iter().map(StoredMat::from_mat).collect(),
            grid: None,
        })
    }

    /// Builds the adaptive smooth of two covariates `xs = [x, z]` (see
    /// [`super::ad2d`]) with the formula's `k` (one value or one per
    /// covariate, negative for the default 15), `m` (one or two penalty
    /// basis sizes, `None` for 3), base `xt` (`None`: `"ps"`) and user knots
    /// per covariate.
    pub fn surface(
        term: &str,
        xs: &[&[f64]],
        k: &[i64],
        m: &[Option<i64>],
        xt: Option<&str>,
        knots: [Option<&[f64]>; 2],
    ) -> Result<AdBasis> {
        if xs.len() != 2 {
            return Err(too_many_covariates(term));
        }
        let code = base_code(term, xt)?;
        let grid = Grid::new(term, k, m, code)?;
        let base = ad2d::basis(term, xs, &grid, code, knots)?;
        Ok(AdBasis {
            term: term.to_string(),
            base: Basis::Tensor(Box::new(base)),
            s: Vec::new(),
            grid: Some(grid),
        })
    }

    /// The base basis.
    pub fn base(&self) -> &Basis {
        &self.base
    }

    /// Number of penalties.
    pub(crate) fn n_penalties(&self) -> usize {
        self.grid.map_or(self.s.len(), |g| g.n_penalties())
    }

    /// Number of covariates (one, or two for a surface).
    pub(crate) fn n_covariates(&self) -> usize {
        if self.grid.is_some() { 2 } else { 1 }
    }

    /// mgcv's `rank` of each penalty of a two-covariate smooth (the fit
    /// finds ranks itself; this is what mgcv's constructor records). Empty
    /// for one covariate.
    pub fn penalty_ranks(&self) -> Vec<usize> {
        self.grid.map_or_else(Vec::new, |g| g.ranks(&self.penalties()))
    }

    /// Checks a basis read back from a model file: a valid base of one of
    /// mgcv's four classes, and `k x k` penalties.
    pub(crate) fn check(&self) -> std::result::Result<(), String> {
        if let Some(grid) = &self.grid {
            grid.check()?;
            ad2d::check_base(&self.base, grid)?;
            self.base.check()?;
            if !self.s.is_empty() {
                return Err("a two-covariate adaptive smooth with stored penalties".into());
            }
            return Ok(());
        }
        if !matches!(self.base, Basis::Ps(_) | Basis::Cp(_) | Basis::Cr(_) | Basis::Cc(_)) {
            return Err("an adaptive smooth's base is not ps, cp, cr or cc".into());
        }
        self.base.check()?;
        if self.s.is_empty() {
            return Err("an adaptive smooth without penalties".into());
        }
        let k = self.base.dim();
        for (i, s) in self.s.iter().enumerate() {
            s.check(&format!("penalty {}", i + 1), k, k)?;
        }
        Ok(())
    }
}

impl BasisFn for AdBasis {
    fn dim(&self) -> usize {
        self.base.dim()
    }

    fn design(&self, x: &[&[f64]]) -> Result<Mat<f64>> {
        self.base.design(x)
    }

    fn penalties(&self) -> Vec<Mat<f64>> {
        if let Some(grid) = &self.grid {
            // A grid that passed `Grid::new` (or `check`) always builds.
            return grid.penalties(&self.term).unwrap_or_default();
        }
        self.s
            .iter()
            .map(|s| stored_penalty(&self.term, s, self.dim()))
            .collect()
    }

    fn null_space_dim(&self) -> usize {
        self.base.null_space_dim()
    }

    fn te_reparameterise(&self) -> bool {
        false
    }

    fn mgcv_class(&self) -> &'static str {
        self.base.mgcv_class()
    }
}
