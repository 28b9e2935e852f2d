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
//!   (mgcv's `plot.gam` leaves it out too).
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

use faer::Mat;
use serde::Serialize;

use crate::data::{Column, DataFrame};
mod areas;
mod grid;
mod levels;
mod parametric;
mod slices;

pub use grid::{NormalQq, exclude_too_far, normal_qq};
use grid::{range, seq};

pub use slices::SliceGrid;

use crate::basis::Basis;
use crate::design::smooth::{By, SmoothTerm};
use crate::error::{GamError, Result};
use crate::model::GamModel;

/// Settings of [`plot_data`], with mgcv's `plot.gam` defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct PlotOptions {
    /// Points along a one-covariate term (mgcv's `n`).
    pub n: usize,
    /// Points along each side of a two-covariate grid (mgcv's `n2`, at least 10).
    pub n2: usize,
    /// Grid points of a surface farther than this from the data (on the
    /// unit square) are excluded (mgcv's `too.far`; 0 excludes none).
    pub too_far: f64,
    /// Bands include the uncertainty of the overall mean (mgcv's `seWithMean`).
    pub se_with_mean: bool,
    /// Compute partial residuals (mgcv's `residuals = TRUE`).
    pub residuals: bool,
    /// Also the parametric main effects, after the smooths (mgcv's `all.terms = TRUE`).
    pub all_terms: bool,
    /// Panels per side for a smooth of three or four covariates (mgcv's `n3`).
    pub n3: usize,
    /// Standard errors per band (mgcv's numeric `se`, for curves and
    /// surfaces alike); `None`: mgcv's defaults, 2 for a curve and 1 for a
    /// surface.
    pub se_mult: Option<f64>,
}

/// mgcv's `se1.mult`: a curve's band is this many standard errors.
pub const CURVE_SE_MULT: f64 = 2.0;

/// mgcv's `se2.mult`: a surface's band is this many standard errors.
pub const SURFACE_SE_MULT: f64 = 1.0;

impl Default for PlotOptions {
    fn default() -> Self {
        PlotOptions {
            n: 100,
            n2: 40,
            too_far: 0.1,
            se_with_mean: false,
            residuals: false,
            all_terms: false,
            n3: 3,
            se_mult: None,
        }
    }
}

/// The most points along a curve ([`PlotOptions::n`]): plot data are held in memory.
pub const MAX_PLOT_N: usize = 100_000;

/// The most points along each side of a surface's grid ([`PlotOptions::n2`]).
pub const MAX_PLOT_N2: usize = 1_000;

/// The most panels per side for a smooth of three or four covariates ([`PlotOptions::n3`]).
pub const MAX_PLOT_N3: usize = 10;

impl PlotOptions {
    /// Checks the settings: `n` in 2..=[`MAX_PLOT_N`], `n2` in
    /// 2..=[`MAX_PLOT_N2`], `too_far` a finite distance of at least 0.
    pub fn check(&self) -> Result<()> {
        let bad = |message: String| GamError::BadOption {
            option: "plot".into(),
            message,
        };
        if !(2..=MAX_PLOT_N).contains(&self.n) {
            return Err(bad(format!("n = {}: give 2 to {MAX_PLOT_N} points per curve", self.n)));
        }
        if !(2..=MAX_PLOT_N2).contains(&self.n2) {
            return Err(bad(format!(
                "n2 = {}: give 2 to {MAX_PLOT_N2} points per side of a grid",
                self.n2
            )));
        }
        if let Some(m) = self.se_mult.filter(|m| !(m.is_finite() && *m >= 0.0)) {
            return Err(bad(format!("se = {m}: give a number of standard errors of 0 or more")));
        }
        if !(1..=MAX_PLOT_N3).contains(&self.n3) {
            return Err(bad(format!(
                "n3 = {}: give 1 to {MAX_PLOT_N3} panels per side",
                self.n3
            )));
        }
        if !(self.too_far.is_finite() && self.too_far >= 0.0) {
            return Err(bad(format!("too_far = {}: give a distance of 0 or more", self.too_far)));
        }
        Ok(())
    }
}

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

