//! The summary tables as mgcv's `summary.gam` computes them: parametric
//! coefficients with Wald tests, smooth terms with Wood (2013) tests, and
//! the goodness-of-fit lines.

use faer::Mat;
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

use crate::design::Design;
use crate::fit::significance::{ReTestInputs, SmoothBlock, re_test, test_stat, upper_factor};

/// One row of the parametric coefficients table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParamRow {
    /// Coefficient name.
    pub name: String,
    /// Estimate.
    pub estimate: f64,
    /// Standard error (from the Bayesian covariance, as mgcv).
    #[serde(deserialize_with = "crate::files::nan_if_null")]
    pub se: f64,
    /// t (scale estimated) or z (scale known) statistic.
    #[serde(deserialize_with = "crate::files::nan_if_null")]
    pub stat: f64,
    /// Two-sided p-value.
    #[serde(deserialize_with = "crate::files::nan_if_null")]
    pub p_value: f64,
}

/// One row of the smooth terms table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SmoothRow {
    /// mgcv's label.
    pub label: String,
    /// Effective degrees of freedom.
    pub edf: f64,
    /// Reference degrees of freedom of the test.
    #[serde(deserialize_with = "crate::files::nan_if_null")]
    pub ref_df: f64,
    /// F (scale estimated) or chi-squared (scale known) statistic.
    #[serde(deserialize_with = "crate::files::nan_if_null")]
    pub stat: f64,
    /// p-value.
    #[serde(deserialize_with = "crate::files::nan_if_null")]
    pub p_value: f64,
}

/// Everything `summary` prints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Parametric coefficients.
    pub parametric: Vec<ParamRow>,
    /// Smooth terms.
    pub smooths: Vec<SmoothRow>,
    /// Whether statistics are t/F (scale estimated) rather than z/chi-squared.
    pub scale_estimated: bool,
    /// Adjusted R².
    #[serde(deserialize_with = "crate::files::nan_if_null")]
    pub r_sq_adj: f64,
    /// Proportion of deviance explained.
    #[serde(deserialize_with = "crate::files::nan_if_null")]
    pub dev_explained: f64,
    /// Residual degrees of freedom, n − total EDF.
    #[serde(deserialize_with = "crate::files::nan_if_null")]
    pub residual_df: f64,
}

/// What the summary is computed from: parts of the fitted model, nothing
/// of the training data (so that it can be computed when asked for, from a
/// model loaded back as well).
pub struct SummaryInputs<'a> {
    /// The design (term structure and names).
    pub design: &'a Design,
    /// The training model matrix, or any matrix with the same cross-product
    /// XᵀWX: mgcv passes the p x p factor R of the QR decomposition, which
    /// makes the tests cost O(p³) instead of O(n p²).
    pub x: &'a Mat<f64>,
    /// Coefficients.
    pub beta: &'a [f64],
    /// Bayesian covariance.
    pub vp: &'a Mat<f64>,
    /// Smoothing parameters, one per penalty in [`Design::penalty_set`] order
    /// (the j-th multiplies the j-th penalty of the fit).
    pub sp: &'a [f64],
    /// The scale parameter φ (σ² for Gaussian; mgcv's `sig2`).
    pub scale: f64,
    /// EDF per coefficient.
    pub edf: &'a [f64],
    /// mgcv's edf1 per coefficient.
    pub edf1: &'a [f64],
    /// Whether the scale was estimated.
    pub scale_estimated: bool,
    /// Rows used in the fit.
    pub n: usize,
    /// Adjusted R² ([`r_sq_adj`]).
    pub r_sq_adj: f64,
    /// Deviance and null deviance.
    pub deviance: f64,
    /// Deviance of the intercept-only model.
    pub null_deviance: f64,
}

/// Residual degrees of freedom, n − Σ edf (mgcv's `residual.df`).
pub fn residual_df(n: usize, edf: &[f64]) -> f64 {
    n as f64 - edf.iter().sum::<f64>()
}

/// mgcv's adjusted R², from the training rows: `1 − var(√w (y − μ)) (n − 1)
/// / (var(√w (y − ȳ)) residual df)`, ȳ the weighted mean.
pub fn r_sq_adj(y: &[f64], fitted: &[f64], weights: &[f64], residual_df: f64) -> f64 {
    let n = y.len() as f64;
    let wsum: f64 = weights.iter().sum();
    let ybar = y.iter().zip(weights).map(|(y, w)| y * w).sum::<f64>() / wsum;
    let r: Vec<f64> = (0..y.len()).map(|i| weights[i].sqrt() * (y[i] - fitted[i])).collect();
    let d: Vec<f64> = (0..y.len()).map(|i| weights[i].sqrt() * (y[i] - ybar)).collect();
    1.0 - variance(&r) * (n - 1.0) / (variance(&d) * residual_df)
}

