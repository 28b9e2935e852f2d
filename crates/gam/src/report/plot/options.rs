//! [`PlotOptions`], the settings of [`plot_data`](super::plot_data), with
//! mgcv's `plot.gam` defaults and the limits that keep plot data in memory.

use crate::error::{GamError, Result};

/// Settings of [`plot_data`](super::plot_data), with mgcv's `plot.gam` defaults.
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
