//! Beta regression (mgcv 1.8-41's `betar`, `efam.r` lines 1277–1566): a response in (0, 1)
//! with density
//!
//! ```text
//! f(y; μ, φ) = Γ(φ) / (Γ(μφ) Γ((1−μ)φ)) · y^(μφ−1) (1−y)^((1−μ)φ−1),
//! E y = μ,  Var y = μ(1−μ)/(1+φ)
//! ```
//!
//! with the precision φ estimated with the smoothing parameters as `t = log φ` (mgcv's
//! `theta`). As mgcv does for this family, the "deviance" the fit works with is −2 log f
//! (`dev.resids`), the saturated log-likelihood `ls` of the REML criterion is 0 and the scale
//! is 1; the reported deviance adds back twice the saturated log-likelihood (`postproc`,
//! `saturated.ll`: per row the maximum of log f over μ). Responses at or beyond `eps` of 0
//! and 1 are moved to `eps` and `1 − eps` (mgcv's `preinitialize`, `eps = 100 ·
//! .Machine$double.eps` by default); here every function clamps y itself, so the data are
//! never changed.
//!
//! The derivatives of −2 log f in μ and t are mgcv's `Dd` (level 2), written with
//! `a = μφ`, `b = (1−μ)φ` and the polygamma functions ψ⁽ᵏ⁾.

use super::special::{digamma, ln_gamma, pentagamma, tetragamma, trigamma};
use super::{DevDerivs, Obs, ThetaDerivatives};

/// mgcv's default `eps` of `betar()`: `.Machine$double.eps * 100`.
pub const DEFAULT_EPS: f64 = f64::EPSILON * 100.0;

/// Newton iterations allowed per row of the saturated log-likelihood.
const SATURATED_MAX_ITER: usize = 200;

/// y moved inside `[eps, 1 − eps]` (mgcv's `preinitialize`).
pub fn clamp(y: f64, eps: f64) -> f64 {
    if y >= 1.0 - eps {
        1.0 - eps
    } else if y <= eps {
        eps
    } else {
        y
    }
}

/// `w · (−2 log f(y; μ, φ))`: mgcv's `betar()$dev.resids` (and, summed, its `aic`).
pub fn minus_two_loglik(y: f64, w: f64, mu: f64, phi: f64) -> f64 {
    let muth = mu * phi;
    2.0 * w
        * (-ln_gamma(phi) + ln_gamma(muth) + ln_gamma(phi - muth) - muth * (y.ln() - (-y).ln_1p()) - phi * (-y).ln_1p()
            + y.ln()
            + (-y).ln_1p())
}

/// The variance `μ(1−μ)/(1+φ)` and its first three derivatives in μ.
pub fn variance(mu: f64, phi: f64) -> [f64; 4] {
    let c = 1.0 / (1.0 + phi);
    [mu * (1.0 - mu) * c, (1.0 - 2.0 * mu) * c, -2.0 * c, 0.0]
}

/// Polygamma values at `a = μφ` and `b = (1−μ)φ`: `[ψ(a), ψ'(a), ψ''(a), ψ'''(a)]` and the same at b.
fn polygammas(mu: f64, phi: f64) -> ([f64; 4], [f64; 4]) {
    let (a, b) = (mu * phi, (1.0 - mu) * phi);
    (
        [digamma(a), trigamma(a), tetragamma(a), pentagamma(a)],
        [digamma(b), trigamma(b), tetragamma(b), pentagamma(b)],
    )
}

/// Derivatives of `w · (−2 log f)` in μ (mgcv's `Dmu`, `Dmu2`, `EDmu2`, `Dmu3`, `Dmu4`).
pub(super) fn mu_derivatives(o: Obs, mu: f64, phi: f64) -> DevDerivs {
    let (pa, pb) = polygammas(mu, phi);
    let w2 = 2.0 * o.w;
    let ly = o.y.ln() - (-o.y).ln_1p();
    let dmu2 = w2 * phi * phi * (pa[1] + pb[1]);
    DevDerivs {
        dmu: w2 * phi * (pa[0] - pb[0] - ly),
        dmu2,
        edmu2: dmu2,
        dmu3: w2 * phi.powi(3) * (pa[2] - pb[2]),
        dmu4: w2 * phi.powi(4) * (pa[3] + pb[3]),
    }
}

