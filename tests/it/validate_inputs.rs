//! Validation rules about the guest-tools tree, signing policy, refusals, media names and the
//! fatal errors of `validate`.

use crate::validate_util as util;

use guestpack::diag::Severity;
use guestpack::source::read_to_vec;
use guestpack::source::vtree::RejectKind;
use guestpack::validate::signing::SigningPolicy;
use util::*;

fn staged_bytes(s: &guestpack::validate::Staged, path: &str) -> Vec<u8> {
    let (_, c) = s
        .files
        .iter()
        .find(|(p, _)| p == path)
        .unwrap_or_else(|| panic!("{path} not staged"));
    read_to_vec(c.as_ref(), 1 << 20).unwrap()
}

#[test]
fn missing_required_guest_tools_file_is_named() {
    let (r, _) = Case::base().remove_gt("README.md").run();
    let f = one(&r, "GT001");
    assert_eq!(
        (f.severity, f.path.as_deref()),
        (Severity::Error, Some("README.md"))
    );
}

#[test]
fn guest_tools_layout_rules() {
    let mut c = Case::base();
    c.add_gt_file("certs/notes.txt", b"x")
        .add_gt_file("notes.txt", b"x")
        .add_gt_file("extra/a.txt", b"x")
        .add_gt_file("extra/b.txt", b"x")
        .add_gt_file("drivers/amd64/x/x.inf", b"x")
        .add_gt_file("manifest.json", b"{}")
        .add_gt_file("licenses/virtio/COPYING.obj", b"l")
        .add_gt_file("tools/bin/probe.exe", b"t")
        .add_gt_file("tools/bin/probe.pdb", b"t")
        .add_gt_file(".git/HEAD", b"h");
    let (r, s) = c.run();
    assert_eq!(one(&r, "GT002").path.as_deref(), Some("certs/notes.txt"));
    let gt3: Vec<_> = with_code(&r, "GT003")
        .iter()
        .map(|f| (f.severity, f.path.clone().unwrap()))
        .collect();
    assert_eq!(
        gt3,
        vec![
            (Severity::Warning, "extra".to_string()),
            (Severity::Warning, "notes.txt".to_string())
        ]
    );
    let gt4: Vec<_> = with_code(&r, "GT004")
        .iter()
        .map(|f| f.path.clone().unwrap())
        .collect();
    assert_eq!(gt4, vec!["drivers", "manifest.json"]);
    let p = paths(&s);
    assert!(p.contains(&"licenses/virtio/COPYING.obj") && p.contains(&"tools/bin/probe.exe"));
    for gone in [
        "tools/bin/probe.pdb",
        "notes.txt",
        "extra/a.txt",
        "manifest.json",
        "certs/notes.txt",
        ".git/HEAD",
    ] {
        assert!(!p.contains(&gone), "{gone} staged");
    }
    assert!(!p.iter().any(|p| p.starts_with("drivers/amd64/x/")));
    assert_eq!(one(&r, "POL010").path.as_deref(), Some("tools"));
}

#[test]
fn guest_tools_wrapper_folder_is_detected() {
    let mut c = Case::base();
    for (p, _) in &mut c.guest_tools {
        *p = format!("guest-tools/{p}");
    }
    let (r, s) = c.run();
    assert_clean(&r);
    assert!(paths(&s).contains(&"setup.cmd"));
}

#[test]
fn contract_generates_devices_cmd_over_the_shipped_one() {
    let mut c = Case::base();
    c.add_gt_file(
        "config/devices.cmd",
        b"@echo off\r\nset \"VIRTIO_BLK_HWIDS=\"\r\n",
    );
    c.contract = Some(CONTRACT.to_string());
    let (r, s) = c.run();
    assert_clean(&r);
    let contract =
        guestpack::validate::contract::parse("contract.json", CONTRACT.as_bytes()).unwrap();
    assert_eq!(
        staged_bytes(&s, "config/devices.cmd"),
        guestpack::validate::devices_cmd::generate(&contract, &[])
            .unwrap()
            .into_bytes()
    );
    let cref = s.contract.expect("contract recorded");
    assert_eq!(cref.name, "contract.json");
    assert_eq!(
        cref.sha256,
        guestpack::validate::input_ref("x", CONTRACT.as_bytes())
            .unwrap()
            .sha256
    );
    // Without the contract the shipped (broken) file is used and its empty list is checked.
    c.contract = None;
    let (r, s) = c.run();
    assert!(staged_bytes(&s, "config/devices.cmd")
        .starts_with(b"@echo off\r\nset \"VIRTIO_BLK_HWIDS=\""));
    assert!(with_code(&r, "DEV001")
        .iter()
        .any(|f| f.message.contains("VIRTIO_NET_HWIDS")));
}

