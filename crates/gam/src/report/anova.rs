//! mgcv's `anova.gam`: the term tests of one model, and the analysis of
//! deviance of several.
//!
//! # One model ([`anova`], [`anova_text`])
//! `anova(b)` is `summary(b)` printed differently: each parametric term
//! (a factor whole, not coefficient by coefficient) gets a Wald test of all
//! its coefficients being zero, `χ² = bᵀ V⁻ b` with `V` the block of the
//! Bayesian covariance `Vp` and `V⁻` its pseudo-inverse over the eigenvalues
//! above `√ε` times the largest (`df` is that rank; a one-coefficient term
//! has `χ² = b²/V`). With the scale estimated the statistic is `F = χ²/df`
//! against `F(df, n − Σ edf)`, otherwise `χ²` against `χ²(df)`. The smooth
//! terms get the Wood (2013) tests of `summary.gam`, taken from
//! [`GamModel::summary`]. The text is `print.anova.gam`'s: family, formula,
//! `printCoefmat` tables with 4 digits and no stars.
//!
//! # Several models ([`anova_models`], [`deviance_table_text`])
//! `anova(b1, b2, …, test)` hands the models to R's `anova.glmlist` after
//! resetting each model's residual degrees of freedom to
//! `n − Σ edf1 − (Σ edf2 − Σ edf)`, where `edf2` are the EDF corrected for
//! smoothing-parameter uncertainty (without them, as for GCV fits, the last
//! term is 0). The model stores `Σ edf2` inside the degrees of freedom of
//! its log-likelihood (`loglik_df = Σ edf2 + [scale estimated] + [θ
//! estimated]`, as `logLik.gam`), from which it is recovered here. For an
//! extended family (mgcv's `nb()` and `tw()`) the deviance is replaced by
//! `−2 logLik` times the first model's scale, and any test becomes `Chisq`.
//! Then, as `anova.glmlist` and `stat.anova`: the table lists each model's
//! residual df and deviance and, from the second on, the differences `Df`
//! and `Deviance` from the previous one. The dispersion is the scale of the
//! model with the fewest residual df, with `min(resid df)` degrees of
//! freedom, or infinitely many when it is 1. `Chisq`: `p = P(χ²(|Df|) >
//! Deviance/dispersion · sign(Df))`; `F`: `F = Deviance/Df/dispersion`,
//! `p = P(F(|Df|, df_dispersion) > F)`; a zero `Df` or negative statistic
//! gives no test (R's NA). Without a test (mgcv's default) there are no test
//! columns. The text is R's `print.anova`.
//!
//! # Guarantees
//! Checked in tests/anova_fidelity.rs against mgcv 1.8-41: the one-model
//! tables equal mgcv's to 1e-6 and the p-values to 1e-4 on every public
//! reference case, and the text is R's, byte for byte. The analysis of
//! deviance of models carrying mgcv's EDF sums, deviance and logLik is R's
//! to 1e-6 (text byte for byte); so it is from the engine's own fits of the
//! reference comparisons (Gaussian, binomial, Gamma), except where the
//! engine's `edf2` differs from mgcv's (coal's Poisson and negative binomial
//! `s(year, k = 20)`: 5e-3 in Σ edf2, so tables to 1e-3, p-values still to 1e-4). Where R only warns, models fitted to different numbers of
//! rows, with different responses or different families are refused with
//! [`GamError::NotComparable`]; the warnings R gives about an F test at a
//! fixed dispersion are kept in [`DevianceTable::warnings`].

use faer::Mat;
use serde::Serialize;

use super::rformat::{self, CoefTable};
use super::{deparse, text};
use crate::error::{GamError, Result};
use crate::family::Family;
use crate::fit::significance::{chisq_sf, f_sf, sym_eigen_desc};
use crate::model::GamModel;

/// The `digits` of `print.anova.gam`: `max(3, getOption("digits") - 3)`.
const ANOVA_GAM_DIGITS: usize = 4;

/// The `digits` of R's `print.anova`: `max(getOption("digits") - 2, 3)`.
const PRINT_ANOVA_DIGITS: usize = 5;

