//! The tools of a spec made from a virtio-win tree: its `guest-agent/` packages become the
//! optional tool `qemu-ga`, each package named for the architecture its own platform says,
//! and the spec applied to the same input packages the agent without a finding about it.

use crate::installer_maker::{self as maker, AMD64};
use crate::upstream_layout::upstream_tree;
use guestpack::diag::{Finding, Report};
use guestpack::limits::Limits;
use guestpack::source::vtree::VTree;
use guestpack::source::MemContent;
use guestpack::validate::layout::LayoutOptions;
use guestpack::validate::signing::SigningPolicy;
use guestpack::validate::spec::generate::{generate, Generated};
use guestpack::validate::{validate, ValidateInput, ValidateOptions};
use guestpack::Severity;
use std::sync::Arc;

fn w10() -> LayoutOptions {
    LayoutOptions {
        os: Some("w10".into()),
    }
}

/// [`upstream_tree`] with `side` files (paths under the tree's root) added.
fn with_side(side: &[(String, Vec<u8>)]) -> VTree {
    let mut tree = upstream_tree();
    for (path, bytes) in side {
        tree.insert(path.clone(), Arc::new(MemContent::new(bytes.clone())));
    }
    tree
}

fn agent() -> Vec<(String, Vec<u8>)> {
    maker::qemu_ga()
        .into_iter()
        .map(|(n, b)| (format!("guest-agent/{n}"), b))
        .collect()
}

fn made(tree: &VTree) -> Generated {
    generate(tree, "virtio-win.iso", &w10(), &Limits::default())
}

fn spec_json(g: &Generated) -> serde_json::Value {
    serde_json::from_str(g.json.as_deref().expect("a spec")).unwrap()
}

fn codes(findings: &[Finding]) -> Vec<&str> {
    findings.iter().map(|f| f.code).collect()
}

fn check(tree: &VTree, spec: &str) -> (Report, guestpack::validate::Staged) {
    let gt = guestpack::bundled::default_guest_tools(true, SigningPolicy::None);
    validate(
        &ValidateInput {
            drivers: tree,
            guest_tools: &gt,
            spec_name: "spec.json",
            spec_json: spec.as_bytes(),
            contract: None,
            contract_found: None,
            signing_policy: SigningPolicy::None,
        },
        &ValidateOptions {
            layout: w10(),
            ..ValidateOptions::default()
        },
    )
    .unwrap()
}

#[test]
fn the_guest_agent_becomes_an_optional_tool_that_its_own_input_satisfies() {
    let mut side = agent();
    side.push(("data/info.txt".into(), b"x".to_vec()));
    let tree = with_side(&side);
    let g = made(&tree);
    // data/ is still left out; guest-agent/ is taken. (The rest are the layout's notes.)
    let noted: Vec<_> = g
        .findings
        .iter()
        .filter(|f| f.severity != Severity::Info)
        .cloned()
        .collect();
    assert_eq!(codes(&noted), vec!["LAY012"], "{noted:?}");
    let lay012 = g.findings.iter().find(|f| f.code == "LAY012").unwrap();
    assert!(
        lay012.message.ends_with("not packaged: \"data\""),
        "{}",
        lay012.message
    );
    let spec = spec_json(&g);
    assert_eq!(
        spec["tools"],
        serde_json::json!([{
            "name": "qemu-ga",
            "aliases": ["guest-agent"],
            "required": false,
            "installers": {"amd64": "qemu-ga-x86_64.msi", "x86": "qemu-ga-i386.msi"}
        }])
    );
    assert!(
        spec["description"].as_str().unwrap().contains("1 tool(s)"),
        "{}",
        spec["description"]
    );
    let parsed = g.spec.as_ref().unwrap();
    assert_eq!(parsed.tools.len(), 1);

    // Applied to the same input: the agent is packaged for both its architectures, and the
    // only tool finding is the note that virtio-win has no arm64 agent.
    let (r, staged) = check(&tree, g.json.as_deref().unwrap());
    let tool_findings: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.code.starts_with("TOOL") || f.code.starts_with("SPEC"))
        .collect();
    assert_eq!(tool_findings.len(), 1, "{tool_findings:?}");
    assert_eq!(
        (tool_findings[0].code, tool_findings[0].severity),
        ("TOOL002", Severity::Info)
    );
    assert!(tool_findings[0].message.contains("arm64"));
    let t = &staged.tools[0];
    assert_eq!(t.source.as_deref(), Some("guest-agent"));
    let archs: Vec<_> = t
        .installers
        .iter()
        .map(|i| (i.arch.as_str(), i.ok))
        .collect();
    assert_eq!(archs, vec![("x86", true), ("amd64", true)]);
}

