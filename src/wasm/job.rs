//! One build shared among several workers, each running its own instance of this module on
//! the same dropped file (see [`crate::build::shared`] for why the result cannot depend on the split).
//!
//! In every worker: `prepare` validates (cheap) and keeps the staged file list; `digest`
//! hashes and measures the files the page hands this worker, keeping the compressed bytes of
//! every deflated file ([`super::keep`]: small ones in memory, the others in `Blob`s); `plan` takes every worker's digests, in
//! staged order, and who kept what, and plans the media without reading a payload byte;
//! `Media`'s `pieces` and `range` then let each worker produce any piece of any output (the
//! pieces whose entries a worker kept are cheapest there). The scheduling (who digests what,
//! who produces which piece) is the page's: `web/worker-api/client.js`.

use super::api::{validated, Bundle, Media};
use super::keep::BlobStore;
use super::{js_err, JsFailure};
use crate::build::shared::{self, FileDigest, Kept};
use crate::source::digest::hex;
use sha2::{Digest, Sha256};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// How many bytes a digest reads between two progress calls: often enough for a bar to move
/// smoothly through a 100 MB file, rarely enough to cost nothing.
pub const PROGRESS_STEP: u64 = 4 << 20;

/// A validated input, ready to be digested in parts and planned.
#[wasm_bindgen]
pub struct Job {
    validated: super::api::Validated,
    accepted: bool,
    /// Compressed bytes kept while digesting, and where they are kept.
    kept: RefCell<Kept>,
    store: RefCell<BlobStore>,
}

impl Job {
    /// SHA-256 state over the staged paths and sizes, in staged order.
    fn staged_hasher(&self) -> Sha256 {
        let mut h = Sha256::new();
        for (path, content) in &self.validated.staged.files {
            h.update(path.as_bytes());
            h.update([0]);
            h.update(content.len().to_le_bytes());
        }
        h
    }
}

/// Owner value meaning "no worker kept this file" in [`Job::plan`]'s `owners`.
pub const NO_OWNER: u8 = 255;

/// Validates with the built-in guest tools and keeps what a shared build needs.
#[wasm_bindgen]
pub fn prepare(
    drivers: &Bundle,
    #[wasm_bindgen(unchecked_param_type = "Options | undefined")] options: JsValue,
) -> Result<Job, JsFailure> {
    prepare_impl(drivers, None, &options)
}

/// [`prepare`] with a guest-tools payload of the page's own.
#[wasm_bindgen(js_name = prepareWith)]
pub fn prepare_with(
    drivers: &Bundle,
    guest_tools: &Bundle,
    #[wasm_bindgen(unchecked_param_type = "Options | undefined")] options: JsValue,
) -> Result<Job, JsFailure> {
    prepare_impl(drivers, Some(guest_tools), &options)
}

