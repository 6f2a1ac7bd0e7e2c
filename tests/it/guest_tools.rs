//! Static checks of the guest-side payload in `guest-tools/` (the scripts on every medium).
//!
//! The batch and PowerShell scripts run only on Windows, so this checks what can be checked
//! from their bytes: CRLF and ASCII, batch block and label structure, PowerShell 2.0
//! compatibility, the media paths and manifest keys the scripts rely on, and
//! `config/devices.cmd` against the shared format and the packaging spec. It does NOT run them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn crate_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn guest_tools() -> PathBuf {
    crate_root().join("guest-tools")
}

/// Every file under `dir`, as `/`-separated paths relative to `dir`, sorted.
fn tree(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        let entries =
            std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                walk(base, &path, out);
            } else {
                let rel = path.strip_prefix(base).expect("path under base");
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn read_text(rel: &str) -> String {
    let path = guest_tools().join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn scripts(ext: &str) -> Vec<(String, String)> {
    let files: Vec<String> = tree(&guest_tools())
        .into_iter()
        .filter(|p| p.ends_with(ext))
        .collect();
    assert!(!files.is_empty(), "no {ext} files under guest-tools/");
    files
        .into_iter()
        .map(|p| (p.clone(), read_text(&p)))
        .collect()
}

// ---------------------------------------------------------------- line endings and characters

/// Positions (byte offsets) of line breaks that are not CRLF, tabs and non-ASCII bytes.
fn text_problems(bytes: &[u8], ascii_only: bool) -> Vec<String> {
    let mut out = Vec::new();
    for (i, &b) in bytes.iter().enumerate() {
        let prev_cr = i > 0 && bytes[i - 1] == b'\r';
        let next_lf = bytes.get(i + 1) == Some(&b'\n');
        match b {
            b'\n' if !prev_cr => out.push(format!("bare LF at byte {i}")),
            b'\r' if !next_lf => out.push(format!("bare CR at byte {i}")),
            b'\t' if ascii_only => out.push(format!("tab at byte {i}")),
            0x80..=0xff if ascii_only => out.push(format!("non-ASCII byte 0x{b:02x} at byte {i}")),
            _ => {}
        }
    }
    if !bytes.ends_with(b"\r\n") {
        out.push("does not end with CRLF".to_string());
    }
    out
}

#[test]
fn text_problems_detects_bad_bytes() {
    assert!(text_problems(b"a\r\nb\r\n", true).is_empty());
    assert_eq!(text_problems(b"a\nb\r\n", true), ["bare LF at byte 1"]);
    assert_eq!(text_problems(b"a\rb\r\n", true), ["bare CR at byte 1"]);
    assert_eq!(text_problems(b"a\tb\r\n", true), ["tab at byte 1"]);
    assert_eq!(text_problems("\u{e9}\r\n".as_bytes(), true).len(), 2);
    assert!(text_problems("\u{e9}\r\n".as_bytes(), false).is_empty());
    assert_eq!(text_problems(b"a", true), ["does not end with CRLF"]);
}

#[test]
fn scripts_are_crlf_ascii_and_docs_are_crlf() {
    for rel in tree(&guest_tools()) {
        let bytes = std::fs::read(guest_tools().join(&rel)).expect("readable");
        let script = rel.ends_with(".cmd") || rel.ends_with(".ps1");
        if script || rel.ends_with(".md") {
            let problems = text_problems(&bytes, script);
            assert!(problems.is_empty(), "guest-tools/{rel}: {problems:?}");
        }
    }
}

// ---------------------------------------------------------------- batch structure

/// Structural problems of a batch file: parentheses that do not balance across the file
/// (outside quotes, `%...%` expansions, `^` escapes, `rem`/`::` lines and the `echo(` idiom),
/// odd quotes on a line, labels defined twice or inside a block, and `goto`/`call :` targets
/// without a label (`goto :eof` is built in; targets containing `%` are computed at run time).
fn batch_problems(text: &str) -> Vec<String> {
    let target_re =
        regex::Regex::new(r#"(?i)(?:^|[\s&(])(?:goto\s+:?|call\s+:)([^\s&|)"]+)"#).expect("regex");
    let mut out = Vec::new();
    let mut depth = 0i64;
    let mut labels: BTreeMap<String, usize> = BTreeMap::new();
    let mut targets: Vec<(String, usize)> = Vec::new();
    for (i, raw) in text.split("\r\n").enumerate() {
        let n = i + 1;
        let line = raw.trim_start_matches([' ', '@']);
        let lower = line.to_ascii_lowercase();
        if line.starts_with("::") || lower == "rem" || lower.starts_with("rem ") {
            continue;
        }
        if let Some(label) = line.strip_prefix(':') {
            let name = label
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_ascii_lowercase();
            if depth > 0 {
                out.push(format!(
                    "line {n}: label :{name} inside a parenthesised block"
                ));
            }
            if let Some(first) = labels.insert(name.clone(), n) {
                out.push(format!(
                    "line {n}: label :{name} already defined on line {first}"
                ));
            }
            continue;
        }
        let b = line.as_bytes();
        let (mut k, mut quoted, mut bare) = (0usize, false, String::new());
        while k < b.len() {
            let c = b[k];
            if c == b'%' {
                // %% (for variable or literal %), %~dp0 / %1 parameters, %NAME...% expansions.
                if b.get(k + 1) == Some(&b'%') {
                    k += 2;
                    continue;
                }
                if let Some(&d) = b.get(k + 1) {
                    if d == b'~' || d.is_ascii_digit() || d == b'*' {
                        k += 2;
                        while k < b.len() && !(b[k - 1].is_ascii_digit() || b[k - 1] == b'*') {
                            k += 1;
                        }
                        continue;
                    }
                }
                if let Some(end) = line[k + 1..].find('%') {
                    k += end + 2;
                    continue;
                }
            }
            if c == b'"' {
                quoted = !quoted;
            } else if !quoted {
                match c {
                    b'^' => k += 1,
                    b'(' if !lower[..k].ends_with("echo") => depth += 1,
                    b')' => {
                        depth -= 1;
                        if depth < 0 {
                            out.push(format!("line {n}: ')' without '('"));
                            depth = 0;
                        }
                    }
                    _ => {}
                }
                if c != b'^' {
                    bare.push(c as char);
                }
            }
            k += 1;
        }
        if quoted {
            out.push(format!("line {n}: odd number of quotes"));
        }
        for cap in target_re.captures_iter(&bare) {
            let target = cap[1].to_ascii_lowercase();
            if !target.contains('%') && target != "eof" {
                targets.push((target, n));
            }
        }
    }
    if depth != 0 {
        out.push(format!("{depth} unclosed '(' at the end of the file"));
    }
    for (target, n) in targets {
        if !labels.contains_key(&target) {
            out.push(format!("line {n}: no label :{target}"));
        }
    }
    out
}

#[test]
fn batch_problems_detects_broken_structure() {
    let ok = "@echo off\r\nif 1==1 (\r\n  echo(a \"(\" ^) %%~fI %X:\"=%\r\n)\r\ncall :sub\r\ngoto :eof\r\n:sub\r\nrem (\r\ngoto :EOF\r\n";
    assert_eq!(batch_problems(ok), Vec::<String>::new());
    assert_eq!(
        batch_problems("if 1==1 (\r\necho a\r\n"),
        ["1 unclosed '(' at the end of the file"]
    );
    assert_eq!(batch_problems("echo a)\r\n"), ["line 1: ')' without '('"]);
    assert_eq!(batch_problems("goto done\r\n"), ["line 1: no label :done"]);
    assert_eq!(
        batch_problems("x & call :Sub\r\n:sub\r\n"),
        Vec::<String>::new()
    );
    assert_eq!(
        batch_problems(":a\r\n:A\r\n"),
        ["line 2: label :a already defined on line 1"]
    );
    assert_eq!(
        batch_problems("echo \"a\r\n"),
        ["line 1: odd number of quotes"]
    );
    assert_eq!(batch_problems("goto %X%\r\n"), Vec::<String>::new());
}

#[test]
fn batch_files_are_well_formed() {
    for (rel, text) in scripts(".cmd") {
        let problems = batch_problems(&text);
        assert!(problems.is_empty(), "guest-tools/{rel}: {problems:?}");
    }
}

// ---------------------------------------------------------------- PowerShell

/// The code of a PowerShell script with comments removed and string contents blanked, plus
/// bracket nesting problems found on the way.
fn ps_code(text: &str) -> (String, Vec<String>) {
    let (mut code, mut problems, mut stack) = (String::new(), Vec::new(), Vec::new());
    let mut chars = text.chars().peekable();
    let mut line = 1usize;
    while let Some(c) = chars.next() {
        match c {
            '\n' => {
                line += 1;
                code.push(c);
            }
            '#' => {
                while chars.peek().is_some_and(|&d| d != '\n') {
                    chars.next();
                }
            }
            '<' if chars.peek() == Some(&'#') => {
                let mut prev = ' ';
                for d in chars.by_ref() {
                    if d == '\n' {
                        line += 1;
                    }
                    if prev == '#' && d == '>' {
                        break;
                    }
                    prev = d;
                }
            }
            '\'' | '"' => {
                code.push_str("''");
                while let Some(d) = chars.next() {
                    if d == '\n' {
                        line += 1;
                    }
                    if c == '"' && d == '`' {
                        chars.next();
                    } else if d == c {
                        if chars.peek() == Some(&c) {
                            chars.next();
                        } else {
                            break;
                        }
                    }
                }
            }
            '(' | '{' | '[' => {
                stack.push((c, line));
                code.push(c);
            }
            ')' | '}' | ']' => {
                let open = match c {
                    ')' => '(',
                    '}' => '{',
                    _ => '[',
                };
                match stack.pop() {
                    Some((o, _)) if o == open => {}
                    other => problems.push(format!("line {line}: '{c}' does not close {other:?}")),
                }
                code.push(c);
            }
            _ => code.push(c),
        }
    }
    for (o, l) in stack {
        problems.push(format!("line {l}: '{o}' never closed"));
    }
    (code, problems)
}

/// PowerShell 3+ features the scripts must not use (they run on Windows 7's PowerShell 2.0).
const PS3_DENYLIST: &[(&str, &str)] = &[
    (r"(?i)\bConvertFrom-Json\b", "ConvertFrom-Json"),
    (r"(?i)\bConvertTo-Json\b", "ConvertTo-Json"),
    (r"(?i)\bInvoke-WebRequest\b", "Invoke-WebRequest"),
    (r"(?i)\bInvoke-RestMethod\b", "Invoke-RestMethod"),
    (r"(?i)\bGet-FileHash\b", "Get-FileHash"),
    (r"(?i)\bGet-CimInstance\b", "Get-CimInstance"),
    (r"(?i)\[ordered\]", "[ordered]"),
    (r"(?i)\[pscustomobject\]", "[pscustomobject]"),
    (r"(?i)\s-(?:not)?in\b", "-in / -notin"),
    (r"(?i)\$PSScriptRoot\b", "$PSScriptRoot"),
    (r"(?i)\$PSCommandPath\b", "$PSCommandPath"),
    (r"(?i)::new\s*\(", "::new()"),
    (r"(?i)\.(?:Where|ForEach)\s*\(", ".Where()/.ForEach()"),
    (r"(?im)^\s*(?:class|enum)\s+\w", "class/enum"),
    (r"(?i)\busing\s+(?:namespace|module)\b", "using namespace"),
    (r"(?i)\$using:", "$using:"),
];

fn ps3_uses(code: &str) -> Vec<&'static str> {
    PS3_DENYLIST
        .iter()
        .filter(|(re, _)| regex::Regex::new(re).expect("regex").is_match(code))
        .map(|&(_, name)| name)
        .collect()
}

#[test]
fn ps_checks_detect_problems() {
    let (code, problems) = ps_code("# ConvertFrom-Json\r\n$a = '-in )'; if ($x) { \"}\" }\r\n");
    assert!(problems.is_empty(), "{problems:?}");
    assert!(ps3_uses(&code).is_empty(), "{code}");
    assert_eq!(ps3_uses("$x = $a | ConvertFrom-Json"), ["ConvertFrom-Json"]);
    assert_eq!(ps3_uses("if ($a -notin $b) {}"), ["-in / -notin"]);
    assert_eq!(ps3_uses("$h = [ordered]@{}"), ["[ordered]"]);
    assert_eq!(ps_code("if ($a) { (1 }\n").1.len(), 2);
    assert_eq!(ps_code("{ 'a' \n").1, ["line 1: '{' never closed"]);
}

#[test]
fn powershell_scripts_are_balanced_and_ps2_compatible() {
    for (rel, text) in scripts(".ps1") {
        let (code, problems) = ps_code(&text);
        assert!(problems.is_empty(), "guest-tools/{rel}: {problems:?}");
        let uses = ps3_uses(&code);
        assert!(
            uses.is_empty(),
            "guest-tools/{rel} uses PowerShell 3+ features: {uses:?}"
        );
    }
}

// ---------------------------------------------------------------- media paths

/// Paths on the media a script refers to, `/`-separated and without a trailing slash: in batch
/// what follows `%~dp0` or `%GT_MEDIA%` up to a quote, blank, `%` or wildcard; in PowerShell the
/// literal joined to the media root with `Join-GtPath $root '...'`.
fn media_refs(file_name: &str, text: &str) -> BTreeSet<String> {
    let re = if file_name.ends_with(".ps1") {
        r"(?i)Join-GtPath\s+\$root\s+'([^']+)'"
    } else {
        r#"(?i)%(?:~dp0|GT_MEDIA%)([^"\s%*?]*)"#
    };
    regex::Regex::new(re)
        .expect("regex")
        .captures_iter(text)
        .map(|c| c[1].replace('\\', "/").trim_end_matches('/').to_string())
        .filter(|r| !r.is_empty() && r != ".")
        .collect()
}

/// Every path (files and the folders above them) on the media built from the sample with the
/// default options, plus `certs`, which exists only on test-signed media.
fn sample_media_layout() -> Vec<String> {
    let set = sample_media();
    let mut out: BTreeSet<String> = BTreeSet::new();
    for f in &set.files {
        let mut prefix = String::new();
        for part in f.path.split('/') {
            if !prefix.is_empty() {
                prefix.push('/');
            }
            prefix.push_str(part);
            out.insert(prefix.clone());
        }
    }
    out.insert("certs".into());
    out.into_iter().collect()
}

/// The media the packager builds from the built-in sample drivers and guest-tools, with the
/// QEMU guest agent as a tool (so the scripts' tool paths and manifest keys are judged too).
fn sample_media() -> guestpack::build::MediaSet {
    let drivers = guestpack::bundled::sample::sample_drivers();
    let mut guest_tools = guestpack::bundled::default_guest_tools(true, Default::default());
    for (name, bytes) in crate::installer_maker::qemu_ga() {
        guest_tools.insert(
            format!("tools/qemu-ga/{name}"),
            std::sync::Arc::new(guestpack::source::MemContent::new(bytes)),
        );
    }
    let mut spec: serde_json::Value = serde_json::from_slice(
        guestpack::bundled::embedded::spec_file("win7-virtio-win.json").expect("shipped spec"),
    )
    .unwrap();
    spec["tools"] = serde_json::json!([{"name": "qemu-ga",
        "installers": {"x86": "qemu-ga-i386.msi", "amd64": "qemu-ga-x86_64.msi"}}]);
    let spec = serde_json::to_vec(&spec).unwrap();
    let input = guestpack::validate::ValidateInput {
        contract_found: None,
        drivers: &drivers,
        guest_tools: &guest_tools,
        spec_name: "win7-virtio-win.json",
        spec_json: &spec,
        contract: None,
        signing_policy: Default::default(),
    };
    let (report, set) = guestpack::build::package(&input, &Default::default(), &Default::default())
        .expect("package");
    set.unwrap_or_else(|| panic!("sample rejected: {report:?}"))
}

fn on_media(reference: &str, layout: &[String]) -> bool {
    let r = reference.to_ascii_lowercase();
    layout.iter().any(|e| {
        let e = e.to_ascii_lowercase();
        e == r || e.starts_with(&format!("{r}/"))
    })
}

#[test]
fn media_refs_extracts_static_prefixes() {
    let cmd = "call \"%~dp0config\\devices.cmd\"\r\nset \"X=%GT_MEDIA%drivers\\%A%\"\r\nfor %%F in (\"%GT_MEDIA%certs\\*.cer\") do x\r\nset \"M=%~dp0\"\r\n";
    let refs: Vec<String> = media_refs("a.cmd", cmd).into_iter().collect();
    assert_eq!(refs, ["certs", "config/devices.cmd", "drivers"]);
    let ps: Vec<String> = media_refs("a.ps1", "$p = Join-GtPath $root 'manifest.json'")
        .into_iter()
        .collect();
    assert_eq!(ps, ["manifest.json"]);
    let layout: Vec<String> = ["manifest.json", "drivers/x86", "drivers/amd64", "certs"]
        .map(String::from)
        .to_vec();
    assert!(on_media("drivers", &layout) && on_media("Manifest.json", &layout));
    assert!(!on_media("driver", &layout) && !on_media("tools", &layout));
}

#[test]
fn every_media_path_the_scripts_use_exists() {
    let layout = sample_media_layout();
    assert!(
        layout
            .iter()
            .any(|p| p == "drivers/amd64/viostor/viostor.inf"),
        "{layout:?}"
    );
    let mut all = BTreeSet::new();
    for ext in [".cmd", ".ps1"] {
        for (rel, text) in scripts(ext) {
            for r in media_refs(&rel, &text) {
                assert!(
                    on_media(&r, &layout),
                    "guest-tools/{rel} refers to '{r}', which is not on the media"
                );
                all.insert(r);
            }
        }
    }
    for needed in [
        "config/devices.cmd",
        "config/tools.cmd",
        "manifest.json",
        "verify.cmd",
        "verify.ps1",
        "drivers",
        "certs",
    ] {
        assert!(
            all.contains(needed),
            "no script refers to '{needed}'; found {all:?}"
        );
    }
}

// ---------------------------------------------------------------- manifest keys

fn json_keys(v: &serde_json::Value, out: &mut BTreeSet<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, v) in m {
                out.insert(k.clone());
                json_keys(v, out);
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|v| json_keys(v, out)),
        _ => {}
    }
}

