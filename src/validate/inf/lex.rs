//! INF lexical rules: physical lines, `;` comments, `\` continuations, `key = value` and
//! comma-separated fields with double quotes.
//!
//! Every function here is a single pass over its input, so parsing stays linear in the file
//! size whatever the content. Nothing here knows about sections or `%strkey%` substitution.

/// One logical line: comments removed, continuations joined, trimmed, never empty.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Logical {
    /// 1-based number of the first physical line.
    pub line: u32,
    pub text: String,
}

/// Splits text into logical lines. Line breaks are `\r\n`, `\n` or a lone `\r`, matching what
/// editors show, so reported line numbers are the ones a user sees.
pub(crate) fn logical_lines(text: &str) -> Vec<Logical> {
    let mut out = Vec::new();
    // A logical line under construction: (first physical line, text so far).
    let mut pending: Option<(u32, String)> = None;
    for (index, physical) in physical_lines(text).enumerate() {
        let number = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let content = strip_comment(physical).trim_end();
        let (content, continues) = match content.strip_suffix('\\') {
            Some(head) => (head, true),
            None => (content, false),
        };
        let (first, mut joined) = pending.take().unwrap_or((number, String::new()));
        joined.push_str(content);
        if continues {
            pending = Some((first, joined));
        } else {
            push_logical(&mut out, first, joined);
        }
    }
    if let Some((first, joined)) = pending {
        push_logical(&mut out, first, joined);
    }
    out
}

fn push_logical(out: &mut Vec<Logical>, line: u32, text: String) {
    // 0x1A is the DOS end-of-file mark some old INF files still carry.
    let trimmed = text.trim_matches(|c: char| c.is_whitespace() || c == '\u{1a}');
    if !trimmed.is_empty() {
        let text = if trimmed.len() == text.len() {
            text
        } else {
            trimmed.to_owned()
        };
        out.push(Logical { line, text });
    }
}

fn physical_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let s = rest?;
        match s.find(['\r', '\n']) {
            Some(i) => {
                let skip = if s[i..].starts_with("\r\n") { 2 } else { 1 };
                rest = Some(&s[i + skip..]);
                Some(&s[..i])
            }
            None => {
                rest = None;
                // A final line break does not start another (empty) line.
                (!s.is_empty()).then_some(s)
            }
        }
    })
}

/// Cuts a physical line at the first `;` outside double quotes. Quotes never span lines.
pub(crate) fn strip_comment(line: &str) -> &str {
    let mut quoted = false;
    for (i, c) in line.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ';' if !quoted => return &line[..i],
            _ => {}
        }
    }
    line
}

/// Splits `key = value` at the first `=` outside quotes; `None` when there is no such `=`.
pub(crate) fn split_key(text: &str) -> Option<(&str, &str)> {
    let mut quoted = false;
    for (i, c) in text.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '=' if !quoted => return Some((&text[..i], &text[i + 1..])),
            _ => {}
        }
    }
    None
}

/// Splits on commas outside quotes; each field is trimmed (unquoted whitespace only) and its
/// quotes removed, `""` inside quotes standing for one `"`. Blank text has no fields.
pub(crate) fn split_fields(text: &str) -> Vec<String> {
    if text.trim().is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut rest = text;
    loop {
        let (field, next) = take_field(rest, true);
        out.push(field);
        match next {
            Some(n) => rest = n,
            None => return out,
        }
    }
}

/// The whole text as one value: trimmed and unquoted, commas kept (used for [Strings] values
/// and [Version] values such as `"Red Hat, Inc."`).
pub(crate) fn unquote(text: &str) -> String {
    take_field(text, false).0
}

/// Reads one field; returns it and the text after its terminating comma, if any.
fn take_field(text: &str, stop_at_comma: bool) -> (String, Option<&str>) {
    let mut field = String::new();
    // Length of `field` up to its last character that trimming must keep.
    let mut keep = 0;
    let mut quoted = false;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek().map(|&(_, n)| n) == Some('"') {
                    chars.next();
                    field.push('"');
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
            keep = field.len();
        } else if c == '"' {
            quoted = true;
        } else if c == ',' && stop_at_comma {
            field.truncate(keep);
            return (field, Some(&text[i + 1..]));
        } else if c.is_whitespace() {
            if !field.is_empty() {
                field.push(c);
            }
        } else {
            field.push(c);
            keep = field.len();
        }
    }
    field.truncate(keep);
    (field, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<(u32, String)> {
        logical_lines(text)
            .into_iter()
            .map(|l| (l.line, l.text))
            .collect()
    }

    fn owned(expected: &[(u32, &str)]) -> Vec<(u32, String)> {
        expected.iter().map(|&(n, s)| (n, s.to_owned())).collect()
    }

    #[test]
    fn comments_are_cut_outside_quotes_only() {
        assert_eq!(strip_comment(r#"a = "x;y" ; note"#), r#"a = "x;y" "#);
        assert_eq!(strip_comment("; whole line"), "");
        assert_eq!(strip_comment(r#"HKR,,X,,"a;b;c""#), r#"HKR,,X,,"a;b;c""#);
    }

    #[test]
    fn line_numbers_follow_every_line_break_style() {
        let got = lines("a\r\nb\nc\rd\n\n; c\n  e  \n");
        assert_eq!(
            got,
            owned(&[(1, "a"), (2, "b"), (3, "c"), (4, "d"), (7, "e")])
        );
    }

    #[test]
    fn continuation_joins_lines_and_keeps_the_first_number() {
        let got = lines("x\nCopyFiles = a, \\\n  b, \\ ; comment after the mark\n  c\ny\n");
        assert_eq!(
            got,
            owned(&[(1, "x"), (2, "CopyFiles = a,   b,   c"), (5, "y")])
        );
    }

    #[test]
    fn continuation_into_a_comment_or_the_end_of_file_ends_the_line() {
        let got = lines("HKR,,CoInstallers32,0x00010000, \\\n;\n\nz\\");
        assert_eq!(
            got,
            owned(&[(1, "HKR,,CoInstallers32,0x00010000,"), (4, "z")])
        );
    }

    #[test]
    fn fields_are_trimmed_and_unquoted() {
        assert_eq!(
            split_fields(r#" a ,"b, c" , ,"d""q" , " sp " "#),
            vec!["a", "b, c", "", "d\"q", " sp "]
        );
        assert_eq!(split_fields("   "), Vec::<String>::new());
        assert_eq!(split_fields("a,"), vec!["a", ""]);
        assert_eq!(split_fields(r#"pre"mid"post"#), vec!["premidpost"]);
        assert_eq!(
            split_fields(r#""unterminated, still one"#),
            vec!["unterminated, still one"]
        );
    }

    #[test]
    fn key_splits_at_the_first_unquoted_equals() {
        assert_eq!(
            split_key(r#"Signature = "$A=B$""#),
            Some(("Signature ", r#" "$A=B$""#))
        );
        assert_eq!(split_key(r#""k=1" = v"#), Some((r#""k=1" "#, " v")));
        assert_eq!(split_key("viostor.sys,,,2"), None);
    }

    #[test]
    fn unquote_keeps_commas() {
        assert_eq!(unquote(r#"  "Red Hat, Inc."  "#), "Red Hat, Inc.");
        assert_eq!(unquote(" 07/21/2023, 1.2 "), "07/21/2023, 1.2");
    }
}
