//! The packaging spec: what drivers must be present and what their INF files must contain.
//!
//! [`RawSpec`] is the JSON exactly as written (strict: unknown fields are rejected with the
//! field named). [`compile`] turns it into [`Spec`], the type the checks use: regexes built,
//! legacy `required_drivers` merged, names normalised. Neither step reads files.

pub mod arches;
pub mod compile;
pub mod generate;
pub mod generate_tools;
pub mod shipped;
pub mod tools;

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
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RawSpec {
    /// Editor hint; ignored.
    #[serde(rename = "$schema", default)]
    pub schema: Option<String>,
    /// One line naming what the spec is for, shown when choosing a spec.
    #[serde(default)]
    pub title: Option<String>,
    /// A few sentences: which drivers, which Windows, where the drivers come from.
    #[serde(default)]
    pub description: Option<String>,
    /// Architectures the media carries (`x86`, `amd64`, `arm64`); a required driver is
    /// required on each. Absent: x86 and amd64, the media every spec made before ARM64 meant.
    #[serde(default)]
    pub arches: Option<Vec<String>>,
    #[serde(default)]
    pub drivers: Vec<RawDriver>,
    /// Legacy form: required drivers, each a name or the reference packager's object
    /// (`name`, `expected_hardware_ids`, `expected_hardware_ids_from_devices_cmd_var`).
    #[serde(default)]
    pub required_drivers: Vec<LegacyRequired>,
    #[serde(default)]
    pub require_optional_drivers_on_all_arches: bool,
    #[serde(default)]
    pub fail_on_unlisted_driver_dirs: bool,
    /// Windows versions the media is for (`w7`, `w10`…): every driver's catalog must cover
    /// them. The `--target-os` option wins over it; the OS folder chosen from a virtio-win
    /// layout is the default.
    #[serde(default)]
    pub target_os: Vec<String>,
    /// Installers setup.cmd runs after the drivers ([`tools::RawTool`]).
    #[serde(default)]
    pub tools: Vec<tools::RawTool>,
}

/// One driver entry, as written.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RawDriver {
    /// Driver folder name under `drivers/<arch>/` (compared case-insensitively).
    pub name: String,
    /// Other input folder names for the same driver (upstream's `vioserial` for `vioser`);
    /// the media always uses `name`.
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default = "yes")]
    pub required: bool,
    /// Architectures the driver is expected on (`x86`, `amd64`, `arm64`); empty: every
    /// architecture the media carries. Elsewhere its absence is no finding.
    #[serde(default)]
    pub arches: Vec<String>,
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

/// One entry of the legacy `required_drivers` list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LegacyRequired {
    Name(String),
    Entry(LegacyEntry),
}

/// The reference packager's object form of a `required_drivers` entry.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegacyEntry {
    pub name: String,
    #[serde(default)]
    pub expected_hardware_ids: Vec<String>,
    #[serde(default)]
    pub expected_hardware_ids_from_devices_cmd_var: Option<String>,
}

impl LegacyRequired {
    /// The entry as an object (a plain name has no expectations).
    pub fn entry(&self) -> LegacyEntry {
        match self {
            LegacyRequired::Name(n) => LegacyEntry {
                name: n.clone(),
                ..LegacyEntry::default()
            },
            LegacyRequired::Entry(e) => e.clone(),
        }
    }
}

// By hand rather than `#[serde(untagged)]`, so a bad object reports its own field errors
// ("unknown field `hwids`") instead of "did not match any variant".
impl<'de> Deserialize<'de> for LegacyRequired {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = LegacyRequired;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a driver name or an object with \"name\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(LegacyRequired::Name(v.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                m: A,
            ) -> Result<Self::Value, A::Error> {
                LegacyEntry::deserialize(serde::de::value::MapAccessDeserializer::new(m))
                    .map(LegacyRequired::Entry)
            }
        }
        d.deserialize_any(V)
    }
}

fn yes() -> bool {
    true
}
