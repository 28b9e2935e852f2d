//! The scaled t family (mgcv 1.8-41's `scat`, `efam.r` lines 1570–1790): heavy-tailed
//! residuals,
//!
//! ```text
//! y = μ + σ T,  T ~ t_ν,   ν = min.df + exp(t₁),  σ = exp(t₂),   Var y = σ² ν/(ν − 2)
//! ```
//!
//! with both parameters estimated with the smoothing parameters in mgcv's scale
//! `t = (log(ν − min.df), log σ)` (`min.df = 3` by default keeps the variance finite). The
//! deviance is `D = w (ν + 1) log(1 + ((y − μ)/σ)²/ν)` (zero at y = μ), the scale is 1, and
//! the saturated log-likelihood is `ls = Σ w [ln Γ((ν+1)/2) − ln Γ(ν/2) − log(σ √(πν))]`,
//! so that `−2 log f = D − 2 ls` per row.
//!
//! The μ-derivatives of D are closed forms in `B = σ²ν + (y − μ)²`; the derivatives in t
//! (mgcv's `Dth`, `Dmuth`, …, `Dmu2th2`) come from jets (module `jet`) of D, exact to rounding. mgcv
//! starts at `t = (1.5, log(0.8 sd(y)))` (`preinitialize`) from means `y + 0.1 [y = 0]`.

use super::jet::Jet;
use super::special::{digamma, ln_gamma, trigamma};
use super::{DevDerivs, Obs, ThetaDerivs};

/// mgcv's default `min.df`: ν > 3, so the variance is finite.
pub const DEFAULT_MIN_DF: f64 = 3.0;

/// mgcv's starting t₁ = log(ν − min.df) (`preinitialize`: a moderate ν promotes definiteness).
const START_LOG_NU: f64 = 1.5;

/// mgcv's starting σ as a fraction of the response's standard deviation.
const START_SD_FRACTION: f64 = 0.8;

/// `(ν, σ)` from mgcv's `t = (log(ν − min.df), log σ)`.
pub fn nu_sigma(theta: &[f64], min_df: f64) -> (f64, f64) {
    (theta[0].exp() + min_df, theta[1].exp())
}

/// `w (ν + 1) log(1 + ((y − μ)/σ)²/ν)`: mgcv's `scat()$dev.resids`.
pub fn deviance(o: Obs, mu: f64, theta: &[f64], min_df: f64) -> f64 {
    let (nu, sig) = nu_sigma(theta, min_df);
    let z = (o.y - mu) / sig;
    o.w * (nu + 1.0) * (z * z / nu).ln_1p()
}

/// The variance `σ² ν/(ν − 2)` (constant in μ) and its μ-derivatives.
pub fn variance(theta: &[f64], min_df: f64) -> [f64; 4] {
    let (nu, sig) = nu_sigma(theta, min_df);
    [sig * sig * nu / (nu - 2.0), 0.0, 0.0, 0.0]
}

/// D's derivatives in μ (mgcv's `Dmu` … `Dmu4`; `EDmu2` is twice the Fisher information
/// `w (ν+1)/(σ²(ν+3))`, with the prior weight, which mgcv leaves out).
pub fn mu_derivatives(o: Obs, mu: f64, theta: &[f64], min_df: f64) -> DevDerivs {
    let (nu, sig) = nu_sigma(theta, min_df);
    let c = o.w * (nu + 1.0);
    let s = sig * sig * nu;
    let r = o.y - mu;
    let b = s + r * r;
    // q = (y − μ)², q' = −2r, q'' = 2; D = c (log B − log s).
    let q1 = -2.0 * r;
    DevDerivs {
        dmu: c * q1 / b,
        dmu2: c * (2.0 / b - q1 * q1 / (b * b)),
        edmu2: 2.0 * c / (sig * sig * (nu + 3.0)),
        dmu3: c * (-6.0 * q1 / (b * b) + 2.0 * q1.powi(3) / b.powi(3)),
        dmu4: c * (-12.0 / (b * b) + 24.0 * q1 * q1 / b.powi(3) - 6.0 * q1.powi(4) / b.powi(4)),
    }
}

