//! The consistency check of a fitted model read back from a file.
//!
//! # Guarantees
//! A model that passes [`check`] can be predicted from and summarised
//! without a panic and without an allocation larger than its file implies:
//! - the family, link and family parameter belong together, and every number
//!   prediction, standard errors or the summary compute with is finite
//!   (scales positive, variances non-negative);
//! - every basis is internally consistent (knots, matrices, margins,
//!   constraints), its covariates, factor levels and `by` variable agree
//!   with its term, and every column it reads is among the model's columns;
//! - the sizes fit together: coefficients = model-matrix columns (the
//!   parametric columns plus each smooth's), covariances p x p, EDFs p,
//!   smoothing parameters one per penalty, the summary's factor p x p (or,
//!   in a version 1 file, summary rows one per term).
//!
//! Sizes are summed and multiplied with overflow checks, and each stored
//! dimension is compared with what the file actually holds before anything
//! is computed from it.
//!
//! The check does not establish that the numbers are the ones a fit would
//! have produced: a file edited consistently is taken at its word.

use crate::basis::constraint::Constraint;
use crate::basis::{Basis, BasisFn};
use crate::design::{By, Design, ParamTerm, SmoothTerm};
use crate::error::GamError;
use crate::family::Family;
use crate::formula::{BasisType, Formula, Response, SmoothKind};

use super::{GamModel, MODEL_FORMAT_VERSION, OLDEST_MODEL_FORMAT_VERSION};

/// What the check reports: the first inconsistency, in words.
type Check = Result<(), String>;

/// Checks that every part of `model` fits together (see the module documentation).
pub(crate) fn check(model: &GamModel) -> Check {
    if !(OLDEST_MODEL_FORMAT_VERSION..=MODEL_FORMAT_VERSION).contains(&model.format_version) {
        return Err(format!(
            "model format version {}; this build reads versions {OLDEST_MODEL_FORMAT_VERSION} to {MODEL_FORMAT_VERSION}",
            model.format_version
        ));
    }
    check_family(model)?;
    check_formula(model)?;
    let p = check_design(&model.design)?;
    if model.coefficients.len() != p {
        return Err(format!(
            "{} coefficients but the design has {p} columns",
            model.coefficients.len()
        ));
    }
    finite("coefficient", &model.coefficients)?;
    if let Some(rank) = model.rank.filter(|&r| r >= p) {
        return Err(format!(
            "rank {rank} of {p} coefficients: a rank is stored only for a rank-deficient model"
        ));
    }
    let vc = model.vc.iter().map(|m| ("the covariance matrix vc", m));
    for (name, m) in [
        ("the covariance matrix vp", &model.vp),
        ("the covariance matrix ve", &model.ve),
    ]
    .into_iter()
    .chain(vc)
    {
        m.check(name, p, p)?;
        if let Some(i) = (0..p).find(|&i| m.data[i * p + i] < 0.0) {
            return Err(format!(
                "{name} has a negative variance ({}) at coefficient {}",
                m.data[i * p + i],
                i + 1
            ));
        }
    }
    for (name, v) in [("edf", &model.edf), ("edf1", &model.edf1)] {
        if v.len() != p {
            return Err(format!("{} {name} values for {p} coefficients", v.len()));
        }
        finite(name, v)?;
    }
    let n_sp = model.design.smooths.iter().map(|s| s.penalties.len()).sum::<usize>();
    if model.sp.len() != n_sp {
        return Err(format!("{} smoothing parameters for {n_sp} penalties", model.sp.len()));
    }
    // A term's fixed smoothing parameters (`s(x, sp = …)`): one finite value per penalty.
    if let Some(s) = model.design.smooths.iter().find(|s| {
        !s.spec.sp.is_empty() && (s.spec.sp.len() != s.penalties.len() || s.spec.sp.iter().any(|v| !v.0.is_finite()))
    }) {
        return Err(format!(
            "term {}: {} fixed smoothing parameters for {} penalties",
            s.label,
            s.spec.sp.len(),
            s.penalties.len()
        ));
    }
    if let Some(i) = model.sp.iter().position(|v| !(v.is_finite() && *v >= 0.0)) {
        return Err(format!("smoothing parameter {} is {}", i + 1, model.sp[i]));
    }
    for (name, v) in [("scale", model.scale), ("reml_scale", model.reml_scale)] {
        if !(v.is_finite() && v > 0.0) {
            return Err(format!("the {name} is {v}, not a positive number"));
        }
    }
    if crate::fit::method::Criterion::from_name(&model.criterion).is_none() {
        return Err(format!(
            "unknown smoothness criterion '{}' (REML, ML, GCV, UBRE, GACV, P-REML or P-ML)",
            model.criterion
        ));
    }
    check_scale(model)?;
    if crate::fit::method::check_gamma(model.gamma).is_err() {
        return Err(format!("gamma is {}, not a positive number", model.gamma));
    }
    let scalars = [
        ("REML criterion", model.reml_score),
        ("deviance", model.deviance),
        ("null deviance", model.null_deviance),
    ];
    if let Some((name, v)) = scalars.iter().find(|(_, v)| !v.is_finite()) {
        return Err(format!("the {name} is {v}"));
    }
    if model.n == 0 {
        return Err("the model was fitted to 0 rows".into());
    }
    let ranges = [
        ("outer gradient range", model.outer.grad_range),
        ("outer Hessian eigenvalue range", model.outer.hessian_eigen_range),
    ];
    if let Some((name, [lo, hi])) = ranges
        .iter()
        .find_map(|(name, r)| r.filter(|[lo, hi]| lo > hi).map(|r| (name, r)))
    {
        return Err(format!("the {name} [{lo}, {hi}] is not an interval"));
    }
    check_summary(model, p)
}

