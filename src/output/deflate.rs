//! Raw deflate whose output depends only on the input bytes and the level.
//!
//! zlib-rs, like zlib, may emit different (equally valid) compressed bytes depending on how the
//! input was split across calls and how much output room each call had. A host that delivers a
//! file in 4 KiB pieces must still produce the same zip as one that delivers 1 MiB pieces, so
//! [`ChunkedDeflater`] re-chunks its source into fixed [`DEFLATE_CHUNK`]-sized pieces and always
//! calls the compressor with a fixed-size, empty output buffer. The sequence of compressor calls
//! is therefore a function of the content alone, whatever the source's or the consumer's read
//! sizes are.
//!
//! This module does not write zip headers, choose between stored and deflate, or inflate.

use flate2::{Compress, Compression, FlushCompress, Status};
use std::io::{self, Read};

/// The deflate implementation and its exact version, recorded in the manifest: compressed
/// bytes are only reproducible with the same backend version (pinned with `=` in Cargo.toml).
pub const BACKEND: &str = "zlib-rs 0.6.8";

/// Size of every input piece handed to the compressor (the last one may be shorter).
pub const DEFLATE_CHUNK: usize = 64 * 1024;
/// Size of the compressor's output buffer; each call starts with all of it free.
const OUT_CHUNK: usize = 64 * 1024;

/// What one full compression pass over a source measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Measured {
    pub compressed: u64,
    pub uncompressed: u64,
    pub crc32: u32,
}

/// Pull-style raw deflate encoder over a [`Read`], with memory bounded by two 64 KiB buffers
/// plus the compressor state.
pub struct ChunkedDeflater<R> {
    src: R,
    z: Compress,
    input: Vec<u8>,
    in_pos: usize,
    in_len: usize,
    out: Vec<u8>,
    out_pos: usize,
    out_len: usize,
    src_done: bool,
    finished: bool,
    /// `None` when the caller does not need the CRC ([`ChunkedDeflater::without_crc`]).
    crc: Option<crc32fast::Hasher>,
    total_in: u64,
}

impl<R: Read> ChunkedDeflater<R> {
    /// `level` is 0..=9 (values above 9 are treated as 9).
    pub fn new(src: R, level: u32) -> Self {
        ChunkedDeflater {
            src,
            z: Compress::new(Compression::new(level.min(9)), false),
            input: vec![0; DEFLATE_CHUNK],
            in_pos: 0,
            in_len: 0,
            out: vec![0; OUT_CHUNK],
            out_pos: 0,
            out_len: 0,
            src_done: false,
            finished: false,
            crc: Some(crc32fast::Hasher::new()),
            total_in: 0,
        }
    }

    /// Skips computing the CRC-32 of the input (the source checks its own bytes);
    /// [`ChunkedDeflater::crc32`] then returns `None`.
    pub fn without_crc(mut self) -> Self {
        self.crc = None;
        self
    }

    /// Uncompressed bytes read from the source so far.
    pub fn total_in(&self) -> u64 {
        self.total_in
    }

    /// CRC-32 of the uncompressed bytes read so far (`None` after [`ChunkedDeflater::without_crc`]).
    pub fn crc32(&self) -> Option<u32> {
        self.crc.as_ref().map(|c| c.clone().finalize())
    }

    /// True once the whole stream, end marker included, has been handed out.
    pub fn is_done(&self) -> bool {
        self.finished && self.out_pos == self.out_len
    }

    /// Returns the next piece of compressed output, or `None` at the end of the stream.
    pub fn next_block(&mut self) -> io::Result<Option<&[u8]>> {
        while self.out_pos == self.out_len {
            if self.finished {
                return Ok(None);
            }
            self.produce()?;
        }
        let block = &self.out[self.out_pos..self.out_len];
        self.out_pos = self.out_len;
        Ok(Some(block))
    }