fn prepare_impl(
    drivers: &Bundle,
    guest_tools: Option<&Bundle>,
    options: &JsValue,
) -> Result<Job, JsFailure> {
    let mut v = validated(drivers, guest_tools, options)?;
    let accepted = !v.report.has_errors();
    if !accepted {
        // Nothing will be digested: the report still lists every catalog finding.
        let found = crate::build::check_catalogs(&mut v.staged, 1).map_err(js_err)?;
        v.with_findings(found);
    }
    Ok(Job {
        accepted,
        validated: v,
        kept: RefCell::new(Kept::new()),
        store: RefCell::new(BlobStore::default()),
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
    #[wasm_bindgen(getter, unchecked_return_type = "Report")]
    pub fn report(&self) -> JsValue {
        self.validated.report_value.to_js()
    }

    /// Number of staged files (the indices `digest` takes are `0..fileCount`).
    #[wasm_bindgen(js_name = fileCount)]
    pub fn file_count(&self) -> u32 {
        self.validated.staged.files.len() as u32
    }

    /// Size of each staged file, in staged order (for sharing the digesting out evenly).
    pub fn sizes(&self) -> Vec<f64> {
        self.validated
            .staged
            .files
            .iter()
            .map(|(_, c)| c.len() as f64)
            .collect()
    }

    /// SHA-256 (hex) over what the digests of this input depend on: the staged paths and sizes
    /// (a staged file's bytes are fixed by the dropped files and the paths) and the zip level.
    /// The page keeps the digests of a check for a build whose key is the same, so a build
    /// after a check, or a check after changing only the version or the label, reads nothing.
    #[wasm_bindgen(js_name = digestKey)]
    pub fn digest_key(&self) -> String {
        let mut h = self.staged_hasher();
        h.update(self.validated.resolved.build.zip_level.to_le_bytes());
        hex(&h.finalize())
    }

    /// SHA-256 (hex) over the staged paths and sizes and the options that shape the media:
    /// workers whose fingerprints differ did not see the same input and must not be mixed.
    pub fn fingerprint(&self) -> String {
        let mut h = self.staged_hasher();
        h.update(format!("{:?}", self.validated.resolved.build).as_bytes());
        hex(&h.finalize())
    }

    /// Digests the staged files at `indices`; returns their records back to back, in the
    /// order given ([`shared::DIGEST_RECORD`] bytes each). Deflated files are kept
    /// compressed (see [`Job::kept`]).
    ///
    /// `on_progress(bytes)`, when given, is called with the bytes read since its last call,
    /// at most every [`PROGRESS_STEP`] bytes, so one big file moves a progress bar too.
    pub fn digest(
        &self,
        indices: Vec<u32>,
        on_progress: Option<js_sys::Function>,
    ) -> Result<Vec<u8>, JsFailure> {
        self.check_accepted()?;
        let indices: Vec<usize> = indices.into_iter().map(|i| i as usize).collect();
        let level = self.validated.resolved.build.zip_level;
        let mut unreported = 0u64;
        let mut report = |n: u64| {
            unreported += n;
            if unreported >= PROGRESS_STEP {
                if let Some(f) = &on_progress {
                    let _ = f.call1(&JsValue::NULL, &JsValue::from_f64(unreported as f64));
                }
                unreported = 0;
            }
        };
        let digested = shared::digest_files_reporting(
            &self.validated.staged,
            &indices,
            level,
            &mut *self.store.borrow_mut(),
            &mut report,
        )
        .map_err(js_err)?;
        let mut kept = self.kept.borrow_mut();
        let mut digests = Vec::with_capacity(digested.len());
        for (&i, (d, k)) in indices.iter().zip(digested) {
            if let Some(k) = k {
                kept.insert(i, k);
            }
            digests.push(d);
        }
        Ok(shared::encode_all(&digests))
    }

    /// Staged indices of the files this worker kept compressed while digesting.
    pub fn kept(&self) -> Vec<u32> {
        self.kept.borrow().keys().map(|&i| i as u32).collect()
    }

    /// Plans the media from the records of every staged file, in staged order (the pieces
    /// of several `digest` calls put back together), with the bytes this worker kept.
    /// `owners` gives, per staged file, the worker that kept it ([`NO_OWNER`]: none), so
    /// that `pieces` can cut the zip where the keeper changes. Reads no payload.
    pub fn plan(&mut self, records: &[u8], owners: &[u8]) -> Result<Media, JsFailure> {
        self.check_accepted()?;
        let digests = FileDigest::decode_all(records).map_err(js_err)?;
        if owners.len() != self.validated.staged.files.len() {
            return Err(JsFailure::new(format!(
                "plan: {} owners for {} staged files",
                owners.len(),
                self.validated.staged.files.len()
            )));
        }
        let kept = std::mem::take(&mut *self.kept.borrow_mut());
        let v = &mut self.validated;
        let (found, set) =
            shared::build_from_digests_keeping(&mut v.staged, &v.resolved.build, &digests, kept)
                .map_err(js_err)?;
        let report = v.with_findings(found);
        let owners: BTreeMap<String, u32> = v
            .staged
            .files
            .iter()
            .zip(owners)
            .filter(|(_, &o)| o != NO_OWNER)
            .map(|((path, _), &o)| (path.clone(), u32::from(o)))
            .collect();
        let set = set.filter(|_| v.report.errors() == 0).map(Rc::new);
        Ok(Media::from_set(report, set, &v.resolved.build).with_owners(owners))
    }
}

impl Job {
    fn check_accepted(&self) -> Result<(), JsFailure> {
        match self.accepted {
            true => Ok(()),
            false => Err(JsFailure::new(
                "rejected: the input has errors (see report); there is nothing to digest",
            )),
        }
    }
}
