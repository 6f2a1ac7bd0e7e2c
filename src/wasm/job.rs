//! One build shared among several workers, each running its own instance of this module on
//! the same dropped file (see [`crate::split`] for why the result cannot depend on the split).
//!
//! In every worker: `prepare` validates (cheap) and keeps the staged file list; `digest`
//! hashes and measures the files the page hands this worker; `plan` takes every worker's
//! digests, in staged order, and plans the media without reading a payload byte; `Media`'s
//! `pieces` and `range` then let each worker produce any piece of any output. The scheduling
//! (who digests what, who produces which piece) is the page's: `web/worker-api/client.js`.

use super::api::{run_validation, Bundle, Media};
use super::js_err;
use super::options::{JsOptions, Resolved};
use super::report;
use crate::media::hex;
use crate::split::{self, FileDigest};
use crate::validate::Staged;
use sha2::{Digest, Sha256};
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// A validated input, ready to be digested in parts and planned.
#[wasm_bindgen]
pub struct Job {
    report: serde_json::Value,
    accepted: bool,
    staged: Staged,
    resolved: Resolved,
}

/// Validates with the built-in guest tools and keeps what a shared build needs.
#[wasm_bindgen]
pub fn prepare(drivers: &Bundle, options: JsValue) -> Result<Job, JsError> {
    prepare_impl(drivers, None, &options)
}

/// [`prepare`] with a guest-tools payload of the page's own.
#[wasm_bindgen(js_name = prepareWith)]
pub fn prepare_with(
    drivers: &Bundle,
    guest_tools: &Bundle,
    options: JsValue,
) -> Result<Job, JsError> {
    prepare_impl(drivers, Some(guest_tools), &options)
}

fn prepare_impl(
    drivers: &Bundle,
    guest_tools: Option<&Bundle>,
    options: &JsValue,
) -> Result<Job, JsError> {
    let resolved = JsOptions::from_js(options)?.resolve()?;
    let (report, staged) = run_validation(drivers, guest_tools, &resolved)?;
    Ok(Job {
        report: report::to_value(&report, &staged.packages, &staged.layout),
        accepted: !report.has_errors(),
        staged,
        resolved,
    })
}

#[wasm_bindgen]
impl Job {
    /// True when validation found no errors (only then can the files be digested).
    #[wasm_bindgen(getter)]
    pub fn accepted(&self) -> bool {
        self.accepted
    }

    /// The validation report (a fresh object on each access).
    #[wasm_bindgen(getter)]
    pub fn report(&self) -> JsValue {
        report::to_js(&self.report)
    }

    /// Number of staged files (the indices `digest` takes are `0..fileCount`).
    #[wasm_bindgen(js_name = fileCount)]
    pub fn file_count(&self) -> u32 {
        self.staged.files.len() as u32
    }

    /// Size of each staged file, in staged order (for sharing the digesting out evenly).
    pub fn sizes(&self) -> Vec<f64> {
        self.staged
            .files
            .iter()
            .map(|(_, c)| c.len() as f64)
            .collect()
    }

    /// SHA-256 (hex) over the staged paths and sizes and the options that shape the media:
    /// workers whose fingerprints differ did not see the same input and must not be mixed.
    pub fn fingerprint(&self) -> String {
        let mut h = Sha256::new();
        for (path, content) in &self.staged.files {
            h.update(path.as_bytes());
            h.update([0]);
            h.update(content.len().to_le_bytes());
        }
        h.update(format!("{:?}", self.resolved.build).as_bytes());
        hex(&h.finalize())
    }

    /// Digests the staged files at `indices`; returns their records back to back, in the
    /// order given ([`split::DIGEST_RECORD`] bytes each).
    pub fn digest(&self, indices: Vec<u32>) -> Result<Vec<u8>, JsError> {
        self.check_accepted()?;
        let indices: Vec<usize> = indices.into_iter().map(|i| i as usize).collect();
        let digests = split::digest_files(&self.staged, &indices, self.resolved.build.zip_level)
            .map_err(js_err)?;
        Ok(split::encode_all(&digests))
    }

    /// Plans the media from the records of every staged file, in staged order (the pieces
    /// of several `digest` calls put back together). Reads no payload.
    pub fn plan(&self, records: &[u8]) -> Result<Media, JsError> {
        self.check_accepted()?;
        let digests = FileDigest::decode_all(records).map_err(js_err)?;
        let set = split::build_from_digests(&self.staged, &self.resolved.build, &digests)
            .map_err(js_err)?;
        Ok(Media::from_set(
            self.report.clone(),
            Rc::new(set),
            &self.resolved.build,
        ))
    }
}

impl Job {
    fn check_accepted(&self) -> Result<(), JsError> {
        match self.accepted {
            true => Ok(()),
            false => Err(JsError::new(
                "rejected: the input has errors (see report); there is nothing to digest",
            )),
        }
    }
}
