//! `gam plot MODEL DATA --json`: what mgcv's `plot.gam` draws for each smooth
//! term of a saved model (grids, fits, bands, rugs, partial residuals),
//! computed by [`gam::expert::report::plot`] on DATA, the CSV file the model
//! was fitted to (ranges, rugs and residuals come from its rows).
//!
//! Drawing the panels to SVG or PNG is not built yet: without `--json` the
//! command says so and exits with a usage error.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use gam::expert::model::GamModel;
use gam::expert::report::{PlotOptions, json_text, plot_json};

use crate::plumbing::{read_data, usage_error};

/// Arguments of `gam plot`.
#[derive(Debug, Args)]
pub struct PlotArgs {
    /// A model saved by `gam fit --out`
    pub model: PathBuf,
    /// The CSV file the model was fitted to
    pub data: PathBuf,
    /// Points along each one-covariate smooth (mgcv's n)
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(2..=gam::expert::report::plot::MAX_PLOT_N as i64))]
    pub n: u32,
    /// Points along each side of a two-covariate grid (mgcv's n2; at least 10 are used)
    #[arg(long, default_value_t = 40, value_parser = clap::value_parser!(u32).range(2..=gam::expert::report::plot::MAX_PLOT_N2 as i64))]
    pub n2: u32,
    /// Leave out grid points of a surface farther than this from the data, on the unit square (mgcv's too.far; 0: none)
    #[arg(long, value_name = "DIST", default_value_t = 0.1)]
    pub too_far: f64,
    /// Bands include the uncertainty of the overall mean (mgcv's seWithMean = TRUE)
    #[arg(long)]
    pub se_with_mean: bool,
    /// Add each term's partial residuals (mgcv's residuals = TRUE)
    #[arg(long)]
    pub residuals: bool,
}

/// Runs `gam plot`: with `json`, the plot data as one JSON document.
pub fn run(args: &PlotArgs, json: bool, out: &mut dyn Write) -> Result<()> {
    if !json {
        return Err(usage_error(
            "gam plot draws no pictures yet: pass --json for the plot data (per term: x, fit, se, ...)",
        ));
    }
    if !(args.too_far.is_finite() && args.too_far >= 0.0) {
        return Err(usage_error(format!(
            "--too-far {}: give a distance of 0 or more",
            args.too_far
        )));
    }
    // clap bounds n and n2 by the library's limits.
    let model = GamModel::load(&args.model)?;
    let data = read_data(&args.data, &model.factor_columns())?;
    let opts = PlotOptions {
        n: args.n as usize,
        n2: args.n2 as usize,
        too_far: args.too_far,
        se_with_mean: args.se_with_mean,
        residuals: args.residuals,
    };
    let text = json_text(&plot_json(&model, &data, &opts)?)?;
    out.write_all(text.as_bytes())?;
    Ok(())
}
