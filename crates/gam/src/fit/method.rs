//! The smoothness-selection criteria mgcv offers (`method =` of
//! `mgcv::gam`), which one a fit really optimises, and the criterion with
//! its exact first and second derivatives assembled from the quantities
//! both fitting paths compute ([`Parts`]).
//!
//! # Which criterion
//!
//! [`Method`] is what the user asks for; [`Criterion`] what is optimised,
//! resolved as mgcv 1.8-41's `estimate.gam` does ([`Method::resolve`]):
//! `GCV.Cp` is GCV when the scale is unknown and UBRE (Mallows' Cp) when it
//! is known (Poisson, binomial, or any family given mgcv's `scale > 0`,
//! [`ScaleSetting`]); `GACV.Cp` likewise is GACV or UBRE;
//! `P-REML`/`P-ML` become `REML`/`ML` when the scale is known; a family
//! with an estimated parameter (negative binomial θ, Tweedie p: mgcv's
//! extended families) is fitted by `REML` unless `ML` is asked for.
//!
//! # The criteria
//!
//! With D the deviance, D_p = D + β̂ᵀS_λβ̂, P the Pearson statistic,
//! τ = tr(A) (Fisher weights), δ = n − γτ, `det` = log|H| for REML and
//! log|U_rᵀHU_r| (H restricted to the range space of the total penalty) for
//! ML, M_p the penalty null space dimension, l_s the saturated
//! log-likelihood and γ = `gamma`:
//!
//! ```text
//! REML/ML  V = (D_p/(2φ) − l_s(φ))/γ + det/2 − log|S_λ|₊/2 − r·M_p/2·(log 2πφ − log γ)   (r = 1 REML, 0 ML)
//! P-REML/P-ML  the same with γ = 1 and φ = P/(n − M_p)   (mgcv ignores gamma here)
//! GCV      n D / δ²
//! UBRE     D/n + 2γτφ/n − φ
//! GACV     D/n + 2γτP/(n δ)
//! ```
//!
//! For REML/ML with an unknown scale, τ = log φ is one more optimised
//! parameter (placed last). Every derivative here is exact. mgcv's own
//! GACV derivatives drop a factor γ in the terms from ∂δ/∂ρ (gam.fit3.r
//! lines 767 and 784-788), so with `gamma != 1` mgcv's GACV.Cp follows an
//! inconsistent gradient and may stop at other smoothing parameters than
//! these exact ones; at `gamma = 1` the two agree.

use std::f64::consts::PI;

use faer::linalg::solvers::DenseSolveCore;
use faer::{Mat, Side};

use crate::design::PenaltySet;
use crate::design::penalty::RANK_TOL;
use crate::error::{GamError, Result};
pub use crate::fit::scale::ScaleSetting;

/// A smoothness-selection criterion as the user names it (mgcv's `method =`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
#[non_exhaustive]
pub enum Method {
    /// Restricted maximum likelihood (mgcv `"REML"`; our default).
    #[default]
    Reml,
    /// Maximum likelihood (mgcv `"ML"`).
    Ml,
    /// GCV with unknown scale, UBRE (Mallows' Cp) with known scale (mgcv `"GCV.Cp"`, mgcv's default).
    GcvCp,
    /// Generalized approximate cross validation, UBRE with known scale (mgcv `"GACV.Cp"`).
    GacvCp,
    /// REML with the scale fixed at the Pearson estimate (mgcv `"P-REML"`).
    PReml,
    /// ML with the scale fixed at the Pearson estimate (mgcv `"P-ML"`).
    PMl,
}

/// Every method, in the order they are listed to users.
pub const METHODS: [Method; 6] = [
    Method::Reml,
    Method::Ml,
    Method::GcvCp,
    Method::GacvCp,
    Method::PReml,
    Method::PMl,
];

/// What a fit really optimises, after [`Method::resolve`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Criterion {
    /// Laplace-approximate restricted likelihood.
    Reml,
    /// Laplace-approximate marginal likelihood.
    Ml,
    /// REML at the Pearson scale estimate.
    PReml,
    /// ML at the Pearson scale estimate.
    PMl,
    /// Generalized cross validation (scale unknown).
    Gcv,
    /// Un-biased risk estimator (scale known).
    Ubre,
    /// Generalized approximate cross validation (scale unknown).
    Gacv,
}

