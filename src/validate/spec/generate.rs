//! A spec made from a driver input: every driver folder found, each expected on the
//! architectures where it is, with the hardware IDs of its INF models sections, the services
//! its INFs install and its INF file names. The starting point for a spec of one's own (the
//! command line's `guestpack spec`, the page's "Make a spec from this bundle").
//!
//! What is generated is only what the same input satisfies: an ID, service or INF is kept when
//! every architecture's copy of the driver has it, and an ID only when the INF writes it
//! literally (the check matches patterns against INF lines, not resolved `%strings%`). So the
//! spec applied to its own input leaves no driver finding. Tools: [`generate_tools`].

use super::{generate_tools, RawSpec};
use crate::diag::Finding;
use crate::limits::Limits;
use crate::source::read_to_vec;
use crate::source::vtree::VTree;
use crate::validate::inf;
use crate::validate::layout::{self, is_noise, Arch, LayoutOptions};
use crate::validate::policy::{self, Allow, Decision};
use serde::Serialize;
use std::collections::BTreeMap;

/// The generated spec and what it was made from.
#[derive(Clone, Debug)]
pub struct Generated {
    /// The spec as JSON (pretty, two spaces, ending in a newline); `None` when the input holds
    /// no driver folder or needs a choice first (an OS folder): the findings say which.
    pub json: Option<String>,
    /// The same, as the validation reads it.
    pub spec: Option<RawSpec>,
    /// Layout findings, and any INF that could not be read (its driver gets no expectations
    /// from it).
    pub findings: Vec<Finding>,
}

/// The JSON written: fields in the order a person reads them.
#[derive(Serialize)]
struct Out {
    #[serde(rename = "$schema")]
    schema: &'static str,
    title: String,
    description: String,
    /// Written only when the input's architectures are not the default x86 and amd64.
    #[serde(skip_serializing_if = "Option::is_none")]
    arches: Option<Vec<&'static str>>,
    drivers: Vec<OutDriver>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tools: Vec<generate_tools::OutTool>,
    require_optional_drivers_on_all_arches: bool,
    fail_on_unlisted_driver_dirs: bool,
}

#[derive(Serialize)]
struct OutDriver {
    name: String,
    required: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    arches: Vec<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    expected_hardware_ids: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    expected_inf_files: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    expected_add_services: Vec<String>,
}

/// What one driver folder of one architecture offers.
#[derive(Default)]
struct Facts {
    /// (hardware ID as written, the pattern for it) in INF order.
    hwids: Vec<(String, String)>,
    infs: Vec<String>,
    services: Vec<String>,
}

/// Makes a spec from `tree` (`input_name` is only used in the spec's title and description).
pub fn generate(
    tree: &VTree,
    input_name: &str,
    opts: &LayoutOptions,
    limits: &Limits,
) -> Generated {
    let mut resolved = layout::resolve(tree, opts, limits);
    let mut findings = std::mem::take(&mut resolved.findings);
    if !resolved.usable {
        findings.extend(resolved.not_taken(&|_| false));
        return Generated {
            json: None,
            spec: None,
            findings,
        };
    }
    let view = &resolved.tree;
    // Lower-cased name -> (name as first spelled, facts per arch).
    let mut drivers: BTreeMap<String, (String, Vec<(Arch, Facts)>)> = BTreeMap::new();
    for (arch, folder) in &resolved.layout.arches {
        for name in view.children(folder) {
            let path = format!("{folder}/{name}");
            if is_noise(&name) || !view.is_dir(&path) {
                continue;
            }
            let facts = folder_facts(view, &path, limits, &mut findings);
            drivers
                .entry(name.to_lowercase())
                .or_insert_with(|| (name.clone(), Vec::new()))
                .1
                .push((*arch, facts));
        }
    }
    let arches: Vec<Arch> = resolved.layout.arches.iter().map(|(a, _)| *a).collect();
    let out_drivers: Vec<OutDriver> = drivers
        .into_values()
        .map(|(name, per_arch)| driver(name, &per_arch, &arches))
        .collect();
    let (tools, taken) = generate_tools::tools(
        tree,
        &resolved.summary.root,
        &resolved.side,
        &arches,
        &mut findings,
    );
    findings.extend(resolved.not_taken(&|n| taken.iter().any(|t| t == n)));
    let from = match &resolved.summary.os {
        Some(os) => format!("{input_name} (OS folder {os})"),
        None => input_name.to_string(),
    };
    let out = Out {
        schema: "./packaging-spec.schema.json",
        title: format!("Drivers of {from}"),
        description: format!(
            "Made by guestpack from the {} driver folder(s) of {from}: each required on the architectures where it is, with the hardware IDs of its INF models sections, the services its INFs install and its INF files.{} Make a driver optional with \"required\": false, or loosen a pattern to accept newer builds.",
            out_drivers.len(),
            match tools.len() {
                0 => String::new(),
                n => format!(" {n} tool(s) from the folders next to them, optional, with the Windows Installer package of each architecture."),
            }
        ),
        arches: (arches != Arch::DEFAULT).then(|| arches.iter().map(|a| a.as_str()).collect()),
        drivers: out_drivers,
        tools,
        require_optional_drivers_on_all_arches: false,
        fail_on_unlisted_driver_dirs: false,
    };
    let mut json = serde_json::to_string_pretty(&out).expect("a spec serializes");
    json.push('\n');
    let spec = super::parse("spec.json", json.as_bytes()).ok();
    Generated {
        json: Some(json),
        spec,
        findings,
    }
}

