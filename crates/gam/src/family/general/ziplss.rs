//! mgcv's `ziplss` (gamlss.r, `zipll` line 1294, `ziplss` line 1351): a zero-inflated Poisson
//! model with two linear predictors, both on identity links. The first is `γ = log λ`, the
//! log Poisson mean given presence; the second is `η`, the presence probability's
//! complementary log-log, `p = 1 − exp(−e^η)`. A zero is either absence or a Poisson zero
//! given presence is not counted separately: mgcv's likelihood is
//!
//! ```text
//! y = 0:  ℓ = log(1 − p) = −e^η
//! y > 0:  ℓ = log p + y γ − log(e^λ − 1) − log y!
//!           = F(e^η) + y γ − e^γ − F(e^γ) − log y!,      F(u) = log(1 − e^{−u})
//! ```
//!
//! (the Poisson given presence is truncated at zero). Every derivative of `u = e^η` in `η`
//! is `u`, so with `φ(η) = F(e^η)` Faà di Bruno gives `φ^(n) = Σ_k S(n, k) F^(k)(u) u^k`
//! (Stirling numbers of the second kind). With `q = e^{−u}` and `r = u/(1 − q)`,
//! `F^(k)(u) u^k` is `q r`, `−q r²`, `q(1 + q) r³`, `−q(1 + 4q + q²) r⁴` for `k` = 1…4, which
//! stays finite for `u` from 1e-300 to `e^{700}` (mgcv's `lde`, `ldg`, `l1ee`, `lee1`
//! switch to series at the ends instead). The `γ` part is `−e^γ − φ(γ)`, whose derivatives are
//! `−e^γ − φ^(n)(γ)`; the cross derivatives are 0.
//!
//! mgcv's deviance is `2 Σ max(0, ℓ_s(y_i) − ℓ_i)` with the saturated log-likelihood `ℓ_s`
//! (`ls` in its `residuals`: 0 for `y < 2`, else `y log g − log(e^g − 1) − log y!` at mgcv's
//! tabulated maximiser `g` for `y` = 2…17 and `g = y` above), and the null deviance
//! `2 (Σ ℓ_s − ℓ_null)` with `ℓ_null` the best constant `p` and `λ` (its `postproc`, which
//! uses `optimize`; here the maximisers are exact: `p = n₊/n` and `λ/(1 − e^{−λ}) = ȳ₊`).
//! mgcv's `predict` on the response scale gives one column, `E(y) = p λ/(1 − e^{−λ})`, with
//! the delta-method standard error; mgcv 1.8-41 computes the variance of `η` from the first
//! predictor's model matrix and clips the covariance at 0 there, which this module does not
//! copy (each predictor's own variance, the covariance as it is).

use super::{PointDerivs, symmetric};
use crate::family::special::ln_gamma;

/// `F(u) = log(1 − e^{−u})` and `F^(k)(u) u^k` for `k` = 1…4 (module doc).
fn f_terms(u: f64) -> (f64, [f64; 4]) {
    let q = (-u).exp();
    if q == 0.0 {
        return (0.0, [0.0; 4]);
    }
    let d = -(-u).exp_m1();
    let f = if q < 0.5 { (-q).ln_1p() } else { d.ln() };
    let r = u / d;
    (
        f,
        [
            q * r,
            -q * r * r,
            q * (1.0 + q) * r.powi(3),
            -q * (1.0 + 4.0 * q + q * q) * r.powi(4),
        ],
    )
}

/// `φ(x) = F(e^x)` and its first four derivatives in `x`.
fn phi(x: f64) -> [f64; 5] {
    let (f, t) = f_terms(x.exp());
    [
        f,
        t[0],
        t[1] + t[0],
        t[2] + 3.0 * t[1] + t[0],
        t[3] + 6.0 * t[2] + 7.0 * t[1] + t[0],
    ]
}

/// ℓ and its derivatives in (γ, η) up to `order` (module doc).
pub(crate) fn param_derivs(y: f64, theta: &[f64], order: usize) -> PointDerivs {
    let (g, eta) = (theta[0], theta[1]);
    let k = order.min(4);
    // ℓ's derivatives in γ alone and in η alone, orders 0..=4; the cross terms are 0.
    let (lg, le) = if y == 0.0 {
        let e = -eta.exp();
        ([0.0; 5], [e; 5])
    } else {
        let (pg, pe) = (phi(g), phi(eta));
        let eg = g.exp();
        let mut lg = [0.0; 5];
        for (n, v) in lg.iter_mut().enumerate() {
            *v = -eg - pg[n];
        }
        lg[0] += y * g - ln_gamma(y + 1.0);
        lg[1] += y;
        (lg, pe)
    };
    let mut out = PointDerivs {
        l0: lg[0] + le[0],
        ..PointDerivs::default()
    };
    let pure = |n: usize| {
        move |i: &[usize]| {
            if i.iter().all(|&a| a == 0) {
                lg[n]
            } else if i.iter().all(|&a| a == 1) {
                le[n]
            } else {
                0.0
            }
        }
    };
    if k >= 1 {
        out.l1 = vec![lg[1], le[1]];
        out.l2 = symmetric(2, 2, pure(2));
    }
    if k >= 3 {
        out.l3 = symmetric(2, 3, pure(3));
    }
    if k >= 4 {
        out.l4 = symmetric(2, 4, pure(4));
    }
    out
}

/// The response must be a non-negative whole count.
pub(crate) fn check_response(y: f64) -> std::result::Result<(), String> {
    if y.is_finite() && y >= 0.0 && y.fract() == 0.0 {
        Ok(())
    } else {
        Err(format!("ziplss needs a non-negative whole count, not {y}"))
    }
}

