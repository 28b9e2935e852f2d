//! `gam summary MODEL`: the summary of a saved model, exactly as `gam fit`
//! printed it when the model was fitted.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use gam::expert::model::GamModel;
use gam::expert::model::general::GeneralModel;
use gam::expert::report::{SummaryText, json_text, model_json};

/// Arguments of `gam summary`.
#[derive(Debug, Args)]
pub struct SummaryArgs {
    /// A model saved by `gam fit --out`
    pub model: PathBuf,
}

/// Runs `gam summary`: the text summary, or with `json` one JSON document.
pub fn run(args: &SummaryArgs, json: bool, out: &mut dyn Write) -> Result<()> {
    if GeneralModel::probe(&args.model) {
        return super::general::summary(&args.model, json, out);
    }
    let model = GamModel::load(&args.model)?;
    // Made whole first: serde_json's errors would hide an I/O error (a closed pipe).
    let text = if json {
        json_text(&model_json(&model))?
    } else {
        SummaryText(&model).to_string()
    };
    out.write_all(text.as_bytes())?;
    Ok(())
}
