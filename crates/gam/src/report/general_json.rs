//! The JSON documents of a general-family model (several linear predictors):
//! [`GeneralModelJson`] (`gam summary --json`) and [`GeneralFitJson`] (`gam fit --json`: the
//! model and how the cache helped). Field names are those of the one-predictor documents
//! ([`super::json`]) where the quantity is the same; a general family has one link per
//! predictor (`links`), a known scale (its tests are z and chi-squared tests, as mgcv's) and is
//! fitted by REML.

use serde::Serialize;

use super::general::general_summary;
use super::json::{CoefficientsJson, ParametricJson, SmoothJson, SpJson, StartJson};
use crate::cache::general::GeneralCachedFit;
use crate::model::general::GeneralModel;

/// How the outer optimisation of a general fit ended.
#[derive(Debug, Serialize)]
pub struct GeneralOuterJson {
    /// Outer iterations.
    pub iter: usize,
    /// Whether it converged.
    pub converged: bool,
}

/// Everything `gam summary --json` prints for a general-family model.
#[derive(Debug, Serialize)]
pub struct GeneralModelJson {
    /// The list formula as written.
    pub formula: String,
    /// mgcv's family name (`gaulss`, …).
    pub family: String,
    /// Each linear predictor's link, as mgcv's summary prints them.
    pub links: Vec<String>,
    /// Always `REML` (mgcv fits general families by REML).
    pub method: String,
    /// Rows used in the fit.
    pub n: usize,
    /// Rows dropped because a used column was missing.
    pub n_dropped: usize,
    /// The minimised REML criterion (mgcv's `gcv.ubre`).
    pub reml_score: f64,
    /// The log-likelihood at the fit.
    pub loglik: f64,
    /// Total effective degrees of freedom.
    pub edf_total: f64,
    /// The smooth terms of every predictor (labels as mgcv's, `s.1(x)` for the second).
    pub smooths: Vec<SmoothJson>,
    /// The deviance (the family's, as mgcv's `postproc` gives it).
    pub deviance: f64,
    /// The null deviance.
    pub null_deviance: f64,
    /// Proportion of deviance explained.
    pub dev_explained: f64,
    /// Smoothing parameters.
    pub sp: SpJson,
    /// The outer optimisation.
    pub outer: GeneralOuterJson,
    /// Coefficients of every predictor, predictor after predictor.
    pub coefficients: CoefficientsJson,
    /// The parametric coefficients table (z tests).
    pub parametric: Vec<ParametricJson>,
}

/// The JSON summary of a general-family model.
pub fn general_model_json(model: &GeneralModel) -> GeneralModelJson {
    let s = general_summary(model);
    let vp = model.vp.to_mat();
    let terms = model
        .design
        .designs
        .iter()
        .flat_map(|d| d.smooths.iter())
        .zip(&s.smooths);
    GeneralModelJson {
        formula: model.formula.clone(),
        family: model.family.name().to_string(),
        links: model.family.link_names().into_iter().map(String::from).collect(),
        method: "REML".into(),
        n: model.n,
        n_dropped: model.n_dropped,
        reml_score: model.reml,
        loglik: model.loglik,
        edf_total: model.edf.iter().sum(),
        smooths: terms
            .map(|(term, row)| SmoothJson {
                label: row.label.clone(),
                class: term.class().to_string(),
                n_coef: term.n_coef(),
                n_sp: term.penalties.len(),
                edf: row.edf,
                ref_df: row.ref_df,
                f: None,
                chi_sq: Some(row.stat),
                p_value: row.p_value,
            })
            .collect(),
        deviance: s.deviance,
        null_deviance: s.null_deviance,
        dev_explained: s.dev_explained,
        sp: SpJson {
            names: model.sp_names.clone(),
            values: model.sp.clone(),
        },
        outer: GeneralOuterJson {
            iter: model.iterations,
            converged: model.converged,
        },
        coefficients: CoefficientsJson {
            names: model.coef_names.clone(),
            values: model.coefficients.clone(),
            se_bayes: (0..model.coefficients.len())
                .map(|j| vp[(j, j)].max(0.0).sqrt())
                .collect(),
        },
        parametric: s
            .parametric
            .iter()
            .map(|r| ParametricJson {
                name: r.name.clone(),
                estimate: r.estimate,
                std_error: r.se,
                t_value: None,
                z_value: Some(r.stat),
                p_value: r.p_value,
            })
            .collect(),
    }
}

/// Everything `gam fit --json` prints for a general-family fit.
#[derive(Debug, Serialize)]
pub struct GeneralFitJson {
    /// The model, as `gam summary --json` prints it.
    #[serde(flatten)]
    pub model: GeneralModelJson,
    /// Where the fit started.
    pub start: StartJson,
    /// Outer iterations this run performed (0 for an exact hit).
    pub iterations_run: usize,
}

/// The JSON of a general-family fit through the cache.
pub fn general_fit_json(fitted: &GeneralCachedFit) -> GeneralFitJson {
    GeneralFitJson {
        model: general_model_json(&fitted.model),
        start: StartJson::new(&fitted.source, None),
        iterations_run: fitted.iterations_run,
    }
}