impl Method {
    /// mgcv's spelling.
    pub fn name(self) -> &'static str {
        match self {
            Method::Reml => "REML",
            Method::Ml => "ML",
            Method::GcvCp => "GCV.Cp",
            Method::GacvCp => "GACV.Cp",
            Method::PReml => "P-REML",
            Method::PMl => "P-ML",
        }
    }

    /// The method mgcv spells `name`; an error listing the choices otherwise.
    pub fn parse(name: &str) -> Result<Method> {
        METHODS
            .into_iter()
            .find(|m| m.name() == name)
            .ok_or_else(|| GamError::BadOption {
                option: "method".into(),
                message: format!(
                    "unknown smoothness criterion '{name}' (choose one of {})",
                    METHODS.map(Method::name).join(", ")
                ),
            })
    }

    /// Whether mgcv fits this method by a likelihood (REML, ML, P-REML, P-ML),
    /// where it fixes the Poisson and binomial scale at 1 ([`ScaleSetting::resolve`]).
    pub fn is_likelihood(self) -> bool {
        matches!(self, Method::Reml | Method::Ml | Method::PReml | Method::PMl)
    }

    /// The criterion mgcv optimises for this method (mgcv.r 1652-1737):
    /// `scale_known` for Poisson and binomial or a known `scale =`, `extended` for a family whose
    /// parameter is estimated (which mgcv fits by REML or ML only).
    pub fn resolve(self, scale_known: bool, extended: bool) -> Criterion {
        if extended {
            return if self == Method::Ml {
                Criterion::Ml
            } else {
                Criterion::Reml
            };
        }
        match self {
            Method::Reml => Criterion::Reml,
            Method::Ml => Criterion::Ml,
            Method::PReml if scale_known => Criterion::Reml,
            Method::PReml => Criterion::PReml,
            Method::PMl if scale_known => Criterion::Ml,
            Method::PMl => Criterion::PMl,
            Method::GcvCp | Method::GacvCp if scale_known => Criterion::Ubre,
            Method::GcvCp => Criterion::Gcv,
            Method::GacvCp => Criterion::Gacv,
        }
    }
}

impl Criterion {
    /// mgcv's name of the criterion (its `b$method`).
    pub fn name(self) -> &'static str {
        match self {
            Criterion::Reml => "REML",
            Criterion::Ml => "ML",
            Criterion::PReml => "P-REML",
            Criterion::PMl => "P-ML",
            Criterion::Gcv => "GCV",
            Criterion::Ubre => "UBRE",
            Criterion::Gacv => "GACV",
        }
    }

    /// The criterion mgcv names `name` (as a model file records it).
    pub fn from_name(name: &str) -> Option<Criterion> {
        [
            Criterion::Reml,
            Criterion::Ml,
            Criterion::PReml,
            Criterion::PMl,
            Criterion::Gcv,
            Criterion::Ubre,
            Criterion::Gacv,
        ]
        .into_iter()
        .find(|c| c.name() == name)
    }

    /// The label mgcv's `summary` prints before the value: `-REML`, `-ML`, or the name.
    pub fn label(self) -> String {
        match self {
            Criterion::Reml | Criterion::Ml => format!("-{}", self.name()),
            _ => self.name().to_string(),
        }
    }

    /// Whether the criterion is a (restricted) likelihood, whose determinant
    /// term is log|H| (REML variants) or the ML determinant.
    pub fn is_likelihood(self) -> bool {
        matches!(
            self,
            Criterion::Reml | Criterion::Ml | Criterion::PReml | Criterion::PMl
        )
    }

    /// Whether the determinant term is mgcv's ML determinant log|U_rᵀHU_r|.
    pub fn uses_ml_determinant(self) -> bool {
        matches!(self, Criterion::Ml | Criterion::PMl)
    }

    /// Whether an unknown scale is one more optimised parameter (REML and ML only).
    pub fn scale_is_parameter(self) -> bool {
        matches!(self, Criterion::Reml | Criterion::Ml)
    }

    /// Whether the criterion needs tr(A), the Pearson statistic and the
    /// unpenalised deviance with their derivatives.
    pub fn is_prediction_error(self) -> bool {
        matches!(self, Criterion::Gcv | Criterion::Ubre | Criterion::Gacv)
    }

    /// The term mgcv adds to |V| for its convergence scale (gam.fit3.r
    /// 1388-1389): |log scale.est| for likelihood criteria, scale.est otherwise.
    pub fn conv_offset(self, scale_est: f64) -> f64 {
        if self.is_likelihood() {
            scale_est.ln().abs()
        } else {
            scale_est
        }
    }
}

