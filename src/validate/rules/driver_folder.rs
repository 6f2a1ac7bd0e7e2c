//! One driver folder on one architecture: which files go on the media (file policy with the
//! spec's allowlists) and what its INF files must provide (file kinds, referenced files,
//! hardware IDs, services, INF names).
//!
//! Finding which folders exist and whether required drivers are present is
//! [`super::drivers`]; this module sees a single folder.

use super::catalog::{self, CatalogOptions};
use super::join;
use crate::diag::Finding;
use crate::source::vtree::VTree;
use crate::source::{read_to_vec, Content, MemContent};
use crate::validate::devices_cmd::DevicesCmd;
use crate::validate::inf::{self, Inf, RefKind};
use crate::validate::layout::Arch;
use crate::validate::policy::{self, Allow, Decision};
use crate::validate::spec::DriverRule;
use crate::validate::{PackageState, PackageStatus};
use regex::Regex;
use std::sync::Arc;

/// Everything one driver folder contributes.
pub struct Packaged {
    pub status: PackageStatus,
    pub files: Vec<(String, Arc<dyn Content>)>,
    pub findings: Vec<Finding>,
}

struct ParsedInf {
    /// Path relative to the driver folder.
    rel: String,
    media: String,
    bytes: Vec<u8>,
    inf: Inf,
    /// Media paths of the packaged files it installs.
    installed: Vec<String>,
}

/// What a driver folder's checks need besides the folder.
pub struct FolderContext<'a> {
    pub devices: Option<&'a DevicesCmd>,
    pub max_inf_size: u64,
    pub catalogs: &'a CatalogOptions,
}

