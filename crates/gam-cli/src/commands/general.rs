//! `gam fit` with a general family (mgcv's `general.family`: several linear predictors, one
//! formula each), e.g. `gam fit data.csv "list(y ~ s(x), ~ s(x))" --family gaulss`.
//!
//! A list formula with a one-predictor family, or a general family with a single formula,
//! is a one-line usage error saying what to write. General fits do not go through the
//! warm-start cache yet (a note on stderr says so), and `--out`, `--json`, `--link` and
//! `--weights` are refused in one line for now.

use std::io::Write;

use anyhow::Result;
use gam::Method;
use gam::expert::family::general::GeneralFamily;
use gam::expert::fit::FitOptions;
use gam::expert::fit::general::fit;
use gam::expert::formula::list::is_list;
use gam::expert::report::general::general_summary_lines;

use super::fit::FitArgs;
use crate::plumbing::{GlobalArgs, note, parse_knots, usage_error};

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
             predictor: use --family gaulss, or a single formula",
            m.family
        )));
    };
    let family = family.map_err(|e| usage_error(e.to_string()))?;
    if !is_list(&m.formula) {
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
    if m.weights.is_some() {
        return Err(refuse("--weights"));
    }
    if args.out.is_some() {
        return Err(refuse("--out (saving the model)"));
    }
    if global.json {
        return Err(refuse("--json"));
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
    gam::expert::formula::list::FormulaList::parse(&m.formula)?;
    let raw = std::fs::read(&m.data).map_err(|source| gam::GamError::Io {
        path: m.data.clone(),
        source,
    })?;
    let data = m.parse(&raw)?;
    drop(raw);
    let fitted = fit(&m.formula, family, &data, &options)?;
    if !global.quiet {
        note("cache: not used (general families are not cached yet)");
    }
    let mut text = String::new();
    for line in general_summary_lines(&fitted) {
        text.push_str(&line);
        text.push('\n');
    }
    out.write_all(text.as_bytes())?;
    Ok(())
}