/// Whether the scale was estimated agrees with the criterion and the family (mgcv's `scale =`
/// may fix it for any family but those whose scale is part of the family), and a known scale is
/// both the reported scale and the criterion's.
fn check_scale(model: &GamModel) -> Check {
    use crate::fit::method::Criterion;
    let family = model.family;
    let criterion = Criterion::from_name(&model.criterion);
    let needs = match criterion {
        Some(Criterion::Ubre) => Some(false),
        Some(Criterion::Gcv | Criterion::Gacv | Criterion::PReml | Criterion::PMl) => Some(true),
        _ if family == Family::Tweedie => Some(true),
        _ if matches!(
            family,
            Family::NegativeBinomial
                | Family::NegBinFixed(_)
                | Family::Betar(_)
                | Family::Scat(_)
                | Family::ZiP(_)
                | Family::Cnorm
                | Family::Ocat(_)
        ) =>
        {
            Some(false)
        }
        _ => None,
    };
    if let Some(estimated) = needs
        && estimated != model.scale_estimated
    {
        return Err(format!(
            "a {} fit of the {} family with the scale {}",
            model.criterion,
            family.name(),
            if model.scale_estimated { "estimated" } else { "known" }
        ));
    }
    if !model.scale_estimated && model.scale != model.reml_scale {
        return Err(format!(
            "the known scale is {} but the criterion's scale is {}",
            model.scale, model.reml_scale
        ));
    }
    Ok(())
}