/// How a fit selects its smoothness: the criterion it optimises and mgcv's `gamma`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Selection {
    /// The resolved criterion.
    pub criterion: Criterion,
    /// mgcv's `gamma` (1: the usual criterion).
    pub gamma: f64,
    /// mgcv's `scale =`, resolved for the family ([`ScaleSetting::resolve`]).
    pub scale: ScaleSetting,
}

impl Default for Selection {
    fn default() -> Self {
        Selection {
            criterion: Criterion::Reml,
            gamma: 1.0,
            scale: ScaleSetting::Default,
        }
    }
}

impl Selection {
    /// REML with `gamma = 1` and the family's own scale, which both paths
    /// evaluate by their original, specialised code (so that its numbers do
    /// not change by a bit).
    pub fn is_plain_reml(self) -> bool {
        self.criterion == Criterion::Reml && self.gamma == 1.0 && self.scale == ScaleSetting::Default
    }

    /// The known scale of a fit of `family` (`None`: estimated).
    pub fn known_scale(self, family: crate::family::Family) -> Option<f64> {
        self.scale.known(family)
    }
}

/// Checks a `gamma` (mgcv's multiplier of the model degrees of freedom).
pub fn check_gamma(gamma: f64) -> Result<()> {
    if gamma.is_finite() && gamma > 0.0 {
        return Ok(());
    }
    Err(GamError::BadOption {
        option: "gamma".into(),
        message: format!("must be a finite number above 0 (1 is the usual criterion), not {gamma}"),
    })
}

/// A quantity with its gradient and row-major Hessian in ρ.
#[derive(Debug, Clone, Default)]
pub struct Smooth {
    /// The value.
    pub value: f64,
    /// First derivatives.
    pub grad: Vec<f64>,
    /// Second derivatives, row-major.
    pub hess: Vec<f64>,
}

/// Everything a criterion is built from, at one ρ (derivatives in ρ only).
/// Quantities a criterion does not use may be left at their default.
#[derive(Debug, Clone, Default)]
pub struct Parts {
    /// Number of observations.
    pub n: f64,
    /// Dimension of the penalty null space (mgcv's `Mp`).
    pub mp: f64,
    /// Penalised deviance D_p.
    pub d_p: Smooth,
    /// Deviance D.
    pub dev: Smooth,
    /// The determinant term (log|H| or the ML determinant).
    pub det: Smooth,
    /// log|S_λ|₊.
    pub log_s: Smooth,
    /// tr(A) with the Fisher weights.
    pub tr_a: Smooth,
    /// The Pearson statistic Σ wᵢ(yᵢ − μᵢ)²/V(μᵢ).
    pub pearson: Smooth,
}

/// The criterion at one point with its derivatives.
#[derive(Debug, Clone)]
pub struct Score {
    /// The value.
    pub value: f64,
    /// Gradient: ρ, then log φ when the scale is a parameter.
    pub grad: Vec<f64>,
    /// Hessian, row-major.
    pub hess: Vec<f64>,
    /// The scale the criterion was evaluated at.
    pub scale: f64,
}

/// How the scale enters a likelihood criterion.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ScaleArg {
    /// Known (or, for UBRE, given) φ.
    Known(f64),
    /// φ = e^τ with τ an optimised parameter (REML/ML with unknown scale).
    Parameter(f64),
    /// φ is the Pearson estimate (P-REML/P-ML, GCV, GACV).
    Derived,
}

