//! `gam compare MODEL.json MODEL2.json …`: each saved model's log-likelihood,
//! its degrees of freedom (mgcv's EDF corrected for smoothing-parameter
//! uncertainty, plus the scale and θ when estimated), AIC and BIC, computed by
//! [`gam::expert::report::compare`] from the model files alone.
//!
//! The text is R's print of `data.frame(df, logLik, AIC, BIC)` with one row
//! per model named by its file as given: the `df` and `AIC` columns are R's
//! `AIC(b1, b2, …)`. Models fitted to different numbers of rows or with
//! different responses are refused.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use gam::expert::model::GamModel;
use gam::expert::report::compare::{compare, compare_text};
use gam::expert::report::json_text;

use crate::plumbing::load_models;

/// Arguments of `gam compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Models saved by `gam fit --out`, fitted to the same rows of the same response
    #[arg(required = true, value_name = "MODEL")]
    pub models: Vec<PathBuf>,
}

/// Runs `gam compare`: the table, or with `json` one JSON document.
pub fn run(args: &CompareArgs, json: bool, out: &mut dyn Write) -> Result<()> {
    let (models, names) = load_models(&args.models)?;
    let refs: Vec<&GamModel> = models.iter().collect();
    let table = compare(&refs, &names)?;
    // Made whole first: serde_json's errors would hide an I/O error (a closed pipe).
    let text = if json { json_text(&table)? } else { compare_text(&table) };
    out.write_all(text.as_bytes())?;
    Ok(())
}