/// Derivatives of `w · (−2 log f)` in `t = log φ` (mgcv's `Dth`, `Dth2`, `Dmuth`, `Dmuth2`,
/// `Dmu2th`, `Dmu2th2`, `Dmu3th`).
pub(super) fn theta_derivatives(o: Obs, mu: f64, phi: f64) -> ThetaDerivatives {
    let (pa, pb) = polygammas(mu, phi);
    let (psi0_th, psi1_th) = (digamma(phi), trigamma(phi));
    let w2 = 2.0 * o.w;
    let (y, onemu) = (o.y, 1.0 - mu);
    let l1y = (-y).ln_1p();
    let ly = y.ln() - l1y;
    let dmu = w2 * phi * (pa[0] - pb[0] - ly);
    let dmu2 = w2 * phi * phi * (pa[1] + pb[1]);
    let dmu3 = w2 * phi.powi(3) * (pa[2] - pb[2]);
    let d_t = w2 * phi * (-mu * ly - l1y + mu * pa[0] + onemu * pb[0] - psi0_th);
    let dmu_t = dmu + w2 * phi * phi * (mu * pa[1] - onemu * pb[1]);
    let dmu2_t = 2.0 * dmu2 + w2 * phi.powi(3) * (mu * pa[2] + onemu * pb[2]);
    ThetaDerivatives {
        d_t,
        d_tt: d_t + w2 * phi * phi * (mu * mu * pa[1] + onemu * onemu * pb[1] - psi1_th),
        dmu_t,
        dmu_tt: dmu_t
            + w2 * phi
                * phi
                * (mu * mu * phi * pa[2] + 2.0 * mu * pa[1] - phi * onemu * onemu * pb[2] - 2.0 * onemu * pb[1]),
        dmu2_t,
        dmu2_tt: 2.0 * dmu2_t
            + w2 * phi.powi(3)
                * (mu * mu * phi * pa[3] + 3.0 * mu * pa[2] + onemu * onemu * phi * pb[3] + 3.0 * onemu * pb[2]),
        dmu3_t: 3.0 * dmu3 + w2 * phi.powi(4) * (mu * pa[3] - onemu * pb[3]),
    }
}

/// The saturated log-likelihood of one row, `max_μ log f(y; μ, φ)` over
/// `eps/10 ≤ μ ≤ 1 − eps/10` (mgcv's `saturated.ll`, which bounds μ there). log f is concave in
/// μ, so its derivative `φ(log(y/(1−y)) − ψ(μφ) + ψ((1−μ)φ))` decreases: the maximiser is its
/// root, found by Newton steps in logit(μ) kept inside a shrinking bracket.
pub fn saturated_row(y: f64, phi: f64, eps: f64) -> f64 {
    let (lo_mu, hi_mu) = (eps / 10.0, 1.0 - eps / 10.0);
    let ly = y.ln() - (-y).ln_1p();
    let grad = |mu: f64| ly - digamma(mu * phi) + digamma((1.0 - mu) * phi);
    let logf = |mu: f64| -0.5 * minus_two_loglik(y, 1.0, mu, phi);
    let logit = |m: f64| (m / (1.0 - m)).ln();
    let inv = |e: f64| 1.0 / (1.0 + (-e).exp());
    if grad(lo_mu) <= 0.0 {
        return logf(lo_mu);
    }
    if grad(hi_mu) >= 0.0 {
        return logf(hi_mu);
    }
    let (mut lo, mut hi) = (logit(lo_mu), logit(hi_mu));
    let mut eta = logit(y.clamp(lo_mu, hi_mu));
    for _ in 0..SATURATED_MAX_ITER {
        let mu = inv(eta);
        let g = grad(mu);
        if g > 0.0 {
            lo = eta;
        } else {
            hi = eta;
        }
        // d/dη of the μ-gradient: −φ(ψ'(μφ) + ψ'((1−μ)φ)) · μ(1−μ).
        let h = -phi * (trigamma(mu * phi) + trigamma((1.0 - mu) * phi)) * mu * (1.0 - mu);
        let mut next = eta - g / h;
        if !(next > lo && next < hi) {
            next = 0.5 * (lo + hi);
        }
        if (next - eta).abs() <= 1e-15 * (1.0 + eta.abs()) || hi - lo <= 1e-15 * (1.0 + eta.abs()) {
            eta = next;
            break;
        }
        eta = next;
    }
    logf(inv(eta))
}

