//! mgcv's general families: models with several linear predictors, one formula each
//! (`gaulss`, `gevlss`, `shash`; later `gammals`, `ziplss`, `multinom`, `cox.ph`, `twlss`).
//!
//! A general family gives the log-likelihood of one observation, `ℓ_i(θ_1, …, θ_m)`, as a
//! function of its `m` distribution parameters, with derivatives in them up to fourth order,
//! and one inverse link per parameter, `θ_a = h_a(η_a)`. What the fit needs are the
//! derivatives in the linear predictors `η`: since each `θ_a` depends on its own `η_a` only,
//! Faà di Bruno's formula reads, for indices `a_1 … a_k`,
//!
//! ```text
//! ∂^k ℓ / ∂η_{a_1} … ∂η_{a_k} = Σ_{partitions P of {1..k}} [indices equal within each block]
//!                               ℓ_{(a_B : B ∈ P)} Π_{B ∈ P} h_{a_B}^{(|B|)}
//! ```
//!
//! ([`eta_derivs`]), which is what mgcv's `gamlss.etamu` (gamlss.r) computes from the link
//! derivatives `g'', g''', g''''`, written here with the inverse link's derivatives instead.
//! A new family is one module giving `ℓ` in its parameters and its links.
//!
//! Derivative arrays are full tensors over the `m` parameters, flattened row-major
//! (`m^k` entries for order `k`), so that a family with three or more predictors needs no
//! other indexing scheme than mgcv's `trind.generator` does.

pub mod coxph;
pub mod gammals;
pub mod gaulss;
pub mod gevlss;
pub(crate) mod jet;
pub mod multinom;
pub mod shash;
#[cfg(test)]
mod testing;
pub mod twlss;
pub mod ziplss;

use serde::{Deserialize, Serialize};

use crate::error::{GamError, Result};

/// A general (several linear predictors) family, with mgcv's names.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum GeneralFamily {
    /// mgcv's `gaulss()`: Gaussian location-scale, mean on the identity link, `1/σ` on the
    /// `logb` link with `b` (mgcv's default 0.01): `σ = b + exp(η_2)`.
    #[serde(rename = "gaulss")]
    Gaulss {
        /// The `logb` link's `b`.
        b: f64,
    },
    /// mgcv's `multinom(K)`: `K + 1` classes coded `0..K`, `K` linear predictors that are
    /// the parameters themselves (no links), class 0 the reference.
    #[serde(rename = "multinom")]
    Multinom {
        /// The number of linear predictors (classes less one).
        k: usize,
    },
    /// mgcv's `cox.ph()`: Cox proportional hazards, one linear predictor without intercept on
    /// the identity link; the response is the time, the event indicator comes as weights. Its
    /// partial likelihood does not split into per-observation terms, so it is fitted by its own
    /// path ([`crate::fit::general::cox`], [`coxph`]).
    #[serde(rename = "cox.ph")]
    CoxPh,
    /// mgcv's `gammals()`: gamma location-scale, the log mean on the identity link and the
    /// log scale on mgcv's `"log"` link `θ = b + log(1 + e^{η_2})`, `b` = −7.
    #[serde(rename = "gammals")]
    Gammals {
        /// The log-scale link's `b`.
        b: f64,
    },
    /// mgcv's `ziplss()`: zero-inflated Poisson, the log Poisson mean and the presence
    /// predictor (`p = 1 − exp(−e^{η_2})`) both on identity links.
    #[serde(rename = "ziplss")]
    Ziplss,
    /// mgcv's `gevlss()`: generalised extreme value with location (identity), log scale
    /// (identity) and shape on mgcv's shifted logit (`ξ ∈ (−1, 0.5)`).
    #[serde(rename = "gevlss")]
    Gevlss,
    /// mgcv's `shash()`: sinh-arcsinh with location (identity), log scale on the `logeb`
    /// link with `b` (mgcv's default 0.01), skewness and log tail weight (identity).
    #[serde(rename = "shash")]
    Shash {
        /// The `logeb` link's `b`.
        b: f64,
    },
    /// mgcv's `twlss()`: Tweedie location-scale with the mean on the log link, the transformed
    /// power θ (`p ∈ (1.01, 1.99)`) and the log scale on identity links ([`twlss`]).
    #[serde(rename = "twlss")]
    Twlss,
}

