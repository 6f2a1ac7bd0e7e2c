//! Reading dropped zips: archives from the crate's writer, Python's zipfile and the `zip` CLI,
//! plus hand-damaged ones. Each case checks contents or the specific error. The external tools
//! are required: a missing tool fails the test.

use guestpack::input::zip::{read_zip, ZipLimits};
use guestpack::output::media::{media_file, MediaFile};
use guestpack::output::zip::{ZipOptions, ZipPlan};
use guestpack::source::vtree::{RejectKind, VTree};
use guestpack::source::{Content, MemContent, MemSource, ReadAt, ShortReads};
use std::io::{self, Read};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

fn text(len: usize, salt: u8) -> Vec<u8> {
    let line = b"[Strings]\r\nDiskName=\"VirtIO Storage Driver\"\r\nVendor=\"Example\"\r\n";
    line.iter()
        .cycle()
        .take(len)
        .map(|b| b ^ (salt & 1))
        .collect()
}

fn noise(len: usize) -> Vec<u8> {
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 40) as u8
        })
        .collect()
}

/// Builds a zip with the crate's writer (paths need not be valid media paths).
fn ours(files: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut media: Vec<MediaFile> = files
        .iter()
        .map(|(p, b)| media_file(*p, Arc::new(MemContent::new(b.clone()))).unwrap())
        .collect();
    media.sort_by(|a, b| a.path.cmp(&b.path));
    let plan = ZipPlan::plan(&media, &ZipOptions::default()).unwrap();
    let mut out = Vec::new();
    plan.reader().read_to_end(&mut out).unwrap();
    out
}

/// Runs a Python script with `out` (the zip path) and `d` (a scratch folder) defined.
fn python(script: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.zip");
    let full = format!("import zipfile, os, sys\nout = sys.argv[1]\nd = sys.argv[2]\n{script}");
    let st = Command::new("python3")
        .args(["-c", &full])
        .arg(&out)
        .arg(dir.path())
        .status()
        .expect("python3 is required");
    assert!(st.success());
    std::fs::read(out).unwrap()
}

fn src(bytes: Vec<u8>) -> Arc<dyn ReadAt> {
    Arc::new(MemSource::new(bytes))
}

fn read(bytes: Vec<u8>) -> guestpack::Result<VTree> {
    read_zip(src(bytes), "drop.zip", &ZipLimits::default())
}

fn err_of(bytes: Vec<u8>, limits: &ZipLimits) -> String {
    match read_zip(src(bytes), "drop.zip", limits) {
        Ok(_) => panic!("the zip was accepted"),
        Err(e) => {
            let s = e.to_string();
            assert!(s.starts_with("drop.zip: "), "{s}");
            s
        }
    }
}

fn content(tree: &VTree, path: &str) -> io::Result<Vec<u8>> {
    let c = tree.get(path).unwrap_or_else(|| panic!("no {path}"));
    let mut v = Vec::new();
    c.open()?.read_to_end(&mut v)?;
    assert_eq!(v.len() as u64, c.len());
    Ok(v)
}

#[test]
fn own_zip_reads_back_identically_through_short_reads() {
    let files = vec![
        ("a/viostor.inf", text(70_000, 0)),
        ("a/viostor.sys", noise(100_000)),
        ("b/empty", Vec::new()),
        ("b/ünï.txt", text(10, 1)),
    ];
    let zip = ours(&files);
    for max in 1..=7 {
        let s: Arc<dyn ReadAt> = Arc::new(ShortReads {
            inner: MemSource::new(zip.clone()),
            max,
        });
        let tree = read_zip(s, "drop.zip", &ZipLimits::default()).unwrap();
        for (p, b) in &files {
            assert_eq!(&content(&tree, p).unwrap(), b, "{p} with reads of {max}");
        }
        assert_eq!(tree.dirs().collect::<Vec<_>>(), ["a", "b"]);
    }
}