#[cfg(test)]
// R's printout with 17 significant digits, kept as printed.
#[allow(clippy::excessive_precision)]
mod tests {
    use super::*;

    /// Agreement with central differences, relative.
    const FD_REL_TOL: f64 = 1e-6;

    #[test]
    fn deviance_derivatives_match_finite_differences() {
        let o = Obs::new(0.31, 1.7);
        let (mu, phi) = (0.42, 5.5);
        let h = 1e-5;
        let close = |fd: f64, an: f64, what: &str| {
            assert!((fd - an).abs() <= FD_REL_TOL * (1.0 + an.abs()), "{what}: {an} vs {fd}");
        };
        let d = |m: f64| minus_two_loglik(o.y, o.w, m, phi);
        let m = |m: f64| mu_derivatives(o, m, phi);
        let dd = m(mu);
        close((d(mu + h) - d(mu - h)) / (2.0 * h), dd.dmu, "Dmu");
        close((m(mu + h).dmu - m(mu - h).dmu) / (2.0 * h), dd.dmu2, "Dmu2");
        close((m(mu + h).dmu2 - m(mu - h).dmu2) / (2.0 * h), dd.dmu3, "Dmu3");
        close((m(mu + h).dmu3 - m(mu - h).dmu3) / (2.0 * h), dd.dmu4, "Dmu4");
        let t = phi.ln();
        let th = |t: f64| theta_derivatives(o, mu, t.exp());
        let td = th(t);
        let dt = |t: f64| minus_two_loglik(o.y, o.w, mu, t.exp());
        close((dt(t + h) - dt(t - h)) / (2.0 * h), td.d_t, "Dth");
        close((th(t + h).d_t - th(t - h).d_t) / (2.0 * h), td.d_tt, "Dth2");
        close((th(t + h).dmu_t - th(t - h).dmu_t) / (2.0 * h), td.dmu_tt, "Dmuth2");
        close((th(t + h).dmu2_t - th(t - h).dmu2_t) / (2.0 * h), td.dmu2_tt, "Dmu2th2");
        let mt = |t: f64| mu_derivatives(o, mu, t.exp());
        close((mt(t + h).dmu - mt(t - h).dmu) / (2.0 * h), td.dmu_t, "Dmuth");
        close((mt(t + h).dmu2 - mt(t - h).dmu2) / (2.0 * h), td.dmu2_t, "Dmu2th");
        close((mt(t + h).dmu3 - mt(t - h).dmu3) / (2.0 * h), td.dmu3_t, "Dmu3th");
    }

    #[test]
    fn saturated_loglik_is_the_maximum_over_the_mean() {
        for (y, phi) in [(0.3, 4.0), (0.97, 1.5), (0.002, 20.0), (DEFAULT_EPS, 1.3)] {
            let l = saturated_row(y, phi, DEFAULT_EPS);
            for mu in [0.001, 0.1, 0.3, 0.5, 0.9, 0.999] {
                assert!(
                    -0.5 * minus_two_loglik(y, 1.0, mu, phi) <= l + 1e-12,
                    "y = {y}, μ = {mu}"
                );
            }
        }
        // mgcv 1.8-41: betar()$saturated.ll(y, 1, φ)$f.
        for (y, phi, want) in [
            (0.3, 4.0, 0.50209690063639401),
            (0.97, 1.5, 1.3197568613963089),
            (0.002, 20.0, 4.1083712025328225),
        ] {
            let l = saturated_row(y, phi, DEFAULT_EPS);
            assert!((l - want).abs() < 1e-9 * want.abs(), "y = {y}: {l} vs mgcv {want}");
        }
        assert_eq!(clamp(0.0, DEFAULT_EPS), DEFAULT_EPS);
        assert_eq!(clamp(1.0, DEFAULT_EPS), 1.0 - DEFAULT_EPS);
    }
}
