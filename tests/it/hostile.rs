//! Hostile and broken inputs: each must end in a specific, clear error (or finding) naming the
//! problem, with bounded time and memory, and nothing written. Small inputs come from the
//! committed corpus in tests/hostile/ (made by scripts/make-hostile-corpus.py); big ones
//! (100 000 entries, a 200 MB INF, 10 000 drivers, damaged ISO images) are made here.

use crate::validate_util as util;

use guestpack::input::zip::{read_zip, ZipLimits};
use guestpack::limits::Limits;
use guestpack::source::vtree::{RejectKind, VTree};
use guestpack::source::{Content, MemContent, MemSource, ReadAt};
use guestpack::validate::{validate, ValidateInput, ValidateOptions};
use guestpack::Error;
use std::io::{self, Read};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use util::{one, signed, tree, Case};

fn corpus(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/hostile")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn open_zip(name: &str, limits: &ZipLimits) -> guestpack::Result<VTree> {
    let src: Arc<dyn ReadAt> = Arc::new(MemSource::new(corpus(name)));
    read_zip(src, name, limits)
}

/// The error of a corpus zip, checked to name the archive.
fn zip_err(name: &str) -> Error {
    match open_zip(name, &ZipLimits::default()) {
        Ok(_) => panic!("{name} was accepted"),
        Err(e) => {
            assert!(e.to_string().starts_with(&format!("{name}: ")), "{e}");
            e
        }
    }
}

fn limit_flag(e: &Error) -> Option<&'static str> {
    match e {
        Error::Limit { flag, .. } => Some(flag),
        _ => None,
    }
}

#[test]
fn zip_bombs_are_refused_before_anything_is_inflated() {
    let e = zip_err("bomb-ratio.zip");
    assert_eq!(limit_flag(&e), Some("--max-ratio"), "{e}");
    assert!(
        e.to_string().contains("'drv/zeros.bin' would expand ")
            && e.to_string()
                .contains(" bytes into 20971520 (a zip bomb?), over the limit of 1000"),
        "{e}"
    );
    // Raising the limit lets the honest (if extreme) entry through, and it inflates correctly.
    let lenient = ZipLimits {
        max_ratio: 2000,
        ..ZipLimits::default()
    };
    let t = open_zip("bomb-ratio.zip", &lenient).unwrap();
    let mut n = 0u64;
    let mut r = t.get("drv/zeros.bin").unwrap().open().unwrap();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let k = r.read(&mut buf).unwrap();
        if k == 0 {
            break;
        }
        assert!(buf[..k].iter().all(|&b| b == 0));
        n += k as u64;
    }
    assert_eq!(n, 20 << 20);

    let e = zip_err("bomb-declared.zip");
    assert_eq!(limit_flag(&e), Some("--max-file-size"), "{e}");
    assert!(
        e.to_string()
            .contains("'drv/huge.sys' declares 1099511627776 bytes, over the limit of 4294967296"),
        "{e}"
    );
    let small_total = ZipLimits {
        max_file_size: u64::MAX,
        max_ratio: u64::MAX,
        max_total_uncompressed: 1 << 30,
        ..ZipLimits::default()
    };
    let e = open_zip("bomb-declared.zip", &small_total).err().unwrap();
    assert_eq!(limit_flag(&e), Some("--max-total-size"), "{e}");
}

#[test]
fn a_nested_zip_is_one_opaque_file() {
    let t = open_zip("nested.zip", &ZipLimits::default()).unwrap();
    assert_eq!(
        t.files().map(|(p, _)| p).collect::<Vec<_>>(),
        ["drivers.zip"]
    );
    let mut inner = Vec::new();
    t.get("drivers.zip")
        .unwrap()
        .open()
        .unwrap()
        .read_to_end(&mut inner)
        .unwrap();
    assert_eq!(&inner[..4], b"PK\x03\x04");
    // Its contents are not unpacked into the tree: a bundle must be a zip of the folders.
    assert!(t.get("amd64/viostor/viostor.inf").is_none());
}

