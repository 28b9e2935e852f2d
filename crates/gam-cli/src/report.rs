//! What `gam fit` and `gam summary` print about a fitted model: the text
//! summary, laid out and formatted as mgcv's `print(summary(gam(...)))`, or
//! one JSON document whose field names are those of the mgcv reference files
//! (`n`, `reml_score`, `edf_total`, `smooths`, `sp`, `outer`, `coefficients`, ...).

use gam::cache::{CachedFit, StartSource};
use gam::model::GamModel;
use serde::Serialize;

use crate::deparse;
use crate::rformat::{self, CoefTable};

/// The `digits` mgcv's `print.summary.gam` uses: `max(3, getOption("digits") - 3)`.
const SUMMARY_DIGITS: usize = 4;

/// The family as mgcv's `family$family` names it after the fit: the
/// negative binomial carries its estimated θ, `Negative Binomial(2.579)`
/// (mgcv pastes θ rounded to 3 decimals).
pub fn family_string(model: &GamModel) -> String {
    match (model.family, model.theta) {
        (gam::model::Family::NegativeBinomial, Some(theta)) => {
            format!("Negative Binomial({})", rformat::round(theta, 3))
        }
        (gam::model::Family::Tweedie, Some(p)) => format!("Tweedie(p={})", rformat::round(p, 3)),
        (family, _) => family.name().to_string(),
    }
}

