//! mgcv's `scale =` argument of `gam()`: whether the scale parameter φ is
//! known (and its value) or estimated ([`ScaleSetting`]), and how mgcv
//! 1.8-41's `estimate.gam` resolves it for a family and criterion
//! ([`ScaleSetting::resolve`]).
//!
//! mgcv's number: `scale > 0` fixes φ at that value, `scale < 0` estimates
//! it, `scale = 0` (the default) fixes it at 1 for Poisson and binomial and
//! estimates it otherwise. A known scale turns `GCV.Cp` and `GACV.Cp` into
//! UBRE (Mallows' Cp) and `P-REML`/`P-ML` into REML/ML, and REML and ML use
//! it instead of estimating it; an estimated scale turns a Poisson or
//! binomial `GCV.Cp` into GCV (and `GACV.Cp` into GACV).
//!
//! # Where mgcv ignores the setting
//!
//! For Poisson and binomial under REML, ML, P-REML and P-ML, mgcv sets the
//! scale to 1 whatever `scale =` says (`estimate.gam`, mgcv.r 1711-1714);
//! so does this, with a warning in the model. For the negative binomial
//! (θ estimated or given) and Tweedie with p estimated the scale is part of
//! the family (1, or estimated with p) and a setting is refused.

use crate::error::{GamError, Result};
use crate::family::Family;

/// mgcv's `scale =`: the scale parameter φ known, estimated, or as the family has it.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum ScaleSetting {
    /// mgcv's `scale = 0`: known (= 1) for Poisson and binomial, estimated otherwise.
    #[default]
    Default,
    /// mgcv's `scale = φ > 0`: known, fixed at φ.
    Known(f64),
    /// mgcv's negative `scale`: estimated, even for Poisson and binomial.
    Estimated,
}

/// The warning a model carries when mgcv would ignore the setting (see the module doc).
pub const IGNORED_FOR_LIKELIHOOD: &str = "the scale is fixed at 1 for this family under a likelihood criterion (REML, ML, P-REML, P-ML), as mgcv does: its `scale =` setting has no effect";

impl ScaleSetting {
    /// The setting mgcv's number `value` means: above 0 known, below 0 estimated, 0 the default.
    pub fn from_mgcv(value: f64) -> Result<ScaleSetting> {
        if !value.is_finite() {
            return Err(bad(format!(
                "must be a finite number (mgcv's scale: > 0 known, < 0 estimated, 0 the family's default), not {value}"
            )));
        }
        Ok(if value > 0.0 {
            ScaleSetting::Known(value)
        } else if value < 0.0 {
            ScaleSetting::Estimated
        } else {
            ScaleSetting::Default
        })
    }

    /// [`ScaleSetting::from_mgcv`] of a number written as text (a CLI argument).
    pub fn parse(text: &str) -> Result<ScaleSetting> {
        let value: f64 = text.trim().parse().map_err(|_| {
            bad(format!(
                "'{text}' is not a number (mgcv's scale: > 0 known, < 0 estimated, 0 the family's default)"
            ))
        })?;
        ScaleSetting::from_mgcv(value)
    }

    /// mgcv's number for the setting: φ, −1 or 0.
    pub fn mgcv_value(self) -> f64 {
        match self {
            ScaleSetting::Default => 0.0,
            ScaleSetting::Known(phi) => phi,
            ScaleSetting::Estimated => -1.0,
        }
    }

    /// Refuses a known scale that is not a finite number above 0.
    pub fn check(self) -> Result<()> {
        match self {
            ScaleSetting::Known(phi) if !(phi.is_finite() && phi > 0.0) => Err(bad(format!(
                "a known scale must be a finite number above 0, not {phi} (a negative scale asks for it to be estimated)"
            ))),
            _ => Ok(()),
        }
    }

    /// The known scale for `family` (`None`: estimated).
    pub fn known(self, family: Family) -> Option<f64> {
        match self {
            ScaleSetting::Default => family.scale_known().then_some(1.0),
            ScaleSetting::Known(phi) => Some(phi),
            ScaleSetting::Estimated => None,
        }
    }

