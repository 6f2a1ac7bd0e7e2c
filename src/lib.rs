//! guestpack: validated, reproducible Windows guest-tools media.
//!
//! This crate is a sans-IO core. It contains no filesystem code, reads no environment
//! variables, never asks the clock for the time and knows nothing about JavaScript. Inputs
//! arrive through [`source::ReadAt`] / [`source::Content`]; outputs leave through pull-style
//! readers the caller drains. Time is an option (`source_date_epoch`). The adapters — the
//! native CLI (`main.rs` + [`native`]) and the wasm bindings — are the only places that touch
//! the outside world.

mod calendar;
pub mod check;
pub mod contract;
pub mod deflate;
pub mod devices_cmd;
pub mod diag;
pub mod embedded;
pub mod error;
pub mod inf;
pub mod input;
pub mod iso;
pub mod layout;
pub mod limits;
pub mod manifest;
pub mod media;
pub mod package;
pub(crate) mod par;
pub mod policy;
pub mod readahead;
pub mod sample;
pub mod signing;
pub mod source;
pub mod spec;
pub mod split;
pub mod validate;
pub mod verify;
pub mod vtree;
pub mod zipout;

pub use diag::{Finding, Report, Severity};
pub use error::{Error, Result};

/// The one place that decides by target: the filesystem adapters exist only off wasm32.
#[cfg(not(target_arch = "wasm32"))]
pub mod native;

/// The JavaScript bindings exist only on wasm32.
#[cfg(target_arch = "wasm32")]
pub mod wasm;
