//! End to end: a small arbitrary tree is validated and packaged, then the ISO is read back with
//! `IsoFs` and the zip with `read_zip`; both must hold exactly the manifest's files and bytes.
//!
//! Two shapes of input: arbitrary files staged directly (any names the writers accept), and the
//! sample drivers with arbitrary extra files (the real validation path). Invariants: the build
//! either fails with an error or produces media whose ISO (Joliet tree), zip and manifest agree
//! file for file, byte for byte; the ISO passes the structure audit; a rejected input yields no
//! media set; and the same media built the way browser workers share a build (digests in two
//! parts, small files kept compressed by the worker that digested them, planned from the
//! digests, each output read piece by piece from the worker that kept its entries) are the
//! same bytes.
#![no_main]

use arbitrary::Arbitrary;
use guestpack::build::shared::{self, Output};
use guestpack::build::{self, BuildOptions, MediaSet};
use guestpack::bundled::{embedded, sample};
use guestpack::input::iso::{check_structure, IsoFs};
use guestpack::input::zip::{read_zip, ZipLimits};
use guestpack::source::vtree::VTree;
use guestpack::source::{Content, MemContent, MemSource, ReadAt};
use guestpack::validate::{self, InputRef, Staged, ValidateInput};
use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Read;
use std::sync::Arc;

#[derive(Arbitrary, Debug)]
struct File {
    path: String,
    bytes: Vec<u8>,
}

