//! `gam concurvity MODEL DATA`: mgcv's `concurvity()` of a saved model —
//! how far each term (`para`, then each smooth) lies in the span of the
//! others, as the measures worst, observed and estimate — computed by
//! [`gam::expert::report::concurvity`] on DATA, the CSV file the model was
//! fitted to (a model file keeps no rows). Prints what R prints, or with
//! `--json` one document keyed by measure and term.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use gam::expert::model::GamModel;
use gam::expert::report::concurvity::{concurvity, concurvity_text};
use gam::expert::report::json_text;

use crate::plumbing::read_data;

/// Arguments of `gam concurvity`.
#[derive(Debug, Args)]
#[command(
    after_help = "Full measures (mgcv's default, full = TRUE) compare each term with all the others; \
                        --pairwise (full = FALSE) compares each pair: row i, column j is how much of term j lies in \
                        the span of term i. As in mgcv 1.8-41, \"para\" is the model matrix's first column (the \
                        intercept)."
)]
pub struct ConcurvityArgs {
    /// A model saved by `gam fit --out`
    pub model: PathBuf,
    /// The CSV file the model was fitted to
    pub data: PathBuf,
    /// Each term against all the others (mgcv's full = TRUE; the default)
    #[arg(long, conflicts_with = "pairwise")]
    pub full: bool,
    /// Each term against each other term alone: three term × term matrices (mgcv's full = FALSE)
    #[arg(long)]
    pub pairwise: bool,
}

/// Runs `gam concurvity`: R's printout of the tables, or with `json` one JSON document.
pub fn run(args: &ConcurvityArgs, json: bool, out: &mut dyn Write) -> Result<()> {
    let model = GamModel::load(&args.model)?;
    let data = read_data(&args.data, &model.factor_columns())?;
    let c = concurvity(&model, &data, !args.pairwise)?;
    // Made whole first: serde_json's errors would hide an I/O error (a closed pipe).
    let text = if json { json_text(&c)? } else { concurvity_text(&c) };
    out.write_all(text.as_bytes())?;
    Ok(())
}
