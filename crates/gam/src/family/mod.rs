//! Response distributions (exponential families) as mgcv 1.8-41 defines
//! them: variance functions with their derivatives, unit deviances, R's
//! starting values, the saturated log-likelihood `ls` that enters the
//! Laplace-approximate REML score, and the log-likelihood behind `AIC()`.
//!
//! The negative binomial (module `negbin`) and Tweedie ([`tweedie`]) families have
//! a parameter (θ, p) that is estimated with the smoothing parameters (mgcv's `nb()`,
//! `tw()`) or fixed (mgcv's `negbin(θ)`, `Tweedie(p)`: [`Family::NegBinFixed`],
//! [`Family::TweedieFixed`], carrying the value as a [`Param`]). The quasi families
//! ([`Family::QuasiPoisson`], [`Family::QuasiBinomial`]) use Poisson's and the binomial's
//! variance and deviance with the scale estimated ([`Family::base`]); they have no
//! likelihood (AIC is NaN, R's NA), and REML uses mgcv's extended quasi-likelihood term.
//!
//! mgcv's extended families that are not described by a variance function (beta regression,
//! [`Family::Betar`]; the censored normal, [`Family::Cnorm`], whose rows carry a second response
//! column in [`Obs::censor`]) give the derivatives of their deviance in μ directly (mgcv's `Dd`,
//! [`DevDerivs`], module `extended`); the penalised IRLS and the REML derivatives take their
//! Newton weights from those (mgcv's `gam.fit4`), the others keep the variance-function route.
//!
//! A family with mean μ, prior weight w and scale φ has `Var(y) = φ V(μ)/w`.
//! The penalised IRLS and the REML criterion need V and its first three
//! derivatives (for the derivatives of the Newton weights in η, see
//! [`crate::fit::generalized::pirls`]); the unit deviance d(y, μ) defines the deviance
//! `D = Σ w d(y, μ)`.

pub mod betar;
pub mod cnorm;
mod derivs;
mod extended;
mod fixed;
pub mod general;
mod jet;
mod link;
mod loglik;
mod negbin;
pub mod ocat;
mod param;
mod parse;
pub mod scat;
mod special;
mod theta;
pub mod tweedie;
pub mod zip;

use serde::{Deserialize, Serialize};

pub use derivs::DevDerivs;
pub use fixed::FamilyTheta;
pub use link::{ALL_LINKS, Link};
pub use loglik::SaturatedParts;
pub use param::Param;
pub use parse::{MAX_OCAT_CLASSES, family_and_link, family_link_theta};
pub use theta::ThetaDerivs;

use crate::error::{GamError, Result};

