//! Catalog signatures, examined: the sample's (made and signed by the project) and the real
//! virtio-win 8.1 catalogs verify and name their signer; a changed byte in the signed list or
//! in the signature is caught.

use crate::common::*;
use guestpack::bundled::sample::{sample_drivers, CERTIFICATE};
use guestpack::input::catalog;
use guestpack::source::read_to_vec;
use guestpack::validate::rules::signature::{examine, ChainEnd};
use sha1::{Digest, Sha1};

fn sample_catalogs() -> Vec<(String, Vec<u8>)> {
    let t = sample_drivers();
    t.files()
        .filter(|(p, _)| p.ends_with(".cat"))
        .map(|(p, c)| (p.to_string(), read_to_vec(c.as_ref(), 1 << 20).unwrap()))
        .collect()
}

#[test]
fn the_sample_catalogs_verify_and_name_the_sample_certificate() {
    let cats = sample_catalogs();
    assert_eq!(cats.len(), 6);
    for (path, bytes) in cats {
        let f = examine(&catalog::parse(&bytes).unwrap(), &[]).unwrap();
        assert_eq!(f.verified, Ok(()), "{path}");
        assert_eq!(f.digest, "sha256");
        assert_eq!(f.end, ChainEnd::Root, "{path}");
        assert_eq!(f.chain.len(), 1);
        let signer = &f.chain[0];
        assert_eq!(
            signer.common_name.as_deref(),
            Some("guestpack sample test signing (do not trust)")
        );
        assert_eq!(signer.organization.as_deref(), Some("guestpack"));
        assert!(signer.self_signed);
        assert_eq!(signer.thumbprint, hex(&Sha1::digest(CERTIFICATE)));
    }
}

#[test]
fn a_changed_list_or_signature_is_caught() {
    let (_, bytes) = sample_catalogs().remove(0);
    // The list's UTCTime sits inside the signed content.
    let at = bytes
        .windows(13)
        .position(|w| w == b"240101000000Z")
        .unwrap()
        + 11;
    let mut list = bytes.clone();
    list[at] = b'1';
    let f = examine(&catalog::parse(&list).unwrap(), &[]).unwrap();
    let e = f.verified.unwrap_err();
    assert!(e.contains("message digest"), "{e}");
    // The signature is the last field of the file.
    let mut sig = bytes.clone();
    let n = sig.len();
    sig[n - 5] ^= 1;
    let f = examine(&catalog::parse(&sig).unwrap(), &[]).unwrap();
    let e = f.verified.unwrap_err();
    assert!(e.contains("signature does not verify"), "{e}");
}

/// Who signed virtio-win 8.1's catalogs: one self-signed development certificate (not
/// Microsoft, not cross-signed), the same in every catalog, and every signature holds.
#[test]
fn the_real_catalogs_are_self_signed_by_one_development_certificate() {
    let mut thumbprints = std::collections::BTreeSet::new();
    let mut n = 0;
    for arch in ["amd64", "x86"] {
        for e in std::fs::read_dir(virtio_drivers().join(arch)).unwrap() {
            let dir = e.unwrap().path();
            for f in std::fs::read_dir(&dir).unwrap() {
                let p = f.unwrap().path();
                if p.extension().and_then(|x| x.to_str()) != Some("cat") {
                    continue;
                }
                let facts =
                    examine(&catalog::parse(&std::fs::read(&p).unwrap()).unwrap(), &[]).unwrap();
                assert_eq!(facts.verified, Ok(()), "{}", p.display());
                assert_eq!(facts.end, ChainEnd::Root, "{}", p.display());
                assert_eq!(facts.chain.len(), 1);
                let signer = &facts.chain[0];
                assert_eq!(signer.common_name.as_deref(), Some("Red Hat Inc."));
                assert_eq!(signer.organization.as_deref(), Some("virtio-win"));
                assert!(signer.self_signed);
                thumbprints.insert(signer.thumbprint.clone());
                n += 1;
            }
        }
    }
    assert_eq!(n, 26);
    assert_eq!(thumbprints.len(), 1, "{thumbprints:?}");
}

/// Runs openssl with `args` in `dir`.
fn openssl(dir: &std::path::Path, args: &[&str]) {
    let o = std::process::Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl is required (apt-get install openssl)");
    assert!(o.status.success(), "openssl {args:?}: {}", stderr(&o));
}

/// A new 2048-bit RSA key in `dir/name` (PKCS#8 PEM).
fn rsa_key(dir: &std::path::Path, name: &str) {
    openssl(
        dir,
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
            name,
        ],
    );
}

