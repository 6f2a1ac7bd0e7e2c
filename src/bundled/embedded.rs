//! The default guest-tools payload, compiled into the crate by `build.rs` (lets the CLI run
//! without `--guest-tools-dir` and the page offer it offline), and the shipped specs, which
//! validation owns ([`crate::validate::spec::shipped`]) and are re-exported here.

use crate::source::vtree::VTree;
use crate::source::MemContent;
use std::sync::Arc;

mod generated {
    include!(concat!(env!("OUT_DIR"), "/embedded_guest_tools.rs"));
}

pub use crate::validate::spec::shipped::{spec_file, spec_names, DEFAULT_SPEC};

/// The project's own `guest-tools/` as a tree.
pub fn guest_tools() -> VTree {
    let mut t = VTree::new();
    for (path, bytes) in generated::GUEST_TOOLS {
        t.insert(*path, Arc::new(MemContent::new(*bytes)));
    }
    t
}
