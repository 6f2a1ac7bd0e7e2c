//! The end records of a zip (classic and zip64), read before the `zip` crate parses the
//! directory, and a plain walk of the directory's headers for messages.
//!
//! Why this is not left to the crate: the crate parses every directory entry into memory before
//! a caller sees the entry count, so `--max-entries` could not bound memory (a hostile
//! directory of 46-byte headers is millions of entries per 100 MB); and its errors do not say
//! which entry is broken or which name is there twice. So the end record is read here first,
//! its counts and offsets checked against the archive and the limits; the crate must then find
//! the same directory (`read_zip` checks). [`walk`] runs only to explain a failure.
//!
//! Everything read is bounds-checked against the archive length; values that point outside it
//! are errors, not panics. This module does not judge names, methods or entry sizes.

use crate::error::{Error, Result};
use crate::source::{read_exact_at, ReadAt};
use std::sync::Arc;

const EOCD_SIG: u32 = 0x0605_4b50;
const ZIP64_EOCD_SIG: u32 = 0x0606_4b50;
const ZIP64_LOCATOR_SIG: u32 = 0x0706_4b50;
const CENTRAL_SIG: u32 = 0x0201_4b50;
const EOCD_LEN: usize = 22;
const MAX_COMMENT: usize = 0xFFFF;
/// Fixed part of a central directory header.
const CENTRAL_LEN: u64 = 46;

/// Where the central directory is and how many entries it declares.
#[derive(Clone, Copy, Debug)]
pub(crate) struct End {
    pub count: u64,
    pub cd_offset: u64,
    pub cd_size: u64,
}

fn le16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}
fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}
fn le64(b: &[u8], at: usize) -> u64 {
    u64::from(le32(b, at)) | (u64::from(le32(b, at + 4)) << 32)
}

/// Reads and checks the end records.
pub(crate) fn read_end(src: &Arc<dyn ReadAt>, archive: &str, max_entries: u64) -> Result<End> {
    let bad = |m: &str| Error::archive(archive, m);
    let len = src.len();
    if len < EOCD_LEN as u64 {
        return Err(bad(
            "not a zip file (too short for an end of central directory record)",
        ));
    }
    // Most zips have no comment: their record (and a zip64 locator) is in the last 42 bytes,
    // and a record ending the file is the one `find_eocd` takes. Otherwise read what a comment
    // may span.
    let mut found = None;
    for tail_len in [EOCD_LEN + 20, EOCD_LEN + MAX_COMMENT] {
        let tail_len = len.min(tail_len as u64) as usize;
        let mut tail = vec![0u8; tail_len];
        read_exact_at(src.as_ref(), len - tail_len as u64, &mut tail)
            .map_err(|e| Error::io(archive, e))?;
        match find_eocd(&tail) {
            Some(at) if at + EOCD_LEN == tail_len || tail_len as u64 == len => {
                found = Some((tail, at));
                break;
            }
            at => found = at.map(|at| (tail, at)),
        }
    }
    let (tail, at) =
        found.ok_or_else(|| bad("not a zip file (no end of central directory record)"))?;
    let tail_start = len - tail.len() as u64;
    let eocd = &tail[at..at + EOCD_LEN];
    let eocd_pos = tail_start + at as u64;
    let (disk, cd_disk) = (le16(eocd, 4), le16(eocd, 6));
    let (mut count, mut cd_size, mut cd_offset) = (
        u64::from(le16(eocd, 10)),
        u64::from(le32(eocd, 12)),
        u64::from(le32(eocd, 16)),
    );
    let mut end_limit = eocd_pos;

    let locator =
        (at >= 20 && le32(&tail, at - 20) == ZIP64_LOCATOR_SIG).then(|| &tail[at - 20..at]);
    if let Some(loc) = locator {
        let rec_pos = le64(loc, 8);
        if rec_pos.checked_add(56).is_none_or(|e| e > eocd_pos - 20) {
            return Err(bad(
                "the zip64 end of central directory record lies outside the archive",
            ));
        }
        let mut rec = [0u8; 56];
        read_exact_at(src.as_ref(), rec_pos, &mut rec).map_err(|e| Error::io(archive, e))?;
        if le32(&rec, 0) != ZIP64_EOCD_SIG {
            return Err(bad(
                "the zip64 end of central directory locator points at no zip64 record",
            ));
        }
        if le32(&rec, 16) != 0 || le32(&rec, 20) != 0 {
            return Err(bad("multi-disk (split) zip archives are not supported"));
        }
        count = le64(&rec, 32);
        cd_size = le64(&rec, 40);
        cd_offset = le64(&rec, 48);
        end_limit = rec_pos;
    } else {
        if cd_size == 0xFFFF_FFFF || cd_offset == 0xFFFF_FFFF {
            return Err(bad("the end record asks for zip64 values but the zip64 records are missing (truncated?)"));
        }
        if disk != 0 || cd_disk != 0 || le16(eocd, 8) != le16(eocd, 10) {
            return Err(bad("multi-disk (split) zip archives are not supported"));
        }
    }
    if count > max_entries {
        return Err(crate::limits::Limits::exceeded(
            archive,
            "--max-entries",
            format!("the archive has {count} entries"),
            max_entries,
        ));
    }
    if cd_offset.checked_add(cd_size).is_none_or(|e| e > end_limit) {
        return Err(bad(
            "the central directory lies outside the archive (truncated or not a zip)",
        ));
    }
    if count.saturating_mul(46) > cd_size {
        return Err(bad(&format!(
            "the central directory is too small for its {count} entries (truncated?)"
        )));
    }
    Ok(End {
        count,
        cd_offset,
        cd_size,
    })
}

