//! Likelihood pieces of the families: mgcv's saturated log-likelihood `ls` and its
//! derivatives (in the scale and in a family parameter), which enter the Laplace-approximate
//! REML and ML criteria, and R's `aic()` of each family, behind `AIC()` and `logLik()`.

use super::{Family, Obs, ThetaDerivatives, ThetaDerivs, betar, cnorm, negbin, ocat, scat, special, tweedie, zip};

impl Family {
    /// mgcv's saturated log-likelihood `ls(y, w, n, φ)` and its first two
    /// derivatives in φ; `trials` are the binomial numbers of trials (1 for a
    /// 0/1 or proportion response), ignored by other families.
    pub fn saturated_loglik(self, obs: &[Obs], trials: &[f64], phi: f64, theta_v: &[f64]) -> [f64; 3] {
        let theta = self.param_or(theta_v);
        if self.is_quasi() {
            // mgcv's fix.family.ls for quasi families (the extended quasi-likelihood form):
            // −n log(φ)/2 + Σ log(w)/2 over rows with w > 0.
            let positive = obs.iter().filter(|o| o.w > 0.0);
            let nobs = positive.clone().count() as f64;
            let sum_log_w: f64 = positive.map(|o| o.w.ln()).sum();
            return [
                -nobs * phi.ln() / 2.0 + sum_log_w / 2.0,
                -nobs / (2.0 * phi),
                nobs / (2.0 * phi * phi),
            ];
        }
        let base = self.base();
        // As mgcv, rows with zero prior weight are left out of the families
        // whose likelihood involves log w.
        let positive: Vec<Obs> = obs.iter().copied().filter(|o| o.w > 0.0).collect();
        let obs = match base {
            Family::Binomial | Family::Poisson | Family::NegativeBinomial | Family::Tweedie => obs,
            _ => &positive[..],
        };
        let nobs = obs.len() as f64;
        let sum_log_w: f64 = obs.iter().map(|o| o.w.ln()).sum();
        match base {
            Family::Gaussian => [
                -nobs * (2.0 * std::f64::consts::PI * phi).ln() / 2.0 + sum_log_w / 2.0,
                -nobs / (2.0 * phi),
                nobs / (2.0 * phi * phi),
            ],
            Family::Poisson => [obs.iter().map(|o| o.w * log_dpois(o.y, o.y)).sum(), 0.0, 0.0],
            Family::NegativeBinomial => [base.theta_loglik(obs, phi, theta)[0], 0.0, 0.0],
            Family::Tweedie => {
                // Derivatives in log φ converted to derivatives in φ.
                let l = tweedie::saturated_sum(obs, phi, theta);
                [l[0], l[1] / phi, (l[2] - l[1]) / (phi * phi)]
            }
            Family::Binomial => [-binomial_aic(obs, trials, |o| o.y) / 2.0, 0.0, 0.0],
            Family::Gamma => {
                // A row's terms in φ depend on it only through w, so they are
                // computed once per run of equal weights (all rows, usually)
                // rather than per row: the special functions dominated the
                // criterion's cost at thousands of rows.
                let mut res = [0.0; 3];
                let mut sum_log_y = 0.0;
                let mut last: Option<(f64, [f64; 3])> = None;
                for o in obs {
                    let t = match last {
                        Some((w, t)) if w == o.w => t,
                        _ => {
                            let t = gamma_scale_terms(phi, o.w);
                            last = Some((o.w, t));
                            t
                        }
                    };
                    res[0] += t[0];
                    res[1] += t[1];
                    res[2] += t[2];
                    sum_log_y += o.y.ln();
                }
                res[0] -= sum_log_y;
                res
            }
            // mgcv's betar() and ocat() work with −2 log f as their deviance, so their ls is 0.
            Family::Betar(_) | Family::Ocat(_) => [0.0; 3],
            Family::Scat(min_df) => [scat::saturated(obs, theta_v, min_df.get()).0, 0.0, 0.0],
            // As betar, ziP's fitting deviance is −2 log f: ls is 0.
            Family::ZiP(_) => [0.0; 3],
            // cnorm's ls depends on σ only (its scale is 1): see theta_loglik.
            Family::Cnorm => [base.theta_loglik(obs, phi, theta)[0], 0.0, 0.0],
            Family::InverseGaussian => [
                -obs.iter()
                    .map(|o| (2.0 * std::f64::consts::PI * phi * o.y.powi(3)).ln())
                    .sum::<f64>()
                    / 2.0
                    + sum_log_w / 2.0,
                -nobs / (2.0 * phi),
                nobs / (2.0 * phi * phi),
            ],
            _ => unreachable!("base() maps every family to one above"),
        }
    }

