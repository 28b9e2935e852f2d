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

use super::input::InputHash;
use crate::ENGINE_VERSION;
use crate::data::{Column, DataFrame};
use crate::error::Result;
use crate::family::Link;
use crate::family::general::GeneralFamily;
use crate::fit::{FitOptions, GamSpec, NewtonOptions, ScaleSetting};
use crate::formula::Formula;
use crate::formula::list::FormulaList;
use crate::model::GamModel;
use crate::model::general::GeneralModel;

/// Version of the payload layout; part of both keys.
pub const PAYLOAD_FORMAT_VERSION: u32 = 1;

/// The default method's tag (a spec's own method goes into the keys, [`KeyMaterial::of`]).
pub const METHOD: &str = "REML";

/// The two keys of a fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FitKeys {
    /// Determined by everything, data included.
    pub exact: Fingerprint,
    /// Determined by everything but the data.
    pub coarse: Fingerprint,
}

/// Everything but the data that goes into the keys of a fit, as the strings
/// and numbers that are hashed. [`KeyMaterial::of`] takes them from a spec;
/// building one by hand lets tests vary what a spec cannot (another family,
/// link or engine version).
#[derive(Debug, Clone, PartialEq)]
pub struct KeyMaterial<'a> {
    /// The engine's version ([`ENGINE_VERSION`]).
    pub engine_version: &'a str,
    /// The formula (hashed in its canonical form, so spacing and term order do not matter).
    pub formula: &'a Formula,
    /// R's name of the family.
    pub family: &'a str,
    /// R's name of the link.
    pub link: &'a str,
    /// How smoothing parameters are chosen.
    pub method: &'a str,
    /// The column of prior weights, if any (its values enter the exact key as data).
    pub weights: Option<&'a str>,
    /// The fitting options.
    pub options: &'a FitOptions,
    /// The family's fixed parameter (mgcv's `negbin(θ)`, `Tweedie(p)`, betar's `eps`), if any.
    pub family_param: Option<f64>,
    /// A power link's exponent (R's `power(q)`), if the link is one.
    pub link_param: Option<f64>,
}

