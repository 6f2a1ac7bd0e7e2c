//! The INF's own architecture and Windows: an x86-only INF in an amd64 folder (the real one,
//! moved) is INF010 naming the line and the decorations found; the real w8.1 build for a
//! Windows 7 medium, and a models section for Windows 10 1607 on a w8.1 medium, are INF011.

use crate::common::*;
use guestpack::diag::{Finding, Report};
use guestpack::source::vtree::VTree;
use guestpack::validate::signing::SigningPolicy;
use guestpack::validate::{validate, ValidateInput, ValidateOptions};
use guestpack::Severity;
use std::sync::Arc;

fn real() -> VTree {
    guestpack::native::read_dir_tree(&virtio_drivers()).unwrap()
}

fn check(drivers: &VTree, targets: Option<&[&str]>) -> Report {
    let gt = guestpack::bundled::default_guest_tools(false, SigningPolicy::None);
    let spec = guestpack::bundled::embedded::spec_file("virtio-win-8.1.json").unwrap();
    let (report, _) = validate(
        &ValidateInput {
            drivers,
            guest_tools: &gt,
            spec_name: "virtio-win-8.1.json",
            spec_json: spec,
            contract: None,
            contract_found: None,
            signing_policy: SigningPolicy::None,
        },
        &ValidateOptions {
            target_os: targets.map(|t| t.iter().map(|s| s.to_string()).collect()),
            ..ValidateOptions::default()
        },
    )
    .unwrap();
    report
}

fn with_code<'a>(r: &'a Report, code: &str) -> Vec<&'a Finding> {
    r.findings.iter().filter(|f| f.code == code).collect()
}

#[test]
fn the_real_drivers_are_for_their_own_architecture() {
    let r = check(&real(), None);
    assert!(with_code(&r, "INF010").is_empty() && with_code(&r, "INF011").is_empty());
}

#[test]
fn an_x86_inf_in_the_amd64_folder_is_an_error_naming_its_line() {
    let tree = real();
    let mut moved = VTree::new();
    for (p, c) in tree.files() {
        if p.starts_with("amd64/viostor/") {
            continue;
        }
        moved.insert(p, c.clone());
        if let Some(rest) = p.strip_prefix("x86/viostor/") {
            moved.insert(format!("amd64/viostor/{rest}"), c.clone());
        }
    }
    let r = check(&moved, None);
    let f = with_code(&r, "INF010");
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].severity, Severity::Error);
    assert_eq!(
        f[0].path.as_deref(),
        Some("drivers/amd64/viostor/viostor.inf")
    );
    assert_eq!(f[0].line, Some(50));
    assert!(
        f[0].message.contains("installs nothing on amd64 Windows")
            && f[0].message.contains("for x86 only")
            && f[0].message.contains("NTx86.6.3 (line 50, x86)"),
        "{}",
        f[0].message
    );
    assert!(f[0].help.as_deref().unwrap().contains("NTamd64"));
}

#[test]
fn the_w8_1_build_on_a_windows_7_medium_is_an_error_per_inf() {
    let r = check(&real(), Some(&["w7"]));
    let f = with_code(&r, "INF011");
    // 12 drivers × 2 architectures: vioprot decorates its models NTx86 and NTamd64 with no
    // Windows version, so it is for any.
    assert_eq!(f.len(), 24, "{f:?}");
    assert!(f
        .iter()
        .all(|f| !f.path.as_deref().unwrap().contains("vioprot")));
    let viostor = f
        .iter()
        .find(|f| f.path.as_deref() == Some("drivers/amd64/viostor/viostor.inf"))
        .unwrap();
    assert_eq!(viostor.line, Some(50));
    assert!(
        viostor
            .message
            .contains("needs Windows NT 6.3 (NTamd64.6.3) or later on amd64")
            && viostor.message.contains("the media is for w7 (NT 6.1)"),
        "{}",
        viostor.message
    );
    // For the Windows it was built for, nothing.
    let r = check(&real(), Some(&["w8.1", "w10"]));
    assert!(with_code(&r, "INF011").is_empty());
}

#[test]
fn a_build_number_decoration_is_named() {
    let tree = real();
    let mut newer = VTree::new();
    for (p, c) in tree.files() {
        if p == "amd64/viostor/viostor.inf" {
            let text = String::from_utf8(read_all(c.as_ref())).unwrap();
            let text = text.replace("NTamd64.6.3", "NTamd64.10.0...14393");
            newer.insert(
                p,
                Arc::new(guestpack::source::MemContent::new(text.into_bytes())),
            );
        } else {
            newer.insert(p, c.clone());
        }
    }
    let r = check(&newer, Some(&["w8.1"]));
    let f = with_code(&r, "INF011");
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(
        f[0].message
            .contains("needs Windows NT 10.0 build 14393 (NTamd64.10.0...14393) or later on amd64")
            && f[0].message.contains("w8.1 (NT 6.3)"),
        "{}",
        f[0].message
    );
}

fn read_all(c: &dyn guestpack::source::Content) -> Vec<u8> {
    guestpack::source::read_to_vec(c, 1 << 24).unwrap()
}
