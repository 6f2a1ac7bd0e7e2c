//! Tools: the installers the spec lists (the QEMU guest agent, other guest additions), taken
//! from the guest-tools payload's `tools/<name>/` or from a folder of the driver input next to
//! its architecture or driver folders (virtio-win's `guest-agent/`), staged under `tools/<name>/`, checked for being what they
//! claim, and described to setup.cmd in a generated `config/tools.cmd`.
//!
//! An installer is judged by its bytes: an `.msi` must be a Windows Installer package (its
//! product code is what uninstall.cmd removes it by, its platform must fit the architecture
//! it is named for); an `.exe` must be a PE image a machine of that architecture runs. Tool
//! folders the spec does not list are copied as they are (as the reference packager copies
//! `tools/`) and reported, since nothing installs them.

use super::StagedFiles;
use crate::diag::Finding;
use crate::input::installer;
use crate::input::msi::{self, MsiFacts, MAX_MSI_SIZE};
use crate::source::vtree::VTree;
use crate::source::{read_to_vec, Content, MemContent};
use crate::validate::layout::Arch;
use crate::validate::policy::{self, Decision};
use crate::validate::spec::tools::{msi_platform_arch, ForArch, InstallerKind, ToolRule};
use crate::validate::PackageState;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The generated description of the tools, read by setup.cmd and uninstall.cmd.
pub const TOOLS_CMD: &str = "config/tools.cmd";

/// One installer as checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstallerStatus {
    /// Architecture it is for (`x86`, `amd64`, `arm64`, `all`).
    pub arch: ForArch,
    /// Media path (`tools/qemu-ga/qemu-ga-x86_64.msi`).
    pub path: String,
    pub kind: InstallerKind,
    pub present: bool,
    /// Present and what it claims to be.
    pub ok: bool,
    pub msi: Option<MsiFacts>,
}

/// One tool of the spec, or one unlisted tool folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToolStatus {
    pub name: String,
    pub required: bool,
    pub state: PackageState,
    /// Input folder its files came from (`guest-agent`, `tools/qemu-ga` of the guest tools).
    pub source: Option<String>,
    /// Input paths of its files, sorted.
    pub files: Vec<String>,
    pub installers: Vec<InstallerStatus>,
}

/// A file of a tool folder: (path inside the folder, input path, content).
pub type ToolFile = (String, String, Arc<dyn Content>);

/// Where tool folders can come from.
pub struct ToolInputs<'a> {
    /// Files under the guest-tools payload's `tools/`: (path below `tools/`, input path,
    /// content).
    pub payload: &'a [ToolFile],
    /// The driver input and the folders next to its drivers (input paths) a tool may take.
    pub drivers: &'a VTree,
    pub side: Vec<String>,
}