/// Counts bytes read, to show that only the structure is read up front.
struct Counting(MemSource, AtomicU64);
impl ReadAt for Counting {
    fn len(&self) -> u64 {
        self.0.len()
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.0.read_at(offset, buf)?;
        self.1.fetch_add(n as u64, Ordering::SeqCst);
        Ok(n)
    }
}

#[test]
fn entry_data_is_not_read_up_front() {
    let zip = ours(&[
        ("big.bin", noise(2_000_000)),
        ("small.inf", text(300_000, 0)),
    ]);
    let counting = Arc::new(Counting(MemSource::new(zip), AtomicU64::new(0)));
    let tree = read_zip(counting.clone(), "drop.zip", &ZipLimits::default()).unwrap();
    let read_up_front = counting.1.load(Ordering::SeqCst);
    assert!(read_up_front < 70_000, "read {read_up_front} bytes");
    assert_eq!(content(&tree, "big.bin").unwrap(), noise(2_000_000));
}

#[test]
fn python_zip_with_both_methods_folders_and_unicode_names() {
    let zip = python(
        "z = zipfile.ZipFile(out, 'w')\n\
         z.writestr('drv/a.inf', b'[Version]\\r\\n' * 500, compress_type=zipfile.ZIP_DEFLATED)\n\
         z.writestr('drv/raw.bin', bytes(range(256)) * 4, compress_type=zipfile.ZIP_STORED)\n\
         z.writestr('drv/empty/', b'')\n\
         z.writestr('tools/\u{00e9}t\u{00e9}/\u{540d}.txt', 'h\u{00e9}'.encode(), compress_type=zipfile.ZIP_DEFLATED)\n\
         z.close()",
    );
    let tree = read(zip).unwrap();
    assert_eq!(
        content(&tree, "drv/a.inf").unwrap(),
        b"[Version]\r\n".repeat(500)
    );
    assert_eq!(
        content(&tree, "drv/raw.bin").unwrap(),
        (0..=255u8).collect::<Vec<_>>().repeat(4)
    );
    assert_eq!(content(&tree, "tools/été/名.txt").unwrap(), "hé".as_bytes());
    assert!(tree.dirs().any(|d| d == "drv/empty"));
    assert!(tree.rejected().is_empty());
}

#[test]
fn symlinks_and_special_files_are_rejected_not_fatal() {
    let zip = python(
        "z = zipfile.ZipFile(out, 'w')\n\
         i = zipfile.ZipInfo('drv/link.inf'); i.create_system = 3; i.external_attr = 0o120777 << 16\n\
         z.writestr(i, 'a.inf')\n\
         i = zipfile.ZipInfo('drv/fifo'); i.create_system = 3; i.external_attr = 0o010644 << 16\n\
         z.writestr(i, '')\n\
         z.writestr('drv/a.inf', 'x')\n\
         z.close()",
    );
    let tree = read(zip).unwrap();
    let rejected: Vec<_> = tree
        .rejected()
        .iter()
        .map(|r| (r.path.as_str(), r.kind.clone()))
        .collect();
    assert_eq!(rejected[0], ("drv/link.inf", RejectKind::Symlink));
    assert!(matches!(&rejected[1], ("drv/fifo", RejectKind::Other(m)) if m.contains("special")));
    assert_eq!(tree.file_count(), 1);
}

#[test]
fn info_zip_archive_with_a_stored_symlink() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("bundle");
    std::fs::create_dir_all(root.join("amd64/viostor")).unwrap();
    std::fs::write(root.join("amd64/viostor/viostor.inf"), text(5000, 0)).unwrap();
    std::os::unix::fs::symlink("viostor.inf", root.join("amd64/viostor/alias.inf")).unwrap();
    let st = Command::new("zip")
        .args(["-qry", "../b.zip", "."])
        .current_dir(&root)
        .status()
        .expect("zip is required");
    assert!(st.success());
    let tree = read(std::fs::read(dir.path().join("b.zip")).unwrap()).unwrap();
    assert_eq!(
        content(&tree, "amd64/viostor/viostor.inf").unwrap(),
        text(5000, 0)
    );
    assert_eq!(tree.rejected()[0].path, "amd64/viostor/alias.inf");
    assert_eq!(tree.rejected()[0].kind, RejectKind::Symlink);
}

