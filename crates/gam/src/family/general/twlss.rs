//! mgcv's `twlss` (gamlss.r 2166-2333): Tweedie location-scale with three linear predictors,
//! the mean `μ = e^{η_1}` (log link), the transformed power `θ = η_2` and the log scale
//! `ρ = log φ = η_3` (identity links). The power is `p = (b + a e^{−θ})/(1 + e^{−θ})` with
//! `a = 1.01`, `b = 1.99` (mgcv's `ldTweedie`, gam.fit3.r 2842-2870), so
//! `p_θ = (p − a)(b − p)/(b − a)` and `p_θθ = p_θ (a + b − 2p)/(b − a)`.
//!
//! Per observation, with `A = y μ^{1−p}/(1−p) − μ^{2−p}/(2−p)` and `log W` the series of
//! [`crate::family::tweedie`] (absent for `y = 0`, where `A = −μ^{2−p}/(2−p)`):
//!
//! ```text
//! ℓ = log W(y, φ, p) − log y + A/φ
//! ℓ_μ = (y − μ) μ^{−p}/φ          ℓ_μμ = −(p y μ^{−p−1} + (1 − p) μ^{−p})/φ
//! ℓ_μρ = −ℓ_μ                     ℓ_μp = −log μ · ℓ_μ
//! ℓ_ρ = W_ρ − A/φ                 ℓ_ρρ = W_ρρ + A/φ
//! ℓ_p = W_p + A_p/φ               ℓ_pp = W_pp + A_pp/φ          ℓ_pρ = W_pρ − A_p/φ
//! ```
//!
//! where, with `f_k = μ^{k−p}/(k−p)` and `g_k = 1/(k−p) − log μ`, `∂f_k/∂p = f_k g_k` and
//! `∂²f_k/∂p² = f_k (g_k² + 1/(k−p)²)`, so `A_p = y f_1 g_1 − f_2 g_2` and
//! `A_pp = y f_1 (g_1² + 1/(1−p)²) − f_2 (g_2² + 1/(2−p)²)`. Derivatives in θ follow by the
//! chain rule. mgcv's `ll` provides only first and second derivatives (`available.derivs = 0`),
//! which is why mgcv fits this family by extended Fellner–Schall
//! (`fit::general::efs`); so does this module: asked for order 3 or 4 it leaves
//! those tensors empty.
//!
//! `postproc` sets the null deviance from `tw.null.fit(y)` (the maximum-likelihood constant
//! μ, p and φ with mgcv's *default* `a = 1.001`, `b = 1.999`, gamlss.r 2127-2165): the
//! Tweedie deviance of `y` about that constant mean and power, each row scaled by its fitted
//! `φ̂_i`. The deviance residuals are the Tweedie unit deviances at `(μ̂_i, p̂_i)` over `φ̂_i`.

use super::{PointDerivs, symmetric};
use crate::family::tweedie::{P_MAX, P_MIN, series_moments};

/// The power for transformed power `theta` with range `(a, b)`, and `[dp/dθ, d²p/dθ²]`.
pub(crate) fn power(theta: f64, a: f64, b: f64) -> (f64, [f64; 2]) {
    let p = if theta > 0.0 {
        let e = (-theta).exp();
        (b + a * e) / (1.0 + e)
    } else {
        let e = theta.exp();
        (b * e + a) / (e + 1.0)
    };
    let d1 = (p - a) * (b - p) / (b - a);
    (p, [d1, d1 * (a + b - 2.0 * p) / (b - a)])
}

/// `h_a(η)` and its first four derivatives: μ = e^η, θ and ρ identity.
pub(crate) fn inverse_link(a: usize, eta: f64) -> [f64; 5] {
    if a == 0 {
        let m = eta.exp();
        [m; 5]
    } else {
        [eta, 1.0, 0.0, 0.0, 0.0]
    }
}

