//! Reading ISO9660 images (ours or anyone's) into a [`VTree`] without loading payload.
//!
//! [`IsoFs::open`] parses the volume descriptors and prefers the Joliet tree when present;
//! [`IsoFs::to_vtree`] walks the directories and maps each file to a [`RangeContent`] of the
//! source. Hostile images (directory loops, extents past the end, absurd sizes) yield
//! [`Error::Archive`] naming the problem; the walk is bounded by the [`Limits`] (depth,
//! entries, file and total sizes: [`Error::Limit`]) and by the directory bytes it reads.
//! Rock Ridge, UDF and multi-extent files are not interpreted.

use super::{MAX_DIR_BYTES, SECTOR};
use crate::limits::Limits;
use crate::source::vtree::{join, RejectKind, VTree};
use crate::source::{read_exact_at, RangeContent, ReadAt};
use crate::{Error, Result};
use std::collections::BTreeSet;
use std::sync::Arc;

/// Most volume descriptors scanned before giving up on finding the terminator.
const MAX_DESCRIPTORS: u64 = 64;

/// A parsed directory record.
#[derive(Clone, Debug)]
pub(crate) struct RawRecord {
    pub len: usize,
    pub xa_len: u8,
    pub lba: u32,
    pub size: u32,
    pub flags: u8,
    pub ident: Vec<u8>,
    /// Little- and big-endian halves of every both-endian field agree.
    pub both_endian_ok: bool,
}

/// Parses the directory record at the start of `b`, or `None` if it does not fit or is too short.
pub(crate) fn parse_record(b: &[u8]) -> Option<RawRecord> {
    let len = usize::from(*b.first()?);
    if len < 34 || len > b.len() {
        return None;
    }
    let id_len = usize::from(b[32]);
    if 33 + id_len > len {
        return None;
    }
    let le = |o: usize| u32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]);
    let be = |o: usize| u32::from_be_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]);
    let both_endian_ok = le(2) == be(6) && le(10) == be(14) && b[28..30] == [b[31], b[30]];
    Some(RawRecord {
        len,
        xa_len: b[1],
        lba: le(2),
        size: le(10),
        flags: b[25],
        ident: b[33..33 + id_len].to_vec(),
        both_endian_ok,
    })
}

/// Reads sector `lba` of `src`, naming `file` in the error.
pub(crate) fn read_sector(src: &dyn ReadAt, lba: u64, file: &str) -> Result<Vec<u8>> {
    let mut buf = vec![0u8; SECTOR as usize];
    let off = lba.checked_mul(SECTOR).filter(|o| o + SECTOR <= src.len());
    let off = off.ok_or_else(|| {
        Error::archive(
            file,
            format!("sector {lba} lies beyond the end of the image"),
        )
    })?;
    read_exact_at(src, off, &mut buf).map_err(|e| Error::io(file, e))?;
    Ok(buf)
}

/// The primary descriptor and, when present, the Joliet supplementary descriptor.
pub(crate) struct Descriptors {
    pub primary: Vec<u8>,
    pub joliet: Option<Vec<u8>>,
}

/// Scans the volume descriptor set from sector 16 up to its terminator.
pub(crate) fn descriptors(src: &dyn ReadAt, file: &str) -> Result<Descriptors> {
    let mut primary = None;
    let mut joliet = None;
    for lba in 16..16 + MAX_DESCRIPTORS {
        if (lba + 1) * SECTOR > src.len() {
            break;
        }
        let d = read_sector(src, lba, file)?;
        if &d[1..6] != b"CD001" {
            return Err(Error::archive(
                file,
                format!("sector {lba} is not an ISO9660 volume descriptor"),
            ));
        }
        match d[0] {
            255 => {
                let primary =
                    primary.ok_or_else(|| Error::archive(file, "no primary volume descriptor"))?;
                return Ok(Descriptors { primary, joliet });
            }
            1 if primary.is_none() => primary = Some(d),
            2 if joliet.is_none()
                && d[7] & 1 == 0
                && d[88..90] == *b"%/"
                && matches!(d[90], b'@' | b'C' | b'E') =>
            {
                joliet = Some(d)
            }
            _ => {}
        }
    }
    Err(Error::archive(
        file,
        "not an ISO9660 image (no volume descriptor set terminator)",
    ))
}

/// Decodes a Joliet (UCS-2/UTF-16 big-endian) byte string; `None` if it is not valid.
pub(crate) fn decode_ucs2(b: &[u8]) -> Option<String> {
    crate::input::utf16(b, true)
}

