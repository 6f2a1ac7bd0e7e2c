//! Planning pass: learns each file's deflated size, and decides stored or deflated.
//!
//! [`Measurer`] takes a file's bytes in any pieces (it re-chunks them into
//! [`DEFLATE_CHUNK`]s), so it can ride along the hashing pass and a file is read once for
//! both. A file is deflated unless that does not shrink it. Within the deflate stream each
//! chunk is compressed or stored by its own bytes ([`crate::output::deflate::worth_deflating`]),
//! so already-compressed parts (cabinets, firmware, media, or a binary's packed resources)
//! cost little, and a file none of whose chunks is worth compressing comes out larger than it
//! went in: it is stored.
//!
//! A file may keep its compressed bytes ([`Measurement`]'s cache) so the streaming pass does
//! not deflate it again: small files in memory within a budget ([`MemStore`]), or any file in
//! a store the host provides ([`KeepStore`]; the browser keeps them in Blobs, which it may page
//! out). This module does not decide offsets or headers.

use crate::error::{Error, Result};
use crate::output::deflate::{DeflateStream, DEFLATE_CHUNK};
use crate::output::media::MediaFile;
use crate::output::par;
use crate::source::{Content, MemContent};
use std::io::{self, Read};
use std::sync::Arc;

/// Files up to this size may keep their compressed bytes from the planning pass.
pub const CACHE_FILE_MAX: u64 = 4 << 20;
/// Total size of the files whose compressed bytes are kept (their compressed bytes are
/// smaller still): bounds the memory the cache can take, whatever the payload.
pub const CACHE_BUDGET: u64 = 32 << 20;

/// What the planning pass learned about one file.
#[derive(Clone, Default)]
pub struct Measurement {
    /// Compressed size when deflate shrinks the file; `None` stores it.
    pub compressed: Option<u64>,
    /// The compressed bytes, when a [`Keeper`] kept them (see [`cache_choices`], [`KeepStore`]).
    pub(crate) cached: Option<Arc<dyn Content>>,
}

impl std::fmt::Debug for Measurement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Measurement")
            .field("compressed", &self.compressed)
            .field("cached", &self.cached.as_ref().map(|c| c.len()))
            .finish()
    }
}

/// Holds one file's compressed bytes as the planning pass makes them.
pub trait Keeper: Send {
    /// The next compressed bytes.
    fn write(&mut self, bytes: &[u8]);
    /// Everything written, as a content the zip writer copies (or hands on by reference,
    /// when it has a [`crate::source::Span`]).
    fn finish(self: Box<Self>) -> io::Result<Arc<dyn Content>>;
}

/// Keeps compressed bytes in memory.
#[derive(Default)]
pub struct MemKeeper(Vec<u8>);

impl Keeper for MemKeeper {
    fn write(&mut self, bytes: &[u8]) {
        self.0.extend_from_slice(bytes);
    }
    fn finish(self: Box<Self>) -> io::Result<Arc<dyn Content>> {
        Ok(Arc::new(MemContent::new(self.0)))
    }
}

/// Decides, file by file, where (and whether) compressed bytes are kept.
pub trait KeepStore {
    /// A keeper for the next file, of `size` bytes; `None` keeps nothing.
    fn keeper(&mut self, size: u64) -> Option<Box<dyn Keeper>>;
    /// The file the last keeper was for turned out stored: nothing of it was kept.
    fn unused(&mut self, _size: u64) {}
}

/// Files up to [`CACHE_FILE_MAX`] kept in memory while their sizes fit in the budget (input
/// bytes; their compressed bytes are smaller still).
pub struct MemStore {
    pub budget: u64,
}

impl KeepStore for MemStore {
    fn keeper(&mut self, size: u64) -> Option<Box<dyn Keeper>> {
        if size == 0 || size > CACHE_FILE_MAX || size > self.budget {
            return None;
        }
        self.budget -= size;
        Some(Box::new(MemKeeper::default()))
    }
    fn unused(&mut self, size: u64) {
        self.budget += size;
    }
}

impl Measurement {
    /// True when the streaming pass will copy kept bytes instead of deflating again.
    pub fn is_cached(&self) -> bool {
        self.cached.is_some()
    }
}

