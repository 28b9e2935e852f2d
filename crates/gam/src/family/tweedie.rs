//! The Tweedie family with power `1 < p < 2` (mgcv's `tw()`): a compound
//! Poisson–gamma distribution with mass at zero, `V(μ) = μ^p`.
//!
//! The power is estimated through an unconstrained `t`:
//! `p = (b + a e^{−t})/(1 + e^{−t})` with `a = 1.01`, `b = 1.99`, so
//! `dp/dt = (p − a)(b − p)/(b − a)` and `d²p/dt² = dp/dt · (a + b − 2p)/(b − a)`.
//!
//! The density (Dunn & Smyth 2005) is, for y > 0,
//!
//! ```text
//! log f(y; μ, φ, p) = log W(y, φ, p) − log y + (y μ^{1−p}/(1−p) − μ^{2−p}/(2−p)) / φ
//! W = Σ_{j≥1} W_j,  log W_j = j(−α log y + α log(p−1) − (1−α) log φ − log(2−p)) − log j! − log Γ(−jα)
//! ```
//!
//! with `α = (2−p)/(1−p)`, and `log f(0) = −μ^{2−p}/(φ(2−p))`. The series is
//! summed outwards from its largest term (near `j = y^{2−p}/(φ(2−p))`) until
//! the terms fall below e^{−37} of it; derivatives of log W are the
//! means and covariances of the per-term derivatives under the weights
//! `W_j / W`.

use rayon::prelude::*;

use super::special::{digamma, ln_gamma, trigamma};
use super::{Obs, ThetaDerivatives};

/// Lower end of the power's range (mgcv's `tw(a = 1.01)`).
pub const P_MIN: f64 = 1.01;
/// Upper end of the power's range (mgcv's `tw(b = 1.99)`).
pub const P_MAX: f64 = 1.99;

/// Series terms smaller than the largest by this much in log (e^{−37} ≈ 1e-16) are dropped.
const SERIES_LOG_TOL: f64 = 37.0;

/// Most terms summed on either side of the largest.
const SERIES_MAX_TERMS: usize = 100_000;

/// The power for the unconstrained parameter t.
pub fn p_of_t(t: f64) -> f64 {
    if t > 0.0 {
        (P_MAX + P_MIN * (-t).exp()) / (1.0 + (-t).exp())
    } else {
        (P_MAX * t.exp() + P_MIN) / (t.exp() + 1.0)
    }
}

/// The unconstrained parameter for power p.
pub fn t_of_p(p: f64) -> f64 {
    ((p - P_MIN) / (P_MAX - p)).ln()
}

/// `[dp/dt, d²p/dt²]` at power p.
pub fn p_derivatives(p: f64) -> [f64; 2] {
    let d1 = (p - P_MIN) * (P_MAX - p) / (P_MAX - P_MIN);
    [d1, d1 * (P_MIN + P_MAX - 2.0 * p) / (P_MAX - P_MIN)]
}

/// Moments of the series: log W and its derivatives in ρ = log φ and p.
pub(crate) struct Series {
    /// `log W`.
    pub(crate) log_w: f64,
    /// `∂ log W/∂ρ`.
    pub(crate) w_rho: f64,
    /// `∂² log W/∂ρ²`.
    pub(crate) w_rhorho: f64,
    /// `∂ log W/∂p`.
    pub(crate) w_p: f64,
    /// `∂² log W/∂p²`.
    pub(crate) w_pp: f64,
    /// `∂² log W/∂p∂ρ`.
    pub(crate) w_prho: f64,
}

/// [`series`] for another family (twlss, [`crate::family::general::twlss`]).
pub(crate) fn series_moments(y: f64, phi: f64, p: f64) -> Series {
    series(y, phi, p)
}

