//! mgcv's `concurvity()`: how far each term of a fitted model could be
//! approximated by the other terms — the generalisation of collinearity to
//! smooth terms.
//!
//! # The measures
//! `X` is the model matrix of the training rows (mgcv's `model.matrix(b)`,
//! the `lpmatrix` of the fit: no prior weights, no offset). The terms are
//! `para`, when the model has parametric columns, and then each smooth, by
//! its label. As in mgcv 1.8-41, `para` is the first column of `X` only
//! (the intercept): mgcv prepends 1 to the terms' first columns before it
//! takes `min(start) − 1` as para's last, so para's columns are R's `1:0`,
//! column 1. Further parametric columns (a factor's contrasts, a linear
//! term) are among "all the other columns" in the full measures and in no
//! pairwise comparison. For a term with columns `X_j` and coefficients
//! `β_j`, and `X_i` the columns it is compared with, take the QR
//! factorisation without pivoting of `[X_i X_j]`: the block of its `R`
//! above `X_j`'s diagonal block is `R₁ = Q_iᵀ X_j` (the part of `X_j` in the
//! span of `X_i`); with `R` the whole of the factor's columns for `X_j`
//! (`R₁` over `X_j`'s own block), its triangular factor `Rₜ` has
//! `RₜᵀRₜ = X_jᵀX_j`. Then
//!
//! ```text
//! worst    = σ_max(Rₜ⁻ᵀ R₁ᵀ)²             = max over a of ‖P_i X_j a‖² / ‖X_j a‖²
//! observed = ‖R₁ β_j‖² / ‖Rₜ β_j‖²         = ‖P_i f_j‖² / ‖f_j‖²,  f_j = X_j β_j
//! estimate = ‖R₁‖²_F / ‖R‖²_F              = ‖P_i X_j‖²_F / ‖X_j‖²_F
//! ```
//!
//! with `P_i` the projection onto the span of `X_i`: each is between 0 (the
//! term is orthogonal to the others) and 1 (it lies in their span).
//! [`concurvity`] with `full = true` compares each term with all the other
//! columns of the model; with `full = false` each term `i` with each term `j`
//! alone (row `i`, column `j`: how much of `j` lies in the span of `i`; 1 on
//! the diagonal). As mgcv, `X` is first replaced by its triangular factor
//! (the same cross-products, `p` rows instead of `n`).
//!
//! # Guarantee
//! Each number equals mgcv 1.8-41's to 1e-6 (tests/concurvity_fidelity.rs,
//! every public reference case), and [`concurvity_text`] is the text R's
//! `print(concurvity(b, full))` writes, with R's number formatting. One
//! deliberate difference: when the columns a term is compared with are
//! linearly dependent (a random effect `s(f, bs = "re")` beside the
//! intercept: its dummies sum to the intercept column), mgcv's unpivoted QR
//! turns rounding noise into a direction of the span and its number is that
//! noise (gamsim6_re's `s(x0)` worst: 0.481 from mgcv, 0.163 from mgcv on the
//! same model with the rows in reverse order, 0.134 by the definition).
//! Here the dependent columns are dropped first (they add nothing to the
//! span), which gives the number the formulas above define, whatever the
//! row order. A term compared with no columns at all (a one-term model
//! without intercept) has concurvity 0 (mgcv stops there with "non-conformable
//! arguments").
//!
//! "estimate" depends on the basis of each term, not only on its span (the
//! other two do not): it equals mgcv's where the term's basis columns equal
//! mgcv's up to sign.

use faer::Mat;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use crate::data::DataFrame;
use crate::error::{GamError, Result};
use crate::linalg::blocks::triangular_factor;
use crate::linalg::householder::pivoted_qr;
use crate::model::GamModel;

use super::rformat::{format, print_matrix};

/// The names of the three measures, in mgcv's order.
pub const MEASURES: [&str; 3] = ["worst", "observed", "estimate"];

