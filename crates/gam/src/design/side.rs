//! Nested smooths made identifiable as mgcv's `gam.side` does it (mgcv
//! 1.8-41, `R/mgcv.r`), after every smooth has its basis, `by` variable and
//! centring constraint, before the fit.
//!
//! The maths. Each smooth is known by its variables (the covariate names,
//! with the `by` column and level appended, so `s(x0):faca` is `x0faca` and
//! nests with nothing but `x0faca` smooths). When no variable is shared,
//! nothing happens. Otherwise the smooths are visited in increasing
//! dimension (number of covariates), in formula order within a dimension;
//! terms with [`SmoothTerm::side_constrain`] `false` (mgcv's
//! `side.constrain = FALSE`: random effects, `bs = "re"`) are left out.
//! For smooth `i`, `X₁` holds a constant column (when the parametric part
//! spans the constant) and the current columns of every smooth visited
//! before `i` that shares a variable with it. With `X₂` the columns of `i`:
//! `E = Q₂ᵀ X₂` is `X₂` projected off the column space of `X₁` (`Q = [Q₁ Q₂]`
//! from a QR of `X₁`; here, equivalently, the trailing block of the
//! triangular factor of `[X₁ X₂]`, reduced over chunks of rows so that the
//! n-row matrix is never held); a column-pivoted Householder QR of `E` (LAPACK's
//! `dgeqp3`, whose pivot rule is emulated here, ties included) gives
//! `E P = Q' R`, and the trailing `j` pivots are deleted for the largest `j`
//! with `mean |R[r−j.., r−j..]| < ‖X₁‖ tol` (`‖X₁‖` the largest column norm of
//! `X₁`, `tol` = [`SIDE_TOL`]). Deleting a column means fixing its
//! coefficient at zero: the column leaves the model matrix and its row and
//! column leave each penalty; a penalty left with no non-zero entry is
//! dropped with its smoothing parameter. Coefficient names are renumbered
//! (`te(x0,x1).1` … over the kept columns), as mgcv names them.
//!
//! Guarantees. The deleted columns are recorded in the smooth
//! ([`SmoothTerm::side_deleted`], saved with the model), so prediction
//! builds exactly the fitted columns; which columns are deleted follows the
//! pivot order of the exact-arithmetic QR, so it matches mgcv's whenever no
//! two candidate columns tie in residual norm to rounding (the references in
//! `tests/data/side/` check the indices). The span of the model is unchanged:
//! only columns that are combinations of lower-order smooths (and the
//! constant) go. Not done: mgcv's variant for models with fewer rows than
//! coefficients (`with.pen`, where penalty square roots augment the
//! matrices) — such a nested model is refused, naming the terms (the fit
//! refuses more coefficients than rows anyway). A smooth that would lose
//! every column, or keep one column and a penalty (where mgcv 1.8-41 stops
//! with an error), is refused, naming it and the smooths it repeats.

use faer::Mat;

use super::{By, Design, SmoothTerm};
use crate::data::DataFrame;
use crate::error::{GamError, Result};
use crate::linalg::StoredMat;
use crate::linalg::blocks::{combine, triangular_factor};
use crate::linalg::chunks::{CHUNK_ROWS, combine_in_order, row_chunks, try_par_map};
use crate::linalg::householder::{Householder, pivoted_qr};

/// mgcv's `tol` for `gam.side` and `fixDependence`: `.Machine$double.eps^0.5`.
pub const SIDE_TOL: f64 = 1.490_116_119_384_765_6e-8;

/// mgcv's test for a constant column, or the constant in the span of the
/// parametric model matrix: `.Machine$double.eps^0.75`.
const CONSTANT_TOL: f64 = 1.818_989_403_545_856_5e-12;

/// A smooth's variables as `gam.side` names them: covariate, then `by`
/// column, then `by` level, pasted together.
pub(super) fn variable_names(s: &SmoothTerm) -> Vec<String> {
    let suffix = match &s.by {
        By::None => String::new(),
        By::Numeric { column } => column.clone(),
        By::Level { column, level, .. } => format!("{column}{level}"),
    };
    s.spec.vars.iter().map(|v| format!("{v}{suffix}")).collect()
}

