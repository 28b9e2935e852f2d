//! Smooths linked by mgcv's `id =`: every term with one id is built as a
//! copy of the first term with it (mgcv's `clone.smooth.spec`: its basis
//! type, dimension, orders and `sp`, with the term's own covariates, `by`
//! and `xt`), on one basis set up from the pooled covariate values of all
//! of them (knots, penalty scaling and centring constraint alike), so that
//! their penalties are one penalty and one smoothing parameter can serve
//! all (see [`super::Design::sp_links`]). An `fs` or `sz` term can only
//! have an id of its own (mgcv 1.8-41 fails on a shared one).

use crate::data::DataFrame;
use crate::error::{GamError, Result};
use crate::formula::{Formula, SmoothSpec};

use super::smooth::covariates;

/// The first spec of each id and the pooled covariates of its terms.
pub(crate) struct Linked {
    ids: Vec<(String, SmoothSpec, Vec<Vec<f64>>)>,
}

fn term_err(spec: &SmoothSpec, message: String) -> GamError {
    GamError::Term {
        term: spec.label(),
        message,
    }
}

impl Linked {
    /// Collects the ids of `formula`'s smooths from the training data.
    ///
    /// An `fs` or `sz` term alone with its id is built as it is (its
    /// constructor reads the id: `sz` then sums its penalties); mgcv 1.8-41
    /// fails when such a term shares its id, as its `gam.setup` pools the
    /// factor columns into a matrix that is no longer a factor.
    ///
    /// # Errors
    /// [`GamError::Term`] for a term whose number of covariates or kind of
    /// smooth differs from the first term with its id, whose covariates
    /// are factors (a random effect cannot share a basis by value), or an
    /// `fs`/`sz` term sharing its id.
    pub(crate) fn collect(formula: &Formula, data: &DataFrame) -> Result<Linked> {
        let mut ids: Vec<(String, SmoothSpec, Vec<Vec<f64>>)> = Vec::new();
        for spec in formula.smooths() {
            let Some(id) = &spec.id else { continue };
            if super::grouped::is_grouped(spec) {
                let shared = formula.smooths().filter(|s| s.id.as_ref() == Some(id)).count() > 1;
                if shared {
                    return Err(term_err(
                        spec,
                        format!(
                            "a bs = \"{}\" term cannot share id = \"{id}\" with other terms (mgcv 1.8-41 fails on it); \
                             give it an id of its own or none",
                            spec.bs[0]
                        ),
                    ));
                }
                continue;
            }
            let slot = ids.iter().position(|(i, _, _)| i == id);
            let base = slot.map_or(spec, |i| &ids[i].1);
            let cloned = clone_spec(base, spec)?;
            let (cols, levels) = covariates(&cloned, data, None)?;
            if levels.iter().any(Option::is_some) {
                return Err(term_err(
                    spec,
                    format!("id = \"{id}\" links smooths of numeric covariates; a term of factors can not share it"),
                ));
            }
            match slot {
                Some(i) => {
                    for (pooled, col) in ids[i].2.iter_mut().zip(cols) {
                        pooled.extend(col);
                    }
                }
                None => ids.push((id.clone(), spec.clone(), cols)),
            }
        }
        Ok(Linked { ids })
    }

    /// For a spec with an id: the spec it is built as and the pooled
    /// covariates its basis is set up on.
    pub(crate) fn setup(&self, spec: &SmoothSpec) -> Option<(SmoothSpec, &[Vec<f64>])> {
        let id = spec.id.as_ref()?;
        let (_, base, pooled) = self.ids.iter().find(|(i, _, _)| i == id)?;
        // `collect` already refused specs that cannot be cloned.
        let cloned = clone_spec(base, spec).ok()?;
        Some((cloned, pooled.as_slice()))
    }
}

/// mgcv's `clone.smooth.spec`: `base` with the covariates, `by`, `xt` and
/// position of `spec`.
fn clone_spec(base: &SmoothSpec, spec: &SmoothSpec) -> Result<SmoothSpec> {
    let id = spec.id.as_deref().unwrap_or_default();
    if base.vars.len() != spec.vars.len() {
        return Err(term_err(
            spec,
            format!(
                "smooths sharing id = \"{id}\" must have the same number of covariates ({} has {})",
                base.label(),
                base.vars.len()
            ),
        ));
    }
    if base.kind != spec.kind || base.margin_dims() != spec.margin_dims() {
        return Err(term_err(
            spec,
            format!(
                "smooths sharing id = \"{id}\" must be the same kind of smooth as {}",
                base.label()
            ),
        ));
    }
    Ok(SmoothSpec {
        vars: spec.vars.clone(),
        by: spec.by.clone(),
        span: spec.span,
        xt: spec.xt.clone(),
        ..base.clone()
    })
}
