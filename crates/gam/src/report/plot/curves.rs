//! A smooth of one covariate as mgcv's `plot.gam` draws it, a curve of
//! `n` points evenly from the smallest to the largest training value (R's
//! `seq(min, max, length = n)`) with a band of `se1.mult` standard errors;
//! and of two, a surface over the `n2 × n2` grid of `rep(xm, n2)`,
//! `rep(ym, each = n2)`, with `se2.mult` standard errors, its points
//! farther than `too_far` from every training point (both axes scaled to
//! the unit interval; mgcv's `exclude.too.far`) excluded: NaN.

use super::grid::{exclude_too_far, range, seq};
use super::values::{Evaluate, term_matrix};
use super::{CURVE_SE_MULT, PlotKind, PlotOptions, SURFACE_SE_MULT, TermPlot, frame, numeric};
use crate::data::DataFrame;
use crate::design::smooth::SmoothTerm;
use crate::error::Result;

/// The partial residuals of a term, computed when asked for.
pub(super) type Residuals<'a> = dyn Fn() -> Result<Option<Vec<f64>>> + 'a;

/// The curve of a one-covariate term.
pub(super) fn curve(
    term: &SmoothTerm,
    train: &DataFrame,
    opts: &PlotOptions,
    label: String,
    edf: f64,
    evaluate: &Evaluate<'_>,
    p_resid: &Residuals<'_>,
) -> Result<TermPlot> {
    let vars = &term.spec.vars;
    let raw = numeric(train, &vars[0], &term.label)?.to_vec();
    let (lo, hi) = range(&raw);
    let xs = seq(lo, hi, opts.n);
    let xg = term_matrix(term, &frame(vec![(vars[0].clone(), xs.clone())])?)?;
    let m1 = opts.se_mult.unwrap_or(CURVE_SE_MULT);
    let (fit, se) = evaluate(&xg, m1);
    Ok(TermPlot {
        x: xs,
        fit,
        se: Some(se),
        se_mult: m1,
        xlab: vars[0].clone(),
        ylab: label,
        raw: vec![raw],
        p_resid: p_resid()?,
        ..TermPlot::empty(&term.label, PlotKind::Curve, edf)
    })
}

/// The surface of a two-covariate term.
pub(super) fn surface(
    term: &SmoothTerm,
    train: &DataFrame,
    opts: &PlotOptions,
    label: String,
    edf: f64,
    evaluate: &Evaluate<'_>,
    p_resid: &Residuals<'_>,
) -> Result<TermPlot> {
    let vars = &term.spec.vars;
    let rx = numeric(train, &vars[0], &term.label)?.to_vec();
    let ry = numeric(train, &vars[1], &term.label)?.to_vec();
    let n2 = opts.n2.max(10);
    let (xlo, xhi) = range(&rx);
    let (ylo, yhi) = range(&ry);
    let xm = seq(xlo, xhi, n2);
    let ym = seq(ylo, yhi, n2);
    let gx: Vec<f64> = (0..n2 * n2).map(|i| xm[i % n2]).collect();
    let gy: Vec<f64> = (0..n2 * n2).map(|i| ym[i / n2]).collect();
    let exclude = if opts.too_far > 0.0 {
        exclude_too_far(&gx, &gy, &rx, &ry, opts.too_far)
    } else {
        vec![false; n2 * n2]
    };
    let xg = term_matrix(term, &frame(vec![(vars[0].clone(), gx), (vars[1].clone(), gy)])?)?;
    let m2 = opts.se_mult.unwrap_or(SURFACE_SE_MULT);
    let (mut fit, mut se) = evaluate(&xg, m2);
    for (i, &ex) in exclude.iter().enumerate() {
        if ex {
            fit[i] = f64::NAN;
            se[i] = f64::NAN;
        }
    }
    Ok(TermPlot {
        x: xm,
        y: Some(ym),
        fit,
        se: Some(se),
        se_mult: m2,
        exclude: Some(exclude),
        xlab: vars[0].clone(),
        ylab: vars[1].clone(),
        main: Some(label),
        raw: vec![rx, ry],
        p_resid: p_resid()?,
        ..TermPlot::empty(&term.label, PlotKind::Surface, edf)
    })
}