/// The family, its link and its parameter.
fn check_family(model: &GamModel) -> Check {
    let family = model.family;
    if !family.takes(model.link) {
        return Err(format!(
            "the {} family has no {} link (it has {})",
            family.name(),
            model.link.label(),
            family.links().iter().map(|l| l.name()).collect::<Vec<_>>().join(", ")
        ));
    }
    // A fixed family parameter (negbin(θ): θ > 0; Tweedie(p): 1 < p < 2) and a power link's
    // exponent (q > 0, q ≠ 1) as the parsers accept them.
    if let Some(t) = family.fixed_param()
        && !(t.is_finite() && t > 0.0 && (!matches!(family, Family::TweedieFixed(_)) || (t > 1.0 && t < 2.0)))
    {
        return Err(format!("the {} family's fixed parameter is {t}", family.name()));
    }
    if let crate::family::Link::Power(q) = model.link
        && !(q.get().is_finite() && q.get() > 0.0 && q.get() != 1.0)
    {
        return Err(format!("the power link's exponent is {}", q.get()));
    }
    if let Family::ZiP(b) = family
        && !(b.get().is_finite() && b.get() >= 0.0)
    {
        return Err(format!("the ziP family's b is {}", b.get()));
    }
    if let Family::Ocat(r) = family
        && !(2..=crate::family::MAX_OCAT_CLASSES).contains(&r)
    {
        return Err(format!("the ocat family has {r} classes"));
    }
    if let Family::Scat(min_df) = family
        && !(min_df.get().is_finite() && min_df.get() > 0.0)
    {
        return Err(format!("the scat family's min.df is {}", min_df.get()));
    }
    if let Family::Betar(eps) = family
        && !(eps.get().is_finite() && eps.get() >= 0.0 && eps.get() < 0.5)
    {
        return Err(format!("the betar family's eps is {}", eps.get()));
    }
    let k = family.n_theta();
    if model.theta_fixed && k == 0 {
        return Err(format!(
            "the {} family has no parameters, but they are marked fixed",
            family.name()
        ));
    }
    if model.theta.len() != k {
        return Err(format!(
            "the {} family has {k} estimated parameter(s), but {} are stored",
            family.name(),
            model.theta.len()
        ));
    }
    family.theta_problem(&model.theta).map_or(Ok(()), Err)
}

/// The formula as written parses (the summary prints it) and reads the
/// columns the design reads.
fn check_formula(model: &GamModel) -> Check {
    let formula = match Formula::parse(&model.formula) {
        Ok(f) => f,
        Err(GamError::Formula { message, .. }) => return Err(format!("its formula does not parse: {message}")),
        Err(e) => return Err(format!("its formula does not parse: {e}")),
    };
    let mut want = formula.columns_used();
    let mut have = model.design.columns_used.clone();
    want.sort();
    have.sort();
    if want != have {
        return Err(format!(
            "its formula reads the columns {} but the design reads {}",
            want.join(", "),
            have.join(", ")
        ));
    }
    if formula.derived != model.design.derived {
        return Err("the columns its formula computes (such as log(x)) differ from the design's".to_string());
    }
    Ok(())
}

/// The design's own consistency; returns its number of columns.
fn check_design(design: &Design) -> Result<usize, String> {
    let read = |column: &str| design.columns_used.iter().any(|c| c == column);
    let used = |column: &str| -> Check {
        // A derived column is read through the columns of its expression.
        let derived_from_used = design.derived.iter().find(|d| d.name == column).is_some_and(|d| {
            let mut vars = Vec::new();
            d.expr.vars(&mut vars);
            vars.iter().all(|v| read(v))
        });
        if read(column) || derived_from_used {
            Ok(())
        } else {
            Err(format!("column '{column}' is read but not among the model's columns"))
        }
    };
    match &design.response {
        Response::Column(y) => used(y)?,
        Response::Binomial { successes, failures } => {
            used(successes)?;
            used(failures)?;
        }
    }
    let mut p = usize::from(design.intercept);
    for t in &design.parametric {
        for column in t.columns() {
            used(column)?;
        }
        let factors: Vec<(&str, &Vec<String>, bool)> = match t {
            ParamTerm::Factor {
                column,
                levels,
                all_levels,
                ..
            } => vec![(column, levels, *all_levels)],
            ParamTerm::Interaction { parts, .. } => parts
                .iter()
                .filter_map(|p| p.levels.as_ref().map(|l| (p.column.as_str(), l, p.all_levels)))
                .collect(),
            ParamTerm::Linear { .. } => vec![],
        };
        for (column, levels, all_levels) in factors {
            // A factor term needs two levels (R refuses fewer), an indicator coding one.
            if levels.len() < 1 + usize::from(!all_levels) {
                return Err(format!("factor '{column}' has {} levels", levels.len()));
            }
            distinct(&format!("factor '{column}'"), levels)?;
        }
        p += t.n_coef();
    }
    for o in &design.offsets {
        used(o)?;
    }
    let mut labels: Vec<&str> = Vec::with_capacity(design.smooths.len());
    for s in &design.smooths {
        if labels.contains(&s.label.as_str()) {
            return Err(format!("smooth {} appears twice", s.label));
        }
        labels.push(&s.label);
        check_smooth(s).map_err(|problem| format!("smooth {}: {problem}", s.label))?;
        for v in s.spec.vars.iter().chain(s.spec.by.as_ref()) {
            used(v)?;
        }
        // The summary and the smoothing parameters' names print it.
        let label = crate::design::smooth::label_of(&s.spec, &s.by);
        if s.label != label {
            return Err(format!("the smooth labelled '{}' is {label}", s.label));
        }
        p = p
            .checked_add(s.n_coef())
            .ok_or_else(|| "the number of coefficients overflows".to_string())?;
    }
    Ok(p)
}

