//! mgcv's `shash` (gamlss.r, line 3021): Jones & Pewsey's sinh-arcsinh distribution with
//! four linear predictors, the location `μ` (identity), `τ = log σ` on mgcv's `logeb` link
//! `τ = log(e^η + b)` (`b` = 0.01, which keeps σ above `b`), the skewness `ε` (identity) and
//! `φ = log δ` (identity) for the tail weight.
//!
//! Per observation, with `z = (y − μ)/(σ δ)` and `s = δ asinh(z) − ε`,
//!
//! ```text
//! ℓ = −τ − log(2π)/2 + log cosh(s) − log(1 + z²)/2 − sinh²(s)/2 − p_φ φ²
//! ```
//!
//! as mgcv's `ll` (`l0`, line 3188), including its small ridge `p_φ φ²` on `φ` (`phiPen` =
//! 1e-3) that keeps δ finite. The derivatives in `(μ, τ, ε, φ)` to fourth order come from
//! truncated-Taylor jet arithmetic (`family::general::jet`) on this one expression (mgcv's
//! code spells out every one).

use super::PointDerivs;
use super::jet::Jet;

/// mgcv's default `b` of the `logeb` link.
pub const DEFAULT_B: f64 = 0.01;

/// mgcv's default ridge on `φ = log δ` (`phiPen`).
pub const PHI_PEN: f64 = 1e-3;

/// `h_a(η)` and its first four derivatives: τ on the `logeb` link, the others identity.
pub(crate) fn inverse_link(a: usize, eta: f64, b: f64) -> [f64; 5] {
    if a != 1 {
        return [eta, 1.0, 0.0, 0.0, 0.0];
    }
    // h = log(e^η + b); h' = p = e^η/(e^η + b) = logistic(η − log b), q = p(1 − p):
    // h'' = q, h''' = q(1 − 2p), h'''' = q(1 − 6q).
    let h = if eta > 0.0 {
        eta + (b * (-eta).exp()).ln_1p()
    } else {
        (eta.exp() + b).ln()
    };
    let p = 1.0 / (1.0 + b * (-eta).exp());
    let q = p * (1.0 - p);
    [h, p, q, q * (1.0 - 2.0 * p), q * (1.0 - 6.0 * q)]
}

/// The `logeb` link itself, `η = log(e^τ − b)` (the tests invert the inverse link with it).
#[cfg(test)]
pub(crate) fn tau_link(tau: f64, b: f64) -> f64 {
    (tau.exp() - b).ln()
}

/// `asinh` of a jet.
fn asinh(x: Jet) -> Jet {
    let z = x.value();
    let u = 1.0 + z * z;
    let r = u.sqrt();
    x.map([
        z.asinh(),
        1.0 / r,
        -z / (u * r),
        (2.0 * z * z - 1.0) / (u * u * r),
        (9.0 * z - 6.0 * z * z * z) / (u * u * u * r),
    ])
}

/// `log cosh` of a jet: derivatives `tanh`, `sech²`, `−2 tanh sech²`, `−2 sech⁴ + 4 tanh² sech²`.
fn ln_cosh(x: Jet) -> Jet {
    let s = x.value();
    let a = s.abs();
    // log cosh s = |s| + log(1 + e^{−2|s|}) − log 2, without overflow.
    let v = a + (-2.0 * a).exp().ln_1p() - std::f64::consts::LN_2;
    let t = s.tanh();
    let sech2 = 1.0 - t * t;
    x.map([
        v,
        t,
        sech2,
        -2.0 * t * sech2,
        -2.0 * sech2 * sech2 + 4.0 * t * t * sech2,
    ])
}

/// `sinh` of a jet.
fn sinh(x: Jet) -> Jet {
    let (s, c) = (x.value().sinh(), x.value().cosh());
    x.map([s, c, s, c, s])
}

/// ℓ and its derivatives in (μ, τ, ε, φ) up to `order` (module doc).
pub(crate) fn param_derivs(y: f64, theta: &[f64], order: usize) -> PointDerivs {
    let v = Jet::variables(theta, order);
    let (mu, tau, eps, phi) = (v[0], v[1], v[2], v[3]);
    let delta = phi.exp();
    let z = (-mu + y) * (-(tau + phi)).exp();
    let s = delta * asinh(z) - eps;
    let sh = sinh(s);
    let l = -tau + (-0.5 * (2.0 * std::f64::consts::PI).ln()) + ln_cosh(s)
        - (z * z).ln_1p() * 0.5
        - sh * sh * 0.5
        - phi * phi * PHI_PEN;
    l.point_derivs()
}

/// The response check: a finite number.
pub(crate) fn check_response(y: f64) -> Result<(), String> {
    if y.is_finite() {
        Ok(())
    } else {
        Err("the response must be a finite number for shash".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ℓ against mgcv's expression evaluated directly, and the jet's derivatives against
    /// central differences of the order below.
    #[test]
    fn log_likelihood_and_derivatives() {
        let (y, th) = (0.4, [0.1, -0.2, 0.3, -0.25]);
        let d = param_derivs(y, &th, 4);
        let (sig, del) = (th[1].exp(), th[3].exp());
        let z = (y - th[0]) / (sig * del);
        let s = del * z.asinh() - th[2];
        let l0 = -th[1] - 0.5 * (2.0 * std::f64::consts::PI).ln() + s.cosh().ln()
            - 0.5 * (1.0 + z * z).ln()
            - 0.5 * s.sinh().powi(2)
            - PHI_PEN * th[3] * th[3];
        assert!((d.l0 - l0).abs() < 1e-13);
        let h = 1e-5;
        for c in 0..4 {
            let (mut up, mut dn) = (th, th);
            up[c] += h;
            dn[c] -= h;
            let (u, w) = (param_derivs(y, &up, 4), param_derivs(y, &dn, 4));
            for j in 0..64 {
                let fd = (u.l3[j] - w.l3[j]) / (2.0 * h);
                let exact = d.l4[j * 4 + c];
                assert!(
                    (fd - exact).abs() < 1e-5 * (1.0 + exact.abs()),
                    "l4 {j} {c}: {fd} vs {exact}"
                );
            }
            let fd = (u.l0 - w.l0) / (2.0 * h);
            assert!((fd - d.l1[c]).abs() < 1e-8);
        }
    }

    #[test]
    fn logeb_inverse_and_derivatives() {
        for eta in [-3.0, 0.2, 2.5] {
            assert!((tau_link(inverse_link(1, eta, DEFAULT_B)[0], DEFAULT_B) - eta).abs() < 1e-12);
            super::super::testing::assert_inverse_link_derivs(|e| inverse_link(1, e, DEFAULT_B), eta, 1e-8);
        }
    }
}
