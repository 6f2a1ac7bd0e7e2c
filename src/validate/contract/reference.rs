//! The reference packager's contract dialect (its `docs/windows-device-contract*.json` and
//! their JSON Schema), so its users' contracts work as they are.
//!
//! Checked as the schema and the reference's loader check it: the schema's shapes (hex IDs
//! `0x` + 4 digits, hardware IDs starting `PCI\VEN_xxxx&DEV_xxxx`, bare `.inf` names), unique
//! device names, IDs that agree with `pci_vendor_id`/`pci_device_id`, and for `virtio-*`
//! devices the modern-only rules (vendor 0x1AF4, device ID 0x1040 + `virtio_device_type`, a
//! `REV_01`-qualified ID and no other revision). Quotes and `%` are refused in IDs and
//! service names because they end up in a batch file.

use crate::error::{Error, Result};
use serde::Deserialize;

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contract {
    /// Editor hint; ignored.
    #[serde(rename = "$schema", default)]
    pub schema: Option<String>,
    pub schema_version: u32,
    pub contract_name: String,
    pub contract_version: String,
    pub devices: Vec<Device>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Device {
    /// Device name such as `virtio-blk` or `aero-gpu` (compared case-insensitively).
    pub device: String,
    pub pci_vendor_id: String,
    pub pci_device_id: String,
    #[serde(default)]
    pub pci_device_id_transitional: Option<String>,
    /// Hardware IDs in the order `devices.cmd` lists them.
    pub hardware_id_patterns: Vec<String>,
    pub driver_service_name: String,
    pub inf_name: String,
    #[serde(default)]
    pub virtio_device_type: Option<u32>,
}

impl Contract {
    /// The device of that name (case-insensitive).
    pub fn device(&self, name: &str) -> Option<&Device> {
        self.devices
            .iter()
            .find(|d| d.device.trim().eq_ignore_ascii_case(name))
    }
}

/// Parses and checks a contract in this dialect (BOM already stripped).
pub fn parse(name: &str, bytes: &[u8]) -> Result<Contract> {
    let fail = |message: String| Error::Json {
        file: name.to_string(),
        message,
    };
    let c: Contract = serde_json::from_slice(bytes).map_err(|e| fail(e.to_string()))?;
    check(&c).map_err(fail)?;
    Ok(c)
}

fn check(c: &Contract) -> std::result::Result<(), String> {
    if c.schema_version != 1 {
        return Err(format!(
            "schema_version: unsupported value {}; expected 1",
            c.schema_version
        ));
    }
    for (field, v) in [
        ("contract_name", &c.contract_name),
        ("contract_version", &c.contract_version),
    ] {
        if v.trim().is_empty() {
            return Err(format!("{field}: must not be empty"));
        }
        if !batch_safe(v) {
            return Err(format!(
                "{field}: \"{v}\" must be printable ASCII without '\"' or '%' (it is written into devices.cmd)"
            ));
        }
    }
    if c.devices.is_empty() {
        return Err("devices: the list is empty; list at least one device".into());
    }
    let mut seen: Vec<String> = Vec::new();
    for (i, d) in c.devices.iter().enumerate() {
        let name = d.device.trim();
        let at = format!("devices[{i}] (\"{name}\")");
        if name.is_empty() {
            return Err(format!("devices[{i}].device: must not be empty"));
        }
        let lower = name.to_ascii_lowercase();
        if seen.contains(&lower) {
            return Err(format!(
                "{at}.device: listed twice (names are compared case-insensitively)"
            ));
        }
        seen.push(lower.clone());
        let vendor = hex_u16(&d.pci_vendor_id).map_err(|m| format!("{at}.pci_vendor_id: {m}"))?;
        let device_id =
            hex_u16(&d.pci_device_id).map_err(|m| format!("{at}.pci_device_id: {m}"))?;
        if let Some(t) = &d.pci_device_id_transitional {
            hex_u16(t).map_err(|m| format!("{at}.pci_device_id_transitional: {m}"))?;
        }
        let service = d.driver_service_name.trim();
        if service.is_empty() || !batch_safe(service) || service.contains(' ') {
            return Err(format!(
                "{at}.driver_service_name: \"{service}\" is not a service name (printable ASCII without spaces, '\"' or '%')"
            ));
        }
        let inf = d.inf_name.trim();
        if inf.contains(['/', '\\']) || !inf.to_ascii_lowercase().ends_with(".inf") || inf.len() < 5
        {
            return Err(format!(
                "{at}.inf_name: \"{inf}\" must be a file name ending in .inf, without folders"
            ));
        }
        if d.hardware_id_patterns.is_empty() {
            return Err(format!(
                "{at}.hardware_id_patterns: the list is empty; give at least one hardware ID"
            ));
        }
        let expected = format!("VEN_{vendor:04X}&DEV_{device_id:04X}");
        for (j, h) in d.hardware_id_patterns.iter().enumerate() {
            let f = format!("{at}.hardware_id_patterns[{j}]");
            if !batch_safe(h) || h.contains(' ') || !has_pci_prefix(h) {
                return Err(format!(
                    "{f}: \"{h}\" must start with PCI\\VEN_xxxx&DEV_xxxx and be printable ASCII without spaces, '\"' or '%'"
                ));
            }
            if !h.to_ascii_uppercase().contains(&expected) {
                return Err(format!(
                    "{f}: \"{h}\" does not match pci_vendor_id/pci_device_id (expected it to contain {expected})"
                ));
            }
        }
        if let Some(t) = d.virtio_device_type {
            check_virtio(d, &at, vendor, device_id, t)?;
        } else if lower.starts_with("virtio-") {
            return Err(format!(
                "{at}.virtio_device_type: required for virtio-* devices"
            ));
        }
    }
    Ok(())
}

/// Modern virtio-pci only: vendor 0x1AF4, device ID 0x1040 + type, revision 01.
fn check_virtio(
    d: &Device,
    at: &str,
    vendor: u16,
    device_id: u16,
    t: u32,
) -> std::result::Result<(), String> {
    if vendor != 0x1AF4 {
        return Err(format!(
            "{at}.pci_vendor_id: {vendor:#06X}; devices with virtio_device_type must use 0x1AF4"
        ));
    }
    let want = 0x1040u32 + t;
    if want > u32::from(u16::MAX) || want != u32::from(device_id) {
        return Err(format!(
            "{at}.pci_device_id: {device_id:#06X} does not match virtio_device_type {t} (expected 0x1040 + virtio_device_type = {want:#06X})"
        ));
    }
    let mut rev01 = false;
    for h in &d.hardware_id_patterns {
        let upper = h.to_ascii_uppercase();
        for (pos, _) in upper.match_indices("&REV_") {
            match upper.get(pos + 5..pos + 7) {
                Some("01") => rev01 = true,
                Some(r) => {
                    return Err(format!(
                        "{at}.hardware_id_patterns: \"{h}\" has revision {r}; virtio devices must be revision 01"
                    ))
                }
                None => return Err(format!("{at}.hardware_id_patterns: \"{h}\" has a truncated REV_ qualifier")),
            }
        }
    }
    if !rev01 {
        return Err(format!(
            "{at}.hardware_id_patterns: no REV_01-qualified ID; virtio devices must list one"
        ));
    }
    Ok(())
}

/// `0x` followed by exactly four hex digits, as the schema's `hexU16`.
fn hex_u16(s: &str) -> std::result::Result<u16, String> {
    let digits = s.strip_prefix("0x").unwrap_or("");
    if digits.len() != 4 || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(format!(
            "\"{s}\" must be 0x followed by four hex digits, e.g. 0x1AF4"
        ));
    }
    u16::from_str_radix(digits, 16).map_err(|e| e.to_string())
}

