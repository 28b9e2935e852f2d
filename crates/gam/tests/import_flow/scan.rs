//! Reading one file: its `use` declarations (grouped or not, over several
//! lines) and the paths into the crate written in its code, each made
//! absolute.

use std::collections::BTreeMap;

use crate::lex::code_only;

/// One source file: its path under `src/` with `/` separators, and its text.
pub struct Source {
    /// For example `fit/newton.rs`.
    pub path: String,
    /// The file's contents.
    pub text: String,
}

/// A path into the crate found in one file.
#[derive(Debug, Clone)]
pub struct Import {
    /// 1-based line of the `use` keyword or of the path in code.
    pub line: usize,
    /// The `use` declaration or the path in code, for the report.
    pub text: String,
    /// The path made absolute (segments below the crate root).
    pub abs: Vec<String>,
    /// Written in test code (a test file or a `#[cfg(test)]` module).
    pub in_test: bool,
}

/// One file, read.
pub struct File {
    /// Under `src/`.
    pub path: String,
    /// Module path of the file (`fit/newton.rs` → `fit::newton`; `lib.rs` → empty).
    pub module: Vec<String>,
    /// Every path into the crate it writes.
    pub imports: Vec<Import>,
    /// Names the file's top level imports, with the absolute path each points to.
    pub names: BTreeMap<String, Vec<String>>,
    /// `mod name;` declarations at the top level, with their lines.
    pub mod_decls: Vec<(String, usize)>,
}

/// `fit/newton.rs` → `["fit", "newton"]`, `fit/mod.rs` → `["fit"]`, `lib.rs` → `[]`.
pub fn module_of(path: &str) -> Vec<String> {
    let mut parts: Vec<String> = path.split('/').map(str::to_string).collect();
    let last = parts.pop().unwrap_or_default();
    let stem = last.strip_suffix(".rs").unwrap_or(&last);
    if !(stem == "mod" || (parts.is_empty() && stem == "lib")) {
        parts.push(stem.to_string());
    }
    parts
}

/// A file whose whole content is test code.
pub fn is_test_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let stem = name.strip_suffix(".rs").unwrap_or(name);
    stem.starts_with("tests") || stem.ends_with("_tests")
}

fn line_at(code: &str, at: usize) -> usize {
    code[..at].bytes().filter(|&c| c == b'\n').count() + 1
}

fn is_ident_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Reads an identifier starting at `i`.
fn ident_at(b: &[u8], i: usize) -> Option<(String, usize)> {
    let len = b[i..].iter().take_while(|&&c| is_ident_byte(c)).count();
    (len > 0 && !b[i].is_ascii_digit()).then(|| (String::from_utf8_lossy(&b[i..i + len]).into_owned(), i + len))
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// An inline module being read: where its body opened and whether it is test code.
struct Inline {
    depth: usize,
    name: String,
    test: bool,
}

/// Reads `source`, whose module path is `module`; `modules` are all the
/// modules with a file of their own.
pub fn scan_file(source: &Source, module: Vec<String>, modules: &BTreeMap<Vec<String>, usize>) -> File {
    let code = code_only(&source.text);
    let b = code.as_bytes();
    let test_file = is_test_file(&source.path);
    let mut file = File {
        path: source.path.clone(),
        module: module.clone(),
        imports: Vec::new(),
        names: BTreeMap::new(),
        mod_decls: Vec::new(),
    };
    let mut depth = 0usize;
    let mut inline: Vec<Inline> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'{' {
            depth += 1;
            i += 1;
            continue;
        }
        if c == b'}' {
            depth = depth.saturating_sub(1);
            if inline.last().is_some_and(|m| m.depth == depth) {
                inline.pop();
            }
            i += 1;
            continue;
        }
        if !is_ident_byte(c) || (i > 0 && (is_ident_byte(b[i - 1]) || b[i - 1] == b'$')) {
            i += 1;
            continue;
        }
        let (word, after) = ident_at(b, i).unwrap_or_else(|| (String::new(), i + 1));
        if word.is_empty() {
            i = after;
            continue;
        }
        let here: Vec<String> = module
            .iter()
            .cloned()
            .chain(inline.iter().map(|m| m.name.clone()))
            .collect();
        let in_test = test_file || inline.iter().any(|m| m.test);
        let preceded_by_path = i >= 2 && &b[i - 2..i] == b"::";
        match word.as_str() {
            "mod" => {
                let j = skip_ws(b, after);
                if let Some((name, k)) = ident_at(b, j) {
                    let k = skip_ws(b, k);
                    if b.get(k) == Some(&b'{') {
                        let attrs = attributes_before(&code, i);
                        inline.push(Inline {
                            depth,
                            name,
                            test: attrs.contains("cfg(test)"),
                        });
                    } else if b.get(k) == Some(&b';') && depth == 0 && inline.is_empty() {
                        file.mod_decls.push((name, line_at(&code, i)));
                    }
                }
                i = after;
            }
            "use" if !preceded_by_path => {
                let end = code[after..].find(';').map_or(b.len(), |p| after + p);
                let tree = &code[after..end];
                let public = is_public_before(&code, i);
                let text = format!(
                    "{}use {};",
                    if public { "pub " } else { "" },
                    tree.split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ")
                        .replace("{ ", "{")
                        .replace(" }", "}")
                );
                let line = line_at(&code, i);
                for (path, name) in use_leaves(tree) {
                    let Some(abs) = absolute(&path, &here, modules) else {
                        continue;
                    };
                    if depth == 0
                        && inline.is_empty()
                        && let Some(name) = name
                    {
                        file.names.insert(name, abs.clone());
                    }
                    file.imports.push(Import {
                        line,
                        text: text.clone(),
                        abs,
                        in_test,
                    });
                }
                i = end;
            }
            _ if !preceded_by_path => {
                let (path, end) = path_at(b, i);
                let first_is_keyword = matches!(word.as_str(), "crate" | "super" | "self");
                let child = here.iter().cloned().chain([word.clone()]).collect::<Vec<_>>();
                if path.len() >= 2
                    && (first_is_keyword || modules.contains_key(&child))
                    && let Some(abs) = absolute(&path, &here, modules)
                {
                    file.imports.push(Import {
                        line: line_at(&code, i),
                        text: path.join("::"),
                        abs,
                        in_test,
                    });
                }
                i = end;
            }
            _ => i = after,
        }
    }
    file
}

