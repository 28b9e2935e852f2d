//! The zero-inflated Poisson family (mgcv 1.8-41's `ziP`, `efam.r` lines 1862–2160, with the
//! log-likelihood of `zipll` in `gamlss.r`): counts that are either a structural zero or a
//! Poisson draw. The linear predictor γ is the log Poisson mean (`link = "identity"` on γ,
//! λ = e^γ); the probability p that a row is not a structural zero is tied to it by
//!
//! ```text
//! η = t₁ + (b + e^{t₂}) γ,   1 − p = exp(−e^η),
//! log f(0) = −e^η,   log f(y > 0) = log p + y γ − log(e^λ − 1) − ln y!
//! ```
//!
//! with `t = (t₁, t₂)` estimated with the smoothing parameters (mgcv's θ; `getTheta(TRUE)`
//! reports `(t₁, b + e^{t₂})`) and `b ≥ 0` fixed (mgcv's `b`, default 0). As mgcv does, the
//! fit's deviance is `D = −2 w log f` with `ls = 0` and scale 1; the reported deviance
//! subtracts the per-row minimum of D over γ (`saturated.ll`), which is 0 for zeros.
//!
//! Both `log p = h(e^η)` and `log(e^λ − 1) = λ + h(λ)` use one function,
//! `h(λ) = log(1 − e^{−λ})`, whose derivatives are polynomials in `q = 1/(e^λ − 1)`:
//! `h' = q`, `h'' = −q(1+q)`, `h''' = q(1+q)(1+2q)`, `h'''' = −q(1+q)(1+6q+6q²)`; every
//! derivative of D then comes from jets (module `jet`). The response-scale mean is
//! `E y = p λ/(1 − e^{−λ})` (mgcv's `predict`).

use super::jet::Jet;
use super::special::ln_gamma;
use super::{DevDerivs, Obs, ThetaDerivs};

/// mgcv's starting t: (0, 0), "start at Poisson".
const START_T: [f64; 2] = [0.0; 2];

/// Newton iterations allowed per row for the saturated log-likelihood.
const SATURATED_MAX_ITER: usize = 100;

/// Step halvings allowed per Newton step there.
const SATURATED_MAX_HALVINGS: usize = 50;

/// Below this γ (log of √ε), mgcv takes λ/(1 − e^{−λ}) as 1 in the mean.
fn tiny_gamma() -> f64 {
    f64::EPSILON.ln() / 2.0
}

/// `h(λ) = log(1 − e^{−λ})` and its first four derivatives (module doc).
fn h_derivatives(lambda: f64) -> [f64; 5] {
    let q = 1.0 / lambda.exp_m1();
    let q1 = q * (1.0 + q);
    [
        (-(-lambda).exp_m1()).ln(),
        q,
        -q1,
        q1 * (1.0 + 2.0 * q),
        -q1 * (1.0 + 6.0 * q + 6.0 * q * q),
    ]
}

/// The value and first four derivatives in x of `h(e^x)`, from h's at `λ = e^x`: with
/// Stirling numbers of the second kind, `dᵏ/dxᵏ h(e^x) = Σ_j S(k, j) h⁽ʲ⁾(λ) λʲ`.
fn h_of_exp(x: f64) -> [f64; 5] {
    let lam = x.exp();
    let h = h_derivatives(lam);
    let (l1, l2, l3, l4) = (lam, lam * lam, lam.powi(3), lam.powi(4));
    [
        h[0],
        h[1] * l1,
        h[2] * l2 + h[1] * l1,
        h[3] * l3 + 3.0 * h[2] * l2 + h[1] * l1,
        h[4] * l4 + 6.0 * h[3] * l3 + 7.0 * h[2] * l2 + h[1] * l1,
    ]
}

