//! Whole-INF tests: fixtures through decode + parse + the directive facts, and junk input.

use super::*;

/// A package touching every kind of reference; line numbers are listed in the assertions.
const FIXTURE: &str = r#"; Sample package, PCI\VEN_1AF4&DEV_1059 only in this comment
[Version]
Signature = "$Windows NT$"
Class = %ClassName%      ; comment
Provider = %Vendor%
CatalogFile = %CatName%
CatalogFile.NTamd64 = samp64.cat

[SourceDisksNames]
1 = %Disk%,,,""
2 = %Disk%,,,\extra

[SourceDisksFiles]
samp.sys = 1,,
helper.dll = 1,bin\x64,
WdfCoInstaller01011.dll = 1
[SourceDisksFiles.amd64]
amd.sys = 2,sub

[Manufacturer]
%Vendor% = Models, NTamd64.6.3

[Models.NTamd64.6.3]
%Desc% = Inst, PCI\VEN_1AF4&DEV_1042, PCI\VEN_1AF4&DEV_1001

[Inst.NTamd64.6.3]
CopyFiles = Files.Driver, @extra.sys, %FilesKey%
CopyINF = child.inf, "other.inf"

[Inst.NTamd64.6.3.Services]
AddService = %SvcName%, 0x00000002, Svc_Inst

[Inst.NTamd64.6.3.CoInstallers]
AddReg = CoInst_AddReg
CopyFiles = CoInst_Files

[Files.Driver]
samp.sys,,,2
renamed.sys,orig.sys

[Svc_Inst]
ServiceType = 1
ServiceBinary = %12%\samp.sys

[CoInst_AddReg]
HKR,,CoInstallers32,0x00010000, \
   "WdfCoInstaller01011.dll,WdfCoInstaller", "Other.dll,Entry"

[CoInst_Files]
WdfCoInstaller01011.dll

[files.DRIVER]
helper.dll

[StrFiles]
"semi;colon.sys" ; real comment

[Strings]
Vendor = "Acme; Inc."
ClassName = "System"
CatName = "samp.cat"
Disk = "Disk 1"
Desc = "Sample"
SvcName = "sampsvc"
FilesKey = "StrFiles"
"#;

fn refs(inf: &Inf) -> Vec<(String, u32, RefKind)> {
    inf.referenced_files()
        .into_iter()
        .map(|r| (r.name, r.line, r.kind))
        .collect()
}

fn r(name: &str, line: u32, kind: RefKind) -> (String, u32, RefKind) {
    (name.to_owned(), line, kind)
}

#[test]
fn fixture_references_every_file_once_at_its_first_line() {
    use RefKind::*;
    let inf = parse(FIXTURE);
    assert_eq!(
        refs(&inf),
        vec![
            r("samp.cat", 6, CatalogFile),
            r("samp64.cat", 7, CatalogFile),
            r("samp.sys", 14, SourceDisksFiles),
            r("bin/x64/helper.dll", 15, SourceDisksFiles),
            r("WdfCoInstaller01011.dll", 16, SourceDisksFiles),
            r("extra/sub/amd.sys", 18, SourceDisksFiles),
            r("extra.sys", 27, CopyFiles),
            r("child.inf", 28, CopyInf),
            r("other.inf", 28, CopyInf),
            r("orig.sys", 39, CopyFiles),
            r("semi;colon.sys", 56, CopyFiles),
        ]
    );
    assert_eq!(inf.add_services(), vec![("sampsvc".to_owned(), 31)]);
    assert_eq!(inf.version_value("Provider").as_deref(), Some("Acme; Inc."));
    assert_eq!(inf.version_value("class").as_deref(), Some("System"));
    let ids: Vec<(String, u32)> = inf.hardware_ids();
    assert_eq!(
        ids,
        vec![
            (r"PCI\VEN_1AF4&DEV_1001".to_owned(), 24),
            (r"PCI\VEN_1AF4&DEV_1042".to_owned(), 24)
        ]
    );
    assert!(inf.missing_copyfiles_sections().is_empty());
}

#[test]
fn the_catalog_is_the_most_specific_for_the_platform() {
    let inf = parse(FIXTURE);
    assert_eq!(inf.catalog_file("amd64"), Some(("samp64.cat".into(), 7)));
    assert_eq!(inf.catalog_file("x86"), Some(("samp.cat".into(), 6)));
    let nt = parse("[Version]\nCatalogFile.NT = a.cat\ncatalogfile.ntX86=\"b.cat\"\n");
    assert_eq!(nt.catalog_file("x86"), Some(("b.cat".into(), 3)));
    assert_eq!(nt.catalog_file("amd64"), Some(("a.cat".into(), 2)));
    assert_eq!(parse("[Version]\nClass=Net\n").catalog_file("amd64"), None);
    // ARM64 (Windows 10 1709 on) reads CatalogFile.NTarm64, never another platform's.
    let arm = parse("[Version]\nCatalogFile.NTamd64=x64.cat\nCatalogFile.NTARM64=arm.cat\n");
    assert_eq!(arm.catalog_file("arm64"), Some(("arm.cat".into(), 3)));
    let amd_only = parse("[Version]\nCatalogFile.NTamd64=x64.cat\n");
    assert_eq!(amd_only.catalog_file("arm64"), None);
    assert_eq!(amd_only.catalog_file("x86"), None);
}

