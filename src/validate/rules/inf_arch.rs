//! An INF installs on a platform only through a models section decorated for it: one whose
//! `[Manufacturer]` models are for x86 alone (`NTx86`, bare `NT`, or undecorated) installs
//! nothing on x64 Windows, and Windows refuses it there hours after the media was made. And a
//! decoration may name the lowest Windows it is for (`NTamd64.10.0...14393`): media for an
//! older Windows get nothing from it.
//!
//! INF010: no models section for the folder's architecture. INF011: every models section for
//! it needs a newer Windows than a target of the media. An INF without `[Manufacturer]`
//! entries (a non-PnP INF) has no models to judge.

use crate::diag::Finding;
use crate::validate::inf::models::Decoration;
use crate::validate::inf::Inf;
use crate::validate::layout::windows::NtVersion;
use crate::validate::layout::Arch;

/// Checks one packaged INF (`media` its path on the media) for the folder's `arch` and the
/// media's `targets`.
pub fn check(
    inf: &Inf,
    media: &str,
    arch: Arch,
    targets: &[(String, NtVersion)],
    findings: &mut Vec<Finding>,
) {
    let entries = inf.manufacturers();
    let Some(first) = entries.first() else {
        return;
    };
    let want = arch.as_str();
    let ours: Vec<(&Decoration, u32)> = entries
        .iter()
        .flat_map(|m| m.decorations.iter().map(move |d| (d, m.line)))
        .filter(|(d, _)| d.valid && d.platform == want)
        .collect();
    let name = media.rsplit('/').next().unwrap_or(media);
    if ours.is_empty() {
        let found: Vec<String> = entries
            .iter()
            .flat_map(|m| m.decorations.iter().map(move |d| (d, m)))
            .map(|(d, m)| {
                let shown = if d.text.is_empty() {
                    format!("[{}] undecorated", m.models)
                } else {
                    d.text.clone()
                };
                format!(
                    "{shown} (line {}, {})",
                    m.line,
                    if d.valid {
                        d.platform.as_str()
                    } else {
                        "no platform"
                    }
                )
            })
            .collect();
        findings.push(
            Finding::error(
                "INF010",
                format!(
                    "\"{name}\" installs nothing on {want} Windows: its [Manufacturer] models are for {} only ({})",
                    platforms(&entries),
                    found.join("; ")
                ),
            )
            .at(media)
            .line(first.line)
            .help(format!(
                "package the {want} build of this driver under {want}/ (its INF decorates the models section NT{want}); undecorated and .NT models sections are x86 only since Windows Server 2003 SP1"
            )),
        );
        return;
    }
    for (target, have) in targets {
        let fits = ours.iter().any(|(d, _)| match d.min_version {
            None => true,
            Some((major, minor)) => (have.major, have.minor) >= (major, minor),
        });
        if fits {
            continue;
        }
        let (lowest, line) = ours
            .iter()
            .filter_map(|(d, l)| d.min_version.map(|v| (v, d, *l)))
            .min_by_key(|(v, _, _)| *v)
            .map(|((major, minor), d, l)| {
                let build = d
                    .min_build
                    .map(|b| format!(" build {b}"))
                    .unwrap_or_default();
                (format!("NT {major}.{minor}{build} ({})", d.text), l)
            })
            .unwrap_or_default();
        findings.push(
            Finding::error(
                "INF011",
                format!("\"{name}\" needs Windows {lowest} or later on {want}; the media is for {target} (NT {have})"),
            )
            .at(media)
            .line(line)
            .help(format!(
                "package a build of this driver made for {target}, or build the media for a newer Windows (--target-os, or the OS folder chosen)"
            )),
        );
    }
}

/// The platforms an INF's models sections are for, as a list for a message.
fn platforms(entries: &[crate::validate::inf::models::Manufacturer]) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for d in entries
        .iter()
        .flat_map(|m| m.decorations.iter())
        .filter(|d| d.valid)
    {
        if !seen.contains(&d.platform.as_str()) {
            seen.push(&d.platform);
        }
    }
    if seen.is_empty() {
        "no platform".into()
    } else {
        seen.join(" and ")
    }
}
