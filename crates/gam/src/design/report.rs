//! mgcv's prediction parameterisation (`G$P`, mgcv 1.8-41 `mgcv.r` lines
//! 1196-1234 and 1891-1896): a `t2()` term is fitted under a constraint on
//! its null space only, so that its penalties stay ridges, but its
//! coefficients are reported under the whole term's sum-to-zero constraint
//! (its `Cp`), as for every other smooth.
//!
//! Both parameterisations span the same functions once the parametric
//! columns are added (the constraint only moves a constant between the term
//! and the intercept, or the factor's columns for a factor `by`). So the
//! fit's columns `F` of the term are exactly `F = X_par B + G A`, with `G`
//! the term's columns under the reporting constraint, and the coefficients
//! map as `β_rep = P β_fit`, `P` the identity but for the term's columns:
//! `A` in its own rows and `B` in the parametric rows. `A` and `B` are the
//! least-squares solution over the training rows (exact up to rounding,
//! and what mgcv's QR of its prediction model matrix gives). The fitted
//! model's `Vp`, `Ve` and `Vc` become `P V Pᵀ`; the per-coefficient `edf`
//! stay in the fit's parameterisation, as in mgcv.
//!
//! **Beside smooths it nests** (`s(x) + s(z) + t2(x, z)`), `gam.side`
//! deletes columns of the term in both parameterisations
//! ([`SmoothTerm::side_deleted`] in the fitting one, by tolerance, and as
//! many again in the reporting one, [`SmoothTerm::report_side_deleted`],
//! as mgcv's `fixDependence(X1, Xp, rank.def)`). The two spans then agree
//! only together with the nested smooths' columns, so `F` is regressed on
//! those too and `P` gains rows in their coefficients: what mgcv's least
//! squares over its whole prediction model matrix gives.
//!
//! **A deliberate difference from mgcv.** mgcv's `summary.gam` tests a
//! `t2()` term with the factor `R` of the *fitted* parameterisation and the
//! coefficients and `Vp` of the *reported* one. That mixture is not
//! invariant to the signs of the margins' eigenvectors, which are arbitrary:
//! flipping one changes mgcv's F statistic from 59.6 to 61.7 on our data.
//! We convert `R` too (`R P⁻¹`), so the test is Wood (2013)'s in one
//! parameterisation and does not depend on the signs.

use faer::Mat;
use faer::prelude::{Solve, SolveLstsq};

use super::Design;
use crate::data::DataFrame;
use crate::error::{GamError, Result};

/// The map from a fit's coefficients to the reported ones, and the design
/// the reported ones belong to.
pub(crate) struct ReportMap {
    /// `P` (`p x p`).
    pub p: Mat<f64>,
    /// The design with each term under its reporting constraint.
    pub design: Design,
}

impl ReportMap {
    /// `P β`.
    pub fn coefficients(&self, beta: &[f64]) -> Vec<f64> {
        crate::linalg::blocks::mat_vec(&self.p, beta)
    }

    /// `P V Pᵀ`.
    pub fn covariance(&self, v: &Mat<f64>) -> Mat<f64> {
        &self.p * v * self.p.transpose()
    }

    /// A factor of `XᵀWX` in the reported coefficients: `R P⁻¹` for a
    /// factor `R` in the fitted ones (the model matrix maps as `X P⁻¹`).
    pub fn factor(&self, r: &Mat<f64>) -> Mat<f64> {
        // R P⁻¹ = (P⁻ᵀ Rᵀ)ᵀ: solve Pᵀ Y = Rᵀ.
        let y = self.p.transpose().partial_piv_lu().solve(r.transpose());
        y.transpose().to_owned()
    }
}

/// The map for a design with `t2()` terms (`None` when no term is reported
/// under another constraint than it is fitted under), from the training rows.
pub(crate) fn report_map(design: &Design, data: &DataFrame) -> Result<Option<ReportMap>> {
    if design.smooths.iter().all(|s| s.report_constraint.is_none()) {
        return Ok(None);
    }
    let p = design.n_coef();
    let parametric = {
        let mut d = design.clone();
        d.smooths.clear();
        d.model_matrix(data)?
    };
    let mut map = Mat::<f64>::identity(p, p);
    let mut reported = design.clone();
    for (t, term) in design.smooths.iter().enumerate() {
        if let Some(as_reported) = super::side::reported(term) {
            if as_reported.n_coef() != term.n_coef() || as_reported.penalties.len() != term.penalties.len() {
                return Err(GamError::Term {
                    term: term.label.clone(),
                    message: "its fitting and reporting parameterisations give different numbers of columns or \
                              penalties beside the smooths it nests; fit the interaction alone with t2(..., ord = 2)"
                        .into(),
                });
            }
            reported.smooths[t] = as_reported;
        }
    }
    let offsets = design.smooth_offsets();
    for (t, term) in design.smooths.iter().enumerate() {
        if term.report_constraint.is_none() {
            continue;
        }
        let fit = term.design(data)?;
        let q = fit.ncols();
        // Beside smooths it nests (gam.side deleted columns), the fitted
        // columns are combinations of theirs too: regress on them as well.
        let nested: Vec<usize> = if term.side_deleted.is_empty() {
            Vec::new()
        } else {
            let names = super::side::variable_names(term);
            (0..design.smooths.len())
                .filter(|&l| {
                    l != t
                        && super::side::variable_names(&design.smooths[l])
                            .iter()
                            .any(|v| names.contains(v))
                })
                .collect()
        };
        let mut blocks: Vec<(usize, Mat<f64>)> = vec![(0, parametric.clone())];
        for &l in &nested {
            blocks.push((offsets[l], reported.smooths[l].design(data)?));
        }
        blocks.push((offsets[t], reported.smooths[t].design(data)?));
        let width: usize = blocks.iter().map(|(_, b)| b.ncols()).sum();
        let n = fit.nrows();
        let mut regressors = Mat::<f64>::zeros(n, width);
        let mut at = 0;
        for (_, b) in &blocks {
            regressors.as_mut().subcols_mut(at, b.ncols()).copy_from(b.as_ref());
            at += b.ncols();
        }
        let solution = regressors.qr().solve_lstsq(&fit);
        let at_fit = offsets[t];
        let mut row = 0;
        for (first, b) in &blocks {
            for r in 0..b.ncols() {
                for c in 0..q {
                    map[(first + r, at_fit + c)] = solution[(row + r, c)];
                }
            }
            row += b.ncols();
        }
    }
    if (0..p).any(|i| (0..p).any(|j| !map[(i, j)].is_finite())) {
        return Err(GamError::NotFinite {
            what: "the map from a t2() term's fitted to its reported coefficients".into(),
            cause: "the term's columns overflowed; rescale the covariates".into(),
        });
    }
    Ok(Some(ReportMap {
        p: map,
        design: reported,
    }))
}
