//! The parametric (unpenalised) terms as R's `model.matrix` codes them:
//! numeric columns enter linearly, factors by contrasts (treatment for a
//! factor, R's orthogonal polynomials `contr.poly` for an ordered factor),
//! and an interaction is the row-wise product of its columns' codings, the
//! first column varying fastest, named `a2:b3`, `facB:x`, `ordered(x).L:z`.
//!
//! Which factor of a term is coded by contrasts and which by one indicator
//! per level follows R exactly (`TermCode` in R's `model.c`): factor `f` of
//! term `t` gets contrasts when `t` without `f` is empty or is contained in
//! an earlier term, and indicators otherwise (so `y ~ fac:x` has a slope
//! for every level, `facA:x`, `facB:x`, ...). Without an intercept, the
//! first factor of the first term holding a factor gets indicators.

use faer::Mat;
use serde::{Deserialize, Serialize};

use super::numeric;
use crate::data::{Column, DataFrame};
use crate::error::{GamError, Result};
use crate::formula::{Formula, Term};

/// A parametric (unpenalised) term.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ParamTerm {
    /// A numeric column entering linearly.
    Linear {
        /// The column.
        column: String,
    },
    /// A factor with treatment contrasts (polynomial ones when `ordered`):
    /// one column per level except the baseline, or every level when the
    /// model has no intercept and this is its first factor (as R's
    /// `model.matrix` does).
    Factor {
        /// The column.
        column: String,
        /// The training levels.
        levels: Vec<String>,
        /// Whether the baseline level has a column too.
        all_levels: bool,
        /// An ordered factor: R's `contr.poly` instead of treatment contrasts.
        #[serde(default)]
        ordered: bool,
    },
    /// A product of columns (`a:b`), each coded as [`Part`] says.
    Interaction {
        /// R's label, `a:b`.
        label: String,
        /// The columns, the first varying fastest in the model matrix.
        parts: Vec<Part>,
    },
}

/// One column of an interaction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Part {
    /// The column.
    pub column: String,
    /// The training levels of a factor; `None` for a numeric column.
    pub levels: Option<Vec<String>>,
    /// Whether a factor gets one indicator per level instead of contrasts.
    pub all_levels: bool,
    /// An ordered factor (polynomial contrasts).
    pub ordered: bool,
}

impl Part {
    /// Its model-matrix columns: `(name suffix, coding matrix levels × columns)`;
    /// a numeric column is one column named after itself.
    fn coding(&self) -> Option<(Vec<String>, Mat<f64>)> {
        let levels = self.levels.as_ref()?;
        Some(coding(levels, self.all_levels, self.ordered))
    }

    fn n_coef(&self) -> usize {
        match &self.levels {
            None => 1,
            Some(l) => l.len() - usize::from(!self.all_levels),
        }
    }

    fn names(&self) -> Vec<String> {
        match self.coding() {
            None => vec![self.column.clone()],
            Some((suffixes, _)) => suffixes.iter().map(|s| format!("{}{s}", self.column)).collect(),
        }
    }
}

/// The coding of a factor with `levels`: indicators of every level, of all
/// but the first (treatment contrasts), or R's `contr.poly` when `ordered`.
/// Returns the coefficient-name suffixes and the levels × columns matrix.
pub fn coding(levels: &[String], all_levels: bool, ordered: bool) -> (Vec<String>, Mat<f64>) {
    let n = levels.len();
    if all_levels || !ordered {
        let skip = usize::from(!all_levels);
        let m = Mat::from_fn(n, n - skip, |i, j| if i == j + skip { 1.0 } else { 0.0 });
        return (levels[skip..].to_vec(), m);
    }
    let names = (1..n)
        .map(|d| match d {
            1 => ".L".to_string(),
            2 => ".Q".to_string(),
            3 => ".C".to_string(),
            d => format!("^{d}"),
        })
        .collect();
    (names, contr_poly(n))
}

/// R's `contr.poly(n)`: the orthonormal polynomials of degree 1 .. n-1 on the
/// scores 1..n, each with a positive leading coefficient (R's construction:
/// the residual of each power of the centred scores on the lower powers,
/// normalised). Computed by the three-term recurrence, which is stable.
pub fn contr_poly(n: usize) -> Mat<f64> {
    let mean = (n as f64 + 1.0) / 2.0;
    let y: Vec<f64> = (1..=n).map(|i| i as f64 - mean).collect();
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    let mut polys: Vec<Vec<f64>> = vec![vec![1.0; n]];
    for k in 0..n.saturating_sub(1) {
        let p = &polys[k];
        let pp = dot(p, p);
        let a = y.iter().zip(p).map(|(y, p)| y * p * p).sum::<f64>() / pp;
        let mut next: Vec<f64> = y.iter().zip(p).map(|(y, p)| (y - a) * p).collect();
        if k > 0 {
            let q = &polys[k - 1];
            let b = pp / dot(q, q);
            for (v, q) in next.iter_mut().zip(q) {
                *v -= b * q;
            }
        }
        polys.push(next);
    }
    let mut m = Mat::zeros(n, n - 1);
    for (j, p) in polys.iter().skip(1).enumerate() {
        let norm = dot(p, p).sqrt();
        for i in 0..n {
            m[(i, j)] = p[i] / norm;
        }
    }
    m
}

