//! What an installer file is, from its bytes: a Windows Installer package (an OLE compound
//! file holding the installer database) with the product code uninstall needs, or a PE image
//! and the machine it runs on. Never from its name: a renamed file is what this catches.

use std::io::Cursor;

/// The first eight bytes of every OLE compound file, MSI packages included.
pub const OLE_SIGNATURE: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// What a Windows Installer package says about itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MsiFacts {
    /// `{GUID}`, upper case as Windows Installer writes it; what `msiexec /x` takes.
    pub product_code: String,
    pub product_name: Option<String>,
    pub product_version: Option<String>,
    /// The platform of the summary's Template property (`Intel`, `x64`, `Arm64`…), if any.
    pub platform: Option<String>,
}

/// Reads an MSI package held whole in memory.
pub fn read_msi(bytes: &[u8]) -> Result<MsiFacts, String> {
    if !bytes.starts_with(&OLE_SIGNATURE) {
        return Err("it is not an OLE compound file, as every Windows Installer package is".into());
    }
    let mut package = msi::Package::open(Cursor::new(bytes))
        .map_err(|e| format!("it is not a Windows Installer package: {e}"))?;
    if package.package_type() != msi::PackageType::Installer {
        return Err(
            "it is a Windows Installer patch or transform, not an installer package".into(),
        );
    }
    let platform = package.summary_info().arch().map(str::to_string);
    let table = package
        .get_table("Property")
        .ok_or("its database has no Property table")?;
    // Indexing a row by a column it lacks panics in the crate: ask the table first.
    if !table.has_column("Property") || !table.has_column("Value") {
        return Err("its Property table lacks the Property or Value column".into());
    }
    let rows = package
        .select_rows(msi::Select::table("Property"))
        .map_err(|e| format!("its Property table cannot be read: {e}"))?;
    let (mut code, mut name, mut version) = (None, None, None);
    for row in rows {
        let (Some(key), Some(value)) = (row["Property"].as_str(), row["Value"].as_str()) else {
            continue;
        };
        match key {
            "ProductCode" => code = Some(value.to_string()),
            "ProductName" => name = Some(value.to_string()),
            "ProductVersion" => version = Some(value.to_string()),
            _ => {}
        }
    }
    let code = code.ok_or("its Property table has no ProductCode")?;
    if !is_guid(&code) {
        return Err(format!("its ProductCode \"{code}\" is not a {{GUID}}"));
    }
    Ok(MsiFacts {
        product_code: code.to_ascii_uppercase(),
        product_name: name,
        product_version: version,
        platform,
    })
}

/// `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}`.
fn is_guid(s: &str) -> bool {
    let Some(inner) = s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) else {
        return false;
    };
    let groups: Vec<&str> = inner.split('-').collect();
    groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
        && groups
            .iter()
            .all(|g| g.chars().all(|c| c.is_ascii_hexdigit()))
}

/// The COFF machine type of a PE image, from its first bytes
/// ([`crate::source::authenticode::HEAD`] are enough for any linker's output).
pub fn pe_machine(head: &[u8]) -> Result<u16, String> {
    if head.get(..2) != Some(b"MZ") {
        return Err("it is not a Windows program (no MZ header)".into());
    }
    let pe = head
        .get(0x3c..0x40)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
        .ok_or("it is cut off inside its MZ header")?;
    match head.get(pe..pe.saturating_add(6)) {
        Some(h) if h.starts_with(b"PE\0\0") => Ok(u16::from_le_bytes([h[4], h[5]])),
        _ => {
            Err("it is an MS-DOS program, or its PE header is not where its MZ header says".into())
        }
    }
}

/// The machine types Windows runs installers for.
pub const MACHINE_I386: u16 = 0x014c;
pub const MACHINE_AMD64: u16 = 0x8664;
pub const MACHINE_ARM64: u16 = 0xaa64;

/// A machine type as people name it.
pub fn machine_name(machine: u16) -> String {
    match machine {
        MACHINE_I386 => "x86".into(),
        MACHINE_AMD64 => "amd64".into(),
        MACHINE_ARM64 => "arm64".into(),
        0x0200 => "Itanium".into(),
        0x01c4 => "ARM (32-bit)".into(),
        other => format!("machine type 0x{other:04x}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_are_checked_by_shape() {
        assert!(is_guid("{A1B2C3D4-0000-1111-2222-333344445555}"));
        assert!(!is_guid("A1B2C3D4-0000-1111-2222-333344445555"));
        assert!(!is_guid("{A1B2C3D4-0000-1111-2222-33334444555G}"));
        assert!(!is_guid("{A1B2C3D4-00001-111-2222-333344445555}"));
    }

    #[test]
    fn pe_machine_reads_the_coff_header() {
        let mut pe = vec![0u8; 0x100];
        pe[..2].copy_from_slice(b"MZ");
        pe[0x3c] = 0x80;
        pe[0x80..0x84].copy_from_slice(b"PE\0\0");
        pe[0x84..0x86].copy_from_slice(&MACHINE_ARM64.to_le_bytes());
        assert_eq!(pe_machine(&pe), Ok(MACHINE_ARM64));
        pe[0x3c] = 0xfe;
        assert!(pe_machine(&pe).unwrap_err().contains("PE header"));
        assert!(pe_machine(b"PK\x03\x04").unwrap_err().contains("MZ"));
        assert!(pe_machine(b"MZ").unwrap_err().contains("cut off"));
    }

    #[test]
    fn an_ole_file_that_is_no_package_is_refused() {
        assert!(read_msi(b"MZ\x90\0").unwrap_err().contains("OLE"));
        let mut fake = OLE_SIGNATURE.to_vec();
        fake.resize(4096, 0);
        assert!(read_msi(&fake)
            .unwrap_err()
            .contains("not a Windows Installer package"));
    }
}
