//! Native adapters: the only library code that touches the filesystem.
//!
//! Compiled on every target except wasm32 (see `lib.rs`, the one place that decides). They
//! turn a directory or a file on disk into the core's [`crate::source::vtree::VTree`] /
//! [`crate::source::ReadAt`] and nothing more: no validation, no layout decisions.

pub mod dir;
pub mod file;

pub use dir::{read_dir_tree, read_dir_tree_limited};
pub use file::{FileContent, NativeFile};
