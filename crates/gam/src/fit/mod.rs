//! Fitting: penalised least squares or penalised IRLS inside, smoothing-parameter
//! selection outside by REML (the default) or any other criterion mgcv 1.8-41's
//! `gam()` offers (ML, GCV/UBRE, GACV, P-REML, P-ML, with `gamma`; [`method`]),
//! as mgcv does it.
//!
//! # Map
//!
//! ```text
//! spec ──> driver ──┬──> gaussian ────┐          (Gaussian, identity link)
//!  (what)  (prepare, │    reml, qr     ├──> assemble ──> FitResult
//!          setup)    └──> generalized ┘      (edf, covariances, logLik,
//!                         rows, pirls,        summary tables + significance)
//!                         laml, setup,
//!                         pql, outer,
//!                         separation
//!                  both run outer (mgcv's Newton iteration, its
//!                  convergence tests, initial.sp, OuterStart)
//! ```
//!
//! - [`spec`]: what to fit ([`GamSpec`], [`FitOptions`]).
//! - [`method`]: the smoothness-selection criteria ([`method::Method`] as the
//!   user names it, [`method::Criterion`] as mgcv resolves it) and each
//!   criterion with its exact derivatives from the parts both paths compute.
//! - [`driver`]: drops rows with missing values ([`driver::prepare`]),
//!   builds the design and reduces the data ([`driver::FitSetup`]), runs
//!   the path's outer iteration and the assembly.
//! - [`outer`]: the smoothing-parameter search both paths share.
//! - [`gaussian`]: exact REML (and every other criterion, `gaussian::criteria`)
//!   on a QR summary of the data (in memory or by chunks).
//! - [`generalized`]: penalised IRLS, Laplace-approximate REML and ML, the
//!   other criteria (`generalized::criteria`), the PQL start for large data,
//!   perfect separation.
//! - [`assemble`]: one post-fit assembly for both paths, with the summary
//!   tables and [`significance`] (the Wood 2013 tests for smooth terms).
//! - [`finite`]: guards against values that overflow double precision.
//! - [`aliased`]: which terms are aliased when the penalised system is
//!   singular, so that the error names them.
//! - [`rank`]: which directions a rank-deficient model loses, as mgcv
//!   decides it (the fit then fixes them at zero).
//! - [`observer`]: what hears every outer iterate and may stop the fit.
//! - [`scale`]: mgcv's `scale =` (a known or an estimated scale parameter).
//!
//! Imports run down the map: a file imports only files above it or
//! beside it on its own path, never the driver or the assembly from a path.

pub mod aliased;
pub mod assemble;
pub mod driver;
pub mod finite;
pub mod gaussian;
pub mod general;
pub mod generalized;
pub mod method;
pub mod observer;
pub mod outer;
pub mod rank;
pub mod scale;
pub mod significance;
pub mod sp_setup;
pub mod spec;

pub use assemble::{FitResult, Summary};
pub use driver::{FitSetup, MatrixStorage, PreparedData, prepare};
pub use observer::{FitObserver, NoObserver, StopOnFlag};
pub use outer::{Convergence, Iterate, NewtonOptions, OuterInfo, OuterStart};
pub use scale::ScaleSetting;
pub use spec::{FitOptions, GamSpec};