/// Calls `f(sector_index, offset, record)` for every record of a directory extent.
pub(crate) fn for_each_record(
    src: &dyn ReadAt,
    file: &str,
    lba: u32,
    size: u32,
    mut f: impl FnMut(usize, usize, RawRecord) -> Result<()>,
) -> Result<()> {
    let sectors = u64::from(size).div_ceil(SECTOR);
    if (u64::from(lba) + sectors) * SECTOR > src.len() {
        return Err(Error::archive(
            file,
            format!("directory at sector {lba} ({size} bytes) extends beyond the end of the image"),
        ));
    }
    for k in 0..sectors {
        let sector = read_sector(src, u64::from(lba) + k, file)?;
        let limit = (u64::from(size) - k * SECTOR).min(SECTOR) as usize;
        let mut off = 0;
        while off < limit && sector[off] != 0 {
            let rec = parse_record(&sector[off..]).ok_or_else(|| {
                Error::archive(
                    file,
                    format!(
                        "malformed directory record at sector {}, offset {off}",
                        u64::from(lba) + k
                    ),
                )
            })?;
            off += rec.len;
            f(k as usize, off - rec.len, rec)?;
        }
    }
    Ok(())
}

/// An opened ISO9660 image.
pub struct IsoFs {
    src: Arc<dyn ReadAt>,
    name: String,
    volume_id: String,
    joliet: bool,
    root: RawRecord,
    /// Where the path table of the tree read says the directories are: (offset, length).
    dir_area: Option<(u64, u64)>,
}

/// A path table larger than this is not read for the hint (1,000s of folders take kilobytes).
const MAX_PATH_TABLE: u64 = 1 << 20;
/// A directory area longer than this is not announced (a source fetches at most this much at
/// once anyway).
const MAX_DIR_AREA: u64 = 8 << 20;

/// The byte range holding every directory, from the little-endian path table the descriptor
/// `d` points to, or `None` when it is absent, too large or malformed. Only a hint for the
/// source: the tree is always read from the directory records themselves.
fn directory_area(src: &dyn ReadAt, d: &[u8]) -> Option<(u64, u64)> {
    let le = |o: usize| u64::from(u32::from_le_bytes([d[o], d[o + 1], d[o + 2], d[o + 3]]));
    let (size, lba) = (le(132), le(140));
    if size == 0 || size > MAX_PATH_TABLE || (lba * SECTOR).checked_add(size)? > src.len() {
        return None;
    }
    let mut table = vec![0u8; size as usize];
    crate::source::read_exact_at(src, lba * SECTOR, &mut table).ok()?;
    let (mut first, mut last) = (u64::MAX, 0u64);
    let mut i = 0usize;
    while i + 8 <= table.len() {
        let len = usize::from(table[i]);
        if len == 0 {
            break;
        }
        let extent = u64::from(u32::from_le_bytes([
            table[i + 2],
            table[i + 3],
            table[i + 4],
            table[i + 5],
        ]));
        first = first.min(extent);
        last = last.max(extent);
        i += 8 + len + (len & 1);
    }
    // The last directory may span more than one sector: take a little beyond its first.
    let end = ((last + 1) * SECTOR + 16 * SECTOR).min(src.len());
    let start = first.checked_mul(SECTOR)?;
    (first <= last && end > start && end - start <= MAX_DIR_AREA).then(|| (start, end - start))
}

impl IsoFs {
    /// Parses the volume descriptors of `src`; `name` is used in error messages.
    pub fn open(src: Arc<dyn ReadAt>, name: &str) -> Result<IsoFs> {
        let ds = descriptors(src.as_ref(), name)?;
        let d = ds.joliet.as_ref().unwrap_or(&ds.primary);
        if d[128..130] != [0x00, 0x08] || d[130..132] != [0x08, 0x00] {
            return Err(Error::archive(
                name,
                "unsupported logical block size (only 2048 is read)",
            ));
        }
        let root = parse_record(&d[156..190])
            .ok_or_else(|| Error::archive(name, "malformed root directory record"))?;
        let volume_id = match &ds.joliet {
            Some(j) => decode_ucs2(&j[40..72]).unwrap_or_default(),
            None => String::from_utf8_lossy(&ds.primary[40..72]).into_owned(),
        };
        let volume_id = volume_id.trim_end_matches([' ', '\0']).to_string();
        let dir_area = directory_area(src.as_ref(), d);
        Ok(IsoFs {
            src,
            name: name.to_string(),
            volume_id,
            joliet: ds.joliet.is_some(),
            root,
            dir_area,
        })
    }

    /// The volume label (Joliet's when present).
    pub fn volume_id(&self) -> String {
        self.volume_id.clone()
    }

    /// True when names come from the Joliet tree.
    pub fn is_joliet(&self) -> bool {
        self.joliet
    }

    /// The file tree under the default [`Limits`]; file contents are ranges of the source,
    /// nothing is loaded.
    pub fn to_vtree(&self) -> Result<VTree> {
        self.to_vtree_limited(&Limits::default())
    }

