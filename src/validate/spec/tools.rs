//! The spec's `tools`: installers (the QEMU guest agent, other guest additions) that setup.cmd
//! runs after the drivers, per architecture, and uninstall.cmd removes again.
//!
//! Everything a tool entry holds ends up in `set` lines of `config/tools.cmd`, which cmd.exe
//! expands inside the guest scripts: names, file names and arguments are therefore held to a
//! character set cmd passes through unchanged (no quotes, `%`, `!`, `&`, `|`, `<`, `>`, `^`,
//! parentheses), and anything else is a finding against the spec rather than a script that
//! misbehaves in the guest.

use super::arches;
use crate::diag::Finding;
use crate::validate::layout::Arch;
use serde::Deserialize;
use std::collections::BTreeMap;

/// One tool entry, as written.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RawTool {
    /// Folder name under `tools/` on the media; also what setup.cmd logs and records.
    pub name: String,
    /// Other input folder names taken as this tool (virtio-win's `guest-agent` for `qemu-ga`).
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default = "yes")]
    pub required: bool,
    /// Architecture (`x86`, `amd64`, `arm64`, or `all`) → installer file in the tool folder.
    pub installers: BTreeMap<String, String>,
    /// Extra arguments: MSI properties (`ADDLOCAL=ALL`) or an `.exe`'s silent switches.
    #[serde(default)]
    pub args: Vec<String>,
    /// How uninstall.cmd removes an `.exe` or `.cmd` installer's work (MSIs are removed by
    /// their product code, read from the package).
    #[serde(default)]
    pub uninstall: Option<RawUninstall>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RawUninstall {
    /// The program to run, e.g. `%ProgramFiles%\Tool\uninstall.exe`.
    pub run: String,
    #[serde(default)]
    pub args: Vec<String>,
}

fn yes() -> bool {
    true
}

/// Which machines an installer is for: one architecture, or every one (an x86 program or a
/// script, which every Windows runs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ForArch {
    One(Arch),
    All,
}

impl ForArch {
    pub fn as_str(self) -> &'static str {
        match self {
            ForArch::One(a) => a.as_str(),
            ForArch::All => "all",
        }
    }
}

/// The architecture a Windows Installer package's platform (its summary's Template: `Intel`,
/// `x64`, `Arm64`, any case) installs on; `None` for platforms no supported Windows runs.
pub fn msi_platform_arch(platform: &str) -> Option<Arch> {
    match platform.to_ascii_lowercase().as_str() {
        "intel" => Some(Arch::X86),
        "x64" | "amd64" => Some(Arch::Amd64),
        "arm64" => Some(Arch::Arm64),
        _ => None,
    }
}

/// What an installer is, from its extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InstallerKind {
    Msi,
    Exe,
    Script,
}

impl InstallerKind {
    pub fn of(file: &str) -> Option<InstallerKind> {
        let ext = file.rsplit_once('.')?.1.to_ascii_lowercase();
        match ext.as_str() {
            "msi" => Some(InstallerKind::Msi),
            "exe" => Some(InstallerKind::Exe),
            "cmd" | "bat" => Some(InstallerKind::Script),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            InstallerKind::Msi => "msi",
            InstallerKind::Exe => "exe",
            InstallerKind::Script => "cmd",
        }
    }
}

/// A tool, ready to check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToolRule {
    pub name: String,
    pub aliases: Vec<String>,
    pub required: bool,
    /// Sorted by architecture, `all` last.
    pub installers: Vec<(ForArch, String)>,
    pub args: Vec<String>,
    pub uninstall: Option<(String, Vec<String>)>,
}

impl ToolRule {
    /// Whether an input folder named `folder` is this tool (name or alias, any case).
    pub fn matches(&self, folder: &str) -> bool {
        super::compile::names_match(&self.name, &self.aliases, folder)
    }

    /// The installer a machine of `arch` runs: its own, else the one for all.
    pub fn installer_for(&self, arch: Arch) -> Option<&(ForArch, String)> {
        self.installers
            .iter()
            .find(|(a, _)| *a == ForArch::One(arch))
            .or_else(|| self.installers.iter().find(|(a, _)| *a == ForArch::All))
    }
}

/// A name cmd passes through unchanged and Windows takes as a folder name.
pub(crate) fn safe_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && !s.starts_with('.')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

pub(crate) fn safe_file(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 128
        && !s.starts_with(['.', ' '])
        && !s.ends_with([' ', '.'])
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+' | ' '))
}

fn safe_arg(s: &str) -> bool {
    !s.is_empty()
        && s.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(
                    c,
                    '.' | '_' | '-' | '+' | '/' | '\\' | ':' | '=' | ',' | '{' | '}'
                )
        })
}

