//! What the commands share: the global options, the model options of
//! `gam fit` and `gam cv`, reading data, opening the cache, the progress bar
//! of a fit and the lines written on stderr.
//!
//! The commands import this module; it imports none of them.

use std::fmt;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Result;
use clap::Args;
use gam::expert::data::{DataFrame, ReadOptions};
use gam::expert::family::family_link_theta;
use gam::expert::fit::Convergence;
use gam::expert::fit::Iterate;
use gam::expert::fit::driver::FitObserver;
use gam::expert::fit::method::check_gamma;
use gam::expert::formula::Formula;
use gam::expert::model::{GamModel, GamSpec};
use gam::{Method, ScaleSetting};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use warmstart::{StoreOptions, WarmStartStore};

/// Options accepted by every subcommand, before or after its name.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// The warm-start cache directory [default: the platform cache directory + gam/warm/v1]
    #[arg(long, global = true, env = warmstart::CACHE_DIR_ENV, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Print one machine-readable JSON document on stdout instead of text
    #[arg(long, global = true)]
    pub json: bool,
    /// Neither read nor write the warm-start cache (fits start cold)
    #[arg(long, global = true)]
    pub no_cache: bool,
    /// Print nothing on stderr but warnings and errors (no cache line, no progress bar)
    #[arg(long, short = 'q', global = true)]
    pub quiet: bool,
}

/// What `gam cache` commands get: the resolved global options and where to print.
pub struct Context {
    /// The cache root in use.
    pub cache_root: PathBuf,
    /// Whether to print JSON instead of text.
    pub json: bool,
    /// Standard output.
    pub out: io::StdoutLock<'static>,
}

impl Context {
    /// Writes `value` as one pretty-printed JSON document and a newline.
    pub fn print_json<T: serde::Serialize + ?Sized>(&mut self, value: &T) -> anyhow::Result<()> {
        serde_json::to_writer_pretty(&mut self.out, value)?;
        writeln!(self.out)?;
        Ok(())
    }
}

/// An error in how `gam` was invoked (exit status 2), as opposed to a failure
/// while doing what was asked (exit status 1).
#[derive(Debug)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// A [`UsageError`] as an `anyhow::Error`.
pub fn usage_error(msg: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(UsageError(msg.into()))
}

/// The progress bar appears only once a fit has run this long.
const PROGRESS_DELAY: Duration = Duration::from_secs(1);