/// ℓ and its (μ, p, ρ) derivatives `[ℓ, ℓ_μ, ℓ_p, ℓ_ρ, ℓ_μμ, ℓ_μp, ℓ_μρ, ℓ_pp, ℓ_pρ, ℓ_ρρ]`.
fn mu_p_rho(y: f64, mu: f64, p: f64, rho: f64) -> [f64; 10] {
    let phi = rho.exp();
    let lmu = mu.ln();
    let f2 = mu.powf(2.0 - p) / (2.0 - p);
    let g2 = 1.0 / (2.0 - p) - lmu;
    let mup = mu.powf(-p);
    let l_mu = (y - mu) * mup / phi;
    let l_mumu = -(p * y * mup / mu + (1.0 - p) * mup) / phi;
    let (mut a, mut a_p, mut a_pp) = (-f2, -f2 * g2, -f2 * (g2 * g2 + 1.0 / (2.0 - p).powi(2)));
    let (mut l0, mut w_rho, mut w_rhorho, mut w_p, mut w_pp, mut w_prho) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    if y > 0.0 {
        let f1 = mu.powf(1.0 - p) / (1.0 - p);
        let g1 = 1.0 / (1.0 - p) - lmu;
        a += y * f1;
        a_p += y * f1 * g1;
        a_pp += y * f1 * (g1 * g1 + 1.0 / (1.0 - p).powi(2));
        let s = series_moments(y, phi, p);
        l0 = s.log_w - y.ln();
        (w_rho, w_rhorho, w_p, w_pp, w_prho) = (s.w_rho, s.w_rhorho, s.w_p, s.w_pp, s.w_prho);
    }
    [
        l0 + a / phi,
        l_mu,
        w_p + a_p / phi,
        w_rho - a / phi,
        l_mumu,
        -lmu * l_mu,
        -l_mu,
        w_pp + a_pp / phi,
        w_prho - a_p / phi,
        w_rhorho + a / phi,
    ]
}

/// ℓ and its derivatives in (μ, θ, ρ) up to `order` ≤ 2 (module doc).
pub(crate) fn param_derivs(y: f64, theta: &[f64], order: usize) -> PointDerivs {
    let (mu, th, rho) = (theta[0], theta[1], theta[2]);
    let (p, [p1, p2]) = power(th, P_MIN, P_MAX);
    let d = mu_p_rho(y, mu, p, rho);
    let mut out = PointDerivs {
        l0: d[0],
        ..PointDerivs::default()
    };
    if order == 0 {
        return out;
    }
    out.l1 = vec![d[1], d[2] * p1, d[3]];
    out.l2 = symmetric(3, 2, |i| match i {
        [0, 0] => d[4],
        [0, 1] => d[5] * p1,
        [0, 2] => d[6],
        [1, 1] => d[7] * p1 * p1 + d[2] * p2,
        [1, 2] => d[8] * p1,
        _ => d[9],
    });
    out
}

/// Checks one response value: finite and not negative.
pub(crate) fn check_response(y: f64) -> std::result::Result<(), String> {
    if y.is_finite() && y >= 0.0 {
        Ok(())
    } else {
        Err(format!("twlss needs a response of at least 0, not {y}"))
    }
}

/// The Tweedie unit deviance `2(y(y₁^{1−p} − μ^{1−p})/(1−p) − (y^{2−p} − μ^{2−p})/(2−p))`,
/// `y₁ = max(y, 1)` at `y = 0`, as mgcv's `residuals` and `postproc` write it.
fn unit_deviance(y: f64, mu: f64, p: f64) -> f64 {
    let y1 = if y == 0.0 { 1.0 } else { y };
    let theta = (y1.powf(1.0 - p) - mu.powf(1.0 - p)) / (1.0 - p);
    let kappa = (y.powf(2.0 - p) - mu.powf(2.0 - p)) / (2.0 - p);
    2.0 * (y * theta - kappa)
}

