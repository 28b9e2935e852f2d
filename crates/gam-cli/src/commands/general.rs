//! `gam fit` with a general family (mgcv's `general.family`: several linear predictors, one
//! formula each), e.g. `gam fit data.csv "list(y ~ s(x), ~ s(x))" --family gaulss`.
//!
//! A list formula with a one-predictor family, or a general family with a single formula,
//! is a one-line usage error saying what to write. General fits go through the warm-start
//! cache as other fits do ([`gam::expert::cache::general`]: exact hits, checkpoints a killed
//! fit resumes from, seeds); `--json` prints the model's JSON document
//! ([`gam::expert::report::general_json`]); `--link` and `--weights` are refused in one line
//! (gaulss's links are fixed, and mgcv's gaulss ignores prior weights). `--out` saves the
//! model; `gam summary` prints its summary and `gam predict` writes one column per linear predictor (`fit_1`, `fit_2`, …,
//! with `--se` `se_fit_1`, …; mgcv's matrix columns), on the link or the response scale;
//! a multinom model on the response scale writes its class probabilities `p0`, …, `pK`
//! (with `--se` `se_p0`, …), as mgcv's `predict.gam(type = "response")`.
//!
//! `--family cox.ph` takes this path too, with a single formula `time ~ …` and the event
//! indicator (1 event, 0 censored) as `--weights COLUMN`, as mgcv's `weights`
//! (`gam::expert::fit::general::cox`; cached as the others, the status column in the keys); `gam predict --type response` then
//! gives the survival at each new row's time.

use std::io::Write;
use std::path::Path;

use anyhow::Result;
use gam::Method;
use gam::expert::cache::general::{fit_cox_cached, fit_general_cached};
use gam::expert::family::general::GeneralFamily;
use gam::expert::fit::FitOptions;
use gam::expert::formula::list::is_list;
use gam::expert::model::general::GeneralModel;
use gam::expert::report::general::general_summary_lines;
use gam::expert::report::general_json::{general_fit_json, general_model_json};
use gam::expert::report::json_text;

use super::fit::FitArgs;
use super::predict::{PredictArgs, Scale};
use crate::plumbing::{
    FitProgress, GlobalArgs, cache_off, note, open_cache, parse_knots, read_data, usage_error, write_output,
};

/// Whether `gam fit` with these arguments is a general-family fit.
pub fn wants_general(args: &FitArgs) -> bool {
    is_list(&args.model.formula) || GeneralFamily::parse(&args.model.family).is_some()
}

