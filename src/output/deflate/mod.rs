//! Raw deflate whose output depends only on the input bytes and the level.
//!
//! zlib-rs, like zlib, may emit different (equally valid) compressed bytes depending on how the
//! input was split across calls and how much output room each call had. A host that delivers a
//! file in 4 KiB pieces must still produce the same zip as one that delivers 1 MiB pieces, so
//! the input is always cut into fixed [`DEFLATE_CHUNK`]-sized pieces and the compressor always
//! gets a fixed-size, empty output buffer; each chunk is compressed or stored by a rule that
//! reads only that chunk's bytes ([`worth_deflating`]). The sequence of compressor calls is
//! therefore a function of the content alone, whatever the source's or the consumer's read
//! sizes are.
//!
//! - `stream.rs` — [`DeflateStream`], the one encoder (push: chunks in, bytes out);
//! - `worth.rs` — whether a chunk is worth compressing;
//! - here — [`ChunkedDeflater`], the same encoder as a pull reader over any [`Read`].
//!
//! This module does not write zip headers, choose between stored and deflate entries, or
//! inflate.

use std::io::{self, Read};

mod stream;
mod worth;
pub use stream::DeflateStream;
pub use worth::worth_deflating;

/// The deflate implementation and its exact version, recorded in the manifest: compressed
/// bytes are only reproducible with the same backend version (pinned with `=` in Cargo.toml).
pub const BACKEND: &str = "zlib-rs 0.6.8";

/// Size of every input piece handed to the compressor (the last one may be shorter).
pub const DEFLATE_CHUNK: usize = 64 * 1024;

/// Pull-style raw deflate encoder over a [`Read`], with memory bounded by one input chunk,
/// that chunk's output and the compressor state.
pub struct ChunkedDeflater<R> {
    src: R,
    z: Option<DeflateStream>,
    input: Vec<u8>,
    out: Vec<u8>,
    out_pos: usize,
    /// `None` when the caller does not need the CRC ([`ChunkedDeflater::without_crc`]).
    crc: Option<crc32fast::Hasher>,
    total_in: u64,
}

impl<R: Read> ChunkedDeflater<R> {
    /// `level` is 0..=9 (values above 9 are treated as 9).
    pub fn new(src: R, level: u32) -> Self {
        ChunkedDeflater {
            src,
            z: Some(DeflateStream::new(level)),
            input: vec![0; DEFLATE_CHUNK],
            out: Vec::new(),
            out_pos: 0,
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
        self.z.is_none() && self.out_pos == self.out.len()
    }

    /// Returns the next piece of compressed output, or `None` at the end of the stream.
    pub fn next_block(&mut self) -> io::Result<Option<&[u8]>> {
        while self.out_pos == self.out.len() {
            if self.z.is_none() {
                return Ok(None);
            }
            self.produce()?;
        }
        let block = &self.out[self.out_pos..];
        self.out_pos = self.out.len();
        Ok(Some(block))
    }

    /// Reads exactly `DEFLATE_CHUNK` bytes, fewer only at the end; returns how many.
    fn fill_input(&mut self) -> io::Result<usize> {
        let mut len = 0;
        while len < self.input.len() {
            match self.src.read(&mut self.input[len..]) {
                Ok(0) => break,
                Ok(n) => len += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        if let Some(c) = self.crc.as_mut() {
            c.update(&self.input[..len]);
        }
        self.total_in += len as u64;
        Ok(len)
    }

    /// Encodes the next chunk (or the end of the stream) into the drained output buffer.
    fn produce(&mut self) -> io::Result<()> {
        self.out.clear();
        self.out_pos = 0;
        let n = self.fill_input()?;
        let out = &mut self.out;
        let mut sink = |b: &[u8]| out.extend_from_slice(b);
        if n > 0 {
            if let Some(z) = self.z.as_mut() {
                z.feed(&self.input[..n], &mut sink)?;
            }
        }
        if n < DEFLATE_CHUNK {
            if let Some(z) = self.z.take() {
                z.finish(&mut sink)?;
            }
        }
        Ok(())
    }
}

impl<R: Read> Read for ChunkedDeflater<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        while self.out_pos == self.out.len() {
            if self.z.is_none() {
                return Ok(0);
            }
            self.produce()?;
        }
        let n = buf.len().min(self.out.len() - self.out_pos);
        buf[..n].copy_from_slice(&self.out[self.out_pos..self.out_pos + n]);
        self.out_pos += n;
        Ok(n)
    }
}

/// What one full compression pass over a source measured.
#[cfg(test)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Measured {
    compressed: u64,
    uncompressed: u64,
    crc32: u32,
}

