//! Round trips through the writer and the reader on in-memory files, plus hostile images.

use super::*;
use crate::input::iso::{check_structure, IsoFs};
use crate::output::media::{media_file, MediaFile};
use crate::source::{Content, MemContent, MemSource, ReadAt};
use sha2::{Digest, Sha256};
use std::io::{self, Read};
use std::sync::Arc;

fn opts(epoch: i64) -> IsoOptions {
    IsoOptions {
        volume_id: "Guest Tools".into(),
        source_date_epoch: epoch,
        application_id: "GUESTPACK 0.1.0".into(),
    }
}

fn files(list: &[(&str, Vec<u8>)]) -> Vec<MediaFile> {
    let mut out: Vec<MediaFile> = list
        .iter()
        .map(|(p, b)| media_file(*p, Arc::new(MemContent::new(b.clone()))).unwrap())
        .collect();
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

/// Drains a reader with reads of exactly `chunk` bytes of buffer.
fn drain(img: &IsoImage, chunk: usize) -> io::Result<Vec<u8>> {
    let mut r = img.reader();
    let mut out = Vec::new();
    let mut buf = vec![0u8; chunk];
    loop {
        let n = r.read(&mut buf)?;
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
        assert_eq!(r.position(), out.len() as u64);
    }
    Ok(out)
}

/// A mixed tree: long, mixed-case, unicode and colliding names, deep folders, empty files,
/// duplicate contents, multi-sector files and a directory spanning several sectors.
pub(crate) fn sample() -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = vec![
        ("README.md".into(), b"# readme\n".to_vec()),
        ("setup.cmd".into(), b"@echo off\r\n".to_vec()),
        ("drivers/amd64/viostor/viostor.inf".into(), pattern(5000, 1)),
        ("drivers/amd64/viostor/viostor.sys".into(), pattern(2048, 2)),
        ("drivers/x86/viostor/viostor.inf".into(), pattern(5000, 1)),
        ("MixedCase.TXT".into(), b"upper".to_vec()),
        ("mixedcase.txt".into(), b"lower".to_vec()),
        ("mixed-case.txt".into(), b"dash".to_vec()),
        ("Ünïcödé/Ünïcödé.txt".into(), "ünï".as_bytes().to_vec()),
        ("Ünïcödé/ÜNÏCÖDÉ.txt".into(), b"caps".to_vec()),
        (
            format!("long/{}.extension", "n".repeat(54)),
            b"long".to_vec(),
        ),
        (format!("long/{}", "x".repeat(64)), b"64".to_vec()),
        ("empty".into(), Vec::new()),
        ("dir/empty2.dat".into(), Vec::new()),
        ("dir/no_ext".into(), b"x".to_vec()),
        ("dir/a.b.c.d".into(), b"dots".to_vec()),
        ("dup/one.bin".into(), pattern(3000, 9)),
        ("dup/two.bin".into(), pattern(3000, 9)),
        (
            "d1/d2/d3/d4/d5/d6/d7/d8/d9/d10/d11/deep.txt".into(),
            b"deep".to_vec(),
        ),
    ];
    for i in 0..120 {
        v.push((
            format!("many/file number {i:03} with a long name.txt"),
            format!("{i}").into_bytes(),
        ));
    }
    v
}

fn build(list: &[(String, Vec<u8>)], o: &IsoOptions) -> (IsoImage, Vec<u8>) {
    let refs: Vec<(&str, Vec<u8>)> = list.iter().map(|(p, b)| (p.as_str(), b.clone())).collect();
    let img = IsoImage::plan(&files(&refs), o).unwrap();
    let bytes = drain(&img, 65536).unwrap();
    assert_eq!(bytes.len() as u64, img.len());
    (img, bytes)
}

fn read_all(c: &dyn Content) -> Vec<u8> {
    let mut out = Vec::new();
    c.open().unwrap().read_to_end(&mut out).unwrap();
    out
}