#[test]
fn streamed_info_zip_archive_with_data_descriptors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.inf"), text(40_000, 0)).unwrap();
    std::fs::write(dir.path().join("b.sys"), noise(30_000)).unwrap();
    // Writing to a pipe makes zip use data descriptors (flag bit 3, sizes after the data).
    let out = Command::new("zip")
        .args(["-q", "-", "a.inf", "b.sys"])
        .current_dir(dir.path())
        .output();
    let zip = out.expect("zip is required").stdout;
    let c = central(&zip);
    assert_eq!(zip[c + 8] & 8, 8, "expected a data descriptor");
    let tree = read(zip).unwrap();
    assert_eq!(content(&tree, "a.inf").unwrap(), text(40_000, 0));
    assert_eq!(content(&tree, "b.sys").unwrap(), noise(30_000));
}

#[test]
fn an_empty_archive_is_an_empty_tree() {
    let tree = read(ours(&[])).unwrap();
    assert_eq!(
        (
            tree.file_count(),
            tree.dirs().count(),
            tree.rejected().len()
        ),
        (0, 0, 0)
    );
}

#[test]
fn encrypted_entries_are_fatal_and_named() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("secret.inf"), text(100, 0)).unwrap();
    let st = Command::new("zip")
        .args(["-q", "-P", "pw", "e.zip", "secret.inf"])
        .current_dir(dir.path())
        .status();
    assert!(st.expect("zip is required").success());
    let e = err_of(
        std::fs::read(dir.path().join("e.zip")).unwrap(),
        &ZipLimits::default(),
    );
    assert!(e.contains("'secret.inf'") && e.contains("encrypted"), "{e}");
}

#[test]
fn unsupported_methods_are_fatal_and_named() {
    let zip = python("z = zipfile.ZipFile(out, 'w', zipfile.ZIP_BZIP2)\nz.writestr('drv/a.inf', 'x' * 100)\nz.close()");
    let e = err_of(zip, &ZipLimits::default());
    assert!(
        e.contains("'drv/a.inf'") && e.contains("method 12 (bzip2)"),
        "{e}"
    );
}

#[test]
fn unsafe_and_non_utf8_names_are_rejected() {
    let names = [
        "../evil.inf",
        "/abs.inf",
        "C:/x.inf",
        "a\\b.inf",
        "nul\0.inf",
        "ok.inf",
        "zz_.inf",
    ];
    let mut zip = ours(
        &names
            .iter()
            .map(|n| (*n, b"x".to_vec()))
            .collect::<Vec<_>>(),
    );
    // Turn "zz_.inf" into a name with a CP437 byte (0x82, "é") in both headers.
    let mut patched = 0;
    for i in 0..zip.len() - 3 {
        if &zip[i..i + 3] == b"zz_" {
            zip[i + 2] = 0x82;
            patched += 1;
        }
    }
    assert_eq!(patched, 2);
    let tree = read(zip).unwrap();
    let mut got: Vec<_> = tree
        .rejected()
        .iter()
        .map(|r| (r.path.clone(), r.kind.clone()))
        .collect();
    got.sort_by(|a, b| a.0.cmp(&b.0));
    let unsafe_path = RejectKind::UnsafePath;
    let want = [
        ("../evil.inf".to_string(), unsafe_path.clone()),
        ("/abs.inf".into(), unsafe_path.clone()),
        ("C:/x.inf".into(), unsafe_path.clone()),
        ("a\\b.inf".into(), unsafe_path.clone()),
        ("nul\\u{0}.inf".into(), unsafe_path),
        ("zz\u{fffd}.inf".into(), RejectKind::NonUtf8Name),
    ];
    assert_eq!(got, want);
    assert_eq!(tree.files().map(|(p, _)| p).collect::<Vec<_>>(), ["ok.inf"]);
}

