//! The zip writer against its own reader and against unzip, bsdtar, 7z and Python's zipfile.
//! The external tools are required: a missing tool fails the test.

use guestpack::input::zip::{read_zip, ZipLimits};
use guestpack::output::media::{media_file, MediaFile};
use guestpack::output::zip::{cache_choices, Measurer, Method, ZipOptions, ZipPlan};
use guestpack::source::{Content, MemContent, MemSource, ReadAt};
use sha2::{Digest, Sha256};
use std::io::{self, Read};
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use crate::noise::noise;

fn text(len: usize) -> Vec<u8> {
    let line = b"[Version]\r\nSignature=\"$WINDOWS NT$\"\r\nClass=SCSIAdapter\r\nDriverVer=01/01/2024,100.0.0.1\r\n";
    line.iter().cycle().take(len).copied().collect()
}

/// Noise first, then text, noise and a text tail: a file whose chunks differ.
fn mixed() -> Vec<u8> {
    const C: usize = 64 * 1024;
    [noise(2 * C, 11), text(2 * C), noise(C, 12), text(1000)].concat()
}

fn file(path: &str, bytes: Vec<u8>) -> MediaFile {
    media_file(path, Arc::new(MemContent::new(bytes))).unwrap()
}

/// A small media tree: compressible and random files, empty, exactly one chunk, multi-chunk,
/// nested folders and a non-ASCII name. Sorted by path.
fn sample() -> Vec<MediaFile> {
    let mut files = vec![
        file("README.md", text(3000)),
        file("drivers/amd64/viostor/viostor.inf", text(70_000)),
        file("drivers/amd64/viostor/viostor.sys", noise(200_000, 7)),
        file("drivers/amd64/viostor/firmware.bin", mixed()),
        file("drivers/x86/viostor/empty.txt", Vec::new()),
        file("drivers/x86/viostor/viostor.cat", text(65_536)),
        file("licenses/ünïcode-名前.txt", text(500)),
        file("setup.cmd", b"@echo off\r\n".to_vec()),
    ];
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

fn drain(plan: &ZipPlan, chunk: usize) -> Vec<u8> {
    let mut r = plan.reader();
    let mut out = Vec::new();
    let mut buf = vec![0u8; chunk];
    loop {
        let n = r.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
        assert_eq!(r.position(), out.len() as u64);
    }
    assert_eq!(out.len() as u64, plan.len(), "len() must be exact");
    out
}

fn opts(level: u32, threads: usize) -> ZipOptions {
    ZipOptions {
        level,
        source_date_epoch: 1_700_000_000,
        threads,
    }
}

fn sha(bytes: &[u8]) -> String {
    guestpack::source::digest::hex(&Sha256::digest(bytes))
}

fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?} (is it installed?): {e}"));
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{cmd:?} failed:\n{all}");
    all
}

/// Runs every external reader on `zip`; the extracted trees must equal `files`.
fn check_external(zip: &[u8], files: &[MediaFile]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("media.zip");
    std::fs::write(&path, zip).unwrap();
    run(Command::new("unzip").arg("-tq").arg(&path));
    let out = run(Command::new("7z").arg("t").arg(&path));
    assert!(out.contains("Everything is Ok"), "{out}");
    let script =
        "import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nassert z.testzip() is None\n\
                  print('\\n'.join(i.filename for i in z.infolist()))";
    let listed = run(Command::new("python3").args(["-c", script]).arg(&path));
    let expected: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(listed.lines().collect::<Vec<_>>(), expected);
    let listed = run(Command::new("bsdtar").arg("-tf").arg(&path));
    assert_eq!(listed.lines().collect::<Vec<_>>(), expected);
    for (tool, args) in [("bsdtar", vec!["-xf"]), ("unzip", vec!["-q"])] {
        let out = dir.path().join(format!("x-{tool}"));
        std::fs::create_dir(&out).unwrap();
        run(Command::new(tool).args(&args).arg(&path).current_dir(&out));
        compare_tree(&out, files);
    }
}

fn compare_tree(root: &Path, files: &[MediaFile]) {
    for f in files {
        let got = std::fs::read(root.join(&f.path)).unwrap_or_else(|e| panic!("{}: {e}", f.path));
        assert_eq!(got, content_of(f), "{}", f.path);
    }
}

fn content_of(f: &MediaFile) -> Vec<u8> {
    let mut v = Vec::new();
    f.content.open().unwrap().read_to_end(&mut v).unwrap();
    v
}

/// Reads the zip back with the crate's own reader and compares every file.
fn check_own_reader(zip: Vec<u8>, files: &[MediaFile]) {
    let src: Arc<dyn ReadAt> = Arc::new(MemSource::new(zip));
    let limits = ZipLimits {
        max_entries: 1 << 20,
        ..ZipLimits::default()
    };
    let tree = read_zip(src, "media.zip", &limits).unwrap();
    assert!(tree.rejected().is_empty());
    assert_eq!(tree.file_count(), files.len());
    for f in files {
        let c = tree
            .get(&f.path)
            .unwrap_or_else(|| panic!("missing {}", f.path));
        let mut got = Vec::new();
        c.open().unwrap().read_to_end(&mut got).unwrap();
        assert_eq!(got, content_of(f), "{}", f.path);
    }
}