/// Packages `folder` (input path) as driver `rule` for `arch`.
pub fn check(
    tree: &VTree,
    folder: &str,
    arch: Arch,
    rule: &DriverRule,
    ctx: &FolderContext,
) -> Packaged {
    let (devices, max_inf_size) = (ctx.devices, ctx.max_inf_size);
    let dir = format!("drivers/{}/{}", arch.as_str(), rule.name);
    let mut findings = Vec::new();
    let allow = Allow {
        extensions: &rule.allow_extensions,
        path_regexes: &rule.allow_path_regexes,
    };
    let prefix = format!("{folder}/");
    let mut files: Vec<(String, Arc<dyn Content>)> = Vec::new();
    let mut included: Vec<String> = Vec::new(); // relative paths
    let mut skipped: Vec<String> = Vec::new();
    for (path, content) in tree.files() {
        let Some(rel) = path.strip_prefix(&prefix) else {
            continue;
        };
        match policy::classify(rel, allow) {
            Decision::Include => {
                files.push((join(&dir, rel), content.clone()));
                included.push(rel.to_string());
            }
            Decision::Skip => skipped.push(rel.to_string()),
            Decision::Refuse => {}
        }
    }
    if !skipped.is_empty() {
        let shown: Vec<String> = skipped.iter().take(3).map(|s| format!("\"{s}\"")).collect();
        let more = if skipped.len() > 3 { ", ..." } else { "" };
        findings.push(
            Finding::info("POL010", format!("{} file(s) left out by the default file policy: {}{more}", skipped.len(), shown.join(", ")))
                .at(dir.clone())
                .help("build artefacts, hidden files and OS residue are not packaged; re-include them with allow_extensions or allow_path_regexes"),
        );
    }
    let has_ext = |ext: &str| included.iter().any(|r| policy::extension(r) == ext);
    for (ext, code) in [("inf", "DRV005"), ("cat", "DRV007")] {
        if !has_ext(ext) {
            findings.push(
                Finding::error(
                    code,
                    format!(
                        "driver \"{}\" ({arch}) has no packaged .{ext} file",
                        rule.name
                    ),
                )
                .at(dir.clone())
                .help(format!(
                    "a driver package needs its .{ext} file; add it to the driver folder"
                )),
            );
        }
    }
    let mut infs: Vec<ParsedInf> = Vec::new();
    let mut refs_ok = true;
    for (rel, (media, content)) in included.iter().zip(files.iter()) {
        if policy::extension(rel) != "inf" {
            continue;
        }
        if content.len() > max_inf_size {
            // Checked before reading: the file is never loaded, whatever its size.
            refs_ok = false;
            findings.push(
                Finding::error(
                    "INF001",
                    format!(
                        "the INF is {} bytes, over the limit of {max_inf_size} for text files read whole",
                        content.len()
                    ),
                )
                .at(media.clone())
                .help("raise the limit with --max-inf-size if this really is an INF"),
            );
            continue;
        }
        match read_inf(content.as_ref(), max_inf_size) {
            Ok((bytes, inf)) => infs.push(ParsedInf {
                rel: rel.clone(),
                media: media.clone(),
                bytes,
                inf,
                installed: Vec::new(),
            }),
            Err(msg) => {
                refs_ok = false;
                findings.push(
                    Finding::error("INF001", msg)
                        .at(media.clone())
                        .help("save the INF as UTF-8 or UTF-16 (with or without BOM)"),
                );
            }
        }
    }
    let lower_included: Vec<String> = included.iter().map(|r| r.to_lowercase()).collect();
    let lower_skipped: Vec<String> = skipped.iter().map(|r| r.to_lowercase()).collect();
    let mut references_sys = false;
    for p in &mut infs {
        let base = p.rel.rfind('/').map(|i| &p.rel[..i]).unwrap_or("");
        for r in p.inf.referenced_files() {
            references_sys |= policy::extension(&r.name) == "sys";
            let want = join(base, &r.name).to_lowercase();
            let name_only = r.name.rsplit('/').next().unwrap_or(&r.name).to_lowercase();
            let position = |set: &[String]| {
                set.iter().position(|f| *f == want).or_else(|| {
                    (!r.name.contains('/'))
                        .then(|| {
                            set.iter()
                                .position(|f| f.rsplit('/').next() == Some(name_only.as_str()))
                        })
                        .flatten()
                })
            };
            let found = |set: &[String]| position(set).is_some();
            if let Some(i) = position(&lower_included) {
                if r.kind != RefKind::CatalogFile && !p.installed.contains(&files[i].0) {
                    p.installed.push(files[i].0.clone());
                }
                continue;
            }
            refs_ok = false;
            let (msg, help) = if found(&lower_skipped) {
                (
                    format!("\"{}\" is referenced here but the file policy leaves it out of the package", r.name),
                    format!("re-include it with \"allow_extensions\": [\"{}\"] or allow_path_regexes for driver \"{}\" in the spec", policy::extension(&r.name), rule.name),
                )
            } else {
                (
                    format!(
                        "\"{}\" is referenced here but is not in the driver folder",
                        r.name
                    ),
                    "add the file to the driver folder or remove the reference from the INF"
                        .to_string(),
                )
            };
            findings.push(
                Finding::error("INF002", msg)
                    .at(p.media.clone())
                    .line(r.line)
                    .help(help),
            );
        }
    }
    if !has_ext("sys") && (references_sys || infs.is_empty()) {
        findings.push(
            Finding::error(
                "DRV006",
                format!(
                    "driver \"{}\" ({arch}) has no packaged .sys file",
                    rule.name
                ),
            )
            .at(dir.clone())
            .help("add the driver binary (.sys) to the driver folder"),
        );
    }
    for p in &infs {
        super::inf_arch::check(&p.inf, &p.media, arch, &ctx.catalogs.targets, &mut findings);
    }
    let mut catalogs = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for p in &mut infs {
        let Some(check) = check_catalog(p, arch, &included, &mut files, ctx, &mut seen) else {
            continue;
        };
        findings.extend(check.findings);
        catalogs.push(check.status);
    }
    let mut hwids_matched = Vec::new();
    check_expectations(
        rule,
        arch,
        &dir,
        &infs,
        devices,
        &mut hwids_matched,
        &mut findings,
    );
    let status = PackageStatus {
        os: None,
        arch,
        driver: rule.name.clone(),
        required: rule.required,
        state: PackageState::Present,
        files: files.len(),
        hwids_matched,
        inf_refs_ok: refs_ok,
        catalogs,
    };
    Packaged {
        status,
        files,
        findings,
    }
}