#[test]
fn round_trip_preserves_every_file_and_structure() {
    let list = sample();
    let (_, bytes) = build(&list, &opts(1_700_000_000));
    let src: Arc<dyn ReadAt> = Arc::new(MemSource::new(bytes.clone()));
    assert_eq!(check_structure(src.as_ref()).unwrap(), Vec::<String>::new());
    let fs = IsoFs::open(src, "test.iso").unwrap();
    assert!(fs.is_joliet());
    assert_eq!(fs.volume_id(), "Guest Tools");
    let tree = fs.to_vtree().unwrap();
    assert!(tree.rejected().is_empty());
    assert_eq!(tree.file_count(), list.len());
    for (path, content) in &list {
        let got = tree.get(path).unwrap_or_else(|| panic!("missing {path}"));
        assert_eq!(&read_all(got.as_ref()), content, "{path}");
    }
    assert!(tree
        .dirs()
        .any(|d| d == "d1/d2/d3/d4/d5/d6/d7/d8/d9/d10/d11"));
}

#[test]
fn output_does_not_depend_on_read_sizes() {
    let list = sample();
    let refs: Vec<(&str, Vec<u8>)> = list.iter().map(|(p, b)| (p.as_str(), b.clone())).collect();
    let img = IsoImage::plan(&files(&refs), &opts(0)).unwrap();
    let digests: Vec<_> = [1, 2048, 65536, 1 << 20, 777]
        .iter()
        .map(|&n| {
            let b = drain(&img, n).unwrap();
            assert_eq!(b.len() as u64, img.len());
            Sha256::digest(&b)
        })
        .collect();
    assert!(digests.windows(2).all(|w| w[0] == w[1]));
    // Planning again from the same input gives the same bytes.
    let again = IsoImage::plan(&files(&refs), &opts(0)).unwrap();
    assert_eq!(Sha256::digest(drain(&again, 4096).unwrap()), digests[0]);
}

#[test]
fn identical_contents_share_one_extent() {
    let same = files(&[("a.bin", pattern(5000, 3)), ("b.bin", pattern(5000, 3))]);
    let different = files(&[("a.bin", pattern(5000, 3)), ("b.bin", pattern(5000, 4))]);
    let a = IsoImage::plan(&same, &opts(0)).unwrap();
    let b = IsoImage::plan(&different, &opts(0)).unwrap();
    assert_eq!(b.len() - a.len(), 3 * SECTOR);
}

#[test]
fn empty_input_gives_a_valid_image() {
    let (img, bytes) = build(&[], &opts(0));
    assert_eq!(img.len(), 25 * SECTOR);
    assert!(bytes[..16 * 2048].iter().all(|&b| b == 0));
    let src = MemSource::new(bytes);
    assert_eq!(check_structure(&src).unwrap(), Vec::<String>::new());
    assert_eq!(
        IsoFs::open(Arc::new(src), "e")
            .unwrap()
            .to_vtree()
            .unwrap()
            .file_count(),
        0
    );
}

#[test]
fn many_folders_need_multi_sector_path_tables() {
    let list: Vec<(String, Vec<u8>)> = (0..300)
        .map(|i| {
            (
                format!("folder with long name {i:04}/f.txt"),
                format!("{i}").into_bytes(),
            )
        })
        .collect();
    let (_, bytes) = build(&list, &opts(0));
    let pvd = &bytes[16 * 2048..17 * 2048];
    assert!(u32::from_le_bytes(pvd[132..136].try_into().unwrap()) > 2048);
    let src: Arc<dyn ReadAt> = Arc::new(MemSource::new(bytes));
    assert_eq!(check_structure(src.as_ref()).unwrap(), Vec::<String>::new());
    assert_eq!(
        IsoFs::open(src, "m")
            .unwrap()
            .to_vtree()
            .unwrap()
            .file_count(),
        300
    );
}

