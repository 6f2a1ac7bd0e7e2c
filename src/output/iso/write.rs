//! Producing the bytes of a planned image, sequentially and lazily.
//!
//! Metadata sectors (descriptors, path tables, directories) are rendered one at a time when
//! the caller reaches them; file data is streamed from each content's own reader straight
//! into the caller's buffer. The output is the same whatever read sizes the caller uses.
//! A content that yields fewer or more bytes than planned is an error, never padded over.
//! Asked for parts ([`IsoReader::with_parts`]), file data the host can refer to is handed out
//! as [`parts::Part::Span`]s instead of being read.
//! This module does not decide positions; [`super::sectors`] did.

use super::records::{dir_record, FLAG_DIR};
use super::sectors::{IsoImage, Part};
use super::tree::Target;
use super::SECTOR;
use crate::output::parts::{self, ReadParts};
use crate::source::Span;
use std::io::{self, Read};

const SECTOR_USIZE: usize = SECTOR as usize;

/// Pull-style reader over the bytes of an [`IsoImage`].
pub struct IsoReader<'a> {
    img: &'a IsoImage,
    pos: u64,
    /// Index of the segment holding `pos`.
    seg: usize,
    /// The metadata sector last rendered, and its number.
    sector: Vec<u8>,
    sector_lba: Option<u64>,
    /// The open content of the data extent being streamed.
    data: Option<Box<dyn Read + Send + 'a>>,
    /// Set after a content error: the stream cannot continue consistently.
    failed: Option<(io::ErrorKind, String)>,
    /// File data may be handed out as spans ([`ReadParts`]).
    parts: bool,
}

impl<'a> IsoReader<'a> {
    pub(crate) fn new(img: &'a IsoImage) -> Self {
        Self::starting_at(img, 0, 0)
    }

    /// A reader whose first byte is `pos`, which lies in segment `seg` (and not inside a file
    /// extent: file contents are opened from their start).
    pub(crate) fn starting_at(img: &'a IsoImage, pos: u64, seg: usize) -> Self {
        IsoReader {
            img,
            pos,
            seg: seg.min(img.segments.len().saturating_sub(1)),
            sector: vec![0; SECTOR_USIZE],
            sector_lba: None,
            data: None,
            failed: None,
            parts: false,
        }
    }

    /// This reader, handing file data that the host can refer to out as spans through
    /// [`ReadParts::read_part`].
    pub fn with_parts(mut self) -> Self {
        self.parts = true;
        self
    }

    /// Bytes produced so far.
    pub fn position(&self) -> u64 {
        self.pos
    }

    fn render(&mut self, lba: u64, part: Part, first: u32) {
        if self.sector_lba == Some(lba) {
            return;
        }
        let img = self.img;
        let k = (lba - u64::from(first)) as usize;
        let out = &mut self.sector;
        out.fill(0);
        match part {
            Part::Descriptor(i) => out.copy_from_slice(&img.descriptors[i]),
            Part::PathTable(i) => {
                let table = &img.path_tables[i];
                let start = (k * SECTOR_USIZE).min(table.len());
                let end = (start + SECTOR_USIZE).min(table.len());
                out[..end - start].copy_from_slice(&table[start..end]);
            }
            Part::Dir(t, d) => {
                let bytes = dir_sector(img, t, d, k);
                out[..bytes.len()].copy_from_slice(&bytes);
            }
            Part::Zero | Part::Data(_) => {}
        }
        self.sector_lba = Some(lba);
    }

    fn fail(&mut self, kind: io::ErrorKind, msg: String) -> io::Error {
        self.failed = Some((kind, msg.clone()));
        self.data = None;
        io::Error::new(kind, msg)
    }

    /// Streams file bytes of segment data `file` at offset `rel` into `buf`.
    fn read_data(&mut self, file: usize, rel: u64, buf: &mut [u8]) -> io::Result<usize> {
        let f = &self.img.files[file];
        let size = u64::from(f.size);
        if self.data.is_none() {
            let mut r = f
                .content
                .open()
                .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", f.path)))?;
            // Bytes before `rel` were handed out as spans ([`ReadParts`]).
            let skipped = io::copy(&mut r.by_ref().take(rel), &mut io::sink())
                .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", f.path)))?;
            if skipped != rel {
                let msg = format!("{}: content ended after {skipped} of {size} bytes (did the file change while packaging?)", f.path);
                return Err(self.fail(io::ErrorKind::UnexpectedEof, msg));
            }
            self.data = Some(r);
        }
        let want = buf.len().min((size - rel).min(usize::MAX as u64) as usize);
        let Some(reader) = self.data.as_mut() else {
            return Ok(0);
        };
        let n = match reader.read(&mut buf[..want]) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return Err(e),
            Err(e) => return Err(self.fail(e.kind(), format!("{}: {e}", f.path))),
        };
        if n == 0 {
            let msg =
                format!("{}: content ended after {rel} of {size} bytes (did the file change while packaging?)", f.path);
            return Err(self.fail(io::ErrorKind::UnexpectedEof, msg));
        }
        if rel + n as u64 == size {
            // The content must end exactly here.
            let mut probe = [0u8; 1];
            let extra = loop {
                match reader.read(&mut probe) {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    other => break other,
                }
            };
            match extra {
                Ok(0) => self.data = None,
                Ok(_) => {
                    let msg = format!(
                        "{}: content is longer than its {size} bytes (did the file change while packaging?)",
                        f.path
                    );
                    return Err(self.fail(io::ErrorKind::InvalidData, msg));
                }
                Err(e) => return Err(self.fail(e.kind(), format!("{}: {e}", f.path))),
            }
        }
        Ok(n)
    }
}

