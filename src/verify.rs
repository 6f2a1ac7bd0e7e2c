//! Checks existing media (an ISO, a zip or an extracted folder, as a [`VTree`]) against a
//! `manifest.json`: which listed files are missing, which changed (size or SHA-256), which
//! files are there that the manifest does not list.
//!
//! Sizes are compared first so a truncated file costs no hashing; every other listed file is
//! read once, in chunks. A file that cannot be read to the end (a zip entry failing its CRC, an
//! ISO extent past the end) counts as changed, with the reason. This module does not locate the
//! media or the manifest on disk and does not repair anything.

use crate::build::manifest::{self, Manifest};
use crate::source::digest::{digest, hex};
use crate::source::read_to_vec;
use crate::source::vtree::VTree;
use crate::{Error, Result};
use serde::Serialize;
use std::collections::BTreeSet;

/// Largest manifest read (a million files is well under this).
pub const MAX_MANIFEST_BYTES: u64 = 256 << 20;

/// A listed file whose content differs from the manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Changed {
    pub path: String,
    pub expected_size: u64,
    pub expected_sha256: String,
    pub actual_size: u64,
    /// `None` when the file could not be read to the end.
    pub actual_sha256: Option<String>,
    /// Why the file could not be read, when it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The outcome of [`verify`]; every list is sorted by path.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// `package.name` and `package.version` of the manifest.
    pub package: String,
    pub version: String,
    /// Files listed in the manifest.
    pub listed: usize,
    /// Listed files present with the right size and SHA-256.
    pub ok: usize,
    pub missing: Vec<String>,
    pub changed: Vec<Changed>,
    /// Files on the media the manifest does not list (`manifest.json` itself excepted).
    pub extra: Vec<String>,
}

impl VerifyReport {
    /// True when the media matches the manifest exactly.
    pub fn is_ok(&self) -> bool {
        self.missing.is_empty() && self.changed.is_empty() && self.extra.is_empty()
    }

    pub fn problems(&self) -> usize {
        self.missing.len() + self.changed.len() + self.extra.len()
    }

    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("verify report serializes");
        s.push('\n');
        s
    }
}

/// The `manifest.json` at the root of the media, read under [`MAX_MANIFEST_BYTES`].
pub fn media_manifest(tree: &VTree) -> Result<Vec<u8>> {
    let content = tree.get(manifest::FILE_NAME).ok_or_else(|| {
        Error::archive(
            "media",
            "no manifest.json at the root; give the manifest separately",
        )
    })?;
    read_to_vec(content.as_ref(), MAX_MANIFEST_BYTES).map_err(|e| Error::io(manifest::FILE_NAME, e))
}