#[test]
fn labels_and_dates_are_encoded_as_specified() {
    let o = IsoOptions {
        volume_id: "Gäst-Tools 2024 extra long".into(),
        ..opts(i64::MIN)
    };
    let (_, bytes) = build(&[("a".into(), b"a".to_vec())], &o);
    let pvd = &bytes[16 * 2048..17 * 2048];
    let svd = &bytes[17 * 2048..18 * 2048];
    assert_eq!(&pvd[40..72], b"G_ST_TOOLS_2024_EXTRA_LONG      ");
    let expect: Vec<u8> = "Gäst-Tools 2024 "
        .encode_utf16()
        .flat_map(|u| u.to_be_bytes())
        .collect();
    assert_eq!(&svd[40..72], &expect[..]);
    assert_eq!(&svd[88..91], b"%/E");
    assert_eq!(&pvd[813..830], b"0001010100000000\0");
    assert_eq!(&pvd[864..881], b"0000000000000000\0");
    assert_eq!(&pvd[156 + 18..156 + 25], &[0, 1, 1, 0, 0, 0, 0]);
    let (_, late) = build(&[], &opts(i64::MAX));
    assert_eq!(&late[16 * 2048 + 830..16 * 2048 + 846], b"9999123123595900");
    assert_eq!(
        &late[16 * 2048 + 156 + 18..16 * 2048 + 156 + 25],
        &[255, 12, 31, 23, 59, 59, 0]
    );
}

/// A content whose stream disagrees with its declared length.
struct Liar {
    declared: u64,
    actual: Vec<u8>,
}

impl Content for Liar {
    fn len(&self) -> u64 {
        self.declared
    }
    fn open(&self) -> io::Result<Box<dyn Read + Send + '_>> {
        Ok(Box::new(&self.actual[..]))
    }
}

fn liar_file(declared: u64, actual: Vec<u8>) -> MediaFile {
    MediaFile {
        path: "liar.bin".into(),
        content: Arc::new(Liar { declared, actual }),
        size: declared,
        sha256: [0; 32],
        crc32: 0,
    }
}

#[test]
fn contents_of_the_wrong_length_are_errors_not_padding() {
    for (declared, actual) in [
        (10, pattern(5, 0)),
        (10, pattern(11, 0)),
        (4096, pattern(5000, 0)),
    ] {
        let img = IsoImage::plan(&[liar_file(declared, actual)], &opts(0)).unwrap();
        for chunk in [1, 2048, 1 << 20] {
            let e = drain(&img, chunk).unwrap_err();
            assert!(e.to_string().contains("liar.bin"), "{e}");
            let mut r = img.reader();
            let mut sink = Vec::new();
            assert!(r.read_to_end(&mut sink).is_err());
            assert!((sink.len() as u64) < img.len());
        }
    }
}

#[test]
fn unstorable_inputs_are_refused_clearly() {
    let huge = MediaFile {
        path: "big.bin".into(),
        content: Arc::new(Liar {
            declared: 1 << 32,
            actual: Vec::new(),
        }),
        size: 1 << 32,
        sha256: [0; 32],
        crc32: 0,
    };
    let e = IsoImage::plan(&[huge], &opts(0)).err().unwrap().to_string();
    assert!(e.contains("4 GiB"), "{e}");
    for bad in [
        "x".repeat(65),
        "a;1".to_string(),
        "smile\u{1F600}".to_string(),
    ] {
        let f = files(&[(bad.as_str(), b"x".to_vec())]);
        let e = IsoImage::plan(&f, &opts(0)).err().unwrap().to_string();
        assert!(e.contains("Joliet"), "{e}");
    }
    let f = files(&[("a", b"x".to_vec()), ("a/b", b"y".to_vec())]);
    assert!(IsoImage::plan(&f, &opts(0)).is_err());
}

/// Offset of the first record after `.`/`..` in the root directory of the tree of `desc`.
fn first_child(bytes: &[u8], desc: usize) -> usize {
    let d = &bytes[desc * 2048..];
    let root = u32::from_le_bytes(d[158..162].try_into().unwrap()) as usize * 2048;
    root + 68
}

