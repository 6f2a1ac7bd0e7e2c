//! One driver package against its catalog: is every file its INF installs (and the INF) in
//! the catalog, by the hash Windows computes; is the catalog for the folder's architecture and
//! for every target Windows. The hashes come from the one digest pass
//! ([`crate::source::authenticode::WindowsHasher`]); this module only compares.
//!
//! Codes: `CAT001` the catalog is missing or is not a catalog, `CAT002` a file is not in it,
//! `CAT003` a text file is in it only with CRLF line endings (what git's line-ending
//! conversion undoes), `CAT004` it does not cover a target Windows, `CAT005` it is for another
//! architecture. Errors, except under signing policy `none` (warnings: nothing checks
//! signatures there).

use crate::diag::Finding;
use crate::input::catalog::{Catalog, CatalogError, DigestAlg};
use crate::source::authenticode::WindowsDigests;
use crate::source::digest::hex;
use crate::validate::layout::windows::{os_attr_versions, NtVersion};
use crate::validate::layout::Arch;

/// One file of the package as Windows will hash it.
pub struct FileHashes<'a> {
    /// Media path (`drivers/amd64/viostor/viostor.inf`).
    pub path: &'a str,
    pub digests: &'a WindowsDigests,
    /// For a text file: the digests of its bytes with every line ending made CRLF, when that
    /// differs from the file.
    pub crlf: Option<&'a WindowsDigests>,
}

/// What the check needs of one driver package.
pub struct Package<'a> {
    pub arch: Arch,
    /// Media path of the catalog the INF names.
    pub catalog_path: &'a str,
    pub catalog: Result<&'a Catalog, &'a CatalogError>,
    pub files: &'a [FileHashes<'a>],
    /// Windows versions the media is for; empty when unknown.
    pub targets: &'a [(String, NtVersion)],
    /// Warnings instead of errors (signing policy `none`).
    pub lenient: bool,
}

pub fn check(p: &Package) -> Vec<Finding> {
    let finding = |code, message: String| {
        if p.lenient {
            Finding::warning(code, message)
        } else {
            Finding::error(code, message)
        }
    };
    let mut out = Vec::new();
    let cat = match p.catalog {
        Ok(c) => c,
        Err(e) => {
            out.push(
                finding("CAT001", format!("\"{}\" is not a driver catalog: {e}", p.catalog_path))
                    .at(p.catalog_path)
                    .help("package the .cat file that was signed with this driver (placeholder or truncated files cannot be installed)"),
            );
            return out;
        }
    };
    let algs = cat.algorithms();
    for f in p.files {
        if member(cat, &algs, f.digests) {
            continue;
        }
        if f.crlf.is_some_and(|c| member(cat, &algs, c)) {
            out.push(
                finding("CAT003", format!("\"{}\" is in catalog \"{}\" only with CRLF line endings; its LF line endings were changed after signing", f.path, p.catalog_path))
                    .at(f.path)
                    .help("restore the CRLF line endings (git's line-ending conversion is the usual cause: mark the file binary or -text in .gitattributes)"),
            );
            continue;
        }
        let alg = algs.first().copied().unwrap_or(DigestAlg::Sha256);
        let have = match alg {
            DigestAlg::Sha1 => hex(&f.digests.sha1),
            DigestAlg::Sha256 => hex(&f.digests.sha256),
        };
        let kind = if f.digests.pe_image {
            "Authenticode image hash"
        } else {
            "hash"
        };
        out.push(
            finding("CAT002", format!("\"{}\" is not in catalog \"{}\": its {} {kind} {have} is not a member", f.path, p.catalog_path, alg.as_str()))
                .at(f.path)
                .help("the file changed after signing or belongs to another build: package the files the catalog was made for, or re-sign the package"),
        );
    }
    for (name, want) in p.targets {
        let missing = cat.members.iter().any(|m| {
            m.name_value("OSAttr")
                .map(os_attr_versions)
                .is_some_and(|vs| !vs.is_empty() && !vs.contains(want))
        });
        if missing {
            out.push(
                finding("CAT004", format!("catalog \"{}\" does not cover {name} (NT {want})", p.catalog_path))
                    .at(p.catalog_path)
                    .help("package the driver build made for that Windows, or leave it out of the target list"),
            );
        }
    }
    if let Some(os) = cat.attribute("OS") {
        if catalog_arch(os) != arch_token(p.arch) {
            out.push(
                finding("CAT005", format!("catalog \"{}\" is for another architecture than {} (its OS value is \"{os}\")", p.catalog_path, p.arch.as_str()))
                    .at(p.catalog_path)
                    .help("package the driver build of this architecture in this folder"),
            );
        }
    }
    out
}

fn member(cat: &Catalog, algs: &[DigestAlg], d: &WindowsDigests) -> bool {
    algs.iter().any(|a| match a {
        DigestAlg::Sha1 => cat.member_with(*a, &d.sha1).is_some(),
        DigestAlg::Sha256 => cat.member_with(*a, &d.sha256).is_some(),
    })
}

/// The architecture token a catalog's `OS` value names (`_v100_X64` → `X64`); x86 catalogs
/// name none.
fn catalog_arch(os: &str) -> Option<&'static str> {
    let up = os.to_ascii_uppercase();
    if up.contains("ARM64") {
        Some("ARM64")
    } else if up.contains("X64") || up.contains("AMD64") {
        Some("X64")
    } else {
        None
    }
}

fn arch_token(a: Arch) -> Option<&'static str> {
    match a {
        Arch::Amd64 => Some("X64"),
        Arch::X86 => None,
    }
}
