//! The machine a program installer runs on, from its PE header. (Windows Installer packages
//! are read by [`super::msi`].) Never from its name: a renamed file is what this catches.

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
}
