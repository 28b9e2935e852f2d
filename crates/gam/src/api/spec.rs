//! The unfitted model of the front door: [`Gam`], built step by step and
//! checked as it is built (the formula when parsed, the link against the
//! family), and the warm-start [`Cache`] it may fit through.

use std::path::{Path, PathBuf};

use warmstart::{StoreOptions, WarmStartStore};

use super::fitted::FittedGam;
use super::frame::Frame;
use crate::cache::{CacheOptions, fit_cached};
use crate::cv::{CvOptions, CvReport, NoCvObserver, cross_validate};
use crate::error::{GamError, Result};
use crate::family::{Family, Link};
use crate::fit::driver::{FitObserver, NoObserver};
use crate::fit::{FitOptions, GamSpec};
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
        let store = self.cache.as_ref().map(|c| &c.store);
        let options = CvOptions {
            verify_cache: options.verify_cache || self.verify_cache,
            ..options.clone()
        };
        cross_validate(&self.spec, &frame.inner, store, &options, &mut NoCvObserver)
    }

    /// The expert-level specification behind this model.
    pub fn spec(&self) -> &GamSpec {
        &self.spec
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