/// The training rows the fit kept (mgcv's model frame: `na.omit`, derived
/// columns evaluated) and their working residuals times the square root of
/// their working weights.
struct Training {
    data: DataFrame,
    sqrt_w_resid: Vec<f64>,
}

fn training(model: &GamModel, data: &DataFrame) -> Result<Training> {
    let rows = crate::report::training::training_rows(model, data)?;
    let theta = model.theta.unwrap_or(1.0);
    // mgcv's `weights` and `residuals` of a fit (gam.fit3): the Fisher
    // weights `w_p / (V g'²)` and the working residuals of the full Newton
    // step, `(y − μ) g' / α` with `α = 1 + (y − μ)(V'/V + g''/g')` (1 for a
    // canonical link).
    let canonical = model.family.is_canonical(model.link);
    let sqrt_w_resid = rows
        .obs
        .iter()
        .zip(&rows.eta)
        .map(|(o, &eta)| {
            let mu = model.link.inverse(eta);
            if let Some(d) = model.family.dev_derivatives(*o, mu, theta) {
                // gam.fit4 (betar): weights ½E[D_ηη], residuals −D_η/D_ηη.
                let [w, wf, _, _, r] = d.eta_weights(model.link.derivatives(mu));
                return wf.max(0.0).sqrt() * r / w;
            }
            let [v0, v1, _, _] = model.family.variance(mu, theta);
            let [g1, g2, _, _] = model.link.derivatives(mu);
            let alpha = match 1.0 + (o.y - mu) * (v1 / v0 + g2 / g1) {
                _ if canonical => 1.0,
                0.0 => f64::EPSILON,
                a => a,
            };
            let w = o.w / (v0 * g1 * g1);
            w.sqrt() * (o.y - mu) * g1 / alpha
        })
        .collect();
    Ok(Training {
        data: rows.data,
        sqrt_w_resid,
    })
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
        label: term.label.clone(),
        kind: PlotKind::NotPlotted,
        edf,
        x: Vec::new(),
        y: None,
        fit: Vec::new(),
        se: None,
        se_mult: 1.0,
        exclude: None,
        xlab: String::new(),
        ylab: String::new(),
        main: Some(label),
        raw: Vec::new(),
        p_resid: None,
        levels: None,
        slices: None,
        polygons: None,
    }
}

