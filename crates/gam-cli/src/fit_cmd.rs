//! `gam fit DATA FORMULA`: read a CSV file, fit the model by REML through
//! the warm-start cache, print its summary (or JSON) and optionally save it.
//!
//! The fit goes through [`gam::fit::cached::fit_cached`]: an exact hit
//! returns the cached model at once, a checkpoint of an interrupted run is
//! resumed, a related fit's smoothing parameters seed the start, and
//! otherwise the fit starts cold. One line on stderr says which
//! (`cache: exact hit`, ...); `--quiet` drops it. A cache that cannot be used
//! never fails the fit: it is reported once as `warning: cache off: <reason>`.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use clap::Args;
use gam::data::{DataFrame, ReadOptions};
use gam::fit::Convergence;
use gam::fit::Iterate;
use gam::fit::cached::{CacheOptions, CachedFit, StartSource, fit_cached, hit_by_input_key, record_input_key};
use gam::fit::gam::FitObserver;
use gam::fit::warm::input_key;
use gam::formula::Formula;
use gam::model::{Family, GamSpec, Link};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use warmstart::{StoreOptions, WarmStartStore};

use crate::{GlobalArgs, report, usage_error};

/// The families this build can fit.
pub const FAMILIES: &[Family] = gam::family::ALL_FAMILIES;

/// Test hook, not a user option: when this environment variable holds a
/// number of milliseconds, the fit sleeps that long after every outer
/// iterate (after its checkpoint was offered to the cache), so that a test
/// can kill a fit between checkpoints. Harmless otherwise.
pub const PAUSE_ENV: &str = "GAM_TEST_PAUSE_AFTER_CHECKPOINT_MS";

/// The progress bar appears only once a fit has run this long.
const PROGRESS_DELAY: Duration = Duration::from_secs(1);

/// What defines the model to fit: data, formula, family and link.
#[derive(Debug, Args)]
pub struct ModelArgs {
    /// The data: a CSV file with a header row (gzip-compressed if named *.gz)
    pub data: PathBuf,
    /// The model in mgcv's formula syntax, e.g. "y ~ s(x) + s(z, bs = 'cr', k = 20) + g"
    pub formula: String,
    /// The distribution of the response: gaussian, binomial, poisson, Gamma, inverse.gaussian, nb (θ estimated), tw (Tweedie, p estimated)
    #[arg(long, value_name = "FAMILY", default_value = "gaussian")]
    pub family: String,
    /// The link function, e.g. logit, probit, cloglog, log, inverse, identity [default: the family's canonical link]
    #[arg(long, value_name = "LINK")]
    pub link: Option<String>,
    /// Column of prior weights (for binomial proportions: the numbers of trials)
    #[arg(long, value_name = "COL")]
    pub weights: Option<String>,
    /// Read this column as a factor even if it holds numbers (repeatable)
    #[arg(long = "factor", value_name = "COL")]
    pub factors: Vec<String>,
    /// When the smoothing-parameter search stops: "gam" (mgcv gam()'s test, relative
    /// tolerance 1e-6), "bam" (mgcv bam()'s tighter 1.5e-8), or "auto" (gam up to 10^5 rows,
    /// bam beyond, where gam()'s test leaves flat directions unconverged)
    #[arg(long, value_name = "TEST", default_value = "auto",
          value_parser = clap::builder::PossibleValuesParser::new(["auto", "gam", "bam"]))]
    pub convergence: String,
}

impl ModelArgs {
    /// The model spec and the data it is fitted to.
    pub fn load(&self) -> Result<(GamSpec, DataFrame)> {
        let spec = self.spec()?;
        let data = read_data(&self.data, &self.factors)?;
        Ok((spec, data))
    }

    /// The model spec alone (formula, family, link), without reading the data.
    pub fn spec(&self) -> Result<GamSpec> {
        let (family, link) = family_and_link(&self.family, self.link.as_deref())?;
        let formula = Formula::parse(&self.formula)?;
        let mut spec = GamSpec::new(formula).with_family(family, link);
        spec.weights = self.weights.clone();
        spec.options.newton.convergence = Convergence::from_name(&self.convergence)
            .ok_or_else(|| usage_error(format!("unknown convergence test '{}'", self.convergence)))?;
        Ok(spec)
    }

    /// How the data file is read, as hashed into the input key.
    fn read_tag(&self) -> String {
        let mut factors = self.factors.clone();
        factors.sort();
        format!("factors={}", factors.join("\u{1f}"))
    }
}

/// Arguments of `gam fit`.
#[derive(Debug, Args)]
pub struct FitArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    /// Save the fitted model (JSON) to this file, for `gam summary` and `gam predict`
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// On a cache hit, recompute the REML score and gradient at the cached
    /// smoothing parameters and refit if they disagree
    #[arg(long)]
    pub verify_cache: bool,
}

/// The links each family accepts, the canonical one first.
fn links_of(family: Family) -> &'static [Link] {
    family.links()
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

/// Follows the outer (smoothing parameter) iterations of a fit: shows a
/// progress bar on a terminal once the fit has run for a second, applies
/// the [`PAUSE_ENV`] test hook, and stops the fit on Ctrl-C (module `interrupt`).
pub struct FitProgress {
    started: Instant,
    show: bool,
    bar: Option<ProgressBar>,
    pause: Option<Duration>,
    /// A prefix for the bar's message (e.g. the fold of a cross-validation).
    label: String,
}