/// One spec entry from the facts of every architecture the driver is on: what they all share.
fn driver(name: String, per_arch: &[(Arch, Facts)], all: &[Arch]) -> OutDriver {
    let on: Vec<Arch> = per_arch.iter().map(|(a, _)| *a).collect();
    let first = &per_arch[0].1;
    let everywhere = |pick: fn(&Facts) -> Vec<&str>, key: &str| -> bool {
        per_arch
            .iter()
            .all(|(_, f)| pick(f).iter().any(|k| k.eq_ignore_ascii_case(key)))
    };
    OutDriver {
        name,
        required: true,
        arches: if all.iter().all(|a| on.contains(a)) {
            Vec::new()
        } else {
            on.iter().map(|a| a.as_str()).collect()
        },
        expected_hardware_ids: first
            .hwids
            .iter()
            .filter(|(id, _)| everywhere(|f| f.hwids.iter().map(|h| h.0.as_str()).collect(), id))
            .map(|(_, pattern)| pattern.clone())
            .collect(),
        expected_inf_files: first
            .infs
            .iter()
            .filter(|n| everywhere(|f| f.infs.iter().map(String::as_str).collect(), n))
            .cloned()
            .collect(),
        expected_add_services: first
            .services
            .iter()
            .filter(|s| everywhere(|f| f.services.iter().map(String::as_str).collect(), s))
            .cloned()
            .collect(),
    }
}

/// The INFs the default file policy packages from one driver folder, and what they declare.
fn folder_facts(tree: &VTree, dir: &str, limits: &Limits, findings: &mut Vec<Finding>) -> Facts {
    let prefix = format!("{dir}/");
    let none = Allow {
        extensions: &[],
        path_regexes: &[],
    };
    let mut facts = Facts::default();
    for (path, content) in tree.files() {
        let Some(rel) = path.strip_prefix(&prefix) else {
            continue;
        };
        if policy::extension(rel) != "inf" || policy::classify(rel, none) != Decision::Include {
            continue;
        }
        let text = read_to_vec(content.as_ref(), limits.max_inf_size)
            .map_err(|e| e.to_string())
            .and_then(|b| inf::decode(&b).map(|(t, _)| t).map_err(|e| e.to_string()));
        let text = match text {
            Ok(t) => t,
            Err(e) => {
                findings.push(
                    Finding::warning("GEN001", format!("cannot read this INF ({e}): the spec expects nothing from it"))
                        .at(path.to_string())
                        .help("save the INF as UTF-8 or UTF-16, or raise --max-inf-size if it is that big"),
                );
                continue;
            }
        };
        let parsed = inf::parse(&text);
        let lines: Vec<String> = parsed.content_lines().into_iter().map(|(_, t)| t).collect();
        for (id, _) in parsed.hardware_ids() {
            let pattern = hwid_pattern(&id);
            // Only an ID written literally on a line can be matched by the check.
            let written = crate::validate::spec::compile::build_regex(&pattern)
                .is_ok_and(|re| lines.iter().any(|l| re.is_match(l)));
            if written && !facts.hwids.iter().any(|(h, _)| h.eq_ignore_ascii_case(&id)) {
                facts.hwids.push((id, pattern));
            }
        }
        for (svc, _) in parsed.add_services() {
            if !svc.is_empty() && !facts.services.iter().any(|s| s.eq_ignore_ascii_case(&svc)) {
                facts.services.push(svc);
            }
        }
        let name = rel.rsplit('/').next().unwrap_or(rel).to_string();
        if !facts.infs.iter().any(|n| n.eq_ignore_ascii_case(&name)) {
            facts.infs.push(name);
        }
    }
    facts
}

/// A pattern matching exactly this ID where an INF lists it: the ID with regex syntax escaped,
/// between the separators of a models line (start of line, blank, comma or `=`, then blank,
/// comma or end), so `DEV_1000` is not satisfied by `DEV_10001`.
pub fn hwid_pattern(id: &str) -> String {
    let mut out = String::from(r"(?:^|[\s,=])");
    for c in id.chars() {
        if r"\.+*?()|[]{}^$#".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out.push_str(r"(?:[\s,]|$)");
    out
}

/// The separators [`hwid_pattern`] matches around an ID, trimmed from what it found.
pub fn trim_separators(found: &str) -> &str {
    found.trim_matches(|c: char| c == ',' || c == '=' || c.is_whitespace())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pattern_matches_its_id_only_where_listed() {
        let re = crate::validate::spec::compile::build_regex(&hwid_pattern(
            r"PCI\VEN_1AF4&DEV_1000&SUBSYS_00011AF4",
        ))
        .unwrap();
        assert!(re.is_match(r"%Dev% = inst, PCI\VEN_1AF4&DEV_1000&SUBSYS_00011AF4"));
        assert!(re.is_match(r"%Dev% = inst,PCI\VEN_1AF4&DEV_1000&SUBSYS_00011AF4, other"));
        assert!(re.is_match(r"pci\ven_1af4&dev_1000&subsys_00011af4"));
        assert!(!re.is_match(r"%Dev% = inst, PCI\VEN_1AF4&DEV_1000&SUBSYS_00011AF4&REV_00"));
        assert!(!re.is_match(r"%Dev% = inst, XPCI\VEN_1AF4&DEV_1000&SUBSYS_00011AF4"));
        let found = re
            .find(r"%Dev% = inst, PCI\VEN_1AF4&DEV_1000&SUBSYS_00011AF4, x")
            .unwrap();
        assert_eq!(
            trim_separators(found.as_str()),
            r"PCI\VEN_1AF4&DEV_1000&SUBSYS_00011AF4"
        );
        // Regex syntax in an ID is taken literally.
        let odd =
            crate::validate::spec::compile::build_regex(&hwid_pattern(r"*PNP0A03(x)")).unwrap();
        assert!(odd.is_match(r"%D% = i, *PNP0A03(x)"));
        assert!(!odd.is_match(r"%D% = i, PNP0A03x"));
    }
}