/// Checks that the directory's headers, which the crate read one after another from its start,
/// end within its declared size; `last` is where the last header starts.
pub(crate) fn check_extent(src: &dyn ReadAt, archive: &str, end: End, last: u64) -> Result<()> {
    let mut h = [0u8; CENTRAL_LEN as usize];
    let ends_inside = read_exact_at(src, last, &mut h).is_ok() && {
        let [n, m, k] = [28, 30, 32].map(|o| u64::from(le16(&h, o)));
        last + CENTRAL_LEN + n + m + k <= end.cd_offset + end.cd_size
    };
    match ends_inside {
        true => Ok(()),
        false => Err(walk(src, archive, end).err().unwrap_or_else(|| {
            Error::archive(
                archive,
                "the central directory runs past its declared size (corrupt zip)",
            )
        })),
    }
}

/// Position of the end record in `tail`: preferably one whose comment ends exactly at the end of
/// the file; otherwise the last one whose comment fits.
fn find_eocd(tail: &[u8]) -> Option<usize> {
    let mut fallback = None;
    for i in (0..=tail.len() - EOCD_LEN).rev() {
        if le32(tail, i) != EOCD_SIG {
            continue;
        }
        let end = i + EOCD_LEN + usize::from(le16(tail, i + 20));
        if end == tail.len() {
            return Some(i);
        }
        if end < tail.len() && fallback.is_none() {
            fallback = Some(i);
        }
    }
    fallback
}

/// The raw names of the directory's entries, read header by header within the directory, or the
/// error that says where it breaks (for when the crate refused the directory).
pub(crate) fn walk(src: &dyn ReadAt, archive: &str, end: End) -> Result<Vec<Vec<u8>>> {
    let bad = |m: String| Error::archive(archive, m);
    let cd_end = end.cd_offset + end.cd_size;
    let mut names = Vec::new();
    let mut at = end.cd_offset;
    for i in 1..=end.count {
        let mut h = [0u8; CENTRAL_LEN as usize];
        let fits = |len: u64| at.checked_add(len).is_some_and(|e| e <= cd_end);
        if !fits(CENTRAL_LEN) {
            return Err(bad(format!(
                "the central directory is truncated at entry {i}"
            )));
        }
        read_exact_at(src, at, &mut h).map_err(|e| Error::io(archive, e))?;
        if le32(&h, 0) != CENTRAL_SIG {
            return Err(bad(
                "bad central directory entry signature (corrupt zip)".into()
            ));
        }
        let [n, m, k] = [28, 30, 32].map(|o| u64::from(le16(&h, o)));
        if !fits(CENTRAL_LEN + n + m + k) {
            return Err(bad(format!(
                "the central directory is truncated at entry {i}"
            )));
        }
        let mut name = vec![0u8; n as usize];
        read_exact_at(src, at + CENTRAL_LEN, &mut name).map_err(|e| Error::io(archive, e))?;
        names.push(name);
        at += CENTRAL_LEN + n + m + k;
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eocd_prefers_the_record_that_ends_the_file() {
        let record = |comment_len: u16| {
            let mut r = EOCD_SIG.to_le_bytes().to_vec();
            r.extend_from_slice(&[0; 16]);
            r.extend_from_slice(&comment_len.to_le_bytes());
            r
        };
        // The real record's comment holds a fake record whose comment length does not fit.
        let mut t = vec![0u8; 10];
        t.extend(record(24));
        t.extend(record(1));
        t.extend_from_slice(&[0, 0]);
        assert_eq!(find_eocd(&t), Some(10));
        // Without an exact match, the last record whose comment fits is taken.
        t.push(0);
        assert_eq!(find_eocd(&t), Some(32));
        assert_eq!(find_eocd(&[0u8; 22]), None);
    }
}
