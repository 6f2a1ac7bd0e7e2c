//! The Authenticode image hash of a PE file: the hash Windows looks up in a catalog for `.sys`,
//! `.dll` and `.exe` files. It covers every byte of the file except three ranges: the optional
//! header's `CheckSum` field, the certificate-table entry of the data directory, and the
//! certificate table itself (an embedded signature, whose position the entry gives as a file
//! offset). For images whose sections follow the headers in order, which is what linkers
//! write, this equals the section-by-section definition of the Authenticode specification.
//!
//! The ranges come from the first bytes of the file alone ([`PeSkips::from_head`]), so the
//! hash is computed in the same single pass as the file's SHA-256 ([`SkipFeed`]). Files are
//! recognized as PE images by content (`MZ` and `PE\0\0`), never by name.

use sha1::Sha1;
use sha2::{Digest, Sha256};
use std::ops::Range;

/// How many leading bytes [`PeSkips::from_head`] needs at most: the `e_lfanew` pointer is
/// read from the DOS header and the PE headers must lie within this prefix.
pub const HEAD: usize = 4096;

/// The three ranges the image hash leaves out, as file offsets, sorted and disjoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeSkips {
    pub ranges: Vec<Range<u64>>,
}

impl PeSkips {
    /// Reads the ranges from the first bytes of a file of `len` bytes; `None` when the bytes
    /// are not a PE image (then Windows hashes the whole file).
    pub fn from_head(head: &[u8], len: u64) -> Option<PeSkips> {
        let u16_at = |o: usize| head.get(o..o + 2).map(|b| u16::from_le_bytes([b[0], b[1]]));
        let u32_at = |o: usize| {
            head.get(o..o + 4)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        };
        if head.get(..2)? != b"MZ" {
            return None;
        }
        let pe = u32_at(0x3c)? as usize;
        if head.get(pe..pe + 4)? != b"PE\0\0" {
            return None;
        }
        let optional = pe + 24;
        // The data directories start after the fixed part of the optional header, whose size
        // differs between PE32 (0x10b) and PE32+ (0x20b).
        let directories = match u16_at(optional)? {
            0x10b => optional + 96,
            0x20b => optional + 112,
            _ => return None,
        };
        let count = u32_at(directories - 4)?;
        let checksum = (optional + 64) as u64;
        let mut ranges = Vec::with_capacity(3);
        ranges.push(checksum..checksum + 4);
        // Entry 4 is the certificate table; an image with fewer directories has none.
        if count > 4 {
            let entry = directories + 4 * 8;
            let (offset, size) = (u64::from(u32_at(entry)?), u64::from(u32_at(entry + 4)?));
            ranges.push(entry as u64..entry as u64 + 8);
            if size > 0 && offset.checked_add(size)? <= len && offset >= entry as u64 + 8 {
                ranges.push(offset..offset + size);
            }
        }
        Some(PeSkips { ranges })
    }
}

/// Feeds a file's bytes, chunk by chunk in order, to `sink` minus the skipped ranges.
pub struct SkipFeed {
    skips: Vec<Range<u64>>,
    pos: u64,
}

impl SkipFeed {
    pub fn new(skips: &PeSkips) -> SkipFeed {
        SkipFeed {
            skips: skips.ranges.clone(),
            pos: 0,
        }
    }

    /// The next `chunk` of the file (it follows the previous one).
    pub fn feed(&mut self, chunk: &[u8], sink: &mut dyn FnMut(&[u8])) {
        let start = self.pos;
        let end = start + chunk.len() as u64;
        let mut at = start;
        for r in &self.skips {
            if r.end <= at || r.start >= end {
                continue;
            }
            if r.start > at {
                sink(&chunk[(at - start) as usize..(r.start - start) as usize]);
            }
            at = r.end.min(end);
        }
        if at < end {
            sink(&chunk[(at - start) as usize..]);
        }
        self.pos = end;
    }
}

