//! mgcv's `gammals` (gamlss.r, line 2349): a gamma location-scale model with two linear
//! predictors. The first parameter is the log mean `μ = η_1` (identity link, so the mean is
//! `e^μ`), the second the log scale `θ = b + log(1 + e^{η_2})` (mgcv's `"log"` link for this
//! family, `b` = −7 by default, which keeps the scale `φ = e^θ` above `e^b`). The response
//! has shape `1/φ` and scale `e^μ φ`.
//!
//! Per observation, with `L = log y`, `s = e^{−θ}` and `q = y e^{−θ−μ}`,
//!
//! ```text
//! ℓ = s(L − μ − θ) − L − q − log Γ(s)
//! ℓ_μ = q − s                   ℓ_θ = −s(L − μ − θ) + q + s ψ(s) − s
//! ℓ_μμ = −q                     ℓ_μθ = s − q
//! ℓ_θθ = s(L − μ − θ) − q − s² ψ'(s) − s ψ(s) + 2s
//! ℓ_μμμ = ℓ_μμθ = q             ℓ_μθθ = q − s
//! ℓ_θθθ = −s(L − μ − θ) + q + s³ ψ''(s) + 3s² ψ'(s) + s ψ(s) − 3s
//! ℓ_μμμμ = ℓ_μμμθ = ℓ_μμθθ = −q  ℓ_μθθθ = s − q
//! ℓ_θθθθ = s(L − μ − θ) − q − s⁴ ψ'''(s) − 6s³ ψ''(s) − 7s² ψ'(s) − s ψ(s) + 4s
//! ```
//!
//! as mgcv's `ll` gives them (gamlss.r 2460-2530). The inverse link of `θ` is
//! `h(η) = b + log(1 + e^η)` with `h' = σ(η)` (the logistic function),
//! `h'' = σ(1 − σ)`, `h''' = σ(1 − σ)(1 − 2σ)`, `h'''' = σ(1 − σ)(1 − 6σ + 6σ²)`; above
//! `η = −log ε` mgcv takes `h = b + η`, and so does this module.
//!
//! mgcv's `postproc` turns the first fitted column into the mean `e^μ` and sets the null
//! deviance to `2 Σ ((y − ȳ)/ȳ − log(y/ȳ)) e^{−θ̂}`; the deviance is the sum of the squared
//! deviance residuals, `2 Σ max(0, (y − m)/m − log(y/m)) e^{−θ̂}` with `m = e^μ̂`
//! (`residuals`). Its `predict` on the response scale gives `(e^μ, θ)` with standard errors
//! `e^μ se(η_1)` and `h'(η_2) se(η_2)` — mgcv 1.8-41 writes `sqrt(ve[2])`, a single number,
//! for the second; this module uses each row's `se(η_2)`, as that line intends.

use super::{PointDerivs, symmetric};
use crate::family::special::{digamma, ln_gamma, pentagamma, tetragamma, trigamma};

/// mgcv's default `b` of gammals' log-scale link.
pub const DEFAULT_B: f64 = -7.0;

/// `−log ε`: above it mgcv's link takes `log(1 + e^η) = η`.
const LINEAR_FROM: f64 = 36.043_653_389_117_15;

/// The logistic function, without overflow.
fn logistic(eta: f64) -> f64 {
    if eta >= 0.0 {
        1.0 / (1.0 + (-eta).exp())
    } else {
        let e = eta.exp();
        e / (1.0 + e)
    }
}

/// `h_a(η)` and its first four derivatives: parameter 0 is the log mean (identity), parameter
/// 1 the log scale `b + log(1 + e^η)`.
pub(crate) fn inverse_link(a: usize, eta: f64, b: f64) -> [f64; 5] {
    if a == 0 {
        return [eta, 1.0, 0.0, 0.0, 0.0];
    }
    let h = if eta > LINEAR_FROM {
        b + eta
    } else {
        b + eta.exp().ln_1p()
    };
    let s = logistic(eta);
    let v = s * (1.0 - s);
    [h, s, v, v * (1.0 - 2.0 * s), v * (1.0 - 6.0 * s + 6.0 * s * s)]
}

/// mgcv's link function of the log scale, `η = log(e^{θ−b} − 1)`, with its guards (the
/// inverse of [`inverse_link`]; used by the starting values).
pub(crate) fn scale_link(theta: f64, b: f64) -> f64 {
    let mub = theta - b;
    if mub < f64::EPSILON {
        f64::EPSILON.ln()
    } else if mub > LINEAR_FROM {
        mub
    } else {
        mub.exp_m1().ln()
    }
}

