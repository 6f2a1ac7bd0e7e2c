//! Turns a [`super::RawSpec`] into the checked form the validation uses.
//!
//! Regexes are compiled case-insensitively with a size limit per regex and a budget for all of
//! them together ([`Limits::max_regex_size`]), the legacy `required_drivers` list is merged
//! into `drivers`, names are checked. Problems are findings against the spec file, never
//! panics. Time and memory stay linear in the spec's size, whatever it holds. Nothing here
//! looks at driver files.

use super::{RawDriver, RawSpec};
use crate::diag::Finding;
use crate::limits::Limits;
use crate::validate::layout::Arch;
use regex::{Regex, RegexBuilder};
use std::collections::BTreeMap;

/// Default upper bound for one compiled spec regex (see [`Limits::max_regex_size`]): a spec is
/// input too, and must not blow up memory.
pub const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// The compiled spec.
#[derive(Clone, Debug, Default)]
pub struct Spec {
    /// Architectures the media carries, sorted ([`Arch::DEFAULT`] when the spec names none).
    pub arches: Vec<Arch>,
    /// In spec order; legacy-only names appended in their order.
    pub drivers: Vec<DriverRule>,
    pub require_optional_drivers_on_all_arches: bool,
    pub fail_on_unlisted_driver_dirs: bool,
    pub target_os: Vec<String>,
    /// In spec order.
    pub tools: Vec<super::tools::ToolRule>,
}

impl Spec {
    /// The rule for a driver folder name or alias (case-insensitive).
    pub fn driver(&self, folder: &str) -> Option<&DriverRule> {
        self.drivers.iter().find(|d| d.matches(folder))
    }

    /// Whether the media carries `arch`.
    pub fn carries(&self, arch: Arch) -> bool {
        self.arches.contains(&arch)
    }
}

/// One driver's expectations, ready to check.
#[derive(Clone, Debug)]
pub struct DriverRule {
    /// Spelling from the spec; also the folder name on the media.
    pub name: String,
    /// Other input folder names taken for this driver.
    pub aliases: Vec<String>,
    pub required: bool,
    /// Architectures the driver is expected on; empty: all of them.
    pub arches: Vec<Arch>,
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

impl DriverRule {
    /// Whether an input folder named `folder` is this driver (its name or an alias, in any
    /// case).
    pub fn matches(&self, folder: &str) -> bool {
        names_match(&self.name, &self.aliases, folder)
    }

    /// Whether the media must carry this driver for `arch` (when required; optional drivers
    /// are reported missing only there).
    pub fn expected_on(&self, arch: Arch) -> bool {
        self.arches.is_empty() || self.arches.contains(&arch)
    }
}

/// Whether an input folder named `folder` is `name` or one of `aliases`, in any case: drivers
/// and tools alike. Full Unicode case folding, as names are made unique in `compile`; an
/// ASCII-only comparison would let two names that compile treats as one both stay unmatched.
pub fn names_match(name: &str, aliases: &[String], folder: &str) -> bool {
    let key = folder.to_lowercase();
    std::iter::once(name)
        .chain(aliases.iter().map(String::as_str))
        .any(|n| n.to_lowercase() == key)
}

/// Why a pattern did not compile, and whether raising `--max-regex-size` would help.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegexError {
    pub message: String,
    pub over_limit: bool,
}

impl std::fmt::Display for RegexError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Builds a case-insensitive regex with the default spec size limit.
pub fn build_regex(pattern: &str) -> Result<Regex, RegexError> {
    build_regex_limited(pattern, REGEX_SIZE_LIMIT as u64)
}

/// Builds a case-insensitive regex whose compiled form may use at most `size_limit` bytes.
pub fn build_regex_limited(pattern: &str, size_limit: u64) -> Result<Regex, RegexError> {
    let limit = usize::try_from(size_limit).unwrap_or(usize::MAX);
    RegexBuilder::new(pattern)
        .case_insensitive(true)
        .size_limit(limit)
        .dfa_size_limit(limit)
        .build()
        .map_err(|e| match e {
            regex::Error::CompiledTooBig(n) => RegexError {
                message: format!(
                    "it compiles to more than the {n}-byte limit (raise it with --max-regex-size, or simplify it)"
                ),
                over_limit: true,
            },
            e => RegexError {
                message: e
                    .to_string()
                    .lines()
                    .last()
                    .unwrap_or("invalid regex")
                    .trim()
                    .to_string(),
                over_limit: false,
            },
        })
}

/// What compiling the spec's regexes has used so far, against the total budget.
struct RegexBudget {
    per_regex: u64,
    left: u64,
}

