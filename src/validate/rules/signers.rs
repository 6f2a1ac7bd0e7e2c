//! Who signed the catalogs, judged against the signing policy and the target Windows: what
//! `signature.rs` finds for each catalog (once per catalog), turned into findings, plus the
//! two set-wide checks (a certificate in `certs/` that signs nothing; one signer unlike the
//! rest). The facts go into each INF's [`CatalogStatus`] for the report.
//!
//! Codes (errors unless said): `SIGN003` the signature does not hold (a warning under `none`);
//! `SIGN004` under `test`, the chain reaches neither a certificate in `certs/` nor Microsoft;
//! `SIGN005` under `production`, a test or self-signed signer; `SIGN006` (warning) under
//! `production` for Windows 10 and later, a signer other than Microsoft's hardware publisher;
//! `SIGN007` (warning) the chain stops at an issuer that is not at hand; `SIGN008` (warning) a
//! SHA-256-only signature for Windows 7 / Server 2008 R2; `SIGN009` (warning) a certificate in
//! `certs/` that signs no catalog; `SIGN010` (note) one catalog signed unlike the others;
//! `SIGN011` a file in `certs/` that is no certificate (a warning unless the policy is `test`,
//! the only one under which `setup.cmd` installs them).

use super::catalog::CatalogStatus;
use super::signature::{self, ChainEnd, SignatureFacts, SignerKind};
use crate::diag::Finding;
use crate::source::{read_to_vec, Content};
use crate::validate::layout::windows::NtVersion;
use crate::validate::signing::SigningPolicy;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// A certificate file in `certs/` is read whole; none is near this.
const MAX_CERT_FILE: u64 = 1 << 20;

/// The certificates of one file in `certs/`.
struct CertFile {
    path: String,
    /// (DER, subject, thumbprint) of each certificate it holds.
    certs: Vec<(Vec<u8>, String, String)>,
}

/// Examines every catalog once and checks it against `policy` and `targets`; fills
/// [`CatalogStatus::signature`] of every INF that names it.
pub fn check(
    statuses: &mut [&mut CatalogStatus],
    cert_files: &[(String, Arc<dyn Content>)],
    policy: SigningPolicy,
    targets: &[(String, NtVersion)],
    findings: &mut Vec<Finding>,
) {
    let test = policy == SigningPolicy::Test;
    let files = read_certs(cert_files, test, findings);
    let extra: Vec<Vec<u8>> = files
        .iter()
        .flat_map(|f| f.certs.iter().map(|(d, _, _)| d.clone()))
        .collect();
    let shipped: BTreeSet<&str> = files
        .iter()
        .flat_map(|f| f.certs.iter().map(|(_, _, t)| t.as_str()))
        .collect();
    // Each catalog once, in path order.
    let mut by_path: BTreeMap<String, Result<SignatureFacts, String>> = BTreeMap::new();
    for s in statuses.iter() {
        if let Some(cat) = &s.parsed {
            by_path
                .entry(s.catalog.clone())
                .or_insert_with(|| signature::examine(cat, &extra));
        }
    }
    for (path, facts) in &by_path {
        let judged = judge(
            path,
            facts,
            policy,
            targets,
            &shipped,
            &files,
            !cert_files.is_empty(),
        );
        findings.extend(judged);
    }
    if test {
        unused_certificates(&files, &by_path, findings);
    }
    differing_signers(&by_path, findings);
    for s in statuses.iter_mut() {
        s.signature = by_path.get(&s.catalog).cloned();
    }
}

fn read_certs(
    cert_files: &[(String, Arc<dyn Content>)],
    test: bool,
    findings: &mut Vec<Finding>,
) -> Vec<CertFile> {
    let mut out = Vec::new();
    for (path, content) in cert_files {
        let read = read_to_vec(content.as_ref(), MAX_CERT_FILE)
            .map_err(|e| e.to_string())
            .and_then(|b| crate::input::certs::read(&b));
        match read {
            Ok(ders) => out.push(CertFile {
                path: path.clone(),
                certs: ders
                    .into_iter()
                    .filter_map(|d| {
                        let f = signature::cert_facts(&d)?;
                        Some((d, f.subject, f.thumbprint))
                    })
                    .collect(),
            }),
            Err(e) => {
                let msg = format!("\"{path}\" is not a usable certificate: {e}");
                let f = if test {
                    Finding::error("SIGN011", msg)
                } else {
                    Finding::warning("SIGN011", msg)
                };
                findings.push(f.at(path.clone()).help(
                    "ship the public certificate the drivers were signed with, as DER or PEM (.cer, .crt) or a PKCS#7 bundle (.p7b): setup.cmd installs every file in certs/",
                ));
            }
        }
    }
    out
}