/// Manifest keys a script reads: `\"key\"` in findstr patterns, `['key']` in PowerShell.
fn manifest_keys_read(file_name: &str, text: &str) -> BTreeSet<String> {
    let re = if file_name.ends_with(".ps1") {
        r"\['([a-z0-9_]+)'\]"
    } else {
        r#"\\"([a-z0-9_]+)\\""#
    };
    regex::Regex::new(re)
        .expect("regex")
        .captures_iter(text)
        .map(|c| c[1].to_string())
        .collect()
}

#[test]
fn scripts_read_only_keys_of_the_manifest_format() {
    // The manifest the packager really writes (sample build, default options).
    let example: serde_json::Value =
        serde_json::from_slice(&sample_media().manifest_bytes).expect("manifest is JSON");
    let mut known = BTreeSet::new();
    json_keys(&example, &mut known);
    let mut read = BTreeSet::new();
    for ext in [".cmd", ".ps1"] {
        for (rel, text) in scripts(ext) {
            for key in manifest_keys_read(&rel, &text) {
                assert!(
                    known.contains(&key),
                    "guest-tools/{rel} reads manifest key '{key}', not in the format"
                );
                read.insert(key);
            }
        }
    }
    for key in [
        "signing_policy",
        "files",
        "path",
        "sha256",
        "size",
        "schema_version",
    ] {
        assert!(
            read.contains(key),
            "no script reads '{key}'; read: {read:?}"
        );
    }
}

