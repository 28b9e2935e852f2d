//! What mgcv's `plot.gam` draws for each smooth term, computed as it
//! computes it (`pd <- plot(b)` returns the same numbers), for every front
//! end to draw.
//!
//! For smooth `j` with coefficients `β_j`, covariance block `V_j` (of mgcv's
//! `Vp`) and prediction matrix `X_g` at a grid of covariate values (the
//! term's columns only, its centring constraint absorbed, a `by` variable
//! set to 1):
//!
//! ```text
//! fit = X_g β_j,     se = m · sqrt(rowSums((X_g V_j) ∘ X_g))
//! ```
//!
//! with `m = 2` for a curve and `m = 1` for a surface (plot.gam's `se1.mult`
//! and `se2.mult`). With `seWithMean` a centred term's band includes the
//! uncertainty of the overall mean: every row of `X_g` is padded to all `p`
//! columns with the column means of the training model matrix (mgcv's
//! `cmX`) and `V_p` replaces `V_j`.
//!
//! - A one-covariate term: `n` points evenly from the smallest to the
//!   largest training value (R's `seq(min, max, length = n)`).
//! - A two-covariate term: the `n2 × n2` grid of `rep(xm, n2)`,
//!   `rep(ym, each = n2)`; grid points farther than `too_far` from every
//!   training point, both axes scaled to the unit interval, are excluded
//!   (mgcv's `exclude.too.far`): their fit and se are NaN (null in JSON).
//! - A random effect (`bs = "re"`): its coefficients, for a normal QQ plot.
//! - A Markov random field (`bs = "mrf"`) whose neighbourhood file gives
//!   polygons: its value per area, no standard errors, with the polygons
//!   (`areas`, mgcv's `plot.mrf.smooth`). Without polygons it is not plotted
//!   (mgcv's `plot.gam` leaves it out too). A tensor product with an mrf
//!   margin is not plotted either (mgcv's margin sets `te.ok = 2`).
//! - Partial residuals: the term's own contribution at each training row
//!   plus the working residual scaled by the square root of the working
//!   weight (`fitted term + sqrt(w) · (y − μ) / (dμ/dη)`).
//! - Labels as mgcv's: a curve's y label and a surface's title are the term
//!   label with its EDF rounded to 2 decimals (`s(times,8.63)`).
//!
//! - A term of three or four covariates: a grid of image panels, the
//!   covariates past the second held fixed per panel (`slices`).
//!
//! Terms of five or more covariates are listed as not plotted (as mgcv).
//!
//! With [`PlotOptions::all_terms`] the parametric main effects follow the
//! smooths, as R's `termplot` computes them for mgcv (`parametric`).
//! [`common_ylim`] is the y range every curve shares by default (mgcv's
//! `scale = -1`).
//!
//! # Map
//! - this file: what a plot is ([`TermPlot`], [`PlotKind`], [`PlotJson`]),
//!   labels, and [`plot_data`], which picks each term's kind;
//! - `options`: [`PlotOptions`] and their limits;
//! - `values`: the maths above (fit and standard errors at a grid, with
//!   `seWithMean`), and the working residuals behind partial residuals;
//! - `curves`: one covariate (a curve) and two (a surface);
//! - `levels`: factor-smooth interactions, one curve per level;
//! - `slices`: three or four covariates, panels over the first two;
//! - `areas`: Markov random fields on their polygons;
//! - `parametric`: parametric main effects (`termplot`);
//! - `grid`: grids, `exclude.too.far`, normal QQ plots.

use serde::Serialize;

use crate::data::{Column, DataFrame};
mod areas;
mod curves;
mod grid;
mod levels;
mod options;
mod parametric;
mod slices;
mod values;

pub use grid::{NormalQq, exclude_too_far, normal_qq};
use grid::{range, seq};
pub use options::{CURVE_SE_MULT, MAX_PLOT_N, MAX_PLOT_N2, MAX_PLOT_N3, PlotOptions, SURFACE_SE_MULT};
pub use slices::SliceGrid;
use values::training;

