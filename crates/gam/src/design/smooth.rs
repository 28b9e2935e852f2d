//! Smooth terms: a formula's `s()`, `te()`, `ti()` turned into model-matrix
//! columns and penalties, as mgcv's `smoothCon` does on top of a basis:
//! penalty rescaling, `by` variables (one smooth per level of a factor, or
//! multiplication by a numeric column) and the centring constraint.

use faer::Mat;
use serde::{Deserialize, Serialize};

use rayon::prelude::*;

use crate::basis::constraint::{DesignStats, SumToZero, penalty_scale_from};
use crate::basis::tensor::TensorBasis;
use crate::basis::{Basis, BasisFn, cc, cr, ps, re, tp};
use crate::data::{Column, DataFrame};
use crate::error::{GamError, Result};
use crate::formula::{BasisType, SmoothKind, SmoothSpec};
use crate::linalg::StoredMat;
use crate::linalg::chunks::{CHUNK_ROWS, row_chunks};

use super::size::centred;

/// How a smooth's `by` variable enters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum By {
    /// No `by` variable.
    None,
    /// Multiplied by a numeric column (a varying-coefficient term).
    Numeric {
        /// The column.
        column: String,
    },
    /// Non-zero only at rows where the factor takes this level.
    Level {
        /// The factor column.
        column: String,
        /// The level.
        level: String,
    },
}

/// One smooth term of a model, ready to produce model-matrix columns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SmoothTerm {
    /// mgcv's label, e.g. `s(x)`, `te(Wind,Temp)`, `s(x2):facL1`.
    pub label: String,
    /// The term as parsed.
    pub spec: SmoothSpec,
    /// The fitted basis.
    pub basis: Basis,
    /// The `by` variable.
    pub by: By,
    /// The absorbed centring constraint, if any.
    pub constraint: Option<SumToZero>,
    /// Penalties after rescaling and constraint absorption (what is fitted).
    pub penalties: Vec<StoredMat>,
    /// mgcv's `S.scale`: each penalty was divided by this.
    pub s_scale: Vec<f64>,
    /// Whether mgcv treats it as a random effect (for p-values).
    pub random: bool,
    /// Levels of factor covariates of an `re` term, for coding new data.
    pub factor_levels: Vec<Option<Vec<String>>>,
    /// Columns (after the centring constraint, ascending) that mgcv's
    /// `gam.side` deleted to make nested smooths identifiable; `penalties`
    /// are already reduced. See [`crate::design::side`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub side_deleted: Vec<usize>,
}

fn term_err(spec: &SmoothSpec, message: impl Into<String>) -> GamError {
    GamError::Term {
        term: spec.label(),
        message: message.into(),
    }
}

/// Covariate columns as numbers, and the levels of those that are factors.
type Covariates = (Vec<Vec<f64>>, Vec<Option<Vec<String>>>);

/// The covariates of a smooth as numbers: numeric columns as they are,
/// factor columns (allowed only for `re`) as level codes.
fn covariates(spec: &SmoothSpec, data: &DataFrame, levels: Option<&[Option<Vec<String>>]>) -> Result<Covariates> {
    let mut cols = Vec::with_capacity(spec.vars.len());
    let mut lv = Vec::with_capacity(spec.vars.len());
    for (i, var) in spec.vars.iter().enumerate() {
        match data.require_column(var)? {
            Column::Numeric(v) => {
                cols.push(v.clone());
                lv.push(None);
            }
            Column::Factor(f) => {
                let is_re = spec.bs.get(i).or(spec.bs.first()) == Some(&BasisType::Re);
                if !is_re {
                    let advice = format!(
                        "if it is a factor, use {var} as a parametric term, or s({var}, bs = \"re\") for a random effect"
                    );
                    if let Some(e) = data.non_number_error(var, &spec.label(), &advice) {
                        return Err(e);
                    }
                    return Err(term_err(
                        spec,
                        format!(
                            "'{var}' is a factor column; smooths need numeric covariates \
                             (use {var} as a parametric term, or s({var}, bs = \"re\") for a random effect)"
                        ),
                    ));
                }
                let f = match levels.and_then(|l| l.get(i)).and_then(|l| l.as_ref()) {
                    Some(known) => data.factor_with_levels(var, known)?,
                    None => f.clone(),
                };
                cols.push(f.codes.iter().map(|c| c.map_or(f64::NAN, |c| c as f64)).collect());
                lv.push(Some(f.levels.clone()));
            }
        }
    }
    Ok((cols, lv))
}

