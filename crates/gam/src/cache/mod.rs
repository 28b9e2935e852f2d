//! Fits that never start from scratch twice: the warm-start store wired
//! into fitting.
//!
//! On start, in order: an exact Final entry returns the cached model at once
//! (after an optional check of its score and gradient); an exact Checkpoint
//! resumes the outer iteration where it stopped; a Seed under the coarse key
//! (a finished fit of the same model on other data) starts it from that fit's
//! smoothing parameters; otherwise the fit starts cold. During the fit every
//! outer iterate after the first [`CHECKPOINT_AFTER`] goes through the
//! session's checkpoint (a stopped fit also writes the last one held back
//! before then); at convergence the model is saved Final and its smoothing
//! parameters are recorded as a Seed.
//!
//! The cache never makes a fit fail: store errors are collected into one
//! warning and the fit goes on without it.

pub mod general;
pub mod input;
pub mod keys;

use std::time::{Duration, Instant};

use warmstart::{EntryKind, Fingerprint, LoadSource, Session, WarmStartStore};

use crate::data::DataFrame;
use crate::error::{GamError, Result};
use crate::fit::driver::{FitObserver, FitSetup, prepare};
use crate::fit::{GamSpec, Iterate, OuterStart};
use crate::formula::Formula;
use crate::model::GamModel;
use keys::{AliasPayload, CheckpointPayload, FinalPayload, PAYLOAD_FORMAT_VERSION, Payload, SeedPayload, fit_keys};

/// A verified cached score may differ from a recomputed one by this much, relative.
pub const VERIFY_SCORE_TOL: f64 = 1e-8;

/// A verified cached optimum must have a gradient below this times (1 + |V|).
pub const VERIFY_GRAD_TOL: f64 = 1e-3;

/// The run id under which each coarse key keeps its one Seed.
const SEED_SLOT: &str = "seed";

/// Where a fit started.
#[derive(Debug, Clone, PartialEq)]
pub enum StartSource {
    /// The finished model was in the cache.
    ExactHit,
    /// Resumed from a checkpoint of an interrupted run.
    Resumed {
        /// The checkpoint's outer iteration.
        iteration: usize,
        /// Its REML score.
        score: f64,
    },
    /// Started from the smoothing parameters of a related fit.
    Seeded,
    /// No usable cache entry.
    Cold,
}

impl StartSource {
    /// The one line the CLI prints about where the fit started.
    pub fn describe(&self) -> String {
        match self {
            StartSource::ExactHit => "cache: exact hit".into(),
            StartSource::Resumed { iteration, score } => {
                format!("cache: resumed from checkpoint at iteration {iteration} (criterion {score:.4})")
            }
            StartSource::Seeded => "cache: seeded from a related fit".into(),
            StartSource::Cold => "cache: cold start".into(),
        }
    }
}

/// Settings of the cache glue.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CacheOptions {
    /// Recompute score and gradient at a cached optimum and refit if they disagree.
    pub verify: bool,
}

/// A fitted model and how the cache helped.
#[derive(Debug, Clone)]
pub struct CachedFit {
    /// The model.
    pub model: GamModel,
    /// Where the fit started.
    pub source: StartSource,
    /// Outer iterations this run performed (0 for an exact hit).
    pub iterations_run: usize,
    /// The first cache failure, if the cache could not be used.
    pub cache_warning: Option<String>,
    /// With `verify`: whether a cached optimum passed the check (None if there was none).
    pub verified: Option<bool>,
}

/// Whether two formulas list their terms (and intercept) in the same order,
/// so that a cached model's coefficient order is the requested one.
fn same_term_order(a: &Formula, b: &Formula) -> bool {
    let labels = |f: &Formula| f.terms.iter().map(|t| t.label()).collect::<Vec<_>>();
    a.intercept == b.intercept && labels(a) == labels(b) && a.response == b.response
}

/// The cached model as an answer to `spec`, if it lists its terms in the
/// same order (so its coefficient order is the requested one).
fn as_requested(f: &FinalPayload, spec: &GamSpec) -> Option<GamModel> {
    let cached = Formula::parse(&f.model.formula).ok()?;
    if !same_term_order(&cached, &spec.formula) {
        return None;
    }
    let mut model = f.model.clone();
    model.formula = spec.formula.text.clone();
    Some(model)
}

impl CachedFit {
    fn exact_hit(model: GamModel, cache_warning: Option<String>, verified: Option<bool>) -> CachedFit {
        CachedFit {
            model,
            source: StartSource::ExactHit,
            iterations_run: 0,
            cache_warning,
            verified,
        }
    }
}

