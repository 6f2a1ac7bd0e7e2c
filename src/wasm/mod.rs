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
mod keep;
mod options;
mod report;
mod source;
mod stream;

pub use api::{
    build, build_with, constants, sample_bundle, shipped_specs, validate, validate_with, verify,
    version, Bundle, Media,
};
pub use job::{prepare, prepare_with, Job, NO_OWNER};
pub use options::JsOptions;
pub use source::BlobSource;
pub use stream::OutputStream;

use crate::Error;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;

/// The options and result shapes, by hand, for the generated TypeScript declarations: the
/// functions name them with `unchecked_param_type` / `unchecked_return_type`.
#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = include_str!("types.d.ts");

/// A fatal error as JS receives it: an `Error` whose `message` is the core's own and which,
/// when an option is the fix, names it in `option` (`maxEntries`...) and says in `fix` whether
/// to `raise` it (an input went over the limit) or `correct` it (its value does not parse),
/// so a page can point at its field without reading the message.
#[derive(Debug)]
pub struct JsFailure {
    message: String,
    option: Option<&'static str>,
    fix: &'static str,
}

impl JsFailure {
    pub fn new(message: impl Into<String>) -> JsFailure {
        JsFailure {
            message: message.into(),
            option: None,
            fix: "",
        }
    }
    pub fn message(&self) -> &str {
        &self.message
    }
    pub fn option(&self) -> Option<&str> {
        self.option
    }
    pub fn fix(&self) -> &str {
        self.fix
    }
}

impl From<JsFailure> for JsValue {
    fn from(f: JsFailure) -> JsValue {
        let e = js_sys::Error::new(&f.message);
        if let Some(option) = f.option {
            // Setting a property on a fresh Error object cannot fail.
            let _ = js_sys::Reflect::set(&e, &"option".into(), &option.into());
            let _ = js_sys::Reflect::set(&e, &"fix".into(), &f.fix.into());
        }
        e.into()
    }
}

/// Every fatal core error reaches JS with the core's own message; a limit error also names
/// the option that raises it.
fn js_err(e: impl Into<ErrorOrText>) -> JsFailure {
    match e.into() {
        // A limit names its JS option instead of the command-line flag the text would name.
        ErrorOrText::Error(Error::Limit {
            file,
            flag,
            message,
        }) => JsFailure {
            message: format!("{file}: {message}"),
            option: crate::limits::js_option(flag),
            fix: "raise",
        },
        ErrorOrText::Error(e) => JsFailure::new(e.to_string()),
        ErrorOrText::Text(t) => JsFailure::new(t),
    }
}

/// What [`js_err`] takes: a core error, or the text of any other failure.
enum ErrorOrText {
    Error(Error),
    Text(String),
}

impl From<Error> for ErrorOrText {
    fn from(e: Error) -> Self {
        ErrorOrText::Error(e)
    }
}

impl From<String> for ErrorOrText {
    fn from(t: String) -> Self {
        ErrorOrText::Text(t)
    }
}

impl From<std::io::Error> for ErrorOrText {
    fn from(e: std::io::Error) -> Self {
        ErrorOrText::Text(e.to_string())
    }
}
