//! The spec's tools: installers taken from the guest-tools payload's `tools/<name>/` or from a
//! virtio-win input's `guest-agent/`, checked by their bytes (MSI packages by their database,
//! programs by their machine type) and described to setup.cmd in `config/tools.cmd`.

use crate::common::*;
use crate::installer_maker::{self as maker, AMD64, ARM64, I386};
use crate::upstream_layout::upstream_tree;
use crate::validate_util::*;
use guestpack::diag::Severity;
use guestpack::source::{read_to_vec, MemContent};
use std::process::Command;
use std::sync::Arc;

const QEMU_GA: &str = r#"{"name":"qemu-ga","aliases":["guest-agent"],
  "installers":{"x86":"qemu-ga-i386.msi","amd64":"qemu-ga-x86_64.msi"}}"#;

/// The baseline case with `tools` in its spec and a setup.cmd that reads config\tools.cmd.
fn case_with(tools: &str) -> Case {
    let mut c = Case::base();
    c.spec = c.spec.replacen('{', &format!("{{\"tools\":[{tools}],"), 1);
    c.add_gt_file("setup.cmd", b"call \"%~dp0config\\tools.cmd\"\r\n");
    c
}

fn with_qemu_ga_in_payload(c: &mut Case) {
    for (name, bytes) in maker::qemu_ga() {
        c.add_gt_file(&format!("tools/qemu-ga/{name}"), &bytes);
    }
}

fn staged_text(s: &guestpack::validate::Staged, path: &str) -> String {
    let (_, c) = s.files.iter().find(|(p, _)| p == path).unwrap();
    String::from_utf8(read_to_vec(c.as_ref(), u64::MAX).unwrap()).unwrap()
}

#[test]
fn a_tool_in_the_payload_is_staged_checked_and_described_to_setup() {
    let mut c = case_with(QEMU_GA);
    with_qemu_ga_in_payload(&mut c);
    let (r, s) = c.run();
    assert_clean(&r);
    let p = paths(&s);
    assert!(p.contains(&"tools/qemu-ga/qemu-ga-i386.msi"), "{p:?}");
    assert!(p.contains(&"tools/qemu-ga/qemu-ga-x86_64.msi"), "{p:?}");
    let t = &s.tools[0];
    assert_eq!(
        (t.name.as_str(), t.source.as_deref()),
        ("qemu-ga", Some("tools/qemu-ga"))
    );
    let codes: Vec<_> = t
        .installers
        .iter()
        .map(|i| {
            (
                i.arch.as_str(),
                i.msi.as_ref().unwrap().product_code.as_str(),
            )
        })
        .collect();
    assert_eq!(
        codes,
        vec![
            ("x86", maker::product_code("Intel")),
            ("amd64", maker::product_code("x64"))
        ]
    );
    let cmd = staged_text(&s, "config/tools.cmd");
    assert!(cmd.contains("set \"GT_TOOL_COUNT=1\"\r\n"), "{cmd}");
    assert!(cmd.contains("set \"GT_TOOL1_NAME=qemu-ga\"\r\n"), "{cmd}");
    assert!(
        cmd.contains("set \"GT_TOOL1_AMD64=qemu-ga-x86_64.msi\"\r\n"),
        "{cmd}"
    );
    assert!(
        cmd.contains(&format!(
            "set \"GT_TOOL1_X86_CODE={}\"\r\n",
            maker::product_code("Intel")
        )),
        "{cmd}"
    );
    // The media carries no arm64: no installer is named for it.
    assert!(cmd.contains("set \"GT_TOOL1_ARM64=\"\r\n"), "{cmd}");
    assert!(!cmd.contains('\n') || cmd.split('\n').all(|l| l.is_empty() || l.ends_with('\r')));
}

