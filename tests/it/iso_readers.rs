//! Independent ISO readers (xorriso, isoinfo/isovfy, 7-Zip, bsdtar, pycdlib, blkid) must read
//! the images we write without complaint and extract exactly the bytes we put in.
//!
//! Every tool is required: a missing tool fails the test with the package to install
//! (`apt-get install -y xorriso genisoimage p7zip-full libarchive-tools util-linux`,
//! `pip install pycdlib`).

use guestpack::output::iso::{IsoImage, IsoOptions};
use guestpack::output::media::{media_file, MediaFile};
use guestpack::source::digest::hex;
use guestpack::source::MemContent;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

const LABEL: &str = "Guest Tools";

fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

/// Awkward names and shapes, plus the real driver tree from the shared test data.
fn inputs() -> BTreeMap<String, Vec<u8>> {
    let mut v: BTreeMap<String, Vec<u8>> = [
        ("README.md", b"# readme\n".to_vec()),
        ("setup.cmd", b"@echo off\r\n".to_vec()),
        ("MixedCase.TXT", b"upper".to_vec()),
        ("mixedcase.txt", b"lower".to_vec()),
        ("mixed-case.txt", b"dash".to_vec()),
        ("Ünïcödé/Ünïcödé.txt", "ünï".as_bytes().to_vec()),
        ("Ünïcödé/ÜNÏCÖDÉ.txt", b"caps".to_vec()),
        ("empty", Vec::new()),
        ("dir/empty2.dat", Vec::new()),
        ("dir/no_ext", b"x".to_vec()),
        ("dir/a.b.c.d", b"dots".to_vec()),
        ("dir/with space & (parens).txt", b"punct".to_vec()),
        ("dup/one.bin", pattern(3000, 9)),
        ("dup/two.bin", pattern(3000, 9)),
        ("big/sector.bin", pattern(2048, 5)),
        ("big/odd.bin", pattern(200_001, 6)),
        (
            "d1/d2/d3/d4/d5/d6/d7/d8/d9/d10/d11/deep.txt",
            b"deep".to_vec(),
        ),
    ]
    .into_iter()
    .map(|(p, b)| (p.to_string(), b))
    .collect();
    v.insert(
        format!("long/{}.extension", "n".repeat(54)),
        b"long".to_vec(),
    );
    v.insert(format!("long/{}", "x".repeat(64)), b"sixty-four".to_vec());
    for i in 0..120 {
        v.insert(
            format!("many/file number {i:03} with a long name.txt"),
            format!("file {i}").into_bytes(),
        );
    }
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/virtio-win-8.1");
    for (rel, bytes) in walk(&shared) {
        v.insert(format!("virtio/{rel}"), bytes);
    }
    assert!(
        v.len() > 200,
        "shared driver tree missing under {}",
        shared.display()
    );
    v
}

/// Every file under `root` as (relative `/` path, bytes).
pub(crate) fn walk(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(root)
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .replace('\\', "/");
                out.insert(rel, fs::read(&p).unwrap());
            }
        }
    }
    out
}

struct Fixture {
    _dir: tempfile::TempDir,
    root: PathBuf,
    iso: PathBuf,
    files: BTreeMap<String, Vec<u8>>,
    sectors: u64,
}

fn fixture() -> Fixture {
    let files = inputs();
    let mut media: Vec<MediaFile> = files
        .iter()
        .map(|(p, b)| media_file(p.clone(), Arc::new(MemContent::new(b.clone()))).unwrap())
        .collect();
    media.sort_by(|a, b| a.path.cmp(&b.path));
    let opts = IsoOptions {
        volume_id: LABEL.into(),
        source_date_epoch: 1_700_000_000,
        application_id: "GUESTPACK 0.1.0".into(),
    };
    let img = IsoImage::plan(&media, &opts).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let iso = dir.path().join("media.iso");
    let mut out = fs::File::create(&iso).unwrap();
    let written = std::io::copy(&mut img.reader(), &mut out).unwrap();
    assert_eq!(written, img.len());
    Fixture {
        root: dir.path().to_path_buf(),
        _dir: dir,
        iso,
        files,
        sectors: img.len() / 2048,
    }
}

