//! Sizing a model before building it.
//!
//! Building a basis can be costly (a thin plate basis decomposes an
//! `n_knots x n_knots` matrix, a tensor product evaluates every margin on
//! every row), and a fit needs several dense `p x p` matrices. A formula such
//! as `te(a, b, c, d, e, k = 20)` asks for 3.2 million coefficients, and
//! `s(g, bs = "re")` of a factor with 10^5 levels for 10^5: building those
//! would exhaust the memory and abort the process. So before anything is
//! built, [`plan`] works out from the formula and the data's shape alone:
//!
//! - each smooth's `m` is valid for its basis (as mgcv's constructors
//!   require: a whole number, not negative; see [`check_m`]);
//! - the number of coefficients of every term, exactly as the builders will
//!   make them (mgcv's defaults and minimum `k`, centring constraints, one
//!   smooth per level of a factor `by`), with the warnings mgcv gives when it
//!   raises `k`;
//! - that the model has fewer coefficients than rows (mgcv's
//!   "Model has more coefficients than data"), naming the term to shrink;
//! - that the memory the fit needs, about [`FIT_PP_MATRICES`] plus one
//!   `p x p` matrices per smoothing parameter and a thin plate basis's
//!   knot matrices, fits in the memory this machine has available.
//!
//! Counts are kept in `f64` so that absurd sizes (`te()` of 30 margins is
//! 5^30 coefficients) saturate instead of overflowing.

use super::options::SmoothOptions;
use crate::basis::{ad, ad2d, bs, cc, cp, cr, ds, gp, ps, tp};
use crate::data::{Column, DataFrame};
use crate::error::{GamError, Result, bytes};
use crate::formula::{BasisType, Formula, SmoothKind, SmoothSpec, Term};

/// Dense `p x p` matrices a fit holds at once besides one per smoothing
/// parameter (XᵀWX, the penalised Hessian and its factor, the total
/// penalty, the covariances Vp and Ve, workspace): an upper estimate.
pub const FIT_PP_MATRICES: f64 = 8.0;

/// Dense `n_knots x n_knots` matrices a thin plate basis holds while it is
/// built (the kernel matrix, its eigenvectors, workspace).
const TP_KNOT_MATRICES: f64 = 3.0;

/// Memory assumed available when the operating system does not say.
const FALLBACK_AVAILABLE_BYTES: f64 = 8.0 * GIB;

const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

/// Rows of the model matrix a fit holds at most at once (the in-memory
/// Gaussian path; larger fits stream it): an upper estimate.
const HELD_ROWS: f64 = 65536.0;

/// What a formula will cost, worked out before anything is built.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Total coefficients (intercept, parametric and smooth).
    pub n_coef: usize,
    /// Warnings to pass on with the fit, as mgcv's ("basis dimension, k,
    /// increased to minimum possible").
    pub warnings: Vec<String>,
    /// The neighbourhood files of the `mrf` smooths, read and checked while
    /// sizing them, by path: the build takes them from here
    /// ([`SmoothOptions::neighbourhoods`]) instead of reading them again.
    pub neighbourhoods: super::neighbours::Neighbourhoods,
}

/// The coefficients and memory of one term.
struct TermSize {
    label: String,
    /// Where the coefficients come from, for messages: `k = 20 gives `.
    origin: String,
    /// What to change when the term is too big.
    remedy: &'static str,
    coefs: f64,
    penalties: f64,
    /// Bytes the term needs while its basis is built.
    build_bytes: f64,
}

/// Sizes the model of `formula` on `data` (rows with missing values already
/// dropped), or refuses it with an error naming the term to change. See the
/// module documentation.
pub fn plan(formula: &Formula, data: &DataFrame) -> Result<Plan> {
    plan_with(formula, data, &SmoothOptions::default())
}

/// [`plan`] for a fit with mgcv's `select` and `knots` ([`SmoothOptions`]).
pub fn plan_with(formula: &Formula, data: &DataFrame, opts: &SmoothOptions) -> Result<Plan> {
    plan_with_memory(formula, data, opts, available_bytes)
}