/// Eigenvalues of a term's covariance below this fraction of the largest
/// are not inverted (`summary.gam`'s `pinv` at `rank.tol = ε^0.5`).
fn pinv_tolerance() -> f64 {
    f64::EPSILON.sqrt()
}

/// The Wald test of one parametric term (a row of mgcv's `pTerms.table`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParametricTermTest {
    /// The term as mgcv labels it (`x`, `fac`, `x:fac`).
    pub term: String,
    /// Degrees of freedom: the rank of the term's covariance.
    pub df: f64,
    /// `F = χ²/df` when the scale is estimated, `χ²` when it is known.
    pub stat: f64,
    /// The p-value.
    pub p_value: f64,
}

/// The test of one smooth term (a row of mgcv's `s.table`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SmoothTermTest {
    /// mgcv's label, e.g. `s(times)`.
    pub term: String,
    /// Effective degrees of freedom.
    pub edf: f64,
    /// Reference degrees of freedom of the test.
    pub ref_df: f64,
    /// `F` when the scale is estimated, `χ²` when it is known.
    pub stat: f64,
    /// The p-value.
    pub p_value: f64,
}

/// `anova(b)` of one model: the document `gam anova MODEL --json` prints.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnovaGam {
    /// The family as mgcv prints it (`gaussian`, `Negative Binomial(2.579)`).
    pub family: String,
    /// The link.
    pub link: String,
    /// The formula as written.
    pub formula: String,
    /// What `stat` is: `"F"` (scale estimated) or `"Chi.sq"`.
    pub stat_name: String,
    /// One row per parametric term (the intercept is not a term).
    pub parametric_terms: Vec<ParametricTermTest>,
    /// One row per smooth term.
    pub smooth_terms: Vec<SmoothTermTest>,
}

/// The Wald tests of the parametric terms, as `summary.gam`'s `pTerms.table`.
pub fn parametric_term_tests(model: &GamModel) -> Vec<ParametricTermTest> {
    let n_par = model.design.parametric.len();
    if n_par == 0 {
        return Vec::new();
    }
    let vp = model.vp.to_mat();
    let residual_df = model.summary().residual_df;
    model
        .design
        .term_columns()
        .into_iter()
        .take(n_par)
        .map(|(term, cols)| {
            let b = &model.coefficients[cols.clone()];
            let (df, chi_sq) = wald(
                b,
                &Mat::from_fn(b.len(), b.len(), |i, j| vp[(cols.start + i, cols.start + j)]),
            );
            let (stat, p_value) = if model.scale_estimated {
                (chi_sq / df, f_sf(chi_sq / df, df, residual_df))
            } else {
                (chi_sq, chisq_sf(chi_sq, df))
            };
            ParametricTermTest {
                term,
                df,
                stat,
                p_value,
            }
        })
        .collect()
}

/// `(rank, bᵀ V⁻ b)` as `summary.gam`: `b²/V` for one coefficient, else the
/// pseudo-inverse over the eigenvalues above [`pinv_tolerance`] times the largest.
fn wald(b: &[f64], v: &Mat<f64>) -> (f64, f64) {
    if b.len() == 1 {
        return (1.0, b[0] * b[0] / v[(0, 0)]);
    }
    let Some((values, vectors)) = sym_eigen_desc(v) else {
        return (f64::NAN, f64::NAN);
    };
    let largest = values.first().copied().unwrap_or(0.0);
    let rank = values.iter().filter(|&&d| d > pinv_tolerance() * largest).count();
    let chi_sq = (0..rank)
        .map(|k| {
            let u: f64 = (0..b.len()).map(|i| vectors[(i, k)] * b[i]).sum();
            u * u / values[k]
        })
        .sum();
    (rank as f64, chi_sq)
}

/// mgcv's `anova(b)` for one model.
pub fn anova(model: &GamModel) -> AnovaGam {
    let s = model.summary();
    AnovaGam {
        family: text::family_string(model),
        link: model.link.label(),
        formula: model.formula.clone(),
        stat_name: if model.scale_estimated { "F" } else { "Chi.sq" }.to_string(),
        parametric_terms: parametric_term_tests(model),
        smooth_terms: s
            .smooths
            .iter()
            .map(|r| SmoothTermTest {
                term: r.label.clone(),
                edf: r.edf,
                ref_df: r.ref_df,
                stat: r.stat,
                p_value: r.p_value,
            })
            .collect(),
    }
}

