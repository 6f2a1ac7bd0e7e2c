//! Installer fixtures: real Windows Installer databases (written with the `msi` crate, the
//! structure msiexec opens: summary with a Template platform, a Property table with
//! ProductCode, ProductName and ProductVersion) and minimal PE images of a chosen machine.
//! Shared by the Rust tests and `examples/tool_fixtures.rs` (the guest harness and the page
//! tests take their files from there).

#![allow(dead_code)]

use std::io::Cursor;

pub const I386: u16 = 0x014c;
pub const AMD64: u16 = 0x8664;
pub const ARM64: u16 = 0xaa64;

/// An MSI package for `platform` (`Intel`, `x64`, `Arm64`) with `product_code` (`{GUID}`).
pub fn msi(platform: &str, product_code: &str, name: &str, version: &str) -> Vec<u8> {
    use msi::{Column, Insert, Package, PackageType, Value};
    let mut package = Package::create(PackageType::Installer, Cursor::new(Vec::new())).unwrap();
    package.summary_info_mut().set_arch(platform);
    package.summary_info_mut().set_subject(name);
    package
        .create_table(
            "Property",
            vec![
                Column::build("Property").primary_key().id_string(72),
                Column::build("Value").nullable().formatted_string(0),
            ],
        )
        .unwrap();
    let rows = [
        ("ProductCode", product_code),
        ("ProductName", name),
        ("ProductVersion", version),
        ("Manufacturer", "guestpack tests"),
    ];
    package
        .insert_rows(
            Insert::into("Property").rows(
                rows.iter()
                    .map(|(k, v)| vec![Value::from(*k), Value::from(*v)])
                    .collect(),
            ),
        )
        .unwrap();
    package.into_inner().unwrap().into_inner()
}

/// The product codes the fixtures use, by platform (stable, so tests can name them).
pub fn product_code(platform: &str) -> &'static str {
    match platform {
        "Intel" => "{5D1C7A3E-0F6B-4C43-9B8E-2A1F00000086}",
        "x64" => "{5D1C7A3E-0F6B-4C43-9B8E-2A1F00008664}",
        _ => "{5D1C7A3E-0F6B-4C43-9B8E-2A1F0000AA64}",
    }
}

/// The two packages virtio-win ships in `guest-agent/`: (file name, bytes).
pub fn qemu_ga() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        (
            "qemu-ga-i386.msi",
            msi(
                "Intel",
                product_code("Intel"),
                "QEMU guest agent",
                "108.0.2",
            ),
        ),
        (
            "qemu-ga-x86_64.msi",
            msi("x64", product_code("x64"), "QEMU guest agent", "108.0.2"),
        ),
    ]
}

/// A minimal PE image for `machine` (MZ header, PE signature, COFF header, a PE32 or PE32+
/// optional header), padded to 1 KiB.
pub fn pe(machine: u16) -> Vec<u8> {
    let mut b = vec![0u8; 1024];
    b[..2].copy_from_slice(b"MZ");
    b[0x3c..0x40].copy_from_slice(&0x80u32.to_le_bytes());
    b[0x80..0x84].copy_from_slice(b"PE\0\0");
    b[0x84..0x86].copy_from_slice(&machine.to_le_bytes());
    let wide = machine != I386;
    b[0x94..0x96].copy_from_slice(&(if wide { 240u16 } else { 224u16 }).to_le_bytes());
    b[0x98..0x9a].copy_from_slice(&(if wide { 0x20bu16 } else { 0x10bu16 }).to_le_bytes());
    b
}