impl IsoReader<'_> {
    /// The segment holding `pos` (which must be before the end).
    fn locate(&mut self) -> super::sectors::Segment {
        let segments = &self.img.segments;
        while self.seg + 1 < segments.len()
            && self.pos >= u64::from(segments[self.seg].lba + segments[self.seg].sectors) * SECTOR
        {
            self.seg += 1;
        }
        segments[self.seg]
    }
}

impl ReadParts for IsoReader<'_> {
    fn read_part(&mut self, buf: &mut [u8]) -> io::Result<parts::Part> {
        if self.parts && self.failed.is_none() && self.data.is_none() && self.pos < self.img.len() {
            let seg = self.locate();
            if let Part::Data(file) = seg.part {
                let f = &self.img.files[file];
                let rel = self.pos - u64::from(seg.lba) * SECTOR;
                let size = u64::from(f.size);
                if let Some(span) = f.content.span().filter(|_| rel < size) {
                    let len = (size - rel).min(buf.len() as u64);
                    self.pos += len;
                    let span = Span {
                        origin: span.origin,
                        offset: span.offset + rel,
                    };
                    return Ok(parts::Part::Span { span, len });
                }
            }
        }
        self.read(buf).map(parts::Part::Bytes)
    }
}

impl Read for IsoReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some((kind, msg)) = &self.failed {
            return Err(io::Error::new(*kind, msg.clone()));
        }
        let total = self.img.len();
        if self.pos >= total || buf.is_empty() {
            return Ok(0);
        }
        let seg = self.locate();
        let seg_start = u64::from(seg.lba) * SECTOR;
        let seg_end = seg_start + u64::from(seg.sectors) * SECTOR;
        let room = (seg_end - self.pos).min(buf.len() as u64) as usize;
        let n = match seg.part {
            Part::Zero => {
                buf[..room].fill(0);
                room
            }
            Part::Data(file) => {
                let rel = self.pos - seg_start;
                if rel < u64::from(self.img.files[file].size) {
                    self.read_data(file, rel, &mut buf[..room])?
                } else {
                    // Padding to the end of the extent's last sector.
                    buf[..room].fill(0);
                    room
                }
            }
            part => {
                let lba = self.pos / SECTOR;
                self.render(lba, part, seg.lba);
                let off = (self.pos % SECTOR) as usize;
                let n = room.min(SECTOR_USIZE - off);
                buf[..n].copy_from_slice(&self.sector[off..off + n]);
                n
            }
        };
        self.pos += n as u64;
        Ok(n)
    }
}

/// The records of sector `k` of directory `d` in tree `t`.
fn dir_sector(img: &IsoImage, t: usize, d: usize, k: usize) -> Vec<u8> {
    let tree = &img.trees[t];
    let dir = &tree.dirs[d];
    let start = dir.sector_starts[k];
    let end = dir
        .sector_starts
        .get(k + 1)
        .copied()
        .unwrap_or(dir.records.len() + 2);
    let mut out = Vec::with_capacity(SECTOR_USIZE);
    for i in start..end {
        match i {
            0 => dir_record(&mut out, &[0], dir.lba, dir.size(), FLAG_DIR, &img.date),
            1 => {
                let p = &tree.dirs[dir.parent];
                dir_record(&mut out, &[1], p.lba, p.size(), FLAG_DIR, &img.date);
            }
            _ => {
                let r = &dir.records[i - 2];
                let (lba, size, flags) = match r.target {
                    Target::Dir(x) => (tree.dirs[x].lba, tree.dirs[x].size(), FLAG_DIR),
                    Target::File(f) => (img.files[f].lba, img.files[f].size, 0),
                };
                dir_record(&mut out, &r.ident, lba, size, flags, &img.date);
            }
        }
    }
    out
}
