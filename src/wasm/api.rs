//! The functions and classes JS calls: open bundles, list shipped specs, validate, build.
//!
//! Each one turns JS values into core inputs and calls the same core functions as the native
//! command line (`validate::validate`, then `build::build`). Nothing is decided here that
//! the core decides; nothing here touches a file system or the clock.

use super::options::{JsOptions, Resolved};
use super::report;
use super::source::{bytes_source, BlobSource};
use super::stream::OutputStream;
use super::{js_err, JsFailure};
use crate::build::manifest;
use crate::build::shared::{self, Output};
use crate::build::{self, MediaSet};
use crate::bundled::{embedded, sample};
use crate::limits::Limits;
use crate::source::readahead::ReadAhead;
use crate::source::vtree::VTree;
use crate::source::ReadAt;
use crate::validate::{self, Staged, ValidateInput};
use crate::Report;
use std::rc::Rc;
use std::sync::Arc;
use wasm_bindgen::prelude::*;

/// An opened input tree: a driver bundle, or a guest-tools payload.
#[wasm_bindgen]
pub struct Bundle {
    tree: VTree,
    name: String,
    /// The built-in sample driver set (it brings its own test certificate).
    sample: bool,
}

#[wasm_bindgen]
impl Bundle {
    /// Opens a zip or an ISO image from a `Blob`/`File` without loading it: only the zip's
    /// central directory or the ISO's directories are read now, file data when building or
    /// verifying. Dedicated workers only (`FileReaderSync`). `options` (optional) is the
    /// options object of `validate`/`build`; its limits (`maxEntries`, `maxTotalSize`,
    /// `maxFileSize`, `maxPathDepth`, `maxRatio`) apply to reading the container.
    #[wasm_bindgen(js_name = fromBlob)]
    pub fn from_blob(
        blob: web_sys::Blob,
        name: Option<String>,
        #[wasm_bindgen(unchecked_param_type = "Options | undefined")] options: JsValue,
    ) -> Result<Bundle, JsFailure> {
        let name = name.unwrap_or_else(|| "bundle.zip".into());
        let limits = JsOptions::from_js(&options)?.limits()?;
        // Every Blob read is a round trip to the browser: read ahead in growing blocks.
        Bundle::open_limited(
            Arc::new(ReadAhead::new(BlobSource::new(blob))),
            name,
            &limits,
        )
    }

    /// Opens a zip or an ISO image held in memory (the bytes are copied once); `options` as
    /// for [`Bundle::from_blob`].
    #[wasm_bindgen(js_name = fromBytes)]
    pub fn from_bytes(
        bytes: &[u8],
        name: Option<String>,
        #[wasm_bindgen(unchecked_param_type = "Options | undefined")] options: JsValue,
    ) -> Result<Bundle, JsFailure> {
        let name = name.unwrap_or_else(|| "bundle.zip".into());
        let limits = JsOptions::from_js(&options)?.limits()?;
        Bundle::open_limited(Arc::new(bytes_source(bytes)), name, &limits)
    }

    /// The project's sample driver set (for a "try the sample" button).
    pub fn sample() -> Bundle {
        sample_bundle()
    }

    /// The guest-tools payload built into the module (used when none is given).
    #[wasm_bindgen(js_name = embeddedGuestTools)]
    pub fn embedded_guest_tools() -> Bundle {
        Bundle {
            tree: embedded::guest_tools(),
            name: "guest-tools (built in)".into(),
            sample: false,
        }
    }

    /// The name given when opening (shown in messages).
    #[wasm_bindgen(getter)]
    pub fn name(&self) -> String {
        self.name.clone()
    }

    #[wasm_bindgen(js_name = fileCount)]
    pub fn file_count(&self) -> u32 {
        self.tree.file_count() as u32
    }

    /// Every file path in the bundle, sorted (for a preview list).
    pub fn paths(&self) -> Vec<String> {
        self.tree.files().map(|(p, _)| p.to_string()).collect()
    }
}

impl Bundle {
    /// Opens a random-access source holding a zip or an ISO9660 image (recognized by content)
    /// under `limits`; `name` is used in messages.
    pub fn open_limited(
        src: Arc<dyn ReadAt>,
        name: String,
        limits: &Limits,
    ) -> Result<Bundle, JsFailure> {
        let tree = crate::input::open(src, &name, limits).map_err(js_err)?;
        Ok(Bundle {
            tree,
            name,
            sample: false,
        })
    }