use crate::basis::Basis;
use crate::design::smooth::SmoothTerm;
use crate::error::{GamError, Result};
use crate::model::GamModel;

/// How a term is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PlotKind {
    /// A curve with a band against one covariate.
    Curve,
    /// A surface over a grid of two covariates (contours, heat map).
    Surface,
    /// A normal QQ plot of a random effect's predicted effects.
    RandomEffect,
    /// A smooth of three or four covariates: a grid of image panels over
    /// the first two, the others held fixed per panel ([`TermPlot::slices`]).
    Slices,
    /// A parametric term as R's `termplot` draws it: a line against its
    /// variable, or a segment per level of a factor ([`TermPlot::levels`]).
    Parametric,
    /// A factor-smooth interaction (`fs`, `sz`): one curve per factor level
    /// (level combination) in one panel; `fit` (and `se`) hold the curves one
    /// after another, each `x.len()` long, named by [`TermPlot::levels`].
    LevelCurves,
    /// A Markov random field over areas drawn on their polygons, coloured by
    /// the term's value: `fit` per area, named by [`TermPlot::levels`], their
    /// rings in [`TermPlot::polygons`]; no standard errors (mgcv's
    /// `plot.mrf.smooth`).
    Areas,
    /// Not drawn (five or more covariates; an MRF without polygons).
    NotPlotted,
}

/// The plot data of one smooth term, as mgcv's `plot.gam` returns it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TermPlot {
    /// mgcv's term label (`s(times)`, `s(x):fac1`).
    pub label: String,
    /// How it is drawn.
    pub kind: PlotKind,
    /// The term's effective degrees of freedom.
    pub edf: f64,
    /// The grid along the first covariate (a curve's points, a surface's `xm`).
    pub x: Vec<f64>,
    /// A surface's grid along the second covariate (`ym`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub y: Option<Vec<f64>>,
    /// The term's value at each grid point (a surface: `n2 × n2`, `x`
    /// varying fastest, NaN where excluded); a random effect's coefficients.
    pub fit: Vec<f64>,
    /// `se_mult` standard errors of `fit` (absent for a random effect).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub se: Option<Vec<f64>>,
    /// The multiplier already applied to `se` (2 for a curve, 1 for a surface).
    pub se_mult: f64,
    /// A surface's excluded grid points (mgcv's `exclude`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exclude: Option<Vec<bool>>,
    /// The x axis label.
    pub xlab: String,
    /// The y axis label.
    pub ylab: String,
    /// The panel title, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub main: Option<String>,
    /// The training values of the covariates (a rug; a surface's data points).
    pub raw: Vec<Vec<f64>>,
    /// Partial residuals at the training rows, with [`PlotOptions::residuals`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p_resid: Option<Vec<f64>>,
    /// A parametric factor's levels, in the order of `x` (= 1, 2, ...); the
    /// curves of [`PlotKind::LevelCurves`] (levels joined by `.`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub levels: Option<Vec<String>>,
    /// The panels of a smooth of three or four covariates; `fit` then holds
    /// them one after another, each `x.len() × y.len()`, `x` varying fastest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slices: Option<SliceGrid>,
    /// [`PlotKind::Areas`]: each area's rings (in the order of `levels`),
    /// each ring a list of `[x, y]` vertices.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub polygons: Option<Vec<crate::basis::mrf::Rings>>,
}

impl TermPlot {
    /// The plot of `kind` for the term `label` with nothing in it: no grid,
    /// values, band (multiplier 1), labels, data or extras; the builders of
    /// each kind fill in what they draw.
    pub fn empty(label: &str, kind: PlotKind, edf: f64) -> TermPlot {
        TermPlot {
            label: label.to_string(),
            kind,
            edf,
            x: Vec::new(),
            y: None,
            fit: Vec::new(),
            se: None,
            se_mult: 1.0,
            exclude: None,
            xlab: String::new(),
            ylab: String::new(),
            main: None,
            raw: Vec::new(),
            p_resid: None,
            levels: None,
            slices: None,
            polygons: None,
        }
    }
}

