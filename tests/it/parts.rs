//! Outputs handed out as parts (src/output/parts.rs): every span stands for exactly the bytes
//! a plain read produces there, for stored file data (ISO extents, stored zip entries) and for
//! kept compressed bytes, whatever the buffer sizes, and a caller may mix parts and reads.

use guestpack::build::shared::{self, FileDigest};
use guestpack::build::{self, BuildOptions, MediaSet};
use guestpack::bundled::sample::sample_drivers;
use guestpack::output::parts::{Part, ReadParts};
use guestpack::output::zip::{KeepStore, Keeper};
use guestpack::source::vtree::VTree;
use guestpack::source::{read_to_vec, Content, MemSource, RangeContent, ReadAt};
use guestpack::validate::Staged;
use std::collections::BTreeMap;
use std::io::{self, Read};
use std::sync::{Arc, Mutex};

/// Bytes the host holds under a number, as a browser holds a `Blob`.
struct Host {
    origin: u64,
    bytes: MemSource,
}

impl ReadAt for Host {
    fn len(&self) -> u64 {
        self.bytes.len()
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        self.bytes.read_at(offset, buf)
    }
    fn origin(&self) -> Option<u64> {
        Some(self.origin)
    }
}

type Hosts = Arc<Mutex<BTreeMap<u64, Arc<[u8]>>>>;

/// The sample drivers, every file a range of one host object (as files of a dropped ISO are).
fn hosted_drivers(hosts: &Hosts) -> VTree {
    let sample = sample_drivers();
    let mut all = Vec::new();
    let mut at = Vec::new();
    for (path, content) in sample.files() {
        let bytes = read_to_vec(content.as_ref(), u64::MAX).unwrap();
        at.push((path.to_string(), all.len() as u64, bytes.len() as u64));
        all.extend(bytes);
    }
    let all: Arc<[u8]> = all.into();
    hosts.lock().unwrap().insert(1, all.clone());
    let src: Arc<dyn ReadAt> = Arc::new(Host {
        origin: 1,
        bytes: MemSource(all),
    });
    let mut tree = VTree::new();
    for (path, offset, len) in at {
        let c = RangeContent {
            src: src.clone(),
            offset,
            len,
        };
        tree.insert(path, Arc::new(c) as Arc<dyn Content>);
    }
    tree
}

fn staged(drivers: &VTree) -> Staged {
    crate::validate_util::staged_win7(drivers)
}

fn built(staged: &mut Staged, opts: &BuildOptions) -> MediaSet {
    let (found, set) = build::build(staged, opts).unwrap();
    assert!(found.is_empty(), "{found:?}");
    set.unwrap()
}

/// Drains `r` part by part with buffers of `size`, resolving spans from `hosts`; also counts
/// the spans. Every `mix`-th call (0: never) is a plain read instead.
fn drain(r: &mut dyn ReadParts, size: usize, hosts: &Hosts, mix: usize) -> (Vec<u8>, usize) {
    let mut out = Vec::new();
    let mut buf = vec![0u8; size];
    let mut spans = 0;
    for call in 1.. {
        if mix > 0 && call % mix == 0 {
            match r.read(&mut buf).unwrap() {
                0 => break,
                n => out.extend_from_slice(&buf[..n]),
            }
            continue;
        }
        match r.read_part(&mut buf).unwrap() {
            Part::Bytes(0) => break,
            Part::Bytes(n) => out.extend_from_slice(&buf[..n]),
            Part::Span { span, len } => {
                assert!(
                    len > 0 && len <= size as u64,
                    "span of {len} for a {size}-byte buffer"
                );
                let held = hosts.lock().unwrap()[&span.origin].clone();
                out.extend_from_slice(&held[span.offset as usize..(span.offset + len) as usize]);
                spans += 1;
            }
        }
    }
    (out, spans)
}

fn plain(mut r: impl Read) -> Vec<u8> {
    let mut v = Vec::new();
    r.read_to_end(&mut v).unwrap();
    v
}

