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
use gam::design::{By, ParamTerm};
use gam::model::GamModel;
use gam::predict::{PredictOptions, PredictType, Prediction};
use serde::Serialize;

use crate::fit_cmd::read_data;

/// The scale of the predictions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Scale {
    /// The linear predictor
    Link,
    /// The mean of the response (the inverse link of the linear predictor)
    Response,
}

impl Scale {
    fn kind(self) -> PredictType {
        match self {
            Scale::Link => PredictType::Link,
            Scale::Response => PredictType::Response,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Scale::Link => "link",
            Scale::Response => "response",
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

/// The columns the model reads as factors, so that new data codes them the
/// same way even where they hold numbers.
pub fn factor_columns(model: &GamModel) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |c: &str| {
        if !out.iter().any(|o| o == c) {
            out.push(c.to_string());
        }
    };
    for t in &model.design.parametric {
        if let ParamTerm::Factor { column, .. } = t {
            add(column);
        }
    }
    for s in &model.design.smooths {
        if let By::Level { column, .. } = &s.by {
            add(column);
        }
        for (var, levels) in s.spec.vars.iter().zip(&s.factor_levels) {
            if levels.is_some() {
                add(var);
            }
        }
    }
    out
}

/// Reads the new data and predicts.
pub fn predict(model: &GamModel, data_path: &Path, opts: &PredictOptions) -> Result<Prediction> {
    let factors: Vec<String> = {
        let needed = model.predictor_columns();
        factor_columns(model)
            .into_iter()
            .filter(|c| needed.contains(c))
            .collect()
    };
    let data = read_data(data_path, &factors)?;
    Ok(model.predict(&data, opts)?)
}

/// Writes predictions as CSV, numbers in Rust's shortest round-trip form.
pub fn write_csv(out: &mut dyn Write, p: &Prediction) -> Result<()> {
    // csv's errors hide the I/O error inside (`io::Error::from` wraps it as kind Other and
    // csv::Error has no source): take it out, so that a closed pipe stays recognisable.
    write_records(out, p).map_err(|e| match e.into_kind() {
        csv::ErrorKind::Io(io) => io.into(),
        other => anyhow::anyhow!("writing predictions: {other:?}"),
    })
}

fn write_records(out: &mut dyn Write, p: &Prediction) -> Result<(), csv::Error> {
    let mut w = csv::Writer::from_writer(out);
    let mut header = vec!["fit".to_string()];
    if p.se_fit.is_some() {
        header.push("se_fit".to_string());
    }
    if let Some(terms) = &p.terms {
        header.extend(terms.iter().map(|(label, _)| label.clone()));
    }
    w.write_record(&header)?;
    let mut record: Vec<String> = Vec::with_capacity(header.len());
    for i in 0..p.fit.len() {
        record.clear();
        record.push(p.fit[i].to_string());
        if let Some(se) = &p.se_fit {
            record.push(se[i].to_string());
        }
        if let Some(terms) = &p.terms {
            record.extend(terms.iter().map(|(_, v)| v[i].to_string()));
        }
        w.write_record(&record)?;
    }
    w.flush()?;
    Ok(())
}

/// One term's contributions in the JSON output.
#[derive(Debug, Serialize)]
pub struct TermJson<'a> {
    /// The term's label (`s(x)`, a column name).
    pub label: &'a str,
    /// Its contribution to the linear predictor at each row.
    pub values: &'a [f64],
}

/// Predictions as one JSON document (`gam predict --json`).
#[derive(Debug, Serialize)]
pub struct PredictionJson<'a> {
    /// Number of rows.
    pub n: usize,
    /// `link` or `response`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The predictions, in input row order.
    pub fit: &'a [f64],
    /// Their standard errors, with `--se`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub se_fit: Option<&'a [f64]>,
    /// Term contributions, with `--terms`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub terms: Option<Vec<TermJson<'a>>>,
}

/// Runs `gam predict`: CSV (or with `json` one JSON document) to `out` or to `--out`.
pub fn run(args: &PredictArgs, json: bool, out: &mut dyn Write) -> Result<()> {
    let model = GamModel::load(&args.model)?;
    let opts = PredictOptions {
        kind: args.kind.kind(),
        se: args.se,
        terms: args.terms,
        ..Default::default()
    };
    let p = predict(&model, &args.data, &opts)?;
    let write = |w: &mut dyn Write| -> Result<()> {
        if json {
            let doc = PredictionJson {
                n: p.fit.len(),
                kind: args.kind.name(),
                fit: &p.fit,
                se_fit: p.se_fit.as_deref(),
                terms: p
                    .terms
                    .as_ref()
                    .map(|t| t.iter().map(|(label, values)| TermJson { label, values }).collect()),
            };
            // Serialised first: serde_json's errors hide an I/O error (a closed pipe).
            writeln!(w, "{}", serde_json::to_string_pretty(&doc)?)?;
            Ok(())
        } else {
            write_csv(w, &p)
        }
    };
    match &args.out {
        None => write(out),
        // Written to a temporary file and renamed: a failure keeps the old file.
        Some(path) => {
            let mut failure = None;
            let written = gam::files::write_atomically(path, |w| {
                write(w).map_err(|e| {
                    let io = std::io::Error::other(e.to_string());
                    failure = Some(e);
                    io
                })
            });
            match (written, failure) {
                (_, Some(e)) => Err(e.context(format!("writing {}", path.display()))),
                (r, None) => Ok(r?),
            }
        }
    }
}