/// `log f` and its first four derivatives in γ at fixed t (closed forms: the inner
/// iteration's per-row work, where jets would cost a hundred times more).
fn loglik_in_gamma(y: f64, gamma: f64, theta: &[f64], b: f64) -> [f64; 5] {
    let pl = b + theta[1].exp();
    let eta = theta[0] + pl * gamma;
    if y == 0.0 {
        let e = eta.exp();
        return [-e, -pl * e, -pl.powi(2) * e, -pl.powi(3) * e, -pl.powi(4) * e];
    }
    // log p = H(η) = h(e^η); log(e^λ − 1) = λ + h(λ) = G(γ).
    let hh = h_of_exp(eta);
    let g = h_of_exp(gamma);
    let lam = gamma.exp();
    let mut out = [0.0; 5];
    for (k, o) in out.iter_mut().enumerate() {
        *o = pl.powi(k as i32) * hh[k] - lam - g[k];
    }
    out[0] += y * gamma - ln_gamma(y + 1.0);
    out[1] += y;
    out
}

/// `log f` as a jet, given γ and η as jets.
fn loglik_jet(y: f64, gamma: Jet, eta: Jet) -> Jet {
    if y == 0.0 {
        return -eta.exp();
    }
    let lam = gamma.exp();
    let lam_v = lam.value();
    let log_p = {
        let e = eta.exp();
        e.map(h_derivatives(e.value()))
    };
    log_p + gamma * y - lam - lam.map(h_derivatives(lam_v)) - ln_gamma(y + 1.0)
}

/// η as a jet in (γ, t₁, t₂).
fn eta_jet(gamma: Jet, theta: &[f64], b: f64) -> Jet {
    Jet::variable(1, theta[0]) + gamma * (Jet::variable(2, theta[1]).exp() + b)
}

/// D as a jet in (γ, t₁, t₂).
fn deviance_jet(o: Obs, gamma: f64, theta: &[f64], b: f64) -> Jet {
    let g = Jet::variable(0, gamma);
    loglik_jet(o.y, g, eta_jet(g, theta, b)) * (-2.0 * o.w)
}

/// `−2 w log f(y; γ, t)`: mgcv's `ziP()$dev.resids` (and, summed, its `aic`).
pub fn deviance(o: Obs, gamma: f64, theta: &[f64], b: f64) -> f64 {
    let eta = theta[0] + (b + theta[1].exp()) * gamma;
    let l = if o.y == 0.0 {
        -eta.exp()
    } else {
        let lam = gamma.exp();
        h_derivatives(eta.exp())[0] + o.y * gamma - lam - h_derivatives(lam)[0] - ln_gamma(o.y + 1.0)
    };
    -2.0 * o.w * l
}

/// D's derivatives in γ (mgcv's `Dmu` … `Dmu4`, `EDmu2`: minus twice the expected second
/// derivative of log f, taking the expectation over zero and non-zero rows).
pub fn mu_derivatives(o: Obs, gamma: f64, theta: &[f64], b: f64) -> DevDerivs {
    let l = loglik_in_gamma(o.y, gamma, theta, b);
    // E[∂²log f/∂γ²] = p ∂²(−log(e^λ − 1))/∂γ² + (−(1 − p) e^η + p ∂²log p/∂η²) (b + e^{t₂})².
    let pl = b + theta[1].exp();
    let eta = theta[0] + pl * gamma;
    let et = eta.exp();
    let p = -(-et).exp_m1();
    let lee1_2 = gamma.exp() + h_of_exp(gamma)[2];
    let el2 = -p * lee1_2 + (-(1.0 - p) * et + p * h_of_exp(eta)[2]) * pl * pl;
    let m2w = -2.0 * o.w;
    DevDerivs {
        dmu: m2w * l[1],
        dmu2: m2w * l[2],
        edmu2: m2w * el2,
        dmu3: m2w * l[3],
        dmu4: m2w * l[4],
    }
}

