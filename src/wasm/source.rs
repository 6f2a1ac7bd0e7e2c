//! Byte sources backed by JavaScript objects: a `Blob` (a dropped `File`) read on demand, and
//! a `Uint8Array` copied once into memory.
//!
//! This module does not decide what the bytes are (zip or not): [`super::api`] does.

use crate::source::{MemSource, ReadAt};
use std::cell::RefCell;
use std::io;
use wasm_bindgen::JsCast;
use web_sys::{Blob, FileReaderSync};

thread_local! {
    /// The blobs behind live [`BlobSource`]s, by slot. A JS object cannot be `Send`, but the
    /// core's `ReadAt` must be; keeping the `Blob` here and only a slot number in the source
    /// satisfies that without `unsafe`. wasm32 has one thread, so every source finds its blob;
    /// on another thread the slot would be empty and reads would fail cleanly.
    static BLOBS: RefCell<Vec<Option<Blob>>> = const { RefCell::new(Vec::new()) };
}

/// Random access to a `Blob` through `blob.slice()` + `FileReaderSync`: nothing is loaded
/// until the core asks for a range, so a multi-gigabyte bundle costs no memory up front.
/// `FileReaderSync` exists only in dedicated workers.
pub struct BlobSource {
    slot: usize,
    len: u64,
}

impl BlobSource {
    pub fn new(blob: Blob) -> BlobSource {
        // Sizes come from JS as f64; a Blob size is always a whole number below 2^53.
        let len = blob.size() as u64;
        let slot = BLOBS.with(|b| {
            let mut b = b.borrow_mut();
            match b.iter().position(Option::is_none) {
                Some(i) => {
                    b[i] = Some(blob);
                    i
                }
                None => {
                    b.push(Some(blob));
                    b.len() - 1
                }
            }
        });
        BlobSource { slot, len }
    }

    fn blob(&self) -> io::Result<Blob> {
        BLOBS
            .with(|b| b.borrow().get(self.slot).cloned().flatten())
            .ok_or_else(|| io::Error::other("the dropped file is not reachable from this thread"))
    }
}

impl Drop for BlobSource {
    fn drop(&mut self) {
        BLOBS.with(|b| {
            if let Some(s) = b.borrow_mut().get_mut(self.slot) {
                *s = None;
            }
        });
    }
}

impl ReadAt for BlobSource {
    fn len(&self) -> u64 {
        self.len
    }

    /// The slot: [`blob_slice`] cuts the same `Blob` for the page.
    fn origin(&self) -> Option<u64> {
        Some(self.slot as u64)
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        if offset >= self.len || buf.is_empty() {
            return Ok(0);
        }
        let end = self.len.min(offset + buf.len() as u64);
        let blob = self.blob()?;
        let part = blob
            .slice_with_f64_and_f64(offset as f64, end as f64)
            .map_err(js_io)?;
        let reader = FileReaderSync::new().map_err(|e| {
            io::Error::other(format!(
                "cannot read the file here ({}); files are read in a dedicated worker",
                describe(&e)
            ))
        })?;
        let data = reader.read_as_array_buffer(&part).map_err(js_io)?;
        let bytes = js_sys::Uint8Array::new(&data);
        let n = bytes.length() as usize;
        if n > buf.len() {
            return Err(io::Error::other(
                "the file returned more bytes than asked for",
            ));
        }
        bytes.copy_to(&mut buf[..n]);
        Ok(n)
    }
}

/// Bytes `offset..offset + len` of the `Blob` behind the live [`BlobSource`] with slot
/// `origin` ([`ReadAt::origin`]), as a `Blob` of its own: no byte is read or copied.
pub fn blob_slice(origin: u64, offset: u64, len: u64) -> io::Result<Blob> {
    let blob = BLOBS
        .with(|b| b.borrow().get(origin as usize).cloned().flatten())
        .ok_or_else(|| io::Error::other("the file behind this output is no longer open"))?;
    blob.slice_with_f64_and_f64(offset as f64, (offset + len) as f64)
        .map_err(js_io)
}

/// Copies JS bytes into memory once; the copy is shared by every content that reads it.
pub fn bytes_source(bytes: &[u8]) -> MemSource {
    MemSource::new(bytes.to_vec())
}

fn js_io(e: wasm_bindgen::JsValue) -> io::Error {
    // A file that changed or vanished after it was dropped fails here (NotReadableError).
    io::Error::other(format!("reading the file failed: {}", describe(&e)))
}

/// A readable description of a thrown JS value.
pub(super) fn describe(e: &wasm_bindgen::JsValue) -> String {
    if let Some(err) = e.dyn_ref::<js_sys::Error>() {
        return String::from(err.message());
    }
    e.as_string().unwrap_or_else(|| format!("{e:?}"))
}
