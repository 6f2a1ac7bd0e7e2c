//! One output (ISO, zip or manifest) as a pull stream for JS: `nextChunk(max)` hands out the
//! next bytes until it returns `undefined`; `nextParts(max)` the same bytes as `Uint8Array`s
//! and `Blob`s (slices of the dropped file or of kept compressed bytes, never copied here).
//!
//! The core's readers borrow the planned media set; a stream owns a shared handle to that set
//! and the reader together (via `self_cell`), so JS can hold it as long as it likes. This module
//! does not write anywhere: the page decides where chunks go (a file handle, a Blob).

use super::{js_err, JsFailure};
use crate::build::shared::Output;
use crate::build::MediaSet;
use crate::output::iso::IsoReader;
use crate::output::parts::{Part, ReadParts};
use crate::output::zip::ZipReader;
use self_cell::self_cell;
use std::io::Read;
use std::rc::Rc;
use std::sync::Arc;
use wasm_bindgen::prelude::*;

self_cell!(
    struct IsoCell {
        owner: Rc<MediaSet>,
        #[covariant]
        dependent: IsoReader,
    }
);

self_cell!(
    struct ZipCell {
        owner: Rc<MediaSet>,
        #[covariant]
        dependent: ZipReader,
    }
);

enum Body {
    Iso(IsoCell),
    Zip(ZipCell),
    Bytes(Arc<[u8]>),
}

/// The bytes of one output file (or of one piece of it), produced on demand.
#[wasm_bindgen]
pub struct OutputStream {
    name: String,
    /// Byte range of the output this stream produces.
    start: u64,
    end: u64,
    pos: u64,
    body: Body,
}

impl OutputStream {
    pub(super) fn iso(set: &Rc<MediaSet>, name: String) -> OutputStream {
        let len = set.iso.len();
        OutputStream {
            name,
            start: 0,
            end: len,
            pos: 0,
            body: Body::Iso(IsoCell::new(set.clone(), |s| s.iso.reader())),
        }
    }

    pub(super) fn zip(set: &Rc<MediaSet>, name: String) -> OutputStream {
        let len = set.zip.len();
        OutputStream {
            name,
            start: 0,
            end: len,
            pos: 0,
            body: Body::Zip(ZipCell::new(set.clone(), |s| s.zip.reader())),
        }
    }

    pub(super) fn bytes(bytes: Arc<[u8]>, name: String) -> OutputStream {
        OutputStream {
            name,
            start: 0,
            end: bytes.len() as u64,
            pos: 0,
            body: Body::Bytes(bytes),
        }
    }

    /// Bytes `start..end` of one output, where `start..end` is one of its pieces
    /// ([`crate::build::shared::pieces`]): every piece can be produced on its own, by any worker.
    pub(super) fn range(
        set: &Rc<MediaSet>,
        output: Output,
        name: String,
        start: u64,
        end: u64,
    ) -> Result<OutputStream, JsFailure> {
        let body = match output {
            Output::Iso => Body::Iso(
                IsoCell::try_new(set.clone(), |s| {
                    s.iso.reader_from(start).map(IsoReader::with_parts)
                })
                .map_err(js_err)?,
            ),
            Output::Zip => Body::Zip(
                ZipCell::try_new(set.clone(), |s| {
                    s.zip.reader_from(start).map(ZipReader::with_parts)
                })
                .map_err(js_err)?,
            ),
            Output::Manifest => Body::Bytes(set.manifest_bytes.clone()),
        };
        let len = match output {
            Output::Iso => set.iso.len(),
            Output::Zip => set.zip.len(),
            Output::Manifest => set.manifest_bytes.len() as u64,
        };
        if start > end || end > len {
            return Err(JsFailure::new(format!(
                "{name}: bytes {start}..{end} are not a range of its {len} bytes"
            )));
        }
        Ok(OutputStream {
            name,
            start,
            end,
            pos: start,
            body,
        })
    }

    /// Fills `buf` as far as the output allows; returns the count (0 once the output is done).
    /// Fails if the core reader ends before the planned length (an input changed under us).
    pub fn fill(&mut self, buf: &mut [u8]) -> Result<usize, JsFailure> {
        let want = buf
            .len()
            .min((self.end - self.pos).min(usize::MAX as u64) as usize);
        let mut got = 0;
        while got < want {
            let r = match &mut self.body {
                Body::Iso(c) => c.with_dependent_mut(|_, r| r.read(&mut buf[got..want])),
                Body::Zip(c) => c.with_dependent_mut(|_, r| r.read(&mut buf[got..want])),
                Body::Bytes(b) => {
                    let start = (self.pos as usize) + got;
                    let n = want - got;
                    buf[got..want].copy_from_slice(&b[start..start + n]);
                    Ok(n)
                }
            };
            match r {
                Ok(0) => {
                    return Err(JsFailure::new(format!(
                        "{}: output ended at byte {} of {}; an input file changed while building",
                        self.name,
                        self.pos + got as u64,
                        self.end
                    )))
                }
                Ok(n) => got += n,
                Err(e) => return Err(JsFailure::new(format!("{}: {e}", self.name))),
            }
        }
        self.pos += got as u64;
        Ok(got)
    }