    /// R's `family$aic(y, n, μ, w, dev)` for the non-Gaussian families: minus
    /// twice the log-likelihood (plus 2 for an estimated scale), with the
    /// scale taken as `dev / Σw`.
    pub fn aic(self, obs: &[Obs], trials: &[f64], mu: &[f64], dev: f64, theta_v: &[f64]) -> f64 {
        let sum_w: f64 = obs.iter().map(|o| o.w).sum();
        let theta = self.param_or(theta_v);
        if self.is_quasi() {
            // R's quasi families have no likelihood: aic() is NA.
            return f64::NAN;
        }
        match self.base() {
            Family::Gaussian => {
                let nobs = obs.len() as f64;
                nobs * ((2.0 * std::f64::consts::PI * dev / nobs).ln() + 1.0) + 2.0
                    - obs.iter().map(|o| o.w.ln()).sum::<f64>()
            }
            Family::Binomial => {
                let mut i = 0;
                binomial_aic(obs, trials, |_| {
                    i += 1;
                    mu[i - 1]
                })
            }
            Family::Poisson => -2.0 * obs.iter().zip(mu).map(|(o, m)| o.w * log_dpois(o.y, *m)).sum::<f64>(),
            Family::Gamma => {
                let disp = dev / sum_w;
                let shape = 1.0 / disp;
                -2.0 * obs
                    .iter()
                    .zip(mu)
                    .map(|(o, m)| {
                        let scale = m * disp;
                        o.w * (-special::ln_gamma(shape) - shape * scale.ln() + (shape - 1.0) * o.y.ln() - o.y / scale)
                    })
                    .sum::<f64>()
                    + 2.0
            }
            Family::NegativeBinomial => {
                2.0 * obs
                    .iter()
                    .zip(mu)
                    .map(|(o, &m)| {
                        let (y, th) = (o.y, theta);
                        let y_log_mu = if y > 0.0 { y * m.ln() } else { 0.0 };
                        o.w * ((y + th) * (m + th).ln() - y_log_mu + special::ln_gamma(y + 1.0) - th * th.ln()
                            + special::ln_gamma(th)
                            - special::ln_gamma(th + y))
                    })
                    .sum::<f64>()
            }
            Family::Tweedie => {
                let disp = dev / sum_w;
                -2.0 * obs
                    .iter()
                    .zip(mu)
                    .map(|(o, &m)| o.w * tweedie::log_density(o.y, m, disp, theta))
                    .sum::<f64>()
                    + 2.0
            }
            Family::InverseGaussian => {
                let disp = dev / sum_w;
                sum_w * ((disp * 2.0 * std::f64::consts::PI).ln() + 1.0)
                    + 3.0 * obs.iter().map(|o| o.y.ln() * o.w).sum::<f64>()
                    + 2.0
            }
            // scat()$aic: −2 log f summed, the deviance less twice ls.
            Family::Scat(min_df) => {
                obs.iter()
                    .zip(mu)
                    .map(|(o, &m)| self.deviance_residual(*o, m, theta_v))
                    .sum::<f64>()
                    - 2.0 * scat::saturated(obs, theta_v, min_df.get()).0
            }
            // cnorm()$aic: −2 log f summed, censored rows by the probability of their interval.
            Family::Cnorm => obs
                .iter()
                .zip(mu)
                .map(|(o, &m)| cnorm::minus_two_loglik(o.y, o.censor, o.w, m, theta))
                .sum(),
            // betar()$aic, ziP()$aic and ocat()$aic: −2 log f summed, which is dev.resids summed.
            Family::Betar(_) | Family::ZiP(_) | Family::Ocat(_) => obs
                .iter()
                .zip(mu)
                .map(|(o, &m)| self.deviance_residual(*o, m, theta_v))
                .sum(),
            _ => unreachable!("base() maps every family to one above"),
        }
    }
}

impl Family {
    /// The saturated log-likelihood of a family with one parameter (mgcv's `nb()$ls`,
    /// `tw()$ls`) and its first two derivatives in the optimiser's `t` (nb: log θ), at scale
    /// `phi`.
    fn theta_loglik(self, obs: &[Obs], phi: f64, theta: f64) -> [f64; 3] {
        if self == Family::Tweedie {
            let l = tweedie::saturated_sum(obs, phi, theta);
            return [l[0], l[3], l[4]];
        }
        if self == Family::Cnorm {
            // mgcv's cnorm()$ls: every row's part and its θ-derivatives, θ = log σ.
            let mut out = [0.0; 3];
            for o in obs {
                let r = cnorm::saturated_row(o.y, o.censor, o.w, theta);
                for (a, b) in out.iter_mut().zip(r) {
                    *a += b;
                }
            }
            return out;
        }
        if self != Family::NegativeBinomial {
            return [0.0; 3];
        }
        negbin::saturated_loglik(obs, theta)
    }