/// `%NAME%` references are allowed in the uninstall program (the one place a path outside the
/// medium is named); every other character is held to the file-name set.
fn safe_program(s: &str) -> bool {
    let mut parts = s.split('%');
    let mut inside = false;
    let ok = parts.all(|p| {
        let good = if inside {
            !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        } else {
            p.chars().all(|c| {
                c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+' | ' ' | '\\' | ':')
            })
        };
        inside = !inside;
        good
    });
    // An odd count of `%` leaves the last reference open.
    ok && s.matches('%').count().is_multiple_of(2) && !s.trim().is_empty()
}

const CHARSET_HELP: &str = "names may use letters, digits, '.', '_' and '-'; file names also '+' and spaces; arguments also '/', '\\', ':', '=', ',', '{' and '}' — setup.cmd passes them through cmd.exe, which gives other characters (quotes, %, !, &, |, <, >, ^, parentheses) a meaning of their own";

/// Compiles the spec's tools against the media's architectures.
pub fn compile(
    raw: &[RawTool],
    media: &[Arch],
    spec_name: &str,
    findings: &mut Vec<Finding>,
) -> Vec<ToolRule> {
    let mut out: Vec<ToolRule> = Vec::new();
    let mut bad = |what: String| {
        findings.push(
            Finding::error("SPEC011", what)
                .at(spec_name)
                .help(CHARSET_HELP),
        )
    };
    let mut rules = Vec::new();
    for t in raw {
        let name = t.name.trim();
        if !safe_name(name) {
            bad(format!(
                "tool \"{name}\": the name is not a usable folder name"
            ));
            continue;
        }
        let mut ok = true;
        for a in &t.aliases {
            if !safe_name(a.trim()) {
                bad(format!(
                    "tool \"{name}\": alias \"{a}\" is not a usable folder name"
                ));
                ok = false;
            }
        }
        let mut installers = Vec::new();
        for (key, file) in &t.installers {
            let arch = if key.eq_ignore_ascii_case("all") {
                Some(ForArch::All)
            } else {
                Arch::from_folder(key).map(ForArch::One)
            };
            let Some(arch) = arch else {
                rules.push((
                    "SPEC012",
                    format!("tool \"{name}\": installers has the key \"{key}\", which is no architecture"),
                    format!("use x86, amd64, arm64 or all (an x86 program or a script every Windows runs), or an input folder alias: {}", Arch::ALIASES),
                ));
                ok = false;
                continue;
            };
            if !safe_file(file) {
                bad(format!(
                    "tool \"{name}\": installer \"{file}\" is not a usable file name"
                ));
                ok = false;
                continue;
            }
            if InstallerKind::of(file).is_none() {
                rules.push((
                    "SPEC012",
                    format!("tool \"{name}\": installer \"{file}\" is neither an .msi, an .exe nor a .cmd or .bat"),
                    "setup.cmd runs Windows Installer packages (msiexec), programs and batch files".to_string(),
                ));
                ok = false;
                continue;
            }
            if installers.iter().any(|(a, _)| *a == arch) {
                rules.push((
                    "SPEC012",
                    format!(
                        "tool \"{name}\": installers names {} twice (\"{key}\")",
                        arch.as_str()
                    ),
                    "give each architecture one installer".to_string(),
                ));
                ok = false;
                continue;
            }
            installers.push((arch, file.clone()));
        }
        if installers.is_empty() && ok {
            rules.push((
                "SPEC012",
                format!("tool \"{name}\": installers is empty"),
                "name the installer per architecture, e.g. {\"x86\": \"qemu-ga-i386.msi\", \"amd64\": \"qemu-ga-x86_64.msi\"}".to_string(),
            ));
            ok = false;
        }
        installers.sort();
        for a in &t.args {
            if !safe_arg(a) {
                bad(format!(
                    "tool \"{name}\": argument \"{a}\" cannot be passed through cmd.exe unchanged"
                ));
                ok = false;
            }
        }
        let uninstall = match &t.uninstall {
            Some(u) => {
                if !safe_program(&u.run) || !u.args.iter().all(|a| safe_arg(a)) {
                    bad(format!("tool \"{name}\": uninstall \"{}\" cannot be passed through cmd.exe unchanged", u.run));
                    ok = false;
                }
                Some((u.run.clone(), u.args.clone()))
            }
            None => None,
        };
        let rule = ToolRule {
            name: name.to_string(),
            aliases: t.aliases.iter().map(|a| a.trim().to_string()).collect(),
            required: t.required,
            installers,
            args: t.args.clone(),
            uninstall,
        };
        let clash = std::iter::once(&rule.name)
            .chain(&rule.aliases)
            .find_map(|n| {
                out.iter()
                    .find(|o| o.matches(n))
                    .map(|o| (n.clone(), o.name.clone()))
            });
        if let Some((n, other)) = clash {
            rules.push((
                "SPEC013",
                format!("tool \"{name}\" is listed twice: \"{n}\" also names \"{other}\""),
                "tool names and aliases are compared case-insensitively; merge the two entries or drop the alias".to_string(),
            ));
            continue;
        }
        if ok {
            out.push(rule);
        }
    }
    for (code, message, help) in rules {
        findings.push(Finding::error(code, message).at(spec_name).help(help));
    }
    for t in &out {
        let foreign: Vec<&str> = t
            .installers
            .iter()
            .filter_map(|(a, _)| match a {
                ForArch::One(a) if !media.contains(a) => Some(a.as_str()),
                _ => None,
            })
            .collect();
        if !foreign.is_empty() {
            findings.push(
                Finding::warning("SPEC014", format!("tool \"{}\": installers names {}, which the media does not carry (the spec's arches are {})", t.name, foreign.join(", "), arches::names(media)))
                    .at(spec_name)
                    .help(format!("add {} to the spec's top-level \"arches\", or remove the installer", foreign.join(" and "))),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tools(json: &str) -> (Vec<ToolRule>, Vec<Finding>) {
        let raw: Vec<RawTool> = serde_json::from_str(json).unwrap();
        let mut f = Vec::new();
        let t = compile(&raw, &Arch::DEFAULT, "s.json", &mut f);
        (t, f)
    }

    #[test]
    fn a_tool_per_architecture_and_one_for_all() {
        let (t, f) = tools(
            r#"[{"name":"qemu-ga","aliases":["guest-agent"],"installers":{"amd64":"qemu-ga-x86_64.msi","x86":"qemu-ga-i386.msi"}},
                {"name":"spice","required":false,"installers":{"all":"spice setup.exe"},"args":["/S"],"uninstall":{"run":"%ProgramFiles%\\Spice\\uninst.exe","args":["/S"]}}]"#,
        );
        assert!(f.is_empty(), "{f:?}");
        assert_eq!(
            t[0].installers,
            vec![
                (ForArch::One(Arch::X86), "qemu-ga-i386.msi".to_string()),
                (ForArch::One(Arch::Amd64), "qemu-ga-x86_64.msi".to_string())
            ]
        );
        assert!(t[0].matches("Guest-Agent"));
        assert_eq!(
            t[1].installer_for(Arch::Arm64).unwrap().1,
            "spice setup.exe"
        );
        assert_eq!(t[0].installer_for(Arch::Arm64), None);
    }

    #[test]
    fn what_cmd_would_change_is_refused() {
        let (t, f) = tools(
            r#"[{"name":"a&b","installers":{"x86":"a.msi"}},
                {"name":"b","installers":{"x86":"b.msi"},"args":["TARGETDIR=\"C:\\x\""]},
                {"name":"c","installers":{"ia64":"c.msi","x86":"c.zip"}},
                {"name":"d","installers":{"x86":"d.msi"},"uninstall":{"run":"%ProgramFiles\\d.exe"}},
                {"name":"e","installers":{}},
                {"name":"E","installers":{"x86":"e.msi"}},
                {"name":"f","installers":{"x64":"f.msi","amd64":"g.msi"}}]"#,
        );
        let codes: Vec<&str> = f.iter().map(|f| f.code).collect();
        assert_eq!(
            codes,
            vec!["SPEC011", "SPEC011", "SPEC011", "SPEC012", "SPEC012", "SPEC012", "SPEC012"],
            "{f:?}"
        );
        assert_eq!(
            t.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
            vec!["E"]
        );
        assert!(f.iter().any(|f| f.message.contains("\"ia64\"")));
        assert!(f.iter().any(|f| f.message.contains("amd64 twice")));
    }

    #[test]
    fn a_name_held_twice_and_an_architecture_the_media_lacks() {
        let (t, f) = tools(
            r#"[{"name":"qemu-ga","installers":{"arm64":"a.msi","x86":"b.msi"}},
                {"name":"agent","aliases":["QEMU-GA"],"installers":{"x86":"c.msi"}}]"#,
        );
        let codes: Vec<&str> = f.iter().map(|f| f.code).collect();
        assert_eq!(codes, vec!["SPEC013", "SPEC014"], "{f:?}");
        assert_eq!(t.len(), 1);
    }
}
