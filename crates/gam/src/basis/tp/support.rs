//! Helpers of the thin plate basis that other bases share: sizes (`dims`), covariate checks,
//! R's two-pass mean, and the unique rows of a set of covariates (mgcv's `uniquecombs` order).

use std::cmp::Ordering;

use super::DEFAULT_K_EXTRA;
use crate::error::{GamError, Result};

/// `(m, M, k)` for `d` covariates and a requested `k` and `m` (see
/// [`TpBasis::new`]): the penalty order used, the null space dimension and
/// the basis dimension. Saturates instead of overflowing for absurd `m`, so
/// that a caller can refuse the size.
pub(crate) fn dims(d: usize, k: i64, m: Option<usize>) -> (usize, usize, usize) {
    let m = effective_order(d, m.unwrap_or(0));
    let null_dim = null_space_dim(d, m);
    let k = match usize::try_from(k) {
        Ok(k) => k,
        Err(_) => null_dim.saturating_add(DEFAULT_K_EXTRA[d.clamp(1, 3) - 1]),
    };
    (m, null_dim, k.max(null_dim.saturating_add(1)))
}

/// Errors unless all `d` covariate slices have the same length and finite values.
pub(crate) fn check_covariates(term: &str, x: &[&[f64]], d: usize) -> Result<()> {
    let n = x.first().map_or(0, |c| c.len());
    for (j, col) in x.iter().enumerate().take(d) {
        if col.len() != n {
            return Err(GamError::Term {
                term: term.to_string(),
                message: format!("covariate {} has {} values, covariate 1 has {n}", j + 1, col.len()),
            });
        }
        if let Some(row) = col.iter().position(|v| !v.is_finite()) {
            return Err(GamError::Term {
                term: term.to_string(),
                message: format!("covariate {} is not finite at row {}", j + 1, row + 1),
            });
        }
    }
    Ok(())
}

/// The error for fewer unique covariate points (or knots) than `k`, naming the covariates.
pub(crate) fn too_few_unique(term: &str, d: usize, count: usize, k: usize, user_knots: bool) -> GamError {
    let names = covariate_names(term, d);
    let message = if d == 1 {
        let what = if user_knots { "knots" } else { "values" };
        let name = names.map(|v| v[0].clone()).unwrap_or_else(|| "the covariate".into());
        format!("{name} has only {count} unique {what}, fewer than k = {k}: reduce k")
    } else {
        let name = names
            .map(|v| format!("({})", v.join(", ")))
            .unwrap_or_else(|| "the covariates".into());
        let what = if user_knots { "knots" } else { "combinations" };
        format!("{name} has only {count} unique {what}, fewer than k = {k}: reduce k")
    };
    GamError::Term {
        term: term.to_string(),
        message,
    }
}

/// mgcv's penalty order: `m` if `2m > d`, else the smallest `m` with `2m > d + 1`.
pub(super) fn effective_order(d: usize, m: usize) -> usize {
    if m.saturating_mul(2) > d { m } else { d.div_ceil(2) + 1 }
}

/// Dimension of the penalty null space: `choose(m + d - 1, d)`.
pub(super) fn null_space_dim(d: usize, m: usize) -> usize {
    let mut c = 1usize;
    for i in 0..d {
        c = c.saturating_mul(m.saturating_add(i)) / (i + 1);
    }
    c
}

/// Mean by two passes (sum, then the mean of the residuals), as R computes it.
pub(crate) fn mean(x: &[f64]) -> f64 {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    m + x.iter().map(|v| v - m).sum::<f64>() / n
}

/// Unique rows of a set of covariate columns.
pub(crate) struct UniqueRows {
    /// Unique rows, row-major `n_unique x d`, in lexicographic order.
    pub(crate) values: Vec<f64>,
    /// Number of input rows equal to each unique row.
    pub(crate) counts: Vec<usize>,
    /// For each input row, its unique row.
    pub(crate) row_to_unique: Vec<usize>,
}

impl UniqueRows {
    /// Number of unique rows.
    pub(crate) fn n_unique(&self) -> usize {
        self.counts.len()
    }
}

/// Sorts rows lexicographically (ties by position, as mgcv's `msort`) and
/// merges exactly equal rows. Values must be finite.
pub(crate) fn unique_rows(cols: &[&[f64]]) -> UniqueRows {
    let n = cols.first().map_or(0, |c| c.len());
    let cmp = |a: usize, b: usize| {
        for c in cols {
            match c[a].partial_cmp(&c[b]).unwrap_or(Ordering::Equal) {
                Ordering::Equal => continue,
                other => return other,
            }
        }
        Ordering::Equal
    };
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| cmp(a, b));
    let mut values = Vec::new();
    let mut counts: Vec<usize> = Vec::new();
    let mut row_to_unique = vec![0usize; n];
    for (pos, &row) in order.iter().enumerate() {
        if pos == 0 || cmp(order[pos - 1], row) != Ordering::Equal {
            values.extend(cols.iter().map(|c| c[row]));
            counts.push(0);
        }
        let u = counts.len() - 1;
        counts[u] += 1;
        row_to_unique[row] = u;
    }
    UniqueRows {
        values,
        counts,
        row_to_unique,
    }
}

/// The covariate names of a term label such as `s(x, z, k = 20)`, if it
/// names exactly `d` of them.
pub(super) fn covariate_names(term: &str, d: usize) -> Option<Vec<String>> {
    let open = term.find('(')?;
    let close = term.rfind(')')?;
    if close <= open {
        return None;
    }
    let names: Vec<String> = term[open + 1..close]
        .split(',')
        .map(str::trim)
        .filter(|a| !a.contains('='))
        .map(String::from)
        .collect();
    (names.len() == d && names.iter().all(|a| !a.is_empty())).then_some(names)
}
