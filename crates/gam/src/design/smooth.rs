//! Smooth terms: a formula's `s()`, `te()`, `ti()` turned into model-matrix
//! columns and penalties, as mgcv's `smoothCon` does on top of a basis:
//! penalty rescaling, `by` variables (one smooth per level of a factor, per
//! level after the first of an ordered factor, or multiplication by a
//! numeric column) and the centring constraint.

use faer::{Mat, Side};
use serde::{Deserialize, Serialize};

use crate::basis::constraint::{Constraint, DesignStats, penalty_scale_from};
use crate::basis::t2::T2Basis;
use crate::basis::tensor::TensorBasis;
use crate::basis::{Basis, BasisFn, ad, bs, cc, cp, cr, ds, gp, mrf, ps, re, tp};
use crate::data::{Column, DataFrame};
use crate::error::{GamError, Result};
use crate::formula::{BasisType, SmoothKind, SmoothSpec};
use crate::linalg::StoredMat;
use crate::linalg::chunks::{CHUNK_ROWS, row_chunks, try_par_map};

use super::options::SmoothOptions;
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
        /// For an ordered factor, its first level: mgcv builds no smooth
        /// for it (the reference, covered by the unconditional `s(x)` the
        /// user writes beside `s(x, by = o)`), so rows at it are known, with
        /// no contribution from this term. `None` for an unordered factor.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reference: Option<String>,
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
    /// The absorbed identifiability constraint, if any.
    pub constraint: Option<Constraint>,
    /// A `t2()` term's reporting constraint (mgcv's `Cp`), different from
    /// the one it is fitted under: after the fit the term is re-expressed
    /// under it (`design::report`), and a fitted model holds the
    /// term with `constraint` set to it and this field empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_constraint: Option<Constraint>,
    /// Penalties after rescaling and constraint absorption (what is fitted).
    pub penalties: Vec<StoredMat>,
    /// mgcv's `S.scale`: each penalty was divided by this.
    pub s_scale: Vec<f64>,
    /// Whether mgcv treats it as a random effect (for p-values).
    pub random: bool,
    /// Whether mgcv's `gam.side` may delete columns of the term to make it
    /// identifiable beside smooths it nests (mgcv's `side.constrain`;
    /// `false` for random-effect-like classes). Files written before the
    /// flag lack it and read as `true`; `SmoothTerm::fill_side_constrain`
    /// then restores what those versions did (a random effect was the only
    /// term left out).
    #[serde(default = "side_constrain_default")]
    pub side_constrain: bool,
    /// Levels of factor covariates of an `re` term, for coding new data.
    pub factor_levels: Vec<Option<Vec<String>>>,
    /// Columns (after the centring constraint, ascending) that mgcv's
    /// `gam.side` deleted to make nested smooths identifiable; `penalties`
    /// are already reduced. See [`crate::design::side`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub side_deleted: Vec<usize>,
    /// A `t2()` term's columns under its reporting constraint that
    /// `gam.side` deletes (as many as `side_deleted`, found in that
    /// parameterisation); the reported term is built without them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub report_side_deleted: Vec<usize>,
    /// Whether the last penalty is `select = TRUE`'s penalty on the null
    /// space of the others (mgcv's `null.space.penalty`).
    #[serde(default)]
    pub null_space_penalty: bool,
}

/// `side_constrain` of model files written before the flag: no such file
/// holds an `fs` or `sz` term, and side constraints are applied when a
/// model is built, never when it is read back.
fn side_constrain_default() -> bool {
    true
}

/// mgcv's threshold for `select`'s null space: eigenvalues of the summed
/// penalty below `max · ε^0.66` count as zero.
const NULL_SPACE_EXPONENT: f64 = 0.66;

fn term_err(spec: &SmoothSpec, message: impl Into<String>) -> GamError {
    GamError::Term {
        term: spec.label(),
        message: message.into(),
    }
}

/// Covariate columns as numbers, and the levels of those that are factors.
pub(crate) type Covariates = (Vec<Vec<f64>>, Vec<Option<Vec<String>>>);