/// A column whose pivot in a pivoted QR of the columns it joins is below
/// this fraction of the largest pivot adds nothing to their span: mgcv's
/// unpivoted QR would turn rounding noise into a direction there (its
/// result then varies at the 1e-6 level already from pivots near 1e-10).
const ALIAS_TOL: f64 = 1e-10;

/// Digits R's `print` shows (`getOption("digits")`).
const PRINT_DIGITS: usize = 7;

/// The three measures of one comparison: a number per term (full) or a
/// term × term matrix (pairwise).
#[derive(Debug, Clone, PartialEq)]
pub struct ConcurvityMeasures<T> {
    /// The largest share of any function of the term in the span of the others.
    pub worst: T,
    /// The share of the fitted term in the span of the others.
    pub observed: T,
    /// The share of the term's model-matrix columns (Frobenius) in the span of the others.
    pub estimate: T,
}

impl<T> ConcurvityMeasures<T> {
    /// The measures in mgcv's order, with their names ([`MEASURES`]).
    pub fn named(&self) -> [(&'static str, &T); 3] {
        [
            (MEASURES[0], &self.worst),
            (MEASURES[1], &self.observed),
            (MEASURES[2], &self.estimate),
        ]
    }
}

/// mgcv's two forms of the result.
#[derive(Debug, Clone, PartialEq)]
pub enum ConcurvityTables {
    /// `full = TRUE`: each term against all the others, one number per term.
    Full(ConcurvityMeasures<Vec<f64>>),
    /// `full = FALSE`: each pair; `worst[i][j]` is how much of term `j` lies
    /// in the span of term `i` (1 on the diagonal).
    Pairwise(ConcurvityMeasures<Vec<Vec<f64>>>),
}

/// The concurvity of a fitted model, as mgcv's `concurvity()` returns it.
///
/// Serialises as `{"worst": {"para": …, "s(x)": …}, "observed": {…},
/// "estimate": {…}}` (full) or `{"worst": {"para": {"para": …, "s(x)": …},
/// …}, …}` (pairwise), keys in mgcv's order; a non-finite number as `null`.
#[derive(Debug, Clone, PartialEq)]
pub struct Concurvity {
    /// `para` (if the model has parametric columns: the first column), then each smooth's label.
    pub terms: Vec<String>,
    /// The numbers.
    pub tables: ConcurvityTables,
}

/// mgcv's `concurvity(b, full)` for `model`, on `data`, the frame it was
/// fitted to (the model keeps no rows).
///
/// # Errors
/// A model without smooth terms (there is nothing to compare, as mgcv says),
/// or data that do not fit the model (as for residuals).
pub fn concurvity(model: &GamModel, data: &DataFrame, full: bool) -> Result<Concurvity> {
    if model.design.smooths.is_empty() {
        return Err(GamError::BadOption {
            option: "concurvity".into(),
            message: "the model has no smooth terms, so there is nothing to measure (mgcv: \"nothing to do for \
                      this model\"); concurvity compares smooth terms with the rest of the model"
                .into(),
        });
    }
    let rows = super::training::training_rows(model, data)?;
    let x = model.design.model_matrix(&rows.data)?;
    let r0 = triangular_factor(&x);
    let (terms, ranges) = term_columns(model);
    let beta = |j: usize| &model.coefficients[ranges[j].clone()];
    let m = terms.len();
    let tables = if full {
        let mut out = ConcurvityMeasures {
            worst: vec![0.0; m],
            observed: vec![0.0; m],
            estimate: vec![0.0; m],
        };
        for (j, range) in ranges.iter().enumerate() {
            let others: Vec<usize> = (0..r0.ncols()).filter(|c| !range.contains(c)).collect();
            let [w, o, e] = measures(&r0, &others, &range.clone().collect::<Vec<_>>(), beta(j))?;
            (out.worst[j], out.observed[j], out.estimate[j]) = (w, o, e);
        }
        ConcurvityTables::Full(out)
    } else {
        let ones = vec![vec![1.0; m]; m];
        let mut out = ConcurvityMeasures {
            worst: ones.clone(),
            observed: ones.clone(),
            estimate: ones,
        };
        for (i, ri) in ranges.iter().enumerate() {
            let cols_i: Vec<usize> = ri.clone().collect();
            for (j, rj) in ranges.iter().enumerate() {
                if i != j {
                    let [w, o, e] = measures(&r0, &cols_i, &rj.clone().collect::<Vec<_>>(), beta(j))?;
                    (out.worst[i][j], out.observed[i][j], out.estimate[i][j]) = (w, o, e);
                }
            }
        }
        ConcurvityTables::Pairwise(out)
    };
    Ok(Concurvity { terms, tables })
}

/// The terms in mgcv's order and their columns: `para` first when the model
/// has parametric columns (its first column only, as mgcv 1.8-41 takes it:
/// see the module doc), then each smooth.
fn term_columns(model: &GamModel) -> (Vec<String>, Vec<std::ops::Range<usize>>) {
    let mut terms = Vec::new();
    let mut ranges = Vec::new();
    if model.design.n_parametric() > 0 {
        terms.push("para".to_string());
        ranges.push(0..1);
    }
    for (term, first) in model.design.smooths.iter().zip(model.design.smooth_offsets()) {
        terms.push(term.label.clone());
        ranges.push(first..first + term.n_coef());
    }
    (terms, ranges)
}

/// The columns `cols` of `x`.
fn columns(x: &Mat<f64>, cols: &[usize]) -> Mat<f64> {
    Mat::from_fn(x.nrows(), cols.len(), |i, j| x[(i, cols[j])])
}

/// `cols` without those linearly dependent on the others (by a pivoted QR
/// of `x`'s columns `cols`; pivots below [`ALIAS_TOL`] of the largest), in
/// their order.
fn independent(x: &Mat<f64>, cols: &[usize]) -> Vec<usize> {
    if cols.is_empty() {
        return Vec::new();
    }
    let (r, pivot) = pivoted_qr(columns(x, cols));
    let largest = if r.nrows() > 0 { r[(0, 0)].abs() } else { 0.0 };
    let rank = (0..r.nrows())
        .take_while(|&k| r[(k, k)].abs() > ALIAS_TOL * largest)
        .count();
    let mut kept: Vec<usize> = pivot[..rank].iter().map(|&k| cols[k]).collect();
    kept.sort_unstable();
    kept
}

/// worst, observed and estimate of the columns `cols_j` of `x` (coefficients
/// `beta`) against the span of its columns `cols_i` (module doc).
fn measures(x: &Mat<f64>, cols_i: &[usize], cols_j: &[usize], beta: &[f64]) -> Result<[f64; 3]> {
    let cols_i = independent(x, cols_i);
    let r = cols_i.len();
    let q = cols_j.len();
    let both: Vec<usize> = cols_i.iter().chain(cols_j).copied().collect();
    let factor = triangular_factor(&columns(x, &both));
    // X_j's columns of the factor: R₁ (first r rows) over X_j's own block.
    let rj = Mat::from_fn(factor.nrows(), q, |a, b| factor[(a, r + b)]);
    let r1 = r.min(rj.nrows());
    if r1 == 0 {
        return Ok([0.0; 3]);
    }
    let rt = triangular_factor(&rj);
    // Y = Rₜ⁻ᵀ R₁ᵀ by forward substitution (Rₜᵀ is lower triangular).
    let k = rt.nrows();
    let mut y = Mat::from_fn(k, r1, |a, b| rj[(b, a)]);
    for c in 0..r1 {
        for a in 0..k {
            let s: f64 = (0..a).map(|l| rt[(l, a)] * y[(l, c)]).sum();
            y[(a, c)] = (y[(a, c)] - s) / rt[(a, a)];
        }
    }
    let worst = if (0..y.ncols()).all(|c| y.col(c).iter().all(|v| v.is_finite())) {
        let sv = y.singular_values().map_err(|e| GamError::BadOption {
            option: "concurvity".into(),
            message: format!("the singular value decomposition failed ({e:?})"),
        })?;
        sv.iter().fold(0.0f64, |m, &s| m.max(s)).powi(2)
    } else {
        f64::NAN
    };
    let sq_norm = |m: &Mat<f64>, rows: usize| -> f64 {
        (0..rows)
            .map(|a| {
                let v: f64 = (0..m.ncols()).map(|b| m[(a, b)] * beta[b]).sum();
                v * v
            })
            .sum()
    };
    let observed = sq_norm(&rj, r1) / sq_norm(&rt, rt.nrows());
    let frob = |rows: usize| -> f64 {
        (0..rows)
            .flat_map(|a| (0..q).map(move |b| (a, b)))
            .map(|(a, b)| rj[(a, b)].powi(2))
            .sum()
    };
    let estimate = frob(r1) / frob(rj.nrows());
    Ok([worst, observed, estimate])
}

/// What R's `print(concurvity(b, full))` writes: the 3 × terms matrix
/// (full), or `$worst`, `$observed`, `$estimate` each with its terms × terms
/// matrix and a blank line (pairwise). Each column is formatted as R
/// formats it (7 significant digits, fixed or scientific), the columns
/// wrapped at R's width of 80.
pub fn concurvity_text(c: &Concurvity) -> String {
    let mut lines = Vec::new();
    match &c.tables {
        ConcurvityTables::Full(m) => {
            let rows: Vec<String> = MEASURES.iter().map(|s| s.to_string()).collect();
            let cells: Vec<Vec<String>> = (0..c.terms.len())
                .map(|j| format(&[m.worst[j], m.observed[j], m.estimate[j]], PRINT_DIGITS))
                .collect();
            lines.extend(print_matrix(&rows, &c.terms, &cells));
        }
        ConcurvityTables::Pairwise(m) => {
            for (name, table) in m.named() {
                lines.push(format!("${name}"));
                let cells: Vec<Vec<String>> = (0..c.terms.len())
                    .map(|j| format(&table.iter().map(|row| row[j]).collect::<Vec<_>>(), PRINT_DIGITS))
                    .collect();
                lines.extend(print_matrix(&c.terms, &c.terms, &cells));
                lines.push(String::new());
            }
        }
    }
    let mut text = lines.join("\n");
    text.push('\n');
    text
}

/// R's printout, [`concurvity_text`].
impl std::fmt::Display for Concurvity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&concurvity_text(self))
    }
}

