//! The specs shipped with guestpack (`specs/*.json`, compiled in by `build.rs`): offered by
//! name on the command line, in JavaScript and on the page, and compared with the spec in use
//! to suggest a better fit ([`crate::validate::rules::spec_fit`]).

mod generated {
    include!(concat!(env!("OUT_DIR"), "/embedded_specs.rs"));
}

/// The shipped spec used when none is named: by the CLI, the JS API and the page.
pub const DEFAULT_SPEC: &str = "win7-virtio-win.json";

/// File names of the shipped specs (`win7-virtio-win.json`, ...), excluding the JSON Schema
/// and the device contract, in sorted order.
pub fn spec_names() -> Vec<&'static str> {
    generated::SPECS
        .iter()
        .map(|(n, _)| *n)
        .filter(|n| n.ends_with(".json") && !n.ends_with(".schema.json") && !n.contains("contract"))
        .collect()
}

/// Bytes of a shipped file under `specs/` by file name (specs, their schema, the default
/// device contract).
pub fn spec_file(name: &str) -> Option<&'static [u8]> {
    generated::SPECS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, b)| *b)
}
