//! The import checker behind `import_flow.rs`: reads Rust source as text
//! (no compiler, no dependency), finds every path into the crate — `use`
//! declarations, grouped or not, and `crate::…`, `super::…`, `self::…` or
//! child-module paths written in code — resolves each to the file that
//! defines it, and reports
//!
//! - (a) a top-level module importing a module of higher or equal rank
//!   (`lib.rs` is exempt: it assembles the crate);
//! - (b) a cycle among the files of a folder: inside every module with
//!   modules below it, the nodes are its children, each with its subtree
//!   (`fit/newton.rs`; `fit/outer/` as one node; `basis/tp.rs` together with
//!   `basis/tp/`), so `fit/a.rs → fit/sub/x.rs → fit/a.rs` is a cycle in
//!   `fit`. The module's own file (`fit/mod.rs`) is the folder's face, not a
//!   node: it declares and may use its children, and they may use what it
//!   defines (a trait, an enum over their types); what it only re-exports is
//!   followed to the child that defines it.
//!   Test code is exempt: files named `tests*.rs` or `*_tests.rs` and inline
//!   `#[cfg(test)]` modules (they `use super::*`).
//!
//! Resolution: a path is made absolute (`super` climbs from the module the
//! path is written in, inline modules included), then the longest prefix that
//! is a module with a file of its own names the file. When the next segment
//! is a name that file imports (a re-export such as `pub use newton::X` in
//! `fit/mod.rs`, or `pub use error::Result` in `lib.rs`), the path is
//! followed to where that import points, so an edge ends at the file that
//! defines the item. Rule (a) judges the module as written after `crate::`
//! (importing `crate::fit::X` is importing `fit`, wherever `fit` got `X`),
//! except that items of the crate root are followed to their module.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

pub use crate::scan::Source;
use crate::scan::{File, Import, is_test_file, module_of, scan_file};

/// How many re-exports a path is followed through before giving up (a loop
/// of re-exports would not compile, so this only bounds the work).
const MAX_REEXPORT_HOPS: usize = 16;

/// One import against the rules, with what to say about it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Offence {
    /// The importing file, under `src/`.
    pub file: String,
    /// 1-based line of the `use` keyword or of the path in code.
    pub line: usize,
    /// The `use` declaration (white space folded) or the path in code.
    pub text: String,
    /// Why it is against the rules.
    pub why: String,
}

impl std::fmt::Display for Offence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: `{}`: {}", self.file, self.line, self.text, self.why)
    }
}

/// Checks `sources` (every `.rs` file under `src/`) against the ranks of the
/// top-level modules: `layers[r]` lists the modules of rank `r`.
pub fn check(sources: &[Source], layers: &[&[&str]]) -> Vec<Offence> {
    let crate_ = Crate::read(sources);
    let rank: BTreeMap<&str, usize> = layers
        .iter()
        .enumerate()
        .flat_map(|(r, names)| names.iter().map(move |n| (*n, r)))
        .collect();
    let mut out = BTreeSet::new();
    unranked_modules(&crate_, &rank, &mut out);
    backward_imports(&crate_, &rank, &mut out);
    folder_cycles(&crate_, &mut out);
    out.into_iter().collect()
}

/// Every file of the crate, read.
struct Crate {
    files: Vec<File>,
    /// Module path → index into `files`.
    by_module: BTreeMap<Vec<String>, usize>,
}

impl Crate {
    fn read(sources: &[Source]) -> Crate {
        let modules: Vec<Vec<String>> = sources.iter().map(|s| module_of(&s.path)).collect();
        let by_module: BTreeMap<Vec<String>, usize> =
            modules.iter().cloned().enumerate().map(|(i, m)| (m, i)).collect();
        let files = sources
            .iter()
            .zip(modules)
            .map(|(s, module)| scan_file(s, module, &by_module))
            .collect();
        Crate { files, by_module }
    }

    /// The file that defines `abs`: the longest prefix with a file of its own.
    fn file_of(&self, abs: &[String]) -> (usize, usize) {
        (0..=abs.len())
            .rev()
            .find_map(|k| self.by_module.get(&abs[..k]).map(|&f| (f, k)))
            .expect("lib.rs defines the crate root")
    }

    /// Follows `abs` through re-exports to the file that defines what it names.
    fn defining_file(&self, abs: &[String]) -> usize {
        let mut abs = abs.to_vec();
        for _ in 0..MAX_REEXPORT_HOPS {
            let (f, k) = self.file_of(&abs);
            let Some(next) = abs.get(k).and_then(|name| self.files[f].names.get(name)) else {
                return f;
            };
            abs = next.iter().chain(&abs[k + 1..]).cloned().collect();
        }
        self.file_of(&abs).0
    }

    /// The top-level module `abs` imports, for rule (a): as written, except
    /// that an item of the crate root is followed to where it comes from.
    fn top_module(&self, abs: &[String]) -> Option<String> {
        let (f, k) = self.file_of(abs);
        if k > 0 {
            return Some(abs[0].clone());
        }
        let next = abs.first().and_then(|name| self.files[f].names.get(name))?;
        let followed: Vec<String> = next.iter().chain(&abs[1..]).cloned().collect();
        (!followed.is_empty() && followed != abs).then(|| followed[0].clone())
    }
}

fn top_of(file: &File) -> Option<&str> {
    file.module.first().map(String::as_str)
}

