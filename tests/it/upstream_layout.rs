//! virtio-win as upstream lays it out: product folders (`NetKVM`, `vioserial`, `sriov`,
//! `Balloon`) over `<os>/<ARCH>/`, the Windows 10 build also under the server folders, ARM64
//! only from Windows 10 and no x86 for Windows 11 and the servers. Made from the real
//! virtio-win 8.1 drivers (renamed to upstream's folders) and generated ARM64 builds; the
//! shipped `virtio-win.json` must package every OS folder it holds, under upstream's names.

use crate::common::*;
use guestpack::bundled::sample::{sample_drivers_for, signed_catalog};
use guestpack::source::vtree::VTree;
use guestpack::source::MemContent;
use guestpack::validate::layout::Arch;
use std::sync::Arc;

/// Per-INF folder names of the shared data → upstream's product folder names.
const UPSTREAM: &[(&str, &str)] = &[
    ("balloon", "Balloon"),
    ("netkvm", "NetKVM"),
    ("vioser", "vioserial"),
    ("vioprot", "sriov"),
];

fn upstream_name(folder: &str) -> String {
    UPSTREAM
        .iter()
        .find(|(from, _)| *from == folder)
        .map_or(folder.to_string(), |(_, to)| to.to_string())
}

/// The ARM64 builds: the sample's viostor and netkvm, and a vioscsi made from its viostor
/// (INF renamed, storage IDs of virtio-scsi, its own catalog).
fn arm64_drivers() -> Vec<(String, Vec<u8>)> {
    let sample = sample_drivers_for(&[Arch::Arm64]);
    let mut out = Vec::new();
    for (p, c) in sample.files() {
        let bytes = guestpack::source::read_to_vec(c.as_ref(), u64::MAX).unwrap();
        let rel = p.strip_prefix("arm64/").unwrap();
        if rel.starts_with("viostor/") || rel.starts_with("netkvm/") {
            out.push((rel.to_string(), bytes));
        }
    }
    let inf = out
        .iter()
        .find(|(p, _)| p == "viostor/viostor.inf")
        .unwrap()
        .1
        .clone();
    let inf = String::from_utf8(inf)
        .unwrap()
        .replace("viostor", "vioscsi")
        .replace("DEV_1042", "DEV_1048")
        .replace("DEV_1001", "DEV_1004")
        .into_bytes();
    let sys = out
        .iter()
        .find(|(p, _)| p == "viostor/viostor.sys")
        .unwrap()
        .1
        .clone();
    let cat = signed_catalog("arm64", &[("vioscsi.inf", &inf), ("vioscsi.sys", &sys)]);
    out.push(("vioscsi/vioscsi.inf".into(), inf));
    out.push(("vioscsi/vioscsi.sys".into(), sys));
    out.push(("vioscsi/vioscsi.cat".into(), cat));
    out
}

/// `<Product>/<os>/<ARCH>/` for w10 (x86, amd64, ARM64), w11 (amd64, ARM64) and 2k22 (amd64).
pub(crate) fn upstream_tree() -> VTree {
    let real = guestpack::native::read_dir_tree(&virtio_drivers()).unwrap();
    let mut t = VTree::new();
    for (p, c) in real.files() {
        let (arch, rest) = p.split_once('/').unwrap();
        let (driver, file) = rest.split_once('/').unwrap();
        let oses: &[&str] = if arch == "x86" {
            &["w10"]
        } else {
            &["w10", "w11", "2k22"]
        };
        for os in oses {
            t.insert(
                format!("{}/{os}/{arch}/{file}", upstream_name(driver)),
                c.clone(),
            );
        }
    }
    for (p, bytes) in arm64_drivers() {
        let (driver, file) = p.split_once('/').unwrap();
        let bytes = Arc::new(MemContent::new(bytes));
        for os in ["w10", "w11"] {
            t.insert(
                format!("{}/{os}/ARM64/{file}", upstream_name(driver)),
                bytes.clone(),
            );
        }
    }
    t
}

#[test]
fn the_upstream_layout_packages_with_virtio_win_json_for_every_os_folder() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("virtio-win");
    write_tree(&upstream_tree(), &input);
    for (os, arches) in [
        ("w10", &["amd64", "arm64", "x86"][..]),
        ("w11", &["amd64", "arm64"][..]),
        ("2k22", &["amd64"][..]),
    ] {
        let out = dir.path().join(format!("out-{os}"));
        let o = run(guestpack()
            .arg("--drivers-dir")
            .arg(&input)
            .args(["--os", os, "--spec", "virtio-win.json"])
            .args(["--signing-policy", "none", "--out-dir"])
            .arg(&out));
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(0), "{os}: {err}");
        assert!(!err.contains("error["), "{os}: {err}");
        assert_eq!(listing(&out.join("..").join(format!("out-{os}"))).len(), 3);
        let m: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
        let paths: Vec<&str> = m["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["path"].as_str().unwrap())
            .collect();
        let on_media: Vec<&str> = ["x86", "amd64", "arm64"]
            .into_iter()
            .filter(|a| {
                paths
                    .iter()
                    .any(|p| p.starts_with(&format!("drivers/{a}/")))
            })
            .collect();
        let mut want = arches.to_vec();
        want.sort_by_key(|a| ["x86", "amd64", "arm64"].iter().position(|x| x == a));
        assert_eq!(on_media, want, "{os}");
        // Upstream's names on the media: the vioser INF under vioserial, vioprot under sriov.
        assert!(
            paths.contains(&"drivers/amd64/vioserial/vioser.inf"),
            "{os}: {paths:?}"
        );
        assert!(
            paths.contains(&"drivers/amd64/sriov/vioprot.inf"),
            "{os}: {paths:?}"
        );
        assert!(
            paths.contains(&"drivers/amd64/NetKVM/netkvm.inf"),
            "{os}: {paths:?}"
        );
        if arches.contains(&"arm64") {
            assert!(paths.contains(&"drivers/arm64/vioscsi/vioscsi.inf"), "{os}");
        }
    }
}

/// [`upstream_tree`] without the files under `prefix`.
pub(crate) fn upstream_tree_without(prefix: &str) -> VTree {
    let mut tree = VTree::new();
    for (p, c) in upstream_tree().files() {
        if !p.starts_with(prefix) {
            tree.insert(p, c.clone());
        }
    }
    tree
}

#[test]
fn a_required_driver_missing_on_an_architecture_that_windows_has_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let tree = upstream_tree_without("vioscsi/w11/ARM64/");
    let input = dir.path().join("virtio-win");
    write_tree(&tree, &input);
    let o = run(guestpack()
        .arg("--drivers-dir")
        .arg(&input)
        .args(["--os", "w11", "--spec", "virtio-win.json"])
        .args(["--signing-policy", "none", "--out-dir"])
        .arg(dir.path().join("out")));
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("required driver \"vioscsi\" is missing for arm64"),
        "{err}"
    );
    // Windows 11 has no x86: no finding asks for x86 drivers.
    assert!(!err.contains("missing for x86"), "{err}");
}