/// The term's columns of the model matrix at `data`, its `by` variable set
/// to 1 (mgcv's plot data frame holds `by = 1`).
fn term_matrix(term: &SmoothTerm, data: &DataFrame) -> Result<Mat<f64>> {
    let unmasked = SmoothTerm {
        by: By::None,
        ..term.clone()
    };
    unmasked.design(data)
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
    let p = model.coefficients.len();
    let vp = model.vp.to_mat();
    let col_means: Option<Vec<f64>> = if opts.se_with_mean {
        let x = model.design.model_matrix(&train.data)?;
        let n = x.nrows() as f64;
        Some(
            (0..p)
                .map(|j| (0..x.nrows()).map(|i| x[(i, j)]).sum::<f64>() / n)
                .collect(),
        )
    } else {
        None
    };
    let offsets = model.design.smooth_offsets();
    let mut out = Vec::with_capacity(model.design.smooths.len());
    for (term, &first) in model.design.smooths.iter().zip(&offsets) {
        let k = term.n_coef();
        let cols = first..first + k;
        let beta = &model.coefficients[cols.clone()];
        let edf: f64 = model.edf[cols.clone()].iter().sum();
        let label = label_with_edf(&term.label, edf);
        let vars = &term.spec.vars;
        // Values, and `m`-multiplied standard errors, of the term at the rows of `xg`.
        let evaluate = |xg: &Mat<f64>, m: f64| -> (Vec<f64>, Vec<f64>) {
            let fit = (0..xg.nrows())
                .map(|i| (0..k).map(|c| xg[(i, c)] * beta[c]).sum())
                .collect();
            let se = (0..xg.nrows())
                .map(|i| {
                    let var = match (&col_means, term.constraint.is_some()) {
                        (Some(means), true) => {
                            let row: Vec<f64> = (0..p)
                                .map(|j| {
                                    if cols.contains(&j) {
                                        xg[(i, j - first)]
                                    } else {
                                        means[j]
                                    }
                                })
                                .collect();
                            quad(&row, &vp, 0)
                        }
                        _ => {
                            let row: Vec<f64> = (0..k).map(|c| xg[(i, c)]).collect();
                            quad(&row, &vp, first)
                        }
                    };
                    m * var.max(0.0).sqrt()
                })
                .collect();
            (fit, se)
        };
        let p_resid = || -> Result<Option<Vec<f64>>> {
            if !opts.residuals {
                return Ok(None);
            }
            let x = term.design(&train.data)?;
            Ok(Some(
                (0..x.nrows())
                    .map(|i| (0..k).map(|c| x[(i, c)] * beta[c]).sum::<f64>() + train.sqrt_w_resid[i])
                    .collect(),
            ))
        };
        let plot = if let Basis::Mrf(mrf) = &term.basis {
            areas::area_plot(term, mrf, label, edf, &evaluate)?
        } else if matches!(term.basis, Basis::Fs(_) | Basis::Sz(_)) {
            levels::level_curves(term, &train.data, opts, label, edf, &evaluate)?
        } else if term.random {
            TermPlot {
                label: term.label.clone(),
                kind: PlotKind::RandomEffect,
                edf,
                x: Vec::new(),
                y: None,
                fit: beta.to_vec(),
                se: None,
                se_mult: 1.0,
                exclude: None,
                xlab: "Gaussian quantiles".into(),
                ylab: "effects".into(),
                main: Some(label),
                raw: Vec::new(),
                p_resid: p_resid()?,
                levels: None,
                slices: None,
                polygons: None,
            }
        } else if vars.len() == 1 {
            let raw = numeric(&train.data, &vars[0], &term.label)?.to_vec();
            let (lo, hi) = range(&raw);
            let xs = seq(lo, hi, opts.n);
            let xg = term_matrix(term, &frame(vec![(vars[0].clone(), xs.clone())])?)?;
            let m1 = opts.se_mult.unwrap_or(CURVE_SE_MULT);
            let (fit, se) = evaluate(&xg, m1);
            TermPlot {
                label: term.label.clone(),
                kind: PlotKind::Curve,
                edf,
                x: xs,
                y: None,
                fit,
                se: Some(se),
                se_mult: m1,
                exclude: None,
                xlab: vars[0].clone(),
                ylab: label,
                main: None,
                raw: vec![raw],
                p_resid: p_resid()?,
                levels: None,
                slices: None,
                polygons: None,
            }
        } else if vars.len() == 2 {
            let rx = numeric(&train.data, &vars[0], &term.label)?.to_vec();
            let ry = numeric(&train.data, &vars[1], &term.label)?.to_vec();
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
            TermPlot {
                label: term.label.clone(),
                kind: PlotKind::Surface,
                edf,
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
                levels: None,
                slices: None,
                polygons: None,
            }
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

/// `rᵀ V[o.., o..] r` for the block of `v` starting at row and column `o`.
fn quad(r: &[f64], v: &Mat<f64>, o: usize) -> f64 {
    let mut s = 0.0;
    for (a, &ra) in r.iter().enumerate() {
        if ra == 0.0 {
            continue;
        }
        let mut t = 0.0;
        for (b, &rb) in r.iter().enumerate() {
            t += v[(o + a, o + b)] * rb;
        }
        s += ra * t;
    }
    s
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
