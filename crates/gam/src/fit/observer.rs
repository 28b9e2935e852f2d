//! Watching a fit: a [`FitObserver`] hears every outer iterate and may stop
//! the fit ([`NoObserver`] ignores them).
//!
//! Stopping a fit from outside it: a front end (the CLI's Ctrl-C handler, a
//! Python `KeyboardInterrupt`) sets a shared flag; the fit sees it after its
//! next outer iterate and returns [`GamError::Interrupted`] there.
//!
//! Guarantee: through the cache ([`crate::cache::fit_cached`]) every
//! iterate after the fit's first [`CHECKPOINT_AFTER`] is offered to the store
//! as a checkpoint before the flag is read (earlier ones are held back, and
//! the last one held back is offered when the fit stops), an iterate better
//! than any the fit wrote is always written, and a write is durable (fsync
//! and rename) before it returns; so a stopped fit leaves a checkpoint of its
//! best iterate (accepted steps lower the criterion, so the last one written
//! is the best), and the error names the iterate it left (or says that
//! nothing was saved, without a usable cache).
//!
//! [`CHECKPOINT_AFTER`]: crate::cache::CHECKPOINT_AFTER
//!
//! [`GamError::Interrupted`]: crate::GamError::Interrupted

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use super::outer::Iterate;

/// Test hook, not a user option: when this environment variable holds a
/// number of milliseconds, every fit sleeps that long after each outer
/// iterate, once the iterate was reported to its observer (through the
/// cache: after its checkpoint was offered to the store, or held back in the
/// fit's first [`CHECKPOINT_AFTER`](crate::cache::CHECKPOINT_AFTER)) and before the fit
/// asks whether to stop, so that a test can interrupt a fit between
/// checkpoints from any front end (the `gam` command, Python). Read once per
/// process. Harmless otherwise.
pub const PAUSE_ENV: &str = "GAM_TEST_PAUSE_AFTER_CHECKPOINT_MS";

/// The pause [`PAUSE_ENV`] asks for, read once per process.
pub fn test_pause() -> Option<Duration> {
    static PAUSE: OnceLock<Option<Duration>> = OnceLock::new();
    *PAUSE.get_or_init(|| parse_pause(std::env::var(PAUSE_ENV).ok().as_deref()))
}

/// A whole number of milliseconds as a pause; anything else is no pause.
fn parse_pause(value: Option<&str>) -> Option<Duration> {
    value?.trim().parse::<u64>().ok().map(Duration::from_millis)
}

/// Receives every outer iterate of a fit, and may stop it.
pub trait FitObserver {
    /// Called after the start and after every accepted Newton step.
    fn on_iterate(&mut self, iterate: &Iterate);

    /// Asked after every [`on_iterate`](Self::on_iterate): `true` stops the fit there with
    /// [`GamError::Interrupted`](crate::GamError::Interrupted) (unless that iterate is its optimum). Through the cache
    /// ([`crate::cache::fit_cached`]) the iterate is checkpointed (before this is asked, or as
    /// the fit stops), so a stopped fit leaves its checkpoint and the same fit resumes from it.
    /// [`StopOnFlag`] stops on a flag set from another thread (a signal handler).
    fn should_stop(&self) -> bool {
        false
    }
}

/// An observer that ignores everything.
pub struct NoObserver;

impl FitObserver for NoObserver {
    fn on_iterate(&mut self, _: &Iterate) {}
}

/// Passes every iterate on to another observer and stops the fit once a
/// shared flag is set (or the other observer asks to stop). The flag is never
/// cleared here: a front end clears it before its next fit.
pub struct StopOnFlag<'a> {
    inner: &'a mut dyn FitObserver,
    flag: Arc<AtomicBool>,
}

impl<'a> StopOnFlag<'a> {
    /// Watches `flag` for a fit reported to `inner` (e.g. `&mut NoObserver`).
    pub fn new(inner: &'a mut dyn FitObserver, flag: Arc<AtomicBool>) -> StopOnFlag<'a> {
        StopOnFlag { inner, flag }
    }
}

impl FitObserver for StopOnFlag<'_> {
    fn on_iterate(&mut self, iterate: &Iterate) {
        self.inner.on_iterate(iterate);
    }

    fn should_stop(&self) -> bool {
        // Acquire pairs with the setter's Release (or SeqCst) store: the
        // request is seen by the first iterate after it.
        self.flag.load(Ordering::Acquire) || self.inner.should_stop()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_whole_number_of_milliseconds_is_a_pause() {
        assert_eq!(parse_pause(Some(" 250 ")), Some(Duration::from_millis(250)));
        assert_eq!(parse_pause(Some("0")), Some(Duration::ZERO));
        for other in [None, Some(""), Some("1.5"), Some("-3"), Some("soon")] {
            assert_eq!(parse_pause(other), None, "{other:?}");
        }
    }
}
