//! ARM64 as a third architecture: the real virtio-win 8.1 drivers (x86, amd64) with ARM64
//! driver folders generated like the sample's (INF decorated `NTarm64`, catalog for
//! `_v100_ARM64`) make a three-architecture medium that independent readers open; a spec that
//! does not carry arm64 leaves those folders out with a warning; a spec that does requires its
//! required drivers there too; an amd64 build in the arm64 folder is caught.

use crate::common::*;
use crate::iso_readers::readers_agree;
use guestpack::bundled::sample::sample_drivers_for;
use guestpack::source::vtree::VTree;
use guestpack::validate::layout::Arch;
use sha2::{Digest, Sha256};
use std::path::Path;

/// The real drivers under `x86/` and `amd64/`, and generated viostor, netkvm and vioinput
/// under `ARM64/` (the upper-case spelling upstream uses).
fn three_arch_tree() -> VTree {
    let mut t = guestpack::native::read_dir_tree(&virtio_drivers()).unwrap();
    for (p, c) in sample_drivers_for(&[Arch::Arm64]).files() {
        t.insert(format!("ARM{}", &p[3..]), c.clone());
    }
    t
}

/// win7-virtio-win.json (viostor and netkvm required) with a top-level `arches`.
fn spec_with_arches(arches: Option<&[&str]>) -> String {
    let text = guestpack::bundled::embedded::spec_file("win7-virtio-win.json").unwrap();
    let mut v: serde_json::Value = serde_json::from_slice(text).unwrap();
    if let Some(a) = arches {
        v["arches"] = serde_json::json!(a);
    }
    v.to_string()
}

/// Runs the CLI on `tree` with `spec`; returns (exit code, stderr, output dir).
fn package(tree: &VTree, spec: &str, dir: &Path) -> (i32, String) {
    let input = dir.join("in");
    write_tree(tree, &input);
    let spec_path = dir.join("spec.json");
    std::fs::write(&spec_path, spec).unwrap();
    let o = run(guestpack()
        .arg("--drivers-dir")
        .arg(&input)
        .arg("--spec")
        .arg(&spec_path)
        .args(["--signing-policy", "none", "--out-dir"])
        .arg(dir.join("out")));
    (o.status.code().unwrap_or(-1), stderr(&o))
}

#[test]
fn a_three_architecture_medium_opens_cleanly_in_independent_readers() {
    let dir = tempfile::tempdir().unwrap();
    let (code, err) = package(
        &three_arch_tree(),
        &spec_with_arches(Some(&["x86", "amd64", "arm64"])),
        dir.path(),
    );
    assert_eq!(code, 0, "{err}");
    let out = dir.path().join("out");
    let iso = out.join("guest-tools.iso");
    let iso = iso.to_str().unwrap();
    let mut want = manifest_files(&out);
    want.insert(
        "manifest.json".into(),
        sha256_file(&out.join("manifest.json")),
    );
    for arch in ["x86", "amd64", "arm64"] {
        for d in ["viostor", "netkvm"] {
            let inf = format!("drivers/{arch}/{d}/{d}.inf");
            assert!(want.contains_key(&inf), "{inf} not on the medium: {want:?}");
        }
    }
    // The arm64 INF on the medium is the generated one, byte for byte.
    let arm_inf = guestpack::source::read_to_vec(
        three_arch_tree()
            .get("ARM64/viostor/viostor.inf")
            .unwrap()
            .as_ref(),
        u64::MAX,
    )
    .unwrap();
    assert_eq!(
        want["drivers/arm64/viostor/viostor.inf"],
        hex(&Sha256::digest(&arm_inf))
    );

    readers_agree(iso, &dir.path().join("xorriso"), &want);
}

#[test]
fn arm64_folders_are_left_out_with_a_warning_when_the_spec_does_not_carry_them() {
    let dir = tempfile::tempdir().unwrap();
    let (code, err) = package(&three_arch_tree(), &spec_with_arches(None), dir.path());
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("warning[LAY014]") && err.contains("\"ARM64\" holds arm64 drivers"),
        "{err}"
    );
    assert!(
        err.contains("\"arches\": [\"x86\", \"amd64\", \"arm64\"]"),
        "{err}"
    );
    let files = manifest_files(&dir.path().join("out"));
    assert!(files.keys().all(|p| !p.starts_with("drivers/arm64/")));
    assert!(files.contains_key("drivers/amd64/viostor/viostor.inf"));
}