/// D as a jet in (μ, t₁, t₂).
fn deviance_jet(o: Obs, mu: f64, theta: &[f64], min_df: f64) -> Jet {
    let nu = Jet::variable(1, theta[0]).exp() + min_df;
    let sig2 = (Jet::variable(2, theta[1]) * 2.0).exp();
    let r = Jet::constant(o.y) - Jet::variable(0, mu);
    ((nu + 1.0) * ((r * r) / (sig2 * nu)).ln_1p()) * o.w
}

/// D's derivatives in t (module doc), into `out`.
pub fn theta_derivatives(o: Obs, mu: f64, theta: &[f64], min_df: f64, out: &mut ThetaDerivs) {
    deviance_jet(o, mu, theta, min_df).fill_theta_derivs(out);
}

/// The saturated log-likelihood `ls` and its gradient and Hessian (row-major 2×2) in t.
pub fn saturated(obs: &[Obs], theta: &[f64], min_df: f64) -> (f64, [f64; 2], [f64; 4]) {
    let (nu, sig) = nu_sigma(theta, min_df);
    let nu2 = nu - min_df;
    let sw: f64 = obs.iter().map(|o| o.w).sum();
    let h = (nu + 1.0) / 2.0;
    let per = ln_gamma(h) - ln_gamma(nu / 2.0) - (sig * (std::f64::consts::PI * nu).sqrt()).ln();
    // g(ν) = ∂/∂ν of the row's ls, and its ν-derivative; dν/dt₁ = ν − min.df.
    let g = 0.5 * digamma(h) - 0.5 * digamma(nu / 2.0) - 0.5 / nu;
    let g1 = 0.25 * trigamma(h) - 0.25 * trigamma(nu / 2.0) + 0.5 / (nu * nu);
    (
        sw * per,
        [sw * g * nu2, -sw],
        [sw * (g1 * nu2 * nu2 + g * nu2), 0.0, 0.0, 0.0],
    )
}