/// What the summary's `Deviance explained` line shows for a family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DevianceLine {
    /// The percentage from the model's deviance and null deviance (gaulss).
    Explained,
    /// `NA` (gevlss: mgcv's `postproc` sets the null deviance to `NA`).
    NotAvailable,
    /// No line at all (shash: mgcv leaves the null deviance unset).
    Absent,
}

/// The derivatives of `Σ`-able per-observation log-likelihoods: order 0 to 4 for one
/// observation, each a full tensor over the parameters (see the module doc).
#[derive(Debug, Clone, Default)]
pub struct PointDerivs {
    /// `ℓ_i`.
    pub l0: f64,
    /// First derivatives, `m` entries.
    pub l1: Vec<f64>,
    /// Second derivatives, `m²` entries.
    pub l2: Vec<f64>,
    /// Third derivatives, `m³` entries (empty below order 3).
    pub l3: Vec<f64>,
    /// Fourth derivatives, `m⁴` entries (empty below order 4).
    pub l4: Vec<f64>,
}

impl GeneralFamily {
    /// The family named `name` (`gaulss` or `gaulss()`), or `None` when it is no general family.
    pub fn parse(name: &str) -> Option<Result<GeneralFamily>> {
        let name = name.trim();
        let bare = name.strip_suffix("()").unwrap_or(name);
        match bare {
            "gaulss" => Some(Ok(GeneralFamily::Gaulss { b: gaulss::DEFAULT_B })),
            "cox.ph" => Some(Ok(GeneralFamily::CoxPh)),
            _ if bare.starts_with("cox.ph(") => Some(Err(GamError::Control {
                option: name.to_string(),
                message: "cox.ph takes no arguments here: use --family cox.ph (identity link)".into(),
            })),
            "gammals" => Some(Ok(GeneralFamily::Gammals { b: gammals::DEFAULT_B })),
            "ziplss" => Some(Ok(GeneralFamily::Ziplss)),
            _ if bare.starts_with("gaulss(") => Some(Err(GamError::Control {
                option: name.to_string(),
                message: "gaulss takes no arguments here: use --family gaulss (identity and logb links, b = 0.01)"
                    .into(),
            })),
            _ if bare.starts_with("gammals(") => Some(Err(GamError::Control {
                option: name.to_string(),
                message: "gammals takes no arguments here: use --family gammals (identity and log links, b = -7)"
                    .into(),
            })),
            _ if bare.starts_with("ziplss(") => Some(Err(GamError::Control {
                option: name.to_string(),
                message: "ziplss takes no arguments here: use --family ziplss (identity links)".into(),
            })),
            "gevlss" => Some(Ok(GeneralFamily::Gevlss)),
            _ if bare.starts_with("gevlss(") => Some(Err(GamError::Control {
                option: name.to_string(),
                message:
                    "gevlss takes no arguments here: use --family gevlss (identity, identity and shifted logit links)"
                        .into(),
            })),
            "shash" => Some(Ok(GeneralFamily::Shash { b: shash::DEFAULT_B })),
            _ if bare.starts_with("shash(") => Some(Err(GamError::Control {
                option: name.to_string(),
                message: "shash takes no arguments here: use --family shash (logeb link with b = 0.01, phiPen = 1e-3)"
                    .into(),
            })),
            "twlss" => Some(Ok(GeneralFamily::Twlss)),
            _ if bare.starts_with("twlss(") => Some(Err(GamError::Control {
                option: name.to_string(),
                message: "twlss takes no arguments here: use --family twlss (log, identity and identity links, a = 1.01, b = 1.99)"
                    .into(),
            })),
            _ => multinom_spec(name),
        }
    }