// ---------------------------------------------------------------- config/devices.cmd

const DEFAULT_DEVICES_CMD: &str = "@echo off\r\n\
rem Generated by guestpack from the Windows device contract; edit the contract, not this file.\r\n\
rem Each device NAME has NAME_SERVICE (its Windows service) and NAME_HWIDS (quoted hardware IDs).\r\n\
set \"GT_DEVICES=VIRTIO_BLK VIRTIO_NET VIRTIO_INPUT VIRTIO_SND\"\r\n\
set \"GT_BOOT_CRITICAL=VIRTIO_BLK\"\r\n\
set \"VIRTIO_BLK_SERVICE=viostor\"\r\n\
set VIRTIO_BLK_HWIDS=\"PCI\\VEN_1AF4&DEV_1042\" \"PCI\\VEN_1AF4&DEV_1001\"\r\n\
set \"VIRTIO_NET_SERVICE=netkvm\"\r\n\
set VIRTIO_NET_HWIDS=\"PCI\\VEN_1AF4&DEV_1041\" \"PCI\\VEN_1AF4&DEV_1000\"\r\n\
set \"VIRTIO_INPUT_SERVICE=vioinput\"\r\n\
set VIRTIO_INPUT_HWIDS=\"PCI\\VEN_1AF4&DEV_1052\"\r\n\
set \"VIRTIO_SND_SERVICE=viosnd\"\r\n\
set VIRTIO_SND_HWIDS=\"PCI\\VEN_1AF4&DEV_1059\"\r\n";

