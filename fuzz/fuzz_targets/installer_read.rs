//! Fuzzes what validation reads from a tool's installer: a Windows Installer package (the OLE
//! container through `cfb`, its summary, string pool and tables through our own reader) and a
//! PE header.
//!
//! Invariants beyond "no panic": a package read is an installer with a product code in
//! `{GUID}` form, upper case; a machine type is read only from an image with both headers.
#![no_main]

use guestpack::input::installer::pe_machine;
use guestpack::input::msi::read_msi;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(facts) = read_msi(data) {
        let code = &facts.product_code;
        assert!(code.len() == 38 && code.starts_with('{') && code.ends_with('}'), "{code}");
        assert_eq!(code, &code.to_ascii_uppercase());
    }
    if pe_machine(data).is_ok() {
        assert!(data.starts_with(b"MZ") && data.len() >= 0x40);
    }
});
