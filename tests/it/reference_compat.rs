//! guestpack as a drop-in for the reference packager: its own inputs (guest-tools payload,
//! device contracts, specs in ../shared/data/aero-reference), its documented invocations and
//! flags, its defaults (signing policy test, the environment variable, the contract lookup),
//! its legacy spec form and its 32-character volume labels.
//!
//! `tests/fixtures/reference-media/*.json` hold the SHA-256 of every file on the media the
//! reference itself built from these inputs (its command line is in each file): the media
//! guestpack builds with the same flags must hold exactly those files with those bytes,
//! `config/devices.cmd` included.

use crate::common::*;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const CONTRACTS: [&str; 2] = [
    "windows-device-contract",
    "windows-device-contract-virtio-win",
];
const EPOCH: &str = "1700000000";

fn reference_data() -> PathBuf {
    let p = crate_root().join("../shared/data/aero-reference");
    assert!(p.is_dir(), "reference inputs missing at {}", p.display());
    p
}

/// The reference's payload with `certs/AeroTestRoot.cer` replaced by the certificate that
/// signed the virtio-win catalogs (taken out of one with openssl), at `dir/guest-tools`.
fn payload(dir: &Path) -> PathBuf {
    let gt = dir.join("guest-tools");
    copy_dir(&reference_data().join("guest-tools"), &gt);
    std::fs::remove_file(gt.join("certs/AeroTestRoot.cer")).unwrap();
    let cat = virtio_drivers().join("amd64/viostor/viostor.cat");
    let pem = Command::new("openssl")
        .args(["pkcs7", "-inform", "DER", "-print_certs", "-in"])
        .arg(&cat)
        .output()
        .expect("openssl is required (apt-get install openssl)");
    assert!(pem.status.success(), "openssl pkcs7: {}", stderr(&pem));
    let pem_file = dir.join("signer.pem");
    std::fs::write(&pem_file, &pem.stdout).unwrap();
    let der = Command::new("openssl")
        .args(["x509", "-outform", "DER", "-in"])
        .arg(&pem_file)
        .arg("-out")
        .arg(gt.join("certs/virtio-win-test.cer"))
        .output()
        .unwrap();
    assert!(der.status.success(), "openssl x509: {}", stderr(&der));
    gt
}

/// The reference's documented invocation plus `--restore-crlf`: the repository stores the
/// real INFs with LF line endings, their catalogs hold the CRLF form, and guestpack refuses
/// what Windows would refuse (the test below shows the bare invocation's rejection).
fn reference_flags(gt: &Path, contract: Option<&Path>, out: &Path) -> Command {
    let mut c = bare_reference_flags(gt, contract, out);
    c.arg("--restore-crlf");
    c
}

/// The reference's documented invocation: its flags only, SOURCE_DATE_EPOCH in the environment.
fn bare_reference_flags(gt: &Path, contract: Option<&Path>, out: &Path) -> Command {
    let mut c = guestpack();
    c.env("SOURCE_DATE_EPOCH", EPOCH)
        .arg("--drivers-dir")
        .arg(virtio_drivers())
        .arg("--guest-tools-dir")
        .arg(gt)
        .arg("--spec")
        .arg(reference_data().join("specs/win7-virtio-win.json"));
    if let Some(c2) = contract {
        c.arg("--windows-device-contract").arg(c2);
    }
    c.arg("--out-dir").arg(out);
    c
}

fn reference_media(contract: &str) -> BTreeMap<String, String> {
    let p = crate_root().join(format!("tests/fixtures/reference-media/{contract}.json"));
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap();
    serde_json::from_value(v["files"].clone()).unwrap()
}

/// The reference's media for `contract` with the real netkvm and viostor INFs in their CRLF
/// form: what guestpack packs with `--restore-crlf`.
fn reference_media_crlf(contract: &str) -> BTreeMap<String, String> {
    let mut want = reference_media(contract);
    for arch in ["amd64", "x86"] {
        for d in ["netkvm", "viostor"] {
            let lf = std::fs::read(virtio_drivers().join(format!("{arch}/{d}/{d}.inf"))).unwrap();
            let crlf = guestpack::validate::rules::catalog::to_crlf(&lf).unwrap();
            let inf = format!("drivers/{arch}/{d}/{d}.inf");
            assert_ne!(want[&inf], hex(&Sha256::digest(&crlf)));
            want.insert(inf, hex(&Sha256::digest(&crlf)));
        }
    }
    want
}