fn unranked_modules(crate_: &Crate, rank: &BTreeMap<&str, usize>, out: &mut BTreeSet<Offence>) {
    let tops: BTreeSet<&str> = crate_.files.iter().filter_map(top_of).collect();
    let root = crate_.by_module.get(&Vec::new()).map(|&f| &crate_.files[f]);
    for top in tops.into_iter().filter(|t| !rank.contains_key(t)) {
        let (file, line) = root
            .and_then(|r| {
                r.mod_decls
                    .iter()
                    .find(|(n, _)| n == top)
                    .map(|(_, l)| (r.path.clone(), *l))
            })
            .unwrap_or_else(|| (format!("{top}.rs"), 1));
        out.insert(Offence {
            file,
            line,
            text: format!("mod {top};"),
            why: format!("the top-level module `{top}` has no rank: place it in LAYERS"),
        });
    }
}

fn backward_imports(crate_: &Crate, rank: &BTreeMap<&str, usize>, out: &mut BTreeSet<Offence>) {
    for file in &crate_.files {
        let Some(from) = top_of(file) else { continue };
        let Some(&from_rank) = rank.get(from) else { continue };
        for import in &file.imports {
            let Some(to) = crate_.top_module(&import.abs) else {
                continue;
            };
            let Some(&to_rank) = rank.get(to.as_str()) else {
                continue;
            };
            if to != from && to_rank >= from_rank {
                let how = if to_rank == from_rank { "the same" } else { "a higher" };
                out.insert(Offence {
                    file: file.path.clone(),
                    line: import.line,
                    text: import.text.clone(),
                    why: format!(
                        "`{from}` (rank {from_rank}) imports `{to}` (rank {to_rank}, {how} rank): \
                         a module may import only modules of lower rank"
                    ),
                });
            }
        }
    }
}

/// The node of module `m` in the graph of the files inside module `parent`:
/// `parent` itself, or the child of `parent` whose subtree holds `m`; `None`
/// outside `parent`.
fn node_in<'a>(parent: &[String], m: &'a [String]) -> Option<&'a [String]> {
    m.starts_with(parent).then(|| &m[..(parent.len() + 1).min(m.len())])
}

/// A node for the report: its file, or its folder when it has files below it.
fn node_label(crate_: &Crate, node: &[String]) -> String {
    let below = crate_
        .files
        .iter()
        .find(|f| f.module.len() > node.len() && f.module.starts_with(node));
    match (below, crate_.by_module.get(node)) {
        (Some(_), _) | (None, None) => format!("{}/", node.join("/")),
        (None, Some(&f)) => crate_.files[f].path.clone(),
    }
}

/// One edge of a graph and the import that makes it.
struct Edge {
    from: String,
    to: String,
    file: String,
    import: Import,
}

fn folder_cycles(crate_: &Crate, out: &mut BTreeSet<Offence>) {
    // Every module with modules below it: its file and its children's subtrees.
    let parents: BTreeSet<&[String]> = crate_
        .files
        .iter()
        .flat_map(|f| (1..f.module.len()).map(|k| &f.module[..k]))
        .collect();
    for parent in parents {
        let mut edges = Vec::new();
        for file in crate_.files.iter().filter(|f| !is_test_file(&f.path)) {
            // The folder's own file is its face, not a node (module docs).
            let Some(from) = node_in(parent, &file.module).filter(|from| *from != parent) else {
                continue;
            };
            for import in file.imports.iter().filter(|i| !i.in_test) {
                let target = &crate_.files[crate_.defining_file(&import.abs)].module;
                if let Some(to) = node_in(parent, target).filter(|to| *to != from && *to != parent) {
                    edges.push(Edge {
                        from: node_label(crate_, from),
                        to: node_label(crate_, to),
                        file: file.path.clone(),
                        import: import.clone(),
                    });
                }
            }
        }
        report_cycles(&parent.join("::"), &edges, out);
    }
}

/// Reports every edge that lies on a cycle, with one such cycle.
fn report_cycles(parent: &str, edges: &[Edge], out: &mut BTreeSet<Offence>) {
    let mut next: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for e in edges {
        next.entry(&e.from).or_default().insert(&e.to);
    }
    for e in edges {
        let Some(back) = shortest_path(&next, &e.to, &e.from) else {
            continue;
        };
        let cycle: Vec<&str> = std::iter::once(e.from.as_str()).chain(back).collect();
        out.insert(Offence {
            file: e.file.clone(),
            line: e.import.line,
            text: e.import.text.clone(),
            why: format!("import cycle inside `{parent}`: {}", cycle.join(" → ")),
        });
    }
}

/// The shortest path from `from` to `to` (both included), by breadth-first search.
fn shortest_path<'a>(next: &BTreeMap<&'a str, BTreeSet<&'a str>>, from: &'a str, to: &'a str) -> Option<Vec<&'a str>> {
    let mut parent: BTreeMap<&str, &str> = BTreeMap::new();
    let mut queue = VecDeque::from([from]);
    let mut seen = BTreeSet::from([from]);
    while let Some(n) = queue.pop_front() {
        if n == to {
            let mut path = vec![to];
            let mut at = to;
            while let Some(&p) = parent.get(at) {
                path.push(p);
                at = p;
            }
            path.reverse();
            return Some(path);
        }
        for &m in next.get(n).into_iter().flatten() {
            if seen.insert(m) {
                parent.insert(m, n);
                queue.push_back(m);
            }
        }
    }
    None
}
