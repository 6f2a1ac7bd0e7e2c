//! The catalog reader and the Authenticode image hash on the real signed virtio-win 8.1
//! drivers beside the project: every catalog is read, and what the hashes say about the files
//! is checked the way Windows matches them (by hash, in each algorithm the catalog uses).
//!
//! What the real data shows: every PE file (`.sys`, `.dll`, `.exe`) is a member of its folder's
//! catalog by its Authenticode hash (never by its flat hash). No INF is a member as stored: the
//! repository keeps them with LF line endings, as git's line-ending conversion leaves them.
//! Five drivers' INFs become members once turned back into CRLF; the INFs of the eight others
//! differ from what was signed in more than line endings (none of CRLF, UTF-16 or a missing
//! final line break gives the catalog's hash), so Windows would refuse those packages whatever
//! is done to the line endings.

use crate::common::*;
use guestpack::input::catalog::{self, Catalog, DigestAlg};
use guestpack::source::authenticode::{PeSkips, SkipFeed, WindowsHasher, HEAD};
use sha2::{Digest, Sha256};
use std::path::Path;

fn digests(bytes: &[u8], alg: DigestAlg) -> Vec<u8> {
    match alg {
        DigestAlg::Sha1 => sha1::Sha1::digest(bytes).to_vec(),
        DigestAlg::Sha256 => Sha256::digest(bytes).to_vec(),
    }
}

/// The bytes Windows hashes: without the three Authenticode ranges for a PE image, fed in
/// uneven chunks as the single-pass digest will feed them.
fn hashed_bytes(file: &[u8]) -> (Vec<u8>, bool) {
    let head = &file[..file.len().min(HEAD)];
    match PeSkips::from_head(head, file.len() as u64) {
        Some(skips) => {
            let mut out = Vec::new();
            let mut feed = SkipFeed::new(&skips);
            for c in file.chunks(1000) {
                feed.feed(c, &mut |p| out.extend_from_slice(p));
            }
            (out, true)
        }
        None => (file.to_vec(), false),
    }
}

fn in_catalog(cat: &Catalog, bytes: &[u8]) -> bool {
    cat.algorithms()
        .into_iter()
        .any(|alg| cat.member_with(alg, &digests(bytes, alg)).is_some())
}

fn crlf(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 20);
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'\n' && (i == 0 || bytes[i - 1] != b'\r') {
            out.push(b'\r');
        }
        out.push(*b);
    }
    out
}

#[test]
fn every_real_catalog_is_read_and_covers_its_pe_files_and_crlf_infs() {
    let root = virtio_drivers();
    let (mut catalogs, mut pe_files, mut infs) = (0, 0, 0);
    for arch in ["amd64", "x86"] {
        for entry in std::fs::read_dir(root.join(arch)).unwrap() {
            let dir = entry.unwrap().path();
            let cats: Vec<_> = std::fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|e| e == "cat"))
                .collect();
            assert_eq!(cats.len(), 1, "{}", dir.display());
            let cat = catalog::parse(&std::fs::read(&cats[0]).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", cats[0].display()));
            catalogs += 1;
            check_folder(&dir, &cat, &mut pe_files, &mut infs);
        }
    }
    assert_eq!(catalogs, 26);
    assert_eq!((pe_files, infs), (32, 26));
}

/// Drivers whose INF matches its catalog once its line endings are CRLF again.
const CRLF_REPAIRABLE: [&str; 5] = ["netkvm", "viogpudo", "vioprot", "vioscsi", "viostor"];

