//! Imports follow the data flow (issue 12, item 6): data → formula →
//! family/basis → design → fit → model → predict/report. The test reads every
//! `.rs` file under `crates/gam/src` and fails, listing each offending line
//! (`file:line: \`use …\`: why`), when
//!
//! - (a) a top-level module imports one of higher or equal rank in
//!   [`LAYERS`] (imports inside a module are free; `lib.rs` is exempt), or a
//!   top-level module has no rank;
//! - (b) the files inside a folder import each other in a cycle (test code
//!   exempt).
//!
//! How paths are found and resolved is in `import_flow/checker.rs` (the
//! rules), `scan.rs` (reading a file) and `lex.rs` (code without comments
//! and literals). The checker's own tests below run it on small made-up
//! crates, so that it cannot pass by finding nothing.

#[path = "import_flow/checker.rs"]
mod checker;
#[path = "import_flow/lex.rs"]
mod lex;
#[path = "import_flow/scan.rs"]
mod scan;

use std::path::{Path, PathBuf};

use checker::{Source, check};
use lex::code_only;

/// The ranks of the top-level modules of `crates/gam/src`: `LAYERS[r]` holds
/// the modules of rank `r`. A module may import only modules of lower rank.
/// A new top-level module fails the test until it is placed here; one listed
/// here that does not exist yet is fine.
#[rustfmt::skip] // a table: one rank a line, aligned
const LAYERS: &[&[&str]] = &[
    /*  0 */ &["error"],                 // the one error type
    /*  1 */ &["files", "linalg"],       // atomic files; dense helpers, row chunks
    /*  2 */ &["data"],                  // data frames, CSV
    /*  3 */ &["formula"],               // parsing formulas
    /*  4 */ &["family", "basis"],       // families and links; smooth bases
    /*  5 */ &["design"],                // model matrix and penalties
    /*  6 */ &["fit"],                   // spec, outer search, both paths, assembly
    /*  7 */ &["model"],                 // the fitted model, its file
    /*  8 */ &["cache"],                 // the warm-start cache glue
    /*  9 */ &["predict"],               // prediction
    /* 10 */ &["report"],                // summary text, JSON report
    /* 11 */ &["cv"],                    // cross-validation
    /* 12 */ &["api"],                   // the front door
    /* 13 */ &["expert"],                // gathers the modules above under one public name
];

/// Every `.rs` file under `dir`, with its path relative to `root`.
fn sources(root: &Path, dir: &Path, out: &mut Vec<Source>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            sources(root, &path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            let rel = path.strip_prefix(root).expect("below the root");
            let rel = rel.iter().map(|p| p.to_string_lossy()).collect::<Vec<_>>().join("/");
            out.push(Source { path: rel, text });
        }
    }
}

#[test]
fn imports_follow_the_data_flow() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &root, &mut files);
    assert!(
        files.iter().any(|f| f.path == "lib.rs") && files.len() > 20,
        "found only {} files under {}",
        files.len(),
        root.display()
    );
    let offences = check(&files, LAYERS);
    assert!(
        offences.is_empty(),
        "{} imports against the data flow (crates/gam/src):\n{}",
        offences.len(),
        offences.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
    );
}

// ---------------------------------------------------------------------------
// The checker on made-up crates.

/// Ranks for the made-up crates: `low` below `mid` below `high`.
const TOY_LAYERS: &[&[&str]] = &[&["low"], &["mid", "mid2"], &["high"]];

fn toy(files: &[(&str, &str)]) -> Vec<String> {
    let sources: Vec<Source> = files
        .iter()
        .map(|(path, text)| Source {
            path: path.to_string(),
            text: text.to_string(),
        })
        .collect();
    check(&sources, TOY_LAYERS).iter().map(ToString::to_string).collect()
}

const TOY_LIB: &str = "pub mod low;\npub mod mid;\npub mod mid2;\npub mod high;\npub use low::Thing;\n";