/// `print(anova(b))` of one model, byte for byte (every line ends in a newline).
pub fn anova_text(model: &GamModel) -> String {
    let a = anova(model);
    // print.family, then cat("Formula:\n") and print(formula).
    let mut lines = vec![
        String::new(),
        format!("Family: {} ", a.family),
        format!("Link function: {} ", a.link),
        String::new(),
        "Formula:".to_string(),
    ];
    lines.extend(deparse::formula_lines(&a.formula));
    if !a.parametric_terms.is_empty() {
        lines.push(String::new());
        lines.push("Parametric Terms:".to_string());
        let t = &a.parametric_terms;
        let table = CoefTable {
            row_names: t.iter().map(|r| r.term.clone()).collect(),
            col_names: vec!["df".into(), a.stat_name.clone(), "p-value".into()],
            columns: vec![
                t.iter().map(|r| r.df).collect(),
                t.iter().map(|r| r.stat).collect(),
                t.iter().map(|r| r.p_value).collect(),
            ],
            coef_se: vec![0],
            test_stat: 1,
            nan_is_na: false,
        };
        lines.extend(rformat::print_coefmat_stars(&table, ANOVA_GAM_DIGITS, false));
    }
    lines.push(String::new());
    if !a.smooth_terms.is_empty() {
        lines.push("Approximate significance of smooth terms:".to_string());
        let t = &a.smooth_terms;
        // printCoefmat's default cs.ind = 1:2: edf and Ref.df formatted as one block.
        let table = CoefTable {
            row_names: t.iter().map(|r| r.term.clone()).collect(),
            col_names: vec!["edf".into(), "Ref.df".into(), a.stat_name.clone(), "p-value".into()],
            columns: vec![
                t.iter().map(|r| r.edf).collect(),
                t.iter().map(|r| r.ref_df).collect(),
                t.iter().map(|r| r.stat).collect(),
                t.iter().map(|r| r.p_value).collect(),
            ],
            coef_se: vec![0, 1],
            test_stat: 2,
            nan_is_na: false,
        };
        lines.extend(rformat::print_coefmat_stars(&table, ANOVA_GAM_DIGITS, false));
    }
    lines.iter().map(|l| format!("{l}\n")).collect()
}

/// The test of an analysis-of-deviance table (R's `test =`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum AnovaTest {
    /// `test = "F"`: F tests against the dispersion of the largest model.
    F,
    /// `test = "Chisq"` (also R's `"LRT"`): chi-squared tests of the scaled deviance differences.
    Chisq,
}

impl AnovaTest {
    /// R's name of the test.
    pub fn name(self) -> &'static str {
        match self {
            AnovaTest::F => "F",
            AnovaTest::Chisq => "Chisq",
        }
    }
}

/// One row of an analysis-of-deviance table; `None` where R prints nothing (NA).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DevianceRow {
    /// The model's formula.
    pub formula: String,
    /// mgcv's residual degrees of freedom, `n − Σ edf1 − (Σ edf2 − Σ edf)`.
    pub resid_df: f64,
    /// The deviance (`−2 logLik · scale` for an extended family).
    pub resid_dev: f64,
    /// Residual df of the previous model minus this one's.
    pub df: Option<f64>,
    /// Deviance of the previous model minus this one's.
    pub deviance: Option<f64>,
    /// The F statistic (`test = F` only; null otherwise).
    #[serde(rename = "F")]
    pub f: Option<f64>,
    /// The p-value (with a test).
    pub p_value: Option<f64>,
}

/// `anova(b1, b2, …, test = test)`: the document `gam anova M1 M2 --json` prints.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DevianceTable {
    /// The test applied (`Chisq` whatever was asked for an extended family), or none.
    pub test: Option<AnovaTest>,
    /// One row per model, in the order given.
    pub models: Vec<DevianceRow>,
    /// The dispersion the deviances are divided by (with a test).
    pub dispersion: Option<f64>,
    /// Its degrees of freedom; `None` (infinite) when the dispersion is 1.
    pub df_dispersion: Option<f64>,
    /// What R warns about (an F test at a fixed dispersion).
    pub warnings: Vec<String>,
}