/// D's derivatives in t, into `out` (two parameters).
pub fn theta_derivatives(o: Obs, gamma: f64, theta: &[f64], b: f64, out: &mut ThetaDerivs) {
    deviance_jet(o, gamma, theta, b).fill_theta_derivs(out);
}

/// The minimum of a row's D over γ at fixed t (mgcv's `saturated.ll`, which returns −2 times
/// the saturated log-likelihood): 0 for a zero; for a count, Newton's method in γ from log y
/// with step halving.
pub fn saturated_row(o: Obs, theta: &[f64], b: f64) -> f64 {
    if o.y == 0.0 || o.w == 0.0 {
        return 0.0;
    }
    let mut g = o.y.ln();
    let mut d = deviance(o, g, theta, b);
    for _ in 0..SATURATED_MAX_ITER {
        let l = loglik_in_gamma(o.y, g, theta, b);
        let (d1, d2) = (-2.0 * o.w * l[1], -2.0 * o.w * l[2]);
        // Newton where D is convex, else a gradient step of unit length in γ.
        let mut step = if d2 > 0.0 { -d1 / d2 } else { -d1.signum() };
        let mut improved = false;
        for _ in 0..SATURATED_MAX_HALVINGS {
            let next = deviance(o, g + step, theta, b);
            if next <= d {
                g += step;
                improved = next < d;
                d = next;
                break;
            }
            step /= 2.0;
        }
        if !improved || step.abs() <= 1e-12 * (1.0 + g.abs()) {
            break;
        }
    }
    d
}

/// mgcv's starting t.
pub fn initial_t() -> Vec<f64> {
    START_T.to_vec()
}

/// mgcv's starting linear predictor `log(y + [y = 0]/5)`.
pub fn initial_gamma(y: f64) -> f64 {
    (y + if y == 0.0 { 0.2 } else { 0.0 }).ln()
}

/// `(t₁, b + e^{t₂})`, as mgcv's `getTheta(TRUE)`.
pub fn reported(theta: &[f64], b: f64) -> Vec<f64> {
    vec![theta[0], b + theta[1].exp()]
}

/// The response-scale mean `p λ/(1 − e^{−λ})` at γ and its derivative in γ (mgcv's
/// `predict`, whose delta-method standard error is |dE/dγ| se(γ)).
pub fn mean_and_slope(gamma: f64, theta: &[f64], b: f64) -> (f64, f64) {
    let pl = b + theta[1].exp();
    let et = (theta[0] + pl * gamma).exp();
    let p = -(-et).exp_m1();
    let lam = gamma.exp();
    let m = if gamma < tiny_gamma() {
        1.0
    } else {
        lam / -(-lam).exp_m1()
    };
    let dp = (-et).exp() * et * pl;
    let dm = (lam + 1.0) * m - m * m;
    (p * m, dp * m + dm * p)
}