/// Applies `gam.side` to the smooths of `design` built from `data` (the
/// training rows), recording the deleted columns in each smooth.
pub fn apply(design: &mut Design, data: &DataFrame) -> Result<()> {
    let names: Vec<Vec<String>> = design.smooths.iter().map(variable_names).collect();
    let mut all: Vec<&String> = names.iter().flatten().collect();
    let count = all.len();
    all.sort();
    all.dedup();
    if all.len() == count {
        return Ok(());
    }
    let m = design.smooths.len();
    let dim = |i: usize| names[i].len();
    let flags: Vec<bool> = design.smooths.iter().map(|s| s.side_constrain).collect();
    let constrained = |i: usize| flags[i];
    let max_dim = (0..m).map(dim).max().unwrap_or(0);
    // For each variable, the smooths using it, in increasing dimension.
    let mut users: Vec<(String, Vec<usize>)> = Vec::new();
    for d in 1..=max_dim {
        for i in (0..m).filter(|&i| dim(i) == d && constrained(i)) {
            for v in &names[i] {
                match users.iter_mut().find(|(name, _)| name == v) {
                    Some((_, list)) => list.push(i),
                    None => users.push((v.clone(), vec![i])),
                }
            }
        }
    }
    let intercept = spans_constant(design, data)?;
    for d in 1..=max_dim {
        for i in (0..m).filter(|&i| dim(i) == d && constrained(i)) {
            let mut lower: Vec<usize> = Vec::new();
            for v in &names[i] {
                let Some((_, list)) = users.iter().find(|(name, _)| name == v) else {
                    continue;
                };
                for &l in list.iter().take_while(|&&l| l != i) {
                    if !lower.contains(&l) {
                        lower.push(l);
                    }
                }
            }
            if lower.is_empty() {
                continue;
            }
            // Checked only now: terms left out (random effects) may share a
            // variable without any nesting to resolve.
            if data.nrows() < design.n_coef() {
                // mgcv's with.pen variant, not implemented.
                return Err(GamError::NotIdentifiable {
                    terms: nested_labels(design, &names),
                    symptom: "nested smooths with fewer data rows than coefficients".into(),
                });
            }
            // The lower smooths' columns are already reduced by their own deletions.
            let r1 = usize::from(intercept) + lower.iter().map(|&l| design.smooths[l].n_coef()).sum::<usize>();
            let terms: Vec<&SmoothTerm> = lower.iter().chain([&i]).map(|&t| &design.smooths[t]).collect();
            let factor = stacked_factor(data, intercept, &terms)?;
            let mut deleted = fix_dependence(&factor, r1, SIDE_TOL);
            if deleted.is_empty() {
                continue;
            }
            deleted.sort_unstable();
            // A t2() term: the same number of columns goes under its reporting
            // constraint, found there (mgcv's `fixDependence(X1, Xp, rank.def)`).
            if let Some(reported) = reported(&design.smooths[i]) {
                let mut terms: Vec<&SmoothTerm> = lower.iter().map(|&t| &design.smooths[t]).collect();
                terms.push(&reported);
                let factor = stacked_factor(data, intercept, &terms)?;
                let mut at_report = fix_dependence_rank(&factor, r1, deleted.len());
                at_report.sort_unstable();
                design.smooths[i].report_side_deleted = at_report;
            }
            let left = design.smooths[i].n_coef().saturating_sub(deleted.len());
            if left == 0 {
                return Err(repeats(
                    design,
                    &lower,
                    i,
                    "a smooth repeats lower-order smooths entirely",
                ));
            }
            delete(&mut design.smooths[i], &deleted);
            if left == 1 && !design.smooths[i].penalties.is_empty() {
                // mgcv 1.8-41 stops here (its 1 x 1 penalty loses its matrix shape).
                return Err(repeats(design, &lower, i, "a penalised smooth is left with one column"));
            }
        }
    }
    Ok(())
}

