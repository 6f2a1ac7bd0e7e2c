//! An audit of an image's structure against the ECMA-119 / Joliet rules our writer promises.
//!
//! [`check_structure`] re-reads the descriptors, both path tables and every directory of the
//! primary and Joliet trees and lists each violation it finds: both-endian fields that
//! disagree, path tables out of order or not matching the directories, records out of order,
//! wrong `.`/`..` records, bad identifiers, extents outside the volume. It does not read
//! file data and is not a general-purpose validator of every ISO9660 feature.

use super::read::{descriptors, for_each_record, read_sector};
use super::{MAX_DIR_BYTES, SECTOR};
use crate::source::ReadAt;
use crate::Result;
use std::cmp::Ordering;
use std::collections::{BTreeSet, VecDeque};

/// Largest path table read (a table this size already describes far more folders than we write).
const MAX_TABLE: u64 = 16 << 20;

/// Lists every structural problem found in `src` (empty when the image is well formed).
/// Fails only when the image cannot be read at all.
pub fn check_structure(src: &dyn ReadAt) -> Result<Vec<String>> {
    let ds = descriptors(src, "image")?;
    let mut problems = Vec::new();
    if !src.len().is_multiple_of(SECTOR) {
        problems.push(format!(
            "image length {} is not a whole number of sectors",
            src.len()
        ));
    }
    check_tree(src, &ds.primary, false, &mut problems)?;
    match &ds.joliet {
        Some(j) => check_tree(src, j, true, &mut problems)?,
        None => problems.push("no Joliet supplementary volume descriptor".into()),
    }
    Ok(problems)
}

fn le32(b: &[u8], o: usize) -> u32 {
    u32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]])
}
fn be32(b: &[u8], o: usize) -> u32 {
    u32::from_be_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]])
}

/// Compares byte strings as if the shorter were padded with spaces (ECMA-119 9.3).
fn cmp_padded(a: &[u8], b: &[u8]) -> Ordering {
    let n = a.len().max(b.len());
    let at = |s: &[u8], i: usize| s.get(i).copied().unwrap_or(b' ');
    (0..n)
        .map(|i| at(a, i).cmp(&at(b, i)))
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}

/// ECMA-119 9.3 order of two identifiers of one tree.
fn cmp_ident(a: &[u8], b: &[u8], joliet: bool) -> Ordering {
    if joliet {
        return a.cmp(b);
    }
    let split = |s: &[u8]| -> (Vec<u8>, Vec<u8>, u32) {
        let (body, version) = match s.iter().position(|&c| c == b';') {
            Some(i) => (
                &s[..i],
                std::str::from_utf8(&s[i + 1..])
                    .ok()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0),
            ),
            None => (s, 0),
        };
        match body.iter().position(|&c| c == b'.') {
            Some(i) => (body[..i].to_vec(), body[i + 1..].to_vec(), version),
            None => (body.to_vec(), Vec::new(), version),
        }
    };
    let (an, ae, av) = split(a);
    let (bn, be, bv) = split(b);
    cmp_padded(&an, &bn)
        .then_with(|| cmp_padded(&ae, &be))
        .then_with(|| bv.cmp(&av))
}

/// Identifier rules of our primary tree (d-characters, `NAME.EXT;1`, at most 31 characters)
/// or of Joliet (even length, at most 128 bytes, no `;` version needed).
fn ident_problem(ident: &[u8], dir: bool, joliet: bool) -> Option<String> {
    if joliet {
        return (!ident.len().is_multiple_of(2) || ident.len() > 128 || ident.is_empty())
            .then(|| "bad Joliet identifier length".into());
    }
    if ident.len() > 31 {
        return Some("identifier longer than 31 characters".into());
    }
    let d = |c: &u8| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == b'_';
    let ok = if dir {
        !ident.is_empty() && ident.iter().all(d)
    } else {
        let s = ident.strip_suffix(b";1").unwrap_or(b"!");
        let dots = s.iter().filter(|&&c| c == b'.').count();
        dots == 1 && s.len() > 1 && s.iter().all(|c| d(c) || *c == b'.')
    };
    (!ok).then(|| "identifier is not d-characters in NAME.EXT;1 form".into())
}

/// One path table record: identifier, extent, parent number.
type PathEntry = (Vec<u8>, u32, u32);

fn read_table(src: &dyn ReadAt, lba: u32, size: u32, big: bool) -> Result<Vec<PathEntry>> {
    let mut bytes = Vec::new();
    let sectors = u64::from(size).div_ceil(SECTOR);
    for k in 0..sectors {
        bytes.extend(read_sector(src, u64::from(lba) + k, "path table")?);
    }
    bytes.truncate(size as usize);
    let mut out = Vec::new();
    let mut off = 0;
    while off + 8 <= bytes.len() {
        let len = usize::from(bytes[off]);
        if len == 0 || off + 8 + len > bytes.len() {
            break;
        }
        let num = |o: usize, n: usize| {
            let s = &bytes[off + o..off + o + n];
            let it = s.iter().map(|&b| u32::from(b));
            if big {
                it.fold(0, |a, b| a << 8 | b)
            } else {
                it.rev().fold(0, |a, b| a << 8 | b)
            }
        };
        out.push((bytes[off + 8..off + 8 + len].to_vec(), num(2, 4), num(6, 2)));
        off += 8 + len + len % 2;
    }
    Ok(out)
}