#[test]
fn each_reference_kind_is_found_on_its_own() {
    use RefKind::*;
    let service =
        parse("[S]\nServiceBinary = %12%\\drivers\\Svc.SYS\n[T]\nServiceBinary=%11%/tool.exe\n");
    assert_eq!(
        refs(&service),
        vec![
            r("Svc.SYS", 2, ServiceBinary),
            r("tool.exe", 4, ServiceBinary)
        ]
    );

    let coinst = parse("[R]\nHKR,,CoInstallers32,0x00010000,\"WdfCoInstaller01009.dll,WdfCoInstaller\",\"mine.dll,Go\"\nHKR,,Other,0,\"WdfCoInstaller9.dll\"\n");
    assert_eq!(
        refs(&coinst),
        vec![r("WdfCoInstaller01009.dll", 2, CoInstaller)]
    );

    let copy = parse(
        "[X.NTamd64.6.3]\nCopyFiles=@a.sys,Lst\n[X.NTx86]\nCopyFiles = @b.sys\n[Lst]\ndst.sys, src.sys\nplain.dll\n",
    );
    assert_eq!(
        refs(&copy),
        vec![
            r("a.sys", 2, CopyFiles),
            r("b.sys", 4, CopyFiles),
            r("src.sys", 6, CopyFiles),
            r("plain.dll", 7, CopyFiles)
        ]
    );

    let inf = parse("[DefaultInstall]\nCopyINF = %Child%\n[Strings]\nChild=\"sub\\c.inf\"\n");
    assert_eq!(refs(&inf), vec![r("sub/c.inf", 2, CopyInf)]);
}

#[test]
fn subdirectories_come_from_source_disks_files_and_the_matching_disk() {
    let text = "[SourceDisksNames.amd64]\n3=\"D\",,,\\x64\n[SourceDisksNames]\n3=\"D\",,,\\generic\n\
                [SourceDisksFiles.amd64]\na.sys=3,\\drv\\,\n[SourceDisksFiles]\nb.sys=3\nc.sys=4,.\n\
                [I]\nCopyFiles=L\nServiceBinary=%12%\\a.sys\n[L]\nA.SYS\n";
    let inf = parse(text);
    let names: Vec<(String, u32)> = inf
        .referenced_files()
        .into_iter()
        .map(|r| (r.name, r.line))
        .collect();
    // a.sys is the same file wherever it is referenced, so it stays at its first line.
    assert_eq!(
        names,
        vec![
            ("x64/drv/a.sys".into(), 6),
            ("generic/b.sys".into(), 8),
            ("c.sys".into(), 9)
        ]
    );
}

#[test]
fn a_hwid_only_in_a_comment_is_not_content() {
    let inf = parse(FIXTURE);
    let content = inf.content_lines();
    let has = |id: &str| content.iter().any(|(_, t)| t.contains(id));
    assert!(FIXTURE.contains(r"PCI\VEN_1AF4&DEV_1059"));
    assert!(!has(r"PCI\VEN_1AF4&DEV_1059"));
    assert!(has(r"PCI\VEN_1AF4&DEV_1042"));
    assert_eq!(content[0], (2, "[Version]".to_owned()));
    assert!(content.contains(&(
        46,
        r#"HKR,,CoInstallers32,0x00010000,    "WdfCoInstaller01011.dll,WdfCoInstaller", "Other.dll,Entry""#.to_owned()
    )));
}

#[test]
fn every_encoding_gives_the_same_facts() {
    let crlf = FIXTURE.replace('\n', "\r\n");
    let le: Vec<u8> = crlf.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let be: Vec<u8> = crlf.encode_utf16().flat_map(u16::to_be_bytes).collect();
    let cat = |a: &[u8], b: &[u8]| [a, b].concat();
    let inputs = [
        (FIXTURE.as_bytes().to_vec(), InfEncoding::Utf8),
        (
            cat(&[0xEF, 0xBB, 0xBF], crlf.as_bytes()),
            InfEncoding::Utf8Bom,
        ),
        (le.clone(), InfEncoding::Utf16Le),
        (cat(&[0xFF, 0xFE], &le), InfEncoding::Utf16LeBom),
        (be.clone(), InfEncoding::Utf16Be),
        (cat(&[0xFE, 0xFF], &be), InfEncoding::Utf16BeBom),
    ];
    let expected = parse(FIXTURE);
    for (bytes, encoding) in inputs {
        let (text, got) = decode(&bytes).unwrap();
        assert_eq!(got, encoding);
        let inf = parse(&text);
        assert_eq!(refs(&inf), refs(&expected), "{encoding:?}");
        assert_eq!(
            inf.content_lines(),
            expected.content_lines(),
            "{encoding:?}"
        );
        assert_eq!(inf.add_services(), expected.add_services(), "{encoding:?}");
    }
}

