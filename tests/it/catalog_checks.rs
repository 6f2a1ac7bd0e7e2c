//! The catalog check through the command line, on the sample (genuine catalogs the project
//! signed) changed one way at a time: each change a user meets in practice fails with a finding
//! naming the file, and nothing is written; the repair gives the sample's own bytes back.

use crate::common::*;
use guestpack::bundled::sample::sample_drivers;
use std::path::{Path, PathBuf};
use std::process::Output;

/// The sample written to `dir/drivers`, changed by `edit` (paths relative to that folder).
fn sample_dir(dir: &Path, edit: impl FnOnce(&Path)) -> PathBuf {
    let drivers = dir.join("drivers");
    write_tree(&sample_drivers(), &drivers);
    edit(&drivers);
    drivers
}

/// Packs `drivers` with the sample's spec and certificate, policy test, into `dir/out`.
fn pack(dir: &Path, drivers: &Path, extra: &[&str]) -> (Output, PathBuf) {
    let out = dir.join("out");
    let o = run(guestpack()
        .arg("--drivers-dir")
        .arg(drivers)
        .args(["--spec", "win7-virtio-win.json"])
        .args(extra)
        .arg("--out-dir")
        .arg(&out));
    (o, out)
}

/// [`pack`] with the guest tools `gt`, the target Windows `targets` and `--report`: the
/// outcome, the output directory and the report (`null` when none was written).
fn pack_reported(
    dir: &Path,
    drivers: &Path,
    gt: &Path,
    targets: &str,
) -> (Output, PathBuf, serde_json::Value) {
    let report = dir.join("report.json");
    let (o, out) = pack(
        dir,
        drivers,
        &[
            "--guest-tools-dir",
            gt.to_str().unwrap(),
            "--target-os",
            targets,
            "--report",
            report.to_str().unwrap(),
        ],
    );
    let r = if report.exists() {
        json(&report)
    } else {
        serde_json::Value::Null
    };
    (o, out, r)
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn lf(bytes: &[u8]) -> Vec<u8> {
    String::from_utf8(bytes.to_vec())
        .unwrap()
        .replace("\r\n", "\n")
        .into_bytes()
}

/// Asserts a rejection (exit 1, nothing written) whose findings include `line`.
fn rejected(o: &Output, out: &Path, lines: &[&str]) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(!out.exists(), "nothing is written on rejection");
    for l in lines {
        assert!(err.contains(l), "missing {l:?} in:\n{err}");
    }
}

fn sample_certificate(dir: &Path) -> PathBuf {
    // The sample's certificate travels with the built-in payload only for --sample; here the
    // sample's files are an ordinary input, so the payload gets it explicitly.
    let gt = dir.join("gt");
    write_tree(&guestpack::bundled::embedded::guest_tools(), &gt);
    let mut t = guestpack::source::vtree::VTree::new();
    guestpack::bundled::sample::add_certificate(&mut t);
    write_tree(&t, &gt);
    gt
}

#[test]
fn the_sample_as_files_passes_and_matches_every_file() {
    let t = tempfile::tempdir().unwrap();
    let drivers = sample_dir(t.path(), |_| {});
    let gt = sample_certificate(t.path());
    let (o, out, r) = pack_reported(t.path(), &drivers, &gt, "w7,w10");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("CAT0"), "{}", stderr(&o));
    assert!(out.join("guest-tools.iso").is_file());
    let present = r["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["state"] == "present");
    assert_eq!(present.clone().count(), 4);
    for p in present {
        let c = &p["catalogs"][0];
        assert_eq!(c["checked"], 2, "{p}");
        assert_eq!(c["matched"], 2, "{p}");
        assert_eq!(
            c["windows"],
            serde_json::json!(["6.1", "6.2", "6.3", "10.0"])
        );
        assert_eq!(c["algorithms"], serde_json::json!(["sha1", "sha256"]));
    }
}

