//! The unfitted model of the front door: [`Gam`], built step by step and
//! checked as it is built (the formula when parsed, the link against the
//! family), and the warm-start [`Cache`] it may fit through.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use warmstart::{StoreOptions, WarmStartStore};

use super::fitted::FittedGam;
use super::frame::Frame;
use crate::cache::{CacheOptions, fit_cached};
use crate::cv::{CvObserver, CvOptions, CvReport, NoCvObserver, cross_validate};
use crate::error::{GamError, Result};
use crate::family::{Family, Link, family_link_theta};
use crate::fit::driver::{FitObserver, NoObserver};
use crate::fit::method::{Method, check_gamma};
use crate::fit::{Convergence, FitOptions, GamSpec, ScaleSetting};
use crate::formula::Formula;

/// A model to fit: formula, family and link, prior weights, options, and
/// optionally a warm-start cache. Fitting it gives a [`FittedGam`].
///
/// ```
/// use gam::{Family, Gam, Link};
/// let spec = Gam::new("y ~ s(x) + g")?.family(Family::Poisson).link(Link::Sqrt)?;
/// assert_eq!(spec.link_function(), Link::Sqrt);
/// assert!(Gam::new("y ~ s(x)")?.family(Family::Binomial).link(Link::Inverse).is_err());
/// # Ok::<(), gam::GamError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Gam {
    spec: GamSpec,
    cache: Option<Cache>,
    verify_cache: bool,
}

impl Gam {
    /// A Gaussian identity-link model of `formula` (mgcv's syntax:
    /// `y ~ s(x, k = 20) + te(a, b) + g + offset(o)`, ...). A formula that
    /// does not parse is an error pointing at the position.
    pub fn new(formula: &str) -> Result<Gam> {
        Ok(Gam {
            spec: GamSpec::new(Formula::parse(formula)?),
            cache: None,
            verify_cache: false,
        })
    }

    /// The response distribution, with its default link (mgcv's).
    pub fn family(mut self, family: Family) -> Gam {
        self.spec.family = family;
        self.spec.link = family.default_link();
        self
    }

    /// The link; an error when the family does not take it.
    pub fn link(mut self, link: Link) -> Result<Gam> {
        self.spec.family.check_link(link)?;
        self.spec.link = link;
        Ok(self)
    }

    /// The column of prior weights (mgcv's `weights =`).
    pub fn weights(mut self, column: &str) -> Gam {
        self.spec.weights = Some(column.to_string());
        self
    }

    /// Fitting options (the outer iteration's limit and convergence test).
    pub fn options(mut self, options: FitOptions) -> Gam {
        self.spec.options = options;
        self
    }

    /// The family and link by name, as the `gam` command's `--family` and
    /// `--link` take them (`"poisson"`, `"nb"`, `"tw(p = 1.5)"`, ...); no
    /// link means the family's default. An unknown name, or a link the
    /// family does not take, is an error listing the choices.
    ///
    /// ```
    /// let spec = gam::Gam::new("y ~ s(x)")?.with_family_names("binomial", Some("probit"))?;
    /// assert_eq!(spec.link_function(), gam::Link::Probit);
    /// let e = gam::Gam::new("y ~ s(x)")?.with_family_names("poisson", Some("logit")).unwrap_err();
    /// assert_eq!(e.kind(), gam::ErrorKind::Option);
    /// # Ok::<(), gam::GamError>(())
    /// ```
    pub fn with_family_names(mut self, family: &str, link: Option<&str>) -> Result<Gam> {
        let (family, link, theta) = family_link_theta(family, link)?;
        self.spec.family = family;
        self.spec.link = link;
        self.spec.options.family_theta = theta;
        Ok(self)
    }

    /// The smoothness criterion by mgcv's name (`"REML"`, `"ML"`,
    /// `"GCV.Cp"`, `"GACV.Cp"`, `"P-REML"`, `"P-ML"`); REML by default.
    pub fn method(mut self, name: &str) -> Result<Gam> {
        self.spec.options.method = Method::parse(name)?;
        Ok(self)
    }

    /// mgcv's `gamma`: the model degrees of freedom count `gamma` times in
    /// the criterion (above 1 gives smoother fits); a finite number above 0.
    pub fn gamma(mut self, gamma: f64) -> Result<Gam> {
        check_gamma(gamma)?;
        self.spec.options.gamma = gamma;
        Ok(self)
    }

    /// mgcv's `sp =`: one smoothing parameter per penalty, in the order of
    /// [`FittedGam::smoothing_parameter_names`]; a value ≥ 0 is fixed, a
    /// negative one estimated. The fit checks the number and the values.
    pub fn sp(mut self, sp: Vec<f64>) -> Gam {
        self.spec.options.sp = Some(sp);
        self
    }

