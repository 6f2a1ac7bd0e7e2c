//! The one report shape: what `guestpack --report` writes, what the JS API's `validate` and
//! `build` return and what the page's findings download saves, byte for byte the same JSON
//! for the same input. Its JSON Schema is `specs/report.schema.json`.
//!
//! Every key is always present (absent values are `null`, empty lists `[]`), so consumers
//! never test for a key. Keys are camelCase, as JavaScript expects.

use super::coverage::Coverage;
use super::layout::{DriverSource, LayoutSummary};
use super::rules::tools::ToolStatus;
use super::{PackageState, PackageStatus, Staged};
use crate::diag::{Finding, Report};
use serde::Serialize;

/// `{ accepted, errors, warnings, findings, packages, coverage, layout, tools }`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidationReport<'a> {
    /// No error: the media may be built.
    pub accepted: bool,
    pub errors: usize,
    pub warnings: usize,
    pub findings: &'a [Finding],
    pub packages: Vec<PackageRow<'a>>,
    /// Each spec driver against each OS folder and architecture of the medium.
    pub coverage: Coverage,
    pub layout: LayoutRow<'a>,
    /// The spec's tools, then the tool folders it does not list.
    pub tools: Vec<ToolRow<'a>>,
}

/// One row of the tools table: `{ name, required, state, source, files, installers: [{arch,
/// path, kind, present, ok, productCode, productName, productVersion}] }`; `state` as for
/// drivers, `source` the input folder the files came from, `files` its input paths.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolRow<'a> {
    pub name: &'a str,
    pub required: bool,
    pub state: &'static str,
    pub source: Option<&'a str>,
    pub files: &'a [String],
    pub installers: Vec<InstallerRow<'a>>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InstallerRow<'a> {
    /// `x86`, `amd64`, `arm64` or `all`.
    pub arch: &'static str,
    pub path: &'a str,
    /// `msi`, `exe` or `cmd`.
    pub kind: &'static str,
    pub present: bool,
    pub ok: bool,
    pub product_code: Option<&'a str>,
    pub product_name: Option<&'a str>,
    pub product_version: Option<&'a str>,
}

fn tool_row(t: &ToolStatus) -> ToolRow<'_> {
    ToolRow {
        name: &t.name,
        required: t.required,
        state: state_name(t.state),
        source: t.source.as_deref(),
        files: &t.files,
        installers: t
            .installers
            .iter()
            .map(|i| InstallerRow {
                arch: i.arch.as_str(),
                path: &i.path,
                kind: i.kind.as_str(),
                present: i.present,
                ok: i.ok,
                product_code: i.msi.as_ref().map(|m| m.product_code.as_str()),
                product_name: i.msi.as_ref().and_then(|m| m.product_name.as_deref()),
                product_version: i.msi.as_ref().and_then(|m| m.product_version.as_deref()),
            })
            .collect(),
    }
}

fn state_name(s: PackageState) -> &'static str {
    match s {
        PackageState::Present => "present",
        PackageState::Missing => "missing",
        PackageState::Unlisted => "unlisted",
    }
}

/// One row of the per-driver table.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PackageRow<'a> {
    /// The OS folder, on media for several Windows versions; `null` otherwise.
    pub os: Option<&'a str>,
    pub arch: &'static str,
    pub driver: &'a str,
    pub required: bool,
    /// `present`, `missing` or `unlisted`.
    pub state: &'static str,
    pub files: usize,
    pub hwids_matched: &'a [String],
    pub inf_refs_ok: bool,
    /// One per INF: the catalog it names and what was found in it.
    pub catalogs: Vec<CatalogRow<'a>>,
}

/// `{ inf, catalog, readable, algorithms, windows, os, checked, matched, repaired, signer }`: the
/// catalog an INF names, its digest algorithms, the NT versions every member covers, its `OS`
/// value, how many of the package's files were looked up and found, and the INFs packaged in
/// their CRLF form, and who signed it.
#[derive(Clone, Debug, Serialize)]
pub struct CatalogRow<'a> {
    pub inf: &'a str,
    pub catalog: &'a str,
    pub readable: bool,
    pub algorithms: &'a [&'static str],
    pub windows: &'a [String],
    pub os: Option<&'a str>,
    pub checked: usize,
    pub matched: usize,
    pub repaired: &'a [String],
    /// Who signed the catalog; `null` when it is unreadable.
    pub signer: Option<SignerRow<'a>>,
}

/// `{ commonName, organization, subject, thumbprint, kind, verified, problem, digests,
/// chain, chainEnd, chainEndName, signingTime, timestamp }`: a catalog's signer as found.
/// `kind` is `microsoft-whql`, `microsoft-attestation`, `microsoft`, `cross-signed`, `test` or
/// `unknown`; `chainEnd` is `microsoft-root`, `cross-signed`, `root`, `issuer-missing` or
/// `broken` (`chainEndName` names the root, the missing issuer or what broke).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SignerRow<'a> {
    pub common_name: Option<&'a str>,
    pub organization: Option<&'a str>,
    pub subject: Option<&'a str>,
    pub thumbprint: Option<&'a str>,
    pub kind: &'static str,
    pub verified: bool,
    pub problem: Option<&'a str>,
    pub digests: &'a [String],
    pub chain: Vec<ChainRow<'a>>,
    pub chain_end: Option<&'static str>,
    pub chain_end_name: Option<&'a str>,
    pub signing_time: Option<&'a str>,
    pub timestamp: Option<TimestampRow<'a>>,
}

/// One certificate of a signer's chain, signer first.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChainRow<'a> {
    pub subject: &'a str,
    pub thumbprint: &'a str,
    pub self_signed: bool,
}

