//! `gam fit DATA FORMULA`: read a CSV file, fit the model by REML, print its
//! summary (or JSON) and optionally save it.
//!
//! The fit goes through [`GamSpec::fit_with`] with a start point and a
//! [`FitObserver`], the two places the warm-start cache will use: a cache
//! lookup supplying the start, and an observer checkpointing iterates.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use clap::Args;
use gam::data::{DataFrame, ReadOptions};
use gam::fit::gam::FitObserver;
use gam::fit::{Iterate, OuterStart};
use gam::formula::Formula;
use gam::model::{Family, GamModel, GamSpec, Link};

use crate::{GlobalArgs, report, usage_error};

/// The families this build can fit.
pub const FAMILIES: &[Family] = &[Family::Gaussian];

/// Arguments of `gam fit`.
#[derive(Debug, Args)]
pub struct FitArgs {
    /// The data: a CSV file with a header row (gzip-compressed if named *.gz)
    pub data: PathBuf,
    /// The model in mgcv's formula syntax, e.g. "y ~ s(x) + s(z, bs = 'cr', k = 20) + g"
    pub formula: String,
    /// The distribution of the response
    #[arg(long, value_name = "FAMILY", default_value = "gaussian")]
    pub family: String,
    /// The link function [default: the family's canonical link]
    #[arg(long, value_name = "LINK")]
    pub link: Option<String>,
    /// Read this column as a factor even if it holds numbers (repeatable)
    #[arg(long = "factor", value_name = "COL")]
    pub factors: Vec<String>,
    /// Save the fitted model (JSON) to this file, for `gam summary` and `gam predict`
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// The links each family accepts, the canonical one first.
fn links_of(family: Family) -> &'static [Link] {
    match family {
        Family::Gaussian => &[Link::Identity],
    }
}

fn names<T: Copy>(items: &[T], name: fn(T) -> &'static str) -> String {
    items.iter().map(|&i| name(i)).collect::<Vec<_>>().join(", ")
}

/// The family and link asked for, or a usage error naming the supported ones.
pub fn family_and_link(family: &str, link: Option<&str>) -> Result<(Family, Link)> {
    let fam = Family::from_name(family)
        .filter(|f| FAMILIES.contains(f))
        .ok_or_else(|| {
            usage_error(format!(
                "unsupported family '{family}': this build fits {}",
                names(FAMILIES, Family::name)
            ))
        })?;
    let links = links_of(fam);
    let link = match link {
        None => links[0],
        Some(l) => Link::from_name(l).filter(|l| links.contains(l)).ok_or_else(|| {
            usage_error(format!(
                "unsupported link '{l}' for the {} family: supported links are {}",
                fam.name(),
                names(links, Link::name)
            ))
        })?,
    };
    Ok((fam, link))
}

/// Follows the outer (smoothing parameter) iterations of a fit.
///
/// Today it only counts them; the warm-start cache will checkpoint each
/// iterate from here.
#[derive(Debug, Default)]
pub struct FitProgress {
    /// Iterates seen (the start included).
    pub iterates: usize,
    /// The best REML score seen.
    pub best_score: Option<f64>,
}

impl FitObserver for FitProgress {
    fn on_iterate(&mut self, iterate: &Iterate) {
        self.iterates += 1;
        if self.best_score.is_none_or(|b| iterate.score < b) {
            self.best_score = Some(iterate.score);
        }
    }
}

/// Parses the formula, reads the data and fits: everything `gam fit` does
/// before printing.
pub fn fit(args: &FitArgs) -> Result<GamModel> {
    let (family, link) = family_and_link(&args.family, args.link.as_deref())?;
    let formula = Formula::parse(&args.formula)?;
    let data = read_data(&args.data, &args.factors)?;
    let mut spec = GamSpec::new(formula);
    spec.family = family;
    spec.link = link;
    // Where a cache lookup will supply the start (a checkpoint or a related fit).
    let start: Option<OuterStart> = None;
    let mut progress = FitProgress::default();
    Ok(spec.fit_with(&data, start.as_ref(), &mut progress)?)
}

/// Reads a CSV file, with `factors` read as factors.
pub fn read_data(path: &Path, factors: &[String]) -> Result<DataFrame> {
    let options = ReadOptions {
        factors: factors.to_vec(),
    };
    Ok(DataFrame::read_csv_with(path, &options)?)
}

/// Runs `gam fit`.
pub fn run(args: &FitArgs, global: &GlobalArgs, out: &mut dyn Write) -> Result<()> {
    let model = fit(args)?;
    if let Some(path) = &args.out {
        model.save(path).context("saving the model")?;
    }
    report::print_summary(out, &model, global.json)
}
