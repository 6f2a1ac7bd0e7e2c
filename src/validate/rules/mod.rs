//! The validation checks, one file per concern. Each takes the already-located inputs, adds
//! files to the staged media list and pushes findings; none of them stops at the first problem.
//!
//! Orchestration (parsing the spec and contract, ordering the checks, building the result) is
//! [`crate::validate`]; the name rules for the media are in [`names`].

pub mod driver_folder;
pub mod drivers;
pub mod guest_tools;
pub mod names;
pub mod refusals;

use crate::source::Content;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Media path -> content, in byte order of the path.
pub type StagedFiles = BTreeMap<String, Arc<dyn Content>>;

/// Default largest text file (INF, devices.cmd) read whole for parsing; the limit in force is
/// [`crate::limits::Limits::max_inf_size`].
pub const MAX_TEXT_BYTES: u64 = 8 << 20;

/// Joins a relative path onto a folder ("" = root).
pub(crate) fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}
