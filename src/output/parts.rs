//! An output as parts: bytes the writer produced, or a reference to bytes the host already
//! holds ([`Span`]).
//!
//! A browser saves an output by handing `Blob`s to the download manager or to a file. File
//! data that lies verbatim in the dropped file (a stored zip entry, an ISO's file) or in a
//! `Blob` the host made (kept compressed bytes) need not be copied into wasm memory, out
//! again and across to the page: the writer says where it is, and the host slices its own
//! object. Readers hand out spans only when asked for parts; their `Read` output and the
//! bytes the parts stand for are the same, whatever the part sizes.

use crate::source::Span;
use std::io;

/// The next part of an output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// This many bytes were written to the caller's buffer (0: the output is complete).
    Bytes(usize),
    /// The next `len` bytes of the output are bytes `span.offset..span.offset + len` of the
    /// host's source `span.origin`; `len` is at most the caller's buffer length.
    Span { span: Span, len: u64 },
}

impl Part {
    /// Bytes of the output this part stands for.
    pub fn len(&self) -> u64 {
        match *self {
            Part::Bytes(n) => n as u64,
            Part::Span { len, .. } => len,
        }
    }

    /// True for the part that ends an output.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A pull reader that can hand out [`Part`]s instead of copying every byte.
pub trait ReadParts: io::Read {
    /// Like `read`, but the next bytes may come as a [`Part::Span`] (never longer than `buf`).
    fn read_part(&mut self, buf: &mut [u8]) -> io::Result<Part>;
}
