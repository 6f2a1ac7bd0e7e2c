//! Zip structure parsing: end of central directory (classic and zip64), central directory
//! entries and local headers.
//!
//! Only structure is read here, never entry data. Everything read is bounds-checked against
//! the archive length; values that point outside it are errors, not panics. This module does
//! not judge names, methods or limits beyond what is needed to parse safely.

use crate::error::{Error, Result};
use crate::source::{read_exact_at, RangeReader, ReadAt};
use std::io::{self, BufReader, Read};
use std::sync::Arc;

const EOCD_SIG: u32 = 0x0605_4b50;
const ZIP64_EOCD_SIG: u32 = 0x0606_4b50;
const ZIP64_LOCATOR_SIG: u32 = 0x0706_4b50;
const CENTRAL_SIG: u32 = 0x0201_4b50;
const LOCAL_SIG: u32 = 0x0403_4b50;
const EOCD_LEN: usize = 22;
const MAX_COMMENT: usize = 0xFFFF;

/// One central directory record, with zip64 values already applied.
#[derive(Clone, Debug)]
pub(crate) struct CdEntry {
    pub raw_name: Vec<u8>,
    pub made_by: u16,
    pub flags: u16,
    pub method: u16,
    pub crc32: u32,
    pub compressed_size: u64,
    pub size: u64,
    pub local_offset: u64,
    pub external_attrs: u32,
    /// Name from an Info-ZIP Unicode Path extra field whose CRC matches `raw_name`.
    pub unicode_name: Option<String>,
}

