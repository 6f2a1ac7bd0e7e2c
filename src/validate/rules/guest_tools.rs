//! The guest-tools tree: required scripts and docs, `certs/` (certificates only, checked
//! against the signing policy), `licenses/` (as is), `tools/` (file policy) and
//! `config/devices.cmd` (shipped, or generated from the device contract).
//!
//! Driver folders are not handled here ([`super::drivers`]); refusals of keys and rejected
//! entries are reported by [`super::refusals`] and only kept off the media here.

use super::{join, StagedFiles};
use crate::diag::Finding;
use crate::limits::Limits;
use crate::source::vtree::is_noise;
use crate::source::vtree::VTree;
use crate::source::{read_to_vec, MemContent};
use crate::validate::contract::Contract;
use crate::validate::devices_cmd::{self, DevicesCmd};
use crate::validate::policy::{self, Decision};
use crate::validate::signing::SigningPolicy;
use std::sync::Arc;

/// Files every media needs at its root, from the guest-tools tree.
pub const REQUIRED: &[&str] = &[
    "setup.cmd",
    "uninstall.cmd",
    "verify.cmd",
    "verify.ps1",
    "README.md",
    "THIRD_PARTY_NOTICES.md",
    DEVICES_CMD,
];

pub const DEVICES_CMD: &str = "config/devices.cmd";

/// Certificate extensions accepted under `certs/`.
pub const CERT_EXTENSIONS: &[&str] = &["cer", "crt", "p7b"];

/// What the guest-tools pass hands on to the driver checks.
pub struct GuestTools {
    /// Parsed devices.cmd (generated or shipped), when there is one.
    pub devices: Option<DevicesCmd>,
}

/// Stages the guest-tools files and checks them.
pub fn stage(
    tree: &VTree,
    contract: Option<&Contract>,
    signing: SigningPolicy,
    limits: &Limits,
    staged: &mut StagedFiles,
    findings: &mut Vec<Finding>,
) -> GuestTools {
    // The payload's root: the tree's, or the wrapper folder that holds setup.cmd.
    let root = tree.descend_wrappers(|root| tree.get(&join(root, "setup.cmd")).is_some());
    let prefix = if root.is_empty() {
        String::new()
    } else {
        format!("{root}/")
    };
    let mut certs: Vec<String> = Vec::new();
    let mut skipped_tools = 0usize;
    let mut warned_top: Vec<String> = Vec::new();
    let mut shipped_devices = None;
    for (path, content) in tree.files() {
        let Some(rel) = path.strip_prefix(&prefix) else {
            continue;
        };
        if policy::is_private_key(rel) {
            continue; // reported by the refusal scan
        }
        let (top, rest) = rel.split_once('/').unwrap_or((rel, ""));
        if is_noise(top) {
            continue;
        }
        if top.eq_ignore_ascii_case("drivers") || rel.eq_ignore_ascii_case("manifest.json") {
            if !warned_top.iter().any(|t| t == top) {
                warned_top.push(top.to_string());
                findings.push(
                    Finding::error("GT004", format!("the guest-tools input must not contain \"{top}\""))
                        .at(join(&root, top))
                        .help("remove it: drivers come from the driver input and manifest.json is generated"),
                );
            }
            continue;
        }
        if rest.is_empty() && REQUIRED.contains(&rel) {
            staged.insert(rel.to_string(), content.clone());
        } else if rel == DEVICES_CMD {
            shipped_devices = Some((path.to_string(), content.clone()));
        } else if top == "certs" && !rest.is_empty() {
            if CERT_EXTENSIONS.contains(&policy::extension(rest).as_str()) {
                certs.push(rel.to_string());
                staged.insert(rel.to_string(), content.clone());
            } else if !policy::is_residue(rest) {
                findings.push(
                    Finding::error(
                        "GT002",
                        format!("\"{rel}\" is not a certificate file (.cer, .crt or .p7b)"),
                    )
                    .at(rel)
                    .help("certs/ may only hold public certificates; move other files elsewhere"),
                );
            }
        } else if top == "licenses" && !rest.is_empty() {
            // Licence texts are copied as they are; only OS residue is left behind.
            if !policy::is_residue(rest) {
                staged.insert(rel.to_string(), content.clone());
            }
        } else if top == "tools" && !rest.is_empty() {
            match policy::classify(rest, policy::Allow::default()) {
                Decision::Include => {
                    staged.insert(rel.to_string(), content.clone());
                }
                Decision::Skip => skipped_tools += 1,
                Decision::Refuse => {}
            }
        } else {
            let what = if rest.is_empty() {
                rel.to_string()
            } else {
                format!("{top}/")
            };
            if !warned_top.contains(&what) {
                warned_top.push(what.clone());
                findings.push(
                    Finding::warning("GT003", format!("\"{what}\" is not part of the media layout and is not packaged"))
                        .at(join(&root, what.trim_end_matches('/')))
                        .help("the media holds the scripts and docs at the root plus config/, certs/, licenses/ and tools/"),
                );
            }
        }
    }
    for req in REQUIRED {
        let have = if *req == DEVICES_CMD {
            contract.is_some() || shipped_devices.is_some()
        } else {
            staged.contains_key(*req)
        };
        if !have {
            findings.push(
                Finding::error(
                    "GT001",
                    format!("required file \"{req}\" is missing from the guest-tools input"),
                )
                .at(*req)
                .help("add it (exact name, case-sensitive) to the guest-tools folder"),
            );
        }
    }
    if skipped_tools > 0 {
        findings.push(
            Finding::info(
                "POL010",
                format!("{skipped_tools} file(s) in tools/ left out by the default file policy"),
            )
            .at("tools")
            .help("build artefacts, hidden files and OS residue are not packaged"),
        );
    }
    check_signing(signing, &certs, findings);
    let devices = match (contract, shipped_devices) {
        (Some(c), _) => {
            let text = devices_cmd::generate(c);
            let parsed = devices_cmd::parse(&text);
            staged.insert(
                DEVICES_CMD.to_string(),
                Arc::new(MemContent::new(text.into_bytes())),
            );
            Some(parsed)
        }
        (None, Some((_, content))) => {
            staged.insert(DEVICES_CMD.to_string(), content.clone());
            read_devices_cmd(content.as_ref(), limits.max_inf_size, findings)
        }
        (None, None) => None,
    };
    GuestTools { devices }
}

