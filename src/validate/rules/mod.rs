//! The validation checks, one file per concern. Each takes the already-located inputs, adds
//! files to the staged media list and pushes findings; none of them stops at the first problem.
//!
//! Orchestration (parsing the spec and contract, ordering the checks, building the result) is
//! [`crate::validate`]; the name rules for the media are in [`names`].

pub mod catalog;
pub mod driver_folder;
pub mod drivers;
pub mod guest_tools;
pub mod inf_arch;
pub mod names;
pub mod refusals;
pub mod signature;
pub mod signers;
pub mod spec_fit;
pub mod tools;

pub(crate) use crate::source::vtree::join;
use crate::source::Content;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Media path -> content, in byte order of the path.
pub type StagedFiles = BTreeMap<String, Arc<dyn Content>>;
