//! Findings about the input: data, not control flow.
//!
//! Validation never stops at the first problem: it returns a [`Report`] holding every
//! [`Finding`]. Fatal conditions that stop a run (unreadable input, bad options) are
//! [`crate::Error`] instead.

use serde::Serialize;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        })
    }
}

/// One observation about the input, with where it is and how to fix it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable identifier, e.g. `HWID001`; documented in README.
    pub code: &'static str,
    pub severity: Severity,
    /// Path on the media (`drivers/amd64/viostor/viostor.inf`) or of the input (`spec.json`).
    pub path: Option<String>,
    /// 1-based line number inside `path`, where the finding has one.
    pub line: Option<u32>,
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
    /// When the fix is a choice among known values (which OS folder to take), the option that
    /// makes it and the values offered, so a front end can offer a control instead of text.
    pub choice: Option<Choice>,
}

/// A choice a finding asks the user to make: `option` is the name of the JS option (and, in
/// kebab case, of the command-line flag), `values` what may be chosen; no values means any
/// larger value (a limit to raise, such as `maxRegexSize`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Choice {
    pub option: &'static str,
    pub values: Vec<String>,
}

impl Finding {
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Finding {
            code,
            severity: Severity::Error,
            path: None,
            line: None,
            message: message.into(),
            help: None,
            choice: None,
        }
    }
    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Finding {
            severity: Severity::Warning,
            ..Finding::error(code, message)
        }
    }
    pub fn info(code: &'static str, message: impl Into<String>) -> Self {
        Finding {
            severity: Severity::Info,
            ..Finding::error(code, message)
        }
    }
    pub fn at(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }
    pub fn line(mut self, line: u32) -> Self {
        self.line = Some(line);
        self
    }
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
    pub fn choice(mut self, option: &'static str, values: Vec<String>) -> Self {
        self.choice = Some(Choice { option, values });
        self
    }
}

impl fmt::Display for Finding {
    /// `path:line: error[CODE]: message` then an indented `help:` line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(p) = &self.path {
            write!(f, "{p}")?;
            if let Some(l) = self.line {
                write!(f, ":{l}")?;
            }
            write!(f, ": ")?;
        }
        write!(f, "{}[{}]: {}", self.severity, self.code, self.message)?;
        if let Some(h) = &self.help {
            write!(f, "\n  help: {h}")?;
        }
        Ok(())
    }
}

/// Every finding of one validation run, in a deterministic order. Serialized as part of
/// [`crate::validate::report::ValidationReport`], the one report shape.
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub findings: Vec<Finding>,
}

impl Report {
    pub fn push(&mut self, f: Finding) {
        self.findings.push(f);
    }
    pub fn extend(&mut self, it: impl IntoIterator<Item = Finding>) {
        self.findings.extend(it);
    }
    /// Adds findings found after validation (from the build options) in the report's order.
    pub fn add(&mut self, it: impl IntoIterator<Item = Finding>) {
        self.findings.extend(it);
        self.normalize();
    }
    pub fn errors(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count()
    }
    pub fn warnings(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
            .count()
    }
    pub fn has_errors(&self) -> bool {
        self.errors() > 0
    }
    /// Sorts by severity, then path, line and code, and drops exact duplicates, so the same
    /// input always gives the same report.
    pub fn normalize(&mut self) {
        self.findings.sort_by(|a, b| {
            (a.severity, &a.path, a.line, a.code, &a.message)
                .cmp(&(b.severity, &b.path, b.line, b.code, &b.message))
        });
        self.findings.dedup();
    }
}
