//! Media for several Windows versions at once (`--os w7,w10,2k22`, JS `os: "w7,w10,2k22"`).
//!
//! Each OS is validated as media of its own — its OS folder of the input, the required drivers
//! on the architectures that Windows has, its INFs and catalogs against that Windows — by the
//! one-OS validation, and the results are merged: the guest tools once, each OS's drivers under
//! `drivers/<os>/<arch>/<driver>/` (`<os>` in the Windows table's spelling), findings that not
//! every OS shares prefixed with their OS, and the path rules checked again on the final paths.
//! Media for one OS never come here, so their layout (`drivers/<arch>/`) and bytes stay as
//! they were. A file that several OS folders hold is one extent on the ISO, as any duplicate.

use super::layout::{windows, Arch, LayoutOptions, OsFolder};
use super::{rules, validate_one, Staged, ValidateInput, ValidateOptions};
use crate::diag::{Finding, Report};
use crate::Result;

/// Validates each OS in `each` (at least two) and merges the results.
pub(super) fn validate(
    input: &ValidateInput,
    opts: &ValidateOptions,
    each: &[LayoutOptions],
) -> Result<(Report, Staged)> {
    let mut head: Vec<Finding> = Vec::new();
    if opts.target_os.is_some() {
        head.push(
            Finding::warning("TGT003", "the target Windows versions given are not used: media for several Windows versions check each OS folder against its own Windows")
                .help("leave out --target-os (targetOs), or build media for one Windows to check it against others"),
        );
    }
    let mut runs: Vec<(OsFolder, Report, Staged)> = Vec::new();
    for one in each {
        let name = one.os.clone().unwrap_or_default();
        let Some(nt) = windows::nt_version(&name) else {
            head.push(
                Finding::error("LAY015", format!("\"{name}\" in --os is not a Windows version guestpack knows, so it cannot be an OS folder of media for several"))
                    .help(format!("use names from: {}", windows::names().join(", ")))
                    .choice("os", windows::names().iter().map(|n| n.to_string()).collect()),
            );
            continue;
        };
        let opts_one = ValidateOptions {
            layout: one.clone(),
            target_os: Some(vec![name.clone()]),
            ..opts.clone()
        };
        let (report, staged) = validate_one(input, &opts_one)?;
        if staged.layout.os.is_none() && runs.is_empty() {
            head.push(
                Finding::error("LAY016", format!("several Windows versions were chosen ({}), but the driver input has no OS folders to take them from", names(each)))
                    .help("choose one OS (or none) for an input laid out by architecture only, or use an input with OS folders (virtio-win's <driver>/<os>/<arch>/, or Win7/, Win10/ … around the architecture folders)"),
            );
        }
        let folder = OsFolder {
            name: windows::canonical(&name),
            from: staged.layout.os.clone().unwrap_or(name),
            nt_version: nt.to_string(),
        };
        runs.push((folder, report, staged));
    }
    Ok(merge(head, runs))
}