#[test]
fn each_change_fails_with_a_finding_naming_the_file() {
    let t = tempfile::tempdir().unwrap();
    /// What changes, how, the extra flags, and lines the rejection must print.
    type Change<'a> = (&'a str, Box<dyn Fn(&Path)>, Vec<&'a str>, Vec<&'a str>);
    // One file put in place of another.
    let copy = |from: &'static str, to: &'static str| -> Box<dyn Fn(&Path)> {
        Box::new(move |d: &Path| {
            std::fs::copy(d.join(from), d.join(to)).unwrap();
        })
    };
    let cases: Vec<Change> = vec![
        (
            "one changed byte in a binary",
            Box::new(|d: &Path| {
                let p = d.join("amd64/viostor/viostor.sys");
                let mut b = std::fs::read(&p).unwrap();
                b[5000] ^= 1;
                std::fs::write(&p, b).unwrap();
            }),
            vec![],
            vec![
                r#"drivers/amd64/viostor/viostor.sys: error[CAT002]: "drivers/amd64/viostor/viostor.sys" is not in catalog "drivers/amd64/viostor/viostor.cat": its hash is not a member (SHA-1 "#,
            ],
        ),
        (
            "an LF-converted INF",
            Box::new(|d: &Path| {
                let p = d.join("x86/netkvm/netkvm.inf");
                std::fs::write(&p, lf(&std::fs::read(&p).unwrap())).unwrap();
            }),
            vec![],
            vec![
                "drivers/x86/netkvm/netkvm.inf: error[CAT003]",
                "--restore-crlf",
            ],
        ),
        (
            "another driver's catalog",
            copy("amd64/netkvm/netkvm.cat", "amd64/viostor/viostor.cat"),
            vec![],
            vec![
                "drivers/amd64/viostor/viostor.inf: error[CAT002]",
                "drivers/amd64/viostor/viostor.sys: error[CAT002]",
            ],
        ),
        (
            "a catalog not covering the target Windows",
            Box::new(|_: &Path| {}),
            vec!["--target-os", "xp"],
            vec![
                r#"drivers/x86/netkvm/netkvm.cat: error[CAT004]: catalog "drivers/x86/netkvm/netkvm.cat" does not cover xp (NT 5.1); it covers NT 6.1, 6.2, 6.3, 10.0"#,
            ],
        ),
        (
            "the other architecture's catalog",
            copy("x86/viostor/viostor.cat", "amd64/viostor/viostor.cat"),
            vec![],
            vec![
                r#"drivers/amd64/viostor/viostor.cat: error[CAT005]: catalog "drivers/amd64/viostor/viostor.cat" is for another architecture than amd64"#,
            ],
        ),
        (
            "placeholder bytes",
            Box::new(|d: &Path| {
                std::fs::write(d.join("amd64/netkvm/netkvm.cat"), b"\x30\x82placeholder").unwrap();
            }),
            vec![],
            vec![
                r#"drivers/amd64/netkvm/netkvm.cat: error[CAT001]: catalog "drivers/amd64/netkvm/netkvm.cat" cannot be used"#,
            ],
        ),
    ];
    for (i, (what, edit, extra, lines)) in cases.into_iter().enumerate() {
        let dir = t.path().join(i.to_string());
        let drivers = sample_dir(&dir, edit);
        let gt = sample_certificate(&dir);
        let mut args = vec!["--guest-tools-dir", gt.to_str().unwrap()];
        args.extend(extra);
        let (o, out) = pack(&dir, &drivers, &args);
        eprintln!("{what}");
        rejected(&o, &out, &lines);
        // Under policy none the same findings are warnings and the media is built.
        let (o, out) = pack(
            &dir,
            &drivers,
            &[&["--signing-policy", "none"][..], &args[2..]].concat(),
        );
        assert!(o.status.success(), "{what}: {}", stderr(&o));
        assert!(stderr(&o).contains("warning[CAT"), "{what}: {}", stderr(&o));
        std::fs::remove_dir_all(out).unwrap();
    }
}

