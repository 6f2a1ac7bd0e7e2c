//! Driver packages against their catalogs: is every file an INF installs (and the INF) in the
//! catalog the INF names, by the hash Windows computes; is the catalog for the folder's
//! architecture and for every target Windows. Windows matches by hash only (`File` names in a
//! catalog are informational), so this module does too.
//!
//! Two moments: while validating, each INF is read whole anyway, so its catalog is read and the
//! INF itself, the catalog's architecture and its Windows versions are checked then
//! ([`check_inf`]); the files the INF installs are checked once the single digest pass has
//! their hashes ([`check_installed`]), with no second read.
//!
//! Codes: `CAT001` the catalog is missing, unreadable or not a catalog, `CAT002` a file is not
//! in it, `CAT003` an INF is in it only with CRLF line endings (what git's line-ending
//! conversion undoes; repaired with `restore_crlf`), `CAT004` it does not cover a target
//! Windows, `CAT005` it is for another architecture. Errors, except under signing policy
//! `none` (warnings: nothing checks signatures there).

use crate::diag::Finding;
use crate::input::catalog::{self, Catalog, CatalogError, DigestAlg};
use crate::source::authenticode::{WindowsDigests, WindowsHasher};
use crate::source::digest::hex;
use crate::validate::layout::windows::{os_attr_versions, NtVersion};
use crate::validate::layout::Arch;
use std::collections::BTreeSet;
use std::sync::Arc;

/// The user's choices for the catalog checks.
#[derive(Clone, Debug, Default)]
pub struct CatalogOptions {
    /// Windows versions the media is for (name as given, NT version); empty when unknown.
    pub targets: Vec<(String, NtVersion)>,
    /// Warnings instead of errors (signing policy `none`).
    pub lenient: bool,
    /// Package the CRLF form of an INF that only that form of is in its catalog.
    pub restore_crlf: bool,
}

/// What one INF's catalog says, for the report; the files still to check ride along.
#[derive(Clone, Debug)]
pub struct CatalogStatus {
    /// Media path of the INF.
    pub inf: String,
    /// Media path of the catalog the INF names for this architecture.
    pub catalog: String,
    /// The catalog could be read.
    pub readable: bool,
    /// `sha1`, `sha256`: the algorithms its members use.
    pub algorithms: Vec<&'static str>,
    /// NT versions every member covers (`6.3`), in order.
    pub windows: Vec<String>,
    /// Its catalog-level `OS` value, when it has one.
    pub os: Option<String>,
    /// Files looked up in it (the INF and every file it installs) and how many are members.
    pub checked: usize,
    pub matched: usize,
    /// Media paths packaged in their CRLF form because only that form is a member.
    pub repaired: Vec<String>,
    /// Who signed the catalog (`signers.rs`); `None` when it is unreadable.
    pub signature: Option<Result<super::signature::SignatureFacts, String>>,
    /// Installed files to look up once digested (media paths), and the catalog.
    pub(crate) pending: Vec<String>,
    pub(crate) parsed: Option<Arc<Catalog>>,
    pub(crate) lenient: bool,
}

impl CatalogStatus {
    /// The same status with every media path it holds passed through `to` (media for several
    /// Windows versions move each OS's drivers under its OS folder after validation).
    pub(crate) fn move_paths(&mut self, to: &dyn Fn(&str) -> String) {
        self.inf = to(&self.inf);
        self.catalog = to(&self.catalog);
        for p in self.repaired.iter_mut().chain(self.pending.iter_mut()) {
            *p = to(p);
        }
    }
}

/// One INF of a driver package, as validation sees it.
pub struct InfInput<'a> {
    pub arch: Arch,
    /// Media path of the INF and its bytes.
    pub inf_path: &'a str,
    pub inf_bytes: &'a [u8],
    /// The catalog the INF names (media path) and its bytes, or why there are none.
    pub catalog_path: &'a str,
    pub catalog: Result<&'a [u8], String>,
    /// Media paths of the files the INF installs that are packaged.
    pub installed: Vec<String>,
    /// Catalog paths of this package already checked for OS and architecture.
    pub seen: &'a mut BTreeSet<String>,
}

/// The outcome of [`check_inf`].
pub struct InfCheck {
    pub status: CatalogStatus,
    pub findings: Vec<Finding>,
    /// The bytes to package instead of the INF (its CRLF form), when repaired.
    pub repaired: Option<Vec<u8>>,
}

fn severity(lenient: bool, code: &'static str, message: String) -> Finding {
    if lenient {
        Finding::warning(code, message)
    } else {
        Finding::error(code, message)
    }
}

