//! Driver inputs taken the way they come: the real virtio-win 8.1 drivers re-laid as a
//! virtio-win tree (`<Driver>/w8.1/<arch>/`, as a directory and as an ISO built with xorriso)
//! and as flat arch folders (`Win7/<arch>/*`) must give byte-identical media to the per-arch
//! tree they came from. xorriso is required: without it these tests fail.

use crate::common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

const SPEC: &str = "virtio-win-8.1.json";

/// The folder name virtio-win gives a driver, where it is not simply the lower-case one.
fn virtio_name(driver: &str) -> &str {
    match driver {
        "netkvm" => "NetKVM",
        "balloon" => "Balloon",
        other => other,
    }
}

/// Calls `f(arch, driver, file)` for every file of the per-arch tree.
fn each_file(mut f: impl FnMut(&str, &str, &Path)) {
    let root = virtio_drivers();
    for arch in ["amd64", "x86"] {
        for d in std::fs::read_dir(root.join(arch)).unwrap() {
            let d = d.unwrap();
            let driver = d.file_name().to_string_lossy().into_owned();
            for file in std::fs::read_dir(d.path()).unwrap() {
                f(arch, &driver, &file.unwrap().path());
            }
        }
    }
}

fn copy_into(file: &Path, dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::copy(file, dir.join(file.file_name().unwrap())).unwrap();
}

/// `<Driver>/<os>/<arch>/` for each os in `oses`.
fn virtio_tree(dir: &Path, oses: &[&str]) {
    each_file(|arch, driver, file| {
        for os in oses {
            copy_into(file, &dir.join(virtio_name(driver)).join(os).join(arch));
        }
    });
}

/// `Win7/<arch>/` holding every driver's files side by side, .pdb files included.
fn flat_tree(dir: &Path) {
    each_file(|arch, _, file| copy_into(file, &dir.join("Win7").join(arch)));
}

fn xorriso(dir: &Path, iso: &Path) {
    let out = Command::new("xorriso")
        .args(["-as", "mkisofs", "-J", "-o"])
        .arg(iso)
        .arg(dir)
        .output()
        .expect("xorriso is required for these tests (apt-get install xorriso)");
    assert!(out.status.success(), "xorriso: {}", stderr(&out));
}

/// Packages `drivers` into `out` (with a JSON report); returns the stderr text.
fn package(drivers: &Path, extra: &[&str], out: &Path) -> String {
    let o = run(guestpack()
        // The real INFs are not in their catalogs as the repository stores them
        // (tests/it/catalogs_real.rs): policy none keeps those findings warnings here.
        .args(["--signing-policy", "none"])
        .arg("--drivers-dir")
        .arg(drivers)
        .args(["--spec", SPEC, "--threads", "2"])
        .args(extra)
        .arg("--out-dir")
        .arg(out)
        .arg("--report")
        .arg(out.join("report.json")));
    assert!(o.status.success(), "{}: {}", drivers.display(), stderr(&o));
    stderr(&o)
}

fn reference(tmp: &Path) -> PathBuf {
    let out = tmp.join("ref");
    package(&virtio_drivers(), &[], &out);
    out
}

fn report(out: &Path) -> String {
    std::fs::read_to_string(out.join("report.json")).unwrap()
}

#[test]
fn virtio_win_tree_and_iso_give_the_per_arch_media() {
    let tmp = tempfile::tempdir().unwrap();
    let want = output_hashes(&reference(tmp.path()));

    // One OS: taken without asking.
    let one = tmp.path().join("one-os");
    virtio_tree(&one, &["w8.1"]);
    let out = tmp.path().join("from-dir");
    let log = package(&one, &[], &out);
    assert!(
        log.contains(r#"info[LAY010]: driver input layout: virtio-win (<driver>/<os>/<arch>/) at the root; os "w8.1""#)
            && log.contains(r#"drivers/amd64/netkvm: info[LAY011]: driver "netkvm" (amd64) takes 4 file(s) from "NetKVM/w8.1/amd64""#),
        "{log}"
    );
    assert_eq!(output_hashes(&out), want);
    assert!(report(&out).contains("LAY011"));

    // Two OSes in an ISO: refused until one is chosen, then the same media.
    let two = tmp.path().join("two-os");
    virtio_tree(&two, &["w8.1", "w10"]);
    let iso = tmp.path().join("virtio-win.iso");
    xorriso(&two, &iso);
    let o = run(guestpack()
        // The real INFs are not in their catalogs as the repository stores them
        // (tests/it/catalogs_real.rs): policy none keeps those findings warnings here.
        .args(["--signing-policy", "none"])
        .arg("--drivers-dir")
        .arg(&iso)
        .args(["--spec", SPEC, "--validate-only"]));
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("error[LAY004]") && err.contains("\"w10\", \"w8.1\"") && err.contains("--os"),
        "{err}"
    );
    let out = tmp.path().join("from-iso");
    package(&iso, &["--os", "W8.1"], &out);
    assert_eq!(output_hashes(&out), want);

    let o = run(guestpack()
        // The real INFs are not in their catalogs as the repository stores them
        // (tests/it/catalogs_real.rs): policy none keeps those findings warnings here.
        .args(["--signing-policy", "none"])
        .arg("--drivers-dir")
        .arg(&iso)
        .args(["--spec", SPEC, "--validate-only", "--os", "w7"]));
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("error[LAY005]: os \"w7\" is not in the driver input"));
}

