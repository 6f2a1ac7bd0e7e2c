//! Validation rules about the driver input: layout, presence, file policy and INF contents.

use crate::validate_util as util;

use guestpack::diag::Severity;
use guestpack::validate::layout::Arch;
use guestpack::validate::PackageState;
use util::*;

#[test]
fn baseline_is_clean_and_staged_in_path_order() {
    let (r, s) = Case::base().run();
    assert_clean(&r);
    let p = paths(&s);
    assert_eq!(
        p.len(),
        8 + 12,
        "7 guest-tools files and the certificate, 12 driver files"
    );
    assert!(p.windows(2).all(|w| w[0] < w[1]), "sorted: {p:?}");
    assert!(p.contains(&"drivers/amd64/viostor/viostor.inf") && p.contains(&"config/devices.cmd"));
    assert!(!p.contains(&"manifest.json"));
    assert_eq!(s.packages.len(), 4);
    let row = s
        .packages
        .iter()
        .find(|r| r.arch == Arch::X86 && r.driver == "viostor")
        .unwrap();
    assert_eq!(
        (row.state, row.files, row.required, row.inf_refs_ok),
        (PackageState::Present, 3, true, true)
    );
    assert!(
        row.hwids_matched
            .iter()
            .any(|h| h == "PCI\\VEN_1AF4&DEV_1001"),
        "{:?}",
        row.hwids_matched
    );
    assert_eq!(s.spec.name, "test-spec.json");
    assert_eq!(s.spec.sha256.len(), 64);
    assert!(s.contract.is_none());
}

#[test]
fn required_driver_missing_on_one_arch_is_an_error() {
    let (r, s) = Case::base().remove_drivers("x86/netkvm/").run();
    let f = one(&r, "DRV001");
    assert_eq!(
        (f.severity, f.path.as_deref()),
        (Severity::Error, Some("drivers/x86/netkvm"))
    );
    assert!(f.message.contains("\"netkvm\"") && f.message.contains("x86"));
    let row = s
        .packages
        .iter()
        .find(|r| r.arch == Arch::X86 && r.driver == "netkvm")
        .unwrap();
    assert_eq!(row.state, PackageState::Missing);
}