/// Whether mgcv treats the family as an `extended.family` (its `nb()`, `tw()`, `betar()`, `ocat()`).
fn is_extended(family: Family) -> bool {
    matches!(
        family,
        Family::NegativeBinomial
            | Family::Tweedie
            | Family::Betar(_)
            | Family::Scat(_)
            | Family::ZiP(_)
            | Family::Cnorm
            | Family::Ocat(_)
    )
}

/// `Σ edf2` as `anova.gam` reads it, recovered from the log-likelihood's df
/// (module documentation): without edf2, `Σ edf`, the same as mgcv's 0 correction.
fn sum_edf2(model: &GamModel) -> f64 {
    let sc_p = f64::from(u8::from(model.scale_estimated));
    // Fixed family parameters are not counted (mgcv's n.theta = 0).
    let n_theta = if model.theta_fixed {
        0.0
    } else {
        model.theta.len() as f64
    };
    model.loglik_df - sc_p - n_theta
}

/// mgcv's residual degrees of freedom for a likelihood-ratio comparison.
pub fn anova_residual_df(model: &GamModel) -> f64 {
    let edf: f64 = model.edf.iter().sum();
    let edf1: f64 = model.edf1.iter().sum();
    model.n as f64 - edf1 - (sum_edf2(model) - edf)
}

/// Refuses models that one table cannot compare: fewer than `min` of them,
/// different row counts or responses, and (with `same_family`) different
/// families or links. `names` label the models in messages.
pub fn check_comparable(models: &[&GamModel], names: &[String], min: usize, same_family: bool) -> Result<()> {
    let refuse = |message: String| Err(GamError::NotComparable { message });
    if models.len() < min {
        return refuse(format!(
            "{min} or more models are needed to compare them, not {}; give more model files",
            models.len()
        ));
    }
    let first = models[0];
    let name = |i: usize| names.get(i).cloned().unwrap_or_else(|| format!("model {}", i + 1));
    for (i, m) in models.iter().enumerate().skip(1) {
        if m.n != first.n {
            return refuse(format!(
                "{} was fitted to {} rows and {} to {}: models compared must be fitted to the same rows (refit them on the same data)",
                name(i),
                m.n,
                name(0),
                first.n
            ));
        }
        if m.design.response != first.design.response {
            return refuse(format!(
                "{} and {} model different responses: only models of the same response can be compared",
                name(i),
                name(0)
            ));
        }
        if same_family && (m.family != first.family || m.link != first.link) {
            return refuse(format!(
                "{} has family {} (link {}) and {} has {} (link {}): deviances of different families cannot be compared; refit with one family",
                name(i),
                m.family.label(),
                m.link.label(),
                name(0),
                first.family.label(),
                first.link.label()
            ));
        }
    }
    Ok(())
}