#[test]
fn a_matching_unicode_path_field_names_an_entry_whose_raw_name_is_not_utf8() {
    // Both raw names get the CP437 byte 0x82 ("é") patched in below. The Info-ZIP Unicode Path
    // field (0x7075) of the first carries the CRC-32 of its patched raw name, so its name is
    // taken; the second's CRC matches nothing, so it is ignored and the name refused.
    let mut zip = python(
        r#"
import struct, zlib
def up(name, raw):
    u = name.encode()
    return struct.pack('<HHBI', 0x7075, 5 + len(u), 1, zlib.crc32(raw)) + u
z = zipfile.ZipFile(out, 'w')
a = zipfile.ZipInfo('drv/caf?.inf'); a.extra = up('drv/café.inf', b'drv/caf\x82.inf')
b = zipfile.ZipInfo('drv/caf?.sys'); b.extra = up('drv/cafe.sys', b'other')
z.writestr(a, 'A'); z.writestr(b, 'B')
z.close()
"#,
    );
    let mut patched = 0;
    for i in 0..zip.len() - 4 {
        if &zip[i..i + 4] == b"caf?" {
            zip[i + 3] = 0x82;
            patched += 1;
        }
    }
    assert_eq!(patched, 4);
    let tree = read(zip).unwrap();
    assert_eq!(
        tree.files().map(|(p, _)| p).collect::<Vec<_>>(),
        ["drv/café.inf"]
    );
    assert_eq!(content(&tree, "drv/café.inf").unwrap(), b"A");
    assert_eq!(tree.rejected()[0].path, "drv/caf\u{fffd}.sys");
    assert_eq!(tree.rejected()[0].kind, RejectKind::NonUtf8Name);
}

#[test]
fn duplicate_names_are_fatal() {
    let e = err_of(
        ours(&[("drv/A.inf", b"1".to_vec()), ("drv/a.inf", b"2".to_vec())]),
        &ZipLimits::default(),
    );
    assert!(
        e.contains("'drv/A.inf'") && e.contains("'drv/a.inf'") && e.contains("letter case"),
        "{e}"
    );
    let e = err_of(
        ours(&[("Drv/a.inf", b"1".to_vec()), ("drv/b.inf", b"2".to_vec())]),
        &ZipLimits::default(),
    );
    assert!(e.contains("'Drv'") && e.contains("'drv'"), "{e}");
    let zip = python("import warnings\nwarnings.simplefilter('ignore')\nz = zipfile.ZipFile(out, 'w')\nz.writestr('a.inf', '1')\nz.writestr('a.inf', '2')\nz.close()");
    let e = err_of(zip, &ZipLimits::default());
    assert!(e.contains("'a.inf' twice"), "{e}");
}

#[test]
fn not_a_zip_and_truncated_archives_are_fatal() {
    assert!(err_of(noise(5000), &ZipLimits::default()).contains("not a zip"));
    assert!(err_of(b"PK".to_vec(), &ZipLimits::default()).contains("not a zip"));
    let zip = ours(&[("a.inf", text(5000, 0)), ("b.inf", text(5000, 1))]);
    // Cut from the front: the directory offsets now point past the end of the data.
    let e = err_of(zip[100..].to_vec(), &ZipLimits::default());
    assert!(e.contains("outside the archive"), "{e}");
    // Cut the end record off.
    assert!(err_of(zip[..zip.len() - 10].to_vec(), &ZipLimits::default()).contains("not a zip"));
}

/// Offset of the first central directory header.
fn central(zip: &[u8]) -> usize {
    zip.windows(4).position(|w| w == b"PK\x01\x02").unwrap()
}