#[test]
fn missing_tools_and_installers_are_errors_when_required_warnings_when_not() {
    let (r, s) = case_with(QEMU_GA).run();
    let f = one(&r, "TOOL001");
    assert_eq!(f.severity, Severity::Error);
    assert!(
        f.message.contains("tool \"qemu-ga\" is missing"),
        "{}",
        f.message
    );
    assert_eq!(s.tools[0].state, guestpack::validate::PackageState::Missing);

    let optional = QEMU_GA.replacen('{', "{\"required\":false,", 1);
    let (r, _) = case_with(&optional).run();
    assert_eq!(one(&r, "TOOL001").severity, Severity::Warning);
    assert!(errors(&r).is_empty(), "{:#?}", r.findings);

    let mut c = case_with(QEMU_GA);
    with_qemu_ga_in_payload(&mut c);
    c.remove_gt("tools/qemu-ga/qemu-ga-i386.msi");
    let (r, _) = c.run();
    let f = one(&r, "TOOL003");
    assert_eq!(f.severity, Severity::Error);
    assert!(f.message.contains("x86 installer \"qemu-ga-i386.msi\" is not in the tool folder (it holds qemu-ga-x86_64.msi)"), "{}", f.message);
    assert_eq!(f.path.as_deref(), Some("tools/qemu-ga/qemu-ga-i386.msi"));

    // No installer named for an architecture the media carries.
    let amd64_only = r#"{"name":"qemu-ga","installers":{"amd64":"qemu-ga-x86_64.msi"}}"#;
    let mut c = case_with(amd64_only);
    with_qemu_ga_in_payload(&mut c);
    let (r, _) = c.run();
    assert!(one(&r, "TOOL002").message.contains("no installer for x86"));
}

#[test]
fn installers_that_are_not_what_they_claim_are_errors() {
    let mut c = case_with(QEMU_GA);
    with_qemu_ga_in_payload(&mut c);
    let (r, _) = {
        // The two packages swapped: each is the other architecture's.
        let q = maker::qemu_ga();
        c.add_gt_file("tools/qemu-ga/qemu-ga-i386.msi", &q[1].1);
        c.add_gt_file("tools/qemu-ga/qemu-ga-x86_64.msi", &q[0].1);
        c.run()
    };
    let f = with_code(&r, "TOOL004");
    assert_eq!(f.len(), 2, "{:#?}", r.findings);
    assert!(
        f[0].message.contains("is a package for the x64 platform"),
        "{}",
        f[0].message
    );
    assert!(
        f[1].message.contains("is a package for the Intel platform"),
        "{}",
        f[1].message
    );

    // A renamed zip, an OLE file that is no installer, a truncated package.
    let msi = maker::qemu_ga()[0].1.clone();
    let mut ole = msi[..512].to_vec();
    ole.resize(4096, 0);
    for (bytes, says) in [
        (b"PK\x03\x04 a zip".to_vec(), "not an OLE compound file"),
        (ole, "not a Windows Installer package"),
        (
            msi[..msi.len() / 2].to_vec(),
            "not a Windows Installer package",
        ),
    ] {
        let mut c = case_with(QEMU_GA);
        with_qemu_ga_in_payload(&mut c);
        c.add_gt_file("tools/qemu-ga/qemu-ga-i386.msi", &bytes);
        let (r, _) = c.run();
        let f = one(&r, "TOOL004");
        assert!(f.message.contains(says), "{says}: {}", f.message);
        assert_eq!(f.path.as_deref(), Some("tools/qemu-ga/qemu-ga-i386.msi"));
    }
}

#[test]
fn programs_must_run_on_the_architecture_they_are_named_for() {
    let tool = r#"{"name":"agent","installers":{"x86":"a32.exe","amd64":"a64.exe"},"args":["/S"],
        "uninstall":{"run":"%ProgramFiles%\\Agent\\uninst.exe","args":["/S"]}}"#;
    let run = |x86: u16, amd64: u16| {
        let mut c = case_with(tool);
        c.add_gt_file("tools/agent/a32.exe", &maker::pe(x86));
        c.add_gt_file("tools/agent/a64.exe", &maker::pe(amd64));
        c.run().0
    };
    // An x86 program installs on amd64 Windows too (WOW64).
    assert_clean(&run(I386, AMD64));
    assert_clean(&run(I386, I386));
    let r = run(AMD64, ARM64);
    let f = with_code(&r, "TOOL004");
    assert_eq!(f.len(), 2, "{:#?}", r.findings);
    assert!(
        f[0].message
            .contains("a program for amd64, which does not run on x86"),
        "{}",
        f[0].message
    );
    assert!(
        f[1].message
            .contains("a program for arm64, which does not run on amd64"),
        "{}",
        f[1].message
    );
    // Without an uninstall command, uninstall.cmd cannot remove it: said once per installer.
    let mut c = case_with(r#"{"name":"agent","installers":{"all":"a32.exe"}}"#);
    c.add_gt_file("tools/agent/a32.exe", &maker::pe(I386));
    let (r, _) = c.run();
    assert_eq!(with_code(&r, "TOOL006").len(), 1, "{:#?}", r.findings);
    assert!(errors(&r).is_empty(), "{:#?}", r.findings);
}