/// Values keyed by term, in the terms' order (serde_json keeps insertion
/// order only with a feature this workspace does not enable).
struct ByTerm<'a, T>(&'a [String], &'a [T]);

impl<T: Serialize> Serialize for ByTerm<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0.iter().zip(self.1) {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl Serialize for Concurvity {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(MEASURES.len()))?;
        match &self.tables {
            ConcurvityTables::Full(m) => {
                for (name, values) in m.named() {
                    map.serialize_entry(name, &ByTerm(&self.terms, values))?;
                }
            }
            ConcurvityTables::Pairwise(m) => {
                for (name, table) in m.named() {
                    let rows: Vec<ByTerm<'_, f64>> = table.iter().map(|row| ByTerm(&self.terms, row)).collect();
                    map.serialize_entry(name, &ByTerm(&self.terms, &rows))?;
                }
            }
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 6 × 3 matrix: column 2 is column 0 plus a little of a direction
    /// orthogonal to both others.
    fn design() -> Mat<f64> {
        let c0 = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0];
        let c1 = [1.0, -1.0, 1.0, -1.0, 1.0, -1.0];
        let c2 = [1.5, 1.0, 0.5, 1.0, 1.5, 0.5];
        Mat::from_fn(6, 3, |i, j| [c0, c1, c2][j][i])
    }