/// The term as it is reported: a `t2()` term (one with a reporting
/// constraint) under that constraint, its penalties re-expressed there, and
/// without the columns `gam.side` deletes in that parameterisation. `None`
/// for every other term.
pub(crate) fn reported(term: &SmoothTerm) -> Option<SmoothTerm> {
    let rep = term.report_constraint.as_ref()?;
    let mut out = term.clone();
    out.constraint = Some(rep.clone());
    out.report_constraint = None;
    out.penalties = term.penalties_under(rep);
    out.side_deleted = Vec::new();
    out.report_side_deleted = Vec::new();
    if !term.report_side_deleted.is_empty() {
        delete(&mut out, &term.report_side_deleted);
    }
    Some(out)
}

/// The refusal of smooth `i` beside the `lower` smooths it repeats.
fn repeats(design: &Design, lower: &[usize], i: usize, symptom: &str) -> GamError {
    let mut terms: Vec<String> = lower.iter().map(|&l| design.smooths[l].label.clone()).collect();
    terms.push(design.smooths[i].label.clone());
    GamError::NotIdentifiable {
        terms,
        symptom: symptom.into(),
    }
}

/// The upper-triangular factor `R` (`QR = X`) of `X = [1, X_t…]` — the
/// constant column when `intercept`, then the current columns of each of
/// `terms` — over the rows of `data`, a chunk of rows at a time so that `X`
/// is never held whole.
fn stacked_factor(data: &DataFrame, intercept: bool, terms: &[&SmoothTerm]) -> Result<Mat<f64>> {
    let p = usize::from(intercept) + terms.iter().map(|t| t.n_coef()).sum::<usize>();
    let factors: Vec<Mat<f64>> = try_par_map(row_chunks(data.nrows(), CHUNK_ROWS), |range| {
        let sub = data.select_rows(&range.collect::<Vec<_>>());
        let mut x = Mat::<f64>::zeros(sub.nrows(), p);
        let mut at = 0;
        if intercept {
            x.col_mut(0).fill(1.0);
            at = 1;
        }
        for t in terms {
            let xt = t.design(&sub)?;
            x.as_mut().subcols_mut(at, xt.ncols()).copy_from(xt.as_ref());
            at += xt.ncols();
        }
        Ok(triangular_factor(&x))
    })?;
    Ok(combine_in_order(factors, combine).unwrap_or_else(|| Mat::zeros(0, p)))
}

/// The loader's check of a smooth's deleted columns: ascending, distinct,
/// within the columns after the centring constraint, and at least one left.
pub fn check_deleted(s: &SmoothTerm) -> std::result::Result<(), String> {
    let width = s.n_coef_before_side();
    let del = &s.side_deleted;
    if del.windows(2).any(|w| w[0] >= w[1]) {
        return Err("deleted columns not in ascending order".into());
    }
    if let Some(&j) = del.iter().find(|&&j| j >= width) {
        return Err(format!("deleted column {j} of a term with {width} columns"));
    }
    if !del.is_empty() && del.len() >= width {
        return Err("every column deleted".into());
    }
    Ok(())
}

/// mgcv's recomputed `null.space.dim` of a smooth that lost columns: the
/// eigenvalues of `Σ_j S_j / ‖S_j‖_F` below `ε^¾` times the largest; `None`
/// when nothing was deleted or no penalty is left (mgcv keeps the old value).
pub fn null_space_dim(s: &SmoothTerm) -> Option<usize> {
    if s.side_deleted.is_empty() || s.penalties.is_empty() {
        return None;
    }
    let k = s.n_coef();
    let mut total = Mat::<f64>::zeros(k, k);
    for pen in &s.penalties {
        let m = pen.to_mat();
        total += &m * (1.0 / m.norm_l2().max(f64::MIN_POSITIVE));
    }
    let eig = crate::linalg::symmetrise(&total)
        .self_adjoint_eigen(faer::Side::Lower)
        .ok()?;
    let values: Vec<f64> = (0..k).map(|i| eig.S()[i]).collect();
    let max = values.iter().copied().fold(f64::MIN, f64::max);
    Some(values.iter().filter(|&&v| v < max * CONSTANT_TOL).count())
}

