//! The JSON documents of a fitted model: [`ModelJson`] (`gam summary --json`)
//! and [`FitJson`] (`gam fit --json`: the model and how the cache helped).
//! Field names are those of the mgcv reference files (`n`, `reml_score`,
//! `edf_total`, `smooths`, `sp`, `outer`, `coefficients`, ...); the text of a
//! document is [`json_text`] of it.

use serde::Serialize;

use crate::cache::{CachedFit, StartSource};
use crate::model::GamModel;

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
    /// A family's several estimated parameters as mgcv's `getTheta(TRUE)` gives them (scat's ν
    /// and σ); absent for families with at most one ([`Self::theta`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub family_parameters: Vec<f64>,
    /// Whether the family parameters were fixed by the family's `theta =` rather than
    /// estimated; absent when estimated.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub family_parameters_fixed: bool,
    /// The smoothness criterion optimised, as mgcv names it (`b$method`: "REML", "ML", "GCV",
    /// "UBRE", "GACV", "P-REML", "P-ML").
    pub method: String,
    /// mgcv's `gamma` of the criterion.
    pub gamma: f64,
    /// Rows used in the fit.
    pub n: usize,
    /// Rows dropped because a used column was missing.
    pub n_dropped: usize,
    /// The minimised criterion (mgcv's `gcv.ubre`), whichever `method` names; the field keeps
    /// the name it had when REML was the only criterion.
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
    /// How many coefficient directions were estimated: the number of
    /// coefficients, or fewer when the model is rank deficient (mgcv's `rank`).
    pub rank: usize,
    /// The parametric coefficients table.
    pub parametric: Vec<ParametricJson>,
    /// The engine version that fitted the model.
    pub engine_version: String,
}

/// The JSON summary of a model.
pub fn model_json(model: &GamModel) -> ModelJson {
    let s = model.summary();
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
        family: model.family.label(),
        link: model.link.label(),
        theta: match model.theta[..] {
            [t] => Some(t),
            _ => None,
        },
        family_parameters: if model.theta.len() > 1 {
            model.family.reported_theta(&model.theta)
        } else {
            Vec::new()
        },
        family_parameters_fixed: model.theta_fixed,
        method: model.criterion.clone(),
        gamma: model.gamma,
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
        rank: model.rank.unwrap_or(model.coefficients.len()),
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
    FitJson {
        model: model_json(&fitted.model),
        start: StartJson::new(&fitted.source, fitted.verified),
        iterations_run: fitted.iterations_run,
    }
}

impl StartJson {
    /// Where a fit started, with the outcome of `--verify-cache` if a cached optimum was checked.
    pub fn new(source: &StartSource, verified: Option<bool>) -> StartJson {
        let (iteration, score) = match source {
            StartSource::Resumed { iteration, score } => (Some(*iteration), Some(*score)),
            _ => (None, None),
        };
        StartJson {
            source: source_name(source),
            description: source.describe(),
            iteration,
            score,
            verified,
        }
    }
}

/// A short machine-readable name of where a fit started: `exact_hit`,
/// `resumed`, `seeded` or `cold` (the `start.source` of [`FitJson`] and the
/// `start` of a cross-validation fold).
pub fn source_name(source: &StartSource) -> &'static str {
    match source {
        StartSource::ExactHit => "exact_hit",
        StartSource::Resumed { .. } => "resumed",
        StartSource::Seeded => "seeded",
        StartSource::Cold => "cold",
    }
}

/// A JSON document as every front end prints it: pretty-printed (two-space
/// indents) and ending in a newline.
///
/// # Errors
/// Only what `serde_json` reports for a value it cannot represent; the
/// documents of this module have none.
pub fn json_text<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    Ok(text)
}