/// Compares `tree` with the manifest in `manifest_bytes`. Fatal only when the manifest cannot
/// be parsed; everything about the media is in the report.
///
/// When the media also carries a `manifest.json` and it differs from `manifest_bytes`, it is
/// reported as changed: the copy on the media is part of what was published.
pub fn verify(tree: &VTree, manifest_bytes: &[u8]) -> Result<VerifyReport> {
    let m = Manifest::parse(manifest_bytes).map_err(|message| Error::Json {
        file: manifest::FILE_NAME.into(),
        message,
    })?;
    let mut report = VerifyReport {
        package: m.package.name.clone(),
        version: m.package.version.clone(),
        listed: m.files.len(),
        ..VerifyReport::default()
    };
    let mut listed: BTreeSet<&str> = BTreeSet::new();
    for f in &m.files {
        listed.insert(f.path.as_str());
        let Some(content) = tree.get(&f.path) else {
            report.missing.push(f.path.clone());
            continue;
        };
        let mut changed = Changed {
            path: f.path.clone(),
            expected_size: f.size,
            expected_sha256: f.sha256.clone(),
            actual_size: content.len(),
            actual_sha256: None,
            error: None,
        };
        if content.len() == f.size {
            match digest(content.as_ref()) {
                Ok((_, sha, _)) if hex(&sha).eq_ignore_ascii_case(&f.sha256) => {
                    report.ok += 1;
                    continue;
                }
                Ok((_, sha, _)) => changed.actual_sha256 = Some(hex(&sha)),
                Err(e) => changed.error = Some(e.to_string()),
            }
        }
        report.changed.push(changed);
    }
    if let Some(own) = tree.get(manifest::FILE_NAME) {
        let same = read_to_vec(own.as_ref(), MAX_MANIFEST_BYTES)
            .map(|b| b == manifest_bytes)
            .unwrap_or(false);
        if !same && !listed.contains(manifest::FILE_NAME) {
            report.changed.push(Changed {
                path: manifest::FILE_NAME.into(),
                expected_size: manifest_bytes.len() as u64,
                expected_sha256: hex(&sha256(manifest_bytes)),
                actual_size: own.len(),
                actual_sha256: crate::source::digest::digest(own.as_ref())
                    .ok()
                    .map(|(_, s, _)| hex(&s)),
                error: None,
            });
        }
    }
    for (path, _) in tree.files() {
        if path != manifest::FILE_NAME && !listed.contains(path) {
            report.extra.push(path.to_string());
        }
    }
    // Entries the reader refused (symlinks, unsafe names) are on the media all the same.
    for r in tree.rejected() {
        if !listed.contains(r.path.as_str()) {
            report.extra.push(r.path.clone());
        }
    }
    report.missing.sort();
    report.changed.sort_by(|a, b| a.path.cmp(&b.path));
    report.extra.sort();
    report.extra.dedup();
    Ok(report)
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::manifest::FileEntry;
    use crate::source::MemContent;
    use std::sync::Arc;

    fn entry(path: &str, body: &[u8]) -> FileEntry {
        FileEntry {
            path: path.into(),
            sha256: hex(&sha256(body)),
            size: body.len() as u64,
        }
    }

    fn manifest(files: Vec<FileEntry>) -> Vec<u8> {
        Manifest {
            schema_version: 1,
            package: manifest::PackageInfo {
                name: "guest-tools".into(),
                version: "1.0".into(),
                build_id: "local".into(),
                source_date_epoch: 0,
            },
            signing_policy: "production".into(),
            certs_required: false,
            inputs: manifest::Inputs {
                spec: manifest::InputHash {
                    name: "s.json".into(),
                    sha256: "0".repeat(64),
                },
                windows_device_contract: None,
                packager: manifest::packager(),
            },
            os_folders: Vec::new(),
            drivers: Vec::new(),
            tools: Vec::new(),
            files,
        }
        .to_bytes()
    }

    fn put(t: &mut VTree, path: &str, body: &[u8]) {
        t.insert(path, Arc::new(MemContent::new(body.to_vec())));
    }

    #[test]
    fn sorts_problems_into_missing_changed_and_extra() {
        let m = manifest(vec![
            entry("a.txt", b"alpha"),
            entry("b/same-size.txt", b"bravo"),
            entry("b/shorter.txt", b"charlie"),
            entry("gone.txt", b"x"),
        ]);
        let mut t = VTree::new();
        put(&mut t, "a.txt", b"alpha");
        put(&mut t, "b/same-size.txt", b"brAvo");
        put(&mut t, "b/shorter.txt", b"char");
        put(&mut t, "new.txt", b"?");
        put(&mut t, "manifest.json", &m);
        let r = verify(&t, &m).unwrap();
        assert_eq!((r.listed, r.ok), (4, 1));
        assert_eq!(r.missing, vec!["gone.txt"]);
        let changed: Vec<_> = r
            .changed
            .iter()
            .map(|c| (c.path.as_str(), c.actual_sha256.is_some()))
            .collect();
        // Same size: hashed; different size: not worth hashing.
        assert_eq!(
            changed,
            vec![("b/same-size.txt", true), ("b/shorter.txt", false)]
        );
        assert_eq!(r.extra, vec!["new.txt"]);
        assert!(!r.is_ok());
        assert_eq!(r.problems(), 4);
    }

    #[test]
    fn a_different_manifest_on_the_media_is_a_change() {
        let m = manifest(vec![entry("a.txt", b"alpha")]);
        let mut t = VTree::new();
        put(&mut t, "a.txt", b"alpha");
        assert!(verify(&t, &m).unwrap().is_ok());
        put(&mut t, "manifest.json", b"{}");
        let r = verify(&t, &m).unwrap();
        assert_eq!(r.changed.len(), 1);
        assert_eq!(r.changed[0].path, "manifest.json");
        assert!(media_manifest(&t).is_ok());
        assert!(verify(&t, b"{}").is_err());
    }
}
