//! Explicit bounds on what an input may make the packager do, and the one error shape for
//! "over a limit".
//!
//! Every input is hostile until validated: a zip can declare a petabyte, a folder can hold a
//! million entries, a spec can ask for a regex that compiles to gigabytes. Each bound here has
//! a default that real driver bundles stay far below and a command-line flag (and a JS option)
//! to raise it; [`Limits::exceeded`] builds the error that names both the value and the flag.
//! This module only holds numbers and formats messages; the readers and checks enforce them.

use crate::error::Error;

/// The bounds one run applies to its inputs. Field names match the CLI flags
/// (`max_entries` ↔ `--max-entries`) and the JS options (`maxEntries`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Files and folders in one input tree (zip entries, directory walk, ISO records).
    pub max_entries: u64,
    /// Sum of the file sizes in one input tree, uncompressed.
    pub max_total_size: u64,
    /// Size of any single file, uncompressed.
    pub max_file_size: u64,
    /// Number of `/`-separated components of any path in an input tree.
    pub max_path_depth: u32,
    /// Compiled size of one spec regex, in bytes; the spec's regexes together may use
    /// [`Limits::REGEX_TOTAL_FACTOR`] times as much.
    pub max_regex_size: u64,
    /// Size of a text file parsed whole (INF, `config/devices.cmd`).
    pub max_inf_size: u64,
    /// Uncompressed : compressed ratio of a deflated zip entry (the zip bomb guard).
    pub max_ratio: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_entries: 100_000,
            max_total_size: 16 << 30,
            max_file_size: 4 << 30,
            max_path_depth: 64,
            max_regex_size: 1 << 20,
            max_inf_size: 8 << 20,
            max_ratio: 1000,
        }
    }
}

impl Limits {
    /// How many times [`Limits::max_regex_size`] all regexes of one spec may use together.
    pub const REGEX_TOTAL_FACTOR: u64 = 32;

    /// The error for `input` going over the limit behind `flag`: `what` says what was
    /// measured ("the archive has 120000 entries"), `limit` is the bound in force.
    pub fn exceeded(input: &str, flag: &'static str, what: impl AsRef<str>, limit: u64) -> Error {
        Error::Limit {
            file: input.to_string(),
            flag,
            message: format!("{}, over the limit of {limit}", what.as_ref()),
        }
    }
}

/// One limit as the user names it: its command-line flag, its JS option and whether it is a
/// size (taking `K`/`M`/`G`/`T` suffixes) or a plain count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LimitName {
    pub flag: &'static str,
    pub js: &'static str,
    pub size: bool,
}

/// Every limit's names, in the order of [`Limits`]' fields: the one table the CLI flags, the
/// JS options and the page's fields agree on.
pub const NAMES: [LimitName; 7] = [
    LimitName {
        flag: "--max-entries",
        js: "maxEntries",
        size: false,
    },
    LimitName {
        flag: "--max-total-size",
        js: "maxTotalSize",
        size: true,
    },
    LimitName {
        flag: "--max-file-size",
        js: "maxFileSize",
        size: true,
    },
    LimitName {
        flag: "--max-path-depth",
        js: "maxPathDepth",
        size: false,
    },
    LimitName {
        flag: "--max-regex-size",
        js: "maxRegexSize",
        size: true,
    },
    LimitName {
        flag: "--max-inf-size",
        js: "maxInfSize",
        size: true,
    },
    LimitName {
        flag: "--max-ratio",
        js: "maxRatio",
        size: false,
    },
];

/// The JS option behind a limit's command-line flag (`--max-entries` → `maxEntries`).
pub fn js_option(flag: &str) -> Option<&'static str> {
    NAMES.iter().find(|n| n.flag == flag).map(|n| n.js)
}

/// Parses a limit's value as the user typed it: a size (`512M`) for a size limit, a whole
/// number for a count.
pub fn parse_value(name: &LimitName, text: &str) -> Result<u64, String> {
    if name.size {
        return parse_size(text);
    }
    text.trim()
        .parse()
        .map_err(|_| format!("\"{text}\" is not a whole number"))
}

/// Parses a size such as `4096`, `512K`, `512M`, `4G` or `1T` (binary multiples; an optional
/// trailing `B` or `iB` is accepted: `4GiB`, `4GB`). Used for the `--max-*-size` flags.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, suffix) = t.split_at(digits);
    let bad = || {
        format!("\"{text}\" is not a size (use a whole number with an optional K, M, G or T suffix, e.g. 512M or 4G)")
    };
    let n: u64 = number.parse().map_err(|_| bad())?;
    let suffix = suffix.trim().to_ascii_uppercase();
    let unit = suffix
        .strip_suffix("IB")
        .or_else(|| suffix.strip_suffix('B'))
        .unwrap_or(&suffix);
    let shift = match unit {
        "" => 0,
        "K" => 10,
        "M" => 20,
        "G" => 30,
        "T" => 40,
        _ => return Err(bad()),
    };
    n.checked_mul(1u64 << shift)
        .ok_or_else(|| format!("\"{text}\" is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_take_binary_suffixes_and_refuse_nonsense() {
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("512K"), Ok(512 << 10));
        assert_eq!(parse_size("512m"), Ok(512 << 20));
        assert_eq!(parse_size("4G"), Ok(4 << 30));
        assert_eq!(parse_size("4GiB"), Ok(4 << 30));
        assert_eq!(parse_size("4GB"), Ok(4 << 30));
        assert_eq!(parse_size(" 1T "), Ok(1 << 40));
        for bad in ["", "G", "-1", "1.5G", "4X", "4 GG", "99999999999T"] {
            assert!(parse_size(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_error_names_the_input_value_and_flag() {
        let e = Limits::exceeded("a.zip", "--max-entries", "the archive has 7 entries", 5);
        assert_eq!(
            e.to_string(),
            "a.zip: the archive has 7 entries, over the limit of 5 (raise it with --max-entries)"
        );
        assert!(matches!(
            e,
            Error::Limit {
                flag: "--max-entries",
                ..
            }
        ));
    }
}
