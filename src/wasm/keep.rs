//! Where a worker keeps the compressed bytes of the files it digests: small files in wasm
//! memory within the native budget, every other deflated file in a `Blob`.
//!
//! A `Blob` lives outside wasm memory, in the browser, which may move it to disk; the zip
//! writer then hands its bytes on as a span ([`crate::output::parts`]) and the page puts the
//! `Blob` itself into the saved file, so a file is deflated once, by the check, and its
//! compressed bytes never come back into wasm. Bytes are gathered in wasm up to
//! [`FLUSH`] and then appended to the file's `Blob` (a `Blob` of a `Blob` and new bytes copies
//! nothing of the first), so wasm memory holds at most [`FLUSH`] per file being digested.

use super::source::BlobSource;
use crate::output::zip::{KeepStore, Keeper, MemStore, CACHE_BUDGET};
use crate::source::readahead::ReadAhead;
use crate::source::{Content, RangeContent};
use std::cell::RefCell;
use std::io;
use std::sync::Arc;
use web_sys::Blob;

/// Bytes gathered in wasm memory before they are appended to the file's `Blob`.
pub const FLUSH: usize = 4 << 20;

thread_local! {
    /// The `Blob`s being written, by slot (a JS object is not `Send`; a keeper must be).
    static PENDING: RefCell<Vec<Option<Blob>>> = const { RefCell::new(Vec::new()) };
}

/// Small files in memory as natively ([`MemStore`]), the rest in `Blob`s.
pub struct BlobStore {
    mem: MemStore,
    /// The last keeper handed out was the memory store's.
    last_in_memory: bool,
}

impl Default for BlobStore {
    fn default() -> Self {
        BlobStore {
            mem: MemStore {
                budget: CACHE_BUDGET,
            },
            last_in_memory: false,
        }
    }
}

impl KeepStore for BlobStore {
    fn keeper(&mut self, size: u64) -> Option<Box<dyn Keeper>> {
        if size == 0 {
            return None;
        }
        let mem = self.mem.keeper(size);
        self.last_in_memory = mem.is_some();
        mem.or_else(|| {
            let slot = PENDING.with(|p| {
                let mut p = p.borrow_mut();
                let i = p.iter().position(Option::is_none).unwrap_or(p.len());
                if i == p.len() {
                    p.push(None);
                }
                i
            });
            Some(Box::new(BlobKeeper {
                slot,
                buf: Vec::new(),
                len: 0,
                failed: None,
            }) as Box<dyn Keeper>)
        })
    }

    fn unused(&mut self, size: u64) {
        // Only the memory budget counts what it gave; a Blob keeper's bytes are dropped.
        if self.last_in_memory {
            self.mem.unused(size);
        }
    }
}

struct BlobKeeper {
    slot: usize,
    buf: Vec<u8>,
    len: u64,
    failed: Option<String>,
}

impl BlobKeeper {
    fn flush(&mut self) {
        if self.buf.is_empty() || self.failed.is_some() {
            return;
        }
        let bytes = js_sys::Uint8Array::from(&self.buf[..]);
        let made = PENDING.with(|p| {
            let mut p = p.borrow_mut();
            let parts = js_sys::Array::new();
            if let Some(prev) = p[self.slot].take() {
                parts.push(&prev);
            }
            parts.push(&bytes);
            Blob::new_with_u8_array_sequence(&parts).map(|b| p[self.slot] = Some(b))
        });
        match made {
            Ok(()) => self.buf.clear(),
            Err(e) => self.failed = Some(super::source::describe(&e)),
        }
    }

    fn take(&self) -> Option<Blob> {
        PENDING.with(|p| p.borrow_mut().get_mut(self.slot).and_then(Option::take))
    }
}

impl Keeper for BlobKeeper {
    fn write(&mut self, bytes: &[u8]) {
        self.len += bytes.len() as u64;
        self.buf.extend_from_slice(bytes);
        if self.buf.len() >= FLUSH {
            self.flush();
        }
    }

    fn finish(mut self: Box<Self>) -> io::Result<Arc<dyn Content>> {
        self.flush();
        let blob = self.take();
        if let Some(e) = &self.failed {
            return Err(io::Error::other(format!(
                "keeping compressed bytes failed: {e}"
            )));
        }
        let blob = match blob {
            Some(b) => b,
            None => Blob::new().map_err(|e| io::Error::other(super::source::describe(&e)))?,
        };
        if blob.size() as u64 != self.len {
            return Err(io::Error::other("the kept compressed bytes were cut short"));
        }
        let src = Arc::new(ReadAhead::new(BlobSource::new(blob)));
        Ok(Arc::new(RangeContent {
            src,
            offset: 0,
            len: self.len,
        }))
    }
}

impl Drop for BlobKeeper {
    fn drop(&mut self) {
        // A file that turned out stored, or an error: its Blob is let go.
        let _ = self.take();
    }
}