fn series(y: f64, phi: f64, p: f64) -> Series {
    let alpha = (2.0 - p) / (1.0 - p);
    let a1 = 1.0 / (1.0 - p).powi(2);
    let a2 = 2.0 / (1.0 - p).powi(3);
    let (ly, lphi, lp1) = (y.ln(), phi.ln(), (p - 1.0).ln());
    let per_j = -alpha * ly + alpha * lp1 - (1.0 - alpha) * lphi - (2.0 - p).ln();
    let log_term = |j: f64| j * per_j - ln_gamma(j + 1.0) - ln_gamma(-j * alpha);
    let j_max = (y.powf(2.0 - p) / (phi * (2.0 - p))).round().max(1.0);
    let l_max = log_term(j_max);
    // Per-term derivatives.
    let dp_common = a1 * (lp1 - ly + lphi) + alpha / (p - 1.0) + 1.0 / (2.0 - p);
    let dpp_common =
        a2 * (lp1 - ly + lphi) + 2.0 * a1 / (p - 1.0) - alpha / (p - 1.0).powi(2) + 1.0 / (2.0 - p).powi(2);
    let mut s = [0.0f64; 7]; // Σe, Σe·ℓρ, Σe·ℓρ², Σe·ℓp, Σe·(ℓp² + ℓpp), Σe·(ℓpρ + ℓp ℓρ), unused
    let mut add = |j: f64| -> f64 {
        let l = log_term(j);
        let e = (l - l_max).exp();
        let l_rho = -j * (1.0 - alpha);
        let psi0 = digamma(-j * alpha);
        let l_p = j * dp_common + j * a1 * psi0;
        let l_pp = j * dpp_common + j * a2 * psi0 - j * j * a1 * a1 * trigamma(-j * alpha);
        let l_prho = j * a1;
        s[0] += e;
        s[1] += e * l_rho;
        s[2] += e * l_rho * l_rho;
        s[3] += e * l_p;
        s[4] += e * (l_p * l_p + l_pp);
        s[5] += e * (l_prho + l_p * l_rho);
        l
    };
    add(j_max);
    let mut j = j_max + 1.0;
    for _ in 0..SERIES_MAX_TERMS {
        if add(j) < l_max - SERIES_LOG_TOL {
            break;
        }
        j += 1.0;
    }
    let mut j = j_max - 1.0;
    while j >= 1.0 {
        if add(j) < l_max - SERIES_LOG_TOL {
            break;
        }
        j -= 1.0;
    }
    let m = |k: usize| s[k] / s[0];
    let (e_rho, e_p) = (m(1), m(3));
    Series {
        log_w: l_max + s[0].ln(),
        w_rho: e_rho,
        w_rhorho: m(2) - e_rho * e_rho,
        w_p: e_p,
        w_pp: m(4) - e_p * e_p,
        w_prho: m(5) - e_p * e_rho,
    }
}

/// `log f(y; μ, φ, p)` (R's `ldTweedie(y, mu, p = p, phi = phi)[, 1]`).
pub fn log_density(y: f64, mu: f64, phi: f64, p: f64) -> f64 {
    let kappa = mu.powf(2.0 - p) / (2.0 - p);
    if y <= 0.0 {
        return -kappa / phi;
    }
    let theta = mu.powf(1.0 - p) / (1.0 - p);
    series(y, phi, p).log_w - y.ln() + (y * theta - kappa) / phi
}

/// The saturated log-likelihood of one observation, `log f(y; y, φ, p)`,
/// with its derivatives in ρ = log φ and t (mgcv's `ldTweedie(y, y, rho, theta)`):
/// `[l, l_ρ, l_ρρ, l_t, l_tt, l_tρ]`.
pub fn saturated(y: f64, phi: f64, p: f64) -> [f64; 6] {
    if y <= 0.0 {
        return [0.0; 6];
    }
    let [pt, ptt] = p_derivatives(p);
    let ly = y.ln();
    let c = y.powf(2.0 - p) / ((1.0 - p) * (2.0 - p));
    let q = 1.0 / (1.0 - p) + 1.0 / (2.0 - p);
    let q1 = 1.0 / (1.0 - p).powi(2) + 1.0 / (2.0 - p).powi(2);
    let c_p = c * (q - ly);
    let c_pp = c * ((q - ly).powi(2) + q1);
    let w = series(y, phi, p);
    let l_p = w.w_p + c_p / phi;
    let l_pp = w.w_pp + c_pp / phi;
    let l_prho = w.w_prho - c_p / phi;
    [
        w.log_w - ly + c / phi,
        w.w_rho - c / phi,
        w.w_rhorho + c / phi,
        l_p * pt,
        l_pp * pt * pt + l_p * ptt,
        l_prho * pt,
    ]
}