fn check_folder(dir: &Path, cat: &Catalog, pe_files: &mut usize, infs: &mut usize) {
    let name = dir.display();
    assert!(!cat.members.is_empty(), "{name}: no members");
    assert_eq!(
        cat.algorithms(),
        vec![DigestAlg::Sha1, DigestAlg::Sha256],
        "{name}"
    );
    assert_eq!(
        cat.certificates.len(),
        1,
        "{name}: one self-signed certificate"
    );
    // Every member is for Windows 8.1 / Server 2012 R2 (NT 6.3), the folders' OS, and the
    // catalog's OS value names the folder's architecture.
    let w81 = guestpack::validate::layout::windows::nt_version("w8.1").unwrap();
    for m in &cat.members {
        let attr = m.name_value("OSAttr").unwrap_or_default();
        assert_eq!(
            guestpack::validate::layout::windows::os_attr_versions(attr),
            vec![w81],
            "{name}: {attr}"
        );
    }
    // amd64 catalogs say `_v63_X64,…`; x86 ones name no architecture (`_v63`).
    let os = cat.attribute("OS").unwrap_or_default().to_ascii_uppercase();
    let amd64 = dir.parent().unwrap().ends_with("amd64");
    assert!(os.starts_with("_V63"), "{name}: OS {os}");
    assert_eq!(os.contains("X64"), amd64, "{name}: OS {os}");
    assert!(!os.contains("ARM64"), "{name}: OS {os}");
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        let file = p.file_name().unwrap().to_string_lossy().to_lowercase();
        let bytes = std::fs::read(&p).unwrap();
        let (hashed, pe) = hashed_bytes(&bytes);
        // The streaming hasher of the single pass gives the same digests.
        let mut h = WindowsHasher::new(bytes.len() as u64);
        for c in bytes.chunks(64 * 1024) {
            h.update(c);
        }
        let d = h.finish();
        assert_eq!(d.pe_image, pe, "{name}/{file}");
        assert_eq!(
            d.sha256.to_vec(),
            digests(&hashed, DigestAlg::Sha256),
            "{name}/{file}"
        );
        assert_eq!(
            d.sha1.to_vec(),
            digests(&hashed, DigestAlg::Sha1),
            "{name}/{file}"
        );
        if file.ends_with(".inf") {
            *infs += 1;
            assert!(
                !in_catalog(cat, &bytes),
                "{name}/{file}: LF form is a member?"
            );
            let driver = dir.file_name().unwrap().to_string_lossy().into_owned();
            assert_eq!(
                in_catalog(cat, &crlf(&bytes)),
                CRLF_REPAIRABLE.contains(&driver.as_str()),
                "{name}/{file}: member once CRLF?"
            );
        } else if pe {
            *pe_files += 1;
            assert!(
                in_catalog(cat, &hashed),
                "{name}/{file}: image hash not a member"
            );
            assert!(
                !in_catalog(cat, &bytes),
                "{name}/{file}: flat hash a member?"
            );
            let m = cat
                .member_with(DigestAlg::Sha256, &digests(&hashed, DigestAlg::Sha256))
                .unwrap();
            assert!(
                m.pe_image || m.name_value("File").is_some(),
                "{name}/{file}"
            );
        }
    }
}