/// Which files (given their sizes, in archive order) keep their compressed bytes: files up
/// to [`CACHE_FILE_MAX`], first come first served, until [`CACHE_BUDGET`] is used up. Depends
/// only on the sizes, so every run and thread count caches the same files.
pub fn cache_choices(sizes: impl IntoIterator<Item = u64>) -> Vec<bool> {
    let mut used = 0u64;
    sizes
        .into_iter()
        .map(|size| {
            let keep = size > 0 && size <= CACHE_FILE_MAX && used + size <= CACHE_BUDGET;
            if keep {
                used += size;
            }
            keep
        })
        .collect()
}

/// Measures one file fed piece by piece; see the module documentation for the rules.
pub struct Measurer {
    declared: u64,
    keep: Option<Box<dyn Keeper>>,
    buf: Vec<u8>,
    z: DeflateStream,
    compressed: u64,
    error: Option<io::Error>,
}

impl Measurer {
    /// `declared` is the file's size (from its content); `keep` asks for the compressed bytes
    /// (in memory).
    pub fn new(level: u32, declared: u64, keep: bool) -> Self {
        let keeper = keep.then(|| Box::new(MemKeeper::default()) as Box<dyn Keeper>);
        Self::keeping(level, declared, keeper)
    }

    /// [`Measurer::new`] keeping the compressed bytes in `keeper`, if any.
    pub fn keeping(level: u32, declared: u64, keeper: Option<Box<dyn Keeper>>) -> Self {
        Measurer {
            declared,
            keep: keeper,
            buf: Vec::with_capacity(DEFLATE_CHUNK),
            z: DeflateStream::new(level),
            compressed: 0,
            error: None,
        }
    }

    /// Feeds the next bytes of the file, in pieces of any size.
    pub fn update(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let n = bytes.len().min(DEFLATE_CHUNK - self.buf.len());
            self.buf.extend_from_slice(&bytes[..n]);
            bytes = &bytes[n..];
            if self.buf.len() == DEFLATE_CHUNK {
                self.chunk();
                self.buf.clear();
            }
        }
    }

    fn chunk(&mut self) {
        if self.error.is_some() {
            return;
        }
        let (compressed, keep) = (&mut self.compressed, &mut self.keep);
        let r = self.z.feed(&self.buf, &mut |out| {
            *compressed += out.len() as u64;
            if let Some(k) = keep.as_mut() {
                k.write(out);
            }
        });
        if let Err(e) = r {
            self.error = Some(e);
        }
    }

    /// Ends the file and returns the decision.
    pub fn finish(mut self) -> io::Result<Measurement> {
        if !self.buf.is_empty() {
            self.chunk();
        }
        if let Some(e) = self.error {
            return Err(e);
        }
        let (compressed, keep) = (&mut self.compressed, &mut self.keep);
        self.z.finish(&mut |out| {
            *compressed += out.len() as u64;
            if let Some(k) = keep.as_mut() {
                k.write(out);
            }
        })?;
        if self.compressed >= self.declared {
            return Ok(Measurement::default());
        }
        let cached = self.keep.map(|k| k.finish()).transpose()?;
        if cached.as_ref().is_some_and(|c| c.len() != self.compressed) {
            return Err(io::Error::other(
                "the kept compressed bytes are not what was compressed",
            ));
        }
        Ok(Measurement {
            compressed: Some(self.compressed),
            cached,
        })
    }
}

/// Measures every file by reading it again (used when the hashing pass did not measure).
/// Nothing is cached: the streaming pass then re-reads, and so re-checks, every file.
pub(crate) fn measure_all(
    files: &[MediaFile],
    level: u32,
    threads: usize,
) -> Result<Vec<Measurement>> {
    let results = par::map_ordered(files, threads, |_, f| measure_one(f, level));
    // Collecting stops at the first error in file order, whichever thread found it first.
    results.into_iter().collect()
}

