//! Reports as plain JS objects: the core's one report shape ([`ValidationReport`]) and the
//! verify result, built as JSON and handed to JS with `JSON.parse`. This module only
//! converts; it decides nothing.

use crate::diag::Report;
use crate::validate::report::ValidationReport;
use crate::validate::Staged;
use crate::verify::VerifyReport;
use serde_json::{json, Value};
use wasm_bindgen::JsValue;

/// The one report shape ([`ValidationReport`]) as JSON, exactly what `guestpack --report`
/// writes for the same input.
/// Kept as text, not as a `serde_json::Value` (whose objects sort their keys), so JS sees the
/// keys in the order the CLI writes them.
pub fn report_json(report: &Report, staged: &Staged) -> ReportJson {
    ReportJson {
        text: ValidationReport::new(report, staged).to_json().into(),
        errors: report.errors(),
    }
}

/// A validation report serialized once, handed to JS as often as asked.
#[derive(Clone, Debug)]
pub struct ReportJson {
    text: std::rc::Rc<str>,
    pub errors: usize,
}

impl ReportJson {
    pub fn to_js(&self) -> JsValue {
        js_sys::JSON::parse(&self.text).unwrap_or(JsValue::NULL)
    }
}

/// `{ ok, package, version, listed, matched, missing: [path], changed: [{path, expectedSize,
/// expectedSha256, actualSize, actualSha256, error}], extra: [path] }`.
pub fn verify_value(r: &VerifyReport) -> Value {
    let changed: Vec<Value> = r
        .changed
        .iter()
        .map(|c| {
            json!({
                "path": c.path,
                "expectedSize": c.expected_size,
                "expectedSha256": c.expected_sha256,
                "actualSize": c.actual_size,
                "actualSha256": c.actual_sha256,
                "error": c.error,
            })
        })
        .collect();
    json!({
        "ok": r.is_ok(),
        "package": r.package,
        "version": r.version,
        "listed": r.listed,
        "matched": r.ok,
        "missing": r.missing,
        "changed": changed,
        "extra": r.extra,
    })
}

/// Converts JSON to a fresh JS object.
pub fn to_js(value: &Value) -> JsValue {
    // Serializing a serde_json::Value cannot fail, and its output is valid JSON for JSON.parse.
    js_sys::JSON::parse(&value.to_string()).unwrap_or(JsValue::NULL)
}