    /// Wraps a tree built in Rust (tests, the sample).
    pub fn from_tree(tree: VTree, name: impl Into<String>) -> Bundle {
        Bundle {
            tree,
            name: name.into(),
            sample: false,
        }
    }
}

/// The sample driver set as a bundle.
#[wasm_bindgen(js_name = sampleBundle)]
pub fn sample_bundle() -> Bundle {
    Bundle {
        tree: sample::sample_drivers(),
        name: "sample drivers".into(),
        sample: true,
    }
}

/// Values the JS side must agree with the core on, so no script copies them:
/// `{ defaultSpec, digestRecord, noOwner, windowsNames }` (the spec used when none is chosen,
/// the size of one shared-build digest record, the owner byte of a file no worker kept, the
/// Windows names `targetOs` takes).
#[wasm_bindgen(unchecked_return_type = "Constants")]
pub fn constants() -> JsValue {
    report::to_js(&serde_json::json!({
        "defaultSpec": embedded::DEFAULT_SPEC,
        "digestRecord": crate::build::shared::DIGEST_RECORD,
        "noOwner": super::job::NO_OWNER,
        "windowsNames": crate::validate::layout::windows::names(),
    }))
}

/// File names of the specs shipped in the module, for a spec picker.
#[wasm_bindgen(js_name = shippedSpecs)]
pub fn shipped_specs() -> Vec<String> {
    embedded::spec_names()
        .into_iter()
        .map(String::from)
        .collect()
}

/// Every shipped spec with what it says of itself, and the JSON Schema specs follow:
/// `{ specs: [{ name, title, description, text }], schema: text }` (for choosing, viewing and
/// downloading a spec; `title`/`description` are `null` when a spec has none).
#[wasm_bindgen(js_name = shippedSpecDetails, unchecked_return_type = "SpecDetails")]
pub fn shipped_spec_details() -> JsValue {
    let specs: Vec<serde_json::Value> = embedded::spec_names()
        .into_iter()
        .map(|name| {
            let bytes = embedded::spec_file(name).unwrap_or_default();
            let raw = validate::spec::parse(name, bytes).ok();
            serde_json::json!({
                "name": name,
                "title": raw.as_ref().and_then(|r| r.title.clone()),
                "description": raw.as_ref().and_then(|r| r.description.clone()),
                "text": String::from_utf8_lossy(bytes),
            })
        })
        .collect();
    let schema = embedded::spec_file("packaging-spec.schema.json").unwrap_or_default();
    report::to_js(&serde_json::json!({
        "specs": specs,
        "schema": String::from_utf8_lossy(schema),
    }))
}

/// A spec made from a driver bundle (`guestpack spec`): `{ spec, findings }`, `spec` the JSON
/// text or `null` when the bundle holds no driver folder or needs an OS chosen (the findings
/// say which). Options: `os` and the input limits, as for `validate`.
#[wasm_bindgen(js_name = makeSpec, unchecked_return_type = "MadeSpec")]
pub fn make_spec(
    drivers: &Bundle,
    #[wasm_bindgen(unchecked_param_type = "Options | undefined")] options: JsValue,
) -> Result<JsValue, JsFailure> {
    let o = JsOptions::from_js(&options)?;
    let limits = o.limits()?;
    let made =
        validate::spec::generate::generate(&drivers.tree, &drivers.name, &o.layout()?, &limits);
    Ok(report::to_js(&serde_json::json!({
        "spec": made.json,
        "findings": made.findings,
    })))
}

/// The packager version (the crate version), as recorded in manifest.json.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// Validates only, with the built-in guest tools: returns the report object, writes nothing.
#[wasm_bindgen(unchecked_return_type = "Report")]
pub fn validate(
    drivers: &Bundle,
    #[wasm_bindgen(unchecked_param_type = "Options | undefined")] options: JsValue,
) -> Result<JsValue, JsFailure> {
    validate_impl(drivers, None, &options)
}

/// [`validate`] with a guest-tools payload of the page's own (a dropped zip).
#[wasm_bindgen(js_name = validateWith, unchecked_return_type = "Report")]
pub fn validate_with(
    drivers: &Bundle,
    guest_tools: &Bundle,
    #[wasm_bindgen(unchecked_param_type = "Options | undefined")] options: JsValue,
) -> Result<JsValue, JsFailure> {
    validate_impl(drivers, Some(guest_tools), &options)
}

/// Validates and, when accepted, plans the media, with the built-in guest tools. A rejected
/// input is not an exception: the result's `accepted` is false and its `report` says why.
#[wasm_bindgen]
pub fn build(
    drivers: &Bundle,
    #[wasm_bindgen(unchecked_param_type = "Options | undefined")] options: JsValue,
) -> Result<Media, JsFailure> {
    build_impl(drivers, None, &options)
}