#[test]
fn an_end_record_hidden_in_the_comment_is_not_taken_over_the_real_one() {
    // The archive comment holds a second end record that lists only the first entry and whose
    // own comment stops short of the end of the file. Readers that take the last record
    // signature they find see one file; the real record (which ends the file) lists two.
    let zip = python(
        r#"
import struct
z = zipfile.ZipFile(out, 'w')
z.writestr('a.inf', 'A'); z.writestr('b.inf', 'B')
z.close()
data = open(out, 'rb').read()
cd = data.index(b'PK\x01\x02')
first = data.index(b'PK\x01\x02', cd + 4) - cd
fake = struct.pack('<IHHHHIIH', 0x06054b50, 0, 0, 1, 1, first, cd, 0) + b'xyz'
z = zipfile.ZipFile(out, 'a'); z.comment = fake; z.close()
"#,
    );
    let e = err_of(zip, &ZipLimits::default());
    assert!(e.contains("two end records that disagree"), "{e}");
}

#[test]
fn overlapping_entries_are_fatal() {
    let mut zip = ours(&[("a.inf", text(5000, 0)), ("b.inf", text(5000, 1))]);
    let c = central(&zip);
    let csize = u32::from_le_bytes(zip[c + 20..c + 24].try_into().unwrap());
    zip[c + 20..c + 24].copy_from_slice(&(csize + 10).to_le_bytes());
    let e = err_of(zip, &ZipLimits::default());
    assert!(e.contains("'a.inf' and 'b.inf' overlap"), "{e}");
}

#[test]
fn sizes_and_crc_are_verified_when_reading() {
    let zip = ours(&[("a.inf", text(5000, 0))]);
    let c = central(&zip);
    // Declared smaller than it inflates: refused while inflating.
    let mut small = zip.clone();
    small[c + 24..c + 28].copy_from_slice(&4000u32.to_le_bytes());
    let e = content(&read(small).unwrap(), "a.inf")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("'a.inf'") && e.contains("more than the 4000 bytes"),
        "{e}"
    );
    let mut big = zip.clone();
    big[c + 24..c + 28].copy_from_slice(&6000u32.to_le_bytes());
    let e = content(&read(big).unwrap(), "a.inf")
        .unwrap_err()
        .to_string();
    assert!(e.contains("ends after 5000 of its 6000 bytes"), "{e}");
    let mut crc = zip;
    crc[c + 16] ^= 1;
    let e = content(&read(crc).unwrap(), "a.inf")
        .unwrap_err()
        .to_string();
    assert!(e.contains("crc32 mismatch"), "{e}");
}

/// Hashing and zipping take a bundle entry's recorded CRC instead of computing it again; the
/// entry's own check must still stop both when the bytes do not match it.
#[test]
fn a_wrong_recorded_crc_fails_hashing_and_zipping_without_a_second_crc() {
    let zip = ours(&[("a.inf", text(5000, 0)), ("b.sys", noise(200_000))]);
    let good = read(zip.clone()).unwrap();
    let b = good.get("b.sys").unwrap().clone();
    let digested = media_file("b.sys", b.clone()).unwrap();
    assert_eq!(Some(digested.crc32), b.checked_crc32());
    assert_eq!(digested.crc32, crc32fast::hash(&noise(200_000)));
    // Stored (level 0, and noise at 6) and deflated (text at 6): the same zip as from memory.
    for (name, bytes) in [("a.inf", text(5000, 0)), ("b.sys", noise(200_000))] {
        for level in [0, 6] {
            let opts = ZipOptions {
                level,
                ..ZipOptions::default()
            };
            let zipped = |content: Arc<dyn Content>| {
                let f = media_file(name, content).unwrap();
                let mut out = Vec::new();
                ZipPlan::plan(&[f], &opts)
                    .unwrap()
                    .reader()
                    .read_to_end(&mut out)
                    .map(|_| out)
            };
            let want = zipped(Arc::new(MemContent::new(bytes.clone()))).unwrap();
            let entry = good.get(name).unwrap().clone();
            assert_eq!(zipped(entry).unwrap(), want, "{name} at level {level}");
        }
    }
    let c = zip.windows(4).rposition(|w| w == b"PK\x01\x02").unwrap();
    let mut bad = zip;
    bad[c + 16] ^= 1;
    let b = read(bad).unwrap().get("b.sys").unwrap().clone();
    let e = media_file("b.sys", b).unwrap_err().to_string();
    assert!(e.contains("'b.sys'") && e.contains("crc32 mismatch"), "{e}");
}