/// Computes the summary tables.
pub fn compute(inp: &SummaryInputs<'_>) -> Summary {
    let residual_df = residual_df(inp.n, inp.edf);
    let names = inp.design.coef_names();
    let n_par = inp.design.n_parametric();
    let parametric = (0..n_par)
        .map(|i| {
            let se = inp.vp[(i, i)].max(0.0).sqrt();
            let stat = inp.beta[i] / se;
            // statrs panics on a NaN argument; a NaN statistic has a NaN p-value.
            let p_value = if stat.is_nan() {
                f64::NAN
            } else if inp.scale_estimated {
                StudentsT::new(0.0, 1.0, residual_df)
                    .map(|t| 2.0 * t.sf(stat.abs()))
                    .unwrap_or(f64::NAN)
            } else {
                2.0 * Normal::standard().sf(stat.abs())
            };
            ParamRow {
                name: names[i].clone(),
                estimate: inp.beta[i],
                se,
                stat,
                p_value,
            }
        })
        .collect();
    let smooths = smooth_table(inp, residual_df);
    Summary {
        parametric,
        smooths,
        scale_estimated: inp.scale_estimated,
        r_sq_adj: inp.r_sq_adj,
        dev_explained: (inp.null_deviance - inp.deviance) / inp.null_deviance,
        residual_df,
    }
}

/// Sample variance (n − 1 denominator).
fn variance(v: &[f64]) -> f64 {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)
}

/// The smooth-term rows as mgcv's `summary.gam` builds them: `reTest` for a
/// penalised term whose penalty has no null space (after the centring
/// constraint), `testStat` at rank `min(columns, edf1)` for every other term,
/// both on an R factor of `inp.x` (mgcv's `object$R`; only `XᵀWX` matters).
fn smooth_table(inp: &SummaryInputs<'_>, residual_df: f64) -> Vec<SmoothRow> {
    let r = upper_factor(inp.x.as_ref());
    let offsets = inp.design.smooth_offsets();
    let mut sp_at = 0;
    let blocks: Vec<SmoothBlock> = inp
        .design
        .smooths
        .iter()
        .zip(&offsets)
        .map(|(s, &first)| {
            let k = s.n_coef();
            let mut penalty = Mat::<f64>::zeros(k, k);
            for pen in &s.penalties {
                let lambda = inp.sp.get(sp_at).copied().unwrap_or(f64::NAN);
                sp_at += 1;
                penalty += pen.to_mat() * lambda;
            }
            SmoothBlock {
                first,
                n_coef: k,
                penalty,
                random: s.random,
            }
        })
        .collect();
    let re_inputs = ReTestInputs {
        r: &r,
        vp: inp.vp,
        beta: inp.beta,
        scale: inp.scale,
        scale_estimated: inp.scale_estimated,
        residual_df,
        blocks: &blocks,
    };
    inp.design
        .smooths
        .iter()
        .zip(&blocks)
        .enumerate()
        .map(|(m, (s, b))| {
            let idx: Vec<usize> = (b.first..b.first + b.n_coef).collect();
            let edf: f64 = idx.iter().map(|&i| inp.edf[i]).sum();
            let edf1: f64 = idx.iter().map(|&i| inp.edf1[i]).sum();
            // mgcv's null.space.dim after the constraint (0 with select = TRUE or shrinkage),
            // recomputed when gam.side deleted columns.
            let null_space = crate::design::side::null_space_dim(s).unwrap_or_else(|| s.null_space_dim());
            let t = if !s.spec.fx && null_space == 0 {
                re_test(&re_inputs, m)
            } else {
                let xt = Mat::from_fn(r.nrows(), idx.len(), |i, c| r[(i, idx[c])]);
                let v = Mat::from_fn(idx.len(), idx.len(), |a, c| inp.vp[(idx[a], idx[c])]);
                let beta: Vec<f64> = idx.iter().map(|&i| inp.beta[i]).collect();
                let rank = edf1.min(idx.len() as f64);
                let res_df = if inp.scale_estimated { residual_df } else { -1.0 };
                test_stat(&beta, &xt, &v, rank, res_df)
            };
            SmoothRow {
                label: s.label.clone(),
                edf,
                ref_df: t.rank,
                stat: if inp.scale_estimated { t.stat / t.rank } else { t.stat },
                p_value: t.p_value,
            }
        })
        .collect()
}
