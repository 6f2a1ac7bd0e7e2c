//! End-to-end tests of the `guestpack` binary: exit codes, atomic outputs, determinism.

use crate::common::*;
use std::path::Path;

fn pack_sample(out: &Path) -> std::process::Output {
    run(guestpack()
        .args(["--sample", "--quiet", "--out-dir"])
        .arg(out))
}

#[test]
fn sample_packs_identically_twice_and_across_thread_counts() {
    let t = tempfile::tempdir().unwrap();
    let (a, b, c) = (t.path().join("a"), t.path().join("b"), t.path().join("c"));
    let o = pack_sample(&a);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        listing(&a),
        vec!["guest-tools.iso", "guest-tools.zip", "manifest.json"]
    );
    assert!(pack_sample(&b).status.success());
    let o = run(guestpack()
        .args(["--sample", "--quiet", "--threads", "1", "--out-dir"])
        .arg(&c));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(output_hashes(&a), output_hashes(&b));
    assert_eq!(output_hashes(&a), output_hashes(&c));
}

#[test]
fn output_does_not_depend_on_path_spelling_cwd_or_container() {
    let t = tempfile::tempdir().unwrap();
    let drivers = t.path().join("work/drivers");
    write_tree(&guestpack::bundled::sample::sample_drivers(), &drivers);
    let embedded = t.path().join("embedded");
    // The sample's certificate goes along only under policy test: the folder copy is not "the
    // sample", so all variants are built for policy none (signatures reported, not required).
    let o = run(guestpack()
        .args([
            "--sample",
            "--signing-policy",
            "none",
            "--quiet",
            "--out-dir",
        ])
        .arg(&embedded));
    assert!(o.status.success(), "{}", stderr(&o));

    // Relative path from the parent directory.
    let rel_out = t.path().join("rel");
    let o = run(guestpack()
        .args(["--signing-policy", "none"])
        .current_dir(t.path().join("work"))
        .args([
            "--drivers-dir",
            "./drivers/../drivers",
            "--spec",
            "win7-virtio-win.json",
            "--quiet",
            "--out-dir",
        ])
        .arg(&rel_out));
    assert!(o.status.success(), "{}", stderr(&o));
    // Absolute path from somewhere else.
    let abs_out = t.path().join("abs");
    let o = run(guestpack()
        .args(["--signing-policy", "none"])
        .current_dir("/")
        .arg("--drivers-dir")
        .arg(&drivers)
        .arg("--spec")
        .arg(crate_root().join("specs/win7-virtio-win.json"))
        .args(["--quiet", "--out-dir"])
        .arg(&abs_out));
    assert!(o.status.success(), "{}", stderr(&o));
    // The same tree as a zip bundle inside a wrapper folder.
    let bundle = t.path().join("bundle.zip");
    zip_dir(&drivers, &bundle, "guest-drivers-ci-1234");
    let zip_out = t.path().join("zip");
    let o = run(guestpack()
        .args(["--signing-policy", "none"])
        .arg("--drivers-dir")
        .arg(&bundle)
        .args(["--spec", "win7-virtio-win.json", "--quiet", "--out-dir"])
        .arg(&zip_out));
    assert!(o.status.success(), "{}", stderr(&o));

    let want = output_hashes(&embedded);
    assert_eq!(output_hashes(&rel_out), want, "relative path");
    assert_eq!(output_hashes(&abs_out), want, "absolute path");
    assert_eq!(output_hashes(&zip_out), want, "zip bundle");
}

#[test]
fn rejected_input_names_the_culprit_and_writes_nothing() {
    let t = tempfile::tempdir().unwrap();
    let drivers = t.path().join("drivers");
    write_tree(&guestpack::bundled::sample::sample_drivers(), &drivers);
    std::fs::write(drivers.join("amd64/viostor/.signing-key.pfx"), b"secret").unwrap();
    std::fs::remove_dir_all(drivers.join("x86/netkvm")).unwrap();
    let out = t.path().join("out");
    let report = t.path().join("report.json");
    let o = run(guestpack()
        .arg("--drivers-dir")
        .arg(&drivers)
        .args(["--spec", "win7-virtio-win.json", "--out-dir"])
        .arg(&out)
        .arg("--report")
        .arg(&report));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("amd64/viostor/.signing-key.pfx"), "{err}");
    assert!(err.contains("netkvm") && err.contains("x86"), "{err}");
    assert!(
        !out.exists(),
        "output directory must not be created on rejection"
    );
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    let findings = json["findings"].as_array().unwrap();
    assert!(findings
        .iter()
        .any(|f| f["severity"] == "error" && f["path"].as_str().unwrap_or("").ends_with(".pfx")));
}

#[test]
fn rejection_leaves_an_existing_out_dir_untouched() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("keep.txt"), b"mine").unwrap();
    let drivers = t.path().join("drivers");
    write_tree(&guestpack::bundled::sample::sample_drivers(), &drivers);
    std::fs::remove_file(drivers.join("amd64/viostor/viostor.cat")).unwrap();
    let o = run(guestpack()
        .arg("--drivers-dir")
        .arg(&drivers)
        .args(["--spec", "win7-virtio-win.json", "--out-dir"])
        .arg(&out));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("viostor.cat"), "{}", stderr(&o));
    assert_eq!(listing(&out), vec!["keep.txt"]);
}

#[test]
fn invalid_source_date_epoch_is_an_error_not_zero() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("out");
    let o = run(guestpack()
        .env("SOURCE_DATE_EPOCH", "yesterday")
        .args(["--sample", "--out-dir"])
        .arg(&out));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("SOURCE_DATE_EPOCH"), "{}", stderr(&o));
    assert!(!out.exists());
}

