//! Validation of the real virtio-win 8.1 driver packages (read from ../shared/data) with the
//! shipped specs and the shipped default device contract.

use crate::validate_util as util;

use guestpack::source::vtree::VTree;
use guestpack::source::MemContent;
use guestpack::validate::layout::Arch;
use guestpack::validate::signing::SigningPolicy;
use guestpack::validate::{validate, PackageState, ValidateInput};
use std::path::Path;
use std::sync::Arc;
use util::*;

const DATA: &str = "../shared/data/virtio-win-8.1/drivers";

/// Reads a directory into a tree (the test's own small adapter; the data set is a few MB).
fn read_dir(root: &Path) -> VTree {
    fn walk(dir: &Path, rel: &str, t: &mut VTree) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap())
            .collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let name = e.file_name().into_string().unwrap();
            let path = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            if e.file_type().unwrap().is_dir() {
                walk(&e.path(), &path, t);
            } else {
                t.insert(
                    path,
                    Arc::new(MemContent::new(std::fs::read(e.path()).unwrap())),
                );
            }
        }
    }
    let mut t = VTree::new();
    walk(root, "", &mut t);
    t
}

/// The certificate the real catalogs carry (their signer, self-signed).
pub fn virtio_signer() -> Vec<u8> {
    let cat = std::fs::read(Path::new(DATA).join("amd64/viostor/viostor.cat")).unwrap();
    let cat = guestpack::input::catalog::parse(&cat).unwrap();
    assert_eq!(cat.certificates.len(), 1);
    cat.certificates[0].clone()
}

fn run(spec: &str, drivers: &VTree) -> (guestpack::Report, guestpack::validate::Staged) {
    let spec_json = std::fs::read(format!("specs/{spec}")).unwrap();
    let contract = std::fs::read("specs/windows-device-contract.json").unwrap();
    // Test signing, with the certificate that signed the catalogs (taken out of one) in certs/.
    let mut case = Case::base();
    case.remove_gt(guestpack::bundled::sample::CERTIFICATE_PATH);
    case.add_gt_file("certs/virtio-win.cer", &virtio_signer());
    let gt = tree(&case.guest_tools);
    validate(
        &ValidateInput {
            contract_found: None,
            drivers,
            guest_tools: &gt,
            spec_name: spec,
            spec_json: &spec_json,
            contract: Some(("windows-device-contract.json", &contract)),
            signing_policy: SigningPolicy::Test,
        },
        // The repository stores INFs with LF line endings; their catalogs hold the CRLF form.
        &guestpack::validate::ValidateOptions {
            restore_crlf: true,
            ..Default::default()
        },
    )
    .unwrap()
}

#[test]
fn virtio_win_8_1_validates_without_errors_and_drops_pdbs() {
    let drivers = read_dir(Path::new(DATA));
    assert!(drivers.file_count() >= 80, "data set present");
    let (r, s) = run("virtio-win-8.1.json", &drivers);
    // The only errors: the INFs of the eight drivers whose text differs from what was signed
    // in more than line endings (tests/it/catalogs_real.rs), on both architectures.
    let errors: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.severity == guestpack::diag::Severity::Error)
        .collect();
    assert_eq!(errors.len(), 16, "{errors:#?}");
    assert!(errors
        .iter()
        .all(|f| f.code == "CAT002" && f.path.as_deref().unwrap().ends_with(".inf")));
    assert_eq!(r.warnings(), 0, "{:#?}", r.findings);
    assert_eq!(with_code(&r, "CAT003").len(), 10, "repaired, as notes");
    let p = paths(&s);
    assert!(!p.iter().any(|p| p.ends_with(".pdb")), "{p:?}");
    assert_eq!(
        p.iter().filter(|p| p.starts_with("drivers/")).count(),
        90 - 2 - 4
    );
    assert!(
        p.contains(&"drivers/amd64/viostor/viostor.sys")
            && p.contains(&"drivers/x86/vioprot/netkvmp.exe")
    );
    // Both .pdb folders report what was left out, as info only.
    let pol: Vec<_> = with_code(&r, "POL010")
        .iter()
        .map(|f| f.path.clone().unwrap())
        .collect();
    assert_eq!(
        pol,
        vec![
            "drivers/amd64/netkvm",
            "drivers/amd64/viostor",
            "drivers/x86/netkvm",
            "drivers/x86/viostor"
        ]
    );
    assert_eq!(s.packages.len(), 26);
    assert!(s
        .packages
        .iter()
        .all(|r| r.state == PackageState::Present && r.inf_refs_ok));
    let viostor = s
        .packages
        .iter()
        .find(|r| r.arch == Arch::Amd64 && r.driver == "viostor")
        .unwrap();
    assert_eq!(viostor.hwids_matched.len(), 2);
}

#[test]
fn win7_specs_pass_on_virtio_win_8_1_with_devices_cmd_ids() {
    let drivers = read_dir(Path::new(DATA));
    let (r, s) = run("win7-virtio-win.json", &drivers);
    assert!(!r.has_errors(), "{:#?}", r.findings);
    // The eleven other folders are unlisted: warnings, not packaged.
    assert_eq!(with_code(&r, "DRV004").len(), 22);
    let row = s
        .packages
        .iter()
        .find(|r| r.arch == Arch::X86 && r.driver == "netkvm")
        .unwrap();
    assert!(
        row.hwids_matched
            .iter()
            .any(|h| h == "PCI\\VEN_1AF4&DEV_1000"),
        "{:?}",
        row.hwids_matched
    );
    let (r, _) = run("win7-virtio-full.json", &drivers);
    // Its only errors: INFs whose text differs from what was signed (vioinput, vioser...).
    assert!(
        r.findings
            .iter()
            .filter(|f| f.severity == guestpack::diag::Severity::Error)
            .all(|f| f.code == "CAT002" && f.path.as_deref().unwrap().ends_with(".inf")),
        "{:#?}",
        r.findings
    );
    // viosnd is optional and absent from this set.
    assert_eq!(with_code(&r, "DRV002").len(), 2);
}

#[test]
fn removing_a_referenced_file_from_real_data_is_caught() {
    let full = read_dir(Path::new(DATA));
    let mut drivers = VTree::new();
    for (p, c) in full.files() {
        if p != "amd64/vioinput/viohidkmdf.sys" {
            drivers.insert(p, c.clone());
        }
    }
    let (r, _) = run("virtio-win-8.1.json", &drivers);
    let f = one(&r, "INF002");
    assert_eq!(
        f.path.as_deref(),
        Some("drivers/amd64/vioinput/vioinput.inf")
    );
    assert!(f.message.contains("viohidkmdf.sys") && f.line.is_some());
}
