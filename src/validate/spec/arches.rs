//! The architectures a spec speaks of: the media's (top-level `arches`, x86 and amd64 when
//! absent, so every spec written before ARM64 means what it meant) and each driver's, which
//! must be among them to mean anything.

use super::{RawDriver, RawSpec};
use crate::diag::Finding;
use crate::validate::layout::Arch;

use super::compile::DriverRule;

/// The spec's top-level `arches`: known names, each once, sorted; the default when absent.
pub fn media_arches(raw: &RawSpec, spec_name: &str, findings: &mut Vec<Finding>) -> Vec<Arch> {
    let Some(listed) = &raw.arches else {
        return Arch::DEFAULT.to_vec();
    };
    if listed.is_empty() {
        findings.push(
            Finding::error("SPEC006", "arches is empty: the media would carry no drivers")
                .at(spec_name)
                .help("list the architectures the media is for, e.g. [\"x86\", \"amd64\", \"arm64\"], or remove the field for x86 and amd64"),
        );
    }
    parse(listed, "arches", spec_name, findings)
}

/// A driver's `arches` (empty: every architecture the media carries).
pub fn driver_arches(raw: &RawDriver, spec_name: &str, findings: &mut Vec<Finding>) -> Vec<Arch> {
    parse(
        &raw.arches,
        &format!("driver \"{}\": arches", raw.name),
        spec_name,
        findings,
    )
}

/// A driver expected only on architectures the media does not carry is never checked: say so.
pub fn check_driver_arches(
    drivers: &[DriverRule],
    media: &[Arch],
    spec_name: &str,
    findings: &mut Vec<Finding>,
) {
    for d in drivers {
        let foreign: Vec<&str> = d
            .arches
            .iter()
            .filter(|a| !media.contains(a))
            .map(|a| a.as_str())
            .collect();
        if !foreign.is_empty() {
            findings.push(
                Finding::warning("SPEC007", format!("driver \"{}\": arches lists {}, which the media does not carry (the spec's arches are {})", d.name, foreign.join(", "), names(media)))
                    .at(spec_name)
                    .help(format!("add {} to the spec's top-level \"arches\", or remove it from the driver's", foreign.join(" and "))),
            );
        }
    }
}

fn parse(list: &[String], field: &str, spec_name: &str, findings: &mut Vec<Finding>) -> Vec<Arch> {
    let mut arches = Vec::new();
    for a in list {
        match Arch::from_folder(a.trim()) {
            Some(arch) if !arches.contains(&arch) => arches.push(arch),
            Some(_) => {}
            None => findings.push(
                Finding::error(
                    "SPEC005",
                    format!("{field} lists \"{a}\", which is no architecture guestpack knows"),
                )
                .at(spec_name)
                .help(format!(
                    "use {} (or an input folder alias: {})",
                    names(&Arch::ALL),
                    Arch::ALIASES
                )),
            ),
        }
    }
    arches.sort();
    arches
}

pub(super) fn names(arches: &[Arch]) -> String {
    arches
        .iter()
        .map(|a| a.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use crate::validate::layout::Arch;
    use crate::validate::spec::compile;

    fn codes(json: &str) -> (Vec<Arch>, Vec<&'static str>) {
        let (s, f) = compile(&serde_json::from_str(json).unwrap(), "s.json");
        (s.arches, f.into_iter().map(|f| f.code).collect())
    }

    #[test]
    fn absent_means_x86_and_amd64() {
        assert_eq!(codes(r#"{"drivers":[]}"#), (Arch::DEFAULT.to_vec(), vec![]));
    }

    #[test]
    fn aliases_in_any_case_each_once_sorted() {
        let (a, f) = codes(r#"{"arches":["AArch64","x64","ARM64","i386"]}"#);
        assert_eq!(a, vec![Arch::X86, Arch::Amd64, Arch::Arm64]);
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn unknown_empty_and_uncarried_are_findings() {
        assert_eq!(codes(r#"{"arches":["arm"]}"#).1, vec!["SPEC005"]);
        assert_eq!(codes(r#"{"arches":[]}"#).1, vec!["SPEC006"]);
        assert_eq!(
            codes(r#"{"drivers":[{"name":"viofs","arches":["arm64"]}]}"#).1,
            vec!["SPEC007"]
        );
        assert_eq!(
            codes(r#"{"arches":["amd64"],"drivers":[{"name":"a","arches":["ia64"]}]}"#).1,
            vec!["SPEC005"]
        );
    }

    #[test]
    fn a_driver_matches_its_name_and_aliases_and_an_alias_cannot_name_two_drivers() {
        let (s, f) = compile(
            &serde_json::from_str(r#"{"drivers":[{"name":"vioser","aliases":["vioserial"]}]}"#)
                .unwrap(),
            "s.json",
        );
        assert!(f.is_empty(), "{f:?}");
        assert_eq!(
            s.driver("VIOSERIAL").map(|d| d.name.as_str()),
            Some("vioser")
        );
        assert_eq!(s.driver("vioser").map(|d| d.name.as_str()), Some("vioser"));
        let (_, f) = codes(
            r#"{"drivers":[{"name":"vioser","aliases":["vioserial"]},{"name":"VioSerial"}]}"#,
        );
        assert_eq!(f, vec!["SPEC002"]);
    }
}
