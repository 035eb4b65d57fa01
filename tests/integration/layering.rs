//! The house rules Cargo cannot keep. The crate graph keeps the layers (a lower crate in
//! `crates/` cannot name a higher one: Cargo refuses the cycle), so what is left is:
//! `unsafe` only in rnetstat-sys (every other crate root denies it), and, among the
//! binary's own modules in `src/`, no import cycles and no renderer reaching into the
//! commands.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Module path (`source::netlink::dump`) → its text without the test module.
fn modules() -> BTreeMap<String, String> {
    fn walk(dir: &Path, out: &mut BTreeMap<String, String>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let rel = p.strip_prefix("src").unwrap().with_extension("");
                let mut parts: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                if parts.last().is_some_and(|l| l == "mod") {
                    parts.pop();
                }
                let text = std::fs::read_to_string(&p).unwrap();
                let text = text.split("#[cfg(test)]").next().unwrap_or("").to_string();
                out.insert(parts.join("::"), text);
            }
        }
    }
    let mut m = BTreeMap::new();
    walk(Path::new("src"), &mut m);
    m
}

/// The modules each module names (`crate::…` and `super::…`), outside its own subtree.
fn edges(mods: &BTreeMap<String, String>) -> BTreeMap<String, BTreeSet<String>> {
    let related = |a: &str, b: &str| {
        a == b || a.starts_with(&format!("{b}::")) || b.starts_with(&format!("{a}::"))
    };
    let resolve = |path: &[&str]| -> Option<String> {
        (1..=path.len())
            .rev()
            .map(|k| path[..k].join("::"))
            .find(|c| mods.contains_key(c))
    };
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (m, text) in mods {
        let parent = m.rsplit_once("::").map_or("", |(p, _)| p);
        for (prefix, base) in [("crate::", ""), ("super::", parent)] {
            for (i, _) in text.match_indices(prefix) {
                if prefix == "super::" && text[..i].ends_with("::") {
                    // `super::super::…`: rare here; not followed.
                    continue;
                }
                let rest: String = text[i + prefix.len()..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':')
                    .collect();
                let mut path: Vec<&str> = base.split("::").filter(|s| !s.is_empty()).collect();
                path.extend(rest.split("::").filter(|s| !s.is_empty()));
                if let Some(t) = resolve(&path).filter(|t| !related(m, t)) {
                    out.entry(m.clone()).or_default().insert(t);
                }
            }
        }
    }
    out
}

#[test]
fn no_import_cycles() {
    let mods = modules();
    let g = edges(&mods);
    // The graph is really read (so the checks below are not vacuous).
    assert!(
        g["cmd::top"].contains("cmd::top_sample"),
        "{:?}",
        g["cmd::top"]
    );
    assert!(
        g["cmd::statistics"].contains("history"),
        "{:?}",
        g["cmd::statistics"]
    );
    // A module must not reach itself.
    for start in g.keys() {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<(String, Vec<String>)> = vec![(start.clone(), vec![start.clone()])];
        while let Some((m, trail)) = stack.pop() {
            for next in g.get(&m).into_iter().flatten() {
                assert!(
                    next != start,
                    "import cycle: {} → {start}",
                    trail.join(" → ")
                );
                if seen.insert(next.clone()) {
                    let mut t = trail.clone();
                    t.push(next.clone());
                    stack.push((next.clone(), t));
                }
            }
        }
    }
}

#[test]
fn no_layer_reaches_up() {
    let mods = modules();
    let g = edges(&mods);
    let top = |m: &str| m.split("::").next().unwrap_or("").to_string();
    let commands = [
        "cmd", "config", "cli", "lab", "compare", "serve", "main", "world",
    ];
    for (m, targets) in &g {
        for t in targets {
            let (from, to) = (top(m), top(t));
            let banned = from == "output" && commands.contains(&to.as_str());
            assert!(!banned, "{m} imports {t}: a lower layer reaching up");
        }
    }
}

#[test]
fn unsafe_code_only_in_rnetstat_sys() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut roots = vec![root.join("src/lib.rs")];
    for e in std::fs::read_dir(root.join("crates")).unwrap().flatten() {
        if e.file_name() != "sys" {
            roots.push(e.path().join("src/lib.rs"));
        }
    }
    assert!(roots.len() >= 5, "{roots:?}");
    for lib in roots {
        let text = std::fs::read_to_string(&lib).unwrap();
        assert!(
            text.contains("#![deny(unsafe_code)]") || text.contains("#![forbid(unsafe_code)]"),
            "{} does not deny unsafe code",
            lib.display()
        );
    }
}

/// The `[dependencies]` of a manifest: (name, our crate's directory if it is a path
/// dependency).
fn dependencies(manifest: &Path) -> Vec<(String, Option<std::path::PathBuf>)> {
    let text = std::fs::read_to_string(manifest).unwrap();
    let mut section = "";
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            section = line;
        } else if section == "[dependencies]"
            && let Some((name, value)) = line.split_once('=')
        {
            let path = value
                .split("path = \"")
                .nth(1)
                .and_then(|r| r.split('"').next())
                .map(|p| manifest.parent().unwrap().join(p));
            out.push((name.trim().to_string(), path));
        }
    }
    out
}

/// The fuzz targets of `fuzz/` link the decoders, never the userspace stack, the terminal
/// or the command line: no crate they reach depends on smoltcp, ratatui, crossterm or clap.
#[test]
fn decoders_fuzz_crate_links_no_stack_terminal_or_cli() {
    let mut todo = vec![Path::new("fuzz/Cargo.toml").to_path_buf()];
    let mut seen = BTreeSet::new();
    while let Some(m) = todo.pop() {
        for (name, path) in dependencies(&m) {
            assert!(
                !["smoltcp", "ratatui", "crossterm", "clap"].contains(&name.as_str()),
                "{} depends on {name}",
                m.display()
            );
            if let Some(dir) = path
                && seen.insert(name)
            {
                todo.push(dir.join("Cargo.toml"));
            }
        }
    }
    assert!(seen.contains("rnetstat-diag"), "fuzz/ links rnetstat-diag");
}
