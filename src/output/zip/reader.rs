//! Pull-style producer of the planned archive bytes.
//!
//! [`ZipReader`] walks the plan: local header, data, next entry, then the central directory
//! and the end records, generating each header when it is reached. File data is streamed
//! (compressed again for deflated entries) and checked against the plan; a file whose bytes
//! changed since planning turns into an `io::Error` instead of a silently corrupt archive.
//! It never seeks. Single-threaded it holds at most one header and one compressor; with
//! `threads > 1` the entries ahead are compressed by workers (`super::ahead`) within a fixed
//! memory budget. Entries whose compressed bytes were kept by the planning pass are copied.
//! Asked for parts ([`ZipReader::with_parts`]), it hands stored data and kept bytes that the
//! host can refer to on as [`Part::Span`]s instead of copying them.

use super::ahead::{Ahead, Msg};
use super::headers::{central_header, local_header};
use super::{Method, PlannedEntry, ZipPlan};
use crate::output::deflate::ChunkedDeflater;
use crate::output::parts::{Part, ReadParts};
use crate::source::{Content, Span};
use std::io::{self, Read};
use std::sync::mpsc::Receiver;

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
    ahead: Option<Ahead>,
    /// Entries' data may be handed out as spans ([`ReadParts`]).
    parts: bool,
}

impl<'a> ZipReader<'a> {
    pub(crate) fn new(plan: &'a ZipPlan) -> Self {
        Self::at_entry(plan, 0)
    }

    /// A reader that starts at the local header of entry `first` (the central directory when
    /// `first` is the entry count), producing the archive's bytes from there on.
    pub(crate) fn at_entry(plan: &'a ZipPlan, first: usize) -> Self {
        let ahead = (plan.threads > 1).then(|| {
            Ahead::start(&plan.entries, plan.level, plan.threads, |i, e| {
                i >= first && e.method == Method::Deflated && e.cached.is_none()
            })
        });
        let (stage, pos) = match plan.entries.get(first) {
            Some(e) => (Stage::Local(first), e.offset),
            None => (Stage::Central(0), plan.central_offset()),
        };
        ZipReader {
            plan,
            stage,
            head: Vec::new(),
            head_pos: 0,
            data: None,
            pos,
            ahead,
            parts: false,
        }
    }

