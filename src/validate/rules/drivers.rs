//! The driver input as a whole: which driver folders each architecture has, how they map to the
//! spec (case-insensitively, spelled as the spec spells them on the media), and the presence
//! rules for required, optional and unlisted drivers.
//!
//! The contents of one folder are checked by [`super::package`]; layout detection is
//! [`crate::validate::layout`].

use super::{driver_folder, join, StagedFiles};
use crate::diag::Finding;
use crate::source::vtree::VTree;
use crate::validate::layout::windows::{self, NtVersion};
use crate::validate::layout::{is_noise, Arch, Layout};
use crate::validate::spec::Spec;
use crate::validate::{PackageState, PackageStatus};

/// Stages every listed driver folder and reports presence; returns one status row per
/// (spec driver, arch) plus one per unlisted folder, sorted by arch then driver.
pub fn stage(
    tree: &VTree,
    layout: &Layout,
    spec: &Spec,
    ctx: &driver_folder::FolderContext,
    staged: &mut StagedFiles,
    findings: &mut Vec<Finding>,
) -> Vec<PackageStatus> {
    let mut rows = Vec::new();
    let expected = expected_arches(spec, &ctx.catalogs.targets, findings);
    // present[i] = arches on which spec driver i was found.
    let mut present: Vec<Vec<Arch>> = vec![Vec::new(); spec.drivers.len()];
    for (arch, folder) in &layout.arches {
        if !spec.carries(*arch) {
            not_carried(spec, *arch, folder, findings);
            continue;
        }
        let mut taken: Vec<(usize, String)> = Vec::new();
        for name in tree.children(folder) {
            let path = join(folder, &name);
            if is_noise(&name) {
                continue;
            }
            if !tree.is_dir(&path) {
                findings.push(
                    Finding::warning(
                        "DRV008",
                        format!(
                            "file \"{path}\" is not inside a driver folder and is not packaged"
                        ),
                    )
                    .at(path.clone())
                    .help(format!(
                        "move it into a driver folder under {}/",
                        arch.as_str()
                    )),
                );
                continue;
            }
            let Some(idx) = spec.drivers.iter().position(|d| d.matches(&name)) else {
                unlisted(spec, *arch, &name, &path, &mut rows, findings);
                continue;
            };
            if let Some((_, first)) = taken.iter().find(|(i, _)| *i == idx) {
                findings.push(
                    Finding::error("DRV010", format!("folders \"{first}\" and \"{path}\" are the same driver \"{}\" (names differ only in case, or one is an alias)", spec.drivers[idx].name))
                        .at(path.clone())
                        .help("keep one folder per driver; merge or remove one of them"),
                );
                continue;
            }
            taken.push((idx, path.clone()));
            present[idx].push(*arch);
            let rule = &spec.drivers[idx];
            let p = driver_folder::check(tree, &path, *arch, rule, ctx);
            staged.extend(p.files);
            findings.extend(p.findings);
            rows.push(p.status);
        }
    }
    for (idx, rule) in spec.drivers.iter().enumerate() {
        for &arch in &expected {
            if present[idx].contains(&arch) || !rule.expected_on(arch) {
                continue;
            }
            let at = format!("drivers/{}/{}", arch.as_str(), rule.name);
            let f = if rule.required {
                Finding::error(
                    "DRV001",
                    format!("required driver \"{}\" is missing for {arch}", rule.name),
                )
                .help(format!(
                    "add the driver folder as {}/{}/ in the driver input",
                    arch.as_str(),
                    rule.name
                ))
            } else if spec.require_optional_drivers_on_all_arches && !present[idx].is_empty() {
                Finding::error("DRV003", format!("optional driver \"{}\" is present for {} but missing for {arch}", rule.name, present[idx][0]))
                    .help("the spec sets require_optional_drivers_on_all_arches: add the driver for every architecture or for none")
            } else {
                Finding::warning(
                    "DRV002",
                    format!("optional driver \"{}\" is missing for {arch}", rule.name),
                )
                .help(format!(
                    "add {}/{}/ to the driver input if the media should carry it",
                    arch.as_str(),
                    rule.name
                ))
            };
            findings.push(f.at(at));
            rows.push(PackageStatus {
                os: None,
                arch,
                driver: rule.name.clone(),
                required: rule.required,
                state: PackageState::Missing,
                files: 0,
                hwids_matched: Vec::new(),
                inf_refs_ok: false,
                catalogs: Vec::new(),
            });
        }
    }
    rows.sort_by(|a, b| (a.arch.as_str(), &a.driver).cmp(&(b.arch.as_str(), &b.driver)));
    rows
}