fn read_inf(content: &dyn Content, max: u64) -> Result<(Vec<u8>, Inf), String> {
    let bytes = read_to_vec(content, max).map_err(|e| format!("cannot read INF: {e}"))?;
    let (text, _) = inf::decode(&bytes).map_err(|e| format!("cannot decode INF: {e}"))?;
    Ok((bytes, inf::parse(&text)))
}

/// The INF against the catalog it names for `arch` ([`catalog::check_inf`]); a repaired INF
/// replaces the packaged one. `None` when the catalog it names is not packaged (INF002 says
/// so). An INF that names no catalog cannot be installed as a signed package: CAT001.
fn check_catalog(
    p: &mut ParsedInf,
    arch: Arch,
    included: &[String],
    files: &mut [(String, Arc<dyn Content>)],
    ctx: &FolderContext,
    seen: &mut std::collections::BTreeSet<String>,
) -> Option<catalog::InfCheck> {
    let base = p.rel.rfind('/').map(|i| &p.rel[..i]).unwrap_or("");
    let (cat_path, cat_bytes) = match p.inf.catalog_file(arch.as_str()) {
        Some((name, _)) => {
            let want = join(base, &name).to_lowercase();
            let i = included.iter().position(|r| r.to_lowercase() == want)?;
            let (media, content) = &files[i];
            let bytes = read_to_vec(content.as_ref(), ctx.max_inf_size).map_err(|e| {
                format!(
                    "cannot read it: {e} (--max-inf-size sets how big a file read whole may be)"
                )
            });
            (media.clone(), bytes)
        }
        None => (String::new(), Err(no_catalog_for(p, arch))),
    };
    let check = catalog::check_inf(
        catalog::InfInput {
            arch,
            inf_path: &p.media,
            inf_bytes: &p.bytes,
            catalog_path: &cat_path,
            catalog: cat_bytes.as_deref().map_err(Clone::clone),
            installed: std::mem::take(&mut p.installed),
            seen,
        },
        ctx.catalogs,
    );
    if let Some(bytes) = &check.repaired {
        if let Some(f) = files.iter_mut().find(|(m, _)| *m == p.media) {
            f.1 = Arc::new(MemContent::new(bytes.clone()));
        }
    }
    Some(check)
}

/// Regex for a literal hardware ID: case-insensitive, and not a prefix of a longer ID
/// (`DEV_104` must not be satisfied by `DEV_1042`).
fn literal_hwid(token: &str) -> Option<Regex> {
    let tail = if token
        .chars()
        .last()
        .is_some_and(|c| c.is_ascii_alphanumeric())
    {
        "(?:[^0-9A-Za-z_]|$)"
    } else {
        ""
    };
    crate::validate::spec::compile::build_regex(&format!("{}{tail}", regex::escape(token))).ok()
}