/// Stages and checks the tools for media carrying `arches`.
pub fn stage(
    tools: &[ToolRule],
    inputs: &ToolInputs,
    arches: &[Arch],
    staged: &mut StagedFiles,
    findings: &mut Vec<Finding>,
) -> (Vec<ToolStatus>, Vec<String>) {
    // The payload's tool folders by name; loose files in tools/ go as they are.
    let mut folders: BTreeMap<String, Vec<ToolFile>> = BTreeMap::new();
    for (rel, input, content) in inputs.payload {
        match rel.split_once('/') {
            Some((folder, rest)) => folders.entry(folder.to_string()).or_default().push((
                rest.to_string(),
                input.clone(),
                content.clone(),
            )),
            None => {
                staged.insert(format!("tools/{rel}"), content.clone());
            }
        }
    }
    let mut out = Vec::new();
    let mut taken_side = Vec::new();
    let mut skipped = 0usize;
    for tool in tools {
        let from_payload = folders.keys().find(|f| tool.matches(f)).cloned();
        let from_drivers = inputs
            .side
            .iter()
            .find(|p| inputs.drivers.is_dir(p) && tool.matches(p.rsplit('/').next().unwrap_or(p)))
            .cloned();
        let (source, files) = match (from_payload, &from_drivers) {
            (Some(folder), other) => {
                if let Some(other) = other {
                    findings.push(
                        Finding::warning("TOOL008", format!("tool \"{}\" is in both inputs: tools/{folder}/ of the guest tools is packaged, \"{other}\" of the driver input is not", tool.name))
                            .at(other.clone())
                            .help("keep the tool in one input"),
                    );
                }
                let files = folders.remove(&folder).unwrap_or_default();
                (format!("tools/{folder}"), files)
            }
            (None, Some(path)) => {
                taken_side.push(path.clone());
                let prefix = format!("{path}/");
                let files = inputs
                    .drivers
                    .files()
                    .filter_map(|(p, c)| {
                        let rest = p.strip_prefix(&prefix)?;
                        Some((rest.to_string(), p.to_string(), c.clone()))
                    })
                    .collect();
                (path.clone(), files)
            }
            (None, None) => {
                out.push(missing(tool, inputs, findings));
                continue;
            }
        };
        let mut status = ToolStatus {
            name: tool.name.clone(),
            required: tool.required,
            state: PackageState::Present,
            source: Some(source),
            files: Vec::new(),
            installers: Vec::new(),
        };
        let mut here: BTreeMap<String, Arc<dyn Content>> = BTreeMap::new();
        for (rest, input, content) in files {
            match policy::classify(&rest, policy::Allow::default()) {
                Decision::Include => {
                    staged.insert(format!("tools/{}/{rest}", tool.name), content.clone());
                    status.files.push(input);
                    here.insert(rest.to_ascii_lowercase(), content);
                }
                Decision::Skip => skipped += 1,
                Decision::Refuse => {}
            }
        }
        status.files.sort();
        check_installers(tool, &here, arches, &mut status, findings);
        out.push(status);
    }
    for (folder, files) in folders {
        findings.push(
            Finding::info("TOOL005", format!("tools/{folder}/ is copied as it is: the spec lists no tool \"{folder}\", so setup.cmd does not install it"))
                .at(format!("tools/{folder}"))
                .help("add it to the spec's \"tools\" with its installers to have setup.cmd install it"),
        );
        let mut status = ToolStatus {
            name: folder.clone(),
            required: false,
            state: PackageState::Unlisted,
            source: Some(format!("tools/{folder}")),
            files: Vec::new(),
            installers: Vec::new(),
        };
        for (rest, input, content) in files {
            match policy::classify(&rest, policy::Allow::default()) {
                Decision::Include => {
                    staged.insert(format!("tools/{folder}/{rest}"), content);
                    status.files.push(input);
                }
                Decision::Skip => skipped += 1,
                Decision::Refuse => {}
            }
        }
        out.push(status);
    }
    if skipped > 0 {
        findings.push(
            Finding::info(
                "POL010",
                format!("{skipped} file(s) in tools/ left out by the default file policy"),
            )
            .at("tools")
            .help("build artefacts, hidden files and OS residue are not packaged"),
        );
    }
    if !tools.is_empty() {
        check_setup_reads_tools(staged, findings);
        let text = tools_cmd(tools, &out, arches);
        staged.insert(
            TOOLS_CMD.to_string(),
            Arc::new(MemContent::new(text.into_bytes())),
        );
    }
    (out, taken_side)
}

/// A payload whose setup.cmd never reads config/tools.cmd (the reference packager's, an older
/// guestpack's) would package the tools and install none of them.
fn check_setup_reads_tools(staged: &StagedFiles, findings: &mut Vec<Finding>) {
    let Some(setup) = staged.get("setup.cmd") else {
        return;
    };
    let Ok(bytes) = read_to_vec(setup.as_ref(), 8 << 20) else {
        return;
    };
    let text = String::from_utf8_lossy(&bytes).to_ascii_lowercase();
    if !text.contains("tools.cmd") {
        findings.push(
            Finding::warning("TOOL007", "the spec lists tools, but this guest-tools payload's setup.cmd does not install tools (it never reads config\\tools.cmd)")
                .at("setup.cmd")
                .help("use guestpack's guest-tools scripts (the default payload), or install the tools another way"),
        );
    }
}

fn missing(tool: &ToolRule, inputs: &ToolInputs, findings: &mut Vec<Finding>) -> ToolStatus {
    let names = std::iter::once(&tool.name)
        .chain(&tool.aliases)
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(" or ");
    let where_ = if inputs.side.is_empty() {
        format!("no tools/{}/ in the guest-tools input", tool.name)
    } else {
        format!(
            "no tools/{}/ in the guest-tools input and no folder {names} next to the driver folders",
            tool.name
        )
    };
    let message = format!("tool \"{}\" is missing: {where_}", tool.name);
    let help = format!("add the tool's installers to tools/{}/ of the guest-tools input, or name the driver input's folder in the tool's \"aliases\"", tool.name);
    findings.push(if tool.required {
        Finding::error("TOOL001", message).help(help)
    } else {
        Finding::warning("TOOL001", message).help(format!(
            "{help}; it is optional, so the media is made without it"
        ))
    });
    ToolStatus {
        name: tool.name.clone(),
        required: tool.required,
        state: PackageState::Missing,
        source: None,
        files: Vec::new(),
        installers: Vec::new(),
    }
}