impl<'a> KeyMaterial<'a> {
    /// The key material of `spec` as this build fits it.
    pub fn of(spec: &'a GamSpec) -> KeyMaterial<'a> {
        KeyMaterial {
            engine_version: ENGINE_VERSION,
            formula: &spec.formula,
            family: spec.family.name(),
            link: spec.link.name(),
            method: spec.options.method.name(),
            weights: spec.weights.as_deref(),
            options: &spec.options,
            // betar's eps changes the data it fits (responses moved inside (0, 1)).
            family_param: match spec.family {
                crate::family::Family::Betar(eps) => Some(eps.get()),
                // ocat's number of classes changes the model.
                crate::family::Family::Ocat(r) => Some(f64::from(r)),
                // scat's min.df bounds ν, so it changes the model.
                crate::family::Family::Scat(min_df) => Some(min_df.get()),
                crate::family::Family::ZiP(b) => Some(b.get()),
                f => f.fixed_param(),
            },
            link_param: match spec.link {
                Link::Power(q) => Some(q.get()),
                _ => None,
            },
        }
    }

    fn absorb(&self, h: &mut Fingerprinter, kind: &str) {
        // Destructured so that a new option cannot be forgotten here.
        let FitOptions {
            newton:
                NewtonOptions {
                    max_iter,
                    convergence,
                    // Set by the fit from `sp`, `min_sp` and the formula, which are keyed.
                    controls: _,
                },
            select,
            knots,
            sp,
            min_sp,
            method,
            gamma,
            scale,
            family_theta,
        } = self.options;
        h.absorb_str(b"kind", kind)
            .absorb_u64(b"payload-format", u64::from(PAYLOAD_FORMAT_VERSION))
            .absorb_str(b"engine-version", self.engine_version)
            .absorb_str(b"formula", &self.formula.canonical())
            .absorb_str(b"family", self.family)
            .absorb_str(b"link", self.link)
            .absorb_str(b"method", self.method)
            .absorb_str(b"weights", self.weights.map_or("\u{0}none", |w| w))
            .absorb_u64(b"newton.max_iter", *max_iter as u64)
            .absorb_str(b"newton.convergence", convergence.name())
            .absorb_str(b"options.method", method.name())
            .absorb_f64(b"options.gamma", *gamma)
            .absorb_u64(b"select", u64::from(*select))
            .absorb_u64(b"knots.columns", knots.len() as u64);
        // Absent options add nothing, so keys of fits without them are unchanged.
        for (tag, value) in [
            (&b"family.param"[..], self.family_param),
            (&b"link.param"[..], self.link_param),
        ] {
            if let Some(v) = value {
                h.absorb_u64(tag, v.to_bits());
            }
        }
        // mgcv's theta =: fixed values are the model; a start can change the optimum reached.
        if let Some(t) = family_theta {
            h.absorb_u64(b"family.theta.fixed", u64::from(t.fixed))
                .absorb_f64_slice(b"family.theta", &t.values);
        }
        // mgcv's number for the scale setting (every negative number means the same).
        if *scale != ScaleSetting::Default {
            h.absorb_f64(b"options.scale", scale.mgcv_value());
        }
        for (tag, values) in [(&b"sp"[..], sp), (&b"min.sp"[..], min_sp)] {
            if let Some(v) = values {
                h.absorb_u64(tag, v.len() as u64);
                for x in v {
                    h.absorb_u64(tag, x.to_bits());
                }
            }
        }
        // A BTreeMap iterates in name order, so the key does not depend on
        // the order the knots were given in.
        for (name, values) in knots {
            h.absorb_str(b"knots.column", name)
                .absorb_f64_slice(b"knots.values", values);
        }
        // The formula names an MRF's neighbourhood file; its contents are the model.
        for bytes in crate::design::neighbours::file_bytes(self.formula.smooths().cloned()) {
            h.absorb_bytes(b"mrf.neighbours", &bytes);
        }
    }
}

/// The key of a fit's raw input: the content hash of the data file as read
/// ([`InputHash`], whose scheme and leaf length it names), how it is read
/// (`read_tag`, e.g. the columns forced to be factors), and the same model
/// material as the exact key. Under it the store keeps an [`AliasPayload`]
/// naming the exact key that input parses to, so a repeated fit of an
/// unchanged file can find its Final entry without parsing the file (the
/// exact key, which depends on the parsed data only, is unaffected).
///
/// Its kind tag is versioned (`input.v2`, with [`super::input::INPUT_HASH_SCHEME`]):
/// aliases written under the first scheme (the whole file hashed as one field) are
/// never found again; such a fit parses its file once more, is answered by its exact
/// key, and records its alias under this key.
pub fn input_key(spec: &GamSpec, file: &InputHash, read_tag: &str) -> Fingerprint {
    let mut h = Fingerprinter::new();
    KeyMaterial::of(spec).absorb(&mut h, "input.v2");
    h.absorb_str(b"read", read_tag);
    file.absorb(&mut h);
    h.finalize()
}

/// Computes both keys of fitting `spec` to `data`, which must already be the
/// rows actually used (missing rows dropped).
pub fn fit_keys(spec: &GamSpec, data: &DataFrame) -> Result<FitKeys> {
    fit_keys_for(&KeyMaterial::of(spec), data)
}

/// [`fit_keys`] as a build of engine version `engine_version` would compute them.
pub fn fit_keys_with_version(spec: &GamSpec, data: &DataFrame, engine_version: &str) -> Result<FitKeys> {
    fit_keys_for(
        &KeyMaterial {
            engine_version,
            ..KeyMaterial::of(spec)
        },
        data,
    )
}

/// Computes both keys from explicit key material and the rows actually used.
pub fn fit_keys_for(material: &KeyMaterial<'_>, data: &DataFrame) -> Result<FitKeys> {
    let mut columns = material.formula.columns_used();
    columns.extend(material.weights.map(str::to_string));
    columns.sort();
    columns.dedup();

    let mut coarse = Fingerprinter::new();
    material.absorb(&mut coarse, "coarse");
    let mut exact = Fingerprinter::new();
    material.absorb(&mut exact, "exact");
    absorb_data(&mut coarse, &mut exact, data, &columns)?;
    Ok(FitKeys {
        exact: exact.finalize(),
        coarse: coarse.finalize(),
    })
}

/// Absorbs the data's `columns` (sorted, no duplicates): names and types into both keys,
/// the row count and every value into the exact one.
fn absorb_data(
    coarse: &mut Fingerprinter,
    exact: &mut Fingerprinter,
    data: &DataFrame,
    columns: &[String],
) -> Result<()> {
    exact.absorb_u64(b"rows", data.nrows() as u64);
    for name in columns {
        let col = data.require_column(name)?;
        // An ordered factor is coded differently (polynomial contrasts).
        let type_name = match col {
            Column::Factor(f) if f.ordered => "ordered",
            _ => col.type_name(),
        };
        coarse.absorb_str(b"column", name).absorb_str(b"type", type_name);
        exact.absorb_str(b"column", name).absorb_str(b"type", type_name);
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
    Ok(())
}

/// The keys of a general-family fit ([`crate::cache::general`]): as [`fit_keys`], with every
/// formula of the list, the family with its parameters (its serialised form), the options,
/// and the used columns of `data` as given (before rows with missing values are dropped, so
/// a file differing only in rows the fit drops is a miss, never a wrong hit).
pub fn general_keys(
    list: &FormulaList,
    family: &GeneralFamily,
    options: &FitOptions,
    data: &DataFrame,
) -> Result<FitKeys> {
    general_keys_with(list, family, None, options, data)
}

/// The keys of a cox.ph fit: [`general_keys`]' material with the event-indicator column
/// `status` (mgcv's `weights`) named in both keys and its values in the exact key, so a
/// refit with other censoring is a miss.
///
/// # Errors
/// As [`general_keys`], and a missing `status` column.
pub fn cox_keys(list: &FormulaList, status: &str, options: &FitOptions, data: &DataFrame) -> Result<FitKeys> {
    general_keys_with(list, &GeneralFamily::CoxPh, Some(status), options, data)
}

fn general_keys_with(
    list: &FormulaList,
    family: &GeneralFamily,
    weights: Option<&str>,
    options: &FitOptions,
    data: &DataFrame,
) -> Result<FitKeys> {
    let family_tag = serde_json::to_string(family).expect("a general family always serialises");
    let material = KeyMaterial {
        engine_version: ENGINE_VERSION,
        formula: &list.formulas[0],
        family: &family_tag,
        link: "general",
        method: options.method.name(),
        weights,
        options,
        family_param: None,
        link_param: None,
    };
    let mut coarse = Fingerprinter::new();
    material.absorb(&mut coarse, "general-coarse");
    let mut exact = Fingerprinter::new();
    material.absorb(&mut exact, "general-exact");
    for (k, f) in list.formulas.iter().enumerate().skip(1) {
        for h in [&mut coarse, &mut exact] {
            h.absorb_u64(b"predictor", k as u64)
                .absorb_str(b"formula", &f.canonical());
            for bytes in crate::design::neighbours::file_bytes(f.smooths().cloned()) {
                h.absorb_bytes(b"mrf.neighbours", &bytes);
            }
        }
    }
    let mut columns = list.columns_used();
    columns.extend(weights.map(str::to_string));
    columns.sort();
    columns.dedup();
    absorb_data(&mut coarse, &mut exact, data, &columns)?;
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
    /// The other optimised parameters at this point, in the optimiser's
    /// order (a family parameter such as nb's log θ, then log scale).
    #[serde(default)]
    pub extra: Vec<f64>,
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
    /// The family parameters in the optimiser's scale (nb's log θ, tw's t); empty for a family
    /// without any (older seeds hold one number or null).
    #[serde(default, deserialize_with = "crate::model::theta_compat")]
    pub theta_t: Vec<f64>,
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
    /// The exact key an unchanged input file parses to.
    Alias(AliasPayload),
    /// A finished general-family fit (several linear predictors).
    GeneralFinal(Box<GeneralFinalPayload>),
}

/// What a general-family Final entry holds: the fitted model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GeneralFinalPayload {
    /// [`PAYLOAD_FORMAT_VERSION`].
    pub format: u32,
    /// The model.
    pub model: GeneralModel,
}

/// What an input-key entry holds (see [`input_key`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AliasPayload {
    /// [`PAYLOAD_FORMAT_VERSION`].
    pub format: u32,
    /// The exact key, in hex.
    pub exact: String,
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
            // A cached model is checked as a loaded one is: an inconsistent one is a miss.
            Payload::Final(f) if f.model.check().is_err() => return None,
            Payload::Final(f) => f.format,
            Payload::Seed(s) => s.format,
            Payload::Alias(a) => a.format,
            Payload::GeneralFinal(f) if f.model.check().is_err() => return None,
            Payload::GeneralFinal(f) => f.format,
        };
        (format == PAYLOAD_FORMAT_VERSION).then_some(p)
    }
}