#[test]
fn unlisted_tool_folders_are_copied_and_reported_and_old_scripts_are_warned_about() {
    let mut c = Case::base();
    c.add_gt_file("tools/extra/readme.txt", b"x");
    let (r, s) = c.run();
    assert!(one(&r, "TOOL005")
        .message
        .contains("tools/extra/ is copied as it is"));
    assert!(paths(&s).contains(&"tools/extra/readme.txt"));
    assert!(
        !paths(&s).contains(&"config/tools.cmd"),
        "no tools listed, no tools.cmd"
    );
    assert_eq!(
        s.tools[0].state,
        guestpack::validate::PackageState::Unlisted
    );

    let mut c = case_with(QEMU_GA);
    with_qemu_ga_in_payload(&mut c);
    c.add_gt_file(
        "setup.cmd",
        b"rem a setup.cmd that installs drivers only\r\n",
    );
    let (r, _) = c.run();
    assert!(one(&r, "TOOL007")
        .message
        .contains("does not install tools"));
}

#[test]
fn a_folder_next_to_the_architecture_folders_is_a_tool_when_the_spec_names_it() {
    // A CI bundle's x86/, amd64/ and the agent's packages in guest-agent/ beside them.
    let mut c = case_with(QEMU_GA);
    for (name, bytes) in maker::qemu_ga() {
        c.add_driver_file(&format!("guest-agent/{name}"), &bytes);
    }
    c.add_driver_file("README.txt", b"drivers");
    let (r, s) = c.run();
    let t = &s.tools[0];
    assert_eq!(t.source.as_deref(), Some("guest-agent"));
    assert!(t.installers.iter().all(|i| i.ok), "{:?}", t.installers);
    let p = paths(&s);
    assert!(p.contains(&"tools/qemu-ga/qemu-ga-x86_64.msi"), "{p:?}");
    // Only the README is left out, as before.
    let left: Vec<_> = with_code(&r, "LAY003")
        .iter()
        .map(|f| f.path.clone().unwrap())
        .collect();
    assert_eq!(left, vec!["README.txt"]);
    assert!(errors(&r).is_empty(), "{:?}", errors(&r));

    // No tool in the spec: the folder is left out and named, with the way to package it.
    let mut c = Case::base();
    for (name, bytes) in maker::qemu_ga() {
        c.add_driver_file(&format!("guest-agent/{name}"), &bytes);
    }
    let (r, s) = c.run();
    assert!(s.tools.is_empty());
    let f = one(&r, "LAY003");
    assert_eq!(f.path.as_deref(), Some("guest-agent"));
    assert!(
        f.help
            .as_deref()
            .unwrap()
            .contains("a tool of the spec names it"),
        "{:?}",
        f.help
    );
}

/// A virtio-win-shaped ISO (the real drivers under upstream's folders) with `guest-agent/`.
fn virtio_iso_with_guest_agent(
    dir: &std::path::Path,
    agent: &[(&str, Vec<u8>)],
) -> std::path::PathBuf {
    let mut tree = upstream_tree();
    for (name, bytes) in agent {
        tree.insert(
            format!("guest-agent/{name}"),
            Arc::new(MemContent::new(bytes.clone())),
        );
    }
    tree.insert(
        "data/info.txt".to_string(),
        Arc::new(MemContent::new(b"x".to_vec())),
    );
    let root = dir.join("iso-root");
    write_tree(&tree, &root);
    let iso = dir.join("virtio-win.iso");
    let ok = Command::new("xorriso")
        .args(["-as", "mkisofs", "-quiet", "-J", "-R", "-o"])
        .arg(&iso)
        .arg(&root)
        .status()
        .expect("xorriso is required (scripts/setup.sh installs it)")
        .success();
    assert!(ok, "xorriso failed");
    iso
}

/// The CLI making media for w10 from `iso` with `spec` (policy none: the real catalogs do
/// not match git's line endings); callers add the outputs.
fn w10_build(iso: &std::path::Path, spec: &std::path::Path) -> Command {
    let mut c = guestpack();
    c.arg("--drivers-dir")
        .arg(iso)
        .args(["--os", "w10", "--signing-policy", "none", "--spec"])
        .arg(spec);
    c
}