#[test]
fn structural_lies_are_fatal_with_the_reason() {
    let cases = [
        ("overlap.zip", "entries 'a.inf' and 'b.inf' overlap"),
        ("duplicate.zip", "the archive holds 'drv/a.inf' twice"),
        (
            "case-duplicate.zip",
            "'drv' and 'DRV' differ only in letter case",
        ),
        (
            "encrypted.zip",
            "entry 'drv/secret.inf' is encrypted; encrypted zips are not supported",
        ),
        (
            "method-lzma.zip",
            "entry 'drv/a.inf' uses compression method 14 (lzma)",
        ),
        (
            "truncated-cd.zip",
            "the central directory is too small for its 2 entries (truncated?)",
        ),
        (
            "truncated-cd-tail.zip",
            "the central directory is truncated at entry 2",
        ),
        (
            "zip64-locator-lies.zip",
            "the zip64 end of central directory record lies outside the archive",
        ),
        (
            "zip64-offset-lies.zip",
            "entry 'a.inf' claims a size or offset beyond the",
        ),
    ];
    for (name, want) in cases {
        let e = zip_err(name);
        assert!(matches!(e, Error::Archive { .. }), "{name}: {e:?}");
        assert!(e.to_string().contains(want), "{name}: {e}");
    }
}

#[test]
fn unsafe_names_are_refused_entry_by_entry_and_reported() {
    let t = open_zip("unsafe-paths.zip", &ZipLimits::default()).unwrap();
    let mut got: Vec<_> = t
        .rejected()
        .iter()
        .map(|r| (r.path.as_str(), r.kind.clone()))
        .collect();
    got.sort_by(|a, b| a.0.cmp(b.0));
    let want = [
        "../evil.inf",
        "/etc/evil.inf",
        "C:/evil.inf",
        "c:evil.inf",
        "drv\\..\\..\\evil.inf",
    ];
    assert_eq!(
        got,
        want.iter()
            .map(|p| (*p, RejectKind::UnsafePath))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        t.files().map(|(p, _)| p).collect::<Vec<_>>(),
        ["drv/ok.inf"]
    );

    let t = open_zip("names-nul-and-non-utf8.zip", &ZipLimits::default()).unwrap();
    let mut got: Vec<_> = t
        .rejected()
        .iter()
        .map(|r| (r.path.clone(), r.kind.clone()))
        .collect();
    got.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        got,
        [
            ("drv/caf\u{fffd}.inf".to_string(), RejectKind::NonUtf8Name),
            ("drv/nul\\u{0}.inf".to_string(), RejectKind::UnsafePath),
        ]
    );
    let t = open_zip("symlink.zip", &ZipLimits::default()).unwrap();
    assert_eq!(t.rejected()[0].kind, RejectKind::Symlink);
    assert_eq!(t.file_count(), 0);

    // Validation turns every refusal into an error finding naming the entry.
    let findings = guestpack::validate::rules::refusals::scan(
        &open_zip("unsafe-paths.zip", &ZipLimits::default()).unwrap(),
        "driver input",
    );
    for p in want {
        assert!(
            findings
                .iter()
                .any(|f| f.code == "POL004" && f.path.as_deref() == Some(p)),
            "{p}: {findings:#?}"
        );
    }
}

/// Writes a stored zip of `n` empty files directly (the shape of a 100k-entry archive,
/// without going through the packager).
fn many_empty_entries(n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut cd = Vec::new();
    for i in 0..n {
        let name = format!("d{}/f{i}.txt", i % 100);
        let offset = out.len() as u32;
        let head = |sig: u32, central: bool| {
            let mut h = sig.to_le_bytes().to_vec();
            if central {
                h.extend_from_slice(&20u16.to_le_bytes());
            }
            h.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0x21, 0, 0]);
            h.extend_from_slice(&[0; 12]); // crc, sizes: empty file
            h.extend_from_slice(&(name.len() as u16).to_le_bytes());
            h.extend_from_slice(&[0, 0]);
            if central {
                h.extend_from_slice(&[0; 10]); // comment length, disk, attributes
                h.extend_from_slice(&offset.to_le_bytes());
            }
            h.extend_from_slice(name.as_bytes());
            h
        };
        out.extend(head(0x0403_4b50, false));
        cd.extend(head(0x0201_4b50, true));
    }
    let cd_offset = out.len() as u32;
    let cd_len = cd.len() as u32;
    out.extend(cd);
    // Classic end record; entry counts above 65535 need zip64, so the 16-bit fields saturate
    // and a zip64 end record + locator carry the real count.
    let z64 = out.len() as u64;
    out.extend_from_slice(&0x0606_4b50u32.to_le_bytes());
    out.extend_from_slice(&44u64.to_le_bytes());
    out.extend_from_slice(&[45, 0, 45, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    out.extend_from_slice(&(n as u64).to_le_bytes());
    out.extend_from_slice(&(n as u64).to_le_bytes());
    out.extend_from_slice(&u64::from(cd_len).to_le_bytes());
    out.extend_from_slice(&u64::from(cd_offset).to_le_bytes());
    out.extend_from_slice(&0x0706_4b50u32.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&z64.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes());
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]);
    out.extend_from_slice(&cd_len.to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&[0, 0]);
    out
}