/// `Σ w · saturated(y, φ, p)`: the saturated log-likelihood and its derivatives.
/// The series dominate a Tweedie fit's time, so blocks of rows are summed in parallel (fixed
/// blocks, summed in order: the result does not depend on the thread count).
pub(super) fn saturated_sum(obs: &[Obs], phi: f64, p: f64) -> [f64; 6] {
    let parts: Vec<[f64; 6]> = obs
        .par_chunks(SUM_BLOCK_ROWS)
        .map(|block| {
            let mut l = [0.0; 6];
            for o in block {
                for (acc, v) in l.iter_mut().zip(saturated(o.y, phi, p)) {
                    *acc += o.w * v;
                }
            }
            l
        })
        .collect();
    let mut l = [0.0; 6];
    for part in parts {
        for (acc, v) in l.iter_mut().zip(part) {
            *acc += v;
        }
    }
    l
}

/// Rows per block of [`saturated_sum`].
const SUM_BLOCK_ROWS: usize = 4096;

/// The Tweedie unit deviance's derivatives in t (p = p(t)), as mgcv's `tw()$Dd`.
pub(super) fn deviance_derivatives(o: Obs, mu: f64, p: f64) -> ThetaDerivatives {
    let (y, w) = (o.y, o.w);
    let [p1, p2] = p_derivatives(p);
    let y1 = if y == 0.0 { 1.0 } else { y };
    let (ly1, lmu) = (y1.ln(), mu.ln());
    let mu1p = mu.powf(1.0 - p);
    let mup = mu.powf(p);
    let mu2p = mu * mu1p;
    let y2p = y.powf(2.0 - p);
    let mup1 = mu.powf(-p - 1.0);
    let ymupi = y / mup;
    let i1p = 1.0 / (1.0 - p);
    // In p, then converted to t by the chain rule (mgcv's dpth1, dpth2).
    let d_p = 2.0
        * w
        * ((y2p * ly1 - mu2p * lmu) / (2.0 - p) + (y * mu1p * lmu - y2p * ly1) / (1.0 - p)
            - (y2p - mu2p) / (2.0 - p).powi(2)
            + (y2p - y * mu1p) * i1p * i1p);
    let dmu_p = 2.0 * w * lmu * (ymupi - mu1p);
    let dmu2_p = 2.0 * w * (mup1 * y * (1.0 - p * lmu) - (lmu * (1.0 - p) + 1.0) / mup);
    let y2plogy = y2p * ly1;
    let y2plog2y = y2plogy * ly1;
    let d_pp = 2.0
        * w
        * ((mu2p * lmu * lmu - y2plog2y) / (2.0 - p)
            + (y2plog2y - y * mu1p * lmu * lmu) / (1.0 - p)
            + 2.0 * (y2plogy - mu2p * lmu) / (2.0 - p).powi(2)
            + 2.0 * (y * mu1p * lmu - y2plogy) / (1.0 - p).powi(2)
            + 2.0 * (mu2p - y2p) / (2.0 - p).powi(3)
            + 2.0 * (y2p - y * mu1p) / (1.0 - p).powi(3));
    let dmu_pp = 2.0 * w * (mu1p * lmu * lmu - lmu * lmu * ymupi);
    let dmu2_pp = 2.0 * w * (mup1 * lmu * y * (lmu * p - 2.0) + lmu / mup * (lmu * (1.0 - p) + 2.0));
    let dmu3_p =
        2.0 * w * mup1 * (y / mu * (lmu * (1.0 + p) * p - 2.0 * p - 1.0) + lmu * (1.0 - p) * p + 2.0 * p - 1.0);
    ThetaDerivatives {
        d_t: d_p * p1,
        d_tt: d_pp * p1 * p1 + d_p * p2,
        dmu_t: dmu_p * p1,
        dmu_tt: dmu_pp * p1 * p1 + dmu_p * p2,
        dmu2_t: dmu2_p * p1,
        dmu2_tt: dmu2_pp * p1 * p1 + dmu2_p * p2,
        dmu3_t: dmu3_p * p1,
    }
}