fn names(each: &[LayoutOptions]) -> String {
    each.iter()
        .filter_map(|o| o.os.as_deref())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `drivers/<arch>/rest` → `drivers/<os>/<arch>/rest`; other paths (the guest tools,
/// `drivers/README.md`, input files) are left as they are.
fn under_os(os: &str, path: &str) -> Option<String> {
    let rest = path.strip_prefix("drivers/")?;
    let arch = rest.split('/').next()?;
    let is_arch = Arch::ALL.iter().any(|a| a.as_str() == arch) && rest.len() > arch.len();
    is_arch.then(|| format!("drivers/{os}/{rest}"))
}

fn moved(os: &str, path: &str) -> String {
    under_os(os, path).unwrap_or_else(|| path.to_string())
}

/// Media paths quoted in a message or help text, moved as [`under_os`] moves paths.
fn moved_in_text(os: &str, text: &str) -> String {
    Arch::ALL.iter().fold(text.to_string(), |t, a| {
        t.replace(&format!("drivers/{a}/"), &format!("drivers/{os}/{a}/"))
    })
}

fn merge(head: Vec<Finding>, mut runs: Vec<(OsFolder, Report, Staged)>) -> (Report, Staged) {
    // Each run's findings on the final paths; the path rules are judged on the merged set.
    let per_run: Vec<Vec<Finding>> = runs
        .iter_mut()
        .map(|(folder, report, _)| {
            std::mem::take(&mut report.findings)
                .into_iter()
                .filter(|f| !f.code.starts_with("NAME"))
                .map(|mut f| {
                    f.path = f.path.map(|p| moved(&folder.name, &p));
                    f.message = moved_in_text(&folder.name, &f.message);
                    f.help = f.help.map(|h| moved_in_text(&folder.name, &h));
                    f
                })
                .collect()
        })
        .collect();
    let mut findings = head;
    for (i, list) in per_run.iter().enumerate() {
        for f in list {
            let shared = per_run.iter().all(|other| other.contains(f));
            if shared {
                if i == 0 {
                    findings.push(f.clone());
                }
            } else {
                let mut f = f.clone();
                f.message = format!("{}: {}", runs[i].0.name, f.message);
                findings.push(f);
            }
        }
    }

    let mut files = Vec::new();
    let mut packages = Vec::new();
    let mut drivers = Vec::new();
    let mut folders = Vec::new();
    let mut first: Option<Staged> = None;
    for (i, (folder, _, staged)) in runs.into_iter().enumerate() {
        let os = folder.name.clone();
        for (path, content) in &staged.files {
            match under_os(&os, path) {
                Some(p) => files.push((p, content.clone())),
                None if i == 0 => files.push((path.clone(), content.clone())),
                None => {}
            }
        }
        for mut p in staged.packages.iter().cloned() {
            p.os = Some(os.clone());
            for c in &mut p.catalogs {
                c.move_paths(&|path| moved(&os, path));
            }
            packages.push(p);
        }
        for mut d in staged.layout.drivers.iter().cloned() {
            d.os = Some(os.clone());
            drivers.push(d);
        }
        folders.push(folder);
        if first.is_none() {
            first = Some(staged);
        }
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    findings.extend(rules::names::check(files.iter().map(|(p, _)| p.as_str())));
    let mut report = Report { findings };
    report.normalize();
    let Some(first) = first else {
        // No OS could be validated: the findings say why; nothing is staged.
        return (report, Staged::empty());
    };
    let mut layout = first.layout;
    layout.os = None;
    layout.os_folders = folders;
    layout.drivers = drivers;
    let staged = Staged {
        files,
        spec: first.spec,
        contract: first.contract,
        packages,
        layout,
        tools: first.tools,
    };
    (report, staged)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_driver_folders_move_under_the_os() {
        assert_eq!(
            under_os("w10", "drivers/amd64/viostor/viostor.inf").as_deref(),
            Some("drivers/w10/amd64/viostor/viostor.inf")
        );
        assert_eq!(under_os("w10", "drivers/README.md"), None);
        assert_eq!(under_os("w10", "drivers/amd64"), None);
        assert_eq!(under_os("w10", "setup.cmd"), None);
        assert_eq!(under_os("w10", "viostor/w10/amd64/viostor.inf"), None);
        assert_eq!(
            moved_in_text(
                "w11",
                "\"drivers/arm64/a/a.inf\" is not in \"drivers/arm64/a/a.cat\"; add arm64/a/"
            ),
            "\"drivers/w11/arm64/a/a.inf\" is not in \"drivers/w11/arm64/a/a.cat\"; add arm64/a/"
        );
    }

    #[test]
    fn each_os_is_listed_once_in_the_order_given() {
        let o = LayoutOptions {
            os: Some(" w7, Win10 ,w10,,2k22".into()),
        };
        let each: Vec<Option<String>> = o.each_os().into_iter().map(|o| o.os).collect();
        assert_eq!(
            each,
            vec![Some("w7".into()), Some("Win10".into()), Some("2k22".into())]
        );
        let one = LayoutOptions {
            os: Some("w10,W10".into()),
        };
        assert_eq!(
            one.each_os()[..],
            [LayoutOptions {
                os: Some("w10".into())
            }]
        );
        let none = LayoutOptions { os: None };
        assert_eq!(none.each_os()[..], *std::slice::from_ref(&none));
    }
}