#[test]
fn archive_round_trips_and_external_readers_accept_it() {
    let files = sample();
    let plan = ZipPlan::plan(&files, &opts(6, 1)).unwrap();
    let zip = drain(&plan, 65_536);
    check_external(&zip, &files);
    check_own_reader(zip, &files);
}

#[test]
fn bytes_do_not_depend_on_read_size_or_threads() {
    let files = sample();
    let reference = sha(&drain(&ZipPlan::plan(&files, &opts(6, 1)).unwrap(), 65_536));
    for threads in [1, 2, 8] {
        let plan = ZipPlan::plan(&files, &opts(6, threads)).unwrap();
        for chunk in [1, 2048, 65_536, 1 << 20] {
            assert_eq!(
                sha(&drain(&plan, chunk)),
                reference,
                "threads {threads}, read size {chunk}"
            );
        }
    }
}

#[test]
fn measurements_taken_while_hashing_give_the_same_archive() {
    let files = sample();
    let reference = sha(&drain(&ZipPlan::plan(&files, &opts(6, 1)).unwrap(), 65_536));
    let keep = cache_choices(files.iter().map(|f| f.size));
    let mut cached = 0;
    for threads in [1, 2, 8] {
        let mut measured = std::collections::BTreeMap::new();
        for (f, keep) in files.iter().zip(&keep) {
            let mut m = Measurer::new(6, f.size, *keep);
            for piece in content_of(f).chunks(1000) {
                m.update(piece);
            }
            let m = m.finish().unwrap();
            cached += usize::from(m.is_cached());
            measured.insert(f.path.clone(), m);
        }
        let plan = ZipPlan::plan_measured(&files, &opts(6, threads), measured).unwrap();
        for chunk in [1, 4096, 1 << 20] {
            assert_eq!(sha(&drain(&plan, chunk)), reference, "threads {threads}");
        }
    }
    assert!(
        cached > 0,
        "small deflated files keep their compressed bytes"
    );
    // Files without a measurement are measured by the plan itself.
    let partial = ZipPlan::plan_measured(&files, &opts(6, 2), Default::default()).unwrap();
    assert_eq!(sha(&drain(&partial, 999)), reference);
}

#[test]
fn timestamp_comes_from_source_date_epoch() {
    let files = sample();
    let zip = drain(&ZipPlan::plan(&files, &opts(6, 1)).unwrap(), 4096);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.zip");
    std::fs::write(&path, zip).unwrap();
    // 1_700_000_000 is 2023-11-14T22:13:20Z; DOS time has 2-second steps.
    let script = "import sys, zipfile\nfor i in zipfile.ZipFile(sys.argv[1]).infolist(): \
                  print(i.date_time, i.create_system, oct(i.external_attr >> 16), i.extra)";
    let out = run(Command::new("python3").args(["-c", script]).arg(&path));
    for line in out.lines() {
        assert_eq!(line, "(2023, 11, 14, 22, 13, 20) 3 0o100644 b''");
    }
}

#[test]
fn method_follows_what_deflate_achieves_and_level() {
    let files = sample();
    let plan = ZipPlan::plan(&files, &opts(6, 1)).unwrap();
    let method =
        |p: &ZipPlan, path: &str| p.entries().iter().find(|e| e.path == path).unwrap().method;
    assert_eq!(
        method(&plan, "drivers/amd64/viostor/viostor.sys"),
        Method::Stored,
        "random data"
    );
    assert_eq!(
        method(&plan, "drivers/amd64/viostor/viostor.inf"),
        Method::Deflated
    );
    // Starts with noise, yet its text is compressed: the noise passes as stored blocks.
    let fw = plan
        .entries()
        .iter()
        .find(|e| e.path.ends_with("firmware.bin"))
        .unwrap();
    assert_eq!(fw.method, Method::Deflated);
    let noise_part = 3 * 64 * 1024;
    assert!(
        fw.compressed_size < noise_part + 3 * 10 + 4096,
        "{} of {}",
        fw.compressed_size,
        fw.size
    );
    assert_eq!(
        method(&plan, "drivers/x86/viostor/empty.txt"),
        Method::Stored
    );
    assert!(plan
        .entries()
        .iter()
        .all(|e| e.method == Method::Stored || e.compressed_size < e.size));

    let stored = ZipPlan::plan(&files, &opts(0, 1)).unwrap();
    assert!(stored.entries().iter().all(|e| e.method == Method::Stored));
    let fast = ZipPlan::plan(&files, &opts(1, 1)).unwrap();
    let best = ZipPlan::plan(&files, &opts(9, 1)).unwrap();
    assert!(
        best.len() <= fast.len() && fast.len() < stored.len(),
        "{} {} {}",
        best.len(),
        fast.len(),
        stored.len()
    );
    let total: u64 = files.iter().map(|f| f.size).sum();
    assert!(stored.len() > total);
    check_external(&drain(&stored, 7777), &files);
}

