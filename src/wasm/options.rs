//! The JS options object: which spec, contract and signing policy, and how the media is named
//! and stamped. Parsed strictly, so a misspelled key is an error instead of a silent default.
//!
//! This module only reads options; it does not open bundles or validate anything.

use super::JsFailure;
use crate::build::{self, BuildOptions};
use crate::bundled::embedded;
use crate::limits::{self, Limits};
use crate::validate::layout::LayoutOptions;
use crate::validate::signing::{self, SigningPolicy};
use crate::validate::ValidateOptions;
use serde::Deserialize;
use wasm_bindgen::JsValue;

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
    /// The OS folders to take from a driver input with several (virtio-win `w7`, `w10`, ...):
    /// one name, or a list (`["w7", "w10", "2k22"]`) for one medium holding each.
    pub os: Option<OsValue>,
    /// Windows versions the media is for (`["w7", "w10"]`), as `--target-os`.
    pub target_os: Option<Vec<String>>,
    /// Package INFs whose catalog holds only their CRLF form with CRLF line endings, as
    /// `--restore-crlf`.
    pub restore_crlf: Option<bool>,
    /// The [`Limits`], each optional (defaults as on the command line): a number, or text as
    /// on the command line (`"512M"` for a size), parsed by the core.
    pub max_entries: Option<LimitValue>,
    pub max_total_size: Option<LimitValue>,
    pub max_file_size: Option<LimitValue>,
    pub max_path_depth: Option<LimitValue>,
    pub max_regex_size: Option<LimitValue>,
    pub max_inf_size: Option<LimitValue>,
    pub max_ratio: Option<LimitValue>,
}

/// A limit as JS gives it: a number of bytes (or items), or the command line's text.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum LimitValue {
    Number(u64),
    Text(String),
}

/// `os` as JS gives it: one name (or the command line's comma list), or an array of names.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum OsValue {
    One(String),
    Many(Vec<String>),
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
    pub fn from_js(value: &JsValue) -> Result<JsOptions, JsFailure> {
        if value.is_undefined() || value.is_null() {
            return Ok(JsOptions::default());
        }
        let text = js_sys::JSON::stringify(value).map_err(|e| {
            JsFailure::new(format!(
                "options: not serializable: {}",
                super::source::describe(&e)
            ))
        })?;
        let text = String::from(text);
        serde_json::from_str(&text).map_err(|e| JsFailure::new(format!("options: {e}")))
    }

    /// Resolves shipped names, parses the signing policy and checks the build options.
    pub fn resolve(&self) -> Result<Resolved, JsFailure> {
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
                JsFailure::new(format!(
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
        let limits = self.limits()?;
        Ok(Resolved {
            spec_name,
            spec_json,
            contract,
            build,
            validate: ValidateOptions {
                layout: self.layout()?,
                limits,
                target_os: self.target_os.clone(),
                restore_crlf: self.restore_crlf.unwrap_or(false),
            },
        })
    }
}

impl JsOptions {
    /// The layout choices: `os` as the core's comma list, the one place names are split.
    /// An array must name each OS once per element, so `["w7,w10"]` or `[""]` is an error
    /// rather than a guess.
    pub fn layout(&self) -> Result<LayoutOptions, JsFailure> {
        let os = match &self.os {
            None => None,
            Some(OsValue::One(name)) => Some(name.clone()),
            Some(OsValue::Many(names)) => {
                let bad = names
                    .iter()
                    .find(|n| n.trim().is_empty() || n.contains(','));
                if names.is_empty() || bad.is_some() {
                    let what = match bad {
                        Some(n) => format!("\"{n}\" is not one OS folder name"),
                        None => "the list is empty".to_string(),
                    };
                    return Err(JsFailure {
                        message: format!(
                            "options.os: {what}; give one name per element, e.g. [\"w10\", \"2k22\"], or leave os out"
                        ),
                        option: Some("os"),
                        fix: "correct",
                    });
                }
                Some(names.join(","))
            }
        };
        Ok(LayoutOptions { os })
    }

    /// The [`Limits`] these options ask for: each given one, the command line's default for
    /// the rest. A value that does not parse is an error naming its option.
    pub fn limits(&self) -> Result<Limits, JsFailure> {
        let d = Limits::default();
        // In the order of `limits::NAMES`.
        let given = [
            &self.max_entries,
            &self.max_total_size,
            &self.max_file_size,
            &self.max_path_depth,
            &self.max_regex_size,
            &self.max_inf_size,
            &self.max_ratio,
        ];
        let mut v = [
            d.max_entries,
            d.max_total_size,
            d.max_file_size,
            u64::from(d.max_path_depth),
            d.max_regex_size,
            d.max_inf_size,
            d.max_ratio,
        ];
        for ((value, name), out) in given.iter().zip(&limits::NAMES).zip(v.iter_mut()) {
            let bad = |message: String| JsFailure {
                message: format!("options.{}: {message}", name.js),
                option: Some(name.js),
                fix: "correct",
            };
            *out = match value {
                None => continue,
                Some(LimitValue::Number(n)) => *n,
                Some(LimitValue::Text(t)) => limits::parse_value(name, t).map_err(bad)?,
            };
        }
        let depth = u32::try_from(v[3]).map_err(|_| JsFailure {
            message: format!("options.maxPathDepth: {} is too large", v[3]),
            option: Some("maxPathDepth"),
            fix: "correct",
        })?;
        Ok(Limits {
            max_entries: v[0],
            max_total_size: v[1],
            max_file_size: v[2],
            max_path_depth: depth,
            max_regex_size: v[4],
            max_inf_size: v[5],
            max_ratio: v[6],
        })
    }
}

fn shipped(name: &str, what: &str) -> Result<&'static [u8], JsFailure> {
    embedded::spec_file(name).ok_or_else(|| {
        JsFailure::new(format!(
            "{what} \"{name}\": not a shipped file (shipped specs: {}); pass its JSON as {what}Text instead",
            embedded::spec_names().join(", ")
        ))
    })
}