#[test]
fn flat_arch_folders_give_the_per_arch_media() {
    let tmp = tempfile::tempdir().unwrap();
    let reference = reference(tmp.path());
    let flat = tmp.path().join("flat");
    flat_tree(&flat);
    let out = tmp.path().join("from-flat");
    let log = package(&flat, &[], &out);
    // Each driver is what its INF references: pvpanic.sys goes to both pvpanic packages,
    // the symbols go with their binary and are then left out by the file policy.
    for line in [
        "info[LAY010]: driver input layout: flat",
        r#"drivers/amd64/pvpanic: info[LAY011]: driver "pvpanic" (amd64) takes 3 file(s) from "Win7/amd64": "pvpanic.cat", "pvpanic.inf", "pvpanic.sys""#,
        r#"drivers/amd64/pvpanic-pci: info[LAY011]: driver "pvpanic-pci" (amd64) takes 3 file(s) from "Win7/amd64": "pvpanic-pci.cat", "pvpanic-pci.inf", "pvpanic.sys""#,
        r#"drivers/amd64/netkvm: info[LAY011]: driver "netkvm" (amd64) takes 4 file(s) from "Win7/amd64": "netkvm.cat", "netkvm.inf", "netkvm.pdb", "netkvm.sys""#,
        r#"drivers/x86/vioprot: info[LAY011]: driver "vioprot" (x86) takes 4 file(s) from "Win7/x86": "netkvmno.dll", "netkvmp.exe", "vioprot.cat", "vioprot.inf""#,
    ] {
        assert!(log.contains(line), "missing {line:?} in:\n{log}");
    }
    // No warnings but the catalog findings the real INFs give under policy none.
    assert!(
        !log.lines()
            .any(|l| l.contains("warning[") && !l.contains("warning[CAT")),
        "{log}"
    );
    assert_eq!(output_hashes(&out), output_hashes(&reference));
    // The policy reports the left-out symbols exactly as for the per-arch tree.
    let pol = |r: &str| {
        r.lines()
            .filter(|l| l.contains("POL010") || l.contains("left out by the default file policy"))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(pol(&report(&out)), pol(&report(&reference)));
    assert_eq!(pol(&report(&out)).len(), 8, "{}", report(&out));
}

#[test]
fn a_flat_folder_reports_files_no_inf_references() {
    let tmp = tempfile::tempdir().unwrap();
    let flat = tmp.path().join("flat");
    flat_tree(&flat);
    std::fs::write(flat.join("Win7/amd64/notes.txt"), "build notes").unwrap();
    std::fs::write(flat.join("Win7/amd64/stray.pdb"), "symbols of nothing").unwrap();
    let o = run(guestpack()
        // The real INFs are not in their catalogs as the repository stores them
        // (tests/it/catalogs_real.rs): policy none keeps those findings warnings here.
        .args(["--signing-policy", "none"])
        .arg("--drivers-dir")
        .arg(&flat)
        .args(["--spec", SPEC, "--validate-only"]));
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    for p in ["Win7/amd64/notes.txt", "Win7/amd64/stray.pdb"] {
        assert!(
            err.contains(&format!(
                "{p}: warning[LAY007]: \"{p}\" is not referenced by any INF"
            )),
            "{err}"
        );
    }
}

#[test]
fn a_large_inf_in_a_flat_folder_follows_max_inf_size_as_in_a_driver_folder() {
    // A 10 MB INF is over the 8 MiB default and under --max-inf-size 16M: the flat folder must
    // read it under the user's limit too, not a fixed one (its files were once reported as
    // unreferenced, LAY007, and left out).
    let tmp = tempfile::tempdir().unwrap();
    let pad = |inf: &Path| {
        let mut text = std::fs::read(inf).unwrap();
        while text.len() < 10_000_000 {
            text.extend_from_slice(
                b"; padding that makes this INF larger than the default limit\r\n",
            );
        }
        std::fs::write(inf, text).unwrap();
    };
    let per_arch = tmp.path().join("per-arch");
    let flat = tmp.path().join("flat");
    each_file(|arch, driver, file| {
        copy_into(file, &per_arch.join(arch).join(driver));
        copy_into(file, &flat.join("Win7").join(arch));
    });
    for arch in ["amd64", "x86"] {
        pad(&per_arch.join(arch).join("viostor/viostor.inf"));
        pad(&flat.join("Win7").join(arch).join("viostor.inf"));
    }
    let limit = ["--max-inf-size", "16M"];
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    package(&per_arch, &limit, &a);
    let log = package(&flat, &limit, &b);
    assert!(!log.contains("LAY007"), "{log}");
    assert_eq!(output_hashes(&a), output_hashes(&b));
    assert!(report(&b).contains("\"driver\": \"viostor\""));
}
