//! Input readers: turn a container into a [`crate::source::vtree::VTree`].
//!
//! Each reader reads only structure up front (directories, headers) and hands out lazily
//! opened contents. None of them validates driver layout; that happens on the tree.
//! [`open`] is the one place that recognizes a container by its content, for the CLI and
//! the browser alike.

pub mod catalog;
pub mod certs;
pub mod installer;
pub mod iso;
pub mod msi;
pub mod signer;
pub mod zip;

use crate::limits::Limits;
use crate::source::vtree::VTree;
use crate::source::ReadAt;
use crate::{Error, Result};
use std::sync::Arc;

/// Decodes UTF-16 text (ISO 9660 Joliet names are big-endian, catalog values little-endian);
/// `None` for an odd length or unpaired surrogates.
pub(crate) fn utf16(b: &[u8], big_endian: bool) -> Option<String> {
    if !b.len().is_multiple_of(2) {
        return None;
    }
    let units: Vec<u16> = b
        .chunks_exact(2)
        .map(|c| {
            if big_endian {
                u16::from_be_bytes([c[0], c[1]])
            } else {
                u16::from_le_bytes([c[0], c[1]])
            }
        })
        .collect();
    String::from_utf16(&units).ok()
}

/// What a single-file input holds, recognized by content, never by file name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Container {
    /// `PK\3\4` (a local header) or `PK\5\6` (an empty archive's end record) at byte 0.
    Zip,
    /// `CD001` in the first volume descriptor (sector 16, byte 1).
    Iso,
}

/// Where an ISO9660 image says `CD001`: byte 1 of the first volume descriptor (sector 16).
const ISO_MAGIC_OFFSET: u64 = 16 * iso::SECTOR + 1;

/// Recognizes a zip archive or an ISO image by its first bytes; `None` for anything else.
pub fn sniff(src: &dyn ReadAt) -> std::io::Result<Option<Container>> {
    let mut magic = [0u8; 4];
    if src.read_at(0, &mut magic)? == 4 && (magic == *b"PK\x03\x04" || magic == *b"PK\x05\x06") {
        return Ok(Some(Container::Zip));
    }
    let mut cd = [0u8; 5];
    if src.read_at(ISO_MAGIC_OFFSET, &mut cd)? == 5 && cd == *b"CD001" {
        return Ok(Some(Container::Iso));
    }
    Ok(None)
}

/// Opens a zip archive or an ISO image as a tree under `limits`; `name` (a file name, never a
/// path) is used in messages. Anything else is an error that says what is accepted.
pub fn open(src: Arc<dyn ReadAt>, name: &str, limits: &Limits) -> Result<VTree> {
    match sniff(src.as_ref()).map_err(|e| Error::io(name, e))? {
        Some(Container::Zip) => zip::read_zip(src, name, &zip::ZipLimits::from(limits)),
        Some(Container::Iso) => iso::IsoFs::open(src, name)?.to_vtree_limited(limits),
        None => Err(Error::archive(
            name,
            "not a zip archive or an ISO image (to build, give a folder, zip or ISO holding x86/ and amd64/ driver folders; to verify, the ISO or zip guestpack made)",
        )),
    }
}
