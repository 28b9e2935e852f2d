//! General-family fits (several linear predictors, [`crate::fit::general`]) through the
//! warm-start store, as one-predictor fits go through it ([`super::fit_cached`]):
//!
//! - an exact Final entry whose formulas list their terms in the requested order is the answer
//!   (no fit at all);
//! - an exact Checkpoint (a fit killed or stopped) resumes the outer iteration from its log
//!   smoothing parameters and iteration count;
//! - otherwise a Seed under the coarse key (the same model finished on other data), or a
//!   cached optimum of the same model written with its terms in another order, starts it;
//! - else it starts cold, from mgcv's `initial.sp`.
//!
//! During the fit the iterates are checkpointed as for one-predictor fits (after
//! [`super::CHECKPOINT_AFTER`]; a stopped fit writes the last one held back), and a converged
//! fit is saved Final with its smoothing parameters recorded as the coarse key's Seed. Keys
//! come from [`keys::general_keys`] ([`keys::cox_keys`] for cox.ph, whose own fit path
//! [`fit_cox_cached`] takes, with the event-indicator column in the keys). As everywhere in the cache, a store that fails never
//! fails the fit: its first error comes back as a warning.

use warmstart::{EntryKind, LoadSource, Session, WarmStartStore};

use super::keys::{self, GeneralFinalPayload, PAYLOAD_FORMAT_VERSION, Payload, SeedPayload};
use super::{CheckpointObserver, SEED_SLOT, StartSource, reorder, same_term_order};
use crate::data::DataFrame;
use crate::error::Result;
use crate::family::general::GeneralFamily;
use crate::fit::general::cox::{self, CoxSetup};
use crate::fit::general::{GeneralFit, GeneralSetup};
use crate::fit::{FitObserver, FitOptions, OuterStart};
use crate::formula::list::FormulaList;
use crate::model::general::GeneralModel;

/// A fitted general-family model and how the cache helped.
#[derive(Debug, Clone)]
pub struct GeneralCachedFit {
    /// The model.
    pub model: GeneralModel,
    /// Where the fit started.
    pub source: StartSource,
    /// Outer iterations this run performed (0 for an exact hit).
    pub iterations_run: usize,
    /// The first cache failure, if the cache could not be used.
    pub cache_warning: Option<String>,
}

/// Whether two lists have the same formulas with their terms in the same order (so the same
/// coefficient order).
fn same_order(a: &FormulaList, b: &FormulaList) -> bool {
    a.formulas.len() == b.formulas.len() && a.formulas.iter().zip(&b.formulas).all(|(x, y)| same_term_order(x, y))
}

/// What the cached path needs of a fit made ready: its smoothing parameters' names and a
/// run from a given start reporting to an observer (the per-row families' [`GeneralSetup`],
/// cox.ph's [`CoxSetup`]).
trait Ready {
    fn sp_names(&self) -> Vec<String>;
    fn run(&self, start: Option<&OuterStart>, observer: &mut dyn FitObserver) -> Result<GeneralFit>;
}

impl Ready for GeneralSetup {
    fn sp_names(&self) -> Vec<String> {
        GeneralSetup::sp_names(self)
    }
    fn run(&self, start: Option<&OuterStart>, observer: &mut dyn FitObserver) -> Result<GeneralFit> {
        self.fit(start, observer)
    }
}

impl Ready for CoxSetup {
    fn sp_names(&self) -> Vec<String> {
        CoxSetup::sp_names(self)
    }
    fn run(&self, start: Option<&OuterStart>, observer: &mut dyn FitObserver) -> Result<GeneralFit> {
        self.fit(start, observer)
    }
}

/// A fit without the cache.
fn uncached(setup: &impl Ready, observer: &mut dyn FitObserver) -> Result<GeneralCachedFit> {
    let fit = setup.run(None, observer)?;
    Ok(GeneralCachedFit {
        model: GeneralModel::from_fit(&fit),
        source: StartSource::Cold,
        iterations_run: fit.iterations,
        cache_warning: None,
    })
}

/// Fits `formula` with `family` to `data` through `store` (None: no cache), reporting the
/// outer iterates to `observer` (which may stop it).
///
/// # Errors
/// What [`GeneralSetup::new`] and [`GeneralSetup::fit`] refuse; never a store failure.
pub fn fit_general_cached(
    formula: &str,
    family: GeneralFamily,
    data: &DataFrame,
    options: &FitOptions,
    store: Option<&WarmStartStore>,
    observer: &mut dyn FitObserver,
) -> Result<GeneralCachedFit> {
    let list = FormulaList::parse(formula)?;
    let store = match store {
        Some(store) if list.formulas.len() == family.n_predictors() => store,
        // No cache, or a list the setup refuses (it says why).
        _ => return uncached(&GeneralSetup::new(formula, family, data, options)?, observer),
    };
    let keys = keys::general_keys(&list, &family, options, data)?;
    cached(
        &list,
        FormulaList::parse,
        &keys,
        store,
        || GeneralSetup::new(formula, family, data, options),
        observer,
    )
}