fn check_tree(src: &dyn ReadAt, d: &[u8], joliet: bool, p: &mut Vec<String>) -> Result<()> {
    let tag = if joliet { "joliet" } else { "primary" };
    for (o, n) in [(80, 4), (120, 2), (124, 2), (128, 2), (132, 4)] {
        let (l, b) = (&d[o..o + n], &d[o + n..o + 2 * n]);
        if !l.iter().eq(b.iter().rev()) {
            p.push(format!("{tag}: both-endian field at byte {o} disagrees"));
        }
    }
    let volume = le32(d, 80);
    if u64::from(volume) * SECTOR != src.len() {
        p.push(format!(
            "{tag}: volume space size {volume} does not match the image length"
        ));
    }
    let table_size = le32(d, 132);
    if u64::from(table_size) > MAX_TABLE {
        p.push(format!("{tag}: path table size {table_size} is absurd"));
        return Ok(());
    }
    let l_table = read_table(src, le32(d, 140), table_size, false)?;
    let m_table = read_table(src, be32(d, 148), table_size, true)?;
    if l_table != m_table {
        p.push(format!("{tag}: L and M path tables differ"));
    }
    let mut level = Vec::with_capacity(l_table.len());
    for (i, (ident, _, parent)) in l_table.iter().enumerate() {
        let parent = *parent as usize;
        if parent == 0 || parent > i.max(1) {
            p.push(format!(
                "{tag}: path table record {} has parent {parent}",
                i + 1
            ));
            return Ok(());
        }
        level.push(if i == 0 { 1 } else { level[parent - 1] + 1 });
        if i >= 2 {
            let (pi, pp) = (&l_table[i - 1].0, l_table[i - 1].2);
            let ord = level[i - 1]
                .cmp(&level[i])
                .then(pp.cmp(&(parent as u32)))
                .then_with(|| cmp_ident(pi, ident, joliet));
            if ord != Ordering::Less {
                p.push(format!(
                    "{tag}: path table records {} and {} are out of order",
                    i,
                    i + 1
                ));
            }
        }
    }

    // Walk the directories breadth-first, as the path table lists them.
    let root = super::read::parse_record(&d[156..190])
        .ok_or_else(|| crate::Error::archive("image", "bad root record"))?;
    let mut walked: Vec<PathEntry> = Vec::new();
    let mut queue = VecDeque::from([(vec![0u8], root.lba, root.size, 1u32, root.lba, root.size)]);
    let mut visited = BTreeSet::new();
    let mut dir_bytes = 0u64;
    while let Some((ident, lba, size, parent_no, parent_lba, parent_size)) = queue.pop_front() {
        dir_bytes += u64::from(size);
        if dir_bytes > MAX_DIR_BYTES {
            p.push(format!(
                "{tag}: directories exceed {MAX_DIR_BYTES} bytes in total"
            ));
            return Ok(());
        }
        if !visited.insert(lba) || walked.len() > 70_000 {
            p.push(format!("{tag}: directory loop at sector {lba}"));
            return Ok(());
        }
        walked.push((ident, lba, parent_no));
        let me = walked.len() as u32;
        let mut index = 0usize;
        let mut prev: Vec<u8> = Vec::new();
        for_each_record(src, tag, lba, size, |_, off, rec| {
            let at = format!("{tag}: directory at sector {lba}, record at offset {off}");
            if !rec.both_endian_ok || rec.len % 2 != 0 {
                p.push(format!(
                    "{at}: both-endian field disagrees or odd record length"
                ));
            }
            let dir = rec.flags & 0x02 != 0;
            match (index, rec.ident.as_slice()) {
                (0, [0]) if rec.lba == lba && rec.size == size && dir => {}
                (0, _) => p.push(format!("{at}: first record is not a correct '.'")),
                (1, [1]) if rec.lba == parent_lba && rec.size == parent_size && dir => {}
                (1, _) => p.push(format!(
                    "{at}: second record is not a '..' pointing at the parent"
                )),
                (_, ident) => {
                    if index >= 3 && cmp_ident(&prev, ident, joliet) != Ordering::Less {
                        p.push(format!("{at}: records out of order"));
                    }
                    if let Some(why) = ident_problem(ident, dir, joliet) {
                        p.push(format!("{at}: {why}"));
                    }
                    let end = u64::from(rec.lba) + u64::from(rec.size).div_ceil(SECTOR).max(1);
                    if end > u64::from(volume) {
                        p.push(format!("{at}: extent lies outside the volume"));
                    }
                    if dir {
                        queue.push_back((ident.to_vec(), rec.lba, rec.size, me, lba, size));
                    }
                }
            }
            index += 1;
            prev = rec.ident;
            Ok(())
        })?;
    }
    if walked != l_table {
        p.push(format!(
            "{tag}: path table does not match the directory hierarchy"
        ));
    }
    Ok(())
}
