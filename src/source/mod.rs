//! Random-access byte sources and lazily opened file contents.
//!
//! The core never touches a filesystem. Containers (a dropped zip, an ISO) are reached through
//! [`ReadAt`]; single files are reached through [`Content`], which opens a fresh sequential
//! reader each time the packager needs the bytes (hashing, ISO, zip). Neither trait caches, so
//! memory stays bounded by the caller's buffer, not by the payload.

pub mod authenticode;
pub mod digest;
pub mod readahead;
pub mod vtree;

use std::io::{self, Read};
use std::sync::Arc;

/// Random access to an immutable byte container (memory, a native file, a browser `Blob`).
///
/// Sizes and offsets are `u64`: on wasm32 `usize` is 32 bits.
pub trait ReadAt: Send + Sync {
    /// Total length in bytes.
    fn len(&self) -> u64;
    /// Reads up to `buf.len()` bytes at `offset`; returns 0 only at or past the end.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize>;
    /// Says that bytes `offset..offset + len` are about to be read front to back (one file's
    /// data). A source whose every read is expensive may then fetch them in few large reads
    /// ([`crate::source::readahead::ReadAhead`]); the default ignores it. Never changes what a read
    /// returns.
    fn will_read(&self, _offset: u64, _len: u64) {}
    /// A number the host gave this source, under which it can hand the source's bytes on
    /// by reference instead of copying them (a browser `Blob`, sliced): see [`Span`]. `None`
    /// (the default) for sources the host cannot refer to.
    fn origin(&self) -> Option<u64> {
        None
    }
    /// True when the source holds no bytes.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Fills `buf` completely from `offset` or fails with `UnexpectedEof`.
pub fn read_exact_at(src: &dyn ReadAt, mut offset: u64, mut buf: &mut [u8]) -> io::Result<()> {
    while !buf.is_empty() {
        let n = src.read_at(offset, buf)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "source ended early",
            ));
        }
        offset += n as u64;
        buf = &mut buf[n..];
    }
    Ok(())
}

/// An in-memory source.
#[derive(Clone)]
pub struct MemSource(pub Arc<[u8]>);

impl MemSource {
    pub fn new(bytes: impl Into<Arc<[u8]>>) -> Self {
        MemSource(bytes.into())
    }
}

impl ReadAt for MemSource {
    fn len(&self) -> u64 {
        self.0.len() as u64
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        let len = self.0.len() as u64;
        if offset >= len {
            return Ok(0);
        }
        let start = offset as usize;
        let n = buf.len().min((len - offset) as usize);
        buf[..n].copy_from_slice(&self.0[start..start + n]);
        Ok(n)
    }
}

/// Wraps a source so that every read returns at most `max` bytes: used by tests to prove
/// that results do not depend on how the host delivers bytes.
pub struct ShortReads<S> {
    pub inner: S,
    pub max: usize,
}

impl<S: ReadAt> ReadAt for ShortReads<S> {
    fn len(&self) -> u64 {
        self.inner.len()
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len().min(self.max.max(1));
        self.inner.read_at(offset, &mut buf[..n])
    }
    fn will_read(&self, offset: u64, len: u64) {
        self.inner.will_read(offset, len);
    }
    fn origin(&self) -> Option<u64> {
        self.inner.origin()
    }
}

/// Where a content's bytes lie verbatim in a source the host can refer to
/// ([`ReadAt::origin`]): bytes `offset..offset + len` of it. An output writer asked for parts
/// (`crate::output::Part`) hands such bytes on as a reference, and the host copies them from
/// its own object (a browser slices the dropped `File`), so they never pass through the core.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub origin: u64,
    pub offset: u64,
}

/// Sequential reader over a byte range of a [`ReadAt`].
pub struct RangeReader {
    src: Arc<dyn ReadAt>,
    pos: u64,
    end: u64,
}

