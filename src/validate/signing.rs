//! The driver signing policy the media is built for, and how it is spelled on the command line.
//!
//! This module only names and parses the policy; the certificate checks that depend on it live
//! in [`crate::validate::rules::guest_tools`].

use std::fmt;
use std::str::FromStr;

/// How the target Windows installation verifies driver signatures.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SigningPolicy {
    /// Test-signed drivers: the media must carry the test certificates under `certs/`.
    Test,
    /// Production-signed (WHQL / attestation) drivers: no certificates are shipped.
    #[default]
    Production,
    /// Integrity checks disabled on the target: no certificates are shipped either.
    None,
}

/// Every accepted spelling, for error messages and help texts.
pub const ACCEPTED: &str = "test, testsigning, production, prod, whql, none, nointegritychecks";

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
            "test" | "testsigning" => Ok(SigningPolicy::Test),
            "production" | "prod" | "whql" => Ok(SigningPolicy::Production),
            "none" | "nointegritychecks" => Ok(SigningPolicy::None),
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
        assert_eq!(SigningPolicy::default(), SigningPolicy::Production);
        assert!(SigningPolicy::Test.certs_required() && !SigningPolicy::None.certs_required());
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
