//! Byte encodings of ECMA-119 structures: both-endian numbers, directory records, path table
//! records and volume descriptors.
//!
//! Pure functions from already-decided values to bytes; the layout (which record, where)
//! is [`super::sectors`]'s job.

use super::names::{ascii_field, ucs2_field};
use super::time::{date17, date17_unset, date7};
use super::{IsoOptions, SECTOR};

/// Directory record file flag: the entry is a directory.
pub(crate) const FLAG_DIR: u8 = 0x02;

pub(crate) fn both16(v: u16) -> [u8; 4] {
    let (l, b) = (v.to_le_bytes(), v.to_be_bytes());
    [l[0], l[1], b[0], b[1]]
}

pub(crate) fn both32(v: u32) -> [u8; 8] {
    let (l, b) = (v.to_le_bytes(), v.to_be_bytes());
    [l[0], l[1], l[2], l[3], b[0], b[1], b[2], b[3]]
}

/// Length of a directory record with an identifier of `ident_len` bytes (padded to even).
pub(crate) fn dir_record_len(ident_len: usize) -> usize {
    33 + ident_len + (1 - ident_len % 2)
}

/// Appends one directory record (ECMA-119 9.1) to `out`.
pub(crate) fn dir_record(
    out: &mut Vec<u8>,
    ident: &[u8],
    lba: u32,
    size: u32,
    flags: u8,
    date: &[u8; 7],
) {
    let len = dir_record_len(ident.len());
    out.push(len as u8);
    out.push(0); // extended attribute record length
    out.extend_from_slice(&both32(lba));
    out.extend_from_slice(&both32(size));
    out.extend_from_slice(date);
    out.push(flags);
    out.push(0); // file unit size (not interleaved)
    out.push(0); // interleave gap size
    out.extend_from_slice(&both16(1)); // volume sequence number
    out.push(ident.len() as u8);
    out.extend_from_slice(ident);
    if ident.len().is_multiple_of(2) {
        out.push(0);
    }
}

/// Length of a path table record with an identifier of `ident_len` bytes (padded to even).
pub(crate) fn path_record_len(ident_len: usize) -> usize {
    8 + ident_len + ident_len % 2
}

/// Appends one path table record (ECMA-119 9.4); `big` selects the M (big-endian) table.
pub(crate) fn path_record(out: &mut Vec<u8>, ident: &[u8], lba: u32, parent: u16, big: bool) {
    out.push(ident.len() as u8);
    out.push(0);
    out.extend_from_slice(&if big {
        lba.to_be_bytes()
    } else {
        lba.to_le_bytes()
    });
    out.extend_from_slice(&if big {
        parent.to_be_bytes()
    } else {
        parent.to_le_bytes()
    });
    out.extend_from_slice(ident);
    if ident.len() % 2 == 1 {
        out.push(0);
    }
}

/// What differs between the primary and the Joliet descriptor of one image.
pub(crate) struct DescriptorTree {
    pub joliet: bool,
    pub root_lba: u32,
    pub root_size: u32,
    pub path_table_size: u32,
    pub l_table_lba: u32,
    pub m_table_lba: u32,
}