/// `"CN" (thumbprint …)` of a chain's signer.
fn signer_text(f: &SignatureFacts) -> String {
    match f.chain.first() {
        Some(c) => format!(
            "\"{}\" (thumbprint {})",
            c.common_name.as_deref().unwrap_or(&c.subject),
            c.thumbprint
        ),
        None => "an unknown signer".into(),
    }
}

fn severity(code: &'static str, error: bool, message: String) -> Finding {
    if error {
        Finding::error(code, message)
    } else {
        Finding::warning(code, message)
    }
}

/// The findings for one catalog.
fn judge(
    path: &str,
    facts: &Result<SignatureFacts, String>,
    policy: SigningPolicy,
    targets: &[(String, NtVersion)],
    shipped: &BTreeSet<&str>,
    files: &[CertFile],
    any_cert_file: bool,
) -> Vec<Finding> {
    let enforced = policy != SigningPolicy::None;
    let f = match facts {
        Ok(f) => f,
        Err(e) => {
            return vec![severity("SIGN003", enforced, format!("the signature of catalog \"{path}\" cannot be checked: {e}"))
                .at(path)
                .help("package the catalog as it was signed (PKCS#7 signed with SHA-1, SHA-256 or SHA-384)")];
        }
    };
    if let Err(e) = &f.verified {
        return vec![severity("SIGN003", enforced, format!("the signature of catalog \"{path}\" does not hold: {e}"))
            .at(path)
            .help("package the catalog exactly as it was signed, or re-sign the driver package; if the signer's certificate is missing, embed it when signing (signtool does) or ship it in certs/")];
    }
    if !enforced {
        return Vec::new();
    }
    let mut out = Vec::new();
    let who = signer_text(f);
    let reaches_certs = f
        .chain
        .iter()
        .any(|c| shipped.contains(c.thumbprint.as_str()));
    let missing = match &f.end {
        ChainEnd::IssuerMissing(name) => Some(name.as_str()),
        _ => None,
    };
    let mut reported_missing = false;
    match policy {
        // With no certificate in certs/ at all, SIGN001 already says what to add.
        SigningPolicy::Test if !reaches_certs && !f.kind.production() && any_cert_file => {
            let have: Vec<String> = files
                .iter()
                .flat_map(|file| {
                    file.certs
                        .iter()
                        .map(move |(_, s, _)| format!("{} ({s})", file.path))
                })
                .collect();
            let stops = missing
                .map(|m| format!("; its chain stops at \"{m}\", which is not at hand"))
                .unwrap_or_default();
            reported_missing = missing.is_some();
            out.push(
                Finding::error("SIGN004", format!(
                    "catalog \"{path}\" is signed by {who}, which chains to no certificate in certs/ ({}){stops}: setup.cmd would trust certificates that sign nothing here, and Windows refuses the driver",
                    if have.is_empty() { "none of its files is a readable certificate".to_string() } else { have.join(", ") }
                ))
                .at(path)
                .help("ship the certificate that signed this catalog (or its root) in certs/ instead; its thumbprint is in the message"),
            );
        }
        // A chain that stops at an issuer not at hand ends in Microsoft's PKI only if that
        // issuer is Microsoft's (then SIGN007 says it cannot be verified offline).
        SigningPolicy::Production
            if f.kind == SignerKind::Test
                || (f.kind == SignerKind::Unknown
                    && missing.is_some_and(|m| !microsoft_name(m))) =>
        {
            let stops = missing
                .map(|m| format!(", whose chain stops at \"{m}\", not at a Microsoft root"))
                .unwrap_or_else(|| format!(", {}", f.kind.describe()));
            reported_missing = missing.is_some();
            out.push(
                Finding::error("SIGN005", format!(
                    "catalog \"{path}\" is signed by {who}{stops}: under production signing Windows treats its drivers as unsigned (a boot-start storage driver stops the guest at boot)"
                ))
                .at(path)
                .help("use Microsoft-signed (WHQL or attestation) drivers for production media, or build for test-signed drivers (--signing-policy test, signingPolicy in the JS options) with the signer's certificate in certs/")
                .choice("signingPolicy", vec!["test".into()]),
            );
        }
        _ => {}
    }
    if policy == SigningPolicy::Production
        && !reported_missing
        && matches!(f.kind, SignerKind::CrossSigned | SignerKind::Unknown)
    {
        if let Some((name, _)) = targets.iter().find(|(_, v)| {
            *v >= NtVersion {
                major: 10,
                minor: 0,
            }
        }) {
            out.push(
                Finding::warning("SIGN006", format!(
                    "catalog \"{path}\" is signed by {who}, {}, not by Microsoft's hardware publisher: {name} (Windows 10 1607 and later) with Secure Boot loads such kernel drivers only under the cross-signing exceptions",
                    f.kind.describe()
                ))
                .at(path)
                .help("use WHQL or attestation-signed drivers for Windows 10 and later, or expect to turn Secure Boot off in the guest"),
            );
        }
    }
    if let (Some(m), false) = (missing, reported_missing) {
        out.push(
            Finding::warning("SIGN007", format!(
                "the chain of catalog \"{path}\" (signed by {who}) stops at \"{m}\", which is neither in the catalog nor in certs/: it cannot be verified offline"
            ))
            .at(path)
            .help("include the intermediate certificates when signing (signtool /ac), or add them to certs/ under test signing"),
        );
    }
    if !f.digests.iter().any(|d| d == "sha1") {
        if let Some((name, _)) = targets
            .iter()
            .find(|(_, v)| *v <= NtVersion { major: 6, minor: 1 })
        {
            out.push(
                Finding::warning("SIGN008", format!(
                    "catalog \"{path}\" is signed with {} only: {name} verifies it only with the SHA-2 code-signing updates KB4474419 and KB4490628 installed",
                    f.digests.join(", ").to_uppercase()
                ))
                .at(path)
                .help("install KB4474419 and KB4490628 in the guest before the drivers, or use drivers dual-signed with SHA-1 for Windows 7 and Server 2008 R2"),
            );
        }
    }
    out
}

