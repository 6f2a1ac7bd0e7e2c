//! Shared builds (src/split.rs): digests made in parts equal the single pass's, bad digests
//! and bad restart points are refused, and a piece reader still notices a file that changed
//! after it was digested. The byte-for-byte parity of shared builds is in tests/parity.rs.

use guestpack::build::shared::{self, FileDigest, Output, DIGEST_RECORD};
use guestpack::build::{self, BuildOptions};
use guestpack::bundled::sample::sample_drivers;
use guestpack::source::Content;
use guestpack::validate::Staged;
use std::io::{self, Read};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

fn staged() -> Staged {
    crate::validate_util::staged_win7(&sample_drivers())
}

/// Plans from digests, which must pass the catalog check (the sample's do).
fn planned(
    staged: &mut Staged,
    opts: &BuildOptions,
    digests: &[FileDigest],
) -> guestpack::Result<build::MediaSet> {
    let (found, set) = shared::build_from_digests(staged, opts, digests)?;
    assert!(found.is_empty(), "{found:?}");
    Ok(set.expect("accepted"))
}

fn all_digests(staged: &Staged, level: u32) -> Vec<FileDigest> {
    let all: Vec<usize> = (0..staged.files.len()).collect();
    shared::digest_files(staged, &all, level).unwrap()
}

#[test]
fn digests_in_parts_match_the_single_pass() {
    let mut staged = staged();
    let opts = BuildOptions::default();
    let (found, set) = build::build(&mut staged, &opts).unwrap();
    assert!(found.is_empty(), "{found:?}");
    let set = set.unwrap();
    let digests = all_digests(&staged, opts.zip_level);
    for (d, (path, _)) in digests.iter().zip(&staged.files) {
        let f = set.files.iter().find(|f| &f.path == path).unwrap();
        assert_eq!(
            (d.size, d.sha256, d.crc32),
            (f.size, f.sha256, f.crc32),
            "{path}"
        );
        let e = set.zip.entries().iter().find(|e| &e.path == path).unwrap();
        assert_eq!(d.compressed.unwrap_or(d.size), e.compressed_size, "{path}");
    }
    // Any order and any subset give the same record per file.
    let rev: Vec<usize> = (0..staged.files.len()).rev().step_by(2).collect();
    for (i, d) in rev
        .iter()
        .zip(shared::digest_files(&staged, &rev, 6).unwrap())
    {
        assert_eq!(d, digests[*i]);
    }
    // Level 0 stores everything.
    assert!(all_digests(&staged, 0)
        .iter()
        .all(|d| d.compressed.is_none()));
}

#[test]
fn malformed_or_mismatched_digests_are_refused() {
    let mut staged = staged();
    let opts = BuildOptions::default();
    let digests = all_digests(&staged, 6);
    let msg = |r: guestpack::Result<(Vec<guestpack::diag::Finding>, Option<build::MediaSet>)>| {
        r.err().expect("must fail").to_string()
    };

    let m = msg(shared::build_from_digests(
        &mut staged,
        &opts,
        &digests[1..],
    ));
    assert!(m.contains("digests for"), "{m}");
    let mut wrong = digests.clone();
    wrong[0].size += 1;
    let m = msg(shared::build_from_digests(&mut staged, &opts, &wrong));
    assert!(
        m.contains(&staged.files[0].0) && m.contains("did the file change"),
        "{m}"
    );

    // Kept bytes must be exactly the deflated entry the digest describes.
    let deflated = digests.iter().position(|d| d.compressed.is_some()).unwrap();
    let mut kept = shared::Kept::new();
    kept.insert(
        deflated,
        Arc::new(guestpack::source::MemContent::new(vec![0u8; 3])),
    );
    let m = msg(shared::build_from_digests_keeping(
        &mut staged,
        &opts,
        &digests,
        kept,
    ));
    assert!(m.contains("kept compressed bytes do not match"), "{m}");
    let mut budget = 1 << 20;
    let all: Vec<usize> = (0..staged.files.len()).collect();
    let with = shared::digest_files_keeping(&staged, &all, 6, &mut budget).unwrap();
    let kept_total: u64 = with
        .iter()
        .filter(|(_, k)| k.is_some())
        .map(|(d, _)| d.size)
        .sum();
    assert!(
        kept_total > 0 && budget == (1 << 20) - kept_total,
        "the budget counts what was kept"
    );
    assert!(with
        .iter()
        .all(|(d, k)| k.as_ref().is_none_or(|k| d.compressed == Some(k.len()))));

    let wire = shared::encode_all(&digests);
    assert_eq!(wire.len(), digests.len() * DIGEST_RECORD);
    let e = FileDigest::decode_all(&wire[1..]).unwrap_err().to_string();
    assert!(e.contains("whole number"), "{e}");
    let mut bad = wire.clone();
    bad[44] = 7;
    let e = FileDigest::decode_all(&bad).unwrap_err().to_string();
    assert!(e.contains("record 0"), "{e}");
    let e = shared::digest_files(&staged, &[staged.files.len()], 6)
        .unwrap_err()
        .to_string();
    assert!(e.contains("no staged file"), "{e}");
}

