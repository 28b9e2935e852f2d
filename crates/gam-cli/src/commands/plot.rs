//! `gam plot MODEL DATA --out FILE.svg|.png` draws what mgcv's `plot.gam`
//! draws for each smooth term of a saved model; `--json` prints the plot
//! data instead (grids, fits, bands, rugs, partial residuals), computed by
//! [`gam::expert::report::plot`] on DATA, the CSV file the model was fitted
//! to (ranges, rugs and residuals come from its rows).
//!
//! With `--pages 1` (or one term) all panels share one picture at FILE;
//! otherwise each term gets its own, FILE's name numbered (`p-1.svg`,
//! `p-2.svg`, ...), as mgcv draws one panel per page.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::Args;
use gam::expert::model::GamModel;
use gam::expert::report::{PlotKind, PlotOptions, TermPlot, json_text, plot_json};

use crate::draw::{DrawOptions, draw_page};

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
    /// Bands of this many standard errors, for curves and surfaces (mgcv's numeric se; 0: no band). Default: 2 for a curve, 1 for a surface
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub se: Option<f64>,
    /// Panels per side for a smooth of three or four covariates (mgcv's n3)
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=gam::expert::report::plot::MAX_PLOT_N3 as i64))]
    pub n3: u32,
    /// Leave out grid points of a surface farther than this from the data, on the unit square (mgcv's too.far; 0: none)
    #[arg(long, value_name = "DIST", default_value_t = 0.1)]
    pub too_far: f64,
    /// Bands include the uncertainty of the overall mean (mgcv's seWithMean = TRUE)
    #[arg(long)]
    pub se_with_mean: bool,
    /// Add each term's partial residuals (mgcv's residuals = TRUE)
    #[arg(long)]
    pub residuals: bool,
    /// Draw the pictures to this file: .svg or .png
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// 1: every panel on one picture; 0: one picture per term (mgcv's pages)
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=1))]
    pub pages: u8,
    /// Draw only these terms: labels (`s(x)`) or 1-based positions, as mgcv's select (repeatable)
    #[arg(long, value_name = "TERM")]
    pub select: Vec<String>,
    /// A shaded band instead of dashed lines (mgcv's shade = TRUE)
    #[arg(long)]
    pub shade: bool,
    /// Also draw the parametric terms, after the smooths (mgcv's all.terms = TRUE)
    #[arg(long)]
    pub all_terms: bool,
    /// -1: every curve on the same y scale (mgcv's default); 0: each on its own
    #[arg(long, default_value_t = -1, allow_negative_numbers = true, value_parser = clap::value_parser!(i8).range(-1..=0))]
    pub scale: i8,
}

/// Runs `gam plot`: with `json`, the plot data as one JSON document; with
/// `--out`, the pictures.
pub fn run(args: &PlotArgs, json: bool, out: &mut dyn Write) -> Result<()> {
    if !json && args.out.is_none() {
        return Err(usage_error(
            "gam plot needs --out FILE.svg or FILE.png for pictures, or --json for the plot data",
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
        all_terms: args.all_terms,
        n3: args.n3 as usize,
        se_mult: args.se,
    };
    let doc = plot_json(&model, &data, &opts)?;
    if let Some(path) = &args.out {
        let terms = selected(&doc.terms, &args.select)?;
        let draw = DrawOptions {
            residuals: args.residuals,
            shade: args.shade,
            ylim: doc.ylim.filter(|_| args.scale == -1),
        };
        if args.pages == 1 || terms.len() == 1 {
            draw_page(&terms, path, draw)?;
        } else {
            for (i, t) in terms.iter().enumerate() {
                draw_page(&[t], &numbered(path, i + 1), draw)?;
            }
        }
    }
    if json {
        let text = json_text(&doc)?;
        out.write_all(text.as_bytes())?;
    }
    Ok(())
}

/// The drawable terms `select` names (all when empty), in the order given.
fn selected<'a>(terms: &'a [TermPlot], select: &[String]) -> Result<Vec<&'a TermPlot>> {
    let drawable: Vec<&TermPlot> = terms.iter().filter(|t| t.kind != PlotKind::NotPlotted).collect();
    if drawable.is_empty() {
        return Err(usage_error(
            "the model has no smooth term to plot (--all-terms draws its parametric terms too)",
        ));
    }
    if select.is_empty() {
        return Ok(drawable);
    }
    let labels = || drawable.iter().map(|t| t.label.as_str()).collect::<Vec<_>>().join(", ");
    select
        .iter()
        .map(|s| match s.parse::<usize>() {
            Ok(i) if (1..=drawable.len()).contains(&i) => Ok(drawable[i - 1]),
            Ok(i) => Err(usage_error(format!(
                "--select {i}: the model has {} terms to plot ({})",
                drawable.len(),
                labels()
            ))),
            Err(_) => drawable
                .iter()
                .find(|t| t.label == *s)
                .copied()
                .ok_or_else(|| usage_error(format!("--select {s}: no such smooth term (terms: {})", labels()))),
        })
        .collect()
}

/// `dir/name.ext` as `dir/name-i.ext`.
fn numbered(path: &Path, i: usize) -> PathBuf {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = match path.extension() {
        Some(ext) => format!("{stem}-{i}.{}", ext.to_string_lossy()),
        None => format!("{stem}-{i}"),
    };
    path.with_file_name(name)
}
