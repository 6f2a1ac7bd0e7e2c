//! The validation entry point: from the raw driver and guest-tools trees, the spec and the
//! optional device contract to a [`Report`] and the sorted list of files for the media.
//!
//! It orders the checks in [`crate::validate::rules`] and builds the result. It writes nothing: the
//! manifest, ISO and zip writers take [`Staged`] from here.

pub mod contract;
pub mod coverage;
pub mod devices_cmd;
pub mod inf;
pub mod layout;
pub mod policy;
pub mod report;
pub mod rules;
mod several;
pub mod signing;
pub mod spec;

use crate::diag::{Finding, Report};
use crate::limits::Limits;
use crate::source::digest::hex;
use crate::source::vtree::VTree;
use crate::source::Content;
use crate::validate::signing::SigningPolicy;
use crate::{Error, Result};
use layout::Arch;
use rules::StagedFiles;
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// Everything validation reads.
pub struct ValidateInput<'a> {
    /// Raw driver input (directory or zip), possibly inside one wrapper folder.
    pub drivers: &'a VTree,
    pub guest_tools: &'a VTree,
    /// File name only (e.g. `win7-virtio-win.json`), used in findings and the manifest.
    pub spec_name: &'a str,
    pub spec_json: &'a [u8],
    /// Windows device contract (file name, bytes).
    pub contract: Option<(&'a str, &'a [u8])>,
    /// Where the contract was found when the user did not name one (the command line looks
    /// for it as the reference packager does); reported as a note.
    pub contract_found: Option<&'a str>,
    pub signing_policy: SigningPolicy,
}

/// An input file named in the manifest with the digest of its canonical JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputRef {
    pub name: String,
    /// Hex SHA-256 of the JSON re-serialized compactly with sorted keys.
    pub sha256: String,
}