    /// mgcv's family name.
    pub fn name(&self) -> &'static str {
        match self {
            GeneralFamily::Gaulss { .. } => "gaulss",
            GeneralFamily::Multinom { .. } => "multinom",
            GeneralFamily::CoxPh => "Cox PH",
            GeneralFamily::Gammals { .. } => "gammals",
            GeneralFamily::Ziplss => "ziplss",
            GeneralFamily::Gevlss => "gevlss",
            GeneralFamily::Shash { .. } => "shash",
            GeneralFamily::Twlss => "twlss",
        }
    }

    /// The family as written on the command line (`gaulss`, `multinom(K=2)`, `cox.ph`).
    pub fn spelling(&self) -> String {
        match self {
            GeneralFamily::Multinom { k } => format!("multinom(K={k})"),
            GeneralFamily::CoxPh => "cox.ph".to_string(),
            _ => self.name().to_string(),
        }
    }

    /// Number of linear predictors (mgcv's `nlp`).
    pub fn n_predictors(&self) -> usize {
        match self {
            GeneralFamily::Gaulss { .. } | GeneralFamily::Gammals { .. } | GeneralFamily::Ziplss => 2,
            GeneralFamily::Multinom { k } => *k,
            GeneralFamily::CoxPh => 1,
            GeneralFamily::Gevlss | GeneralFamily::Twlss => 3,
            GeneralFamily::Shash { .. } => 4,
        }
    }

    /// The links' names as mgcv's summary prints them.
    pub fn link_names(&self) -> Vec<&'static str> {
        match self {
            GeneralFamily::Gaulss { .. } => vec!["identity", "logb"],
            // mgcv's multinom has `link = NULL`: its summary prints an empty link line.
            GeneralFamily::Multinom { .. } => Vec::new(),
            GeneralFamily::CoxPh => vec!["identity"],
            GeneralFamily::Gammals { .. } => vec!["identity", "log"],
            GeneralFamily::Ziplss => vec!["identity", "identity"],
            GeneralFamily::Gevlss => vec!["identity", "identity", "logit"],
            GeneralFamily::Shash { .. } => vec!["identity", "logeb", "identity", "identity"],
            GeneralFamily::Twlss => vec!["log", "identity", "identity"],
        }
    }

    /// The parameters from the linear predictors of one observation.
    pub fn params(&self, eta: &[f64]) -> Vec<f64> {
        (0..eta.len()).map(|a| self.inverse_link(a, eta[a])[0]).collect()
    }

    /// `h_a(η)` and its first four derivatives for parameter `a`.
    pub fn inverse_link(&self, a: usize, eta: f64) -> [f64; 5] {
        match self {
            GeneralFamily::Gaulss { b } => gaulss::inverse_link(a, eta, *b),
            GeneralFamily::Multinom { .. } => [eta, 1.0, 0.0, 0.0, 0.0],
            GeneralFamily::CoxPh => [eta, 1.0, 0.0, 0.0, 0.0],
            GeneralFamily::Gammals { b } => gammals::inverse_link(a, eta, *b),
            GeneralFamily::Ziplss => [eta, 1.0, 0.0, 0.0, 0.0],
            GeneralFamily::Gevlss => gevlss::inverse_link(a, eta),
            GeneralFamily::Shash { b } => shash::inverse_link(a, eta, *b),
            GeneralFamily::Twlss => twlss::inverse_link(a, eta),
        }
    }

    /// The log-likelihood of one observation and its derivatives in the parameters up to `order`.
    pub fn param_derivs(&self, y: f64, theta: &[f64], order: usize) -> PointDerivs {
        match self {
            GeneralFamily::Gaulss { .. } => gaulss::param_derivs(y, theta, order),
            GeneralFamily::Multinom { .. } => multinom::param_derivs(y, theta, order),
            // No per-observation likelihood: cox.ph's fit never asks (its own path).
            GeneralFamily::CoxPh => PointDerivs::default(),
            GeneralFamily::Gammals { .. } => gammals::param_derivs(y, theta, order),
            GeneralFamily::Ziplss => ziplss::param_derivs(y, theta, order),
            GeneralFamily::Gevlss => gevlss::param_derivs(y, theta, order),
            GeneralFamily::Shash { .. } => shash::param_derivs(y, theta, order),
            GeneralFamily::Twlss => twlss::param_derivs(y, theta, order),
        }
    }

    /// Checks one response value (1-based data row `row`); a message saying what is wrong.
    pub fn check_response(&self, y: f64) -> std::result::Result<(), String> {
        match self {
            GeneralFamily::Gaulss { .. } if !y.is_finite() => Err("the response must be a finite number".into()),
            GeneralFamily::Gaulss { .. } => Ok(()),
            GeneralFamily::Multinom { k } => multinom::check_response(y, *k),
            GeneralFamily::CoxPh if !(y.is_finite() && y >= 0.0) => {
                Err(format!("the time must be a finite number, at least 0 (it is {y})"))
            }
            GeneralFamily::CoxPh => Ok(()),
            GeneralFamily::Gammals { .. } => gammals::check_response(y),
            GeneralFamily::Ziplss => ziplss::check_response(y),
            GeneralFamily::Gevlss => gevlss::check_response(y),
            GeneralFamily::Shash { .. } => shash::check_response(y),
            GeneralFamily::Twlss => twlss::check_response(y),
        }
    }

    /// Whether the family's log-likelihood has derivatives up to second order only (mgcv's
    /// `available.derivs = 0`), so that it is fitted by extended Fellner–Schall
    /// (`fit::general::efs`) rather than Newton's method.
    pub fn second_order_only(&self) -> bool {
        matches!(self, GeneralFamily::Twlss)
    }

    /// What the summary prints as `Deviance explained` (mgcv's `null.deviance` per family).
    pub fn deviance_line(&self) -> DevianceLine {
        match self {
            GeneralFamily::Gaulss { .. }
            | GeneralFamily::Gammals { .. }
            | GeneralFamily::Ziplss
            | GeneralFamily::Multinom { .. }
            | GeneralFamily::CoxPh
            | GeneralFamily::Twlss => DevianceLine::Explained,
            GeneralFamily::Gevlss => DevianceLine::NotAvailable,
            GeneralFamily::Shash { .. } => DevianceLine::Absent,
        }
    }

    /// Checks the response as a whole, after every row passed [`check_response`](Self::check_response):
    /// a message when the family cannot model it (ziplss refuses 0/1 data as mgcv does).
    pub fn check_responses(&self, y: &[f64]) -> std::result::Result<(), String> {
        match self {
            GeneralFamily::Ziplss => ziplss::check_responses(y),
            _ => Ok(()),
        }
    }

    /// mgcv's `fitted.values` column `a` (after the family's `postproc`) at linear predictor
    /// `eta`: the inverse link, except gammals' first column, the mean `e^μ`.
    pub fn fitted_value(&self, a: usize, eta: f64) -> f64 {
        match self {
            GeneralFamily::Gammals { .. } if a == 0 => eta.exp(),
            _ => self.inverse_link(a, eta)[0],
        }
    }

    /// The deviance and null deviance from the response and the linear predictors
    /// (`eta[a][i]`), as the family's `residuals` and `postproc` give them; `None` for a
    /// family whose deviances the model computes itself (gaulss).
    pub fn deviances(&self, y: &[f64], eta: &[Vec<f64>]) -> Option<(f64, f64)> {
        match self {
            // gaulss's are the model's own; multinom's and cox.ph's come from their modules.
            GeneralFamily::Gaulss { .. } | GeneralFamily::Multinom { .. } | GeneralFamily::CoxPh => None,
            GeneralFamily::Gammals { b } => {
                let th: Vec<f64> = eta[1].iter().map(|&e| gammals::inverse_link(1, e, *b)[0]).collect();
                Some(gammals::deviances(y, &eta[0], &th))
            }
            GeneralFamily::Ziplss => Some(ziplss::deviances(y, &eta[0], &eta[1])),
            GeneralFamily::Twlss => Some(twlss::deviances(y, eta)),
            // Stored as 0: the summary shows none ([`GeneralFamily::deviance_line`]).
            GeneralFamily::Gevlss | GeneralFamily::Shash { .. } => Some((0.0, 0.0)),
        }
    }

    /// The family's own response-scale prediction for one row (mgcv's family `predict`):
    /// values and standard errors from the linear predictors `eta` and their covariance
    /// `cov` (`m × m`, row-major); `None` when the response scale is each predictor's
    /// inverse link (gaulss).
    pub fn response_prediction(&self, eta: &[f64], cov: &[f64]) -> Option<(Vec<f64>, Vec<f64>)> {
        match self {
            // multinom's class probabilities and cox.ph's survival are the model's (model/general.rs);
            // gevlss's and shash's response scale is each predictor's inverse link, as mgcv's.
            GeneralFamily::Gaulss { .. }
            | GeneralFamily::Multinom { .. }
            | GeneralFamily::CoxPh
            | GeneralFamily::Gevlss
            | GeneralFamily::Shash { .. }
            | GeneralFamily::Twlss => None,
            GeneralFamily::Gammals { b } => Some(gammals::response(eta, cov, *b)),
            GeneralFamily::Ziplss => Some(ziplss::response(eta, cov)),
        }
    }
}

