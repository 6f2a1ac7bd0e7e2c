//! guestpack: validated, reproducible Windows guest-tools media.
//!
//! This crate is a sans-IO core. It contains no filesystem code, reads no environment
//! variables, never asks the clock for the time and knows nothing about JavaScript. Inputs
//! arrive through [`source::ReadAt`] / [`source::Content`]; outputs leave through pull-style
//! readers the caller drains. Time is an option (`source_date_epoch`). The adapters — the
//! native CLI (`main.rs` + [`native`]) and the wasm bindings — are the only places that touch
//! the outside world.

pub mod diag;
pub mod error;
pub mod media;
pub mod source;
pub mod spec;
pub mod vtree;

pub use diag::{Finding, Report, Severity};
pub use error::{Error, Result};