#[test]
fn required_drivers_are_required_on_every_listed_architecture() {
    let dir = tempfile::tempdir().unwrap();
    let tree = guestpack::native::read_dir_tree(&virtio_drivers()).unwrap();
    let (code, err) = package(
        &tree,
        &spec_with_arches(Some(&["x86", "amd64", "arm64"])),
        dir.path(),
    );
    assert_eq!(code, 1, "{err}");
    for d in ["viostor", "netkvm"] {
        assert!(
            err.contains(&format!("required driver \"{d}\" is missing for arm64")),
            "{err}"
        );
    }
    assert!(
        !dir.path().join("out").exists(),
        "nothing written on failure"
    );
}

#[test]
fn an_amd64_build_in_the_arm64_folder_is_caught_by_its_inf_and_its_catalog() {
    let dir = tempfile::tempdir().unwrap();
    let mut tree = three_arch_tree();
    let real = guestpack::native::read_dir_tree(&virtio_drivers()).unwrap();
    let mut moved = VTree::new();
    for (p, c) in tree.files() {
        if !p.starts_with("ARM64/viostor/") {
            moved.insert(p, c.clone());
        }
    }
    for (p, c) in real.files() {
        if let Some(rest) = p.strip_prefix("amd64/viostor/") {
            moved.insert(format!("ARM64/viostor/{rest}"), c.clone());
        }
    }
    tree = moved;
    let (code, err) = package(
        &tree,
        &spec_with_arches(Some(&["x86", "amd64", "arm64"])),
        dir.path(),
    );
    assert_eq!(code, 1, "{err}");
    let inf010: Vec<&str> = err.lines().filter(|l| l.contains("INF010")).collect();
    assert_eq!(inf010.len(), 1, "{err}");
    assert!(
        inf010[0].starts_with("drivers/arm64/viostor/viostor.inf:"),
        "{}",
        inf010[0]
    );
    assert!(inf010[0].contains("NTamd64"), "{}", inf010[0]);
    assert!(
        err.lines()
            .any(|l| l.contains("CAT005") && l.contains("another architecture than arm64")),
        "{err}"
    );
}

/// An ARM64 INF that names its catalog only as `CatalogFile.NTamd64` has none on ARM64
/// Windows: CAT001 (a warning under policy none, as any missing catalog) names the key and its
/// line and the keys ARM64 reads.
#[test]
fn a_catalog_named_only_for_amd64_is_no_catalog_on_arm64() {
    let dir = tempfile::tempdir().unwrap();
    let mut tree = three_arch_tree();
    let path = "ARM64/netkvm/netkvm.inf";
    let content = tree.get(path).expect("the ARM64 netkvm INF");
    let bytes = guestpack::source::read_to_vec(content.as_ref(), 1 << 20).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    let line = text
        .lines()
        .position(|l| l.to_ascii_lowercase().starts_with("catalogfile"))
        .expect("a CatalogFile line")
        + 1;
    let edited = text.replacen("CatalogFile", "CatalogFile.NTamd64", 1);
    assert_ne!(edited, text);
    tree.insert(
        path,
        std::sync::Arc::new(guestpack::source::MemContent::new(edited.into_bytes())),
    );
    let (code, err) = package(
        &tree,
        &spec_with_arches(Some(&["x86", "amd64", "arm64"])),
        dir.path(),
    );
    assert_eq!(code, 0, "{err}");
    let want = format!(
        "\"drivers/arm64/netkvm/netkvm.inf\" names a catalog only for other platforms: CatalogFile.NTamd64 (line {line}); Windows on arm64 reads CatalogFile.NTarm64, CatalogFile.NT or CatalogFile"
    );
    assert!(
        err.lines()
            .any(|l| l.contains("CAT001") && l.contains(&want)),
        "{err}"
    );
}
