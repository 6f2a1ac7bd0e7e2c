//! Fuzzes the spec: strict JSON parsing, then compilation (regexes with size limits, legacy
//! merge, name checks), then matching with every compiled regex.
//!
//! Half the inputs are raw bytes (exercising the strict parser); the other half are well-formed
//! specs whose names and patterns come from the fuzzer (exercising compilation and regexes).
//! Invariants: compiled driver names are non-empty, trimmed and unique ignoring case; every
//! finding names the spec file; every driver appears in the compiled spec or in a finding.
#![no_main]

use arbitrary::Arbitrary;
use guestpack::validate::spec;
use libfuzzer_sys::fuzz_target;
use std::collections::BTreeSet;

#[derive(Arbitrary, Debug)]
struct Driver {
    name: String,
    required: Option<bool>,
    hwids: Vec<String>,
    paths: Vec<String>,
    extensions: Vec<String>,
}

#[derive(Arbitrary, Debug)]
enum Input {
    Raw(Vec<u8>),
    Built {
        drivers: Vec<Driver>,
        legacy: Vec<String>,
        probe: String,
    },
}

fuzz_target!(|input: Input| {
    let (bytes, probe) = match input {
        Input::Raw(b) => (b, String::from(r"PCI\VEN_1AF4&DEV_1042")),
        Input::Built {
            drivers,
            legacy,
            probe,
        } => {
            let drivers: Vec<_> = drivers
                .iter()
                .take(8)
                .map(|d| {
                    serde_json::json!({
                        "name": d.name,
                        "required": d.required.unwrap_or(true),
                        "expected_hardware_ids": d.hwids.iter().take(4).collect::<Vec<_>>(),
                        "allow_path_regexes": d.paths.iter().take(4).collect::<Vec<_>>(),
                        "allow_extensions": d.extensions.iter().take(4).collect::<Vec<_>>(),
                    })
                })
                .collect();
            let v = serde_json::json!({"drivers": drivers, "required_drivers": legacy});
            (serde_json::to_vec(&v).expect("json"), probe)
        }
    };
    let raw = match spec::parse("fuzz.json", &bytes) {
        Ok(r) => r,
        Err(e) => {
            assert!(e.to_string().starts_with("fuzz.json: "), "{e}");
            return;
        }
    };
    let (compiled, findings) = spec::compile(&raw, "fuzz.json");
    assert!(findings
        .iter()
        .all(|f| f.path.as_deref() == Some("fuzz.json")));
    let mut seen = BTreeSet::new();
    for d in &compiled.drivers {
        assert!(
            !d.name.is_empty() && d.name.trim() == d.name,
            "{:?}",
            d.name
        );
        assert!(seen.insert(d.name.to_lowercase()), "duplicate {:?}", d.name);
        assert!(
            compiled.driver(&d.name.to_uppercase()).is_some()
                || d.name.to_uppercase().to_lowercase() != d.name.to_lowercase()
        );
        for (_, re) in &d.expected_hardware_ids {
            let _ = re.is_match(&probe);
        }
        for re in &d.allow_path_regexes {
            let _ = re.is_match(&probe);
        }
    }
    let dropped = raw.drivers.len() + raw.required_drivers.len();
    assert!(compiled.drivers.len() <= dropped);
});