/// The distribution of the response, with R's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Family {
    /// Normal errors.
    #[serde(rename = "gaussian")]
    Gaussian,
    /// Binomial: a 0/1 response, proportions with the trials as weights, or `cbind(successes, failures)`.
    #[serde(rename = "binomial")]
    Binomial,
    /// Poisson counts.
    #[serde(rename = "poisson")]
    Poisson,
    /// Gamma: positive response, variance ∝ μ².
    #[serde(rename = "Gamma")]
    Gamma,
    /// Inverse Gaussian: positive response, variance ∝ μ³.
    #[serde(rename = "inverse.gaussian")]
    InverseGaussian,
    /// Negative binomial counts, `V(μ) = μ + μ²/θ`, with θ estimated (mgcv's `nb()`).
    #[serde(rename = "nb")]
    NegativeBinomial,
    /// Tweedie with power 1 < p < 2 estimated, `V(μ) = μ^p` (mgcv's `tw()`): non-negative, with mass at 0.
    #[serde(rename = "tw")]
    Tweedie,
    /// Negative binomial with θ fixed (mgcv's `negbin(θ)`): scale 1, as [`Family::NegativeBinomial`] otherwise.
    #[serde(rename = "negbin")]
    NegBinFixed(Param),
    /// Tweedie with 1 < p ≤ 2 fixed (mgcv's `Tweedie(p)`): scale estimated, as [`Family::Tweedie`] otherwise.
    #[serde(rename = "Tweedie")]
    TweedieFixed(Param),
    /// Quasi-Poisson: Poisson's variance and deviance with the scale estimated; mgcv's REML uses
    /// the extended quasi-likelihood's saturated term.
    #[serde(rename = "quasipoisson")]
    QuasiPoisson,
    /// Quasi-binomial: the binomial's variance and deviance with the scale estimated.
    #[serde(rename = "quasibinomial")]
    QuasiBinomial,
    /// Beta regression with its precision φ estimated (mgcv's `betar()`): a response in (0, 1),
    /// `Var(y) = μ(1−μ)/(1+φ)`; the value is mgcv's `eps`, how close to 0 or 1 a response is
    /// moved ([`betar`]).
    #[serde(rename = "betar")]
    Betar(Param),
    /// The scaled t family with its degrees of freedom ν and scale σ estimated (mgcv's
    /// `scat()`): heavy-tailed residuals about μ; the value is mgcv's `min.df`, the lower
    /// bound of ν ([`scat`]).
    #[serde(rename = "scat")]
    Scat(Param),
    /// Zero-inflated Poisson counts (mgcv's `ziP()`): the linear predictor is the log Poisson
    /// mean, the zero-inflation probability is tied to it by two estimated parameters; the
    /// value is mgcv's `b` ([`zip`]).
    #[serde(rename = "ziP")]
    ZiP(Param),
    /// The censored normal with its standard deviation σ estimated (mgcv's `cnorm()`): Tobit,
    /// log-normal AFT and interval-censored responses given as `cbind(y, censor)` ([`cnorm`]);
    /// the family parameter is σ (optimised as log σ), the scale is 1.
    #[serde(rename = "cnorm")]
    Cnorm,
    /// Ordered categorical regression with R classes (mgcv's `ocat(R = ...)`): a response in
    /// 1..R, the class of a latent logistic variable with mean η between cut points of which
    /// the first is −1 and the other R − 2 are estimated ([`ocat`]); the value is R.
    #[serde(rename = "ocat")]
    Ocat(u32),
}

/// The largest number of significant digits mgcv's `negbin()` name shows (R's `format`).
const NEGBIN_NAME_DIGITS: i32 = 7;

/// Every family, for listing in messages.
pub const ALL_FAMILIES: &[Family] = &[
    Family::Gaussian,
    Family::Binomial,
    Family::Poisson,
    Family::Gamma,
    Family::InverseGaussian,
    Family::NegativeBinomial,
    Family::Tweedie,
    Family::QuasiPoisson,
    Family::QuasiBinomial,
];

/// Derivatives of the unit deviance in the family parameter `t` (for the
/// negative binomial `t = log θ`), as mgcv's `Dd`: `d_t = ∂d/∂t`,
/// `dmu_t = ∂²d/∂μ∂t`, and so on, each already multiplied by the prior weight.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ThetaDerivatives {
    /// `∂d/∂t`.
    pub d_t: f64,
    /// `∂²d/∂t²`.
    pub d_tt: f64,
    /// `∂²d/∂μ∂t`.
    pub dmu_t: f64,
    /// `∂³d/∂μ∂t²`.
    pub dmu_tt: f64,
    /// `∂³d/∂μ²∂t`.
    pub dmu2_t: f64,
    /// `∂⁴d/∂μ²∂t²`.
    pub dmu2_tt: f64,
    /// `∂⁴d/∂μ³∂t`.
    pub dmu3_t: f64,
}

/// How the response of one row enters the likelihood.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Obs {
    /// The response (a proportion for the binomial family).
    pub y: f64,
    /// The prior weight (for `cbind` binomial responses: the number of trials).
    pub w: f64,
    /// The second column of a censored response (mgcv's `attr(y, "censor")` for `cnorm`):
    /// `y` itself for an observed value (and for every other family), `−∞` if y is an upper
    /// bound, `+∞` if a lower bound, another number for the other end of an interval. Kept in
    /// the row, beside y, so that every family function sees it without a side vector.
    pub censor: f64,
}

impl Obs {
    /// An uncensored row: response `y` with prior weight `w`.
    pub fn new(y: f64, w: f64) -> Obs {
        Obs { y, w, censor: y }
    }
}

