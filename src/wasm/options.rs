//! The JS options object: which spec, contract and signing policy, and how the media is named
//! and stamped. Parsed strictly, so a misspelled key is an error instead of a silent default.
//!
//! This module only reads options; it does not open bundles or validate anything.

use crate::build::{self, BuildOptions};
use crate::bundled::embedded;
use crate::limits::Limits;
use crate::validate::layout::LayoutOptions;
use crate::validate::signing::{self, SigningPolicy};
use crate::validate::ValidateOptions;
use serde::Deserialize;
use wasm_bindgen::{JsError, JsValue};

/// The spec used when the options name none (the same default as the command line).

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
    /// The [`Limits`], each optional (defaults as on the command line); sizes in bytes.
    pub max_entries: Option<u64>,
    pub max_total_size: Option<u64>,
    pub max_file_size: Option<u64>,
    pub max_path_depth: Option<u32>,
    pub max_regex_size: Option<u64>,
    pub max_inf_size: Option<u64>,
    pub max_ratio: Option<u64>,
}

/// Owned inputs resolved from [`JsOptions`]: everything validation needs besides the trees.
pub struct Resolved {
    pub spec_name: String,
    pub spec_json: Vec<u8>,
    pub contract: Option<(String, Vec<u8>)>,
    pub build: BuildOptions,
    pub validate: ValidateOptions,
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
                let name = name
                    .clone()
                    .unwrap_or_else(|| embedded::DEFAULT_SPEC.into());
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
            zip_level: self.zip_level.unwrap_or(build::DEFAULT_ZIP_LEVEL),
            // wasm32 has no threads: one worker does everything, in order.
            threads: 1,
        };
        build.check().map_err(super::js_err)?;
        let limits = self.limits();
        Ok(Resolved {
            spec_name,
            spec_json,
            contract,
            build,
            validate: ValidateOptions {
                layout: LayoutOptions {
                    os: self.os.clone(),
                },
                limits,
            },
        })
    }
}

impl JsOptions {
    /// The [`Limits`] these options ask for: each given one, the command line's default for
    /// the rest.
    pub fn limits(&self) -> Limits {
        let d = Limits::default();
        Limits {
            max_entries: self.max_entries.unwrap_or(d.max_entries),
            max_total_size: self.max_total_size.unwrap_or(d.max_total_size),
            max_file_size: self.max_file_size.unwrap_or(d.max_file_size),
            max_path_depth: self.max_path_depth.unwrap_or(d.max_path_depth),
            max_regex_size: self.max_regex_size.unwrap_or(d.max_regex_size),
            max_inf_size: self.max_inf_size.unwrap_or(d.max_inf_size),
            max_ratio: self.max_ratio.unwrap_or(d.max_ratio),
        }
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
