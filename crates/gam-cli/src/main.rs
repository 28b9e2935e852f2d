//! `gam`: the command line of the gam engine.
//!
//! `main` parses the arguments, runs one [`Command`] and turns its outcome
//! into an exit status: 0 on success, 1 when the command failed (including
//! `gam cache verify` finding bad entries), 2 for usage errors, 130 when
//! Ctrl-C stopped a fit (module `interrupt`). clap reports
//! its own usage errors (unknown options, bad values) with status 2; every
//! other error is printed as one `error: ...` line on stderr (a formula
//! syntax error adds two: the formula and a caret under the problem).

// The binary is the one place in the workspace that prints (the libraries
// return values and errors). Output goes through `writeln!` on locked handles
// so that a closed pipe (`gam cache ls | head -1`) is an error, not a panic.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod commands;
mod draw;
mod human;
mod interrupt;
mod plumbing;

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use commands::{anova, cache, check, compare, concurvity, cv, fit, plot, predict, sample, summary};
use plumbing::{Context, GlobalArgs, UsageError, usage_error};

/// Exit status of a command that failed.
const EXIT_FAILURE: u8 = 1;
/// Exit status of a usage error (also clap's).
const EXIT_USAGE: u8 = 2;

/// Generalized additive models whose fits never start from scratch twice.
#[derive(Debug, Parser)]
#[command(name = "gam", version, about, propagate_version = true)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

/// The subcommands of `gam`.
#[derive(Debug, Subcommand)]
enum Command {
    /// Fit a GAM to a CSV file and print its summary
    Fit(fit::FitArgs),
    /// Cross-validate a GAM: k folds, each fit seeded by the previous one
    Cv(cv::CvArgs),
    /// Print the summary of a saved model
    Summary(summary::SummaryArgs),
    /// Predict from a saved model at the rows of a CSV file
    Predict(predict::PredictArgs),
    /// Draw each smooth of a saved model as mgcv's plot.gam does (SVG, PNG or --json data)
    Plot(plot::PlotArgs),
    /// Check a saved model as mgcv's gam.check does: convergence, basis dimensions, residual plots
    Check(check::CheckArgs),
    /// Draw coefficients from a saved model's posterior, and with data the fitted values of each draw
    Sample(sample::SampleArgs),
    /// How far each term of a saved model lies in the span of the others (mgcv's concurvity)
    Concurvity(concurvity::ConcurvityArgs),
    /// mgcv's anova: term tests of one saved model, or the analysis of deviance of nested models
    ///
    /// One model: `print(anova(b))` of mgcv (Wald tests of the parametric terms, tests of the
    /// smooth terms). Two or more: R's "Analysis of Deviance Table" of `anova(b1, b2, …)`, with
    /// mgcv's residual df (n − Σ edf1 − (Σ edf2 − Σ edf)).
    Anova(anova::AnovaArgs),
    /// logLik, df, AIC and BIC of saved models side by side (R's AIC(m1, m2) with logLik and BIC)
    ///
    /// Printed as R prints `data.frame(df, logLik, AIC, BIC)` with one row per model, named by
    /// its file as given: df and AIC are R's `AIC(m1, m2, …)` for mgcv (df counts the EDF corrected
    /// for smoothing-parameter uncertainty, the scale and θ when estimated), BIC = −2 logLik +
    /// log(n) df. Quasi-families have no likelihood: NA.
    Compare(compare::CompareArgs),
    /// Inspect and manage the warm-start cache
    Cache(cache::CacheArgs),
}

fn resolve_cache_root(global: &GlobalArgs) -> anyhow::Result<PathBuf> {
    match &global.cache_dir {
        Some(dir) => Ok(dir.clone()),
        None => warmstart::default_root().ok_or_else(|| {
            usage_error(format!(
                "cannot determine a cache directory: pass --cache-dir or set {}",
                warmstart::CACHE_DIR_ENV
            ))
        }),
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let json = cli.global.json;
    match cli.command {
        Command::Cache(args) => {
            // Only the cache commands need a cache directory: fit, summary
            // and predict must never fail for want of one.
            let mut ctx = Context {
                cache_root: resolve_cache_root(&cli.global)?,
                json,
                out: io::stdout().lock(),
            };
            let result = cache::run(&args, &mut ctx);
            ctx.out.flush()?;
            result
        }
        Command::Fit(args) => {
            interrupt::install();
            with_stdout(|out| fit::run(&args, &cli.global, out))
        }
        Command::Cv(args) => {
            interrupt::install();
            with_stdout(|out| cv::run(&args, &cli.global, out))
        }
        Command::Summary(args) => with_stdout(|out| summary::run(&args, json, out)),
        Command::Predict(args) => with_stdout(|out| predict::run(&args, json, out)),
        Command::Plot(args) => with_stdout(|out| plot::run(&args, json, out)),
        Command::Check(args) => with_stdout(|out| check::run(&args, json, out)),
        Command::Sample(args) => with_stdout(|out| sample::run(&args, json, out)),
        Command::Concurvity(args) => with_stdout(|out| concurvity::run(&args, json, out)),
        Command::Anova(args) => with_stdout(|out| anova::run(&args, json, out)),
        Command::Compare(args) => with_stdout(|out| compare::run(&args, json, out)),
    }
}

/// Runs `f` on the locked standard output and flushes it.
fn with_stdout(f: impl FnOnce(&mut dyn Write) -> anyhow::Result<()>) -> anyhow::Result<()> {
    let mut out = io::stdout().lock();
    let result = f(&mut out);
    out.flush()?;
    result
}

/// The error and its causes on one line, each cause once: store errors
/// already include their source in their message.
fn one_line(err: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// Parses the command line; clap prints usage errors and help itself and exits.
fn parse_args() -> Cli {
    let mut cmd = Cli::command();
    if std::env::var_os(warmstart::CACHE_DIR_ENV).is_some_and(|v| v.is_empty()) {
        // As for `warmstart::default_root`, an empty GAM_CACHE_DIR counts as
        // unset (clap would reject it as an empty --cache-dir).
        cmd = cmd.mut_arg("cache_dir", |a| a.env(None::<&str>));
    }
    let matches = cmd.get_matches();
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

fn main() -> ExitCode {
    gam::use_sequential_linear_algebra();
    let cli = parse_args();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        // The reader went away (`| head`): nothing left to say to anyone.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            if let Some(code) = interrupt::report(&e) {
                return code;
            }
            let _ = writeln!(io::stderr().lock(), "error: {}", one_line(&e));
            if e.chain().any(|c| c.is::<UsageError>()) {
                ExitCode::from(EXIT_USAGE)
            } else {
                ExitCode::from(EXIT_FAILURE)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn causes_are_not_repeated() {
        let io = io::Error::new(io::ErrorKind::PermissionDenied, "denied");
        let e = anyhow::Error::new(io).context("removing x: denied");
        assert_eq!(one_line(&e), "removing x: denied");
        let e = anyhow::Error::new(io::Error::other("inner")).context("outer");
        assert_eq!(one_line(&e), "outer: inner");
    }
}
