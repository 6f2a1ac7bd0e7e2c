//! What layout detection found, as data ([`LayoutSummary`]) and as info findings, so the
//! user sees which input files make each driver before anything is packaged.
//!
//! This module only describes; detection is [`super::resolve`].

use super::Arch;
use crate::diag::Finding;

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
    /// The OS folder on the media, on media for several Windows versions.
    pub os: Option<String>,
    pub arch: Arch,
    /// Folder name in the per-arch tree (matched against the spec ignoring case).
    pub driver: String,
    /// Input folder the files come from.
    pub source: String,
    /// Input paths of its files, sorted.
    pub files: Vec<String>,
}

/// One OS folder of media for several Windows versions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OsFolder {
    /// Folder name on the media, in the Windows table's spelling (`w10`, `2k22`).
    pub name: String,
    /// The input OS folder it was made from (`2k22`, `Win10`).
    pub from: String,
    /// Its NT version (`10.0`).
    pub nt_version: String,
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
    /// The OS folders of media for several Windows versions (`drivers/<os>/<arch>/`), in the
    /// order chosen, with their NT versions; empty for media of one.
    pub os_folders: Vec<OsFolder>,
    /// Sorted by arch, then driver (by OS folder first on media for several).
    pub drivers: Vec<DriverSource>,
}

/// Info findings restating the summary: the layout, then one line per driver.
pub(crate) fn describe(s: &LayoutSummary) -> Vec<Finding> {
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

pub(crate) fn quoted(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ")
}
