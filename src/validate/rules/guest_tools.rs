//! The guest-tools tree: required scripts and docs, `certs/` (certificates and its README,
//! checked against the signing policy), `config/` (as is), `licenses/` (as is), `tools/` (handed
//! to [`super::tools`]), `drivers/README.md` (the folder's other entries are placeholders or mistakes) and
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
use crate::validate::policy;
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

/// The one document shipped from `certs/` and from `drivers/` (compared case-insensitively,
/// written with this spelling), as the reference packager ships them.
pub const FOLDER_README: &str = "README.md";

/// Variables a payload's `setup.cmd` reads from devices.cmd, one per contract dialect: a
/// payload whose setup.cmd names one needs a devices.cmd that sets it.
const SCRIPT_ANCHORS: &[(&str, &str)] = &[
    ("GT_BOOT_CRITICAL", "guestpack's own format"),
    ("AERO_VIRTIO_BLK_SERVICE", "the reference packager's format"),
];

/// What the guest-tools pass hands on to the driver checks.
pub struct GuestTools {
    /// Parsed devices.cmd (generated or shipped), when there is one.
    pub devices: Option<DevicesCmd>,
    /// The certificate files shipped in `certs/` (media path, content).
    pub certs: Vec<(String, Arc<dyn crate::source::Content>)>,
    /// Files under `tools/`, for [`super::tools`]: (path below `tools/`, input path, content).
    pub tools: Vec<super::tools::ToolFile>,
}

