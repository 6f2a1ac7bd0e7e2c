//! The tools of a generated spec: a folder next to the driver folders of a virtio-win tree
//! (its `guest-agent/`) or next to the architecture folders that holds Windows Installer
//! packages becomes an optional tool, with
//! one package per architecture the media carries, chosen by the platform the package
//! declares (its summary's Template), never by its file name: the same judgement the check
//! applies, so the spec applied to its own input leaves no finding about the tool.
//!
//! Only `.msi` packages are taken: a program or batch installer needs an uninstall command
//! no file says, so such folders stay for the user to describe (LAY012 names them).

use crate::diag::Finding;
use crate::input::msi::{self, MAX_MSI_SIZE};
use crate::source::read_to_vec;
use crate::source::vtree::{join, VTree};
use crate::validate::layout::virtio::TOOL_FOLDERS;
use crate::validate::layout::Arch;
use crate::validate::policy;
use crate::validate::spec::tools::{msi_platform_arch, safe_file, safe_name};
use serde::Serialize;
use std::collections::BTreeMap;

/// One tool entry as written.
#[derive(Serialize)]
pub struct OutTool {
    pub name: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    pub required: bool,
    /// Architecture → package file name.
    pub installers: BTreeMap<&'static str, String>,
}

/// The tools found in the `side` folders (names under `root` of `tree`) for media carrying
/// `arches`, and the side folders they take.
pub fn tools(
    tree: &VTree,
    root: &str,
    side: &[String],
    arches: &[Arch],
    findings: &mut Vec<Finding>,
) -> (Vec<OutTool>, Vec<String>) {
    let mut out = Vec::new();
    let mut taken = Vec::new();
    for folder in side {
        let dir = join(root, folder);
        if !tree.is_dir(&dir) {
            continue;
        }
        let (name, aliases) = match TOOL_FOLDERS
            .iter()
            .find(|(f, _)| f.eq_ignore_ascii_case(folder))
        {
            Some((_, tool)) => (tool.to_string(), vec![folder.clone()]),
            None => (folder.clone(), Vec::new()),
        };
        if !safe_name(&name) {
            continue;
        }
        let installers = packages(tree, &dir, arches, findings);
        if installers.is_empty() {
            continue;
        }
        taken.push(folder.clone());
        out.push(OutTool {
            name,
            aliases,
            required: false,
            installers: installers
                .into_iter()
                .map(|(a, f)| (a.as_str(), f))
                .collect(),
        });
    }
    (out, taken)
}

/// The package for each of `arches` directly in `dir`: the first by name when several are for
/// one architecture (said in a note, so the user can pick another).
fn packages(
    tree: &VTree,
    dir: &str,
    arches: &[Arch],
    findings: &mut Vec<Finding>,
) -> BTreeMap<Arch, String> {
    let mut chosen: BTreeMap<Arch, String> = BTreeMap::new();
    let mut names = tree.children(dir);
    names.sort_by_key(|n| n.to_ascii_lowercase());
    for file in names {
        let path = join(dir, &file);
        let Some(content) = tree.get(&path) else {
            continue;
        };
        if policy::extension(&file) != "msi" || !safe_file(&file) {
            continue;
        }
        let facts = read_to_vec(content.as_ref(), MAX_MSI_SIZE)
            .map_err(|e| e.to_string())
            .and_then(|b| msi::read_msi(&b));
        let platform = match facts {
            Ok(f) => f.platform,
            Err(e) => {
                findings.push(
                    Finding::warning(
                        "GEN002",
                        format!(
                            "cannot read this package ({e}): the spec names no installer from it"
                        ),
                    )
                    .at(path)
                    .help("replace it with the Windows Installer package as published"),
                );
                continue;
            }
        };
        let Some(arch) = platform.as_deref().and_then(msi_platform_arch) else {
            findings.push(
                Finding::info(
                    "GEN003",
                    format!(
                        "this package declares {}: the spec names it for no architecture",
                        platform.map_or("no platform".to_string(), |p| format!(
                            "the platform \"{p}\""
                        ))
                    ),
                )
                .at(path)
                .help("name it in the tool's \"installers\" under the architecture it installs on"),
            );
            continue;
        };
        if !arches.contains(&arch) {
            continue;
        }
        if let Some(first) = chosen.get(&arch) {
            findings.push(
                Finding::info(
                    "GEN004",
                    format!("another {arch} package: the spec names \"{first}\" for {arch}"),
                )
                .at(path)
                .help("change the tool's \"installers\" to install this one instead"),
            );
            continue;
        }
        chosen.insert(arch, file);
    }
    chosen
}
