//! Embeds `guest-tools/` and `specs/` into the crate so the binary and the wasm module carry
//! the default payload and the shipped specs without touching a filesystem at run time.
//! Files are listed in sorted order so the generated code (and thus the binary) is stable.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let root =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    // One file each: the shipped specs are read by validation, the guest tools by the bundle.
    for (name, dir, recursive, file) in [
        (
            "GUEST_TOOLS",
            "guest-tools",
            true,
            "embedded_guest_tools.rs",
        ),
        ("SPECS", "specs", false, "embedded_specs.rs"),
    ] {
        let mut out = String::new();
        let base = root.join(dir);
        println!("cargo:rerun-if-changed={}", base.display());
        let mut files = Vec::new();
        if base.is_dir() {
            collect(&base, &base, recursive, &mut files);
        }
        files.sort();
        writeln!(out, "pub static {name}: &[(&str, &[u8])] = &[").unwrap();
        for (rel, abs) in files {
            writeln!(
                out,
                "    ({rel:?}, include_bytes!({:?})),",
                abs.display().to_string()
            )
            .unwrap();
        }
        writeln!(out, "];").unwrap();
        std::fs::write(out_dir.join(file), out).expect("write the embedded file list");
    }
}

fn collect(base: &Path, dir: &Path, recursive: bool, out: &mut Vec<(String, PathBuf)>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            if recursive {
                collect(base, &p, recursive, out);
            }
        } else if let Ok(rel) = p.strip_prefix(base) {
            let rel = rel.to_string_lossy().replace('\\', "/");
            out.push((rel, p));
        }
    }
}
