//! The negative binomial family with θ estimated (mgcv's `nb()`):
//! `V(μ) = μ + μ²/θ`, optimised in `t = log θ`. Its saturated
//! log-likelihood and the derivatives of the unit deviance in t are mgcv's
//! `nb()$ls` and `nb()$Dd`.

use super::special::{digamma, ln_gamma, trigamma};
use super::{Obs, ThetaDerivatives};

/// The saturated log-likelihood and its first two derivatives in `t = log θ`.
pub(super) fn saturated_loglik(obs: &[Obs], theta: f64) -> [f64; 3] {
    let t = theta.ln();
    let mut out = [0.0; 3];
    for o in obs {
        let y = o.y;
        let yth = y + theta;
        let ylogy = if y > 0.0 { y * y.ln() } else { 0.0 };
        let term = yth * yth.ln() - ylogy + ln_gamma(y + 1.0) - theta * t + ln_gamma(theta) - ln_gamma(yth);
        out[0] -= o.w * term;
        let (psi0_yth, psi0_th) = (digamma(yth), digamma(theta));
        out[1] -= o.w * theta * (yth.ln() - psi0_yth + psi0_th - t);
        let (psi1_yth, psi1_th) = (trigamma(yth), trigamma(theta));
        out[2] -=
            o.w * theta * (yth.ln() - theta * psi1_yth - psi0_yth + theta / yth + theta * psi1_th + psi0_th - t - 1.0);
    }
    out
}

/// Derivatives of the weighted unit deviance in `t = log θ` (mgcv's `nb()$Dd`, level 2).
pub(super) fn deviance_derivatives(o: Obs, mu: f64, theta: f64) -> ThetaDerivatives {
    let (y, w) = (o.y, o.w);
    let yth = y + theta;
    let muth = mu + theta;
    let r = yth / muth;
    ThetaDerivatives {
        d_t: -2.0 * w * theta * (r.ln() + 1.0 - r),
        d_tt: -2.0 * w * theta * (r.ln() + theta * yth / (muth * muth) - r - 2.0 * theta / muth + 1.0 + theta / yth),
        dmu_t: 2.0 * w * theta * (1.0 - r) / muth,
        dmu_tt: 2.0 * w * theta * (2.0 * theta * yth / (muth * muth) - r - 2.0 * theta / muth + 1.0) / muth,
        dmu2_t: 2.0 * w * theta * (2.0 * r - 1.0) / (muth * muth),
        dmu2_tt: 2.0 * w * theta * (-6.0 * yth * theta / (muth * muth) + 2.0 * r + 4.0 * theta / muth - 1.0)
            / (muth * muth),
        dmu3_t: 4.0 * w * theta * (1.0 - 3.0 * r) / muth.powi(3),
    }
}