/// The covariates of a smooth as numbers: numeric columns as they are,
/// factor columns (allowed only for `re`) as level codes.
pub(crate) fn covariates(
    spec: &SmoothSpec,
    data: &DataFrame,
    levels: Option<&[Option<Vec<String>>]>,
) -> Result<Covariates> {
    if spec.kind == SmoothKind::S && spec.bs.first() == Some(&BasisType::Mrf) {
        // The areas are the neighbourhood file's, whatever the column's type.
        let Some(Some(areas)) = levels.and_then(|l| l.first()) else {
            return Err(term_err(spec, "the areas of the mrf smooth are not known"));
        };
        let f = data.factor_with_levels(&spec.vars[0], areas)?;
        let codes = f.codes.iter().map(|c| c.map_or(f64::NAN, |c| c as f64)).collect();
        return Ok((vec![codes], vec![Some(areas.clone())]));
    }
    let mut cols = Vec::with_capacity(spec.vars.len());
    let mut lv = Vec::with_capacity(spec.vars.len());
    for (i, var) in spec.vars.iter().enumerate() {
        if spec.kind.is_tensor() && spec.bs.get(spec.margin_of(i)) == Some(&BasisType::Mrf) {
            // An mrf margin's areas are its neighbourhood file's, whatever the column's type.
            let Some(Some(areas)) = levels.and_then(|l| l.get(i)) else {
                return Err(term_err(spec, "the areas of the mrf margin are not known"));
            };
            let f = data.factor_with_levels(var, areas)?;
            cols.push(f.codes.iter().map(|c| c.map_or(f64::NAN, |c| c as f64)).collect());
            lv.push(Some(areas.clone()));
            continue;
        }
        match data.require_column(var)? {
            Column::Numeric(v) => {
                cols.push(v.clone());
                lv.push(None);
            }
            Column::Factor(f) => {
                let takes = spec.bs.get(i).or(spec.bs.first()).copied();
                if !matches!(takes, Some(BasisType::Re | BasisType::Fs | BasisType::Sz)) {
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

/// The neighbourhood of an `mrf` smooth (`None` for other smooths), after
/// checking the basis dimension mgcv allows: at most every area (below that,
/// mgcv's low-rank MRF; above it, mgcv's error).
fn mrf_areas(spec: &SmoothSpec, opts: &SmoothOptions) -> Result<Option<super::neighbours::Neighbourhood>> {
    if spec.kind != SmoothKind::S || spec.bs.first() != Some(&BasisType::Mrf) {
        return Ok(None);
    }
    if spec.vars.len() != 1 {
        return Err(term_err(spec, "an mrf smooth takes one covariate, the area"));
    }
    let nb = super::neighbours::read_known(spec, opts.neighbourhoods)?;
    let k = spec.k[0];
    let n = nb.areas.len() as i64;
    if k > n {
        return Err(term_err(
            spec,
            format!("k = {k} is more than the {n} areas of the neighbourhood file"),
        ));
    }
    Ok(Some(nb))
}

/// The MRF basis of a spec on its neighbourhood: every area, or (`k` below
/// the number of areas) mgcv's low-rank basis set up on the area codes
/// `setup`; with the file's polygons for plots.
fn mrf_basis(spec: &SmoothSpec, nb: super::neighbours::Neighbourhood, setup: &[f64]) -> Result<Basis> {
    let n = nb.areas.len();
    let basis = mrf::MrfBasis::new(&spec.label(), nb.areas, &nb.neighbours)?;
    let basis = match usize::try_from(spec.k[0]) {
        Ok(k) if k < n => basis.low_rank(k, setup)?,
        _ => basis,
    };
    Ok(Basis::Mrf(basis.with_polygons(nb.polygons)))
}

/// Builds the basis of a spec from training covariates.
fn build_basis(
    spec: &SmoothSpec,
    cols: &[Vec<f64>],
    levels: &[Option<Vec<String>>],
    opts: &SmoothOptions,
) -> Result<Basis> {
    let label = spec.label();
    // Negative orders would wrap around in the casts below.
    super::size::check_m(spec)?;
    let knots_of = |var: &str| opts.knots.and_then(|k| k.get(var)).map(Vec::as_slice);
    let one = |i: usize, bs: BasisType, k: i64, m: Option<i64>, xs: &[&[f64]], vars: &[String]| -> Result<Basis> {
        let k_opt = super::size::requested_k(k);
        let knots = knots_of(&vars[0]);
        Ok(match bs {
            BasisType::Tp | BasisType::Ts => {
                // mgcv uses user knots only when every covariate has them.
                let user: Option<Vec<Vec<f64>>> = vars.iter().map(|v| knots_of(v).map(<[f64]>::to_vec)).collect();
                let opts = tp::TpOptions {
                    m: super::size::order(m),
                    drop_null: super::size::drops_null_space(spec),
                    shrink: bs == BasisType::Ts,
                    max_knots: super::size::xt_max_knots(spec),
                    seed: super::size::xt_seed(spec),
                    knots: user,
                };
                Basis::Tp(tp::TpBasis::with_options(&label, xs, k, &opts)?)
            }
            BasisType::Cr | BasisType::Cs => Basis::Cr(cr::CrBasis::with_options(
                &label,
                xs[0],
                k_opt,
                knots,
                bs == BasisType::Cs,
            )?),
            BasisType::Cc => Basis::Cc(cc::CcBasis::with_knots(&label, xs[0], k_opt, knots)?),
            BasisType::Ps => {
                let m = match spec.kind {
                    SmoothKind::S => super::size::ps_orders(&spec.m_ints()),
                    _ => super::size::ps_orders(&[m]),
                };
                Basis::Ps(ps::PsBasis::with_knots(&label, xs[0], k_opt, &m, knots)?)
            }
            BasisType::Re => {
                let counts: Vec<Option<usize>> = levels[i..i + xs.len()]
                    .iter()
                    .map(|l| l.as_ref().map(Vec::len))
                    .collect();
                Basis::Re(re::ReBasis::new(&label, xs, &counts)?)
            }
            BasisType::Mrf if spec.kind.is_tensor() => super::mrf_margin::basis(spec, spec.margin_of(i), xs[0])?,
            BasisType::Mrf => return Err(super::size::not_built(spec, "an mrf smooth here")),
            BasisType::Cp => Basis::Cp(cp::CpBasis::new(&label, xs[0], k_opt, &margin_m(spec, m), knots)?),
            BasisType::Bs => Basis::Bs(bs::BsBasis::new(&label, xs[0], k_opt, &margin_m(spec, m), knots)?),
            BasisType::Ad if spec.kind != SmoothKind::S => {
                return Err(term_err(
                    spec,
                    "bs = \"ad\" cannot be a tensor product margin (as in mgcv); use ps or cp",
                ));
            }
            BasisType::Ad if xs.len() > 2 => return Err(ad::too_many_covariates(&label)),
            BasisType::Ad if xs.len() == 2 => Basis::Ad(Box::new(ad::AdBasis::surface(
                &label,
                xs,
                &spec.k,
                &spec.m_ints(),
                spec.xt.bs.as_deref().or(spec.xt.text.as_deref()),
                [knots_of(&vars[0]), knots_of(&vars[1])],
            )?)),
            BasisType::Ad => Basis::Ad(Box::new(ad::AdBasis::new(
                &label,
                xs[0],
                k_opt,
                super::size::order(m),
                spec.xt.bs.as_deref().or(spec.xt.text.as_deref()),
                knots,
            )?)),
            BasisType::Gp | BasisType::Ds => {
                // A margin of a tensor product has its own element of m.
                let m = match spec.kind {
                    SmoothKind::S => spec.m.clone(),
                    _ => vec![spec.m.get(spec.margin_of(i)).copied().flatten()],
                };
                let user: Option<Vec<Vec<f64>>> = vars.iter().map(|v| knots_of(v).map(<[f64]>::to_vec)).collect();
                let (max, seed) = (super::size::xt_max_knots(spec), super::size::xt_seed(spec));
                if bs == BasisType::Gp {
                    Basis::Gp(gp::GpBasis::new(&label, xs, k, &m, user.as_deref(), max, seed)?)
                } else {
                    Basis::Ds(ds::DsBasis::new(&label, xs, k, &m, user.as_deref(), max, seed)?)
                }
            }
            BasisType::Fs | BasisType::Sz => return Err(super::grouped::margin_error(spec, bs)),
        })
    };
    if super::grouped::is_grouped(spec) {
        return super::grouped::build(spec, cols, levels, |base, xs| {
            build_basis(base, xs, &vec![None; xs.len()], opts)
        });
    }
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
            if bs == BasisType::Re && spec.id.is_some() {
                // mgcv's re constructor: "random effects don't work with ids".
                return Err(term_err(
                    spec,
                    "random effects can not share smoothing parameters (id =); remove the id",
                ));
            }
            one(0, bs, spec.k[0], spec.m_int(0), &xs, &spec.vars)
        }
        SmoothKind::Te | SmoothKind::Ti | SmoothKind::T2 => {
            let dims = spec.margin_dims();
            let mut margins = Vec::with_capacity(dims.len());
            let mut covs = Vec::with_capacity(dims.len());
            let mut at = 0;
            for (i, &d) in dims.iter().enumerate() {
                let xs: Vec<&[f64]> = cols[at..at + d].iter().map(Vec::as_slice).collect();
                if d > 1 && spec.bs[i].is_one_dimensional() {
                    return Err(term_err(
                        spec,
                        format!(
                            "margin {} takes {d} covariates; bs = \"{}\" smooths one",
                            i + 1,
                            spec.bs[i]
                        ),
                    ));
                }
                margins.push(one(
                    at,
                    spec.bs[i],
                    spec.k[i],
                    spec.m_int(i),
                    &xs,
                    &spec.vars[at..at + d],
                )?);
                covs.push(xs);
                at += d;
            }
            if spec.kind == SmoothKind::T2 {
                let t = T2Basis::new(&label, margins, &covs, spec.full, &spec.ord)?;
                return Ok(Basis::T2(Box::new(t)));
            }
            let t = TensorBasis::new(margins, &covs, spec.kind == SmoothKind::Ti, &spec.mc)?;
            Ok(Basis::Tensor(Box::new(t)))
        }
    }
}

/// The `m` of one basis as whole orders: all of an `s()`'s `m`, or a
/// margin's single entry (`NA` stays `None`, the class's default).
fn margin_m(spec: &SmoothSpec, m: Option<i64>) -> Vec<Option<usize>> {
    match spec.kind {
        SmoothKind::S => super::size::whole(&spec.m_ints()),
        _ => super::size::whole(&[m]),
    }
}

/// `select = TRUE`'s extra penalty for a term's (constrained) penalties, as
/// mgcv's `smoothCon` builds it: `U Uᵀ` for the eigenvectors `U` of the
/// summed penalty whose eigenvalues are below `max · ε^0.66` (mgcv sums the
/// first penalty twice when there are several; that changes nothing but
/// the threshold's reference, and is kept). `None` when the penalties have
/// no null space (a random effect, a cyclic smooth after centring).
fn null_space_penalty(penalties: &[Mat<f64>], term: &SmoothSpec) -> Result<Option<Mat<f64>>> {
    let Some(first) = penalties.first() else {
        return Ok(None);
    };
    let mut total = first.clone();
    if penalties.len() > 1 {
        for s in penalties {
            total += s;
        }
    }
    let total = crate::linalg::symmetrise(&total);
    let eig = total
        .self_adjoint_eigen(Side::Lower)
        .map_err(|_| term_err(term, "select = TRUE: the penalty's eigen-decomposition failed"))?;
    let p = total.nrows();
    let values: Vec<f64> = (0..p).map(|i| eig.S()[i]).collect();
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let tol = max * f64::EPSILON.powf(NULL_SPACE_EXPONENT);
    let null: Vec<usize> = (0..p).filter(|&i| values[i] < tol).collect();
    if null.is_empty() {
        return Ok(None);
    }
    let u = eig.U();
    Ok(Some(Mat::from_fn(p, p, |i, j| {
        null.iter().map(|&c| u[(i, c)] * u[(j, c)]).sum()
    })))
}

/// The statistics of a basis's raw model matrix over all rows, built a
/// chunk of rows at a time in parallel so the n x k matrix is never held.
fn raw_design_stats(basis: &Basis, cols: &[Vec<f64>]) -> Result<DesignStats> {
    let n = cols.first().map_or(0, Vec::len);
    let chunks: Vec<DesignStats> = try_par_map(row_chunks(n, CHUNK_ROWS), |r| {
        let refs: Vec<&[f64]> = cols.iter().map(|c| &c[r.clone()]).collect();
        Ok(DesignStats::of(&basis.design(&refs)?))
    })?;
    Ok(chunks.into_iter().reduce(DesignStats::merge).unwrap_or(DesignStats {
        max_row_abs_sum: 0.0,
        col_sums: vec![0.0; basis.dim()],
        rows: 0,
    }))
}

/// mgcv's label of a smooth term: `s(x)`, `te(a,b)`, `s(x):z` for a numeric
/// `by`, `s(x):gA` for level `A` of a factor `by`.
/// An adaptive smooth of two covariates is mgcv's `te()` object underneath,
/// and keeps its label: `te(x,z)`.
pub fn label_of(spec: &SmoothSpec, by: &By) -> String {
    let adaptive_surface =
        spec.kind == SmoothKind::S && spec.bs.first() == Some(&BasisType::Ad) && spec.vars.len() == 2;
    let kind = if adaptive_surface { "te" } else { spec.kind.as_str() };
    let base = format!("{kind}({})", spec.vars.join(","));
    match by {
        By::None => base,
        By::Numeric { column } => format!("{base}:{column}"),
        By::Level { column, level, .. } => format!("{base}:{column}{level}"),
    }
}

impl SmoothTerm {
    /// Builds the term(s) of one smooth spec from training data: one term, or
    /// one per level of a factor `by` variable.
    pub fn build(spec: &SmoothSpec, data: &DataFrame) -> Result<Vec<SmoothTerm>> {
        SmoothTerm::build_with(spec, data, &SmoothOptions::default())
    }

    /// [`SmoothTerm::build`] with mgcv's `select` and `knots` (see [`SmoothOptions`]).
    pub fn build_with(spec: &SmoothSpec, data: &DataFrame, opts: &SmoothOptions) -> Result<Vec<SmoothTerm>> {
        SmoothTerm::build_on(spec, data, opts, None)
    }

    /// [`SmoothTerm::build_with`] for a term whose basis is set up on other
    /// covariate values than its own: a term with an `id =`, whose basis,
    /// penalty scaling and centring constraint come from the pooled
    /// covariates of every term with that id (mgcv's `smoothCon(..., dataX)`),
    /// while its model matrix comes from its own.
    pub(crate) fn build_on(
        spec: &SmoothSpec,
        data: &DataFrame,
        opts: &SmoothOptions,
        setup: Option<&[Vec<f64>]>,
    ) -> Result<Vec<SmoothTerm>> {
        let (cols, levels, basis) = match mrf_areas(spec, opts)? {
            Some(nb) => {
                let known = [Some(nb.areas.clone())];
                let (cols, levels) = covariates(spec, data, Some(&known)).map_err(|e| match e {
                    GamError::Data { column, row, .. } => term_err(
                        spec,
                        format!(
                            "the area at row {} of column '{column}' is not in neighbourhood file '{}': every area \
                             in the data must be a key of the file",
                            row.unwrap_or(0),
                            spec.xt.text.as_deref().unwrap_or_default()
                        ),
                    ),
                    other => other,
                })?;
                let codes = setup.map_or(&cols[0], |s| &s[0]);
                let basis = mrf_basis(spec, nb, codes)?;
                (cols, levels, basis)
            }
            None => {
                let known = super::mrf_margin::areas(spec)?;
                let (cols, levels) =
                    covariates(spec, data, known.as_deref()).map_err(|e| super::mrf_margin::unknown_area(spec, e))?;
                let basis = build_basis(spec, setup.unwrap_or(&cols), &levels, opts)?;
                (cols, levels, basis)
            }
        };
        let setup = setup.unwrap_or(&cols);
        let stats = raw_design_stats(&basis, setup)?;
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
        let (constraint, report_constraint) = match &basis {
            Basis::Fs(_) => (None, None),
            Basis::Sz(b) => (centre.then(|| Constraint::Kronecker(b.contrast())), None),
            Basis::T2(b) if centre => (b.fit_constraint(&stats.col_sums), b.report_constraint(&stats.col_sums)),
            Basis::T2(_) => (None, None),
            _ => (centre.then(|| Constraint::SumToZero(stats.sum_to_zero())), None),
        };
        let mut constrained: Vec<Mat<f64>> = penalties
            .iter()
            .map(|s| constraint.as_ref().map_or_else(|| s.clone(), |c| c.apply_penalty(s)))
            .collect();
        // select = TRUE: after the constraint, as mgcv's smoothCon adds it.
        let extra = if opts.select {
            null_space_penalty(&constrained, spec)?
        } else {
            None
        };
        let null_space_penalty = extra.is_some();
        if let Some(sf) = extra {
            constrained.push(sf);
            s_scale.push(1.0);
        }
        let constrained: Vec<StoredMat> = constrained.iter().map(StoredMat::from_mat).collect();
        let make = |label: String, by: By| SmoothTerm {
            label,
            spec: spec.clone(),
            basis: basis.clone(),
            by,
            constraint: constraint.clone(),
            report_constraint: report_constraint.clone(),
            penalties: constrained.clone(),
            s_scale: s_scale.clone(),
            random: is_re,
            // mgcv's re constructor sets side.constrain = FALSE.
            factor_levels: levels.clone(),
            side_deleted: Vec::new(),
            report_side_deleted: Vec::new(),
            null_space_penalty,
            side_constrain: !matches!(basis, Basis::Re(_) | Basis::Fs(_) | Basis::Sz(_)),
        };
        let labelled = |by: By| make(label_of(spec, &by), by);
        Ok(match by_col {
            None => vec![labelled(By::None)],
            Some((name, Column::Numeric(_))) => vec![labelled(By::Numeric { column: name })],
            Some((name, Column::Factor(f))) => {
                // An ordered factor's first level is the reference: no smooth
                // (mgcv's smoothCon, unless it is the only level).
                let reference = (f.ordered && f.levels.len() > 1).then(|| f.levels[0].clone());
                let skip = usize::from(reference.is_some());
                f.levels
                    .iter()
                    .skip(skip)
                    .map(|level| {
                        labelled(By::Level {
                            column: name.clone(),
                            level: level.clone(),
                            reference: reference.clone(),
                        })
                    })
                    .collect()
            }
        })
    }

    /// The term's penalties (rescaled, with `select`'s extra one) under
    /// another constraint than its own: mgcv's `Sp` of a `t2()` term.
    pub(crate) fn penalties_under(&self, constraint: &Constraint) -> Vec<StoredMat> {
        let mut out: Vec<StoredMat> = self
            .basis
            .penalties()
            .iter()
            .zip(&self.s_scale)
            .map(|(s, sc)| StoredMat::from_mat(&constraint.apply_penalty(&(s * (1.0 / sc)))))
            .collect();
        if self.null_space_penalty {
            let constrained: Vec<Mat<f64>> = out.iter().map(StoredMat::to_mat).collect();
            if let Ok(Some(extra)) = null_space_penalty(&constrained, &self.spec) {
                out.push(StoredMat::from_mat(&extra));
            }
        }
        out
    }

    /// Sets [`SmoothTerm::side_constrain`] as the versions before the flag
    /// decided it, for a term read from such a file: every term but a
    /// random effect. (In mgcv 1.8-41 only `re` sets `random`, and it sets
    /// `side.constrain = FALSE`, so this changes nothing for a term written
    /// since.)
    pub(crate) fn fill_side_constrain(&mut self) {
        if self.random {
            self.side_constrain = false;
        }
    }

    /// Number of coefficients (columns) of the term.
    pub fn n_coef(&self) -> usize {
        self.n_coef_before_side().saturating_sub(self.side_deleted.len())
    }

    /// Number of columns after the centring constraint, before `gam.side`'s deletions.
    pub fn n_coef_before_side(&self) -> usize {
        self.constraint.as_ref().map_or(self.basis.dim(), Constraint::n_after)
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
            By::Level { column, level, .. } => {
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
        if let Basis::T2(b) = &self.basis {
            // mgcv names a t2() term's penalties by their blocks: t2(x,z)rr, ...
            let labels = b.penalty_labels();
            let mut names: Vec<String> = labels.iter().map(|l| format!("{}{l}", self.label)).collect();
            if self.null_space_penalty {
                // select = TRUE's penalty has no name in mgcv's list: the bare label.
                names.push(self.label.clone());
            }
            if names.len() == self.penalties.len() && names.len() > 1 {
                return names;
            }
        }
        match self.penalties.len() {
            1 => vec![self.label.clone()],
            n => (1..=n).map(|i| format!("{}{i}", self.label)).collect(),
        }
    }

    /// mgcv's `null.space.dim` of the term after its constraint: the null
    /// space of its penalties (0 for shrinkage bases and with `select`).
    pub fn null_space_dim(&self) -> usize {
        if self.null_space_penalty {
            return 0;
        }
        self.basis
            .null_space_dim()
            .saturating_sub(self.constraint.as_ref().map_or(0, Constraint::null_space_reduction))
    }

    /// mgcv's class of the term (`cr.smooth`, `tensor.smooth`, ...).
    pub fn class(&self) -> &'static str {
        self.basis.mgcv_class()
    }
}