/// Memory needs below this are not checked against what the system has:
/// reading `/proc/meminfo` costs tens of microseconds, a tenth of a small
/// fit, and a machine without 64 MiB to spare fails anyway.
const SURELY_AVAILABLE_BYTES: f64 = 64.0 * 1024.0 * 1024.0;

/// [`plan_with`] with the available memory given (for tests); it is asked
/// for only when the model needs more than [`SURELY_AVAILABLE_BYTES`].
pub(crate) fn plan_with_memory(
    formula: &Formula,
    data: &DataFrame,
    opts: &SmoothOptions,
    available: impl FnOnce() -> f64,
) -> Result<Plan> {
    let mut warnings = unused_knots_warning(formula, opts).into_iter().collect::<Vec<_>>();
    let mut terms: Vec<TermSize> = Vec::new();
    let mut neighbourhoods = super::neighbours::Neighbourhoods::new();
    if formula.intercept {
        terms.push(TermSize::parametric("(Intercept)", 1.0));
    }
    let mut seen_factor = false;
    for term in &formula.terms {
        match term {
            Term::Column(c) => {
                let coefs = match data.require_column(&c.name)? {
                    Column::Numeric(_) => 1.0,
                    Column::Factor(f) => {
                        if f.n_levels() < 2 {
                            return Err(GamError::Term {
                                term: c.name.clone(),
                                message: format!(
                                    "the factor has {} (R refuses it too: contrasts need 2 or more \
                                     levels): remove the term or check the data",
                                    match f.levels.first() {
                                        Some(l) => format!("only one level, '{l}'"),
                                        None => "no levels".to_string(),
                                    }
                                ),
                            });
                        }
                        if let Some(w) = stray_text_warning(&c.name, f, data) {
                            warnings.push(w);
                        }
                        // Treatment contrasts drop the baseline unless this is
                        // the first factor of a model without intercept.
                        let all_levels = !formula.intercept && !seen_factor;
                        seen_factor = true;
                        (f.n_levels() - usize::from(!all_levels)) as f64
                    }
                };
                terms.push(TermSize::parametric(&c.name, coefs));
            }
            Term::Offset(_) => {}
            Term::Smooth(spec) => terms.push(smooth_size(spec, data, opts, &mut warnings, &mut neighbourhoods)?),
            Term::Interaction(x) => {
                // At most the product of the columns' levels (contrasts drop some).
                let mut coefs = 1.0;
                for v in &x.vars {
                    if let Column::Factor(f) = data.require_column(v)? {
                        coefs *= f.n_levels() as f64;
                    }
                }
                terms.push(TermSize::parametric(&x.vars.join(":"), coefs));
            }
        }
    }
    let n = data.nrows() as f64;
    let p: f64 = terms.iter().map(|t| t.coefs).sum();
    let largest = terms
        .iter()
        .max_by(|a, b| a.coefs.total_cmp(&b.coefs))
        .filter(|t| t.coefs >= n);
    if let Some(t) = largest {
        return Err(GamError::Term {
            term: t.label.clone(),
            message: format!(
                "{}{} coefficients but only {} rows of data: {}",
                t.origin,
                count(t.coefs),
                count(n),
                t.remedy
            ),
        });
    }
    if p >= n {
        // Each term has fewer coefficients than rows (checked above), so p is a usize.
        return Err(GamError::TooFewRows {
            coefficients: p as usize,
            rows: data.nrows(),
        });
    }
    let n_sp: f64 = terms.iter().map(|t| t.penalties).sum();
    let fit_bytes = 8.0 * p * p * (FIT_PP_MATRICES + n_sp) + 8.0 * n.min(HELD_ROWS) * p;
    let build = terms.iter().max_by(|a, b| a.build_bytes.total_cmp(&b.build_bytes));
    let needed = build.map_or(0.0, |t| t.build_bytes).max(fit_bytes);
    let available = if needed > SURELY_AVAILABLE_BYTES {
        available()
    } else {
        f64::INFINITY
    };
    if let Some(t) = build.filter(|t| t.build_bytes > available) {
        return Err(GamError::Term {
            term: t.label.clone(),
            message: format!(
                "building this basis would need about {} of memory and {} is available: reduce k",
                bytes(t.build_bytes),
                bytes(available)
            ),
        });
    }
    if fit_bytes > available {
        let largest_term = terms
            .iter()
            .max_by(|a, b| a.coefs.total_cmp(&b.coefs))
            .map(|t| (t.label.clone(), t.coefs as usize));
        return Err(GamError::TooLarge {
            coefficients: p as usize,
            largest_term,
            needed_bytes: fit_bytes,
            available_bytes: available,
        });
    }
    Ok(Plan {
        // Below n, which is a usize, so exact.
        n_coef: p as usize,
        warnings,
        neighbourhoods,
    })
}

