//! Warm starts: the cache keys of a fit and what is stored under them.
//!
//! **Exact key.** Everything that determines the fitted model and nothing
//! else: the payload format and the engine's version (a different build never
//! reuses another build's result), the canonical formula (spacing and term
//! order do not matter), family, link, method and every fitting option, and
//! the data actually used: the used columns after dropping rows with missing
//! values, in name order (so column order and unused columns do not matter),
//! numbers by their bits, factors by their levels and codes.
//!
//! **Coarse key.** The same without the data: the formula, family, link,
//! options, versions and the used columns' names and types. Every finished
//! fit records its smoothing parameters under it, so that a related fit (a
//! cross-validation fold, a refit on updated data) can start from them.

use serde::{Deserialize, Serialize};
use warmstart::{Fingerprint, Fingerprinter};

use crate::ENGINE_VERSION;
use crate::data::{Column, DataFrame};
use crate::error::Result;
use crate::model::{GamModel, GamSpec};

/// Version of the payload layout; part of both keys.
pub const PAYLOAD_FORMAT_VERSION: u32 = 1;

/// The REML method tag; part of both keys (the only method today).
const METHOD: &str = "REML";

/// The two keys of a fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FitKeys {
    /// Determined by everything, data included.
    pub exact: Fingerprint,
    /// Determined by everything but the data.
    pub coarse: Fingerprint,
}

fn absorb_spec(h: &mut Fingerprinter, spec: &GamSpec, kind: &str) {
    h.absorb_str(b"kind", kind)
        .absorb_u64(b"payload-format", u64::from(PAYLOAD_FORMAT_VERSION))
        .absorb_str(b"engine-version", ENGINE_VERSION)
        .absorb_str(b"formula", &spec.formula.canonical())
        .absorb_str(b"family", spec.family.name())
        .absorb_str(b"link", spec.link.name())
        .absorb_str(b"method", METHOD)
        .absorb_u64(b"newton.max_iter", spec.options.newton.max_iter as u64);
}

/// Computes both keys of fitting `spec` to `data`, which must already be the
/// rows actually used (missing rows dropped).
pub fn fit_keys(spec: &GamSpec, data: &DataFrame) -> Result<FitKeys> {
    let mut columns = spec.formula.columns_used();
    columns.sort();
    columns.dedup();

    let mut coarse = Fingerprinter::new();
    absorb_spec(&mut coarse, spec, "coarse");
    let mut exact = Fingerprinter::new();
    absorb_spec(&mut exact, spec, "exact");
    exact.absorb_u64(b"rows", data.nrows() as u64);
    for name in &columns {
        let col = data.require_column(name)?;
        coarse.absorb_str(b"column", name).absorb_str(b"type", col.type_name());
        exact.absorb_str(b"column", name).absorb_str(b"type", col.type_name());
        match col {
            Column::Numeric(v) => {
                exact.absorb_f64_slice(b"values", v);
            }
            Column::Factor(f) => {
                exact.absorb_u64(b"levels", f.levels.len() as u64);
                for l in &f.levels {
                    exact.absorb_str(b"level", l);
                }
                let codes: Vec<u8> = f
                    .codes
                    .iter()
                    .flat_map(|c| c.map_or(u64::MAX, u64::from).to_le_bytes())
                    .collect();
                exact.absorb_bytes(b"codes", &codes);
            }
        }
    }
    Ok(FitKeys {
        exact: exact.finalize(),
        coarse: coarse.finalize(),
    })
}

/// What a Checkpoint entry holds: enough to resume the outer iteration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckpointPayload {
    /// [`PAYLOAD_FORMAT_VERSION`].
    pub format: u32,
    /// Log smoothing parameters.
    pub rho: Vec<f64>,
    /// Their names (the order of `rho`), so a resume can map them onto its own order.
    pub sp_names: Vec<String>,
    /// Outer iterations done.
    pub iteration: usize,
    /// The REML score at `rho`.
    pub score: f64,
    /// Coefficients at `rho`.
    pub coefficients: Vec<f64>,
    /// Scale at `rho`.
    pub scale: f64,
}

/// What a Final entry holds: the whole fitted model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FinalPayload {
    /// [`PAYLOAD_FORMAT_VERSION`].
    pub format: u32,
    /// Log smoothing parameters (also what a related fit is seeded with).
    pub rho: Vec<f64>,
    /// The fitted model.
    pub model: GamModel,
}

/// What a coarse-key entry holds: a finished fit's smoothing parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeedPayload {
    /// [`PAYLOAD_FORMAT_VERSION`].
    pub format: u32,
    /// Log smoothing parameters.
    pub rho: Vec<f64>,
    /// Their names, to check they belong to the same model structure.
    pub sp_names: Vec<String>,
}

/// Any payload this module writes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "payload", rename_all = "snake_case")]
pub enum Payload {
    /// A resumable iterate.
    Checkpoint(CheckpointPayload),
    /// A finished fit.
    Final(Box<FinalPayload>),
    /// Smoothing parameters for related fits.
    Seed(SeedPayload),
}

impl Payload {
    /// Serialises the payload.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("payloads always serialise")
    }

    /// Parses a payload; anything unreadable or of another format version is `None`
    /// (treated as a cache miss).
    pub fn from_bytes(bytes: &[u8]) -> Option<Payload> {
        let p: Payload = serde_json::from_slice(bytes).ok()?;
        let format = match &p {
            Payload::Checkpoint(c) => c.format,
            Payload::Final(f) => f.format,
            Payload::Seed(s) => s.format,
        };
        (format == PAYLOAD_FORMAT_VERSION).then_some(p)
    }
}