#[test]
fn packages_are_named_for_the_platform_they_declare_not_their_file_name() {
    // The x64 package under the i386 name and the other way round.
    let tree = with_side(&[
        (
            "guest-agent/qemu-ga-i386.msi".into(),
            maker::msi("x64", maker::product_code("x64"), "QEMU guest agent", "1"),
        ),
        (
            "guest-agent/qemu-ga-x86_64.msi".into(),
            maker::msi(
                "Intel",
                maker::product_code("Intel"),
                "QEMU guest agent",
                "1",
            ),
        ),
    ]);
    let g = made(&tree);
    assert_eq!(
        spec_json(&g)["tools"][0]["installers"],
        serde_json::json!({"amd64": "qemu-ga-i386.msi", "x86": "qemu-ga-x86_64.msi"})
    );
}

#[test]
fn unreadable_extra_and_unknown_packages_are_each_named() {
    let mut side = agent();
    side.push(("guest-agent/broken.msi".into(), b"not a package".to_vec()));
    side.push((
        "guest-agent/zz-newer-x64.msi".into(),
        maker::msi(
            "x64",
            "{00000000-0000-0000-0000-000000000001}",
            "agent",
            "2",
        ),
    ));
    side.push((
        "guest-agent/itanium.msi".into(),
        maker::msi(
            "Intel64",
            "{00000000-0000-0000-0000-000000000002}",
            "agent",
            "2",
        ),
    ));
    let tree = with_side(&side);
    let g = made(&tree);
    let at = |code: &str| {
        let f = g
            .findings
            .iter()
            .find(|f| f.code == code)
            .unwrap_or_else(|| panic!("{code}: {:?}", g.findings));
        (f.severity, f.path.clone().unwrap())
    };
    assert_eq!(
        at("GEN002"),
        (Severity::Warning, "guest-agent/broken.msi".into())
    );
    assert_eq!(
        at("GEN003"),
        (Severity::Info, "guest-agent/itanium.msi".into())
    );
    assert_eq!(
        at("GEN004"),
        (Severity::Info, "guest-agent/zz-newer-x64.msi".into())
    );
    assert!(g
        .findings
        .iter()
        .find(|f| f.code == "GEN004")
        .unwrap()
        .message
        .contains("qemu-ga-x86_64.msi"));
    assert_eq!(
        spec_json(&g)["tools"][0]["installers"]["amd64"],
        "qemu-ga-x86_64.msi"
    );
}

#[test]
fn a_folder_without_packages_is_left_to_the_user() {
    // A program installer needs an uninstall command no file says: no tool is made up.
    let tree = with_side(&[("guest-agent/setup.exe".into(), maker::pe(AMD64))]);
    let g = made(&tree);
    assert!(spec_json(&g).get("tools").is_none());
    let lay012 = g.findings.iter().find(|f| f.code == "LAY012").unwrap();
    assert!(
        lay012.message.ends_with("not packaged: \"guest-agent\""),
        "{}",
        lay012.message
    );
}

#[test]
fn a_folder_of_packages_next_to_architecture_folders_becomes_a_tool_too() {
    let mut tree = guestpack::bundled::sample::sample_drivers();
    for (name, bytes) in maker::qemu_ga() {
        tree.insert(
            format!("guest-agent/{name}"),
            Arc::new(MemContent::new(bytes)),
        );
    }
    let g = generate(
        &tree,
        "bundle.zip",
        &LayoutOptions::default(),
        &Limits::default(),
    );
    assert!(g.findings.is_empty(), "{:?}", g.findings);
    assert_eq!(
        spec_json(&g)["tools"][0]["installers"],
        serde_json::json!({"amd64": "qemu-ga-x86_64.msi", "x86": "qemu-ga-i386.msi"})
    );
}