/// What goes on the media.
#[derive(Clone)]
pub struct Staged {
    /// Media path -> content, sorted by path; manifest.json is not included.
    pub files: Vec<(String, Arc<dyn Content>)>,
    pub spec: InputRef,
    pub contract: Option<InputRef>,
    /// One row per (spec or found driver, arch), sorted by arch then driver.
    pub packages: Vec<PackageStatus>,
    /// The driver input's layout and which input files make each driver.
    pub layout: layout::LayoutSummary,
    /// The spec's tools, then unlisted tool folders: where each came from and its installers.
    pub tools: Vec<rules::tools::ToolStatus>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PackageState {
    /// Listed in the spec and found.
    Present,
    /// Listed in the spec, not found for this arch.
    Missing,
    /// Found but not listed in the spec (not packaged).
    Unlisted,
}

/// A row for a per-driver status table.
#[derive(Clone, Debug)]
pub struct PackageStatus {
    /// The OS folder, on media for several Windows versions.
    pub os: Option<String>,
    pub arch: Arch,
    pub driver: String,
    pub required: bool,
    pub state: PackageState,
    /// Files packaged for this driver and arch.
    pub files: usize,
    /// Hardware IDs found in its INFs, as the INF writes them: what the spec's patterns
    /// matched and the devices.cmd IDs listed, each once.
    pub hwids_matched: Vec<String>,
    /// Every INF decoded and every file they reference is packaged.
    pub inf_refs_ok: bool,
    /// One per INF: its catalog and what was matched in it.
    pub catalogs: Vec<rules::catalog::CatalogStatus>,
}

/// The user's choices for one validation run.
#[derive(Clone, Debug, Default)]
pub struct ValidateOptions {
    /// Which OS folder to take from a virtio-win or flat input.
    pub layout: layout::LayoutOptions,
    /// Size and count limits: regex sizes for the spec, text size for every INF and
    /// devices.cmd read whole, wherever it sits in the input. (Tree limits apply earlier,
    /// when the input trees are read.)
    pub limits: Limits,
    /// Windows versions the media is for (`--target-os`, `targetOs`); wins over the spec's
    /// `target_os` and the OS folder of the layout.
    pub target_os: Option<Vec<String>>,
    /// Package the CRLF form of INFs that only that form of is in their catalog.
    pub restore_crlf: bool,
}

/// The one validation entry point: checks everything and stages the media file list. Fatal
/// only for malformed spec or contract JSON; everything else is a finding in the report.
/// With several OSes chosen (`w7,w10,2k22`) each is validated as media of its own and the
/// results merged ([`several`]).
pub fn validate(input: &ValidateInput, opts: &ValidateOptions) -> Result<(Report, Staged)> {
    let mut each = opts.layout.each_os();
    if each.len() > 1 {
        return several::validate(input, opts, &each);
    }
    let one = ValidateOptions {
        layout: each.remove(0),
        ..opts.clone()
    };
    validate_one(input, &one)
}

/// Validation of media for one Windows (or for any, when the input has no OS folders).
fn validate_one(input: &ValidateInput, opts: &ValidateOptions) -> Result<(Report, Staged)> {
    let limits = &opts.limits;
    let raw = spec::parse(input.spec_name, input.spec_json)?;
    let spec_ref = spec_ref(input.spec_name, input.spec_json)?;
    let contract = match input.contract {
        Some((name, bytes)) => Some((contract::parse(name, bytes)?, input_ref(name, bytes)?)),
        None => None,
    };
    let mut findings: Vec<Finding> = Vec::new();
    if let Some(found) = input.contract_found {
        findings.push(
            Finding::info("CON001", format!("using the device contract {found}, found above the guest-tools folder"))
                .at(found)
                .help("config/devices.cmd is generated from it; pass --windows-device-contract to use another"),
        );
    }
    let (spec, spec_findings) = spec::compile_limited(&raw, input.spec_name, limits);
    findings.extend(spec_findings);
    findings.extend(rules::refusals::scan(input.drivers, "driver input"));
    findings.extend(rules::refusals::scan(
        input.guest_tools,
        "guest-tools input",
    ));

    let mut staged = StagedFiles::new();
    let spec_drivers: Vec<&str> = spec.drivers.iter().map(|d| d.name.as_str()).collect();
    let gt = rules::guest_tools::stage(
        input.guest_tools,
        contract.as_ref().map(|(c, r)| (r.name.as_str(), c)),
        &spec_drivers,
        input.signing_policy,
        limits,
        &mut staged,
        &mut findings,
    );
    let mut resolved = layout::resolve(input.drivers, &opts.layout, limits);
    findings.extend(std::mem::take(&mut resolved.findings));
    let catalogs = rules::catalog::CatalogOptions {
        targets: targets(
            opts,
            &spec.target_os,
            resolved.summary.os.as_deref(),
            &mut findings,
        ),
        lenient: input.signing_policy == SigningPolicy::None,
        restore_crlf: opts.restore_crlf,
    };
    let mut packages = if resolved.usable {
        rules::drivers::stage(
            &resolved.tree,
            &resolved.layout,
            &spec,
            &rules::driver_folder::FolderContext {
                devices: gt.devices.as_ref(),
                max_inf_size: limits.max_inf_size,
                catalogs: &catalogs,
            },
            &mut staged,
            &mut findings,
        )
    } else {
        Vec::new()
    };
    let tools = stage_tools(
        &spec,
        &gt,
        input.drivers,
        &resolved,
        &catalogs.targets,
        &mut staged,
        &mut findings,
    );
    findings.extend(rules::spec_fit::suggest(
        input.spec_name,
        &raw,
        &resolved.summary.drivers,
        rules::drivers::windows_arches(&catalogs.targets).as_deref(),
    ));
    let mut statuses: Vec<&mut rules::catalog::CatalogStatus> = packages
        .iter_mut()
        .flat_map(|p| p.catalogs.iter_mut())
        .collect();
    rules::signers::check(
        &mut statuses,
        &gt.certs,
        input.signing_policy,
        &catalogs.targets,
        &mut findings,
    );
    findings.extend(rules::names::check(staged.keys().map(String::as_str)));

    let mut report = Report { findings };
    report.normalize();
    let staged = Staged {
        files: staged.into_iter().collect(),
        spec: spec_ref,
        contract: contract.map(|(_, r)| r),
        packages,
        layout: resolved.summary,
        tools,
    };
    Ok((report, staged))
}

/// The spec's tools on the architectures the media carries for its Windows, from the payload's
/// `tools/` or the folders next to the drivers; LAY012 / LAY003 for the entries no tool took.
fn stage_tools(
    spec: &spec::Spec,
    gt: &rules::guest_tools::GuestTools,
    drivers: &VTree,
    resolved: &layout::Resolved,
    targets: &[(String, layout::windows::NtVersion)],
    staged: &mut StagedFiles,
    findings: &mut Vec<Finding>,
) -> Vec<rules::tools::ToolStatus> {
    let arches: Vec<Arch> = match rules::drivers::windows_arches(targets) {
        Some(on) => spec
            .arches
            .iter()
            .copied()
            .filter(|a| on.contains(a))
            .collect(),
        None => spec.arches.clone(),
    };
    let root = &resolved.summary.root;
    let inputs = rules::tools::ToolInputs {
        payload: &gt.tools,
        drivers,
        side: resolved.side.iter().map(|n| rules::join(root, n)).collect(),
    };
    let (tools, taken) = rules::tools::stage(&spec.tools, &inputs, &arches, staged, findings);
    findings.extend(resolved.not_taken(&|n| taken.contains(&rules::join(root, n))));
    tools
}

/// The Windows versions the media is for: the option's, else the spec's, else the OS folder
/// taken from the layout; names that are no known Windows are TGT001.
fn targets(
    opts: &ValidateOptions,
    spec: &[String],
    layout_os: Option<&str>,
    findings: &mut Vec<Finding>,
) -> Vec<(String, layout::windows::NtVersion)> {
    let (names, from): (Vec<String>, &str) = match (&opts.target_os, spec, layout_os) {
        (Some(names), _, _) => (names.clone(), "--target-os"),
        (None, names, _) if !names.is_empty() => (names.to_vec(), "the spec's target_os"),
        (None, _, Some(os)) => match layout::windows::nt_version(os) {
            Some(v) => return vec![(os.to_string(), v)],
            None => return Vec::new(),
        },
        _ => return Vec::new(),
    };
    let mut out = Vec::new();
    for name in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        match layout::windows::nt_version(name) {
            Some(v) => out.push((name.to_string(), v)),
            None => findings.push(
                Finding::error(
                    "TGT001",
                    format!("\"{name}\" in {from} is not a Windows version guestpack knows"),
                )
                .help(format!(
                    "use one of: {}",
                    layout::windows::names().join(", ")
                )),
            ),
        }
    }
    out
}

