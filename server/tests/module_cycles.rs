//! No module of the server imports one that imports it back, directly or through
//! others (issue 10: a cycle shows misplaced ownership, e.g. HTTP handlers and money
//! rules in one another's files).
//!
//! Each file under `server/src` is a module (`a/b.rs` and `a/b/mod.rs` are `a::b`).
//! A module depends on another when its text names it: `crate::a::b…` and `super::…`
//! paths anywhere (use lines, inline paths, test modules), and names brought in by a
//! `use` (`use crate::payments;` then `payments::service::start` depends on
//! `payments::service`). A parent naming its own children by their short name
//! (`bank::send` in `expired/mod.rs`, which declares `mod bank`) is ownership, not an
//! import, and is not counted. Comments are left out. The test fails on every group of
//! modules that reach each other (a strongly connected component), listing the lines
//! that make it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Cycles known and not yet broken (each as its sorted module list joined by ", ").
/// Empty: none may come back.
const ALLOWED: &[&str] = &[];

/// A module's id: its path below `crate`, `""` for the crate root.
type Module = String;

struct Source {
    /// Where it comes from, for messages.
    file: PathBuf,
    /// Its lines without comments.
    lines: Vec<String>,
}

fn modules(src: &Path) -> BTreeMap<Module, Source> {
    let mut out = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(src).unwrap();
            let mut parts: Vec<String> = rel
                .iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect();
            let last = parts.pop().unwrap();
            match last.as_str() {
                // The binary is a crate of its own (it names the library `server::`).
                "main.rs" if parts.is_empty() => continue,
                "lib.rs" if parts.is_empty() => {}
                "mod.rs" => {}
                other => parts.push(other.trim_end_matches(".rs").to_owned()),
            }
            let text = std::fs::read_to_string(&path).unwrap();
            out.insert(
                parts.join("::"),
                Source {
                    file: path.clone(),
                    lines: strip_comments(&text),
                },
            );
        }
    }
    out
}

/// The lines with `//` and `/* */` comments blanked (string literals are kept as they
/// are; a `//` inside one cuts the line, which only loses text, never adds a path).
fn strip_comments(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_block = false;
    for line in text.lines() {
        let mut kept = String::new();
        let mut rest = line;
        loop {
            if in_block {
                match rest.find("*/") {
                    Some(i) => {
                        rest = &rest[i + 2..];
                        in_block = false;
                    }
                    None => break,
                }
            } else {
                let line_comment = rest.find("//");
                let block = rest.find("/*");
                match (line_comment, block) {
                    (Some(l), Some(b)) if b < l => {
                        kept.push_str(&rest[..b]);
                        rest = &rest[b + 2..];
                        in_block = true;
                    }
                    (Some(l), _) => {
                        kept.push_str(&rest[..l]);
                        break;
                    }
                    (None, Some(b)) => {
                        kept.push_str(&rest[..b]);
                        rest = &rest[b + 2..];
                        in_block = true;
                    }
                    (None, None) => {
                        kept.push_str(rest);
                        break;
                    }
                }
            }
        }
        out.push(kept);
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The path starting at `text` (after its root): `a::b::c`, with a `{…}` group
/// expanded; each result is a list of segments, `self` included as written.
fn paths_at(text: &str) -> Vec<Vec<String>> {
    let mut segments = Vec::new();
    let mut rest = text;
    loop {
        let end = rest.find(|c: char| !is_ident(c)).unwrap_or(rest.len());
        if end == 0 {
            if let Some(group) = rest.strip_prefix('{') {
                let inner = &group[..matching_brace(group)];
                let mut out = Vec::new();
                for item in split_top(inner) {
                    for tail in paths_at(item.trim()) {
                        let mut p = segments.clone();
                        p.extend(tail);
                        out.push(p);
                    }
                }
                return out;
            }
            break;
        }
        segments.push(rest[..end].to_owned());
        rest = &rest[end..];
        match rest.strip_prefix("::") {
            Some(r) => rest = r,
            None => break,
        }
    }
    // `x as y`: the alias is recorded by `use_aliases`; the path is `x`.
    vec![segments]
}

fn matching_brace(after_open: &str) -> usize {
    let mut depth = 1;
    for (i, c) in after_open.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return i;
                }
            }
            _ => {}
        }
    }
    after_open.len()
}

