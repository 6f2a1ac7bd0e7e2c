//! guestpack's own contract dialect: `{ schema_version, devices: [{ name, service,
//! hardware_ids, boot_critical }] }`, read by guestpack's own guest scripts through the
//! `GT_*` variables. Strict JSON (unknown fields rejected) plus semantic checks whose errors
//! name the device and field.

use crate::error::{Error, Result};
use serde::Deserialize;

/// The parsed, checked contract. Device order is the file's order and is kept in outputs.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contract {
    pub schema_version: u32,
    pub devices: Vec<Device>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Device {
    /// Lower-case name such as `virtio-blk`; becomes the `VIRTIO_BLK` variable prefix.
    pub name: String,
    /// Windows service the driver installs (`AddService` name), e.g. `viostor`.
    pub service: String,
    /// PCI hardware IDs, most specific first, e.g. `PCI\VEN_1AF4&DEV_1042`.
    pub hardware_ids: Vec<String>,
    /// Devices Windows needs to boot (the storage controller).
    #[serde(default)]
    pub boot_critical: bool,
}

impl Device {
    /// Batch variable prefix: the name upper-cased with `-` turned into `_`.
    pub fn var_name(&self) -> String {
        self.name.to_ascii_uppercase().replace('-', "_")
    }
}

/// Parses and checks a contract in this dialect. `name` is the file name used in error messages.
pub fn parse(name: &str, bytes: &[u8]) -> Result<Contract> {
    let fail = |message: String| Error::Json {
        file: name.to_string(),
        message,
    };
    let c: Contract = serde_json::from_slice(bytes).map_err(|e| fail(e.to_string()))?;
    if c.schema_version != 1 {
        return Err(fail(format!(
            "schema_version: unsupported value {}; expected 1",
            c.schema_version
        )));
    }
    if c.devices.is_empty() {
        return Err(fail(
            "devices: the list is empty; list at least one device".into(),
        ));
    }
    let mut seen: Vec<String> = Vec::new();
    for (i, d) in c.devices.iter().enumerate() {
        let at = format!("devices[{i}] (\"{}\")", d.name);
        check_name(&d.name).map_err(|m| fail(format!("{at}.name: {m}")))?;
        let var = d.var_name();
        if seen.contains(&var) {
            return Err(fail(format!(
                "{at}.name: another device also becomes variable \"{var}\"; names must be unique"
            )));
        }
        seen.push(var);
        if d.service.is_empty()
            || !d
                .service
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
        {
            return Err(fail(format!(
                "{at}.service: \"{}\" is not a service name (ASCII letters, digits, '_', '-', '.')",
                d.service
            )));
        }
        if d.hardware_ids.is_empty() {
            return Err(fail(format!(
                "{at}.hardware_ids: the list is empty; give at least one hardware ID"
            )));
        }
        for (j, h) in d.hardware_ids.iter().enumerate() {
            // The IDs end up double-quoted in a batch file: quotes, '%' and whitespace would break it.
            let bad = h.is_empty()
                || h.chars()
                    .any(|c| !c.is_ascii_graphic() || c == '"' || c == '%');
            if bad {
                return Err(fail(format!(
                    "{at}.hardware_ids[{j}]: \"{h}\" is not a hardware ID (printable ASCII without spaces, '\"' or '%')"
                )));
            }
        }
    }
    Ok(c)
}

fn check_name(n: &str) -> std::result::Result<(), String> {
    let first_ok = n.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
    if !first_ok
        || !n
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(format!(
            "\"{n}\" must start with a letter and use only ASCII letters, digits, '-' and '_'"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = r#"{"schema_version":1,"devices":[
        {"name":"virtio-blk","service":"viostor","hardware_ids":["PCI\\VEN_1AF4&DEV_1042"],"boot_critical":true},
        {"name":"virtio-net","service":"netkvm","hardware_ids":["PCI\\VEN_1AF4&DEV_1041"]}]}"#;

    #[test]
    fn parses_valid_contract() {
        let c = parse("c.json", OK.as_bytes()).unwrap();
        assert_eq!(c.devices.len(), 2);
        assert!(c.devices[0].boot_critical && !c.devices[1].boot_critical);
        assert_eq!(c.devices[1].var_name(), "VIRTIO_NET");
    }

    #[test]
    fn errors_name_field_and_device() {
        let e = parse(
            "c.json",
            OK.replace("\"boot_critical\":true", "\"bootcritical\":true")
                .as_bytes(),
        );
        let m = e.unwrap_err().to_string();
        assert!(
            m.starts_with("c.json:") && m.contains("bootcritical"),
            "{m}"
        );
        let m = parse("c.json", OK.replace("\"netkvm\"", "\"\"").as_bytes())
            .unwrap_err()
            .to_string();
        assert!(m.contains("devices[1]") && m.contains("service"), "{m}");
        let m = parse(
            "c.json",
            OK.replace("[\"PCI\\\\VEN_1AF4&DEV_1041\"]", "[]")
                .as_bytes(),
        )
        .unwrap_err()
        .to_string();
        assert!(
            m.contains("virtio-net") && m.contains("hardware_ids"),
            "{m}"
        );
        let m = parse("c.json", OK.replace("virtio-net", "virtio_blk").as_bytes())
            .unwrap_err()
            .to_string();
        assert!(m.contains("VIRTIO_BLK") && m.contains("unique"), "{m}");
        let m = parse("c.json", OK.replace("virtio-net", "net 1").as_bytes())
            .unwrap_err()
            .to_string();
        assert!(m.contains("devices[1]") && m.contains("name"), "{m}");
        let m = parse("c.json", OK.replace("DEV_1041", "DEV 1041").as_bytes())
            .unwrap_err()
            .to_string();
        assert!(m.contains("hardware_ids[0]"), "{m}");
        let m = parse(
            "c.json",
            OK.replace("\"schema_version\":1", "\"schema_version\":2")
                .as_bytes(),
        )
        .unwrap_err()
        .to_string();
        assert!(m.contains("schema_version"), "{m}");
    }
}
