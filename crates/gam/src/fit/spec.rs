//! What to fit, before any data: formula, family and link, prior weights
//! and the fitting options ([`GamSpec`], [`FitOptions`]).

use std::collections::BTreeMap;

use crate::design::SmoothOptions;
use crate::family::{Family, FamilyTheta, Link};
use crate::fit::method::{Method, Selection, check_gamma};
use crate::fit::outer::NewtonOptions;
pub use crate::fit::scale::ScaleSetting;
use crate::formula::Formula;

/// Settings of a fit that are not part of the formula.
#[derive(Debug, Clone, PartialEq)]
pub struct FitOptions {
    /// The outer (smoothing parameter) optimiser's settings.
    pub newton: NewtonOptions,
    /// mgcv's `sp =`: one smoothing parameter per penalty, in the model's penalty order
    /// ([`crate::design::Design::sp_names`]); an entry ≥ 0 is fixed, a negative one estimated.
    /// A term's own `s(x, sp = …)` overrides its entries, as in mgcv's `gam.setup`.
    pub sp: Option<Vec<f64>>,
    /// mgcv's `min.sp =`: a lower bound per penalty (≥ 0), added to the penalty as the fixed
    /// `Σ_k min.sp_k S_k`; the model's smoothing parameters are then the totals.
    pub min_sp: Option<Vec<f64>>,
    /// mgcv's `select = TRUE`: every smooth gets an extra penalty on the
    /// null space of its penalties, with its own smoothing parameter, so
    /// that whole terms can be penalised out of the model.
    pub select: bool,
    /// mgcv's `knots = list(x = c(...))`: user knots by covariate name, for
    /// `cr`/`cs` (`k` knots), `cc` (`k` knots, or the two ends of the
    /// period), `ps` (`k + m[1] + 2` knots, or two ends) and `tp`/`ts`
    /// smooths (every covariate of the term, the same number each).
    pub knots: BTreeMap<String, Vec<f64>>,
    /// The smoothness-selection criterion (mgcv's `method =`; ours defaults to REML, mgcv's to GCV.Cp).
    pub method: Method,
    /// mgcv's `gamma`: the model degrees of freedom count `gamma` times in the
    /// criterion (above 1 gives smoother fits); 1 by default. P-REML and
    /// P-ML ignore it, as mgcv 1.8-41 does.
    pub gamma: f64,
    /// mgcv's `scale =`: the scale parameter known (UBRE instead of GCV,
    /// REML/ML at that scale), estimated (even for Poisson and binomial), or
    /// as the family has it (the default; [`ScaleSetting`]).
    pub scale: ScaleSetting,
    /// mgcv's `theta =` of an extended family (`scat(theta = c(3, 1.2))`): its parameters fixed
    /// at the values, or where their estimation starts; `None` for the family's default start.
    pub family_theta: Option<FamilyTheta>,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            newton: NewtonOptions::default(),
            method: Method::Reml,
            gamma: 1.0,
            sp: None,
            min_sp: None,
            select: false,
            knots: BTreeMap::new(),
            scale: ScaleSetting::Default,
            family_theta: None,
        }
    }
}

impl FitOptions {
    /// The options the smooth constructors take.
    pub fn smooth_options(&self) -> SmoothOptions<'_> {
        SmoothOptions {
            select: self.select,
            knots: (!self.knots.is_empty()).then_some(&self.knots),
            neighbourhoods: None,
        }
    }

    /// The criterion a fit of `family` optimises, with `gamma` and the scale (checked).
    pub fn selection(&self, family: Family) -> crate::error::Result<Selection> {
        check_gamma(self.gamma)?;
        let (scale, _) = self.scale.resolve(family, self.method.is_likelihood())?;
        Ok(Selection {
            criterion: self.method.resolve(scale.known(family).is_some(), family.has_theta()),
            gamma: self.gamma,
            scale,
        })
    }

    /// The warning a fit of `family` carries when mgcv ignores its `scale` setting
    /// ([`ScaleSetting::resolve`]); `None` otherwise or when the setting is refused.
    pub fn scale_warning(&self, family: Family) -> Option<String> {
        match self.scale.resolve(family, self.method.is_likelihood()) {
            Ok((_, true)) => Some(format!(
                "scale = {}: {}",
                self.scale.mgcv_value(),
                crate::fit::scale::IGNORED_FOR_LIKELIHOOD
            )),
            _ => None,
        }
    }
}

/// What to fit: formula, family and link, options. Fitting it to data gives a [`GamModel`](crate::model::GamModel).
#[derive(Debug, Clone)]
pub struct GamSpec {
    /// The parsed formula.
    pub formula: Formula,
    /// The response distribution.
    pub family: Family,
    /// The link.
    pub link: Link,
    /// Column holding prior weights (mgcv's `weights =`), if any.
    pub weights: Option<String>,
    /// Fitting options.
    pub options: FitOptions,
}

impl GamSpec {
    /// The columns the fit reads: the formula's and the weights column.
    pub fn columns_used(&self) -> Vec<String> {
        let mut cols = self.formula.columns_used();
        if let Some(w) = &self.weights
            && !cols.contains(w)
        {
            cols.push(w.clone());
        }
        cols
    }

    /// The same spec with another family and link.
    pub fn with_family(mut self, family: Family, link: Link) -> GamSpec {
        self.family = family;
        self.link = link;
        self
    }

    /// A Gaussian identity-link model with default options.
    pub fn new(formula: Formula) -> GamSpec {
        GamSpec {
            formula,
            family: Family::Gaussian,
            link: Link::Identity,
            weights: None,
            options: FitOptions::default(),
        }
    }
}
