//! The extended-family layer (Wood, Pya & Säfken 2016; mgcv's `extended.family`, `gam.fit4`):
//! a family that is not described by a variance function gives the derivatives of its
//! deviance D(y, μ, θ) in μ directly, as mgcv's `Dd` does, and the fit takes its Newton
//! weights from them:
//!
//! ```text
//! w = ½ ∂²D/∂η² = ½ (D_μμ μ'² + D_μ μ''),   w_f = ½ E[D_μμ] μ'²,   z-step: −½ D_μ μ' / w
//! ```
//!
//! with `μ' = dμ/dη` (mgcv's `dDeta`: `Deta2 = Dmu2 ig1² − Dmu g2g ig1`). The third and fourth
//! η-derivatives give the derivatives of the weights that the REML gradient and Hessian need;
//! the θ-derivatives are [`super::ThetaDerivatives`], as for `nb()` and `tw()`. For such families
//! the deviance the fit works with may be −2 log f (mgcv's `betar`), in which case the
//! reported deviance adds twice the saturated log-likelihood ([`Family::saturated_deviance`],
//! mgcv's `postproc`).
//!
//! The exponential families, `nb()` and `tw()` keep their variance-function route
//! ([`Family::variance`]): [`Family::dev_derivatives`] is `None` for them, so their fits are
//! unchanged bit for bit.

use super::{DevDerivs, Family, Obs, betar, cnorm, ocat, scat, zip};

impl Family {
    /// The deviance's μ-derivatives of an extended family given by them (mgcv's `Dd`), with the
    /// family parameter `theta` (betar: φ); `None` for the families with a variance function.
    pub fn dev_derivatives(self, o: Obs, mu: f64, theta: &[f64]) -> Option<DevDerivs> {
        match self {
            Family::Betar(eps) => Some(betar::mu_derivatives(
                Obs::new(betar::clamp(o.y, eps.get()), o.w),
                mu,
                self.param_or(theta),
            )),
            Family::Scat(min_df) => Some(scat::mu_derivatives(o, mu, theta, min_df.get())),
            Family::ZiP(b) => Some(zip::mu_derivatives(o, mu, theta, b.get())),
            Family::Cnorm => Some(cnorm::mu_derivatives(o.y, o.censor, o.w, mu, self.param_or(theta))),
            Family::Ocat(_) => Some(ocat::mu_derivatives(o, mu, theta)),
            _ => None,
        }
    }

    /// Whether the fit takes its weights from [`Family::dev_derivatives`].
    pub fn by_dev_derivatives(self) -> bool {
        matches!(
            self,
            Family::Betar(_) | Family::Scat(_) | Family::ZiP(_) | Family::Cnorm | Family::Ocat(_)
        )
    }

    /// Whether the weighted mean response minimises the deviance over constant means (so it
    /// gives the null deviance): true for the exponential families, nb, tw and betar (mgcv's
    /// `postproc` uses it for betar), false for scat, whose null deviance mgcv finds by a
    /// search over the constant (`find.null.dev`).
    pub fn null_mean_is_weighted_mean(self) -> bool {
        !matches!(self, Family::Scat(_) | Family::ZiP(_) | Family::Cnorm | Family::Ocat(_))
    }

    /// What the reported deviance adds to the fit's: twice the weighted saturated
    /// log-likelihood for a family whose fitting deviance is −2 log f (betar: mgcv's
    /// `2 * saturated.ll(y, w, θ)$f`), else 0.
    pub fn saturated_deviance(self, obs: &[Obs], theta: &[f64]) -> f64 {
        match self {
            Family::Betar(eps) => {
                let theta = self.param_or(theta);
                2.0 * obs
                    .iter()
                    .map(|o| o.w * betar::saturated_row(betar::clamp(o.y, eps.get()), theta, eps.get()))
                    .sum::<f64>()
            }
            // ziP: the fit's deviance less its per-row minimum over γ (saturated.ll).
            Family::ZiP(b) => -obs.iter().map(|o| zip::saturated_row(*o, theta, b.get())).sum::<f64>(),
            _ => 0.0,
        }
    }

    /// The response-scale mean at linear predictor `eta` and its derivative in η, for a
    /// family whose mean is not the link's inverse (ziP: `p λ/(1 − e^{−λ})`); `None` for the
    /// others.
    pub fn response_mean(self, eta: f64, theta: &[f64]) -> Option<(f64, f64)> {
        match self {
            Family::ZiP(b) => Some(zip::mean_and_slope(eta, theta, b.get())),
            _ => None,
        }
    }

