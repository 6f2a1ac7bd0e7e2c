//! Rules every media path must satisfy so Windows, ISO9660/Joliet and zip extractors all agree:
//! Windows-invalid characters and reserved device names, case-insensitive collisions
//! (Unicode-aware), Joliet component limits and total path length.
//!
//! This module only reads path strings; it does not rename anything.

use crate::diag::Finding;
use std::collections::BTreeMap;

/// Longest Joliet file identifier, in UTF-16 code units.
pub const JOLIET_MAX_UNITS: usize = 64;
/// Longest media path, in UTF-16 code units: leaves room under MAX_PATH for a drive or extract folder.
pub const MAX_PATH_UNITS: usize = 240;

const RESERVED: &[&str] = &[
    "CON",
    "PRN",
    "AUX",
    "NUL",
    "CONIN$",
    "CONOUT$",
    "COM1",
    "COM2",
    "COM3",
    "COM4",
    "COM5",
    "COM6",
    "COM7",
    "COM8",
    "COM9",
    "COM\u{b9}",
    "COM\u{b2}",
    "COM\u{b3}",
    "LPT1",
    "LPT2",
    "LPT3",
    "LPT4",
    "LPT5",
    "LPT6",
    "LPT7",
    "LPT8",
    "LPT9",
    "LPT\u{b9}",
    "LPT\u{b2}",
    "LPT\u{b3}",
];

/// Case key for collision checks: per-character Unicode lower-casing (`Ä` and `ä` collide).
pub fn case_key(s: &str) -> String {
    s.chars().flat_map(char::to_lowercase).collect()
}

fn is_reserved(component: &str) -> bool {
    let stem = component
        .split('.')
        .next()
        .unwrap_or(component)
        .trim_end_matches(' ');
    RESERVED
        .iter()
        .any(|r| r.eq_ignore_ascii_case(stem) || stem.to_uppercase() == *r)
}

/// Problems of one path component; `at` is the path up to and including it.
fn component(name: &str, at: &str, out: &mut Vec<Finding>) {
    let shorten = "rename the file or folder in the input (or its driver in the spec)";
    // Only reachable through an adapter that let such a path into the tree; the ISO and zip
    // writers refuse it, so validation must reject it first.
    if name.is_empty() || name == "." || name == ".." {
        out.push(
            Finding::error(
                "NAME008",
                format!("\"{at}\" has an empty, '.' or '..' path component"),
            )
            .at(at)
            .help("give every file and folder a real name"),
        );
        return;
    }
    if let Some(c) = name
        .chars()
        .find(|c| "<>:\"|?*\\".contains(*c) || (*c as u32) < 0x20)
    {
        let shown = if (c as u32) < 0x20 {
            format!("control character U+{:04X}", c as u32)
        } else {
            format!("'{c}'")
        };
        out.push(
            Finding::error(
                "NAME001",
                format!("\"{name}\" contains {shown}, which Windows does not allow in names"),
            )
            .at(at)
            .help(shorten),
        );
    }
    if name.ends_with(' ') || name.ends_with('.') {
        out.push(
            Finding::error(
                "NAME001",
                format!("\"{name}\" ends with a space or dot, which Windows strips"),
            )
            .at(at)
            .help(shorten),
        );
    }
    if is_reserved(name) {
        out.push(
            Finding::error("NAME002", format!("\"{name}\" is a reserved Windows device name"))
                .at(at)
                .help("rename it; CON, PRN, AUX, NUL, COM1-9 and LPT1-9 are reserved even with an extension"),
        );
    }
    let units = name.encode_utf16().count();
    if units > JOLIET_MAX_UNITS {
        out.push(
            Finding::error(
                "NAME004",
                format!(
                    "\"{name}\" is {units} UTF-16 units long; Joliet allows {JOLIET_MAX_UNITS}"
                ),
            )
            .at(at)
            .help(format!(
                "shorten the name to at most {JOLIET_MAX_UNITS} characters"
            )),
        );
    }
    if let Some(c) = name.chars().find(|c| (*c as u32) > 0xFFFF) {
        out.push(
            Finding::error("NAME005", format!("\"{name}\" contains U+{:X}, outside the Basic Multilingual Plane Joliet supports", c as u32))
                .at(at)
                .help(shorten),
        );
    }
    if name.contains(';') {
        out.push(
            Finding::error(
                "NAME006",
                format!("\"{name}\" contains ';', which Joliet reserves for versions"),
            )
            .at(at)
            .help(shorten),
        );
    }
}