fn assert_same_media(got: &BTreeMap<String, String>, want: &BTreeMap<String, String>, what: &str) {
    let missing: Vec<_> = want.keys().filter(|k| !got.contains_key(*k)).collect();
    let extra: Vec<_> = got.keys().filter(|k| !want.contains_key(*k)).collect();
    let differ: Vec<_> = want
        .iter()
        .filter(|(k, v)| got.get(*k).is_some_and(|g| g != *v))
        .map(|(k, _)| k)
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty() && differ.is_empty(),
        "{what}: missing {missing:?}, extra {extra:?}, different bytes {differ:?}"
    );
}

#[test]
fn the_reference_inputs_and_flags_give_the_reference_media_for_both_contracts() {
    let t = tempfile::tempdir().unwrap();
    let gt = payload(t.path());
    for contract in CONTRACTS {
        let out = t.path().join(contract);
        let file = reference_data().join(format!("docs/{contract}.json"));
        // No --signing-policy: the reference's default (test) applies. The reference packs the
        // LF INFs Windows would refuse; guestpack refuses them, naming each and the fix.
        let o = run(&mut bare_reference_flags(&gt, Some(&file), &out));
        assert_eq!(o.status.code(), Some(1), "{contract}: {}", stderr(&o));
        assert!(!out.exists(), "{contract}: nothing is written on rejection");
        let err = stderr(&o);
        for arch in ["amd64", "x86"] {
            for d in ["netkvm", "viostor"] {
                let inf = format!("drivers/{arch}/{d}/{d}.inf");
                assert!(
                    err.contains(&format!("{inf}: error[CAT003]")),
                    "{contract}: {err}"
                );
            }
        }
        assert!(err.contains("--restore-crlf"), "{contract}: {err}");
        // With --restore-crlf: the reference's bytes, but for those INFs' line endings.
        let want = reference_media_crlf(contract);
        let o = run(&mut reference_flags(&gt, Some(&file), &out));
        assert!(o.status.success(), "{contract}: {}", stderr(&o));
        let got = manifest_files(&out);
        assert_same_media(&got, &want, contract);
        let m: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
        assert_eq!(m["signing_policy"], "test");
        assert_eq!(m["certs_required"], true);
        // The README files of certs/, config/ and drivers/ are shipped as the reference ships them.
        for doc in ["certs/README.md", "config/README.md", "drivers/README.md"] {
            assert!(got.contains_key(doc), "{contract}: {doc} not on the media");
        }
        assert!(
            !got.keys().any(|p| p.ends_with(".keep")),
            "placeholders stay off the media"
        );
    }
    // The two contracts give different service names, both as the reference writes them.
    let blk = |c: &str| {
        let text = std::fs::read_to_string(t.path().join(c).join("manifest.json")).unwrap();
        assert!(text.contains("config/devices.cmd"));
        reference_media(c)["config/devices.cmd"].clone()
    };
    assert_ne!(blk(CONTRACTS[0]), blk(CONTRACTS[1]));
}

#[test]
fn the_contract_is_found_above_the_guest_tools_folder_and_named_in_a_note() {
    let t = tempfile::tempdir().unwrap();
    let repo = t.path().join("repo");
    std::fs::create_dir_all(repo.join("docs")).unwrap();
    std::fs::copy(
        reference_data().join("docs/windows-device-contract.json"),
        repo.join("docs/windows-device-contract.json"),
    )
    .unwrap();
    // Staged two levels below, as the reference's CI stages it.
    let staging = repo.join("out/staging");
    std::fs::create_dir_all(&staging).unwrap();
    let gt = payload(&staging);
    let out = t.path().join("out");
    let o = run(&mut reference_flags(&gt, None, &out));
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("info[CON001]") && err.contains("repo/docs/windows-device-contract.json"),
        "{err}"
    );
    assert_same_media(
        &manifest_files(&out),
        &reference_media_crlf(CONTRACTS[0]),
        "found contract",
    );
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(
        m["inputs"]["windows_device_contract"]["name"],
        "windows-device-contract.json"
    );
}