/// `rho` reordered from `from` names to `to` names; None if they are not the same set.
fn reorder(rho: &[f64], from: &[String], to: &[String]) -> Option<Vec<f64>> {
    if from.len() != to.len() || rho.len() != from.len() {
        return None;
    }
    to.iter()
        .map(|name| from.iter().position(|f| f == name).map(|i| rho[i]))
        .collect()
}

/// How long the outer iteration runs before its iterates are checkpointed.
///
/// A checkpoint saves the work of the iterations before it. Before this much
/// time the work is cheaper to redo than the writes are to make (each is three
/// fsyncs, which cost tens of milliseconds on a busy disk), so the iterates of
/// a short fit are held back: a fit killed before this time loses less than
/// this time, and a fit *stopped* (Ctrl-C, `KeyboardInterrupt`) writes the
/// last iterate it held back before it returns, so it still resumes.
pub const CHECKPOINT_AFTER: Duration = Duration::from_millis(500);

struct CheckpointObserver<'a> {
    session: Option<&'a Session>,
    sp_names: Vec<String>,
    inner: &'a mut dyn FitObserver,
    iterations: usize,
    first: Option<usize>,
    /// When the outer iteration started (see [`CHECKPOINT_AFTER`]).
    started: Instant,
    /// The latest iterate held back (not offered to the store), if any.
    pending: Option<CheckpointPayload>,
    /// The outer iteration and score of the last checkpoint the session wrote.
    saved: Option<(usize, f64)>,
}

impl<'a> CheckpointObserver<'a> {
    /// An observer that checkpoints into `session` (none: only counts iterations), naming the
    /// smoothing parameters `sp_names`, and passes every iterate on to `inner`.
    fn new(session: Option<&'a Session>, sp_names: Vec<String>, inner: &'a mut dyn FitObserver) -> Self {
        CheckpointObserver {
            session,
            sp_names,
            inner,
            iterations: 0,
            first: None,
            started: Instant::now(),
            pending: None,
            saved: None,
        }
    }

    /// The fit's result once it has returned: an interrupted fit writes the iterate held back,
    /// and its error then names the last checkpoint written, where the same fit resumes.
    fn finish<T>(&mut self, fitted: Result<T>) -> Result<T> {
        if matches!(fitted, Err(GamError::Interrupted { .. })) {
            self.flush();
        }
        fitted.map_err(|e| match (e, self.saved) {
            // Stopped: the session's slot holds its last checkpoint (written, synced and
            // renamed before `checkpoint` returned), from which the same fit resumes.
            (GamError::Interrupted { .. }, Some((iterations, score))) => GamError::Interrupted {
                iterations,
                score,
                saved: true,
            },
            (e, _) => e,
        })
    }

    /// Offers `payload` to the session; records it when written.
    fn offer(&mut self, session: &Session, payload: CheckpointPayload) {
        let (iteration, score) = (payload.iteration, payload.score);
        let bytes = Payload::Checkpoint(payload).to_bytes();
        if session.checkpoint(&bytes, Some(score), Some(iteration as u64)) {
            self.saved = Some((iteration, score));
        }
    }

    /// Writes the iterate held back, if any: the fit is stopping.
    fn flush(&mut self) {
        if let (Some(session), Some(payload)) = (self.session, self.pending.take()) {
            self.offer(session, payload);
        }
    }
}

impl FitObserver for CheckpointObserver<'_> {
    fn on_iterate(&mut self, it: &Iterate) {
        let first = *self.first.get_or_insert(it.iter);
        self.iterations = it.iter - first;
        if let Some(session) = self.session {
            let payload = CheckpointPayload {
                format: PAYLOAD_FORMAT_VERSION,
                rho: it.rho.clone(),
                sp_names: self.sp_names.clone(),
                iteration: it.iter,
                score: it.score,
                coefficients: it.coefficients.clone(),
                scale: it.scale,
                extra: it.extra.clone(),
            };
            if self.started.elapsed() >= CHECKPOINT_AFTER {
                self.pending = None;
                self.offer(session, payload);
            } else {
                self.pending = Some(payload);
            }
        }
        self.inner.on_iterate(it);
    }

    fn should_stop(&self) -> bool {
        self.inner.should_stop()
    }
}

/// The run id under which each input key keeps its one alias.
const ALIAS_SLOT: &str = "alias";

