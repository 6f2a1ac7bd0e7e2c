//! The INF parser against the real, consistent virtio-win 8.1 driver packages: every file an
//! INF references must be in its folder, and the services, catalogs, binaries and hardware IDs
//! we know are there must be found.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use guestpack::validate::inf::{self, Inf, RefKind};

const DRIVERS: &str = "../shared/data/virtio-win-8.1/drivers";

/// (driver folder, services it adds): read from the INFs by hand.
const EXPECTED: &[(&str, &[&str])] = &[
    ("balloon", &["BALLOON"]),
    ("fwcfg", &["FwCfg"]),
    ("netkvm", &["netkvm"]),
    ("pvpanic", &["PVPanic"]),
    ("pvpanic-pci", &["PVPanic"]),
    ("viofs", &["VirtioFsDrv"]),
    ("viogpudo", &["VioGpuDod"]),
    ("vioinput", &["VirtioInput", "viohidkmdf"]),
    ("vioprot", &["netkvmp"]),
    ("viorng", &["VirtRng"]),
    ("vioscsi", &["vioscsi"]),
    ("vioser", &["VirtioSerial"]),
    ("viostor", &["viostor"]),
];

/// Drivers whose INFs carry WDF co-installer sections. In this release those sections are
/// empty (viofs's `CoInstallers32` line even continues into a comment), so no co-installer
/// DLL may be reported: the folders hold none.
const WITH_COINSTALLER_SECTIONS: &[&str] = &[
    "balloon",
    "fwcfg",
    "pvpanic",
    "pvpanic-pci",
    "viofs",
    "vioinput",
    "viorng",
    "vioser",
];

fn drivers_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(DRIVERS)
}

fn load(arch: &str, driver: &str) -> (Inf, String, BTreeSet<String>) {
    let dir = drivers_dir().join(arch).join(driver);
    let bytes = fs::read(dir.join(format!("{driver}.inf"))).expect("inf readable");
    let (text, _) = inf::decode(&bytes).expect("inf decodes");
    let files = fs::read_dir(&dir)
        .expect("driver folder readable")
        .map(|e| {
            e.expect("dir entry")
                .file_name()
                .to_string_lossy()
                .to_lowercase()
        })
        .collect();
    (inf::parse(&text), text, files)
}