/// A primary (type 1) or Joliet supplementary (type 2) volume descriptor (ECMA-119 8.4/8.5).
pub(crate) fn volume_descriptor(
    t: &DescriptorTree,
    opts: &IsoOptions,
    volume_sectors: u32,
) -> Vec<u8> {
    let text = |s: &str, len: usize, d_only: bool| {
        if t.joliet {
            ucs2_field(s, len)
        } else {
            ascii_field(s, len, d_only)
        }
    };
    let mut v = Vec::with_capacity(SECTOR as usize);
    v.push(if t.joliet { 2 } else { 1 });
    v.extend_from_slice(b"CD001");
    v.push(1);
    v.push(0); // volume flags: escape sequences are ISO 2375 registered
    v.extend_from_slice(&text("", 32, false)); // system identifier
    v.extend_from_slice(&text(&opts.volume_id, 32, true));
    v.extend_from_slice(&[0; 8]);
    v.extend_from_slice(&both32(volume_sectors));
    let mut escapes = [0u8; 32];
    if t.joliet {
        // UCS-2 level 3.
        escapes[..3].copy_from_slice(b"%/E");
    }
    v.extend_from_slice(&escapes);
    v.extend_from_slice(&both16(1)); // volume set size
    v.extend_from_slice(&both16(1)); // volume sequence number
    v.extend_from_slice(&both16(SECTOR as u16));
    v.extend_from_slice(&both32(t.path_table_size));
    v.extend_from_slice(&t.l_table_lba.to_le_bytes());
    v.extend_from_slice(&[0; 4]); // optional L table
    v.extend_from_slice(&t.m_table_lba.to_be_bytes());
    v.extend_from_slice(&[0; 4]); // optional M table
    dir_record(
        &mut v,
        &[0],
        t.root_lba,
        t.root_size,
        FLAG_DIR,
        &date7(opts.source_date_epoch),
    );
    v.extend_from_slice(&text("", 128, true)); // volume set
    v.extend_from_slice(&text("", 128, false)); // publisher
    v.extend_from_slice(&text("", 128, false)); // data preparer
    v.extend_from_slice(&text(&opts.application_id, 128, false));
    for _ in 0..3 {
        v.extend_from_slice(&text("", 37, true)); // copyright, abstract, bibliographic files
    }
    let now = date17(opts.source_date_epoch);
    v.extend_from_slice(&now); // creation
    v.extend_from_slice(&now); // modification
    v.extend_from_slice(&date17_unset()); // expiration
    v.extend_from_slice(&date17_unset()); // effective
    v.push(1); // file structure version
    v.resize(SECTOR as usize, 0);
    v
}

/// The volume descriptor set terminator (ECMA-119 8.3).
pub(crate) fn terminator() -> Vec<u8> {
    let mut v = vec![255, b'C', b'D', b'0', b'0', b'1', 1];
    v.resize(SECTOR as usize, 0);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_have_even_lengths_and_both_endian_fields() {
        let mut out = Vec::new();
        dir_record(&mut out, b"AB.;1", 0x0102_0304, 2048, 0, &[0; 7]);
        assert_eq!(out.len(), dir_record_len(5));
        assert_eq!(out.len(), 38);
        assert_eq!(&out[2..10], &[4, 3, 2, 1, 1, 2, 3, 4]);
        assert_eq!(out[32], 5);
        let mut out = Vec::new();
        dir_record(&mut out, &[0], 20, 2048, FLAG_DIR, &[0; 7]);
        assert_eq!(out.len(), 34);
        let mut pt = Vec::new();
        path_record(&mut pt, b"A", 0x10, 1, true);
        assert_eq!(pt, [1, 0, 0, 0, 0, 0x10, 0, 1, b'A', 0]);
    }

    #[test]
    fn descriptors_fill_fields() {
        let opts = IsoOptions {
            volume_id: "Guest Tools".into(),
            source_date_epoch: 0,
            application_id: "GP 1".into(),
        };
        let t = DescriptorTree {
            joliet: true,
            root_lba: 30,
            root_size: 2048,
            path_table_size: 10,
            l_table_lba: 19,
            m_table_lba: 20,
        };
        let d = volume_descriptor(&t, &opts, 99);
        assert_eq!(d.len(), 2048);
        assert_eq!(&d[88..91], b"%/E");
        assert_eq!(&d[40..46], &[0, b'G', 0, b'u', 0, b'e']);
        assert_eq!(&d[62..72], &[0, b' ', 0, b' ', 0, b' ', 0, b' ', 0, b' ']);
        assert_eq!(&d[80..88], &both32(99));
        assert_eq!(&d[813..830], b"1970010100000000\0");
        assert_eq!(&d[847..864], b"0000000000000000\0");
        assert_eq!(d[881], 1);
        let p = volume_descriptor(&DescriptorTree { joliet: false, ..t }, &opts, 99);
        assert_eq!(&p[40..72], b"GUEST_TOOLS                     ");
        assert_eq!(&p[8..40], &[b' '; 32]);
        assert_eq!(&p[574..578], b"GP 1");
        assert_eq!(&p[88..120], &[0; 32]);
        assert_eq!(p.len(), 2048);
    }
}