/// `multinom`, `multinom()`, `multinom(2)` or `multinom(K=2)` (mgcv's default K is 1), or
/// `None` for another name.
fn multinom_spec(name: &str) -> Option<Result<GeneralFamily>> {
    let rest = name.strip_prefix("multinom")?.trim();
    let bad = || {
        Some(Err(GamError::Control {
            option: name.to_string(),
            message:
                "write multinom(K=<number of classes less one>), e.g. --family 'multinom(K=2)' for classes 0, 1, 2"
                    .into(),
        }))
    };
    if rest.is_empty() {
        return Some(Ok(GeneralFamily::Multinom { k: 1 }));
    }
    // Another name that starts with `multinom` is not this family.
    let inner = rest.strip_prefix('(')?;
    let Some(inner) = inner.strip_suffix(')') else {
        return bad();
    };
    let inner = inner.trim();
    if inner.is_empty() {
        return Some(Ok(GeneralFamily::Multinom { k: 1 }));
    }
    let value = match inner.split_once('=') {
        Some((key, v)) if key.trim() == "K" => v.trim(),
        Some(_) => return bad(),
        None => inner,
    };
    match value.parse::<usize>() {
        Ok(k) if k >= 1 => Some(Ok(GeneralFamily::Multinom { k })),
        _ => bad(),
    }
}

