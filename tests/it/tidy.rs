//! Guards the sans-IO rule (the core never touches the filesystem, the environment, the clock
//! or JavaScript; only the adapters `src/native/`, `src/cli/` and `src/wasm/` may) and the floor
//! plan (stages as folders, used only in pipeline order, no import circles, small files).

use std::path::{Path, PathBuf};

const BANNED: &[(&str, &str)] = &[
    (
        "std::fs",
        "filesystem access belongs in src/native or src/cli",
    ),
    ("std::env", "the environment is read by the CLI only"),
    ("env::var", "the environment is read by the CLI only"),
    ("SystemTime", "time comes from the source_date_epoch option"),
    (
        "Instant::now",
        "time comes from the source_date_epoch option",
    ),
    ("std::net", "the core has no network"),
    ("std::process", "the core starts no processes"),
    ("wasm_bindgen", "JS bindings belong in src/wasm"),
    ("js_sys", "JS bindings belong in src/wasm"),
    ("web_sys", "JS bindings belong in src/wasm"),
];

/// The adapters: the only modules that may touch the outside world.
const ADAPTER_MODULES: &[&str] = &["native", "cli", "wasm"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Every source file under `src/` as (`src/...` path, text).
fn sources() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    assert!(files.len() > 10, "expected the core sources under src/");
    files
        .into_iter()
        .map(|f| {
            let rel = f
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, std::fs::read_to_string(&f).unwrap())
        })
        .collect()
}

#[test]
fn core_does_no_io() {
    let mut violations = Vec::new();
    for (rel, text) in sources() {
        if ADAPTER_MODULES.contains(&top_module(&rel).as_str()) {
            continue;
        }
        for (i, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for (needle, why) in BANNED {
                if code.contains(needle) {
                    violations.push(format!("{rel}:{}: `{needle}`: {why}", i + 1));
                }
            }
        }
    }
    assert!(
        violations.is_empty(),
        "sans-IO rule broken:\n{}",
        violations.join("\n")
    );
}

#[test]
fn only_lib_rs_decides_by_target() {
    for (rel, text) in sources() {
        if rel == "src/lib.rs" || ["native", "wasm"].contains(&top_module(&rel).as_str()) {
            continue;
        }
        assert!(
            !text.contains("target_arch"),
            "{rel}: target-specific code belongs behind the one switch in src/lib.rs"
        );
    }
}

/// The stages in pipeline order, then what every stage may use. A module may use itself, the
/// shared leaves, and the stages before it; the adapters may use anything. A reference to a
/// later stage would make the floor plan lie about the order data flows in, and two stages
/// using each other would be an import circle.
const STAGES: &[&str] = &[
    "error", "limits", "diag", "source", "input", "validate", "output", "build", "bundled",
    "verify",
];
/// The top-level module a source file belongs to (`src/validate/layout/flat.rs` → `validate`).
fn top_module(rel: &str) -> String {
    let rest = rel.strip_prefix("src/").unwrap();
    let first = rest.split('/').next().unwrap();
    first.trim_end_matches(".rs").to_string()
}

/// The module one level below a stage (`src/validate/layout/flat.rs` → `validate::layout`),
/// or the stage itself for its own root file.
fn second_module(rel: &str) -> String {
    let parts: Vec<&str> = rel.strip_prefix("src/").unwrap().split('/').collect();
    match parts.as_slice() {
        [stage, file] if *file != "mod.rs" => format!("{stage}::{}", file.trim_end_matches(".rs")),
        [stage, dir, ..] if parts.len() > 2 => format!("{stage}::{dir}"),
        _ => top_module(rel),
    }
}

/// Every `crate::a::b` path used in code (comments and `#[cfg(test)]` modules left out; test
/// code may reach anywhere), as (a, b) pairs; `crate::{a, b}` groups count for each name.
fn crate_paths(text: &str) -> Vec<(String, String)> {
    let code = match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => text,
    };
    let mut out = Vec::new();
    for line in code.lines() {
        let line = line.split("//").next().unwrap_or("");
        let mut rest = line;
        while let Some(i) = rest.find("crate::") {
            rest = &rest[i + "crate::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                for item in group.split('}').next().unwrap_or("").split(',') {
                    let mut segs = item.trim().split("::");
                    let a = segs.next().unwrap_or("").to_string();
                    out.push((a, segs.next().unwrap_or("").to_string()));
                }
                continue;
            }
            let path: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            let mut segs = path.split("::");
            let a = segs.next().unwrap_or("").to_string();
            out.push((a, segs.next().unwrap_or("").to_string()));
        }
    }
    out
}