impl RegexBudget {
    /// Compiles `pattern` if it fits both its own limit and what is left of the total: the
    /// automaton is measured first (and dropped), so an over-budget spec never holds more
    /// than the budget in memory.
    fn build(&mut self, pattern: &str) -> Result<Regex, RegexError> {
        use regex_automata::nfa::thompson;
        let cap = self.per_regex.min(self.left);
        let nfa = thompson::Compiler::new()
            .syntax(regex_automata::util::syntax::Config::new().case_insensitive(true))
            .configure(
                thompson::Config::new()
                    .nfa_size_limit(Some(usize::try_from(cap).unwrap_or(usize::MAX))),
            )
            .build(pattern);
        match nfa {
            Ok(nfa) => self.left = self.left.saturating_sub(nfa.memory_usage() as u64),
            Err(_) if cap < self.per_regex => {
                // Over what is left (a syntax error would also fail below, with its message).
                if build_regex_limited(pattern, self.per_regex).is_ok() {
                    return Err(RegexError {
                        message: format!(
                            "the spec's regexes together compile to more than {} bytes, {}x the per-regex limit (raise it with --max-regex-size, or use fewer or simpler patterns)",
                            self.per_regex.saturating_mul(Limits::REGEX_TOTAL_FACTOR),
                            Limits::REGEX_TOTAL_FACTOR
                        ),
                        over_limit: true,
                    });
                }
            }
            Err(_) => {}
        }
        build_regex_limited(pattern, self.per_regex)
    }
}