/// Parses `set NAME=VALUE` / `set "NAME=VALUE"` lines into NAME -> tokens (quotes stripped);
/// `@echo`, `rem`, `::` and blank lines are skipped, anything else is an error.
fn parse_devices_cmd(text: &str) -> Result<BTreeMap<String, Vec<String>>, String> {
    let mut vars = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        let lower = t.to_ascii_lowercase();
        if t.is_empty()
            || lower.starts_with("@echo")
            || lower == "rem"
            || lower.starts_with("rem ")
            || t.starts_with("::")
        {
            continue;
        }
        if !lower.starts_with("set ") {
            return Err(format!("line {}: not a set line: {t}", i + 1));
        }
        let body = t[4..].trim();
        let body = match body.strip_prefix('"') {
            Some(inner) => inner
                .strip_suffix('"')
                .ok_or(format!("line {}: unterminated quote", i + 1))?,
            None => body,
        };
        let (name, value) = body
            .split_once('=')
            .ok_or(format!("line {}: no '='", i + 1))?;
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(format!("line {}: bad variable name '{name}'", i + 1));
        }
        let tokens = value
            .split_whitespace()
            .map(|s| s.trim_matches('"').to_string())
            .collect();
        vars.insert(name.to_string(), tokens);
    }
    Ok(vars)
}

