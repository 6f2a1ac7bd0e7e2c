//! Windows versions by the names driver trees and users give them (`w7`, `Win10`, `2k12R2`),
//! and the NT version each one runs (`6.1`, `10.0`): the one table of them, used to read OS
//! folders and to compare a target Windows with what a catalog covers (`OSAttr` `2:6.1`).

use super::Arch;

/// An NT kernel version, as catalogs and `ver` spell it (`6.1` is Windows 7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NtVersion {
    pub major: u32,
    pub minor: u32,
}

impl std::fmt::Display for NtVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

const fn v(major: u32, minor: u32) -> NtVersion {
    NtVersion { major, minor }
}

/// virtio-win's OS folder names (lower case) and their NT versions. Windows 10, 11 and the
/// servers since 2016 all report 10.0; builds tell them apart, catalogs do not.
pub const TABLE: &[(&str, NtVersion)] = &[
    ("xp", v(5, 1)),
    ("2k3", v(5, 2)),
    ("vista", v(6, 0)),
    ("2k8", v(6, 0)),
    ("w7", v(6, 1)),
    ("2k8r2", v(6, 1)),
    ("w8", v(6, 2)),
    ("2k12", v(6, 2)),
    ("w8.1", v(6, 3)),
    ("2k12r2", v(6, 3)),
    ("w10", v(10, 0)),
    ("w11", v(10, 0)),
    ("2k16", v(10, 0)),
    ("2k19", v(10, 0)),
    ("2k22", v(10, 0)),
    ("2k25", v(10, 0)),
];

/// The processor architectures a Windows release exists for: Windows 11 and the servers since
/// 2008 R2 have no x86 edition; ARM64 drivers run from Windows 10 on (virtio-win's Windows 11
/// ARM64 build also serves Server 2025).
pub fn arches_of(name: &str) -> Option<&'static [Arch]> {
    const BOTH: &[Arch] = &[Arch::X86, Arch::Amd64];
    const X64: &[Arch] = &[Arch::Amd64];
    let n = canonical(name);
    Some(match n.as_str() {
        "xp" | "2k3" | "vista" | "2k8" | "w7" | "w8" | "w8.1" => BOTH,
        "2k8r2" | "2k12" | "2k12r2" | "2k16" | "2k19" | "2k22" => X64,
        "w10" => &[Arch::X86, Arch::Amd64, Arch::Arm64],
        "w11" | "2k25" => &[Arch::Amd64, Arch::Arm64],
        _ => return None,
    })
}

/// A Windows name in the table's spelling (`Win10` → `w10`, lower case): also the name of an
/// OS folder on media for several Windows versions.
pub fn canonical(name: &str) -> String {
    let n = name.trim().to_ascii_lowercase();
    match n.strip_prefix("win") {
        Some(rest) => format!("w{rest}"),
        None => n,
    }
}

/// The NT version of a Windows name, any letter case: the table's names and the `Win7`,
/// `Win8.1`, `Win10` spelling of flat driver trees.
pub fn nt_version(name: &str) -> Option<NtVersion> {
    let n = canonical(name);
    TABLE.iter().find(|(k, _)| *k == n).map(|(_, v)| *v)
}

/// The names [`nt_version`] knows, as users write them (`w8.1`, `2k12R2`).
pub fn names() -> Vec<&'static str> {
    TABLE
        .iter()
        .map(|(n, _)| match *n {
            "2k8r2" => "2k8R2",
            "2k12r2" => "2k12R2",
            other => other,
        })
        .collect()
}

/// The versions an `OSAttr` value lists (`2:6.0,2:6.1` → 6.0 and 6.1); platform 2 is NT, the
/// only one drivers are signed for. Entries that do not parse are left out.
pub fn os_attr_versions(value: &str) -> Vec<NtVersion> {
    value
        .split(',')
        .filter_map(|e| {
            let (platform, version) = e.trim().split_once(':')?;
            if platform.trim() != "2" {
                return None;
            }
            let (major, minor) = version.trim().split_once('.')?;
            Some(v(major.parse().ok()?, minor.parse().ok()?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_map_to_nt_versions() {
        assert_eq!(nt_version("W7"), Some(v(6, 1)));
        assert_eq!(nt_version("Win8.1"), Some(v(6, 3)));
        assert_eq!(nt_version("2k12R2"), Some(v(6, 3)));
        assert_eq!(nt_version("w11"), Some(v(10, 0)));
        assert_eq!(nt_version("win10"), nt_version("2k25"));
        assert_eq!(nt_version("release"), None);
        assert_eq!(v(6, 3).to_string(), "6.3");
    }

    #[test]
    fn every_table_name_is_a_virtio_win_os_folder_with_its_architectures() {
        for (name, _) in TABLE {
            assert!(super::super::virtio::is_os_name(name), "{name}");
            assert!(arches_of(name).is_some(), "{name}");
        }
        assert_eq!(arches_of("Win11"), Some(&[Arch::Amd64, Arch::Arm64][..]));
        assert_eq!(arches_of("2k22"), Some(&[Arch::Amd64][..]));
        assert_eq!(arches_of("w7"), Some(&[Arch::X86, Arch::Amd64][..]));
    }

    #[test]
    fn os_attr_lists_versions() {
        assert_eq!(os_attr_versions("2:6.0,2:6.1"), vec![v(6, 0), v(6, 1)]);
        assert_eq!(os_attr_versions("2:10.0"), vec![v(10, 0)]);
        assert_eq!(os_attr_versions(" 2:6.3 , 1:4.0, x"), vec![v(6, 3)]);
        assert!(os_attr_versions("").is_empty());
    }
}