#[test]
fn shipped_devices_cmd_encoding_is_checked() {
    let mut c = Case::base();
    c.add_gt_file("config/devices.cmd", b"@echo off\nrem caf\xc3\xa9\n");
    let f = one(&c.run().0, "DEV002").clone();
    assert_eq!(
        (f.path.as_deref(), f.line),
        (Some("config/devices.cmd"), Some(2))
    );
    c.add_gt_file("config/devices.cmd", b"@echo off\r\nset \"VIRTIO_BLK_SERVICE=viostor\"\nset VIRTIO_BLK_HWIDS=\"PCI\\VEN_1AF4&DEV_1042\"\r\nset \"VIRTIO_NET_SERVICE=netkvm\"\r\nset VIRTIO_NET_HWIDS=PCI\\VEN_1AF4&DEV_1041\r\n");
    let (r, _) = c.run();
    let f = one(&r, "DEV003");
    assert_eq!((f.severity, f.line), (Severity::Warning, Some(2)));
    assert!(errors(&r).is_empty(), "{:#?}", r.findings);
}

#[test]
fn signing_policy_and_certificates() {
    let mut c = Case::base();
    c.remove_gt(guestpack::bundled::sample::CERTIFICATE_PATH);
    let (r, _) = c.run();
    let f = one(&r, "SIGN001");
    assert_eq!(f.severity, Severity::Error);
    // The other policies are offered as the choice that fixes it (the page's menu).
    let choice = f.choice.as_ref().expect("a choice");
    assert_eq!(
        (choice.option, choice.values.clone()),
        (
            "signingPolicy",
            vec!["production".to_string(), "none".to_string()]
        )
    );
    c.add_gt_file("certs/Test.CER", guestpack::bundled::sample::CERTIFICATE);
    let (r, s) = c.run();
    assert_clean(&r);
    assert!(paths(&s).contains(&"certs/Test.CER"));
    for policy in [SigningPolicy::Production, SigningPolicy::None] {
        c.policy = policy;
        let (r, _) = c.run();
        let f = one(&r, "SIGN002");
        assert_eq!(f.path.as_deref(), Some("certs/Test.CER"));
        assert!(f.help.as_deref().unwrap().contains("--signing-policy test"));
        assert_eq!(
            f.choice.as_ref().map(|c| c.values.clone()),
            Some(vec!["test".to_string()])
        );
    }
}

#[test]
fn private_keys_are_refused_everywhere_even_hidden_or_allowlisted() {
    let mut c = Case::base();
    c.spec = c.spec.replace(
        r#"{"name":"viostor","#,
        r#"{"name":"viostor","allow_extensions":["pfx"],"allow_path_regexes":[".*"],"#,
    );
    c.add_driver_file("amd64/viostor/.signing/release.PFX", b"k")
        .add_driver_file("amd64/viostor/viostor.pfx", b"k")
        .add_driver_file("amd64/unlisted/key.pem", b"k")
        .add_driver_file("notes/id.ppk", b"k")
        .add_gt_file("certs/test.key", b"k")
        .add_gt_file("tools/.ssh/id.p12", b"k");
    c.policy = SigningPolicy::Test;
    c.add_gt_file("certs/test.cer", b"cert");
    let (r, s) = c.run();
    let mut got: Vec<String> = with_code(&r, "POL001")
        .iter()
        .map(|f| f.path.clone().unwrap())
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            "amd64/unlisted/key.pem",
            "amd64/viostor/.signing/release.PFX",
            "amd64/viostor/viostor.pfx",
            "certs/test.key",
            "notes/id.ppk",
            "tools/.ssh/id.p12"
        ]
    );
    assert!(with_code(&r, "POL001")
        .iter()
        .all(|f| f.severity == Severity::Error));
    let p = paths(&s);
    assert!(
        !p.iter().any(|p| p.to_lowercase().ends_with(".pfx")
            || p.ends_with(".key")
            || p.ends_with(".p12")),
        "{p:?}"
    );
    assert!(with_code(&r, "GT002").is_empty(), "keys are reported once");
}

#[test]
fn adapter_rejections_name_their_paths() {
    let c = Case::base();
    let mut drivers = tree(&signed(&c.drivers));
    drivers.reject("amd64/viostor/link.sys", RejectKind::Symlink);
    drivers.reject("amd64/viostor/bad\u{fffd}.sys", RejectKind::NonUtf8Name);
    let mut gt = tree(&c.guest_tools);
    gt.reject("../evil.cmd", RejectKind::UnsafePath);
    gt.reject("tools/fifo", RejectKind::Other("special file".into()));
    let (r, _) = c.run_trees(&drivers, &gt);
    assert_eq!(
        one(&r, "POL002").path.as_deref(),
        Some("amd64/viostor/link.sys")
    );
    assert_eq!(
        one(&r, "POL003").path.as_deref(),
        Some("amd64/viostor/bad\u{fffd}.sys")
    );
    assert_eq!(one(&r, "POL004").path.as_deref(), Some("../evil.cmd"));
    let f = one(&r, "POL005");
    assert!(f.message.contains("special file") && f.path.as_deref() == Some("tools/fifo"));
    assert_eq!(errors(&r).len(), 4);
}