fn rule(
    raw: &RawDriver,
    spec_name: &str,
    budget: &mut RegexBudget,
    findings: &mut Vec<Finding>,
) -> DriverRule {
    let mut regexes = |field: &str, pats: &[String]| -> Vec<(String, Regex)> {
        let mut out = Vec::new();
        for p in pats {
            match budget.build(p) {
                Ok(r) => out.push((p.clone(), r)),
                Err(e) => {
                    let f = Finding::error("SPEC001", format!("driver \"{}\": {field} pattern \"{p}\" is not a usable regex: {e}", raw.name))
                        .at(spec_name)
                        .help("fix the pattern (regex syntax, case-insensitive; escape '\\' as \"\\\\\\\\\" in JSON) or simplify it");
                    // Over the size limit: the fix may be raising it, so name the option.
                    findings.push(if e.over_limit {
                        f.choice("maxRegexSize", Vec::new())
                    } else {
                        f
                    });
                }
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
    let arches = super::arches::driver_arches(raw, spec_name, findings);
    DriverRule {
        name: normalize_name(raw.name.trim()),
        aliases: raw
            .aliases
            .iter()
            .map(|a| a.trim().to_string())
            .filter(|a| !a.is_empty())
            .collect(),
        required: raw.required,
        arches,
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

/// The reference packager renamed its GPU driver folder from `aero-gpu` to `aerogpu` and still
/// reads the old spelling in specs; so does guestpack.
fn normalize_name(name: &str) -> String {
    if name.eq_ignore_ascii_case("aero-gpu") {
        "aerogpu".to_string()
    } else {
        name.to_string()
    }
}

/// Compiles a spec under the default [`Limits`]; `spec_name` (the file name) is the path of
/// every finding.
pub fn compile(raw: &RawSpec, spec_name: &str) -> (Spec, Vec<Finding>) {
    compile_limited(raw, spec_name, &Limits::default())
}

/// [`compile`] with an explicit regex size limit ([`Limits::max_regex_size`] per regex, and
/// [`Limits::REGEX_TOTAL_FACTOR`] times that for all of them together).
pub fn compile_limited(raw: &RawSpec, spec_name: &str, limits: &Limits) -> (Spec, Vec<Finding>) {
    let mut findings = Vec::new();
    let mut drivers: Vec<DriverRule> = Vec::new();
    // Lower-cased name -> index in `drivers`: duplicate detection stays linear for big specs.
    let mut by_name: BTreeMap<String, usize> = BTreeMap::new();
    let mut budget = RegexBudget {
        per_regex: limits.max_regex_size,
        left: limits
            .max_regex_size
            .saturating_mul(Limits::REGEX_TOTAL_FACTOR),
    };
    for d in &raw.drivers {
        if d.name.trim().is_empty() {
            findings.push(
                Finding::error("SPEC003", "a driver entry has an empty name")
                    .at(spec_name)
                    .help("set \"name\" to the driver folder name, e.g. \"viostor\""),
            );
            continue;
        }
        let r = rule(d, spec_name, &mut budget, &mut findings);
        let names = std::iter::once(&r.name).chain(&r.aliases);
        if let Some((name, first)) = names
            .filter_map(|n| by_name.get(&n.to_lowercase()).map(|&i| (n, &drivers[i])))
            .next()
        {
            findings.push(
                Finding::error(
                    "SPEC002",
                    format!(
                        "driver \"{}\" is listed twice: \"{name}\" also names \"{}\"",
                        r.name, first.name
                    ),
                )
                .at(spec_name)
                .help("driver names and aliases are compared case-insensitively; merge the two entries or drop the alias"),
            );
            continue;
        }
        for n in std::iter::once(&r.name).chain(&r.aliases) {
            by_name.insert(n.to_lowercase(), drivers.len());
        }
        drivers.push(r);
    }
    // The reference packager's merge: entries of `drivers` first, in order; a legacy entry
    // naming one of them (or an earlier legacy entry) makes it required, adds its hardware IDs
    // not already listed and its devices.cmd variable when it has none; other legacy entries
    // are appended as required drivers.
    for legacy in &raw.required_drivers {
        let entry = legacy.entry();
        if entry.name.trim().is_empty() {
            findings.push(
                Finding::error(
                    "SPEC003",
                    "required_drivers has an entry with an empty name",
                )
                .at(spec_name)
                .help("remove the entry or give the driver folder name"),
            );
            continue;
        }
        let r = rule(
            &RawDriver {
                name: entry.name.clone(),
                required: true,
                expected_hardware_ids: entry.expected_hardware_ids.clone(),
                expected_hardware_ids_from_devices_cmd_var: entry
                    .expected_hardware_ids_from_devices_cmd_var
                    .clone(),
                ..RawDriver::default()
            },
            spec_name,
            &mut budget,
            &mut findings,
        );
        let key = r.name.to_lowercase();
        match by_name.get(&key) {
            Some(&i) => {
                let existing = &mut drivers[i];
                existing.required = true;
                for (pattern, re) in r.expected_hardware_ids {
                    if !existing
                        .expected_hardware_ids
                        .iter()
                        .any(|(p, _)| *p == pattern)
                    {
                        existing.expected_hardware_ids.push((pattern, re));
                    }
                }
                if existing.hardware_ids_var.is_none() {
                    existing.hardware_ids_var = r.hardware_ids_var;
                }
            }
            None => {
                by_name.insert(key, drivers.len());
                drivers.push(r);
            }
        }
    }
    let arches = super::arches::media_arches(raw, spec_name, &mut findings);
    super::arches::check_driver_arches(&drivers, &arches, spec_name, &mut findings);
    let tools = super::tools::compile(&raw.tools, &arches, spec_name, &mut findings);
    let spec = Spec {
        tools,
        arches,
        drivers,
        require_optional_drivers_on_all_arches: raw.require_optional_drivers_on_all_arches,
        fail_on_unlisted_driver_dirs: raw.fail_on_unlisted_driver_dirs,
        target_os: raw.target_os.clone(),
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
    fn names_and_aliases_match_in_any_case_beyond_ascii() {
        // The same folding that makes names unique finds them: a name with a non-ASCII
        // letter is found from its upper-cased spelling, as is an alias.
        let (s, f) = compile(
            &raw(r#"{"drivers":[{"name":"vioҕ","aliases":["straße"]}]}"#),
            "s.json",
        );
        assert!(f.is_empty(), "{f:?}");
        assert_eq!(s.driver("VIOҔ").map(|d| d.name.as_str()), Some("vioҕ"));
        assert_eq!(s.driver("STRAßE").map(|d| d.name.as_str()), Some("vioҕ"));
        assert!(s.driver("vio").is_none());
    }

    #[test]
    fn merges_the_reference_object_form() {
        let (s, f) = compile(
            &raw(
                r#"{"drivers":[{"name":"viostor","required":false,"expected_hardware_ids":["DEV_1042"]},{"name":"aero-gpu"}],
                   "required_drivers":[
                     {"name":"VIOSTOR","expected_hardware_ids":["DEV_1042","DEV_1001"],"expected_hardware_ids_from_devices_cmd_var":"BLK"},
                     "netkvm",
                     {"name":"NetKVM","expected_hardware_ids":["DEV_1041"]},
                     {"name":"vioinput","expected_hardware_ids_from_devices_cmd_var":"INPUT"}]}"#,
            ),
            "s.json",
        );
        assert!(f.is_empty(), "{f:?}");
        let names: Vec<(&str, bool)> = s
            .drivers
            .iter()
            .map(|d| (d.name.as_str(), d.required))
            .collect();
        assert_eq!(
            names,
            vec![
                ("viostor", true),
                ("aerogpu", true),
                ("netkvm", true),
                ("vioinput", true)
            ]
        );
        let ids = |i: usize| -> Vec<&str> {
            s.drivers[i]
                .expected_hardware_ids
                .iter()
                .map(|(p, _)| p.as_str())
                .collect()
        };
        assert_eq!(ids(0), vec!["DEV_1042", "DEV_1001"]);
        assert_eq!(s.drivers[0].hardware_ids_var.as_deref(), Some("BLK"));
        assert_eq!(ids(2), vec!["DEV_1041"]);
        assert_eq!(s.drivers[3].hardware_ids_var.as_deref(), Some("INPUT"));
    }

    #[test]
    fn a_drivers_entry_keeps_its_own_variable() {
        let (s, _) = compile(
            &raw(
                r#"{"drivers":[{"name":"a","expected_hardware_ids_from_devices_cmd_var":"MINE"}],
                   "required_drivers":[{"name":"A","expected_hardware_ids_from_devices_cmd_var":"THEIRS"}]}"#,
            ),
            "s.json",
        );
        assert_eq!(s.drivers[0].hardware_ids_var.as_deref(), Some("MINE"));
    }

    #[test]
    fn a_bad_legacy_object_names_its_field() {
        let e = super::super::parse(
            "s.json",
            br#"{"required_drivers":[{"name":"a","hwids":[]}]}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("unknown field `hwids`"), "{e}");
        let e = super::super::parse("s.json", br#"{"required_drivers":[7]}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("a driver name or an object"), "{e}");
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
