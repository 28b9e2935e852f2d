//! The observer of a fit run with the GIL released: it lets Python's Ctrl-C
//! stop the fit and reports progress to a Python callback, attaching to the
//! interpreter at most once per [`POLL`] so that a short fit never waits for
//! the GIL.

use std::cell::{Cell, RefCell};
use std::time::{Duration, Instant};

use gam::{CvEvent, CvObserver, FitObserver, Iterate};
use pyo3::prelude::*;

/// How often a running fit looks at Python: signals (Ctrl-C) and the progress
/// callback. A fit stops at most this long plus one outer iteration after Ctrl-C.
pub const POLL: Duration = Duration::from_millis(100);

/// Watches a detached fit (it is `Send`: it moves into `py.detach`).
pub struct PyObserver {
    started: Instant,
    last_poll: Cell<Instant>,
    last_report: Instant,
    callback: Option<Py<PyAny>>,
    /// The exception that stopped the fit: `KeyboardInterrupt` from the signal
    /// handler, or whatever the progress callback raised.
    error: RefCell<Option<PyErr>>,
}

impl PyObserver {
    /// An observer calling `callback(iteration, score, elapsed_seconds)`, if given.
    pub fn new(callback: Option<Py<PyAny>>) -> PyObserver {
        let now = Instant::now();
        PyObserver {
            started: now,
            last_poll: Cell::new(now),
            last_report: now,
            callback,
            error: RefCell::new(None),
        }
    }

    /// The exception that stopped the fit, if one did.
    pub fn take_error(&self) -> Option<PyErr> {
        self.error.borrow_mut().take()
    }

    fn due(&self) -> bool {
        if self.last_poll.get().elapsed() < POLL {
            return false;
        }
        self.last_poll.set(Instant::now());
        true
    }
}

impl FitObserver for PyObserver {
    fn on_iterate(&mut self, it: &Iterate) {
        if let Some(callback) = &self.callback
            && self.error.borrow().is_none()
            && self.last_report.elapsed() >= POLL
        {
            self.last_report = Instant::now();
            let elapsed = self.started.elapsed().as_secs_f64();
            if let Err(e) = Python::attach(|py| callback.call1(py, (it.iter, it.score, elapsed)).map(drop)) {
                *self.error.borrow_mut() = Some(e);
            }
        }
    }

    fn should_stop(&self) -> bool {
        if self.error.borrow().is_some() {
            return true;
        }
        if !self.due() {
            return false;
        }
        // Runs Python's SIGINT handler, which raises KeyboardInterrupt; off
        // the main thread it does nothing (the main thread gets the signal).
        match Python::attach(|py| py.check_signals()) {
            Ok(()) => false,
            Err(e) => {
                *self.error.borrow_mut() = Some(e);
                true
            }
        }
    }
}

/// A cross-validation is watched as its fits are: Ctrl-C stops it, the
/// callback hears every fold's outer iterations (fold events are not reported).
impl CvObserver for PyObserver {
    fn on_cv_event(&mut self, _: &CvEvent<'_>) {}
}
