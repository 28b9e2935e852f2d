//! An MRF as a margin of a tensor product, as mgcv 1.8-41 builds it:
//! `te(area, year, bs = c("mrf", "cr"), k = c(8, 5), xt = list("nb.json", NULL))`.
//!
//! mgcv's `te()` (`smooth.r` lines 362-475) hands margin `i` its own `xt`
//! (`xt[[i]]`, or one `xt` for every margin) and `k[i]`, so the margin is
//! `s(area, bs = "mrf", k = k[i], xt = xt[[i]])` built by
//! `smooth.construct.mrf.smooth.spec` (lines 2837-2977) on the term's data
//! and knots: every area of the neighbourhood file is a level (here: a key
//! of the file, as for `s(area, bs = "mrf")`), `k` below the number of areas
//! gives the low-rank basis, `k` above it is mgcv's error. `te()`'s default
//! `k` is 5 per margin, so an mrf margin is low rank unless `k` gives every
//! area. The tensor constructor (lines 874-1003) then treats it as any
//! margin except that it is not reparameterised (mgcv's `noterp`), a
//! `ti()` centres it with `smoothCon`'s constraint (mgcv's `indi` for areas
//! without data), and the term is not plotted (`te.ok = 2`). `t2()` takes a
//! low-rank mrf margin as any other margin (mgcv's
//! `smooth.construct.t2.smooth.spec`); a full-rank one is refused for now.
//!
//! The fitted model keeps the margin's penalty and areas (the basis), never
//! the file's path; the cache key hashes the file's bytes
//! ([`super::neighbours::file_bytes`]).

use crate::basis::{Basis, mrf::MrfBasis};
use crate::error::{GamError, Result};
use crate::formula::{BasisType, SmoothKind, SmoothSpec};

/// Whether `spec` is a tensor product with an mrf margin.
pub(crate) fn has_mrf_margin(spec: &SmoothSpec) -> bool {
    spec.kind.is_tensor() && spec.bs.contains(&BasisType::Mrf)
}

fn term_err(spec: &SmoothSpec, message: impl Into<String>) -> GamError {
    GamError::Term {
        term: spec.label(),
        message: message.into(),
    }
}

/// Per covariate of a tensor product with mrf margins, the areas of its
/// margin's neighbourhood file (`None` for covariates of other margins),
/// after checking what mgcv allows: one covariate per mrf margin, `k` at
/// most the number of areas; `None` for other terms.
///
/// # Errors
/// [`GamError::Term`] naming the term: a file that cannot be read (see
/// [`super::neighbours::read`]), an mrf margin of several covariates, `k`
/// above the number of areas, a full-rank mrf margin of `t2()`.
pub(crate) fn areas(spec: &SmoothSpec) -> Result<Option<Vec<Option<Vec<String>>>>> {
    if !has_mrf_margin(spec) {
        return Ok(None);
    }
    let dims = spec.margin_dims();
    let mut out = Vec::with_capacity(spec.vars.len());
    for (i, &d) in dims.iter().enumerate() {
        if spec.bs[i] != BasisType::Mrf {
            out.extend(std::iter::repeat_n(None, d));
            continue;
        }
        if d != 1 {
            return Err(term_err(
                spec,
                format!(
                    "margin {} is an mrf, which takes one covariate (the area), not {d}",
                    i + 1
                ),
            ));
        }
        let nb = super::neighbours::read_margin(spec, i)?;
        let n = nb.areas.len() as i64;
        if spec.kind == SmoothKind::T2 && spec.k[i] >= n {
            // mgcv builds it; the engine's reporting map of t2() fails on
            // the columns of areas without data.
            return Err(term_err(
                spec,
                format!(
                    "a full-rank mrf margin (k = {}, every area) is not supported in t2() yet; give k below {n} \
                     (low rank) or use te()",
                    spec.k[i]
                ),
            ));
        }
        if spec.k[i] > n {
            return Err(term_err(
                spec,
                format!(
                    "k = {} of mrf margin {} is more than the {n} areas of its neighbourhood file",
                    spec.k[i],
                    i + 1
                ),
            ));
        }
        out.push(Some(nb.areas));
    }
    Ok(Some(out))
}

/// An area of the data missing from the margin's file, as a term error
/// naming the file (other errors pass through).
pub(crate) fn unknown_area(spec: &SmoothSpec, e: GamError) -> GamError {
    let margin = |column: &str| {
        let i = spec.vars.iter().position(|v| v == column)?;
        Some(spec.margin_of(i)).filter(|&m| spec.bs[m] == BasisType::Mrf)
    };
    match e {
        GamError::Data { column, row, .. } if margin(&column).is_some() => {
            let margin = margin(&column).unwrap_or_default();
            term_err(
                spec,
                format!(
                    "the area at row {} of column '{column}' is not in neighbourhood file '{}': every area in the \
                     data must be a key of the file",
                    row.unwrap_or(0),
                    spec.margin_xt(margin).text.as_deref().unwrap_or_default()
                ),
            )
        }
        other => other,
    }
}

/// The basis of mrf margin `margin`, set up on the area codes `codes`: every
/// area, or (`k` below the number of areas) mgcv's low-rank basis. No
/// polygons: mgcv does not plot such a term.
///
/// # Errors
/// As [`areas`], and [`MrfBasis::low_rank`]'s.
pub(crate) fn basis(spec: &SmoothSpec, margin: usize, codes: &[f64]) -> Result<Basis> {
    let nb = super::neighbours::read_margin(spec, margin)?;
    let n = nb.areas.len();
    let basis = MrfBasis::new(&spec.label(), nb.areas, &nb.neighbours)?;
    let basis = match usize::try_from(spec.k[margin]) {
        Ok(k) if k < n => basis.low_rank(k, codes)?,
        _ => basis,
    };
    Ok(Basis::Mrf(basis))
}