#[test]
fn readers_start_only_at_restart_points() {
    let mut staged = staged();
    let digests = all_digests(&staged, 6);
    let set = planned(&mut staged, &BuildOptions::default(), &digests).unwrap();
    let entry = set.zip.entries()[1].offset;
    assert!(shared::reader_from(&set, Output::Zip, entry).is_ok());
    assert!(shared::reader_from(&set, Output::Zip, set.zip.central_offset()).is_ok());
    let e = shared::reader_from(&set, Output::Zip, entry + 1)
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("not the start of an entry"), "{e}");
    let points = set.iso.restart_points();
    let data = points[1].0;
    assert!(shared::reader_from(&set, Output::Iso, data).is_ok());
    let e = shared::reader_from(&set, Output::Iso, data + 1)
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("inside a file extent"), "{e}");
    assert!(shared::reader_from(&set, Output::Iso, set.iso.len() + 1).is_err());
    // Inside metadata any byte will do: it is rendered, not read.
    assert!(shared::reader_from(&set, Output::Iso, 16 * 2048 + 5).is_ok());
    // Pieces cover each output exactly, and restart points are where they start.
    for (output, len) in [(Output::Iso, set.iso.len()), (Output::Zip, set.zip.len())] {
        for workers in [1, 2, 64] {
            let pieces: Vec<_> = shared::pieces_for(&set, output, workers, &|_| None)
                .into_iter()
                .map(|(p, _)| p)
                .collect();
            assert_eq!(pieces[0].start, 0);
            assert!(pieces
                .windows(2)
                .all(|w| w[0].end == w[1].start && w[0].start < w[0].end));
            assert_eq!(pieces.last().unwrap().end, len);
        }
    }
}

/// Content whose bytes change (same length) once `flip` is set: a file edited on disk after
/// it was digested.
struct Changing {
    before: Vec<u8>,
    after: Vec<u8>,
    flip: Arc<AtomicBool>,
}

impl Content for Changing {
    fn len(&self) -> u64 {
        self.before.len() as u64
    }
    fn open(&self) -> io::Result<Box<dyn Read + Send + '_>> {
        let b = if self.flip.load(Ordering::SeqCst) {
            &self.after
        } else {
            &self.before
        };
        Ok(Box::new(&b[..]))
    }
}

#[test]
fn a_piece_reader_refuses_a_file_that_changed_after_digesting() {
    let mut staged = staged();
    let flip = Arc::new(AtomicBool::new(false));
    let i = staged
        .files
        .iter()
        .position(|(p, _)| p.ends_with("setup.cmd"))
        .unwrap();
    let before = b"MZ driver image ".repeat(4096);
    let mut after = before.clone();
    after[100] ^= 1;
    staged.files[i].1 = Arc::new(Changing {
        before,
        after,
        flip: flip.clone(),
    });
    let digests = all_digests(&staged, 6);
    let set = planned(&mut staged, &BuildOptions::default(), &digests).unwrap();
    flip.store(true, Ordering::SeqCst);
    let path = &staged.files[i].0;
    let entry = set.zip.entries().iter().find(|e| &e.path == path).unwrap();
    let end = entry.offset + 30 + path.len() as u64 + entry.compressed_size;
    let mut r = shared::reader_from(&set, Output::Zip, entry.offset).unwrap();
    // The piece ends exactly where the entry does: the check must not wait for a next read.
    let mut buf = vec![0u8; (end - entry.offset) as usize];
    let e = r.read_exact(&mut buf).unwrap_err().to_string();
    assert!(e.contains(path.as_str()) && e.contains("changed"), "{e}");
}
