//! Lazily opened contents of zip entries, checked while they are read.
//!
//! Nothing is read until `open()`. Deflated entries are inflated on the fly from their byte
//! range; both stored and deflated entries count the bytes and compute CRC-32 as they go and fail
//! at the end when either differs from the central directory. Inflating more bytes than declared
//! fails at once (the zip bomb guard), without handing those bytes out.

use crate::source::{Content, RangeReader, ReadAt, Span};
use flate2::read::DeflateDecoder;
use std::io::{self, Read};
use std::sync::Arc;

/// How an entry's bytes are stored in the archive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryMethod {
    Stored,
    Deflated,
}

/// One zip entry's data: a byte range of the archive plus what the directory says about it.
pub struct ZipEntryContent {
    src: Arc<dyn ReadAt>,
    name: String,
    method: EntryMethod,
    offset: u64,
    compressed_size: u64,
    size: u64,
    crc32: u32,
}

impl ZipEntryContent {
    pub(crate) fn new(
        src: Arc<dyn ReadAt>,
        name: String,
        method: EntryMethod,
        offset: u64,
        compressed_size: u64,
        size: u64,
        crc32: u32,
    ) -> Self {
        ZipEntryContent {
            src,
            name,
            method,
            offset,
            compressed_size,
            size,
            crc32,
        }
    }

    pub fn method(&self) -> EntryMethod {
        self.method
    }
}

impl Content for ZipEntryContent {
    fn len(&self) -> u64 {
        self.size
    }

    fn checked_crc32(&self) -> Option<u32> {
        Some(self.crc32)
    }

    /// A stored entry's bytes are its data range in the archive. Handing them on by reference
    /// skips this reader's CRC check: the digest pass made it when it read them.
    fn span(&self) -> Option<Span> {
        if self.method != EntryMethod::Stored || self.compressed_size != self.size {
            return None;
        }
        Some(Span {
            origin: self.src.origin()?,
            offset: self.offset,
        })
    }

    fn open(&self) -> io::Result<Box<dyn Read + Send + '_>> {
        let range = RangeReader::new(self.src.clone(), self.offset, self.compressed_size);
        let inner: Box<dyn Read + Send> = match self.method {
            EntryMethod::Stored => Box::new(range),
            EntryMethod::Deflated => Box::new(DeflateDecoder::new(range)),
        };
        Ok(Box::new(Checked {
            inner,
            entry: self,
            seen: 0,
            crc: crc32fast::Hasher::new(),
        }))
    }
}

/// Passes bytes through while counting them and computing their CRC-32.
struct Checked<'a> {
    inner: Box<dyn Read + Send>,
    entry: &'a ZipEntryContent,
    seen: u64,
    crc: crc32fast::Hasher,
}

impl Read for Checked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        // Ask for at most one byte past the declared size: enough to notice an overrun
        // without inflating further.
        let room = self.entry.size - self.seen.min(self.entry.size);
        let want = buf
            .len()
            .min(room.saturating_add(1).min(usize::MAX as u64) as usize);
        let n = self
            .inner
            .read(&mut buf[..want])
            .map_err(|e| self.fail(e.kind(), &e.to_string()))?;
        if n == 0 {
            if self.seen != self.entry.size {
                let msg = format!(
                    "ends after {} of its {} bytes (corrupt zip)",
                    self.seen, self.entry.size
                );
                return Err(self.fail(io::ErrorKind::UnexpectedEof, &msg));
            }
            if self.crc.clone().finalize() != self.entry.crc32 {
                return Err(self.fail(io::ErrorKind::InvalidData, "crc32 mismatch (corrupt zip)"));
            }
            return Ok(0);
        }
        self.seen += n as u64;
        if self.seen > self.entry.size {
            let msg = format!(
                "inflates to more than the {} bytes its header declares (zip bomb?)",
                self.entry.size
            );
            return Err(self.fail(io::ErrorKind::InvalidData, &msg));
        }
        self.crc.update(&buf[..n]);
        Ok(n)
    }
}

impl Checked<'_> {
    fn fail(&self, kind: io::ErrorKind, what: &str) -> io::Error {
        io::Error::new(kind, format!("zip entry '{}': {what}", self.entry.name))
    }
}