fn measure_one(f: &MediaFile, level: u32) -> Result<Measurement> {
    if level == 0 || f.size == 0 {
        return Ok(Measurement::default());
    }
    let mut m = Measurer::new(level, f.size, false);
    let mut crc = crc32fast::Hasher::new();
    let mut total = 0u64;
    let mut reader = f.content.open().map_err(|e| Error::io(&f.path, e))?;
    let mut buf = vec![0u8; crate::source::digest::IO_CHUNK];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Error::io(&f.path, e)),
        };
        crc.update(&buf[..n]);
        m.update(&buf[..n]);
        total += n as u64;
    }
    if total != f.size || crc.finalize() != f.crc32 {
        return Err(Error::io(
            &f.path,
            io::Error::new(
                io::ErrorKind::InvalidData,
                "the file changed after it was hashed (size or crc32 differs)",
            ),
        ));
    }
    m.finish().map_err(|e| Error::io(&f.path, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::deflate::noise;
    use crate::output::deflate::ChunkedDeflater;

    fn text(len: usize) -> Vec<u8> {
        b"[Strings]\r\nDiskName = \"driver disk\"\r\n"
            .iter()
            .cycle()
            .take(len)
            .copied()
            .collect()
    }

    fn measure_pieces(data: &[u8], level: u32, piece: usize, keep: bool) -> Measurement {
        let mut m = Measurer::new(level, data.len() as u64, keep);
        for p in data.chunks(piece.max(1)) {
            m.update(p);
        }
        if data.is_empty() {
            m.update(&[]);
        }
        m.finish().unwrap()
    }

    fn deflated_len(data: &[u8], level: u32) -> Vec<u8> {
        let mut out = Vec::new();
        ChunkedDeflater::new(data, level)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn sizes_and_kept_bytes_match_the_streaming_deflater_for_any_piece_size() {
        let mut mixed = text(3 * DEFLATE_CHUNK);
        mixed.extend(noise(DEFLATE_CHUNK + 5, 3));
        let mut noisy_start = noise(2 * DEFLATE_CHUNK, 4);
        noisy_start.extend(text(DEFLATE_CHUNK + 7));
        for data in [
            text(300),
            text(DEFLATE_CHUNK),
            text(DEFLATE_CHUNK + 1),
            mixed,
            noisy_start,
        ] {
            let want = deflated_len(&data, 6);
            for piece in [1usize, 1000, DEFLATE_CHUNK, 1 << 20] {
                let m = measure_pieces(&data, 6, piece, true);
                assert_eq!(m.compressed, Some(want.len() as u64), "piece {piece}");
                let kept = crate::source::read_to_vec(m.cached.as_deref().unwrap(), u64::MAX);
                assert_eq!(kept.unwrap(), want, "piece {piece}");
                let plain = measure_pieces(&data, 6, piece, false);
                assert_eq!(plain.compressed, m.compressed);
                assert!(plain.cached.is_none());
            }
        }
    }

    #[test]
    fn files_are_stored_only_when_deflating_does_not_shrink_them() {
        // Starts with noise, compresses later: deflated, the noise inside as stored blocks.
        let mut data = noise(DEFLATE_CHUNK, 9);
        data.extend(text(10 * DEFLATE_CHUNK));
        let m = measure_pieces(&data, 6, 4096, true);
        let want = deflated_len(&data, 6);
        assert_eq!(m.compressed, Some(want.len() as u64));
        assert!(
            want.len() < DEFLATE_CHUNK + DEFLATE_CHUNK / 4,
            "{}",
            want.len()
        );
        // Starts compressible, ends with noise: deflated too.
        let mut data = text(DEFLATE_CHUNK);
        data.extend(noise(4 * DEFLATE_CHUNK, 5));
        assert_eq!(
            measure_pieces(&data, 6, 4096, false).compressed,
            Some(deflated_len(&data, 6).len() as u64)
        );
        // Noise throughout, one chunk or many: stored, and nothing kept.
        for len in [DEFLATE_CHUNK, 5 * DEFLATE_CHUNK + 3] {
            let m = measure_pieces(&noise(len, 1), 6, 999, true);
            assert_eq!(m.compressed, None, "{len}");
            assert!(m.cached.is_none());
        }
        assert_eq!(measure_pieces(&[], 6, 1, true).compressed, None);
        assert_eq!(measure_pieces(b"a", 6, 1, true).compressed, None);
    }

    #[test]
    fn cache_choices_respect_the_file_limit_and_the_budget() {
        let sizes = [0, 10, CACHE_FILE_MAX + 1, CACHE_FILE_MAX, 5];
        assert_eq!(cache_choices(sizes), [false, true, false, true, true]);
        let many = vec![CACHE_FILE_MAX; (CACHE_BUDGET / CACHE_FILE_MAX + 3) as usize];
        let chosen = cache_choices(many.iter().copied());
        let kept: u64 = many
            .iter()
            .zip(&chosen)
            .filter(|(_, k)| **k)
            .map(|(s, _)| s)
            .sum();
        assert_eq!(kept, CACHE_BUDGET);
        assert!(!chosen[chosen.len() - 1]);
    }
}