/// The set partitions of `{0, …, k−1}` for `k ≤ 4`, each a list of blocks.
fn partitions(k: usize) -> Vec<Vec<Vec<usize>>> {
    let mut out: Vec<Vec<Vec<usize>>> = vec![Vec::new()];
    for e in 0..k {
        let mut next = Vec::new();
        for p in &out {
            for b in 0..p.len() {
                let mut q = p.clone();
                q[b].push(e);
                next.push(q);
            }
            let mut q = p.clone();
            q.push(vec![e]);
            next.push(q);
        }
        out = next;
    }
    out
}

/// [`partitions`] of orders 1 to 4, computed once.
fn all_partitions() -> &'static [Vec<Vec<Vec<usize>>>; 4] {
    static PARTS: std::sync::OnceLock<[Vec<Vec<Vec<usize>>>; 4]> = std::sync::OnceLock::new();
    PARTS.get_or_init(|| [partitions(1), partitions(2), partitions(3), partitions(4)])
}

/// The multi-index of flat position `flat` in a tensor of order `k` over `m` parameters.
fn unflatten(mut flat: usize, k: usize, m: usize) -> Vec<usize> {
    let mut idx = vec![0; k];
    for slot in idx.iter_mut().rev() {
        *slot = flat % m;
        flat /= m;
    }
    idx
}

/// The flat position of a multi-index.
fn flatten(idx: &[usize], m: usize) -> usize {
    idx.iter().fold(0, |acc, &i| acc * m + i)
}

/// One term of Faà di Bruno's sum for one η-derivative entry: the flat position of the
/// parameter derivative (in the tensor of order `n_factors`) and the inverse-link derivatives
/// `h[a][order]` that multiply it.
#[derive(Debug, Clone, Copy)]
struct FaaTerm {
    src: usize,
    n_factors: usize,
    factors: [(usize, usize); 4],
}

/// For each order `k` (1 to 4) and each flat entry of the η-derivative tensor, the terms of
/// its sum: the partitions whose blocks hold equal indices ([`eta_derivs`]). Built once per
/// number of parameters, so that the per-observation work allocates nothing but the output.
#[derive(Debug)]
struct FaaPlan {
    orders: Vec<Vec<Vec<FaaTerm>>>,
}

