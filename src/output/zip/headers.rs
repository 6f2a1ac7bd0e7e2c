//! Byte layout of zip records: local headers, central directory headers and the end records.
//!
//! Every field is a function of the planned entry and the options; nothing comes from the host
//! (no timestamps, owners or permissions of real files). This module only serialises; it does
//! not decide methods, sizes or offsets.

use super::{Method, PlannedEntry};

/// Values at or above this in a 32-bit field go to the zip64 extra field instead.
pub(crate) const ZIP64_LIMIT: u64 = 0xFFFF_FFFF;
/// Entry counts at or above this need the zip64 end records (0xFFFF is the "see zip64" marker).
pub(crate) const ENTRY_LIMIT: u64 = 0xFFFF;

pub(crate) const LOCAL_FIXED: u64 = 30;
pub(crate) const CENTRAL_FIXED: u64 = 46;
pub(crate) const EOCD_LEN: u64 = 22;
pub(crate) const ZIP64_EOCD_LEN: u64 = 56;
pub(crate) const ZIP64_LOCATOR_LEN: u64 = 20;

/// Host Unix (3), specification 3.0: the conventional value of Unix archivers.
const VERSION_MADE_BY: u16 = (3 << 8) | 30;
/// Regular file, rw-r--r--, in the Unix mode half of the external attributes.
const EXTERNAL_ATTRS: u32 = 0o100644 << 16;
/// General purpose flag bit 11: the name is UTF-8.
const FLAG_UTF8: u16 = 1 << 11;

/// Which fields of one entry overflow 32 bits (or the test threshold).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Zip64 {
    /// Both sizes go to the zip64 extra field (local and central).
    pub sizes: bool,
    /// The local header offset goes to the central zip64 extra field.
    pub offset: bool,
}

impl Zip64 {
    pub fn local_extra_len(self) -> u64 {
        if self.sizes {
            4 + 16
        } else {
            0
        }
    }
    pub fn central_extra_len(self) -> u64 {
        let fields = if self.sizes { 2 } else { 0 } + u64::from(self.offset);
        if fields == 0 {
            0
        } else {
            4 + 8 * fields
        }
    }
}

/// DOS (time, date) for a Unix time, clamped to the range DOS dates can hold, in UTC.
pub fn dos_datetime(epoch: i64) -> (u16, u16) {
    const MIN: i64 = 315_532_800; // 1980-01-01T00:00:00Z
    const MAX: i64 = 4_354_819_198; // 2107-12-31T23:59:58Z
    let t = epoch.clamp(MIN, MAX);
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let (y, m, d) = crate::output::calendar::civil_from_days(days);
    let time = ((secs / 3600) << 11) | (((secs / 60) % 60) << 5) | ((secs % 60) / 2);
    let date = ((y - 1980) << 9) | (i64::from(m) << 5) | i64::from(d);
    (time as u16, date as u16)
}

fn clamp32(v: u64, zip64: bool) -> u32 {
    if zip64 {
        u32::MAX
    } else {
        v as u32
    }
}

fn flags(e: &PlannedEntry) -> u16 {
    if e.path.is_ascii() {
        0
    } else {
        FLAG_UTF8
    }
}

fn method_code(m: Method) -> u16 {
    match m {
        Method::Stored => 0,
        Method::Deflated => 8,
    }
}

fn version_needed(e: &PlannedEntry, z: Zip64) -> u16 {
    if z.sizes || z.offset {
        45
    } else {
        match e.method {
            Method::Stored => 10,
            Method::Deflated => 20,
        }
    }
}

struct W(Vec<u8>);
impl W {
    fn u16(&mut self, v: u16) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
}

/// Local file header followed by the name and, when needed, the zip64 sizes.
pub(crate) fn local_header(e: &PlannedEntry, dos: (u16, u16)) -> Vec<u8> {
    let z = e.zip64;
    let mut w = W(Vec::with_capacity(
        (LOCAL_FIXED + e.path.len() as u64 + z.local_extra_len()) as usize,
    ));
    w.u32(0x0403_4b50);
    w.u16(version_needed(e, z));
    w.u16(flags(e));
    w.u16(method_code(e.method));
    w.u16(dos.0);
    w.u16(dos.1);
    w.u32(e.crc32);
    w.u32(clamp32(e.compressed_size, z.sizes));
    w.u32(clamp32(e.size, z.sizes));
    w.u16(e.path.len() as u16);
    w.u16(z.local_extra_len() as u16);
    w.0.extend_from_slice(e.path.as_bytes());
    if z.sizes {
        w.u16(0x0001);
        w.u16(16);
        w.u64(e.size);
        w.u64(e.compressed_size);
    }
    w.0
}