/// One smooth term: its basis, and how the term uses it.
fn check_smooth(s: &SmoothTerm) -> Check {
    s.basis.check()?;
    let spec = &s.spec;
    let is_tensor = matches!(&s.basis, Basis::Tensor(_) | Basis::T2(_));
    let kind_fits = match (&s.basis, spec.kind) {
        (Basis::Tensor(t), SmoothKind::Te) => !t.is_interaction(),
        (Basis::Tensor(t), SmoothKind::Ti) => t.is_interaction(),
        (Basis::T2(_), SmoothKind::T2) => true,
        (_, SmoothKind::S) => !is_tensor,
        _ => false,
    };
    if !kind_fits {
        return Err(format!(
            "a {} term with a {} basis",
            spec.kind.as_str(),
            s.basis.mgcv_class()
        ));
    }
    let bases = s.basis.covariate_bases();
    if spec.vars.len() != bases.len() || s.factor_levels.len() != bases.len() {
        return Err(format!(
            "{} covariates and {} factor level lists, but the basis takes {}",
            spec.vars.len(),
            s.factor_levels.len(),
            bases.len()
        ));
    }
    // Which margin (which entry of `bs`) each covariate belongs to.
    let dims = spec.margin_dims();
    if dims.iter().sum::<usize>() != spec.vars.len() {
        return Err(format!(
            "margins of {dims:?} covariates for {} covariates",
            spec.vars.len()
        ));
    }
    if let Basis::Tensor(t) = &s.basis
        && t.margin_dims() != dims.as_slice()
    {
        return Err(format!(
            "margins of {dims:?} covariates, but the basis has {:?}",
            t.margin_dims()
        ));
    }
    if let Basis::T2(t) = &s.basis
        && t.margins().map(|(_, d)| d).collect::<Vec<_>>() != dims
    {
        return Err(format!("margins of {dims:?} covariates, but the t2() basis differs"));
    }
    let margin_of: Vec<usize> = dims
        .iter()
        .enumerate()
        .flat_map(|(i, &d)| std::iter::repeat_n(i, d))
        .collect();
    let factor_levels = s.basis.covariate_levels();
    for (i, (basis, levels)) in bases.iter().zip(&s.factor_levels).enumerate() {
        let var = &spec.vars[i];
        let margin = if spec.kind.is_tensor() { margin_of[i] } else { 0 };
        if spec.bs.get(margin) != Some(&basis_type(basis)) {
            return Err(format!(
                "covariate '{var}': the basis type does not match the stored basis"
            ));
        }
        // Levels per covariate: a random effect's, an fs/sz term's factors; an MRF's areas.
        let re_levels = match basis {
            Basis::Mrf(m) => {
                if levels.as_deref() != Some(m.areas()) {
                    return Err(format!("covariate '{var}': the stored levels are not the MRF's areas"));
                }
                Some(m.areas().len())
            }
            _ => factor_levels.get(i).copied().flatten(),
        };
        match (re_levels, levels) {
            (None, None) => {}
            (Some(n), Some(l)) if l.len() == n => distinct(&format!("covariate '{var}'"), l)?,
            _ => {
                return Err(format!(
                    "covariate '{var}': {} stored levels for a basis of {} levels",
                    levels.as_ref().map_or(0, Vec::len),
                    re_levels.unwrap_or(0)
                ));
            }
        }
    }
    let by_fits = match (&spec.by, &s.by) {
        (None, By::None) => true,
        (Some(name), By::Numeric { column } | By::Level { column, .. }) => name == column,
        _ => false,
    };
    if !by_fits {
        return Err("the by variable of the term and of the smooth differ".into());
    }
    let dim = s.basis.dim();
    let constraint_fits = match (&s.constraint, &s.basis) {
        (Some(Constraint::Kronecker(c)), Basis::Sz(b)) => *c == b.contrast(),
        (Some(_), Basis::Fs(_) | Basis::Sz(_)) | (Some(Constraint::Kronecker(_)), _) => false,
        // Only a t2() is fitted under this; a fitted model holds it under its
        // reporting constraint (a sum to zero), with nothing left to convert.
        (Some(Constraint::Drop { .. }), _) => false,
        _ => s.report_constraint.is_none(),
    };
    if !constraint_fits {
        return Err("its constraint does not fit its basis".into());
    }
    match &s.constraint {
        Some(c) => c.check(dim)?,
        None if dim == 0 => return Err("a basis of no functions".into()),
        None => {}
    }
    let k = s.n_coef();
    let n_pen = if spec.fx {
        0
    } else {
        s.basis.n_penalties() + usize::from(s.null_space_penalty)
    };
    crate::design::side::check_deleted(s)?;
    // gam.side drops a penalty its deletions leave empty.
    let pens_fit = s.penalties.len() == n_pen || (!s.side_deleted.is_empty() && s.penalties.len() < n_pen);
    if !pens_fit || s.s_scale.len() != s.penalties.len() {
        return Err(format!(
            "{} penalties and {} penalty scales where the basis has {n_pen}",
            s.penalties.len(),
            s.s_scale.len()
        ));
    }
    for (j, pen) in s.penalties.iter().enumerate() {
        pen.check(&format!("penalty {}", j + 1), k, k)?;
    }
    if let Some(v) = s.s_scale.iter().find(|v| !(v.is_finite() && **v > 0.0)) {
        return Err(format!("a penalty scale of {v}"));
    }
    if s.random != matches!(s.basis, Basis::Re(_)) {
        return Err("marked as a random effect or not, against its basis".into());
    }
    Ok(())
}