#[test]
fn parse_devices_cmd_accepts_both_forms_and_rejects_others() {
    let vars = parse_devices_cmd("@echo off\r\n:: c\r\nSET \"A=x y\"\r\nset B=\"p&q\" \"r\"\r\n")
        .expect("parses");
    assert_eq!(vars["A"], ["x", "y"]);
    assert_eq!(vars["B"], ["p&q", "r"]);
    assert!(parse_devices_cmd("echo hi\r\n").is_err());
    assert!(parse_devices_cmd("set \"A=x\r\n").is_err());
    assert!(parse_devices_cmd("set A-B=x\r\n").is_err());
}

fn devices() -> BTreeMap<String, Vec<String>> {
    parse_devices_cmd(&read_text("config/devices.cmd"))
        .unwrap_or_else(|e| panic!("config/devices.cmd: {e}"))
}

#[test]
fn devices_cmd_is_the_default_contract_and_complete() {
    assert_eq!(read_text("config/devices.cmd"), DEFAULT_DEVICES_CMD);
    let vars = devices();
    let listed = vars.get("GT_DEVICES").expect("GT_DEVICES is set");
    assert!(!listed.is_empty());
    for dev in listed {
        let service = vars
            .get(&format!("{dev}_SERVICE"))
            .unwrap_or_else(|| panic!("{dev}_SERVICE missing"));
        assert_eq!(service.len(), 1, "{dev}_SERVICE must be one service name");
        let hwids = vars
            .get(&format!("{dev}_HWIDS"))
            .unwrap_or_else(|| panic!("{dev}_HWIDS missing"));
        assert!(
            !hwids.is_empty() && hwids.iter().all(|h| h.starts_with("PCI\\VEN_")),
            "{dev}_HWIDS: {hwids:?}"
        );
    }
    for dev in vars
        .get("GT_BOOT_CRITICAL")
        .expect("GT_BOOT_CRITICAL is set")
    {
        assert!(
            listed.contains(dev),
            "boot-critical {dev} is not in GT_DEVICES"
        );
    }
    // setup.cmd expands the HWID lists unquoted; every "&" must be inside the quotes.
    for line in read_text("config/devices.cmd")
        .lines()
        .filter(|l| l.contains('&'))
    {
        let value = line.split_once('=').expect("set line").1;
        let outside: String = value.split('"').step_by(2).collect();
        assert!(!outside.contains('&'), "unquoted '&' in: {line}");
    }
}