/// The labels of the smooths that share a variable with another.
fn nested_labels(design: &Design, names: &[Vec<String>]) -> Vec<String> {
    let kept = |i: usize| design.smooths[i].side_constrain;
    (0..names.len())
        .filter(|&i| {
            kept(i) && (0..names.len()).any(|j| j != i && kept(j) && names[j].iter().any(|v| names[i].contains(v)))
        })
        .map(|i| design.smooths[i].label.clone())
        .collect()
}

/// Removes `deleted` (ascending) from the smooth's penalties, dropping a
/// penalty left without a non-zero entry (to rounding of its largest), and
/// records them.
pub(super) fn delete(s: &mut SmoothTerm, deleted: &[usize]) {
    let mut penalties = Vec::with_capacity(s.penalties.len());
    let mut scales = Vec::with_capacity(s.s_scale.len());
    for (pen, &scale) in s.penalties.iter().zip(&s.s_scale) {
        let full = pen.to_mat();
        let keep: Vec<usize> = (0..full.ncols())
            .filter(|j| deleted.binary_search(j).is_err())
            .collect();
        let reduced = Mat::from_fn(keep.len(), keep.len(), |a, b| full[(keep[a], keep[b])]);
        if max_abs(&reduced) > f64::EPSILON * max_abs(&full) {
            penalties.push(StoredMat::from_mat(&reduced));
            scales.push(scale);
        }
    }
    s.penalties = penalties;
    s.s_scale = scales;
    s.side_deleted = deleted.to_vec();
}

fn max_abs(m: &Mat<f64>) -> f64 {
    m.col_iter()
        .flat_map(|c| c.iter().map(|v| v.abs()).collect::<Vec<_>>())
        .fold(0.0, f64::max)
}

/// Whether the parametric model matrix has a constant column or spans the
/// constant (mgcv's `intercept` in `gam.side`).
fn spans_constant(design: &Design, data: &DataFrame) -> Result<bool> {
    if design.intercept {
        return Ok(true);
    }
    let parametric = Design {
        response: design.response.clone(),
        intercept: design.intercept,
        parametric: design.parametric.clone(),
        smooths: Vec::new(),
        offsets: Vec::new(),
        columns_used: Vec::new(),
        derived: Vec::new(),
    };
    let xp = parametric.model_matrix(data)?;
    if xp.ncols() == 0 {
        return Ok(false);
    }
    let n = xp.nrows();
    if (0..xp.ncols()).any(|j| sd(&xp.col(j).iter().copied().collect::<Vec<_>>()) < CONSTANT_TOL) {
        return Ok(true);
    }
    // The residual of the constant after projection on the columns.
    let qr = Householder::of(&xp);
    let mut f = Mat::<f64>::from_fn(n, 1, |_, _| 1.0);
    qr.apply_qt(&mut f);
    for i in 0..qr.rank_rows() {
        f[(i, 0)] = 0.0;
    }
    qr.apply_q(&mut f);
    Ok(f.col(0).iter().all(|v| v.abs() < CONSTANT_TOL))
}