/// The formula's basis code of a (marginal) basis.
fn basis_type(basis: &Basis) -> BasisType {
    match basis {
        Basis::Tp(b) if b.shrinks() => BasisType::Ts,
        Basis::Tp(_) | Basis::Tensor(_) | Basis::T2(_) => BasisType::Tp,
        Basis::Cr(b) if b.shrinks() => BasisType::Cs,
        Basis::Cr(_) => BasisType::Cr,
        Basis::Ps(_) => BasisType::Ps,
        Basis::Cc(_) => BasisType::Cc,
        Basis::Re(_) => BasisType::Re,
        Basis::Mrf(_) => BasisType::Mrf,
        Basis::Cp(_) => BasisType::Cp,
        Basis::Bs(_) => BasisType::Bs,
        Basis::Ad(_) => BasisType::Ad,
        Basis::Gp(_) => BasisType::Gp,
        Basis::Ds(_) => BasisType::Ds,
        Basis::Fs(_) => BasisType::Fs,
        Basis::Sz(_) => BasisType::Sz,
    }
}

/// What the summary is computed from: since format version 2 a finite p x p
/// factor; in version 1 the stored tables, one row per parametric coefficient
/// and per smooth, with the names the design gives them.
fn check_summary(model: &GamModel, p: usize) -> Check {
    if model.format_version >= 2 {
        let Some(factor) = &model.summary_factor else {
            return Err("no summary_factor (the summary is computed from it)".into());
        };
        return factor.check("the summary factor", p, p);
    }
    let Some(s) = &model.stored_summary else {
        return Err("no summary tables (a version 1 file stores them)".into());
    };
    let design = &model.design;
    let n_par = design.n_parametric();
    if s.parametric.len() != n_par || s.smooths.len() != design.smooths.len() {
        return Err(format!(
            "the summary has {} parametric and {} smooth rows for {n_par} parametric coefficients and {} smooths",
            s.parametric.len(),
            s.smooths.len(),
            design.smooths.len()
        ));
    }
    let names = design.coef_names();
    if let Some((row, name)) = s.parametric.iter().zip(&names).find(|(r, n)| &r.name != *n) {
        return Err(format!("the summary row '{}' stands where '{name}' belongs", row.name));
    }
    if let Some((row, term)) = s.smooths.iter().zip(&design.smooths).find(|(r, t)| r.label != t.label) {
        return Err(format!(
            "the summary row '{}' stands where '{}' belongs",
            row.label, term.label
        ));
    }
    if s.scale_estimated != model.scale_estimated {
        return Err("the summary and the model disagree on whether the scale was estimated".into());
    }
    Ok(())
}

