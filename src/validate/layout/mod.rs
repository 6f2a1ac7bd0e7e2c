//! Where the architecture folders are in a driver input: alias matching (`x64` → amd64, ...),
//! wrapper-folder detection and the layout findings.
//!
//! This module only looks at folder names; it does not decide which files are packaged
//! ([`crate::validate::policy`]) nor check driver contents ([`crate::validate::rules`]). Other input shapes
//! (virtio-win `<driver>/<os>/<arch>/`, flat arch folders) are turned into this one by
//! [`resolve`].

use crate::diag::Finding;
use crate::source::vtree::VTree;
pub use crate::source::vtree::{is_noise, join};

pub mod flat;
pub mod resolve;
pub mod summary;
pub mod virtio;
pub mod windows;

pub use resolve::{resolve, LayoutOptions, Resolved};
pub use summary::{DriverSource, LayoutKind, LayoutSummary, OsFolder};

/// A Windows processor architecture the media carries drivers for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Arch {
    X86,
    Amd64,
    Arm64,
}

impl Arch {
    pub const ALL: [Arch; 3] = [Arch::X86, Arch::Amd64, Arch::Arm64];

    /// What a spec without `arches` carries: every medium made before ARM64 was known.
    pub const DEFAULT: [Arch; 2] = [Arch::X86, Arch::Amd64];

    /// The input folder names each architecture is known by, for help texts.
    pub const ALIASES: &'static str =
        "i386, win32 → x86; x64, x86_64, x86-64 → amd64; ARM64, aarch64 → arm64";

    /// Folder name on the media: `x86`, `amd64` or `arm64`.
    pub fn as_str(self) -> &'static str {
        match self {
            Arch::X86 => "x86",
            Arch::Amd64 => "amd64",
            Arch::Arm64 => "arm64",
        }
    }

    /// Maps an input folder name to an architecture, case-insensitively.
    pub fn from_folder(name: &str) -> Option<Arch> {
        match name.to_ascii_lowercase().as_str() {
            "x86" | "i386" | "win32" => Some(Arch::X86),
            "amd64" | "x64" | "x86_64" | "x86-64" => Some(Arch::Amd64),
            "arm64" | "aarch64" => Some(Arch::Arm64),
            _ => None,
        }
    }
}

impl std::fmt::Display for Arch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The architecture folders found in a driver input.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Layout {
    /// Input-relative wrapper path ("" when the arch folders are at the root).
    pub root: String,
    /// Architecture and input-relative folder path, sorted by architecture.
    pub arches: Vec<(Arch, String)>,
    /// Names of the other entries under `root` (a `guest-agent/` of installers, a README):
    /// not drivers; a tool of the spec may take a folder, and
    /// [`Resolved::not_taken`](resolve::Resolved::not_taken) reports the rest (LAY003).
    pub others: Vec<String>,
}

impl Layout {
    pub fn folder(&self, arch: Arch) -> Option<&str> {
        self.arches
            .iter()
            .find(|(a, _)| *a == arch)
            .map(|(_, p)| p.as_str())
    }
}

/// LAY003: an entry next to the architecture folders that nothing packages.
pub(crate) fn not_an_arch_folder(path: &str) -> Finding {
    Finding::warning(
        "LAY003",
        format!("\"{path}\" is not an architecture folder and is not packaged"),
    )
    .at(path)
    .help(format!(
        "driver folders belong under x86/, amd64/ or arm64/ (aliases: {}); a folder of installers is packaged when a tool of the spec names it (its name or an alias)",
        Arch::ALIASES
    ))
}

/// True when the folder `root` holds an architecture folder (`amd64`, `x64`, `i386`, ...).
pub(crate) fn has_arch_folder(tree: &VTree, root: &str) -> bool {
    tree.children(root)
        .iter()
        .any(|n| !is_noise(n) && Arch::from_folder(n).is_some() && tree.is_dir(&join(root, n)))
}

/// Finds the architecture folders, descending through single wrapper folders.
pub fn detect(tree: &VTree) -> (Layout, Vec<Finding>) {
    let mut findings = Vec::new();
    let root = tree.descend_wrappers(|root| has_arch_folder(tree, root));
    let mut layout = Layout {
        root: root.clone(),
        arches: Vec::new(),
        others: Vec::new(),
    };
    for name in tree.children(&root).into_iter().filter(|n| !is_noise(n)) {
        let path = join(&root, &name);
        let arch = if tree.is_dir(&path) {
            Arch::from_folder(&name)
        } else {
            None
        };
        match arch {
            Some(a) => match layout.folder(a) {
                Some(first) => findings.push(
                    Finding::error(
                        "LAY002",
                        format!(
                            "folders \"{first}\" and \"{path}\" both map to architecture \"{a}\""
                        ),
                    )
                    .at(path.clone())
                    .help(format!(
                        "keep one folder per architecture; merge or remove \"{path}\""
                    )),
                ),
                None => layout.arches.push((a, path)),
            },
            None => layout.others.push(name),
        }
    }
    layout.arches.sort();
    if layout.arches.is_empty() {
        let shown = if root.is_empty() {
            "the root".to_string()
        } else {
            format!("\"{root}\"")
        };
        findings.push(
            Finding::error("LAY001", format!("no architecture folder found in the driver input (looked in {shown})"))
                .help(format!("lay drivers out as x86/<driver>/..., amd64/<driver>/... and arm64/<driver>/... (aliases: {}), optionally inside one wrapper folder", Arch::ALIASES)),
        );
    }
    (layout, findings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::MemContent;
    use std::sync::Arc;

    fn tree(paths: &[&str]) -> VTree {
        let mut t = VTree::new();
        for p in paths {
            t.insert(*p, Arc::new(MemContent::new(&b"x"[..])));
        }
        t
    }

    #[test]
    fn aliases_are_case_insensitive() {
        assert_eq!(Arch::from_folder("X64"), Some(Arch::Amd64));
        assert_eq!(Arch::from_folder("x86-64"), Some(Arch::Amd64));
        assert_eq!(Arch::from_folder("Win32"), Some(Arch::X86));
        assert_eq!(Arch::from_folder("I386"), Some(Arch::X86));
        assert_eq!(Arch::from_folder("ARM64"), Some(Arch::Arm64));
        assert_eq!(Arch::from_folder("AArch64"), Some(Arch::Arm64));
        assert_eq!(Arch::from_folder("arm"), None);
    }

    #[test]
    fn descends_wrappers_ignoring_noise() {
        let (l, f) = detect(&tree(&[
            "w/inner/X64/a/a.inf",
            "w/inner/i386/a/a.inf",
            "__MACOSX/w/._x",
            ".DS_Store",
        ]));
        assert!(f.is_empty(), "{f:?}");
        assert_eq!(l.root, "w/inner");
        assert_eq!(
            l.arches,
            vec![
                (Arch::X86, "w/inner/i386".into()),
                (Arch::Amd64, "w/inner/X64".into())
            ]
        );
    }

    #[test]
    fn file_named_like_arch_is_not_a_folder() {
        let (l, f) = detect(&tree(&["amd64"]));
        assert!(l.arches.is_empty());
        assert!(f.iter().any(|f| f.code == "LAY001"));
        assert_eq!(l.others, vec!["amd64"]);
    }
}