/// mgcv's `anova(b1, b2, …, test = test)` of two or more models, in the
/// order given. `names` label the models in error messages (e.g. their files).
///
/// # Errors
/// [`GamError::NotComparable`] for fewer than two models, or models fitted to
/// different numbers of rows, with different responses, families or links.
pub fn anova_models(models: &[&GamModel], names: &[String], test: Option<AnovaTest>) -> Result<DevianceTable> {
    check_comparable(models, names, 2, true)?;
    let first = models[0];
    let extended = is_extended(first.family);
    let resid_df: Vec<f64> = models.iter().map(|m| anova_residual_df(m)).collect();
    let resid_dev: Vec<f64> = models
        .iter()
        .map(|m| {
            if extended {
                // anova.glm divides by the dispersion below: mgcv multiplies by the first model's scale.
                -2.0 * m.loglik * first.scale
            } else {
                m.deviance
            }
        })
        .collect();
    let test = if extended { test.map(|_| AnovaTest::Chisq) } else { test };
    let n = models.len();
    let mut rows: Vec<DevianceRow> = (0..n)
        .map(|i| DevianceRow {
            formula: models[i].formula.clone(),
            resid_df: resid_df[i],
            resid_dev: resid_dev[i],
            df: (i > 0).then(|| resid_df[i - 1] - resid_df[i]),
            deviance: (i > 0).then(|| resid_dev[i - 1] - resid_dev[i]),
            f: None,
            p_value: None,
        })
        .collect();
    let mut table = DevianceTable {
        test,
        models: Vec::new(),
        dispersion: None,
        df_dispersion: None,
        warnings: Vec::new(),
    };
    if let Some(test) = test {
        // The model with the fewest residual df (the first of ties, as R's order()).
        let big = (0..n).fold(0, |b, i| if resid_df[i] < resid_df[b] { i } else { b });
        let dispersion = models[big].scale;
        let min_df = resid_df.iter().copied().fold(f64::INFINITY, f64::min);
        let df_dispersion = (dispersion != 1.0).then_some(min_df);
        if test == AnovaTest::F && df_dispersion.is_none() {
            table.warnings.push(match models[big].family {
                Family::Binomial | Family::Poisson => format!(
                    "using F test with a '{}' family is inappropriate",
                    models[big].family.label()
                ),
                _ => "using F test with a fixed dispersion is inappropriate".to_string(),
            });
        }
        for row in rows.iter_mut().skip(1) {
            let (Some(df), Some(dev)) = (row.df, row.deviance) else {
                continue;
            };
            match test {
                AnovaTest::Chisq => {
                    let val = dev / dispersion * df.signum();
                    row.p_value = (df != 0.0 && val >= 0.0).then(|| chisq_sf(val, df.abs()));
                }
                AnovaTest::F => {
                    let f = dev / df / dispersion;
                    row.f = Some(f);
                    row.p_value = (df != 0.0 && f >= 0.0).then(|| match df_dispersion {
                        Some(d2) => f_sf(f, df.abs(), d2),
                        None => chisq_sf(f * df.abs(), df.abs()),
                    });
                    if row.p_value.is_none() {
                        row.f = None;
                    }
                }
            }
        }
        table.dispersion = Some(dispersion);
        table.df_dispersion = df_dispersion;
    }
    table.models = rows;
    Ok(table)
}

/// R's `zapsmall(x, digits)` over the values present.
fn zapsmall(x: &[Option<f64>], digits: usize) -> Vec<Option<f64>> {
    let mx = x.iter().flatten().fold(f64::NEG_INFINITY, |m, v| m.max(v.abs()));
    if mx == f64::NEG_INFINITY {
        return x.to_vec();
    }
    // R rounds a fractional `digits` to the nearest whole number.
    let d = if mx > 0.0 {
        (digits as f64 - mx.log10()).max(0.0)
    } else {
        digits as f64
    };
    let d = (d + 0.5).floor() as usize;
    x.iter().map(|v| v.map(|v| rformat::round(v, d))).collect()
}

/// R's `format(x, digits)` of a column with NAs: the values present share a
/// layout whose width counts R's two-character `NA`; NA cells are `na`
/// (`""` for `print.anova`'s `na.print`, `"NA"` in a data frame).
pub(crate) fn format_na(x: &[Option<f64>], digits: usize, na: &str) -> Vec<String> {
    let present: Vec<f64> = x.iter().flatten().copied().collect();
    let mut formatted = rformat::format(&present, digits).into_iter();
    let has_na = present.len() < x.len();
    x.iter()
        .map(|v| match v {
            Some(_) => {
                let s = formatted.next().unwrap_or_default();
                if has_na { format!("{s:>2}") } else { s }
            }
            None => na.to_string(),
        })
        .collect()
}