/// An error for a required tool, a warning for an optional one.
fn by_need(tool: &ToolRule, code: &'static str, message: String) -> Finding {
    if tool.required {
        Finding::error(code, message)
    } else {
        Finding::warning(code, message)
    }
}

fn check_installers(
    tool: &ToolRule,
    here: &BTreeMap<String, Arc<dyn Content>>,
    arches: &[Arch],
    status: &mut ToolStatus,
    findings: &mut Vec<Finding>,
) {
    for arch in arches {
        if tool.installer_for(*arch).is_none() {
            // An optional tool without an installer for an architecture is a fact (virtio-win
            // ships no arm64 agent), not a problem to warn about on every build.
            let message = format!(
                "tool \"{}\" has no installer for {arch}, which the media carries",
                tool.name
            );
            findings.push(
                if tool.required { Finding::error("TOOL002", message) } else { Finding::info("TOOL002", message) }
                    .at(format!("tools/{}", tool.name))
                    .help(format!("name one in the spec's \"installers\" under \"{arch}\" (or \"all\" for an x86 program or a script every Windows runs), or make the tool optional")),
            );
        }
    }
    for (arch, file) in &tool.installers {
        let used = match arch {
            ForArch::One(a) => arches.contains(a),
            ForArch::All => arches
                .iter()
                .any(|a| tool.installer_for(*a).map(|i| i.0) == Some(ForArch::All)),
        };
        if !used {
            continue;
        }
        let kind = InstallerKind::of(file).unwrap_or(InstallerKind::Exe);
        let path = format!("tools/{}/{file}", tool.name);
        let mut one = InstallerStatus {
            arch: *arch,
            path: path.clone(),
            kind,
            present: false,
            ok: false,
            msi: None,
        };
        match here.get(&file.to_ascii_lowercase()) {
            None => {
                let mut there: Vec<&str> = here.keys().map(String::as_str).collect();
                there.truncate(8);
                findings.push(
                    by_need(
                        tool,
                        "TOOL003",
                        format!(
                            "tool \"{}\": its {} installer \"{file}\" is not in the tool folder{}",
                            tool.name,
                            arch.as_str(),
                            if there.is_empty() {
                                " (it is empty)".to_string()
                            } else {
                                format!(" (it holds {})", there.join(", "))
                            }
                        ),
                    )
                    .at(path.clone())
                    .help("add the file, or correct the file name in the spec's \"installers\""),
                );
            }
            Some(content) => {
                one.present = true;
                match judge(*arch, kind, content.as_ref()) {
                    Ok(msi) => {
                        one.ok = true;
                        one.msi = msi;
                    }
                    Err(why) => findings.push(
                        Finding::error("TOOL004", format!("tool \"{}\": \"{file}\" cannot be the {} installer: {why}", tool.name, arch.as_str()))
                            .at(path.clone())
                            .help("package the installer the spec names for this architecture (a renamed or truncated file, or the other architecture's, is what this usually is)"),
                    ),
                }
                if kind != InstallerKind::Msi && tool.uninstall.is_none() {
                    findings.push(
                        Finding::warning("TOOL006", format!("tool \"{}\": uninstall.cmd cannot remove what \"{file}\" installs: the spec gives no \"uninstall\" command", tool.name))
                            .at(path.clone())
                            .help("add \"uninstall\": {\"run\": \"%ProgramFiles%\\\\…\\\\uninstall.exe\", \"args\": […]} to the tool, or ship an .msi (removed by its product code)"),
                    );
                }
            }
        }
        status.installers.push(one);
    }
}