/// Refuses responses mgcv's `initialize` refuses (0/1 data) and all-zero responses (whose
/// null model has no Poisson mean).
pub(crate) fn check_responses(y: &[f64]) -> std::result::Result<(), String> {
    let max = y.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let min = y.iter().cloned().fold(f64::INFINITY, f64::min);
    if min == 0.0 && max == 1.0 {
        return Err("ziplss for 0/1 data makes no sense (as mgcv says): use a binomial family".into());
    }
    if max == 0.0 {
        return Err("ziplss needs some non-zero counts; every response is 0".into());
    }
    Ok(())
}

/// mgcv's tabulated maximiser of the saturated likelihood for `y` = 2…17 (`glo` in `ls`).
const SATURATED_LAMBDA: [f64; 16] = [
    1.593624, 2.821439, 3.920690, 4.965114, 5.984901, 6.993576, 7.997309, 8.998888, 9.999546, 10.999816, 11.999926,
    12.999971, 13.999988, 14.999995, 15.999998, 16.999999,
];

/// The saturated log-likelihood of one count (mgcv's `ls`).
fn saturated(y: f64) -> f64 {
    if y < 2.0 {
        return 0.0;
    }
    let g = if y < 18.0 { SATURATED_LAMBDA[y as usize - 2] } else { y };
    // At η = 1e10 the presence term is 0.
    y * g.ln() - g - phi(g.ln())[0] - ln_gamma(y + 1.0)
}

/// The deviance and null deviance at log means `gamma` and presence predictors `eta`.
pub(crate) fn deviances(y: &[f64], gamma: &[f64], eta: &[f64]) -> (f64, f64) {
    let ls: Vec<f64> = y.iter().map(|&v| saturated(v)).collect();
    let dev = y
        .iter()
        .zip(gamma.iter().zip(eta))
        .zip(&ls)
        .map(|((&v, (&g, &e)), &s)| (2.0 * (s - param_derivs(v, &[g, e], 0).l0)).max(0.0))
        .sum();
    let n = y.len() as f64;
    let pos: Vec<f64> = y.iter().cloned().filter(|&v| v > 0.0).collect();
    let n_pos = pos.len() as f64;
    let n_zero = n - n_pos;
    let xlogx = |a: f64| if a > 0.0 { a * (a / n).ln() } else { 0.0 };
    let mut l_null = xlogx(n_zero) + xlogx(n_pos);
    if !pos.is_empty() {
        let s: f64 = pos.iter().sum();
        let my = s / n_pos;
        // λ/(1 − e^{−λ}) = ȳ₊ by bisection in mgcv's interval [ȳ₊/2, 2ȳ₊] (increasing in λ).
        let alpha = |l: f64| l / -(-l).exp_m1();
        let (mut lo, mut hi) = (my / 2.0, 2.0 * my);
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if alpha(mid) < my {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        let lam = 0.5 * (lo + hi);
        let lg: f64 = pos.iter().map(|&v| ln_gamma(v + 1.0)).sum();
        l_null += s * lam.ln() - n_pos * (lam + phi(lam.ln())[0]) - lg;
    }
    (dev, 2.0 * (ls.iter().sum::<f64>() - l_null))
}

/// The response-scale prediction for one row (module doc): `E(y)` and its standard error
/// from `(γ, η)` and their covariance `cov` (2 × 2, row-major).
pub(crate) fn response(eta: &[f64], cov: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let (g, e) = (eta[0], eta[1]);
    let et = e.exp();
    let p = -(-et).exp_m1();
    let lam = g.exp();
    let mu = if g < f64::EPSILON.ln() / 2.0 {
        1.0
    } else {
        lam / -(-lam).exp_m1()
    };
    let fit = p * mu;
    let d_eta = if e < f64::MAX.ln() / 2.0 {
        (-et).exp() * et * mu
    } else {
        0.0
    };
    let d_gamma = ((lam + 1.0) * mu - mu * mu) * p;
    let var = d_gamma * d_gamma * cov[0] + d_eta * d_eta * cov[3] + 2.0 * d_gamma * d_eta * cov[1];
    (vec![fit], vec![var.max(0.0).sqrt()])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each derivative tensor against central differences of the one below it, for a zero
    /// and a positive count, at moderate and extreme predictors.
    #[test]
    fn parameter_derivatives_match_finite_differences() {
        for (y, theta) in [
            (0.0, [0.4, -0.3]),
            (3.0, [0.4, -0.3]),
            (1.0, [-3.0, 2.5]),
            (7.0, [2.2, -4.0]),
        ] {
            super::super::testing::assert_point_derivs(&theta, |t| param_derivs(y, t, 4), 1e-6);
        }
    }

    /// The log-likelihood against the zero-truncated Poisson written out directly.
    #[test]
    fn log_likelihood_matches_its_definition() {
        let (g, e): (f64, f64) = (0.8, 0.2);
        let (lam, p) = (g.exp(), 1.0 - (-e.exp()).exp());
        let y = 4.0;
        let direct = p.ln() + y * lam.ln() - (lam.exp() - 1.0).ln() - ln_gamma(y + 1.0);
        assert!((param_derivs(y, &[g, e], 0).l0 - direct).abs() < 1e-12);
        assert!((param_derivs(0.0, &[g, e], 0).l0 - (1.0 - p).ln()).abs() < 1e-12);
    }

    #[test]
    fn counts_are_checked() {
        assert!(check_response(-1.0).is_err());
        assert!(check_response(1.5).is_err());
        assert!(check_response(f64::INFINITY).is_err());
        assert!(check_response(0.0).is_ok());
        assert!(check_responses(&[0.0, 1.0, 1.0]).is_err());
        assert!(check_responses(&[0.0, 0.0]).is_err());
        assert!(check_responses(&[0.0, 2.0]).is_ok());
    }
}
