//! JavaScript bindings for the browser (wasm32 only): a thin translation layer.
//!
//! JS values become core inputs (a `Blob` or bytes become a [`crate::source::vtree::VTree`], an options
//! object becomes [`crate::build::BuildOptions`]) and core results become JS values (the
//! report as a plain object, each output as a pull stream). No packaging logic lives here:
//! validation, planning and writing are the same core calls the native CLI makes.
//!
//! Everything here runs on one thread (wasm32 without threads). [`source::BlobSource`] reads
//! synchronously with `FileReaderSync`, so bundles from a `Blob` work only in a dedicated worker;
//! `web/worker-api/` is that worker.

mod api;
mod job;
mod options;
mod report;
mod source;
mod stream;

pub use api::{
    build, constants, sample_bundle, shipped_specs, validate, validate_with, verify, version,
    Bundle, Media,
};
pub use job::{prepare, prepare_with, Job, NO_OWNER};
pub use options::JsOptions;
pub use source::BlobSource;
pub use stream::OutputStream;

use wasm_bindgen::JsError;

/// Every fatal core error reaches JS as a `JsError` carrying the core's own message.
fn js_err(e: impl std::fmt::Display) -> JsError {
    JsError::new(&e.to_string())
}
