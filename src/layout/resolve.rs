//! Takes a driver input the way it comes and turns it into the per-arch tree
//! (`<arch>/<driver>/files`) the driver checks read, saying what it found.
//!
//! Three shapes are recognized, after descending through single wrapper folders:
//! - per-arch: `amd64/<driver>/...` — used as it is (this is [`super::detect`]);
//! - virtio-win: `<driver>/<os>/<arch>/...` — one OS is chosen and re-laid ([`super::virtio`]);
//! - flat: an arch folder holding every driver's files side by side — split per INF
//!   ([`super::flat`]); it may sit in an OS folder (`Win7/amd64/`), and sibling OS folders
//!   (`Win7/`, `Win10/`) are chosen between like virtio-win OSes.
//!
//! The result carries a [`LayoutSummary`] (what was detected and which input files make each
//! driver) and info findings saying the same, so a user sees the mapping before packaging.
//! This module does not check driver contents.

use super::{detect, flat, is_dir, is_noise, join, virtio, Arch, Layout, MAX_WRAPPER_DEPTH};
use crate::diag::Finding;
use crate::vtree::VTree;
use std::borrow::Cow;

/// Choices about the driver input's layout.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LayoutOptions {
    /// The OS folder to take (`w7`, `w8.1`, `2k19`, `Win7`...), matched ignoring case.
    /// Needed only when the input holds several.
    pub os: Option<String>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LayoutKind {
    /// `<arch>/<driver>/...`
    #[default]
    PerArch,
    /// `<driver>/<os>/<arch>/...`
    VirtioWin,
    /// At least one arch folder holds the files of several drivers side by side.
    Flat,
}

impl LayoutKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LayoutKind::PerArch => "per-arch",
            LayoutKind::VirtioWin => "virtio-win",
            LayoutKind::Flat => "flat",
        }
    }

    /// The shape, for messages.
    pub fn shape(self) -> &'static str {
        match self {
            LayoutKind::PerArch => "<arch>/<driver>/",
            LayoutKind::VirtioWin => "<driver>/<os>/<arch>/",
            LayoutKind::Flat => "<arch>/ with every driver's files side by side",
        }
    }
}

/// Where one driver of one architecture comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DriverSource {
    pub arch: Arch,
    /// Folder name in the per-arch tree (matched against the spec ignoring case).
    pub driver: String,
    /// Input folder the files come from.
    pub source: String,
    /// Input paths of its files, sorted.
    pub files: Vec<String>,
}

/// What layout detection found, reported before anything is packaged.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LayoutSummary {
    pub kind: LayoutKind,
    /// Input folder the layout starts at ("" = the root).
    pub root: String,
    /// The OS folder taken, when the input has OS folders.
    pub os: Option<String>,
    /// Every OS folder found (empty when the input has none).
    pub oses: Vec<String>,
    /// Sorted by arch, then driver.
    pub drivers: Vec<DriverSource>,
}

/// The per-arch view of a driver input.
pub struct Resolved<'a> {
    pub tree: Cow<'a, VTree>,
    pub layout: Layout,
    pub summary: LayoutSummary,
    pub findings: Vec<Finding>,
    /// False when no driver can be located until the user chooses (an OS): the driver checks
    /// are then skipped, so the report leads with that choice instead of every driver missing.
    pub usable: bool,
}

/// Children of `dir` that hold an arch folder: OS folders such as `Win7/` or `Win10/`.
fn os_folders(tree: &VTree, dir: &str) -> Vec<String> {
    tree.children(dir)
        .into_iter()
        .filter(|n| !is_noise(n) && Arch::from_folder(n).is_none())
        .filter(|n| {
            let p = join(dir, n);
            is_dir(tree, &p)
                && tree
                    .children(&p)
                    .iter()
                    .any(|a| Arch::from_folder(a).is_some() && is_dir(tree, &join(&p, a)))
        })
        .collect()
}

