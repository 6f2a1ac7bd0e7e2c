//! `guestpack verify`: media built by guestpack verify clean as an ISO, a zip and an extracted
//! folder, and one flipped byte, one missing file and one extra file are each reported by
//! path with exit code 1. Errors (no media, a manifest that is not one) exit with 2.

use crate::common::*;
use guestpack::input::zip::{read_zip, ZipLimits};
use guestpack::native::NativeFile;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Arc;

/// Builds the sample media into `dir/out`.
fn media(dir: &Path) -> PathBuf {
    let out = dir.join("out");
    let o = run(guestpack().args(["--sample", "-q", "--out-dir"]).arg(&out));
    assert!(o.status.success(), "{}", stderr(&o));
    out
}

fn verify(media: &Path, extra: &[&str]) -> Output {
    run(guestpack().arg("verify").arg(media).args(extra))
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Extracts a zip with the crate's reader (it checks every CRC on the way).
fn extract(zip: &Path, dir: &Path) {
    let tree = read_zip(
        Arc::new(NativeFile::open(zip).unwrap()),
        "media.zip",
        &ZipLimits::default(),
    )
    .unwrap();
    write_tree(&tree, dir);
}

/// Flips one byte in the middle of `path` (in a copy of the media).
fn flip(path: &Path) {
    let mut b = std::fs::read(path).unwrap();
    let i = b.len() / 2;
    b[i] ^= 0x01;
    std::fs::write(path, b).unwrap();
}

/// One changed, one missing and one extra file in an extracted copy.
fn alter(dir: &Path) {
    flip(&dir.join("setup.cmd"));
    std::fs::remove_file(dir.join("drivers/amd64/viostor/viostor.inf")).unwrap();
    std::fs::write(dir.join("drivers/x86/extra.txt"), "not on the manifest").unwrap();
}

fn assert_three_problems(o: &Output) {
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(o), stderr(o));
    let text = stdout(o);
    let mut lines: Vec<&str> = text.lines().collect();
    lines.sort();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(
        lines[0].starts_with("changed  setup.cmd: sha256 "),
        "{text}"
    );
    assert_eq!(lines[1], "extra    drivers/x86/extra.txt");
    assert_eq!(lines[2], "missing  drivers/amd64/viostor/viostor.inf");
    assert!(
        stderr(o).contains("1 missing, 1 changed, 1 extra"),
        "{}",
        stderr(o)
    );
}

#[test]
fn good_media_verify_as_iso_zip_and_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let out = media(tmp.path());
    let manifest = out.join("manifest.json");
    let o = verify(&out.join("guest-tools.iso"), &[]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert!(stderr(&o).contains("ok,") && stdout(&o).is_empty());
    let o = verify(
        &out.join("guest-tools.zip"),
        &["--manifest", manifest.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let dir = tmp.path().join("extracted");
    extract(&out.join("guest-tools.zip"), &dir);
    let report = tmp.path().join("verify.json");
    let o = verify(&dir, &["--report", report.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(v["ok"], v["listed"]);
    assert!(v["missing"].as_array().unwrap().is_empty());
}

#[test]
fn altered_folder_and_zip_report_each_problem_path() {
    let tmp = tempfile::tempdir().unwrap();
    let out = media(tmp.path());
    let dir = tmp.path().join("extracted");
    extract(&out.join("guest-tools.zip"), &dir);
    alter(&dir);
    assert_three_problems(&verify(&dir, &[]));

    // The same alterations as a zip written by another zip writer.
    let zip = tmp.path().join("altered.zip");
    zip_dir(&dir, &zip, "");
    let report = tmp.path().join("verify.json");
    let o = verify(&zip, &["--report", report.to_str().unwrap()]);
    assert_three_problems(&o);
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(v["changed"][0]["path"], "setup.cmd");
    assert_eq!(
        v["changed"][0]["expected_size"],
        v["changed"][0]["actual_size"]
    );
}

#[test]
fn a_byte_flipped_inside_an_iso_file_extent_is_found() {
    let tmp = tempfile::tempdir().unwrap();
    let out = media(tmp.path());
    let iso = out.join("guest-tools.iso");
    let mut image = std::fs::read(&iso).unwrap();
    // Locate setup.cmd's extent by its content (stored verbatim, once).
    let setup = std::fs::read(crate_root().join("guest-tools/setup.cmd")).unwrap();
    let at = image
        .windows(setup.len())
        .position(|w| w == setup.as_slice())
        .expect("setup.cmd stored in the image");
    image[at + setup.len() / 2] ^= 0x01;
    let bad = tmp.path().join("bad.iso");
    std::fs::write(&bad, image).unwrap();
    let o = verify(&bad, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with("changed  setup.cmd: sha256 ") && stdout(&o).lines().count() == 1,
        "{}",
        stdout(&o)
    );
}

#[test]
fn errors_exit_with_2() {
    let tmp = tempfile::tempdir().unwrap();
    let out = media(tmp.path());
    let o = verify(&tmp.path().join("nothing.iso"), &[]);
    assert_eq!(o.status.code(), Some(2));
    let not_manifest = tmp.path().join("m.json");
    std::fs::write(&not_manifest, "{\"files\": []}").unwrap();
    let o = verify(
        &out.join("guest-tools.iso"),
        &["--manifest", not_manifest.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("not a guestpack manifest"),
        "{}",
        stderr(&o)
    );
    // A folder without manifest.json and no --manifest: nothing to check against.
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let o = verify(&empty, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no manifest.json"), "{}", stderr(&o));
    // A file that is no media: the message says what verify takes, not only what a build does.
    let text = tmp.path().join("notes.txt");
    std::fs::write(&text, "not media").unwrap();
    let o = verify(&text, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("not a zip archive or an ISO image")
            && stderr(&o).contains("to verify, the ISO or zip guestpack made"),
        "{}",
        stderr(&o)
    );
    // Packaging flags do not mix with the subcommand.
    let o = run(guestpack().args(["--sample", "verify"]).arg(&out));
    assert_eq!(o.status.code(), Some(2));
}
