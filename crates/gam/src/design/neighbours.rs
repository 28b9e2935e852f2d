//! The neighbourhood file of a Markov random field smooth,
//! `s(area, bs = "mrf", xt = "nb.json")`, or of an mrf margin of a tensor
//! product, `te(area, year, bs = c("mrf", "cr"), xt = list("nb.json", NULL))`.
//!
//! # Format `gam-neighbours/1`
//! A JSON object naming its format and giving the areas by their neighbours,
//! by their boundary polygons, or both:
//!
//! ```json
//! {"format": "gam-neighbours/1",
//!  "neighbours": {"north": ["east", "west"], "east": ["north"], "west": ["north"], "island": []}}
//! ```
//!
//! ```json
//! {"format": "gam-neighbours/1",
//!  "polygons": {"north": [[[0, 1], [2, 1], [2, 2], [0, 2]]],
//!               "east": [[[1, 0], [2, 0], [2, 1], [1, 1]]],
//!               "west": [[[0, 0], [1, 0], [1, 1], [0, 1]]],
//!               "island": [[[5, 5], [6, 5], [6, 6]], [[7, 7], [8, 7], [8, 8]]]}}
//! ```
//!
//! Every area of the model is a key (areas without data are allowed: they
//! get a coefficient, as mgcv's `knots` do), once. `"neighbours"`: being a
//! neighbour is symmetric; an area is not its own neighbour; each neighbour
//! is listed once. `"polygons"`: an area's rings (outer boundaries, holes and
//! separate parts alike, as mgcv's `NA`-separated rows), each a list of at
//! least three `[x, y]` vertices, finite; the ring need not repeat its first
//! vertex. Without `"neighbours"`, areas sharing a vertex are neighbours
//! (mgcv's `pol2nb`: vertices compared as mgcv compares them, at 15
//! significant digits); with both, the two
//! members must list the same areas, and the neighbours given are used
//! (mgcv's `xt = list(nb, polys)`). Polygons make the term plottable, as a
//! map (mgcv's `plot.mrf.smooth`).
//!
//! The path is read relative to the current directory. A fitted model keeps
//! the penalty (and polygons) built from the file, not the path, so
//! predictions never read it again; the cache key hashes the file's bytes,
//! so editing the file refits.

use std::collections::BTreeMap;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};

use super::polygons::shared_vertex_neighbours;
use crate::basis::mrf::{Rings, check_rings};
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
    #[serde(default)]
    neighbours: Option<Keyed<Vec<String>>>,
    #[serde(default)]
    polygons: Option<Keyed<Rings>>,
}

/// A JSON object of areas, in file order, each key once (a plain map would
/// keep the last of two equal keys silently).
struct Keyed<V>(Vec<(String, V)>);

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Keyed<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Entries<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for Entries<V> {
            type Value = Keyed<V>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object with one key per area")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Keyed<V>, A::Error> {
                let mut seen = HashSet::new();
                let mut out = Vec::new();
                while let Some((key, value)) = map.next_entry::<String, V>()? {
                    if !seen.insert(key.clone()) {
                        return Err(serde::de::Error::custom(format!("area '{key}' is a key twice")));
                    }
                    out.push((key, value));
                }
                Ok(Keyed(out))
            }
        }
        d.deserialize_map(Entries(PhantomData))
    }
}

/// The areas of a neighbourhood file, sorted as factor levels are, and each
/// area's neighbours as indices into them.
#[derive(Debug, Clone, PartialEq)]
pub struct Neighbourhood {
    /// Area names, sorted as factor levels.
    pub areas: Vec<String>,
    /// Per area, its neighbours (indices into `areas`).
    pub neighbours: Vec<Vec<usize>>,
    /// Per area, its boundary rings, when the file gives polygons.
    pub polygons: Option<Vec<Rings>>,
}

/// Neighbourhood files already read, by the path `xt` gives: the size check
/// reads each once, and the build takes its parse from here
/// ([`SmoothOptions::neighbourhoods`](super::SmoothOptions::neighbourhoods)).
pub type Neighbourhoods = BTreeMap<String, Neighbourhood>;

/// [`read`], unless `known` holds the file already: then its parse,
/// without reading it again.
pub(crate) fn read_known(spec: &SmoothSpec, known: Option<&Neighbourhoods>) -> Result<Neighbourhood> {
    match (spec.xt.text.as_deref(), known) {
        (Some(path), Some(known)) if known.contains_key(path) => Ok(known[path].clone()),
        _ => read(spec),
    }
}

/// The areas of the neighbourhood file of margin `margin` of `spec` (0 for
/// an `s()`), read once: from `seen`, or read, checked and kept there.
pub(crate) fn area_count(spec: &SmoothSpec, margin: usize, seen: &mut Neighbourhoods) -> Result<usize> {
    let path = spec.margin_xt(margin).text.clone();
    if let Some(nb) = path.as_deref().and_then(|path| seen.get(path)) {
        return Ok(nb.areas.len());
    }
    let nb = read_margin(spec, margin)?;
    let areas = nb.areas.len();
    if let Some(path) = path {
        seen.insert(path, nb);
    }
    Ok(areas)
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
    read_margin(spec, 0)
}