impl TermSize {
    fn parametric(label: &str, coefs: f64) -> TermSize {
        TermSize {
            label: label.to_string(),
            origin: String::new(),
            remedy: "a factor of this many levels may be better as s(…, bs = \"re\")",
            coefs,
            penalties: 0.0,
            build_bytes: 0.0,
        }
    }
}

/// A warning when a parametric factor looks like a numeric column spoiled by
/// a few words ("n/a", "?"): most of its levels are numbers. As in R, such a
/// column is a factor (one coefficient per distinct value), which is almost
/// never what was meant, so the first word is named with its row.
fn stray_text_warning(name: &str, f: &crate::data::FactorColumn, data: &DataFrame) -> Option<String> {
    let (row, value) = f.first_non_number()?;
    let numbers = f
        .levels
        .iter()
        .filter(|l| crate::data::parse_number(l).is_some())
        .count();
    if numbers * 2 <= f.levels.len() {
        return None;
    }
    let value: String = value.chars().take(40).collect();
    Some(format!(
        "column '{name}' is used as a factor of {} levels because row {} holds '{}', not a number: if '{name}' \
         is numeric, correct that value or write NA",
        f.n_levels(),
        data.original_row(row) + 1,
        value.escape_debug()
    ))
}

/// Refuses an `m` its basis cannot take: mgcv's penalty and basis orders
/// are whole numbers from 0 (for `tp`, 0 or `NA` means the default order);
/// a negative order has no meaning for any basis (mgcv's `tp` silently
/// replaces it, its `ps` fails with an unrelated message, `cr`, `cc` and `re`
/// ignore it), so it is refused here with the term named.
pub fn check_m(spec: &SmoothSpec) -> Result<()> {
    // A Gaussian process's m holds its range and a Duchon spline's its
    // fractional s: those classes check their own.
    if matches!(spec.bs[0], BasisType::Gp | BasisType::Ds) {
        return Ok(());
    }
    if let Some(m) = spec.m.iter().flatten().find(|m| m.0 < 0.0 || m.whole().is_none()) {
        return Err(term_err(
            spec,
            format!(
                "m = {}: penalty and basis orders are whole numbers from 0 (leave m out for the default)",
                m.0
            ),
        ));
    }
    if spec.kind == SmoothKind::S && spec.m.len() > 1 {
        match spec.bs[0] {
            // mgcv's tp reads m[1] (the order) and m[2] (0 drops the null
            // space; other values are ignored, as mgcv ignores them).
            BasisType::Tp | BasisType::Ts if spec.m.len() == 2 && spec.m[1].is_some() => {}
            bs @ (BasisType::Tp | BasisType::Ts) => {
                return Err(term_err(
                    spec,
                    format!(
                        "m has {} values; bs = \"{bs}\" takes m or c(m, 0) (0 drops the null space), with numbers",
                        spec.m.len()
                    ),
                ));
            }
            BasisType::Ps if spec.m.len() > 2 => {
                return Err(term_err(
                    spec,
                    format!("m has {} values; a P-spline takes at most two (m1, m2)", spec.m.len()),
                ));
            }
            BasisType::Ps => {}
            // The new classes check their own m.
            BasisType::Fs
            | BasisType::Sz
            | BasisType::Ad
            | BasisType::Bs
            | BasisType::Cp
            | BasisType::Mrf
            | BasisType::Gp
            | BasisType::Ds => {}
            bs => {
                return Err(term_err(
                    spec,
                    format!("m has {} values; bs = \"{bs}\" takes one", spec.m.len()),
                ));
            }
        }
    }
    Ok(())
}