/// What Windows looks up in a catalog for one file: SHA-1 and SHA-256 of its image bytes (a PE
/// image without the three skipped ranges) or of all its bytes (anything else).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WindowsDigests {
    pub pe_image: bool,
    pub sha1: [u8; 20],
    pub sha256: [u8; 32],
}

/// Computes [`WindowsDigests`] from a file's bytes handed over in order, in pieces of any size
/// (the single pass of [`super::digest::digest_with`]). The first [`HEAD`] bytes are held
/// until it is known whether the file is a PE image; nothing else is kept.
pub struct WindowsHasher {
    len: u64,
    head: Vec<u8>,
    /// `Some` once the kind is known: the skip feed for a PE image, `None` inside for others.
    mode: Option<Option<SkipFeed>>,
    sha1: Sha1,
    sha256: Sha256,
    /// The caller computes the flat SHA-256 anyway (the media digest): not computed twice.
    flat_sha256_given: bool,
}

impl WindowsHasher {
    /// For a file of `len` bytes.
    pub fn new(len: u64) -> WindowsHasher {
        WindowsHasher {
            len,
            head: Vec::new(),
            mode: None,
            sha1: Sha1::new(),
            sha256: Sha256::new(),
            flat_sha256_given: false,
        }
    }

    /// For a file of `len` bytes whose flat SHA-256 the caller computes in the same pass and
    /// hands to [`WindowsHasher::finish_with`]: for anything but a PE image that is the hash
    /// Windows looks up, so only SHA-1 is added to the pass.
    pub fn sharing_sha256(len: u64) -> WindowsHasher {
        WindowsHasher {
            flat_sha256_given: true,
            ..WindowsHasher::new(len)
        }
    }

    /// [`WindowsHasher::finish`] for a hasher made by [`WindowsHasher::sharing_sha256`]:
    /// `flat_sha256` is the SHA-256 of all the file's bytes.
    pub fn finish_with(self, flat_sha256: &[u8; 32]) -> WindowsDigests {
        let mut d = self.finish();
        if !d.pe_image {
            d.sha256 = *flat_sha256;
        }
        d
    }

    pub fn update(&mut self, mut piece: &[u8]) {
        if self.mode.is_none() {
            let take = (HEAD - self.head.len()).min(piece.len());
            self.head.extend_from_slice(&piece[..take]);
            piece = &piece[take..];
            if self.head.len() < HEAD && (self.head.len() as u64) < self.len {
                return;
            }
            self.decide();
        }
        self.hash(piece);
    }

    /// The digests; the whole file must have been given.
    pub fn finish(mut self) -> WindowsDigests {
        if self.mode.is_none() {
            self.decide();
        }
        WindowsDigests {
            pe_image: matches!(self.mode, Some(Some(_))),
            sha1: self.sha1.finalize().into(),
            sha256: self.sha256.finalize().into(),
        }
    }

    fn decide(&mut self) {
        let feed = PeSkips::from_head(&self.head, self.len).map(|s| SkipFeed::new(&s));
        self.mode = Some(feed);
        let head = std::mem::take(&mut self.head);
        self.hash(&head);
    }