/// What defines the model to fit: data, formula, family and link.
#[derive(Debug, Args)]
pub struct ModelArgs {
    /// The data: a CSV file with a header row (gzip-compressed if named *.gz)
    pub data: PathBuf,
    /// The model in mgcv's formula syntax, e.g. "y ~ s(x) + s(z, bs = 'cr', k = 20) + g". As in
    /// mgcv: smooth arguments k, bs ("tp", "ts", "cr", "cs", "cc", "ps", "re"), m (`m = c(2, 0)`
    /// drops a thin plate null space), by, fx, sp (`s(x, sp = 0.1)`), xt (`xt = list(max.knots
    /// = 500, seed = 2)`); expressions (`log(y) ~ s(log(x)) + I(z^2) + factor(g)`,
    /// `offset(log(expo))`); R's operators `a * b`, `a:b`, `(a + b)^2`, `a / b`, `- a:b`
    pub formula: String,
    /// The distribution of the response, in R's syntax: gaussian, binomial, poisson, Gamma,
    /// inverse.gaussian, nb (θ estimated), tw (Tweedie, p estimated), quasipoisson, quasibinomial,
    /// 'negbin(3)' (mgcv's negbin(theta), θ fixed), 'Tweedie(1.25)' (mgcv's Tweedie(p), 1 < p < 2 fixed),
    /// betar (beta regression, φ estimated; 'betar(link="probit", eps=1e-10)' as mgcv's betar()),
    /// cnorm (censored normal, σ estimated; response cbind(y, censor): censor = y observed, -Inf/Inf
    /// left/right censored at y, another number the interval's upper end; 'cnorm(link="log")')
    #[arg(long, value_name = "FAMILY", default_value = "gaussian")]
    pub family: String,
    /// The link function, e.g. logit, probit, cloglog, log, inverse, identity, and for
    /// Tweedie(p) R's 'power(0.1)' (mgcv's `Tweedie(p, link = power(q))`; power(0) is log)
    /// [default: the family's canonical link]
    #[arg(long, value_name = "LINK")]
    pub link: Option<String>,
    /// Column of prior weights (for binomial proportions: the numbers of trials)
    #[arg(long, value_name = "COL")]
    pub weights: Option<String>,
    /// Read this column as a factor even if it holds numbers (repeatable)
    #[arg(long = "factor", value_name = "COL")]
    pub factors: Vec<String>,
    /// Read this column as an ordered factor (repeatable), R's
    /// `data$COL <- ordered(data$COL)`: levels sorted as R's factor() sorts
    /// them, coded by R's polynomial contrasts (coefficients COL.L, COL.Q, COL.C,
    /// COL^4, ...); a smooth's `by = COL` then gets smooths for the levels after
    /// the first only (mgcv: `y ~ COL + s(x) + s(x, by = COL)`). In the formula,
    /// `ordered(COL)` does the same for one term
    #[arg(long = "ordered", value_name = "COL")]
    pub ordered: Vec<String>,
    /// When the smoothing-parameter search stops: "gam" (mgcv gam()'s test, relative
    /// tolerance 1e-6), "bam" (mgcv bam()'s tighter 1.5e-8), or "auto" (gam up to 10^5 rows,
    /// bam beyond, where gam()'s test leaves flat directions unconverged)
    #[arg(long, value_name = "TEST", default_value = "auto",
          value_parser = clap::builder::PossibleValuesParser::new(["auto", "gam", "bam"]))]
    pub convergence: String,
    /// Term selection, mgcv's `select = TRUE`: every smooth gets an extra penalty on the null
    /// space of its penalties (its own smoothing parameter), so a whole term can be shrunk away
    #[arg(long)]
    pub select: bool,
    /// User knots, mgcv's `knots = list(x = c(0, 10))`: `--knots x=0,10` (repeatable, one
    /// covariate each) or `--knots FILE.csv` (one column per covariate, a column's empty cells
    /// ignored). cr/cs: k knots; cc: k knots or the 2 ends of the period; ps: k + m[1] + 2 knots
    /// or 2 ends; tp/ts: the same number for every covariate of the term
    #[arg(long = "knots", value_name = "COL=V1,V2,...|FILE")]
    pub knots: Vec<String>,
    /// Smoothing parameters fixed for the model, mgcv's `sp = c(0.1, -1, ...)`: one per penalty
    /// in term order (a te() term has one per margin), comma-separated; a negative value is
    /// estimated. A term's own `s(x, sp = 0.1)` in the formula takes precedence, as in mgcv
    #[arg(long, value_name = "SP,...", allow_hyphen_values = true)]
    pub sp: Option<String>,
    /// Lower bounds for the smoothing parameters, mgcv's `min.sp = c(...)`: one per penalty in
    /// term order, each >= 0; the reported smoothing parameters then include the minimum
    #[arg(long = "min-sp", value_name = "SP,...")]
    pub min_sp: Option<String>,
    /// Smoothness criterion in mgcv's spelling, mgcv's method = "...": REML (restricted
    /// likelihood; our default, while mgcv's default is GCV.Cp), ML, GCV.Cp (GCV, or UBRE/Cp
    /// when the scale is known: Poisson, binomial, --scale above 0), GACV.Cp, P-REML, P-ML (REML/ML at the
    /// Pearson scale estimate). nb and tw (parameter estimated) take REML or ML only, as in mgcv
    #[arg(long, value_name = "METHOD", default_value = "REML",
          value_parser = clap::builder::PossibleValuesParser::new(["REML", "ML", "GCV.Cp", "GACV.Cp", "P-REML", "P-ML"]))]
    pub method: String,
    /// mgcv's gamma = ...: each model degree of freedom counts GAMMA times in the criterion
    /// (above 1, e.g. 1.4, gives smoother fits). P-REML and P-ML ignore it, as mgcv 1.8-41 does;
    /// with GACV.Cp and a GAMMA other than 1, mgcv's gradient is inconsistent with its criterion
    /// (ours is exact), so the smoothing parameters may differ from mgcv's there
    #[arg(long, value_name = "GAMMA", default_value_t = 1.0, allow_hyphen_values = true)]
    pub gamma: f64,
    /// The scale parameter, mgcv's scale = 2: above 0 it is known and fixed at that value
    /// (GCV.Cp and GACV.Cp then minimise UBRE/Mallows' Cp, REML and ML use it), below 0
    /// (mgcv's scale = -1) it is estimated, even for Poisson and binomial (GCV.Cp then is GCV),
    /// 0 is mgcv's default (1 for Poisson and binomial, estimated otherwise). As in mgcv,
    /// Poisson and binomial keep scale 1 under REML, ML, P-REML and P-ML
    #[arg(long, value_name = "SCALE", allow_hyphen_values = true)]
    pub scale: Option<String>,
}