fn quoted(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Picks the OS: the one asked for, else the only one; otherwise an error finding.
fn choose_os(
    found: &[String],
    wanted: Option<&str>,
    findings: &mut Vec<Finding>,
) -> Option<String> {
    match wanted {
        Some(w) => {
            let hit = found
                .iter()
                .find(|o| o.eq_ignore_ascii_case(w.trim()))
                .cloned();
            if hit.is_none() {
                findings.push(
                    Finding::error("LAY005", format!("os \"{w}\" is not in the driver input (found: {})", quoted(found)))
                        .help("choose one of the OS folders found (--os on the command line, os in the JS options)"),
                );
            }
            hit
        }
        None if found.len() == 1 => Some(found[0].clone()),
        None => {
            findings.push(
                Finding::error("LAY004", format!("the driver input holds drivers for several OSes ({}); none was chosen", quoted(found)))
                    .help(format!("choose one with --os on the command line or os in the JS options, e.g. --os {}", found.last().map_or("w10", String::as_str))),
            );
            None
        }
    }
}

/// Finds the layout of `tree` and returns its per-arch view.
pub fn resolve<'a>(tree: &'a VTree, opts: &LayoutOptions) -> Resolved<'a> {
    let mut findings = Vec::new();
    let mut root = String::new();
    for _ in 0..=MAX_WRAPPER_DEPTH {
        let kids: Vec<String> = tree
            .children(&root)
            .into_iter()
            .filter(|n| !is_noise(n))
            .collect();
        let has_arch = kids
            .iter()
            .any(|n| Arch::from_folder(n).is_some() && is_dir(tree, &join(&root, n)));
        if has_arch || !virtio::leaves(tree, &root).is_empty() || os_folders(tree, &root).len() > 1
        {
            break;
        }
        if kids.len() == 1 && is_dir(tree, &join(&root, &kids[0])) {
            root = join(&root, &kids[0]);
            continue;
        }
        break;
    }
    let blocked = |findings, root: String, oses| Resolved {
        tree: Cow::Borrowed(tree),
        layout: Layout::default(),
        summary: LayoutSummary {
            root,
            oses,
            ..LayoutSummary::default()
        },
        findings,
        usable: false,
    };

    let leaves = virtio::leaves(tree, &root);
    if !leaves.is_empty() {
        let oses = virtio::oses(&leaves);
        let Some(os) = choose_os(&oses, opts.os.as_deref(), &mut findings) else {
            return blocked(findings, root, oses);
        };
        let skipped: Vec<String> = tree
            .children(&root)
            .into_iter()
            .filter(|n| !is_noise(n) && !leaves.iter().any(|l| &l.driver == n))
            .collect();
        if !skipped.is_empty() {
            findings.push(
                Finding::warning(
                    "LAY012",
                    format!(
                        "{} entr{} next to the virtio-win driver folders {} not packaged: {}",
                        skipped.len(),
                        if skipped.len() == 1 { "y" } else { "ies" },
                        if skipped.len() == 1 { "is" } else { "are" },
                        quoted(&skipped)
                    ),
                )
                .help("only <driver>/<os>/<arch>/ folders are taken from a virtio-win tree"),
            );
        }
        let (relaid, mapped) = virtio::relay(tree, &leaves, &os, &mut findings);
        let (layout, lf) = detect(&relaid);
        findings.extend(lf);
        let drivers = mapped
            .into_iter()
            .map(|m| DriverSource {
                files: files_under(tree, &m.source),
                arch: m.arch,
                driver: m.driver,
                source: m.source,
            })
            .collect();
        let summary = LayoutSummary {
            kind: LayoutKind::VirtioWin,
            root,
            os: Some(os),
            oses,
            drivers,
        };
        findings.extend(describe(&summary));
        return Resolved {
            tree: Cow::Owned(relaid),
            layout,
            summary,
            findings,
            usable: true,
        };
    }

    let mut view = Cow::Borrowed(tree);
    let (mut os, mut oses) = (None, Vec::new());
    let candidates = os_folders(tree, &root);
    if candidates.len() > 1
        && !tree
            .children(&root)
            .iter()
            .any(|n| Arch::from_folder(n).is_some())
    {
        oses = candidates;
        let Some(chosen) = choose_os(&oses, opts.os.as_deref(), &mut findings) else {
            return blocked(findings, root, oses);
        };
        // Keep input paths as they are (findings name them) and drop the other OS folders.
        let prefix = format!("{}/", join(&root, &chosen));
        let mut only = VTree::new();
        for (p, c) in tree.files().filter(|(p, _)| p.starts_with(&prefix)) {
            only.insert(p, c.clone());
        }
        for d in tree.dirs().filter(|d| d.starts_with(&prefix)) {
            only.insert_dir(d);
        }
        view = Cow::Owned(only);
        os = Some(chosen);
    } else if let Some(w) = &opts.os {
        findings.push(
            Finding::warning("LAY006", format!("os \"{w}\" is ignored: the driver input has no OS folders"))
                .help("drop the os choice, or give an input with <driver>/<os>/<arch>/ or <os>/<arch>/ folders"),
        );
    }

    let (layout, lf) = detect(&view);
    findings.extend(lf);
    let mut kind = LayoutKind::PerArch;
    let mut drivers = Vec::new();
    for (arch, folder) in &layout.arches {
        if flat::is_flat(&view, folder) {
            kind = LayoutKind::Flat;
            let split = flat::split(&view, folder, &mut findings);
            for (pkg, names) in &split {
                drivers.push(DriverSource {
                    arch: *arch,
                    driver: pkg.clone(),
                    source: folder.clone(),
                    files: names.iter().map(|n| join(folder, n)).collect(),
                });
            }
            view = Cow::Owned(flat::apply(&view, folder, &split));
            continue;
        }
        for name in view.children(folder) {
            let path = join(folder, &name);
            if !is_noise(&name) && is_dir(&view, &path) {
                drivers.push(DriverSource {
                    arch: *arch,
                    files: files_under(&view, &path),
                    driver: name,
                    source: path,
                });
            }
        }
    }
    drivers.sort_by(|a, b| (a.arch, &a.driver).cmp(&(b.arch, &b.driver)));
    let summary = LayoutSummary {
        kind,
        root: layout.root.clone(),
        os,
        oses,
        drivers,
    };
    if summary.kind != LayoutKind::PerArch || summary.os.is_some() {
        findings.extend(describe(&summary));
    }
    Resolved {
        tree: view,
        layout,
        summary,
        findings,
        usable: true,
    }
}

