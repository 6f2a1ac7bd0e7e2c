//! devices.cmd for the reference packager's contract dialect, byte for byte as the reference
//! writes it: the reference's `setup.cmd`, `uninstall.cmd` and `verify.ps1` read these
//! `AERO_*` variables, and users compare the file with the one their old media carried. The
//! header lines (including the name of the reference's generator script) are part of that
//! text and are kept as they are.
//!
//! The reference's scripts need five devices: `virtio-blk`, `virtio-net`, `virtio-snd`,
//! `virtio-input` and `aero-gpu`; a contract without one of them cannot produce the file.

use crate::validate::contract::reference::{Contract, Device};

/// The contract name whose service names the spec may replace (see [`service_overrides`]).
pub const CANONICAL_NAME: &str = "aero-windows-pci-device-contract";

/// Devices the reference's scripts read, in the order they are looked up.
const NEEDED: [&str; 5] = [
    "virtio-blk",
    "virtio-net",
    "virtio-snd",
    "virtio-input",
    "aero-gpu",
];

/// The service names written: the contract's, except that with the reference's canonical
/// contract a spec packaging virtio-win's drivers (`viostor`, `netkvm`, `vioinput`, `viosnd`)
/// gets those names for the matching devices, as the reference does for specs written before
/// its virtio-win contract existed.
fn service_overrides(c: &Contract, spec_drivers: &[&str]) -> [Option<&'static str>; 4] {
    if !c.contract_name.trim().eq_ignore_ascii_case(CANONICAL_NAME) {
        return [None; 4];
    }
    let has = |n: &str| {
        spec_drivers
            .iter()
            .any(|d| d.trim().eq_ignore_ascii_case(n))
    };
    // Same order as NEEDED's first four.
    ["viostor", "netkvm", "viosnd", "vioinput"].map(|n| has(n).then_some(n))
}

