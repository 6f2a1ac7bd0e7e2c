//! Media for several Windows versions (`--os w10,w11,2k22`) from an upstream-shaped tree of
//! the real virtio-win drivers: one OS folder per Windows under `drivers/`, each validated as
//! media of its own, a file the folders share stored once on the ISO, and media for one OS
//! unchanged.

use crate::common::*;
use crate::iso_readers::{readers_agree, run_ok};
use crate::upstream_layout::{upstream_tree, upstream_tree_without};
use guestpack::source::vtree::VTree;
use std::path::Path;

/// Runs the CLI on `tree` for `os` with virtio-win.json; (exit code, stderr).
fn package(tree: &VTree, os: &str, dir: &Path, out: &str) -> (i32, String) {
    let input = dir.join("virtio-win");
    if !input.exists() {
        write_tree(tree, &input);
    }
    let o = run(guestpack()
        .arg("--drivers-dir")
        .arg(&input)
        .args(["--os", os, "--spec", "virtio-win.json"])
        .args(["--signing-policy", "none", "--report"])
        .arg(dir.join(format!("{out}.json")))
        .arg("--out-dir")
        .arg(dir.join(out)));
    (o.status.code().unwrap_or(-1), stderr(&o))
}

fn json(p: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

#[test]
fn three_windows_on_one_medium_each_in_its_folder_with_shared_files_stored_once() {
    let dir = tempfile::tempdir().unwrap();
    let (code, err) = package(&upstream_tree(), "w10,w11,2k22", dir.path(), "out");
    assert_eq!(code, 0, "{err}");
    let out = dir.path().join("out");
    let m = json(&out.join("manifest.json"));
    assert_eq!(
        m["os_folders"],
        serde_json::json!([
            {"name": "w10", "nt_version": "10.0"},
            {"name": "w11", "nt_version": "10.0"},
            {"name": "2k22", "nt_version": "10.0"}
        ])
    );
    let mut want = manifest_files(&out);
    // Each OS folder holds the architectures that Windows has, and nothing else.
    let archs_of = |os: &str| -> Vec<&str> {
        ["x86", "amd64", "arm64"]
            .into_iter()
            .filter(|a| {
                want.keys()
                    .any(|p| p.starts_with(&format!("drivers/{os}/{a}/")))
            })
            .collect()
    };
    assert_eq!(archs_of("w10"), ["x86", "amd64", "arm64"]);
    assert_eq!(archs_of("w11"), ["amd64", "arm64"]);
    assert_eq!(archs_of("2k22"), ["amd64"]);
    for p in want.keys().filter(|p| p.starts_with("drivers/")) {
        let second = p.split('/').nth(1).unwrap();
        assert!(
            ["w10", "w11", "2k22"].contains(&second) || p == "drivers/README.md",
            "{p} is outside the OS folders"
        );
    }
    for p in [
        "drivers/w10/x86/vioserial/vioser.inf",
        "drivers/w11/arm64/vioscsi/vioscsi.inf",
        "drivers/2k22/amd64/NetKVM/netkvm.inf",
    ] {
        assert!(want.contains_key(p), "{p} is not on the medium");
    }
    // The manifest's catalogs say which OS folder each is in.
    let drivers = m["drivers"].as_array().unwrap();
    assert!(drivers.iter().any(|d| d["os"] == "w11"
        && d["arch"] == "arm64"
        && d["catalog"] == "drivers/w11/arm64/vioscsi/vioscsi.cat"));
    assert!(drivers.iter().all(|d| d["catalog"]
        .as_str()
        .unwrap()
        .starts_with(&format!("drivers/{}/", d["os"].as_str().unwrap()))));

    // The report: every package row and layout driver names its OS folder.
    let r = json(&dir.path().join("out.json"));
    let oses: std::collections::BTreeSet<&str> = r["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["os"].as_str().unwrap())
        .collect();
    assert_eq!(oses.into_iter().collect::<Vec<_>>(), ["2k22", "w10", "w11"]);
    assert_eq!(r["layout"]["osFolders"][2]["from"], "2k22");

    // Independent readers open it; the amd64 binaries the three folders share are one extent.
    want.insert(
        "manifest.json".into(),
        sha256_file(&out.join("manifest.json")),
    );
    let iso = out.join("guest-tools.iso");
    let iso = iso.to_str().unwrap();
    readers_agree(iso, &dir.path().join("xorriso"), &want);
    let script = "import sys, pycdlib\niso = pycdlib.PyCdlib(); iso.open(sys.argv[1])\nfor p in sys.argv[2:]:\n    print(iso.get_record(joliet_path=p).extent_location())\n";
    let extents: Vec<String> = run_ok(
        "python3",
        &[
            "-c",
            script,
            iso,
            "/drivers/w10/amd64/viostor/viostor.sys",
            "/drivers/w11/amd64/viostor/viostor.sys",
            "/drivers/2k22/amd64/viostor/viostor.sys",
            "/drivers/w10/x86/viostor/viostor.sys",
        ],
    )
    .lines()
    .map(String::from)
    .collect();
    assert_eq!(extents.len(), 4, "{extents:?}");
    assert!(
        extents[0] == extents[1] && extents[1] == extents[2],
        "{extents:?}"
    );
    assert_ne!(extents[0], extents[3]);
}

#[test]
fn one_os_named_twice_is_media_for_one_os_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let tree = upstream_tree();
    let (code, err) = package(&tree, "w11", dir.path(), "one");
    assert_eq!(code, 0, "{err}");
    let (code, err) = package(&tree, "w11, W11", dir.path(), "twice");
    assert_eq!(code, 0, "{err}");
    let one = output_hashes(&dir.path().join("one"));
    assert_eq!(one, output_hashes(&dir.path().join("twice")));
    let m = json(&dir.path().join("one").join("manifest.json"));
    assert!(m.get("os_folders").is_none());
    assert!(m["files"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["path"] == "drivers/amd64/viostor/viostor.inf"));
}

#[test]
fn a_problem_of_one_os_names_that_os_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let tree = upstream_tree_without("vioscsi/w11/ARM64/");
    let (code, err) = package(&tree, "w10,w11", dir.path(), "out");
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("w11: required driver \"vioscsi\" is missing for arm64"),
        "{err}"
    );
    assert!(!err.contains("w10: required driver"), "{err}");
    // The coverage matrix says the same at a glance, in the report and on the terminal.
    let cov = &json(&dir.path().join("out.json"))["coverage"];
    let col = |os: &str, arch: &str| {
        let want = serde_json::json!({"os": os, "arch": arch});
        cov["columns"]
            .as_array()
            .unwrap()
            .iter()
            .position(|c| *c == want)
    };
    let row = cov["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["driver"] == "vioscsi");
    let cells = &row.expect("a vioscsi row")["cells"];
    assert_eq!(cells[col("w11", "arm64").unwrap()], "missing-required");
    assert_eq!(cells[col("w10", "arm64").unwrap()], "present");
    assert_eq!(col("w11", "x86"), None, "w11 has no x86 column: {cov}");
    let line = err.lines().find(|l| l.trim_start().starts_with("vioscsi "));
    let words: Vec<&str> = line.unwrap_or_default().split_whitespace().collect();
    let ci = col("w11", "arm64").unwrap();
    assert_eq!(words.get(1 + ci), Some(&"MISSING"), "{err}");
    assert_eq!(
        words.len(),
        1 + cov["columns"].as_array().unwrap().len(),
        "{err}"
    );
    // Paths in messages are the media's: under the OS folder.
    assert!(
        err.contains("w10: catalog \"drivers/w10/amd64/viostor/viostor.cat\" does not cover w10"),
        "{err}"
    );
    assert!(!dir.path().join("out").exists());
}

#[test]
fn unknown_windows_and_inputs_without_os_folders_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let (code, err) = package(&upstream_tree(), "w10,w99", dir.path(), "out");
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("error[LAY015]") && err.contains("\"w99\" in --os"),
        "{err}"
    );
    let o = run(guestpack()
        .args([
            "--sample",
            "--os",
            "w7,w10",
            "--signing-policy",
            "none",
            "--out-dir",
        ])
        .arg(dir.path().join("sample")));
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("error[LAY016]"), "{err}");
    assert!(!dir.path().join("sample").exists());
}