/// mgcv's `tw.null.fit(y)`: the maximum-likelihood constant `(μ, p, φ)` of a Tweedie sample,
/// with mgcv's default power range (1.001, 1.999), by Newton's method on (log μ, θ, ρ) with
/// the Hessian's eigenvalues bounded below zero and step halving.
pub(crate) fn null_fit(y: &[f64]) -> (f64, f64, f64) {
    let (a, b) = (1.001, 1.999);
    let sums = |t: &[f64; 3]| -> ([f64; 3], [f64; 9], f64) {
        let (mu, (p, [p1, p2])) = (t[0].exp(), power(t[1], a, b));
        let mut g = [0.0; 3];
        let mut h = [0.0; 9];
        let mut l = 0.0;
        for &yi in y {
            let d = mu_p_rho(yi, mu, p, t[2]);
            l += d[0];
            // (log μ, θ, ρ): ∂/∂log μ = μ ∂/∂μ.
            g[0] += mu * d[1];
            g[1] += d[2] * p1;
            g[2] += d[3];
            h[0] += mu * mu * d[4] + mu * d[1];
            h[1] += mu * d[5] * p1;
            h[2] += mu * d[6];
            h[4] += d[7] * p1 * p1 + d[2] * p2;
            h[5] += d[8] * p1;
            h[8] += d[9];
        }
        (h[3], h[6], h[7]) = (h[1], h[2], h[5]);
        (g, h, l)
    };
    let mut t = [0.0f64; 3];
    let (mut g, mut h, mut l) = sums(&t);
    for _ in 0..50 {
        if g.iter().all(|v| v.abs() <= 1e-9 * l.abs()) {
            break;
        }
        let step = negative_definite_solve(&h, &g);
        let ms = step.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let mut step = step.map(|v| if ms > 3.0 { v * 3.0 / ms } else { v });
        loop {
            let t1 = [t[0] - step[0], t[1] - step[1], t[2] - step[2]];
            let (g1, h1, l1) = sums(&t1);
            if l1 < l && step.iter().any(|v| v.abs() > 1e-14) {
                step = step.map(|v| v / 2.0);
            } else {
                (t, g, h, l) = (t1, g1, h1, l1);
                break;
            }
        }
    }
    (t[0].exp(), power(t[1], a, b).0, t[2].exp())
}

/// `H⁻¹ g` for a 3 × 3 symmetric `h` (row-major) with its eigenvalues capped at `−max|λ|·1e-7`
/// (mgcv's `tw.null.fit` step), so that the step ascends.
fn negative_definite_solve(h: &[f64; 9], g: &[f64; 3]) -> [f64; 3] {
    let m = faer::Mat::<f64>::from_fn(3, 3, |i, j| h[i * 3 + j]);
    let Ok(eig) = m.self_adjoint_eigen(faer::Side::Lower) else {
        return [0.0; 3];
    };
    let lam: Vec<f64> = (0..3).map(|i| eig.S()[i]).collect();
    let tol = lam.iter().fold(0.0f64, |a, v| a.max(v.abs())) * 1e-7;
    let u = eig.U();
    let mut out = [0.0; 3];
    for c in 0..3 {
        let ug: f64 = (0..3).map(|i| u[(i, c)] * g[i]).sum();
        let l = lam[c].min(-tol);
        for (i, o) in out.iter_mut().enumerate() {
            *o += u[(i, c)] * ug / l;
        }
    }
    out
}

/// The deviance and null deviance (module doc) from the linear predictors `eta[a][i]`.
pub(crate) fn deviances(y: &[f64], eta: &[Vec<f64>]) -> (f64, f64) {
    let (mu0, p0, _) = null_fit(y);
    let mut dev = 0.0;
    let mut null = 0.0;
    for (i, &yi) in y.iter().enumerate() {
        let phi = eta[2][i].exp();
        let p = power(eta[1][i], P_MIN, P_MAX).0;
        dev += (unit_deviance(yi, eta[0][i].exp(), p) / phi).max(0.0);
        null += (unit_deviance(yi, mu0, p0) / phi).max(0.0);
    }
    (dev, null)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every first and second derivative against central differences of the order below.
    #[test]
    fn derivatives_match_finite_differences() {
        for &y in &[0.0, 0.4, 3.7] {
            let t = [1.3, 0.4, -0.3];
            let d = param_derivs(y, &t, 2);
            let e = 1e-5;
            for c in 0..3 {
                let (mut up, mut dn) = (t, t);
                up[c] += e;
                dn[c] -= e;
                let (u, w) = (param_derivs(y, &up, 2), param_derivs(y, &dn, 2));
                let fd = (u.l0 - w.l0) / (2.0 * e);
                assert!((fd - d.l1[c]).abs() < 1e-7 * (1.0 + fd.abs()), "y {y} first {c}");
                for r in 0..3 {
                    let fd = (u.l1[r] - w.l1[r]) / (2.0 * e);
                    let ex = d.l2[r * 3 + c];
                    assert!(
                        (fd - ex).abs() < 1e-6 * (1.0 + ex.abs()),
                        "y {y} second {r} {c}: {fd} vs {ex}"
                    );
                }
            }
        }
    }
}
