//! [`DeflateStream`]: one file's raw deflate stream, built chunk by chunk.
//!
//! Each full [`DEFLATE_CHUNK`] of input is judged on its own ([`worth_deflating`]):
//! - a chunk worth compressing goes to zlib-rs at the chosen level, with no flush, so
//!   consecutive compressible chunks form one ordinary compressed run with a shared window;
//! - any other chunk is written as stored blocks. The compressor is first made to flush
//!   (`Z_SYNC_FLUSH`: its pending block, then an empty stored block that byte-aligns the
//!   stream), and is reset before it is used again: it never saw the stored bytes, so its
//!   window would not match the decoder's. Nothing is lost by the reset, since a stored chunk
//!   is at least as long as deflate's 32 KiB window (only a file's last chunk is shorter, and
//!   nothing follows it).
//!
//! The stream ends with the compressor's final block, or, after a stored chunk, with an empty
//! final block of fixed codes. Every compressor call gets the same empty 64 KiB output buffer.
//! The bytes are therefore a function of the input bytes and the level alone.

use super::worth::worth_deflating;
use super::DEFLATE_CHUNK;
use flate2::{Compress, Compression, FlushCompress, Status};
use std::io;

/// Size of the compressor's output buffer; each call starts with all of it free.
const OUT_CHUNK: usize = 64 * 1024;
/// Largest stored block deflate allows.
const STORED_MAX: usize = 0xFFFF;
/// An empty final block with fixed codes (BFINAL=1, BTYPE=01, end-of-block): 10 bits.
const EMPTY_FINAL_BLOCK: [u8; 2] = [0x03, 0x00];

/// What the compressor holds.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Z {
    /// Unused since it was created or reset.
    Fresh,
    /// Took input since; its block is open.
    Open,
    /// Flushed to a byte boundary, then stored blocks followed: reset before further use.
    Flushed,
}

/// Push-style raw deflate: the caller hands over the input in [`DEFLATE_CHUNK`]-sized pieces
/// (the last may be shorter, an empty piece is ignored) and receives the output through a
/// callback. Every place that compresses (planning, the streaming reader, worker threads,
/// browser workers) goes through this type, so all produce identical streams.
pub struct DeflateStream {
    z: Compress,
    level: u32,
    state: Z,
    out: Vec<u8>,
}

impl DeflateStream {
    /// `level` is 0..=9 (values above 9 are treated as 9). Level 0 hands every chunk to the
    /// compressor, which stores it.
    pub fn new(level: u32) -> Self {
        let level = level.min(9);
        DeflateStream {
            z: Compress::new(Compression::new(level), false),
            level,
            state: Z::Fresh,
            out: vec![0; OUT_CHUNK],
        }
    }

    /// Compresses one input chunk. Every chunk but the last must be exactly `DEFLATE_CHUNK`
    /// bytes long, or the output would differ from other callers'.
    pub fn feed(&mut self, piece: &[u8], sink: &mut dyn FnMut(&[u8])) -> io::Result<()> {
        debug_assert!(piece.len() <= DEFLATE_CHUNK);
        if piece.is_empty() {
            return Ok(());
        }
        // A short piece (a file's last) is left to the compressor, which picks stored blocks
        // itself when they are smaller: switching to stored costs about a dozen bytes, which
        // matters on a short piece, and the time saved would be small.
        if self.level == 0 || piece.len() < DEFLATE_CHUNK || worth_deflating(piece) {
            self.compress(piece, sink)
        } else {
            self.store(piece, sink)
        }
    }

    /// Ends the stream, handing out whatever the compressor still holds.
    pub fn finish(mut self, sink: &mut dyn FnMut(&[u8])) -> io::Result<()> {
        if self.state == Z::Flushed {
            sink(&EMPTY_FINAL_BLOCK);
            return Ok(());
        }
        loop {
            let (_, produced, status) = self.call(&[], FlushCompress::Finish)?;
            sink(&self.out[..produced]);
            if status == Status::StreamEnd {
                return Ok(());
            }
            if produced == 0 {
                return Err(io::Error::other("deflate made no progress"));
            }
        }
    }

    fn compress(&mut self, mut piece: &[u8], sink: &mut dyn FnMut(&[u8])) -> io::Result<()> {
        if self.state == Z::Flushed {
            self.z.reset();
        }
        self.state = Z::Open;
        while !piece.is_empty() {
            let (consumed, produced, _) = self.call(piece, FlushCompress::None)?;
            if consumed == 0 && produced == 0 {
                return Err(io::Error::other("deflate made no progress"));
            }
            sink(&self.out[..produced]);
            piece = &piece[consumed..];
        }
        Ok(())
    }

    fn store(&mut self, piece: &[u8], sink: &mut dyn FnMut(&[u8])) -> io::Result<()> {
        if self.state == Z::Open {
            // Sync flush until the compressor leaves room in the buffer: all is out.
            loop {
                let (_, produced, _) = self.call(&[], FlushCompress::Sync)?;
                sink(&self.out[..produced]);
                if produced < self.out.len() {
                    break;
                }
            }
        }
        self.state = Z::Flushed;
        for block in piece.chunks(STORED_MAX) {
            let len = block.len() as u16;
            let [lo, hi] = len.to_le_bytes();
            // BFINAL=0, BTYPE=00 on a byte boundary, then LEN and its complement.
            sink(&[0x00, lo, hi, !lo, !hi]);
            sink(block);
        }
        Ok(())
    }

    fn call(&mut self, input: &[u8], flush: FlushCompress) -> io::Result<(usize, usize, Status)> {
        let (before_in, before_out) = (self.z.total_in(), self.z.total_out());
        let status = self
            .z
            .compress(input, &mut self.out, flush)
            .map_err(|e| io::Error::other(format!("deflate failed: {e}")))?;
        let consumed = (self.z.total_in() - before_in) as usize;
        let produced = (self.z.total_out() - before_out) as usize;
        Ok((consumed, produced, status))
    }
}