    /// mgcv's saturated log-likelihood `ls` with its derivatives in the scale and in the
    /// family parameters, as the Laplace criterion needs them (for Tweedie from one
    /// evaluation of the series per row).
    pub fn saturated_parts(self, obs: &[Obs], trials: &[f64], phi: f64, theta: &[f64]) -> SaturatedParts {
        let k = self.n_theta();
        if self == Family::Tweedie {
            let l = tweedie::saturated_sum(obs, phi, self.param_or(theta));
            return SaturatedParts {
                ls: [l[0], l[1] / phi, (l[2] - l[1]) / (phi * phi)],
                ls_t: vec![l[3]],
                ls_tt: vec![l[4]],
                scale_t: vec![l[5]],
            };
        }
        if let Family::Scat(min_df) = self {
            let (l, g, h) = scat::saturated(obs, theta, min_df.get());
            return SaturatedParts {
                ls: [l, 0.0, 0.0],
                ls_t: g.to_vec(),
                ls_tt: h.to_vec(),
                scale_t: vec![0.0; k],
            };
        }
        let (ls_t, ls_tt) = if k == 1 {
            let l = self.theta_loglik(obs, phi, self.param_or(theta));
            (vec![l[1]], vec![l[2]])
        } else {
            (vec![0.0; k], vec![0.0; k * k])
        };
        SaturatedParts {
            ls: self.saturated_loglik(obs, trials, phi, theta),
            ls_t,
            ls_tt,
            scale_t: vec![0.0; k],
        }
    }

    /// Derivatives of the weighted deviance of one row in the family parameters (mgcv's `Dd`
    /// at level 2, in the optimiser's `t`), written into `out` (sized by
    /// [`ThetaDerivs::new`] for [`Family::n_theta`] parameters); zero for families without one.
    pub fn theta_derivatives(self, o: Obs, mu: f64, theta: &[f64], out: &mut ThetaDerivs) {
        let one = |d: ThetaDerivatives, out: &mut ThetaDerivs| out.set_scalar(&d);
        match self {
            Family::Tweedie => one(tweedie::deviance_derivatives(o, mu, self.param_or(theta)), out),
            Family::NegativeBinomial => one(negbin::deviance_derivatives(o, mu, self.param_or(theta)), out),
            Family::Betar(eps) => {
                let o = Obs::new(betar::clamp(o.y, eps.get()), o.w);
                one(betar::theta_derivatives(o, mu, self.param_or(theta)), out)
            }
            Family::Scat(min_df) => scat::theta_derivatives(o, mu, theta, min_df.get(), out),
            Family::ZiP(b) => zip::theta_derivatives(o, mu, theta, b.get(), out),
            Family::Cnorm => one(
                cnorm::theta_derivatives(o.y, o.censor, o.w, mu, self.param_or(theta)),
                out,
            ),
            Family::Ocat(_) => ocat::theta_derivatives(o, mu, theta, out),
            _ => out.clear(),
        }
    }
}

/// R's `dpois(y, λ, log = TRUE)` for integer-valued y (y is rounded, as R warns and does).
fn log_dpois(y: f64, lambda: f64) -> f64 {
    let k = y.round();
    if k == 0.0 {
        return -lambda;
    }
    k * lambda.ln() - lambda - special::ln_gamma(k + 1.0)
}

/// R's `dbinom(k, n, p, log = TRUE)` with k and n rounded.
fn log_dbinom(k: f64, n: f64, p: f64) -> f64 {
    let (k, n) = (k.round(), n.round());
    let choose = special::ln_gamma(n + 1.0) - special::ln_gamma(k + 1.0) - special::ln_gamma(n - k + 1.0);
    let a = if k > 0.0 { k * p.ln() } else { 0.0 };
    let b = if n - k > 0.0 { (n - k) * (-p).ln_1p() } else { 0.0 };
    choose + a + b
}

/// R's `binomial()$aic`: `−2 Σ (w/m) dbinom(round(m y), round(m), μ, log)`
/// with `m` the trials when any exceeds 1, else the weights.
fn binomial_aic(obs: &[Obs], trials: &[f64], mut mu: impl FnMut(&Obs) -> f64) -> f64 {
    let use_trials = trials.iter().any(|&n| n > 1.0);
    -2.0 * obs
        .iter()
        .zip(trials)
        .map(|(o, &n)| {
            let m = if use_trials { n } else { o.w };
            let p = mu(o);
            if m > 0.0 {
                (o.w / m) * log_dbinom(m * o.y, m, p)
            } else {
                0.0
            }
        })
        .sum::<f64>()
}

/// The saturated log-likelihood's parts the Laplace REML criterion needs ([`Family::saturated_parts`]).
#[derive(Debug, Clone)]
pub struct SaturatedParts {
    /// `ls(φ)` and its first two derivatives in φ.
    pub ls: [f64; 3],
    /// `∂ls/∂t_a` for each family parameter.
    pub ls_t: Vec<f64>,
    /// `∂²ls/∂t_a∂t_b`, K×K row-major.
    pub ls_tt: Vec<f64>,
    /// `∂²ls/∂log φ ∂t_a`.
    pub scale_t: Vec<f64>,
}

/// One Gamma row's part of `ls` and its first two derivatives in φ, without
/// the `−log y` term: with `s = φ/w`, `−lnΓ(1/s) − log(s)/s − 1/s` and its
/// derivatives.
fn gamma_scale_terms(phi: f64, w: f64) -> [f64; 3] {
    let s = phi / w;
    let inv = 1.0 / s;
    let dg = special::digamma(inv);
    [
        -special::ln_gamma(inv) - s.ln() / s - inv,
        (dg + s.ln()) / (s * s) / w,
        (-special::trigamma(inv) / s + (1.0 - 2.0 * s.ln() - 2.0 * dg)) / s.powi(3) / (w * w),
    ]
}
