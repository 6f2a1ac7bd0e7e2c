//! Pull-style producer of the planned archive bytes.
//!
//! [`ZipReader`] walks the plan: local header, data, next entry, then the central directory
//! and the end records, generating each header when it is reached. File data is streamed
//! (compressed again for deflated entries) and checked against the plan; a file whose bytes
//! changed since planning turns into an `io::Error` instead of a silently corrupt archive.
//! It never seeks and holds at most one header and one compressor at a time.

use super::headers::{central_header, local_header};
use super::{Method, PlannedEntry, ZipPlan};
use crate::deflate::ChunkedDeflater;
use std::io::{self, Read};

type Source<'a> = Box<dyn Read + Send + 'a>;

enum Stage {
    Local(usize),
    Central(usize),
    Tail,
    Done,
}

/// Reads the archive described by a [`ZipPlan`] from start to end.
pub struct ZipReader<'a> {
    plan: &'a ZipPlan,
    stage: Stage,
    head: Vec<u8>,
    head_pos: usize,
    data: Option<Data<'a>>,
    pos: u64,
}

impl<'a> ZipReader<'a> {
    pub(crate) fn new(plan: &'a ZipPlan) -> Self {
        ZipReader {
            plan,
            stage: Stage::Local(0),
            head: Vec::new(),
            head_pos: 0,
            data: None,
            pos: 0,
        }
    }

    /// Bytes produced so far.
    pub fn position(&self) -> u64 {
        self.pos
    }

    /// Moves to the next record once the current header and data are exhausted.
    fn advance(&mut self) -> io::Result<bool> {
        let plan = self.plan;
        self.head_pos = 0;
        self.head.clear();
        match self.stage {
            Stage::Local(i) => match plan.entries.get(i) {
                Some(e) => {
                    self.head = local_header(e, plan.dos);
                    self.data = Some(Data::open(e, plan.level)?);
                    self.stage = Stage::Local(i + 1);
                }
                None => self.stage = Stage::Central(0),
            },
            Stage::Central(i) => match plan.entries.get(i) {
                Some(e) => {
                    self.head = central_header(e, plan.dos);
                    self.stage = Stage::Central(i + 1);
                }
                None => self.stage = Stage::Tail,
            },
            Stage::Tail => {
                self.head = plan.tail.bytes(plan.limit);
                self.stage = Stage::Done;
            }
            Stage::Done => return Ok(false),
        }
        Ok(true)
    }
}

impl Read for ZipReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if self.head_pos < self.head.len() {
                let n = buf.len().min(self.head.len() - self.head_pos);
                buf[..n].copy_from_slice(&self.head[self.head_pos..self.head_pos + n]);
                self.head_pos += n;
                self.pos += n as u64;
                return Ok(n);
            }
            if let Some(d) = &mut self.data {
                let n = d.read(buf)?;
                if n > 0 {
                    self.pos += n as u64;
                    return Ok(n);
                }
                self.data = None;
            }
            if !self.advance()? {
                return Ok(0);
            }
        }
    }
}

enum Inner<'a> {
    Stored(Source<'a>, crc32fast::Hasher),
    Deflated(Box<ChunkedDeflater<Source<'a>>>),
}

/// The data of one entry, limited to its planned compressed size and verified at the end.
struct Data<'a> {
    entry: &'a PlannedEntry,
    inner: Inner<'a>,
    remaining: u64,
}

impl<'a> Data<'a> {
    fn open(entry: &'a PlannedEntry, level: u32) -> io::Result<Self> {
        let src = entry.content.open().map_err(|e| with_path(entry, e))?;
        let inner = match entry.method {
            Method::Stored => Inner::Stored(src, crc32fast::Hasher::new()),
            Method::Deflated => Inner::Deflated(Box::new(ChunkedDeflater::new(src, level))),
        };
        Ok(Data {
            entry,
            inner,
            remaining: entry.compressed_size,
        })
    }

    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.remaining == 0 {
            self.finish()?;
            return Ok(0);
        }
        let want = buf
            .len()
            .min(self.remaining.min(usize::MAX as u64) as usize);
        let n = loop {
            let r = match &mut self.inner {
                Inner::Stored(src, crc) => src
                    .read(&mut buf[..want])
                    .inspect(|&n| crc.update(&buf[..n])),
                Inner::Deflated(d) => d.read(&mut buf[..want]),
            };
            match r {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                r => break r.map_err(|e| with_path(self.entry, e))?,
            }
        };
        if n == 0 {
            return Err(changed(self.entry, "it became shorter"));
        }
        self.remaining -= n as u64;
        Ok(n)
    }

    /// Checks that the source ended exactly where planned and still has the planned CRC.
    fn finish(&mut self) -> io::Result<()> {
        let mut probe = [0u8; 1];
        let (extra, crc, total) = match &mut self.inner {
            Inner::Stored(src, crc) => (
                read_retry(src, &mut probe)?,
                crc.clone().finalize(),
                self.entry.size,
            ),
            Inner::Deflated(d) => (read_retry(d.as_mut(), &mut probe)?, d.crc32(), d.total_in()),
        };
        if extra != 0 || total != self.entry.size {
            return Err(changed(self.entry, "its size differs"));
        }
        if crc != self.entry.crc32 {
            return Err(changed(self.entry, "its crc32 differs"));
        }
        Ok(())
    }
}

fn read_retry(r: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match r.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            other => return other,
        }
    }
}

fn with_path(e: &PlannedEntry, err: io::Error) -> io::Error {
    io::Error::new(err.kind(), format!("{}: {err}", e.path))
}

fn changed(e: &PlannedEntry, how: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("{}: the file changed while the zip was being written ({how}); the archive is incomplete", e.path),
    )
}
