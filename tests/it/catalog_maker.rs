//! The catalogs the project makes (the sample's, and the fixtures of the catalog tests): read
//! back by the project's reader, their signatures checked by an independent tool
//! (osslsigncode), and deterministic.

use guestpack::bundled::make_catalog::{make, CatalogFile, CatalogSigner, CatalogSpec};
use guestpack::bundled::sample::{sample_drivers, CERTIFICATE, OS_ATTR};
use guestpack::input::catalog::{self, DigestAlg};
use guestpack::source::authenticode::WindowsHasher;
use guestpack::source::read_to_vec;
use std::process::Command;

fn bytes(tree: &guestpack::source::vtree::VTree, path: &str) -> Vec<u8> {
    read_to_vec(tree.get(path).unwrap().as_ref(), 1 << 24).unwrap()
}

fn windows(b: &[u8]) -> guestpack::source::authenticode::WindowsDigests {
    let mut h = WindowsHasher::new(b.len() as u64);
    h.update(b);
    h.finish()
}

#[test]
fn every_sample_catalog_lists_its_folder_in_both_algorithms_for_its_architecture() {
    let t = sample_drivers();
    for arch in ["amd64", "x86"] {
        for driver in t.children(arch) {
            let dir = format!("{arch}/{driver}");
            let cat = catalog::parse(&bytes(&t, &format!("{dir}/{driver}.cat"))).unwrap();
            assert_eq!(cat.algorithms(), vec![DigestAlg::Sha1, DigestAlg::Sha256]);
            assert_eq!(cat.members.len(), 4, "{dir}: two files, two algorithms");
            for name in [format!("{driver}.inf"), format!("{driver}.sys")] {
                let d = windows(&bytes(&t, &format!("{dir}/{name}")));
                for (alg, digest) in [
                    (DigestAlg::Sha1, &d.sha1[..]),
                    (DigestAlg::Sha256, &d.sha256[..]),
                ] {
                    let m = cat.member_with(alg, digest).expect("member");
                    assert_eq!(m.name_value("File"), Some(name.as_str()));
                    assert_eq!(m.name_value("OSAttr"), Some(OS_ATTR));
                }
            }
            let os = cat.attribute("OS").unwrap();
            assert_eq!(os.contains("X64"), arch == "amd64", "{dir}: {os}");
            assert_eq!(cat.certificates, vec![CERTIFICATE.to_vec()]);
        }
    }
}

/// osslsigncode (not this project's code) checks each catalog's signature against the
/// sample's certificate; one changed byte of the signed list makes it fail.
#[test]
fn osslsigncode_verifies_the_sample_catalogs_signatures() {
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    let pem = Command::new("openssl")
        .args(["x509", "-inform", "der", "-out"])
        .arg(&ca)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(CERTIFICATE)?;
            c.wait()
        })
        .expect("openssl runs");
    assert!(pem.success());
    let t = sample_drivers();
    let verify = |cat: &[u8]| {
        let f = dir.path().join("x.cat");
        std::fs::write(&f, cat).unwrap();
        let out = Command::new("osslsigncode")
            .args(["verify", "-in"])
            .arg(&f)
            .arg("-CAfile")
            .arg(&ca)
            .output()
            .expect("osslsigncode runs");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        (
            out.status.success() && text.contains("Signature verification: ok"),
            text,
        )
    };
    for arch in ["amd64", "x86"] {
        for driver in t.children(arch) {
            let cat = bytes(&t, &format!("{arch}/{driver}/{driver}.cat"));
            let (ok, text) = verify(&cat);
            assert!(ok, "{arch}/{driver}: {text}");
            // The UTCTime's last digit sits inside the signed list.
            let at = cat.windows(13).position(|w| w == b"240101000000Z").unwrap() + 11;
            let mut tampered = cat.clone();
            tampered[at] = b'1';
            assert!(
                !verify(&tampered).0,
                "{arch}/{driver}: tampered list accepted"
            );
        }
    }
}

#[test]
fn a_catalog_depends_on_its_content_only() {
    let key = include_str!("../../src/bundled/sample-test-signing.key");
    let signer = CatalogSigner::new(key, CERTIFICATE);
    let a = CatalogFile {
        name: "a.inf",
        bytes: b"[Version]\r\n",
    };
    let b = CatalogFile {
        name: "b.sys",
        bytes: b"not a PE image",
    };
    let spec = |files: &[CatalogFile], algorithms: &[DigestAlg]| {
        make(
            &CatalogSpec {
                files,
                algorithms,
                os_attr: "2:10.0",
                os: "_v100_X64",
                this_update: 1_700_000_000,
            },
            &signer,
        )
        .unwrap()
    };
    let ab = spec(&[a, b], &[DigestAlg::Sha256]);
    let a = CatalogFile {
        name: "a.inf",
        bytes: b"[Version]\r\n",
    };
    let b = CatalogFile {
        name: "b.sys",
        bytes: b"not a PE image",
    };
    let ba = spec(&[b, a], &[DigestAlg::Sha256]);
    assert_eq!(ab, ba, "file order changes nothing");
    let cat = catalog::parse(&ab).unwrap();
    assert_eq!(cat.algorithms(), vec![DigestAlg::Sha256]);
    assert_eq!(cat.members.len(), 2);
    assert!(cat.members.iter().all(|m| !m.pe_image));
    assert_eq!(cat.attribute("OS"), Some("_v100_X64"));
    let bad = make(
        &CatalogSpec {
            files: &[],
            algorithms: &[DigestAlg::Sha1],
            os_attr: "2:10.0",
            os: "",
            this_update: 4_000_000_000,
        },
        &signer,
    );
    assert!(bad.unwrap_err().contains("UTCTime"));
}