    fn hash(&mut self, piece: &[u8]) {
        let (sha1, sha256) = (&mut self.sha1, &mut self.sha256);
        let mut sink = |p: &[u8]| {
            sha1.update(p);
            sha256.update(p);
        };
        match &mut self.mode {
            Some(Some(feed)) => feed.feed(piece, &mut sink),
            _ if self.flat_sha256_given => self.sha1.update(piece),
            _ => sink(piece),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal PE32+ header with a certificate table at `cert` of `size` bytes.
    fn image(len: usize, cert: u32, size: u32) -> Vec<u8> {
        let mut b = vec![0u8; len];
        b[..2].copy_from_slice(b"MZ");
        b[0x3c..0x40].copy_from_slice(&0x80u32.to_le_bytes());
        b[0x80..0x84].copy_from_slice(b"PE\0\0");
        let opt = 0x80 + 24;
        b[opt..opt + 2].copy_from_slice(&0x20bu16.to_le_bytes());
        b[opt + 108..opt + 112].copy_from_slice(&16u32.to_le_bytes());
        let entry = opt + 112 + 32;
        b[entry..entry + 4].copy_from_slice(&cert.to_le_bytes());
        b[entry + 4..entry + 8].copy_from_slice(&size.to_le_bytes());
        b
    }

    #[test]
    fn finds_the_three_ranges_and_feeds_the_rest_across_chunks() {
        let b = image(1000, 900, 100);
        let s = PeSkips::from_head(&b, 1000).unwrap();
        let opt = 0x80 + 24;
        assert_eq!(
            s.ranges,
            vec![
                (opt + 64) as u64..(opt + 68) as u64,
                (opt + 144) as u64..(opt + 152) as u64,
                900..1000
            ]
        );
        let want: Vec<u8> = b
            .iter()
            .enumerate()
            .filter(|(i, _)| !s.ranges.iter().any(|r| r.contains(&(*i as u64))))
            .map(|(_, x)| *x)
            .collect();
        for chunk in [1, 7, 64, 1000] {
            let mut got = Vec::new();
            let mut f = SkipFeed::new(&s);
            for c in b.chunks(chunk) {
                f.feed(c, &mut |p| got.extend_from_slice(p));
            }
            assert_eq!(got, want, "chunk {chunk}");
        }
    }

    #[test]
    fn the_hasher_gives_the_same_digests_whatever_the_pieces() {
        let mut pe = image(10_000, 9_000, 1_000);
        for (i, b) in pe.iter_mut().enumerate().skip(0x200) {
            *b ^= (i % 251) as u8;
        }
        let skips = PeSkips::from_head(&pe, 10_000).unwrap();
        let kept: Vec<u8> = pe
            .iter()
            .enumerate()
            .filter(|(i, _)| !skips.ranges.iter().any(|r| r.contains(&(*i as u64))))
            .map(|(_, x)| *x)
            .collect();
        let text = b"[Version]\r\nSignature=\"$Windows NT$\"\r\n".repeat(200);
        for (bytes, hashed, is_pe) in [(&pe, &kept, true), (&text, &text, false)] {
            let want = (
                Sha1::digest(hashed.as_slice()),
                Sha256::digest(hashed.as_slice()),
            );
            for piece in [1, 100, 4096, 4097, 1 << 20] {
                let mut h = WindowsHasher::new(bytes.len() as u64);
                for p in bytes.chunks(piece) {
                    h.update(p);
                }
                let d = h.finish();
                assert_eq!(d.pe_image, is_pe);
                assert_eq!(
                    (d.sha1.to_vec(), d.sha256.to_vec()),
                    (want.0.to_vec(), want.1.to_vec()),
                    "{piece}"
                );
                // Sharing the caller's flat SHA-256 gives the same digests.
                let mut h = WindowsHasher::sharing_sha256(bytes.len() as u64);
                for p in bytes.chunks(piece) {
                    h.update(p);
                }
                let flat: [u8; 32] = Sha256::digest(bytes.as_slice()).into();
                assert_eq!(h.finish_with(&flat), d, "{piece}");
            }
        }
        // A file shorter than the head is decided at the end.
        let mut h = WindowsHasher::new(3);
        h.update(b"abc");
        assert_eq!(h.finish().sha256.to_vec(), Sha256::digest(b"abc").to_vec());
    }

    #[test]
    fn not_pe_or_lying_headers() {
        assert_eq!(PeSkips::from_head(b"MZ", 2), None);
        assert_eq!(PeSkips::from_head(&[0u8; 512], 512), None);
        let mut b = image(1000, 900, 100);
        b[0x3c..0x40].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
        assert_eq!(PeSkips::from_head(&b, 1000), None);
        // A certificate table past the end of the file is not skipped.
        let b = image(1000, 950, 100);
        assert_eq!(PeSkips::from_head(&b, 1000).unwrap().ranges.len(), 2);
    }
}
