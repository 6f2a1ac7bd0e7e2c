//! Turns a [`super::RawSpec`] into the checked form the validation uses.
//!
//! Regexes are compiled case-insensitively with a size limit, the legacy `required_drivers`
//! list is merged into `drivers`, names are checked. Problems are findings against the spec
//! file, never panics. Nothing here looks at driver files.

use super::{RawDriver, RawSpec};
use crate::diag::Finding;
use regex::{Regex, RegexBuilder};

/// Upper bound for one compiled spec regex: a spec is input too, and must not blow up memory.
pub const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// The compiled spec.
#[derive(Clone, Debug, Default)]
pub struct Spec {
    /// In spec order; legacy-only names appended in their order.
    pub drivers: Vec<DriverRule>,
    pub require_optional_drivers_on_all_arches: bool,
    pub fail_on_unlisted_driver_dirs: bool,
}

impl Spec {
    /// The rule for a driver folder name (case-insensitive).
    pub fn driver(&self, folder: &str) -> Option<&DriverRule> {
        let key = folder.to_lowercase();
        self.drivers.iter().find(|d| d.name.to_lowercase() == key)
    }
}

/// One driver's expectations, ready to check.
#[derive(Clone, Debug)]
pub struct DriverRule {
    /// Spelling from the spec; also the folder name on the media.
    pub name: String,
    pub required: bool,
    /// (pattern as written, compiled case-insensitive regex).
    pub expected_hardware_ids: Vec<(String, Regex)>,
    pub hardware_ids_var: Option<String>,
    pub expected_inf_files: Vec<String>,
    pub expected_add_services: Vec<String>,
    pub add_services_var: Option<String>,
    /// Lower-case, without a leading dot.
    pub allow_extensions: Vec<String>,
    pub allow_path_regexes: Vec<Regex>,
}

/// Builds a case-insensitive regex with the spec size limit.
pub fn build_regex(pattern: &str) -> Result<Regex, String> {
    RegexBuilder::new(pattern)
        .case_insensitive(true)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| {
            e.to_string()
                .lines()
                .last()
                .unwrap_or("invalid regex")
                .trim()
                .to_string()
        })
}

fn rule(raw: &RawDriver, spec_name: &str, findings: &mut Vec<Finding>) -> DriverRule {
    let mut regexes = |field: &str, pats: &[String]| -> Vec<(String, Regex)> {
        let mut out = Vec::new();
        for p in pats {
            match build_regex(p) {
                Ok(r) => out.push((p.clone(), r)),
                Err(e) => findings.push(
                    Finding::error("SPEC001", format!("driver \"{}\": {field} pattern \"{p}\" is not a usable regex: {e}", raw.name))
                        .at(spec_name)
                        .help("fix the pattern (regex syntax, case-insensitive; escape '\\' as \"\\\\\\\\\" in JSON) or simplify it"),
                ),
            }
        }
        out
    };
    let expected_hardware_ids = regexes("expected_hardware_ids", &raw.expected_hardware_ids);
    let allow_path_regexes = regexes("allow_path_regexes", &raw.allow_path_regexes)
        .into_iter()
        .map(|(_, r)| r)
        .collect();
    let var = |v: &Option<String>, field: &str, findings: &mut Vec<Finding>| -> Option<String> {
        let v = v.as_ref()?.trim().to_string();
        if v.is_empty() {
            findings.push(
                Finding::error("SPEC004", format!("driver \"{}\": {field} is empty", raw.name))
                    .at(spec_name)
                    .help("name a variable set in config/devices.cmd, e.g. \"VIRTIO_BLK_HWIDS\", or remove the field"),
            );
            return None;
        }
        Some(v)
    };
    let hardware_ids_var = var(
        &raw.expected_hardware_ids_from_devices_cmd_var,
        "expected_hardware_ids_from_devices_cmd_var",
        findings,
    );
    let add_services_var = var(
        &raw.expected_add_services_from_devices_cmd_var,
        "expected_add_services_from_devices_cmd_var",
        findings,
    );
    DriverRule {
        name: raw.name.trim().to_string(),
        required: raw.required,
        expected_hardware_ids,
        hardware_ids_var,
        expected_inf_files: raw.expected_inf_files.clone(),
        expected_add_services: raw.expected_add_services.clone(),
        add_services_var,
        allow_extensions: raw
            .allow_extensions
            .iter()
            .map(|e| e.trim().trim_start_matches('.').to_ascii_lowercase())
            .filter(|e| !e.is_empty())
            .collect(),
        allow_path_regexes,
    }
}

