//! What the extended-family fidelity tests (`efam_fidelity.rs`, `ocat_fidelity.rs`) share: a
//! relative difference, a collector of the comparisons that fail, mgcv's printed summary
//! compared line by line, and the median of repeated fit times.

use serde_json::Value;

/// `|a − b| / |b|` (b is mgcv's value).
pub fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(f64::MIN_POSITIVE)
}

/// The comparisons of one case that failed, each a line naming the case and the quantity.
pub struct Failures {
    id: String,
    lines: Vec<String>,
}

impl Failures {
    /// An empty list for case `id`.
    pub fn new(id: &str) -> Failures {
        Failures {
            id: id.to_string(),
            lines: Vec::new(),
        }
    }

    /// Records `what` as failed when `err` exceeds `tol` or is NaN.
    pub fn cmp(&mut self, what: &str, err: f64, tol: f64) {
        if err.is_nan() || err > tol {
            self.lines
                .push(format!("{}: {what}: error {err:.3e} > {tol:.1e}", self.id));
        }
    }

    /// Records every line of `ours` that differs from mgcv's printout `theirs` (an array of
    /// strings, as `capture.output(print(summary(b)))` gives them).
    pub fn lines(&mut self, ours: &[String], theirs: &Value) {
        let theirs: Vec<&str> = theirs.as_array().unwrap().iter().map(|l| l.as_str().unwrap()).collect();
        for (i, b) in theirs.iter().enumerate() {
            let a = ours.get(i).map_or("<missing>", String::as_str);
            if a != *b {
                self.lines.push(format!(
                    "{}: summary line {}:\n  ours: {a}\n  mgcv: {b}",
                    self.id,
                    i + 1
                ));
            }
        }
    }

    /// Panics listing the failures, if any.
    pub fn assert_none(self) {
        assert!(self.lines.is_empty(), "{}", self.lines.join("\n"));
    }
}

/// The median of 5 timed runs of `fit`, in seconds.
pub fn median_seconds_of_5(mut fit: impl FnMut()) -> f64 {
    let mut secs: Vec<f64> = (0..5)
        .map(|_| {
            let t0 = std::time::Instant::now();
            fit();
            t0.elapsed().as_secs_f64()
        })
        .collect();
    secs.sort_by(f64::total_cmp);
    secs[2]
}