/// A comma-separated list of numbers given to `flag` (optionally as R's `c(...)`).
fn number_list(flag: &str, text: &str) -> Result<Vec<f64>> {
    let inner = text.trim();
    let inner = inner
        .strip_prefix("c(")
        .and_then(|t| t.strip_suffix(')'))
        .unwrap_or(inner);
    inner
        .split(',')
        .map(|v| {
            let v = v.trim();
            v.parse::<f64>().ok().filter(|x| x.is_finite()).ok_or_else(|| {
                usage_error(format!(
                    "{flag}: '{v}' is not a number (give comma-separated numbers, e.g. {flag} 0.1,-1)"
                ))
            })
        })
        .collect()
}

impl ModelArgs {
    /// The model spec and the data it is fitted to.
    pub fn load(&self) -> Result<(GamSpec, DataFrame)> {
        let spec = self.spec()?;
        let mut data = read_data(&self.data, &self.read_as_factors())?;
        self.mark_ordered(&mut data)?;
        Ok((spec, data))
    }

    /// The data from the bytes `raw` already read from the data file, as [`ModelArgs::load`] reads it.
    pub fn parse(&self, raw: &[u8]) -> Result<DataFrame> {
        let mut data = parse_data(&self.data, raw, &self.read_as_factors())?;
        self.mark_ordered(&mut data)?;
        Ok(data)
    }

    /// The columns read as factors: `--factor` and `--ordered` ones.
    fn read_as_factors(&self) -> Vec<String> {
        self.factors.iter().chain(&self.ordered).cloned().collect()
    }

    fn mark_ordered(&self, data: &mut DataFrame) -> Result<()> {
        for name in &self.ordered {
            data.make_ordered(name)?;
        }
        Ok(())
    }

    /// The model spec alone (formula, family, link), without reading the data.
    pub fn spec(&self) -> Result<GamSpec> {
        // A family or link this build does not fit is a usage error (exit status 2).
        let (family, link, family_theta) =
            family_link_theta(&self.family, self.link.as_deref()).map_err(|e| usage_error(e.to_string()))?;
        let formula = Formula::parse(&self.formula)?;
        let mut spec = GamSpec::new(formula).with_family(family, link);
        spec.options.family_theta = family_theta;
        spec.weights = self.weights.clone();
        spec.options.newton.convergence = Convergence::from_name(&self.convergence)
            .ok_or_else(|| usage_error(format!("unknown convergence test '{}'", self.convergence)))?;
        spec.options.select = self.select;
        spec.options.knots = parse_knots(&self.knots)?;
        spec.options.sp = self.sp.as_deref().map(|t| number_list("--sp", t)).transpose()?;
        spec.options.min_sp = self.min_sp.as_deref().map(|t| number_list("--min-sp", t)).transpose()?;
        spec.options.method = Method::parse(&self.method).map_err(|e| usage_error(format!("--{e}")))?;
        check_gamma(self.gamma).map_err(|e| usage_error(format!("--{e}")))?;
        spec.options.gamma = self.gamma;
        if let Some(text) = &self.scale {
            spec.options.scale = ScaleSetting::parse(text).map_err(|e| usage_error(format!("--{e}")))?;
            // A family whose scale is part of it refuses the setting before any data is read.
            spec.options
                .scale
                .resolve(family, spec.options.method.is_likelihood())
                .map_err(|e| usage_error(format!("--{e}")))?;
        }
        Ok(spec)
    }

