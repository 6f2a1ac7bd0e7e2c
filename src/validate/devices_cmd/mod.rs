//! `config/devices.cmd`: the batch file the guest-tools scripts `call` to learn the device
//! list. Generates it from a [`Contract`] (CRLF, ASCII; [`own`] and [`reference`] dialects) and parses the `set` variables of a
//! shipped one so specs can refer to them.
//!
//! The parser understands only the data subset (`set`, comments, `@echo`); it does not run batch
//! logic, expand `%VAR%` references or follow `call`.

mod own;
mod reference;

use crate::validate::contract::Contract;

/// One `set` assignment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Var {
    pub name: String,
    /// The raw value after `=`.
    pub value: String,
    /// The value split on whitespace, each token with its double quotes stripped.
    pub tokens: Vec<String>,
    /// 1-based line number.
    pub line: u32,
}

/// The assignments of a devices.cmd, in file order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DevicesCmd {
    pub vars: Vec<Var>,
    /// Lines that are neither assignments, comments, `@echo` nor blank (1-based).
    pub other_lines: Vec<u32>,
}

impl DevicesCmd {
    /// The last assignment of `name` (batch variable names are case-insensitive).
    pub fn get(&self, name: &str) -> Option<&Var> {
        self.vars
            .iter()
            .rev()
            .find(|v| v.name.eq_ignore_ascii_case(name))
    }
}

/// Parses the `set` lines of a devices.cmd. Never fails; unknown lines are listed.
pub fn parse(text: &str) -> DevicesCmd {
    let mut out = DevicesCmd::default();
    for (i, raw) in text.lines().enumerate() {
        let line = i as u32 + 1;
        let t = raw.trim();
        let t = t.strip_prefix('@').unwrap_or(t).trim_start();
        let lower = t.to_ascii_lowercase();
        if t.is_empty()
            || t.starts_with("::")
            || lower == "rem"
            || lower.starts_with("rem ")
            || lower.starts_with("echo")
        {
            continue;
        }
        match parse_set(t) {
            Some((name, value)) => {
                let tokens = tokens(&value);
                out.vars.push(Var {
                    name,
                    value,
                    tokens,
                    line,
                });
            }
            None => out.other_lines.push(line),
        }
    }
    out
}

/// `set NAME=VALUE` or `set "NAME=VALUE"` -> (NAME, VALUE).
fn parse_set(t: &str) -> Option<(String, String)> {
    let head = t.get(..3)?;
    if !head.eq_ignore_ascii_case("set") {
        return None;
    }
    let rest = &t[3..];
    if !rest.starts_with([' ', '\t']) {
        return None;
    }
    let rest = rest.trim_start();
    let body = match rest.strip_prefix('"') {
        // Like cmd.exe: everything up to the last quote; text after it is dropped.
        Some(q) => &q[..q.rfind('"')?],
        None => rest,
    };
    let (name, value) = body.split_once('=')?;
    let name = name.trim();
    if name.is_empty() || name.starts_with('/') || name.contains(char::is_whitespace) {
        return None;
    }
    Some((name.to_string(), value.to_string()))
}

/// Whitespace-separated tokens; a token may be double-quoted (and then contain spaces).
pub fn tokens(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = value.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let Some(&c) = chars.peek() else { break };
        let mut tok = String::new();
        if c == '"' {
            chars.next();
            for c in chars.by_ref() {
                if c == '"' {
                    break;
                }
                tok.push(c);
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                if c != '"' {
                    tok.push(c);
                }
                chars.next();
            }
        }
        if !tok.is_empty() {
            out.push(tok);
        }
    }
    out
}

/// Writes the devices.cmd for a contract, in the contract's dialect: CRLF line endings,
/// ASCII (the contract checks ensure it). `spec_drivers` are the spec's driver names (the
/// reference dialect takes service names from them in one case). `Err` says why this
/// contract cannot give the file the reference's scripts need.
pub fn generate(contract: &Contract, spec_drivers: &[&str]) -> Result<String, String> {
    match contract {
        Contract::Own(c) => Ok(own::generate(c)),
        Contract::Reference(c) => reference::generate(c, spec_drivers),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_set_forms_and_ignores_comments() {
        let text = "@echo off\nREM x\n:: y\n\nSET A=one \"two three\" four\nset \"B=x=y\" trailing\nsetlocal\nset /a C=1\n@set D=\"q\"\n";
        let p = parse(text);
        let names: Vec<_> = p.vars.iter().map(|v| (v.name.as_str(), v.line)).collect();
        assert_eq!(names, vec![("A", 5), ("B", 6), ("D", 9)]);
        assert_eq!(p.get("a").unwrap().tokens, vec!["one", "two three", "four"]);
        assert_eq!(p.get("B").unwrap().value, "x=y");
        assert_eq!(p.get("D").unwrap().tokens, vec!["q"]);
        assert_eq!(p.other_lines, vec![7, 8]);
    }
}