/// The attributes (`#[...]`) written just before the item starting at `at`.
fn attributes_before(code: &str, at: usize) -> &str {
    let head = &code[..at];
    let start = head.rfind([';', '{', '}']).map_or(0, |p| p + 1);
    &head[start..]
}

/// Whether the `use` at `at` is `pub`, `pub(crate)` or `pub(super)`.
fn is_public_before(code: &str, at: usize) -> bool {
    let attrs = attributes_before(code, at);
    let last = attrs.rsplit(']').next().unwrap_or(attrs);
    last.trim_start().starts_with("pub")
}

/// A path in code starting at `i`: identifiers joined by `::`, up to the
/// first thing that is not (`::<`, `::{`, `(`, white space, …).
fn path_at(b: &[u8], i: usize) -> (Vec<String>, usize) {
    let mut segments = Vec::new();
    let mut j = i;
    while let Some((seg, k)) = ident_at(b, j) {
        segments.push(seg);
        j = k;
        if b[j..].starts_with(b"::") && b.get(j + 2).is_some_and(|&c| is_ident_byte(c)) {
            j += 2;
        } else {
            break;
        }
    }
    (segments, j.max(i + 1))
}

/// The leaves of a use tree (`a::{b::C, d::{self, E as F}, g::*}`): each
/// path, with the name it brings into scope (`None` for a glob).
fn use_leaves(tree: &str) -> Vec<(Vec<String>, Option<String>)> {
    let tokens = use_tokens(tree);
    let mut out = Vec::new();
    let mut pos = 0;
    leaves_of(&tokens, &mut pos, &[], &mut out);
    out
}

fn use_tokens(tree: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let b = tree.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if b[i..].starts_with(b"::") {
            tokens.push("::".to_string());
            i += 2;
        } else if let Some((word, k)) = ident_at(b, i) {
            tokens.push(word);
            i = k;
        } else {
            tokens.push((c as char).to_string());
            i += 1;
        }
    }
    tokens
}

/// Reads one use tree from `tokens[*pos..]`, with the path `prefix` before it.
fn leaves_of(tokens: &[String], pos: &mut usize, prefix: &[String], out: &mut Vec<(Vec<String>, Option<String>)>) {
    let mut path = prefix.to_vec();
    if tokens.get(*pos).map(String::as_str) == Some("::") {
        *pos += 1;
    }
    while let Some(tok) = tokens.get(*pos) {
        match tok.as_str() {
            "{" => {
                *pos += 1;
                while let Some(t) = tokens.get(*pos) {
                    match t.as_str() {
                        "}" => {
                            *pos += 1;
                            break;
                        }
                        "," => *pos += 1,
                        _ => leaves_of(tokens, pos, &path, out),
                    }
                }
                return;
            }
            "*" => {
                *pos += 1;
                out.push((path, None));
                return;
            }
            "self" if !path.is_empty() => {
                *pos += 1;
                let name = path.last().cloned();
                let name = alias(tokens, pos).or(name);
                out.push((path, name));
                return;
            }
            "::" => *pos += 1,
            "," | "}" => return,
            word => {
                path.push(word.to_string());
                *pos += 1;
                if tokens.get(*pos).map(String::as_str) != Some("::") {
                    let name = alias(tokens, pos).or_else(|| Some(word.to_string()));
                    out.push((path, name));
                    return;
                }
            }
        }
    }
}

/// An `as name` after a leaf (`as _` brings no name into scope).
fn alias(tokens: &[String], pos: &mut usize) -> Option<String> {
    if tokens.get(*pos).map(String::as_str) != Some("as") {
        return None;
    }
    let name = tokens.get(*pos + 1).cloned();
    *pos += 2;
    name.filter(|n| n != "_")
}

/// `path` written in module `here`, made absolute; `None` when it leaves the
/// crate (`std::…`, another crate, a local name).
fn absolute(path: &[String], here: &[String], modules: &BTreeMap<Vec<String>, usize>) -> Option<Vec<String>> {
    let first = path.first()?;
    match first.as_str() {
        "crate" => Some(path[1..].to_vec()),
        "self" | "super" => {
            let mut base = here.to_vec();
            let mut k = 0;
            while path.get(k).map(String::as_str) == Some("super") {
                base.pop()?;
                k += 1;
            }
            if k == 0 {
                k = 1; // `self::`
            }
            Some(base.into_iter().chain(path[k..].iter().cloned()).collect())
        }
        _ => {
            let child: Vec<String> = here.iter().chain([first]).cloned().collect();
            modules
                .contains_key(&child)
                .then(|| here.iter().chain(path).cloned().collect())
        }
    }
}