#[test]
fn setup_and_uninstall_use_devices_cmd() {
    for name in ["setup.cmd", "uninstall.cmd"] {
        let text = read_text(name);
        // From the medium's folder (pushd), by a relative path: CALL doubles carets in quotes.
        assert!(
            text.contains("pushd \"%GT_MEDIA%\"") && text.contains("call config\\devices.cmd"),
            "{name} does not call config\\devices.cmd from the medium's folder"
        );
        for var in ["GT_BOOT_CRITICAL", "_SERVICE%%"] {
            assert!(text.contains(var), "{name} does not use {var}");
        }
    }
    let setup = read_text("setup.cmd");
    assert!(setup.contains("_HWIDS%%") && setup.contains("{4D36E97B-E325-11CE-BFC1-08002BE10318}"));
}

#[test]
fn devices_cmd_agrees_with_the_packaging_spec() {
    let path = crate_root().join("specs").join("win7-virtio-win.json");
    let bytes = std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{} is needed to check config/devices.cmd against the spec: {e}",
            path.display()
        )
    });
    let spec: guestpack::validate::spec::RawSpec =
        serde_json::from_slice(&bytes).expect("spec parses");
    let vars = devices();
    let mut related = 0;
    for driver in &spec.drivers {
        for var in [
            &driver.expected_hardware_ids_from_devices_cmd_var,
            &driver.expected_add_services_from_devices_cmd_var,
        ]
        .into_iter()
        .flatten()
        {
            assert!(
                vars.contains_key(var),
                "spec driver {} names {var}, not set in devices.cmd",
                driver.name
            );
            related += 1;
        }
        // A spec driver named like a devices.cmd service must expect only that device's HWIDs.
        let device = vars.iter().find(|(k, v)| {
            k.ends_with("_SERVICE") && v.len() == 1 && v[0].eq_ignore_ascii_case(&driver.name)
        });
        let Some((key, _)) = device else { continue };
        related += 1;
        let hwids = &vars[&format!("{}_HWIDS", key.trim_end_matches("_SERVICE"))];
        for pattern in &driver.expected_hardware_ids {
            let re = regex::RegexBuilder::new(pattern)
                .case_insensitive(true)
                .build()
                .or_else(|_| {
                    regex::RegexBuilder::new(&regex::escape(pattern))
                        .case_insensitive(true)
                        .build()
                })
                .expect("pattern");
            assert!(
                hwids.iter().any(|h| re.is_match(h)),
                "spec expects {pattern} for {}; devices.cmd has {hwids:?}",
                driver.name
            );
        }
    }
    assert!(
        related > 0,
        "no driver of the spec relates to a device of config/devices.cmd"
    );
}

// ---------------------------------------------------------------- documentation

#[test]
fn every_switch_is_documented() {
    let readme = read_text("README.md");
    let re = regex::Regex::new(r#"(?i)if /i "%GT_ARG%"=="(/[a-z-]+)""#).expect("regex");
    for name in ["setup.cmd", "uninstall.cmd", "verify.cmd"] {
        let text = read_text(name);
        let switches: Vec<String> = re
            .captures_iter(&text)
            .map(|c| c[1].to_ascii_lowercase())
            .collect();
        assert!(switches.len() >= 2, "{name}: switches not found");
        for sw in switches
            .iter()
            .filter(|s| *s != "/elevated" && *s != "/help")
        {
            assert!(
                readme.contains(sw.as_str()),
                "README.md does not document {name} {sw}"
            );
            let usage = text
                .split("\r\n:usage_text\r\n")
                .nth(1)
                .and_then(|s| s.split("goto :eof").next())
                .unwrap_or("");
            assert!(
                usage.contains(sw.as_str()),
                "{name} /? does not mention {sw}"
            );
        }
    }
}
