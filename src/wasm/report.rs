//! The validation report as a plain JS object: findings plus the per-driver table.
//!
//! Built as JSON first so the shape is the same one `guestpack --report` users know, then
//! handed to JS with `JSON.parse`. This module only converts; it decides nothing.

use crate::diag::Report;
use crate::validate::layout::LayoutSummary;
use crate::validate::{PackageState, PackageStatus};
use crate::verify::VerifyReport;
use serde_json::{json, Value};
use wasm_bindgen::JsValue;

/// `{ accepted, errors, warnings, findings: [...], packages: [...], layout: {...} }`. Absent
/// fields of a finding are `null`, so page code can rely on every key being there.
pub fn to_value(report: &Report, packages: &[PackageStatus], layout: &LayoutSummary) -> Value {
    let findings: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            json!({
                "code": f.code,
                "severity": f.severity.to_string(),
                "path": f.path,
                "line": f.line,
                "message": f.message,
                "help": f.help,
                "text": f.to_string(),
            })
        })
        .collect();
    let packages: Vec<Value> = packages
        .iter()
        .map(|p| {
            json!({
                "arch": p.arch.as_str(),
                "driver": p.driver,
                "required": p.required,
                "state": match p.state {
                    PackageState::Present => "present",
                    PackageState::Missing => "missing",
                    PackageState::Unlisted => "unlisted",
                },
                "files": p.files,
                "hwidsMatched": p.hwids_matched,
                "infRefsOk": p.inf_refs_ok,
            })
        })
        .collect();
    json!({
        "accepted": !report.has_errors(),
        "errors": report.errors(),
        "warnings": report.warnings(),
        "findings": findings,
        "packages": packages,
        "layout": layout_value(layout),
    })
}

/// `{ kind, root, os, oses, drivers: [{arch, driver, source, files}] }`: how the driver input
/// was read, before anything was packaged.
pub fn layout_value(s: &LayoutSummary) -> Value {
    let drivers: Vec<Value> = s
        .drivers
        .iter()
        .map(|d| {
            json!({
                "arch": d.arch.as_str(),
                "driver": d.driver,
                "source": d.source,
                "files": d.files,
            })
        })
        .collect();
    json!({
        "kind": s.kind.as_str(),
        "root": s.root,
        "os": s.os,
        "oses": s.oses,
        "drivers": drivers,
    })
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
