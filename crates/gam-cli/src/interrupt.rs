//! Ctrl-C during `gam fit` and `gam cv`.
//!
//! The first SIGINT sets the process's stop flag; the running fit sees it
//! after its current outer iteration (a Ctrl-C while the data is read or the
//! design built takes effect at the fit's first iterate), stops there with
//! `GamError::Interrupted` after its checkpoint was written to the cache, and
//! the command prints one line saying where it stopped and how to resume,
//! then exits with status [`EXIT_INTERRUPTED`]. Rerunning the same command
//! resumes from that checkpoint. A Ctrl-C after the fit's last iterate (while
//! the model is assembled or printed) lets the command finish. A second SIGINT
//! exits at once, with the same status: the checkpoints already written stay
//! (every write is atomic).

use std::io::Write;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

use gam::GamError;

/// Exit status of an interrupted command: 128 + SIGINT, the shell's convention.
pub const EXIT_INTERRUPTED: u8 = 130;

/// Set by the first Ctrl-C once [`install`] ran.
static STOP: AtomicBool = AtomicBool::new(false);

/// Catches SIGINT for the rest of the process. If a handler cannot be
/// installed, Ctrl-C keeps its default (the process ends at once, its
/// checkpoints kept), which is why the failure is not an error.
pub fn install() {
    let _ = ctrlc::set_handler(|| {
        if STOP.swap(true, Ordering::AcqRel) {
            let _ = writeln!(
                std::io::stderr().lock(),
                "interrupted again: exiting at once (the checkpoints written so far are kept)"
            );
            std::process::exit(EXIT_INTERRUPTED.into());
        }
    });
}

/// Whether a Ctrl-C asked the running fit to stop.
pub fn requested() -> bool {
    STOP.load(Ordering::Acquire)
}

/// The one line telling that the fit behind `err` was interrupted, where, and
/// what a rerun does; `None` if `err` is not an interruption.
pub fn message(err: &anyhow::Error) -> Option<String> {
    let (depth, iterations, score, saved) =
        err.chain()
            .enumerate()
            .find_map(|(depth, cause)| match as_gam_error(cause) {
                Some(&GamError::Interrupted {
                    iterations,
                    score,
                    saved,
                }) => Some((depth, iterations, score, saved)),
                _ => None,
            })?;
    // The contexts around the error say which fit it was (`fitting fold 3`).
    // A context that repeats its cause's text (`fitting fold 1: fit
    // interrupted …`) is shown without it.
    let texts: Vec<String> = err.chain().take(depth + 1).map(ToString::to_string).collect();
    let during: Vec<String> = texts
        .windows(2)
        .map(|pair| {
            let own = pair[0].strip_suffix(pair[1].as_str()).unwrap_or(&pair[0]);
            own.strip_suffix(": ").unwrap_or(own).to_string()
        })
        .collect();
    let during = if during.is_empty() {
        String::new()
    } else {
        format!(" ({})", during.join(": "))
    };
    let next = if saved {
        "rerun the same command to resume from the checkpoint"
    } else {
        "no checkpoint was saved (no usable cache), so a rerun starts over"
    };
    Some(format!(
        "interrupted{during} after outer iteration {iterations} (criterion {score:.4}): {next}"
    ))
}

/// `cause` as the engine's error: itself, or the boxed source of a fold's error.
fn as_gam_error<'a>(cause: &'a (dyn std::error::Error + 'static)) -> Option<&'a GamError> {
    cause
        .downcast_ref::<GamError>()
        .or_else(|| cause.downcast_ref::<Box<GamError>>().map(|b| &**b))
}

/// For an interrupted fit: prints [`message`] on stderr and gives the exit
/// status [`EXIT_INTERRUPTED`]; `None` for any other error.
pub fn report(err: &anyhow::Error) -> Option<ExitCode> {
    let line = message(err)?;
    let _ = writeln!(std::io::stderr().lock(), "{line}");
    Some(ExitCode::from(EXIT_INTERRUPTED))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn interrupted(saved: bool) -> anyhow::Error {
        GamError::Interrupted {
            iterations: 4,
            score: 616.009_354,
            saved,
        }
        .into()
    }

    #[test]
    fn the_line_says_where_the_fit_stopped_and_what_a_rerun_does() {
        assert_eq!(
            message(&interrupted(true)).as_deref(),
            Some(
                "interrupted after outer iteration 4 (criterion 616.0094): rerun the same command to resume from the checkpoint"
            )
        );
        assert_eq!(
            message(&interrupted(false).context("fitting fold 3")).as_deref(),
            Some(
                "interrupted (fitting fold 3) after outer iteration 4 (criterion 616.0094): no checkpoint was saved (no usable cache), so a rerun starts over"
            )
        );
        let other = anyhow::Error::new(GamError::WarmStartMismatch { given: 1, expected: 2 });
        assert_eq!(message(&other), None);
        assert!(report(&other).is_none());
        // The library's fold error repeats its cause's text; the line shows it once.
        let fold = anyhow::Error::new(GamError::Fold {
            fold: 1,
            predicting: false,
            source: Box::new(GamError::Interrupted {
                iterations: 4,
                score: 616.009_354,
                saved: true,
            }),
        });
        assert_eq!(
            message(&fold).as_deref(),
            Some(
                "interrupted (fitting fold 1) after outer iteration 4 (criterion 616.0094): rerun the same command to resume from the checkpoint"
            )
        );
    }
}
