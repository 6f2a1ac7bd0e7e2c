//! Windows driver INF files: decoding, a tolerant parser, and the facts validation needs
//! (files a driver package must carry, services it installs, hardware IDs it matches).
//!
//! This module does not judge an INF: it never produces findings and never fails on odd
//! syntax (odd lines are kept as they are); the checks turn its facts into findings. It does
//! no I/O: callers hand it bytes. It does not evaluate INF semantics beyond what locating
//! files needs (no DestinationDirs, no Include/Needs, no architecture selection).

mod decode;
mod lex;
pub mod models;
mod parse;
mod refs;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

pub use decode::decode;
pub use parse::parse;

/// How the INF bytes were encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InfEncoding {
    Utf8,
    Utf8Bom,
    Utf16Le,
    Utf16LeBom,
    Utf16Be,
    Utf16BeBom,
}

/// A file the INF needs next to it in the driver package.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileRef {
    /// As written after `%strkey%` substitution, `\` turned into `/`, relative to the INF's
    /// folder: `viostor.sys` or `sub/x.dll`. A name listed in `[SourceDisksFiles]` with a
    /// subdirectory carries that subdirectory wherever it is referenced.
    pub name: String,
    /// 1-based line in the INF where the reference is.
    pub line: u32,
    pub kind: RefKind,
}

/// Which INF construct a [`FileRef`] comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefKind {
    CatalogFile,
    SourceDisksFiles,
    CopyFiles,
    CopyInf,
    ServiceBinary,
    CoInstaller,
}

/// One line of a section: `key = value, ...` or a plain list of fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// 1-based line (the first physical line of a continued line).
    pub line: u32,
    /// Trimmed, unquoted key; `None` when the line has no `=` outside quotes.
    pub key: Option<String>,
    /// Fields after the `=` (all fields when there is no key): trimmed, unquoted,
    /// `%strkey%` not yet resolved (see [`Inf::resolve`]).
    pub values: Vec<String>,
    /// Index of the line's text in `Inf::lines`.
    text: usize,
}

#[derive(Clone, Debug)]
pub(crate) struct Section {
    /// As first written.
    name: String,
    /// Lower-cased name used for lookups: section names are case-insensitive.
    folded: String,
    entries: Vec<Entry>,
}

/// A parsed INF. Built by [`parse`]; keeps every non-empty line with its 1-based number.
#[derive(Clone, Debug, Default)]
pub struct Inf {
    /// Every logical line without comments, in file order.
    lines: Vec<(u32, String)>,
    /// Sections in order of first appearance; repeated headers are merged into the first.
    sections: Vec<Section>,
    /// Folded section name -> index in `sections`.
    index: BTreeMap<String, usize>,
    /// Folded string key -> value, `[Strings]` first, then `[Strings.*]` in file order.
    strings: BTreeMap<String, String>,
}

/// Case folding for section names and string keys (both case-insensitive in INF files).
pub(crate) fn fold(name: &str) -> String {
    name.trim().to_lowercase()
}

impl Inf {
    /// Every non-empty line with comments removed: (line number, text), section headers
    /// included. Hardware-ID patterns are matched against these, so IDs that only appear in
    /// comments are not found.
    pub fn content_lines(&self) -> Vec<(u32, String)> {
        self.lines.clone()
    }

    /// Value of a key in `[Version]` (e.g. `Class`, `Provider`), unquoted with `%strkey%`
    /// resolved; commas are kept (`DriverVer` gives `date,version`). The first entry wins.
    pub fn version_value(&self, key: &str) -> Option<String> {
        let key = key.trim();
        let entry = self.entries("Version").iter().find(|e| {
            e.key
                .as_deref()
                .is_some_and(|k| k.eq_ignore_ascii_case(key))
        })?;
        let (_, raw) = lex::split_key(self.text(entry))?;
        Some(self.resolve(&lex::unquote(raw)))
    }

    /// Replaces `%strkey%` with its `[Strings]` value (locale `[Strings.*]` sections as
    /// fallback) and `%%` with `%`. Unknown keys such as the directory id in `%12%\x.sys`
    /// stay as written. Substituted values are not scanned again, so this is linear.
    pub fn resolve(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find('%') {
            out.push_str(&rest[..start]);
            let after = &rest[start + 1..];
            let Some(end) = after.find('%') else {
                out.push_str(&rest[start..]);
                return out;
            };
            let key = &after[..end];
            if key.is_empty() {
                out.push('%');
            } else if let Some(value) = self.string(key) {
                out.push_str(value);
            } else {
                out.push_str(&rest[start..start + end + 2]);
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        out
    }

    /// The value of a `[Strings]` key (case-insensitive), locale sections as fallback.
    pub fn string(&self, key: &str) -> Option<&str> {
        self.strings.get(&fold(key)).map(String::as_str)
    }

    /// True when a section of that name (case-insensitive) exists, even if it is empty.
    pub fn has_section(&self, name: &str) -> bool {
        self.index.contains_key(&fold(name))
    }

    /// Section names as first written, in order of first appearance.
    pub fn section_names(&self) -> Vec<&str> {
        self.sections.iter().map(|s| s.name.as_str()).collect()
    }

    /// The entries of a section (all its occurrences merged, in file order); empty when absent.
    pub fn entries(&self, section: &str) -> &[Entry] {
        match self.index.get(&fold(section)) {
            Some(&i) => &self.sections[i].entries,
            None => &[],
        }
    }

    /// All comma-separated fields of an entry's whole line, ignoring any `=`: the view that
    /// file-list and registry sections need (`viostor.sys,,,2`, `HKR,,Name,0x10000,"v"`).
    pub fn fields(&self, entry: &Entry) -> Vec<String> {
        lex::split_fields(self.text(entry))
    }

    fn text(&self, entry: &Entry) -> &str {
        self.lines.get(entry.text).map_or("", |(_, t)| t.as_str())
    }
}