impl ParamTerm {
    /// Columns this term contributes.
    pub fn n_coef(&self) -> usize {
        match self {
            ParamTerm::Linear { .. } => 1,
            ParamTerm::Factor { levels, all_levels, .. } => levels.len() - usize::from(!all_levels),
            ParamTerm::Interaction { parts, .. } => parts.iter().map(Part::n_coef).product(),
        }
    }

    /// mgcv's (R's) coefficient names: `x`, the column followed by the level
    /// (`g2`) or the contrast (`g.L`), and for an interaction the names of
    /// its columns' codings joined by `:`, the first column varying fastest.
    pub fn coef_names(&self) -> Vec<String> {
        match self {
            ParamTerm::Linear { column } => vec![column.clone()],
            ParamTerm::Factor {
                column,
                levels,
                all_levels,
                ordered,
            } => coding(levels, *all_levels, *ordered)
                .0
                .iter()
                .map(|l| format!("{column}{l}"))
                .collect(),
            ParamTerm::Interaction { parts, .. } => {
                let mut names = vec![String::new()];
                for (k, part) in parts.iter().enumerate() {
                    let own = part.names();
                    let mut next = Vec::with_capacity(names.len() * own.len());
                    for o in &own {
                        for prev in &names {
                            next.push(if k == 0 { o.clone() } else { format!("{prev}:{o}") });
                        }
                    }
                    names = next;
                }
                names
            }
        }
    }

    /// The term's label in summaries.
    pub fn label(&self) -> &str {
        match self {
            ParamTerm::Linear { column } | ParamTerm::Factor { column, .. } => column,
            ParamTerm::Interaction { label, .. } => label,
        }
    }

    /// The (possibly derived) columns the term reads.
    pub fn columns(&self) -> Vec<&str> {
        match self {
            ParamTerm::Linear { column } | ParamTerm::Factor { column, .. } => vec![column],
            ParamTerm::Interaction { parts, .. } => parts.iter().map(|p| p.column.as_str()).collect(),
        }
    }

    /// The columns it reads as factors.
    pub fn factor_columns(&self) -> Vec<&str> {
        match self {
            ParamTerm::Linear { .. } => vec![],
            ParamTerm::Factor { column, .. } => vec![column],
            ParamTerm::Interaction { parts, .. } => parts
                .iter()
                .filter(|p| p.levels.is_some())
                .map(|p| p.column.as_str())
                .collect(),
        }
    }

    /// Fills this term's columns of `x`, from column `col` on, at the rows of `data`.
    pub fn fill(&self, data: &DataFrame, x: &mut Mat<f64>, col: usize) -> Result<()> {
        let n = data.nrows();
        match self {
            ParamTerm::Linear { column } => {
                let v = numeric(data, column)?;
                for i in 0..n {
                    x[(i, col)] = v[i];
                }
            }
            ParamTerm::Factor {
                column,
                levels,
                all_levels,
                ordered,
            } => {
                let f = data.factor_with_levels(column, levels)?;
                let (_, m) = coding(levels, *all_levels, *ordered);
                for i in 0..n {
                    if let Some(c) = f.codes[i] {
                        for j in 0..m.ncols() {
                            x[(i, col + j)] = m[(c as usize, j)];
                        }
                    }
                }
            }
            ParamTerm::Interaction { parts, .. } => {
                // Row-wise product: start from ones, multiply in each part, the first fastest.
                let mut block = Mat::<f64>::from_fn(n, 1, |_, _| 1.0);
                for part in parts {
                    let values: Mat<f64> = match (&part.levels, part.coding()) {
                        (Some(levels), Some((_, m))) => {
                            let f = data.factor_with_levels(&part.column, levels)?;
                            Mat::from_fn(n, m.ncols(), |i, j| f.codes[i].map_or(0.0, |c| m[(c as usize, j)]))
                        }
                        _ => {
                            let v = numeric(data, &part.column)?;
                            Mat::from_fn(n, 1, |i, _| v[i])
                        }
                    };
                    let (k, b) = (values.ncols(), block.ncols());
                    block = Mat::from_fn(n, k * b, |i, j| block[(i, j % b)] * values[(i, j / b)]);
                }
                x.as_mut().subcols_mut(col, block.ncols()).copy_from(block.as_ref());
            }
        }
        Ok(())
    }
}