impl RangeReader {
    pub fn new(src: Arc<dyn ReadAt>, offset: u64, len: u64) -> Self {
        src.will_read(offset, len);
        RangeReader {
            src,
            pos: offset,
            end: offset.saturating_add(len),
        }
    }
}

impl Read for RangeReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos >= self.end || buf.is_empty() {
            return Ok(0);
        }
        let want = buf
            .len()
            .min((self.end - self.pos).min(usize::MAX as u64) as usize);
        let n = self.src.read_at(self.pos, &mut buf[..want])?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "source ended before the range did",
            ));
        }
        self.pos += n as u64;
        Ok(n)
    }
}

/// The bytes of one file, opened on demand.
///
/// `open` may be called several times (hash pass, ISO pass, zip pass); each call yields the
/// same bytes from the start. Implementations must return exactly `len()` bytes or an error.
pub trait Content: Send + Sync {
    fn len(&self) -> u64;
    fn open(&self) -> io::Result<Box<dyn Read + Send + '_>>;
    /// The CRC-32 every reader from [`Content::open`] checks its bytes against before it
    /// reports the end (a zip entry's recorded CRC): a read to the end that did not fail
    /// delivered bytes with this CRC, so callers need not compute it again. `None` (the
    /// default) when the content does not check itself.
    fn checked_crc32(&self) -> Option<u32> {
        None
    }
    /// Where the content's `len()` bytes lie verbatim in a source the host can refer to, when
    /// they do (a stored entry of a dropped zip, a file of a dropped ISO); `None` by default.
    fn span(&self) -> Option<Span> {
        None
    }
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Content held in memory (generated files such as `devices.cmd` and the manifest).
#[derive(Clone)]
pub struct MemContent(pub Arc<[u8]>);

impl MemContent {
    pub fn new(bytes: impl Into<Arc<[u8]>>) -> Self {
        MemContent(bytes.into())
    }
}

impl Content for MemContent {
    fn len(&self) -> u64 {
        self.0.len() as u64
    }
    fn open(&self) -> io::Result<Box<dyn Read + Send + '_>> {
        Ok(Box::new(&self.0[..]))
    }
}

/// Content stored verbatim in a range of a container.
pub struct RangeContent {
    pub src: Arc<dyn ReadAt>,
    pub offset: u64,
    pub len: u64,
}

impl Content for RangeContent {
    fn len(&self) -> u64 {
        self.len
    }
    fn open(&self) -> io::Result<Box<dyn Read + Send + '_>> {
        Ok(Box::new(RangeReader::new(
            self.src.clone(),
            self.offset,
            self.len,
        )))
    }
    fn span(&self) -> Option<Span> {
        let origin = self.src.origin()?;
        Some(Span {
            origin,
            offset: self.offset,
        })
    }
}

/// Reads a whole content into memory, refusing anything larger than `max` bytes.
/// Only for small text files (INF, spec, devices.cmd) that must be parsed as a whole.
pub fn read_to_vec(content: &dyn Content, max: u64) -> io::Result<Vec<u8>> {
    let len = content.len();
    if len > max {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("file is {len} bytes, over the {max}-byte limit for parsed text"),
        ));
    }
    let mut out = Vec::with_capacity(len as usize);
    content
        .open()?
        .take(max.saturating_add(1))
        .read_to_end(&mut out)?;
    if out.len() as u64 != len {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("declared {len} bytes but read {}", out.len()),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_reader_reads_only_its_range_through_short_reads() {
        let src: Arc<dyn ReadAt> = Arc::new(ShortReads {
            inner: MemSource::new(&b"0123456789"[..]),
            max: 3,
        });
        let mut out = String::new();
        RangeReader::new(src, 2, 5)
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, "23456");
    }

    #[test]
    fn read_to_vec_refuses_oversized_content() {
        let c = MemContent::new(&b"abcdef"[..]);
        assert!(read_to_vec(&c, 5).is_err());
        assert_eq!(read_to_vec(&c, 6).unwrap(), b"abcdef");
    }
}