/// Checks an INF against its catalog: the catalog itself (CAT001, CAT004, CAT005) and the
/// INF's own bytes (CAT002, CAT003, or repaired).
pub fn check_inf(input: InfInput, opts: &CatalogOptions) -> InfCheck {
    let lenient = opts.lenient;
    let mut status = CatalogStatus {
        inf: input.inf_path.to_string(),
        catalog: input.catalog_path.to_string(),
        readable: false,
        algorithms: Vec::new(),
        windows: Vec::new(),
        os: None,
        checked: 1 + input.installed.len(),
        matched: 0,
        repaired: Vec::new(),
        signature: None,
        pending: Vec::new(),
        parsed: None,
        lenient,
    };
    let mut findings = Vec::new();
    let parsed = input
        .catalog
        .and_then(|b| catalog::parse(b).map_err(|CatalogError(e)| e));
    let cat = match parsed {
        Ok(c) => c,
        Err(e) => {
            if input.seen.insert(input.catalog_path.to_string()) {
                let (at, message) = if input.catalog_path.is_empty() {
                    (input.inf_path, e)
                } else {
                    (
                        input.catalog_path,
                        format!("catalog \"{}\" cannot be used: {e}", input.catalog_path),
                    )
                };
                findings.push(
                    severity(lenient, "CAT001", message)
                        .at(at)
                        .help("package the .cat file that was signed with this driver (a placeholder, truncated or missing catalog cannot be installed)"),
                );
            }
            return InfCheck {
                status,
                findings,
                repaired: None,
            };
        }
    };
    status.readable = true;
    status.algorithms = cat.algorithms().iter().map(|a| a.key()).collect();
    status.windows = covered(&cat).iter().map(NtVersion::to_string).collect();
    status.os = cat.attribute("OS").map(str::to_string);
    if input.seen.insert(input.catalog_path.to_string()) {
        findings.extend(os_and_arch(&cat, input.catalog_path, input.arch, opts));
    }
    let digests = windows_digests(input.inf_bytes);
    let mut repaired = None;
    if member(&cat, &digests) {
        status.matched += 1;
    } else if let Some(crlf) =
        to_crlf(input.inf_bytes).filter(|c| member(&cat, &windows_digests(c)))
    {
        if opts.restore_crlf {
            findings.push(
                Finding::info("CAT003", format!("\"{}\" is packaged with CRLF line endings: only that form is in catalog \"{}\"", input.inf_path, input.catalog_path))
                    .at(input.inf_path)
                    .help("fix the source too: git's line-ending conversion is the usual cause (mark *.inf binary or -text in .gitattributes)"),
            );
            status.matched += 1;
            status.repaired.push(input.inf_path.to_string());
            repaired = Some(crlf);
        } else {
            findings.push(
                severity(lenient, "CAT003", format!("\"{}\" is in catalog \"{}\" only with CRLF line endings: its line endings were changed after signing", input.inf_path, input.catalog_path))
                    .at(input.inf_path)
                    .help("package it with CRLF line endings (--restore-crlf does, checked against the catalog); git's line-ending conversion is the usual cause: mark *.inf binary or -text in .gitattributes")
                    .choice("restoreCrlf", vec!["true".into()]),
            );
        }
    } else {
        findings.push(not_member(
            &cat,
            input.inf_path,
            input.catalog_path,
            &digests,
            lenient,
        ));
    }
    status.pending = input.installed;
    status.parsed = Some(Arc::new(cat));
    InfCheck {
        status,
        findings,
        repaired,
    }
}

/// Looks up the installed files of every INF once their hashes are known (`digests` of a media
/// path), counting matches into the statuses; CAT002 for each file that is not a member.
pub fn check_installed(
    statuses: &mut [CatalogStatus],
    digests: &dyn Fn(&str) -> Option<WindowsDigests>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for s in statuses {
        let Some(cat) = s.parsed.clone() else {
            continue;
        };
        for path in &s.pending {
            let Some(d) = digests(path) else {
                continue;
            };
            if member(&cat, &d) {
                s.matched += 1;
            } else {
                out.push(not_member(&cat, path, &s.catalog, &d, s.lenient));
            }
        }
    }
    out
}

/// The media paths whose Windows hashes [`check_installed`] needs.
pub fn pending_paths(statuses: &[CatalogStatus]) -> BTreeSet<String> {
    statuses
        .iter()
        .filter(|s| s.parsed.is_some())
        .flat_map(|s| s.pending.iter().cloned())
        .collect()
}

