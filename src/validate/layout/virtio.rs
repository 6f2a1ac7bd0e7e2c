//! The virtio-win tree: `<driver>/<os>/<arch>/files` (`viostor/w8.1/amd64/viostor.inf`), as
//! the virtio-win ISO ships it. Recognizes that shape and re-lays one OS of it as the per-arch
//! tree `<arch>/<driver>/files`, driver folder names lower-cased (`NetKVM` → `netkvm`).
//!
//! Only folder names and the presence of an INF are looked at; nothing is read. Choosing the
//! OS and reporting the result is [`super::resolve`].

use super::{is_noise, join, Arch};
use crate::diag::Finding;
use crate::source::vtree::VTree;

/// True for the OS folder names virtio-win uses: `xp`, `vista`, `w7`, `w8`, `w8.1`, `w10`,
/// `w11`, `2k3`, `2k8`, `2k8R2`, `2k12`, `2k12R2`, `2k16`, `2k19`, `2k22`, `2k25`...
/// Any letter case. The rule is deliberately narrow: a wrapper folder such as `Win7` or
/// `release` must not make an ordinary tree look like this layout.
pub fn is_os_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    if n == "xp" || n == "vista" {
        return true;
    }
    let digits = |s: &str| !s.is_empty() && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit());
    if let Some(rest) = n.strip_prefix("2k") {
        return digits(rest.strip_suffix("r2").unwrap_or(rest));
    }
    if let Some(rest) = n.strip_prefix('w') {
        return match rest.split_once('.') {
            Some((major, minor)) => digits(major) && minor.len() == 1 && digits(minor),
            None => digits(rest),
        };
    }
    false
}

/// Folders virtio-win ships next to its drivers that hold a tool, and the tool name the
/// shipped specs give it (its media folder, `tools/<name>/`).
pub const TOOL_FOLDERS: &[(&str, &str)] = &[("guest-agent", "qemu-ga")];

/// One `<driver>/<os>/<arch>` folder found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Leaf {
    /// The driver folder name as written (`NetKVM`).
    pub driver: String,
    pub os: String,
    /// The arch folder name as written (`amd64`, `ARM64`, ...).
    pub arch_name: String,
    /// Input path of the arch folder.
    pub path: String,
}

fn has_inf(tree: &VTree, dir: &str) -> bool {
    tree.children(dir)
        .iter()
        .any(|n| n.to_ascii_lowercase().ends_with(".inf") && !tree.is_dir(&join(dir, n)))
}

/// Every `<driver>/<os>/<arch>` folder directly under `root` whose arch folder holds an INF
/// (that is what tells it from a per-arch tree inside two wrapper folders). Arch folders of
/// architectures the media does not carry (`ARM64`) are included; the caller reports them.
pub fn leaves(tree: &VTree, root: &str) -> Vec<Leaf> {
    let mut out = Vec::new();
    for driver in tree.children(root) {
        let dpath = join(root, &driver);
        if is_noise(&driver) || !tree.is_dir(&dpath) || Arch::from_folder(&driver).is_some() {
            continue;
        }
        for os in tree.children(&dpath) {
            let opath = join(&dpath, &os);
            if !is_os_name(&os) || !tree.is_dir(&opath) {
                continue;
            }
            for arch in tree.children(&opath) {
                let apath = join(&opath, &arch);
                if !is_noise(&arch) && tree.is_dir(&apath) && has_inf(tree, &apath) {
                    out.push(Leaf {
                        driver: driver.clone(),
                        os: os.clone(),
                        arch_name: arch,
                        path: apath,
                    });
                }
            }
        }
    }
    out
}

/// The OS names found, each once (first spelling met), sorted case-insensitively.
pub fn oses(leaves: &[Leaf]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for l in leaves {
        if !out.iter().any(|o| o.eq_ignore_ascii_case(&l.os)) {
            out.push(l.os.clone());
        }
    }
    out.sort_by_key(|o| o.to_ascii_lowercase());
    out
}

/// A driver folder of the re-laid tree and where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mapped {
    pub arch: Arch,
    /// Lower-cased driver name, the folder name in the re-laid tree.
    pub driver: String,
    /// Input path of the source folder.
    pub source: String,
}

