//! Builds an [`Inf`] from decoded text: sections, entries and the `[Strings]` table.
//!
//! Parsing never fails. Lines before the first section header and lines that are neither
//! headers nor entries are kept in the content lines as written; nothing is dropped for being
//! unusual. This module does not interpret directives (see `refs`).

use super::lex::{self, Logical};
use super::{fold, Entry, Inf, Section};

/// Parses decoded INF text. Never fails: odd lines are kept as-is.
///
/// `;` starts a comment except inside double quotes; a trailing `\` joins the next physical
/// line (the logical line keeps the first line's number); `[Name]` starts a section (names
/// are case-insensitive and repeated sections are merged); `key = value` entries; values are
/// split on commas outside quotes, trimmed and unquoted.
pub fn parse(text: &str) -> Inf {
    // Text decoded elsewhere may still start with the BOM character; it is not part of line 1.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut inf = Inf::default();
    let mut current: Option<usize> = None;
    for Logical { line, text } in lex::logical_lines(text) {
        let index = inf.lines.len();
        if let Some(name) = header_name(&text) {
            current = Some(section_index(&mut inf, name));
        } else if let Some(section) = current {
            let entry = make_entry(&text, line, index);
            inf.sections[section].entries.push(entry);
        }
        inf.lines.push((line, text));
    }
    collect_strings(&mut inf);
    inf
}

/// `[Name]` (anything after the `]` is ignored, as Windows does); quotes around the name are
/// removed. A line starting with `[` but lacking `]` is not a header.
fn header_name(text: &str) -> Option<String> {
    let rest = text.strip_prefix('[')?;
    let end = rest.find(']')?;
    Some(lex::unquote(&rest[..end]))
}

fn section_index(inf: &mut Inf, name: String) -> usize {
    let folded = fold(&name);
    if let Some(&i) = inf.index.get(&folded) {
        return i;
    }
    let i = inf.sections.len();
    inf.index.insert(folded.clone(), i);
    inf.sections.push(Section {
        name,
        folded,
        entries: Vec::new(),
    });
    i
}

fn make_entry(text: &str, line: u32, index: usize) -> Entry {
    match lex::split_key(text) {
        Some((key, value)) => Entry {
            line,
            key: Some(lex::unquote(key)),
            values: lex::split_fields(value),
            text: index,
        },
        None => Entry {
            line,
            key: None,
            values: lex::split_fields(text),
            text: index,
        },
    }
}

/// `[Strings]` wins over locale sections such as `[Strings.0409]`, which fill in keys it lacks,
/// in file order. Within a section the first definition of a key wins.
fn collect_strings(inf: &mut Inf) {
    let mut order: Vec<usize> = Vec::new();
    order.extend(inf.index.get("strings").copied());
    order.extend(
        inf.sections
            .iter()
            .enumerate()
            .filter(|(_, s)| s.folded.starts_with("strings."))
            .map(|(i, _)| i),
    );
    let mut strings = std::mem::take(&mut inf.strings);
    for i in order {
        for entry in &inf.sections[i].entries {
            let Some(key) = &entry.key else { continue };
            let Some((_, raw)) = lex::split_key(inf.text(entry)) else {
                continue;
            };
            strings
                .entry(fold(key))
                .or_insert_with(|| lex::unquote(raw));
        }
    }
    inf.strings = strings;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_are_case_insensitive_and_merged_in_file_order() {
        let inf = parse("[Files]\na.sys\n[Other]\nx=1\n[FILES]\nb.sys\n[files] ; again\nc.sys\n");
        assert_eq!(inf.section_names(), vec!["Files", "Other"]);
        let files: Vec<(u32, String)> = inf
            .entries("fIlEs")
            .iter()
            .map(|e| (e.line, e.values[0].clone()))
            .collect();
        assert_eq!(
            files,
            vec![
                (2, "a.sys".into()),
                (6, "b.sys".into()),
                (8, "c.sys".into())
            ]
        );
    }

    #[test]
    fn entries_keep_keys_values_and_line_numbers() {
        let text = "; header comment\n\n[Version]\r\nSignature = \"$Windows NT$\"\r\n\r\nDriverVer = 07/21/2023,1.2.3 ; when\r\n[S]\r\nplain, \"q,1\" ,\r\n";
        let inf = parse(text);
        let v = inf.entries("version");
        assert_eq!(
            (v[0].line, v[0].key.as_deref(), v[0].values.clone()),
            (4, Some("Signature"), vec!["$Windows NT$".to_owned()])
        );
        assert_eq!(
            (v[1].line, v[1].values.clone()),
            (6, vec!["07/21/2023".to_owned(), "1.2.3".to_owned()])
        );
        let s = inf.entries("S");
        assert_eq!(
            (s[0].line, s[0].key.clone(), s[0].values.clone()),
            (8, None, vec!["plain".into(), "q,1".into(), "".into()])
        );
        assert_eq!(
            inf.version_value("driverver").as_deref(),
            Some("07/21/2023,1.2.3")
        );
    }

    #[test]
    fn lines_before_any_section_and_odd_lines_are_kept() {
        let inf = parse("stray line\n[Broken\n[V]\n= no key\n]\n");
        let lines = inf.content_lines();
        assert_eq!(
            lines,
            vec![
                (1, "stray line".into()),
                (2, "[Broken".into()),
                (3, "[V]".into()),
                (4, "= no key".into()),
                (5, "]".into())
            ]
        );
        assert_eq!(inf.section_names(), vec!["V"]);
        assert_eq!(inf.entries("V")[0].key.as_deref(), Some(""));
        assert_eq!(
            parse("\u{feff}[Version]\n").section_names(),
            vec!["Version"]
        );
    }

    #[test]
    fn strings_resolve_case_insensitively_with_locale_fallback() {
        let text = "[Strings.0407]\nOnlyLocal=\"lokal\"\nBoth=\"de\"\n[Strings]\nBOTH = \"Red Hat, Inc.\"\nBoth = ignored\n[strings.0409]\nOnlyLocal=en\n";
        let inf = parse(text);
        assert_eq!(
            inf.resolve("%both%/%ONLYLOCAL%/%12%\\x.sys/100%%/%open"),
            "Red Hat, Inc./lokal/%12%\\x.sys/100%/%open"
        );
        assert_eq!(inf.string("onlylocal"), Some("lokal"));
    }

    #[test]
    fn version_value_resolves_strings_and_is_none_when_absent() {
        let inf = parse(
            "[version]\nProvider=%VENDOR%\nClass = \"Net\"\n[Strings]\nVENDOR=\"Red Hat, Inc.\"\n",
        );
        assert_eq!(
            inf.version_value("Provider").as_deref(),
            Some("Red Hat, Inc.")
        );
        assert_eq!(inf.version_value("CLASS").as_deref(), Some("Net"));
        assert_eq!(inf.version_value("ClassGuid"), None);
        assert_eq!(parse("Provider=x\n").version_value("Provider"), None);
    }
}
