//! The derivatives of one row's deviance in a family's K estimated parameters t (mgcv's `Dd`
//! at level 2 with a vector θ: `Dth`, `Dmuth`, `Dmu2th`, `Dmu3th`, `Dth2`, `Dmuth2`,
//! `Dmu2th2`), in the form the Laplace criterion's derivatives use them
//! ([`crate::fit::generalized`]): with D the row's weighted deviance as the fit uses it,
//!
//! ```text
//! d_t[a] = ∂D/∂t_a,   dmu_t[a] = ∂²D/∂μ∂t_a,   dmu2_t[a] = ∂³D/∂μ²∂t_a,   dmu3_t[a] = ∂⁴D/∂μ³∂t_a,
//! d_tt[a,b] = ∂²D/∂t_a∂t_b,   dmu_tt[a,b] = ∂³D/∂μ∂t_a∂t_b,   dmu2_tt[a,b] = ∂⁴D/∂μ²∂t_a∂t_b
//! ```
//!
//! (the pair quantities K×K row-major, symmetric). mgcv packs the pairs as the upper
//! triangle; full matrices keep the indexing plain at the sizes families have (ocat: R − 2).
//! One buffer is filled per row in place, so the pass over the rows allocates nothing.

use super::{Family, ThetaDerivatives};

/// One row's deviance derivatives in the family parameters (module doc), filled in place by
/// [`super::Family::theta_derivatives`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ThetaDerivs {
    /// `∂D/∂t_a`.
    pub d_t: Vec<f64>,
    /// `∂²D/∂μ∂t_a`.
    pub dmu_t: Vec<f64>,
    /// `∂³D/∂μ²∂t_a`.
    pub dmu2_t: Vec<f64>,
    /// `∂⁴D/∂μ³∂t_a`.
    pub dmu3_t: Vec<f64>,
    /// `∂²D/∂t_a∂t_b`, K×K row-major.
    pub d_tt: Vec<f64>,
    /// `∂³D/∂μ∂t_a∂t_b`, K×K row-major.
    pub dmu_tt: Vec<f64>,
    /// `∂⁴D/∂μ²∂t_a∂t_b`, K×K row-major.
    pub dmu2_tt: Vec<f64>,
}

impl ThetaDerivs {
    /// A zeroed buffer for `k` parameters.
    pub fn new(k: usize) -> ThetaDerivs {
        ThetaDerivs {
            d_t: vec![0.0; k],
            dmu_t: vec![0.0; k],
            dmu2_t: vec![0.0; k],
            dmu3_t: vec![0.0; k],
            d_tt: vec![0.0; k * k],
            dmu_tt: vec![0.0; k * k],
            dmu2_tt: vec![0.0; k * k],
        }
    }

    /// How many parameters the buffer holds.
    pub fn k(&self) -> usize {
        self.d_t.len()
    }

    /// Sets every entry to zero (a family without parameters).
    pub fn clear(&mut self) {
        for v in [
            &mut self.d_t,
            &mut self.dmu_t,
            &mut self.dmu2_t,
            &mut self.dmu3_t,
            &mut self.d_tt,
            &mut self.dmu_tt,
            &mut self.dmu2_tt,
        ] {
            v.fill(0.0);
        }
    }

    /// Fills a one-parameter buffer from the scalar derivatives of nb, tw and betar.
    pub(super) fn set_scalar(&mut self, d: &ThetaDerivatives) {
        if self.k() != 1 {
            *self = ThetaDerivs::new(1);
        }
        self.d_t[0] = d.d_t;
        self.dmu_t[0] = d.dmu_t;
        self.dmu2_t[0] = d.dmu2_t;
        self.dmu3_t[0] = d.dmu3_t;
        self.d_tt[0] = d.d_tt;
        self.dmu_tt[0] = d.dmu_tt;
        self.dmu2_tt[0] = d.dmu2_tt;
    }
}

impl Family {
    /// mgcv's starting values of the optimiser's family parameters t (nb's θ at 1 and tw's p
    /// at 1.5, betar's φ at 1: t = 0 for each); `obs` for families that start from the data.
    pub fn initial_t(self, obs: &[super::Obs]) -> Vec<f64> {
        match self {
            Family::Scat(_) => super::scat::initial_t(obs),
            Family::Ocat(r) => {
                let y: Vec<f64> = obs.iter().map(|o| o.y).collect();
                super::ocat::start_theta(&y, r as usize)
            }
            _ => vec![0.0; self.n_theta()],
        }
    }

    /// The family parameters as mgcv's `family$getTheta(TRUE)` reports them, from the values
    /// the family's functions take.
    pub fn reported_theta(self, theta: &[f64]) -> Vec<f64> {
        match self {
            // ocat: the finite cut points, −1 first.
            Family::Ocat(_) => super::ocat::cut_points(theta),
            Family::Scat(min_df) if theta.len() == 2 => {
                let (nu, sig) = super::scat::nu_sigma(theta, min_df.get());
                vec![nu, sig]
            }
            _ => theta.to_vec(),
        }
    }

    /// What is wrong with estimated family parameters read back (a model file), if anything:
    /// nb's θ and betar's φ are positive, tw's power lies strictly between 1 and 2.
    pub fn theta_problem(self, theta: &[f64]) -> Option<String> {
        let bad = |t: f64| match self {
            Family::Tweedie => !(t > 1.0 && t < 2.0),
            Family::NegativeBinomial | Family::Betar(_) => !(t.is_finite() && t > 0.0),
            _ => !t.is_finite(),
        };
        theta
            .iter()
            .find(|&&t| bad(t))
            .map(|t| format!("the {} family's parameter is {t}", self.name()))
    }
}