/// `{ signer, time }` of a timestamp countersignature.
#[derive(Clone, Debug, Serialize)]
pub struct TimestampRow<'a> {
    pub signer: Option<&'a str>,
    pub time: Option<&'a str>,
}

fn signer_row(
    s: &Result<crate::validate::rules::signature::SignatureFacts, String>,
) -> SignerRow<'_> {
    use crate::validate::rules::signature::{self, ChainEnd};
    let f = match s {
        Ok(f) => f,
        Err(e) => {
            return SignerRow {
                common_name: None,
                organization: None,
                subject: None,
                thumbprint: None,
                kind: "unknown",
                verified: false,
                problem: Some(e),
                digests: &[],
                chain: Vec::new(),
                chain_end: None,
                chain_end_name: None,
                signing_time: None,
                timestamp: None,
            }
        }
    };
    let first = f.chain.first();
    let (end, end_name) = match &f.end {
        ChainEnd::Microsoft(n) => ("microsoft-root", Some(n.as_str())),
        ChainEnd::CrossSigned => ("cross-signed", Some(signature::CODE_VERIFICATION_ROOT.0)),
        ChainEnd::Root => ("root", f.chain.last().map(|c| c.subject.as_str())),
        ChainEnd::IssuerMissing(n) => ("issuer-missing", Some(n.as_str())),
        ChainEnd::Broken(e) => ("broken", Some(e.as_str())),
    };
    SignerRow {
        common_name: first.and_then(|c| c.common_name.as_deref()),
        organization: first.and_then(|c| c.organization.as_deref()),
        subject: first.map(|c| c.subject.as_str()),
        thumbprint: first.map(|c| c.thumbprint.as_str()),
        kind: f.kind.as_str(),
        verified: f.verified.is_ok(),
        problem: f.verified.as_ref().err().map(String::as_str),
        digests: &f.digests,
        chain: f
            .chain
            .iter()
            .map(|c| ChainRow {
                subject: &c.subject,
                thumbprint: &c.thumbprint,
                self_signed: c.self_signed,
            })
            .collect(),
        chain_end: Some(end),
        chain_end_name: end_name,
        signing_time: f.signing_time.as_deref(),
        timestamp: f.timestamp.as_ref().map(|t| TimestampRow {
            signer: t.signer.as_deref(),
            time: t.time.as_deref(),
        }),
    }
}

/// How the driver input was read: `{ kind, root, os, oses, osFolders: [{name, from,
/// ntVersion}], drivers: [{os, arch, driver, source, files}] }` (`osFolders` and each driver's
/// `os` on media for several Windows versions).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LayoutRow<'a> {
    pub kind: &'static str,
    pub root: &'a str,
    pub os: Option<&'a str>,
    pub oses: &'a [String],
    pub os_folders: Vec<OsFolderRow<'a>>,
    pub drivers: Vec<DriverRow<'a>>,
}

/// An OS folder of media for several Windows versions: `{ name, from, ntVersion }`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OsFolderRow<'a> {
    pub name: &'a str,
    pub from: &'a str,
    pub nt_version: &'a str,
}

#[derive(Clone, Debug, Serialize)]
pub struct DriverRow<'a> {
    pub os: Option<&'a str>,
    pub arch: &'static str,
    pub driver: &'a str,
    pub source: &'a str,
    pub files: &'a [String],
}

impl<'a> ValidationReport<'a> {
    pub fn new(report: &'a Report, staged: &'a Staged) -> Self {
        Self::from_parts(report, &staged.packages, &staged.layout, &staged.tools)
    }

    pub fn from_parts(
        report: &'a Report,
        packages: &'a [PackageStatus],
        layout: &'a LayoutSummary,
        tools: &'a [ToolStatus],
    ) -> Self {
        ValidationReport {
            accepted: !report.has_errors(),
            errors: report.errors(),
            warnings: report.warnings(),
            findings: &report.findings,
            packages: packages.iter().map(package_row).collect(),
            coverage: Coverage::of(packages),
            layout: LayoutRow {
                kind: layout.kind.as_str(),
                root: &layout.root,
                os: layout.os.as_deref(),
                oses: &layout.oses,
                os_folders: layout
                    .os_folders
                    .iter()
                    .map(|f| OsFolderRow {
                        name: &f.name,
                        from: &f.from,
                        nt_version: &f.nt_version,
                    })
                    .collect(),
                drivers: layout.drivers.iter().map(driver_row).collect(),
            },
            tools: tools.iter().map(tool_row).collect(),
        }
    }

    /// The report as pretty-printed JSON with a final newline: the bytes every front end saves.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("a report always serializes");
        s.push('\n');
        s
    }
}

fn package_row(p: &PackageStatus) -> PackageRow<'_> {
    PackageRow {
        os: p.os.as_deref(),
        arch: p.arch.as_str(),
        driver: &p.driver,
        required: p.required,
        state: state_name(p.state),
        files: p.files,
        hwids_matched: &p.hwids_matched,
        inf_refs_ok: p.inf_refs_ok,
        catalogs: p
            .catalogs
            .iter()
            .map(|c| CatalogRow {
                inf: &c.inf,
                catalog: &c.catalog,
                readable: c.readable,
                algorithms: &c.algorithms,
                windows: &c.windows,
                os: c.os.as_deref(),
                checked: c.checked,
                matched: c.matched,
                repaired: &c.repaired,
                signer: c.signature.as_ref().map(signer_row),
            })
            .collect(),
    }
}

fn driver_row(d: &DriverSource) -> DriverRow<'_> {
    DriverRow {
        os: d.os.as_deref(),
        arch: d.arch.as_str(),
        driver: &d.driver,
        source: &d.source,
        files: &d.files,
    }
}
