//! Fuzzes INF handling: decoding, parsing and every accessor validation uses.
//!
//! Invariants beyond "no panic": line numbers are 1-based, ascending and within the file;
//! every listed section is found again by name (in ASCII upper case too) and its entries belong to
//! it; referenced files use `/` only; text without `%` resolves to itself.
#![no_main]

use guestpack::validate::inf;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok((text, _)) = inf::decode(data) else {
        return;
    };
    let physical = text.split(['\n', '\r']).count() as u32 + 1;
    let parsed = inf::parse(&text);
    let lines = parsed.content_lines();
    assert!(
        lines.windows(2).all(|w| w[0].0 < w[1].0),
        "line numbers not ascending"
    );
    assert!(lines
        .iter()
        .all(|(n, t)| *n >= 1 && *n <= physical && !t.is_empty()));
    for name in parsed.section_names() {
        assert!(parsed.has_section(name) && parsed.has_section(&name.to_ascii_uppercase()));
        let entries = parsed.entries(name);
        assert!(entries.windows(2).all(|w| w[0].line < w[1].line));
        for e in entries {
            assert!(e.line >= 1 && e.line <= physical);
            let _ = parsed.fields(e);
            if let Some(k) = &e.key {
                let _ = parsed.string(k);
                for v in &e.values {
                    let _ = parsed.resolve(v);
                }
            }
        }
    }
    for key in [
        "Class",
        "ClassGuid",
        "Provider",
        "DriverVer",
        "CatalogFile",
        "Signature",
    ] {
        let _ = parsed.version_value(key);
    }
    for r in parsed.referenced_files() {
        assert!(!r.name.contains('\\'), "{:?}", r.name);
        assert!(r.line >= 1 && r.line <= physical);
    }
    for (_, line) in parsed
        .add_services()
        .into_iter()
        .chain(parsed.hardware_ids())
        .chain(parsed.missing_copyfiles_sections())
    {
        assert!(line >= 1 && line <= physical);
    }
    let plain: String = text.chars().filter(|&c| c != '%').take(256).collect();
    assert_eq!(parsed.resolve(&plain), plain);
});