/// The variance of y at γ, `E y (1 + λ) − (E y)²` (used for Pearson-type summaries only).
pub fn variance(gamma: f64, theta: &[f64], b: f64) -> [f64; 4] {
    let (m, _) = mean_and_slope(gamma, theta, b);
    let lam = gamma.exp();
    [(m * (1.0 + lam) - m * m).max(0.0), 0.0, 0.0, 0.0]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Agreement with central differences, relative.
    const FD_REL_TOL: f64 = 1e-6;

    #[test]
    fn derivatives_match_finite_differences() {
        let close = |fd: f64, an: f64, what: &str| {
            assert!((fd - an).abs() <= FD_REL_TOL * (1.0 + an.abs()), "{what}: {an} vs {fd}");
        };
        let h = 1e-5;
        for (y, g, th, b) in [(0.0, 0.4, [0.3, -0.2], 0.0), (3.0, 0.9, [-0.5, 0.4], 0.2)] {
            let o = Obs::new(y, 1.4);
            let d = mu_derivatives(o, g, &th, b);
            let dev = |g: f64| deviance(o, g, &th, b);
            let m = |g: f64| mu_derivatives(o, g, &th, b);
            close((dev(g + h) - dev(g - h)) / (2.0 * h), d.dmu, "Dmu");
            close((m(g + h).dmu - m(g - h).dmu) / (2.0 * h), d.dmu2, "Dmu2");
            close((m(g + h).dmu2 - m(g - h).dmu2) / (2.0 * h), d.dmu3, "Dmu3");
            close((m(g + h).dmu3 - m(g - h).dmu3) / (2.0 * h), d.dmu4, "Dmu4");
            let j = deviance_jet(o, g, &th, b);
            for (k, v) in [d.dmu, d.dmu2, d.dmu3, d.dmu4].into_iter().enumerate() {
                close(j.d(k + 1, 0, 0), v, "closed form against the jet");
            }
            let mut td = ThetaDerivs::new(2);
            theta_derivatives(o, g, &th, b, &mut td);
            for a in 0..2 {
                let shift = |s: f64| {
                    let mut t = th;
                    t[a] += s;
                    t
                };
                let (tp, tm) = (shift(h), shift(-h));
                close(
                    (deviance(o, g, &tp, b) - deviance(o, g, &tm, b)) / (2.0 * h),
                    td.d_t[a],
                    "Dth",
                );
                let (mp, mm) = (mu_derivatives(o, g, &tp, b), mu_derivatives(o, g, &tm, b));
                close((mp.dmu - mm.dmu) / (2.0 * h), td.dmu_t[a], "Dmuth");
                close((mp.dmu2 - mm.dmu2) / (2.0 * h), td.dmu2_t[a], "Dmu2th");
                close((mp.dmu3 - mm.dmu3) / (2.0 * h), td.dmu3_t[a], "Dmu3th");
                let (mut p, mut q) = (ThetaDerivs::new(2), ThetaDerivs::new(2));
                theta_derivatives(o, g, &tp, b, &mut p);
                theta_derivatives(o, g, &tm, b, &mut q);
                for c in 0..2 {
                    let ca = c * 2 + a;
                    close((p.d_t[c] - q.d_t[c]) / (2.0 * h), td.d_tt[ca], "Dth2");
                    close((p.dmu_t[c] - q.dmu_t[c]) / (2.0 * h), td.dmu_tt[ca], "Dmuth2");
                    close((p.dmu2_t[c] - q.dmu2_t[c]) / (2.0 * h), td.dmu2_tt[ca], "Dmu2th2");
                }
            }
        }
    }

    #[test]
    fn the_density_sums_to_one_and_the_mean_is_its_mean() {
        let (g, th, b) = (0.7, [0.2, -0.3], 0.1);
        let (mut total, mut mean) = (0.0, 0.0);
        for y in 0..80 {
            let f = (-0.5 * deviance(Obs::new(y as f64, 1.0), g, &th, b)).exp();
            total += f;
            mean += y as f64 * f;
        }
        assert!((total - 1.0).abs() < 1e-12, "{total}");
        assert!((mean - mean_and_slope(g, &th, b).0).abs() < 1e-12, "{mean}");
        let (m1, s) = mean_and_slope(g, &th, b);
        let m2 = mean_and_slope(g + 1e-6, &th, b).0;
        assert!(((m2 - m1) / 1e-6 - s).abs() < 1e-5, "dE/dγ");
    }

    #[test]
    fn the_saturated_deviance_is_the_minimum_over_the_predictor() {
        let (th, b) = ([0.4, 0.1], 0.0);
        for y in [1.0, 2.0, 7.0] {
            let o = Obs::new(y, 1.0);
            let s = saturated_row(o, &th, b);
            for k in -40..40 {
                let g = y.ln() + k as f64 * 0.05;
                assert!(deviance(o, g, &th, b) >= s - 1e-12, "y = {y}, γ = {g}");
            }
        }
        assert_eq!(saturated_row(Obs::new(0.0, 1.0), &th, b), 0.0);
    }
}
