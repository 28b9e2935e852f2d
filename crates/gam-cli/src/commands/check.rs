//! `gam check MODEL DATA` prints what mgcv's `gam.check` prints for a saved
//! model — how the smoothness selection converged and the basis-dimension
//! table (k', edf, k-index and its permutation p-value) — computed by
//! [`gam::expert::report::check`] on DATA, the CSV file the model was
//! fitted to. `--out FILE.svg|.png` also draws its four residual plots;
//! `--json` prints the whole check, residual plots' data included.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use gam::expert::model::GamModel;
use gam::expert::report::check::{CheckOptions, check_text, gam_check};
use gam::expert::report::json_text;

use crate::draw::check::draw_check;
use crate::plumbing::read_data;

/// Arguments of `gam check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// A model saved by `gam fit --out`
    pub model: PathBuf,
    /// The CSV file the model was fitted to
    pub data: PathBuf,
    /// Seed of the k-index permutations, the row subsample and the QQ plot's randomisation
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Permutations for each k-index p-value (gam.check's k.rep)
    #[arg(long, value_name = "N", default_value_t = gam::expert::report::check::GAM_CHECK_K_REP as u32,
          value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub k_rep: u32,
    /// Rows used by the k-index at most; a random subsample of larger data (gam.check's k.sample)
    #[arg(long, value_name = "N", default_value_t = 5000, value_parser = clap::value_parser!(u32).range(10..))]
    pub k_sample: u32,
    /// Also draw the four residual plots to this file: .svg or .png
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Runs `gam check`.
pub fn run(args: &CheckArgs, json: bool, out: &mut dyn Write) -> Result<()> {
    let model = GamModel::load(&args.model)?;
    let data = read_data(&args.data, &model.factor_columns())?;
    let mut opts = CheckOptions::default();
    opts.k.seed = args.seed;
    opts.k.n_rep = args.k_rep as usize;
    opts.k.subsample = args.k_sample as usize;
    let check = gam_check(&model, &data, &opts)?;
    if let Some(path) = &args.out {
        draw_check(&check.residuals, path)?;
    }
    if json {
        out.write_all(json_text(&check.json())?.as_bytes())?;
    } else {
        out.write_all(check_text(&check).as_bytes())?;
    }
    Ok(())
}