/// Central directory header of one entry.
pub(crate) fn central_header(e: &PlannedEntry, dos: (u16, u16)) -> Vec<u8> {
    let z = e.zip64;
    let mut w = W(Vec::with_capacity(
        (CENTRAL_FIXED + e.path.len() as u64 + z.central_extra_len()) as usize,
    ));
    w.u32(0x0201_4b50);
    w.u16(VERSION_MADE_BY);
    w.u16(version_needed(e, z));
    w.u16(flags(e));
    w.u16(method_code(e.method));
    w.u16(dos.0);
    w.u16(dos.1);
    w.u32(e.crc32);
    w.u32(clamp32(e.compressed_size, z.sizes));
    w.u32(clamp32(e.size, z.sizes));
    w.u16(e.path.len() as u16);
    w.u16(z.central_extra_len() as u16);
    w.u16(0); // comment length
    w.u16(0); // disk number start
    w.u16(0); // internal attributes
    w.u32(EXTERNAL_ATTRS);
    w.u32(clamp32(e.offset, z.offset));
    w.0.extend_from_slice(e.path.as_bytes());
    if z.central_extra_len() > 0 {
        w.u16(0x0001);
        w.u16((z.central_extra_len() - 4) as u16);
        // The order is fixed by the format: uncompressed size, compressed size, offset.
        if z.sizes {
            w.u64(e.size);
            w.u64(e.compressed_size);
        }
        if z.offset {
            w.u64(e.offset);
        }
    }
    w.0
}

/// Where the central directory is and how big, plus whether zip64 end records are needed.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Tail {
    pub entries: u64,
    pub cd_offset: u64,
    pub cd_size: u64,
    pub zip64: bool,
}

impl Tail {
    pub fn new(entries: u64, cd_offset: u64, cd_size: u64, limit: u64) -> Tail {
        let zip64 = entries >= ENTRY_LIMIT || cd_offset >= limit || cd_size >= limit;
        Tail {
            entries,
            cd_offset,
            cd_size,
            zip64,
        }
    }

    pub fn len(&self) -> u64 {
        EOCD_LEN
            + if self.zip64 {
                ZIP64_EOCD_LEN + ZIP64_LOCATOR_LEN
            } else {
                0
            }
    }

    /// Zip64 end record and locator (when needed), then the classic end record.
    pub fn bytes(&self, limit: u64) -> Vec<u8> {
        let mut w = W(Vec::with_capacity(self.len() as usize));
        let zip64_eocd_offset = self.cd_offset + self.cd_size;
        if self.zip64 {
            w.u32(0x0606_4b50);
            w.u64(ZIP64_EOCD_LEN - 12); // size of the rest of the record
            w.u16(VERSION_MADE_BY);
            w.u16(45);
            w.u32(0); // this disk
            w.u32(0); // disk with the central directory
            w.u64(self.entries);
            w.u64(self.entries);
            w.u64(self.cd_size);
            w.u64(self.cd_offset);
            w.u32(0x0706_4b50);
            w.u32(0); // disk with the zip64 end record
            w.u64(zip64_eocd_offset);
            w.u32(1); // total disks
        }
        let count = if self.entries >= ENTRY_LIMIT {
            0xFFFF
        } else {
            self.entries as u16
        };
        w.u32(0x0605_4b50);
        w.u16(0);
        w.u16(0);
        w.u16(count);
        w.u16(count);
        w.u32(clamp32(self.cd_size, self.cd_size >= limit));
        w.u32(clamp32(self.cd_offset, self.cd_offset >= limit));
        w.u16(0); // comment length
        w.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dos_datetime_converts_and_clamps() {
        // 2024-02-29T13:45:31Z
        let (t, d) = dos_datetime(1_709_214_331);
        assert_eq!((d >> 9) + 1980, 2024);
        assert_eq!((d >> 5) & 15, 2);
        assert_eq!(d & 31, 29);
        assert_eq!((t >> 11, (t >> 5) & 63, (t & 31) * 2), (13, 45, 30));
        assert_eq!(dos_datetime(0), (0, (1 << 5) | 1)); // clamped to 1980-01-01 00:00:00
        assert_eq!(dos_datetime(-5), dos_datetime(0));
        let (t, d) = dos_datetime(i64::MAX);
        assert_eq!(((d >> 9) + 1980, (d >> 5) & 15, d & 31), (2107, 12, 31));
        assert_eq!((t >> 11, (t >> 5) & 63, (t & 31) * 2), (23, 59, 58));
    }

    #[test]
    fn zip64_extra_lengths_follow_the_fields_present() {
        assert_eq!(Zip64::default().central_extra_len(), 0);
        assert_eq!(
            Zip64 {
                sizes: true,
                offset: false
            }
            .local_extra_len(),
            20
        );
        assert_eq!(
            Zip64 {
                sizes: true,
                offset: true
            }
            .central_extra_len(),
            28
        );
        assert_eq!(
            Zip64 {
                sizes: false,
                offset: true
            }
            .central_extra_len(),
            12
        );
    }
}