/// Runs a tool and returns (success, raw stdout, stderr); a missing tool fails the test.
fn run_raw(tool: &str, args: &[&str]) -> (bool, Vec<u8>, String) {
    let out = Command::new(tool)
        .args(args)
        .env("LC_ALL", "C.UTF-8")
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run {tool} ({e}); install it (see the header of this file)")
        });
    (
        out.status.success(),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn run(tool: &str, args: &[&str]) -> (bool, String, String) {
    let (ok, so, se) = run_raw(tool, args);
    (ok, String::from_utf8_lossy(&so).into_owned(), se)
}

/// Fails with the differences (not two full listings) when `got` and `want` differ.
fn assert_same_set(tool: &str, got: &[String], want: &[String]) {
    let missing: Vec<_> = want.iter().filter(|w| !got.contains(w)).collect();
    let extra: Vec<_> = got.iter().filter(|g| !want.contains(g)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{tool}: missing {missing:?}, extra {extra:?}"
    );
    assert_eq!(got.len(), want.len(), "{tool}: duplicate entries");
}

pub(crate) fn run_ok(tool: &str, args: &[&str]) -> String {
    let (ok, so, se) = run(tool, args);
    assert!(ok, "{tool} {args:?} failed:\n{so}\n{se}");
    so + &se
}

/// Extracted tree must equal the input exactly: same paths, same bytes.
fn assert_same_tree(f: &Fixture, dir: &Path, tool: &str) {
    let got = walk(dir);
    let missing: Vec<_> = f.files.keys().filter(|k| !got.contains_key(*k)).collect();
    let extra: Vec<_> = got.keys().filter(|k| !f.files.contains_key(*k)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{tool}: missing {missing:?}, extra {extra:?}"
    );
    for (p, bytes) in &f.files {
        assert!(&got[p] == bytes, "{tool}: {p} differs after extraction");
    }
}

fn expected_joliet_paths(f: &Fixture) -> Vec<String> {
    f.files.keys().map(|p| format!("/{p}")).collect()
}

#[test]
fn isovfy_and_isoinfo_accept_the_image() {
    let f = fixture();
    let iso = f.iso.to_str().unwrap();
    let src = guestpack::source::MemSource::new(fs::read(&f.iso).unwrap());
    assert_eq!(
        guestpack::input::iso::check_structure(&src).unwrap(),
        Vec::<String>::new()
    );
    let vfy = run_ok("isovfy", &[iso]);
    assert!(vfy.contains("No errors found"), "{vfy}");
    let info = run_ok("isoinfo", &["-d", "-i", iso]);
    assert!(info.contains("Volume id: GUEST_TOOLS"), "{info}");
    assert!(info.contains("Joliet with UCS level 3 found"), "{info}");
    assert!(info.contains("Logical block size is: 2048"), "{info}");
    assert!(
        info.contains(&format!("Volume size is: {}", f.sectors)),
        "{info}"
    );
    assert!(info.contains("Application id: GUESTPACK 0.1.0"), "{info}");

    // Every Joliet path, converted by isoinfo to Latin-1 (it offers no UTF-8).
    let (ok, listing, err) = run_raw("isoinfo", &["-J", "-j", "iso8859-1", "-f", "-i", iso]);
    assert!(ok && err.trim().is_empty(), "{err}");
    let listing: String = listing.iter().map(|&b| char::from(b)).collect();
    let listed: Vec<String> = listing.lines().map(str::to_string).collect();
    let mut want = expected_joliet_paths(&f);
    for p in f.files.keys() {
        let mut parent = p.as_str();
        while let Some(i) = parent.rfind('/') {
            parent = &parent[..i];
            want.push(format!("/{parent}"));
        }
    }
    want.sort();
    want.dedup();
    assert_same_set("isoinfo -J", &listed, &want);

    // The primary tree lists every file, under mangled names, without complaint.
    let (ok, primary, err) = run("isoinfo", &["-f", "-i", iso]);
    assert!(ok && err.trim().is_empty(), "{err}");
    assert!(
        primary.lines().any(|l| l == "/VIRTIO/DRIVERS/AMD64"),
        "{primary}"
    );
    let files_in_primary = primary.lines().filter(|l| l.ends_with(";1")).count();
    assert_eq!(files_in_primary, f.files.len());

    // isoinfo extraction of files through the Joliet tree.
    for p in [
        "big/odd.bin",
        "dup/two.bin",
        "empty",
        "virtio/drivers/x86/viostor/viostor.sys",
    ] {
        let (ok, raw, err) = run_raw("isoinfo", &["-J", "-i", iso, "-x", &format!("/{p}")]);
        assert!(ok && raw == f.files[p], "isoinfo -x /{p}: {err}");
    }
}

#[test]
fn xorriso_reads_without_warnings_and_extracts_identical_files() {
    let f = fixture();
    let iso = f.iso.to_str().unwrap();
    let (ok, so, se) = run(
        "xorriso",
        &[
            "-return_with",
            "WARNING",
            "32",
            "-indev",
            iso,
            "-find",
            "/",
            "-type",
            "f",
            "--",
        ],
    );
    let all = so.clone() + &se;
    assert!(ok, "xorriso reported problems:\n{all}");
    for bad in ["WARNING", "SORRY", "FAILURE", "FATAL", "MISHAP"] {
        assert!(!all.contains(bad), "xorriso: {bad}\n{all}");
    }
    assert!(
        all.contains(&format!(", {} data blocks", f.sectors)),
        "{all}"
    );
    assert_eq!(
        so.lines().filter(|l| l.starts_with("'/")).count(),
        f.files.len(),
        "{so}"
    );

    let check = run_ok(
        "xorriso",
        &[
            "-return_with",
            "WARNING",
            "32",
            "-indev",
            iso,
            "-check_media",
            "--",
        ],
    );
    assert!(
        check.contains(&format!(
            "Media region :          0 , {:>10} , + good",
            f.sectors
        )),
        "{check}"
    );

    let out = f.root.join("xorriso");
    run_ok(
        "xorriso",
        &[
            "-return_with",
            "WARNING",
            "32",
            "-osirrox",
            "on",
            "-indev",
            iso,
            "-extract",
            "/",
            out.to_str().unwrap(),
        ],
    );
    assert_same_tree(&f, &out, "xorriso");
}

#[test]
fn seven_zip_lists_tests_and_extracts_identical_files() {
    let f = fixture();
    let iso = f.iso.to_str().unwrap();
    let tested = run_ok("7z", &["t", iso]);
    assert!(
        tested.contains("Everything is Ok") && !tested.contains("Warning"),
        "{tested}"
    );
    let listing = run_ok("7z", &["l", "-slt", iso]);
    let mut files: Vec<String> = Vec::new();
    let mut path = None;
    for line in listing.lines() {
        if let Some(p) = line.strip_prefix("Path = ") {
            path = Some(p.to_string());
        } else if line == "Folder = -" {
            files.extend(path.take());
        }
    }
    assert_same_set("7z l", &files, &f.files.keys().cloned().collect::<Vec<_>>());
    let out = f.root.join("7z");
    run_ok("7z", &["x", "-y", &format!("-o{}", out.display()), iso]);
    assert_same_tree(&f, &out, "7z");
}

#[test]
fn bsdtar_lists_and_extracts_identical_files() {
    let f = fixture();
    let iso = f.iso.to_str().unwrap();
    let (ok, listing, err) = run("bsdtar", &["-tf", iso]);
    assert!(ok && err.trim().is_empty(), "{err}");
    let listed: Vec<&str> = listing.lines().collect();
    for p in f.files.keys() {
        assert!(listed.contains(&p.as_str()), "bsdtar does not list {p}");
    }
    let out = f.root.join("bsdtar");
    fs::create_dir_all(&out).unwrap();
    let (ok, so, se) = run("bsdtar", &["-xf", iso, "-C", out.to_str().unwrap()]);
    assert!(ok && se.trim().is_empty(), "{so}{se}");
    assert_same_tree(&f, &out, "bsdtar");
}

#[test]
fn pycdlib_opens_both_trees_and_reads_every_file() {
    let f = fixture();
    let script = r#"
import hashlib, io, sys, pycdlib
iso = pycdlib.PyCdlib()
iso.open(sys.argv[1])
assert iso.has_joliet()
for root, dirs, files in iso.walk(joliet_path='/'):
    for name in files:
        p = (root.rstrip('/') + '/' + name)
        buf = io.BytesIO()
        iso.get_file_from_iso_fp(buf, joliet_path=p)
        print('J', p, hashlib.sha256(buf.getvalue()).hexdigest())
for root, dirs, files in iso.walk(iso_path='/'):
    for name in files:
        print('P', root.rstrip('/') + '/' + name)
print('V', iso.pvd.volume_identifier.decode().rstrip())
iso.close()
"#;
    let out = run_ok("python3", &["-c", script, f.iso.to_str().unwrap()]);
    let mut joliet = BTreeMap::new();
    let mut primary = 0;
    for line in out.lines() {
        if let Some(rest) = line.strip_prefix("J /") {
            let (p, h) = rest.rsplit_once(' ').unwrap();
            joliet.insert(p.to_string(), h.to_string());
        } else if line.starts_with("P /") {
            primary += 1;
        }
    }
    let want: BTreeMap<String, String> = f
        .files
        .iter()
        .map(|(p, b)| (p.clone(), hex(&Sha256::digest(b))))
        .collect();
    assert!(
        joliet == want,
        "pycdlib: listed or read files differ: {:?}",
        joliet
            .iter()
            .filter(|(k, v)| want.get(*k) != Some(v))
            .collect::<Vec<_>>()
    );
    assert_eq!(primary, f.files.len());
    assert!(out.lines().any(|l| l == "V GUEST_TOOLS"), "{out}");
}

#[test]
fn blkid_shows_the_label() {
    let f = fixture();
    let out = run_ok("blkid", &["-p", f.iso.to_str().unwrap()]);
    assert!(out.contains(&format!("LABEL=\"{LABEL}\"")), "{out}");
    assert!(out.contains("TYPE=\"iso9660\""), "{out}");
}

/// An ISO opened by independent readers agrees with `want` (media path → SHA-256 hex, the
/// manifest's files plus `manifest.json`): xorriso extracts exactly those bytes without a
/// warning (into `scratch`), 7-Zip tests every file, bsdtar and pycdlib list the same paths
/// and isovfy finds no error.
pub(crate) fn readers_agree(iso: &str, scratch: &Path, want: &BTreeMap<String, String>) {
    // xorriso: no complaint, and extraction gives every file with its manifest hash.
    let x = scratch;
    let log = run_ok(
        "xorriso",
        &[
            "-abort_on",
            "WARNING",
            "-indev",
            iso,
            "-osirrox",
            "on",
            "-extract",
            "/",
            x.to_str().unwrap(),
        ],
    );
    assert!(!log.contains("WARNING") && !log.contains("SORRY"), "{log}");
    let got: BTreeMap<String, String> = walk(x)
        .into_iter()
        .map(|(p, b)| (p, hex(&Sha256::digest(&b))))
        .collect();
    assert!(&got == want, "xorriso extraction differs from the manifest");

    // 7-Zip tests every file; bsdtar and pycdlib list the same paths.
    let t = run_ok("7z", &["t", iso]);
    assert!(t.contains("Everything is Ok"), "{t}");
    // bsdtar lists the root as ".", then folders and files: every file, and nothing that is
    // neither a file nor a folder of one.
    let bsdtar: Vec<String> = run_ok("bsdtar", &["-tf", iso])
        .lines()
        .filter(|l| *l != ".")
        .map(|l| l.trim_start_matches("./").trim_end_matches('/').to_string())
        .collect();
    let is_folder = |l: &str| want.keys().any(|k| k.starts_with(&format!("{l}/")));
    assert!(
        want.keys().all(|k| bsdtar.contains(k))
            && bsdtar.iter().all(|l| want.contains_key(l) || is_folder(l)),
        "bsdtar listing: {bsdtar:?}"
    );
    let script = "import sys, pycdlib\niso = pycdlib.PyCdlib(); iso.open(sys.argv[1])\nfor root, dirs, files in iso.walk(joliet_path='/'):\n    for n in files: print(root.rstrip('/') + '/' + n)\n";
    let listed: Vec<String> = run_ok("python3", &["-c", script, iso])
        .lines()
        .map(|l| l.trim_start_matches('/').to_string())
        .collect();
    assert_eq!(listed.len(), want.len());
    assert!(listed.iter().all(|p| want.contains_key(p)), "{listed:?}");
    let v = run_ok("isovfy", &[iso]);
    assert!(v.contains("No errors found"), "{v}");
}