/// The central directory and where it starts (entry data must end before it).
pub(crate) struct Directory {
    pub entries: Vec<CdEntry>,
    pub cd_offset: u64,
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

/// Reads the end records and the whole central directory (streamed, 64 KiB at a time).
pub(crate) fn read_directory(
    src: &Arc<dyn ReadAt>,
    archive: &str,
    max_entries: u64,
) -> Result<Directory> {
    let bad = |m: &str| Error::archive(archive, m);
    let len = src.len();
    if len < EOCD_LEN as u64 {
        return Err(bad(
            "not a zip file (too short for an end of central directory record)",
        ));
    }
    let tail_len = len.min((EOCD_LEN + MAX_COMMENT) as u64) as usize;
    let tail_start = len - tail_len as u64;
    let mut tail = vec![0u8; tail_len];
    read_exact_at(src.as_ref(), tail_start, &mut tail).map_err(|e| Error::io(archive, e))?;
    let at = find_eocd(&tail)
        .ok_or_else(|| bad("not a zip file (no end of central directory record)"))?;
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
    let mut r =
        BufReader::with_capacity(64 * 1024, RangeReader::new(src.clone(), cd_offset, cd_size));
    let mut entries = Vec::with_capacity(count.min(1 << 16) as usize);
    for i in 0..count {
        let e = read_entry(&mut r, len).map_err(|e| match e {
            EntryError::Io(io) if io.kind() == io::ErrorKind::UnexpectedEof => bad(&format!(
                "the central directory is truncated at entry {}",
                i + 1
            )),
            EntryError::Io(io) => Error::io(archive, io),
            EntryError::Bad(m) => bad(&m),
        })?;
        entries.push(e);
    }
    Ok(Directory { entries, cd_offset })
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

enum EntryError {
    Io(io::Error),
    Bad(String),
}
impl From<io::Error> for EntryError {
    fn from(e: io::Error) -> Self {
        EntryError::Io(e)
    }
}

fn read_entry(r: &mut impl Read, archive_len: u64) -> Result<CdEntry, EntryError> {
    let mut h = [0u8; 46];
    r.read_exact(&mut h)?;
    if le32(&h, 0) != CENTRAL_SIG {
        return Err(EntryError::Bad(
            "bad central directory entry signature (corrupt zip)".into(),
        ));
    }
    let mut raw_name = vec![0u8; usize::from(le16(&h, 28))];
    let mut extra = vec![0u8; usize::from(le16(&h, 30))];
    let mut comment = vec![0u8; usize::from(le16(&h, 32))];
    r.read_exact(&mut raw_name)?;
    r.read_exact(&mut extra)?;
    r.read_exact(&mut comment)?;
    let mut e = CdEntry {
        made_by: le16(&h, 4),
        flags: le16(&h, 8),
        method: le16(&h, 10),
        crc32: le32(&h, 16),
        compressed_size: u64::from(le32(&h, 20)),
        size: u64::from(le32(&h, 24)),
        local_offset: u64::from(le32(&h, 42)),
        external_attrs: le32(&h, 38),
        unicode_name: None,
        raw_name,
    };
    let mut disk = u32::from(le16(&h, 34));
    let shown = String::from_utf8_lossy(&e.raw_name).into_owned();
    let mut rest = &extra[..];
    while rest.len() >= 4 {
        let (id, n) = (le16(rest, 0), usize::from(le16(rest, 2)));
        let Some(data) = rest.get(4..4 + n) else {
            break;
        };
        match id {
            0x0001 => apply_zip64(&mut e, &mut disk, data).ok_or_else(|| {
                EntryError::Bad(format!(
                    "entry '{shown}' has a zip64 extra field that is too short"
                ))
            })?,
            0x7075
                if data.len() > 5
                    && data[0] == 1
                    && le32(data, 1) == crc32fast::hash(&e.raw_name) =>
            {
                e.unicode_name = String::from_utf8(data[5..].to_vec()).ok();
            }
            _ => {}
        }
        rest = &rest[4 + n..];
    }
    if disk != 0 {
        return Err(EntryError::Bad(format!(
            "entry '{shown}' is on another disk (split archives are not supported)"
        )));
    }
    if e.compressed_size > archive_len || e.local_offset >= archive_len {
        return Err(EntryError::Bad(format!(
            "entry '{shown}' claims a size or offset beyond the {archive_len}-byte archive (corrupt or hostile zip)"
        )));
    }
    Ok(e)
}

/// Replaces saturated 32-bit fields by their zip64 values, in the order the format fixes.
fn apply_zip64(e: &mut CdEntry, disk: &mut u32, data: &[u8]) -> Option<()> {
    let mut at = 0;
    let mut take = |v: &mut u64| -> Option<()> {
        if *v == 0xFFFF_FFFF {
            *v = le64(data.get(at..at + 8)?, 0);
            at += 8;
        }
        Some(())
    };
    take(&mut e.size)?;
    take(&mut e.compressed_size)?;
    take(&mut e.local_offset)?;
    if *disk == 0xFFFF {
        *disk = le32(data.get(at..at + 4)?, 0);
    }
    Some(())
}

/// Reads the local header of `e` and returns where its data starts.
pub(crate) fn data_start(src: &dyn ReadAt, e: &CdEntry, shown: &str, archive: &str) -> Result<u64> {
    let bad = |m: String| Error::archive(archive, m);
    let mut h = [0u8; 30];
    let outside = |err: io::Error| match err.kind() {
        io::ErrorKind::UnexpectedEof => bad(format!(
            "the local header of '{shown}' lies outside the archive"
        )),
        _ => Error::io(archive, err),
    };
    read_exact_at(src, e.local_offset, &mut h).map_err(outside)?;
    if le32(&h, 0) != LOCAL_SIG {
        return Err(bad(format!(
            "entry '{shown}' points at no local header (corrupt zip)"
        )));
    }
    let (n, m) = (u64::from(le16(&h, 26)), u64::from(le16(&h, 28)));
    let mut name = vec![0u8; n as usize];
    read_exact_at(src, e.local_offset + 30, &mut name).map_err(outside)?;
    if name != e.raw_name {
        return Err(bad(format!(
            "entry '{shown}' has a different name in its local header (corrupt or hostile zip)"
        )));
    }
    Ok(e.local_offset + 30 + n + m)
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