/// Compresses `src` once, discarding the output, and reports the sizes and the CRC-32.
#[cfg(test)]
fn measure(src: impl Read, level: u32) -> io::Result<Measured> {
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

/// Deterministic incompressible bytes for the tests of this module and the zip writer's: the
/// one generator the integration test crates use too.
#[cfg(test)]
#[path = "../../../tests/support/noise.rs"]
mod test_noise;
#[cfg(test)]
pub(crate) use test_noise::noise;

#[cfg(test)]
mod tests {
    use super::noise;
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
            include_str!("../../../Cargo.toml").contains(&pin),
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
        assert_eq!(measure(&b""[..], 6).unwrap().compressed, out.len() as u64);
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

    /// Chunks of noise and of compressible bytes in the orders that change the encoder's
    /// state: noise first, noise last, runs of each, a short noisy tail.
    fn mixed_cases() -> Vec<(&'static str, Vec<u8>)> {
        let c = DEFLATE_CHUNK;
        let join = |parts: &[Vec<u8>]| parts.concat();
        vec![
            ("noise only", noise(3 * c + 5, 1)),
            ("noise then text", join(&[noise(c, 2), sample(2 * c + 9)])),
            ("text then noise", join(&[sample(c), noise(2 * c, 3)])),
            (
                "alternating",
                join(&[
                    noise(c, 4),
                    sample(c),
                    sample(c),
                    noise(c, 5),
                    sample(c),
                    noise(c, 6),
                ]),
            ),
            (
                "text, short noisy tail",
                join(&[sample(2 * c), noise(4000, 7)]),
            ),
            (
                "exact chunks ending in noise",
                join(&[sample(c), noise(c, 8)]),
            ),
        ]
    }

    fn pulled(data: &[u8], level: u32, max_read: usize) -> Vec<u8> {
        let mut out = Vec::new();
        ChunkedDeflater::new(Trickle(data, max_read), level)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn mixed_files_round_trip_with_noise_stored_and_the_rest_compressed() {
        for (name, data) in mixed_cases() {
            for level in [1u32, 6, 9] {
                let out = pulled(&data, level, 1 << 20);
                let mut back = Vec::new();
                DeflateDecoder::new(&out[..])
                    .read_to_end(&mut back)
                    .unwrap();
                assert!(back == data, "{name} level {level}: round trip");
                for max in [1usize, 4096, DEFLATE_CHUNK + 3] {
                    assert!(pulled(&data, level, max) == out, "{name}: read size {max}");
                }
                let mut pushed = Vec::new();
                let mut z = DeflateStream::new(level);
                for piece in data.chunks(DEFLATE_CHUNK) {
                    z.feed(piece, &mut |b| pushed.extend_from_slice(b)).unwrap();
                }
                z.finish(&mut |b| pushed.extend_from_slice(b)).unwrap();
                assert!(pushed == out, "{name} level {level}: push and pull agree");
            }
        }
    }

    #[test]
    fn a_noise_chunk_costs_ten_bytes_and_compressible_chunks_still_shrink() {
        let c = DEFLATE_CHUNK;
        // Noise only: two stored blocks per chunk (5-byte headers), the empty final block.
        let only = noise(3 * c, 11);
        assert_eq!(pulled(&only, 6, c).len(), 3 * c + 3 * 10 + 2);
        // The compressible chunks of a mixed file compress as well as they do on their own.
        let text = sample(3 * c);
        let alone = pulled(&text, 6, c).len();
        let mut mixed = noise(c, 12);
        mixed.extend_from_slice(&text);
        let with_noise = pulled(&mixed, 6, c).len();
        assert!(
            with_noise <= c + 10 + alone + 16,
            "{with_noise} vs {} + {alone}",
            c + 10
        );
        // Level 0 leaves every chunk to the compressor, which stores it.
        let stored = pulled(&mixed, 0, c);
        let mut back = Vec::new();
        DeflateDecoder::new(&stored[..])
            .read_to_end(&mut back)
            .unwrap();
        assert!(back == mixed);
    }
}
