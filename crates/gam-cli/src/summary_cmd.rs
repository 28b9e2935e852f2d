//! `gam summary MODEL`: the summary of a saved model, exactly as `gam fit`
//! printed it when the model was fitted.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use gam::model::GamModel;

use crate::report;

/// Arguments of `gam summary`.
#[derive(Debug, Args)]
pub struct SummaryArgs {
    /// A model saved by `gam fit --out`
    pub model: PathBuf,
}

/// Runs `gam summary`.
pub fn run(args: &SummaryArgs, json: bool, out: &mut dyn Write) -> Result<()> {
    let model = GamModel::load(&args.model)?;
    report::print_summary(out, &model, json)
}
