//! `[Manufacturer]` entries and their TargetOSVersion decorations
//! (`nt[Architecture][.[OSMajorVersion][.[OSMinorVersion][.[ProductType][.[SuiteMask][.[BuildNumber]]]]]]`):
//! which platforms and Windows versions an INF's models sections are for. Facts only; the
//! architecture check ([`crate::validate::rules::inf_arch`]) judges them.

use super::Inf;

/// One decoration of a `[Manufacturer]` entry, or the entry's undecorated models section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decoration {
    /// As written (`NTamd64.10.0...14393`); empty for the undecorated section.
    pub text: String,
    /// The platform it is for, lower-case (`x86`, `amd64`, `arm64`, `ia64`, `arm`). An
    /// undecorated section and a bare `NT` are x86 only: since Windows Server 2003 SP1 every
    /// other platform needs its own decoration.
    pub platform: String,
    /// The lowest Windows it is for (`OSMajorVersion.OSMinorVersion`), when it names one.
    pub min_version: Option<(u32, u32)>,
    /// The lowest build (Windows 10 1607 and later read it), when named.
    pub min_build: Option<u32>,
    /// False when the text is not a TargetOSVersion at all (no `NT` prefix): Windows ignores
    /// such a decoration for every platform.
    pub valid: bool,
}

/// One `[Manufacturer]` line: the models section it names and its decorations (the
/// undecorated section first when no decoration is given).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Manufacturer {
    pub line: u32,
    pub models: String,
    pub decorations: Vec<Decoration>,
}

/// Reads one TargetOSVersion.
pub fn decoration(text: &str) -> Decoration {
    let lower = text.trim().to_ascii_lowercase();
    let Some(rest) = lower.strip_prefix("nt") else {
        return Decoration {
            text: text.trim().to_string(),
            platform: String::new(),
            min_version: None,
            min_build: None,
            valid: false,
        };
    };
    let mut parts = rest.split('.');
    let arch = parts.next().unwrap_or("");
    let num = |p: Option<&str>| p.and_then(|v| v.trim().parse::<u32>().ok());
    let major = num(parts.next());
    let minor = num(parts.next());
    let _product_type = parts.next();
    let _suite_mask = parts.next();
    let build = num(parts.next());
    Decoration {
        text: text.trim().to_string(),
        platform: if arch.is_empty() {
            "x86".into()
        } else {
            arch.to_string()
        },
        min_version: major.map(|m| (m, minor.unwrap_or(0))),
        min_build: build,
        valid: true,
    }
}

impl Inf {
    /// Every `[Manufacturer]` entry with its decorations, `%strkey%` resolved, in file order.
    pub fn manufacturers(&self) -> Vec<Manufacturer> {
        self.entries("Manufacturer")
            .iter()
            .filter_map(|e| {
                let (models, decorations) = e.values.split_first()?;
                let models = self.resolve(models);
                if models.is_empty() {
                    return None;
                }
                let mut decorations: Vec<Decoration> = decorations
                    .iter()
                    .map(|d| self.resolve(d))
                    .filter(|d| !d.trim().is_empty())
                    .map(|d| decoration(&d))
                    .collect();
                if decorations.is_empty() {
                    decorations.push(Decoration {
                        text: String::new(),
                        platform: "x86".into(),
                        min_version: None,
                        min_build: None,
                        valid: true,
                    });
                }
                Some(Manufacturer {
                    line: e.line,
                    models,
                    decorations,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decorations_name_platform_and_lowest_windows() {
        let d = decoration("NTamd64.10.0...14393");
        assert_eq!(
            (d.platform.as_str(), d.min_version, d.min_build, d.valid),
            ("amd64", Some((10, 0)), Some(14393), true)
        );
        let d = decoration("ntx86.6.1");
        assert_eq!(
            (d.platform.as_str(), d.min_version, d.min_build),
            ("x86", Some((6, 1)), None)
        );
        assert_eq!(decoration("NT").platform, "x86");
        assert_eq!(decoration("NTarm64").platform, "arm64");
        assert!(!decoration("Win7").valid);
    }

    #[test]
    fn manufacturer_entries_resolve_strings_and_default_to_x86() {
        let inf = crate::validate::inf::parse(
            "[Manufacturer]\n%Mfg% = Models, NTamd64, NTx86.6.1\nOther = Plain\n[Strings]\nMfg = \"Red Hat\"\n",
        );
        let m = inf.manufacturers();
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].models, "Models");
        let platforms: Vec<&str> = m[0]
            .decorations
            .iter()
            .map(|d| d.platform.as_str())
            .collect();
        assert_eq!(platforms, vec!["amd64", "x86"]);
        assert_eq!(m[1].decorations[0].platform, "x86");
        assert_eq!(m[1].decorations[0].text, "");
        assert_eq!(m[0].line, 2);
    }
}
