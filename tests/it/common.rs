//! Helpers shared by the integration tests: run the built CLI, hash outputs, lay out trees.

use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const OUTPUTS: [&str; 3] = ["guest-tools.iso", "guest-tools.zip", "manifest.json"];

pub fn crate_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The real virtio-win driver set kept beside the project (never copied into it).
pub fn virtio_drivers() -> PathBuf {
    let p = crate_root().join("../shared/data/virtio-win-8.1/drivers");
    assert!(p.is_dir(), "real driver data missing at {}", p.display());
    p
}

pub fn guestpack() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_guestpack"));
    c.env_remove("SOURCE_DATE_EPOCH");
    for var in guestpack::validate::signing::ENV_VARS {
        c.env_remove(var);
    }
    c
}

pub fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("run guestpack")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn sha256_file(p: &Path) -> String {
    let bytes = std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    hex(&Sha256::digest(&bytes))
}

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// SHA-256 of each of the three outputs in `dir`.
pub fn output_hashes(dir: &Path) -> BTreeMap<String, String> {
    OUTPUTS
        .iter()
        .map(|n| (n.to_string(), sha256_file(&dir.join(n))))
        .collect()
}

/// Entries of a directory (names), sorted; empty if it does not exist.
pub fn listing(dir: &Path) -> Vec<String> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut v: Vec<String> = rd
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Writes a virtual tree to disk under `dir`.
pub fn write_tree(tree: &guestpack::source::vtree::VTree, dir: &Path) {
    for (path, content) in tree.files() {
        let dest = dir.join(path);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        let bytes = guestpack::source::read_to_vec(content.as_ref(), u64::MAX).unwrap();
        std::fs::write(dest, bytes).unwrap();
    }
}

/// Zips `dir` with Python's zipfile (an independent writer), entries under `prefix/`.
pub fn zip_dir(dir: &Path, zip: &Path, prefix: &str) {
    let script = r#"
import os, sys, zipfile
src, dst, prefix = sys.argv[1], sys.argv[2], sys.argv[3]
with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as z:
    for root, dirs, files in os.walk(src):
        dirs.sort()
        for f in sorted(files):
            full = os.path.join(root, f)
            rel = os.path.relpath(full, src).replace(os.sep, "/")
            z.write(full, (prefix + "/" + rel) if prefix else rel)
"#;
    let st = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(dir)
        .arg(zip)
        .arg(prefix)
        .status()
        .expect("python3");
    assert!(st.success(), "python3 zipfile failed");
}

/// Copies a directory tree.
pub fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for e in std::fs::read_dir(src).unwrap() {
        let e = e.unwrap();
        let to = dst.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to);
        } else {
            std::fs::copy(e.path(), &to).unwrap();
        }
    }
}

/// The manifest.json in `out` as path -> SHA-256, the files the media hold.
pub fn manifest_files(out: &Path) -> BTreeMap<String, String> {
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    m["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["sha256"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}