/// The criterion `crit` with `gamma` from `parts`; `ls(φ)` is the saturated
/// log-likelihood `[l_s, ∂l_s/∂φ, ∂²l_s/∂φ²]`.
pub fn score(crit: Criterion, gamma: f64, parts: &Parts, scale: ScaleArg, ls: &dyn Fn(f64) -> [f64; 3]) -> Score {
    let m = parts.d_p.grad.len();
    match crit {
        Criterion::Reml | Criterion::Ml => {
            // A derived scale is no argument of REML or ML: NaN, which the fit refuses.
            let (phi, param) = match scale {
                ScaleArg::Known(phi) => (phi, false),
                ScaleArg::Parameter(phi) => (phi, true),
                ScaleArg::Derived => (f64::NAN, false),
            };
            likelihood(crit == Criterion::Reml, gamma, parts, phi, param, ls)
        }
        Criterion::PReml | Criterion::PMl => pearson_likelihood(crit == Criterion::PReml, parts, ls),
        Criterion::Gcv | Criterion::Gacv | Criterion::Ubre => prediction_error(crit, gamma, parts, scale, m),
    }
}

/// Gradient and row-major Hessian in `m` parameters from their entries.
fn derivatives(m: usize, g: impl Fn(usize) -> f64, h: impl Fn(usize, usize) -> f64) -> (Vec<f64>, Vec<f64>) {
    (
        (0..m).map(&g).collect(),
        (0..m * m).map(|kj| h(kj / m, kj % m)).collect(),
    )
}

/// GCV, UBRE (at the known `scale`) or GACV (module doc).
fn prediction_error(crit: Criterion, gamma: f64, parts: &Parts, scale: ScaleArg, m: usize) -> Score {
    let n = parts.n;
    let (d, tau, pr) = (&parts.dev, &parts.tr_a, &parts.pearson);
    let delta = n - gamma * tau.value;
    let (value, phi, (grad, hess)) = match crit {
        Criterion::Gcv => (
            n * d.value / delta.powi(2),
            d.value / (n - tau.value),
            derivatives(
                m,
                |k| n * d.grad[k] / delta.powi(2) + 2.0 * n * gamma * d.value * tau.grad[k] / delta.powi(3),
                |k, j| {
                    let kj = k * m + j;
                    2.0 * n * gamma * (tau.grad[k] * d.grad[j] + d.grad[k] * tau.grad[j]) / delta.powi(3)
                        + 6.0 * n * gamma * gamma * d.value * tau.grad[k] * tau.grad[j] / delta.powi(4)
                        + n * d.hess[kj] / delta.powi(2)
                        + 2.0 * n * gamma * d.value * tau.hess[kj] / delta.powi(3)
                },
            ),
        ),
        Criterion::Ubre => {
            // UBRE needs the known scale: NaN otherwise, which the fit refuses.
            let phi = match scale {
                ScaleArg::Known(phi) => phi,
                _ => f64::NAN,
            };
            (
                d.value / n - 2.0 * delta * phi / n + phi,
                phi,
                derivatives(
                    m,
                    |k| d.grad[k] / n + 2.0 * gamma * phi * tau.grad[k] / n,
                    |k, j| d.hess[k * m + j] / n + 2.0 * gamma * phi * tau.hess[k * m + j] / n,
                ),
            )
        }
        _ => {
            // GACV = D/n + 2γ f/n with f = τP/δ, differentiated with ∂δ = −γ∂τ (exact for any γ):
            // f_k = u_k/δ + γ τP τ_k/δ², u_k = τ_kP + τP_k.
            let (t, p) = (tau.value, pr.value);
            let u = |k: usize| tau.grad[k] * p + t * pr.grad[k];
            (
                d.value / n + 2.0 * gamma * t * p / (n * delta),
                d.value / (n - t),
                derivatives(
                    m,
                    |k| d.grad[k] / n + 2.0 * gamma / n * (u(k) / delta + gamma * t * p * tau.grad[k] / delta.powi(2)),
                    |k, j| {
                        let kj = k * m + j;
                        let u_kj =
                            tau.hess[kj] * p + tau.grad[k] * pr.grad[j] + tau.grad[j] * pr.grad[k] + t * pr.hess[kj];
                        let f_kj = u_kj / delta
                            + gamma * u(k) * tau.grad[j] / delta.powi(2)
                            + gamma * (u(j) * tau.grad[k] + t * p * tau.hess[kj]) / delta.powi(2)
                            + 2.0 * gamma * gamma * t * p * tau.grad[k] * tau.grad[j] / delta.powi(3);
                        d.hess[kj] / n + 2.0 * gamma / n * f_kj
                    },
                ),
            )
        }
    };
    Score {
        value,
        grad,
        hess,
        scale: phi,
    }
}