    /// [`IsoFs::to_vtree`] under explicit limits (entries, path depth, file and total size).
    pub fn to_vtree_limited(&self, limits: &Limits) -> Result<VTree> {
        let name = self.name.as_str();
        // Every directory is about to be read, in an order of the tree's, not the disc's: a
        // source whose reads are round trips (a browser Blob) may fetch them all at once.
        if let Some((offset, len)) = self.dir_area {
            self.src.will_read(offset, len);
        }
        let mut total = 0u64;
        let mut tree = VTree::new();
        let mut visited: BTreeSet<u32> = BTreeSet::from([self.root.lba]);
        let mut seen_paths: BTreeSet<String> = BTreeSet::new();
        let mut stack: Vec<(u32, u32, String, usize)> =
            vec![(self.root.lba, self.root.size, String::new(), 0)];
        let (mut entries, mut dir_bytes) = (0u64, 0u64);
        while let Some((lba, size, dir, depth)) = stack.pop() {
            if u64::from(lba) * SECTOR + u64::from(size) > self.src.len() {
                let shown = if dir.is_empty() { "/" } else { dir.as_str() };
                return Err(Error::archive(
                    name,
                    format!("folder \"{shown}\" extends beyond the end of the image"),
                ));
            }
            dir_bytes += u64::from(size);
            if dir_bytes > MAX_DIR_BYTES {
                return Err(Error::archive(
                    name,
                    format!("directories exceed {MAX_DIR_BYTES} bytes in total"),
                ));
            }
            for_each_record(self.src.as_ref(), name, lba, size, |_, _, rec| {
                if rec.ident == [0] || rec.ident == [1] {
                    return Ok(());
                }
                entries += 1;
                if entries > limits.max_entries {
                    return Err(Limits::exceeded(
                        name,
                        "--max-entries",
                        format!("the image lists {entries} or more files and folders"),
                        limits.max_entries,
                    ));
                }
                if rec.flags & 0x04 != 0 {
                    return Ok(()); // associated file (resource fork style): not part of the tree
                }
                let Some(entry) = self.entry_name(&rec) else {
                    let lossy = String::from_utf8_lossy(&rec.ident).into_owned();
                    tree.reject(join(&dir, &lossy), RejectKind::NonUtf8Name);
                    return Ok(());
                };
                let path = join(&dir, &entry);
                if entry.is_empty() || entry == "." || entry == ".." || entry.contains(['/', '\0'])
                {
                    tree.reject(path, RejectKind::UnsafePath);
                    return Ok(());
                }
                if !seen_paths.insert(path.clone()) {
                    return Err(Error::archive(name, format!("duplicate entry \"{path}\"")));
                }
                if rec.flags & 0x80 != 0 {
                    return Err(Error::archive(
                        name,
                        format!("\"{path}\" is a multi-extent file, which is not supported"),
                    ));
                }
                if depth as u64 + 1 > u64::from(limits.max_path_depth) {
                    return Err(Limits::exceeded(
                        name,
                        "--max-path-depth",
                        format!("\"{path}\" is {} path components deep", depth + 1),
                        u64::from(limits.max_path_depth),
                    ));
                }
                if rec.flags & 0x02 != 0 {
                    if !visited.insert(rec.lba) {
                        return Err(Error::archive(
                            name,
                            format!("directory loop: \"{path}\" points at a folder already read"),
                        ));
                    }
                    tree.insert_dir(path.clone());
                    stack.push((rec.lba, rec.size, path, depth + 1));
                    return Ok(());
                }
                let size = u64::from(rec.size);
                if size > limits.max_file_size {
                    return Err(Limits::exceeded(
                        name,
                        "--max-file-size",
                        format!("\"{path}\" is {size} bytes"),
                        limits.max_file_size,
                    ));
                }
                total = total.saturating_add(size);
                if total > limits.max_total_size {
                    return Err(Limits::exceeded(
                        name,
                        "--max-total-size",
                        format!("the files up to \"{path}\" hold {total} bytes"),
                        limits.max_total_size,
                    ));
                }
                let offset = (u64::from(rec.lba) + u64::from(rec.xa_len)) * SECTOR;
                if offset + u64::from(rec.size) > self.src.len() {
                    return Err(Error::archive(
                        name,
                        format!("\"{path}\" extends beyond the end of the image"),
                    ));
                }
                tree.insert(
                    path,
                    Arc::new(RangeContent {
                        src: self.src.clone(),
                        offset,
                        len: u64::from(rec.size),
                    }),
                );
                Ok(())
            })?;
        }
        Ok(tree)
    }

    /// The name of a record with its `;version` (and a primary name's empty extension) removed.
    fn entry_name(&self, rec: &RawRecord) -> Option<String> {
        let mut n = if self.joliet {
            decode_ucs2(&rec.ident)?
        } else {
            String::from_utf8(rec.ident.clone()).ok()?
        };
        if rec.flags & 0x02 == 0 {
            if let Some(i) = n.rfind(';') {
                if n[i + 1..].bytes().all(|b| b.is_ascii_digit()) {
                    n.truncate(i);
                }
            }
            if !self.joliet && n.ends_with('.') {
                n.pop();
            }
        }
        Some(n)
    }
}