    /// This reader, handing stored data and kept compressed bytes that the host can refer to
    /// out as spans through [`ReadParts::read_part`].
    pub fn with_parts(mut self) -> Self {
        self.parts = true;
        self
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
                    let worker = self
                        .ahead
                        .as_mut()
                        .and_then(|a| a.enter(i))
                        .map(|rx| (i, rx));
                    self.data = Some(Data::open(e, plan.level, worker, self.parts)?);
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
                let n = d.read(buf, self.ahead.as_ref())?;
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

impl ReadParts for ZipReader<'_> {
    fn read_part(&mut self, buf: &mut [u8]) -> io::Result<Part> {
        if buf.is_empty() {
            return Ok(Part::Bytes(0));
        }
        loop {
            if self.head_pos < self.head.len() {
                return self.read(buf).map(Part::Bytes);
            }
            if let Some(d) = &mut self.data {
                if d.remaining > 0 {
                    if let Some(part) = d.span_part(buf.len() as u64) {
                        self.pos += part.len();
                        return Ok(part);
                    }
                    return self.read(buf).map(Part::Bytes);
                }
                d.finish(self.ahead.as_ref())?;
                self.data = None;
            }
            if !self.advance()? {
                return Ok(Part::Bytes(0));
            }
        }
    }
}

enum Inner<'a> {
    /// The CRC is `None` when the content checks its own bytes against the planned CRC.
    Stored(Source<'a>, Option<crc32fast::Hasher>),
    Deflated(Box<ChunkedDeflater<Source<'a>>>),
    /// Compressed bytes kept by the planning pass, being copied.
    Kept(Source<'a>),
    /// Bytes (stored data or kept compressed bytes) the host can refer to: handed out as
    /// spans, or read from the content (opened on the first read) if a caller reads instead.
    Span(Span, &'a dyn Content, Option<Source<'a>>),
    Worker(FromWorker),
}

/// An entry compressed by a worker: the batch being handed out and what the worker said.
struct FromWorker {
    index: usize,
    rx: Receiver<Msg>,
    batch: Vec<u8>,
    pos: usize,
    /// (crc32, bytes read) once the worker reached the end of the source.
    end: Option<(u32, u64)>,
}

impl FromWorker {
    fn read(&mut self, buf: &mut [u8], ahead: Option<&Ahead>) -> io::Result<usize> {
        while self.pos == self.batch.len() {
            if self.end.is_some() {
                return Ok(0);
            }
            match self.rx.recv() {
                Ok(Msg::Data(b)) => {
                    if let Some(a) = ahead {
                        a.taken(self.index, b.len() as u64);
                    }
                    self.batch = b;
                    self.pos = 0;
                }
                Ok(Msg::End { crc32, total_in }) => self.end = Some((crc32, total_in)),
                Ok(Msg::Fail(e)) => return Err(e),
                Err(_) => return Err(io::Error::other("the compressing thread stopped")),
            }
        }
        let n = buf.len().min(self.batch.len() - self.pos);
        buf[..n].copy_from_slice(&self.batch[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// The data of one entry, limited to its planned compressed size and verified as soon as its
/// last byte is produced (so a reader that stops at an entry boundary has checked every entry
/// it handed out).
struct Data<'a> {
    entry: &'a PlannedEntry,
    inner: Inner<'a>,
    remaining: u64,
    verified: bool,
}

impl<'a> Data<'a> {
    fn open(
        entry: &'a PlannedEntry,
        level: u32,
        worker: Option<(usize, Receiver<Msg>)>,
        parts: bool,
    ) -> io::Result<Self> {
        let stored_span = match entry.method {
            Method::Stored if parts => entry.content.span(),
            _ => None,
        };
        let inner = match (&entry.cached, worker, stored_span) {
            (Some(kept), _, _) if entry.method == Method::Deflated => {
                if kept.len() != entry.compressed_size {
                    return Err(io::Error::other(format!(
                        "{}: kept compressed bytes do not match the plan",
                        entry.path
                    )));
                }
                match kept.span().filter(|_| parts) {
                    Some(span) => Inner::Span(span, kept.as_ref(), None),
                    None => Inner::Kept(kept.open().map_err(|e| with_path(entry, e))?),
                }
            }
            (_, _, Some(span)) => Inner::Span(span, entry.content.as_ref(), None),
            (_, Some((index, rx)), _) if entry.method == Method::Deflated => {
                Inner::Worker(FromWorker {
                    index,
                    rx,
                    batch: Vec::new(),
                    pos: 0,
                    end: None,
                })
            }
            _ => {
                let src = entry.content.open().map_err(|e| with_path(entry, e))?;
                // A content that checks itself against the planned CRC (a zip entry whose
                // recorded CRC the hashing pass took) fails its own read if it changed.
                let checks_itself = entry.content.checked_crc32() == Some(entry.crc32);
                match entry.method {
                    Method::Stored => {
                        Inner::Stored(src, (!checks_itself).then(crc32fast::Hasher::new))
                    }
                    Method::Deflated => {
                        let d = ChunkedDeflater::new(src, level);
                        Inner::Deflated(Box::new(if checks_itself { d.without_crc() } else { d }))
                    }
                }
            }
        };
        let mut data = Data {
            entry,
            inner,
            remaining: entry.compressed_size,
            verified: false,
        };
        if data.remaining == 0 {
            // An empty entry: checked now, since no read may ever reach its (absent) data.
            data.finish(None)?;
        }
        Ok(data)
    }

    fn read(&mut self, buf: &mut [u8], ahead: Option<&Ahead>) -> io::Result<usize> {
        if self.remaining == 0 {
            self.finish(ahead)?;
            return Ok(0);
        }
        let want = buf
            .len()
            .min(self.remaining.min(usize::MAX as u64) as usize);
        let n = loop {
            let r = match &mut self.inner {
                Inner::Stored(src, crc) => src.read(&mut buf[..want]).inspect(|&n| {
                    if let Some(c) = crc.as_mut() {
                        c.update(&buf[..n]);
                    }
                }),
                Inner::Deflated(d) => d.read(&mut buf[..want]),
                Inner::Kept(src) => src.read(&mut buf[..want]),
                Inner::Span(_, content, src) => {
                    if src.is_none() {
                        let done = self.entry.compressed_size - self.remaining;
                        *src = Some(open_at(*content, done)?);
                    }
                    src.as_mut().map_or(Ok(0), |s| s.read(&mut buf[..want]))
                }
                Inner::Worker(w) => w.read(&mut buf[..want], ahead),
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
        if self.remaining == 0 {
            self.finish(ahead)?;
        }
        Ok(n)
    }

    /// Checks, once, that the source ended exactly where planned and still has the planned CRC.
    fn finish(&mut self, ahead: Option<&Ahead>) -> io::Result<()> {
        if self.verified {
            return Ok(());
        }
        let r = self.check_end(ahead);
        self.verified = r.is_ok();
        r
    }

    /// The next `max` bytes at most as a span, when this entry's data is handed on by
    /// reference and no caller has read it instead.
    fn span_part(&mut self, max: u64) -> Option<Part> {
        let Inner::Span(span, _, None) = &self.inner else {
            return None;
        };
        let done = self.entry.compressed_size - self.remaining;
        let len = self.remaining.min(max);
        let part = Part::Span {
            span: Span {
                origin: span.origin,
                offset: span.offset + done,
            },
            len,
        };
        self.remaining -= len;
        Some(part)
    }

    fn check_end(&mut self, ahead: Option<&Ahead>) -> io::Result<()> {
        let mut probe = [0u8; 1];
        let (extra, crc, total) = match &mut self.inner {
            // Verified when they were kept or digested: the same read produced the digest.
            // A span's bytes are the host's, cut to the planned length.
            Inner::Kept(src) | Inner::Span(_, _, Some(src)) => {
                return match read_retry(src, &mut probe)? {
                    0 => Ok(()),
                    _ => Err(changed(self.entry, "its size differs")),
                }
            }
            Inner::Span(_, _, None) => return Ok(()),
            Inner::Worker(w) => {
                let extra = w
                    .read(&mut probe, ahead)
                    .map_err(|e| with_path(self.entry, e))?;
                let (crc, total) = w.end.unwrap_or((0, 0));
                (extra, crc, total)
            }
            // Without a CRC of our own, the source's check ran when it reported its end.
            Inner::Stored(src, crc) => (
                read_retry(src, &mut probe)?,
                crc.as_ref()
                    .map_or(self.entry.crc32, |c| c.clone().finalize()),
                self.entry.size,
            ),
            Inner::Deflated(d) => (
                read_retry(d.as_mut(), &mut probe)?,
                d.crc32().unwrap_or(self.entry.crc32),
                d.total_in(),
            ),
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

/// A content's reader with its first `skip` bytes read past.
fn open_at<'a>(content: &'a dyn Content, skip: u64) -> io::Result<Source<'a>> {
    let mut src = content.open()?;
    let skipped = io::copy(&mut src.by_ref().take(skip), &mut io::sink())?;
    if skipped != skip {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "content ended early",
        ));
    }
    Ok(src)
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