    #[test]
    fn measures_are_shares_of_the_projection() {
        let x = design();
        // Column 2 on column 0: its projection is its mean (1) times column 0.
        let [w, o, e] = measures(&x, &[0], &[2], &[2.0]).unwrap();
        let total: f64 = (0..6).map(|i| x[(i, 2)].powi(2)).sum();
        let share = 6.0 / total;
        for v in [w, o, e] {
            assert!((v - share).abs() < 1e-14, "{v} vs {share}");
        }
        // Orthogonal columns: nothing in common.
        let [w, o, e] = measures(&x, &[0], &[1], &[1.0]).unwrap();
        assert!(w.abs() < 1e-28 && o.abs() < 1e-28 && e.abs() < 1e-28);
        // Nothing to compare with.
        assert_eq!(measures(&x, &[], &[1], &[1.0]).unwrap(), [0.0; 3]);
    }

    #[test]
    fn dependent_columns_add_nothing_to_the_span() {
        // Columns 0 and 3 are the same: the second is dropped, and the
        // measure is the one against column 0 alone.
        let x0 = design();
        let x = Mat::from_fn(6, 4, |i, j| if j == 3 { x0[(i, 0)] } else { x0[(i, j)] });
        assert_eq!(independent(&x, &[0, 3, 1]), vec![0, 1]);
        let alone = measures(&x, &[0, 1], &[2], &[1.0]).unwrap();
        let twice = measures(&x, &[0, 3, 1], &[2], &[1.0]).unwrap();
        for (a, b) in alone.iter().zip(&twice) {
            assert!((a - b).abs() < 1e-14, "{alone:?} vs {twice:?}");
        }
    }

