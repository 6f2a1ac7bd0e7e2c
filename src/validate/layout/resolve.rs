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

use super::summary::{describe, quoted, DriverSource, LayoutKind, LayoutSummary};
use super::{detect, flat, has_arch_folder, is_noise, join, virtio, Arch, Layout};
use crate::diag::Finding;
use crate::limits::Limits;
use crate::source::vtree::VTree;
use std::borrow::Cow;

/// Choices about the driver input's layout.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LayoutOptions {
    /// The OS folder to take (`w7`, `w8.1`, `2k19`, `Win7`...), matched ignoring case.
    /// Needed only when the input holds several.
    pub os: Option<String>,
}

impl LayoutOptions {
    /// One set of options per OS the media is for: `os` may list several, comma-separated
    /// (`w7,w10,2k22`), each taken once (compared in the table's spelling). No OS, or one,
    /// gives these options alone.
    pub fn each_os(&self) -> Vec<LayoutOptions> {
        let Some(list) = &self.os else {
            return vec![self.clone()];
        };
        let mut out: Vec<LayoutOptions> = Vec::new();
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let key = super::windows::canonical(name);
            let seen = out.iter().filter_map(|o| o.os.as_deref());
            if !seen.map(super::windows::canonical).any(|k| k == key) {
                out.push(LayoutOptions {
                    os: Some(name.to_string()),
                });
            }
        }
        if out.is_empty() {
            return vec![LayoutOptions { os: None }];
        }
        out
    }
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
    /// Entries next to the driver folders (`guest-agent`, `data`) or the architecture folders
    /// (`guest-agent`, `README.txt`), by name under [`LayoutSummary::root`]: the spec's tools
    /// may take folders among them ([`Resolved::not_taken`] reports the rest).
    pub side: Vec<String>,
}

impl Resolved<'_> {
    /// The [`Resolved::side`] entries nothing took (`taken` says which were): one LAY012 for a
    /// virtio-win tree, a LAY003 for each entry next to architecture folders.
    pub fn not_taken(&self, taken: &dyn Fn(&str) -> bool) -> Vec<Finding> {
        let skipped: Vec<String> = self.side.iter().filter(|n| !taken(n)).cloned().collect();
        if skipped.is_empty() {
            return Vec::new();
        }
        if self.summary.kind != LayoutKind::VirtioWin {
            return skipped
                .iter()
                .map(|n| super::not_an_arch_folder(&join(&self.summary.root, n)))
                .collect();
        }
        vec![
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
            .help("only <driver>/<os>/<arch>/ folders are taken from a virtio-win tree, and folders a tool of the spec names (its name or an alias, such as guest-agent for the QEMU guest agent)"),
        ]
    }
}

/// Children of `dir` that hold an arch folder: OS folders such as `Win7/` or `Win10/`.
fn os_folders(tree: &VTree, dir: &str) -> Vec<String> {
    tree.children(dir)
        .into_iter()
        .filter(|n| !is_noise(n) && Arch::from_folder(n).is_none())
        .filter(|n| {
            let p = join(dir, n);
            tree.is_dir(&p)
                && tree
                    .children(&p)
                    .iter()
                    .any(|a| Arch::from_folder(a).is_some() && tree.is_dir(&join(&p, a)))
        })
        .collect()
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
                        .help("choose one of the OS folders found (--os on the command line, os in the JS options)")
                        .choice("os", found.to_vec()),
                );
            }
            hit
        }
        None if found.len() == 1 => Some(found[0].clone()),
        None => {
            findings.push(
                Finding::error("LAY004", format!("the driver input holds drivers for several OSes ({}); none was chosen", quoted(found)))
                    .help(format!("choose one with --os on the command line or os in the JS options, e.g. --os {}", found.last().map_or("w10", String::as_str)))
                    .choice("os", found.to_vec()),
            );
            None
        }
    }
}