#[test]
fn one_changed_byte_inside_a_section_is_caught_a_changed_checksum_is_not() {
    let dir = virtio_drivers().join("amd64/viostor");
    let cat = catalog::parse(&std::fs::read(dir.join("viostor.cat")).unwrap()).unwrap();
    let sys = std::fs::read(dir.join("viostor.sys")).unwrap();
    let pe = u32::from_le_bytes(sys[0x3c..0x40].try_into().unwrap()) as usize;
    let mut checksum_changed = sys.clone();
    checksum_changed[pe + 24 + 64] ^= 0xFF;
    assert!(in_catalog(&cat, &hashed_bytes(&checksum_changed).0));
    let mut code_changed = sys.clone();
    code_changed[0x1000 + 17] ^= 1;
    assert!(!in_catalog(&cat, &hashed_bytes(&code_changed).0));
    // The same through validation and the catalog pass every front end runs.
    let drivers = guestpack::native::dir::read_dir_tree(&virtio_drivers()).unwrap();
    let codes = |sys: Vec<u8>| {
        let mut t = drivers.clone();
        t.insert(
            "amd64/viostor/viostor.sys",
            std::sync::Arc::new(guestpack::source::MemContent::new(sys)),
        );
        let gt = guestpack::bundled::default_guest_tools(false, Default::default());
        let input = guestpack::validate::ValidateInput {
            contract_found: None,
            drivers: &t,
            guest_tools: &gt,
            spec_name: "viostor.json",
            spec_json: br#"{"drivers":[{"name":"viostor"}]}"#,
            contract: None,
            signing_policy: guestpack::validate::signing::SigningPolicy::Production,
        };
        let opts = guestpack::validate::ValidateOptions {
            restore_crlf: true,
            ..Default::default()
        };
        let (mut r, mut staged) = guestpack::validate::validate(&input, &opts).unwrap();
        r.add(guestpack::build::check_catalogs(&mut staged, 1).unwrap());
        r.findings
            .iter()
            .filter(|f| f.code == "CAT002")
            .map(|f| (f.path.clone().unwrap(), f.message.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(codes(checksum_changed), vec![]);
    let found = codes(code_changed);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "drivers/amd64/viostor/viostor.sys");
    assert!(
        found[0].1.contains("Authenticode image hash"),
        "{}",
        found[0].1
    );
}

#[test]
fn a_catalog_is_not_another_folders_and_placeholder_bytes_are_no_catalog() {
    let root = virtio_drivers().join("amd64");
    let net = catalog::parse(&std::fs::read(root.join("netkvm/netkvm.cat")).unwrap()).unwrap();
    let sys = std::fs::read(root.join("viostor/viostor.sys")).unwrap();
    assert!(!in_catalog(&net, &hashed_bytes(&sys).0));
    // A placeholder with a DER-looking start, a truncated real catalog, and text.
    let real = std::fs::read(root.join("netkvm/netkvm.cat")).unwrap();
    for bytes in [
        &b"\x30\x82\x10\x00guestpack placeholder"[..],
        &real[..real.len() / 2],
        b"not a catalog",
    ] {
        let e = catalog::parse(bytes).unwrap_err();
        assert!(!e.to_string().is_empty());
    }
}

/// The package check on the real folders, through validation and the digest pass as every
/// front end runs them: the five INFs git's line-ending conversion broke are CAT003
/// (repairable), the eight others CAT002, no PE file is reported, every catalog is for its
/// folder's architecture and for Windows 8.1, none for Windows 7; with the INFs repaired the
/// five packages pass. A catalog swapped in from another driver reports every file.
#[test]
fn the_package_check_reports_what_the_real_data_holds() {
    use guestpack::validate::{validate, ValidateInput, ValidateOptions};
    let drivers = guestpack::native::dir::read_dir_tree(&virtio_drivers())
        .expect("the real drivers are readable");
    let names: Vec<String> = drivers.children("amd64");
    let spec = format!(
        r#"{{"drivers":[{}]}}"#,
        names
            .iter()
            .map(|n| format!(r#"{{"name":"{n}"}}"#))
            .collect::<Vec<_>>()
            .join(",")
    );
    let gt = guestpack::bundled::default_guest_tools(false, Default::default());
    let check = |drivers: &guestpack::source::vtree::VTree, opts: ValidateOptions| {
        let input = ValidateInput {
            contract_found: None,
            drivers,
            guest_tools: &gt,
            spec_name: "all.json",
            spec_json: spec.as_bytes(),
            contract: None,
            signing_policy: guestpack::validate::signing::SigningPolicy::Production,
        };
        let (mut report, mut staged) = validate(&input, &opts).unwrap();
        report.add(guestpack::build::check_catalogs(&mut staged, 2).unwrap());
        let cat: Vec<(String, String)> = report
            .findings
            .iter()
            .filter(|f| f.code.starts_with("CAT"))
            .map(|f| (f.code.to_string(), f.path.clone().unwrap_or_default()))
            .collect();
        (cat, staged)
    };
    let (found, staged) = check(&drivers, Default::default());
    let mut want = Vec::new();
    for arch in ["amd64", "x86"] {
        for n in &names {
            let code = if CRLF_REPAIRABLE.contains(&n.as_str()) {
                "CAT003"
            } else {
                "CAT002"
            };
            want.push((code.to_string(), format!("drivers/{arch}/{n}/{n}.inf")));
        }
    }
    let mut sorted = found.clone();
    sorted.sort_by(|a, b| a.1.cmp(&b.1));
    want.sort_by(|a, b| a.1.cmp(&b.1));
    assert_eq!(sorted, want);
    // Every installed file (the PE images among them) was looked up and matched.
    for p in &staged.packages {
        for c in &p.catalogs {
            assert!(c.readable, "{}", c.catalog);
            assert_eq!(c.windows, vec!["6.3".to_string()], "{}", c.catalog);
            assert_eq!(c.algorithms, vec!["sha1", "sha256"], "{}", c.catalog);
            assert_eq!(
                c.matched + 1,
                c.checked,
                "{}: only the INF fails",
                c.catalog
            );
            assert!(c.checked >= 2, "{}", c.catalog);
        }
    }
    // Windows 7 is not covered; repairing the INFs clears the five repairable packages.
    let w7 = ValidateOptions {
        target_os: Some(vec!["w7".into()]),
        restore_crlf: true,
        ..Default::default()
    };
    let (found, staged) = check(&drivers, w7);
    assert_eq!(found.iter().filter(|(c, _)| c == "CAT004").count(), 26);
    assert_eq!(found.iter().filter(|(c, _)| c == "CAT002").count(), 16);
    assert_eq!(
        found.iter().filter(|(c, _)| c == "CAT003").count(),
        10,
        "as notes"
    );
    let repaired: usize = staged
        .packages
        .iter()
        .flat_map(|p| &p.catalogs)
        .map(|c| c.repaired.len())
        .sum();
    assert_eq!(repaired, 10);
    // netkvm's catalog in viostor's folder: the INF and viostor.sys are not members.
    let mut swapped = drivers.clone();
    let net = swapped.get("amd64/netkvm/netkvm.cat").unwrap().clone();
    swapped.insert("amd64/viostor/viostor.cat", net);
    let (found, _) = check(&swapped, Default::default());
    let viostor: Vec<_> = found
        .iter()
        .filter(|(_, p)| p.starts_with("drivers/amd64/viostor/"))
        .cloned()
        .collect();
    assert_eq!(
        viostor,
        vec![
            (
                "CAT002".to_string(),
                "drivers/amd64/viostor/viostor.inf".to_string()
            ),
            (
                "CAT002".to_string(),
                "drivers/amd64/viostor/viostor.sys".to_string()
            ),
        ]
    );
}