    /// mgcv's `min.sp =`: a lower bound (≥ 0) for each smoothing parameter,
    /// in penalty order. The fit checks the number and the values.
    pub fn min_sp(mut self, min_sp: Vec<f64>) -> Gam {
        self.spec.options.min_sp = Some(min_sp);
        self
    }

    /// mgcv's `select = TRUE`: an extra penalty on each smooth's null space,
    /// so that whole terms can be penalised out of the model.
    pub fn select(mut self, select: bool) -> Gam {
        self.spec.options.select = select;
        self
    }

    /// mgcv's `knots = list(x = c(...))`: user knots by covariate name (see
    /// [`FitOptions::knots`] for how many each basis takes). Every value must
    /// be a finite number; the fit checks the counts against the terms.
    ///
    /// ```
    /// use std::collections::BTreeMap;
    /// let knots = BTreeMap::from([("x".to_string(), vec![0.0, f64::NAN])]);
    /// let e = gam::Gam::new("y ~ s(x, bs = \"cr\", k = 2)")?.knots(knots).unwrap_err();
    /// assert_eq!(e.to_string(), "knots: the knots of 'x' must be finite numbers, not NaN (value 2)");
    /// # Ok::<(), gam::GamError>(())
    /// ```
    pub fn knots(mut self, knots: BTreeMap<String, Vec<f64>>) -> Result<Gam> {
        for (name, values) in &knots {
            if name.is_empty() {
                return Err(bad_option("knots", "a covariate name is empty".to_string()));
            }
            if let Some((i, v)) = values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
                return Err(bad_option(
                    "knots",
                    format!(
                        "the knots of '{name}' must be finite numbers, not {v} (value {})",
                        i + 1
                    ),
                ));
            }
        }
        self.spec.options.knots = knots;
        Ok(self)
    }

    /// The outer iteration's convergence test by name, as the `gam`
    /// command's `--convergence`: `"auto"` (the default), `"gam"` or `"bam"`
    /// (see [`Convergence`]).
    pub fn convergence(mut self, name: &str) -> Result<Gam> {
        self.spec.options.newton.convergence = Convergence::from_name(name).ok_or_else(|| {
            bad_option(
                "convergence",
                format!("unknown convergence test '{name}' (choose one of auto, gam, bam)"),
            )
        })?;
        Ok(self)
    }

    /// mgcv's `scale =`: above 0 the scale parameter is known and fixed at
    /// that value, below 0 it is estimated (even for Poisson and binomial),
    /// 0 (the default) leaves it as the family has it (see
    /// [`ScaleSetting`]). A family whose scale is part of it (the negative
    /// binomial, Tweedie with p estimated) refuses a setting, here if the
    /// family is already chosen, else when the model is fitted.
    ///
    /// ```
    /// let spec = gam::Gam::new("y ~ s(x)")?.scale(2.5)?;
    /// assert_eq!(spec.fit_options().scale, gam::ScaleSetting::Known(2.5));
    /// assert!(gam::Gam::new("y ~ s(x)")?.scale(f64::NAN).is_err());
    /// # Ok::<(), gam::GamError>(())
    /// ```
    pub fn scale(mut self, scale: f64) -> Result<Gam> {
        let setting = ScaleSetting::from_mgcv(scale)?;
        setting.resolve(self.spec.family, self.spec.options.method.is_likelihood())?;
        self.spec.options.scale = setting;
        Ok(self)
    }

    /// Fits through `cache`: an identical earlier fit (from this library or
    /// the `gam` command) is answered from it, an interrupted one resumes,
    /// a related one seeds the start. The cache never makes a fit fail.
    pub fn cache(mut self, cache: &Cache) -> Gam {
        self.cache = Some(cache.clone());
        self
    }

    /// Whether a cached answer is checked (score and gradient recomputed)
    /// before it is trusted; off by default.
    pub fn verify_cache(mut self, verify: bool) -> Gam {
        self.verify_cache = verify;
        self
    }

    /// The formula as written.
    pub fn formula(&self) -> &str {
        &self.spec.formula.text
    }

    /// The response distribution.
    pub fn distribution(&self) -> Family {
        self.spec.family
    }

    /// The link.
    pub fn link_function(&self) -> Link {
        self.spec.link
    }

    /// Every data column the model reads: the response's, the covariates,
    /// `by` variables, offsets, the inputs of expressions (`log(x)` reads
    /// `x`) and the weights column, each once, in order of first appearance.
    /// A front end reads only these from its data; a row missing any of them
    /// is dropped (mgcv's `na.omit`).
    ///
    /// ```
    /// let spec = gam::Gam::new("cbind(s, f) ~ s(x, by = g) + log(z) + offset(o)")?.weights("w");
    /// assert_eq!(spec.columns(), ["s", "f", "x", "g", "z", "o", "w"]);
    /// # Ok::<(), gam::GamError>(())
    /// ```
    pub fn columns(&self) -> Vec<String> {
        self.spec.columns_used()
    }

    /// The data columns the response reads (`cbind(s, f)` reads two,
    /// `log(y)` reads `y`), in order.
    ///
    /// ```
    /// assert_eq!(gam::Gam::new("log(y) ~ s(x)")?.response_columns(), ["y"]);
    /// # Ok::<(), gam::GamError>(())
    /// ```
    pub fn response_columns(&self) -> Vec<String> {
        self.spec.formula.response_columns()
    }

    /// The fitting options.
    pub fn fit_options(&self) -> &FitOptions {
        &self.spec.options
    }

    /// Fits the model to `frame`.
    pub fn fit(&self, frame: &Frame) -> Result<FittedGam> {
        self.fit_observed(frame, &mut NoObserver)
    }

    /// Fits the model to `frame`, reporting every outer iterate to
    /// `observer`, which can stop the fit.
    pub fn fit_observed(&self, frame: &Frame, observer: &mut dyn FitObserver) -> Result<FittedGam> {
        let opts = CacheOptions {
            verify: self.verify_cache,
        };
        let store = self.cache.as_ref().map(|c| &c.store);
        let fitted = fit_cached(&self.spec, &frame.inner, store, &opts, observer)?;
        Ok(FittedGam::from_cached(fitted))
    }

    /// Cross-validates the model on `frame`: `options.folds` folds, each fit
    /// warm-started from the previous fold's smoothing parameters and, with a
    /// cache, answered from it when already made. The report's `Display` is
    /// the table `gam cv` prints.
    pub fn cross_validate(&self, frame: &Frame, options: &CvOptions) -> Result<CvReport> {
        self.cross_validate_observed(frame, options, &mut NoCvObserver)
    }

    /// [`cross_validate`](Self::cross_validate), reporting to `observer`
    /// each fold's start and end ([`CvEvent`](crate::CvEvent)) and every outer iterate of
    /// its fit; the observer's [`FitObserver::should_stop`] stops the
    /// cross-validation (a [`GamError::Interrupted`], inside the
    /// [`GamError::Fold`] of the fold it stopped).
    pub fn cross_validate_observed(
        &self,
        frame: &Frame,
        options: &CvOptions,
        observer: &mut dyn CvObserver,
    ) -> Result<CvReport> {
        let store = self.cache.as_ref().map(|c| &c.store);
        let options = CvOptions {
            verify_cache: options.verify_cache || self.verify_cache,
            ..options.clone()
        };
        cross_validate(&self.spec, &frame.inner, store, &options, observer)
    }

    /// The expert-level specification behind this model.
    pub fn spec(&self) -> &GamSpec {
        &self.spec
    }
}