/// The parametric terms of `formula` on `data` (derived columns already
/// added), in formula order, with R's choice of contrasts.
pub fn build(formula: &Formula, data: &DataFrame) -> Result<Vec<ParamTerm>> {
    let terms: Vec<Vec<&str>> = formula
        .terms
        .iter()
        .filter_map(|t| match t {
            Term::Column(c) => Some(vec![c.name.as_str()]),
            Term::Interaction(x) => Some(x.vars.iter().map(String::as_str).collect()),
            _ => None,
        })
        .collect();
    let mut columns: Vec<Vec<&Column>> = Vec::with_capacity(terms.len());
    for t in &terms {
        columns.push(t.iter().map(|v| data.require_column(v)).collect::<Result<_>>()?);
    }
    // R's TermCode: indicators (true) unless the term without the factor is
    // empty or contained in an earlier term.
    let mut full: Vec<Vec<bool>> = terms
        .iter()
        .enumerate()
        .map(|(j, t)| {
            t.iter()
                .map(|v| {
                    let rest: Vec<&str> = t.iter().copied().filter(|w| w != v).collect();
                    !(rest.is_empty() || terms[..j].iter().any(|p| rest.iter().all(|r| p.contains(r))))
                })
                .collect()
        })
        .collect();
    if !formula.intercept
        && let Some((j, k)) = columns
            .iter()
            .enumerate()
            .find_map(|(j, cols)| cols.iter().position(|c| c.is_factor()).map(|k| (j, k)))
    {
        full[j][k] = true;
    }
    let mut out = Vec::with_capacity(terms.len());
    for ((t, cols), full) in terms.iter().zip(&columns).zip(&full) {
        for (v, c) in t.iter().zip(cols) {
            if let Column::Factor(f) = c
                && f.n_levels() < 2
            {
                return Err(GamError::Term {
                    term: v.to_string(),
                    message: format!(
                        "the factor has {} (R refuses it too: contrasts need 2 or more levels): \
                         remove the term or check the data",
                        match f.levels.first() {
                            Some(l) => format!("only one level, '{l}'"),
                            None => "no levels".to_string(),
                        }
                    ),
                });
            }
        }
        out.push(match (t.as_slice(), cols[0]) {
            ([v], Column::Numeric(_)) => ParamTerm::Linear { column: v.to_string() },
            ([v], Column::Factor(f)) => ParamTerm::Factor {
                column: v.to_string(),
                levels: f.levels.clone(),
                all_levels: full[0],
                ordered: f.ordered,
            },
            _ => ParamTerm::Interaction {
                label: t.join(":"),
                parts: t
                    .iter()
                    .zip(cols)
                    .zip(full)
                    .map(|((v, c), &all)| Part {
                        column: v.to_string(),
                        levels: c.as_factor().map(|f| f.levels.clone()),
                        all_levels: all,
                        ordered: c.as_factor().is_some_and(|f| f.ordered),
                    })
                    .collect(),
            },
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contr_poly_matches_r() {
        // R: contr.poly(5)
        let want = [
            [
                -0.632455532033676,
                0.534522483824849,
                -0.316227766016838,
                0.119522860933439,
            ],
            [
                -0.316227766016838,
                -0.267261241912424,
                0.632455532033676,
                -0.478091443733757,
            ],
            [0.0, -0.534522483824849, 0.0, 0.717137165600636],
            [
                0.316227766016838,
                -0.267261241912424,
                -0.632455532033676,
                -0.478091443733757,
            ],
            [
                0.632455532033676,
                0.534522483824849,
                0.316227766016838,
                0.119522860933439,
            ],
        ];
        let m = contr_poly(5);
        for (i, row) in want.iter().enumerate() {
            for (j, &w) in row.iter().enumerate() {
                assert!((m[(i, j)] - w).abs() < 1e-14, "{i},{j}: {} vs {w}", m[(i, j)]);
            }
        }
        let (names, _) = coding(&["a", "b", "c", "d", "e"].map(String::from), false, true);
        assert_eq!(names, [".L", ".Q", ".C", "^4"]);
    }

    #[test]
    fn interaction_names_vary_the_first_column_fastest() {
        let t = ParamTerm::Interaction {
            label: "a:b".into(),
            parts: vec![
                Part {
                    column: "a".into(),
                    levels: Some(vec!["1".into(), "2".into(), "3".into()]),
                    all_levels: false,
                    ordered: false,
                },
                Part {
                    column: "b".into(),
                    levels: Some(vec!["u".into(), "v".into()]),
                    all_levels: true,
                    ordered: false,
                },
            ],
        };
        assert_eq!(t.coef_names(), ["a2:bu", "a3:bu", "a2:bv", "a3:bv"]);
        assert_eq!(t.n_coef(), 4);
    }
}