fn check_expectations(
    rule: &DriverRule,
    arch: Arch,
    dir: &str,
    infs: &[ParsedInf],
    devices: Option<&DevicesCmd>,
    matched: &mut Vec<String>,
    findings: &mut Vec<Finding>,
) {
    let lines: Vec<String> = infs
        .iter()
        .flat_map(|p| p.inf.content_lines())
        .map(|(_, t)| t)
        .collect();
    let name = &rule.name;
    for (pat, re) in &rule.expected_hardware_ids {
        // The ID as the INF writes it, not the pattern: what a reader of the report looks for.
        if let Some(found) = lines.iter().find_map(|l| re.find(l)) {
            // A generated pattern includes the separators around the ID; the ID is shown.
            let id = crate::validate::spec::generate::trim_separators(found.as_str());
            matched.push(id.to_string());
        } else {
            findings.push(
                Finding::error("HWID001", format!("no packaged INF of driver \"{name}\" ({arch}) matches hardware ID pattern \"{pat}\""))
                    .at(dir)
                    .help("package the INF that supports this device, or correct expected_hardware_ids in the spec"),
            );
        }
    }
    if let Some((var, tokens)) =
        devices_var(rule, rule.hardware_ids_var.as_deref(), devices, findings)
    {
        for tok in tokens {
            if literal_hwid(&tok.0).is_some_and(|re| lines.iter().any(|l| re.is_match(l))) {
                matched.push(tok.0);
            } else {
                findings.push(
                    Finding::error("HWID002", format!("no packaged INF of driver \"{name}\" ({arch}) lists hardware ID \"{}\" from devices.cmd variable \"{var}\"", tok.0))
                        .at(dir)
                        .help(format!("package an INF supporting this device or remove the ID from {var} (config/devices.cmd line {})", tok.1)),
                );
            }
        }
    }
    // One entry per ID, in the order first found (a pattern and devices.cmd may name the same).
    let mut seen = std::collections::BTreeSet::new();
    matched.retain(|id| seen.insert(id.to_ascii_uppercase()));
    for want in &rule.expected_inf_files {
        let want_l = want.to_lowercase();
        let found = infs.iter().any(|p| {
            p.rel.to_lowercase() == want_l
                || p.rel.rsplit('/').next().map(str::to_lowercase) == Some(want_l.clone())
        });
        if !found {
            findings.push(
                Finding::error(
                    "DRV009",
                    format!(
                        "expected INF \"{want}\" of driver \"{name}\" ({arch}) is not packaged"
                    ),
                )
                .at(dir)
                .help("add the INF to the driver folder or correct expected_inf_files in the spec"),
            );
        }
    }
    let services: Vec<String> = infs
        .iter()
        .flat_map(|p| p.inf.add_services())
        .map(|(s, _)| s.to_lowercase())
        .collect();
    let mut wanted: Vec<(String, String)> = rule
        .expected_add_services
        .iter()
        .map(|s| (s.clone(), "the spec".to_string()))
        .collect();
    if let Some((var, tokens)) =
        devices_var(rule, rule.add_services_var.as_deref(), devices, findings)
    {
        wanted.extend(
            tokens
                .into_iter()
                .map(|(t, line)| (t, format!("devices.cmd variable \"{var}\" (line {line})"))),
        );
    }
    for (svc, from) in wanted {
        if !services.contains(&svc.to_lowercase()) {
            findings.push(
                Finding::error("SVC001", format!("no packaged INF of driver \"{name}\" ({arch}) installs service \"{svc}\" (expected by {from})"))
                    .at(dir)
                    .help("package the INF whose AddService installs this service, or correct the expectation"),
            );
        }
    }
}

/// The tokens of a devices.cmd variable with its line, or a finding when it cannot be read.
fn devices_var(
    rule: &DriverRule,
    var: Option<&str>,
    devices: Option<&DevicesCmd>,
    findings: &mut Vec<Finding>,
) -> Option<(String, Vec<(String, u32)>)> {
    let var = var?;
    let help = "set the variable in config/devices.cmd (or in the device contract), or fix the variable name in the spec";
    let Some(devices) = devices else {
        findings.push(
            Finding::error("DEV001", format!("driver \"{}\" needs variable \"{var}\" but there is no readable config/devices.cmd", rule.name))
                .at("config/devices.cmd")
                .help(help),
        );
        return None;
    };
    match devices.get(var) {
        Some(v) => Some((
            var.to_string(),
            v.tokens.iter().map(|t| (t.clone(), v.line)).collect(),
        )),
        None => {
            findings.push(
                Finding::error(
                    "DEV001",
                    format!(
                        "variable \"{var}\" used by driver \"{}\" is not set in config/devices.cmd",
                        rule.name
                    ),
                )
                .at("config/devices.cmd")
                .help(help),
            );
            None
        }
    }
}

/// Why an INF has no catalog on `arch`: none named at all, or only for other platforms (an
/// `arm64` folder's INF with `CatalogFile.NTamd64` alone), which Windows on `arch` ignores.
fn no_catalog_for(p: &ParsedInf, arch: Arch) -> String {
    let keys = p.inf.catalog_keys();
    if keys.is_empty() {
        return format!("\"{}\" names no catalog (CatalogFile) for {arch}", p.media);
    }
    let named: Vec<String> = keys
        .iter()
        .map(|(k, l)| format!("{k} (line {l})"))
        .collect();
    format!(
        "\"{}\" names a catalog only for other platforms: {}; Windows on {arch} reads CatalogFile.NT{arch}, CatalogFile.NT or CatalogFile",
        p.media,
        named.join(", ")
    )
}