/// The summary text as mgcv prints it, one entry per line, followed by
/// what mgcv does not say: rows dropped for missing values and an outer
/// optimisation that did not converge.
pub fn summary_lines(model: &GamModel) -> Vec<String> {
    let s = &model.summary;
    // print.family: cat("\nFamily:", family, "\n"); cat("Link function:", link, "\n\n").
    let mut lines = vec![
        String::new(),
        format!("Family: {} ", family_string(model)),
        format!("Link function: {} ", model.link.name()),
        String::new(),
        "Formula:".to_string(),
    ];
    lines.extend(deparse::formula_lines(&model.formula));
    let (stat, p_name, smooth_stat) = if s.scale_estimated {
        ("t value", "Pr(>|t|)", "F")
    } else {
        ("z value", "Pr(>|z|)", "Chi.sq")
    };
    if !s.parametric.is_empty() {
        lines.push(String::new());
        lines.push("Parametric coefficients:".to_string());
        let table = CoefTable {
            row_names: s.parametric.iter().map(|r| r.name.clone()).collect(),
            col_names: ["Estimate", "Std. Error", stat, p_name].map(String::from).to_vec(),
            columns: vec![
                s.parametric.iter().map(|r| r.estimate).collect(),
                s.parametric.iter().map(|r| r.se).collect(),
                s.parametric.iter().map(|r| r.stat).collect(),
                s.parametric.iter().map(|r| r.p_value).collect(),
            ],
            coef_se: vec![0, 1],
            test_stat: 2,
        };
        lines.extend(rformat::print_coefmat(&table, SUMMARY_DIGITS));
    }
    lines.push(String::new());
    if !s.smooths.is_empty() {
        lines.push("Approximate significance of smooth terms:".to_string());
        let table = CoefTable {
            row_names: s.smooths.iter().map(|r| r.label.clone()).collect(),
            col_names: ["edf", "Ref.df", smooth_stat, "p-value"].map(String::from).to_vec(),
            columns: vec![
                s.smooths.iter().map(|r| r.edf).collect(),
                s.smooths.iter().map(|r| r.ref_df).collect(),
                s.smooths.iter().map(|r| r.stat).collect(),
                s.smooths.iter().map(|r| r.p_value).collect(),
            ],
            coef_se: vec![0],
            test_stat: 2,
        };
        lines.extend(rformat::print_coefmat(&table, SUMMARY_DIGITS));
    }
    lines.push(String::new());
    lines.push(format!(
        "R-sq.(adj) =  {}   Deviance explained = {}%",
        rformat::format_c(s.r_sq_adj, 3, Some(5), false),
        rformat::format_c(s.dev_explained * 100.0, 3, Some(4), false),
    ));
    lines.push(format!(
        "-REML = {}  Scale est. = {}  n = {}",
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

/// One row of the parametric coefficients table.
#[derive(Debug, Serialize)]
pub struct ParametricJson {
    /// Coefficient name, e.g. `(Intercept)`.
    pub name: String,
    /// Estimate.
    pub estimate: f64,
    /// Standard error (Bayesian, as mgcv's summary).
    pub std_error: f64,
    /// t statistic (scale estimated).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub t_value: Option<f64>,
    /// z statistic (scale known).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub z_value: Option<f64>,
    /// Two-sided p-value.
    pub p_value: f64,
}

/// One smooth term.
#[derive(Debug, Serialize)]
pub struct SmoothJson {
    /// mgcv's label, e.g. `s(times)`.
    pub label: String,
    /// mgcv's class, e.g. `cr.smooth`.
    pub class: String,
    /// Number of coefficients.
    pub n_coef: usize,
    /// Number of smoothing parameters.
    pub n_sp: usize,
    /// Effective degrees of freedom.
    pub edf: f64,
    /// Reference degrees of freedom of the test.
    pub ref_df: f64,
    /// F statistic (scale estimated).
    #[serde(rename = "F", skip_serializing_if = "Option::is_none")]
    pub f: Option<f64>,
    /// Chi-squared statistic (scale known).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chi_sq: Option<f64>,
    /// p-value.
    pub p_value: f64,
}

/// Names and values of the smoothing parameters.
#[derive(Debug, Serialize)]
pub struct SpJson {
    /// mgcv's names, one per penalty.
    pub names: Vec<String>,
    /// The values.
    pub values: Vec<f64>,
}

/// How the outer optimisation ended.
#[derive(Debug, Serialize)]
pub struct OuterJson {
    /// Outer iterations.
    pub iter: usize,
    /// Whether it converged.
    pub converged: bool,
    /// Largest absolute gradient component of the REML score at the end.
    pub max_abs_grad: f64,
    /// In words.
    pub message: String,
}

/// Coefficients with their names and Bayesian standard errors.
#[derive(Debug, Serialize)]
pub struct CoefficientsJson {
    /// mgcv's names, `(Intercept)`, `s(x).1`, ...
    pub names: Vec<String>,
    /// The estimates.
    pub values: Vec<f64>,
    /// Standard errors from the Bayesian covariance `Vp`.
    pub se_bayes: Vec<f64>,
}

/// Everything `gam fit --json` and `gam summary --json` print.
#[derive(Debug, Serialize)]
pub struct ModelJson {
    /// The formula as written.
    pub formula: String,
    /// R's name of the family.
    pub family: String,
    /// R's name of the link.
    pub link: String,
    /// The estimated family parameter (the negative binomial's θ), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub theta: Option<f64>,
    /// How smoothing parameters were chosen.
    pub method: String,
    /// Rows used in the fit.
    pub n: usize,
    /// Rows dropped because a used column was missing.
    pub n_dropped: usize,
    /// The minimised REML criterion (mgcv's `gcv.ubre`).
    pub reml_score: f64,
    /// Total effective degrees of freedom.
    pub edf_total: f64,
    /// Effective degrees of freedom of the parametric terms.
    pub edf_parametric: f64,
    /// The smooth terms.
    pub smooths: Vec<SmoothJson>,
    /// The scale parameter.
    pub scale: f64,
    /// Whether the scale was estimated.
    pub scale_estimated: bool,
    /// Residual deviance.
    pub deviance: f64,
    /// Deviance of the intercept-only model.
    pub null_deviance: f64,
    /// Proportion of deviance explained.
    pub dev_explained: f64,
    /// Adjusted R².
    pub r_sq_adj: f64,
    /// Log-likelihood (mgcv's `logLik`).
    pub loglik: f64,
    /// Its degrees of freedom.
    pub loglik_df: f64,
    /// AIC.
    pub aic: f64,
    /// Smoothing parameters.
    pub sp: SpJson,
    /// The outer optimisation.
    pub outer: OuterJson,
    /// Coefficients.
    pub coefficients: CoefficientsJson,
    /// The parametric coefficients table.
    pub parametric: Vec<ParametricJson>,
    /// The engine version that fitted the model.
    pub engine_version: String,
}

/// The JSON summary of a model.
pub fn model_json(model: &GamModel) -> ModelJson {
    let s = &model.summary;
    let known = |v: f64| (!s.scale_estimated).then_some(v);
    let estimated = |v: f64| s.scale_estimated.then_some(v);
    let smooth_edf = model.smooth_edf();
    let edf_total = model.edf_total();
    let smooths = model
        .design
        .smooths
        .iter()
        .zip(&smooth_edf)
        .zip(&s.smooths)
        .map(|((term, &edf), row)| SmoothJson {
            label: term.label.clone(),
            class: term.class().to_string(),
            n_coef: term.n_coef(),
            n_sp: term.penalties.len(),
            edf,
            ref_df: row.ref_df,
            f: estimated(row.stat),
            chi_sq: known(row.stat),
            p_value: row.p_value,
        })
        .collect();
    ModelJson {
        formula: model.formula.clone(),
        family: model.family.name().to_string(),
        link: model.link.name().to_string(),
        theta: model.theta,
        method: "REML".to_string(),
        n: model.n,
        n_dropped: model.n_dropped,
        reml_score: model.reml_score,
        edf_total,
        edf_parametric: edf_total - smooth_edf.iter().sum::<f64>(),
        smooths,
        scale: model.scale,
        scale_estimated: model.scale_estimated,
        deviance: model.deviance,
        null_deviance: model.null_deviance,
        dev_explained: model.dev_explained(),
        r_sq_adj: s.r_sq_adj,
        loglik: model.loglik,
        loglik_df: model.loglik_df,
        aic: model.aic,
        sp: SpJson {
            names: model.design.sp_names(),
            values: model.sp.clone(),
        },
        outer: OuterJson {
            iter: model.outer.iter,
            converged: model.outer.converged,
            max_abs_grad: model.outer.max_abs_grad,
            message: model.outer.message.clone(),
        },
        coefficients: CoefficientsJson {
            names: model.design.coef_names(),
            values: model.coefficients.clone(),
            se_bayes: model.se_bayes(),
        },
        parametric: s
            .parametric
            .iter()
            .map(|r| ParametricJson {
                name: r.name.clone(),
                estimate: r.estimate,
                std_error: r.se,
                t_value: estimated(r.stat),
                z_value: known(r.stat),
                p_value: r.p_value,
            })
            .collect(),
        engine_version: model.engine_version.clone(),
    }
}

/// Prints the model's summary: text, or with `json` one JSON document.
pub fn print_summary(out: &mut dyn std::io::Write, model: &GamModel, json: bool) -> anyhow::Result<()> {
    if json {
        // Serialised first: serde_json's errors hide an I/O error (a closed pipe).
        writeln!(out, "{}", serde_json::to_string_pretty(&model_json(model))?)?;
    } else {
        for line in summary_lines(model) {
            writeln!(out, "{line}")?;
        }
    }
    Ok(())
}

/// Where a fit started, in `gam fit --json`.
#[derive(Debug, Serialize)]
pub struct StartJson {
    /// `exact_hit`, `resumed`, `seeded` or `cold`.
    pub source: &'static str,
    /// The line `gam fit` prints on stderr about it.
    pub description: String,
    /// For `resumed`: the checkpoint's outer iteration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iteration: Option<usize>,
    /// For `resumed`: the checkpoint's REML score.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// With `--verify-cache`: whether a cached optimum passed the check (absent if none was checked).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verified: Option<bool>,
}

/// Everything `gam fit --json` prints: the model's JSON summary and how the cache helped.
#[derive(Debug, Serialize)]
pub struct FitJson {
    /// The model, as `gam summary --json` prints it.
    #[serde(flatten)]
    pub model: ModelJson,
    /// Where the fit started.
    pub start: StartJson,
    /// Outer iterations this run performed (0 for an exact hit).
    pub iterations_run: usize,
}

/// The JSON of a fit through the cache.
pub fn fit_json(fitted: &CachedFit) -> FitJson {
    let (iteration, score) = match &fitted.source {
        StartSource::Resumed { iteration, score } => (Some(*iteration), Some(*score)),
        _ => (None, None),
    };
    FitJson {
        model: model_json(&fitted.model),
        start: StartJson {
            source: crate::fit_cmd::source_name(&fitted.source),
            description: fitted.source.describe(),
            iteration,
            score,
            verified: fitted.verified,
        },
        iterations_run: fitted.iterations_run,
    }
}

/// Prints `gam fit --json`: one JSON document.
pub fn print_fit_json(out: &mut dyn std::io::Write, fitted: &CachedFit) -> anyhow::Result<()> {
    writeln!(out, "{}", serde_json::to_string_pretty(&fit_json(fitted))?)?;
    Ok(())
}