/// Builds the basis of a spec from training covariates.
fn build_basis(spec: &SmoothSpec, cols: &[Vec<f64>], levels: &[Option<Vec<String>>]) -> Result<Basis> {
    let label = spec.label();
    // Negative orders would wrap around in the casts below.
    super::size::check_m(spec)?;
    let one = |i: usize, bs: BasisType, k: i64, m: Option<i64>, xs: &[&[f64]]| -> Result<Basis> {
        let k_opt = super::size::requested_k(k);
        Ok(match bs {
            BasisType::Tp => Basis::Tp(tp::TpBasis::new(&label, xs, k, super::size::order(m))?),
            BasisType::Cr => Basis::Cr(cr::CrBasis::new(&label, xs[0], k_opt)?),
            BasisType::Cc => Basis::Cc(cc::CcBasis::new(&label, xs[0], k_opt)?),
            BasisType::Ps => {
                let m = match spec.kind {
                    SmoothKind::S => super::size::ps_orders(&spec.m),
                    _ => super::size::ps_orders(&[m]),
                };
                Basis::Ps(ps::PsBasis::new(&label, xs[0], k_opt, &m)?)
            }
            BasisType::Re => match &levels[i] {
                Some(l) => Basis::Re(re::ReBasis::factor(&label, xs[0], l.len())?),
                None => Basis::Re(re::ReBasis::numeric(&label, xs[0])?),
            },
        })
    };
    match spec.kind {
        SmoothKind::S => {
            let xs: Vec<&[f64]> = cols.iter().map(Vec::as_slice).collect();
            let bs = spec.bs[0];
            if bs.is_one_dimensional() && xs.len() > 1 {
                return Err(term_err(
                    spec,
                    format!("bs = \"{bs}\" smooths one covariate; use te() for several"),
                ));
            }
            if bs == BasisType::Re && xs.len() > 1 {
                return Err(term_err(spec, "random effects of several covariates are not supported"));
            }
            one(0, bs, spec.k[0], spec.m.first().copied().flatten(), &xs)
        }
        SmoothKind::Te | SmoothKind::Ti => {
            let mut margins = Vec::with_capacity(cols.len());
            let mut covs = Vec::with_capacity(cols.len());
            for (i, col) in cols.iter().enumerate() {
                let xs: Vec<&[f64]> = vec![col.as_slice()];
                margins.push(one(i, spec.bs[i], spec.k[i], spec.m.get(i).copied().flatten(), &xs)?);
                covs.push(xs);
            }
            let t = TensorBasis::new(margins, &covs, spec.kind == SmoothKind::Ti)?;
            Ok(Basis::Tensor(Box::new(t)))
        }
    }
}

/// The statistics of a basis's raw model matrix over all rows, built a
/// chunk of rows at a time in parallel so the n x k matrix is never held.
fn raw_design_stats(basis: &Basis, cols: &[Vec<f64>]) -> Result<DesignStats> {
    let n = cols.first().map_or(0, Vec::len);
    let chunks: Vec<DesignStats> = row_chunks(n, CHUNK_ROWS)
        .into_par_iter()
        .map(|r| {
            let refs: Vec<&[f64]> = cols.iter().map(|c| &c[r.clone()]).collect();
            Ok(DesignStats::of(&basis.design(&refs)?))
        })
        .collect::<Result<_>>()?;
    Ok(chunks.into_iter().reduce(DesignStats::merge).unwrap_or(DesignStats {
        max_row_abs_sum: 0.0,
        col_sums: vec![0.0; basis.dim()],
        rows: 0,
    }))
}

