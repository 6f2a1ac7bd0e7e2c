//! The packaging spec: what drivers must be present and what their INF files must contain.
//!
//! [`RawSpec`] is the JSON exactly as written (strict: unknown fields are rejected with the
//! field named). [`compile`] turns it into [`Spec`], the type the checks use: regexes built,
//! legacy `required_drivers` merged, names normalised. Neither step reads files.

pub mod compile;

pub use compile::{compile, compile_limited, DriverRule, Spec};

use serde::Deserialize;

/// Parses spec JSON strictly. The error names the file and, for unknown fields, the field.
pub fn parse(spec_name: &str, bytes: &[u8]) -> crate::Result<RawSpec> {
    serde_json::from_slice(bytes).map_err(|e| crate::Error::Json {
        file: spec_name.to_string(),
        message: e.to_string(),
    })
}

/// Top level of a spec file, as written.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSpec {
    /// Editor hint; ignored.
    #[serde(rename = "$schema", default)]
    pub schema: Option<String>,
    #[serde(default)]
    pub drivers: Vec<RawDriver>,
    /// Legacy form: names of required drivers with no further expectations.
    #[serde(default)]
    pub required_drivers: Vec<String>,
    #[serde(default)]
    pub require_optional_drivers_on_all_arches: bool,
    #[serde(default)]
    pub fail_on_unlisted_driver_dirs: bool,
}

/// One driver entry, as written.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDriver {
    /// Driver folder name under `drivers/<arch>/` (compared case-insensitively).
    pub name: String,
    #[serde(default = "yes")]
    pub required: bool,
    /// Regexes (case-insensitive) that must each match a hardware ID in some packaged INF.
    #[serde(default)]
    pub expected_hardware_ids: Vec<String>,
    /// Name of a `set` variable in `config/devices.cmd` whose value lists more expected HWIDs.
    #[serde(default)]
    pub expected_hardware_ids_from_devices_cmd_var: Option<String>,
    /// INF file names that must be packaged for this driver.
    #[serde(default)]
    pub expected_inf_files: Vec<String>,
    /// Service names that some packaged INF must install with `AddService`.
    #[serde(default)]
    pub expected_add_services: Vec<String>,
    #[serde(default)]
    pub expected_add_services_from_devices_cmd_var: Option<String>,
    /// Extensions (without dot) re-included even when the default policy would skip them.
    #[serde(default)]
    pub allow_extensions: Vec<String>,
    /// Regexes over the path relative to the driver folder, re-included the same way.
    #[serde(default)]
    pub allow_path_regexes: Vec<String>,
}

fn yes() -> bool {
    true
}