#[test]
fn a_hundred_thousand_tiny_entries_fit_the_default_and_one_less_does_not() {
    let zip = many_empty_entries(100_000);
    let src: Arc<dyn ReadAt> = Arc::new(MemSource::new(zip));
    let started = std::time::Instant::now();
    let t = read_zip(src.clone(), "many.zip", &ZipLimits::default()).unwrap();
    assert_eq!(t.file_count(), 100_000);
    assert!(
        started.elapsed().as_secs() < 60,
        "{:?} to read 100k entries",
        started.elapsed()
    );
    let tight = ZipLimits {
        max_entries: 99_999,
        ..ZipLimits::default()
    };
    let e = read_zip(src, "many.zip", &tight).err().unwrap();
    assert_eq!(
        e.to_string(),
        "many.zip: the archive has 100000 entries, over the limit of 99999 (raise it with --max-entries)"
    );
}

/// A content that claims to be huge and counts how often it is opened; reading it yields
/// zeros lazily, so even a mistaken full read would not hold it in memory here.
struct Huge {
    len: u64,
    opens: AtomicUsize,
}

impl Content for Huge {
    fn len(&self) -> u64 {
        self.len
    }
    fn open(&self) -> io::Result<Box<dyn Read + Send + '_>> {
        self.opens.fetch_add(1, Ordering::SeqCst);
        Ok(Box::new(io::repeat(b';').take(self.len)))
    }
}

fn run_limited(case: &Case, drivers: &VTree, limits: &Limits) -> guestpack::Report {
    let gt = tree(&case.guest_tools);
    let input = ValidateInput {
        contract_found: None,
        drivers,
        guest_tools: &gt,
        spec_name: "test-spec.json",
        spec_json: case.spec.as_bytes(),
        contract: None,
        signing_policy: case.policy,
    };
    validate(
        &input,
        &ValidateOptions {
            limits: limits.clone(),
            ..Default::default()
        },
    )
    .unwrap()
    .0
}

#[test]
fn a_200_mb_inf_is_a_finding_and_is_never_read() {
    let case = Case::base();
    let mut drivers = tree(&signed(&case.drivers));
    let huge = Arc::new(Huge {
        len: 200 << 20,
        opens: AtomicUsize::new(0),
    });
    drivers.insert("amd64/viostor/viostor.inf", huge.clone());
    let report = run_limited(&case, &drivers, &Limits::default());
    let f = one(&report, "INF001");
    assert_eq!(f.path.as_deref(), Some("drivers/amd64/viostor/viostor.inf"));
    assert!(
        f.message
            .contains("the INF is 209715200 bytes, over the limit of 8388608"),
        "{f}"
    );
    assert!(f.help.as_deref().unwrap().contains("--max-inf-size"), "{f}");
    assert_eq!(huge.opens.load(Ordering::SeqCst), 0);

    // A lower limit catches a normal INF the same way; a higher one reads it.
    let tight = Limits {
        max_inf_size: 100,
        ..Limits::default()
    };
    let report = run_limited(&case, &tree(&signed(&case.drivers)), &tight);
    assert_eq!(
        util::with_code(&report, "INF001").len(),
        4,
        "{:#?}",
        report.findings
    );
}

#[test]
fn an_inf_with_a_million_lines_parses_in_linear_time() {
    let mut case = Case::base();
    let mut text = util::inf("viostor", &["1042", "1001"]);
    text.push_str("[Junk]\r\n");
    for i in 0..1_000_000u32 {
        text.push_str(if i % 2 == 0 { "a=b\r\n" } else { ";c\r\n" });
    }
    assert!(text.len() < 8 << 20);
    let started = std::time::Instant::now();
    let parsed = guestpack::validate::inf::parse(&text);
    assert_eq!(parsed.entries("junk").len(), 500_000);
    assert!(parsed.hardware_ids().len() >= 2);
    case.add_driver_file("amd64/viostor/viostor.inf", text.as_bytes());
    let drivers = tree(&signed(&case.drivers));
    let report = run_limited(&case, &drivers, &Limits::default());
    assert!(!report.has_errors(), "{:#?}", report.findings);
    assert!(
        started.elapsed().as_secs() < 60,
        "{:?} for a million-line INF",
        started.elapsed()
    );
}