/// [`build`] with a guest-tools payload of the caller's own.
#[wasm_bindgen(js_name = buildWith)]
pub fn build_with(
    drivers: &Bundle,
    guest_tools: &Bundle,
    #[wasm_bindgen(unchecked_param_type = "Options | undefined")] options: JsValue,
) -> Result<Media, JsFailure> {
    build_impl(drivers, Some(guest_tools), &options)
}

fn validate_impl(
    drivers: &Bundle,
    guest_tools: Option<&Bundle>,
    options: &JsValue,
) -> Result<JsValue, JsFailure> {
    let mut v = validated(drivers, guest_tools, options)?;
    // Nothing is built: only the files the catalogs must cover are read.
    let found = build::check_catalogs(&mut v.staged, 1).map_err(js_err)?;
    Ok(v.with_findings(found).to_js())
}

fn build_impl(
    drivers: &Bundle,
    guest_tools: Option<&Bundle>,
    options: &JsValue,
) -> Result<Media, JsFailure> {
    let mut v = validated(drivers, guest_tools, options)?;
    let (found, set) = if v.report.has_errors() {
        (
            build::check_catalogs(&mut v.staged, 1).map_err(js_err)?,
            None,
        )
    } else {
        build::build(&mut v.staged, &v.resolved.build).map_err(js_err)?
    };
    let report = v.with_findings(found);
    let set = set.filter(|_| v.report.errors() == 0).map(Rc::new);
    Ok(Media {
        report,
        set,
        iso_name: v.resolved.build.iso_file_name(),
        zip_name: v.resolved.build.zip_file_name(),
        owners: Default::default(),
    })
}

/// What `validate`, `build` and `prepare` all start from: the options resolved and the input
/// validated, with the report as the JSON the page gets.
pub(super) struct Validated {
    pub resolved: Resolved,
    pub report: Report,
    pub report_value: report::ReportJson,
    pub staged: Staged,
}

pub(super) fn validated(
    drivers: &Bundle,
    guest_tools: Option<&Bundle>,
    options: &JsValue,
) -> Result<Validated, JsFailure> {
    let resolved = JsOptions::from_js(options)?.resolve()?;
    let embedded_tools;
    let guest_tools = match guest_tools {
        Some(b) => &b.tree,
        None => {
            embedded_tools =
                crate::bundled::default_guest_tools(drivers.sample, resolved.build.signing_policy);
            &embedded_tools
        }
    };
    let r = &resolved;
    let input = ValidateInput {
        contract_found: None,
        drivers: &drivers.tree,
        guest_tools,
        spec_name: &r.spec_name,
        spec_json: &r.spec_json,
        contract: r.contract.as_ref().map(|(n, b)| (n.as_str(), b.as_slice())),
        signing_policy: r.build.signing_policy,
    };
    let (mut report, staged) = validate::validate(&input, &r.validate).map_err(js_err)?;
    report.add(r.build.findings());
    let report_value = report::report_json(&report, &staged);
    Ok(Validated {
        resolved,
        report,
        report_value,
        staged,
    })
}

impl Validated {
    /// Adds findings made after validation (the catalog check) and gives the report again.
    pub(super) fn with_findings(&mut self, found: Vec<crate::diag::Finding>) -> report::ReportJson {
        self.report.add(found);
        self.report_value = report::report_json(&self.report, &self.staged);
        self.report_value.clone()
    }
}

/// Checks existing media (a bundle opened from an ISO or a zip) against a manifest: the text
/// of `manifest.json` when given, else the one at the media root. Mismatches are not
/// exceptions: the result's `ok` is false and `missing`, `changed`, `extra` list the paths.
#[wasm_bindgen(unchecked_return_type = "VerifyResult")]
pub fn verify(media: &Bundle, manifest_text: Option<String>) -> Result<JsValue, JsFailure> {
    let manifest = match manifest_text {
        Some(t) => t.into_bytes(),
        None => crate::verify::media_manifest(&media.tree).map_err(js_err)?,
    };
    let r = crate::verify::verify(&media.tree, &manifest).map_err(js_err)?;
    Ok(report::to_js(&report::verify_value(&r)))
}

/// The result of [`build`]: the report and, when accepted, the three outputs.
#[wasm_bindgen]
pub struct Media {
    report: report::ReportJson,
    set: Option<Rc<MediaSet>>,
    iso_name: String,
    zip_name: String,
    /// Media path -> the worker that kept its compressed bytes (shared builds only).
    owners: std::collections::BTreeMap<String, u32>,
}