/// `xt$max.knots` of a spec, if given (and representable).
pub(crate) fn xt_max_knots(spec: &SmoothSpec) -> Option<usize> {
    spec.xt.max_knots.and_then(|v| usize::try_from(v).ok())
}

/// `xt$seed` of a spec, if given (and representable).
pub(crate) fn xt_seed(spec: &SmoothSpec) -> Option<i32> {
    spec.xt.seed.and_then(|v| i32::try_from(v).ok())
}

/// The real-valued `m` of a basis on `vars`: the whole `m` of an `s()`,
/// the element of the margin of `vars[0]` otherwise.
fn real_m(spec: &SmoothSpec, vars: &[String]) -> Vec<Option<crate::formula::Real>> {
    match spec.kind {
        SmoothKind::S => spec.m.clone(),
        _ => {
            let first = vars.first().and_then(|v| spec.vars.iter().position(|w| w == v));
            vec![first.and_then(|i| spec.m.get(spec.margin_of(i)).copied().flatten())]
        }
    }
}

/// Whether `m = c(m, 0)` asks a thin plate `s()` to drop its null space
/// (mgcv's `drop.null`; its columns are then centred instead of constrained).
pub(crate) fn drops_null_space(spec: &SmoothSpec) -> bool {
    spec.kind == SmoothKind::S && matches!(spec.bs[0], BasisType::Tp | BasisType::Ts) && spec.m_int(1) == Some(0)
}

/// Whether a smooth gets a centring constraint. mgcv centres unless: a
/// random effect, a ti() term (margins already centred), a numeric
/// by-variable that is not constant, or a thin plate smooth without its
/// null space (`m = c(m, 0)`).
pub(crate) fn centred(spec: &SmoothSpec, is_re: bool, by: Option<&Column>) -> bool {
    if is_re || spec.kind == SmoothKind::Ti || drops_null_space(spec) {
        return false;
    }
    match by {
        Some(Column::Numeric(v)) => {
            let mean = v.iter().sum::<f64>() / v.len().max(1) as f64;
            let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (v.len().max(2) - 1) as f64;
            var.sqrt() <= mean * f64::EPSILON * 1000.0
        }
        _ => true,
    }
}

/// The requested `k` as the bases take it: `None` for mgcv's default
/// (a negative `k`), otherwise the value (0 included: mgcv raises it to the
/// basis's minimum, with a warning).
pub(crate) fn requested_k(k: i64) -> Option<usize> {
    usize::try_from(k).ok()
}

/// `m` of one margin (or of an `s()` of a basis taking one order), checked
/// non-negative by [`check_m`].
pub(crate) fn order(m: Option<i64>) -> Option<usize> {
    m.and_then(|m| usize::try_from(m).ok())
}

/// A P-spline's `m` as [`ps::PsBasis::new`] takes it: `NA` entries are
/// mgcv's default order 2.
pub(crate) fn ps_orders(m: &[Option<i64>]) -> Vec<usize> {
    match m {
        [] | [None] => Vec::new(),
        _ => m.iter().map(|v| order(*v).unwrap_or(ps::DEFAULT_M[0])).collect(),
    }
}

/// `m` as whole orders (`NA` stays `None`, the class's default).
pub(crate) fn whole(m: &[Option<i64>]) -> Vec<Option<usize>> {
    m.iter().map(|v| order(*v)).collect()
}

/// The error for a smooth the parser reads but the engine does not build yet.
pub(crate) fn not_built(spec: &SmoothSpec, what: &str) -> GamError {
    term_err(spec, format!("{what} is not supported yet; use another basis"))
}

fn term_err(spec: &SmoothSpec, message: String) -> GamError {
    GamError::Term {
        term: spec.label(),
        message,
    }
}

