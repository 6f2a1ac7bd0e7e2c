//! The file policy: which input files go on the media, which are silently left out (build
//! artefacts, hidden files, OS residue) and which are refused outright (private keys).
//!
//! Pure name rules; this module does not read file contents and does not report findings
//! itself (the checks count and report what it decides).

use regex::Regex;

/// Extensions of build artefacts left out of driver folders and `tools/` by default.
pub const SKIPPED_EXTENSIONS: &[&str] = &[
    "pdb",
    "ipdb",
    "iobj",
    "dbg",
    "map",
    "cod",
    "obj",
    "lib",
    "exp",
    "ilk",
    "tlog",
    "log",
    "tmp",
    "lastbuildstate",
    "idb",
    "ncb",
    "c",
    "cc",
    "cpp",
    "cxx",
    "h",
    "hh",
    "hpp",
    "hxx",
    "idl",
    "inl",
    "rc",
    "s",
    "asm",
    "sln",
    "vcxproj",
    "props",
    "targets",
    "suo",
    "user",
];

/// Extensions of private key material: refused anywhere, no allowlist can re-include them.
pub const KEY_EXTENSIONS: &[&str] = &[
    "pfx", "p12", "pvk", "snk", "key", "pem", "der", "p8", "pk8", "csr", "jks", "keystore", "ppk",
];

/// File names OS shells leave behind.
pub const SKIPPED_NAMES: &[&str] = &["thumbs.db", "ehthumbs.db", "desktop.ini"];

/// What happens to one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Include,
    /// Left out silently (counted in an info finding).
    Skip,
    /// Private key material: an error wherever it is.
    Refuse,
}

/// Per-driver re-inclusions from the spec.
#[derive(Clone, Copy, Default)]
pub struct Allow<'a> {
    /// Lower-case extensions without the dot.
    pub extensions: &'a [String],
    /// Matched (unanchored) against the path relative to the driver folder.
    pub path_regexes: &'a [Regex],
}

/// Lower-case extension of the last path component, without the dot ("" when none).
pub fn extension(path: &str) -> String {
    let name = path.rsplit('/').next().unwrap_or(path);
    match name.rfind('.') {
        Some(i) if i > 0 || name.len() > 1 => name[i + 1..].to_ascii_lowercase(),
        _ => String::new(),
    }
}

/// True for private key material (by extension, case-insensitive).
pub fn is_private_key(path: &str) -> bool {
    KEY_EXTENSIONS.contains(&extension(path).as_str())
}

/// True for hidden files or folders and the residue OS shells and archivers leave behind.
pub fn is_residue(rel: &str) -> bool {
    let hidden = rel
        .split('/')
        .any(|c| c.starts_with('.') || c == "__MACOSX");
    let name = rel.rsplit('/').next().unwrap_or(rel).to_lowercase();
    hidden || SKIPPED_NAMES.contains(&name.as_str())
}

/// True when the default policy leaves `rel` (relative to its driver or tools folder) out.
pub fn skipped_by_default(rel: &str) -> bool {
    is_residue(rel) || SKIPPED_EXTENSIONS.contains(&extension(rel).as_str())
}

/// Decides one file of a driver folder or `tools/`; `rel` is relative to that folder.
pub fn classify(rel: &str, allow: Allow<'_>) -> Decision {
    if is_private_key(rel) {
        return Decision::Refuse;
    }
    if !skipped_by_default(rel) {
        return Decision::Include;
    }
    let ext = extension(rel);
    let allowed = (!ext.is_empty() && allow.extensions.contains(&ext))
        || allow.path_regexes.iter().any(|r| r.is_match(rel));
    if allowed {
        Decision::Include
    } else {
        Decision::Skip
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_rules() {
        let none = Allow::default();
        assert_eq!(classify("viostor.sys", none), Decision::Include);
        assert_eq!(classify("viostor.PDB", none), Decision::Skip);
        assert_eq!(classify("sub/.hidden/x.sys", none), Decision::Skip);
        assert_eq!(classify("Thumbs.db", none), Decision::Skip);
        assert_eq!(classify("Makefile", none), Decision::Include);
        assert_eq!(classify("signing.PFX", none), Decision::Refuse);
        assert_eq!(classify(".secret.key", none), Decision::Refuse);
    }

    #[test]
    fn allowlists_reinclude_but_never_keys() {
        let exts = vec!["pdb".to_string()];
        let res = vec![Regex::new("^src/").unwrap(), Regex::new(r"\.pem$").unwrap()];
        let allow = Allow {
            extensions: &exts,
            path_regexes: &res,
        };
        assert_eq!(classify("a.pdb", allow), Decision::Include);
        assert_eq!(classify("src/a.c", allow), Decision::Include);
        assert_eq!(classify("b.c", allow), Decision::Skip);
        assert_eq!(classify("x.pem", allow), Decision::Refuse);
    }

    #[test]
    fn extension_edge_cases() {
        assert_eq!(extension("dir.d/file"), "");
        assert_eq!(extension(".pem"), "pem");
        assert_eq!(extension("A.TXT"), "txt");
    }
}