#[test]
fn the_signing_policy_comes_from_the_flag_then_the_environment_then_test() {
    let t = tempfile::tempdir().unwrap();
    let gt = payload(t.path());
    let contract = reference_data().join("docs/windows-device-contract-virtio-win.json");
    // The reference's variable: production forbids the certificate the payload ships.
    let out = t.path().join("env");
    let o = run(reference_flags(&gt, Some(&contract), &out)
        .env("AERO_GUEST_TOOLS_SIGNING_POLICY", "production"));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("SIGN002"), "{}", stderr(&o));
    assert!(!out.exists());
    // guestpack's own variable wins over the reference's...
    let o = run(reference_flags(&gt, Some(&contract), &out)
        .env("AERO_GUEST_TOOLS_SIGNING_POLICY", "production")
        .env("GUESTPACK_SIGNING_POLICY", "testsigning"));
    assert!(o.status.success(), "{}", stderr(&o));
    // ...and the flag over both.
    let o = run(
        reference_flags(&gt, Some(&contract), &t.path().join("flag"))
            .env("GUESTPACK_SIGNING_POLICY", "none")
            .args(["--signing-policy", "test-signing"]),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    // A bad value in the environment names the variable.
    let o = run(reference_flags(&gt, Some(&contract), &t.path().join("bad"))
        .env("AERO_GUEST_TOOLS_SIGNING_POLICY", "signed"));
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("AERO_GUEST_TOOLS_SIGNING_POLICY"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn the_legacy_object_spec_packs_the_same_files_as_the_drivers_spec() {
    let t = tempfile::tempdir().unwrap();
    let legacy = t.path().join("legacy.json");
    let modern = t.path().join("modern.json");
    std::fs::write(
        &legacy,
        r#"{"required_drivers":[
            {"name":"viostor","expected_hardware_ids":["PCI\\\\VEN_1AF4&DEV_1042"]},
            {"name":"netkvm","expected_hardware_ids":["PCI\\\\VEN_1AF4&DEV_1041"],
             "expected_hardware_ids_from_devices_cmd_var":"VIRTIO_NET_HWIDS"}]}"#,
    )
    .unwrap();
    std::fs::write(
        &modern,
        r#"{"drivers":[
            {"name":"viostor","required":true,"expected_hardware_ids":["PCI\\\\VEN_1AF4&DEV_1042"]},
            {"name":"netkvm","required":true,"expected_hardware_ids":["PCI\\\\VEN_1AF4&DEV_1041"],
             "expected_hardware_ids_from_devices_cmd_var":"VIRTIO_NET_HWIDS"}]}"#,
    )
    .unwrap();
    let pack = |spec: &Path, out: &Path| {
        // Policy none: the real catalogs are self-signed, which production refuses (SIGN005).
        let o = run(guestpack()
            .args([
                "--signing-policy",
                "none",
                "--restore-crlf",
                "--drivers-dir",
            ])
            .arg(virtio_drivers())
            .arg("--spec")
            .arg(spec)
            .arg("--out-dir")
            .arg(out));
        assert!(o.status.success(), "{}: {}", spec.display(), stderr(&o));
        manifest_files(out)
    };
    let a = pack(&legacy, &t.path().join("a"));
    let b = pack(&modern, &t.path().join("b"));
    assert!(a.keys().any(|p| p.starts_with("drivers/amd64/netkvm/")));
    assert_eq!(a, b);
    // The legacy list's HWID is checked: one no INF has fails.
    std::fs::write(
        &legacy,
        r#"{"required_drivers":[{"name":"viostor","expected_hardware_ids":["PCI\\\\VEN_1AF4&DEV_7777"]}]}"#,
    )
    .unwrap();
    let o = run(guestpack()
        .args([
            "--signing-policy",
            "production",
            "--validate-only",
            "--drivers-dir",
        ])
        .arg(virtio_drivers())
        .arg("--spec")
        .arg(&legacy));
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("DEV_7777"), "{}", stderr(&o));
}

