//! The driver signing policy the media is built for, and how it is spelled on the command line.
//!
//! This module only names and parses the policy; the certificate checks that depend on it live
//! in [`crate::validate::rules::guest_tools`].

use std::fmt;
use std::str::FromStr;

/// How the target Windows installation verifies driver signatures.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SigningPolicy {
    /// Test-signed drivers: the media must carry the test certificates under `certs/`. The
    /// default, as in the reference packager, whose scripts and users expect it.
    #[default]
    Test,
    /// Production-signed (WHQL / attestation) drivers: no certificates are shipped.
    Production,
    /// Integrity checks disabled on the target: no certificates are shipped either.
    None,
}

/// Every accepted spelling, for error messages and help texts.
pub const ACCEPTED: &str =
    "test, testsigning, test-signing, production, prod, whql, none, nointegritychecks, no-integrity-checks";

/// Environment variables that set the policy when no option does, strongest first: our own,
/// then the reference packager's (so its CI scripts keep their meaning).
pub const ENV_VARS: [&str; 2] = [
    "GUESTPACK_SIGNING_POLICY",
    "AERO_GUEST_TOOLS_SIGNING_POLICY",
];

/// Where the policy in force came from, for error messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PolicySource {
    Option,
    Env(&'static str),
    Default,
}

/// The policy in force: the option when given, else the first of [`ENV_VARS`] that is set
/// and not empty (`env` looks one up), else the default. A bad value is an error naming where
/// it came from.
pub fn choose(
    option: Option<&str>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<(SigningPolicy, PolicySource), String> {
    if let Some(v) = option {
        return v
            .parse()
            .map(|p| (p, PolicySource::Option))
            .map_err(|e: ParseSigningPolicyError| e.to_string());
    }
    for var in ENV_VARS {
        if let Some(v) = env(var).filter(|v| !v.trim().is_empty()) {
            return v
                .parse()
                .map(|p| (p, PolicySource::Env(var)))
                .map_err(|e: ParseSigningPolicyError| format!("environment variable {var}: {e}"));
        }
    }
    Ok((SigningPolicy::default(), PolicySource::Default))
}

impl SigningPolicy {
    /// The canonical spelling used in manifest.json.
    pub fn as_str(self) -> &'static str {
        match self {
            SigningPolicy::Test => "test",
            SigningPolicy::Production => "production",
            SigningPolicy::None => "none",
        }
    }

    /// True when the media must ship at least one certificate.
    pub fn certs_required(self) -> bool {
        self == SigningPolicy::Test
    }
}

impl fmt::Display for SigningPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The rejected spelling, with the list of accepted ones in its message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseSigningPolicyError(pub String);

impl fmt::Display for ParseSigningPolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown signing policy \"{}\"; accepted values: {ACCEPTED}",
            self.0
        )
    }
}

impl std::error::Error for ParseSigningPolicyError {}

impl FromStr for SigningPolicy {
    type Err = ParseSigningPolicyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "test" | "testsigning" | "test-signing" => Ok(SigningPolicy::Test),
            "production" | "prod" | "whql" => Ok(SigningPolicy::Production),
            "none" | "nointegritychecks" | "no-integrity-checks" => Ok(SigningPolicy::None),
            _ => Err(ParseSigningPolicyError(s.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_aliases_case_insensitively() {
        assert_eq!("TestSigning".parse(), Ok(SigningPolicy::Test));
        assert_eq!("test".parse(), Ok(SigningPolicy::Test));
        assert_eq!("WHQL".parse(), Ok(SigningPolicy::Production));
        assert_eq!("prod".parse(), Ok(SigningPolicy::Production));
        assert_eq!("Production".parse(), Ok(SigningPolicy::Production));
        assert_eq!("NoIntegrityChecks".parse(), Ok(SigningPolicy::None));
        assert_eq!("none".parse(), Ok(SigningPolicy::None));
        assert_eq!("Test-Signing".parse(), Ok(SigningPolicy::Test));
        assert_eq!("no-integrity-checks".parse(), Ok(SigningPolicy::None));
        assert_eq!(SigningPolicy::default(), SigningPolicy::Test);
        assert!(SigningPolicy::Test.certs_required() && !SigningPolicy::None.certs_required());
    }

    #[test]
    fn option_beats_our_variable_beats_the_reference_variable() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        let both = env(&[
            ("GUESTPACK_SIGNING_POLICY", "none"),
            ("AERO_GUEST_TOOLS_SIGNING_POLICY", "production"),
        ]);
        assert_eq!(
            choose(Some("whql"), both),
            Ok((SigningPolicy::Production, PolicySource::Option))
        );
        assert_eq!(
            choose(None, both),
            Ok((
                SigningPolicy::None,
                PolicySource::Env("GUESTPACK_SIGNING_POLICY")
            ))
        );
        let reference = env(&[
            ("AERO_GUEST_TOOLS_SIGNING_POLICY", "prod"),
            ("GUESTPACK_SIGNING_POLICY", " "),
        ]);
        assert_eq!(
            choose(None, reference),
            Ok((
                SigningPolicy::Production,
                PolicySource::Env("AERO_GUEST_TOOLS_SIGNING_POLICY")
            ))
        );
        assert_eq!(
            choose(None, env(&[])),
            Ok((SigningPolicy::Test, PolicySource::Default))
        );
        let e = choose(None, env(&[("AERO_GUEST_TOOLS_SIGNING_POLICY", "signed")])).unwrap_err();
        assert!(
            e.starts_with("environment variable AERO_GUEST_TOOLS_SIGNING_POLICY:"),
            "{e}"
        );
    }

    #[test]
    fn rejects_unknown_with_accepted_list() {
        let e = "signed".parse::<SigningPolicy>().unwrap_err().to_string();
        assert!(
            e.contains("\"signed\"")
                && e.contains("testsigning")
                && e.contains("nointegritychecks"),
            "{e}"
        );
    }
}
