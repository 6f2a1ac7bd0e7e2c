//! The Windows device contract: which PCI devices the guest tools handle, with their service
//! and hardware IDs. Two dialects are read, told apart by their fields:
//! - [`own`]: guestpack's (`name`, `service`, `hardware_ids`, `boot_critical`), whose
//!   `devices.cmd` guestpack's scripts read;
//! - [`reference`]: the reference packager's (`contract_name`, `contract_version`, devices with
//!   `device`, `pci_vendor_id`, `hardware_id_patterns`, `driver_service_name`, `inf_name`...),
//!   whose `devices.cmd` the reference's scripts read.
//!
//! This module does not write `devices.cmd` ([`crate::validate::devices_cmd::generate`] does)
//! and does not compare the contract with driver INFs (the validation checks do).

pub mod own;
pub mod reference;

use crate::error::Result;

/// A parsed, checked contract in either dialect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Contract {
    Own(own::Contract),
    Reference(reference::Contract),
}

/// Parses and checks a contract, choosing the dialect by its fields: a `contract_name` or a
/// device with a `device` field is the reference's. `name` is the file name for messages.
pub fn parse(name: &str, bytes: &[u8]) -> Result<Contract> {
    let value = crate::validate::json_value(name, bytes)?;
    let bytes = crate::validate::strip_bom(bytes);
    if is_reference(&value) {
        reference::parse(name, bytes).map(Contract::Reference)
    } else {
        own::parse(name, bytes).map(Contract::Own)
    }
}

fn is_reference(v: &serde_json::Value) -> bool {
    let Some(obj) = v.as_object() else {
        return false;
    };
    let device_field = obj
        .get("devices")
        .and_then(|d| d.as_array())
        .is_some_and(|ds| ds.iter().any(|d| d.get("device").is_some()));
    obj.contains_key("contract_name") || obj.contains_key("contract_version") || device_field
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_the_dialects_apart() {
        let own = br#"{"schema_version":1,"devices":[{"name":"virtio-blk","service":"viostor","hardware_ids":["PCI\\VEN_1AF4&DEV_1042"]}]}"#;
        assert!(matches!(parse("c.json", own), Ok(Contract::Own(_))));
        let reference = br#"{"schema_version":1,"contract_name":"x","contract_version":"1","devices":[
            {"device":"gpu","pci_vendor_id":"0xA3A0","pci_device_id":"0x0001",
             "hardware_id_patterns":["PCI\\VEN_A3A0&DEV_0001"],"driver_service_name":"gpu","inf_name":"gpu.inf"}]}"#;
        let mut with_bom = b"\xef\xbb\xbf".to_vec();
        with_bom.extend_from_slice(reference);
        assert!(matches!(
            parse("c.json", &with_bom),
            Ok(Contract::Reference(_))
        ));
        // A reference contract with a misspelt field is still read as one, and the field named.
        let typo = String::from_utf8_lossy(reference).replace("inf_name", "inf_file");
        let e = parse("c.json", typo.as_bytes()).unwrap_err().to_string();
        assert!(e.contains("inf_file"), "{e}");
        let e = parse("c.json", b"[1]").unwrap_err().to_string();
        assert!(e.starts_with("c.json:"), "{e}");
    }
}
