//! The model matrix of a general family (mgcv's `gam.setup.list`, mgcv.r): each linear
//! predictor's terms are built from its own formula as a one-predictor model's are, and
//! the columns are stacked, predictor after predictor, into one model matrix; `lpi` holds
//! each predictor's column range and the penalties are shifted to their columns. mgcv names
//! the terms of predictor `k ≥ 2` with `.k−1` after the function name (`s.1(x1)`,
//! `te.1(a,b)`) and their parametric coefficients with `.k−1` appended (`(Intercept).1`).

use std::ops::Range;

use faer::Mat;

use crate::data::DataFrame;
use crate::design::{Design, Penalty, PenaltySet, SmoothOptions};
use crate::error::{GamError, Result};
use crate::formula::list::FormulaList;

/// The designs of the linear predictors and where their columns sit.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GeneralDesign {
    /// One design per linear predictor, built as a one-predictor model's (labels as there;
    /// [`predictor_label`] gives mgcv's names for predictors after the first).
    pub designs: Vec<Design>,
    /// Each predictor's columns of the stacked model matrix (mgcv's `lpi`, 0-based).
    pub lpi: Vec<Range<usize>>,
}

/// mgcv's label of a smooth of predictor `k` (0-based): `s(x)` becomes `s.k(x)` for `k ≥ 1`.
pub fn predictor_label(label: &str, k: usize) -> String {
    if k == 0 {
        return label.to_string();
    }
    match label.find('(') {
        Some(open) => format!("{}.{k}{}", &label[..open], &label[open..]),
        None => format!("{label}.{k}"),
    }
}

impl GeneralDesign {
    /// Builds each predictor's design on the training rows and stacks them.
    ///
    /// # Errors
    /// What building a one-predictor design refuses; an offset (not yet supported for
    /// general families) is a [`GamError::Term`] naming it.
    pub fn build(list: &FormulaList, data: &DataFrame, opts: &SmoothOptions) -> Result<GeneralDesign> {
        let mut designs = Vec::with_capacity(list.formulas.len());
        let mut lpi = Vec::with_capacity(list.formulas.len());
        let mut at = 0;
        for (k, f) in list.formulas.iter().enumerate() {
            let d = Design::build_with(f, data, opts)?;
            if let Some(o) = d.offsets.first() {
                return Err(GamError::Term {
                    term: format!("offset({o})"),
                    message: format!(
                        "offsets in formula {} of a general family's list are not supported yet: remove it",
                        k + 1
                    ),
                });
            }
            let p = d.n_coef();
            lpi.push(at..at + p);
            at += p;
            designs.push(d);
        }
        Ok(GeneralDesign { designs, lpi })
    }

    /// Total number of coefficients.
    pub fn n_coef(&self) -> usize {
        self.lpi.last().map_or(0, |r| r.end)
    }

    /// The stacked model matrix at the rows of `data`.
    pub fn model_matrix(&self, data: &DataFrame) -> Result<Mat<f64>> {
        let mut x = Mat::<f64>::zeros(data.nrows(), self.n_coef());
        for (d, r) in self.designs.iter().zip(&self.lpi) {
            let xd = d.model_matrix(data)?;
            x.as_mut().subcols_mut(r.start, r.len()).copy_from(xd.as_ref());
        }
        Ok(x)
    }

    /// The penalties over the stacked coefficients.
    pub fn penalty_set(&self) -> PenaltySet {
        let mut pens = Vec::new();
        for (d, r) in self.designs.iter().zip(&self.lpi) {
            for pen in d.penalty_set().penalties() {
                pens.push(Penalty {
                    offset: pen.offset + r.start,
                    s: pen.s.clone(),
                });
            }
        }
        PenaltySet::new(self.n_coef(), pens)
    }

    /// Coefficient names as mgcv gives them.
    pub fn coef_names(&self) -> Vec<String> {
        let mut out = Vec::with_capacity(self.n_coef());
        for (k, d) in self.designs.iter().enumerate() {
            let n_par = d.n_parametric();
            for (j, name) in d.coef_names().into_iter().enumerate() {
                out.push(match k {
                    0 => name,
                    _ if j < n_par => format!("{name}.{k}"),
                    _ => predictor_label(&name, k),
                });
            }
        }
        out
    }

    /// The smoothing parameters' names, predictor after predictor.
    pub fn sp_names(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (k, d) in self.designs.iter().enumerate() {
            out.extend(d.sp_names().iter().map(|n| predictor_label(n, k)));
        }
        out
    }

    /// Each smooth term's label and columns in the stacked model matrix.
    pub fn smooth_columns(&self) -> Vec<(String, Range<usize>)> {
        let mut out = Vec::new();
        for (k, (d, r)) in self.designs.iter().zip(&self.lpi).enumerate() {
            for (s, first) in d.smooths.iter().zip(d.smooth_offsets()) {
                out.push((
                    predictor_label(&s.label, k),
                    r.start + first..r.start + first + s.n_coef(),
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_of_later_predictors() {
        assert_eq!(predictor_label("s(x1)", 0), "s(x1)");
        assert_eq!(predictor_label("s(x1)", 1), "s.1(x1)");
        assert_eq!(predictor_label("te(a,b)", 2), "te.2(a,b)");
    }
}
