//! mgcv's `gaulss` (gamlss.r, line 569): `y ~ N(μ, σ²)` with two linear predictors, the mean
//! `μ = η_1` (identity link) and `τ = 1/σ = 1/(b + exp(η_2))` (mgcv's `logb` link, `b` = 0.01 by
//! default, which keeps σ away from 0).
//!
//! Per observation, with `r = y − μ`,
//!
//! ```text
//! ℓ = −r²τ²/2 − log(2π)/2 + log τ
//! ℓ_μ = τ² r            ℓ_τ = 1/τ − τ r²
//! ℓ_μμ = −τ²            ℓ_μτ = 2τ r           ℓ_ττ = −r² − 1/τ²
//! ℓ_μμτ = −2τ           ℓ_μττ = 2r            ℓ_τττ = 2/τ³      (ℓ_μμμ = 0)
//! ℓ_μμττ = −2           ℓ_ττττ = −6/τ⁴        (the other fourth derivatives are 0)
//! ```
//!
//! as mgcv's `ll` gives them. The inverse link `h(η) = 1/(e^η + b)` is `f(D) = 1/D` of
//! `D = e^η + b`, every derivative of which is `u = e^η`, so
//! `h^(n) = Σ_k S(n, k) f^(k)(D) u^k` with the Stirling numbers `S(n, k)` of the second kind
//! and `f^(k)(D) = (−1)^k k!/D^{k+1}`.

use super::{PointDerivs, symmetric};

/// mgcv's default `b` of the `logb` link.
pub const DEFAULT_B: f64 = 0.01;

/// `h_a(η)` and its first four derivatives: parameter 0 is μ (identity), parameter 1 is τ.
pub(crate) fn inverse_link(a: usize, eta: f64, b: f64) -> [f64; 5] {
    if a == 0 {
        return [eta, 1.0, 0.0, 0.0, 0.0];
    }
    let u = eta.exp();
    let d = u + b;
    // f^(k)(D) for k = 0..4.
    let f = [
        1.0 / d,
        -1.0 / d.powi(2),
        2.0 / d.powi(3),
        -6.0 / d.powi(4),
        24.0 / d.powi(5),
    ];
    let (u2, u3, u4) = (u * u, u * u * u, u * u * u * u);
    [
        f[0],
        f[1] * u,
        f[2] * u2 + f[1] * u,
        f[3] * u3 + 3.0 * f[2] * u2 + f[1] * u,
        f[4] * u4 + 6.0 * f[3] * u3 + 7.0 * f[2] * u2 + f[1] * u,
    ]
}

/// ℓ and its derivatives in (μ, τ) up to `order` (module doc).
pub(crate) fn param_derivs(y: f64, theta: &[f64], order: usize) -> PointDerivs {
    let (mu, tau) = (theta[0], theta[1]);
    let r = y - mu;
    let tau2 = tau * tau;
    let mut out = PointDerivs {
        l0: -0.5 * r * r * tau2 - 0.5 * (2.0 * std::f64::consts::PI).ln() + tau.ln(),
        ..PointDerivs::default()
    };
    if order == 0 {
        return out;
    }
    out.l1 = vec![tau2 * r, 1.0 / tau - tau * r * r];
    out.l2 = symmetric(2, 2, |i| match i {
        [0, 0] => -tau2,
        [0, 1] => 2.0 * tau * r,
        _ => -r * r - 1.0 / tau2,
    });
    if order >= 3 {
        out.l3 = symmetric(2, 3, |i| match i {
            [0, 0, 0] => 0.0,
            [0, 0, 1] => -2.0 * tau,
            [0, 1, 1] => 2.0 * r,
            _ => 2.0 / (tau2 * tau),
        });
    }
    if order >= 4 {
        out.l4 = symmetric(2, 4, |i| match i {
            [0, 0, 1, 1] => -2.0,
            [1, 1, 1, 1] => -6.0 / (tau2 * tau2),
            _ => 0.0,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverse_link_derivatives_match_finite_differences() {
        super::super::testing::assert_inverse_link_derivs(|e| inverse_link(1, e, DEFAULT_B), -0.4, 1e-7);
    }
}