fn split_top(inner: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&inner[start..]);
    out.into_iter().filter(|s| !s.trim().is_empty()).collect()
}

/// Every place `root::` starts a path in `text` (not inside a longer name).
fn starts<'a>(text: &'a str, root: &str) -> Vec<&'a str> {
    let needle = format!("{root}::");
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find(&needle) {
        let at = from + i;
        let before = text[..at].chars().next_back();
        let after_colons = text[..at].ends_with("::");
        if !before.is_some_and(is_ident) && !after_colons {
            out.push(&text[at + needle.len()..]);
        }
        from = at + needle.len();
    }
    out
}

/// The longest prefix of `path` that is a module.
fn resolve(path: &[String], known: &BTreeSet<Module>) -> Module {
    let path: Vec<&str> = path
        .iter()
        .map(String::as_str)
        .take_while(|s| *s != "self" && *s != "*")
        .collect();
    (0..=path.len())
        .rev()
        .map(|n| path[..n].join("::"))
        .find(|m| known.contains(m))
        .unwrap_or_default()
}

fn parent(module: &str) -> Module {
    module
        .rsplit_once("::")
        .map(|(p, _)| p.to_owned())
        .unwrap_or_default()
}

/// One dependency with the line that makes it.
struct Edge {
    to: Module,
    line: usize,
    text: String,
}

fn edges(module: &str, source: &Source, known: &BTreeSet<Module>) -> Vec<Edge> {
    let whole = source.lines.join("\n");
    let mut found: Vec<(Vec<String>, usize)> = Vec::new();
    let mut aliases: BTreeMap<String, Vec<String>> = BTreeMap::new();
    // Inline `mod tests { use super::*; }`: there `super` is this file's module.
    let first_inline_mod = source
        .lines
        .iter()
        .position(|l| l.trim_start().starts_with("mod ") && l.trim_end().ends_with('{'));
    for (n, line) in source.lines.iter().enumerate() {
        let here = whole_offset(&source.lines, n);
        for start in starts(line, "crate") {
            let offset = here + (line.len() - start.len());
            for path in paths_at(&whole[offset..]) {
                found.push((path, n));
            }
        }
        for start in starts(line, "super") {
            let inline = first_inline_mod.is_some_and(|m| n > m);
            let base = if inline {
                module.to_owned()
            } else {
                parent(module)
            };
            let offset = here + (line.len() - start.len());
            for path in paths_at(&whole[offset..]) {
                let mut full: Vec<String> = base
                    .split("::")
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect();
                full.extend(path);
                found.push((full, n));
            }
        }
        let trimmed = line.trim_start();
        let use_body = trimmed
            .strip_prefix("pub use ")
            .or_else(|| trimmed.strip_prefix("use "));
        if let Some(body) = use_body
            && let Some(body) = body.strip_prefix("crate::")
        {
            let offset = here + (line.len() - body.len());
            use_aliases(&whole[offset..], &[], &mut aliases);
        }
    }
    for (name, target) in &aliases {
        for (n, line) in source.lines.iter().enumerate() {
            let here = whole_offset(&source.lines, n);
            for start in starts(line, name) {
                let offset = here + (line.len() - start.len());
                for tail in paths_at(&whole[offset..]) {
                    let mut full = target.clone();
                    full.extend(tail);
                    found.push((full, n));
                }
            }
        }
    }
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for (path, n) in found {
        let to = resolve(&path, known);
        if to == module || !seen.insert((to.clone(), n)) {
            continue;
        }
        out.push(Edge {
            to,
            line: n + 1,
            text: source.lines[n].trim().to_owned(),
        });
    }
    out
}

fn whole_offset(lines: &[String], n: usize) -> usize {
    lines[..n].iter().map(|l| l.len() + 1).sum()
}