/// mgcv's starting t: `(1.5, log(0.8 sd(y)))`.
pub fn initial_t(obs: &[Obs]) -> Vec<f64> {
    let n = obs.len() as f64;
    let mean = obs.iter().map(|o| o.y).sum::<f64>() / n;
    let var = obs.iter().map(|o| (o.y - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let sd = var.sqrt();
    let log_sd = if sd.is_finite() && sd > 0.0 {
        (START_SD_FRACTION * sd).ln()
    } else {
        0.0
    };
    vec![START_LOG_NU, log_sd]
}

/// `(ν, σ)` rounded as mgcv's `postproc` names the family: `Scaled t(ν,σ)`, ν above 999
/// shown as `Inf`.
pub fn label(theta: &[f64], min_df: f64, round3: impl Fn(f64) -> String) -> String {
    let (nu, sig) = nu_sigma(theta, min_df);
    let nu_r = (nu * 1e3).round() / 1e3;
    let nu_s = if nu_r > 999.0 { "Inf".to_string() } else { round3(nu) };
    format!("Scaled t({nu_s},{})", round3(sig))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Agreement with central differences and with the jets, relative.
    const FD_REL_TOL: f64 = 1e-6;

    #[test]
    fn derivatives_match_finite_differences_and_jets() {
        let o = Obs::new(1.7, 1.3);
        let (mu, th) = (0.4, [0.8, -0.3]);
        let close = |fd: f64, an: f64, what: &str| {
            assert!((fd - an).abs() <= FD_REL_TOL * (1.0 + an.abs()), "{what}: {an} vs {fd}");
        };
        let h = 1e-5;
        let m = |mu: f64| mu_derivatives(o, mu, &th, DEFAULT_MIN_DF);
        let d = m(mu);
        let dev = |mu: f64| deviance(o, mu, &th, DEFAULT_MIN_DF);
        close((dev(mu + h) - dev(mu - h)) / (2.0 * h), d.dmu, "Dmu");
        close((m(mu + h).dmu - m(mu - h).dmu) / (2.0 * h), d.dmu2, "Dmu2");
        close((m(mu + h).dmu2 - m(mu - h).dmu2) / (2.0 * h), d.dmu3, "Dmu3");
        close((m(mu + h).dmu3 - m(mu - h).dmu3) / (2.0 * h), d.dmu4, "Dmu4");
        let j = deviance_jet(o, mu, &th, DEFAULT_MIN_DF);
        close(j.value(), dev(mu), "D by jet");
        close(j.d(4, 0, 0), d.dmu4, "Dmu4 by jet");
        let mut td = ThetaDerivs::new(2);
        theta_derivatives(o, mu, &th, DEFAULT_MIN_DF, &mut td);
        for a in 0..2 {
            let shift = |s: f64| {
                let mut t = th;
                t[a] += s;
                t
            };
            let (tp, tm) = (shift(h), shift(-h));
            close(
                (deviance(o, mu, &tp, DEFAULT_MIN_DF) - deviance(o, mu, &tm, DEFAULT_MIN_DF)) / (2.0 * h),
                td.d_t[a],
                "Dth",
            );
            let mp = mu_derivatives(o, mu, &tp, DEFAULT_MIN_DF);
            let mm = mu_derivatives(o, mu, &tm, DEFAULT_MIN_DF);
            close((mp.dmu - mm.dmu) / (2.0 * h), td.dmu_t[a], "Dmuth");
            close((mp.dmu2 - mm.dmu2) / (2.0 * h), td.dmu2_t[a], "Dmu2th");
            close((mp.dmu3 - mm.dmu3) / (2.0 * h), td.dmu3_t[a], "Dmu3th");
            let (mut p, mut q) = (ThetaDerivs::new(2), ThetaDerivs::new(2));
            theta_derivatives(o, mu, &tp, DEFAULT_MIN_DF, &mut p);
            theta_derivatives(o, mu, &tm, DEFAULT_MIN_DF, &mut q);
            for b in 0..2 {
                let ab = b * 2 + a;
                close((p.d_t[b] - q.d_t[b]) / (2.0 * h), td.d_tt[ab], "Dth2");
                close((p.dmu_t[b] - q.dmu_t[b]) / (2.0 * h), td.dmu_tt[ab], "Dmuth2");
                close((p.dmu2_t[b] - q.dmu2_t[b]) / (2.0 * h), td.dmu2_tt[ab], "Dmu2th2");
            }
        }
    }

    #[test]
    fn saturated_loglik_derivatives_match_finite_differences() {
        let obs = [Obs::new(0.2, 1.0), Obs::new(-1.0, 2.5)];
        let th = [0.3, 0.9];
        let (_, g, hm) = saturated(&obs, &th, DEFAULT_MIN_DF);
        let h = 1e-5;
        for a in 0..2 {
            let mut tp = th;
            tp[a] += h;
            let mut tm = th;
            tm[a] -= h;
            let (lp, gp, _) = saturated(&obs, &tp, DEFAULT_MIN_DF);
            let (lm, gm, _) = saturated(&obs, &tm, DEFAULT_MIN_DF);
            assert!(((lp - lm) / (2.0 * h) - g[a]).abs() < 1e-6 * (1.0 + g[a].abs()));
            for b in 0..2 {
                let fd = (gp[b] - gm[b]) / (2.0 * h);
                assert!((fd - hm[a * 2 + b]).abs() < 1e-6 * (1.0 + fd.abs()), "ls_tt[{a}{b}]");
            }
        }
        // −2 log f = D − 2 ls per row: R's dt((y − μ)/σ, ν, log = TRUE) − log σ at ν = 3 + e^0.3.
        let (nu, sig) = nu_sigma(&th, DEFAULT_MIN_DF);
        let o = Obs::new(0.2, 1.0);
        let z: f64 = (0.2 - 0.05) / sig;
        let log_f = ln_gamma((nu + 1.0) / 2.0)
            - ln_gamma(nu / 2.0)
            - 0.5 * (std::f64::consts::PI * nu).ln()
            - (nu + 1.0) / 2.0 * (z * z / nu).ln_1p()
            - sig.ln();
        let (ls1, _, _) = saturated(&[o], &th, DEFAULT_MIN_DF);
        let m2 = deviance(o, 0.05, &th, DEFAULT_MIN_DF) - 2.0 * ls1;
        assert!((m2 + 2.0 * log_f).abs() < 1e-12, "{m2} vs {}", -2.0 * log_f);
    }
}