/// A [`GamError::BadOption`] about `option`.
fn bad_option(option: &str, message: String) -> GamError {
    GamError::BadOption {
        option: option.to_string(),
        message,
    }
}

/// A warm-start cache directory: checksummed, crash-safe checkpoints and
/// results of fits, shared with the `gam` command.
#[derive(Debug, Clone)]
pub struct Cache {
    store: WarmStartStore,
}

impl Cache {
    /// The cache the `gam` command uses by default: `$GAM_CACHE_DIR` if set,
    /// else `gam/warm/v1` below the platform's cache directory. Created if missing.
    pub fn open_default() -> Result<Cache> {
        let root = warmstart::default_root().ok_or_else(|| GamError::Cache {
            path: PathBuf::new(),
            message: format!(
                "cannot determine a cache directory: set {} or open one with Cache::open",
                warmstart::CACHE_DIR_ENV
            ),
        })?;
        Cache::open(root)
    }

    /// The cache in directory `dir` (created if missing).
    pub fn open(dir: impl AsRef<Path>) -> Result<Cache> {
        let dir = dir.as_ref();
        let store = WarmStartStore::open(dir.to_path_buf(), StoreOptions::default()).map_err(|e| GamError::Cache {
            path: dir.to_path_buf(),
            message: e.to_string(),
        })?;
        Ok(Cache { store })
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        self.store.root()
    }

    /// The store itself, for the expert API.
    pub fn store(&self) -> &WarmStartStore {
        &self.store
    }
}
