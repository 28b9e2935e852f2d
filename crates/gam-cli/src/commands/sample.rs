//! `gam sample MODEL [DATA]`: draws from the posterior of a saved model's
//! coefficients (`N(β̂, Vp)`, as mgcv's `rmvn(n, coef(b), vcov(b))`, or with
//! `--unconditional` `N(β̂, Vc)`), and
//! with DATA the fitted values each draw gives at its rows — for
//! simultaneous intervals and derived quantities. Computed by
//! [`gam::expert::report::sample`].
//!
//! CSV to standard output or `--out`: without DATA one line per draw
//! (`draw,<coefficient names>`); with DATA one line per draw and row
//! (`draw,row,fit`). `--json` prints the same as one document.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use gam::expert::model::GamModel;
use gam::expert::report::json_text;
use gam::expert::report::sample::{
    MAX_DRAWS, SampleOptions, fitted_draws, posterior_draws, write_draws_csv, write_fitted_draws_csv,
};

use super::predict::Scale;
use crate::plumbing::{read_data, write_output};

/// Arguments of `gam sample`.
#[derive(Debug, Args)]
pub struct SampleArgs {
    /// A model saved by `gam fit --out`
    pub model: PathBuf,
    /// Rows to compute each draw's fitted values at: a CSV file with the columns the model reads
    pub data: Option<PathBuf>,
    /// Number of draws
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=MAX_DRAWS as i64))]
    pub n: u32,
    /// Seed of the random draws (the same seed gives the same draws)
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// With DATA: fitted values on the scale of the linear predictor or of the response
    #[arg(long = "type", value_enum, value_name = "TYPE", default_value_t = Scale::Link)]
    pub kind: Scale,
    /// Draw from Vc, the covariance corrected for smoothing-parameter uncertainty (mgcv's unconditional = TRUE), instead of Vp
    #[arg(long)]
    pub unconditional: bool,
    /// Write to this file instead of standard output
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Runs `gam sample`.
pub fn run(args: &SampleArgs, json: bool, out: &mut dyn Write) -> Result<()> {
    let model = GamModel::load(&args.model)?;
    let opts = SampleOptions {
        n: args.n as usize,
        seed: args.seed,
        unconditional: args.unconditional,
    };
    let draws = posterior_draws(&model, &opts)?;
    let fitted = match &args.data {
        Some(path) => {
            let data = read_data(path, &model.factor_columns())?;
            Some(fitted_draws(&model, &data, &draws, args.kind.kind())?)
        }
        None => None,
    };
    write_output(out, args.out.as_deref(), |w| {
        match (&fitted, json) {
            (Some(f), true) => w.write_all(json_text(f)?.as_bytes())?,
            (Some(f), false) => write_fitted_draws_csv(w, f)?,
            (None, true) => w.write_all(json_text(&draws)?.as_bytes())?,
            (None, false) => write_draws_csv(w, &draws)?,
        }
        Ok(())
    })
}