impl FaaPlan {
    fn new(m: usize) -> FaaPlan {
        let orders = (1..=4)
            .map(|k| {
                let parts = &all_partitions()[k - 1];
                (0..m.pow(k as u32))
                    .map(|flat| {
                        let idx = unflatten(flat, k, m);
                        parts
                            .iter()
                            .filter(|p| p.iter().all(|block| block.iter().all(|&e| idx[e] == idx[block[0]])))
                            .map(|p| {
                                let params: Vec<usize> = p.iter().map(|block| idx[block[0]]).collect();
                                let mut factors = [(0, 0); 4];
                                for (f, block) in factors.iter_mut().zip(p) {
                                    *f = (idx[block[0]], block.len());
                                }
                                FaaTerm {
                                    src: flatten(&params, m),
                                    n_factors: p.len(),
                                    factors,
                                }
                            })
                            .collect()
                    })
                    .collect()
            })
            .collect();
        FaaPlan { orders }
    }
}

/// Most parameters whose [`FaaPlan`] is kept (a family with more builds its plan per call).
const CACHED_PLANS: usize = 8;

/// The plan for `m` parameters, built once for `m ≤ CACHED_PLANS`.
fn faa_plan(m: usize) -> Option<&'static FaaPlan> {
    static PLANS: [std::sync::OnceLock<FaaPlan>; CACHED_PLANS] = [const { std::sync::OnceLock::new() }; CACHED_PLANS];
    (1..=CACHED_PLANS)
        .contains(&m)
        .then(|| PLANS[m - 1].get_or_init(|| FaaPlan::new(m)))
}

/// The derivatives of `ℓ_i` in the linear predictors from those in the parameters `d` and the
/// inverse links' derivatives `h[a] = [h_a, h_a', …, h_a'''']` (module doc), up to `order`.
pub fn eta_derivs(d: &PointDerivs, h: &[[f64; 5]], order: usize) -> PointDerivs {
    let m = h.len();
    let built;
    let plan = match faa_plan(m) {
        Some(p) => p,
        None => {
            built = FaaPlan::new(m);
            &built
        }
    };
    let by_order = [&d.l1, &d.l2, &d.l3, &d.l4];
    let mut out = PointDerivs {
        l0: d.l0,
        ..PointDerivs::default()
    };
    for k in 1..=order.min(4) {
        let t: Vec<f64> = plan.orders[k - 1]
            .iter()
            .map(|terms| {
                terms
                    .iter()
                    .map(|term| {
                        let prod: f64 = term.factors[..term.n_factors].iter().map(|&(a, j)| h[a][j]).product();
                        if prod == 0.0 {
                            0.0
                        } else {
                            by_order[term.n_factors - 1][term.src] * prod
                        }
                    })
                    .sum()
            })
            .collect();
        match k {
            1 => out.l1 = t,
            2 => out.l2 = t,
            3 => out.l3 = t,
            _ => out.l4 = t,
        }
    }
    out
}

/// A full symmetric tensor of order `k` over `m` parameters from its values at sorted
/// multi-indices (`value(sorted index)`).
pub(crate) fn symmetric(m: usize, k: usize, value: impl Fn(&[usize]) -> f64) -> Vec<f64> {
    (0..m.pow(k as u32))
        .map(|flat| {
            let mut idx = unflatten(flat, k, m);
            idx.sort_unstable();
            value(&idx)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_count_bell_numbers() {
        let counts: Vec<usize> = (1..=4).map(|k| partitions(k).len()).collect();
        assert_eq!(counts, vec![1, 2, 5, 15]);
    }

    /// The η-derivatives of gaulss against central differences of the one below.
    #[test]
    fn eta_derivatives_match_finite_differences() {
        let fam = GeneralFamily::Gaulss { b: 0.01 };
        let y = 0.7;
        let at = |eta: &[f64]| {
            let h: Vec<[f64; 5]> = (0..2).map(|a| fam.inverse_link(a, eta[a])).collect();
            let theta: Vec<f64> = h.iter().map(|v| v[0]).collect();
            eta_derivs(&fam.param_derivs(y, &theta, 4), &h, 4)
        };
        testing::assert_point_derivs(&[0.3, -0.8], at, 1e-5);
    }
}
