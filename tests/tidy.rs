//! Guards the sans-IO rule: the core never touches the filesystem, the environment, the clock
//! or JavaScript. Only the adapters (`src/native/`, `src/cli/`, `src/main.rs`, and the wasm
//! bindings in `src/wasm/`) may.

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

const ADAPTERS: &[&str] = &["src/native", "src/cli", "src/main.rs", "src/wasm"];

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

#[test]
fn core_does_no_io() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    assert!(files.len() > 10, "expected the core sources under src/");
    let mut violations = Vec::new();
    for f in files {
        let rel = f
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if ADAPTERS
            .iter()
            .any(|a| rel == *a || rel.starts_with(&format!("{a}/")))
        {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap();
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
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    for f in files {
        let rel = f
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if rel == "src/lib.rs" || rel.starts_with("src/native/") || rel.starts_with("src/wasm/") {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap();
        assert!(
            !text.contains("target_arch"),
            "{rel}: target-specific code belongs behind the one switch in src/lib.rs"
        );
    }
}
