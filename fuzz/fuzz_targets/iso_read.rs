//! Fuzzes the ISO9660 reader: `IsoFs::open`, `to_vtree`, every file read, and the structure
//! audit, on arbitrary bytes.
//!
//! Invariants beyond "no panic": every error names the image; accepted paths have no empty,
//! `.` or `..` component and are unique; every file's range lies inside the image and reads
//! back exactly its declared length.
#![no_main]

use guestpack::input::iso::{check_structure, IsoFs};
use guestpack::source::{MemSource, ReadAt};
use libfuzzer_sys::fuzz_target;
use std::io::Read;
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    // Inputs are tiny next to a real image: the interesting sectors (16+) need padding, so the
    // fuzzer's bytes are laid out from sector 16 on.
    let mut image = vec![0u8; 16 * 2048];
    image.extend_from_slice(data);
    let len = image.len() as u64;
    let src: Arc<dyn ReadAt> = Arc::new(MemSource::new(image));
    let _ = check_structure(src.as_ref());
    let fs = match IsoFs::open(src.clone(), "fuzz.iso") {
        Ok(fs) => fs,
        Err(e) => {
            assert!(e.to_string().starts_with("fuzz.iso: "), "{e}");
            return;
        }
    };
    let _ = fs.volume_id();
    let tree = match fs.to_vtree() {
        Ok(t) => t,
        Err(e) => {
            assert!(e.to_string().starts_with("fuzz.iso: "), "{e}");
            return;
        }
    };
    for (path, content) in tree.files() {
        assert!(
            path.split('/')
                .all(|c| !c.is_empty() && c != "." && c != ".."),
            "{path:?}"
        );
        assert!(content.len() <= len, "{path:?} is longer than the image");
        let mut out = Vec::new();
        let n = content
            .open()
            .and_then(|r| r.take(len + 1).read_to_end(&mut out))
            .expect("a file the reader accepted must be readable");
        assert_eq!(n as u64, content.len(), "{path:?}");
    }
});