/// Coefficients, penalties and build memory of a smooth spec.
fn smooth_size(
    spec: &SmoothSpec,
    data: &DataFrame,
    opts: &SmoothOptions,
    warnings: &mut Vec<String>,
    neighbourhoods: &mut super::neighbours::Neighbourhoods,
) -> Result<TermSize> {
    check_m(spec)?;
    let label = spec.label();
    if spec.kind == SmoothKind::S && spec.bs[0] == BasisType::Ds {
        // mgcv's warnings when it changes a Duchon spline's s.
        for note in ds::orders(&label, spec.vars.len().max(1), &spec.m)?.2 {
            warnings.push(format!("{label}: {note}"));
        }
    }
    let mut warn_raised = |given: Option<usize>, used: usize| {
        let warning = format!("{label}: basis dimension, k, increased to minimum possible ({used})");
        // Once per term, not once per margin.
        if given.is_some_and(|k| k < used) && !warnings.contains(&warning) {
            warnings.push(warning);
        }
    };
    // (basis functions, penalties, build bytes, the k used) of one basis.
    let mut one = |bs: BasisType, k_arg: i64, m: &[Option<i64>], vars: &[String]| -> Result<(f64, f64, f64, usize)> {
        let k = requested_k(k_arg);
        Ok(match bs {
            BasisType::Tp | BasisType::Ts => {
                let (_, null_dim, dim) = tp::dims(vars.len(), k_arg, order(m[0]));
                warn_raised(k, dim);
                // Beyond max.knots unique points the knots are a subset,
                // unless k asks for more: then every unique point is a knot;
                // user knots (at least k of them) replace the data.
                let max_knots = spec.xt.max_knots.map_or(tp::MAX_KNOTS as f64, |v| v as f64);
                let user = vars
                    .iter()
                    .map(|v| opts.knots.and_then(|k| k.get(v)).map(Vec::len))
                    .min()
                    .flatten();
                let knots = match user {
                    Some(len) if len >= dim && len <= data.nrows() => len as f64,
                    Some(_) => unique_rows(data, vars)? as f64,
                    None if dim as f64 > max_knots => unique_rows(data, vars)? as f64,
                    None => max_knots.min(data.nrows() as f64),
                };
                let coefs = if drops_null_space(spec) { dim - null_dim } else { dim };
                (coefs as f64, 1.0, 8.0 * TP_KNOT_MATRICES * knots * knots, dim)
            }
            BasisType::Cr | BasisType::Cs => {
                let dim = cr::basis_dim(k);
                warn_raised(k, dim);
                (dim as f64, 1.0, 0.0, dim)
            }
            BasisType::Cc => {
                let knots = cc::knot_count(k);
                warn_raised(k, knots);
                ((knots - 1) as f64, 1.0, 0.0, knots)
            }
            BasisType::Ps => {
                let (dim, _) = ps::dims(&spec.label(), k, &ps_orders(m))?;
                (dim as f64, 1.0, 0.0, dim)
            }
            BasisType::Re => {
                // model.matrix(~ g:x - 1): the product of the factors' levels.
                let mut levels = 1.0;
                for v in vars {
                    if let Column::Factor(f) = data.require_column(v)? {
                        levels *= f.n_levels() as f64;
                    }
                }
                (levels, 1.0, 0.0, 0)
            }
            BasisType::Mrf => {
                // Every area, or k of them (the low-rank basis is still set up on all).
                // A tensor product's mrf margin reads its own entry of xt.
                let margin = spec
                    .vars
                    .iter()
                    .position(|v| Some(v) == vars.first())
                    .map_or(0, |i| spec.margin_of(i));
                let areas = super::neighbours::area_count(spec, margin, neighbourhoods)?;
                let dim = k.filter(|&k| k < areas).unwrap_or(areas);
                (dim as f64, 1.0, 8.0 * (areas as f64).powi(2), dim)
            }
            BasisType::Cp => {
                let (dim, _) = cp::dims(&spec.label(), k, &whole(m))?;
                (dim as f64, 1.0, 0.0, dim)
            }
            BasisType::Bs => {
                let (dim, m) = bs::dims(&spec.label(), k, &whole(m))?;
                (dim as f64, (m.len() - 1) as f64, 0.0, dim)
            }
            BasisType::Ad if spec.kind != SmoothKind::S => return Err(ad::not_a_margin(&spec.label())),
            BasisType::Ad => {
                // The xt of an fs/sz term names its base (this ad), not ad's own base.
                let xt = spec.xt.bs.as_deref().or(spec.xt.text.as_deref());
                let base = ad::base_code(&spec.label(), xt.filter(|_| !super::grouped::is_grouped(spec)))?;
                let (dim, p) = ad::dims(&spec.label(), k, order(m.first().copied().flatten()), base)?;
                (dim as f64, p as f64, 0.0, dim)
            }
            BasisType::Gp | BasisType::Ds => {
                // Every unique point up to max.knots is a knot (user knots: as many as given).
                let d = vars.len();
                let m = real_m(spec, vars);
                let (_, dim) = if bs == BasisType::Gp {
                    let (_, stationary, _, _) = gp::parse_m(&label, &m)?;
                    gp::dims(d, k_arg, stationary)
                } else {
                    ds::dims(d, k_arg, ds::orders(&label, d.max(1), &m)?.0)
                };
                warn_raised(k, dim);
                let max_knots = xt_max_knots(spec).map_or(tp::MAX_KNOTS as f64, |v| v as f64);
                let knots = max_knots.min(data.nrows() as f64);
                (dim as f64, 1.0, 8.0 * TP_KNOT_MATRICES * knots * knots, dim)
            }
            bs @ (BasisType::Fs | BasisType::Sz) => return Err(super::grouped::margin_error(spec, bs)),
        })
    };
    let mut dims = Vec::with_capacity(spec.vars.len());
    let (mut coefs, penalties, build_bytes) = match spec.kind {
        SmoothKind::S if super::grouped::is_grouped(spec) => {
            let parts = super::grouped::parts_of_data(spec, data)?;
            check_m(&parts.base).map_err(|e| crate::basis::fs::relabel(e, &label))?;
            let base = &parts.base;
            let (base_coefs, _, build, k) = one(base.bs[0], base.k[0], &base.m_ints(), &base.vars)?;
            dims.push(k);
            let by = spec.by.as_ref().map(|b| data.require_column(b)).transpose()?;
            let (coefs, penalties) = super::grouped::size(spec, &parts, base_coefs, centred(spec, false, by));
            (coefs, penalties, build)
        }
        SmoothKind::S if spec.bs[0] == BasisType::Ad && spec.vars.len() > 2 => {
            return Err(ad::too_many_covariates(&label));
        }
        SmoothKind::S if spec.bs[0] == BasisType::Ad && spec.vars.len() == 2 => {
            let base = ad::base_code(&label, spec.xt.bs.as_deref().or(spec.xt.text.as_deref()))?;
            let grid = ad2d::Grid::new(&label, &spec.k, &spec.m_ints(), base)?;
            dims.extend(grid.k());
            if grid.linear_penalty_basis() {
                warnings.push(format!(
                    "{label}: a penalty basis size of 2 is below what te() takes, so mgcv (and gam) use a 5 x 5                      linear penalty basis (mgcv: \"one or more supplied k too small - reset to default\")"
                ));
            }
            (grid.dim() as f64, grid.n_penalties() as f64, 0.0)
        }
        SmoothKind::S => {
            let (coefs, penalties, build, k) = one(spec.bs[0], spec.k[0], &spec.m_ints(), &spec.vars)?;
            dims.push(k);
            (coefs, penalties, build)
        }
        SmoothKind::Te | SmoothKind::Ti | SmoothKind::T2 => {
            let (mut coefs, mut penalties, mut build) = (1.0, 0.0, 0.0f64);
            let mut at = 0;
            for (i, d) in spec.margin_dims().into_iter().enumerate() {
                let m = [spec.m_int(i)];
                let (dim, _, b, k) = one(spec.bs[i], spec.k[i], &m, &spec.vars[at..at + d])?;
                at += d;
                // ti() centres each margin `mc` names (all by default).
                let centred = spec.kind == SmoothKind::Ti && spec.mc.get(i).copied().unwrap_or(true);
                coefs *= if centred { dim - 1.0 } else { dim };
                penalties += 1.0;
                build = build.max(b);
                dims.push(k);
            }
            if spec.kind == SmoothKind::T2 {
                // One ridge per product of ranges and null spaces (at most
                // 2^margins; with full = TRUE more, bounded by the coefficients).
                penalties = 2f64.powf(penalties).min(coefs);
            }
            (coefs, penalties, build)
        }
    };
    // select = TRUE adds at most one penalty per smooth.
    let penalties = if spec.fx {
        0.0
    } else {
        penalties + f64::from(u8::from(opts.select))
    };
    let is_re = spec.kind == SmoothKind::S && spec.bs[0] == BasisType::Re;
    let by = spec.by.as_ref().map(|b| data.require_column(b)).transpose()?;
    // fs has no constraint and sz's is counted above.
    if !super::grouped::is_grouped(spec) && centred(spec, is_re, by) {
        coefs -= 1.0;
    }
    let copies = match by {
        // An ordered factor's first level gets no smooth.
        Some(Column::Factor(f)) if f.ordered && f.n_levels() > 1 => (f.n_levels() - 1) as f64,
        Some(Column::Factor(f)) => f.n_levels() as f64,
        _ => 1.0,
    };
    let origin = match (spec.kind, spec.bs[0]) {
        (SmoothKind::S, BasisType::Re) => "its levels give ".to_string(),
        (SmoothKind::S, _) if dims.len() == 1 => format!("k = {} gives ", dims[0]),
        _ if dims.iter().all(|&d| d == dims[0]) => format!("k = {} per margin gives ", dims[0]),
        _ => format!(
            "k = c({}) gives ",
            dims.iter().map(usize::to_string).collect::<Vec<_>>().join(", ")
        ),
    };
    let origin = match by {
        Some(Column::Factor(_)) => format!(
            "{}for each of {} levels of {} gives ",
            origin.trim_end_matches("gives ").trim_end_matches("give "),
            copies,
            spec.by.as_deref().unwrap_or_default()
        ),
        _ => origin,
    };
    Ok(TermSize {
        label,
        origin,
        remedy: match spec.kind {
            SmoothKind::S => "reduce k",
            _ => "reduce k or the number of margins",
        },
        coefs: coefs * copies,
        penalties: penalties * copies,
        build_bytes,
    })
}