/// Records the names a `use crate::…;` brings in: `a::b` as `b`, `a::{self, c}` as `a`
/// and `c`, `a::b as x` as `x`.
fn use_aliases(text: &str, prefix: &[String], out: &mut BTreeMap<String, Vec<String>>) {
    let mut rest = text;
    let mut segments = prefix.to_vec();
    loop {
        let end = rest.find(|c: char| !is_ident(c)).unwrap_or(rest.len());
        if end == 0 {
            if let Some(group) = rest.strip_prefix('{') {
                let inner = &group[..matching_brace(group)];
                for item in split_top(inner) {
                    use_aliases(item.trim(), &segments, out);
                }
            }
            return;
        }
        let name = &rest[..end];
        rest = &rest[end..];
        if let Some(r) = rest.strip_prefix("::") {
            segments.push(name.to_owned());
            rest = r;
            continue;
        }
        let (path, alias) = if name == "self" {
            (segments.clone(), segments.last().cloned())
        } else {
            let mut p = segments.clone();
            p.push(name.to_owned());
            (p, Some(name.to_owned()))
        };
        let alias = match rest.trim_start().strip_prefix("as ") {
            Some(a) => Some(
                a.trim_start()
                    .chars()
                    .take_while(|c| is_ident(*c))
                    .collect(),
            ),
            None => alias,
        };
        if let Some(alias) = alias.filter(|a| a != "_") {
            out.insert(alias, path);
        }
        return;
    }
}

/// Tarjan's strongly connected components with more than one module.
fn cycles(graph: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<Module>> {
    struct State<'g> {
        graph: &'g BTreeMap<Module, BTreeSet<Module>>,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        on_stack: BTreeSet<&'g str>,
        next: usize,
        out: Vec<Vec<Module>>,
    }
    fn visit<'g>(s: &mut State<'g>, v: &'g str) {
        s.index.insert(v, s.next);
        s.low.insert(v, s.next);
        s.next += 1;
        s.stack.push(v);
        s.on_stack.insert(v);
        for w in s.graph.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if s.on_stack.contains(w) {
                let iw = s.index[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut group = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                group.push(w.to_owned());
                if w == v {
                    break;
                }
            }
            if group.len() > 1 {
                group.sort();
                s.out.push(group);
            }
        }
    }
    let mut s = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in graph.keys() {
        if !s.index.contains_key(v.as_str()) {
            visit(&mut s, v);
        }
    }
    s.out
}

fn name(m: &str) -> &str {
    if m.is_empty() { "crate" } else { m }
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let sources = modules(&src);
    let known: BTreeSet<Module> = sources.keys().cloned().collect();
    let mut graph: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    let mut evidence: BTreeMap<(Module, Module), String> = BTreeMap::new();
    for (module, source) in &sources {
        let targets = graph.entry(module.clone()).or_default();
        for edge in edges(module, source, &known) {
            evidence
                .entry((module.clone(), edge.to.clone()))
                .or_insert_with(|| {
                    format!(
                        "{}:{}: {}",
                        source.file.strip_prefix(&src).unwrap().display(),
                        edge.line,
                        edge.text
                    )
                });
            targets.insert(edge.to);
        }
    }
    let mut report = Vec::new();
    for group in cycles(&graph) {
        let key = group.iter().map(|m| name(m)).collect::<Vec<_>>().join(", ");
        if ALLOWED.contains(&key.as_str()) {
            continue;
        }
        let members: BTreeSet<&Module> = group.iter().collect();
        let mut lines = vec![format!("cycle: {key}")];
        for ((from, to), at) in &evidence {
            if members.contains(from) && members.contains(to) {
                lines.push(format!("  {} -> {}  ({at})", name(from), name(to)));
            }
        }
        report.push(lines.join("\n"));
    }
    assert!(
        report.is_empty(),
        "{} module cycle(s):\n{}",
        report.len(),
        report.join("\n")
    );
}

#[test]
fn the_reader_sees_paths_groups_aliases_and_super() {
    let known: BTreeSet<Module> = ["", "a", "a::b", "c", "c::d"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    let source = Source {
        file: PathBuf::from("c/d.rs"),
        lines: strip_comments(
            "use crate::a::{self, b::{X, Y}};\n// crate::c\nfn f() { a::b::g(); super::h(); }\n/* crate::c::d */",
        ),
    };
    let to: BTreeSet<Module> = edges("c::d", &source, &known)
        .into_iter()
        .map(|e| e.to)
        .collect();
    let want: BTreeSet<Module> = ["a", "a::b", "c"].iter().map(|s| (*s).to_owned()).collect();
    assert_eq!(to, want);
    let mut graph: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    graph.entry("a".into()).or_default().insert("a::b".into());
    graph.entry("a::b".into()).or_default().insert("c".into());
    graph.entry("c".into()).or_default().insert("a".into());
    graph.entry("c::d".into()).or_default().insert("a".into());
    assert_eq!(cycles(&graph), vec![vec!["a", "a::b", "c"]]);
}
