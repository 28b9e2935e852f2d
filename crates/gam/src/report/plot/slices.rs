//! Smooths of three or four covariates as mgcv 1.8-41's `plot.gam` draws
//! them: an `n3 × n3` grid of image panels, each over an `n2 × n2` grid of
//! the first two covariates (a tensor product's two-covariate margin, if it
//! has one, else the first two), the other covariates held fixed per panel.
//!
//! With `lo_j`, `hi_j` the training range of covariate `j`: three
//! covariates take the third at `seq(lo_3, hi_3, length = n3²)`, panel
//! `(r, c)` (row `r`, column `c`) at value `r·n3 + c`; four take the third
//! at `seq(lo_3, hi_3, length = n3)` by row and the fourth at
//! `seq(lo_4, hi_4, length = n3)` by column. Grid points farther than
//! `too_far` from the training points in the first two covariates are
//! excluded in every panel. mgcv computes no band here.
//!
//! The fit is given panel by panel (panel `r·n3 + c`), each `n2 × n2` with
//! the first covariate varying fastest: mgcv's own vector (`pd[[i]]$fit`)
//! interleaves the panels (its row `i` is grid point `i mod n2`, panel row
//! `⌊i/n2⌋ mod n3`, grid row `⌊i/(n2·n3)⌋ mod n2`, panel column
//! `⌊i/(n2²·n3)⌋`); the tests reorder it.

use serde::Serialize;

use super::values::term_matrix;
use super::{PlotKind, PlotOptions, TermPlot, exclude_too_far, frame, numeric, range, seq};
use crate::basis::Basis;
use crate::data::DataFrame;
use crate::design::smooth::SmoothTerm;
use crate::error::Result;

/// The panels of a three- or four-covariate smooth.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SliceGrid {
    /// The covariates in plotting order: the two of each panel's axes, then those held fixed.
    pub vars: Vec<String>,
    /// Panel rows and columns (mgcv's `n3` each).
    pub rows: usize,
    /// Panel columns.
    pub cols: usize,
    /// Per panel (`r·cols + c`), the values of `vars[2..]` held fixed in it.
    pub values: Vec<Vec<f64>>,
}

/// The plotting order of a term's covariates (module doc).
fn plotting_order(term: &SmoothTerm) -> Vec<String> {
    let vars = &term.spec.vars;
    let dims: Vec<usize> = match &term.basis {
        Basis::Tensor(t) => t.margin_dims().to_vec(),
        Basis::T2(t) => t.margins().map(|(_, d)| d).collect(),
        _ => Vec::new(),
    };
    {
        let mut at = 0;
        for &d in &dims {
            if d == 2 {
                let first = &vars[at..at + 2];
                let rest = vars.iter().filter(|v| !first.contains(v));
                return first.iter().chain(rest).cloned().collect();
            }
            at += d;
        }
    }
    vars.clone()
}

/// The plot of a smooth of 3 or 4 covariates; `beta` its coefficients.
pub(super) fn slice_plot(
    term: &SmoothTerm,
    train: &DataFrame,
    opts: &PlotOptions,
    beta: &[f64],
    label: String,
    edf: f64,
) -> Result<TermPlot> {
    let vars = plotting_order(term);
    let nv = vars.len();
    let raw: Vec<Vec<f64>> = vars
        .iter()
        .map(|v| numeric(train, v, &term.label).map(<[f64]>::to_vec))
        .collect::<Result<_>>()?;
    let bounds: Vec<(f64, f64)> = raw.iter().map(|r| range(r)).collect();
    let (m, n3) = (opts.n2.max(10), opts.n3);
    let x1 = seq(bounds[0].0, bounds[0].1, m);
    let x2 = seq(bounds[1].0, bounds[1].1, m);
    let values: Vec<Vec<f64>> = if nv == 3 {
        seq(bounds[2].0, bounds[2].1, n3 * n3)
            .into_iter()
            .map(|v| vec![v])
            .collect()
    } else {
        let x3 = seq(bounds[2].0, bounds[2].1, n3);
        let x4 = seq(bounds[3].0, bounds[3].1, n3);
        (0..n3 * n3).map(|k| vec![x3[k / n3], x4[k % n3]]).collect()
    };
    let cells = m * m;
    let mut cols: Vec<Vec<f64>> = vec![Vec::with_capacity(cells * values.len()); nv];
    for fixed in &values {
        for k in 0..cells {
            cols[0].push(x1[k % m]);
            cols[1].push(x2[k / m]);
            for (j, v) in fixed.iter().enumerate() {
                cols[2 + j].push(*v);
            }
        }
    }
    let exclude_one = if opts.too_far > 0.0 {
        exclude_too_far(&cols[0][..cells], &cols[1][..cells], &raw[0], &raw[1], opts.too_far)
    } else {
        vec![false; cells]
    };
    let exclude: Vec<bool> = (0..values.len()).flat_map(|_| exclude_one.iter().copied()).collect();
    let xg = term_matrix(term, &frame(vars.iter().cloned().zip(cols).collect())?)?;
    let fit: Vec<f64> = (0..xg.nrows())
        .map(|i| {
            if exclude[i] {
                f64::NAN
            } else {
                (0..xg.ncols()).map(|c| xg[(i, c)] * beta[c]).sum()
            }
        })
        .collect();
    Ok(TermPlot {
        x: x1,
        y: Some(x2),
        fit,
        exclude: Some(exclude),
        xlab: vars[0].clone(),
        ylab: vars[1].clone(),
        main: Some(label),
        raw: raw[..2].to_vec(),
        slices: Some(SliceGrid {
            vars,
            rows: n3,
            cols: n3,
            values,
        }),
        ..TermPlot::empty(&term.label, PlotKind::Slices, edf)
    })
}