/// ℓ and its derivatives in (μ, θ) up to `order` (module doc).
pub(crate) fn param_derivs(y: f64, theta: &[f64], order: usize) -> PointDerivs {
    let (mu, th) = (theta[0], theta[1]);
    let ly = y.ln();
    let s = (-th).exp();
    let q = y * (-th - mu).exp();
    let r = s * (ly - mu - th);
    let mut out = PointDerivs {
        l0: r - ly - q - ln_gamma(s),
        ..PointDerivs::default()
    };
    if order == 0 {
        return out;
    }
    let psi0 = digamma(s);
    let psi1 = trigamma(s);
    out.l1 = vec![q - s, -r + q + s * psi0 - s];
    out.l2 = symmetric(2, 2, |i| match i {
        [0, 0] => -q,
        [0, 1] => s - q,
        _ => r - q - psi1 * s * s - s * psi0 + 2.0 * s,
    });
    if order >= 3 {
        let psi2 = tetragamma(s);
        out.l3 = symmetric(2, 3, |i| match i {
            [0, 0, 0] | [0, 0, 1] => q,
            [0, 1, 1] => q - s,
            _ => -r + q + psi2 * s.powi(3) + 3.0 * psi1 * s * s + s * psi0 - 3.0 * s,
        });
        if order >= 4 {
            let psi3 = pentagamma(s);
            out.l4 = symmetric(2, 4, |i| match i {
                [0, 0, 0, 0] | [0, 0, 0, 1] | [0, 0, 1, 1] => -q,
                [0, 1, 1, 1] => s - q,
                _ => r - q - psi3 * s.powi(4) - 6.0 * psi2 * s.powi(3) - 7.0 * psi1 * s * s - s * psi0 + 4.0 * s,
            });
        }
    }
    out
}

/// The response must be positive (the gamma distribution's support).
pub(crate) fn check_response(y: f64) -> std::result::Result<(), String> {
    if y.is_finite() && y > 0.0 {
        Ok(())
    } else {
        Err(format!("gammals needs a positive response, not {y}"))
    }
}

/// The deviance and null deviance at the fitted log means `mu` and log scales `th`
/// (module doc).
pub(crate) fn deviances(y: &[f64], mu: &[f64], th: &[f64]) -> (f64, f64) {
    let n = y.len() as f64;
    let my = y.iter().sum::<f64>() / n;
    let unit = |y: f64, m: f64| (y - m) / m - (y / m).ln();
    let dev = y
        .iter()
        .zip(mu)
        .zip(th)
        .map(|((&y, &mu), &t)| (2.0 * unit(y, mu.exp()) * (-t).exp()).max(0.0))
        .sum();
    let null = 2.0 * y.iter().zip(th).map(|(&y, &t)| unit(y, my) * (-t).exp()).sum::<f64>();
    (dev, null)
}

/// mgcv's `predict` on the response scale for one row: `(e^μ, θ)` and their standard errors
/// from the linear predictors `eta` and their covariance `cov` (2 × 2, row-major).
pub(crate) fn response(eta: &[f64], cov: &[f64], b: f64) -> (Vec<f64>, Vec<f64>) {
    let m = eta[0].exp();
    let h = inverse_link(1, eta[1], b);
    (
        vec![m, h[0]],
        vec![m * cov[0].max(0.0).sqrt(), h[1].abs() * cov[3].max(0.0).sqrt()],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverse_link_derivatives_match_finite_differences() {
        for eta in [-3.0, 0.4, 5.9] {
            let h = inverse_link(1, eta, DEFAULT_B);
            super::super::testing::assert_inverse_link_derivs(|e| inverse_link(1, e, DEFAULT_B), eta, 1e-8);
            assert!((scale_link(h[0], DEFAULT_B) - eta).abs() < 1e-10);
        }
    }

    /// Each derivative tensor against central differences of the one below it.
    #[test]
    fn parameter_derivatives_match_finite_differences() {
        super::super::testing::assert_point_derivs(&[0.3, -0.9], |t| param_derivs(1.7, t, 4), 1e-6);
    }

    #[test]
    fn non_positive_responses_are_refused() {
        assert!(check_response(0.0).is_err());
        assert!(check_response(-1.0).is_err());
        assert!(check_response(f64::NAN).is_err());
        assert!(check_response(0.2).is_ok());
    }
}