impl Family {
    /// R's name of the family (of its function: `negbin`, `Tweedie` for the fixed ones).
    pub fn name(self) -> &'static str {
        match self {
            Family::Gaussian => "gaussian",
            Family::Binomial => "binomial",
            Family::Poisson => "poisson",
            Family::Gamma => "Gamma",
            Family::InverseGaussian => "inverse.gaussian",
            Family::NegativeBinomial => "nb",
            Family::Tweedie => "tw",
            Family::NegBinFixed(_) => "negbin",
            Family::TweedieFixed(_) => "Tweedie",
            Family::QuasiPoisson => "quasipoisson",
            Family::QuasiBinomial => "quasibinomial",
            Family::Betar(_) => "betar",
            Family::Scat(_) => "scat",
            Family::ZiP(_) => "ziP",
            Family::Cnorm => "cnorm",
            Family::Ocat(_) => "ocat",
        }
    }

    /// mgcv's `family$family` for a family with a fixed parameter (`Negative Binomial(3)`,
    /// `Tweedie(1.25)`); else [`Family::name`].
    pub fn label(self) -> String {
        match self {
            Family::NegBinFixed(t) => {
                // format(round(theta, 3)): three decimals, at most seven significant digits.
                let r = (t.get() * 1e3).round() / 1e3;
                let shown = if r == 0.0 {
                    0.0
                } else {
                    let mag = 10f64.powi(NEGBIN_NAME_DIGITS - 1 - r.abs().log10().floor() as i32);
                    (r * mag).round() / mag
                };
                format!("Negative Binomial({})", param::r_number(shown))
            }
            Family::TweedieFixed(p) => format!("Tweedie({})", param::r_number(p.get())),
            Family::Betar(_) => "Beta regression".to_string(),
            Family::Scat(_) => "scaled t".to_string(),
            Family::ZiP(_) => "zero inflated Poisson".to_string(),
            Family::Cnorm => "censored normal".to_string(),
            Family::Ocat(_) => "Ordered Categorical".to_string(),
            f => f.name().to_string(),
        }
    }

    /// The family whose variance, deviance and starting values this one uses: nb for
    /// `negbin(θ)`, tw for `Tweedie(p)`, Poisson and binomial for the quasi families.
    pub fn base(self) -> Family {
        match self {
            Family::NegBinFixed(_) => Family::NegativeBinomial,
            Family::TweedieFixed(_) => Family::Tweedie,
            Family::QuasiPoisson => Family::Poisson,
            Family::QuasiBinomial => Family::Binomial,
            f => f,
        }
    }

    /// The fixed parameter (`negbin`'s θ, `Tweedie`'s p), if the family has one.
    pub fn fixed_param(self) -> Option<f64> {
        match self {
            Family::NegBinFixed(t) | Family::TweedieFixed(t) => Some(t.get()),
            _ => None,
        }
    }

    /// The one family parameter to use: the fixed one, else the first estimated one (1 for a
    /// family without one, where it is never used).
    fn param_or(self, theta: &[f64]) -> f64 {
        self.fixed_param().or(theta.first().copied()).unwrap_or(1.0)
    }

    /// Whether the family is a quasi-likelihood (no log-likelihood, no AIC).
    pub fn is_quasi(self) -> bool {
        matches!(self, Family::QuasiPoisson | Family::QuasiBinomial)
    }

    /// Whether the family has parameters estimated with the smoothing parameters (nb's θ, tw's p).
    pub fn has_theta(self) -> bool {
        self.n_theta() > 0
    }

    /// How many family parameters are estimated with the smoothing parameters (nb, tw, betar: 1).
    pub fn n_theta(self) -> usize {
        match self {
            Family::NegativeBinomial | Family::Tweedie | Family::Betar(_) | Family::Cnorm => 1,
            Family::Scat(_) | Family::ZiP(_) => 2,
            Family::Ocat(r) => (r as usize).saturating_sub(2),
            _ => 0,
        }
    }

    /// The family parameters (nb's θ, tw's p, as the family's functions take them) for the
    /// unconstrained values `t` the optimiser works with (nb: t = log θ; tw: see [`tweedie`]).
    pub fn theta_of_t(self, t: &[f64]) -> Vec<f64> {
        if self.n_theta() > 1 || matches!(self, Family::Ocat(_)) {
            // Families with several parameters take them in the optimiser's scale (mgcv's θ).
            return t.to_vec();
        }
        t.iter()
            .map(|&t| match self.base() {
                Family::Tweedie => tweedie::p_of_t(t),
                _ => t.exp(),
            })
            .collect()
    }

    /// The inverse of [`Family::theta_of_t`].
    pub fn t_of_theta(self, theta: &[f64]) -> Vec<f64> {
        if self.n_theta() > 1 || matches!(self, Family::Ocat(_)) {
            return theta.to_vec();
        }
        theta
            .iter()
            .map(|&th| match self.base() {
                Family::Tweedie => tweedie::t_of_p(th),
                _ => th.ln(),
            })
            .collect()
    }

    /// The family's default link (R's default for its family function).
    pub fn default_link(self) -> Link {
        self.links()[0]
    }

    /// Whether `link` is canonical for the family, so that the Newton and
    /// Fisher weights coincide. (The negative binomial's canonical link
    /// depends on θ and is not offered.)
    pub fn is_canonical(self, link: Link) -> bool {
        !self.base().has_theta() && link == self.canonical_link()
    }

    /// Parses a family name as R spells it (`Gamma` also as `gamma`).
    pub fn from_name(name: &str) -> Option<Family> {
        match name {
            "gamma" => Some(Family::Gamma),
            "inverse_gaussian" | "inverse-gaussian" => Some(Family::InverseGaussian),
            "negbin" | "negative.binomial" => Some(Family::NegativeBinomial),
            "tweedie" => Some(Family::Tweedie),
            "betar" => Some(Family::Betar(Param(betar::DEFAULT_EPS))),
            "scat" => Some(Family::Scat(Param(scat::DEFAULT_MIN_DF))),
            "ziP" | "zip" => Some(Family::ZiP(Param(0.0))),
            "cnorm" => Some(Family::Cnorm),
            _ => ALL_FAMILIES.iter().copied().find(|f| f.name() == name),
        }
    }

    /// The canonical link (R's default for every family here).
    pub fn canonical_link(self) -> Link {
        match self.base() {
            Family::Gaussian => Link::Identity,
            Family::Binomial => Link::Logit,
            Family::Poisson => Link::Log,
            Family::Gamma => Link::Inverse,
            Family::InverseGaussian => Link::InverseSquare,
            Family::Betar(_) => Link::Logit,
            Family::Scat(_) | Family::ZiP(_) | Family::Cnorm | Family::Ocat(_) => Link::Identity,
            _ => Link::Log,
        }
    }

    /// The links R's family function accepts.
    pub fn links(self) -> &'static [Link] {
        match self {
            Family::Gaussian => &[Link::Identity, Link::Log, Link::Inverse],
            Family::Binomial => &[Link::Logit, Link::Probit, Link::Cauchit, Link::Cloglog, Link::Log],
            Family::Poisson => &[Link::Log, Link::Identity, Link::Sqrt],
            Family::Gamma => &[Link::Inverse, Link::Identity, Link::Log],
            Family::InverseGaussian => &[Link::InverseSquare, Link::Inverse, Link::Identity, Link::Log],
            Family::NegativeBinomial | Family::NegBinFixed(_) => &[Link::Log, Link::Identity, Link::Sqrt],
            Family::Tweedie => &[Link::Log, Link::Identity, Link::Inverse, Link::Sqrt],
            // mgcv's Tweedie() also takes power(q) links (Link::takes_power).
            Family::TweedieFixed(_) => &[Link::Log, Link::Identity, Link::Inverse, Link::Sqrt],
            // R's quasipoisson and quasibinomial take the links of poisson and binomial.
            Family::QuasiPoisson => &[Link::Log, Link::Identity, Link::Sqrt],
            Family::QuasiBinomial => &[Link::Logit, Link::Probit, Link::Cauchit, Link::Cloglog, Link::Log],
            Family::Betar(_) => &[Link::Logit, Link::Probit, Link::Cloglog, Link::Cauchit],
            Family::Scat(_) => &[Link::Identity, Link::Log, Link::Inverse],
            // The identity on the log Poisson mean: mgcv's only link for ziP.
            Family::ZiP(_) => &[Link::Identity],
            Family::Cnorm => &[Link::Identity, Link::Log, Link::Sqrt],
            // mgcv's ocat(): "only identity allowed at present (possibly for ever)".
            Family::Ocat(_) => &[Link::Identity],
        }
    }

    /// Whether `link` is one the family takes: one of [`Family::links`], or a power link for
    /// mgcv's `Tweedie(p)`.
    pub fn takes(self, link: Link) -> bool {
        self.links().contains(&link) || (matches!(self, Family::TweedieFixed(_)) && matches!(link, Link::Power(_)))
    }

    /// The number of classes of an ordered categorical family (mgcv's `ocat(R = ...)`).
    pub fn classes(self) -> Option<usize> {
        match self {
            Family::Ocat(r) => Some(r as usize),
            _ => None,
        }
    }

    /// Whether the scale parameter is fixed at 1 (binomial, Poisson) rather than estimated.
    pub fn scale_known(self) -> bool {
        matches!(
            self,
            Family::Binomial
                | Family::Poisson
                | Family::NegativeBinomial
                | Family::NegBinFixed(_)
                | Family::Betar(_)
                | Family::Scat(_)
                | Family::ZiP(_)
                | Family::Cnorm
                | Family::Ocat(_)
        )
    }

    /// `[V(μ), V'(μ), V''(μ), V'''(μ)]`; `theta` holds the family parameters (nb's θ), ignored by the others.
    pub fn variance(self, mu: f64, theta_v: &[f64]) -> [f64; 4] {
        let theta = self.param_or(theta_v);
        match self.base() {
            Family::Gaussian => [1.0, 0.0, 0.0, 0.0],
            Family::Binomial => [mu * (1.0 - mu), 1.0 - 2.0 * mu, -2.0, 0.0],
            Family::Poisson => [mu, 1.0, 0.0, 0.0],
            Family::Gamma => [mu * mu, 2.0 * mu, 2.0, 0.0],
            Family::InverseGaussian => [mu.powi(3), 3.0 * mu * mu, 6.0 * mu, 6.0],
            Family::NegativeBinomial => [mu + mu * mu / theta, 1.0 + 2.0 * mu / theta, 2.0 / theta, 0.0],
            Family::Tweedie => {
                let p = theta;
                [
                    mu.powf(p),
                    p * mu.powf(p - 1.0),
                    p * (p - 1.0) * mu.powf(p - 2.0),
                    p * (p - 1.0) * (p - 2.0) * mu.powf(p - 3.0),
                ]
            }
            Family::Betar(_) => betar::variance(mu, theta),
            Family::Scat(min_df) => scat::variance(theta_v, min_df.get()),
            Family::ZiP(b) => zip::variance(mu, theta_v, b.get()),
            // σ² for every mean: used by nothing in the fit (cnorm goes by its Dd), kept so a
            // Pearson residual is the standardised one of the uncensored model.
            Family::Cnorm => [theta * theta, 0.0, 0.0, 0.0],
            // ocat has no variance function (its fit is by the deviance's derivatives and mgcv
            // gives it no Pearson residuals): NaN rather than a number that means nothing.
            Family::Ocat(_) => [f64::NAN; 4],
            _ => unreachable!("base() maps every family to one above"),
        }
    }

    /// Whether μ is a possible mean (R's `validmu`).
    pub fn valid_mu(self, mu: f64) -> bool {
        match self.base() {
            // mgcv's cnorm validmu: finite for the identity link, else positive; the link
            // (log, sqrt) keeps μ positive itself, so only finiteness is checked here.
            Family::Gaussian | Family::Scat(_) | Family::ZiP(_) | Family::Cnorm | Family::Ocat(_) => mu.is_finite(),
            Family::Binomial | Family::Betar(_) => mu.is_finite() && mu > 0.0 && mu < 1.0,
            _ => mu.is_finite() && mu > 0.0,
        }
    }

    /// The weighted unit deviance `w d(y, μ)` (R's `dev.resids`), with 0 log 0 = 0.
    pub fn deviance_residual(self, o: Obs, mu: f64, theta_v: &[f64]) -> f64 {
        let Obs { y, w, .. } = o;
        let theta = self.param_or(theta_v);
        match self.base() {
            Family::Gaussian => w * (y - mu).powi(2),
            Family::Binomial => 2.0 * w * (y_log_y(y, mu) + y_log_y(1.0 - y, 1.0 - mu)),
            Family::Poisson => 2.0 * w * (y_log_y(y, mu) - (y - mu)),
            Family::Gamma => -2.0 * w * ((y / mu).ln() - (y - mu) / mu),
            Family::InverseGaussian => w * (y - mu).powi(2) / (y * mu * mu),
            Family::NegativeBinomial => 2.0 * w * (y_log_y(y, mu) - (y + theta) * ((y + theta) / (mu + theta)).ln()),
            Family::Tweedie => {
                // mgcv's tw()$dev.resids, with y + (y == 0) inside the log-type term.
                let p = theta;
                let y1 = if y == 0.0 { 1.0 } else { y };
                let th = (y1.powf(1.0 - p) - mu.powf(1.0 - p)) / (1.0 - p);
                let kappa = (y.powf(2.0 - p) - mu.powf(2.0 - p)) / (2.0 - p);
                (2.0 * (y * th - kappa) * w).max(0.0)
            }
            // −2 log f, which mgcv's betar() uses as its deviance while fitting.
            Family::Betar(eps) => betar::minus_two_loglik(betar::clamp(y, eps.get()), w, mu, theta),
            Family::Scat(min_df) => scat::deviance(o, mu, theta_v, min_df.get()),
            Family::ZiP(b) => zip::deviance(o, mu, theta_v, b.get()),
            Family::Cnorm => cnorm::deviance(y, o.censor, w, mu, theta),
            Family::Ocat(_) => ocat::deviance(o, mu, theta_v),
            _ => unreachable!("base() maps every family to one above"),
        }
    }

    /// R's starting mean (`family$initialize`).
    pub fn initial_mu(self, o: Obs) -> f64 {
        match self.base() {
            Family::Gaussian | Family::Gamma | Family::InverseGaussian => o.y,
            Family::Binomial => (o.w * o.y + 0.5) / (o.w + 1.0),
            Family::Poisson => o.y + 0.1,
            Family::NegativeBinomial => o.y + if o.y == 0.0 { 1.0 / 6.0 } else { 0.0 },
            Family::Tweedie => o.y + if o.y == 0.0 { 0.1 } else { 0.0 },
            Family::Betar(eps) => betar::clamp(o.y, eps.get()),
            // mgcv's initialize at its default θ = −1 (a fit uses the data's starting θ,
            // GlmProblem::initial_mu).
            Family::Ocat(r) => ocat::start_mu(o.y, &vec![-1.0; (r as usize).saturating_sub(2)]),
            // mgcv's scat()$initialize: y + 0.1 where y = 0.
            Family::Scat(_) => o.y + if o.y == 0.0 { 0.1 } else { 0.0 },
            Family::ZiP(_) => zip::initial_gamma(o.y),
            // mgcv's cnorm initialize for the identity link; the other links need every row
            // (GlmProblem::initial_mu).
            Family::Cnorm => o.y,
            _ => unreachable!("base() maps every family to one above"),
        }
    }

    /// Checks a response value, naming the column and the 1-based data row if it is impossible.
    pub fn check_response(self, y: f64, column: &str, row: usize) -> Result<()> {
        let bad = |message: String| {
            Err(GamError::Data {
                column: column.to_string(),
                row: Some(row),
                message,
            })
        };
        match self.base() {
            Family::Gaussian => Ok(()),
            Family::Binomial if !(0.0..=1.0).contains(&y) => bad(format!(
                "binomial response {y} is outside [0, 1]: give 0/1 outcomes, proportions with the trials as \
                 --weights, or cbind(successes, failures)"
            )),
            Family::Poisson | Family::NegativeBinomial if y < 0.0 => {
                bad(format!("negative count {y}: the {} family needs y >= 0", self.name()))
            }
            Family::ZiP(_) if !(y >= 0.0 && y == y.round()) => bad(format!(
                "zero-inflated Poisson response {y} is not a non-negative whole number: ziP models counts"
            )),
            Family::Tweedie if y < 0.0 => bad(format!("negative value {y}: the {} family needs y >= 0", self.name())),
            Family::Gamma if y <= 0.0 => bad(format!("the Gamma family needs a positive response, got {y}")),
            Family::InverseGaussian if y <= 0.0 => bad(format!(
                "the inverse.gaussian family needs a positive response, got {y}"
            )),
            Family::Betar(_) if !(0.0..=1.0).contains(&y) => bad(format!(
                "beta regression response {y} is outside [0, 1]: betar needs proportions"
            )),
            Family::Betar(eps) if eps.get() <= 0.0 && (y == 0.0 || y == 1.0) => bad(format!(
                "beta regression response {y} with eps = 0: give betar(eps = ...) > 0 to move responses \
                 at 0 and 1 inside (0, 1), as mgcv's default does"
            )),
            Family::Ocat(r) => match ocat::response_problem(y, r as usize) {
                Some(why) => bad(format!("response {y}: {why}")),
                None => Ok(()),
            },
            _ => Ok(()),
        }
    }
}