/// [`read`] for margin `margin` of a tensor product (`te(area, year, bs =
/// c("mrf", "cr"), xt = list("nb.json", NULL))`), the file its `xt` entry
/// names; margin 0 of an `s()` is the smooth itself.
///
/// # Errors
/// As [`read`].
pub fn read_margin(spec: &SmoothSpec, margin: usize) -> Result<Neighbourhood> {
    let Some(path) = spec.margin_xt(margin).text.as_deref() else {
        let how = if spec.kind.is_tensor() {
            format!(
                "its mrf margin {} needs a neighbourhood file: xt = list(\"nb.json\", NULL), one entry per margin \
                 (format {NEIGHBOURS_FORMAT})",
                margin + 1
            )
        } else {
            format!("an mrf smooth needs its neighbourhood file: xt = \"nb.json\" (format {NEIGHBOURS_FORMAT})")
        };
        return Err(GamError::Term {
            term: spec.label(),
            message: how,
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
            format!(
                "{e} (expected {{\"format\": \"{NEIGHBOURS_FORMAT}\", \"neighbours\": {{area: [names]}}}} and/or \
                 \"polygons\": {{area: [[[x, y], ...]]}})"
            ),
        )
    })?;
    if file.format != NEIGHBOURS_FORMAT {
        return Err(err(
            spec,
            path,
            format!("format \"{}\" is not \"{NEIGHBOURS_FORMAT}\"", file.format),
        ));
    }
    let fail = |m: String| err(spec, path, m);
    let (listed, polygons) = (file.neighbours.map(|k| k.0), file.polygons.map(|k| k.0));
    let keys: Vec<String> = match (&listed, &polygons) {
        (Some(l), _) => l.iter().map(|(a, _)| a.clone()).collect(),
        (None, Some(p)) => p.iter().map(|(a, _)| a.clone()).collect(),
        (None, None) => {
            return Err(fail(
                "gives neither \"neighbours\" nor \"polygons\" of the areas".into(),
            ));
        }
    };
    let mut areas = keys;
    sort_levels(&mut areas);
    let index: HashMap<&str, usize> = areas.iter().enumerate().map(|(i, a)| (a.as_str(), i)).collect();
    let polygons = match polygons {
        None => None,
        Some(p) => {
            let mut by_area: Vec<Option<Rings>> = vec![None; areas.len()];
            for (area, rings) in p {
                check_rings(&rings).map_err(|m| fail(format!("area '{area}' {m}")))?;
                let Some(&i) = index.get(area.as_str()) else {
                    return Err(fail(format!(
                        "area '{area}' has polygons but no neighbours (list the same areas in both)"
                    )));
                };
                by_area[i] = Some(rings);
            }
            if let Some(i) = by_area.iter().position(Option::is_none) {
                return Err(fail(format!(
                    "area '{}' has neighbours but no polygons (list the same areas in both)",
                    areas[i]
                )));
            }
            Some(by_area.into_iter().flatten().collect::<Vec<Rings>>())
        }
    };
    let neighbours = match (listed, &polygons) {
        (Some(listed), _) => listed_neighbours(&areas, &index, listed).map_err(fail)?,
        (None, Some(p)) => shared_vertex_neighbours(p),
        (None, None) => unreachable!("checked above"),
    };
    Ok(Neighbourhood {
        areas,
        neighbours,
        polygons,
    })
}

/// The neighbours a file lists, as indices, checked: known areas, not the
/// area itself, once each, symmetric.
fn listed_neighbours(
    areas: &[String],
    index: &HashMap<&str, usize>,
    listed: Vec<(String, Vec<String>)>,
) -> std::result::Result<Vec<Vec<usize>>, String> {
    let mut lists: Vec<Vec<String>> = vec![Vec::new(); areas.len()];
    for (area, names) in listed {
        lists[index[area.as_str()]] = names;
    }
    let mut neighbours = Vec::with_capacity(areas.len());
    for (area, names) in areas.iter().zip(&lists) {
        let mut list = Vec::new();
        for name in names {
            let Some(&j) = index.get(name.as_str()) else {
                return Err(format!(
                    "area '{area}' lists '{name}', which is not an area of the file (add it as a key)"
                ));
            };
            if name == area {
                return Err(format!("area '{area}' lists itself as a neighbour"));
            }
            if list.contains(&j) {
                return Err(format!("area '{area}' lists '{name}' twice"));
            }
            list.push(j);
        }
        neighbours.push(list);
    }
    for (a, list) in neighbours.iter().enumerate() {
        if let Some(&b) = list.iter().find(|&&b| !neighbours[b].contains(&a)) {
            return Err(format!(
                "area '{}' lists '{}' but '{}' does not list '{}': neighbours must be symmetric",
                areas[a], areas[b], areas[b], areas[a]
            ));
        }
    }
    Ok(neighbours)
}

/// The bytes of every neighbourhood file the formula's smooths read (an
/// `mrf` smooth's, a tensor product's mrf margins'), in formula order, for
/// the cache key (an unreadable file adds its error, so that the key differs
/// and the fit reports it).
pub fn file_bytes(specs: impl Iterator<Item = SmoothSpec>) -> Vec<Vec<u8>> {
    specs
        .flat_map(|s| {
            (0..s.bs.len())
                .filter(|&i| s.bs[i] == crate::formula::BasisType::Mrf)
                .filter_map(|i| s.margin_xt(i).text.clone())
                .collect::<Vec<_>>()
        })
        .map(|path| match std::fs::metadata(&path) {
            Ok(m) if m.len() > MAX_FILE_BYTES => format!("too large: {} bytes", m.len()).into_bytes(),
            _ => std::fs::read(&path).unwrap_or_else(|e| format!("unreadable: {e}").into_bytes()),
        })
        .collect()
}