fn compile(
    json: &str,
    limits: &Limits,
) -> (guestpack::validate::spec::Spec, Vec<guestpack::Finding>) {
    let raw = guestpack::validate::spec::parse("spec.json", json.as_bytes()).unwrap();
    guestpack::validate::spec::compile_limited(&raw, "spec.json", limits)
}

#[test]
fn a_pathological_regex_is_refused_by_size_and_names_the_flag() {
    let json = String::from_utf8(corpus("regex-too-big.json")).unwrap();
    let (spec, findings) = compile(&json, &Limits::default());
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let f = &findings[0];
    assert_eq!(f.code, "SPEC001");
    assert!(
        f.message.contains("(?:[a-z]{100}){100}")
            && f.message
                .contains("more than the 1048576-byte limit (raise it with --max-regex-size"),
        "{f}"
    );
    assert!(spec.drivers[0].expected_hardware_ids.is_empty());
    // Raised far enough, the same pattern compiles.
    let big = Limits {
        max_regex_size: 64 << 20,
        ..Limits::default()
    };
    let (spec, findings) = compile(&json, &big);
    assert!(findings.is_empty(), "{findings:#?}");
    assert_eq!(spec.drivers[0].expected_hardware_ids.len(), 1);
}

#[test]
fn ten_thousand_drivers_compile_in_linear_time() {
    let drivers: Vec<String> = (0..10_000)
        .map(|i| {
            format!(
                r#"{{"name":"drv{i}","expected_hardware_ids":["PCI\\\\VEN_1AF4&DEV_{i:04X}"]}}"#
            )
        })
        .collect();
    let json = format!(
        r#"{{"drivers":[{}],"required_drivers":["DRV0","extra"]}}"#,
        drivers.join(",")
    );
    let started = std::time::Instant::now();
    let (spec, findings) = compile(&json, &Limits::default());
    assert!(
        findings.is_empty(),
        "{:#?}",
        &findings[..findings.len().min(3)]
    );
    assert_eq!(spec.drivers.len(), 10_001);
    assert!(
        started.elapsed().as_secs() < 60,
        "{:?} for 10k drivers",
        started.elapsed()
    );
    // Duplicates are still found (by name, ignoring case).
    let json = r#"{"drivers":[{"name":"a"},{"name":"B"},{"name":"A"},{"name":"b"}]}"#;
    let (_, findings) = compile(json, &Limits::default());
    let codes: Vec<_> = findings.iter().map(|f| f.code).collect();
    assert_eq!(codes, ["SPEC002", "SPEC002"]);
}