#[test]
fn the_data_set_has_thirteen_drivers_per_architecture() {
    for arch in ["x86", "amd64"] {
        let found: BTreeSet<String> = fs::read_dir(drivers_dir().join(arch))
            .expect("driver data present")
            .map(|e| {
                e.expect("dir entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        let expected: BTreeSet<String> = EXPECTED.iter().map(|(d, _)| d.to_string()).collect();
        assert_eq!(found, expected, "{arch}");
    }
}

#[test]
fn every_referenced_file_is_in_the_package_and_every_shipped_binary_is_referenced() {
    for arch in ["x86", "amd64"] {
        for (driver, services) in EXPECTED {
            let (inf, _, files) = load(arch, driver);
            let refs = inf.referenced_files();
            let names: BTreeSet<String> = refs.iter().map(|r| r.name.to_lowercase()).collect();
            for r in &refs {
                // Windows file names are case-insensitive: balloon.inf names "Balloon.cat".
                assert!(
                    files.contains(&r.name.to_lowercase()),
                    "{arch}/{driver}: {r:?} missing"
                );
            }
            for f in &files {
                if [".sys", ".dll", ".exe", ".cat"]
                    .iter()
                    .any(|ext| f.ends_with(ext))
                {
                    assert!(
                        names.contains(f),
                        "{arch}/{driver}: {f} shipped but not referenced"
                    );
                }
            }
            let catalog = format!("{driver}.cat");
            assert!(
                refs.iter().any(
                    |r| r.kind == RefKind::CatalogFile && r.name.eq_ignore_ascii_case(&catalog)
                ),
                "{arch}/{driver}: catalog"
            );
            let got: Vec<String> = inf
                .add_services()
                .into_iter()
                .map(|(name, _)| name)
                .collect();
            assert_eq!(&got, services, "{arch}/{driver}: services");
            assert!(
                refs.iter().all(|r| r.kind != RefKind::CoInstaller),
                "{arch}/{driver}: no co-installer DLL is named"
            );
            let has_coinstaller_section = inf
                .section_names()
                .iter()
                .any(|s| s.to_lowercase().ends_with(".nt.coinstallers"));
            assert_eq!(
                has_coinstaller_section,
                WITH_COINSTALLER_SECTIONS.contains(driver),
                "{arch}/{driver}"
            );
            assert_eq!(
                inf.version_value("Provider").as_deref(),
                Some("Red Hat, Inc."),
                "{arch}/{driver}"
            );
            assert!(
                inf.missing_copyfiles_sections().is_empty(),
                "{arch}/{driver}"
            );
        }
    }
}

#[test]
fn known_binaries_are_found_through_their_directives() {
    let (inf, _, _) = load("amd64", "vioinput");
    let binaries: Vec<(String, RefKind)> = inf
        .referenced_files()
        .into_iter()
        .map(|r| (r.name, r.kind))
        .collect();
    assert!(binaries.contains(&("vioinput.sys".into(), RefKind::SourceDisksFiles)));
    assert!(binaries.contains(&("viohidkmdf.sys".into(), RefKind::SourceDisksFiles)));

    // vioprot copies a DLL and an EXE; the service binary lives in %11%.
    let (inf, _, _) = load("x86", "vioprot");
    let refs: Vec<(String, u32, RefKind)> = inf
        .referenced_files()
        .into_iter()
        .map(|r| (r.name, r.line, r.kind))
        .collect();
    let expected = [
        ("vioprot.cat", 16, RefKind::CatalogFile),
        ("netkvmp.exe", 57, RefKind::ServiceBinary),
        ("netkvmno.dll", 70, RefKind::SourceDisksFiles),
    ];
    assert_eq!(refs, expected.map(|(n, l, k)| (n.to_owned(), l, k)));

    let (inf, _, _) = load("amd64", "pvpanic-pci");
    let names: Vec<String> = inf.referenced_files().into_iter().map(|r| r.name).collect();
    assert!(
        names.contains(&"pvpanic.sys".to_owned()) && names.contains(&"pvpanic-pci.cat".to_owned())
    );
}

#[test]
fn viostor_and_netkvm_facts() {
    for arch in ["x86", "amd64"] {
        let (viostor, text, _) = load(arch, "viostor");
        assert_eq!(viostor.add_services(), vec![("viostor".to_owned(), 71)]);
        assert_eq!(
            viostor.version_value("Class").as_deref(),
            Some("SCSIAdapter")
        );
        let hwid = r"PCI\VEN_1AF4&DEV_1042";
        let in_comments: Vec<u32> = text
            .lines()
            .zip(1..)
            .filter(|(l, _)| l.trim_start().starts_with(';') && l.contains(hwid))
            .map(|(_, n)| n)
            .collect();
        assert!(
            !in_comments.is_empty(),
            "viostor.inf mentions the id in a comment"
        );
        let in_content: Vec<u32> = viostor
            .content_lines()
            .into_iter()
            .filter(|(_, t)| t.contains(hwid))
            .map(|(n, _)| n)
            .collect();
        assert_eq!(
            in_content,
            vec![54],
            "{arch}: only the models line, never the comment"
        );
        assert!(viostor
            .hardware_ids()
            .iter()
            .any(|(id, line)| id == hwid && *line == 54));

        // The same INF without its models line: the id survives only in comments, so it is gone.
        let models = text
            .lines()
            .find(|l| !l.starts_with(';') && l.contains(hwid))
            .expect("models line");
        let stripped = inf::parse(&text.replacen(models, "", 1));
        assert!(stripped
            .content_lines()
            .iter()
            .all(|(_, t)| !t.contains(hwid)));
        assert!(text.replacen(models, "", 1).contains(hwid));

        let (netkvm, _, _) = load(arch, "netkvm");
        assert_eq!(
            netkvm.add_services().first().map(|(s, _)| s.as_str()),
            Some("netkvm")
        );
        assert_eq!(netkvm.version_value("Class").as_deref(), Some("Net"));
        let names: Vec<String> = netkvm
            .referenced_files()
            .into_iter()
            .map(|r| r.name)
            .collect();
        assert_eq!(names, vec!["netkvm.cat", "netkvm.sys"]);
    }
}