fn not_member(
    cat: &Catalog,
    path: &str,
    catalog_path: &str,
    d: &WindowsDigests,
    lenient: bool,
) -> Finding {
    // The file's hash in each algorithm the catalog lists members by: what Windows looked up.
    let hashes: Vec<String> = cat
        .algorithms()
        .iter()
        .map(|a| match a {
            DigestAlg::Sha1 => format!("{} {}", a.as_str(), hex(&d.sha1)),
            DigestAlg::Sha256 => format!("{} {}", a.as_str(), hex(&d.sha256)),
        })
        .collect();
    let kind = if d.pe_image {
        "Authenticode image hash"
    } else {
        "hash"
    };
    severity(lenient, "CAT002", format!("\"{path}\" is not in catalog \"{catalog_path}\": its {kind} is not a member ({})", hashes.join(", ")))
        .at(path)
        .help("the file changed after signing or belongs to another build: package the files the catalog was made for, or re-sign the package")
}

/// CAT004 for each target some member does not cover; CAT005 when the catalog's `OS` value
/// names another architecture than the folder's.
fn os_and_arch(cat: &Catalog, path: &str, arch: Arch, opts: &CatalogOptions) -> Vec<Finding> {
    let mut out = Vec::new();
    let have = covered(cat);
    let listed: Vec<String> = have.iter().map(NtVersion::to_string).collect();
    for (name, want) in &opts.targets {
        let restricted = cat.members.iter().any(|m| m.name_value("OSAttr").is_some());
        if restricted && !have.contains(want) {
            out.push(
                severity(opts.lenient, "CAT004", format!("catalog \"{path}\" does not cover {name} (NT {want}); it covers NT {}", if listed.is_empty() { "none".to_string() } else { listed.join(", ") }))
                    .at(path)
                    .help("package the driver build made for that Windows, or choose the Windows versions the media is for (--target-os)"),
            );
        }
    }
    if let Some(os) = cat.attribute("OS") {
        if catalog_arch(os) != arch_token(arch) {
            out.push(
                severity(opts.lenient, "CAT005", format!("catalog \"{path}\" is for another architecture than {} (its OS value is \"{os}\")", arch.as_str()))
                    .at(path)
                    .help("package the driver build of this architecture in this folder"),
            );
        }
    }
    out
}

/// The NT versions every member with an `OSAttr` covers.
fn covered(cat: &Catalog) -> Vec<NtVersion> {
    let mut all: Option<BTreeSet<NtVersion>> = None;
    for m in &cat.members {
        if let Some(v) = m.name_value("OSAttr") {
            let these: BTreeSet<NtVersion> = os_attr_versions(v).into_iter().collect();
            all = Some(match all {
                None => these,
                Some(a) => a.intersection(&these).copied().collect(),
            });
        }
    }
    all.unwrap_or_default().into_iter().collect()
}

/// Is a file with these digests a member, in any algorithm the catalog uses.
pub fn member(cat: &Catalog, d: &WindowsDigests) -> bool {
    cat.algorithms().iter().any(|a| match a {
        DigestAlg::Sha1 => cat.member_with(*a, &d.sha1).is_some(),
        DigestAlg::Sha256 => cat.member_with(*a, &d.sha256).is_some(),
    })
}

/// The hashes Windows computes for bytes held in memory.
pub fn windows_digests(bytes: &[u8]) -> WindowsDigests {
    let mut h = WindowsHasher::new(bytes.len() as u64);
    h.update(bytes);
    h.finish()
}

/// The bytes with every bare LF made CRLF, when there is one; `None` for UTF-16 text (git does
/// not convert it: it sees NUL bytes) and for text already all CRLF.
pub fn to_crlf(bytes: &[u8]) -> Option<Vec<u8>> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) || bytes.contains(&0) {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 32);
    let mut changed = false;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'\n' && (i == 0 || bytes[i - 1] != b'\r') {
            out.push(b'\r');
            changed = true;
        }
        out.push(b);
    }
    changed.then_some(out)
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
        Arch::Arm64 => Some("ARM64"),
        Arch::X86 => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_form_changes_only_bare_line_feeds() {
        assert_eq!(to_crlf(b"a\nb\r\nc\n").unwrap(), b"a\r\nb\r\nc\r\n");
        assert_eq!(to_crlf(b"\n").unwrap(), b"\r\n");
        assert_eq!(to_crlf(b"a\r\nb"), None);
        assert_eq!(to_crlf(b"\xff\xfea\x00\n\x00"), None);
    }
}
