//! The model design: which columns the model matrix has, in mgcv's order
//! (intercept, parametric terms in formula order, then smooths in formula
//! order), how to build them from data, and the penalties on them.
//!
//! A [`Design`] is fixed by the training data (factor levels, bases,
//! constraints) and is saved with the model, so that prediction on new data
//! rebuilds exactly the training columns.
//!
//! # Map
//! - [`parametric`]: intercept, columns, factors with R's contrasts, interactions.
//! - [`smooth`]: each smooth term from its spec — basis, `by`, penalty
//!   scaling, constraint — with `grouped` (fs, sz) and [`neighbours`] (an
//!   MRF's file) for the classes that need more than a basis; `linked`
//!   sets up the terms that share an `id`.
//! - [`side`]: mgcv's `gam.side`, deleting columns of nested smooths.
//! - `report`: after a fit, a `t2()` term's coefficients re-expressed
//!   under the constraint mgcv reports them in.
//! - [`penalty`]: the penalties as the fit takes them; [`size`]: what a
//!   design will cost before it is built; [`response`]: the response.

mod grouped;
mod linked;
pub(crate) mod mrf_margin;
pub mod neighbours;
pub mod options;
pub mod parametric;
pub mod penalty;
pub(crate) mod polygons;
pub(crate) mod report;
pub mod response;
pub mod side;
pub mod size;
pub mod smooth;

use std::borrow::Cow;

use faer::Mat;
use serde::{Deserialize, Serialize};

pub use options::SmoothOptions;
pub use parametric::ParamTerm;
pub use penalty::{Penalty, PenaltySet};
pub use smooth::{By, SmoothTerm};

use crate::data::{Column, DataFrame};
use crate::error::{GamError, Result};
use crate::family::Family;
use crate::formula::eval::{EvalError, add_derived};
use crate::formula::{Derived, Formula, Response, Term};

/// Everything needed to turn a data frame into the model's matrix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Design {
    /// The response.
    pub response: Response,
    /// Whether there is an intercept column.
    pub intercept: bool,
    /// Parametric terms, in formula order.
    pub parametric: Vec<ParamTerm>,
    /// Smooth terms, in formula order (a factor `by` gives one per level).
    pub smooths: Vec<SmoothTerm>,
    /// Offset columns, summed into the linear predictor.
    pub offsets: Vec<String>,
    /// Columns the model reads (for dropping rows with missing values).
    pub columns_used: Vec<String>,
    /// Columns computed by the formula's expressions (`log(x)`), which new
    /// data gets before prediction.
    #[serde(default)]
    pub derived: Vec<Derived>,
}

impl Design {
    /// Builds the design from a formula and the training data (already
    /// stripped of rows with missing values).
    pub fn build(formula: &Formula, data: &DataFrame) -> Result<Design> {
        Design::build_with(formula, data, &SmoothOptions::default())
    }

    /// [`Design::build`] with mgcv's `select` and `knots` ([`SmoothOptions`]).
    pub fn build_with(formula: &Formula, data: &DataFrame, opts: &SmoothOptions) -> Result<Design> {
        let parametric = parametric::build(formula, data)?;
        let linked = linked::Linked::collect(formula, data)?;
        let mut smooths = Vec::new();
        let mut offsets = Vec::new();
        for term in &formula.terms {
            match term {
                Term::Column(_) | Term::Interaction(_) => {}
                Term::Offset(c) => match data.require_column(&c.name)? {
                    Column::Numeric(_) => offsets.push(c.name.clone()),
                    Column::Factor(_) => {
                        let what = format!("offset({})", c.name);
                        return Err(data.non_number_error(&c.name, &what, "").unwrap_or_else(|| {
                            formula.error_at(c.span.start, format!("offset column '{}' is not numeric", c.name))
                        }));
                    }
                },
                Term::Smooth(spec) => smooths.extend(match linked.setup(spec) {
                    Some((cloned, pooled)) => SmoothTerm::build_on(&cloned, data, opts, Some(pooled))?,
                    None => SmoothTerm::build_with(spec, data, opts)?,
                }),
            }
        }
        let mut design = Design {
            response: formula.response.clone(),
            intercept: formula.intercept,
            parametric,
            smooths,
            offsets,
            columns_used: formula.columns_used(),
            derived: formula.derived.clone(),
        };
        // Nested smooths lose columns, as mgcv's gam.side does.
        side::apply(&mut design, data)?;
        Ok(design)
    }