    /// Fills the input buffer with exactly `DEFLATE_CHUNK` bytes, fewer only at the end.
    fn fill_input(&mut self) -> io::Result<()> {
        self.in_pos = 0;
        self.in_len = 0;
        while self.in_len < self.input.len() {
            match self.src.read(&mut self.input[self.in_len..]) {
                Ok(0) => {
                    self.src_done = true;
                    break;
                }
                Ok(n) => self.in_len += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        let piece = &self.input[..self.in_len];
        if let Some(c) = self.crc.as_mut() {
            c.update(piece);
        }
        self.total_in += piece.len() as u64;
        Ok(())
    }

    /// One compressor call into the (drained) output buffer.
    fn produce(&mut self) -> io::Result<()> {
        if self.in_pos == self.in_len && !self.src_done {
            self.fill_input()?;
        }
        let flush = if self.in_pos == self.in_len && self.src_done {
            FlushCompress::Finish
        } else {
            FlushCompress::None
        };
        let (before_in, before_out) = (self.z.total_in(), self.z.total_out());
        let status = self
            .z
            .compress(&self.input[self.in_pos..self.in_len], &mut self.out, flush)
            .map_err(|e| io::Error::other(format!("deflate failed: {e}")))?;
        let consumed = (self.z.total_in() - before_in) as usize;
        let produced = (self.z.total_out() - before_out) as usize;
        self.in_pos += consumed;
        self.out_pos = 0;
        self.out_len = produced;
        if status == Status::StreamEnd {
            self.finished = true;
        } else if consumed == 0 && produced == 0 && (self.in_pos < self.in_len || self.src_done) {
            // With a free output buffer the compressor always progresses; guard anyway so a
            // misbehaving backend cannot make us spin forever.
            return Err(io::Error::other("deflate made no progress"));
        }
        Ok(())
    }
}

impl<R: Read> Read for ChunkedDeflater<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        while self.out_pos == self.out_len {
            if self.finished {
                return Ok(0);
            }
            self.produce()?;
        }
        let n = buf.len().min(self.out_len - self.out_pos);
        buf[..n].copy_from_slice(&self.out[self.out_pos..self.out_pos + n]);
        self.out_pos += n;
        Ok(n)
    }
}

/// Compresses `src` once, discarding the output, and reports the sizes and the CRC-32.
/// The compressed size equals the length of what [`ChunkedDeflater`] yields for the same bytes.
pub fn measure(src: impl Read, level: u32) -> io::Result<Measured> {
    let mut d = ChunkedDeflater::new(src, level);
    let mut compressed = 0u64;
    while let Some(block) = d.next_block()? {
        compressed += block.len() as u64;
    }
    Ok(Measured {
        compressed,
        uncompressed: d.total_in(),
        crc32: d.crc32().unwrap_or_default(),
    })
}

/// Only the compressed size of `src` at `level`.
pub fn compressed_size(src: impl Read, level: u32) -> io::Result<u64> {
    measure(src, level).map(|m| m.compressed)
}

/// Push-style raw deflate: the caller hands over the input in [`DEFLATE_CHUNK`]-sized pieces
/// (the last may be shorter) and receives the output through a callback.
///
/// It makes exactly the compressor calls [`ChunkedDeflater`] makes for the same bytes (each
/// piece with `None` until consumed, every call with an empty 64 KiB output buffer, then
/// `Finish` with no input until the end), so both produce identical streams. Used where the
/// bytes are already in hand, e.g. while hashing, so a file is read once for both.
pub struct DeflateStream {
    z: Compress,
    out: Vec<u8>,
}

impl DeflateStream {
    pub fn new(level: u32) -> Self {
        DeflateStream {
            z: Compress::new(Compression::new(level.min(9)), false),
            out: vec![0; OUT_CHUNK],
        }
    }