/// Checks every media path (files; their folders are derived). Paths in byte order give
/// deterministic findings; a collision is reported at the later path, naming both.
pub fn check<'a>(paths: impl IntoIterator<Item = &'a str>) -> Vec<Finding> {
    let mut out = Vec::new();
    // Every distinct prefix (folder or file path) is checked once.
    let mut seen: BTreeMap<String, ()> = BTreeMap::new();
    let mut by_key: BTreeMap<String, String> = BTreeMap::new();
    for path in paths {
        let units = path.encode_utf16().count();
        if units > MAX_PATH_UNITS {
            out.push(
                Finding::error(
                    "NAME007",
                    format!("path is {units} characters long; the limit is {MAX_PATH_UNITS}"),
                )
                .at(path)
                .help("shorten folder or file names (driver folder names come from the spec)"),
            );
        }
        let mut end = 0usize;
        for comp in path.split('/') {
            end += comp.len();
            let prefix = &path[..end];
            end += 1;
            if seen.insert(prefix.to_string(), ()).is_some() {
                continue;
            }
            component(comp, prefix, &mut out);
            match by_key.get(&case_key(prefix)) {
                Some(first) if first != prefix => out.push(
                    Finding::error("NAME003", format!("\"{prefix}\" and \"{first}\" differ only in case and collide on Windows"))
                        .at(prefix)
                        .help("rename one of them"),
                ),
                Some(_) => {}
                None => {
                    by_key.insert(case_key(prefix), prefix.to_string());
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(paths: &[&str]) -> Vec<(&'static str, String)> {
        check(paths.iter().copied())
            .into_iter()
            .map(|f| (f.code, f.path.unwrap_or_default()))
            .collect()
    }

    #[test]
    fn clean_paths_pass() {
        assert!(codes(&[
            "README.md",
            "drivers/amd64/viostor/viostor.inf",
            "tools/Straße.txt",
            "tools/STRASSE.txt"
        ])
        .is_empty());
    }

    #[test]
    fn reserved_and_invalid() {
        assert_eq!(
            codes(&["tools/nul.txt"]),
            vec![("NAME002", "tools/nul.txt".into())]
        );
        assert_eq!(
            codes(&["tools/Com1"]),
            vec![("NAME002", "tools/Com1".into())]
        );
        assert_eq!(
            codes(&["tools/COM\u{b9}.log"]),
            vec![("NAME002", "tools/COM\u{b9}.log".into())]
        );
        assert!(codes(&["tools/console.txt", "tools/com10"]).is_empty());
        assert_eq!(codes(&["a?b/x"]), vec![("NAME001", "a?b".into())]);
        assert_eq!(
            codes(&["x/tab\there"]),
            vec![("NAME001", "x/tab\there".into())]
        );
        assert_eq!(codes(&["x/end."]), vec![("NAME001", "x/end.".into())]);
    }

    #[test]
    fn joliet_limits() {
        let long = "a".repeat(65);
        assert_eq!(
            codes(&[&format!("t/{long}")]),
            vec![("NAME004", format!("t/{long}"))]
        );
        assert!(codes(&[&format!("t/{}", "é".repeat(64))]).is_empty());
        assert_eq!(
            codes(&["t/\u{1F600}.txt"]),
            vec![("NAME005", "t/\u{1F600}.txt".into())]
        );
        assert_eq!(codes(&["t/a;1"]), vec![("NAME006", "t/a;1".into())]);
        let deep = format!("{}/x", vec!["abcdefghij"; 24].join("/"));
        assert_eq!(codes(&[&deep]), vec![("NAME007", deep.clone())]);
    }

    #[test]
    fn unicode_case_collisions_name_both() {
        let f = check(["tools/x/\u{c4}.inf", "tools/x/\u{e4}.inf"]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].code, "NAME003");
        assert!(f[0].message.contains("\u{c4}.inf") && f[0].message.contains("\u{e4}.inf"));
        let f = check(["Tools/a", "tools/b"]);
        assert_eq!(
            (f[0].code, f[0].path.as_deref()),
            ("NAME003", Some("tools"))
        );
    }
}