    /// Whether mgcv's summary shows the adjusted R² (not for ziP: `no.r.sq`).
    pub fn has_r_sq(self) -> bool {
        !matches!(self, Family::ZiP(_) | Family::Ocat(_))
    }

    /// One row's deviance as reported (residuals, deviance explained): the fitting deviance
    /// plus the row's saturated part ([`Family::saturated_deviance`]), never below 0.
    pub fn reported_deviance(self, o: Obs, mu: f64, theta: &[f64]) -> f64 {
        let d = self.deviance_residual(o, mu, theta);
        if self.by_dev_derivatives() {
            (d + self.saturated_deviance(&[o], theta)).max(0.0)
        } else {
            d
        }
    }
}

impl Family {
    /// mgcv's starting values of the optimiser's family parameters t (nb's θ at 1 and tw's p
    /// at 1.5, betar's φ at 1: t = 0 for each); `obs` for families that start from the data.
    pub fn initial_t(self, obs: &[Obs]) -> Vec<f64> {
        match self {
            Family::Scat(_) => scat::initial_t(obs),
            Family::ZiP(_) => zip::initial_t(),
            Family::Ocat(r) => {
                let y: Vec<f64> = obs.iter().map(|o| o.y).collect();
                ocat::start_theta(&y, r as usize)
            }
            _ => vec![0.0; self.n_theta()],
        }
    }

    /// The family parameters as mgcv's `family$getTheta(TRUE)` reports them, from the values
    /// the family's functions take.
    pub fn reported_theta(self, theta: &[f64]) -> Vec<f64> {
        match self {
            // ocat: the finite cut points, −1 first.
            Family::Ocat(_) => ocat::cut_points(theta),
            Family::Scat(min_df) if theta.len() == 2 => {
                let (nu, sig) = scat::nu_sigma(theta, min_df.get());
                vec![nu, sig]
            }
            Family::ZiP(b) if theta.len() == 2 => zip::reported(theta, b.get()),
            _ => theta.to_vec(),
        }
    }

    /// What is wrong with estimated family parameters read back (a model file), if anything:
    /// nb's θ, betar's φ and cnorm's σ are positive, tw's power lies strictly between 1 and 2.
    pub fn theta_problem(self, theta: &[f64]) -> Option<String> {
        let bad = |t: f64| match self {
            Family::Tweedie => !(t > 1.0 && t < 2.0),
            Family::NegativeBinomial | Family::Betar(_) | Family::Cnorm => !(t.is_finite() && t > 0.0),
            _ => !t.is_finite(),
        };
        theta
            .iter()
            .find(|&&t| bad(t))
            .map(|t| format!("the {} family's parameter is {t}", self.name()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::family::{Link, Param};

    #[test]
    fn eta_weights_are_derivatives_of_the_deviance_in_eta() {
        let fam = Family::Betar(Param(betar::DEFAULT_EPS));
        let o = Obs::new(0.27, 1.3);
        let phi = [3.5];
        for link in [Link::Logit, Link::Probit, Link::Cloglog, Link::Cauchit] {
            let at = |eta: f64| {
                let mu = link.inverse(eta);
                let d = fam.dev_derivatives(o, mu, &phi).expect("betar has Dd");
                (fam.deviance_residual(o, mu, &phi), d.eta_weights(link.derivatives(mu)))
            };
            let (eta, h) = (-0.4, 1e-5);
            let (_, w) = at(eta);
            let (dp, wp) = at(eta + h);
            let (dm, wm) = at(eta - h);
            let close = |fd: f64, an: f64, what: &str| {
                assert!(
                    (fd - an).abs() <= 1e-6 * (1.0 + an.abs()),
                    "{link:?} {what}: {an} vs {fd}"
                );
            };
            close(-0.5 * (dp - dm) / (2.0 * h), w[4], "r");
            close(-(wp[4] - wm[4]) / (2.0 * h), w[0], "w");
            close((wp[0] - wm[0]) / (2.0 * h), w[2], "w'");
            close((wp[2] - wm[2]) / (2.0 * h), w[3], "w''");
        }
        assert!(Family::Poisson.dev_derivatives(o, 0.3, &[]).is_none());
    }
}