    /// Compresses one input piece. Every piece but the last must be exactly `DEFLATE_CHUNK`
    /// bytes long, or the output would differ from [`ChunkedDeflater`]'s.
    pub fn feed(&mut self, mut piece: &[u8], sink: &mut dyn FnMut(&[u8])) -> io::Result<()> {
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

    /// Ends the stream, handing out whatever the compressor still holds.
    pub fn finish(mut self, sink: &mut dyn FnMut(&[u8])) -> io::Result<()> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::read::DeflateDecoder;

    /// Hands out at most `max` bytes per read, to mimic a host with small buffers.
    struct Trickle<'a>(&'a [u8], usize);
    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = buf.len().min(self.1).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    fn sample(len: usize) -> Vec<u8> {
        // Compressible but not trivial: a counter mixed with a slowly changing pattern.
        let mut x = 0x1234_5678u32;
        (0..len)
            .map(|i| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                if i % 7 == 0 {
                    (x >> 24) as u8
                } else {
                    b"driverpackage"[i % 13]
                }
            })
            .collect()
    }

    #[test]
    fn output_ignores_source_read_sizes_and_round_trips() {
        let data = sample(3 * DEFLATE_CHUNK + 1234);
        let mut reference = Vec::new();
        ChunkedDeflater::new(&data[..], 6)
            .read_to_end(&mut reference)
            .unwrap();
        for max in [1usize, 7, 4096, 65_537] {
            let mut out = Vec::new();
            ChunkedDeflater::new(Trickle(&data, max), 6)
                .read_to_end(&mut out)
                .unwrap();
            assert_eq!(out, reference, "source read size {max}");
        }
        let mut back = Vec::new();
        DeflateDecoder::new(&reference[..])
            .read_to_end(&mut back)
            .unwrap();
        assert_eq!(back, data);
        let m = measure(&data[..], 6).unwrap();
        assert_eq!(m.compressed, reference.len() as u64);
        assert_eq!(m.uncompressed, data.len() as u64);
        assert_eq!(m.crc32, crc32fast::hash(&data));
    }

    #[test]
    fn consumer_read_sizes_do_not_change_output() {
        let data = sample(2 * DEFLATE_CHUNK);
        let mut reference = Vec::new();
        ChunkedDeflater::new(&data[..], 9)
            .read_to_end(&mut reference)
            .unwrap();
        let mut d = ChunkedDeflater::new(&data[..], 9);
        let mut out = Vec::new();
        let mut buf = [0u8; 3];
        loop {
            let n = d.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
        assert!(d.is_done());
        assert_eq!(out, reference);
    }

    #[test]
    fn backend_names_the_pinned_version() {
        let version = BACKEND.strip_prefix("zlib-rs ").unwrap();
        let pin = format!("zlib-rs = \"={version}\"");
        assert!(
            include_str!("../../Cargo.toml").contains(&pin),
            "Cargo.toml must pin {pin}"
        );
    }

    #[test]
    fn empty_input_gives_a_valid_empty_stream() {
        let mut out = Vec::new();
        ChunkedDeflater::new(&b""[..], 6)
            .read_to_end(&mut out)
            .unwrap();
        assert!(!out.is_empty());
        let mut back = Vec::new();
        DeflateDecoder::new(&out[..])
            .read_to_end(&mut back)
            .unwrap();
        assert!(back.is_empty());
        assert_eq!(compressed_size(&b""[..], 6).unwrap(), out.len() as u64);
    }

    #[test]
    fn push_stream_matches_the_pull_deflater() {
        for len in [
            0usize,
            1,
            100,
            DEFLATE_CHUNK - 1,
            DEFLATE_CHUNK,
            DEFLATE_CHUNK + 1,
            3 * DEFLATE_CHUNK + 77,
        ] {
            for level in [1u32, 6, 9] {
                let data = sample(len);
                let mut pulled = Vec::new();
                ChunkedDeflater::new(&data[..], level)
                    .read_to_end(&mut pulled)
                    .unwrap();
                let mut pushed = Vec::new();
                let mut z = DeflateStream::new(level);
                for piece in data.chunks(DEFLATE_CHUNK) {
                    z.feed(piece, &mut |b| pushed.extend_from_slice(b)).unwrap();
                }
                z.finish(&mut |b| pushed.extend_from_slice(b)).unwrap();
                assert_eq!(pushed, pulled, "len {len} level {level}");
            }
        }
    }
}
