//! The files that go on the media, with their digests: the common input of every writer.
//!
//! A [`MediaFile`] is known by its final path (`drivers/amd64/viostor/viostor.inf`), its
//! content (opened lazily) and the digests computed in one pass over its bytes. Writers
//! (ISO, zip, manifest) take a sorted slice of these and never re-hash.

use crate::source::digest::{digest, hex};
use crate::source::Content;
use std::io;
use std::sync::Arc;

#[derive(Clone)]
pub struct MediaFile {
    /// `/`-separated path on the media, no leading slash.
    pub path: String,
    pub content: Arc<dyn Content>,
    pub size: u64,
    pub sha256: [u8; 32],
    pub crc32: u32,
}

impl std::fmt::Debug for MediaFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaFile")
            .field("path", &self.path)
            .field("size", &self.size)
            .finish()
    }
}

impl MediaFile {
    pub fn sha256_hex(&self) -> String {
        hex(&self.sha256)
    }
}

/// Builds a [`MediaFile`] by digesting `content`.
pub fn media_file(path: impl Into<String>, content: Arc<dyn Content>) -> io::Result<MediaFile> {
    let (size, sha256, crc32) = digest(content.as_ref())?;
    Ok(MediaFile {
        path: path.into(),
        content,
        size,
        sha256,
        crc32,
    })
}
