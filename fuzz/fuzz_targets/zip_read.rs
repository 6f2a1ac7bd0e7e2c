//! Fuzzes the zip bundle reader: `read_zip` on arbitrary bytes (our end-record checks, then the
//! `zip` crate's directory parse behind them), then every entry read to the end.
//!
//! Invariants beyond "no panic": every error names the archive; every accepted path obeys the
//! safety rule and the limits; no two paths differ only by case; a content that reads without
//! error yields exactly its declared length and stays within the size limit.
#![no_main]

use guestpack::input::zip::{read_zip, ZipLimits};
use guestpack::source::{MemSource, ReadAt};
use libfuzzer_sys::fuzz_target;
use std::collections::BTreeSet;
use std::io::Read;
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    // Small limits keep every run's memory and time bounded whatever the archive declares.
    let limits = ZipLimits {
        max_entries: 4096,
        max_total_uncompressed: 8 << 20,
        max_file_size: 1 << 20,
        max_ratio: 1000,
        max_depth: 16,
    };
    let src: Arc<dyn ReadAt> = Arc::new(MemSource::new(data.to_vec()));
    let tree = match read_zip(src, "fuzz.zip", &limits) {
        Ok(t) => t,
        Err(e) => {
            let msg = e.to_string();
            assert!(
                msg.starts_with("fuzz.zip: "),
                "error does not name the archive: {msg}"
            );
            return;
        }
    };
    assert!(tree.file_count() as u64 <= limits.max_entries);
    let mut folded = BTreeSet::new();
    let mut total = 0u64;
    for (path, content) in tree.files() {
        assert!(!path.is_empty() && !path.starts_with('/'), "{path:?}");
        assert!(!path.contains(['\\', ':', '\0']), "{path:?}");
        assert!(
            path.split('/')
                .all(|c| !c.is_empty() && c != "." && c != ".."),
            "{path:?}"
        );
        assert!(
            path.split('/').count() <= limits.max_depth as usize,
            "{path:?}"
        );
        assert!(
            folded.insert(path.to_lowercase()),
            "case duplicate {path:?}"
        );
        assert!(content.len() <= limits.max_file_size);
        total += content.len();
        let mut out = Vec::new();
        let read = content
            .open()
            .and_then(|r| r.take(limits.max_file_size + 1).read_to_end(&mut out));
        match read {
            Ok(n) => {
                assert_eq!(
                    n as u64,
                    content.len(),
                    "{path:?} read a different length than declared"
                );
            }
            Err(e) => {
                let msg = e.to_string();
                assert!(!msg.is_empty());
                // Never more than one byte past the declared size is handed out.
                assert!(out.len() as u64 <= content.len(), "{path:?}: {msg}");
            }
        }
    }
    assert!(total <= limits.max_total_uncompressed);
});
