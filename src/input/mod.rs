//! Input adapters: turn a dropped container into a [`crate::source::vtree::VTree`].
//!
//! Each adapter reads only structure up front (directories, headers) and hands out lazily
//! opened contents. None of them validates driver layout; that happens on the tree.

pub mod iso;
pub mod zip;