#[test]
fn the_floor_plan_shows_the_pipeline() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut entries: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    entries.sort();
    assert!(
        entries.len() <= 14,
        "src/ has {} top-level entries: {entries:?}",
        entries.len()
    );
    for stage in ["source", "input", "validate", "build", "output"] {
        assert!(
            root.join(stage).is_dir(),
            "the {stage} stage is a folder of src/"
        );
    }
    let web = Path::new(env!("CARGO_MANIFEST_DIR")).join("web");
    let mut scripts = Vec::new();
    for dir in ["page", "worker-api"] {
        for e in std::fs::read_dir(web.join(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "js") {
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                scripts.push((
                    format!("web/{dir}/{name}"),
                    std::fs::read_to_string(&p).unwrap(),
                ));
            }
        }
    }
    assert!(
        scripts.len() >= 4,
        "expected the page and worker scripts under web/"
    );
    for (rel, text) in sources().into_iter().chain(scripts) {
        let n = text.lines().count();
        assert!(
            n <= 600,
            "{rel} has {n} lines; split it by concern (at most 600)"
        );
    }
}

#[test]
fn stages_use_only_earlier_stages() {
    let mut problems = Vec::new();
    for (rel, text) in sources() {
        let from = top_module(&rel);
        if from == "lib" || ADAPTER_MODULES.contains(&from.as_str()) {
            continue;
        }
        let at = STAGES.iter().position(|s| *s == from).unwrap_or_else(|| {
            panic!("{rel}: top-level module `{from}` is not in the floor plan (tests/it/tidy.rs)")
        });
        for (to, _) in crate_paths(&text) {
            if ADAPTER_MODULES.contains(&to.as_str()) {
                problems.push(format!("{rel}: uses the adapter `crate::{to}`"));
            }
            match STAGES.iter().position(|s| *s == to) {
                Some(j) if j > at => {
                    problems.push(format!("{rel}: `{from}` uses the later `{to}`"))
                }
                _ => {}
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn no_import_circles_between_modules() {
    use std::collections::{BTreeMap, BTreeSet};
    // Nodes: the modules one level below each stage (`validate::layout`, `validate::rules`...).
    // A child using its own parent stage's root is ordinary Rust and not counted.
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (rel, text) in sources() {
        let from = second_module(&rel);
        if ADAPTER_MODULES.contains(&top_module(&rel).as_str()) || from == "lib" {
            continue;
        }
        for (a, b) in crate_paths(&text) {
            let to = if b.is_empty() || b.chars().next().is_some_and(|c| c.is_uppercase()) {
                a.clone()
            } else {
                let candidate = format!("{a}::{b}");
                let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(&a);
                if root.join(format!("{b}.rs")).exists() || root.join(&b).is_dir() {
                    candidate
                } else {
                    a.clone()
                }
            };
            let nested = |x: &str, y: &str| x == y || x.starts_with(&format!("{y}::"));
            if !nested(&from, &to) && !nested(&to, &from) {
                edges.entry(from.clone()).or_default().insert(to);
            }
        }
    }
    // Depth-first search for a back edge.
    fn visit(
        n: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match state.get(n) {
            Some(1) => {
                let i = path.iter().position(|p| p == n).unwrap();
                let mut cycle = path[i..].to_vec();
                cycle.push(n.to_string());
                return Some(cycle);
            }
            Some(2) => return None,
            _ => {}
        }
        state.insert(n.to_string(), 1);
        path.push(n.to_string());
        for m in edges.get(n).into_iter().flatten() {
            if let Some(c) = visit(m, edges, state, path) {
                return Some(c);
            }
        }
        path.pop();
        state.insert(n.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in edges.keys() {
        if let Some(cycle) = visit(n, &edges, &mut state, &mut Vec::new()) {
            panic!("import circle: {}", cycle.join(" → "));
        }
    }
}