/// Runs a general-family `gam fit` (module doc).
pub fn run(args: &FitArgs, global: &GlobalArgs, out: &mut dyn Write) -> Result<()> {
    let m = &args.model;
    let Some(family) = GeneralFamily::parse(&m.family) else {
        return Err(usage_error(format!(
            "a list formula (one formula per linear predictor) needs a general family, and --family {} has one \
             predictor: use --family gaulss or --family 'multinom(K=<classes less one>)', or a single formula",
            m.family
        )));
    };
    let family = family.map_err(|e| usage_error(e.to_string()))?;
    let cox_status = if family == GeneralFamily::CoxPh {
        if is_list(&m.formula) {
            return Err(usage_error(
                "cox.ph has one linear predictor: give a single formula, e.g. \"time ~ s(x)\", with --weights STATUS",
            ));
        }
        Some(m.weights.clone().ok_or_else(|| {
            usage_error("cox.ph needs the event indicator (1 event, 0 censored) as --weights COLUMN, as mgcv's weights")
        })?)
    } else {
        None
    };
    if cox_status.is_none() && !is_list(&m.formula) {
        return Err(usage_error(format!(
            "{} models {} linear predictors: give one formula each as a list, e.g. \"list(y ~ s(x), ~ s(x))\"",
            family.name(),
            family.n_predictors()
        )));
    }
    let refuse = |flag: &str| {
        usage_error(format!(
            "{flag} is not supported for general families ({}) yet",
            family.name()
        ))
    };
    if m.link.is_some() {
        return Err(refuse("--link"));
    }
    if m.weights.is_some() && cox_status.is_none() {
        return Err(refuse("--weights"));
    }
    let mut options = FitOptions {
        method: Method::parse(&m.method).map_err(|e| usage_error(format!("--{e}")))?,
        select: m.select,
        gamma: m.gamma,
        knots: parse_knots(&m.knots)?,
        ..FitOptions::default()
    };
    if m.sp.is_some() || m.min_sp.is_some() {
        return Err(refuse("--sp / --min-sp"));
    }
    options.newton.convergence = gam::expert::fit::Convergence::from_name(&m.convergence)
        .ok_or_else(|| usage_error(format!("unknown convergence test '{}'", m.convergence)))?;
    // The formula is checked before the data is read.
    if cox_status.is_none() {
        gam::expert::formula::list::FormulaList::parse(&m.formula)?;
    } else {
        gam::expert::formula::Formula::parse(&m.formula)?;
    }
    let raw = std::fs::read(&m.data).map_err(|source| gam::GamError::Io {
        path: m.data.clone(),
        source,
    })?;
    let data = m.parse(&raw)?;
    drop(raw);
    let (store, open_warning) = open_cache(global);
    if let Some(w) = &open_warning {
        note(&cache_off(w));
    }
    let mut progress = FitProgress::new(global.quiet);
    let fitted = match &cox_status {
        Some(status) => fit_cox_cached(&m.formula, status, &data, &options, store.as_ref(), &mut progress)?,
        None => fit_general_cached(&m.formula, family, &data, &options, store.as_ref(), &mut progress)?,
    };
    progress.clear();
    if open_warning.is_none()
        && let Some(w) = &fitted.cache_warning
    {
        note(&cache_off(w));
    }
    if !global.quiet {
        note(&fitted.source.describe());
    }
    if let Some(path) = &args.out {
        fitted.model.save(path)?;
    }
    // The text is made whole first: serde_json's errors would hide an I/O error behind theirs.
    let text = if global.json {
        json_text(&general_fit_json(&fitted))?
    } else {
        summary_text(&fitted.model)
    };
    out.write_all(text.as_bytes())?;
    Ok(())
}

fn summary_text(model: &GeneralModel) -> String {
    let mut text = String::new();
    for line in general_summary_lines(model) {
        text.push_str(&line);
        text.push('\n');
    }
    text
}

/// `gam summary` of a general-family model file.
pub fn summary(path: &Path, json: bool, out: &mut dyn Write) -> Result<()> {
    let model = GeneralModel::load(path)?;
    let text = if json {
        json_text(&general_model_json(&model))?
    } else {
        summary_text(&model)
    };
    out.write_all(text.as_bytes())?;
    Ok(())
}

/// `gam predict` of a general-family model file: one column per linear predictor.
pub fn predict(args: &PredictArgs, json: bool, out: &mut dyn Write) -> Result<()> {
    if json || args.terms {
        return Err(usage_error(format!(
            "{} is not supported for general-family predictions yet",
            if json { "--json" } else { "--terms" }
        )));
    }
    let model = GeneralModel::load(&args.model)?;
    let data = read_data(&args.data, &[])?;
    let p = model.predict(&data, args.kind == Scale::Response)?;
    let m = p.fit.len();
    let mut text = String::new();
    // multinom on the response scale: mgcv's K + 1 class probabilities, classes 0..K.
    let classes = args.kind == Scale::Response && matches!(model.family, GeneralFamily::Multinom { .. });
    let mut header: Vec<String> = if classes {
        (0..m).map(|j| format!("p{j}")).collect()
    } else {
        (1..=m).map(|k| format!("fit_{k}")).collect()
    };
    if args.se {
        let se: Vec<String> = header.iter().map(|h| format!("se_{h}")).collect();
        header.extend(se);
    }
    text.push_str(&header.join(","));
    text.push('\n');
    for i in 0..data.nrows() {
        let mut row: Vec<String> = p.fit.iter().map(|f| format!("{}", f[i])).collect();
        if args.se {
            row.extend(p.se.iter().map(|s| format!("{}", s[i])));
        }
        text.push_str(&row.join(","));
        text.push('\n');
    }
    write_output(out, args.out.as_deref(), |w: &mut dyn Write| -> Result<()> {
        w.write_all(text.as_bytes())?;
        Ok(())
    })
}