#[test]
fn optional_drivers_warn_or_fail_by_spec_flag() {
    let mut c = Case::base();
    c.spec = c.spec.replace(
        r#"{"name":"netkvm","#,
        r#"{"name":"netkvm","required":false,"#,
    );
    c.remove_drivers("x86/netkvm/");
    let (r, _) = c.run();
    assert_eq!(one(&r, "DRV002").severity, Severity::Warning);
    assert!(errors(&r).is_empty(), "{:#?}", r.findings);
    c.spec = c
        .spec
        .replacen('{', r#"{"require_optional_drivers_on_all_arches":true,"#, 1);
    let (r, _) = c.run();
    let f = one(&r, "DRV003");
    assert_eq!(
        (f.severity, f.path.as_deref()),
        (Severity::Error, Some("drivers/x86/netkvm"))
    );
    // Absent on every arch is still only a warning.
    c.remove_drivers("amd64/netkvm/");
    let (r, _) = c.run();
    assert_eq!(with_code(&r, "DRV002").len(), 2);
    assert!(with_code(&r, "DRV003").is_empty());
}

#[test]
fn unlisted_driver_folders_are_dropped_with_warning_or_error() {
    let mut c = Case::base();
    c.add_driver_file("amd64/vioextra/vioextra.inf", b"[Version]\r\n");
    let (r, s) = c.run();
    let f = one(&r, "DRV004");
    assert_eq!(
        (f.severity, f.path.as_deref()),
        (Severity::Warning, Some("amd64/vioextra"))
    );
    assert!(!paths(&s).iter().any(|p| p.contains("vioextra")));
    assert!(s
        .packages
        .iter()
        .any(|r| r.driver == "vioextra" && r.state == PackageState::Unlisted));
    c.spec = c
        .spec
        .replacen('{', r#"{"fail_on_unlisted_driver_dirs":true,"#, 1);
    assert_eq!(one(&c.run().0, "DRV004").severity, Severity::Error);
}

#[test]
fn output_folder_uses_spec_spelling_and_arch_aliases() {
    let mut c = Case::base();
    c.rename_drivers("x86/viostor/", "I386/VioStor/")
        .rename_drivers("x86/", "I386/")
        .rename_drivers("amd64/", "X64/");
    let (r, s) = c.run();
    assert_clean(&r);
    let p = paths(&s);
    assert!(
        p.contains(&"drivers/x86/viostor/viostor.inf")
            && p.contains(&"drivers/amd64/netkvm/netkvm.sys"),
        "{p:?}"
    );
}

#[test]
fn wrapper_folder_is_detected_ignoring_macos_residue() {
    let mut c = Case::base();
    c.rename_drivers("", "virtio-win-0.1/");
    c.add_driver_file("__MACOSX/virtio-win-0.1/._x86", b"x")
        .add_driver_file(".DS_Store", b"x");
    let (r, s) = c.run();
    assert_clean(&r);
    assert!(paths(&s).contains(&"drivers/amd64/viostor/viostor.cat"));
}

#[test]
fn two_folders_for_one_arch_are_named() {
    let mut c = Case::base();
    c.add_driver_file("x64/viostor/viostor.inf", b"x");
    let (r, _) = c.run();
    let f = one(&r, "LAY002");
    assert_eq!(f.severity, Severity::Error);
    assert!(
        f.message.contains("\"amd64\"") && f.message.contains("\"x64\""),
        "{}",
        f.message
    );
}

#[test]
fn missing_arch_folders_explain_the_layout() {
    let mut c = Case::base();
    c.rename_drivers("x86/", "drivers-x86/")
        .rename_drivers("amd64/", "drivers-amd64/");
    let (r, _) = c.run();
    let f = one(&r, "LAY001");
    assert!(f.help.as_deref().unwrap_or("").contains("amd64/<driver>"));
    // One finding names what is there, instead of every spec driver missing twice over.
    assert!(
        f.message.contains("\"drivers-amd64\"") && f.message.contains("\"drivers-x86\""),
        "{}",
        f.message
    );
    assert!(with_code(&r, "LAY003").is_empty());
    assert!(with_code(&r, "DRV001").is_empty());
}

#[test]
fn an_input_without_files_is_called_empty() {
    let mut c = Case::base();
    c.remove_drivers("");
    let (r, _) = c.run();
    let f = one(&r, "LAY001");
    assert!(f.message.contains("is empty"), "{}", f.message);
    let layout: Vec<&str> = r
        .findings
        .iter()
        .filter(|f| f.code.starts_with("LAY") || f.code.starts_with("DRV"))
        .map(|f| f.code)
        .collect();
    assert_eq!(layout, vec!["LAY001"]);
}

#[test]
fn each_driver_needs_inf_sys_and_cat() {
    let (r, _) = Case::base()
        .remove_drivers("amd64/viostor/viostor.cat")
        .run();
    assert_eq!(
        one(&r, "DRV007").path.as_deref(),
        Some("drivers/amd64/viostor")
    );
    // The INF still names the catalog.
    assert_eq!(
        one(&r, "INF002").path.as_deref(),
        Some("drivers/amd64/viostor/viostor.inf")
    );
    let (r, _) = Case::base().remove_drivers("x86/netkvm/netkvm.sys").run();
    assert_eq!(
        one(&r, "DRV006").path.as_deref(),
        Some("drivers/x86/netkvm")
    );
    let (r, _) = Case::base().remove_drivers("x86/netkvm/netkvm.inf").run();
    assert_eq!(
        one(&r, "DRV005").path.as_deref(),
        Some("drivers/x86/netkvm")
    );
}

#[test]
fn build_artefacts_are_skipped_and_counted_once() {
    let mut c = Case::base();
    c.add_driver_file("amd64/viostor/viostor.pdb", b"pdb")
        .add_driver_file("amd64/viostor/obj/x.obj", b"o");
    c.add_driver_file("amd64/viostor/.git/config", b"g")
        .add_driver_file("amd64/viostor/Thumbs.db", b"t");
    let (r, s) = c.run();
    let f = one(&r, "POL010");
    assert_eq!(
        (f.severity, f.path.as_deref()),
        (Severity::Info, Some("drivers/amd64/viostor"))
    );
    assert!(f.message.starts_with("4 file(s)"), "{}", f.message);
    assert!(errors(&r).is_empty());
    assert_eq!(
        paths(&s)
            .iter()
            .filter(|p| p.starts_with("drivers/amd64/viostor/"))
            .count(),
        3
    );
}

#[test]
fn referenced_file_skipped_by_policy_points_to_the_allowlist() {
    let mut c = Case::base();
    let text = inf("viostor", &["1042", "1001"])
        .replace("viostor.sys=1\r\n", "viostor.sys=1\r\nviostor.pdb=1\r\n");
    c.add_driver_file("amd64/viostor/viostor.inf", text.as_bytes())
        .add_driver_file("amd64/viostor/viostor.pdb", b"pdb");
    let (r, s) = c.run();
    let f = one(&r, "INF002");
    assert_eq!(f.path.as_deref(), Some("drivers/amd64/viostor/viostor.inf"));
    let line = text.lines().position(|l| l == "viostor.pdb=1").unwrap() as u32 + 1;
    assert_eq!(f.line, Some(line));
    assert!(
        f.help.as_deref().unwrap().contains("allow_extensions"),
        "{f:?}"
    );
    assert!(
        !s.packages
            .iter()
            .find(|r| r.arch == Arch::Amd64 && r.driver == "viostor")
            .unwrap()
            .inf_refs_ok
    );

    c.spec = c.spec.replace(
        r#"{"name":"viostor","#,
        r#"{"name":"viostor","allow_extensions":[".PDB"],"#,
    );
    let (r, s) = c.run();
    assert_clean(&r);
    assert!(paths(&s).contains(&"drivers/amd64/viostor/viostor.pdb"));
}

#[test]
fn allow_path_regexes_reinclude_relative_paths() {
    let mut c = Case::base();
    c.add_driver_file("amd64/viostor/src/viostor.c", b"int x;")
        .add_driver_file("amd64/viostor/viostor.h", b"h");
    c.spec = c.spec.replace(
        r#"{"name":"viostor","#,
        r#"{"name":"viostor","allow_path_regexes":["^SRC/"],"#,
    );
    let (r, s) = c.run();
    assert!(paths(&s).contains(&"drivers/amd64/viostor/src/viostor.c"));
    assert!(!paths(&s).contains(&"drivers/amd64/viostor/viostor.h"));
    assert!(one(&r, "POL010").message.contains("\"viostor.h\""));
}

#[test]
fn referenced_file_missing_names_inf_and_line() {
    let mut c = Case::base();
    let text = inf("netkvm", &["1041", "1000"]).replace(
        "[Drv]\r\nnetkvm.sys\r\n",
        "[Drv]\r\nnetkvm.sys\r\nnetkvmco.dll\r\n",
    );
    c.add_driver_file("x86/netkvm/netkvm.inf", text.as_bytes());
    let (r, _) = c.run();
    let f = one(&r, "INF002");
    assert_eq!(f.path.as_deref(), Some("drivers/x86/netkvm/netkvm.inf"));
    assert_eq!(
        f.line,
        Some(text.lines().position(|l| l == "netkvmco.dll").unwrap() as u32 + 1)
    );
    assert!(f.message.contains("\"netkvmco.dll\""));
}

#[test]
fn expected_hardware_ids_from_spec_and_devices_cmd() {
    let mut c = Case::base();
    // Only the legacy ID: the spec regex (DEV_1042) fails.
    c.add_driver_file(
        "amd64/viostor/viostor.inf",
        inf("viostor", &["1001"]).as_bytes(),
    );
    // DEV_10000 must not satisfy DEV_1000 from devices.cmd.
    c.add_driver_file(
        "x86/netkvm/netkvm.inf",
        inf("netkvm", &["1041", "10000"]).as_bytes(),
    );
    let (r, _) = c.run();
    let hw1 = with_code(&r, "HWID001");
    assert_eq!(hw1.len(), 1, "{:#?}", r.findings);
    assert_eq!(hw1[0].path.as_deref(), Some("drivers/amd64/viostor"));
    assert!(hw1[0].message.contains("DEV_1042"));
    // The devices.cmd list names DEV_1042 too, so viostor gets its own HWID002.
    let hw2 = with_code(&r, "HWID002");
    assert_eq!(hw2.len(), 2, "{:#?}", r.findings);
    assert!(
        hw2[0].path.as_deref() == Some("drivers/amd64/viostor")
            && hw2[0].message.contains("DEV_1042\"")
    );
    let hw2 = hw2[1];
    assert_eq!(hw2.path.as_deref(), Some("drivers/x86/netkvm"));
    assert!(
        hw2.message.contains("PCI\\VEN_1AF4&DEV_1000") && hw2.message.contains("VIRTIO_NET_HWIDS"),
        "{}",
        hw2.message
    );
}

#[test]
fn hardware_ids_in_comments_do_not_count() {
    let mut c = Case::base();
    let text = inf("viostor", &["1001"]) + "; PCI\\VEN_1AF4&DEV_1042\r\n";
    c.add_driver_file("x86/viostor/viostor.inf", text.as_bytes());
    assert_eq!(
        one(&c.run().0, "HWID001").path.as_deref(),
        Some("drivers/x86/viostor")
    );
}

#[test]
fn missing_devices_cmd_variable_names_file_and_variable() {
    let mut c = Case::base();
    c.spec = c.spec.replace("VIRTIO_NET_HWIDS", "VIRTIO_NIC_HWIDS");
    let (r, _) = c.run();
    let f = one(&r, "DEV001");
    assert_eq!(f.path.as_deref(), Some("config/devices.cmd"));
    assert!(f.message.contains("\"VIRTIO_NIC_HWIDS\"") && f.message.contains("netkvm"));
}

#[test]
fn expected_inf_files_and_services() {
    let mut c = Case::base();
    c.spec = c.spec.replace(
        r#""expected_inf_files":["viostor.inf"]"#,
        r#""expected_inf_files":["VIOSTOR.INF","vioscsi.inf"]"#,
    );
    c.spec = c.spec.replace(
        r#""expected_add_services":["netkvm"]"#,
        r#""expected_add_services":["NETKVM","netkvm2"]"#,
    );
    let (r, _) = c.run();
    let infs = with_code(&r, "DRV009");
    assert_eq!(infs.len(), 2);
    assert!(infs.iter().all(|f| f.message.contains("\"vioscsi.inf\"")));
    let svc = with_code(&r, "SVC001");
    assert_eq!(svc.len(), 2);
    assert!(svc.iter().all(|f| f.message.contains("\"netkvm2\"")));
    assert_eq!(errors(&r).len(), 4, "{:#?}", r.findings);
}

#[test]
fn services_from_devices_cmd_are_checked() {
    let mut c = Case::base();
    let text =
        inf("viostor", &["1042", "1001"]).replace("AddService=viostor,", "AddService=viostor2,");
    c.add_driver_file("amd64/viostor/viostor.inf", text.as_bytes());
    let (r, _) = c.run();
    let f = one(&r, "SVC001");
    assert!(
        f.message.contains("\"viostor\"") && f.message.contains("VIRTIO_BLK_SERVICE"),
        "{}",
        f.message
    );
}

#[test]
fn utf16_inf_is_accepted_and_undecodable_inf_is_an_error() {
    let mut c = Case::base();
    let mut utf16 = vec![0xFF, 0xFE];
    for u in inf("viostor", &["1042", "1001"]).encode_utf16() {
        utf16.extend_from_slice(&u.to_le_bytes());
    }
    c.add_driver_file("amd64/viostor/viostor.inf", &utf16);
    let (r, _) = c.run();
    assert_clean(&r);
    c.add_driver_file(
        "x86/viostor/viostor.inf",
        b"[Version]\r\nSignature=\"\xC3\x28\"\r\n",
    );
    let (r, s) = c.run();
    let f = one(&r, "INF001");
    assert_eq!(f.path.as_deref(), Some("drivers/x86/viostor/viostor.inf"));
    assert!(
        !s.packages
            .iter()
            .find(|r| r.arch == Arch::X86 && r.driver == "viostor")
            .unwrap()
            .inf_refs_ok
    );
}

#[test]
fn case_variant_folders_of_one_driver_are_an_error() {
    let mut c = Case::base();
    c.add_driver_file("amd64/VIOSTOR/extra.txt", b"x");
    let (r, _) = c.run();
    let f = one(&r, "DRV010");
    assert!(
        f.message.contains("amd64/VIOSTOR") && f.message.contains("amd64/viostor"),
        "{}",
        f.message
    );
}

#[test]
fn loose_files_in_arch_folder_are_not_packaged() {
    let mut c = Case::base();
    c.add_driver_file("amd64/readme.txt", b"x");
    let (r, s) = c.run();
    assert_eq!(one(&r, "DRV008").severity, Severity::Warning);
    assert!(!paths(&s).iter().any(|p| p.ends_with("readme.txt")));
}
