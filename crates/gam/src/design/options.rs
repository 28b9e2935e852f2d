//! The fitting options that reach the smooth constructors (mgcv's `gam()`
//! arguments `select` and `knots`), shared by the sizing plan and the builders.

use std::collections::BTreeMap;

use super::neighbours::Neighbourhoods;

/// The fitting options that reach the smooth constructors: mgcv's `gam()`
/// arguments `select` and `knots`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SmoothOptions<'a> {
    /// `select = TRUE`: an extra penalty on the null space of every smooth's
    /// penalties, with its own smoothing parameter.
    pub select: bool,
    /// User knots by covariate name (`knots = list(x = ...)`); a name no
    /// smooth uses is ignored, as mgcv ignores it.
    pub knots: Option<&'a BTreeMap<String, Vec<f64>>>,
    /// The neighbourhood files of `mrf` smooths already read and checked (the
    /// size check's, [`Plan::neighbourhoods`](super::size::Plan::neighbourhoods)),
    /// by path; a file not here is read when its term is built.
    pub neighbourhoods: Option<&'a Neighbourhoods>,
}