/// Compiles a spec; `spec_name` (the file name) is the path of every finding.
pub fn compile(raw: &RawSpec, spec_name: &str) -> (Spec, Vec<Finding>) {
    let mut findings = Vec::new();
    let mut drivers: Vec<DriverRule> = Vec::new();
    for d in &raw.drivers {
        if d.name.trim().is_empty() {
            findings.push(
                Finding::error("SPEC003", "a driver entry has an empty name")
                    .at(spec_name)
                    .help("set \"name\" to the driver folder name, e.g. \"viostor\""),
            );
            continue;
        }
        let r = rule(d, spec_name, &mut findings);
        if let Some(first) = drivers
            .iter()
            .find(|x| x.name.to_lowercase() == r.name.to_lowercase())
        {
            findings.push(
                Finding::error(
                    "SPEC002",
                    format!(
                        "driver \"{}\" is listed twice (also as \"{}\")",
                        r.name, first.name
                    ),
                )
                .at(spec_name)
                .help("driver names are compared case-insensitively; merge the two entries"),
            );
            continue;
        }
        drivers.push(r);
    }
    for name in &raw.required_drivers {
        let name = name.trim();
        if name.is_empty() {
            findings.push(
                Finding::error("SPEC003", "required_drivers has an empty name")
                    .at(spec_name)
                    .help("remove the empty string from required_drivers"),
            );
            continue;
        }
        match drivers
            .iter_mut()
            .find(|x| x.name.to_lowercase() == name.to_lowercase())
        {
            // The legacy list only ever says "required"; it never weakens a drivers entry.
            Some(existing) => existing.required = true,
            None => drivers.push(rule(
                &RawDriver {
                    name: name.to_string(),
                    required: true,
                    ..RawDriver::default()
                },
                spec_name,
                &mut findings,
            )),
        }
    }
    let spec = Spec {
        drivers,
        require_optional_drivers_on_all_arches: raw.require_optional_drivers_on_all_arches,
        fail_on_unlisted_driver_dirs: raw.fail_on_unlisted_driver_dirs,
    };
    (spec, findings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(json: &str) -> RawSpec {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn merges_legacy_required_case_insensitively() {
        let (s, f) = compile(
            &raw(
                r#"{"drivers":[{"name":"VioStor","required":false}],"required_drivers":["viostor","netkvm"]}"#,
            ),
            "s.json",
        );
        assert!(f.is_empty(), "{f:?}");
        assert_eq!(s.drivers.len(), 2);
        assert_eq!(s.drivers[0].name, "VioStor");
        assert!(s.drivers[0].required && s.drivers[1].required);
        assert_eq!(
            s.driver("VIOSTOR").map(|d| d.name.as_str()),
            Some("VioStor")
        );
    }

    #[test]
    fn required_defaults_to_true_and_regex_is_case_insensitive() {
        let (s, _) = compile(
            &raw(r#"{"drivers":[{"name":"a","expected_hardware_ids":["pci\\\\ven_1af4"]}]}"#),
            "s.json",
        );
        assert!(s.drivers[0].required);
        assert!(s.drivers[0].expected_hardware_ids[0]
            .1
            .is_match(r"PCI\VEN_1AF4&DEV_1042"));
    }

    #[test]
    fn reports_bad_regex_duplicates_and_empty_names() {
        let (s, f) = compile(
            &raw(
                r#"{"drivers":[{"name":"a","expected_hardware_ids":["(unclosed"],"allow_path_regexes":["a{99999}{99999}"]},{"name":"A"},{"name":" "}]}"#,
            ),
            "s.json",
        );
        let codes: Vec<_> = f.iter().map(|f| f.code).collect();
        assert_eq!(
            codes,
            vec!["SPEC001", "SPEC001", "SPEC002", "SPEC003"],
            "{f:?}"
        );
        assert!(f[0].message.contains("\"a\"") && f[0].message.contains("(unclosed"));
        assert!(f[1].message.contains("allow_path_regexes"));
        assert!(f.iter().all(|f| f.path.as_deref() == Some("s.json")));
        assert_eq!(s.drivers.len(), 1);
    }
}