fn virtio_spec_with_qemu_ga(dir: &std::path::Path) -> std::path::PathBuf {
    let mut spec: serde_json::Value =
        serde_json::from_slice(&std::fs::read(crate_root().join("specs/virtio-win.json")).unwrap())
            .unwrap();
    // Optional: virtio-win ships no arm64 agent, and the media for w10 carries arm64.
    let optional = QEMU_GA.replacen('{', "{\"required\":false,", 1);
    spec["tools"] = serde_json::from_str(&format!("[{optional}]")).unwrap();
    let path = dir.join("virtio-win-qemu-ga.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&spec).unwrap()).unwrap();
    path
}

#[test]
fn qemu_ga_from_a_virtio_win_iso_lands_in_tools_and_the_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let agent = maker::qemu_ga();
    let iso = virtio_iso_with_guest_agent(dir.path(), &agent);
    let spec = virtio_spec_with_qemu_ga(dir.path());
    let out = dir.path().join("out");
    let report = dir.path().join("report.json");
    let o = run(w10_build(&iso, &spec)
        .arg("--report")
        .arg(&report)
        .arg("--out-dir")
        .arg(&out));
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    // guest-agent/ is taken; only data/ is left out.
    let lay012 = err
        .lines()
        .find(|l| l.contains("LAY012"))
        .unwrap_or_default();
    assert!(lay012.ends_with("not packaged: \"data\""), "{err}");
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let tool = &m["tools"][0];
    assert_eq!(tool["name"], "qemu-ga");
    assert_eq!(
        tool["files"],
        serde_json::json!([
            "tools/qemu-ga/qemu-ga-i386.msi",
            "tools/qemu-ga/qemu-ga-x86_64.msi"
        ])
    );
    assert_eq!(tool["installers"][1]["arch"], "amd64");
    assert_eq!(tool["installers"][1]["kind"], "msi");
    assert_eq!(
        tool["installers"][1]["product_code"],
        maker::product_code("x64")
    );
    // The files on the media are the input's, byte for byte.
    let files = manifest_files(&out);
    assert_eq!(
        files["tools/qemu-ga/qemu-ga-x86_64.msi"],
        hex(&sha2_of(&agent[1].1))
    );
    assert!(files.contains_key("config/tools.cmd"));
    // The report says where the tool came from and what each installer is.
    let r: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(r["tools"][0]["source"], "guest-agent");
    assert_eq!(r["tools"][0]["files"][0], "guest-agent/qemu-ga-i386.msi");
    assert_eq!(
        r["tools"][0]["installers"][0]["productName"],
        "QEMU guest agent"
    );

    // The x86 package missing and the amd64 name on the x86 package: the CLI names both files
    // and writes nothing.
    let dir2 = tempfile::tempdir().unwrap();
    let iso = virtio_iso_with_guest_agent(dir2.path(), &[(agent[1].0, agent[0].1.clone())]);
    let out = dir2.path().join("out");
    let o = run(w10_build(&iso, &spec).arg("--out-dir").arg(&out));
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("warning[TOOL003]")
            && err.contains("\"qemu-ga-i386.msi\" is not in the tool folder"),
        "{err}"
    );
    assert!(err.contains("error[TOOL004]") && err.contains("\"qemu-ga-x86_64.msi\" cannot be the amd64 installer: it is a package for the Intel platform"), "{err}");
    assert!(!out.exists(), "nothing written on failure");
}

#[test]
fn a_spec_made_from_a_virtio_win_iso_installs_its_guest_agent() {
    let dir = tempfile::tempdir().unwrap();
    let agent = maker::qemu_ga();
    let iso = virtio_iso_with_guest_agent(dir.path(), &agent);
    let spec = dir.path().join("mine.json");
    let o = run(guestpack()
        .arg("spec")
        .arg("--drivers-dir")
        .arg(&iso)
        .args(["--os", "w10", "--out"])
        .arg(&spec));
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("; 1 optional tool(s): qemu-ga"), "{err}");
    let out = dir.path().join("out");
    let o = run(w10_build(&iso, &spec).arg("--out-dir").arg(&out));
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        !err.contains("warning[TOOL") && !err.contains("error[TOOL"),
        "{err}"
    );
    let files = manifest_files(&out);
    for (name, bytes) in &agent {
        assert_eq!(
            files[&format!("tools/qemu-ga/{name}")],
            hex(&sha2_of(bytes))
        );
    }
    assert!(files.contains_key("config/tools.cmd"));
}

fn sha2_of(b: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(b).to_vec()
}
