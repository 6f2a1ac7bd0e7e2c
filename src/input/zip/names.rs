//! Entry names: decoding to UTF-8, safety rules, and duplicate detection.
//!
//! Decoding rule: a name is taken as UTF-8 when it is valid UTF-8, flag or not (Info-ZIP on
//! Unix and macOS archivers write UTF-8 without setting bit 11), or from an Info-ZIP Unicode
//! Path extra field that matches the raw name. Anything else is refused as `NonUtf8Name`: a
//! legacy name is in *some* DOS code page (CP437, CP850, CP932, ...) that the archive does not
//! record, so guessing would silently give wrong file names on the media.
//!
//! Safety rule: the zip format separates folders with `/` only. Backslashes are refused rather
//! than normalised: Windows extractors treat `\` as a separator, so `a\..\..\x` could escape
//! the target folder, and rewriting names would change what the author packaged. Also refused:
//! NUL, absolute paths, any `:` (drive letters such as `C:` and NTFS stream names), and `.`,
//! `..` or empty components. This module does not read the archive.

use crate::source::vtree::RejectKind;
use std::collections::BTreeMap;

/// The UTF-8 name of an entry, or the lossy rendering to report when it has none.
pub(crate) fn decode(raw: &[u8]) -> Result<String, String> {
    std::str::from_utf8(raw)
        .map(str::to_string)
        .map_err(|_| printable(&String::from_utf8_lossy(raw)))
}

/// A name made safe to print (NUL and other control characters escaped).
pub(crate) fn printable(name: &str) -> String {
    name.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

/// Checks a path (trailing `/` of a directory already removed) against the safety rule.
pub(crate) fn check(path: &str) -> Result<(), RejectKind> {
    let unsafe_path = path.is_empty()
        || path.contains(['\0', '\\', ':'])
        || path.starts_with('/')
        || path
            .split('/')
            .any(|c| c.is_empty() || c == "." || c == "..");
    if unsafe_path {
        Err(RejectKind::UnsafePath)
    } else {
        Ok(())
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    File,
    Dir,
}

/// Every path seen so far (folders implied by file paths included), exactly and case-folded.
#[derive(Default)]
pub(crate) struct Seen {
    exact: BTreeMap<String, Kind>,
    folded: BTreeMap<String, String>,
}

impl Seen {
    /// Records `path` and its parent folders; returns a message when it clashes with an earlier
    /// name exactly, by case only (Windows would merge them), or as file versus folder.
    pub fn add(&mut self, path: &str, is_dir: bool) -> Result<(), String> {
        for (i, _) in path.match_indices('/') {
            self.add_one(&path[..i], Kind::Dir)?;
        }
        self.add_one(path, if is_dir { Kind::Dir } else { Kind::File })
    }

    fn add_one(&mut self, path: &str, kind: Kind) -> Result<(), String> {
        match self.exact.get(path) {
            Some(Kind::Dir) if kind == Kind::Dir => return Ok(()),
            Some(Kind::File) if kind == Kind::File => {
                return Err(format!("the archive holds '{path}' twice"))
            }
            Some(_) => {
                return Err(format!(
                    "'{path}' is both a file and a folder in the archive"
                ))
            }
            None => {}
        }
        let key = path.to_lowercase();
        if let Some(other) = self.folded.get(&key) {
            return Err(format!(
                "'{other}' and '{path}' differ only in letter case; Windows cannot hold both (rename one)"
            ));
        }
        self.folded.insert(key, path.to_string());
        self.exact.insert(path.to_string(), kind);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safety_rule_refuses_escapes_and_accepts_plain_paths() {
        for bad in [
            "/etc/x",
            "C:/x",
            "a/../b",
            "..",
            "a\\b",
            "a//b",
            "./a",
            "a/./b",
            "a\0b",
            "f.txt:ads",
            "",
        ] {
            assert_eq!(check(bad), Err(RejectKind::UnsafePath), "{bad:?}");
        }
        for good in [
            "a",
            "amd64/viostor/viostor.inf",
            "ünï/cödé.txt",
            "a..b/c.",
            ".hidden",
        ] {
            assert_eq!(check(good), Ok(()), "{good:?}");
        }
    }

    #[test]
    fn decoding_takes_utf8_only() {
        assert_eq!(decode("é".as_bytes()), Ok("é".to_string()));
        assert_eq!(decode(b"\x82t\xe9"), Err("\u{fffd}t\u{fffd}".to_string()));
        assert_eq!(printable("a\0b"), "a\\u{0}b");
    }

    #[test]
    fn seen_reports_exact_case_and_kind_clashes() {
        let mut s = Seen::default();
        s.add("drv/a.inf", false).unwrap();
        s.add("drv", true).unwrap();
        assert!(s.add("drv/a.inf", false).unwrap_err().contains("twice"));
        let e = s.add("DRV/b.inf", false).unwrap_err();
        assert!(e.contains("'drv'") && e.contains("'DRV'"), "{e}");
        assert!(s
            .add("drv/A.INF", false)
            .unwrap_err()
            .contains("'drv/a.inf'"));
        assert!(s
            .add("drv/a.inf/x", false)
            .unwrap_err()
            .contains("both a file and a folder"));
    }
}