/// Finds the layout of `tree` and returns its per-arch view.
pub fn resolve<'a>(tree: &'a VTree, opts: &LayoutOptions, limits: &Limits) -> Resolved<'a> {
    let mut findings = Vec::new();
    let root = tree.descend_wrappers(|root| {
        has_arch_folder(tree, root)
            || !virtio::leaves(tree, root).is_empty()
            || os_folders(tree, root).len() > 1
    });
    // Stopped before any driver is located (no OS chosen): the summary still says what the
    // input looks like, so the choice can be offered.
    let blocked = |findings, kind, root: String, oses| Resolved {
        tree: Cow::Borrowed(tree),
        layout: Layout::default(),
        summary: LayoutSummary {
            kind,
            root,
            oses,
            ..LayoutSummary::default()
        },
        findings,
        usable: false,
        side: Vec::new(),
    };

    let leaves = virtio::leaves(tree, &root);
    if !leaves.is_empty() {
        let oses = virtio::oses(&leaves);
        let Some(os) = choose_os(&oses, opts.os.as_deref(), &mut findings) else {
            return blocked(findings, LayoutKind::VirtioWin, root, oses);
        };
        let side: Vec<String> = tree
            .children(&root)
            .into_iter()
            .filter(|n| !is_noise(n) && !leaves.iter().any(|l| &l.driver == n))
            .collect();
        let (relaid, mapped) = virtio::relay(tree, &leaves, &os, &mut findings);
        let (layout, lf) = detect(&relaid);
        findings.extend(lf);
        let drivers = mapped
            .into_iter()
            .map(|m| DriverSource {
                os: None,
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
            os_folders: Vec::new(),
            drivers,
        };
        findings.extend(describe(&summary));
        return Resolved {
            tree: Cow::Owned(relaid),
            layout,
            summary,
            findings,
            usable: true,
            side,
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
            // `<os>/<arch>/…`: flat when any of those arch folders holds loose driver files.
            let flat = oses.iter().any(|o| {
                let dir = join(&root, o);
                tree.children(&dir)
                    .iter()
                    .any(|a| Arch::from_folder(a).is_some() && flat::is_flat(tree, &join(&dir, a)))
            });
            let kind = if flat {
                LayoutKind::Flat
            } else {
                LayoutKind::PerArch
            };
            return blocked(findings, kind, root, oses);
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
            let split = flat::split(&view, folder, limits, &mut findings);
            for (pkg, names) in &split {
                drivers.push(DriverSource {
                    os: None,
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
            if !is_noise(&name) && view.is_dir(&path) {
                drivers.push(DriverSource {
                    os: None,
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
        os_folders: Vec::new(),
        drivers,
    };
    if summary.kind != LayoutKind::PerArch || summary.os.is_some() {
        findings.extend(describe(&summary));
    }
    // Not one driver folder: say that once, instead of every spec driver missing on every
    // architecture and every stray entry not packaged.
    let usable = !summary.drivers.is_empty();
    if !usable {
        findings.retain(|f| f.code != "LAY001");
        findings.push(no_driver_folders(&view, &layout));
    }
    let side = if usable {
        layout.others.clone()
    } else {
        Vec::new()
    };
    Resolved {
        tree: view,
        layout,
        summary,
        findings,
        usable,
        side,
    }
}

/// The one finding for an input without a single driver folder: empty, architecture folders
/// with nothing in them, or files that are not laid out as drivers at all.
fn no_driver_folders(tree: &VTree, layout: &Layout) -> Finding {
    let help = format!("a driver input holds x86/<driver>/…, amd64/<driver>/… and arm64/<driver>/… (aliases: {}), optionally inside one wrapper folder, or virtio-win's <driver>/<os>/<arch>/…, or one folder per architecture with every driver's files side by side", Arch::ALIASES);
    let files = tree.files().count();
    let message = if files == 0 {
        "the driver input is empty: it holds no files, so there is nothing to package".to_string()
    } else if !layout.arches.is_empty() {
        let arches: Vec<String> = layout.arches.iter().map(|(_, p)| p.clone()).collect();
        format!(
            "the driver input holds no driver folders: the architecture folder{} {} hold{} none",
            if arches.len() == 1 { "" } else { "s" },
            quoted(&arches),
            if arches.len() == 1 { "s" } else { "" }
        )
    } else {
        let top: Vec<String> = tree
            .children(&layout.root)
            .into_iter()
            .filter(|n| !is_noise(n))
            .collect();
        let shown: Vec<String> = top.iter().take(5).cloned().collect();
        let more = if top.len() > shown.len() { ", …" } else { "" };
        let at = if layout.root.is_empty() {
            "the top".to_string()
        } else {
            format!("\"{}\"", layout.root)
        };
        format!(
            "the driver input holds no driver folders: none of its {files} file{} is in an architecture folder (in {at}: {}{more})",
            if files == 1 { "" } else { "s" },
            quoted(&shown)
        )
    };
    Finding::error("LAY001", message).help(help)
}

fn files_under(tree: &VTree, dir: &str) -> Vec<String> {
    let prefix = format!("{dir}/");
    tree.files()
        .filter(|(p, _)| p.starts_with(&prefix))
        .map(|(p, _)| p.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::MemContent;
    use std::sync::Arc;

    fn tree(paths: &[&str]) -> VTree {
        let mut t = VTree::new();
        for p in paths {
            t.insert(*p, Arc::new(MemContent::new(&b""[..])));
        }
        t
    }

    fn codes(r: &Resolved) -> Vec<&'static str> {
        r.findings.iter().map(|f| f.code).collect()
    }

    fn os(name: &str) -> LayoutOptions {
        LayoutOptions {
            os: Some(name.into()),
        }
    }

    fn files(r: &Resolved) -> Vec<String> {
        r.tree.files().map(|(p, _)| p.to_string()).collect()
    }

    #[test]
    fn per_arch_tree_is_used_as_is_and_reports_nothing_new() {
        let t = tree(&["wrap/amd64/a/a.inf", "wrap/x86/a/a.inf"]);
        let r = resolve(&t, &LayoutOptions::default(), &Limits::default());
        assert!(matches!(r.tree, Cow::Borrowed(_)) && r.usable);
        assert!(r.findings.is_empty(), "{:?}", r.findings);
        assert_eq!(r.summary.kind, LayoutKind::PerArch);
        assert_eq!(r.summary.drivers.len(), 2);
        assert_eq!(r.summary.drivers[1].files, vec!["wrap/amd64/a/a.inf"]);
    }

    #[test]
    fn virtio_win_single_os_is_taken_and_multiple_need_a_choice() {
        let one = tree(&["iso/NetKVM/w7/amd64/netkvm.inf", "iso/data/readme.txt"]);
        let r = resolve(&one, &LayoutOptions::default(), &Limits::default());
        assert_eq!(r.summary.kind, LayoutKind::VirtioWin);
        assert_eq!(r.summary.root, "iso");
        assert_eq!(r.summary.os.as_deref(), Some("w7"));
        assert_eq!(files(&r), vec!["amd64/netkvm/netkvm.inf"]);
        assert_eq!(codes(&r), vec!["LAY010", "LAY011"]);
        assert_eq!(r.side, vec!["data"]);
        let lay012 = r.not_taken(&|_| false);
        assert_eq!(lay012.len(), 1);
        assert!(lay012[0].message.contains("1 entry") && lay012[0].message.contains("\"data\""));
        assert!(r.not_taken(&|n| n == "data").is_empty());

        let two = tree(&["NetKVM/w7/amd64/netkvm.inf", "viostor/w10/x86/viostor.inf"]);
        let r = resolve(&two, &LayoutOptions::default(), &Limits::default());
        assert!(!r.usable);
        assert_eq!(codes(&r), vec!["LAY004"]);
        assert!(r.findings[0].message.contains("(\"w10\", \"w7\")"));
        assert_eq!(r.summary.oses, vec!["w10", "w7"]);
        // Before the choice, the summary already tells what kind of input it is.
        assert_eq!(r.summary.kind, LayoutKind::VirtioWin);
        let r = resolve(&two, &os("W10"), &Limits::default());
        assert_eq!(files(&r), vec!["x86/viostor/viostor.inf"]);
        assert_eq!(r.summary.drivers[0].source, "viostor/w10/x86");
        assert_eq!(
            codes(&resolve(&two, &os("w11"), &Limits::default())),
            vec!["LAY005"]
        );
    }

    #[test]
    fn os_folders_around_flat_arch_folders_are_chosen_by_name() {
        let t = tree(&["Win7/amd64/a.inf", "Win7/amd64/a.sys", "Win10/amd64/a.inf"]);
        let unchosen = resolve(&t, &LayoutOptions::default(), &Limits::default());
        assert_eq!(codes(&unchosen), vec!["LAY004"]);
        assert_eq!(unchosen.summary.kind, LayoutKind::Flat);
        let per_arch = tree(&["Win7/amd64/a/a.inf", "Win10/amd64/a/a.inf"]);
        let unchosen = resolve(&per_arch, &LayoutOptions::default(), &Limits::default());
        assert_eq!(
            (unchosen.summary.kind, codes(&unchosen)),
            (LayoutKind::PerArch, vec!["LAY004"])
        );
        let r = resolve(&t, &os("win7"), &Limits::default());
        assert_eq!(r.summary.kind, LayoutKind::Flat);
        assert_eq!(r.summary.os.as_deref(), Some("Win7"));
        // a.sys is not referenced by the (empty) INF: reported, not packaged.
        assert_eq!(files(&r), vec!["Win7/amd64/a/a.inf"]);
        assert!(codes(&r).contains(&"LAY007"));
    }

    #[test]
    fn an_os_choice_without_os_folders_is_a_warning() {
        let t = tree(&["amd64/a/a.inf"]);
        let r = resolve(&t, &os("w7"), &Limits::default());
        assert!(r.usable);
        assert_eq!(codes(&r), vec!["LAY006"]);
    }
}
