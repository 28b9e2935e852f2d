//! Smooths grouped by factors, `s(x, fac, bs = "fs")` and
//! `s(x, fac, bs = "sz")`: which covariates are the factors, the base
//! smooth's spec, and the checks mgcv's constructors make, shared by the
//! sizing ([`super::size`]) and the building ([`super::smooth`]) of a term.

use crate::basis::Basis;
use crate::basis::fs::{FsBasis, relabel};
use crate::basis::sz::SzBasis;
use crate::data::{Column, DataFrame};
use crate::error::{GamError, Result};
use crate::formula::{BasisType, SmoothKind, SmoothSpec, SmoothXt};

/// Whether the spec is an `fs` or `sz` smooth.
pub(crate) fn is_grouped(spec: &SmoothSpec) -> bool {
    spec.kind == SmoothKind::S && matches!(spec.bs[0], BasisType::Fs | BasisType::Sz)
}

fn term_err(spec: &SmoothSpec, message: String) -> GamError {
    GamError::Term {
        term: spec.label(),
        message,
    }
}

/// The error for `fs` or `sz` given as a margin of a tensor product.
pub(crate) fn margin_error(spec: &SmoothSpec, bs: BasisType) -> GamError {
    term_err(
        spec,
        format!("bs = \"{bs}\" cannot be a margin of a tensor product; use s(x, fac, bs = \"{bs}\")"),
    )
}

/// The base class named by `xt` (default `tp`), if the class can take it.
/// mgcv 1.8-41 (`smooth.r` ~2112, ~2302) takes any class with a single
/// penalty (a multiply penalised base is refused once built, see
/// [`FsBasis::new`]); `fs` also needs a penalty null space, which `ts`, `cs`
/// and `re` lack (mgcv's null-space loop then fails). `mrf` takes a factor,
/// which mgcv counts as one of the term's factors.
fn base_type(spec: &SmoothSpec) -> Result<BasisType> {
    let class = spec.bs[0];
    let base = match spec.xt.bs.as_deref() {
        None => BasisType::Tp,
        Some(code) => BasisType::from_code(code).unwrap_or(BasisType::Tp),
    };
    let why = match (class, base) {
        (_, BasisType::Fs | BasisType::Sz) => format!("a base smooth cannot itself be \"{base}\""),
        (_, BasisType::Mrf) => "the area of an mrf is a factor, which mgcv 1.8-41 counts as a factor of the term \
                                (fs: \"fs smooths can only have one factor argument\"); use s(area, bs = \"mrf\") instead"
            .to_string(),
        (BasisType::Fs, BasisType::Ts | BasisType::Cs | BasisType::Re) => format!(
            "its penalty has no null space, and fs penalises each null-space function apart \
             (mgcv 1.8-41 fails: \"subscript out of bounds\"); use \"{}\" or bs = \"sz\"",
            if base == BasisType::Cs { "cr" } else { "tp" }
        ),
        _ => return Ok(base),
    };
    Err(term_err(
        spec,
        format!("xt = \"{base}\" cannot be the base smooth of bs = \"{class}\": {why}"),
    ))
}

/// The covariates of a grouped smooth: the factors' positions and level
/// counts, the numeric covariates' names, and the base smooth's spec.
pub(crate) struct Parts {
    /// Positions of the factors among the covariates, ascending.
    pub factors: Vec<usize>,
    /// Number of levels of each factor.
    pub levels: Vec<usize>,
    /// The base smooth of the numeric covariates, as its own `s()`.
    pub base: SmoothSpec,
}