/// The document of `gam plot --json`: `{"terms": [...]}`, one entry per
/// smooth term (a factor `by` smooth one per level) in model order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlotJson {
    /// The terms' plot data.
    pub terms: Vec<TermPlot>,
    /// The y range every curve shares by default (mgcv's `scale = -1`; see
    /// [`common_ylim`]); null without curves.
    pub ylim: Option<[f64; 2]>,
}

/// [`plot_data`] as the `gam plot --json` document.
pub fn plot_json(model: &GamModel, data: &DataFrame, opts: &PlotOptions) -> Result<PlotJson> {
    Ok(PlotJson::new(plot_data(model, data, opts)?))
}

impl PlotJson {
    /// The document of `terms`, with their common y range.
    pub fn new(terms: Vec<TermPlot>) -> PlotJson {
        let ylim = common_ylim(&terms);
        PlotJson { terms, ylim }
    }
}

/// The y range mgcv's `plot.gam` gives every curve by default (`scale =
/// -1`): over all curves, of the fit ± its band (the fit alone for a curve
/// without one) and of the partial residuals where computed. Surfaces and
/// random effects keep their own scales. None without curves.
pub fn common_ylim(terms: &[TermPlot]) -> Option<[f64; 2]> {
    let mut out: Option<[f64; 2]> = None;
    let mut widen = |v: f64| {
        if v.is_finite() {
            out = Some(out.map_or([v, v], |[lo, hi]| [lo.min(v), hi.max(v)]));
        }
    };
    for t in terms.iter().filter(|t| t.kind == PlotKind::Curve) {
        match &t.se {
            Some(se) if se.len() > 1 => t.fit.iter().zip(se).for_each(|(f, s)| {
                widen(f - s);
                widen(f + s);
            }),
            _ => t.fit.iter().for_each(|&f| widen(f)),
        }
        t.p_resid.iter().flatten().for_each(|&r| widen(r));
    }
    out
}

/// mgcv's `sub.edf`: the term label with its EDF rounded to 2 decimals
/// inside the brackets, before any `:by` part (`s(x,3.21)`, `s(x,3.21):gA`).
pub fn label_with_edf(label: &str, edf: f64) -> String {
    let edf = crate::report::rformat::c_g(crate::report::rformat::round(edf, 2), 15);
    match label.find(':') {
        None => format!("{},{edf})", &label[..label.len().saturating_sub(1)]),
        Some(pos) => format!("{},{edf}{}", &label[..pos - 1], &label[pos - 1..]),
    }
}

/// A frame of numeric columns.
fn frame(columns: Vec<(String, Vec<f64>)>) -> Result<DataFrame> {
    frame_with(columns.into_iter().map(|(n, v)| (n, Column::Numeric(v))).collect())
}

/// A frame of any columns.
fn frame_with(columns: Vec<(String, Column)>) -> Result<DataFrame> {
    DataFrame::new(columns)
}

/// A term that is not drawn (mgcv plots no smooth of five or more covariates).
fn not_plotted(term: &SmoothTerm, edf: f64, label: String) -> TermPlot {
    TermPlot {
        main: Some(label),
        ..TermPlot::empty(&term.label, PlotKind::NotPlotted, edf)
    }
}

/// The numeric training values of covariate `name`.
fn numeric<'a>(data: &'a DataFrame, name: &str, label: &str) -> Result<&'a [f64]> {
    data.require_column(name)?
        .as_numeric()
        .ok_or_else(|| GamError::BadOption {
            option: "plot".into(),
            message: format!("term {label}: covariate '{name}' is a factor; only numeric covariates are plotted"),
        })
}