#[test]
fn zip64_fields_that_lie_are_fatal() {
    let files = [media_file("a.inf", Arc::new(MemContent::new(text(5000, 0)))).unwrap()];
    let plan = ZipPlan::plan_with_zip64_threshold(&files, &ZipOptions::default(), 0).unwrap();
    let mut zip = Vec::new();
    plan.reader().read_to_end(&mut zip).unwrap();
    assert_eq!(
        content(&read(zip.clone()).unwrap(), "a.inf").unwrap(),
        text(5000, 0)
    );
    // The central zip64 extra field holds size, compressed size, offset (8 bytes each).
    let c = central(&zip);
    let extra = c + 46 + "a.inf".len();
    assert_eq!(&zip[extra..extra + 2], &[1, 0]);
    zip[extra + 12..extra + 20].copy_from_slice(&(1u64 << 40).to_le_bytes());
    let e = err_of(zip, &ZipLimits::default());
    assert!(e.contains("'a.inf'") && e.contains("beyond the"), "{e}");
}

#[test]
fn limits_are_enforced_and_named() {
    let zip = ours(&[
        ("a/b/c.inf", text(100_000, 0)),
        ("zeros.bin", vec![0; 200_000]),
        ("z.inf", text(10, 0)),
    ]);
    let d = ZipLimits::default();
    let cases = [
        (
            ZipLimits {
                max_entries: 2,
                ..d.clone()
            },
            "has 3 entries, over the limit of 2 (raise it with --max-entries)",
        ),
        (
            ZipLimits {
                max_file_size: 150_000,
                ..d.clone()
            },
            "over the limit of 150000 (raise it with --max-file-size)",
        ),
        (
            ZipLimits {
                max_total_uncompressed: 250_000,
                ..d.clone()
            },
            "over the limit of 250000 (raise it with --max-total-size)",
        ),
        (
            ZipLimits {
                max_ratio: 50,
                ..d.clone()
            },
            "over the limit of 50 (raise it with --max-ratio)",
        ),
        (
            ZipLimits {
                max_depth: 2,
                ..d.clone()
            },
            "'a/b/c.inf' is 3 path components deep, over the limit of 2 (raise it with --max-path-depth)",
        ),
    ];
    for (limits, want) in cases {
        let e = err_of(zip.clone(), &limits);
        assert!(e.contains(want), "{e}");
    }
    assert_eq!(read(zip).unwrap().file_count(), 3);
}

#[test]
fn damaged_archives_never_panic() {
    let zip = ours(&[
        ("a/x.inf", text(3000, 0)),
        ("b.bin", noise(300)),
        ("c", Vec::new()),
    ]);
    let open_all = |bytes: Vec<u8>| {
        if let Ok(tree) = read(bytes) {
            for (_, c) in tree.files() {
                let _ = c.open().and_then(|mut r| r.read_to_end(&mut Vec::new()));
            }
        }
    };
    for cut in 0..zip.len() {
        open_all(zip[..cut].to_vec());
    }
    for i in 0..zip.len() {
        for mask in [0x01u8, 0x80, 0xFF] {
            let mut z = zip.clone();
            z[i] ^= mask;
            open_all(z);
        }
    }
}
