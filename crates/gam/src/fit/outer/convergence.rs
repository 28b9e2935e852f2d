//! Which of mgcv's two outer convergence tests ends the Newton iteration
//! ([`super::newton`]), and their tolerances.
//!
//! `gam()`'s newton uses `ε_c = 10⁻⁶` and the gradient bound `5·s·ε_c`
//! (`s` the convergence scale, `|log φ| + |V|`); `bam()`'s `fast.REML.fit` uses `ε_c = √ε ≈ 1.5·10⁻⁸` and the gradient bound `s·ε_c`. Both are
//! relative to `s ≈ |V|`, which grows in proportion to n, so `gam()`'s test
//! becomes loose for large n: at n = 10⁶ it stops once the score changes by
//! less than about 2, which leaves a smoothing parameter in a flat direction
//! (a smooth whose best fit is nearly its null space) wherever it happened to
//! be, 0.04 EDF from where `bam()` stops. The default, [`Convergence::Auto`],
//! applies `gam()`'s test up to [`BAM_CONVERGENCE_MIN_ROWS`] rows (where
//! mgcv users fit with `gam()`, whose answers are reproduced exactly) and
//! `bam()`'s test from there on.

/// mgcv's `newton$conv.tol`: relative convergence tolerance of the score and gradient.
pub const CONV_TOL: f64 = 1e-6;

/// Convergence: every gradient component at most this times `s·ε_c`.
pub const GRAD_CONV_FACTOR: f64 = 5.0;

/// `bam()`'s `conv.tol` (`.Machine$double.eps^0.5`): its relative convergence tolerance.
pub const BAM_CONV_TOL: f64 = 1.490_116_119_384_765_6e-8;

/// [`Convergence::Auto`] applies `bam()`'s test from this many rows on; below, `gam()`'s.
/// mgcv's reference fits use `gam()` up to 10⁵ rows.
pub const BAM_CONVERGENCE_MIN_ROWS: usize = 100_001;

/// Which of mgcv's outer convergence tests ends the iteration (see the module doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Convergence {
    /// `Gam` below [`BAM_CONVERGENCE_MIN_ROWS`] rows, `Bam` from there on.
    #[default]
    Auto,
    /// `gam()`'s newton: `ε_c =` [`CONV_TOL`], gradient at most `5·s·ε_c`.
    Gam,
    /// `bam()`'s `fast.REML.fit`: `ε_c =` [`BAM_CONV_TOL`], gradient at most `s·ε_c`.
    Bam,
}

impl Convergence {
    /// The name used on the command line and in cache keys.
    pub fn name(self) -> &'static str {
        match self {
            Convergence::Auto => "auto",
            Convergence::Gam => "gam",
            Convergence::Bam => "bam",
        }
    }

    /// The convergence test named `name` (`auto`, `gam` or `bam`).
    pub fn from_name(name: &str) -> Option<Convergence> {
        [Convergence::Auto, Convergence::Gam, Convergence::Bam]
            .into_iter()
            .find(|c| c.name() == name)
    }

    /// The test for a fit to `n` rows: `Auto` resolved, the others unchanged.
    pub fn for_rows(self, n: usize) -> Convergence {
        match self {
            Convergence::Auto if n >= BAM_CONVERGENCE_MIN_ROWS => Convergence::Bam,
            Convergence::Auto => Convergence::Gam,
            other => other,
        }
    }

    /// `(ε_c, gradient factor)`; an unresolved `Auto` means `Gam`.
    pub(super) fn tolerances(self) -> (f64, f64) {
        match self {
            Convergence::Auto | Convergence::Gam => (CONV_TOL, GRAD_CONV_FACTOR),
            Convergence::Bam => (BAM_CONV_TOL, 1.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_is_gams_test_up_to_1e5_rows_and_bams_beyond() {
        assert_eq!(Convergence::Auto.for_rows(100_000), Convergence::Gam);
        assert_eq!(Convergence::Auto.for_rows(BAM_CONVERGENCE_MIN_ROWS), Convergence::Bam);
        assert_eq!(Convergence::Gam.for_rows(10_000_000), Convergence::Gam);
        assert_eq!(Convergence::Bam.for_rows(10), Convergence::Bam);
        for c in [Convergence::Auto, Convergence::Gam, Convergence::Bam] {
            assert_eq!(Convergence::from_name(c.name()), Some(c));
        }
        assert_eq!(Convergence::from_name("tight"), None);
    }
}