/// R's `print.anova` of the table's columns: `printCoefmat` with `digits = 5`,
/// the deviances `zapsmall`ed, the F column as a test statistic, NA blank.
fn print_anova_columns(
    names: &[String],
    headers: &[&str],
    cols: &[Vec<Option<f64>>],
    p: Option<(&str, &[Option<f64>])>,
) -> Vec<String> {
    let digits = PRINT_ANOVA_DIGITS;
    let dig_tst = digits - 1;
    let mut cells = Vec::new();
    let mut values = Vec::new();
    for (h, col) in headers.iter().zip(cols) {
        let (col, formatted) = match *h {
            "F" => (
                col.clone(),
                format_na(
                    &col.iter()
                        .map(|v| v.map(|v| rformat::round(v, dig_tst)))
                        .collect::<Vec<_>>(),
                    digits,
                    "",
                ),
            ),
            "Resid. Dev" | "Deviance" => {
                let z = zapsmall(col, digits);
                let f = format_na(&z, digits, "");
                (z, f)
            }
            _ => (col.clone(), format_na(col, digits, "")),
        };
        values.push(col);
        cells.push(formatted);
    }
    // Non-zero values printed as zero (and zeros not) are formatted again, together, with a digit less.
    let redo: Vec<(usize, usize)> = (0..cols.len())
        .filter(|&j| headers[j] != "F")
        .flat_map(|j| (0..names.len()).map(move |i| (j, i)))
        .filter(|&(j, i)| {
            values[j][i].is_some_and(|v| (v == 0.0) != cells[j][i].trim().parse::<f64>().is_ok_and(|p| p == 0.0))
        })
        .collect();
    if !redo.is_empty() {
        let vals: Vec<f64> = redo.iter().filter_map(|&(j, i)| values[j][i]).collect();
        for (&(j, i), s) in redo.iter().zip(rformat::format(&vals, digits - 1)) {
            cells[j][i] = s;
        }
    }
    let mut headers: Vec<String> = headers.iter().map(|h| h.to_string()).collect();
    let mut with_stars = false;
    if let Some((p_name, p)) = p {
        let present: Vec<f64> = p.iter().flatten().copied().collect();
        let mut formatted = rformat::format_pval(&present, dig_tst, rformat::DOUBLE_EPS).into_iter();
        cells.push(
            p.iter()
                .map(|v| v.map(|_| formatted.next().unwrap_or_default()).unwrap_or_default())
                .collect(),
        );
        headers.push(p_name.to_string());
        with_stars = present.iter().any(|&v| v < 0.1);
        if with_stars {
            let sym: Vec<&str> = p.iter().map(|v| v.map_or("", rformat::stars)).collect();
            let w = sym.iter().map(|s| s.len()).max().unwrap_or(0);
            cells.push(sym.iter().map(|s| format!("{s:<w$}")).collect());
            headers.push(String::new());
        }
    }
    let mut lines = rformat::print_matrix(names, &headers, &cells);
    if with_stars {
        lines.push("---".into());
        lines.push(rformat::SIGNIF_LEGEND.into());
    }
    lines
}

/// `print(anova(b1, b2, …))` byte for byte: heading, one `Model i:` line
/// per model (its formula as R deparses it), the table, stars and legend.
pub fn deviance_table_text(t: &DevianceTable) -> String {
    let n = t.models.len();
    let width = n.to_string().len();
    let mut lines = vec!["Analysis of Deviance Table".to_string(), String::new()];
    for (i, m) in t.models.iter().enumerate() {
        lines.push(format!(
            "Model {:>width$}: {}",
            i + 1,
            deparse::formula_lines(&m.formula).join("\n")
        ));
    }
    let names: Vec<String> = (1..=n).map(|i| i.to_string()).collect();
    let mut headers = vec!["Resid. Df", "Resid. Dev", "Df", "Deviance"];
    let mut cols: Vec<Vec<Option<f64>>> = vec![
        t.models.iter().map(|m| Some(m.resid_df)).collect(),
        t.models.iter().map(|m| Some(m.resid_dev)).collect(),
        t.models.iter().map(|m| m.df).collect(),
        t.models.iter().map(|m| m.deviance).collect(),
    ];
    if t.test == Some(AnovaTest::F) {
        headers.push("F");
        cols.push(t.models.iter().map(|m| m.f).collect());
    }
    let p: Vec<Option<f64>> = t.models.iter().map(|m| m.p_value).collect();
    let p_name = match t.test {
        Some(AnovaTest::F) => Some("Pr(>F)"),
        Some(AnovaTest::Chisq) => Some("Pr(>Chi)"),
        None => None,
    };
    lines.extend(print_anova_columns(
        &names,
        &headers,
        &cols,
        p_name.map(|name| (name, p.as_slice())),
    ));
    lines.iter().map(|l| format!("{l}\n")).collect()
}

#[cfg(test)]
#[path = "anova_tests.rs"]
mod tests;