#[derive(Arbitrary, Debug)]
struct Input {
    through_validation: bool,
    zip_level: u8,
    epoch: i32,
    /// Work per piece when reading the shared build back (0: one piece per restart point).
    piece_work: u16,
    files: Vec<File>,
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn digest(c: &dyn Content) -> (u64, String) {
    let mut v = Vec::new();
    let n = c
        .open()
        .and_then(|mut r| r.read_to_end(&mut v))
        .expect("a file of our own media must read back");
    assert_eq!(n as u64, c.len());
    (c.len(), hex(&Sha256::digest(&v)))
}

fn listing(tree: &VTree) -> BTreeMap<String, (u64, String)> {
    assert!(tree.rejected().is_empty(), "{:?}", tree.rejected());
    tree.files()
        .map(|(p, c)| (p.to_string(), digest(c.as_ref())))
        .collect()
}

fn drain(mut r: impl Read) -> Vec<u8> {
    let mut v = Vec::new();
    r.read_to_end(&mut v).expect("output reader");
    v
}

/// The shared-build path gives `set`'s bytes: odd files digested by one worker, even ones
/// (in reverse) by another, each keeping small files compressed within `keep` bytes; both
/// plan from all the digests; every output is concatenated from pieces of `min_work`, each
/// read from the worker that kept its entries.
fn check_shared(staged: &Staged, opts: &BuildOptions, set: &MediaSet, min_work: u64, keep: u64) {
    let n = staged.files.len();
    let odd: Vec<usize> = (0..n).filter(|i| i % 2 == 1).rev().collect();
    let even: Vec<usize> = (0..n).filter(|i| i % 2 == 0).collect();
    let mut all = vec![None; n];
    let mut owner: BTreeMap<String, u32> = BTreeMap::new();
    let mut kept_by = Vec::new();
    for (w, part) in [odd, even].into_iter().enumerate() {
        let mut budget = keep;
        let digests = shared::digest_files_keeping(staged, &part, opts.zip_level, &mut budget)
            .expect("digests");
        let mut kept = shared::Kept::new();
        for (i, (d, k)) in part.into_iter().zip(digests) {
            if let Some(k) = k {
                owner.insert(staged.files[i].0.clone(), w as u32);
                kept.insert(i, k);
            }
            all[i] = Some(d);
        }
        kept_by.push(kept);
    }
    let all: Vec<_> = all
        .into_iter()
        .map(|d| d.expect("every file digested"))
        .collect();
    let sets: Vec<MediaSet> = kept_by
        .into_iter()
        .map(|kept| {
            // Each worker plans from its own copy of the validated list, as in the browser.
            let mut mine = staged.clone();
            let (_, set) = shared::build_from_digests_keeping(&mut mine, opts, &all, kept)
                .expect("a plan from the digests");
            set.expect("the digests pass the catalog check the single pass passed")
        })
        .collect();
    for (output, whole) in [
        (Output::Iso, drain(set.iso.reader())),
        (Output::Zip, drain(set.zip.reader())),
        (Output::Manifest, set.manifest_bytes.to_vec()),
    ] {
        let mut bytes = Vec::new();
        let who = |path: &str| owner.get(path).copied();
        for (p, o) in shared::pieces_owned(&sets[0], output, min_work, &who) {
            let from = &sets[o.unwrap_or(0) as usize];
            let r = shared::reader_from(from, output, p.start).expect("a piece reader");
            bytes.extend(drain(r.take(p.end - p.start)));
        }
        assert!(bytes == whole, "{output:?}: the shared build differs");
    }
}

fn check(set: &MediaSet) {
    let want: BTreeMap<String, (u64, String)> = set
        .files
        .iter()
        .map(|f| (f.path.clone(), (f.size, f.sha256_hex())))
        .collect();
    let listed: BTreeMap<String, (u64, String)> = set
        .manifest
        .files
        .iter()
        .map(|f| (f.path.clone(), (f.size, f.sha256.clone())))
        .collect();
    let mut without_manifest = want.clone();
    without_manifest.remove("manifest.json");
    assert_eq!(
        listed, without_manifest,
        "manifest differs from the media files"
    );

    let iso = drain(set.iso.reader());
    assert_eq!(iso.len() as u64, set.iso.len());
    let iso: Arc<dyn ReadAt> = Arc::new(MemSource::new(iso));
    assert_eq!(
        check_structure(iso.as_ref()).expect("audit"),
        Vec::<String>::new()
    );
    let fs = IsoFs::open(iso, "out.iso").expect("our ISO opens");
    assert!(fs.is_joliet());
    assert_eq!(
        listing(&fs.to_vtree().expect("our ISO reads")),
        want,
        "ISO differs"
    );

    let zip = drain(set.zip.reader());
    assert_eq!(zip.len() as u64, set.zip.len());
    let tree = read_zip(
        Arc::new(MemSource::new(zip)),
        "out.zip",
        &ZipLimits::default(),
    )
    .expect("our zip reads");
    assert_eq!(listing(&tree), want, "zip differs");
}

fuzz_target!(|input: Input| {
    let piece_work = u64::from(input.piece_work);
    // Small budgets keep some files and not others.
    let keep = u64::from(input.piece_work) * 16;
    let opts = BuildOptions {
        zip_level: u32::from(input.zip_level % 10),
        source_date_epoch: i64::from(input.epoch),
        // The built-in guest tools carry no certificate, which policy test (the default) needs.
        signing_policy: guestpack::validate::signing::SigningPolicy::Production,
        ..BuildOptions::default()
    };
    let files = input.files.into_iter().take(24).map(|f| {
        let bytes: Arc<dyn Content> = Arc::new(MemContent::new(f.bytes));
        (f.path, bytes)
    });
    if input.through_validation {
        let mut drivers = sample::sample_drivers();
        for (path, content) in files {
            drivers.insert(format!("amd64/viostor/{path}"), content);
        }
        let guest_tools = embedded::guest_tools();
        let spec = embedded::spec_file("win7-virtio-win.json").expect("shipped spec");
        let input = ValidateInput {
            contract_found: None,
            drivers: &drivers,
            guest_tools: &guest_tools,
            spec_name: "win7-virtio-win.json",
            spec_json: spec,
            contract: None,
            signing_policy: opts.signing_policy,
        };
        let (report, set) =
            build::package(&input, &Default::default(), &opts).expect("the shipped spec parses");
        assert_eq!(report.has_errors(), set.is_none());
        if let Some(set) = set {
            check(&set);
            let (_, staged) =
                validate::validate(&input, &Default::default()).expect("the shipped spec parses");
            check_shared(&staged, &opts, &set, piece_work, keep);
        }
        return;
    }
    // Staged directly: no validation, so names and case clashes are whatever the fuzzer says;
    // the zip reader refuses case-only clashes, so those are left out of this shape.
    let mut by_path: BTreeMap<String, Arc<dyn Content>> = BTreeMap::new();
    let mut folded: BTreeMap<String, String> = BTreeMap::new();
    for (path, content) in files {
        let prefixes = path
            .match_indices('/')
            .map(|(i, _)| &path[..i])
            .chain([path.as_str()]);
        let clash = prefixes
            .clone()
            .any(|p| folded.get(&p.to_lowercase()).is_some_and(|o| o != p));
        if path == "manifest.json" || clash || by_path.contains_key(&path) {
            continue;
        }
        for p in prefixes {
            folded.insert(p.to_lowercase(), p.to_string());
        }
        by_path.insert(path, content);
    }
    let staged = Staged {
        files: by_path.into_iter().collect(),
        spec: InputRef {
            name: "spec.json".into(),
            sha256: "0".repeat(64),
        },
        contract: None,
        packages: Vec::new(),
        layout: Default::default(),
        tools: Vec::new(),
    };
    let mut mine = staged.clone();
    if let Ok((_, Some(set))) = build::build(&mut mine, &opts) {
        check(&set);
        check_shared(&staged, &opts, &set, piece_work, keep);
    }
});
