//! Link functions `η = g(μ)` with the derivatives the Laplace-approximate
//! REML criterion needs.
//!
//! The penalised IRLS weights involve `g'`, and their first and second
//! derivatives with respect to η (which the exact REML Hessian needs, Wood
//! 2011 §3) involve `g''`, `g'''` and `g''''`, all as functions of μ. The
//! inverse links clamp as R's `make.link` does, so that fitted probabilities
//! never reach exactly 0 or 1.

use std::f64::consts::PI;

use serde::{Deserialize, Serialize};

use super::param::{Param, r_number};
use statrs::distribution::{Continuous, ContinuousCDF, Normal};

/// The link function, with R's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Link {
    /// `g(μ) = μ`.
    #[serde(rename = "identity")]
    Identity,
    /// `g(μ) = log μ`.
    #[serde(rename = "log")]
    Log,
    /// `g(μ) = log(μ / (1 − μ))`.
    #[serde(rename = "logit")]
    Logit,
    /// `g(μ) = Φ⁻¹(μ)`.
    #[serde(rename = "probit")]
    Probit,
    /// `g(μ) = log(−log(1 − μ))`.
    #[serde(rename = "cloglog")]
    Cloglog,
    /// `g(μ) = tan(π(μ − ½))`, the Cauchy quantile function (R's `cauchit`).
    #[serde(rename = "cauchit")]
    Cauchit,
    /// `g(μ) = 1/μ`.
    #[serde(rename = "inverse")]
    Inverse,
    /// `g(μ) = 1/μ²`.
    #[serde(rename = "1/mu^2")]
    InverseSquare,
    /// `g(μ) = √μ`.
    #[serde(rename = "sqrt")]
    Sqrt,
    /// `g(μ) = μ^q`, q > 0 and q ≠ 1 (R's `power(q)`; `power(0)` is the log link and
    /// `power(1)` the identity, see [`Link::power`]).
    #[serde(rename = "power")]
    Power(Param),
}

/// Every link, for listing in messages.
pub const ALL_LINKS: &[Link] = &[
    Link::Identity,
    Link::Log,
    Link::Logit,
    Link::Probit,
    Link::Cloglog,
    Link::Cauchit,
    Link::Inverse,
    Link::InverseSquare,
    Link::Sqrt,
];

/// Logit and log inverse links saturate beyond this |η| (R's `THRESH` in `logit_linkinv`).
const LOGIT_THRESHOLD: f64 = 30.0;

/// `η` above which the cloglog inverse link's `exp(η)` is capped (R's `pmin(eta, 700)`).
const CLOGLOG_ETA_CAP: f64 = 700.0;

fn std_normal() -> Normal {
    Normal::new(0.0, 1.0).expect("the standard normal is valid")
}

/// Standard normal density.
fn dnorm(x: f64) -> f64 {
    std_normal().pdf(x)
}