#[test]
fn checker_accepts_imports_that_follow_the_ranks() {
    let found = toy(&[
        ("lib.rs", TOY_LIB),
        ("low.rs", "pub struct Thing;\n"),
        (
            "mid.rs",
            "use crate::low::Thing;\nfn f() -> crate::Thing { crate::low::Thing }\n",
        ),
        ("mid2.rs", "use crate::{low::Thing, Thing as Same};\n"),
        (
            "high.rs",
            "use crate::mid;\nuse crate::mid2;\n// use crate::high::x; a comment\nconst S: &str = \"crate::high::y\";\n",
        ),
    ]);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn checker_reports_a_backward_import_with_file_line_and_reason() {
    let found = toy(&[
        ("lib.rs", TOY_LIB),
        ("low.rs", "//! Low.\n\nuse crate::{\n    mid::Widget,\n};\n"),
        (
            "mid.rs",
            "pub struct Widget;\nfn f() { let _ = crate::high::make(); }\n",
        ),
        ("mid2.rs", "use crate::mid::Widget;\n"),
        ("high.rs", "pub fn make() {}\n"),
    ]);
    assert_eq!(found.len(), 3, "{found:#?}");
    assert!(
        found[0].starts_with(
            "low.rs:3: `use crate::{mid::Widget,};`: `low` (rank 0) imports `mid` (rank 1, a higher rank)"
        ),
        "{found:#?}"
    );
    assert!(
        found[1].starts_with("mid.rs:2: `crate::high::make`: `mid` (rank 1) imports `high` (rank 2, a higher rank)"),
        "{found:#?}"
    );
    assert!(
        found[2]
            .starts_with("mid2.rs:1: `use crate::mid::Widget;`: `mid2` (rank 1) imports `mid` (rank 1, the same rank)"),
        "{found:#?}"
    );
}

#[test]
fn checker_follows_crate_root_reexports_and_names_unranked_modules() {
    let found = toy(&[
        (
            "lib.rs",
            "pub mod low;\npub mod mid;\nmod stray;\npub use mid::Widget;\n",
        ),
        ("low.rs", "use crate::Widget;\n"),
        ("mid.rs", "pub struct Widget;\n"),
        ("stray.rs", "use crate::high::X;\n"),
    ]);
    assert_eq!(found.len(), 2, "{found:#?}");
    assert!(
        found[0].starts_with("lib.rs:3: `mod stray;`: the top-level module `stray` has no rank"),
        "{found:#?}"
    );
    assert!(
        found[1].starts_with("low.rs:1: `use crate::Widget;`: `low` (rank 0) imports `mid`"),
        "{found:#?}"
    );
}

#[test]
fn checker_reports_every_line_of_a_cycle_inside_a_folder() {
    let found = toy(&[
        ("lib.rs", "pub mod mid;\n"),
        ("mid/mod.rs", "mod a;\nmod b;\nmod c;\nmod sub;\npub use a::A;\n"),
        ("mid/a.rs", "use super::b::B;\npub struct A;\n"),
        ("mid/b.rs", "pub struct B;\nfn f() { super::c::g(); }\n"),
        ("mid/c.rs", "use super::A;\npub fn g() {}\n"),
        // A cycle through a subfolder: sub/ is one node of mid's graph.
        ("mid/sub/mod.rs", "mod x;\n"),
        ("mid/sub/x.rs", "use crate::mid::d::D;\n"),
        ("mid/d.rs", "use super::sub::x::X;\npub struct D;\n"),
    ]);
    let cycle = "import cycle inside `mid`: mid/a.rs → mid/b.rs → mid/c.rs → mid/a.rs";
    assert!(
        found.contains(&format!("mid/a.rs:1: `use super::b::B;`: {cycle}")),
        "{found:#?}"
    );
    assert!(
        found
            .iter()
            .any(|f| f.starts_with("mid/b.rs:2: `super::c::g`: import cycle inside `mid`")),
        "{found:#?}"
    );
    // `super::A` is re-exported by mod.rs from a.rs: the edge goes to a.rs.
    assert!(
        found
            .iter()
            .any(|f| f.starts_with("mid/c.rs:1: `use super::A;`: import cycle inside `mid`")),
        "{found:#?}"
    );
    assert!(
        found.contains(
            &"mid/d.rs:1: `use super::sub::x::X;`: import cycle inside `mid`: mid/d.rs → mid/sub/ → mid/d.rs"
                .to_string()
        ),
        "{found:#?}"
    );
    assert!(
        found
            .iter()
            .any(|f| f.starts_with("mid/sub/x.rs:1: `use crate::mid::d::D;`")),
        "{found:#?}"
    );
    assert_eq!(found.len(), 5, "{found:#?}");
}

#[test]
fn checker_lets_a_folder_face_and_its_children_use_each_other() {
    let found = toy(&[
        ("lib.rs", "pub mod mid;\n"),
        // mod.rs defines a trait the children implement and dispatches to them.
        (
            "mid/mod.rs",
            "mod a;\nmod b;\npub trait Shape {}\nfn f() { a::area(); b::B::new(); }\n",
        ),
        ("mid/a.rs", "use super::Shape;\npub fn area() {}\n"),
        ("mid/b.rs", "use crate::mid::Shape;\nuse super::a::area;\n"),
        // tp.rs and tp/ are one module: tp.rs is the face of tp/.
        ("mid/tp.rs", "mod kernel;\nuse kernel::K;\npub struct Tp;\n"),
        ("mid/tp/kernel.rs", "use super::Tp;\npub struct K;\n"),
    ]);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn checker_exempts_test_code_from_cycles_but_not_from_ranks() {
    let found = toy(&[
        ("lib.rs", TOY_LIB),
        ("low.rs", "#[cfg(test)]\nmod tests {\n    use crate::high::Rig;\n}\n"),
        (
            "mid.rs",
            "mod a;\nmod b;\n#[cfg(test)]\n#[path = \"b_tests.rs\"]\nmod b_tests;\n",
        ),
        (
            "mid/a.rs",
            "pub struct A;\n#[cfg(test)]\nmod tests {\n    use super::super::b::B;\n}\n",
        ),
        ("mid/b.rs", "use super::a::A;\npub struct B;\n"),
        ("mid/b_tests.rs", "use super::a::A;\nuse super::b::B;\n"),
        ("mid2.rs", ""),
        ("high.rs", "pub struct Rig;\n"),
    ]);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].starts_with("low.rs:3: `use crate::high::Rig;`: `low` (rank 0) imports `high`"),
        "{found:#?}"
    );
}

#[test]
fn checker_sees_code_only() {
    let text = "let a = \"crate::x\"; // crate::y\n/* crate::z /* nested */ */ let c = 'x'; let d = '\\''; \
                let r = r#\"crate::w\"#; fn f<'a>(s: &'a str) {} crate::v";
    let code = code_only(text);
    assert_eq!(code.len(), text.len());
    assert_eq!(code.matches("crate::").count(), 1, "{code}");
    assert!(
        code.ends_with("crate::v") && code.contains("fn f<'a>(s: &'a str)"),
        "{code}"
    );
    assert_eq!(code.lines().count(), text.lines().count());
}
