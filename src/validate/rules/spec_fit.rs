//! Which shipped spec fits the driver input best. A user who leaves the default spec on a
//! bundle with many more drivers gets media holding a few of them, accepted; this check names
//! the shipped spec that would take them all (an info finding with the `spec` choice, which
//! the page follows by itself and the command line prints).
//!
//! The fit is decided from driver folder names and the specs' presence rules only (no INF is
//! read again): required drivers missing, folders the spec would leave out (errors when the
//! spec fails on unlisted folders), folders it takes.

use crate::diag::Finding;
use crate::validate::layout::{Arch, DriverSource};
use crate::validate::spec::shipped as embedded;
use crate::validate::spec::{self, RawSpec};
use std::collections::BTreeSet;

/// How well one spec fits the folders found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fit {
    pub spec: String,
    /// (driver, arch) pairs the spec requires that the input lacks, plus folders it leaves
    /// out when it fails on unlisted folders: the errors it would give.
    pub errors: usize,
    /// Driver folders (one per architecture) the spec takes.
    pub taken: usize,
    /// Driver folders found.
    pub found: usize,
}

impl Fit {
    fn better_than(&self, other: &Fit) -> bool {
        (self.errors, std::cmp::Reverse(self.taken))
            < (other.errors, std::cmp::Reverse(other.taken))
    }
}

/// The fit of `raw` to the driver folders found: (arch, lower-cased input folder name).
/// A folder counts for a spec when the spec lists its name or an alias and carries its
/// architecture. `windows`: the architectures the target Windows runs on, when known;
/// required drivers are expected only there, as validation expects them.
pub fn fit(
    name: &str,
    raw: &RawSpec,
    found: &BTreeSet<(Arch, String)>,
    windows: Option<&[Arch]>,
) -> Fit {
    let carried: Vec<Arch> = match &raw.arches {
        Some(list) => list
            .iter()
            .filter_map(|a| Arch::from_folder(a.trim()))
            .collect(),
        None => Arch::DEFAULT.to_vec(),
    };
    // Every driver as (its names, lower-cased; required; the arches it is expected on).
    let drivers: Vec<(Vec<String>, bool, Vec<String>)> = raw
        .drivers
        .iter()
        .map(|d| {
            let names = std::iter::once(&d.name).chain(&d.aliases);
            (
                names.map(|n| n.to_lowercase()).collect(),
                d.required,
                d.arches.clone(),
            )
        })
        .chain(
            raw.required_drivers
                .iter()
                .map(|r| (vec![r.entry().name.to_lowercase()], true, Vec::new())),
        )
        .collect();
    let listed = |n: &str| {
        drivers
            .iter()
            .any(|(names, _, _)| names.iter().any(|x| x == n))
    };
    let mut errors = 0;
    for (names, required, on) in &drivers {
        let on_windows = |a: &Arch| windows.is_none_or(|w| w.contains(a));
        for arch in carried.iter().filter(|a| *required && on_windows(a)) {
            let expected = on.is_empty() || on.iter().any(|a| Arch::from_folder(a) == Some(*arch));
            if expected && !names.iter().any(|n| found.contains(&(*arch, n.clone()))) {
                errors += 1;
            }
        }
    }
    let taken = found
        .iter()
        .filter(|(a, d)| carried.contains(a) && listed(d))
        .count();
    if raw.fail_on_unlisted_driver_dirs {
        errors += found
            .iter()
            .filter(|(a, d)| carried.contains(a) && !listed(d))
            .count();
    }
    Fit {
        spec: name.to_string(),
        errors,
        taken,
        found: found.len(),
    }
}

/// An info finding naming the shipped spec that fits the input better than the one used, if
/// any (`used` is the spec file name, `raw` its content; `folders` the input's driver
/// folders as the layout found them; `windows` the target Windows' architectures, if known).
pub fn suggest(
    used: &str,
    raw: &RawSpec,
    folders: &[DriverSource],
    windows: Option<&[Arch]>,
) -> Option<Finding> {
    let found: BTreeSet<(Arch, String)> = folders
        .iter()
        .map(|d| (d.arch, d.driver.to_lowercase()))
        .collect();
    if found.is_empty() {
        return None;
    }
    let current = fit(used, raw, &found, windows);
    if current.errors == 0 && current.taken == current.found {
        return None;
    }
    let mut best: Option<(Fit, Option<String>)> = None;
    for name in embedded::spec_names() {
        if name == used {
            continue;
        }
        let Some(other) = embedded::spec_file(name).and_then(|b| spec::parse(name, b).ok()) else {
            continue;
        };
        let f = fit(name, &other, &found, windows);
        if best.as_ref().is_none_or(|(b, _)| f.better_than(b)) {
            best = Some((f, other.title));
        }
    }
    let (best, title) = best?;
    if !best.better_than(&current) {
        return None;
    }
    let titled = title.map(|t| format!(" ({t})")).unwrap_or_default();
    let takes = if best.taken == best.found {
        format!("takes all {} driver folders found", best.found)
    } else {
        format!(
            "takes {} of the {} driver folders found",
            best.taken, best.found
        )
    };
    let now = if current.errors > 0 {
        format!(
            "{used} takes {} and would give {} error(s) about them",
            current.taken, current.errors
        )
    } else {
        format!(
            "{used} takes {} and leaves {} out",
            current.taken,
            current.found - current.taken
        )
    };
    Some(
        Finding::info("SPEC010", format!("the shipped spec {}{titled} {takes}; {now}", best.spec))
            .at(used)
            .help(format!(
                "use it (--spec {} on the command line, spec in the JS options), or make a spec from this input with `guestpack spec`",
                best.spec
            ))
            .choice("spec", vec![best.spec.clone()]),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_drivers_are_expected_only_where_the_target_windows_runs() {
        let raw = spec::parse(
            "s.json",
            br#"{"arches":["x86","amd64","arm64"],"drivers":[{"name":"viostor"},{"name":"viorng","required":false}]}"#,
        )
        .unwrap();
        let found: BTreeSet<(Arch, String)> = [Arch::Amd64, Arch::Arm64]
            .into_iter()
            .map(|a| (a, "viostor".to_string()))
            .collect();
        // Any Windows: the x86 viostor is missing.
        assert_eq!(fit("s.json", &raw, &found, None).errors, 1);
        // Windows 11 has no x86: nothing is missing, and both folders are taken.
        let w11 = fit("s.json", &raw, &found, Some(&[Arch::Amd64, Arch::Arm64]));
        assert_eq!((w11.errors, w11.taken, w11.found), (0, 2, 2));
    }
}