impl FitProgress {
    /// A progress display for one fit; `quiet` (or stderr not being a
    /// terminal) hides it.
    pub fn new(quiet: bool) -> FitProgress {
        let pause = std::env::var(PAUSE_ENV)
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_millis);
        FitProgress {
            started: Instant::now(),
            show: !quiet && std::io::stderr().is_terminal(),
            bar: None,
            pause,
            label: String::new(),
        }
    }

    /// Sets the text shown before the iteration count.
    pub fn set_label(&mut self, label: impl Into<String>) {
        self.label = label.into();
    }

    /// Removes the bar, if it was shown, so that lines can follow.
    pub fn clear(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

impl FitObserver for FitProgress {
    fn on_iterate(&mut self, it: &Iterate) {
        if self.show && self.bar.is_none() && self.started.elapsed() >= PROGRESS_DELAY {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template("{spinner} {prefix}outer iteration {pos}  {msg}  [{elapsed}]")
                .unwrap_or_else(|_| ProgressStyle::default_spinner());
            bar.set_style(style);
            bar.enable_steady_tick(Duration::from_millis(120));
            self.bar = Some(bar);
        }
        if let Some(bar) = &self.bar {
            bar.set_prefix(self.label.clone());
            bar.set_position(it.iter as u64);
            bar.set_message(format!("REML {:.4}", it.score));
        }
        if let Some(pause) = self.pause {
            std::thread::sleep(pause);
        }
    }

    fn should_stop(&self) -> bool {
        crate::interrupt::requested()
    }
}

impl Drop for FitProgress {
    fn drop(&mut self) {
        self.clear();
    }
}

/// Reads a CSV file, with `factors` read as factors.
pub fn read_data(path: &Path, factors: &[String]) -> Result<DataFrame> {
    let options = ReadOptions {
        factors: factors.to_vec(),
    };
    Ok(DataFrame::read_csv_with(path, &options)?)
}

/// [`read_data`] on the bytes `raw` already read from `path`.
pub fn parse_data(path: &Path, raw: &[u8], factors: &[String]) -> Result<DataFrame> {
    let options = ReadOptions {
        factors: factors.to_vec(),
    };
    Ok(DataFrame::from_csv_bytes(path, raw, &options)?)
}

/// Opens the warm-start cache as the global options ask: `None` with
/// `--no-cache`; `None` and the reason when it cannot be opened.
pub fn open_cache(global: &GlobalArgs) -> (Option<WarmStartStore>, Option<String>) {
    if global.no_cache {
        return (None, None);
    }
    let root = match global.cache_dir.clone().or_else(warmstart::default_root) {
        Some(root) => root,
        None => {
            return (
                None,
                Some(format!(
                    "cannot determine a cache directory (pass --cache-dir or set {})",
                    warmstart::CACHE_DIR_ENV
                )),
            );
        }
    };
    match WarmStartStore::open(root, StoreOptions::default()) {
        Ok(store) => (Some(store), None),
        Err(e) => (None, Some(e.to_string())),
    }
}

/// Writes `line` and a newline on stderr; a failure to write there is ignored
/// (there is nowhere left to report it).
pub fn note(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// The warning printed when the cache could not be used.
pub fn cache_off(reason: &str) -> String {
    format!("warning: cache off: {reason}")
}

/// Parses the formula, reads the data and fits through the cache: everything
/// `gam fit` does before printing. Prints the cache warning (at most one)
/// and, unless `quiet`, where the fit started.
pub fn fit(args: &FitArgs, global: &GlobalArgs) -> Result<CachedFit> {
    let spec = args.model.spec()?;
    let (store, open_warning) = open_cache(global);
    if let Some(w) = &open_warning {
        note(&cache_off(w));
    }
    // The file is read once: the input key is a hash of the very bytes that
    // are parsed, so a file replaced meanwhile cannot pair one version's key
    // with the other's model.
    let raw = std::fs::read(&args.model.data).map_err(|source| gam::GamError::Io {
        path: args.model.data.clone(),
        source,
    })?;
    // An unchanged input file whose fit is cached: answer without parsing it.
    let input = store.as_ref().map(|_| input_key(&spec, &raw, &args.model.read_tag()));
    if let (Some(store), Some(input), false) = (&store, &input, args.verify_cache)
        && let Some(hit) = hit_by_input_key(store, input, &spec)
    {
        if !global.quiet {
            note(&hit.source.describe());
        }
        return Ok(hit);
    }
    let data = parse_data(&args.model.data, &raw, &args.model.factors)?;
    drop(raw);
    let opts = CacheOptions {
        verify: args.verify_cache,
    };
    let mut progress = FitProgress::new(global.quiet);
    let fitted = fit_cached(&spec, &data, store.as_ref(), &opts, &mut progress)?;
    progress.clear();
    if let (Some(store), Some(input), true) = (&store, &input, fitted.model.outer.converged) {
        record_input_key(store, input, &spec, &data)?;
    }
    if open_warning.is_none()
        && let Some(w) = &fitted.cache_warning
    {
        note(&cache_off(w));
    }
    if fitted.verified == Some(false) {
        note("warning: the cached fit failed verification (its score or gradient disagree); refitted");
    }
    if !global.quiet {
        note(&fitted.source.describe());
    }
    for w in &fitted.model.warnings {
        note(&format!("warning: {w}"));
    }
    Ok(fitted)
}

/// A short machine-readable name of where a fit started.
pub fn source_name(source: &StartSource) -> &'static str {
    match source {
        StartSource::ExactHit => "exact_hit",
        StartSource::Resumed { .. } => "resumed",
        StartSource::Seeded => "seeded",
        StartSource::Cold => "cold",
    }
}

/// Runs `gam fit`.
pub fn run(args: &FitArgs, global: &GlobalArgs, out: &mut dyn Write) -> Result<()> {
    let fitted = fit(args, global)?;
    if let Some(path) = &args.out {
        fitted.model.save(path).context("saving the model")?;
    }
    if global.json {
        report::print_fit_json(out, &fitted)
    } else {
        report::print_summary(out, &fitted.model, false)
    }
}