/// A content that returns different bytes once it has been opened `stable` times.
struct Fickle {
    first: Vec<u8>,
    later: Vec<u8>,
    stable: usize,
    opened: AtomicUsize,
}

impl Content for Fickle {
    fn len(&self) -> u64 {
        self.first.len() as u64
    }
    fn open(&self) -> io::Result<Box<dyn Read + Send + '_>> {
        let n = self.opened.fetch_add(1, Ordering::SeqCst);
        Ok(Box::new(if n < self.stable {
            &self.first[..]
        } else {
            &self.later[..]
        }))
    }
}

#[test]
fn a_file_that_changes_after_planning_is_an_error_not_a_corrupt_zip() {
    let original = text(100_000);
    let mut flipped = original.clone();
    flipped[50_000] ^= 1;
    let mut longer = original.clone();
    longer.extend_from_slice(b"more");
    // Openings: 1 = hashing, 2 = measuring (level > 0 only), then the streaming pass.
    let cases = [
        (6, 1, flipped.clone(), true),
        (6, 2, flipped.clone(), false),
        (6, 2, longer.clone(), false),
        (6, 2, text(10), false),
        (0, 1, flipped, false),
        (0, 1, longer, false),
    ];
    for ((level, stable, later, at_planning), threads) in
        cases.into_iter().flat_map(|c| [(c.clone(), 1), (c, 2)])
    {
        let fickle = Fickle {
            first: original.clone(),
            later,
            stable,
            opened: AtomicUsize::new(0),
        };
        let (size, sha256, crc32) = guestpack::source::digest::digest(&fickle).unwrap();
        let f = MediaFile {
            path: "a.inf".into(),
            content: Arc::new(fickle),
            size,
            sha256,
            crc32,
        };
        let planned = ZipPlan::plan(std::slice::from_ref(&f), &opts(level, threads));
        assert_eq!(planned.is_err(), at_planning);
        let err = match planned {
            Err(e) => e.to_string(),
            Ok(plan) => plan
                .reader()
                .read_to_end(&mut Vec::new())
                .unwrap_err()
                .to_string(),
        };
        assert!(err.contains("a.inf") && err.contains("changed"), "{err}");
    }
}

#[test]
fn zip64_layout_is_read_by_every_reader() {
    let files = sample();
    // Threshold 0 puts every size and offset into zip64 fields; 5000 only the later ones.
    for threshold in [0, 5000] {
        let plan = ZipPlan::plan_with_zip64_threshold(&files, &opts(6, 1), threshold).unwrap();
        let zip = drain(&plan, 65_536);
        assert_ne!(
            zip,
            drain(&ZipPlan::plan(&files, &opts(6, 1)).unwrap(), 65_536)
        );
        check_external(&zip, &files);
        check_own_reader(zip, &files);
    }
}

#[test]
fn more_than_65535_entries_use_zip64_end_records() {
    let files: Vec<MediaFile> = (0..65_537u32)
        .map(|i| file(&format!("d{:02}/f{i:06}", i / 1000), vec![i as u8]))
        .collect();
    let plan = ZipPlan::plan(&files, &opts(6, 2)).unwrap();
    let zip = drain(&plan, 1 << 20);
    assert_eq!(&zip[zip.len() - 22..zip.len() - 18], b"PK\x05\x06");
    assert_eq!(
        &zip[zip.len() - 42..zip.len() - 38],
        b"PK\x06\x07",
        "zip64 locator precedes the end record"
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("many.zip");
    std::fs::write(&path, &zip).unwrap();
    let script =
        "import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nassert z.testzip() is None\n\
                  print(len(z.infolist()), z.read('d65/f065536'))";
    assert_eq!(
        run(Command::new("python3").args(["-c", script]).arg(&path)).trim(),
        "65537 b'\\x00'"
    );
    run(Command::new("unzip").arg("-tq").arg(&path));
    check_own_reader(zip, &files);
}

/// Every file under `root`, as media files with paths relative to it, sorted.
fn load_tree(root: &Path) -> Vec<MediaFile> {
    let mut stack = vec![root.to_path_buf()];
    let mut files = Vec::new();
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(root)
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .replace('\\', "/");
                files.push(file(&rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

#[test]
fn real_driver_tree_round_trips_through_every_reader() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/virtio-win-8.1");
    let files = load_tree(&root);
    assert!(files.len() > 50 && files.iter().any(|f| f.path.ends_with(".sys")));
    let plan = ZipPlan::plan(&files, &opts(6, 2)).unwrap();
    assert!(plan.entries().iter().any(|e| e.method == Method::Deflated));
    let zip = drain(&plan, 100_000);
    assert!((zip.len() as u64) < files.iter().map(|f| f.size).sum::<u64>());
    check_external(&zip, &files);
    check_own_reader(zip, &files);
}