/// Runs a reader and returns its output; a missing tool fails the test.
fn tool(name: &str, args: &[&str]) -> String {
    let o = Command::new(name)
        .args(args)
        .env("LC_ALL", "C.UTF-8")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {name} ({e}); scripts/setup.sh installs it"));
    let text = String::from_utf8_lossy(&o.stdout).into_owned() + &stderr(&o);
    assert!(o.status.success(), "{name} {args:?}: {text}");
    text
}

#[test]
fn a_twenty_character_volume_id_is_whole_in_iso9660_cut_in_joliet_with_a_warning() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("out");
    let label = "AERO_GUEST_TOOLS_V20";
    let o = run(guestpack()
        .args(["--sample", "--volume-id", label, "--out-dir"])
        .arg(&out));
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("warning[ISO001]") && err.contains("\"AERO_GUEST_TOOLS\""),
        "{err}"
    );
    let iso = out.join("guest-tools.iso");
    let iso = iso.to_str().unwrap();
    let x = tool(
        "xorriso",
        &["-return_with", "WARNING", "32", "-indev", iso, "-pvd_info"],
    );
    assert!(x.contains(&format!("Volume Id    : {label}")), "{x}");
    assert!(tool("isovfy", &[iso]).contains("No errors found"));
    assert!(tool("isoinfo", &["-d", "-i", iso]).contains(&format!("Volume id: {label}")));
    let py = tool(
        "python3",
        &[
            "-c",
            "import sys, pycdlib\n\
             iso = pycdlib.PyCdlib(); iso.open(sys.argv[1])\n\
             print('P', iso.pvd.volume_identifier.decode().rstrip())\n\
             print('J', iso.joliet_vd.volume_identifier.decode('utf-16-be').rstrip())\n\
             n = sum(len(f) for _, _, f in iso.walk(joliet_path='/'))\n\
             print('N', n)",
            iso,
        ],
    );
    assert!(py.contains(&format!("P {label}\n")), "{py}");
    assert!(py.contains("J AERO_GUEST_TOOLS\n"), "{py}");
    assert!(
        py.contains(&format!("N {}\n", manifest_files(&out).len() + 1)),
        "{py}"
    );
    assert!(tool("blkid", &["-p", iso]).contains("TYPE=\"iso9660\""));
    assert!(tool("7z", &["t", iso]).contains("Everything is Ok"));
    let listed = tool("bsdtar", &["-tf", iso]);
    assert!(
        listed
            .lines()
            .any(|l| l.trim_end_matches('/') == "config/devices.cmd"),
        "{listed}"
    );
    // 33 characters is one too many for the primary descriptor.
    let o = run(guestpack().args([
        "--sample",
        "--validate-only",
        "--volume-id",
        &"A".repeat(33),
    ]));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("1 to 32 characters"), "{}", stderr(&o));
}

#[test]
fn the_sample_builds_with_the_defaults_and_ships_its_test_certificate() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("out");
    let o = run(guestpack()
        .args(["--sample", "--quiet", "--out-dir"])
        .arg(&out));
    assert!(o.status.success(), "{}", stderr(&o));
    let files = manifest_files(&out);
    let cert = &files[guestpack::bundled::sample::CERTIFICATE_PATH];
    assert_eq!(
        cert,
        &hex(&<sha2::Sha256 as sha2::Digest>::digest(
            guestpack::bundled::sample::CERTIFICATE
        ))
    );
    // Built for production, the sample is refused: its catalogs are test-signed, and the
    // finding names the signer. Nothing is written.
    let prod = t.path().join("prod");
    let o = run(guestpack()
        .args([
            "--sample",
            "--quiet",
            "--signing-policy",
            "production",
            "--out-dir",
        ])
        .arg(&prod));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert_eq!(err.matches("error[SIGN005]").count(), 4, "{err}");
    assert!(
        err.contains("\"guestpack sample test signing (do not trust)\" (thumbprint "),
        "{err}"
    );
    assert!(
        !err.contains("SIGN002"),
        "the sample's certificate is left out: {err}"
    );
    assert!(!prod.exists());
}

