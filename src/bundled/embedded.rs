//! The default guest-tools payload and the shipped specs, compiled into the crate by
//! `build.rs`. Lets the CLI run without `--guest-tools-dir` and the web page offer the shipped
//! specs with no network access.

use crate::source::vtree::VTree;
use crate::source::MemContent;
use std::sync::Arc;

mod generated {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}

/// The project's own `guest-tools/` as a tree.
pub fn guest_tools() -> VTree {
    let mut t = VTree::new();
    for (path, bytes) in generated::GUEST_TOOLS {
        t.insert(*path, Arc::new(MemContent::new(*bytes)));
    }
    t
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

/// Bytes of a shipped file under `specs/` by file name.
pub fn spec_file(name: &str) -> Option<&'static [u8]> {
    generated::SPECS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, b)| *b)
}