    #[test]
    fn json_keeps_the_terms_in_order() {
        let c = Concurvity {
            terms: vec!["para".into(), "s(x)".into(), "a".into()],
            tables: ConcurvityTables::Full(ConcurvityMeasures {
                worst: vec![1.0, 0.5, f64::NAN],
                observed: vec![1.0, 0.25, 0.0],
                estimate: vec![1.0, 0.125, 0.0],
            }),
        };
        assert_eq!(
            serde_json::to_string(&c).unwrap(),
            r#"{"worst":{"para":1.0,"s(x)":0.5,"a":null},"observed":{"para":1.0,"s(x)":0.25,"a":0.0},"estimate":{"para":1.0,"s(x)":0.125,"a":0.0}}"#
        );
        let p = Concurvity {
            terms: vec!["b".into(), "a".into()],
            tables: ConcurvityTables::Pairwise(ConcurvityMeasures {
                worst: vec![vec![1.0, 0.5], vec![0.25, 1.0]],
                observed: vec![vec![1.0, 0.0], vec![0.0, 1.0]],
                estimate: vec![vec![1.0, 0.0], vec![0.0, 1.0]],
            }),
        };
        let text = serde_json::to_string(&p).unwrap();
        assert!(
            text.starts_with(r#"{"worst":{"b":{"b":1.0,"a":0.5},"a":{"b":0.25,"a":1.0}},"observed":"#),
            "{text}"
        );
    }

    #[test]
    fn text_is_r_print_of_the_matrix() {
        // print(m) in R for m <- rbind(worst = c(para = 1, `s(x)` = 0.14656225146576),
        //   observed = c(1, 7.411886415733768e-29), estimate = c(1, 0.0666666666666667)).
        let c = Concurvity {
            terms: vec!["para".into(), "s(x)".into()],
            tables: ConcurvityTables::Full(ConcurvityMeasures {
                worst: vec![1.0, 0.14656225146576],
                observed: vec![1.0, 7.411886415733768e-29],
                estimate: vec![1.0, 0.0666666666666667],
            }),
        };
        assert_eq!(
            concurvity_text(&c),
            "         para         s(x)\n\
             worst       1 1.465623e-01\n\
             observed    1 7.411886e-29\n\
             estimate    1 6.666667e-02\n"
        );
    }
}
