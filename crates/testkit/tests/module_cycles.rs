//! No module of a crate depends, through others, on itself: the layering inside each crate
//! stays a tree that can be read bottom up (docs/ARCHITECTURE.md). A module's uses are the
//! `crate::name` paths in its files (tests left out); a module and its own submodules count
//! as one.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The paths named after `crate::` in `text` (`kernel::pages::Attempt`, `AppState`).
fn uses(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        let path: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':')
            .collect();
        let path = path.trim_end_matches(':');
        if !path.is_empty() {
            out.insert(path.to_string());
        }
    }
    out
}

/// The module a path or a file belongs to: its first segment, or, inside a folder module
/// (web's `html`, `api`, `kernel`), its first two, so that the features inside a folder are
/// held to the same rule as the crate's top-level modules.
fn module_of(src: &Path, segments: &[&str]) -> String {
    let first = segments[0].trim_end_matches(".rs");
    if src.join(first).is_dir()
        && let Some(second) = segments.get(1)
    {
        let second = second.trim_end_matches(".rs");
        let dir = src.join(first);
        if second != "mod"
            && (dir.join(second).is_dir() || dir.join(format!("{second}.rs")).is_file())
        {
            return format!("{first}::{second}");
        }
    }
    first.to_string()
}

/// Module → the modules it uses, for the crate whose sources are under `src`.
fn graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = vec![];
    rust_files(src, &mut files);
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let rel = file.strip_prefix(src).unwrap();
        let parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
        let module = module_of(src, &parts);
        if matches!(module.as_str(), "lib" | "main") {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        let used: Vec<String> = uses(code)
            .iter()
            .map(|u| module_of(src, &u.split("::").collect::<Vec<_>>()))
            .filter(|u| *u != module)
            .collect();
        g.entry(module).or_default().extend(used);
    }
    g
}

/// The modules on a cycle, if there is one.
fn cycle(g: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        g: &BTreeMap<String, BTreeSet<String>>,
        at: &str,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(from) = path.iter().position(|m| m == at) {
            let mut found = path[from..].to_vec();
            found.push(at.to_string());
            return Some(found);
        }
        if !done.insert(at.to_string()) {
            return None;
        }
        path.push(at.to_string());
        for next in g.get(at).into_iter().flatten() {
            if g.contains_key(next)
                && let Some(found) = visit(g, next, path, done)
            {
                return Some(found);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    g.keys().find_map(|m| visit(g, m, &mut vec![], &mut done))
}

#[test]
fn no_crate_has_a_cycle_between_its_modules() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut checked = 0;
    for entry in std::fs::read_dir(&crates).unwrap() {
        let src = entry.unwrap().path().join("src");
        if !src.is_dir() {
            continue;
        }
        let g = graph(&src);
        if let Some(c) = cycle(&g) {
            panic!("{}: modules in a cycle: {}", src.display(), c.join(" → "));
        }
        checked += 1;
    }
    assert!(
        checked >= 6,
        "the crates were not found from {}",
        crates.display()
    );
}

#[test]
fn a_cycle_is_found() {
    let g: BTreeMap<String, BTreeSet<String>> = [
        ("a", vec!["b"]),
        ("b", vec!["c", "Result"]),
        ("c", vec!["a"]),
        ("d", vec!["a"]),
    ]
    .into_iter()
    .map(|(m, us)| (m.to_string(), us.into_iter().map(String::from).collect()))
    .collect();
    assert_eq!(cycle(&g).map(|c| c.len()), Some(4));
    assert_eq!(
        uses("use crate::pages::{self}; crate::AppState"),
        ["AppState".to_string(), "pages".to_string()].into()
    );
}

#[test]
fn the_features_inside_a_folder_module_are_modules_of_their_own() {
    let web = Path::new(env!("CARGO_MANIFEST_DIR")).join("../web/src");
    let g = graph(&web);
    let portal = g.get("html::portal").expect("html::portal is a module");
    assert!(portal.contains("html::commitments"), "{portal:?}");
    assert!(portal.contains("kernel::pages"), "{portal:?}");
}