#[test]
fn a_reference_contract_with_guestpack_scripts_is_refused_before_the_guest_finds_out() {
    let t = tempfile::tempdir().unwrap();
    let o = run(guestpack()
        .args(["--sample", "--validate-only", "--windows-device-contract"])
        .arg(reference_data().join("docs/windows-device-contract-virtio-win.json")));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("DEV005") && err.contains("GT_BOOT_CRITICAL"),
        "{err}"
    );
    // And the reverse: the reference's scripts with a contract in guestpack's format.
    let gt = payload(t.path());
    let o = run(reference_flags(
        &gt,
        Some(&crate_root().join("specs/windows-device-contract.json")),
        &t.path().join("out"),
    )
    .arg("--validate-only"));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("DEV005") && err.contains("AERO_VIRTIO_BLK_SERVICE"),
        "{err}"
    );
}

#[test]
fn the_reference_specs_compile_without_findings() {
    let dir = reference_data().join("specs");
    let mut seen = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if name.ends_with(".schema.json") {
            continue;
        }
        let raw = guestpack::validate::spec::parse(&name, &std::fs::read(&p).unwrap())
            .unwrap_or_else(|e| panic!("{e}"));
        let (spec, findings) = guestpack::validate::spec::compile(&raw, &name);
        assert!(findings.is_empty(), "{name}: {findings:?}");
        assert!(!spec.drivers.is_empty(), "{name}");
        seen += 1;
    }
    assert!(seen >= 5, "only {seen} reference specs found");
}

/// Both reference contracts pass the reference's JSON Schema and guestpack's reading, and
/// documents the schema refuses guestpack refuses too (each with the field named).
#[test]
fn the_reference_contracts_are_read_as_its_schema_reads_them() {
    let docs = reference_data().join("docs");
    let schema = docs.join("windows-device-contract.schema.json");
    let t = tempfile::tempdir().unwrap();
    let base: serde_json::Value =
        serde_json::from_slice(&std::fs::read(docs.join("windows-device-contract.json")).unwrap())
            .unwrap();
    let mutate = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut v = base.clone();
        f(&mut v);
        v
    };
    let bad = [
        (
            "extra top-level field",
            mutate(&|v| v["owner"] = "me".into()),
        ),
        (
            "schema_version 2",
            mutate(&|v| v["schema_version"] = 2.into()),
        ),
        (
            "empty devices",
            mutate(&|v| v["devices"] = serde_json::json!([])),
        ),
        (
            "vendor without 0x",
            mutate(&|v| v["devices"][0]["pci_vendor_id"] = "1AF4".into()),
        ),
        (
            "inf with a folder",
            mutate(&|v| v["devices"][0]["inf_name"] = "x/y.inf".into()),
        ),
        (
            "hwid not PCI",
            mutate(&|v| v["devices"][1]["hardware_id_patterns"][0] = "USB\\VID_1".into()),
        ),
        (
            "no service",
            mutate(&|v| {
                v["devices"][2]
                    .as_object_mut()
                    .unwrap()
                    .remove("driver_service_name");
            }),
        ),
    ];
    let mut files = Vec::new();
    for (what, v) in &bad {
        let text = serde_json::to_vec(v).unwrap();
        let e = guestpack::validate::contract::parse("c.json", &text);
        assert!(e.is_err(), "guestpack accepts a contract with {what}");
        let p = t.path().join(format!("{}.json", files.len()));
        std::fs::write(&p, &text).unwrap();
        files.push(p.display().to_string());
    }
    let script = r#"
import json, sys
from jsonschema import Draft202012Validator
v = Draft202012Validator(json.load(open(sys.argv[1])))
bad = 0
for name in sys.argv[2:4]:
    for e in v.iter_errors(json.load(open(name))):
        print("refused", name, e.message); bad += 1
