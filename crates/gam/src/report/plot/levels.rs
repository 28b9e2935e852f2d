//! Factor-smooth interactions (`fs`, `sz`) as mgcv's `plot.fs.interaction`
//! and `plot.sz.interaction` draw them: every level's curve (for `sz`,
//! every combination of levels, the first factor varying slowest) over the
//! same `n` points of the numeric covariate, in one panel. `fs` curves have
//! no band (mgcv's `se = FALSE`); `sz` curves have `se_mult` standard errors.
//! A base smooth of several numeric covariates is not plotted (as mgcv).

use super::grid::{range, seq};
use super::values::{Evaluate, term_matrix};
use super::{CURVE_SE_MULT, PlotKind, PlotOptions, TermPlot, frame_with, not_plotted};
use crate::basis::Basis;
use crate::data::{Column, DataFrame, FactorColumn};
use crate::design::smooth::SmoothTerm;
use crate::error::Result;

/// The plot of an `fs` or `sz` term; `evaluate` gives the values and
/// `m`-multiplied standard errors of the term at the rows of a matrix.
pub(super) fn level_curves(
    term: &SmoothTerm,
    train: &DataFrame,
    opts: &PlotOptions,
    label: String,
    edf: f64,
    evaluate: &Evaluate<'_>,
) -> Result<TermPlot> {
    let factors: Vec<usize> = match &term.basis {
        Basis::Fs(b) => vec![b.factor_position()],
        Basis::Sz(b) => b.factor_positions().to_vec(),
        _ => Vec::new(),
    };
    let vars = &term.spec.vars;
    let numeric: Vec<usize> = (0..vars.len()).filter(|i| !factors.contains(i)).collect();
    if numeric.len() != 1 {
        return Ok(not_plotted(term, edf, label));
    }
    let var = &vars[numeric[0]];
    let raw = super::numeric(train, var, &term.label)?.to_vec();
    let (lo, hi) = range(&raw);
    let n = opts.n;
    let xs = seq(lo, hi, n);
    let levels: Vec<&Vec<String>> = factors
        .iter()
        .map(|&f| term.factor_levels[f].as_ref())
        .collect::<Option<_>>()
        .unwrap_or_default();
    let counts: Vec<usize> = levels.iter().map(|l| l.len()).collect();
    let curves: usize = counts.iter().product();
    // Curve c's level of each factor, the first factor slowest.
    let level_of = |c: usize, f: usize| (c / counts[f + 1..].iter().product::<usize>()) % counts[f];
    let mut columns = vec![(var.clone(), Column::Numeric(xs.repeat(curves)))];
    for (f, &pos) in factors.iter().enumerate() {
        let codes = (0..curves * n).map(|i| Some(level_of(i / n, f) as u32)).collect();
        let column = FactorColumn {
            levels: levels[f].clone(),
            codes,
            ordered: false,
        };
        columns.push((vars[pos].clone(), Column::Factor(column)));
    }
    let xg = term_matrix(term, &frame_with(columns)?)?;
    let is_fs = matches!(term.basis, Basis::Fs(_));
    let m = if is_fs {
        0.0
    } else {
        opts.se_mult.unwrap_or(CURVE_SE_MULT)
    };
    let (fit, se) = evaluate(&xg, m);
    let names = (0..curves)
        .map(|c| {
            let parts: Vec<&str> = (0..factors.len()).map(|f| levels[f][level_of(c, f)].as_str()).collect();
            parts.join(".")
        })
        .collect();
    Ok(TermPlot {
        x: xs,
        fit,
        se: (!is_fs).then_some(se),
        se_mult: m,
        xlab: var.clone(),
        ylab: label,
        raw: vec![raw],
        levels: Some(names),
        ..TermPlot::empty(&term.label, PlotKind::LevelCurves, edf)
    })
}
