//! Shared by the parity suites: run one case through the core, drain the three outputs,
//! and compare them with the golden hashes in `tests/golden/parity.json`.
//!
//! The same code runs natively and on wasm32. Natively, `UPDATE_GOLDEN=1` rewrites the
//! entries of the cases that ran; on wasm32 the golden file is compiled in and only read.
#![allow(dead_code)]

use guestpack::build::shared::{self, FileDigest, Output};
use guestpack::build::{self, BuildOptions, MediaSet};
use guestpack::bundled::embedded;
use guestpack::source::vtree::VTree;
use guestpack::validate::signing::SigningPolicy;
use guestpack::validate::{self, Staged, ValidateInput};
use guestpack::Report;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Read;

/// Golden hashes as they were when this test binary was compiled.
pub const GOLDEN: &str = include_str!("../golden/parity.json");

/// Granularity of the per-block hashes kept in the golden file: they locate the first
/// difference when a whole-file hash does not match.
pub const BLOCK: usize = 64 * 1024;

/// One parity case: inputs plus options.
pub struct Case<'a> {
    pub drivers: &'a VTree,
    pub guest_tools: Option<&'a VTree>,
    pub spec: &'a str,
    pub spec_json: Option<&'a [u8]>,
    pub contract: Option<(&'a str, &'a [u8])>,
    pub opts: BuildOptions,
    /// The OS folders to take (`--os`), none by default.
    pub os: Option<&'a str>,
    /// The drivers are the built-in sample: without a guest-tools payload of its own, the case
    /// gets what the CLI and the page give the sample (its certificate under policy test).
    pub sample: bool,
}

impl<'a> Case<'a> {
    pub fn new(drivers: &'a VTree, spec: &'a str) -> Case<'a> {
        Case {
            drivers,
            guest_tools: None,
            spec,
            spec_json: None,
            contract: None,
            // Built for policy none unless a case says otherwise: the built-in payload has no
            // certificate, which the default policy (test) requires, and the sample's catalogs
            // are test-signed, which production refuses.
            opts: BuildOptions {
                signing_policy: SigningPolicy::None,
                ..BuildOptions::default()
            },
            os: None,
            sample: false,
        }
    }

    /// The built-in sample with every default (policy test, its certificate, the default spec).
    pub fn sample_defaults(drivers: &'a VTree) -> Case<'a> {
        let mut case = Case::new(drivers, embedded::DEFAULT_SPEC);
        case.opts = BuildOptions::default();
        case.sample = true;
        case
    }

    pub fn policy(mut self, p: SigningPolicy) -> Self {
        self.opts.signing_policy = p;
        self
    }

    /// Takes the OS folders `list` names (`"w7,w10"`), as `--os` does.
    pub fn os(mut self, list: &'a str) -> Self {
        self.os = Some(list);
        self
    }

    /// Validates and plans; `None` when the input is rejected.
    pub fn package(&self) -> (Report, Option<MediaSet>) {
        let opts = validate::ValidateOptions {
            layout: validate::layout::LayoutOptions {
                os: self.os.map(str::to_string),
            },
            ..Default::default()
        };
        self.with_input(|input| {
            build::package(input, &opts, &self.opts)
                .unwrap_or_else(|e| panic!("case with spec {}: fatal error: {e}", self.spec))
        })
    }

    /// Validates with `opts`, accepted or not.
    pub fn validate_with(&self, opts: &validate::ValidateOptions) -> (Report, Staged) {
        self.with_input(|input| {
            validate::validate(input, opts)
                .unwrap_or_else(|e| panic!("case with spec {}: fatal error: {e}", self.spec))
        })
    }

    /// Validates only; panics with the findings when the input is rejected.
    pub fn stage(&self) -> Staged {
        let (report, staged) = self.with_input(|input| {
            validate::validate(input, &Default::default())
                .unwrap_or_else(|e| panic!("case with spec {}: fatal error: {e}", self.spec))
        });
        assert!(
            !report.has_errors(),
            "rejected:\n{}",
            findings_text(&report)
        );
        staged
    }

    fn with_input<R>(&self, f: impl FnOnce(&ValidateInput) -> R) -> R {
        let embedded_tools =
            guestpack::bundled::default_guest_tools(self.sample, self.opts.signing_policy);
        let spec_json = match self.spec_json {
            Some(b) => b,
            None => embedded::spec_file(self.spec)
                .unwrap_or_else(|| panic!("no shipped spec {:?}", self.spec)),
        };
        let input = ValidateInput {
            contract_found: None,
            drivers: self.drivers,
            guest_tools: self.guest_tools.unwrap_or(&embedded_tools),
            spec_name: self.spec,
            spec_json,
            contract: self.contract,
            signing_policy: self.opts.signing_policy,
        };
        f(&input)
    }

    /// Packages and drains; panics with the findings when the input is rejected.
    pub fn outputs(&self, chunk: usize) -> Outputs {
        let (report, set) = self.package();
        let set = set.unwrap_or_else(|| panic!("rejected:\n{}", findings_text(&report)));
        Outputs::drain(&set, chunk)
    }
}

