//! The JS options object: which spec, contract and signing policy, and how the media is named
//! and stamped. Parsed strictly, so a misspelled key is an error instead of a silent default.
//!
//! This module only reads options; it does not open bundles or validate anything.

use crate::embedded;
use crate::layout::LayoutOptions;
use crate::package::{self, BuildOptions};
use crate::signing::{self, SigningPolicy};
use serde::Deserialize;
use wasm_bindgen::{JsError, JsValue};

/// The spec used when the options name none (the same default as the command line).
pub const DEFAULT_SPEC: &str = "win7-virtio-win.json";

/// Options as JS passes them (`camelCase`); every field is optional.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct JsOptions {
    /// A shipped spec name, or the file name shown for `specText`.
    pub spec: Option<String>,
    /// Spec JSON supplied by the page (a dropped file); `spec` then only names it.
    pub spec_text: Option<String>,
    /// A shipped device contract name, or the file name shown for `contractText`.
    pub contract: Option<String>,
    pub contract_text: Option<String>,
    pub signing_policy: Option<String>,
    pub name: Option<String>,
    pub version: Option<String>,
    pub build_id: Option<String>,
    pub volume_id: Option<String>,
    pub source_date_epoch: Option<i64>,
    pub zip_level: Option<u32>,
    /// The OS folder to take from a driver input with several (virtio-win `w7`, `w10`, ...).
    pub os: Option<String>,
}

/// Owned inputs resolved from [`JsOptions`]: everything validation needs besides the trees.
pub struct Resolved {
    pub spec_name: String,
    pub spec_json: Vec<u8>,
    pub contract: Option<(String, Vec<u8>)>,
    pub build: BuildOptions,
    pub layout: LayoutOptions,
}

impl JsOptions {
    /// Reads a JS object (or `undefined` for all defaults). Round-trips through JSON so the
    /// strict serde rules of the core apply and errors name the offending key.
    pub fn from_js(value: &JsValue) -> Result<JsOptions, JsError> {
        if value.is_undefined() || value.is_null() {
            return Ok(JsOptions::default());
        }
        let text = js_sys::JSON::stringify(value).map_err(|e| {
            JsError::new(&format!(
                "options: not serializable: {}",
                super::source::describe(&e)
            ))
        })?;
        let text = String::from(text);
        serde_json::from_str(&text).map_err(|e| JsError::new(&format!("options: {e}")))
    }

    /// Resolves shipped names, parses the signing policy and checks the build options.
    pub fn resolve(&self) -> Result<Resolved, JsError> {
        let (spec_name, spec_json) = match (&self.spec, &self.spec_text) {
            (name, Some(text)) => (
                name.clone().unwrap_or_else(|| "spec.json".into()),
                text.as_bytes().to_vec(),
            ),
            (name, None) => {
                let name = name.clone().unwrap_or_else(|| DEFAULT_SPEC.into());
                (name.clone(), shipped(&name, "spec")?.to_vec())
            }
        };
        let contract = match (&self.contract, &self.contract_text) {
            (name, Some(text)) => Some((
                name.clone().unwrap_or_else(|| "contract.json".into()),
                text.as_bytes().to_vec(),
            )),
            (Some(name), None) => Some((name.clone(), shipped(name, "contract")?.to_vec())),
            (None, None) => None,
        };
        let signing_policy = match &self.signing_policy {
            Some(p) => p.parse::<SigningPolicy>().map_err(|_| {
                JsError::new(&format!(
                    "options.signingPolicy: \"{p}\" is not a policy (accepted: {})",
                    signing::ACCEPTED
                ))
            })?,
            None => SigningPolicy::default(),
        };
        let d = BuildOptions::default();
        let build = BuildOptions {
            name: self.name.clone().unwrap_or(d.name),
            version: self.version.clone().unwrap_or(d.version),
            build_id: self.build_id.clone().unwrap_or(d.build_id),
            volume_id: self.volume_id.clone(),
            signing_policy,
            source_date_epoch: self.source_date_epoch.unwrap_or(d.source_date_epoch),
            zip_level: self.zip_level.unwrap_or(package::DEFAULT_ZIP_LEVEL),
            // wasm32 has no threads: one worker does everything, in order.
            threads: 1,
        };
        build.check().map_err(super::js_err)?;
        Ok(Resolved {
            spec_name,
            spec_json,
            contract,
            build,
            layout: LayoutOptions {
                os: self.os.clone(),
            },
        })
    }
}

fn shipped(name: &str, what: &str) -> Result<&'static [u8], JsError> {
    embedded::spec_file(name).ok_or_else(|| {
        JsError::new(&format!(
            "{what} \"{name}\": not a shipped file (shipped specs: {}); pass its JSON as {what}Text instead",
            embedded::spec_names().join(", ")
        ))
    })
}