/// REML (`reml`) or ML at a known or optimised scale (module doc).
fn likelihood(reml: bool, gamma: f64, parts: &Parts, phi: f64, param: bool, ls: &dyn Fn(f64) -> [f64; 3]) -> Score {
    let m = parts.d_p.grad.len();
    let r = if reml { 1.0 } else { 0.0 };
    let (dp, det, lsd) = (&parts.d_p, &parts.det, &parts.log_s);
    let l = ls(phi);
    let value = (dp.value / (2.0 * phi) - l[0]) / gamma + det.value / 2.0
        - lsd.value / 2.0
        - r * parts.mp / 2.0 * ((2.0 * PI * phi).ln() - gamma.ln());
    let k_all = m + usize::from(param);
    let mut grad: Vec<f64> = (0..m)
        .map(|k| dp.grad[k] / (2.0 * phi * gamma) + det.grad[k] / 2.0 - lsd.grad[k] / 2.0)
        .collect();
    grad.resize(k_all, 0.0);
    let mut hess = vec![0.0; k_all * k_all];
    for k in 0..m {
        for j in 0..m {
            hess[k * k_all + j] =
                (dp.hess[k * m + j] / (phi * gamma) + det.hess[k * m + j] - lsd.hess[k * m + j]) / 2.0;
        }
    }
    if param {
        let t = m;
        grad[t] = (-dp.value / (2.0 * phi) - phi * l[1]) / gamma - r * parts.mp / 2.0;
        hess[t * k_all + t] = (dp.value / (2.0 * phi) - phi * phi * l[2] - phi * l[1]) / gamma;
        for k in 0..m {
            let cross = -dp.grad[k] / (2.0 * phi * gamma);
            hess[k * k_all + t] = cross;
            hess[t * k_all + k] = cross;
        }
    }
    Score {
        value,
        grad,
        hess,
        scale: phi,
    }
}

/// P-REML (`reml`) or P-ML: φ = P/(n − M_p) as a function of ρ, no γ (as mgcv).
fn pearson_likelihood(reml: bool, parts: &Parts, ls: &dyn Fn(f64) -> [f64; 3]) -> Score {
    let m = parts.d_p.grad.len();
    let r = if reml { 1.0 } else { 0.0 };
    let (dp, det, lsd, pr) = (&parts.d_p, &parts.det, &parts.log_s, &parts.pearson);
    let nu = parts.n - parts.mp;
    let phi = pr.value / nu;
    let phi_k = |k: usize| pr.grad[k] / nu;
    let l = ls(phi);
    let mp = parts.mp;
    let value =
        dp.value / (2.0 * phi) - l[0] + det.value / 2.0 - lsd.value / 2.0 - r * mp / 2.0 * (2.0 * PI * phi).ln();
    // ∂V/∂φ and ∂²V/∂φ² at fixed ρ.
    let v_phi = -dp.value / (2.0 * phi * phi) - l[1] - r * mp / (2.0 * phi);
    let v_phiphi = dp.value / phi.powi(3) - l[2] + r * mp / (2.0 * phi * phi);
    let (grad, hess) = derivatives(
        m,
        |k| dp.grad[k] / (2.0 * phi) + v_phi * phi_k(k) + det.grad[k] / 2.0 - lsd.grad[k] / 2.0,
        |k, j| {
            let kj = k * m + j;
            dp.hess[kj] / (2.0 * phi) - (dp.grad[k] * phi_k(j) + phi_k(k) * dp.grad[j]) / (2.0 * phi * phi)
                + v_phiphi * phi_k(k) * phi_k(j)
                + v_phi * pr.hess[kj] / nu
                + det.hess[kj] / 2.0
                - lsd.hess[kj] / 2.0
        },
    );
    Score {
        value,
        grad,
        hess,
        scale: phi,
    }
}