impl SmoothTerm {
    /// Builds the term(s) of one smooth spec from training data: one term, or
    /// one per level of a factor `by` variable.
    pub fn build(spec: &SmoothSpec, data: &DataFrame) -> Result<Vec<SmoothTerm>> {
        let (cols, levels) = covariates(spec, data, None)?;
        let basis = build_basis(spec, &cols, &levels)?;
        let stats = raw_design_stats(&basis, &cols)?;
        let is_re = basis.mgcv_class() == "random.effect";
        let mut s_scale = Vec::new();
        let mut penalties = Vec::new();
        if !spec.fx {
            for s in basis.penalties() {
                let sc = penalty_scale_from(stats.max_row_abs_sum, &s);
                penalties.push(s * (1.0 / sc));
                s_scale.push(sc);
            }
        }
        let by_col = match &spec.by {
            None => None,
            Some(name) => Some((name.clone(), data.require_column(name)?.clone())),
        };
        let centre = centred(spec, is_re, by_col.as_ref().map(|(_, c)| c));
        let constraint = centre.then(|| stats.sum_to_zero());
        let constrained: Vec<StoredMat> = penalties
            .iter()
            .map(|s| StoredMat::from_mat(&constraint.as_ref().map_or_else(|| s.clone(), |c| c.apply_penalty(s))))
            .collect();
        let make = |label: String, by: By| SmoothTerm {
            label,
            spec: spec.clone(),
            basis: basis.clone(),
            by,
            constraint: constraint.clone(),
            penalties: constrained.clone(),
            s_scale: s_scale.clone(),
            random: is_re,
            factor_levels: levels.clone(),
            side_deleted: Vec::new(),
        };
        let base = format!("{}({})", spec.kind.as_str(), spec.vars.join(","));
        Ok(match by_col {
            None => vec![make(base, By::None)],
            Some((name, Column::Numeric(_))) => vec![make(format!("{base}:{name}"), By::Numeric { column: name })],
            Some((name, Column::Factor(f))) => f
                .levels
                .iter()
                .map(|level| {
                    make(
                        format!("{base}:{name}{level}"),
                        By::Level {
                            column: name.clone(),
                            level: level.clone(),
                        },
                    )
                })
                .collect(),
        })
    }

    /// Number of coefficients (columns) of the term.
    pub fn n_coef(&self) -> usize {
        self.n_coef_before_side().saturating_sub(self.side_deleted.len())
    }

    /// Number of columns after the centring constraint, before `gam.side`'s deletions.
    pub fn n_coef_before_side(&self) -> usize {
        self.constraint.as_ref().map_or(self.basis.dim(), |c| c.k() - 1)
    }

    /// The term's model-matrix columns at the rows of `data`.
    pub fn design(&self, data: &DataFrame) -> Result<Mat<f64>> {
        let (cols, _) = covariates(&self.spec, data, Some(&self.factor_levels))?;
        let refs: Vec<&[f64]> = cols.iter().map(Vec::as_slice).collect();
        let mut x = self.basis.design(&refs)?;
        match &self.by {
            By::None => {}
            By::Numeric { column } => {
                let v = data
                    .require_column(column)?
                    .as_numeric()
                    .ok_or_else(|| term_err(&self.spec, format!("by variable '{column}' is no longer numeric")))?;
                for i in 0..x.nrows() {
                    for j in 0..x.ncols() {
                        x[(i, j)] *= v[i];
                    }
                }
            }
            By::Level { column, level } => {
                let f = match data.require_column(column)? {
                    Column::Factor(f) => f,
                    Column::Numeric(_) => {
                        return Err(term_err(&self.spec, format!("by variable '{column}' is not a factor")));
                    }
                };
                for i in 0..x.nrows() {
                    if f.level_of(i) != Some(level.as_str()) {
                        for j in 0..x.ncols() {
                            x[(i, j)] = 0.0;
                        }
                    }
                }
            }
        }
        let x = match &self.constraint {
            Some(c) => c.apply_design(&x),
            None => x,
        };
        Ok(crate::linalg::drop_columns(x, &self.side_deleted))
    }

    /// mgcv's names for the smoothing parameters: the label, numbered when
    /// the term has several penalties (`te(x,z)1`, `te(x,z)2`).
    pub fn sp_names(&self) -> Vec<String> {
        match self.penalties.len() {
            1 => vec![self.label.clone()],
            n => (1..=n).map(|i| format!("{}{i}", self.label)).collect(),
        }
    }

    /// mgcv's class of the term (`cr.smooth`, `tensor.smooth`, ...).
    pub fn class(&self) -> &'static str {
        self.basis.mgcv_class()
    }
}