fn check_signing(signing: SigningPolicy, certs: &[String], findings: &mut Vec<Finding>) {
    if signing.certs_required() && certs.is_empty() {
        findings.push(
            Finding::error("SIGN001", "signing policy \"test\" needs at least one certificate under certs/")
                .at("certs")
                .help("add the test-signing certificate (.cer, .crt or .p7b) to certs/, or use --signing-policy production"),
        );
    }
    if !signing.certs_required() {
        for c in certs {
            findings.push(
                Finding::error(
                    "SIGN002",
                    format!("certificate \"{c}\" is shipped but signing policy is \"{signing}\""),
                )
                .at(c.clone())
                .help("remove certs/ from the guest-tools input, or use --signing-policy test"),
            );
        }
    }
}

/// Reads and parses a shipped devices.cmd, reporting what would break `cmd.exe`.
fn read_devices_cmd(
    content: &dyn crate::source::Content,
    max: u64,
    findings: &mut Vec<Finding>,
) -> Option<DevicesCmd> {
    let bytes = match read_to_vec(content, max) {
        Ok(b) => b,
        Err(e) => {
            findings.push(
                Finding::error("DEV002", format!("cannot read devices.cmd: {e}"))
                    .at(DEVICES_CMD)
                    .help("keep devices.cmd small, or raise the limit with --max-inf-size"),
            );
            return None;
        }
    };
    if let Some(pos) = bytes.iter().position(|b| !b.is_ascii()) {
        let line = bytes[..pos].iter().filter(|b| **b == b'\n').count() as u32 + 1;
        findings.push(
            Finding::error("DEV002", "devices.cmd contains non-ASCII bytes")
                .at(DEVICES_CMD)
                .line(line)
                .help("cmd.exe reads batch files in the OEM code page; keep devices.cmd ASCII"),
        );
        return None;
    }
    let text = String::from_utf8_lossy(&bytes);
    let bare_lf = bytes
        .iter()
        .enumerate()
        .find(|(i, b)| **b == b'\n' && (*i == 0 || bytes[i - 1] != b'\r'));
    if let Some((i, _)) = bare_lf {
        let line = bytes[..i].iter().filter(|b| **b == b'\n').count() as u32 + 1;
        findings.push(
            Finding::warning(
                "DEV003",
                "devices.cmd has LF line endings; cmd.exe expects CRLF",
            )
            .at(DEVICES_CMD)
            .line(line)
            .help("convert the file to CRLF line endings"),
        );
    }
    Some(devices_cmd::parse(&text))
}
