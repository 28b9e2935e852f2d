//! `gam anova MODEL.json [MODEL2.json …]`: mgcv's `anova.gam` of saved
//! models, computed by [`gam::expert::report::anova`] from the model files
//! alone (no data).
//!
//! One model: the Wald tests of its parametric terms (a factor as a whole)
//! and the tests of its smooth terms, as `print(anova(b))` prints them. Two
//! or more, nested and in order from the smallest: the analysis-of-deviance
//! table of `anova(b1, b2, …, test = …)` with mgcv's residual degrees of
//! freedom, as R prints it; `--test F` or `--test Chisq` adds the tests
//! (without, there are none, as mgcv's default). Models fitted to different
//! numbers of rows, with different responses or families are refused.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, ValueEnum};
use gam::expert::model::GamModel;
use gam::expert::report::anova::{AnovaTest, anova, anova_models, anova_text, deviance_table_text};
use gam::expert::report::json_text;

use crate::plumbing::{load_models, note, usage_error};

/// The test of an analysis of deviance (R's `test =`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TestArg {
    /// F tests against the dispersion of the model with the fewest residual df
    #[value(name = "F")]
    F,
    /// Chi-squared tests of the scaled deviance differences (R's "Chisq", also "LRT")
    #[value(name = "Chisq", alias = "LRT")]
    Chisq,
}

/// Arguments of `gam anova`.
#[derive(Debug, Args)]
pub struct AnovaArgs {
    /// Models saved by `gam fit --out`: one for its term tests; two or more
    /// (nested, smallest first, fitted to the same rows) for an analysis of deviance
    #[arg(required = true, value_name = "MODEL")]
    pub models: Vec<PathBuf>,
    /// With two or more models, the test of each difference: F or Chisq
    /// (mgcv's default is none; an nb or tw family always gets Chisq, as in mgcv)
    #[arg(long, value_enum)]
    pub test: Option<TestArg>,
}

/// Runs `gam anova`: the text mgcv prints, or with `json` one JSON document.
pub fn run(args: &AnovaArgs, json: bool, out: &mut dyn Write) -> Result<()> {
    let (models, names) = load_models(&args.models)?;
    let text = if let [model] = models.as_slice() {
        if args.test.is_some() {
            return Err(usage_error(
                "--test applies to an analysis of deviance of two or more models; the anova of one model has its own tests (leave --test out)",
            ));
        }
        if json {
            json_text(&anova(model))?
        } else {
            anova_text(model)
        }
    } else {
        let refs: Vec<&GamModel> = models.iter().collect();
        let test = args.test.map(|t| match t {
            TestArg::F => AnovaTest::F,
            TestArg::Chisq => AnovaTest::Chisq,
        });
        let table = anova_models(&refs, &names, test)?;
        for w in &table.warnings {
            note(&format!("warning: {w}"));
        }
        if json {
            json_text(&table)?
        } else {
            deviance_table_text(&table)
        }
    };
    // Made whole first: serde_json's errors would hide an I/O error (a closed pipe).
    out.write_all(text.as_bytes())?;
    Ok(())
}