    /// The next part of at most `buf.len()` bytes (bytes written to `buf`, or a span).
    fn part(&mut self, buf: &mut [u8]) -> Result<Part, JsFailure> {
        let r = match &mut self.body {
            Body::Iso(c) => c.with_dependent_mut(|_, r| r.read_part(buf)),
            Body::Zip(c) => c.with_dependent_mut(|_, r| r.read_part(buf)),
            Body::Bytes(_) => return self.fill(buf).map(Part::Bytes),
        };
        let part = r.map_err(|e| JsFailure::new(format!("{}: {e}", self.name)))?;
        if part.is_empty() {
            return Err(JsFailure::new(format!(
                "{}: output ended at byte {} of {}; an input file changed while building",
                self.name, self.pos, self.end
            )));
        }
        self.pos += part.len();
        Ok(part)
    }
}

#[wasm_bindgen]
impl OutputStream {
    /// File name to save under (`guest-tools.iso`, `guest-tools.zip`, `manifest.json`).
    #[wasm_bindgen(getter)]
    pub fn name(&self) -> String {
        self.name.clone()
    }

    /// Size in bytes of what this stream produces (exact before the first chunk: the layout
    /// is planned up front).
    pub fn len(&self) -> f64 {
        (self.end - self.start) as f64
    }

    /// Bytes handed out so far.
    pub fn position(&self) -> f64 {
        (self.pos - self.start) as f64
    }

    /// True when nothing is left.
    #[wasm_bindgen(js_name = isDone)]
    pub fn is_done(&self) -> bool {
        self.pos >= self.end
    }

    /// The next `1..=max` bytes, or `undefined` when the output is complete. Every chunk but
    /// the last is exactly `max` bytes long.
    #[wasm_bindgen(js_name = nextChunk)]
    pub fn next_chunk(&mut self, max: u32) -> Result<Option<js_sys::Uint8Array>, JsFailure> {
        if max == 0 {
            return Err(JsFailure::new("nextChunk: max must be at least 1 byte"));
        }
        let remaining = self.end - self.pos;
        if remaining == 0 {
            return Ok(None);
        }
        let mut buf = vec![0u8; (max as u64).min(remaining) as usize];
        let n = self.fill(&mut buf)?;
        Ok(Some(js_sys::Uint8Array::from(&buf[..n])))
    }

    /// The next `1..=max` bytes as an array of `Uint8Array`s and `Blob`s, in order (every
    /// chunk but the last exactly `max` bytes in all), or `undefined` when the output is
    /// complete. File data that lies in the dropped file, and compressed bytes kept in a
    /// `Blob`, come as `Blob` slices: nothing is read to make them.
    #[wasm_bindgen(js_name = nextParts)]
    pub fn next_parts(&mut self, max: u32) -> Result<Option<js_sys::Array>, JsFailure> {
        if max == 0 {
            return Err(JsFailure::new("nextParts: max must be at least 1 byte"));
        }
        let want = (max as u64).min(self.end - self.pos) as usize;
        if want == 0 {
            return Ok(None);
        }
        let out = js_sys::Array::new();
        let mut buf = vec![0u8; want];
        // Bytes in `buf[..held]` not yet handed out; `done` counts everything this chunk holds.
        let (mut held, mut done) = (0usize, 0usize);
        while done < want {
            let room = want - done;
            match self.part(&mut buf[held..held + room])? {
                Part::Bytes(n) => {
                    held += n;
                    done += n;
                }
                Part::Span { span, len } => {
                    if held > 0 {
                        out.push(&js_sys::Uint8Array::from(&buf[..held]));
                        held = 0;
                    }
                    let slice = super::source::blob_slice(span.origin, span.offset, len)
                        .map_err(|e| JsFailure::new(format!("{}: {e}", self.name)))?;
                    out.push(&slice);
                    done += len as usize;
                }
            }
        }
        if held > 0 {
            out.push(&js_sys::Uint8Array::from(&buf[..held]));
        }
        Ok(Some(out))
    }
}