/// mgcv ignores knots for columns that no smooth taking knots uses; so
/// does the fit, with a warning naming them (a misspelt name would
/// otherwise go unnoticed).
fn unused_knots_warning(formula: &Formula, opts: &SmoothOptions) -> Option<String> {
    let knots = opts.knots?;
    let takes_knots = |b: &BasisType| *b != BasisType::Re;
    let unused: Vec<&str> = knots
        .keys()
        .filter(|name| {
            !formula.smooths().any(|s| {
                s.vars
                    .iter()
                    .zip(s.bs.iter().cycle())
                    .any(|(v, b)| v == *name && takes_knots(b))
            })
        })
        .map(String::as_str)
        .collect();
    (!unused.is_empty()).then(|| {
        format!(
            "knots given for {} that no smooth (cr, cc, ps, tp, gp, ds) uses: ignored, as mgcv ignores them",
            unused.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(", ")
        )
    })
}

/// Number of distinct rows of the given numeric columns (factor columns of a
/// smooth are refused later by the builder, with a better message).
fn unique_rows(data: &DataFrame, vars: &[String]) -> Result<usize> {
    let cols: Vec<&[f64]> = vars
        .iter()
        .map(|v| Ok(data.require_column(v)?.as_numeric().unwrap_or(&[])))
        .collect::<Result<_>>()?;
    let n = cols.iter().map(|c| c.len()).min().unwrap_or(0);
    let mut rows: Vec<Vec<u64>> = (0..n).map(|i| cols.iter().map(|c| c[i].to_bits()).collect()).collect();
    rows.sort_unstable();
    rows.dedup();
    Ok(rows.len())
}

/// The memory the operating system says is available, in bytes.
pub(crate) fn available_bytes() -> f64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|l| l.strip_prefix("MemAvailable:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(FALLBACK_AVAILABLE_BYTES, |kib| kib * 1024.0)
}

/// A count as a person reads it: `38`, `100000`, `3.2 million`, `9.3e20`.
fn count(c: f64) -> String {
    match c {
        c if c < 1e6 => format!("{c:.0}"),
        c if c < 1e9 => format!("{:.1} million", c / 1e6),
        c if c < 1e12 => format!("{:.1} billion", c / 1e9),
        c => format!("{c:.1e}"),
    }
}

#[cfg(test)]
#[path = "size_tests.rs"]
mod tests;