/// Is a distinguished name (as text) one of Microsoft's.
fn microsoft_name(name: &str) -> bool {
    name.split(',')
        .any(|part| part.trim() == "O=Microsoft Corporation")
}

/// SIGN009: a certificate file none of whose certificates is in any catalog's chain.
fn unused_certificates(
    files: &[CertFile],
    by_path: &BTreeMap<String, Result<SignatureFacts, String>>,
    findings: &mut Vec<Finding>,
) {
    let verified: Vec<&SignatureFacts> = by_path
        .values()
        .filter_map(|f| f.as_ref().ok())
        .filter(|f| f.verified.is_ok())
        .collect();
    if verified.is_empty() {
        return;
    }
    let used: BTreeSet<&str> = verified
        .iter()
        .flat_map(|f| f.chain.iter().map(|c| c.thumbprint.as_str()))
        .collect();
    let signers: BTreeSet<String> = verified.iter().map(|f| signer_text(f)).collect();
    let signers = signers.into_iter().collect::<Vec<_>>().join(", ");
    for file in files {
        if file.certs.iter().any(|(_, _, t)| used.contains(t.as_str())) {
            continue;
        }
        let names: Vec<&str> = file.certs.iter().map(|(_, s, _)| s.as_str()).collect();
        findings.push(
            Finding::warning("SIGN009", format!(
                "\"{}\" ({}) signs none of the {} catalogs: setup.cmd would install it into the guest's Root and TrustedPublisher stores for nothing",
                file.path,
                names.join("; "),
                by_path.len()
            ))
            .at(file.path.clone())
            .help(format!(
                "remove it, or ship the certificate the catalogs are signed with: {}",
                signers
            )),
        );
    }
}

/// SIGN010: a note for each catalog whose signer differs from the one most catalogs share.
fn differing_signers(
    by_path: &BTreeMap<String, Result<SignatureFacts, String>>,
    findings: &mut Vec<Finding>,
) {
    let mut groups: BTreeMap<String, Vec<(&str, &SignatureFacts)>> = BTreeMap::new();
    for (path, f) in by_path {
        if let Ok(f) = f {
            if let Some(c) = f.chain.first() {
                groups
                    .entry(c.thumbprint.clone())
                    .or_default()
                    .push((path, f));
            }
        }
    }
    if groups.len() < 2 {
        return;
    }
    // The majority signer: most catalogs, ties broken by thumbprint order.
    let (major, major_list) = groups
        .iter()
        .max_by(|a, b| a.1.len().cmp(&b.1.len()).then(b.0.cmp(a.0)))
        .expect("two groups");
    let major_who = signer_text(major_list[0].1);
    let major_count = major_list.len();
    for (thumb, list) in &groups {
        if thumb == major {
            continue;
        }
        for (path, f) in list {
            findings.push(
                Finding::info("SIGN010", format!(
                    "catalog \"{path}\" is signed by {}, unlike the {major_count} catalog(s) signed by {major_who}",
                    signer_text(f)
                ))
                .at(*path)
                .help("check that this driver comes from the same release and signing as the others: Windows may trust one signer and not the other"),
            );
        }
    }
}
