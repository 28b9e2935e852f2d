//! The neighbourhood file of a Markov random field smooth,
//! `s(area, bs = "mrf", xt = "nb.json")`.
//!
//! # Format `gam-neighbours/1`
//! A JSON object naming its format and listing, for every area, the names
//! of its neighbours:
//!
//! ```json
//! {"format": "gam-neighbours/1",
//!  "neighbours": {"north": ["east", "west"], "east": ["north"], "west": ["north"], "island": []}}
//! ```
//!
//! Every area of the model is a key (areas without data are allowed: they
//! get a coefficient, as mgcv's `knots` do); being a neighbour is symmetric;
//! an area is not its own neighbour; each neighbour is listed once. The path
//! is read relative to the current directory. A fitted model keeps the
//! penalty built from the file, not the path, so predictions never read it
//! again; the cache key hashes the file's bytes, so editing the file refits.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;

use crate::data::sort_levels;
use crate::error::{GamError, Result};
use crate::formula::SmoothSpec;

/// The format name a neighbourhood file declares.
pub const NEIGHBOURS_FORMAT: &str = "gam-neighbours/1";

/// Neighbourhood files larger than this are refused before reading (a
/// million areas with ten neighbours each fit well below it).
const MAX_FILE_BYTES: u64 = 1 << 30;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    format: String,
    neighbours: BTreeMap<String, Vec<String>>,
}

/// The areas of a neighbourhood file, sorted as factor levels are, and each
/// area's neighbours as indices into them.
#[derive(Debug, Clone, PartialEq)]
pub struct Neighbourhood {
    /// Area names, sorted as factor levels.
    pub areas: Vec<String>,
    /// Per area, its neighbours (indices into `areas`).
    pub neighbours: Vec<Vec<usize>>,
}

fn err(spec: &SmoothSpec, path: &str, message: impl std::fmt::Display) -> GamError {
    GamError::Term {
        term: spec.label(),
        message: format!("neighbourhood file '{path}': {message}"),
    }
}

/// Reads and checks the neighbourhood file of an `mrf` smooth.
///
/// # Errors
/// [`GamError::Term`] naming the term and the file when `xt` names no file,
/// the file cannot be read, is too large, is not valid JSON of the format
/// above, or its structure is not symmetric, names an unknown area, lists a
/// neighbour twice or an area as its own neighbour.
pub fn read(spec: &SmoothSpec) -> Result<Neighbourhood> {
    let Some(path) = spec.xt.text.as_deref() else {
        return Err(GamError::Term {
            term: spec.label(),
            message: format!(
                "an mrf smooth needs its neighbourhood file: xt = \"nb.json\" (format {NEIGHBOURS_FORMAT})"
            ),
        });
    };
    let size = std::fs::metadata(path).map_err(|e| err(spec, path, e))?.len();
    if size > MAX_FILE_BYTES {
        return Err(err(
            spec,
            path,
            format!("{size} bytes is more than the {MAX_FILE_BYTES} allowed"),
        ));
    }
    let text = std::fs::read_to_string(path).map_err(|e| err(spec, path, e))?;
    let file: File = serde_json::from_str(&text).map_err(|e| {
        err(
            spec,
            path,
            format!("{e} (expected {{\"format\": \"{NEIGHBOURS_FORMAT}\", \"neighbours\": {{area: [names]}}}})"),
        )
    })?;
    if file.format != NEIGHBOURS_FORMAT {
        return Err(err(
            spec,
            path,
            format!("format \"{}\" is not \"{NEIGHBOURS_FORMAT}\"", file.format),
        ));
    }
    let mut areas: Vec<String> = file.neighbours.keys().cloned().collect();
    sort_levels(&mut areas);
    let index: HashMap<&str, usize> = areas.iter().enumerate().map(|(i, a)| (a.as_str(), i)).collect();
    let mut neighbours = Vec::with_capacity(areas.len());
    for area in &areas {
        let mut list = Vec::new();
        for name in &file.neighbours[area] {
            let Some(&j) = index.get(name.as_str()) else {
                return Err(err(
                    spec,
                    path,
                    format!("area '{area}' lists '{name}', which is not an area of the file (add it as a key)"),
                ));
            };
            if name == area {
                return Err(err(spec, path, format!("area '{area}' lists itself as a neighbour")));
            }
            if list.contains(&j) {
                return Err(err(spec, path, format!("area '{area}' lists '{name}' twice")));
            }
            list.push(j);
        }
        neighbours.push(list);
    }
    for (a, list) in neighbours.iter().enumerate() {
        if let Some(&b) = list.iter().find(|&&b| !neighbours[b].contains(&a)) {
            return Err(err(
                spec,
                path,
                format!(
                    "area '{}' lists '{}' but '{}' does not list '{}': neighbours must be symmetric",
                    areas[a], areas[b], areas[b], areas[a]
                ),
            ));
        }
    }
    Ok(Neighbourhood { areas, neighbours })
}

/// The bytes of every neighbourhood file the formula's smooths read, in
/// formula order, for the cache key (an unreadable file adds its error, so
/// that the key differs and the fit reports it).
pub fn file_bytes(specs: impl Iterator<Item = SmoothSpec>) -> Vec<Vec<u8>> {
    specs
        .filter(|s| s.bs.first() == Some(&crate::formula::BasisType::Mrf))
        .filter_map(|s| s.xt.text.clone())
        .map(|path| match std::fs::metadata(&path) {
            Ok(m) if m.len() > MAX_FILE_BYTES => format!("too large: {} bytes", m.len()).into_bytes(),
            _ => std::fs::read(&path).unwrap_or_else(|e| format!("unreadable: {e}").into_bytes()),
        })
        .collect()
}
