//! `gam fit --help` and `gam cv --help` document every option of mgcv's model language that issue
//! 13 added, each with mgcv's spelling beside ours, so that an mgcv call translates mechanically.
//! Run through the built binary.

mod common;

use common::gam_in;
use tempfile::TempDir;

/// Our flag, and the mgcv spelling its help must show.
const FLAGS: &[(&str, &str)] = &[
    ("--method <METHOD>", "method = "),
    ("--method <METHOD>", "GCV.Cp"),
    ("--gamma <GAMMA>", "gamma = "),
    ("--scale <SCALE>", "scale = 2"),
    ("--scale <SCALE>", "scale = -1"),
    ("--select", "select = TRUE"),
    ("--knots <", "knots = list(x = c(0, 10))"),
    ("--sp <", "sp = c(0.1, -1, ...)"),
    ("--min-sp <", "min.sp = c(...)"),
    ("--ordered <COL>", "ordered(data$COL)"),
    ("--family <FAMILY>", "negbin(theta)"),
    ("--family <FAMILY>", "Tweedie(p)"),
    ("--family <FAMILY>", "quasipoisson"),
    ("--link <LINK>", "power(q)"),
];

/// What the formula's help must name: the smooth arguments and R's operators and functions.
const FORMULA_SPELLINGS: &[&str] = &[
    "\"ts\"",
    "\"cs\"",
    "m = c(2, 0)",
    "s(x, sp = 0.1)",
    "xt = list(max.knots",
    "log(y) ~ s(log(x))",
    "I(z^2)",
    "factor(g)",
    "offset(log(expo))",
    "a * b",
    "a:b",
    "(a + b)^2",
    "a / b",
];

/// The help paragraph of `flag` (from its line to the next option's or argument's line), with
/// whitespace collapsed: clap wraps long help at the terminal width.
fn paragraph(help: &str, flag: &str) -> String {
    let mut paragraphs: Vec<String> = Vec::new();
    for line in help.lines() {
        let trimmed = line.trim_start();
        let starts_item = line.starts_with("  ") && (trimmed.starts_with('-') || trimmed.starts_with('<'));
        match paragraphs.last_mut() {
            Some(last) if !starts_item => {
                last.push(' ');
                last.push_str(trimmed);
            }
            _ => paragraphs.push(trimmed.to_string()),
        }
    }
    let found = paragraphs.iter().find(|p| p.starts_with(flag));
    let text = found.unwrap_or_else(|| panic!("{flag} missing from help:\n{help}"));
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn fit_and_cv_help_give_mgcvs_spelling_of_every_issue_13_option() {
    let dir = TempDir::new().unwrap();
    for command in ["fit", "cv"] {
        let run = gam_in(dir.path(), [command, "--help"]);
        assert_eq!(run.code, 0, "{run:?}");
        let help = &run.stdout;
        for (flag, mgcv) in FLAGS {
            let text = paragraph(help, flag);
            assert!(
                text.contains(mgcv),
                "`gam {command} --help`: {flag} does not mention {mgcv}: {text}"
            );
        }
        let formula = paragraph(help, "<FORMULA>");
        for spelling in FORMULA_SPELLINGS {
            assert!(
                formula.contains(spelling),
                "`gam {command} --help`: FORMULA does not mention {spelling}"
            );
        }
        // Where our default differs from mgcv's, the help says so.
        assert!(paragraph(help, "--method <METHOD>").contains("mgcv's default is GCV.Cp"));
    }
}