/// What each smooth term of `model` draws, on `data`, the frame it was
/// fitted to (ranges, rugs and residuals come from its rows the fit kept).
pub fn plot_data(model: &GamModel, data: &DataFrame, opts: &PlotOptions) -> Result<Vec<TermPlot>> {
    opts.check()?;
    let train = training(model, data)?;
    let vp = model.vp.to_mat();
    let col_means = if opts.se_with_mean {
        Some(values::column_means(model, &train.data)?)
    } else {
        None
    };
    let offsets = model.design.smooth_offsets();
    let mut out = Vec::with_capacity(model.design.smooths.len());
    for (term, &first) in model.design.smooths.iter().zip(&offsets) {
        let cols = first..first + term.n_coef();
        let beta = &model.coefficients[cols.clone()];
        let edf: f64 = model.edf[cols].iter().sum();
        let label = label_with_edf(&term.label, edf);
        let vars = &term.spec.vars;
        let evaluate = values::evaluator(term, first, beta, &vp, col_means.as_deref());
        let p_resid = || values::partial_residuals(term, &train, beta, opts.residuals);
        let plot = if let Basis::Mrf(mrf) = &term.basis {
            areas::area_plot(term, mrf, label, edf, &evaluate)?
        } else if matches!(term.basis, Basis::Fs(_) | Basis::Sz(_)) {
            levels::level_curves(term, &train.data, opts, label, edf, &evaluate)?
        } else if term.random {
            TermPlot {
                fit: beta.to_vec(),
                xlab: "Gaussian quantiles".into(),
                ylab: "effects".into(),
                main: Some(label),
                p_resid: p_resid()?,
                ..TermPlot::empty(&term.label, PlotKind::RandomEffect, edf)
            }
        } else if crate::design::mrf_margin::has_mrf_margin(&term.spec) {
            // mgcv's mrf margin declares itself unplottable in a tensor product (te.ok = 2).
            not_plotted(term, edf, label)
        } else if vars.len() == 1 {
            curves::curve(term, &train.data, opts, label, edf, &evaluate, &p_resid)?
        } else if vars.len() == 2 {
            curves::surface(term, &train.data, opts, label, edf, &evaluate, &p_resid)?
        } else if matches!(vars.len(), 3 | 4) {
            slices::slice_plot(term, &train.data, opts, beta, label, edf)?
        } else {
            not_plotted(term, edf, label)
        };
        out.push(plot);
    }
    if opts.all_terms {
        out.extend(parametric::parametric_plots(model, &train.data)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_carry_the_edf_as_mgcv_writes_it() {
        assert_eq!(label_with_edf("s(times)", 8.6312), "s(times,8.63)");
        assert_eq!(label_with_edf("s(x2):fac1", 1.0), "s(x2,1):fac1");
        assert_eq!(label_with_edf("te(Wind,Temp)", 12.3456), "te(Wind,Temp,12.35)");
        assert_eq!(label_with_edf("s(x)", 2.005), "s(x,2)");
    }

    #[test]
    fn seq_ends_exactly_at_its_limits() {
        let s = seq(0.1, 0.7, 7);
        assert_eq!((s[0], s[6], s.len()), (0.1, 0.7, 7));
        assert!((s[3] - 0.4).abs() < 1e-15);
        assert_eq!(seq(2.0, 2.0, 3), vec![2.0; 3]);
    }

    #[test]
    fn the_qq_plot_is_r_qqnorm_and_qqline() {
        // R: qqnorm(c(3, 1, 2)) gives x = qnorm(ppoints(3)) = -0.869423773288886, 0, 0.869...;
        // qqline through quantile(c(1, 2, 3), c(.25, .75)) = 1.5, 2.5.
        let qq = normal_qq(&[3.0, 1.0, 2.0, f64::NAN]);
        assert_eq!(qq.sample, vec![1.0, 2.0, 3.0]);
        assert!((qq.theoretical[0] + 0.869_423_773_288_886).abs() < 1e-12);
        assert!(qq.theoretical[1].abs() < 1e-15);
        let (a, b) = qq.line.unwrap();
        assert!((a - 2.0).abs() < 1e-12 && (b - 1.0 / 1.348_979_500_392_163_4).abs() < 1e-12);
    }

    #[test]
    fn a_grid_point_far_from_the_data_is_excluded() {
        let g = [0.0, 1.0];
        let ex = exclude_too_far(&g, &g, &[0.0, 0.05], &[0.0, 0.0], 0.1);
        assert_eq!(ex, vec![false, true]);
    }
}