    /// How the data file is read, as hashed into the input key.
    pub fn read_tag(&self) -> String {
        let mut factors = self.factors.clone();
        factors.sort();
        let mut ordered = self.ordered.clone();
        ordered.sort();
        let tag = format!("factors={}", factors.join("\u{1f}"));
        if ordered.is_empty() {
            tag
        } else {
            format!("{tag}\u{1e}ordered={}", ordered.join("\u{1f}"))
        }
    }
}

/// The `--knots` values: `COL=V1,V2,...` (a usage error when malformed) or
/// a CSV file of one column per covariate (read as data: its errors name
/// the file). A covariate given twice is refused.
pub(crate) fn parse_knots(args: &[String]) -> Result<std::collections::BTreeMap<String, Vec<f64>>> {
    let mut out = std::collections::BTreeMap::new();
    let add = |name: String, values: Vec<f64>, out: &mut std::collections::BTreeMap<String, Vec<f64>>| {
        if out.insert(name.clone(), values).is_some() {
            return Err(usage_error(format!("--knots: knots for '{name}' given twice")));
        }
        Ok(())
    };
    for arg in args {
        if let Some((name, list)) = arg.split_once('=') {
            let name = name.trim();
            if name.is_empty() {
                return Err(usage_error(format!(
                    "--knots '{arg}': expected COL=V1,V2,... (a column name before '=')"
                )));
            }
            let values = list
                .split(',')
                .map(|v| gam::expert::data::parse_number(v.trim()).filter(|x| x.is_finite()))
                .collect::<Option<Vec<f64>>>()
                .ok_or_else(|| {
                    usage_error(format!(
                        "--knots '{arg}': the knots must be finite numbers separated by commas"
                    ))
                })?;
            add(name.to_string(), values, &mut out)?;
        } else {
            let data = read_data(Path::new(arg), &[])?;
            for name in data.names() {
                let column = data.column(name).expect("a named column exists");
                let Some(values) = column.as_numeric() else {
                    return Err(usage_error(format!(
                        "--knots {arg}: column '{name}' holds text; a knots file holds numbers, one column per covariate"
                    )));
                };
                let values: Vec<f64> = (0..values.len())
                    .filter(|&i| !column.is_missing(i))
                    .map(|i| values[i])
                    .collect();
                add(name.clone(), values, &mut out)?;
            }
        }
    }
    Ok(out)
}

/// Follows the outer (smoothing parameter) iterations of a fit: shows a
/// progress bar on a terminal once the fit has run for a second, and stops
/// the fit on Ctrl-C (module `interrupt`). (The engine itself applies the
/// test hook `gam::expert::fit::observer::PAUSE_ENV`.)
pub struct FitProgress {
    started: Instant,
    show: bool,
    bar: Option<ProgressBar>,
    /// A prefix for the bar's message (e.g. the fold of a cross-validation).
    label: String,
}

impl FitProgress {
    /// A progress display for one fit; `quiet` (or stderr not being a
    /// terminal) hides it.
    pub fn new(quiet: bool) -> FitProgress {
        FitProgress {
            started: Instant::now(),
            show: !quiet && std::io::stderr().is_terminal(),
            bar: None,
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
            bar.set_message(format!("criterion {:.4}", it.score));
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

/// Runs `write` on `out`, or with `path` on a temporary file renamed over
/// `path` once written whole (a failure keeps the old file).
pub fn write_output(
    out: &mut dyn std::io::Write,
    path: Option<&Path>,
    mut write: impl FnMut(&mut dyn std::io::Write) -> Result<()>,
) -> Result<()> {
    match path {
        None => write(out),
        Some(path) => {
            let mut failure = None;
            let written = gam::expert::files::write_atomically(path, |w| {
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

/// Loads the saved models `paths` (of `gam anova`, `gam compare`), in order,
/// with each one's path as given, which names it in tables and messages.
pub fn load_models(paths: &[PathBuf]) -> Result<(Vec<GamModel>, Vec<String>)> {
    let models = paths.iter().map(|p| GamModel::load(p)).collect::<Result<Vec<_>, _>>()?;
    Ok((models, paths.iter().map(|p| p.display().to_string()).collect()))
}