/// `PCI\VEN_xxxx&DEV_xxxx` at the start, case-insensitive.
fn has_pci_prefix(h: &str) -> bool {
    let b = h.as_bytes();
    let hex4 = |s: &[u8]| s.len() == 4 && s.iter().all(u8::is_ascii_hexdigit);
    b.len() >= 21
        && b[..8].eq_ignore_ascii_case(b"PCI\\VEN_")
        && hex4(&b[8..12])
        && b[12..17].eq_ignore_ascii_case(b"&DEV_")
        && hex4(&b[17..21])
}

fn batch_safe(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_graphic() || c == ' ') && !s.contains(['"', '%'])
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = r#"{"$schema":"./x.json","schema_version":1,"contract_name":"c","contract_version":"1.0","devices":[
      {"device":"virtio-blk","pci_vendor_id":"0x1AF4","pci_device_id":"0x1042","pci_device_id_transitional":"0x1001",
       "hardware_id_patterns":["PCI\\VEN_1AF4&DEV_1042&REV_01","PCI\\VEN_1AF4&DEV_1042"],
       "driver_service_name":"viostor","inf_name":"viostor.inf","virtio_device_type":2},
      {"device":"aero-gpu","pci_vendor_id":"0xA3A0","pci_device_id":"0x0001",
       "hardware_id_patterns":["PCI\\VEN_A3A0&DEV_0001"],"driver_service_name":"aerogpu","inf_name":"aerogpu.inf"}]}"#;

    fn err(from: &str, to: &str) -> String {
        let text = OK.replacen(from, to, 1);
        assert_ne!(text, OK, "{from} not found");
        parse("c.json", text.as_bytes()).unwrap_err().to_string()
    }

    #[test]
    fn reads_a_valid_contract() {
        let c = parse("c.json", OK.as_bytes()).unwrap();
        assert_eq!(c.contract_name, "c");
        assert_eq!(
            c.device("VIRTIO-BLK").unwrap().driver_service_name,
            "viostor"
        );
        assert!(c.device("virtio-net").is_none());
    }

    #[test]
    fn refuses_what_the_schema_and_the_reference_refuse() {
        for (from, to, says) in [
            (
                "\"schema_version\":1",
                "\"schema_version\":2",
                "schema_version",
            ),
            (
                "\"contract_name\":\"c\"",
                "\"contract_name\":\" \"",
                "contract_name",
            ),
            (
                "\"0x1AF4\"",
                "\"1AF4\"",
                "devices[0] (\"virtio-blk\").pci_vendor_id",
            ),
            ("\"0x1001\"", "\"0x10011\"", "pci_device_id_transitional"),
            ("\"0x1042\"", "\"0x1041\"", "does not match pci_vendor_id"),
            (
                "\"virtio_device_type\":2",
                "\"virtio_device_type\":3",
                "0x1040 + virtio_device_type",
            ),
            (
                ",\"virtio_device_type\":2",
                "",
                "virtio_device_type: required",
            ),
            ("&REV_01\"", "&REV_00\"", "revision 00"),
            ("\"PCI\\\\VEN_1AF4&DEV_1042&REV_01\",", "", "no REV_01"),
            ("\"viostor.inf\"", "\"drivers/viostor.inf\"", "inf_name"),
            ("\"viostor.inf\"", "\"viostor.sys\"", "inf_name"),
            ("\"aerogpu\",", "\"aero gpu\",", "driver_service_name"),
            ("\"aero-gpu\"", "\"VIRTIO-BLK\"", "listed twice"),
            (
                "PCI\\\\VEN_A3A0&DEV_0001\"",
                "PCI\\\\VEN_A3A0&DEV_0001%X\"",
                "hardware_id_patterns[0]",
            ),
            (
                "\"hardware_id_patterns\":[\"PCI\\\\VEN_A3A0&DEV_0001\"]",
                "\"hardware_id_patterns\":[]",
                "list is empty",
            ),
            (
                "\"inf_name\":\"aerogpu.inf\"",
                "\"inf_name\":\"aerogpu.inf\",\"boot\":true",
                "unknown field `boot`",
            ),
        ] {
            let e = err(from, to);
            assert!(
                e.starts_with("c.json:") && e.contains(says),
                "{from} -> {to}: {e}"
            );
        }
    }
}
