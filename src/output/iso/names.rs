//! Identifier rules: primary (ECMA-119) name mangling, Joliet UCS-2 names, and the
//! character-set conversions of descriptor text fields.
//!
//! Primary names are derived from the real names deterministically (upper case, invalid
//! characters become `_`, length limits, `_1`/`_2` suffixes on collisions). Joliet names
//! are the real names; a name Joliet cannot carry is an error here, because validation
//! should have refused it earlier. Nothing here decides where records go on disc.

use crate::{Error, Result};
use std::collections::BTreeSet;

/// Longest primary identifier we write, including `.EXT;1` for files.
const PRIMARY_MAX: usize = 31;
/// Longest extension kept in a primary file name.
const EXT_MAX: usize = 8;
/// Longest Joliet name in UCS-2 code units.
pub(crate) const JOLIET_MAX: usize = 64;

/// A child's primary identifier and the key it sorts by.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct PrimaryName {
    /// Name part (the whole identifier for a directory).
    pub base: String,
    /// Extension part; empty for directories.
    pub ext: String,
}

impl PrimaryName {
    /// Bytes of the identifier as recorded: `BASE.EXT;1` for files, `NAME` for directories.
    pub fn ident(&self, is_dir: bool) -> Vec<u8> {
        if is_dir {
            self.base.as_bytes().to_vec()
        } else {
            format!("{}.{};1", self.base, self.ext).into_bytes()
        }
    }
}

/// Maps one character to a d-character (`A-Z 0-9 _`).
fn d_char(c: char) -> char {
    match c {
        'A'..='Z' | '0'..='9' | '_' => c,
        'a'..='z' => c.to_ascii_uppercase(),
        _ => '_',
    }
}

fn d_string(s: &str, max: usize) -> String {
    s.chars().map(d_char).take(max).collect()
}

/// The primary identifier a name would get with no collision.
fn mangle(name: &str, is_dir: bool) -> PrimaryName {
    if is_dir {
        let base = d_string(name, PRIMARY_MAX);
        return PrimaryName {
            base: if base.is_empty() { "_".into() } else { base },
            ext: String::new(),
        };
    }
    let (base, ext) = match name.rfind('.') {
        Some(i) => (&name[..i], &name[i + 1..]),
        None => (name, ""),
    };
    let ext = d_string(ext, EXT_MAX);
    // `.` and `;1` take three of the 31 characters.
    let base = d_string(base, PRIMARY_MAX - 3 - ext.len());
    let base = if base.is_empty() && ext.is_empty() {
        "_".to_string()
    } else {
        base
    };
    PrimaryName { base, ext }
}

/// Replaces the end of `name.base` with `_n`, staying within the length limit.
fn with_suffix(name: &PrimaryName, is_dir: bool, n: usize) -> PrimaryName {
    let suffix = format!("_{n}");
    let limit = if is_dir {
        PRIMARY_MAX
    } else {
        PRIMARY_MAX - 3 - name.ext.len()
    };
    let keep = limit.saturating_sub(suffix.len()).min(name.base.len());
    PrimaryName {
        base: format!("{}{suffix}", &name.base[..keep]),
        ext: name.ext.clone(),
    }
}

/// Primary names for the children of one directory, given as (real name, is_dir) in a fixed
/// order. Collisions after mangling get `_1`, `_2`, ... in that order, so the result is
/// deterministic. Files and directories share one namespace keyed on (base, ext), which
/// also keeps the records strictly ordered.
pub(crate) fn primary_names(children: &[(&str, bool)]) -> Vec<PrimaryName> {
    let mut used: BTreeSet<PrimaryName> = BTreeSet::new();
    let mut out = Vec::with_capacity(children.len());
    for &(name, is_dir) in children {
        let plain = mangle(name, is_dir);
        let mut chosen = plain.clone();
        let mut n = 1;
        while used.contains(&chosen) {
            chosen = with_suffix(&plain, is_dir, n);
            n += 1;
        }
        used.insert(chosen.clone());
        out.push(chosen);
    }
    out
}

/// UCS-2 code units of a Joliet name, or an error naming the problem.
pub(crate) fn joliet_name(name: &str, path: &str) -> Result<Vec<u16>> {
    let refuse = |why: &str| {
        Err(Error::archive(
            path,
            format!("cannot store name \"{name}\" in Joliet: {why}"),
        ))
    };
    if name.is_empty() || name == "." || name == ".." {
        return refuse("empty or reserved name");
    }
    let mut units = Vec::new();
    for c in name.chars() {
        if (c as u32) > 0xFFFF {
            return refuse("character outside the Basic Multilingual Plane");
        }
        if (c as u32) < 0x20 || matches!(c, '*' | '/' | ':' | ';' | '?' | '\\') {
            return refuse(&format!("character {:?} is not allowed", c));
        }
        units.push(c as u32 as u16);
    }
    if units.len() > JOLIET_MAX {
        return refuse(&format!(
            "{} UCS-2 units, limit is {JOLIET_MAX}",
            units.len()
        ));
    }
    Ok(units)
}