#[test]
fn the_regexes_of_one_spec_share_a_total_budget() {
    // Each pattern fits the per-regex limit; all of them together are far over 32 times it.
    let pattern = "[a-z]{1000}";
    let drivers: Vec<String> = (0..200)
        .map(|i| format!(r#"{{"name":"d{i}","allow_path_regexes":["{pattern}"]}}"#))
        .collect();
    let json = format!(r#"{{"drivers":[{}]}}"#, drivers.join(","));
    let small = Limits {
        max_regex_size: 256 << 10,
        ..Limits::default()
    };
    let (spec, findings) = compile(&json, &small);
    assert!(
        !spec.drivers[0].allow_path_regexes.is_empty(),
        "the first patterns fit: {findings:#?}"
    );
    assert!(!findings.is_empty());
    assert!(findings.iter().all(|f| f.code == "SPEC001"));
    assert!(
        findings[0]
            .message
            .contains("the spec's regexes together compile to more than 8388608 bytes"),
        "{}",
        findings[0]
    );
    assert!(findings[0].message.contains("--max-regex-size"));
}

#[test]
fn broken_spec_json_names_the_file_and_the_problem() {
    let e =
        guestpack::validate::spec::parse("not-json.json", &corpus("not-json.json")).unwrap_err();
    assert!(matches!(e, Error::Json { .. }));
    assert!(e.to_string().starts_with("not-json.json: "), "{e}");
    let e = guestpack::validate::spec::parse("unknown-field.json", &corpus("unknown-field.json"))
        .unwrap_err();
    assert!(
        e.to_string().contains("unknown field `expected_hwids`"),
        "{e}"
    );
}

/// An ISO of `files` from the crate's own writer.
fn iso(files: &[(&str, &[u8])]) -> Vec<u8> {
    use guestpack::output::iso::{IsoImage, IsoOptions};
    let mut media: Vec<_> = files
        .iter()
        .map(|(p, b)| {
            guestpack::output::media::media_file(*p, Arc::new(MemContent::new(b.to_vec()))).unwrap()
        })
        .collect();
    media.sort_by(|a, b| a.path.cmp(&b.path));
    let opts = IsoOptions {
        volume_id: "HOSTILE".into(),
        source_date_epoch: 0,
        application_id: "GUESTPACK".into(),
    };
    let mut out = Vec::new();
    IsoImage::plan(&media, &opts)
        .unwrap()
        .reader()
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn iso_tree(bytes: Vec<u8>, limits: &Limits) -> guestpack::Result<VTree> {
    guestpack::input::iso::IsoFs::open(Arc::new(MemSource::new(bytes)), "bad.iso")?
        .to_vtree_limited(limits)
}

/// Writes `v` into a both-endian 32-bit field.
fn set_both32(b: &mut [u8], off: usize, v: u32) {
    b[off..off + 4].copy_from_slice(&v.to_le_bytes());
    b[off + 4..off + 8].copy_from_slice(&v.to_be_bytes());
}

#[test]
fn iso_loops_and_extents_past_the_end_are_refused() {
    let good = iso(&[("sub/f.txt", b"hello"), ("z.txt", b"z")]);
    // Sector 17 is the Joliet descriptor; its root record (offset 156) gives the root extent.
    let joliet = 17 * 2048;
    let root = u32::from_le_bytes(good[joliet + 158..joliet + 162].try_into().unwrap());
    // The first record after "." and ".." (34 bytes each) is "sub"; the next is "z.txt".
    let sub = root as usize * 2048 + 68;
    let z = sub + usize::from(good[sub]);

    let mut looped = good.clone();
    set_both32(&mut looped, sub + 2, root);
    let e = iso_tree(looped, &Limits::default()).err().expect("refused");
    assert!(
        e.to_string()
            .starts_with("bad.iso: directory loop: \"sub\" points at a folder already read"),
        "{e}"
    );

    let mut beyond = good.clone();
    set_both32(&mut beyond, z + 2, 1_000_000);
    let e = iso_tree(beyond, &Limits::default()).err().expect("refused");
    assert_eq!(
        e.to_string(),
        "bad.iso: \"z.txt\" extends beyond the end of the image"
    );

    let mut huge_dir = good.clone();
    set_both32(&mut huge_dir, sub + 10, u32::MAX);
    let e = iso_tree(huge_dir, &Limits::default())
        .err()
        .expect("refused");
    assert!(
        e.to_string()
            .contains("extends beyond the end of the image"),
        "{e}"
    );

    // And the limits apply to images as to every other tree.
    let t = iso_tree(good.clone(), &Limits::default()).unwrap();
    assert_eq!(t.file_count(), 2);
    for (limits, flag) in [
        (
            Limits {
                max_entries: 2,
                ..Limits::default()
            },
            "--max-entries",
        ),
        (
            Limits {
                max_path_depth: 1,
                ..Limits::default()
            },
            "--max-path-depth",
        ),
        (
            Limits {
                max_file_size: 4,
                ..Limits::default()
            },
            "--max-file-size",
        ),
        (
            Limits {
                max_total_size: 5,
                ..Limits::default()
            },
            "--max-total-size",
        ),
    ] {
        let e = iso_tree(good.clone(), &limits).err().expect("refused");
        assert_eq!(limit_flag(&e), Some(flag), "{e}");
        assert!(
            e.to_string().contains(&format!("(raise it with {flag})")),
            "{e}"
        );
    }
}

#[test]
fn the_directory_walker_stops_at_each_limit() {
    use guestpack::native::read_dir_tree_limited;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("a/b/c")).unwrap();
    std::fs::write(root.join("a/b/c/deep.inf"), b"0123456789").unwrap();
    for i in 0..5 {
        std::fs::write(root.join(format!("f{i}.txt")), b"xx").unwrap();
    }
    let t = read_dir_tree_limited(root, &Limits::default()).unwrap();
    assert_eq!(t.file_count(), 6);
    for (limits, flag, what) in [
        (
            Limits {
                max_entries: 7,
                ..Limits::default()
            },
            "--max-entries",
            "or more files and folders, over the limit of 7",
        ),
        (
            Limits {
                max_path_depth: 3,
                ..Limits::default()
            },
            "--max-path-depth",
            "\"a/b/c/deep.inf\" is 4 path components deep, over the limit of 3",
        ),
        (
            Limits {
                max_file_size: 9,
                ..Limits::default()
            },
            "--max-file-size",
            "\"a/b/c/deep.inf\" is 10 bytes, over the limit of 9",
        ),
        (
            Limits {
                max_total_size: 15,
                ..Limits::default()
            },
            "--max-total-size",
            "hold 16 bytes, over the limit of 15",
        ),
    ] {
        let e = read_dir_tree_limited(root, &limits).err().expect("refused");
        assert_eq!(limit_flag(&e), Some(flag), "{e}");
        assert!(e.to_string().contains(what), "{e}");
    }
}

fn cli(args: &[&str], cwd: &std::path::Path) -> (i32, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_guestpack"))
        .args(args)
        .current_dir(cwd)
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .expect("run guestpack");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn listing(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn the_cli_writes_only_its_fixed_names_inside_out_dir() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    for name in ["../x", "..", "a/b", "/abs", "x\\y"] {
        let (code, err) = cli(&["--sample", "--out-dir", "out", "--name", name], root);
        assert_eq!(code, 2, "{name}: {err}");
        assert!(err.contains("invalid option --name"), "{name}: {err}");
    }
    assert!(listing(root).is_empty(), "{:?}", listing(root));
    let (code, err) = cli(&["--sample", "--quiet", "--out-dir", "out"], root);
    assert_eq!(code, 0, "{err}");
    assert_eq!(listing(root), ["out"]);
    assert_eq!(
        listing(&root.join("out")),
        ["guest-tools.iso", "guest-tools.zip", "manifest.json"]
    );
}

#[test]
fn limit_flags_reach_the_readers_and_errors_name_them() {
    let tmp = tempfile::tempdir().unwrap();
    let bomb = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/hostile/bomb-ratio.zip");
    let bomb = bomb.to_str().unwrap();
    let (code, err) = cli(
        &["--drivers-dir", bomb, "--spec", "win7-virtio-win.json"],
        tmp.path(),
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("bomb-ratio.zip: entry 'drv/zeros.bin' would expand"),
        "{err}"
    );
    assert!(err.contains("(raise it with --max-ratio)"), "{err}");
    // Raised, the archive opens and validation (not the reader) rejects it: no driver folders.
    let (code, err) = cli(
        &[
            "--drivers-dir",
            bomb,
            "--spec",
            "win7-virtio-win.json",
            "--max-ratio",
            "2000",
        ],
        tmp.path(),
    );
    assert_eq!(code, 1, "{err}");
    let (code, err) = cli(
        &[
            "--drivers-dir",
            bomb,
            "--spec",
            "win7-virtio-win.json",
            "--max-ratio",
            "2000",
            "--max-file-size",
            "1M",
        ],
        tmp.path(),
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("over the limit of 1048576 (raise it with --max-file-size)"),
        "{err}"
    );
    let (code, err) = cli(&["--sample", "--max-total-size", "4X"], tmp.path());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("\"4X\" is not a size"), "{err}");
    assert!(listing(tmp.path()).is_empty(), "{:?}", listing(tmp.path()));
}

#[test]
fn a_tree_path_with_an_empty_component_is_a_finding_not_a_build_error() {
    // Found by the roundtrip fuzz target: a tree holding "amd64/viostor/" (a file with an
    // empty name) passed validation, then the ISO writer refused it.
    let case = Case::base();
    // ("./x.dat" never reaches the media: the policy skips hidden names.)
    for bad in ["amd64/viostor/", "amd64/viostor//x.dat"] {
        let mut drivers = tree(&signed(&case.drivers));
        drivers.insert(bad, Arc::new(MemContent::new(&b"x"[..])));
        let report = run_limited(&case, &drivers, &Limits::default());
        let f = one(&report, "NAME008");
        assert!(
            f.message.contains("empty, '.' or '..' path component"),
            "{f}"
        );
    }
}
