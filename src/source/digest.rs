//! The one pass over a file's bytes: size, SHA-256 and CRC-32 together, so nothing is
//! read twice. Used to digest media files, to verify existing media and by the sample.

use super::Content;
use sha2::{Digest, Sha256};
use std::io::{self, Read};

/// Size of the buffer used for every sequential pass over file contents.
pub const IO_CHUNK: usize = 64 * 1024;

/// Lower-case hex of a byte string.
pub fn hex(bytes: &[u8]) -> String {
    const H: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(H[(b >> 4) as usize] as char);
        s.push(H[(b & 15) as usize] as char);
    }
    s
}

/// Reads a content once, returning (size, sha256, crc32). Fails if the content yields a
/// different number of bytes than it declared (a file changed while we read it).
pub fn digest(content: &dyn Content) -> io::Result<(u64, [u8; 32], u32)> {
    digest_with(content, &mut |_| {})
}

/// Like [`digest`], also handing every piece read to `also` (in source-sized pieces), so
/// another pass over the same bytes (measuring compression) needs no second read.
pub fn digest_with(
    content: &dyn Content,
    also: &mut dyn FnMut(&[u8]),
) -> io::Result<(u64, [u8; 32], u32)> {
    let mut r = content.open()?;
    let mut sha = Sha256::new();
    // A content that checks its own CRC (a zip entry) fails the read below if its bytes do
    // not have that CRC: computing it a second time would only cost time.
    let known = content.checked_crc32();
    let mut crc = known.is_none().then(crc32fast::Hasher::new);
    let mut buf = vec![0u8; IO_CHUNK];
    let mut n_total = 0u64;
    loop {
        let n = r.read(&mut buf)?;
        if n == 0 {
            break;
        }
        sha.update(&buf[..n]);
        if let Some(c) = crc.as_mut() {
            c.update(&buf[..n]);
        }
        also(&buf[..n]);
        n_total += n as u64;
    }
    if n_total != content.len() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "expected {} bytes, read {n_total} (did the file change while packaging?)",
                content.len()
            ),
        ));
    }
    let crc32 = match crc {
        Some(c) => c.finalize(),
        None => known.unwrap_or_default(),
    };
    Ok((n_total, sha.finalize().into(), crc32))
}