#[cfg(test)]
// R's printout with 17 significant digits, kept as printed.
#[allow(clippy::excessive_precision)]
mod tests {
    use super::*;

    /// Agreement with R's `ldTweedie`, relative.
    const R_REL_TOL: f64 = 1e-9;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= R_REL_TOL * (1.0 + b.abs())
    }

    #[test]
    fn saturated_loglik_matches_mgcv() {
        // mgcv 1.8-41: ldTweedie(y, y, rho = log(1.3), theta = 0.4, a = 1.01, b = 1.99)
        // columns l, rho, rho.2, th, th.2, th.rho.
        let want = [
            (
                0.5,
                [
                    -0.70029354516669584,
                    -0.74427256892955729,
                    -0.29155105565973649,
                    0.163199257513220286,
                    -0.073484815043300733,
                    0.158046857425650722,
                ],
            ),
            (
                1.3,
                [
                    -1.38822368370789473,
                    -0.65087591989235483,
                    -0.19336389346661109,
                    -0.026039696446669758,
                    0.023539434342441767,
                    0.028699572188523648,
                ],
            ),
            (
                2.7,
                [
                    -1.93467947023771547,
                    -0.60365246015125429,
                    -0.13013136071102327,
                    -0.134905499834942710,
                    0.038031803815351317,
                    -0.014121746344285202,
                ],
            ),
            (
                0.01,
                [
                    1.59502686914346903,
                    -1.30159422052401008,
                    -0.29325331513986819,
                    1.996626371075280737,
                    -2.447927685376320106,
                    0.864978114431601774,
                ],
            ),
        ];
        let p = p_of_t(0.4);
        assert_eq!(saturated(0.0, 1.3, p), [0.0; 6]);
        for (y, w) in want {
            let got = saturated(y, 1.3, p);
            for k in 0..6 {
                assert!(close(got[k], w[k]), "y = {y}, column {k}: {} vs mgcv {}", got[k], w[k]);
            }
        }
    }

    #[test]
    fn log_density_matches_mgcv() {
        // ldTweedie(c(0.5, 1.3, 2.7, 0.01), c(1, 1, 2, 0.5), p = 1.4, phi = 0.8)[, 1]
        let want = [
            -0.67068874973185766,
            -1.11041329591416460,
            -1.64648991856837412,
            -1.15185597788211735,
        ];
        for ((y, mu), w) in [(0.5, 1.0), (1.3, 1.0), (2.7, 2.0), (0.01, 0.5)].into_iter().zip(want) {
            let got = log_density(y, mu, 0.8, 1.4);
            assert!(close(got, w), "y = {y}: {got} vs mgcv {w}");
        }
        assert!((log_density(0.0, 2.0, 0.8, 1.4) + 2.0f64.powf(0.6) / (0.8 * 0.6)).abs() < 1e-14);
    }

    #[test]
    fn the_power_transform_round_trips_with_its_derivatives() {
        for t in [-3.0, -0.2, 0.0, 0.7, 4.0] {
            let p = p_of_t(t);
            assert!(p > P_MIN && p < P_MAX);
            assert!((t_of_p(p) - t).abs() < 1e-10);
            let h = 1e-5;
            let fd1 = (p_of_t(t + h) - p_of_t(t - h)) / (2.0 * h);
            let fd2 = (p_of_t(t + h) - 2.0 * p + p_of_t(t - h)) / (h * h);
            let [d1, d2] = p_derivatives(p);
            assert!((fd1 - d1).abs() < 1e-8 && (fd2 - d2).abs() < 1e-4, "t = {t}");
        }
    }
}