fn files_under(tree: &VTree, dir: &str) -> Vec<String> {
    let prefix = format!("{dir}/");
    tree.files()
        .filter(|(p, _)| p.starts_with(&prefix))
        .map(|(p, _)| p.to_string())
        .collect()
}

/// Info findings restating the summary: the layout, then one line per driver.
fn describe(s: &LayoutSummary) -> Vec<Finding> {
    let os = match &s.os {
        Some(os) => format!("; os \"{os}\" (found: {})", quoted(&s.oses)),
        None => String::new(),
    };
    let at = if s.root.is_empty() {
        "the root".to_string()
    } else {
        format!("\"{}\"", s.root)
    };
    let mut out = vec![Finding::info(
        "LAY010",
        format!(
            "driver input layout: {} ({}) at {at}{os}",
            s.kind.as_str(),
            s.kind.shape()
        ),
    )];
    for d in &s.drivers {
        let names: Vec<String> = d
            .files
            .iter()
            .map(|f| f.rsplit('/').next().unwrap_or(f).to_string())
            .collect();
        out.push(
            Finding::info(
                "LAY011",
                format!(
                    "driver \"{}\" ({}) takes {} file(s) from \"{}\": {}",
                    d.driver,
                    d.arch,
                    d.files.len(),
                    d.source,
                    quoted(&names)
                ),
            )
            .at(format!("drivers/{}/{}", d.arch, d.driver)),
        );
    }
    out
}