#[test]
fn spans_stand_for_the_bytes_of_stored_file_data() {
    let hosts = Hosts::default();
    let mut staged = staged(&hosted_drivers(&hosts));
    for level in [6, 0] {
        let opts = BuildOptions {
            zip_level: level,
            ..Default::default()
        };
        let set = built(&mut staged, &opts);
        let (iso, zip) = (plain(set.iso.reader()), plain(set.zip.reader()));
        for size in [1usize, 777, 4096, 1 << 20] {
            for mix in [0, 3] {
                let (got, spans) = drain(&mut set.iso.reader().with_parts(), size, &hosts, mix);
                assert!(got == iso, "ISO, level {level}, buffer {size}, mix {mix}");
                assert!(spans > 0, "the ISO's driver files come as spans");
                let (got, spans) = drain(&mut set.zip.reader().with_parts(), size, &hosts, mix);
                assert!(got == zip, "zip, level {level}, buffer {size}, mix {mix}");
                // At level 0 every driver file is a stored entry, handed on by reference.
                assert_eq!(spans > 0, level == 0, "zip spans at level {level}");
            }
        }
        // Without parts, nothing changes: a reader that was not asked never hands out spans.
        let (got, spans) = drain(&mut set.iso.reader(), 4096, &hosts, 0);
        assert!(got == iso && spans == 0);
    }
}

/// Keeps compressed bytes as host objects, one per file (as the browser keeps Blobs).
struct HostStore(Hosts);

struct HostKeeper {
    hosts: Hosts,
    bytes: Vec<u8>,
}

impl Keeper for HostKeeper {
    fn write(&mut self, bytes: &[u8]) {
        self.bytes.extend_from_slice(bytes);
    }
    fn finish(self: Box<Self>) -> io::Result<Arc<dyn Content>> {
        let mut hosts = self.hosts.lock().unwrap();
        let origin = 100 + hosts.len() as u64;
        let bytes: Arc<[u8]> = self.bytes.into();
        hosts.insert(origin, bytes.clone());
        let len = bytes.len() as u64;
        let src = Arc::new(Host {
            origin,
            bytes: MemSource(bytes),
        });
        Ok(Arc::new(RangeContent {
            src,
            offset: 0,
            len,
        }))
    }
}

impl KeepStore for HostStore {
    fn keeper(&mut self, _size: u64) -> Option<Box<dyn Keeper>> {
        Some(Box::new(HostKeeper {
            hosts: self.0.clone(),
            bytes: Vec::new(),
        }))
    }
}

#[test]
fn kept_compressed_bytes_held_by_the_host_come_as_spans() {
    // Files the host cannot refer to (the sample as it ships: in memory), so every span is
    // kept compressed bytes.
    let drivers = sample_drivers();
    let mut staged = staged(&drivers);
    let opts = BuildOptions::default();
    let want = plain(built(&mut staged, &opts).zip.reader());
    let hosts = Hosts::default();
    let all: Vec<usize> = (0..staged.files.len()).collect();
    let mut store = HostStore(hosts.clone());
    let digested =
        shared::digest_files_reporting(&staged, &all, opts.zip_level, &mut store, &mut |_| {})
            .unwrap();
    let mut kept = shared::Kept::new();
    let mut digests: Vec<FileDigest> = Vec::new();
    for (i, (d, k)) in digested.into_iter().enumerate() {
        kept.extend(k.map(|k| (i, k)));
        digests.push(d);
    }
    let deflated = digests.iter().filter(|d| d.compressed.is_some()).count();
    assert!(
        deflated > 0 && kept.len() == deflated,
        "every deflated file kept"
    );
    let (found, set) =
        shared::build_from_digests_keeping(&mut staged, &opts, &digests, kept).unwrap();
    assert!(found.is_empty(), "{found:?}");
    let set = set.unwrap();
    // Read plainly, the kept bytes are copied; as parts, they are handed on.
    assert!(plain(set.zip.reader()) == want);
    for size in [1usize, 1000, 1 << 20] {
        for mix in [0, 3] {
            let (got, spans) = drain(&mut set.zip.reader().with_parts(), size, &hosts, mix);
            assert!(got == want, "buffer {size}, mix {mix}");
            // Read plainly, an entry's data is copied from its first byte read on.
            let least = if mix == 0 { deflated } else { 1 };
            assert!(
                spans >= least,
                "{spans} spans for {deflated} kept entries, buffer {size}, mix {mix}"
            );
        }
    }
}