/// What the installer's bytes say, against what it is named for.
fn judge(
    arch: ForArch,
    kind: InstallerKind,
    content: &dyn Content,
) -> Result<Option<MsiFacts>, String> {
    match kind {
        InstallerKind::Msi => {
            let bytes = read_to_vec(content, MAX_MSI_SIZE).map_err(|e| {
                format!(
                    "it cannot be read whole ({e}); packages over {} MiB are not read",
                    MAX_MSI_SIZE >> 20
                )
            })?;
            let facts = msi::read_msi(&bytes)?;
            let fits = match (arch, facts.platform.as_deref()) {
                (_, None) => true,
                (ForArch::One(a), Some(p)) => msi_platform_arch(p) == Some(a),
                (ForArch::All, Some(p)) => msi_platform_arch(p) == Some(Arch::X86),
            };
            if !fits {
                return Err(format!(
                    "it is a package for the {} platform (its summary's Template), not {}",
                    facts.platform.as_deref().unwrap_or(""),
                    arch.as_str()
                ));
            }
            Ok(Some(facts))
        }
        InstallerKind::Exe => {
            let head = read_head(content)?;
            let machine = installer::pe_machine(&head)?;
            // What a machine of each architecture runs: its own programs and x86 ones (WOW64
            // and ARM64's x86 emulation). x64 programs need Windows 11 on ARM: not assumed.
            let runs = match arch {
                ForArch::One(Arch::X86) | ForArch::All => machine == installer::MACHINE_I386,
                ForArch::One(Arch::Amd64) => {
                    matches!(machine, installer::MACHINE_I386 | installer::MACHINE_AMD64)
                }
                ForArch::One(Arch::Arm64) => {
                    matches!(machine, installer::MACHINE_I386 | installer::MACHINE_ARM64)
                }
            };
            if !runs {
                let on = match arch {
                    ForArch::All => "every architecture (only x86 programs run on all)".to_string(),
                    ForArch::One(a) => a.as_str().to_string(),
                };
                return Err(format!(
                    "it is a program for {}, which does not run on {on}",
                    installer::machine_name(machine)
                ));
            }
            Ok(None)
        }
        InstallerKind::Script => {
            let head = read_head(content)?;
            if head.contains(&0) {
                return Err("it holds binary data, not a batch file".into());
            }
            Ok(None)
        }
    }
}

fn read_head(content: &dyn Content) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let mut head = Vec::new();
    content
        .open()
        .and_then(|r| {
            r.take(crate::source::authenticode::HEAD as u64)
                .read_to_end(&mut head)
        })
        .map_err(|e| format!("it cannot be read ({e})"))?;
    Ok(head)
}

/// `config/tools.cmd`: one numbered block per tool found, with the installer each
/// architecture runs (empty when it has none), its kind and an MSI's product code.
fn tools_cmd(tools: &[ToolRule], found: &[ToolStatus], arches: &[Arch]) -> String {
    let mut lines = vec![
        "@echo off".to_string(),
        "rem Generated by guestpack from the spec's tools; edit the spec, not this file.".to_string(),
        "rem Tool N has GT_TOOLN_NAME, _REQUIRED, _ARGS, _UNINSTALL, _UNINSTALL_ARGS and, per architecture, the installer under tools\\<name>\\, its _KIND (msi, exe, cmd) and an MSI's _CODE.".to_string(),
    ];
    let present: Vec<&ToolRule> = tools
        .iter()
        .filter(|t| {
            found
                .iter()
                .any(|f| f.name == t.name && f.state == PackageState::Present)
        })
        .collect();
    lines.push(format!("set \"GT_TOOL_COUNT={}\"", present.len()));
    for (i, t) in present.iter().enumerate() {
        let n = i + 1;
        let status = found.iter().find(|f| f.name == t.name);
        lines.push(format!("set \"GT_TOOL{n}_NAME={}\"", t.name));
        lines.push(format!(
            "set \"GT_TOOL{n}_REQUIRED={}\"",
            u8::from(t.required)
        ));
        lines.push(format!("set \"GT_TOOL{n}_ARGS={}\"", t.args.join(" ")));
        let (run, args) = t.uninstall.clone().unwrap_or_default();
        lines.push(format!("set \"GT_TOOL{n}_UNINSTALL={run}\""));
        lines.push(format!(
            "set \"GT_TOOL{n}_UNINSTALL_ARGS={}\"",
            args.join(" ")
        ));
        for arch in Arch::ALL {
            let key = arch.as_str().to_ascii_uppercase();
            let (file, kind, code) = match t.installer_for(arch) {
                Some((for_arch, file)) if arches.contains(&arch) => {
                    let code = status
                        .and_then(|s| s.installers.iter().find(|i| i.arch == *for_arch))
                        .and_then(|i| i.msi.as_ref())
                        .map(|m| m.product_code.clone())
                        .unwrap_or_default();
                    let kind = InstallerKind::of(file).map_or("", |k| k.as_str());
                    (file.clone(), kind, code)
                }
                _ => (String::new(), "", String::new()),
            };
            lines.push(format!("set \"GT_TOOL{n}_{key}={file}\""));
            lines.push(format!("set \"GT_TOOL{n}_{key}_KIND={kind}\""));
            lines.push(format!("set \"GT_TOOL{n}_{key}_CODE={code}\""));
        }
    }
    let mut s = lines.join("\r\n");
    s.push_str("\r\n");
    s
}