/// Re-lays the leaves of OS `os` as `<arch>/<driver lower-cased>/...`. Leaves of other
/// architectures are reported once per name; two leaves landing on the same folder are an error.
pub fn relay(
    tree: &VTree,
    leaves: &[Leaf],
    os: &str,
    findings: &mut Vec<Finding>,
) -> (VTree, Vec<Mapped>) {
    let mut out = VTree::new();
    let mut mapped: Vec<Mapped> = Vec::new();
    let mut foreign: Vec<String> = Vec::new();
    for leaf in leaves.iter().filter(|l| l.os.eq_ignore_ascii_case(os)) {
        let Some(arch) = Arch::from_folder(&leaf.arch_name) else {
            if !foreign
                .iter()
                .any(|f| f.eq_ignore_ascii_case(&leaf.arch_name))
            {
                foreign.push(leaf.arch_name.clone());
            }
            continue;
        };
        let driver = leaf.driver.to_lowercase();
        if let Some(first) = mapped.iter().find(|m| m.arch == arch && m.driver == driver) {
            findings.push(
                Finding::error(
                    "LAY009",
                    format!(
                        "folders \"{}\" and \"{}\" both map to \"drivers/{arch}/{driver}\"",
                        first.source, leaf.path
                    ),
                )
                .at(leaf.path.clone())
                .help("keep one folder per driver and architecture; remove or rename one of them"),
            );
            continue;
        }
        let prefix = format!("{}/", leaf.path);
        let base = format!("{}/{driver}", arch.as_str());
        out.insert_dir(base.clone());
        for (path, content) in tree.files() {
            if let Some(rel) = path.strip_prefix(&prefix) {
                out.insert(join(&base, rel), content.clone());
            }
        }
        mapped.push(Mapped {
            arch,
            driver,
            source: leaf.path.clone(),
        });
    }
    for name in foreign {
        findings.push(
            Finding::info(
                "LAY013",
                format!("\"{name}\" folders are not an architecture this media carries and are not packaged"),
            )
            .help("the media carries x86, amd64 and arm64 drivers"),
        );
    }
    mapped.sort_by(|a, b| (a.arch, &a.driver).cmp(&(b.arch, &b.driver)));
    (out, mapped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::MemContent;
    use std::sync::Arc;

    fn tree(paths: &[&str]) -> VTree {
        let mut t = VTree::new();
        for p in paths {
            t.insert(*p, Arc::new(MemContent::new(p.as_bytes().to_vec())));
        }
        t
    }

    #[test]
    fn os_names_are_the_virtio_win_ones() {
        for ok in [
            "w7", "W8.1", "w10", "w11", "2k8R2", "2k12", "2k22", "xp", "Vista",
        ] {
            assert!(is_os_name(ok), "{ok}");
        }
        for no in [
            "Win7", "release", "w", "w8.", "w8.10", "2k", "2kR2", "amd64", "w123",
        ] {
            assert!(!is_os_name(no), "{no}");
        }
    }

    #[test]
    fn leaves_need_an_inf_in_the_arch_folder() {
        let t = tree(&[
            "NetKVM/w8.1/amd64/netkvm.inf",
            "NetKVM/w10/ARM64/netkvm.inf",
            "wrap/w7/amd64/drv/drv.inf", // a per-arch tree in two wrappers, not a leaf
            "amd64/w10/viostor.inf",     // the installer's per-arch copy: not a driver folder
        ]);
        let l = leaves(&t, "");
        let paths: Vec<&str> = l.iter().map(|l| l.path.as_str()).collect();
        assert_eq!(paths, vec!["NetKVM/w10/ARM64", "NetKVM/w8.1/amd64"]);
        assert_eq!(oses(&l), vec!["w10", "w8.1"]);
    }

    #[test]
    fn relay_lowercases_drivers_and_maps_arch_aliases() {
        let t = tree(&[
            "NetKVM/w8.1/amd64/netkvm.inf",
            "NetKVM/w8.1/amd64/sub/x.dll",
            "viostor/w8.1/i386/viostor.inf",
            "viostor/w8.1/ARM64/viostor.inf",
            "viostor/w8.1/ARM/viostor.inf",
            "viostor/w10/amd64/viostor.inf",
        ]);
        let mut f = Vec::new();
        let (out, mapped) = relay(&t, &leaves(&t, ""), "W8.1", &mut f);
        let files: Vec<&str> = out.files().map(|(p, _)| p).collect();
        assert_eq!(
            files,
            vec![
                "amd64/netkvm/netkvm.inf",
                "amd64/netkvm/sub/x.dll",
                "arm64/viostor/viostor.inf",
                "x86/viostor/viostor.inf"
            ]
        );
        assert_eq!(mapped[0].source, "viostor/w8.1/i386");
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].code, "LAY013");
    }

    #[test]
    fn relay_refuses_two_folders_for_one_driver() {
        let t = tree(&["NetKVM/w7/amd64/a.inf", "netkvm/w7/x64/a.inf"]);
        let mut f = Vec::new();
        let (_, mapped) = relay(&t, &leaves(&t, ""), "w7", &mut f);
        assert_eq!(mapped.len(), 1);
        assert_eq!(f[0].code, "LAY009");
    }
}