/// `y log(y/μ)` with `0 log 0 = 0`.
fn y_log_y(y: f64, mu: f64) -> f64 {
    if y > 0.0 { y * (y / mu).ln() } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Relative agreement of a derivative with its central difference.
    const FD_REL_TOL: f64 = 1e-6;

    #[test]
    fn variance_derivatives_match_finite_differences() {
        for &fam in ALL_FAMILIES {
            for mu in [0.1, 0.4, 0.8] {
                let h = 1e-6;
                let (v, vp, vm) = (
                    fam.variance(mu, &[2.5]),
                    fam.variance(mu + h, &[2.5]),
                    fam.variance(mu - h, &[2.5]),
                );
                for k in 0..3 {
                    let fd = (vp[k] - vm[k]) / (2.0 * h);
                    assert!(
                        (fd - v[k + 1]).abs() <= FD_REL_TOL * (1.0 + fd.abs()),
                        "{} derivative {} at {mu}",
                        fam.name(),
                        k + 1
                    );
                }
            }
        }
    }

    #[test]
    fn deviance_is_zero_at_the_data_and_positive_elsewhere() {
        for &fam in ALL_FAMILIES {
            let o = Obs::new(0.3, 2.0);
            assert!(fam.deviance_residual(o, 0.3, &[2.5]).abs() < 1e-15, "{}", fam.name());
            assert!(fam.deviance_residual(o, 0.5, &[2.5]) > 0.0, "{}", fam.name());
        }
    }

    #[test]
    fn gamma_saturated_loglik_derivatives_match_finite_differences() {
        let obs = [Obs::new(1.3, 1.0), Obs::new(0.4, 2.0), Obs::new(3.1, 0.5)];
        let trials = [1.0; 3];
        for fam in [Family::Gamma, Family::InverseGaussian, Family::Gaussian] {
            let phi = 0.35;
            let h = 1e-6;
            let l = fam.saturated_loglik(&obs, &trials, phi, &[]);
            let (lp, lm) = (
                fam.saturated_loglik(&obs, &trials, phi + h, &[]),
                fam.saturated_loglik(&obs, &trials, phi - h, &[]),
            );
            for k in 0..2 {
                let fd = (lp[k] - lm[k]) / (2.0 * h);
                assert!(
                    (fd - l[k + 1]).abs() <= 1e-5 * (1.0 + fd.abs()),
                    "{} ls derivative {}: {} vs {fd}",
                    fam.name(),
                    k + 1,
                    l[k + 1]
                );
            }
        }
    }

    #[test]
    fn binomial_loglik_of_counts_is_the_binomial_density() {
        // dbinom(3, 10, 0.3, log = TRUE) in R: −1.321151 (to 7 digits).
        let obs = [Obs::new(0.3, 10.0)];
        let l = Family::Binomial.saturated_loglik(&obs, &[10.0], 1.0, &[]);
        assert!((l[0] - (-1.321151)).abs() < 1e-6, "{}", l[0]);
        assert!(Family::Binomial.saturated_loglik(&[Obs::new(1.0, 1.0)], &[1.0], 1.0, &[])[0].abs() < 1e-12);
    }

    #[test]
    fn invalid_responses_name_the_row() {
        let e = Family::Poisson
            .check_response(-1.0, "count", 7)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("count") && e.contains("row 7") && e.contains("negative"),
            "{e}"
        );
        assert!(Family::Gamma.check_response(0.0, "y", 2).is_err());
        assert!(Family::Binomial.check_response(1.5, "y", 2).is_err());
        assert!(Family::Binomial.check_response(1.0, "y", 2).is_ok());
    }
}