fn open_tree(bytes: Vec<u8>) -> crate::Result<crate::source::vtree::VTree> {
    IsoFs::open(Arc::new(MemSource::new(bytes)), "bad.iso")?.to_vtree()
}

fn open_err(bytes: Vec<u8>) -> String {
    match open_tree(bytes) {
        Ok(_) => panic!("hostile image was accepted"),
        Err(e) => e.to_string(),
    }
}

fn set_both32(b: &mut [u8], off: usize, v: u32) {
    b[off..off + 4].copy_from_slice(&v.to_le_bytes());
    b[off + 4..off + 8].copy_from_slice(&v.to_be_bytes());
}

#[test]
fn hostile_images_are_refused_with_a_reason() {
    let (_, good) = build(
        &[
            ("sub/f.txt".into(), b"hello".to_vec()),
            ("z.txt".into(), b"z".to_vec()),
        ],
        &opts(0),
    );
    let root_lba = u32::from_le_bytes(good[17 * 2048 + 158..17 * 2048 + 162].try_into().unwrap());

    // The Joliet "sub" record points back at the root: a loop.
    let mut looped = good.clone();
    set_both32(&mut looped, first_child(&good, 17) + 2, root_lba);
    let e = open_err(looped);
    assert!(e.contains("directory loop"), "{e}");

    // A file extent past the end.
    let mut beyond = good.clone();
    let z = first_child(&good, 17) + usize::from(good[first_child(&good, 17)]);
    set_both32(&mut beyond, z + 2, 1_000_000);
    let e = open_err(beyond);
    assert!(e.contains("beyond the end"), "{e}");

    // An absurd root directory size.
    let mut absurd = good.clone();
    set_both32(&mut absurd, 17 * 2048 + 156 + 10, u32::MAX);
    let e = open_err(absurd);
    assert!(e.contains("beyond the end"), "{e}");

    // Truncated and non-ISO inputs.
    assert!(open_err(good[..17 * 2048].to_vec()).contains("not an ISO9660"));
    assert!(open_err(vec![0x41; 40 * 2048]).contains("not an ISO9660 volume descriptor"));
}

#[test]
fn nesting_beyond_the_reader_cap_is_refused() {
    let deep = format!("{}f.txt", "d/".repeat(70));
    let (_, bytes) = build(&[(deep, b"x".to_vec())], &opts(0));
    assert_eq!(
        check_structure(&MemSource::new(bytes.clone())).unwrap(),
        Vec::<String>::new()
    );
    let e = open_err(bytes);
    assert!(
        e.contains(
            "is 65 path components deep, over the limit of 64 (raise it with --max-path-depth)"
        ),
        "{e}"
    );
}

#[test]
fn corrupted_metadata_never_panics() {
    let (_, good) = build(&sample(), &opts(0));
    let meta_end = 80 * 2048;
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..300 {
        let mut bad = good.clone();
        for _ in 0..8 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let at = 16 * 2048 + (seed % (meta_end - 16 * 2048) as u64) as usize;
            bad[at] = (seed >> 32) as u8;
        }
        let src = MemSource::new(bad.clone());
        let _ = check_structure(&src);
        if let Ok(tree) = open_tree(bad) {
            for (_, c) in tree.files() {
                let _ = c.open().map(|mut r| io::copy(&mut r, &mut io::sink()));
            }
        }
    }
}

#[test]
fn structure_check_detects_disorder() {
    let (_, good) = build(
        &[
            ("a.txt".into(), b"a".to_vec()),
            ("b.txt".into(), b"b".to_vec()),
        ],
        &opts(0),
    );
    // Swap the identifiers of the two primary records: same lengths, now out of order.
    let mut bad = good.clone();
    let first = first_child(&good, 16);
    let second = first + usize::from(good[first]);
    bad[first + 33] = b'B';
    bad[second + 33] = b'A';
    let problems = check_structure(&MemSource::new(bad)).unwrap();
    assert!(
        problems.iter().any(|p| p.contains("out of order")),
        "{problems:?}"
    );
}