/// The media of `case` built the way several workers share a build: each of `workers`
/// validates on its own and digests every `workers`-th file (in reverse order), keeping the
/// compressed bytes of small files within `keep` bytes; the digests are put back in staged
/// order and every worker plans from them with what it kept; each output is then read piece
/// by piece (pieces of at least `min_work`, cut where the keeper changes), every piece from
/// the worker that kept its entries (else from the first), and the pieces concatenated.
pub fn shared_build(case: &Case, workers: usize, min_work: u64, keep: u64) -> Outputs {
    let mut staged_lists = Vec::new();
    let mut kept_by = Vec::new();
    let mut all: Vec<Option<FileDigest>> = Vec::new();
    let mut owner: BTreeMap<String, u32> = BTreeMap::new();
    for w in 0..workers {
        let staged = case.stage();
        all.resize(staged.files.len(), None);
        let mine: Vec<usize> = (0..staged.files.len())
            .filter(|i| i % workers == w)
            .rev()
            .collect();
        let mut budget = keep;
        let digested =
            shared::digest_files_keeping(&staged, &mine, case.opts.zip_level, &mut budget)
                .unwrap_or_else(|e| panic!("digest: {e}"));
        let mut kept = shared::Kept::new();
        let mut digests = Vec::new();
        for (&i, (d, k)) in mine.iter().zip(digested) {
            if let Some(k) = k {
                kept.insert(i, k);
                owner.insert(staged.files[i].0.clone(), w as u32);
            }
            digests.push(d);
        }
        // Through the wire format, as between workers.
        let wire = shared::encode_all(&digests);
        let back = FileDigest::decode_all(&wire).expect("records decode");
        assert_eq!(back, digests);
        for (i, d) in mine.into_iter().zip(back) {
            assert!(all[i].replace(d).is_none(), "file {i} digested twice");
        }
        staged_lists.push(staged);
        kept_by.push(kept);
    }
    assert!(
        keep == 0 || !owner.is_empty(),
        "a keeping budget kept nothing"
    );
    assert!(keep > 0 || owner.is_empty());
    let all: Vec<FileDigest> = all
        .into_iter()
        .map(|d| d.expect("every file digested"))
        .collect();
    let sets: Vec<MediaSet> = staged_lists
        .iter_mut()
        .zip(kept_by)
        .map(|(staged, kept)| {
            let (found, set) = shared::build_from_digests_keeping(staged, &case.opts, &all, kept)
                .unwrap_or_else(|e| panic!("plan from digests: {e}"));
            set.unwrap_or_else(|| panic!("the catalog check rejected the digests: {found:?}"))
        })
        .collect();
    let by_pieces = |output: Output, len: u64| -> Vec<u8> {
        let who = |path: &str| owner.get(path).copied();
        let pieces = shared::pieces_owned(&sets[0], output, min_work, &who);
        assert_eq!(pieces.first().map(|p| p.0.start), Some(0));
        assert_eq!(pieces.last().map(|p| p.0.end), Some(len));
        let mut out = Vec::new();
        for (p, o) in pieces {
            let set = &sets[o.unwrap_or(0) as usize];
            let mut r = shared::reader_from(set, output, p.start)
                .unwrap_or_else(|e| panic!("{output:?} piece at {}: {e}", p.start));
            out.extend(drain(
                &mut (&mut r).take(p.end - p.start),
                65536,
                p.end - p.start,
            ));
        }
        out
    };
    Outputs {
        iso: by_pieces(Output::Iso, sets[0].iso.len()),
        zip: by_pieces(Output::Zip, sets[0].zip.len()),
        manifest: by_pieces(Output::Manifest, sets[0].manifest_bytes.len() as u64),
    }
}