    /// `data` (new data, for prediction) with the columns the model's
    /// expressions compute (`log(x)`, `factor(g)`) added; the response's
    /// are not computed. An expression that cannot be evaluated at a row
    /// (`log` of a negative number) is an error naming the row.
    pub fn derive<'a>(&self, data: &'a DataFrame) -> Result<Cow<'a, DataFrame>> {
        if self.derived.is_empty() {
            return Ok(Cow::Borrowed(data));
        }
        add_derived(data.clone(), &self.derived, true)
            .map(Cow::Owned)
            .map_err(|e: EvalError| GamError::Data {
                column: e.column,
                row: e.row.map(|r| data.original_row(r) + 1),
                message: e.message,
            })
    }

    /// The data columns the terms read (not the response's): what new data
    /// must hold for a prediction, in the order of [`Design::columns_used`].
    pub fn predictor_columns(&self) -> Vec<String> {
        let mut read: Vec<String> = Vec::new();
        let mut add = |name: &str| match self.derived.iter().find(|d| d.name == name) {
            Some(d) => d.expr.vars(&mut read),
            None => read.push(name.to_string()),
        };
        self.parametric.iter().flat_map(ParamTerm::columns).for_each(&mut add);
        for s in &self.smooths {
            s.spec.vars.iter().chain(s.spec.by.as_ref()).for_each(|v| add(v));
        }
        self.offsets.iter().for_each(|o| add(o));
        self.columns_used.iter().filter(|c| read.contains(c)).cloned().collect()
    }

    /// Number of parametric coefficients (intercept included).
    pub fn n_parametric(&self) -> usize {
        usize::from(self.intercept) + self.parametric.iter().map(ParamTerm::n_coef).sum::<usize>()
    }

    /// Index of each smooth's first coefficient.
    pub fn smooth_offsets(&self) -> Vec<usize> {
        let mut at = self.n_parametric();
        self.smooths
            .iter()
            .map(|s| {
                let first = at;
                at += s.n_coef();
                first
            })
            .collect()
    }

    /// Total number of coefficients.
    pub fn n_coef(&self) -> usize {
        self.n_parametric() + self.smooths.iter().map(SmoothTerm::n_coef).sum::<usize>()
    }

    /// Coefficient names as mgcv gives them.
    pub fn coef_names(&self) -> Vec<String> {
        let mut names = Vec::with_capacity(self.n_coef());
        if self.intercept {
            names.push("(Intercept)".to_string());
        }
        for t in &self.parametric {
            names.extend(t.coef_names());
        }
        for s in &self.smooths {
            names.extend((1..=s.n_coef()).map(|i| format!("{}.{i}", s.label)));
        }
        names
    }

    /// The penalties over the whole coefficient vector.
    pub fn penalty_set(&self) -> PenaltySet {
        let mut pens = Vec::new();
        for (s, first) in self.smooths.iter().zip(self.smooth_offsets()) {
            for p in &s.penalties {
                pens.push(Penalty {
                    offset: first,
                    s: p.to_mat(),
                });
            }
        }
        PenaltySet::new(self.n_coef(), pens)
    }

    /// The model-matrix columns of each term but the intercept, with the
    /// term's label, in model-matrix order.
    pub fn term_columns(&self) -> Vec<(String, std::ops::Range<usize>)> {
        let mut out = Vec::new();
        let mut at = usize::from(self.intercept);
        for t in &self.parametric {
            out.push((t.label().to_string(), at..at + t.n_coef()));
            at += t.n_coef();
        }
        for s in &self.smooths {
            out.push((s.label.clone(), at..at + s.n_coef()));
            at += s.n_coef();
        }
        out
    }

    /// Names of the smoothing parameters, one per penalty.
    pub fn sp_names(&self) -> Vec<String> {
        self.smooths.iter().flat_map(SmoothTerm::sp_names).collect()
    }

    /// For each penalty, the penalty whose smoothing parameter it shares:
    /// itself, or for a term with an `id =` used before, the same penalty of
    /// the first term with that id (mgcv's `L`). Every level of a factor `by`
    /// with an id shares too.
    ///
    /// # Errors
    /// [`GamError::Term`] when a later term of an id has more penalties than
    /// the first (mgcv refuses it too).
    pub fn sp_links(&self) -> Result<Vec<usize>> {
        let mut first: Vec<(&str, usize, usize)> = Vec::new();
        let mut out = Vec::new();
        for s in &self.smooths {
            let n = s.penalties.len();
            let at = out.len();
            match s.spec.id.as_deref() {
                Some(id) => match first.iter().find(|f| f.0 == id) {
                    Some(&(_, start, count)) => {
                        if n > count {
                            return Err(GamError::Term {
                                term: s.label.clone(),
                                message: format!(
                                    "has {n} smoothing parameters but the first term with id = \"{id}\" has {count}; \
                                     later terms sharing an id can not have more"
                                ),
                            });
                        }
                        out.extend(start..start + n);
                    }
                    None => {
                        first.push((id, at, n));
                        out.extend(at..at + n);
                    }
                },
                None => out.extend(at..at + n),
            }
        }
        Ok(out)
    }

    /// Refuses rows whose factor `by` level has no smooth: the training data
    /// had no such level, so the model says nothing about it (a silent zero
    /// contribution would be a wrong prediction). An ordered factor's first
    /// level has no smooth by design (the reference level) and is known.
    fn check_by_levels(&self, data: &DataFrame) -> Result<()> {
        let mut by_columns: Vec<(&str, Vec<&str>)> = Vec::new();
        for s in &self.smooths {
            if let By::Level {
                column,
                level,
                reference,
            } = &s.by
            {
                let known = match by_columns.iter_mut().find(|(c, _)| c == column) {
                    Some((_, levels)) => levels,
                    None => {
                        by_columns.push((column, Vec::new()));
                        &mut by_columns.last_mut().expect("just pushed").1
                    }
                };
                for l in reference.iter().chain([level]) {
                    if !known.contains(&l.as_str()) {
                        known.push(l);
                    }
                }
            }
        }
        for (column, levels) in by_columns {
            let Column::Factor(f) = data.require_column(column)? else {
                continue;
            };
            for i in 0..data.nrows() {
                if let Some(level) = f.level_of(i).filter(|l| !levels.contains(l)) {
                    return Err(GamError::Data {
                        column: column.to_string(),
                        row: Some(data.original_row(i) + 1),
                        message: format!(
                            "level '{level}' was not in the training data (known levels: {})",
                            levels.join(", ")
                        ),
                    });
                }
            }
        }
        Ok(())
    }

    /// The model matrix at the rows of `data`.
    pub fn model_matrix(&self, data: &DataFrame) -> Result<Mat<f64>> {
        self.check_by_levels(data)?;
        let n = data.nrows();
        let mut x = Mat::<f64>::zeros(n, self.n_coef());
        let mut col = 0;
        if self.intercept {
            for i in 0..n {
                x[(i, 0)] = 1.0;
            }
            col = 1;
        }
        for t in &self.parametric {
            t.fill(data, &mut x, col)?;
            col += t.n_coef();
        }
        for s in &self.smooths {
            let xs = s.design(data)?;
            x.as_mut().subcols_mut(col, xs.ncols()).copy_from(xs.as_ref());
            col += xs.ncols();
        }
        Ok(x)
    }

    /// The summed offset at each row (zeros without offsets).
    pub fn offset(&self, data: &DataFrame) -> Result<Vec<f64>> {
        let mut out = vec![0.0; data.nrows()];
        for name in &self.offsets {
            for (o, v) in out.iter_mut().zip(numeric(data, name)?) {
                *o += v;
            }
        }
        Ok(out)
    }

    /// The response values of a Gaussian model.
    pub fn response_values(&self, data: &DataFrame) -> Result<Vec<f64>> {
        match &self.response {
            Response::Column(name) => match data.require_column(name)? {
                Column::Numeric(v) => Ok(v.clone()),
                Column::Factor(_) => Err(data
                    .non_number_error(name, "the response", "")
                    .unwrap_or(GamError::Data {
                        column: name.clone(),
                        row: None,
                        message: "the response must be numeric, but this column holds text".into(),
                    })),
            },
            Response::Binomial { successes, failures } => Err(GamError::FamilyMismatch {
                response: format!("cbind({successes}, {failures})"),
                family: Family::Gaussian.name().to_string(),
            }),
        }
    }
}

fn numeric<'a>(data: &'a DataFrame, name: &str) -> Result<&'a [f64]> {
    data.require_column(name)?.as_numeric().ok_or_else(|| {
        data.non_number_error(name, "the model", "").unwrap_or(GamError::Data {
            column: name.to_string(),
            row: None,
            message: "expected a numeric column, found text".into(),
        })
    })
}