/// UCS-2 units as big-endian bytes (their byte order is also their sort order).
pub(crate) fn ucs2_be(units: &[u16]) -> Vec<u8> {
    units.iter().flat_map(|u| u.to_be_bytes()).collect()
}

/// A primary descriptor text field of `len` bytes: upper-cased, restricted to a-characters
/// (or d-characters when `d_only`), space-filled.
pub(crate) fn ascii_field(text: &str, len: usize, d_only: bool) -> Vec<u8> {
    let mut out: Vec<u8> = text
        .chars()
        .map(|c| {
            let c = c.to_ascii_uppercase();
            let ok = matches!(c, 'A'..='Z' | '0'..='9' | '_')
                || (!d_only && matches!(c, ' ' | '!' | '"' | '%'..='/' | ':'..='?'));
            if ok {
                c as u8
            } else {
                b'_'
            }
        })
        .take(len)
        .collect();
    out.resize(len, b' ');
    out
}

/// A Joliet descriptor text field of `len` bytes: UCS-2BE, filled with UCS-2 spaces (an odd
/// final byte stays 0). Characters outside the BMP or not allowed in Joliet become `_`.
pub(crate) fn ucs2_field(text: &str, len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    for c in text.chars().take(len / 2) {
        let ok = (c as u32) >= 0x20
            && (c as u32) <= 0xFFFF
            && !matches!(c, '*' | '/' | ':' | ';' | '?' | '\\');
        let u = if ok { c as u32 as u16 } else { u16::from(b'_') };
        out.extend_from_slice(&u.to_be_bytes());
    }
    while out.len() < len {
        out.push(if out.len() % 2 == 0 { 0 } else { b' ' });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idents(children: &[(&str, bool)]) -> Vec<String> {
        primary_names(children)
            .iter()
            .zip(children)
            .map(|(n, c)| String::from_utf8(n.ident(c.1)).unwrap())
            .collect()
    }

    #[test]
    fn names_map_to_d_characters() {
        assert_eq!(
            idents(&[
                ("viostor.inf", false),
                ("README", false),
                ("amd64", true),
                ("a.b-c.tar.gz", false)
            ]),
            ["VIOSTOR.INF;1", "README.;1", "AMD64", "A_B_C_TAR.GZ;1"]
        );
        assert_eq!(
            idents(&[("Ünïcödé.txt", false), (".hidden", false)]),
            ["_N_C_D_.TXT;1", ".HIDDEN;1"]
        );
    }

    #[test]
    fn long_names_stay_within_31_characters() {
        let long = "a_really_long_file_name_that_goes_on_and_on.extension";
        let got = idents(&[(long, false), ("x".repeat(60).as_str(), true)]);
        assert_eq!(got[0], "A_REALLY_LONG_FILE_N.EXTENSIO;1");
        assert_eq!(got[1].len(), 31);
    }

    #[test]
    fn collisions_get_numbered_suffixes_within_limits() {
        let long = "b".repeat(40);
        let children = [
            ("a-b.txt", false),
            ("a_b.txt", false),
            ("A~b.txt", false),
            (long.as_str(), false),
            (&long[..39], false),
            ("dir.x", true),
            ("DIR_X", true),
            ("dir_x", false),
        ];
        let got = idents(&children);
        assert_eq!(&got[..3], ["A_B.TXT;1", "A_B_1.TXT;1", "A_B_2.TXT;1"]);
        assert_eq!(got[3], format!("{}.;1", "B".repeat(28)));
        assert_eq!(got[4], format!("{}_1.;1", "B".repeat(26)));
        assert_eq!(&got[5..], ["DIR_X", "DIR_X_1", "DIR_X_2.;1"]);
        assert!(got.iter().all(|n| n.len() <= 31));
    }

    #[test]
    fn joliet_names_are_checked() {
        assert_eq!(joliet_name("Ünï", "p").unwrap(), vec![0xDC, 0x6E, 0xEF]);
        assert!(joliet_name(&"x".repeat(64), "p").is_ok());
        let e = joliet_name(&"x".repeat(65), "p").unwrap_err().to_string();
        assert!(e.contains("65 UCS-2 units"), "{e}");
        assert!(joliet_name("a;1", "p").is_err());
        assert!(joliet_name("emoji\u{1F600}", "p")
            .unwrap_err()
            .to_string()
            .contains("Basic Multilingual"));
    }

    #[test]
    fn descriptor_fields_are_padded() {
        assert_eq!(
            ascii_field("Guest Tools-1.0", 16, true),
            b"GUEST_TOOLS_1_0 "
        );
        assert_eq!(
            ascii_field("guestpack 0.1.0", 16, false),
            b"GUESTPACK 0.1.0 "
        );
        assert_eq!(ucs2_field("Gä", 7), [0, b'G', 0, 0xE4, 0, b' ', 0]);
    }
}