/// An exact hit found through the input key of an unchanged data file (see
/// [`keys::input_key`]), without parsing the file: the Final entry of
/// the exact key the alias names, if it is in the requested term order.
pub fn hit_by_input_key(store: &WarmStartStore, input: &Fingerprint, spec: &GamSpec) -> Option<CachedFit> {
    let alias = match Payload::from_bytes(&store.lookup(input).ok()??.payload)? {
        Payload::Alias(a) => a,
        _ => return None,
    };
    let exact = Fingerprint::from_hex(&alias.exact)?;
    let entry = store.lookup(&exact).ok()??;
    let Some(Payload::Final(f)) = Payload::from_bytes(&entry.payload) else {
        return None;
    };
    if entry.kind != EntryKind::Final {
        return None;
    }
    as_requested(&f, spec).map(|model| CachedFit::exact_hit(model, None, None))
}

/// Records that the input key `input` parses to the exact key of `spec` on
/// `data` (the data as read from that input).
pub fn record_input_key(store: &WarmStartStore, input: &Fingerprint, spec: &GamSpec, data: &DataFrame) -> Result<()> {
    let prepared = prepare(spec, data)?;
    let keys = fit_keys(spec, &prepared.data)?;
    let alias = Payload::Alias(AliasPayload {
        format: PAYLOAD_FORMAT_VERSION,
        exact: keys.exact.to_hex(),
    });
    // A failed alias write only costs a later parse; the fit never fails for it.
    let _ = store.save_overwrite(input, ALIAS_SLOT, &alias.to_bytes(), None, None, EntryKind::Final);
    Ok(())
}

/// Fits `spec` to `data` through the cache `store` (None: no cache).
pub fn fit_cached(
    spec: &GamSpec,
    data: &DataFrame,
    store: Option<&WarmStartStore>,
    opts: &CacheOptions,
    observer: &mut dyn FitObserver,
) -> Result<CachedFit> {
    let prepared = prepare(spec, data)?;
    let Some(store) = store else {
        let setup = spec.setup(prepared)?;
        return run(spec, &setup, None, None, StartSource::Cold, observer);
    };
    let keys = fit_keys(spec, &prepared.data)?;
    let session = Session::open(store.clone(), keys.exact);
    let found = session.try_load_with_source();

    // An exact Final entry in the requested term order: no data pass at all.
    let mut cached_final: Option<FinalPayload> = None;
    let mut resume: Option<CheckpointPayload> = None;
    if let Some((entry, LoadSource::Exact)) = &found {
        match Payload::from_bytes(&entry.payload) {
            Some(Payload::Final(f)) if entry.kind == EntryKind::Final => cached_final = Some(*f),
            Some(Payload::Checkpoint(c)) => resume = Some(c),
            _ => {}
        }
    }
    if let Some(model) = cached_final
        .as_ref()
        .filter(|_| !opts.verify)
        .and_then(|f| as_requested(f, spec))
    {
        return Ok(CachedFit::exact_hit(
            model,
            session.take_error().map(|e| e.to_string()),
            None,
        ));
    }

    let setup = spec.setup(prepared)?;
    let names = setup.sp_names();
    let mut verified = None;
    if let Some(f) = &cached_final {
        let cached_names = f.model.design.sp_names();
        if let Some(rho) = reorder(&f.rho, &cached_names, &names) {
            let check = setup.reml_at(&rho, f.model.reml_scale, &f.model.theta);
            let ok = check.as_ref().is_ok_and(|e| {
                let grad = e.grad.iter().fold(0.0f64, |m, g| m.max(g.abs()));
                (e.score - f.model.reml_score).abs() <= VERIFY_SCORE_TOL * (1.0 + e.score.abs())
                    && grad <= VERIFY_GRAD_TOL * (1.0 + e.score.abs())
            });
            if opts.verify {
                verified = Some(ok);
                if !ok {
                    // A cached optimum that is not one must not be found again.
                    let _ = store.remove_key(&keys.exact);
                }
            }
            if ok {
                if let Some(model) = as_requested(f, spec) {
                    let warning = session.take_error().map(|e| e.to_string());
                    return Ok(CachedFit::exact_hit(model, warning, verified));
                }
                // Same model, other term order (so another coefficient
                // order): the cached optimum is the start of a short run.
                // Nothing of it is written under the exact key: a second
                // Final (or a checkpoint) there would compete with the
                // cached one for the best entry and each order would evict
                // the other's hits in turn.
                let start = OuterStart {
                    rho,
                    iteration: 0,
                    extra: f.model.family.t_of_theta(&f.model.theta),
                };
                return run(spec, &setup, None, Some(&start), StartSource::Seeded, observer)
                    .map(|c| CachedFit { verified, ..c });
            }
        }
    }
    // A cached optimum that failed its check is refitted from scratch, as
    // without a cache: the coarse Seed may come from the same bad fit.
    let refit_cold = verified == Some(false);
    let resume_start = resume.filter(|_| !refit_cold).and_then(|c| {
        let rho = reorder(&c.rho, &c.sp_names, &names)?;
        let source = StartSource::Resumed {
            iteration: c.iteration,
            score: c.score,
        };
        Some((
            OuterStart {
                rho,
                iteration: c.iteration,
                extra: c.extra.clone(),
            },
            source,
        ))
    });
    let (start, source) = match resume_start {
        Some((start, source)) => (Some(start), source),
        None => {
            let seed = match store.lookup(&keys.coarse) {
                Ok(Some(entry)) if !refit_cold => match Payload::from_bytes(&entry.payload) {
                    Some(Payload::Seed(s)) => reorder(&s.rho, &s.sp_names, &names).map(|rho| (rho, s.theta_t)),
                    _ => None,
                },
                _ => None,
            };
            match seed {
                Some((rho, extra)) => (
                    Some(OuterStart {
                        rho,
                        iteration: 0,
                        extra,
                    }),
                    StartSource::Seeded,
                ),
                None => (None, StartSource::Cold),
            }
        }
    };
    let seed = SeedSlot {
        store,
        coarse: &keys.coarse,
        sp_names: &names,
    };
    let outcome = run(spec, &setup, Some((&session, seed)), start.as_ref(), source, observer)?;
    Ok(CachedFit { verified, ..outcome })
}

