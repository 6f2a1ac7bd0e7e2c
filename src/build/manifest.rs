//! `manifest.json`: the one serialized description of a media set.
//!
//! Field order is the declaration order below and never changes within a `schema_version`.
//! Only input *names* (never paths) and content hashes go in, so the manifest — and the media
//! that carry it — depend on what the inputs contain, not on where they were.

use crate::output::media::MediaFile;
use serde::{Deserialize, Serialize};

pub const SCHEMA_VERSION: u32 = 1;
/// File name of the manifest on the media and next to the ISO and zip.
pub const FILE_NAME: &str = "manifest.json";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub schema_version: u32,
    pub package: PackageInfo,
    pub signing_policy: String,
    pub certs_required: bool,
    pub inputs: Inputs,
    /// The OS folders of media for several Windows versions (`drivers/<os>/<arch>/`) and the
    /// NT version each is for; absent on media for one, whose drivers are `drivers/<arch>/`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub os_folders: Vec<OsFolderEntry>,
    /// Each packaged driver's catalogs and who signed them (absent in older manifests).
    #[serde(default)]
    pub drivers: Vec<DriverEntry>,
    /// The tools setup.cmd installs, with their files and installers (absent when the spec
    /// lists none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<ToolEntry>,
    pub files: Vec<FileEntry>,
}

/// One tool: `{ name, required, files, installers: [{ arch, path, kind, product_code }] }`,
/// media paths throughout; `product_code` for MSIs (what uninstall removes them by).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolEntry {
    pub name: String,
    pub required: bool,
    pub files: Vec<String>,
    pub installers: Vec<InstallerEntry>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstallerEntry {
    /// `x86`, `amd64`, `arm64` or `all`.
    pub arch: String,
    pub path: String,
    /// `msi`, `exe` or `cmd`.
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_code: Option<String>,
}

/// One OS folder: `{ name, nt_version }` (`w10`, `10.0`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OsFolderEntry {
    pub name: String,
    pub nt_version: String,
}

/// One catalog of a packaged driver: `{ os, arch, name, catalog, signer_thumbprint }` (`os`
/// only on media for several Windows versions).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DriverEntry {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os: Option<String>,
    pub arch: String,
    pub name: String,
    /// Media path of the catalog.
    pub catalog: String,
    /// SHA-1 of the catalog signer's certificate (lowercase hex), when it could be read.
    pub signer_thumbprint: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackageInfo {
    pub name: String,
    pub version: String,
    pub build_id: String,
    pub source_date_epoch: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Inputs {
    pub spec: InputHash,
    pub windows_device_contract: Option<InputHash>,
    pub packager: Packager,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputHash {
    pub name: String,
    pub sha256: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Packager {
    pub name: String,
    pub version: String,
    /// The deflate implementation and version: compressed bytes depend on it.
    pub deflate: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    pub path: String,
    pub sha256: String,
    pub size: u64,
}

impl Manifest {
    /// Lists `files` (already sorted by path, manifest itself excluded).
    pub fn file_entries(files: &[MediaFile]) -> Vec<FileEntry> {
        files
            .iter()
            .map(|f| FileEntry {
                path: f.path.clone(),
                sha256: f.sha256_hex(),
                size: f.size,
            })
            .collect()
    }

    /// Pretty JSON, 2-space indent, LF, trailing newline.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut s = serde_json::to_string_pretty(self).expect("manifest serializes");
        s.push('\n');
        s.into_bytes()
    }

    pub fn parse(bytes: &[u8]) -> Result<Manifest, String> {
        serde_json::from_slice(bytes).map_err(|e| format!("not a guestpack manifest: {e}"))
    }
}

/// The packager identity recorded in every manifest.
pub fn packager() -> Packager {
    Packager {
        name: "guestpack".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        deflate: crate::output::deflate::BACKEND.into(),
    }
}
