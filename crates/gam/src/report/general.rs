//! The summary of a general-family fit as mgcv 1.8-41's `summary.gam` computes and prints it
//! (mgcv.r 3700-3940): every predictor's parametric coefficients with z tests, every smooth
//! with Wood's (2013) chi-squared test, `Deviance explained`, `-REML`, `Scale est. = 1`.
//!
//! For a general family mgcv's `object$R` is a factor of `−ℓ_ββ` (`gam.fit5.post.proc`,
//! gam.fit4.r 1547-1610: `RᵀR = −ℓ_ββ`), the tests use it with the Bayesian covariance
//! `V_p = H_p⁻¹` and the rank `min(columns, edf1)`, `edf1 = diag(2F − F²)` with
//! `F = V_p · −ℓ_ββ`, and the scale counts as known. gaulss's deviance is
//! `Σ ((y − μ̂) τ̂)²` (its deviance residuals) and its null deviance `Σ ((y − ȳ) τ̂)²` (its
//! `postproc`).

use faer::{Mat, Side};
use statrs::distribution::{ContinuousCDF, Normal};

use super::rformat;
use crate::family::general::DevianceLine;
use crate::fit::assemble::{ParamRow, SmoothRow};
use crate::fit::significance::test_stat;
use crate::model::general::GeneralModel;

/// The tables and goodness-of-fit numbers of a general-family summary.
#[derive(Debug, Clone, PartialEq)]
pub struct GeneralSummary {
    /// Every predictor's parametric coefficients, in coefficient order.
    pub parametric: Vec<ParamRow>,
    /// Every smooth, in coefficient order.
    pub smooths: Vec<SmoothRow>,
    /// Proportion of deviance explained (mgcv's `dev.expl`).
    pub dev_explained: f64,
    /// The deviance (gaulss: `Σ ((y − μ̂) τ̂)²`).
    pub deviance: f64,
    /// The null deviance (gaulss: `Σ ((y − ȳ) τ̂)²`).
    pub null_deviance: f64,
}

/// An upper-triangular `R` with `RᵀR = a` (Cholesky; the eigen square root when `a` is only
/// semi-definite, as mgcv's post-processing falls back to).
fn root(a: &Mat<f64>) -> Mat<f64> {
    if let Ok(llt) = a.llt(Side::Lower) {
        return llt.L().transpose().to_owned();
    }
    let p = a.nrows();
    match crate::linalg::symmetrise(a).self_adjoint_eigen(Side::Lower) {
        Ok(e) => Mat::from_fn(p, p, |i, j| e.S()[i].max(0.0).sqrt() * e.U()[(j, i)]),
        Err(_) => Mat::zeros(p, p),
    }
}

/// The summary tables of `fit` (module doc).
pub fn general_summary(fit: &GeneralModel) -> GeneralSummary {
    let p = fit.coefficients.len();
    let vp = fit.vp.to_mat();
    let neg_hess = fit.neg_hess.to_mat();
    let f = &vp * &neg_hess;
    let ff = &f * &f;
    let edf1: Vec<f64> = (0..p).map(|j| 2.0 * f[(j, j)] - ff[(j, j)]).collect();
    let r = root(&neg_hess);
    let mut parametric = Vec::new();
    for (d, range) in fit.design.designs.iter().zip(&fit.design.lpi) {
        for i in range.start..range.start + d.n_parametric() {
            let se = vp[(i, i)].max(0.0).sqrt();
            let stat = fit.coefficients[i] / se;
            let p_value = if stat.is_nan() {
                f64::NAN
            } else {
                2.0 * Normal::standard().sf(stat.abs())
            };
            parametric.push(ParamRow {
                name: fit.coef_names[i].clone(),
                estimate: fit.coefficients[i],
                se,
                stat,
                p_value,
            });
        }
    }
    let smooths = fit
        .design
        .smooth_columns()
        .into_iter()
        .map(|(label, cols)| {
            let idx: Vec<usize> = cols.collect();
            let edf: f64 = idx.iter().map(|&i| fit.edf[i]).sum();
            let e1: f64 = idx.iter().map(|&i| edf1[i]).sum();
            let xt = Mat::from_fn(p, idx.len(), |i, c| r[(i, idx[c])]);
            let v = Mat::from_fn(idx.len(), idx.len(), |a, c| vp[(idx[a], idx[c])]);
            let beta: Vec<f64> = idx.iter().map(|&i| fit.coefficients[i]).collect();
            let t = test_stat(&beta, &xt, &v, e1.min(idx.len() as f64), -1.0);
            SmoothRow {
                label,
                edf,
                ref_df: t.rank,
                stat: t.stat,
                p_value: t.p_value,
            }
        })
        .collect();
    GeneralSummary {
        parametric,
        smooths,
        dev_explained: (fit.null_deviance - fit.deviance) / fit.null_deviance,
        deviance: fit.deviance,
        null_deviance: fit.null_deviance,
    }
}

/// The summary as mgcv prints it, one entry per line, followed by rows dropped for missing
/// values and an outer iteration that did not converge.
pub fn general_summary_lines(fit: &GeneralModel) -> Vec<String> {
    let s = general_summary(fit);
    let mut lines = vec![
        String::new(),
        format!("Family: {} ", fit.family.name()),
        // R's `cat("Link function:", NULL, "\n")` of a family without links (multinom).
        match fit.family.link_names() {
            links if links.is_empty() => "Link function: ".to_string(),
            links => format!("Link function: {} ", links.join(" ")),
        },
        String::new(),
        "Formula:".to_string(),
    ];
    for part in &fit.formula_parts {
        // R prints a one-sided formula without the space after `~`.
        lines.extend(
            super::deparse::formula_lines(part)
                .into_iter()
                .map(|l| match l.strip_prefix("~ ") {
                    Some(rest) => format!("~{rest}"),
                    None => l,
                }),
        );
    }
    // A general family's scale is known: z and chi-squared tests, as mgcv's.
    lines.extend(super::text::coefficient_tables(&s.parametric, &s.smooths, false));
    lines.push(String::new());
    match fit.family.deviance_line() {
        DevianceLine::Explained => lines.push(format!(
            "Deviance explained = {}%",
            rformat::format_c(s.dev_explained * 100.0, 3, Some(4), false)
        )),
        DevianceLine::NotAvailable => lines.push("Deviance explained =   NA%".to_string()),
        DevianceLine::Absent => lines.push(String::new()),
    }
    lines.push(format!(
        "-REML = {}  Scale est. = {}  n = {}",
        rformat::format_c(fit.reml, 5, None, false),
        rformat::format_c(1.0, 5, Some(8), true),
        fit.n
    ));
    if fit.n_dropped > 0 {
        let rows = if fit.n_dropped == 1 { "row" } else { "rows" };
        lines.push(format!("({} {rows} with missing values dropped)", fit.n_dropped));
    }
    if !fit.converged {
        lines.push(format!(
            "Warning: the smoothing parameter optimisation did not converge after {} iterations",
            fit.iterations
        ));
    }
    lines
}
