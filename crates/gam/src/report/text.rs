//! The summary of a fitted model as text, laid out and formatted as mgcv's
//! `print(summary(gam(...)))`: family and link, the formula as R deparses it,
//! the parametric and smooth tables with significance stars, R², deviance
//! explained, -REML, scale and n, then what mgcv does not say (rows dropped
//! for missing values, an outer optimisation that did not converge).

use std::fmt;

use super::deparse;
use super::rformat::{self, CoefTable};
use crate::family::Family;
use crate::fit::assemble::{ParamRow, SmoothRow};
use crate::model::GamModel;

/// The `digits` mgcv's `print.summary.gam` uses: `max(3, getOption("digits") - 3)`.
const SUMMARY_DIGITS: usize = 4;

/// The family as mgcv's `family$family` names it after the fit: the
/// negative binomial carries its estimated θ, `Negative Binomial(2.579)`
/// (mgcv pastes θ rounded to 3 decimals).
pub fn family_string(model: &GamModel) -> String {
    match (model.family, model.theta.first().copied()) {
        (Family::NegativeBinomial, Some(theta)) => {
            format!("Negative Binomial({})", rformat::round(theta, 3))
        }
        (Family::Tweedie, Some(p)) => format!("Tweedie(p={})", rformat::round(p, 3)),
        // betar's postproc: paste("Beta regression(", round(theta, 3), ")", sep = "").
        (Family::Betar(_), Some(phi)) => format!("Beta regression({})", rformat::round(phi, 3)),
        (Family::ZiP(b), _) if model.theta.len() == 2 => {
            let shown: Vec<String> = crate::family::zip::reported(&model.theta, b.get())
                .into_iter()
                .map(|v| rformat::round(v, 3).to_string())
                .collect();
            format!("Zero inflated Poisson({})", shown.join(","))
        }
        // cnorm's postproc: paste("cnorm(", round(getTheta(TRUE), 3), ")", sep = ""), σ.
        (Family::Cnorm, Some(sigma)) => format!("cnorm({})", rformat::round(sigma, 3)),
        // ocat's postproc: paste("Ordered Categorical(", paste(round(cut points, 2),
        // collapse = ","), ")", sep = "").
        (Family::Ocat(_), _) => {
            let cuts: Vec<String> = crate::family::ocat::cut_points(&model.theta)
                .iter()
                .map(|&c| {
                    let r = rformat::round(c, 2);
                    // R prints a rounded −0 as 0.
                    format!("{}", if r == 0.0 { 0.0 } else { r })
                })
                .collect();
            format!("Ordered Categorical({})", cuts.join(","))
        }
        (Family::Scat(min_df), _) if model.theta.len() == 2 => {
            crate::family::scat::label(&model.theta, min_df.get(), |v| rformat::round(v, 3).to_string())
        }
        (family, _) => family.label(),
    }
}

/// The summary text as mgcv prints it, one entry per line, followed by
/// what mgcv does not say: rows dropped for missing values and an outer
/// optimisation that did not converge.
pub fn summary_lines(model: &GamModel) -> Vec<String> {
    let s = model.summary();
    // print.family: cat("\nFamily:", family, "\n"); cat("Link function:", link, "\n\n").
    let mut lines = vec![
        String::new(),
        format!("Family: {} ", family_string(model)),
        format!("Link function: {} ", model.link.label()),
        String::new(),
        "Formula:".to_string(),
    ];
    lines.extend(deparse::formula_lines(&model.formula));
    lines.extend(coefficient_tables(&s.parametric, &s.smooths, s.scale_estimated));
    lines.push(String::new());
    if let Some(rank) = model.rank {
        lines.push(format!("Rank: {rank}/{}", model.coefficients.len()));
    }
    // mgcv leaves R² out for families that set `no.r.sq` (ziP).
    let r_sq = if model.family.has_r_sq() {
        format!("R-sq.(adj) =  {}   ", rformat::format_c(s.r_sq_adj, 3, Some(5), false))
    } else {
        String::new()
    };
    lines.push(format!(
        "{r_sq}Deviance explained = {}%",
        rformat::format_c(s.dev_explained * 100.0, 3, Some(4), false),
    ));
    // mgcv prints the criterion it optimised: `-REML`, `-ML`, `GCV`, `UBRE`, `GACV`, `P-REML`, `P-ML`.
    lines.push(format!(
        "{} = {}  Scale est. = {}  n = {}",
        model.criterion_label(),
        rformat::format_c(model.reml_score, 5, None, false),
        rformat::format_c(model.scale, 5, Some(8), true),
        model.n
    ));
    if model.n_dropped > 0 {
        let rows = if model.n_dropped == 1 { "row" } else { "rows" };
        lines.push(format!("({} {rows} with missing values dropped)", model.n_dropped));
    }
    if !model.outer.converged {
        lines.push(format!(
            "Warning: the smoothing parameter optimisation did not converge after {} iterations \
             (max |gradient| = {}): {}",
            model.outer.iter,
            rformat::c_g(model.outer.max_abs_grad, 3),
            model.outer.message
        ));
    }
    lines
}

/// The parametric and smooth tables of `summary.gam` as `print.summary.gam` prints them (t
/// and F tests when the scale is estimated, z and chi-squared tests when it is known), with
/// the blank line between them.
pub(crate) fn coefficient_tables(parametric: &[ParamRow], smooths: &[SmoothRow], scale_estimated: bool) -> Vec<String> {
    let mut lines = Vec::new();
    let (stat, p_name, smooth_stat) = if scale_estimated {
        ("t value", "Pr(>|t|)", "F")
    } else {
        ("z value", "Pr(>|z|)", "Chi.sq")
    };
    if !parametric.is_empty() {
        lines.push(String::new());
        lines.push("Parametric coefficients:".to_string());
        let table = CoefTable {
            row_names: parametric.iter().map(|r| r.name.clone()).collect(),
            col_names: ["Estimate", "Std. Error", stat, p_name].map(String::from).to_vec(),
            columns: vec![
                parametric.iter().map(|r| r.estimate).collect(),
                parametric.iter().map(|r| r.se).collect(),
                parametric.iter().map(|r| r.stat).collect(),
                parametric.iter().map(|r| r.p_value).collect(),
            ],
            coef_se: vec![0, 1],
            test_stat: 2,
            nan_is_na: false,
        };
        lines.extend(rformat::print_coefmat(&table, SUMMARY_DIGITS));
    }
    lines.push(String::new());
    if !smooths.is_empty() {
        lines.push("Approximate significance of smooth terms:".to_string());
        let table = CoefTable {
            row_names: smooths.iter().map(|r| r.label.clone()).collect(),
            col_names: ["edf", "Ref.df", smooth_stat, "p-value"].map(String::from).to_vec(),
            columns: vec![
                smooths.iter().map(|r| r.edf).collect(),
                smooths.iter().map(|r| r.ref_df).collect(),
                smooths.iter().map(|r| r.stat).collect(),
                smooths.iter().map(|r| r.p_value).collect(),
            ],
            coef_se: vec![0],
            test_stat: 2,
            nan_is_na: false,
        };
        lines.extend(rformat::print_coefmat(&table, SUMMARY_DIGITS));
    }
    lines
}

/// The summary text of a model: `format!("{}", SummaryText(&model))` is
/// every line of [`summary_lines`] followed by a newline, the bytes
/// `gam fit` and `gam summary` print.
#[derive(Debug, Clone, Copy)]
pub struct SummaryText<'a>(pub &'a GamModel);

impl fmt::Display for SummaryText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for line in summary_lines(self.0) {
            writeln!(f, "{line}")?;
        }
        Ok(())
    }
}