pub fn findings_text(report: &Report) -> String {
    report.findings.iter().map(|f| format!("{f}\n")).collect()
}

/// The three outputs of one build.
#[derive(PartialEq, Eq)]
pub struct Outputs {
    pub iso: Vec<u8>,
    pub zip: Vec<u8>,
    pub manifest: Vec<u8>,
}

impl Outputs {
    /// Drains each reader in `chunk`-byte requests, the way a JS caller pulls chunks.
    pub fn drain(set: &MediaSet, chunk: usize) -> Outputs {
        let iso = drain(&mut set.iso.reader(), chunk, set.iso.len());
        let zip = drain(&mut set.zip.reader(), chunk, set.zip.len());
        let manifest = drain(
            &mut &set.manifest_bytes[..],
            chunk,
            set.manifest_bytes.len() as u64,
        );
        Outputs { iso, zip, manifest }
    }

    pub fn named(&self) -> [(&'static str, &[u8]); 3] {
        [
            ("iso", &self.iso),
            ("zip", &self.zip),
            ("manifest", &self.manifest),
        ]
    }
}

/// Reads to the end in requests of `chunk` bytes and checks the planned length.
pub fn drain(r: &mut dyn Read, chunk: usize, planned: u64) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; chunk];
    loop {
        let n = r.read(&mut buf).expect("output reader failed");
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
    }
    assert_eq!(
        out.len() as u64,
        planned,
        "output length differs from the planned length"
    );
    out
}

pub fn sha256_hex(b: &[u8]) -> String {
    Sha256::digest(b)
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}

/// `{len, sha256, blocks}`: blocks are the first 16 hex digits of each 64 KiB block's SHA-256.
pub fn describe(bytes: &[u8]) -> Value {
    let blocks: Vec<String> = bytes
        .chunks(BLOCK)
        .map(|b| sha256_hex(b)[..16].to_string())
        .collect();
    json!({ "len": bytes.len(), "sha256": sha256_hex(bytes), "blocks": blocks })
}

/// The zip as the `zip` crate reads it, an independent reader: every entry inflated (its CRC
/// checked by the crate) must be exactly what the manifest lists, plus `manifest.json` itself.
fn check_zip_with_the_zip_crate(case: &str, out: &Outputs) {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(out.zip.as_slice()))
        .unwrap_or_else(|e| panic!("{case}: the zip crate cannot open the zip: {e}"));
    let manifest: Value = serde_json::from_slice(&out.manifest).expect("manifest is JSON");
    let mut want: BTreeMap<String, (u64, String)> = manifest["files"]
        .as_array()
        .expect("manifest files")
        .iter()
        .map(|f| {
            let path = f["path"].as_str().expect("path").to_string();
            let size = f["size"].as_u64().expect("size");
            (
                path,
                (size, f["sha256"].as_str().expect("sha256").to_string()),
            )
        })
        .collect();
    want.insert(
        "manifest.json".into(),
        (out.manifest.len() as u64, sha256_hex(&out.manifest)),
    );
    let mut got = BTreeMap::new();
    for i in 0..archive.len() {
        let mut entry = archive
            .by_index(i)
            .unwrap_or_else(|e| panic!("{case}: zip entry {i}: {e}"));
        let name = entry
            .name()
            .map(|n| n.into_owned())
            .unwrap_or_else(|e| panic!("{case}: zip entry {i}: name: {e}"));
        let mut bytes = Vec::new();
        entry
            .read_to_end(&mut bytes)
            .unwrap_or_else(|e| panic!("{case}: {name}: {e}"));
        got.insert(name, (bytes.len() as u64, sha256_hex(&bytes)));
    }
    assert!(
        got == want,
        "{case}: the zip crate reads other files than the manifest lists"
    );
}

