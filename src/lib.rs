//! guestpack: validated, reproducible Windows guest-tools media.
//!
//! This crate is a sans-IO core. It contains no filesystem code, reads no environment
//! variables, never asks the clock for the time and knows nothing about JavaScript. Inputs
//! arrive through [`source::ReadAt`] / [`source::Content`]; outputs leave through pull-style
//! readers the caller drains. Time is an option (`source_date_epoch`). The adapters — the
//! native CLI (`main.rs` + [`native`]) and the wasm bindings — are the only places that touch
//! the outside world.

// The pipeline, in the order data flows through it.
pub mod build;
pub mod input;
pub mod output;
pub mod source;
pub mod validate;
pub mod verify;

// Shared by every stage.
pub mod bundled;
pub mod diag;
pub mod error;
pub mod limits;

pub use diag::{Finding, Report, Severity};
pub use error::{Error, Result};

/// The one place that decides by target: the filesystem adapters exist only off wasm32.
#[cfg(not(target_arch = "wasm32"))]
pub mod native;

/// The JavaScript bindings exist only on wasm32.
#[cfg(target_arch = "wasm32")]
pub mod wasm;