#[wasm_bindgen]
impl Media {
    /// True when validation found no errors and the outputs can be read.
    #[wasm_bindgen(getter)]
    pub fn accepted(&self) -> bool {
        self.set.is_some()
    }

    /// The validation report (a fresh object on each access).
    #[wasm_bindgen(getter, unchecked_return_type = "Report")]
    pub fn report(&self) -> JsValue {
        self.report.to_js()
    }

    /// Number of files on the media, manifest.json included (0 when rejected).
    #[wasm_bindgen(js_name = fileCount)]
    pub fn file_count(&self) -> u32 {
        self.set.as_ref().map_or(0, |s| s.files.len() as u32)
    }

    /// A new stream over the ISO image, from its first byte.
    pub fn iso(&self) -> Result<OutputStream, JsFailure> {
        Ok(OutputStream::iso(self.planned()?, self.iso_name.clone()))
    }

    /// A new stream over the zip, from its first byte.
    pub fn zip(&self) -> Result<OutputStream, JsFailure> {
        Ok(OutputStream::zip(self.planned()?, self.zip_name.clone()))
    }

    /// A new stream over manifest.json.
    pub fn manifest(&self) -> Result<OutputStream, JsFailure> {
        Ok(OutputStream::bytes(
            self.planned()?.manifest_bytes.clone(),
            manifest::FILE_NAME.into(),
        ))
    }

    /// How `output` (`"iso"`, `"zip"` or `"manifest"`) can be produced in pieces by `workers`
    /// workers at once: `[start, end, work, owner, start, end, work, owner, …]`, consecutive
    /// byte ranges covering the output in order, each with an estimate of its cost and the
    /// worker that kept its entries compressed (-1: none; any worker can produce any piece).
    pub fn pieces(&self, output: &str, workers: u32) -> Result<Vec<f64>, JsFailure> {
        let output: Output = output.parse().map_err(js_err)?;
        let set = self.planned()?;
        let owner = |path: &str| self.owners.get(path).copied();
        Ok(shared::pieces_for(set, output, workers.max(1), &owner)
            .into_iter()
            .flat_map(|(p, o)| {
                [
                    p.start as f64,
                    p.end as f64,
                    p.work as f64,
                    o.map_or(-1.0, f64::from),
                ]
            })
            .collect())
    }

    /// A stream over bytes `start..end` of `output`, one of its [`Media::pieces`] (or several
    /// consecutive ones).
    pub fn range(&self, output: &str, start: f64, end: f64) -> Result<OutputStream, JsFailure> {
        let output: Output = output.parse().map_err(js_err)?;
        let whole = |v: f64| v >= 0.0 && v.fract() == 0.0 && v < 9.007_199_254_740_992e15;
        if !whole(start) || !whole(end) {
            return Err(JsFailure::new(format!(
                "range: {start}..{end} are not byte offsets"
            )));
        }
        OutputStream::range(
            self.planned()?,
            output,
            self.name_of(output),
            start as u64,
            end as u64,
        )
    }

    /// manifest.json as text, for display.
    #[wasm_bindgen(js_name = manifestText)]
    pub fn manifest_text(&self) -> Result<String, JsFailure> {
        Ok(String::from_utf8_lossy(&self.planned()?.manifest_bytes).into_owned())
    }
}

impl Media {
    /// An accepted result around a media set planned elsewhere ([`super::job::Job::plan`]).
    pub(super) fn from_set(
        report: report::ReportJson,
        set: Option<Rc<MediaSet>>,
        opts: &crate::build::BuildOptions,
    ) -> Media {
        Media {
            report,
            set,
            iso_name: opts.iso_file_name(),
            zip_name: opts.zip_file_name(),
            owners: Default::default(),
        }
    }

    pub(super) fn with_owners(mut self, owners: std::collections::BTreeMap<String, u32>) -> Media {
        self.owners = owners;
        self
    }

    fn name_of(&self, output: Output) -> String {
        match output {
            Output::Iso => self.iso_name.clone(),
            Output::Zip => self.zip_name.clone(),
            Output::Manifest => manifest::FILE_NAME.into(),
        }
    }

    fn planned(&self) -> Result<&Rc<MediaSet>, JsFailure> {
        self.set.as_ref().ok_or_else(|| {
            let errors = self.report.errors;
            JsFailure::new(format!(
                "rejected: {errors} error(s) found; there is no media to read (see report)"
            ))
        })
    }
}