fn finite(what: &str, v: &[f64]) -> Check {
    match v.iter().position(|x| !x.is_finite()) {
        Some(i) => Err(format!("{what} {} is {}, not a finite number", i + 1, v[i])),
        None => Ok(()),
    }
}

fn distinct(what: &str, levels: &[String]) -> Check {
    let mut sorted: Vec<&String> = levels.iter().collect();
    sorted.sort();
    match sorted.windows(2).find(|w| w[0] == w[1]) {
        Some(w) => Err(format!("{what} has level '{}' twice", w[0])),
        None => Ok(()),
    }
}

/// Checks a general-family model read back (the guarantees of the module documentation):
/// every predictor's design, their columns contiguous and in order, the coefficients, names,
/// EDFs and the two `p × p` matrices sized to them, one smoothing parameter per penalty, and
/// every number finite.
pub(crate) fn check_general(model: &super::general::GeneralModel) -> Check {
    if model.kind != super::general::GENERAL_KIND {
        return Err(format!("kind '{}' is not a general-family model", model.kind));
    }
    if model.family.n_predictors() == 0 {
        return Err(format!("{} has no linear predictor", model.family.spelling()));
    }
    if model.design.designs.len() != model.family.n_predictors() || model.design.lpi.len() != model.design.designs.len()
    {
        return Err(format!(
            "{} designs and {} column ranges, but {} has {} linear predictors",
            model.design.designs.len(),
            model.design.lpi.len(),
            model.family.name(),
            model.family.n_predictors()
        ));
    }
    let mut at = 0usize;
    for (k, (d, r)) in model.design.designs.iter().zip(&model.design.lpi).enumerate() {
        let p = check_design(d)?;
        if r.start != at || r.end.checked_sub(r.start) != Some(p) {
            return Err(format!(
                "predictor {} has columns {}..{} but its design has {p} columns from {at}",
                k + 1,
                r.start,
                r.end
            ));
        }
        at += p;
    }
    let p = at;
    for (what, len) in [
        ("coefficients", model.coefficients.len()),
        ("coefficient names", model.coef_names.len()),
        ("EDFs", model.edf.len()),
    ] {
        if len != p {
            return Err(format!("{len} {what} but the design has {p} columns"));
        }
    }
    let n_pen: usize = model.design.designs.iter().map(|d| d.penalty_set().len()).sum();
    if model.sp.len() != n_pen || model.sp_names.len() != n_pen {
        return Err(format!(
            "{} smoothing parameters ({} names) but the design has {n_pen} penalties",
            model.sp.len(),
            model.sp_names.len()
        ));
    }
    model.vp.check("the covariance matrix vp", p, p)?;
    model.neg_hess.check("the Hessian neg_hess", p, p)?;
    finite("coefficient", &model.coefficients)?;
    finite("EDF", &model.edf)?;
    finite("smoothing parameter", &model.sp)?;
    finite(
        "criterion, log-likelihood or deviance",
        &[model.reml, model.loglik, model.deviance, model.null_deviance],
    )?;
    if (0..p).any(|i| model.vp.data[i * p + i] < 0.0) {
        return Err("the covariance matrix vp has a negative variance".into());
    }
    if model.n == 0 {
        return Err("the model was fitted to 0 rows".into());
    }
    if let Some(c) = &model.cox {
        let b = &c.baseline;
        let nt = b.tr.len();
        if b.h.len() != nt || b.q.len() != nt || b.a.len() != nt || b.a.iter().any(|a| a.len() != p) {
            return Err(format!(
                "the cox.ph baseline's arrays do not match its {nt} times and {p} coefficients"
            ));
        }
        finite("cox.ph baseline", &[b.tr.as_slice(), &b.h, &b.q].concat())?;
    }
    Ok(())
}