/// Fits `formula` (`time ~ …`) with mgcv's `cox.ph`, the event indicator in the column
/// `status`, to `data` through `store` (None: no cache) as [`fit_general_cached`] does (the
/// keys also cover the status column, [`keys::cox_keys`]), reporting the outer iterates to
/// `observer` (which may stop it).
///
/// # Errors
/// What [`CoxSetup::new`] and [`CoxSetup::fit`] refuse; never a store failure.
pub fn fit_cox_cached(
    formula: &str,
    status: &str,
    data: &DataFrame,
    options: &FitOptions,
    store: Option<&WarmStartStore>,
    observer: &mut dyn FitObserver,
) -> Result<GeneralCachedFit> {
    let list = cox::single_list(formula)?;
    let Some(store) = store else {
        return uncached(&CoxSetup::new(formula, status, data, options)?, observer);
    };
    // The columns are checked first, so a missing status column is the setup's error.
    data.require_column(status)?;
    let keys = keys::cox_keys(&list, status, options, data)?;
    cached(
        &list,
        cox::single_list,
        &keys,
        store,
        || CoxSetup::new(formula, status, data, options),
        observer,
    )
}

/// The cached path shared by [`fit_general_cached`] and [`fit_cox_cached`] (module doc):
/// `parse` reads a cached model's formula back, `setup` makes the fit ready when one runs.
fn cached<R: Ready>(
    list: &FormulaList,
    parse: fn(&str) -> Result<FormulaList>,
    keys: &keys::FitKeys,
    store: &WarmStartStore,
    setup: impl FnOnce() -> Result<R>,
    observer: &mut dyn FitObserver,
) -> Result<GeneralCachedFit> {
    let session = Session::open(store.clone(), keys.exact);
    let mut cached: Option<GeneralModel> = None;
    let mut resume = None;
    if let Some((entry, LoadSource::Exact)) = session.try_load_with_source() {
        match Payload::from_bytes(&entry.payload) {
            Some(Payload::GeneralFinal(f)) if entry.kind == EntryKind::Final => cached = Some(f.model),
            Some(Payload::Checkpoint(c)) => resume = Some(c),
            _ => {}
        }
    }
    if let Some(model) = &cached
        && parse(&model.formula).is_ok_and(|c| same_order(&c, list))
    {
        let mut model = model.clone();
        model.formula = list.text.clone();
        model.formula_parts = list.parts.clone();
        return Ok(GeneralCachedFit {
            model,
            source: StartSource::ExactHit,
            iterations_run: 0,
            cache_warning: session.take_error().map(|e| e.to_string()),
        });
    }

    let setup = setup()?;
    let names = setup.sp_names();
    // The same model cached with its terms in another order (so another coefficient order):
    // its optimum starts a short run of which nothing is written under the exact key, where
    // a second Final would compete with the cached one (as for one-predictor fits).
    let other_order = cached.is_some();
    let from_cached =
        cached.and_then(|m| reorder(&m.sp.iter().map(|s| s.ln()).collect::<Vec<_>>(), &m.sp_names, &names));
    let from_resume = resume.and_then(|c| {
        let rho = reorder(&c.rho, &c.sp_names, &names)?;
        Some((
            OuterStart {
                rho,
                iteration: c.iteration,
                extra: Vec::new(),
            },
            StartSource::Resumed {
                iteration: c.iteration,
                score: c.score,
            },
        ))
    });
    let seeded = |rho| {
        (
            OuterStart {
                rho,
                iteration: 0,
                extra: Vec::new(),
            },
            StartSource::Seeded,
        )
    };
    let start = from_resume.or_else(|| from_cached.map(seeded)).or_else(|| {
        match store.lookup(&keys.coarse) {
            Ok(Some(entry)) => match Payload::from_bytes(&entry.payload) {
                Some(Payload::Seed(s)) => reorder(&s.rho, &s.sp_names, &names),
                _ => None,
            },
            _ => None,
        }
        .map(seeded)
    });
    let (start, source) = match start {
        Some((start, source)) => (Some(start), source),
        None => (None, StartSource::Cold),
    };

    let mut obs = CheckpointObserver::new((!other_order).then_some(&session), names.clone(), observer);
    let fitted = setup.run(start.as_ref(), &mut obs);
    let fit = obs.finish(fitted)?;
    let iterations_run = obs.iterations;
    let model = GeneralModel::from_fit(&fit);
    let rho: Vec<f64> = model.sp.iter().map(|s| s.ln()).collect();
    if model.converged && !other_order {
        let payload = Payload::GeneralFinal(Box::new(GeneralFinalPayload {
            format: PAYLOAD_FORMAT_VERSION,
            model: model.clone(),
        }));
        session.finalize(&payload.to_bytes(), Some(model.reml), Some(model.iterations as u64));
    }
    let seed = Payload::Seed(SeedPayload {
        format: PAYLOAD_FORMAT_VERSION,
        rho,
        sp_names: names,
        theta_t: Vec::new(),
    });
    let seed_warning = store
        .save_overwrite(&keys.coarse, SEED_SLOT, &seed.to_bytes(), None, None, EntryKind::Final)
        .err()
        .map(|e| e.to_string());
    Ok(GeneralCachedFit {
        model,
        source,
        iterations_run,
        cache_warning: session.take_error().map(|e| e.to_string()).or(seed_warning),
    })
}