#[test]
fn source_date_epoch_env_and_flag_agree_and_change_the_bytes() {
    let t = tempfile::tempdir().unwrap();
    let (a, b, c) = (t.path().join("a"), t.path().join("b"), t.path().join("c"));
    assert!(run(guestpack()
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .args(["--sample", "--quiet", "--out-dir"])
        .arg(&a))
    .status
    .success());
    assert!(run(guestpack()
        .args([
            "--sample",
            "--quiet",
            "--source-date-epoch",
            "1700000000",
            "--out-dir"
        ])
        .arg(&b))
    .status
    .success());
    assert!(pack_sample(&c).status.success());
    assert_eq!(output_hashes(&a), output_hashes(&b));
    assert_ne!(
        output_hashes(&a)["guest-tools.iso"],
        output_hashes(&c)["guest-tools.iso"]
    );
}

#[test]
fn help_documents_flags_and_exit_codes() {
    let o = run(guestpack().arg("--help"));
    assert!(o.status.success());
    let help = String::from_utf8_lossy(&o.stdout);
    for flag in [
        "--drivers-dir",
        "--guest-tools-dir",
        "--spec",
        "--out-dir",
        "--version",
        "--build-id",
        "--volume-id",
        "--signing-policy",
        "--source-date-epoch",
        "--windows-device-contract",
        "--report",
        "Exit codes",
    ] {
        assert!(help.contains(flag), "help lacks {flag}");
    }
}

#[test]
fn name_changes_output_stems_and_volume_label() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("out");
    let o = run(guestpack()
        .args([
            "--sample",
            "--quiet",
            "--name",
            "aero-guest-tools",
            "--out-dir",
        ])
        .arg(&out));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        listing(&out),
        vec![
            "aero-guest-tools.iso",
            "aero-guest-tools.zip",
            "manifest.json"
        ]
    );
    let iso = std::fs::read(out.join("aero-guest-tools.iso")).unwrap();
    // Primary volume descriptor, volume identifier field (bytes 40..72 of sector 16).
    assert_eq!(&iso[16 * 2048 + 40..16 * 2048 + 56], b"AERO_GUEST_TOOLS");
}

#[test]
fn real_virtio_drivers_pack_without_pdb_files() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("out");
    let o = run(guestpack()
        // The real INFs are not in their catalogs as the repository stores them
        // (tests/it/catalogs_real.rs): policy none keeps those findings warnings here.
        .args(["--signing-policy", "none"])
        .arg("--drivers-dir")
        .arg(virtio_drivers())
        .arg("--spec")
        .arg(crate_root().join("specs/virtio-win-8.1.json"))
        .args(["--quiet", "--out-dir"])
        .arg(&out));
    assert!(o.status.success(), "{}", stderr(&o));
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let paths: Vec<&str> = m["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&"drivers/amd64/viostor/viostor.sys"));
    assert!(paths.contains(&"drivers/x86/netkvm/netkvm.inf"));
    assert!(
        !paths.iter().any(|p| p.ends_with(".pdb")),
        "pdb files must be excluded"
    );
    let sys = paths.iter().filter(|p| p.ends_with(".sys")).count();
    assert_eq!(sys, 26, "13 drivers x 2 arches");
}

/// The CLI's ISO and zip, read back by the project's own readers, hold exactly the files of
/// the manifest with the recorded sizes and hashes (manifest.json itself included on media).
#[test]
fn media_read_back_match_the_manifest() {
    use guestpack::source::{MemSource, ReadAt};
    use std::sync::Arc;
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("out");
    assert!(pack_sample(&out).status.success());
    let manifest_bytes = std::fs::read(out.join("manifest.json")).unwrap();
    let manifest = guestpack::build::manifest::Manifest::parse(&manifest_bytes).unwrap();
    let iso: Arc<dyn ReadAt> = Arc::new(MemSource::new(
        std::fs::read(out.join("guest-tools.iso")).unwrap(),
    ));
    let zip: Arc<dyn ReadAt> = Arc::new(MemSource::new(
        std::fs::read(out.join("guest-tools.zip")).unwrap(),
    ));
    let iso_fs = guestpack::input::iso::IsoFs::open(iso, "guest-tools.iso").unwrap();
    assert_eq!(iso_fs.volume_id(), "GUEST_TOOLS");
    let trees = [
        ("iso", iso_fs.to_vtree().unwrap()),
        (
            "zip",
            guestpack::input::zip::read_zip(zip, "guest-tools.zip", &Default::default()).unwrap(),
        ),
    ];
    for (what, tree) in trees {
        let mut want: Vec<String> = manifest.files.iter().map(|f| f.path.clone()).collect();
        want.push("manifest.json".into());
        want.sort();
        let got: Vec<String> = tree.files().map(|(p, _)| p.to_string()).collect();
        assert_eq!(got, want, "{what}: file list");
        for entry in &manifest.files {
            let content = tree.get(&entry.path).unwrap();
            let (size, sha, _) = guestpack::source::digest::digest(content.as_ref()).unwrap();
            assert_eq!(
                (size, guestpack::source::digest::hex(&sha)),
                (entry.size, entry.sha256.clone()),
                "{what}: {}",
                entry.path
            );
        }
        let m =
            guestpack::source::read_to_vec(tree.get("manifest.json").unwrap().as_ref(), 1 << 20)
                .unwrap();
        assert_eq!(
            m, manifest_bytes,
            "{what}: manifest on the media equals the one beside it"
        );
    }
}