pub fn generate(c: &Contract, spec_drivers: &[&str]) -> Result<String, String> {
    let mut devices: Vec<&Device> = Vec::new();
    for name in NEEDED {
        devices.push(c.device(name).ok_or_else(|| {
            format!(
                "the contract has no \"{name}\" device, which the reference's guest scripts need"
            )
        })?);
    }
    let [blk, net, snd, input, gpu] = [0, 1, 2, 3, 4].map(|i| devices[i]);
    let overrides = service_overrides(c, spec_drivers);
    let service = |i: usize, d: &Device| {
        overrides[i]
            .unwrap_or(d.driver_service_name.trim())
            .to_string()
    };
    let ids = |d: &Device| {
        d.hardware_id_patterns
            .iter()
            .map(|h| format!("\"{h}\""))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let rule = "rem -----------------------------------------------------------------------------";
    let section = "rem ---------------------------";
    let mut l: Vec<String> = vec![
        "@echo off".into(),
        rule.into(),
        "rem GENERATED FILE - DO NOT EDIT MANUALLY".into(),
        "rem".into(),
        "rem Source of truth: Windows device contract JSON".into(),
        "rem Generator: scripts/generate-guest-tools-devices-cmd.py".into(),
        format!("rem Contract name: {}", c.contract_name.trim()),
        format!("rem Contract schema_version: {}", c.schema_version),
        format!("rem Contract version: {}", c.contract_version.trim()),
        rule.into(),
        String::new(),
        "rem This file is sourced by guest-tools\\setup.cmd and guest-tools\\uninstall.cmd.".into(),
        String::new(),
        section.into(),
        "rem Boot-critical storage (virtio-blk)".into(),
        section.into(),
        String::new(),
        format!("set \"AERO_VIRTIO_BLK_SERVICE={}\"", service(0, blk)),
        "set \"AERO_VIRTIO_BLK_SYS=\"".into(),
        format!("set AERO_VIRTIO_BLK_HWIDS={}", ids(blk)),
        String::new(),
        section.into(),
        "rem Non-boot-critical devices (used by verify.ps1)".into(),
        section.into(),
        String::new(),
        format!("set \"AERO_VIRTIO_NET_SERVICE={}\"", service(1, net)),
        format!("set AERO_VIRTIO_NET_HWIDS={}", ids(net)),
        format!("set \"AERO_VIRTIO_INPUT_SERVICE={}\"", service(3, input)),
        format!("set AERO_VIRTIO_INPUT_HWIDS={}", ids(input)),
        format!("set \"AERO_VIRTIO_SND_SERVICE={}\"", service(2, snd)),
        "set \"AERO_VIRTIO_SND_SYS=\"".into(),
        format!("set AERO_VIRTIO_SND_HWIDS={}", ids(snd)),
        "rem".into(),
        "rem AeroGPU HWIDs:".into(),
    ];
    l.extend(
        gpu.hardware_id_patterns
            .iter()
            .map(|h| format!("rem   - {h}")),
    );
    l.push("rem Legacy AeroGPU device models are intentionally out of scope for Guest Tools; use drivers/aerogpu/packaging/win7/legacy with emulator/aerogpu-legacy if needed.".into());
    l.push(format!(
        "set \"AERO_GPU_SERVICE={}\"",
        gpu.driver_service_name.trim()
    ));
    l.push(format!("set AERO_GPU_HWIDS={}", ids(gpu)));
    l.push(String::new());
    let mut s = l.join("\r\n");
    s.push_str("\r\n");
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::contract::reference::parse;

    fn contract(name: &str) -> Contract {
        let dev = |d: &str, id: &str, t: Option<u32>, svc: &str| {
            let ty = t
                .map(|t| format!(",\"virtio_device_type\":{t}"))
                .unwrap_or_default();
            let vendor = if t.is_some() { "1AF4" } else { "A3A0" };
            let rev = if t.is_some() { "&REV_01" } else { "" };
            format!(
                r#"{{"device":"{d}","pci_vendor_id":"0x{vendor}","pci_device_id":"0x{id}","hardware_id_patterns":["PCI\\VEN_{vendor}&DEV_{id}{rev}","PCI\\VEN_{vendor}&DEV_{id}"],"driver_service_name":"{svc}","inf_name":"{svc}.inf"{ty}}}"#
            )
        };
        let json = format!(
            r#"{{"schema_version":1,"contract_name":"{name}","contract_version":"2.0","devices":[{},{},{},{},{}]}}"#,
            dev("virtio-blk", "1042", Some(2), "aero_blk"),
            dev("virtio-net", "1041", Some(1), "aero_net"),
            dev("virtio-snd", "1059", Some(25), "aero_snd"),
            dev("virtio-input", "1052", Some(18), "aero_input"),
            dev("aero-gpu", "0001", None, "aerogpu"),
        );
        parse("c.json", json.as_bytes()).unwrap()
    }

    #[test]
    fn writes_the_reference_text() {
        let s = generate(&contract("mine"), &["viostor"]).unwrap();
        assert!(s.starts_with("@echo off\r\nrem ---"), "{s}");
        assert!(s.ends_with(
            "set AERO_GPU_HWIDS=\"PCI\\VEN_A3A0&DEV_0001\" \"PCI\\VEN_A3A0&DEV_0001\"\r\n\r\n"
        ));
        assert!(!s.replace("\r\n", "").contains('\n'), "CRLF only");
        assert!(s.contains("rem Contract name: mine\r\nrem Contract schema_version: 1\r\nrem Contract version: 2.0\r\n"));
        assert!(s.contains("set \"AERO_VIRTIO_BLK_SERVICE=aero_blk\"\r\nset \"AERO_VIRTIO_BLK_SYS=\"\r\nset AERO_VIRTIO_BLK_HWIDS=\"PCI\\VEN_1AF4&DEV_1042&REV_01\" \"PCI\\VEN_1AF4&DEV_1042\"\r\n"));
        assert!(s.contains("rem AeroGPU HWIDs:\r\nrem   - PCI\\VEN_A3A0&DEV_0001\r\nrem   - PCI\\VEN_A3A0&DEV_0001\r\n"));
        // Net, input, then sound: the reference's order, not the contract's.
        let net = s.find("AERO_VIRTIO_NET_SERVICE").unwrap();
        let input = s.find("AERO_VIRTIO_INPUT_SERVICE").unwrap();
        let snd = s.find("AERO_VIRTIO_SND_SERVICE").unwrap();
        assert!(net < input && input < snd);
    }

    #[test]
    fn spec_names_replace_services_only_with_the_canonical_contract() {
        let drivers = ["VioStor", "netkvm", "vioinput"];
        let canonical = generate(&contract(CANONICAL_NAME), &drivers).unwrap();
        assert!(canonical.contains("set \"AERO_VIRTIO_BLK_SERVICE=viostor\"\r\n"));
        assert!(canonical.contains("set \"AERO_VIRTIO_NET_SERVICE=netkvm\"\r\n"));
        assert!(canonical.contains("set \"AERO_VIRTIO_INPUT_SERVICE=vioinput\"\r\n"));
        assert!(canonical.contains("set \"AERO_VIRTIO_SND_SERVICE=aero_snd\"\r\n"));
        assert!(canonical.contains("set \"AERO_GPU_SERVICE=aerogpu\"\r\n"));
        let other = generate(
            &contract("aero-windows-pci-device-contract-virtio-win"),
            &drivers,
        )
        .unwrap();
        assert!(other.contains("set \"AERO_VIRTIO_BLK_SERVICE=aero_blk\"\r\n"));
    }

    #[test]
    fn needs_the_five_devices() {
        let mut c = contract("x");
        c.devices.retain(|d| d.device != "aero-gpu");
        let e = generate(&c, &[]).unwrap_err();
        assert!(e.contains("\"aero-gpu\""), "{e}");
    }
}
