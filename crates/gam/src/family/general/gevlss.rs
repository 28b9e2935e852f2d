//! mgcv's `gevlss` (gamlss.r, line 1653): the generalised extreme value distribution with
//! three linear predictors, the location `μ` (identity link), `ρ = log σ` (identity) and the
//! shape `ξ` on mgcv's shifted logit `ξ = 1.5/(1 + e^{−η}) − 1`, which confines `ξ` to
//! `(−1, 0.5)`.
//!
//! Per observation, with `a = 1 + ξ (y − μ) e^{−ρ}` (the support is `a > 0`),
//!
//! ```text
//! ℓ = −(1 + 1/ξ) log a − a^{−1/ξ} − ρ
//! ```
//!
//! as mgcv's `ll` (`l0`, line 1782). Like mgcv, `ξ` is moved to `±1e-7` when `|ξ| < 1e-7`
//! (its `eps`, line 1752) rather than switching to the Gumbel limit. The derivatives in
//! `(μ, ρ, ξ)` to fourth order come from truncated-Taylor jet arithmetic
//! (`family::general::jet`) on this one expression (mgcv
//! transcribes Maxima's output instead). Outside the support `ℓ` is not finite, which makes
//! the inner Newton iteration halve a step that leaves it (mgcv's `gam.fit5` does the same
//! with its non-finite penalised likelihood).

use super::PointDerivs;
use super::jet::Jet;

/// mgcv's floor on `|ξ|`.
const XI_EPS: f64 = 1e-7;

/// The shifted logit's scale: `ξ = XI_SCALE · logistic(η) − 1`.
const XI_SCALE: f64 = 1.5;

/// `h_a(η)` and its first four derivatives: μ and ρ on the identity, ξ on the shifted logit.
pub(crate) fn inverse_link(a: usize, eta: f64) -> [f64; 5] {
    if a < 2 {
        return [eta, 1.0, 0.0, 0.0, 0.0];
    }
    // p = logistic(η), q = p(1 − p): p' = q, p'' = q(1 − 2p), p''' = q(1 − 6q),
    // p'''' = q(1 − 2p)(1 − 12q).
    let p = if eta >= 0.0 {
        1.0 / (1.0 + (-eta).exp())
    } else {
        let e = eta.exp();
        e / (1.0 + e)
    };
    let q = p * (1.0 - p);
    [
        XI_SCALE * p - 1.0,
        XI_SCALE * q,
        XI_SCALE * q * (1.0 - 2.0 * p),
        XI_SCALE * q * (1.0 - 6.0 * q),
        XI_SCALE * q * (1.0 - 2.0 * p) * (1.0 - 12.0 * q),
    ]
}

/// The shifted logit itself, `η = logit((ξ + 1)/1.5)` (mgcv's `linkfun`, for the start).
pub(crate) fn xi_link(xi: f64) -> f64 {
    let p = (xi + 1.0) / XI_SCALE;
    (p / (1.0 - p)).ln()
}

/// ℓ and its derivatives in (μ, ρ, ξ) up to `order` (module doc).
pub(crate) fn param_derivs(y: f64, theta: &[f64], order: usize) -> PointDerivs {
    let mut xi = theta[2];
    if (0.0..XI_EPS).contains(&xi) {
        xi = XI_EPS;
    } else if (-XI_EPS..0.0).contains(&xi) {
        xi = -XI_EPS;
    }
    let aa0 = xi * (y - theta[0]) * (-theta[1]).exp();
    if aa0.is_nan() || aa0 <= -1.0 {
        // Outside the support: ℓ = −∞ (mgcv's log1p gives −Inf or NaN there).
        return PointDerivs {
            l0: f64::NEG_INFINITY,
            ..PointDerivs::default()
        };
    }
    let v = Jet::variables(&[theta[0], theta[1], xi], order);
    let (mu, rho, xi) = (v[0], v[1], v[2]);
    let inv_xi = xi.recip();
    // log a = log1p(ξ (y − μ) e^{−ρ}).
    let log_a = (xi * (-mu + y) * (-rho).exp()).ln_1p();
    let l = -(inv_xi + 1.0) * log_a - (-(inv_xi * log_a)).exp() - rho;
    l.point_derivs()
}

/// The response check: a finite number (the support depends on the fit).
pub(crate) fn check_response(y: f64) -> Result<(), String> {
    if y.is_finite() {
        Ok(())
    } else {
        Err("the response must be a finite number for gevlss".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ℓ's closed-form first derivatives (mgcv's `l1`, gamlss.r 1789-1800) against the jet's.
    #[test]
    fn first_derivatives_match_mgcv_closed_forms() {
        let (y, mu, rho, xi) = (1.7, 0.9, -0.3, 0.2);
        let d = param_derivs(y, &[mu, rho, xi], 4);
        let b1 = (-rho).exp();
        let b2 = b1 * xi * (y - mu) + 1.0;
        let l_mu = b1 * (xi + 1.0) / b2 - b1 * b2.powf(-1.0 / xi - 1.0);
        let l_rho = -b1 * (y - mu) * b2.powf(-1.0 / xi - 1.0) + b1 * (xi + 1.0) * (y - mu) / b2 - 1.0;
        assert!((d.l1[0] - l_mu).abs() < 1e-12, "{} vs {l_mu}", d.l1[0]);
        assert!((d.l1[1] - l_rho).abs() < 1e-12, "{} vs {l_rho}", d.l1[1]);
        // ℓ_ξ by central differences of ℓ.
        let h = 1e-6;
        let up = param_derivs(y, &[mu, rho, xi + h], 0).l0;
        let dn = param_derivs(y, &[mu, rho, xi - h], 0).l0;
        assert!((d.l1[2] - (up - dn) / (2.0 * h)).abs() < 1e-8);
        assert_eq!(d.l4.len(), 81);
        // Outside the support ℓ is −∞.
        assert_eq!(param_derivs(-10.0, &[mu, rho, xi], 2).l0, f64::NEG_INFINITY);
    }

    #[test]
    fn shifted_logit_inverse_and_derivatives() {
        let eta = 0.64;
        assert!((xi_link(inverse_link(2, eta)[0]) - eta).abs() < 1e-12);
        super::super::testing::assert_inverse_link_derivs(|e| inverse_link(2, e), eta, 1e-8);
    }
}
