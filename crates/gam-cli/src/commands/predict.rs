//! `gam predict MODEL DATA`: predictions of a saved model at the rows of a
//! CSV file, written as CSV: a `fit` column, `se_fit` with `--se`, one column
//! per term (headed by its label) with `--terms`.
//!
//! Output row i is input row i: a row that cannot be predicted (a missing
//! value in a column the model reads, a factor level the model never saw) is
//! an error naming its row and column, never dropped.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::{Args, ValueEnum};
use gam::expert::data::DataFrame;
use gam::expert::model::GamModel;
use gam::expert::model::general::GeneralModel;
use gam::expert::predict::{PredictOptions, PredictType, Prediction};
use gam::expert::report::{
    class_probabilities_json, json_text, prediction_json, write_class_probabilities_csv, write_prediction_csv,
};

use crate::plumbing::{read_data, write_output};

/// The scale of the predictions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Scale {
    /// The linear predictor
    Link,
    /// The mean of the response (the inverse link of the linear predictor; for ziP its own
    /// mean); for an ordered categorical (ocat) model the class probabilities, one column per class
    Response,
}

impl Scale {
    pub fn kind(self) -> PredictType {
        match self {
            Scale::Link => PredictType::Link,
            Scale::Response => PredictType::Response,
        }
    }
}

/// Arguments of `gam predict`.
#[derive(Debug, Args)]
pub struct PredictArgs {
    /// A model saved by `gam fit --out`
    pub model: PathBuf,
    /// The new data: a CSV file with the columns the model reads (the response is not needed)
    pub data: PathBuf,
    /// Predict on the scale of the linear predictor or of the response
    #[arg(long = "type", value_enum, value_name = "TYPE", default_value_t = Scale::Link)]
    pub kind: Scale,
    /// Add a column `se_fit` with the standard errors of the predictions
    #[arg(long)]
    pub se: bool,
    /// Add one column per model term with its contribution to the linear predictor
    #[arg(long)]
    pub terms: bool,
    /// Write the predictions to this file instead of standard output
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// The new data at `data_path`, with the model's factor columns read as factors.
fn new_data(model: &GamModel, data_path: &Path) -> Result<DataFrame> {
    let factors: Vec<String> = {
        let needed = model.predictor_columns();
        model
            .factor_columns()
            .into_iter()
            .filter(|c| needed.contains(c))
            .collect()
    };
    read_data(data_path, &factors)
}

/// `gam predict --type response` of an ordered categorical (ocat) model: its class
/// probabilities, as mgcv's `predict.gam(type = "response")` gives them (CSV columns `p1`..`pR`
/// and `se_p1`..`se_pR` with `--se`).
fn run_classes(model: &GamModel, args: &PredictArgs, json: bool, out: &mut dyn Write) -> Result<()> {
    if args.terms {
        anyhow::bail!("--terms: term contributions are on the link scale; give --type link with --terms");
    }
    let data = new_data(model, &args.data)?;
    let p = model.class_probabilities(&data, args.se)?;
    let write = |w: &mut dyn Write| -> Result<()> {
        if json {
            let text = json_text(&class_probabilities_json(&p))?;
            w.write_all(text.as_bytes())?;
        } else {
            write_class_probabilities_csv(w, &p)?;
        }
        Ok(())
    };
    write_output(out, args.out.as_deref(), write)
}

/// Reads the new data and predicts.
pub fn predict(model: &GamModel, data_path: &Path, opts: &PredictOptions) -> Result<Prediction> {
    let data = new_data(model, data_path)?;
    Ok(model.predict(&data, opts)?)
}

/// Runs `gam predict`: CSV (or with `json` one JSON document) to `out` or to `--out`.
pub fn run(args: &PredictArgs, json: bool, out: &mut dyn Write) -> Result<()> {
    if GeneralModel::probe(&args.model) {
        return super::general::predict(args, json, out);
    }
    let model = GamModel::load(&args.model)?;
    let opts = PredictOptions {
        kind: args.kind.kind(),
        se: args.se,
        terms: args.terms,
        ..Default::default()
    };
    if model.family.classes().is_some() && opts.kind == PredictType::Response {
        return run_classes(&model, args, json, out);
    }
    let p = predict(&model, &args.data, &opts)?;
    let write = |w: &mut dyn Write| -> Result<()> {
        if json {
            // Made whole first: serde_json's errors would hide an I/O error (a closed pipe).
            let text = json_text(&prediction_json(&p, opts.kind))?;
            w.write_all(text.as_bytes())?;
        } else {
            write_prediction_csv(w, &p)?;
        }
        Ok(())
    };
    write_output(out, args.out.as_deref(), write)
}