/// Where a finished fit records its smoothing parameters for related fits:
/// the Seed under the coarse key.
#[derive(Clone, Copy)]
struct SeedSlot<'a> {
    store: &'a WarmStartStore,
    coarse: &'a Fingerprint,
    sp_names: &'a [String],
}

impl SeedSlot<'_> {
    /// Writes the Seed of `model`; the store's error, if it failed.
    fn save(&self, model: &GamModel) -> Option<String> {
        let seed = Payload::Seed(SeedPayload {
            format: PAYLOAD_FORMAT_VERSION,
            rho: model.sp.iter().map(|s| s.ln()).collect(),
            sp_names: self.sp_names.to_vec(),
            theta_t: model.family.t_of_theta(&model.theta),
        });
        self.store
            .save_overwrite(self.coarse, SEED_SLOT, &seed.to_bytes(), None, None, EntryKind::Final)
            .err()
            .map(|e| e.to_string())
    }
}

/// Runs the optimisation from `start`, checkpointing into `session`, and
/// saves the Final entry and the Seed (each write is a few fsyncs: the two
/// are made at once, on two threads).
fn run(
    spec: &GamSpec,
    setup: &FitSetup,
    cache: Option<(&Session, SeedSlot<'_>)>,
    start: Option<&OuterStart>,
    source: StartSource,
    observer: &mut dyn FitObserver,
) -> Result<CachedFit> {
    let session = cache.map(|(session, _)| session);
    let mut obs = CheckpointObserver::new(session, setup.sp_names(), observer);
    let fitted = spec.fit_setup(setup, start, &mut obs);
    let model = obs.finish(fitted)?;
    let iterations_run = obs.iterations;
    let mut cache_warning = None;
    if let Some((session, seed)) = cache {
        let seed_warning = std::thread::scope(|scope| {
            // No thread to be had (a process at its limit): the Seed is written after the Final entry.
            let seed_write = std::thread::Builder::new()
                .name("gam-seed-write".into())
                .spawn_scoped(scope, || seed.save(&model))
                .ok();
            if model.outer.converged {
                let payload = Payload::Final(Box::new(FinalPayload {
                    format: PAYLOAD_FORMAT_VERSION,
                    rho: model.sp.iter().map(|s| s.ln()).collect(),
                    model: model.clone(),
                }));
                session.finalize(
                    &payload.to_bytes(),
                    Some(model.reml_score),
                    Some(model.outer.iter as u64),
                );
            }
            match seed_write {
                Some(handle) => handle.join().unwrap_or_else(|_| Some("the Seed write panicked".into())),
                None => seed.save(&model),
            }
        });
        cache_warning = session.take_error().map(|e| e.to_string()).or(seed_warning);
    }
    Ok(CachedFit {
        model,
        source,
        iterations_run,
        cache_warning,
        verified: None,
    })
}
