//! ISO images as input, read the way the browser reads a dropped file: through `ReadAhead`
//! over a source whose every read is a round trip. Opening an image with hundreds of folders
//! must take a few reads, not one per folder.

use guestpack::input::iso::IsoFs;
use guestpack::source::readahead::ReadAhead;
use guestpack::source::{MemSource, ReadAt};
use std::io;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// A source that counts the reads that reach it.
struct Counting {
    inner: MemSource,
    reads: Arc<AtomicUsize>,
}

impl ReadAt for Counting {
    fn len(&self) -> u64 {
        self.inner.len()
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        self.inner.read_at(offset, buf)
    }
}

#[test]
fn an_image_with_hundreds_of_folders_opens_in_a_few_reads() {
    // virtio-win's shape: driver / OS / arch, each folder with an INF.
    let t = tempfile::tempdir().unwrap();
    let tree = t.path().join("tree");
    let (drivers, oses) = (12, 14);
    for d in 0..drivers {
        for o in 0..oses {
            for arch in ["amd64", "x86"] {
                let dir = tree.join(format!("drv{d:02}/os{o:02}/{arch}"));
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(
                    dir.join(format!("drv{d:02}.inf")),
                    format!("; {d} {o} {arch}\r\n"),
                )
                .unwrap();
            }
        }
    }
    let iso = t.path().join("tree.iso");
    let ok = Command::new("xorriso")
        .args(["-as", "mkisofs", "-quiet", "-J", "-R", "-o"])
        .arg(&iso)
        .arg(&tree)
        .status()
        .expect("xorriso is required (scripts/setup.sh installs it)")
        .success();
    assert!(ok, "xorriso failed");
    let bytes = std::fs::read(&iso).unwrap();
    let reads = Arc::new(AtomicUsize::new(0));
    let src = ReadAhead::new(Counting {
        inner: MemSource::new(bytes.clone()),
        reads: reads.clone(),
    });
    let tree_read = IsoFs::open(Arc::new(src), "tree.iso")
        .unwrap()
        .to_vtree()
        .unwrap();
    let direct = IsoFs::open(Arc::new(MemSource::new(bytes)), "tree.iso")
        .unwrap()
        .to_vtree()
        .unwrap();
    let paths = |t: &guestpack::source::vtree::VTree| {
        t.files().map(|(p, _)| p.to_string()).collect::<Vec<_>>()
    };
    assert_eq!(paths(&tree_read), paths(&direct));
    assert_eq!(paths(&direct).len(), drivers * oses * 2);
    let n = reads.load(Ordering::SeqCst);
    let folders = drivers * oses * 3 + drivers;
    assert!(n <= 6, "{n} reads for {folders} folders");
}