    /// The setting a fit of `family` really uses, as mgcv's `estimate.gam`
    /// resolves it (`likelihood`: the method is REML, ML, P-REML or P-ML):
    /// [`ScaleSetting::Default`] wherever the result is the family's default,
    /// with `true` when mgcv ignores the setting (Poisson and binomial under
    /// a likelihood criterion); an error for a family whose scale is part of it.
    pub fn resolve(self, family: Family, likelihood: bool) -> Result<(ScaleSetting, bool)> {
        self.check()?;
        if self == ScaleSetting::Default {
            return Ok((self, false));
        }
        if family.has_theta() || matches!(family, Family::NegBinFixed(_)) {
            return Err(bad(format!(
                "the {} family's scale is part of the family (mgcv ignores scale = for it): leave the scale at its default",
                family.name()
            )));
        }
        if matches!(family, Family::Poisson | Family::Binomial) && likelihood {
            let ignored = self != ScaleSetting::Known(1.0);
            return Ok((ScaleSetting::Default, ignored));
        }
        if self.known(family) == ScaleSetting::Default.known(family) {
            return Ok((ScaleSetting::Default, false));
        }
        Ok((self, false))
    }
}

fn bad(message: String) -> GamError {
    GamError::BadOption {
        option: "scale".into(),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mgcv_numbers_mean_what_they_mean_in_mgcv() {
        assert_eq!(ScaleSetting::from_mgcv(2.0).unwrap(), ScaleSetting::Known(2.0));
        assert_eq!(ScaleSetting::from_mgcv(-1.0).unwrap(), ScaleSetting::Estimated);
        assert_eq!(ScaleSetting::from_mgcv(-0.5).unwrap(), ScaleSetting::Estimated);
        assert_eq!(ScaleSetting::from_mgcv(0.0).unwrap(), ScaleSetting::Default);
        assert_eq!(ScaleSetting::parse(" 1.5 ").unwrap(), ScaleSetting::Known(1.5));
        for v in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let e = ScaleSetting::from_mgcv(v).unwrap_err().to_string();
            assert!(e.contains("scale") && e.contains("finite"), "{e}");
        }
        let e = ScaleSetting::parse("two").unwrap_err().to_string();
        assert!(e.contains("'two' is not a number"), "{e}");
        for s in [
            ScaleSetting::Default,
            ScaleSetting::Known(0.25),
            ScaleSetting::Estimated,
        ] {
            assert_eq!(ScaleSetting::from_mgcv(s.mgcv_value()).unwrap(), s);
        }
    }

    #[test]
    fn a_known_scale_must_be_positive_and_finite() {
        for v in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let e = ScaleSetting::Known(v).resolve(Family::Gaussian, true).unwrap_err();
            assert!(e.to_string().contains("finite number above 0"), "{e}");
        }
    }

    #[test]
    fn resolution_follows_estimate_gam() {
        let r = |s: ScaleSetting, f: Family, likelihood: bool| s.resolve(f, likelihood).unwrap();
        // Gaussian: estimated is the default; a known scale stays.
        assert_eq!(
            r(ScaleSetting::Estimated, Family::Gaussian, false),
            (ScaleSetting::Default, false)
        );
        assert_eq!(
            r(ScaleSetting::Known(2.0), Family::Gaussian, true),
            (ScaleSetting::Known(2.0), false)
        );
        // Poisson: 1 is the default; estimated under GCV.Cp; ignored under REML-type methods.
        assert_eq!(
            r(ScaleSetting::Known(1.0), Family::Poisson, false),
            (ScaleSetting::Default, false)
        );
        assert_eq!(
            r(ScaleSetting::Estimated, Family::Poisson, false),
            (ScaleSetting::Estimated, false)
        );
        assert_eq!(
            r(ScaleSetting::Known(2.0), Family::Poisson, false),
            (ScaleSetting::Known(2.0), false)
        );
        // Under REML, ML, P-REML and P-ML (`likelihood`) mgcv keeps the Poisson and binomial scale at 1.
        assert_eq!(
            r(ScaleSetting::Estimated, Family::Binomial, true),
            (ScaleSetting::Default, true)
        );
        assert_eq!(
            r(ScaleSetting::Known(2.0), Family::Poisson, true),
            (ScaleSetting::Default, true)
        );
        assert_eq!(
            r(ScaleSetting::Known(1.0), Family::Poisson, true),
            (ScaleSetting::Default, false)
        );
        // Families whose scale is part of the family.
        for f in [
            Family::NegativeBinomial,
            Family::NegBinFixed(crate::family::Param(3.0)),
            Family::Tweedie,
        ] {
            let e = ScaleSetting::Known(2.0).resolve(f, true).unwrap_err().to_string();
            assert!(e.contains("part of the family"), "{e}");
            assert_eq!(r(ScaleSetting::Default, f, true), (ScaleSetting::Default, false));
        }
        assert_eq!(ScaleSetting::Known(2.0).known(Family::Poisson), Some(2.0));
        assert_eq!(ScaleSetting::Default.known(Family::Gamma), None);
        assert_eq!(ScaleSetting::Default.known(Family::Binomial), Some(1.0));
    }
}