/// Compares `out` with the golden entry `case`; natively with `UPDATE_GOLDEN=1`, records it.
/// The zip is also read back with the `zip` crate.
pub fn check_golden(case: &str, out: &Outputs) {
    check_zip_with_the_zip_crate(case, out);
    let mine = json!({
        "iso": describe(&out.iso),
        "zip": describe(&out.zip),
        "manifest": describe(&out.manifest),
    });
    if update::requested() {
        update::record(case, mine);
        return;
    }
    let golden: Value =
        serde_json::from_str(GOLDEN).expect("tests/golden/parity.json is valid JSON");
    let Some(want) = golden.get(case) else {
        panic!("no golden hashes for case {case:?}; run `UPDATE_GOLDEN=1 cargo test --test parity` natively and commit tests/golden/parity.json")
    };
    let mut problems = Vec::new();
    for (name, bytes) in out.named() {
        let w = &want[name];
        if w["sha256"] == mine[name]["sha256"] {
            continue;
        }
        problems.push(mismatch(case, name, bytes, w));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Says which output differs, how, and from which 64 KiB block on.
fn mismatch(case: &str, name: &str, bytes: &[u8], want: &Value) -> String {
    let got = describe(bytes);
    let mut msg = format!(
        "{case}: {name} differs: got {} bytes sha256 {}, golden {} bytes sha256 {}",
        got["len"], got["sha256"], want["len"], want["sha256"]
    );
    let (g, w) = (got["blocks"].as_array(), want["blocks"].as_array());
    if let (Some(g), Some(w)) = (g, w) {
        match g.iter().zip(w.iter()).position(|(a, b)| a != b) {
            Some(i) => {
                msg += &format!(
                    "; first difference within bytes {}..{}",
                    i * BLOCK,
                    (i + 1) * BLOCK
                )
            }
            None => {
                msg += &format!(
                    "; common blocks agree, lengths differ from byte {}",
                    g.len().min(w.len()) * BLOCK
                )
            }
        }
    }
    msg
}

#[cfg(not(target_arch = "wasm32"))]
mod update {
    use serde_json::Value;
    use std::sync::Mutex;

    /// Serializes read-modify-write of the golden file across parallel tests.
    static LOCK: Mutex<()> = Mutex::new(());

    pub fn requested() -> bool {
        std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1")
    }

    pub fn record(case: &str, value: Value) {
        let _guard = LOCK.lock().unwrap_or_else(|p| p.into_inner());
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/parity.json");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|_| "{}".into());
        let mut all: std::collections::BTreeMap<String, Value> =
            serde_json::from_str(&text).unwrap_or_default();
        all.insert(case.to_string(), value);
        let mut out = serde_json::to_string_pretty(&all).expect("golden serializes");
        out.push('\n');
        std::fs::write(&path, out).expect("write tests/golden/parity.json");
        eprintln!("updated golden hashes for {case}");
    }
}

#[cfg(target_arch = "wasm32")]
mod update {
    /// The golden file is written by the native run only; wasm must match it as it is.
    pub fn requested() -> bool {
        false
    }
    pub fn record(_case: &str, _value: serde_json::Value) {}
}