/// R's `sd` (divisor n − 1).
fn sd(v: &[f64]) -> f64 {
    let n = v.len();
    if n < 2 {
        return f64::NAN;
    }
    let mean = v.iter().sum::<f64>() / n as f64;
    (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
}

/// mgcv's `fixDependence(X1, X2, tol)` (not `strict`, no known rank
/// deficiency) from the triangular factor `r` of `[X1 X2]`, `X1` its first
/// `r1` columns: the columns of `X2` (0-based, in the order found) to delete
/// so that `[X1 X2]` has full column rank. mgcv takes the rows of `QᵀX2`
/// past `X1`'s from a QR of `X1`; the block `r[r1.., r1..]` is the same
/// matrix up to an orthogonal factor on the left, which changes neither the
/// pivots nor the `R` of its pivoted QR. See the module doc.
pub fn fix_dependence(r: &Mat<f64>, r1: usize, tol: f64) -> Vec<usize> {
    let Some((upper, pivot)) = residual_qr(r, r1) else {
        return Vec::new();
    };
    // |R[1,1]| of LAPACK's pivoted QR of X1: its first pivot is its longest column.
    let r11 = (0..r1)
        .map(|j| {
            (0..=j.min(r.nrows() - 1))
                .map(|i| r[(i, j)].powi(2))
                .sum::<f64>()
                .sqrt()
        })
        .fold(0.0, f64::max);
    let rows = upper.nrows();
    // mgcv's r0 - 1: the leading columns of R that stay.
    let mut kept = rows;
    while kept > 0 {
        let block = (kept - 1)..rows;
        let count = (block.len() * block.len()) as f64;
        let sum: f64 = block
            .clone()
            .flat_map(|i| block.clone().map(move |j| (i, j)))
            .map(|(i, j)| if j >= i { upper[(i, j)].abs() } else { 0.0 })
            .sum();
        if sum / count < r11 * tol {
            kept -= 1;
        } else {
            break;
        }
    }
    pivot[kept..rows].to_vec()
}

/// mgcv's `fixDependence(X1, X2, rank.def = k)`: the rank deficiency is
/// known, so the last `k` pivots go, whatever their size (none when `k` is
/// 0 or exceeds the rows of the pivoted factor, as mgcv).
pub fn fix_dependence_rank(r: &Mat<f64>, r1: usize, rank_def: usize) -> Vec<usize> {
    match residual_qr(r, r1) {
        Some((upper, pivot)) if rank_def > 0 && rank_def <= upper.nrows() => {
            let rows = upper.nrows();
            pivot[rows - rank_def..rows].to_vec()
        }
        _ => Vec::new(),
    }
}

/// The pivoted QR (LAPACK's pivot rule) of `X2` projected off `X1`: the
/// trailing block of `r`. `None` when nothing is past `X1`.
fn residual_qr(r: &Mat<f64>, r1: usize) -> Option<(Mat<f64>, Vec<usize>)> {
    let p = r.ncols();
    if r1 >= r.nrows() || r1 >= p {
        return None;
    }
    let e = Mat::from_fn(r.nrows() - r1, p - r1, |i, j| r[(r1 + i, r1 + j)]);
    Some(pivoted_qr(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tolerances_are_mgcvs() {
        assert_eq!(SIDE_TOL, f64::EPSILON.sqrt());
        assert_eq!(CONSTANT_TOL, f64::EPSILON.powf(0.75));
    }

    /// The triangular factor of `[x1 x2]`.
    fn factor(x1: &Mat<f64>, x2: &Mat<f64>) -> Mat<f64> {
        let (r1, n) = (x1.ncols(), x1.nrows());
        triangular_factor(&Mat::from_fn(n, r1 + x2.ncols(), |i, j| {
            if j < r1 { x1[(i, j)] } else { x2[(i, j - r1)] }
        }))
    }

    #[test]
    fn a_column_spanned_by_the_lower_terms_is_deleted() {
        let n = 40;
        let x: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37).sin()).collect();
        let z: Vec<f64> = (0..n).map(|i| (i as f64 * 0.11).cos()).collect();
        let x1 = Mat::from_fn(n, 2, |i, j| if j == 0 { 1.0 } else { x[i] });
        // Columns: z, 3x − 2 (in span of X1), x·z.
        let x2 = Mat::from_fn(n, 3, |i, j| match j {
            0 => z[i],
            1 => 3.0 * x[i] - 2.0,
            _ => x[i] * z[i],
        });
        assert_eq!(fix_dependence(&factor(&x1, &x2), 2, SIDE_TOL), [1]);
        // Independent columns: nothing deleted.
        let x2 = Mat::from_fn(n, 2, |i, j| if j == 0 { z[i] } else { x[i] * z[i] });
        assert!(fix_dependence(&factor(&x1, &x2), 2, SIDE_TOL).is_empty());
    }

    #[test]
    fn dropping_columns_keeps_the_others_in_order() {
        use crate::linalg::drop_columns;
        let x = Mat::from_fn(2, 4, |i, j| (10 * i + j) as f64);
        let y = drop_columns(x.clone(), &[1, 3]);
        assert_eq!((y.ncols(), y[(1, 0)], y[(1, 1)]), (2, 10.0, 12.0));
        assert_eq!(drop_columns(x.clone(), &[]), x);
    }
}