#[test]
fn media_names_are_checked_on_media_paths() {
    let mut c = Case::base();
    c.add_driver_file("amd64/viostor/\u{c4}nderung.txt", b"a")
        .add_driver_file("amd64/viostor/\u{e4}nderung.txt", b"b")
        .add_driver_file("x86/netkvm/aux.dat", b"x")
        .add_gt_file("tools/Stra\u{df}e.txt", b"x")
        .add_gt_file("tools/STRASSE.txt", b"x")
        .add_gt_file("tools/what?.txt", b"x")
        .add_gt_file(&format!("tools/{}.txt", "n".repeat(70)), b"x")
        .add_gt_file("tools/a;1", b"x");
    let (r, _) = c.run();
    let col = one(&r, "NAME003");
    assert_eq!(
        col.path.as_deref(),
        Some("drivers/amd64/viostor/\u{e4}nderung.txt")
    );
    assert!(col
        .message
        .contains("drivers/amd64/viostor/\u{c4}nderung.txt"));
    assert_eq!(
        one(&r, "NAME002").path.as_deref(),
        Some("drivers/x86/netkvm/aux.dat")
    );
    assert_eq!(one(&r, "NAME001").path.as_deref(), Some("tools/what?.txt"));
    assert!(one(&r, "NAME004")
        .help
        .as_deref()
        .unwrap()
        .contains("shorten"));
    assert_eq!(one(&r, "NAME006").path.as_deref(), Some("tools/a;1"));
    assert_eq!(errors(&r).len(), 5, "{:#?}", r.findings);
}

#[test]
fn spec_and_contract_json_errors_are_fatal_regex_errors_are_findings() {
    let mut c = Case::base();
    c.spec = r#"{"drivers":[{"name":"viostor","expected_hwids":[]}]}"#.into();
    let input = |c: &Case, d, g| {
        guestpack::validate::validate(
            &guestpack::validate::ValidateInput {
                contract_found: None,
                drivers: d,
                guest_tools: g,
                spec_name: "my-spec.json",
                spec_json: c.spec.as_bytes(),
                contract: c
                    .contract
                    .as_deref()
                    .map(|x| ("my-contract.json", x.as_bytes())),
                signing_policy: c.policy,
            },
            &Default::default(),
        )
        .err()
        .map(|e| e.to_string())
    };
    let (d, g) = (tree(&signed(&c.drivers)), tree(&c.guest_tools));
    let msg = input(&c, &d, &g).expect("unknown field is fatal");
    assert!(
        msg.starts_with("my-spec.json:") && msg.contains("expected_hwids"),
        "{msg}"
    );
    c.spec = "{\"drivers\": [".into();
    assert!(input(&c, &d, &g).unwrap().starts_with("my-spec.json:"));
    c.spec = SPEC.replace("DEV_1042\\\\b", "DEV_1042(");
    c.contract = Some(r#"{"schema_version":1,"devices":[]}"#.into());
    let msg = input(&c, &d, &g).expect("empty contract is fatal");
    assert!(
        msg.starts_with("my-contract.json:") && msg.contains("devices"),
        "{msg}"
    );
    c.contract = None;
    assert!(input(&c, &d, &g).is_none());
    let (r, _) = c.run();
    let f = one(&r, "SPEC001");
    assert_eq!(f.path.as_deref(), Some("test-spec.json"));
    assert!(f.message.contains("viostor") && f.message.contains("DEV_1042("));
}

#[test]
fn reports_are_deterministic_and_normalized() {
    let mut c = Case::base();
    c.add_driver_file("amd64/zz/zz.inf", b"x")
        .add_driver_file("x86/aa/aa.inf", b"x")
        .remove_gt("verify.ps1");
    c.add_driver_file("amd64/viostor/b.pdb", b"x")
        .add_driver_file("amd64/viostor/a.pdb", b"x");
    let (r1, s1) = c.run();
    c.drivers.reverse();
    c.guest_tools.reverse();
    let (r2, s2) = c.run();
    use guestpack::validate::report::ValidationReport;
    assert_eq!(
        ValidationReport::new(&r1, &s1).to_json(),
        ValidationReport::new(&r2, &s2).to_json()
    );
    assert_eq!(paths(&s1), paths(&s2));
    let sev: Vec<Severity> = r1.findings.iter().map(|f| f.severity).collect();
    assert!(sev.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(s1.spec.sha256, s2.spec.sha256);
    // Same spec, different formatting: same digest.
    let mut c2 = Case::base();
    c2.spec =
        serde_json::to_string_pretty(&serde_json::from_str::<serde_json::Value>(SPEC).unwrap())
            .unwrap();
    assert_eq!(c2.run().1.spec.sha256, s1.spec.sha256);
}

#[test]
fn staged_contents_are_the_input_contents() {
    let mut c = Case::base();
    c.add_gt_file("licenses/a.txt", b"license text");
    let (_, s) = c.run();
    assert_eq!(staged_bytes(&s, "licenses/a.txt"), b"license text");
}