for name in sys.argv[4:]:
    if v.is_valid(json.load(open(name))):
        print("schema accepts", name); bad += 1
sys.exit(1 if bad else 0)
"#;
    let mut cmd = Command::new("python3");
    cmd.arg("-c").arg(script).arg(&schema);
    for c in CONTRACTS {
        let p = docs.join(format!("{c}.json"));
        let parsed = guestpack::validate::contract::parse(c, &std::fs::read(&p).unwrap());
        assert!(
            matches!(
                parsed,
                Ok(guestpack::validate::contract::Contract::Reference(_))
            ),
            "{c}: {parsed:?}"
        );
        cmd.arg(p);
    }
    let o = cmd
        .args(&files)
        .output()
        .expect("python3 with jsonschema (scripts/setup.sh)");
    assert!(
        o.status.success(),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        stderr(&o)
    );
}

/// The invocations the reference's documentation gives (its packaging README's quickstart, its
/// "direct packager invocation", its production example), with the reference's inputs.
#[test]
fn the_reference_documented_invocations_succeed() {
    let t = tempfile::tempdir().unwrap();
    let gt = payload(t.path());
    let contract = reference_data().join("docs/windows-device-contract-virtio-win.json");
    let manifest = |out: &Path| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap()
    };
    // Quickstart: --version 1.2.3 --build-id ci-123 --signing-policy test.
    let quick = t.path().join("quick");
    let o = run(reference_flags(&gt, Some(&contract), &quick).args([
        "--version",
        "1.2.3",
        "--build-id",
        "ci-123",
        "--signing-policy",
        "test",
    ]));
    assert!(o.status.success(), "{}", stderr(&o));
    let m = manifest(&quick);
    assert_eq!(m["package"]["version"], "1.2.3");
    assert_eq!(m["package"]["build_id"], "ci-123");
    assert_eq!(m["package"]["source_date_epoch"], 1_700_000_000);
    // Direct invocation: SOURCE_DATE_EPOCH=0, --build-id local.
    let direct = t.path().join("direct");
    let o = run(reference_flags(&gt, Some(&contract), &direct)
        .env("SOURCE_DATE_EPOCH", "0")
        .args([
            "--version",
            "1.2.3",
            "--build-id",
            "local",
            "--signing-policy",
            "test",
        ]));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(manifest(&direct)["package"]["source_date_epoch"], 0);
    assert_eq!(
        manifest_files(&direct),
        manifest_files(&quick),
        "the epoch and build id change the manifest, not the files"
    );
    // Production: refused while certs/ holds a certificate (the reference fails fast too)...
    let prod = t.path().join("prod");
    let o =
        run(reference_flags(&gt, Some(&contract), &prod).args(["--signing-policy", "production"]));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("SIGN002") && stderr(&o).contains("certs/virtio-win-test.cer"));
    // ...and, with only certs/README.md left, still refused: the catalogs are signed by a
    // self-signed Red Hat certificate, which Windows does not take as production-signed.
    std::fs::remove_file(gt.join("certs/virtio-win-test.cer")).unwrap();
    let o =
        run(reference_flags(&gt, Some(&contract), &prod).args(["--signing-policy", "production"]));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(!stderr(&o).contains("SIGN002"), "{}", stderr(&o));
    assert_eq!(
        stderr(&o).matches("error[SIGN005]").count(),
        4,
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o)
        .contains("\"Red Hat Inc.\" (thumbprint 5c485f20bef4a9dd77258a2f06d9386f18fb0696)"));
    assert!(!prod.exists());
    // Policy none takes them (signatures reported, not required); certs/README.md is shipped.
    let o = run(reference_flags(&gt, Some(&contract), &prod).args(["--signing-policy", "none"]));
    assert!(o.status.success(), "{}", stderr(&o));
    let m = manifest(&prod);
    assert_eq!(m["signing_policy"], "none");
    assert_eq!(m["certs_required"], false);
    let certs: Vec<String> = manifest_files(&prod)
        .into_keys()
        .filter(|p| p.starts_with("certs/"))
        .collect();
    assert_eq!(certs, ["certs/README.md"]);
}