/// The architectures the target Windows versions run on (their union), or `None` when no
/// target names a Windows whose architectures are known.
pub fn windows_arches(targets: &[(String, NtVersion)]) -> Option<Vec<Arch>> {
    let mut on: Vec<Arch> = Vec::new();
    for a in targets
        .iter()
        .filter_map(|(n, _)| windows::arches_of(n))
        .flatten()
    {
        if !on.contains(a) {
            on.push(*a);
        }
    }
    (!on.is_empty()).then_some(on)
}

/// The architectures the media must carry drivers on: the spec's, less those no target Windows
/// exists for (a Windows 11 medium needs no x86 drivers, a Windows 7 one no arm64 drivers).
fn expected_arches(
    spec: &Spec,
    targets: &[(String, NtVersion)],
    findings: &mut Vec<Finding>,
) -> Vec<Arch> {
    let Some(on) = windows_arches(targets) else {
        return spec.arches.clone();
    };
    let out: Vec<Arch> = spec
        .arches
        .iter()
        .copied()
        .filter(|a| on.contains(a))
        .collect();
    if out.is_empty() {
        let names: Vec<&str> = targets
            .iter()
            .map(|(n, _)| n.as_str())
            .filter(|n| windows::arches_of(n).is_some())
            .collect();
        let carried: Vec<&str> = spec.arches.iter().map(|a| a.as_str()).collect();
        findings.push(
            Finding::error("TGT002", format!("the spec's arches ({}) hold none that {} runs on", carried.join(", "), names.join(" or ")))
                .help("add an architecture that Windows has to the spec's arches (amd64 runs every Windows), or choose another target Windows"),
        );
    }
    out
}

/// An architecture folder the spec's `arches` leaves out: said once, with the fix.
fn not_carried(spec: &Spec, arch: Arch, folder: &str, findings: &mut Vec<Finding>) {
    let carried: Vec<&str> = spec.arches.iter().map(|a| a.as_str()).collect();
    findings.push(
        Finding::warning(
            "LAY014",
            format!(
                "\"{folder}\" holds {arch} drivers, which are not packaged: the spec's arches are {}",
                carried.join(", ")
            ),
        )
        .at(folder)
        .help(format!(
            "add \"{arch}\" to the spec's top-level \"arches\" (e.g. \"arches\": [\"x86\", \"amd64\", \"{arch}\"]) to carry them"
        )),
    );
}

fn unlisted(
    spec: &Spec,
    arch: Arch,
    name: &str,
    path: &str,
    rows: &mut Vec<PackageStatus>,
    findings: &mut Vec<Finding>,
) {
    let msg = format!("driver folder \"{path}\" is not listed in the spec and is not packaged");
    let help = format!("add {{\"name\": \"{name}\", \"required\": false}} to the spec's drivers, or remove the folder");
    let f = if spec.fail_on_unlisted_driver_dirs {
        Finding::error("DRV004", msg)
    } else {
        Finding::warning("DRV004", msg)
    };
    findings.push(f.at(path).help(help));
    rows.push(PackageStatus {
        os: None,
        arch,
        driver: name.to_string(),
        required: false,
        state: PackageState::Unlisted,
        files: 0,
        hwids_matched: Vec::new(),
        inf_refs_ok: false,
        catalogs: Vec::new(),
    });
}