/// An orthonormal basis `U_r` (p x rank) of the range space of the total
/// penalty: per block of coefficients, the eigenvectors of `Σ_j S_j/‖S_j‖`
/// with eigenvalues above [`RANK_TOL`] of the largest (the rank rule of
/// [`PenaltySet`], so the basis has `p − M_p` columns). mgcv's ML determinant
/// does not depend on which basis of that space is used.
pub fn penalty_range_basis(pens: &PenaltySet) -> Mat<f64> {
    let p = pens.null_space_dim() + pens.rank();
    let mut blocks: Vec<(usize, usize, Mat<f64>)> = Vec::new();
    for pen in pens.penalties() {
        let d = pen.s.nrows();
        let scaled = &pen.s * (1.0 / pen.s.norm_l2().max(f64::MIN_POSITIVE));
        match blocks.iter_mut().find(|b| b.0 == pen.offset && b.1 == d) {
            Some(b) => b.2 += scaled,
            None => blocks.push((pen.offset, d, scaled)),
        }
    }
    let mut cols: Vec<Vec<f64>> = Vec::new();
    for (offset, d, sum) in blocks {
        let Ok(eig) = crate::linalg::symmetrise(&sum).self_adjoint_eigen(Side::Lower) else {
            continue;
        };
        let max = (0..d).map(|i| eig.S()[i]).fold(0.0f64, f64::max);
        for c in 0..d {
            if eig.S()[c] > max * RANK_TOL {
                let mut v = vec![0.0; p];
                for i in 0..d {
                    v[offset + i] = eig.U()[(i, c)];
                }
                cols.push(v);
            }
        }
    }
    Mat::from_fn(p, cols.len(), |i, j| cols[j][i])
}

/// mgcv's ML determinant log|U_rᵀHU_r| and `G = U_r (U_rᵀHU_r)⁻¹ U_rᵀ`,
/// with which its derivatives are those of log|H| with G in place of H⁻¹:
/// `∂ = tr(G ∂H)`, `∂² = tr(G ∂²H) − tr(G ∂H_j G ∂H_k)`. `None` if
/// `U_rᵀHU_r` is not positive definite.
pub fn ml_determinant(h: &Mat<f64>, u: &Mat<f64>) -> Option<(f64, Mat<f64>)> {
    let b = crate::linalg::symmetrise(&(u.transpose() * h * u));
    let llt = b.llt(Side::Lower).ok()?;
    let r = b.nrows();
    let l = llt.L();
    let log_det = 2.0 * (0..r).map(|i| l[(i, i)].ln()).sum::<f64>();
    let g = u * llt.inverse() * u.transpose();
    Some((log_det, g))
}

/// Test support: asserts that `at(x) = (value, gradient, row-major Hessian)` has the
/// gradient and Hessian of central differences (step [`FD_STEP`]) of its value and gradient at
/// `x0`, to [`FD_GRAD_TOL`] and [`FD_HESS_TOL`] relative to 1 + |difference|.
#[cfg(test)]
pub(crate) fn assert_derivatives(x0: &[f64], at: impl Fn(&[f64]) -> (f64, Vec<f64>, Vec<f64>), what: &str) {
    let (_, grad, hess) = at(x0);
    let k = x0.len();
    assert_eq!(grad.len(), k, "{what}");
    for a in 0..k {
        let (mut xp, mut xm) = (x0.to_vec(), x0.to_vec());
        xp[a] += FD_STEP;
        xm[a] -= FD_STEP;
        let ((vp, gp, _), (vm, gm, _)) = (at(&xp), at(&xm));
        let g = (vp - vm) / (2.0 * FD_STEP);
        assert!(
            (g - grad[a]).abs() < FD_GRAD_TOL * (1.0 + g.abs()),
            "{what}: grad {a}: fd {g} vs {}",
            grad[a]
        );
        for b in 0..k {
            let fd = (gp[b] - gm[b]) / (2.0 * FD_STEP);
            let exact = hess[a * k + b];
            assert!(
                (fd - exact).abs() < FD_HESS_TOL * (1.0 + fd.abs()),
                "{what}: hess {a},{b}: fd {fd} vs {exact}"
            );
        }
    }
}

/// Finite-difference step of [`assert_derivatives`].
#[cfg(test)]
pub(crate) const FD_STEP: f64 = 1e-5;
/// Gradient tolerance of [`assert_derivatives`] (central differences are exact to about h²).
#[cfg(test)]
pub(crate) const FD_GRAD_TOL: f64 = 1e-6;
/// Hessian tolerance of [`assert_derivatives`] (differences of exact gradients).
#[cfg(test)]
pub(crate) const FD_HESS_TOL: f64 = 1e-5;

#[cfg(test)]
#[path = "method_tests.rs"]
mod tests;