impl Staged {
    /// Nothing to put on media: what validation gives when it could not get as far as
    /// choosing files (every reason is a finding).
    pub(crate) fn empty() -> Staged {
        Staged {
            files: Vec::new(),
            spec: InputRef {
                name: String::new(),
                sha256: String::new(),
            },
            contract: None,
            packages: Vec::new(),
            layout: layout::LayoutSummary::default(),
            tools: Vec::new(),
        }
    }

    /// Media paths whose Windows hashes the catalog check needs from the digest pass.
    pub fn catalog_paths(&self) -> std::collections::BTreeSet<String> {
        let all: Vec<_> = self
            .packages
            .iter()
            .flat_map(|p| p.catalogs.iter().cloned())
            .collect();
        rules::catalog::pending_paths(&all)
    }

    /// Looks the installed files up in their catalogs with their Windows hashes (from the
    /// digest pass), counting matches into [`Staged::packages`]; the findings (CAT002).
    pub fn check_catalogs(
        &mut self,
        digests: &dyn Fn(&str) -> Option<crate::source::authenticode::WindowsDigests>,
    ) -> Vec<Finding> {
        let mut out = Vec::new();
        for p in &mut self.packages {
            out.extend(rules::catalog::check_installed(&mut p.catalogs, digests));
        }
        out
    }
}