impl Link {
    /// R's name of the link.
    pub fn name(self) -> &'static str {
        match self {
            Link::Identity => "identity",
            Link::Log => "log",
            Link::Logit => "logit",
            Link::Probit => "probit",
            Link::Cloglog => "cloglog",
            Link::Cauchit => "cauchit",
            Link::Inverse => "inverse",
            Link::InverseSquare => "1/mu^2",
            Link::Sqrt => "sqrt",
            Link::Power(_) => "power",
        }
    }

    /// Parses a link name as R spells it, and R's `power(q)`.
    pub fn from_name(name: &str) -> Option<Link> {
        let call = name.trim().strip_prefix("power(").and_then(|r| r.strip_suffix(')'));
        if let Some(arg) = call {
            return arg
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|q| q.is_finite())
                .map(Link::power);
        }
        ALL_LINKS.iter().copied().find(|l| l.name() == name)
    }

    /// R's `power(q)`: the log link for q ≤ 0, the identity for q = 1, else `μ^q`.
    pub fn power(q: f64) -> Link {
        if q <= 0.0 {
            Link::Log
        } else if q == 1.0 {
            Link::Identity
        } else {
            Link::Power(Param(q))
        }
    }

    /// The link's name as R's family object gives it (`family$link`): [`Link::name`], and
    /// `mu^q` (q rounded to 3 decimals) for a power link.
    pub fn label(self) -> String {
        match self {
            Link::Power(q) => format!("mu^{}", r_number((q.get() * 1e3).round() / 1e3)),
            l => l.name().to_string(),
        }
    }

    /// `η = g(μ)`.
    pub fn link(self, mu: f64) -> f64 {
        match self {
            Link::Identity => mu,
            Link::Log => mu.ln(),
            Link::Logit => (mu / (1.0 - mu)).ln(),
            Link::Probit => std_normal().inverse_cdf(mu),
            Link::Cloglog => (-(-mu).ln_1p()).ln(),
            Link::Cauchit => (PI * (mu - 0.5)).tan(),
            Link::Inverse => 1.0 / mu,
            Link::InverseSquare => 1.0 / (mu * mu),
            Link::Sqrt => mu.sqrt(),
            Link::Power(q) => mu.powf(q.get()),
        }
    }

    /// `μ = g⁻¹(η)`, clamped as R's `linkinv`.
    pub fn inverse(self, eta: f64) -> f64 {
        let eps = f64::EPSILON;
        match self {
            Link::Identity => eta,
            Link::Log => eta.exp().max(eps),
            Link::Logit => {
                let t = if eta < -LOGIT_THRESHOLD {
                    eps
                } else if eta > LOGIT_THRESHOLD {
                    1.0 / eps
                } else {
                    eta.exp()
                };
                t / (1.0 + t)
            }
            Link::Probit => {
                let thresh = -std_normal().inverse_cdf(eps);
                std_normal().cdf(eta.clamp(-thresh, thresh))
            }
            Link::Cloglog => (-(-eta.exp()).exp_m1()).clamp(eps, 1.0 - eps),
            Link::Cauchit => {
                // R: η clamped to ±qcauchy(1 − ε) before pcauchy.
                let thresh = (PI * (0.5 - eps)).tan();
                0.5 + eta.clamp(-thresh, thresh).atan() / PI
            }
            Link::Inverse => 1.0 / eta,
            Link::InverseSquare => 1.0 / eta.sqrt(),
            Link::Sqrt => eta * eta,
            Link::Power(q) => eta.powf(1.0 / q.get()).max(eps),
        }
    }

    /// `dμ/dη` at η, as R's `mu.eta` (floored at ε where R floors it).
    pub fn mu_eta(self, eta: f64) -> f64 {
        let eps = f64::EPSILON;
        match self {
            Link::Identity => 1.0,
            Link::Log => eta.exp().max(eps),
            Link::Logit => {
                if eta.abs() > LOGIT_THRESHOLD {
                    eps
                } else {
                    let e = eta.exp();
                    e / ((1.0 + e) * (1.0 + e))
                }
            }
            Link::Probit => dnorm(eta).max(eps),
            Link::Cloglog => {
                let e = eta.min(CLOGLOG_ETA_CAP);
                (e.exp() * (-e.exp()).exp()).max(eps)
            }
            Link::Cauchit => (1.0 / (PI * (1.0 + eta * eta))).max(eps),
            Link::Inverse => -1.0 / (eta * eta),
            Link::InverseSquare => -1.0 / (2.0 * eta.powf(1.5)),
            Link::Sqrt => 2.0 * eta,
            Link::Power(q) => {
                let q = q.get();
                (eta.powf(1.0 / q - 1.0) / q).max(eps)
            }
        }
    }

    /// Whether η is in the link's domain (R's `valideta`).
    pub fn valid_eta(self, eta: f64) -> bool {
        match self {
            Link::Inverse => eta.is_finite() && eta != 0.0,
            Link::InverseSquare | Link::Power(_) => eta.is_finite() && eta > 0.0,
            _ => eta.is_finite(),
        }
    }

    /// `[g'(μ), g''(μ), g'''(μ), g''''(μ)]`.
    pub fn derivatives(self, mu: f64) -> [f64; 4] {
        match self {
            Link::Identity => [1.0, 0.0, 0.0, 0.0],
            Link::Log => {
                let r = 1.0 / mu;
                [r, -r * r, 2.0 * r.powi(3), -6.0 * r.powi(4)]
            }
            Link::Logit => {
                let (a, b) = (1.0 / mu, 1.0 / (1.0 - mu));
                [
                    a + b,
                    b * b - a * a,
                    2.0 * (a.powi(3) + b.powi(3)),
                    6.0 * (b.powi(4) - a.powi(4)),
                ]
            }
            Link::Probit => {
                let eta = self.link(mu);
                let d = dnorm(eta);
                [
                    1.0 / d,
                    eta / (d * d),
                    (1.0 + 2.0 * eta * eta) / d.powi(3),
                    eta * (7.0 + 6.0 * eta * eta) / d.powi(4),
                ]
            }
            Link::Cloglog => {
                // With u = 1 − μ and L = −log u: g' = 1/(uL), and each further
                // derivative is a polynomial in L over (uL)^k.
                let u = 1.0 - mu;
                let l = -(-mu).ln_1p();
                let ul = u * l;
                [
                    1.0 / ul,
                    (l - 1.0) / (ul * ul),
                    (2.0 * l * l - 3.0 * l + 2.0) / ul.powi(3),
                    (6.0 * l.powi(3) - 11.0 * l * l + 12.0 * l - 6.0) / ul.powi(4),
                ]
            }
            Link::Cauchit => {
                // With t = tan(π(μ − ½)), dt/dμ = π(1 + t²).
                let t = (PI * (mu - 0.5)).tan();
                let s = 1.0 + t * t;
                [
                    PI * s,
                    2.0 * PI * PI * t * s,
                    2.0 * PI.powi(3) * (1.0 + 3.0 * t * t) * s,
                    8.0 * PI.powi(4) * t * (2.0 + 3.0 * t * t) * s,
                ]
            }
            Link::Inverse => {
                let r = 1.0 / mu;
                [-r * r, 2.0 * r.powi(3), -6.0 * r.powi(4), 24.0 * r.powi(5)]
            }
            Link::InverseSquare => {
                let r = 1.0 / mu;
                [-2.0 * r.powi(3), 6.0 * r.powi(4), -24.0 * r.powi(5), 120.0 * r.powi(6)]
            }
            Link::Sqrt => {
                let s = mu.sqrt();
                [
                    0.5 / s,
                    -0.25 / (s * mu),
                    0.375 / (s * mu * mu),
                    -0.9375 / (s * mu.powi(3)),
                ]
            }
            Link::Power(q) => {
                // mgcv's fix.family.link: λ(λ−1)…μ^(λ−k).
                let q = q.get();
                [
                    q * mu.powf(q - 1.0),
                    q * (q - 1.0) * mu.powf(q - 2.0),
                    q * (q - 1.0) * (q - 2.0) * mu.powf(q - 3.0),
                    q * (q - 1.0) * (q - 2.0) * (q - 3.0) * mu.powf(q - 4.0),
                ]
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Relative agreement of a derivative with its central difference.
    const FD_REL_TOL: f64 = 1e-6;

    fn points(link: Link) -> Vec<f64> {
        match link {
            Link::Logit | Link::Probit | Link::Cloglog | Link::Cauchit => vec![0.05, 0.3, 0.5, 0.77, 0.95],
            _ => vec![0.2, 1.0, 2.5, 7.0],
        }
    }

    /// Every link, with power links.
    fn all_links() -> Vec<Link> {
        let mut all = ALL_LINKS.to_vec();
        all.extend([Link::power(0.1), Link::power(0.5), Link::power(-2.0 + 3.5)]);
        all
    }

    #[test]
    fn power_links_follow_r() {
        assert_eq!(Link::from_name("power(0)"), Some(Link::Log));
        assert_eq!(Link::from_name("power(-1)"), Some(Link::Log));
        assert_eq!(Link::from_name("power(1)"), Some(Link::Identity));
        assert_eq!(Link::from_name("power(.1)"), Some(Link::Power(Param(0.1))));
        assert_eq!(Link::from_name("power(.1)").unwrap().label(), "mu^0.1");
        assert_eq!(Link::power(1.0 / 3.0).label(), "mu^0.333");
        assert_eq!(Link::from_name("power(x)"), None);
    }

    #[test]
    fn derivatives_match_finite_differences() {
        for link in all_links() {
            for mu in points(link) {
                let h = 1e-5 * mu.min(1.0 - mu.min(0.5));
                let d = link.derivatives(mu);
                let (dp, dm) = (link.derivatives(mu + h), link.derivatives(mu - h));
                let g1 = (link.link(mu + h) - link.link(mu - h)) / (2.0 * h);
                let mut checks = vec![(g1, d[0])];
                for k in 0..3 {
                    checks.push(((dp[k] - dm[k]) / (2.0 * h), d[k + 1]));
                }
                for (k, (fd, exact)) in checks.into_iter().enumerate() {
                    assert!(
                        (fd - exact).abs() <= FD_REL_TOL * (1.0 + exact.abs()),
                        "{} at μ = {mu}: derivative {} is {exact}, finite difference {fd}",
                        link.name(),
                        k + 1
                    );
                }
            }
        }
    }

    #[test]
    fn inverse_and_mu_eta_agree_with_the_link() {
        for link in all_links() {
            for mu in points(link) {
                let eta = link.link(mu);
                // statrs' normal cdf is accurate to about 1e-11 relative.
                let tol = if link == Link::Probit { 1e-10 } else { 1e-12 };
                assert!((link.inverse(eta) - mu).abs() < tol * (1.0 + mu), "{}", link.name());
                let g1 = link.derivatives(mu)[0];
                assert!(
                    (link.mu_eta(eta) * g1 - 1.0).abs() < 1e-10,
                    "{}: mu.eta × g' = {}",
                    link.name(),
                    link.mu_eta(eta) * g1
                );
            }
            if !matches!(link, Link::Power(_)) {
                assert_eq!(Link::from_name(link.name()), Some(link));
            }
        }
    }

    #[test]
    fn probabilities_never_reach_zero_or_one() {
        for link in [Link::Logit, Link::Probit, Link::Cloglog, Link::Cauchit] {
            for eta in [-1e3, -40.0, 40.0, 1e3] {
                let mu = link.inverse(eta);
                assert!(mu > 0.0 && mu < 1.0, "{} at η = {eta}: μ = {mu}", link.name());
            }
        }
    }
}