/// Stages the guest-tools files and checks them.
pub fn stage(
    tree: &VTree,
    contract: Option<(&str, &Contract)>,
    spec_drivers: &[&str],
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
    let mut cert_files = Vec::new();
    let mut tools = Vec::new();
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
        if top.eq_ignore_ascii_case("drivers") && rest.eq_ignore_ascii_case(FOLDER_README) {
            staged.insert(format!("drivers/{FOLDER_README}"), content.clone());
            continue;
        }
        if top.eq_ignore_ascii_case("drivers") && policy::is_residue(rest) {
            continue; // .keep placeholders that hold the empty folders in git
        }
        if top.eq_ignore_ascii_case("drivers") || rel.eq_ignore_ascii_case("manifest.json") {
            if !warned_top.iter().any(|t| t == top) {
                warned_top.push(top.to_string());
                findings.push(
                    Finding::error("GT004", format!("the guest-tools input must not contain \"{top}\""))
                        .at(join(&root, top))
                        .help("remove it: drivers come from the driver input (only drivers/README.md and placeholder files may be here) and manifest.json is generated"),
                );
            }
            continue;
        }
        if rest.is_empty() && REQUIRED.contains(&rel) {
            staged.insert(rel.to_string(), content.clone());
        } else if rel == DEVICES_CMD {
            shipped_devices = Some((path.to_string(), content.clone()));
        } else if top == "certs" && rest.eq_ignore_ascii_case(FOLDER_README) {
            staged.insert(format!("certs/{FOLDER_README}"), content.clone());
        } else if top == "config" && !rest.is_empty() {
            // Documentation and other configuration go as they are; only OS residue stays.
            if !policy::is_residue(rest) {
                staged.insert(rel.to_string(), content.clone());
            }
        } else if top == "certs" && !rest.is_empty() {
            if CERT_EXTENSIONS.contains(&policy::extension(rest).as_str()) {
                certs.push(rel.to_string());
                cert_files.push((rel.to_string(), content.clone()));
                staged.insert(rel.to_string(), content.clone());
            } else if !policy::is_residue(rest) {
                findings.push(
                    Finding::error(
                        "GT002",
                        format!("\"{rel}\" is not a certificate file (.cer, .crt or .p7b)"),
                    )
                    .at(rel)
                    .help("certs/ may only hold public certificates and README.md: setup.cmd installs every file there as a certificate"),
                );
            }
        } else if top == "licenses" && !rest.is_empty() {
            // Licence texts are copied as they are; only OS residue is left behind.
            if !policy::is_residue(rest) {
                staged.insert(rel.to_string(), content.clone());
            }
        } else if top == "tools" && !rest.is_empty() {
            tools.push((rest.to_string(), path.to_string(), content.clone()));
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
                        .help("the media holds the scripts and docs at the root plus config/, certs/, licenses/, tools/ and drivers/README.md"),
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
    check_signing(signing, &certs, findings);
    // A shipped devices.cmd that the contract replaces is read for its variables only: its
    // line endings and bytes never reach the media, so they are not reported.
    let mut unreported = Vec::new();
    let shipped_findings = if contract.is_some() {
        &mut unreported
    } else {
        &mut *findings
    };
    let shipped = shipped_devices.and_then(|(_, content)| {
        read_devices_cmd(content.as_ref(), limits.max_inf_size, shipped_findings)
            .map(|p| (content, p))
    });
    let devices = match contract {
        Some((name, c)) => match devices_cmd::generate(c, spec_drivers) {
            Ok(text) => {
                let generated = devices_cmd::parse(&text);
                check_script_anchors(staged, &generated, limits.max_inf_size, findings);
                staged.insert(
                    DEVICES_CMD.to_string(),
                    Arc::new(MemContent::new(text.into_bytes())),
                );
                // Variables only the payload's own devices.cmd sets stay visible to the spec's
                // checks; the contract's values win where both set one.
                let mut vars = shipped.map(|(_, p)| p.vars).unwrap_or_default();
                vars.extend(generated.vars);
                Some(DevicesCmd {
                    vars,
                    other_lines: Vec::new(),
                })
            }
            Err(why) => {
                findings.push(
                    Finding::error("DEV004", format!("cannot generate config/devices.cmd: {why}"))
                        .at(name)
                        .help("add the device to the contract, or use a contract in guestpack's own format with guestpack's scripts"),
                );
                None
            }
        },
        None => shipped.map(|(content, p)| {
            check_script_anchors(staged, &p, limits.max_inf_size, findings);
            staged.insert(DEVICES_CMD.to_string(), content);
            p
        }),
    };
    GuestTools {
        devices,
        certs: cert_files,
        tools,
    }
}

/// The payload's setup.cmd and the devices.cmd on the media, which it will `call`, must speak
/// the same dialect:
/// guestpack's scripts with a reference-format contract (or the reverse) would find none of
/// their variables inside the guest.
fn check_script_anchors(
    staged: &StagedFiles,
    devices: &DevicesCmd,
    max: u64,
    findings: &mut Vec<Finding>,
) {
    let Some(setup) = staged.get("setup.cmd") else {
        return;
    };
    // A setup.cmd over the text limit is not read (and not judged) here.
    let Ok(bytes) = read_to_vec(setup.as_ref(), max) else {
        return;
    };
    let text = String::from_utf8_lossy(&bytes).to_ascii_uppercase();
    for (var, dialect) in SCRIPT_ANCHORS {
        if text.contains(var) && devices.get(var).is_none() {
            findings.push(
                Finding::error(
                    "DEV005",
                    format!("setup.cmd reads {var}, which config/devices.cmd does not set: the scripts expect a devices.cmd in {dialect}"),
                )
                .at(DEVICES_CMD)
                .help("use a device contract in the dialect the guest-tools scripts read, or the guest-tools payload that goes with the contract"),
            );
        }
    }
}

fn check_signing(signing: SigningPolicy, certs: &[String], findings: &mut Vec<Finding>) {
    if signing.certs_required() && certs.is_empty() {
        findings.push(
            Finding::error("SIGN001", "signing policy \"test\" needs at least one certificate under certs/")
                .at("certs")
                .help("add the certificate the drivers were test-signed with (.cer, .crt or .p7b) to certs/, or build for production-signed drivers (--signing-policy production on the command line, signingPolicy in the JS options)")
                .choice("signingPolicy", vec!["production".into(), "none".into()]),
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
                .help("remove the certificate files from certs/, or build for test-signed drivers (--signing-policy test on the command line, signingPolicy in the JS options)")
                .choice("signingPolicy", vec!["test".into()]),
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