#[test]
fn missing_copyfiles_sections_are_reported_with_their_line() {
    let inf = parse("[I]\nCopyFiles = Here, @f.sys, Gone\n[here]\nx.sys\n");
    assert_eq!(
        inf.missing_copyfiles_sections(),
        vec![("Gone".to_owned(), 2)]
    );
    assert_eq!(refs(&inf).len(), 2);
}

/// xorshift64: deterministic junk without a dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const PIECES: &[&[u8]] = &[
    b"[",
    b"]",
    b"Version",
    b"Strings",
    b"Strings.0409",
    b"CopyFiles",
    b"CopyINF",
    b"ServiceBinary",
    b"AddService",
    b"SourceDisksFiles",
    b"SourceDisksNames",
    b"Manufacturer",
    b"CatalogFile",
    b"HKR,,CoInstallers32,0,",
    b"WdfCoInstaller1.dll",
    b"=",
    b",",
    b"\"",
    b";",
    b"\\",
    b"/",
    b"%",
    b"%%",
    b"@",
    b"\r\n",
    b"\n",
    b"\r",
    b" ",
    b"\t",
    b"a.sys",
    b"1",
    b".",
    b"\0",
    b"\xFF",
    b"\xFE",
    b"\xC3",
    b"\xA9",
    b"\xED\xA0\x80",
    b"\x1A",
];

/// Physical line count by the parser's rules: `\r\n`, `\n` and lone `\r` end a line.
fn physical_lines(text: &str) -> u32 {
    let b = text.as_bytes();
    let breaks = (0..b.len())
        .filter(|&i| b[i] == b'\n' || (b[i] == b'\r' && b.get(i + 1) != Some(&b'\n')))
        .count();
    (breaks + 1) as u32
}

fn check_sane(text: &str) {
    let inf = parse(text);
    let max = physical_lines(text);
    let content = inf.content_lines();
    for pair in content.windows(2) {
        assert!(pair[0].0 < pair[1].0, "lines must increase");
    }
    for (line, t) in &content {
        assert!((1..=max).contains(line));
        assert!(!t.is_empty() && t.trim() == t && !t.contains(['\n', '\r']));
    }
    let files = inf.referenced_files();
    let mut seen = std::collections::BTreeSet::new();
    for f in &files {
        assert!((1..=max).contains(&f.line));
        assert!(!f.name.is_empty() && !f.name.contains('\\'));
        assert!(seen.insert(f.name.to_lowercase()), "duplicate {}", f.name);
    }
    assert!(files.windows(2).all(|p| p[0].line <= p[1].line));
    for (_, line) in inf
        .add_services()
        .into_iter()
        .chain(inf.hardware_ids())
        .chain(inf.missing_copyfiles_sections())
    {
        assert!((1..=max).contains(&line));
    }
    let _ = inf.version_value("Provider");
}

#[test]
fn junk_input_never_panics_and_gives_sane_output() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for round in 0..400 {
        let mut bytes = Vec::new();
        for _ in 0..rng.below(600) {
            if rng.below(8) == 0 {
                bytes.push(rng.next() as u8);
            } else {
                bytes.extend_from_slice(PIECES[rng.below(PIECES.len())]);
            }
        }
        if let Ok((text, _)) = decode(&bytes) {
            check_sane(&text);
        }
        let text = String::from_utf8_lossy(&bytes);
        check_sane(&text);
        // Any text round-trips through UTF-16 with a BOM.
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(
            decode(&le).map(|d| d.0).as_deref(),
            Ok(&*text),
            "round {round}"
        );
    }
}

#[test]
fn work_stays_linear_when_directives_repeat() {
    const N: usize = 20_000;
    let mut text = String::from("[I]\nCopyFiles = ");
    text.push_str(&"Big,".repeat(N));
    text.push_str("\n[Manufacturer]\n");
    text.push_str(&"M=Models,NTamd64\n".repeat(N / 10));
    text.push_str("[Models.NTamd64]\n");
    text.push_str(&"d=i,ID\\1\n".repeat(N));
    text.push_str("[Big]\n");
    for i in 0..N {
        text.push_str(&format!("f{i}.sys\n"));
    }
    text.push_str("[Tail]\n");
    text.push_str(&"a,\\\n".repeat(N));
    text.push_str("\n[Strings]\nk=\"%k%%k%\"\n");
    let inf = parse(&text);
    assert_eq!(inf.referenced_files().len(), N);
    assert_eq!(inf.hardware_ids().len(), 1);
    assert_eq!(inf.resolve("%k%"), "%k%%k%");
    assert_eq!(inf.resolve(&"%k%".repeat(N)).len(), 6 * N);
    assert_eq!(inf.entries("Tail")[0].values.len(), N + 1);
}