/// The repair gives back exactly the media of the untouched sample: the CRLF bytes that were
/// signed, in the ISO, the zip and the manifest.
#[test]
fn restore_crlf_gives_the_signed_bytes_back() {
    let t = tempfile::tempdir().unwrap();
    let good = sample_dir(&t.path().join("good"), |_| {});
    let broken = sample_dir(&t.path().join("lf"), |d| {
        for arch in ["amd64", "x86"] {
            for drv in ["viostor", "netkvm"] {
                let p = d.join(format!("{arch}/{drv}/{drv}.inf"));
                std::fs::write(&p, lf(&std::fs::read(&p).unwrap())).unwrap();
            }
        }
    });
    let gt = sample_certificate(t.path());
    let args = ["--guest-tools-dir", gt.to_str().unwrap()];
    let (o, a) = pack(&t.path().join("good"), &good, &args);
    assert!(o.status.success(), "{}", stderr(&o));
    let (o, b) = pack(
        &t.path().join("lf"),
        &broken,
        &[&args[..], &["--restore-crlf"]].concat(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stderr(&o).matches("info[CAT003]").count(),
        4,
        "{}",
        stderr(&o)
    );
    assert_eq!(output_hashes(&a), output_hashes(&b));
}

/// A SHA-256-only catalog is enough; a SHA-1-only one too (Windows 7 era); both are read.
#[test]
fn single_algorithm_catalogs_are_checked_in_their_algorithm() {
    use guestpack::bundled::make_catalog::{make, CatalogFile, CatalogSigner, CatalogSpec};
    use guestpack::input::catalog::DigestAlg;
    for alg in [DigestAlg::Sha256, DigestAlg::Sha1] {
        let t = tempfile::tempdir().unwrap();
        let drivers = sample_dir(t.path(), |d| {
            let dir = d.join("amd64/viostor");
            let inf = std::fs::read(dir.join("viostor.inf")).unwrap();
            let sys = std::fs::read(dir.join("viostor.sys")).unwrap();
            let files = [
                CatalogFile {
                    name: "viostor.inf",
                    bytes: &inf,
                },
                CatalogFile {
                    name: "viostor.sys",
                    bytes: &sys,
                },
            ];
            let cat = make(
                &CatalogSpec {
                    files: &files,
                    algorithms: &[alg],
                    os_attr: "2:10.0",
                    os: "_v100_X64",
                    this_update: 1_700_000_000,
                },
                &CatalogSigner::new(
                    crate::validate_util::SAMPLE_KEY,
                    guestpack::bundled::sample::CERTIFICATE,
                ),
            )
            .unwrap();
            std::fs::write(dir.join("viostor.cat"), cat).unwrap();
        });
        let gt = sample_certificate(t.path());
        let (o, _) = pack(
            t.path(),
            &drivers,
            &[
                "--guest-tools-dir",
                gt.to_str().unwrap(),
                "--target-os",
                "w10",
            ],
        );
        assert!(o.status.success(), "{alg:?}: {}", stderr(&o));
        // Changing the binary is caught in that algorithm.
        let sys = drivers.join("amd64/viostor/viostor.sys");
        let mut b = std::fs::read(&sys).unwrap();
        b[100] ^= 1;
        std::fs::write(&sys, b).unwrap();
        let again = t.path().join("again");
        let (o, out) = pack(
            &again,
            &drivers,
            &["--guest-tools-dir", gt.to_str().unwrap()],
        );
        rejected(
            &o,
            &out,
            &[&format!("its hash is not a member ({} ", alg.as_str())],
        );
    }
}

/// The signer rules on the command line: a `certs/` that does not match the catalogs, a file
/// there that is no certificate, a damaged signature (an error, a warning under `none`), a
/// SHA-256-only signature for Windows 7; the report and the manifest name the signer.
#[test]
fn signer_findings_on_the_command_line() {
    let t = tempfile::tempdir().unwrap();
    let drivers = sample_dir(t.path(), |_| {});
    let fixture = crate_root().join("tests/fixtures/signing/root.cer");
    // certs/ holding a certificate that signs nothing here.
    let other = t.path().join("gt-other");
    write_tree(&guestpack::bundled::embedded::guest_tools(), &other);
    std::fs::create_dir_all(other.join("certs")).unwrap();
    std::fs::copy(&fixture, other.join("certs/other.cer")).unwrap();
    let (o, out) = pack(
        t.path(),
        &drivers,
        &["--guest-tools-dir", other.to_str().unwrap()],
    );
    rejected(
        &o,
        &out,
        &[
            r#"drivers/amd64/viostor/viostor.cat: error[SIGN004]: catalog "drivers/amd64/viostor/viostor.cat" is signed by "guestpack sample test signing (do not trust)" (thumbprint 4de2e9bb1fea03a5e720114e5630e085a3a81d7b), which chains to no certificate in certs/ (certs/other.cer (CN=guestpack test root (do not trust),O=guestpack tests))"#,
            r#"certs/other.cer: warning[SIGN009]: "certs/other.cer" (CN=guestpack test root (do not trust),O=guestpack tests) signs none of the 4 catalogs"#,
        ],
    );
    assert_eq!(stderr(&o).matches("error[SIGN004]").count(), 4);
    // A file in certs/ that is no certificate.
    std::fs::write(other.join("certs/other.cer"), b"not a certificate\r\n").unwrap();
    let (o, out) = pack(
        t.path(),
        &drivers,
        &["--guest-tools-dir", other.to_str().unwrap()],
    );
    rejected(
        &o,
        &out,
        &[
            r#"certs/other.cer: error[SIGN011]: "certs/other.cer" is not a usable certificate: it is neither DER nor PEM"#,
            "which chains to no certificate in certs/ (none of its files is a readable certificate)",
        ],
    );

    // The right certificate, Windows 7 targeted: accepted, with the SHA-2 warning; the report
    // and the manifest name the signer.
    let gt = sample_certificate(t.path());
    let (o, out, r) = pack_reported(t.path(), &drivers, &gt, "w7");
    assert!(o.status.success(), "{}", stderr(&o));
    let warned = stderr(&o).matches("warning[SIGN008]").count();
    assert_eq!(warned, 4, "{}", stderr(&o));
    assert!(stderr(&o).contains("is signed with SHA256 only: w7 verifies it only with the SHA-2 code-signing updates KB4474419 and KB4490628 installed"));
    let s = &r["packages"][0]["catalogs"][0]["signer"];
    assert_eq!(
        s["commonName"],
        "guestpack sample test signing (do not trust)"
    );
    assert_eq!(
        (s["kind"].as_str(), s["chainEnd"].as_str()),
        (Some("test"), Some("root"))
    );
    let m = json(&out.join("manifest.json"));
    let thumbs: Vec<&str> = m["drivers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["signer_thumbprint"].as_str().unwrap())
        .collect();
    assert_eq!(thumbs, ["4de2e9bb1fea03a5e720114e5630e085a3a81d7b"; 4]);
    std::fs::remove_dir_all(&out).unwrap();

    // One changed byte in viostor's signature: an error, a warning under policy none.
    let p = drivers.join("amd64/viostor/viostor.cat");
    let mut cat = std::fs::read(&p).unwrap();
    *cat.last_mut().unwrap() ^= 1;
    std::fs::write(&p, cat).unwrap();
    let (o, out) = pack(
        t.path(),
        &drivers,
        &["--guest-tools-dir", gt.to_str().unwrap()],
    );
    rejected(
        &o,
        &out,
        &[
            r#"drivers/amd64/viostor/viostor.cat: error[SIGN003]: the signature of catalog "drivers/amd64/viostor/viostor.cat" does not hold: the signature does not verify"#,
        ],
    );
    let (o, _) = pack(t.path(), &drivers, &["--signing-policy", "none"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("drivers/amd64/viostor/viostor.cat: warning[SIGN003]"));
}