/// An input JSON file's bytes without a UTF-8 byte order mark, which some editors write and
/// JSON parsers refuse.
pub(crate) fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes)
}

/// Parses an input JSON file (byte order mark allowed); the error names the file.
pub(crate) fn json_value(name: &str, bytes: &[u8]) -> Result<serde_json::Value> {
    serde_json::from_slice(strip_bom(bytes)).map_err(|e| Error::Json {
        file: name.to_string(),
        message: e.to_string(),
    })
}

/// Names an input JSON file by the digest of its canonical form, so whitespace and key order
/// do not change the manifest.
pub fn input_ref(name: &str, bytes: &[u8]) -> Result<InputRef> {
    let value = json_value(name, bytes)?;
    let mut text = String::new();
    canonical(&value, &mut text);
    Ok(InputRef {
        name: name.to_string(),
        sha256: hex(&Sha256::digest(text.as_bytes())),
    })
}

/// [`input_ref`] of a spec, leaving out its top-level `title` and `description`: they explain
/// the spec to people and decide nothing, so writing them changes no manifest.
pub fn spec_ref(name: &str, bytes: &[u8]) -> Result<InputRef> {
    let mut value = json_value(name, bytes)?;
    if let Some(map) = value.as_object_mut() {
        map.remove("title");
        map.remove("description");
    }
    let mut text = String::new();
    canonical(&value, &mut text);
    Ok(InputRef {
        name: name.to_string(),
        sha256: hex(&Sha256::digest(text.as_bytes())),
    })
}

/// Compact JSON with object keys sorted by byte order, independent of serde_json features.
pub fn canonical(v: &serde_json::Value, out: &mut String) {
    use serde_json::Value;
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String((*k).clone()).to_string());
                out.push(':');
                canonical(&map[*k], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spec_digest_ignores_its_title_and_description_only() {
        let plain = spec_ref("s.json", br#"{"drivers": [{"name": "a"}]}"#).unwrap();
        let told = spec_ref(
            "s.json",
            br#"{"title": "T", "description": "D", "drivers": [{"name": "a"}]}"#,
        )
        .unwrap();
        let other = spec_ref("s.json", br#"{"drivers": [{"name": "b"}]}"#).unwrap();
        assert_eq!(plain.sha256, told.sha256);
        assert_ne!(plain.sha256, other.sha256);
        assert_ne!(
            told.sha256,
            input_ref(
                "s.json",
                br#"{"title": "T", "description": "D", "drivers": [{"name": "a"}]}"#
            )
            .unwrap()
            .sha256
        );
    }

    #[test]
    fn canonical_digest_ignores_formatting_and_key_order() {
        let a = input_ref(
            "a.json",
            br#"{"b": [1, {"y": 2, "x": "\u00e9"}], "a": null}"#,
        )
        .unwrap();
        let b = input_ref(
            "a.json",
            "{\"a\":null,\"b\":[1,{\"x\":\"é\",\"y\":2}]}".as_bytes(),
        )
        .unwrap();
        assert_eq!(a, b);
        let mut s = String::new();
        canonical(&serde_json::json!({"b": 1, "a": [true]}), &mut s);
        assert_eq!(s, r#"{"a":[true],"b":1}"#);
        assert_eq!(
            a.sha256,
            hex(&Sha256::digest(
                r#"{"a":null,"b":[1,{"x":"é","y":2}]}"#.as_bytes()
            ))
        );
    }
}