/// Splits a grouped smooth's covariates (`factor_levels[i]` the levels of
/// covariate `i` if it is a factor) and checks them as mgcv does: `fs` takes
/// exactly one factor, `sz` one or more, each of at least two levels, and
/// both need a numeric covariate.
pub(crate) fn parts(spec: &SmoothSpec, factor_levels: &[Option<&[String]>]) -> Result<Parts> {
    let class = spec.bs[0];
    let factors: Vec<usize> = (0..factor_levels.len())
        .filter(|&i| factor_levels[i].is_some())
        .collect();
    let numeric: Vec<String> = (0..factor_levels.len())
        .filter(|i| !factors.contains(i))
        .map(|i| spec.vars[i].clone())
        .collect();
    if factors.is_empty() || numeric.is_empty() {
        return Err(term_err(
            spec,
            format!(
                "bs = \"{class}\" takes numeric covariates and a factor, e.g. s(x, fac, bs = \"{class}\"); \
                 use s(x) without a factor, s(fac, bs = \"re\") for a factor alone"
            ),
        ));
    }
    if class == BasisType::Fs && factors.len() > 1 {
        return Err(term_err(
            spec,
            "fs smooths can only have one factor argument (use bs = \"sz\" for several)".into(),
        ));
    }
    for &f in &factors {
        let levels = factor_levels[f].unwrap_or_default();
        if levels.len() < 2 {
            let what = levels
                .first()
                .map_or("no levels".to_string(), |l| format!("only one level, '{l}'"));
            return Err(term_err(
                spec,
                format!(
                    "factor '{}' has {what}: bs = \"{class}\" needs a factor with at least 2 levels (use s({}) for one curve)",
                    spec.vars[f],
                    numeric.join(", ")
                ),
            ));
        }
    }
    let base = SmoothSpec {
        vars: numeric,
        bs: vec![base_type(spec)?],
        by: None,
        sp: Vec::new(),
        // mgcv passes the term's xt list on to the base constructor, which
        // reads its knot subsampling (a tp, ts, gp or ds base).
        xt: SmoothXt {
            max_knots: spec.xt.max_knots,
            seed: spec.xt.seed,
            ..SmoothXt::default()
        },
        id: None,
        ..spec.clone()
    };
    Ok(Parts {
        levels: factors
            .iter()
            .map(|&f| factor_levels[f].map_or(0, <[String]>::len))
            .collect(),
        factors,
        base,
    })
}

/// [`parts`] from the data's columns (for sizing a model before building it).
pub(crate) fn parts_of_data(spec: &SmoothSpec, data: &DataFrame) -> Result<Parts> {
    let cols: Vec<&Column> = spec
        .vars
        .iter()
        .map(|v| data.require_column(v))
        .collect::<Result<_>>()?;
    let levels: Vec<Option<&[String]>> = cols
        .iter()
        .map(|c| match c {
            Column::Factor(f) => Some(f.levels.as_slice()),
            Column::Numeric(_) => None,
        })
        .collect();
    parts(spec, &levels)
}

/// Builds an `fs` or `sz` basis from the term's training covariates (factor
/// columns as level codes; `levels[i]` the levels of covariate `i` if it is
/// a factor); `build_base` builds the base smooth from its spec and columns.
pub(crate) fn build(
    spec: &SmoothSpec,
    cols: &[Vec<f64>],
    levels: &[Option<Vec<String>>],
    build_base: impl FnOnce(&SmoothSpec, &[Vec<f64>]) -> Result<Basis>,
) -> Result<Basis> {
    let label = spec.label();
    let lv: Vec<Option<&[String]>> = levels.iter().map(Option::as_deref).collect();
    let p = parts(spec, &lv)?;
    let numeric: Vec<Vec<f64>> = (0..cols.len())
        .filter(|i| !p.factors.contains(i))
        .map(|i| cols[i].clone())
        .collect();
    let base = build_base(&p.base, &numeric).map_err(|e| relabel(e, &label))?;
    if matches!(base, Basis::Re(_)) && spec.id.is_some() {
        // mgcv's re constructor sees the term's id.
        return Err(term_err(
            spec,
            "random effects can not share smoothing parameters (id =), nor can an sz term on an re base; remove the id"
                .into(),
        ));
    }
    if spec.bs[0] == BasisType::Fs {
        let xs: Vec<&[f64]> = numeric.iter().map(Vec::as_slice).collect();
        let f = p.factors[0];
        Ok(Basis::Fs(FsBasis::new(&label, base, &xs, f, &cols[f], p.levels[0])?))
    } else {
        let codes: Vec<&[f64]> = p.factors.iter().map(|&f| cols[f].as_slice()).collect();
        let summed = spec.id.is_some();
        Ok(Basis::Sz(SzBasis::new(
            &label, base, p.factors, &codes, p.levels, summed,
        )?))
    }
}

/// Coefficients and penalties of a grouped smooth whose base has
/// `base_coefs` functions: `fs` repeats the base per level (one penalty
/// more per null-space function, estimated here from the covariates: the
/// count only sizes memory); `sz` per level combination (one penalty in
/// all with an `id`), less its sum-to-zero contrasts when `constrained`.
pub(crate) fn size(spec: &SmoothSpec, p: &Parts, base_coefs: f64, constrained: bool) -> (f64, f64) {
    let all: f64 = p.levels.iter().map(|&l| l as f64).product();
    if spec.bs[0] == BasisType::Fs {
        (base_coefs * all, 2.0 + p.base.vars.len() as f64)
    } else {
        let kept: f64 = if constrained {
            p.levels.iter().map(|&l| (l - 1) as f64).product()
        } else {
            all
        };
        (base_coefs * kept, if spec.id.is_some() { 1.0 } else { all })
    }
}