/// A catalog signed by a leaf certificate whose issuer is an intermediate of a root, all
/// made here with openssl: the chain ends where the certificates at hand end.
#[test]
fn a_chain_through_an_intermediate_ends_where_the_certificates_end() {
    use guestpack::bundled::make_catalog::{make, CatalogFile, CatalogSigner, CatalogSpec};
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    std::fs::write(
        d.join("ca.ext"),
        "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n",
    )
    .unwrap();
    std::fs::write(
        d.join("leaf.ext"),
        "basicConstraints=critical,CA:FALSE\nextendedKeyUsage=codeSigning\n",
    )
    .unwrap();
    for (name, subject) in [
        ("root", "/O=guestpack tests/CN=test root"),
        ("mid", "/O=guestpack tests/CN=test intermediate"),
        ("leaf", "/O=guestpack tests/CN=test leaf"),
    ] {
        rsa_key(d, &format!("{name}.key"));
        openssl(
            d,
            &[
                "req",
                "-new",
                "-key",
                &format!("{name}.key"),
                "-subj",
                subject,
                "-out",
                &format!("{name}.csr"),
            ],
        );
    }
    openssl(
        d,
        &[
            "x509", "-req", "-in", "root.csr", "-signkey", "root.key", "-days", "3650", "-sha256",
            "-extfile", "ca.ext", "-outform", "DER", "-out", "root.der",
        ],
    );
    openssl(
        d,
        &[
            "x509",
            "-req",
            "-in",
            "mid.csr",
            "-CA",
            "root.der",
            "-CAform",
            "DER",
            "-CAkey",
            "root.key",
            "-set_serial",
            "2",
            "-days",
            "3650",
            "-sha256",
            "-extfile",
            "ca.ext",
            "-outform",
            "DER",
            "-out",
            "mid.der",
        ],
    );
    openssl(
        d,
        &[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "mid.der",
            "-CAform",
            "DER",
            "-CAkey",
            "mid.key",
            "-set_serial",
            "3",
            "-days",
            "3650",
            "-sha1",
            "-extfile",
            "leaf.ext",
            "-outform",
            "DER",
            "-out",
            "leaf.der",
        ],
    );
    let read = |n: &str| std::fs::read(d.join(n)).unwrap();
    let key = String::from_utf8(read("leaf.key")).unwrap();
    let leaf = read("leaf.der");
    let cat = make(
        &CatalogSpec {
            files: &[CatalogFile {
                name: "a.inf",
                bytes: b"[Version]\r\n",
            }],
            algorithms: &[guestpack::input::catalog::DigestAlg::Sha256],
            os_attr: "2:10.0",
            os: "_v100_X64",
            this_update: 1_700_000_000,
        },
        &CatalogSigner::new(&key, &leaf),
    )
    .unwrap();
    let cat = catalog::parse(&cat).unwrap();
    let cn = |f: &guestpack::validate::rules::signature::SignatureFacts| -> Vec<String> {
        f.chain
            .iter()
            .map(|c| c.common_name.clone().unwrap())
            .collect()
    };
    // Only the leaf inside: the intermediate is missing.
    let f = examine(&cat, &[]).unwrap();
    assert_eq!(f.verified, Ok(()));
    assert_eq!(cn(&f), vec!["test leaf"]);
    assert!(
        matches!(&f.end, ChainEnd::IssuerMissing(n) if n.contains("test intermediate")),
        "{:?}",
        f.end
    );
    // With the intermediate (as certs/ might hold it): the root is missing.
    let f = examine(&cat, &[read("mid.der")]).unwrap();
    assert_eq!(cn(&f), vec!["test leaf", "test intermediate"]);
    assert!(
        matches!(&f.end, ChainEnd::IssuerMissing(n) if n.contains("test root")),
        "{:?}",
        f.end
    );
    // With both: a verified chain to the root (the leaf's link is SHA-1, the others SHA-256).
    let f = examine(&cat, &[read("root.der"), read("mid.der")]).unwrap();
    assert_eq!(cn(&f), vec!["test leaf", "test intermediate", "test root"]);
    assert_eq!(f.end, ChainEnd::Root);
    assert!(f.chain[2].self_signed && !f.chain[0].self_signed && !f.chain[1].self_signed);
    // A certificate with the intermediate's name but another key does not link.
    rsa_key(d, "fake.key");
    openssl(
        d,
        &[
            "req",
            "-new",
            "-x509",
            "-key",
            "fake.key",
            "-subj",
            "/O=guestpack tests/CN=test intermediate",
            "-days",
            "3650",
            "-outform",
            "DER",
            "-out",
            "fake.der",
        ],
    );
    let f = examine(&cat, &[read("fake.der")]).unwrap();
    assert!(
        matches!(&f.end, ChainEnd::Broken(e) if e.contains("does not verify")),
        "{:?}",
        f.end
    );
}

/// The real catalogs through the command line: the report names their signer, its kind, its
/// chain and the timestamp, and the manifest records the signer of every driver's catalog.
#[test]
fn the_report_and_the_manifest_name_the_real_signer() {
    let t = tempfile::tempdir().unwrap();
    let (report, out) = (t.path().join("r.json"), t.path().join("out"));
    let o = run(guestpack()
        .args([
            "--signing-policy",
            "none",
            "--restore-crlf",
            "--spec",
            "virtio-win-8.1.json",
        ])
        .arg("--drivers-dir")
        .arg(virtio_drivers())
        .arg("--report")
        .arg(&report)
        .arg("--out-dir")
        .arg(&out));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        !stderr(&o).contains("SIGN"),
        "none reports, requires nothing"
    );
    let r: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    let signers: Vec<&serde_json::Value> = r["packages"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["catalogs"].as_array().unwrap())
        .map(|c| &c["signer"])
        .collect();
    assert_eq!(signers.len(), 26);
    for s in signers {
        assert_eq!(s["commonName"], "Red Hat Inc.");
        assert_eq!(s["thumbprint"], "5c485f20bef4a9dd77258a2f06d9386f18fb0696");
        assert_eq!(
            (s["kind"].as_str(), s["verified"].as_bool()),
            (Some("test"), Some(true))
        );
        assert_eq!(s["chainEnd"], "root");
        assert_eq!(
            s["timestamp"]["signer"],
            "Symantec SHA256 TimeStamping Signer - G3"
        );
    }
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let drivers = m["drivers"].as_array().unwrap();
    assert_eq!(drivers.len(), 26);
    assert!(drivers
        .iter()
        .all(|d| d["signer_thumbprint"] == "5c485f20bef4a9dd77258a2f06d9386f18fb0696"));
}
