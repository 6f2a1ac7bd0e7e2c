//! A Windows Installer package read for what uninstall and the checks need: its product code,
//! name and version (the Property table) and its platform (the summary's Template).
//!
//! The OLE container is read by the `cfb` crate. The database inside (string pool, `_Columns`,
//! the Property table) and the summary property set are read here, because the `msi` crate,
//! which reads them too, aborts or panics on damaged packages (a table stream claiming more
//! rows than memory holds, a row without the column it indexes): a dropped file must give a
//! finding, never end the page's worker. Every length and index below is checked against the
//! bytes it points into, and nothing is allocated beyond the package's own size.

use std::io::{Cursor, Read};

/// The first eight bytes of every OLE compound file, MSI packages included.
pub const OLE_SIGNATURE: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// The largest package read to learn its product code: packages are read whole (the container
/// is a FAT of sectors that may point anywhere in the file), so this bounds the memory one
/// takes. Guest agents and driver installers are a few MiB.
pub const MAX_MSI_SIZE: u64 = 256 << 20;

/// The root storage's class of an installer package, a patch and a transform.
const INSTALLER: &str = "000c1084-0000-0000-c000-000000000046";
const PATCH: &str = "000c1086-0000-0000-c000-000000000046";
const TRANSFORM: &str = "000c1082-0000-0000-c000-000000000046";

/// What a Windows Installer package says about itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MsiFacts {
    /// `{GUID}`, upper case as Windows Installer writes it; what `msiexec /x` takes.
    pub product_code: String,
    pub product_name: Option<String>,
    pub product_version: Option<String>,
    /// The platform of the summary's Template property (`Intel`, `x64`, `Arm64`…), if any.
    pub platform: Option<String>,
}

type Package<'a> = cfb::CompoundFile<Cursor<&'a [u8]>>;

/// Reads an MSI package held whole in memory.
pub fn read_msi(bytes: &[u8]) -> Result<MsiFacts, String> {
    if !bytes.starts_with(&OLE_SIGNATURE) {
        return Err("it is not an OLE compound file, as every Windows Installer package is".into());
    }
    let mut package = cfb::CompoundFile::open(Cursor::new(bytes)).map_err(|e| {
        format!("it is not a Windows Installer package: its OLE container is damaged ({e})")
    })?;
    match package.root_entry().clsid().to_string().as_str() {
        INSTALLER => {}
        PATCH | TRANSFORM => {
            return Err(
                "it is a Windows Installer patch or transform, not an installer package".into(),
            )
        }
        other => {
            return Err(format!(
                "it is not a Windows Installer package (an OLE file of class {other})"
            ))
        }
    }
    let max = bytes.len() as u64;
    let summary = stream(&mut package, "\u{5}SummaryInformation", max)?;
    let platform = template(&summary)?
        .map(|t| t.split(';').next().unwrap_or("").trim().to_string())
        .filter(|p| !p.is_empty());
    let data = stream(&mut package, &table_stream("_StringData"), max)?;
    let pool = Pool::read(
        &stream(&mut package, &table_stream("_StringPool"), max)?,
        &data,
    )?;
    let columns = stream(&mut package, &table_stream("_Columns"), max)?;
    let property = stream(&mut package, &table_stream("Property"), max)?;
    let (mut code, mut name, mut version) = (None, None, None);
    for (key, value) in properties(&pool, &columns, &property)? {
        match key.as_str() {
            "ProductCode" => code = Some(value),
            "ProductName" => name = Some(value),
            "ProductVersion" => version = Some(value),
            _ => {}
        }
    }
    let code = code.ok_or("its Property table has no ProductCode")?;
    if !is_guid(&code) {
        return Err(format!("its ProductCode \"{code}\" is not a {{GUID}}"));
    }
    Ok(MsiFacts {
        product_code: code.to_ascii_uppercase(),
        product_name: name,
        product_version: version,
        platform,
    })
}

/// A stream of the package, read whole (never more than the package's size).
fn stream(package: &mut Package, name: &str, max: u64) -> Result<Vec<u8>, String> {
    let shown = name.trim_start_matches(['\u{4840}', '\u{5}']);
    let mut out = Vec::new();
    package
        .open_stream(format!("/{name}"))
        .and_then(|s| s.take(max).read_to_end(&mut out))
        .map_err(|e| {
            format!(
                "it is not a Windows Installer package: its stream {shown:?} cannot be read ({e})"
            )
        })?;
    Ok(out)
}

/// The stream name of a database table: the name packed six bits a character, two characters
/// to one UTF-16 unit, after the table marker, as Windows Installer names them.
fn table_stream(table: &str) -> String {
    fn six(c: u8) -> Option<u32> {
        Some(match c {
            b'0'..=b'9' => u32::from(c - b'0'),
            b'A'..=b'Z' => u32::from(c - b'A') + 10,
            b'a'..=b'z' => u32::from(c - b'a') + 36,
            b'.' => 62,
            b'_' => 63,
            _ => return None,
        })
    }
    let mut out = String::from('\u{4840}');
    let mut chars = table.bytes().peekable();
    while let Some(c) = chars.next() {
        let Some(a) = six(c) else {
            out.push(char::from(c));
            continue;
        };
        let unit = match chars.peek().copied().and_then(six) {
            Some(b) => {
                chars.next();
                0x3800 + (b << 6) + a
            }
            None => 0x4800 + a,
        };
        out.push(char::from_u32(unit).unwrap_or('\u{fffd}'));
    }
    out
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    b.get(at..at.checked_add(2)?)
        .map(|s| u16::from_le_bytes([s[0], s[1]]))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at.checked_add(4)?)
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

/// The database's strings: `_StringPool` gives each one's length in order, `_StringData` holds
/// them end to end. A reference is the 1-based index (0: no value), two bytes, or three when
/// the pool's header says so.
struct Pool<'a> {
    data: &'a [u8],
    spans: Vec<(usize, usize)>,
    ref_size: usize,
}

impl<'a> Pool<'a> {
    fn read(pool: &[u8], data: &'a [u8]) -> Result<Pool<'a>, String> {
        let header = u32_at(pool, 0).ok_or("its string pool is empty")?;
        let ref_size = if header & 0x8000_0000 != 0 { 3 } else { 2 };
        let mut spans = Vec::new();
        let (mut at, mut offset) = (4usize, 0usize);
        while let (Some(len), Some(count)) = (u16_at(pool, at), u16_at(pool, at + 2)) {
            at += 4;
            let mut len = u32::from(len);
            // A string over 64 KiB: a zero length with the high half in the count, then its
            // low half and the real count.
            if len == 0 && count > 0 {
                let low = u16_at(pool, at).ok_or("its string pool is cut short")?;
                len = (u32::from(count) << 16) | u32::from(low);
                at += 4;
            }
            let end = offset
                .checked_add(len as usize)
                .filter(|e| *e <= data.len())
                .ok_or("its string data is shorter than its string pool says")?;
            spans.push((offset, end));
            offset = end;
        }
        Ok(Pool {
            data,
            spans,
            ref_size,
        })
    }

    /// The string a reference names (`None` for no value or a reference out of range).
    fn get(&self, reference: u32) -> Option<String> {
        let (start, end) = *self.spans.get((reference as usize).checked_sub(1)?)?;
        let bytes = &self.data[start..end];
        // Code page 1252 or UTF-8 in practice; property names and GUIDs are ASCII either way.
        Some(match std::str::from_utf8(bytes) {
            Ok(s) => s.to_string(),
            Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
        })
    }

    fn reference(&self, b: &[u8], at: usize) -> Option<u32> {
        let low = u32::from(u16_at(b, at)?);
        Some(if self.ref_size == 3 {
            low | (u32::from(*b.get(at + 2)?) << 16)
        } else {
            low
        })
    }
}

/// Column type bits: a string column, and the byte width of an integer one.
const COLUMN_STRING: u16 = 0x0800;
const COLUMN_SIZE: u16 = 0x00ff;

/// (property, value) of every row of the Property table, its layout taken from `_Columns`.
fn properties(pool: &Pool, columns: &[u8], table: &[u8]) -> Result<Vec<(String, String)>, String> {
    // `_Columns` is stored column by column: Table (string), Number (int16), Name (string),
    // Type (int16); an int16 is stored with its top bit flipped.
    let r = pool.ref_size;
    let rows = columns.len() / (2 * r + 4);
    let int16 = |at: usize| u16_at(columns, at).map(|v| v ^ 0x8000);
    let mut layout: Vec<(u16, String, u16)> = Vec::new();
    for i in 0..rows {
        let table_name = pool.reference(columns, i * r).and_then(|s| pool.get(s));
        if table_name.as_deref() != Some("Property") {
            continue;
        }
        let number = int16(rows * r + i * 2);
        let name = pool
            .reference(columns, rows * (r + 2) + i * r)
            .and_then(|s| pool.get(s));
        let kind = int16(rows * (2 * r + 2) + i * 2);
        if let (Some(number), Some(name), Some(kind)) = (number, name, kind) {
            layout.push((number, name, kind));
        }
    }
    layout.sort();
    let width = |kind: u16| {
        if kind & COLUMN_STRING != 0 {
            r
        } else if kind & COLUMN_SIZE == 4 {
            4
        } else {
            2
        }
    };
    let find = |want: &str| {
        layout
            .iter()
            .position(|(_, n, k)| n == want && k & COLUMN_STRING != 0)
            .ok_or_else(|| format!("its Property table has no {want} column of strings"))
    };
    let (key, value) = (find("Property")?, find("Value")?);
    let row_size: usize = layout.iter().map(|(_, _, k)| width(*k)).sum();
    let rows = table.len() / row_size.max(1);
    let start = |column: usize| -> usize {
        layout[..column]
            .iter()
            .map(|(_, _, k)| width(*k) * rows)
            .sum()
    };
    let (key_at, value_at) = (start(key), start(value));
    let mut out = Vec::with_capacity(rows);
    for i in 0..rows {
        let k = pool
            .reference(table, key_at + i * r)
            .and_then(|s| pool.get(s));
        let v = pool
            .reference(table, value_at + i * r)
            .and_then(|s| pool.get(s));
        if let (Some(k), Some(v)) = (k, v) {
            out.push((k, v));
        }
    }
    Ok(out)
}

/// The Template property (PID 7, a code-page string) of the summary information property set.
fn template(summary: &[u8]) -> Result<Option<String>, String> {
    let bad = || "its summary information is damaged".to_string();
    if u16_at(summary, 0) != Some(0xfffe) {
        return Err(bad());
    }
    let section = u32_at(summary, 44).ok_or_else(bad)? as usize;
    let count = u32_at(summary, section.checked_add(4).ok_or_else(bad)?).ok_or_else(bad)?;
    for i in 0..count.min(1024) as usize {
        let entry = section.checked_add(8 + i * 8).ok_or_else(bad)?;
        let (Some(id), Some(offset)) = (u32_at(summary, entry), u32_at(summary, entry + 4)) else {
            return Err(bad());
        };
        if id != 7 {
            continue;
        }
        // VT_LPSTR: a length (with the terminating NUL) and the bytes.
        let at = section.checked_add(offset as usize).ok_or_else(bad)?;
        let body = summary.get(at..).ok_or_else(bad)?;
        if u32_at(body, 0).map(|t| t & 0xffff) != Some(30) {
            return Err(bad());
        }
        let len = u32_at(body, 4).ok_or_else(bad)? as usize;
        let text = body.get(8..).and_then(|b| b.get(..len)).ok_or_else(bad)?;
        let text = text.split(|&b| b == 0).next().unwrap_or_default();
        return Ok(Some(text.iter().map(|&b| char::from(b)).collect()));
    }
    Ok(None)
}

/// `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}`.
fn is_guid(s: &str) -> bool {
    let Some(inner) = s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) else {
        return false;
    };
    let groups: Vec<&str> = inner.split('-').collect();
    groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
        && groups
            .iter()
            .all(|g| g.chars().all(|c| c.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_are_checked_by_shape() {
        assert!(is_guid("{A1B2C3D4-0000-1111-2222-333344445555}"));
        assert!(!is_guid("A1B2C3D4-0000-1111-2222-333344445555"));
        assert!(!is_guid("{A1B2C3D4-0000-1111-2222-33334444555G}"));
        assert!(!is_guid("{A1B2C3D4-00001-111-2222-333344445555}"));
    }

    #[test]
    fn table_names_are_packed_as_windows_installer_packs_them() {
        // "Property": P r, o p, e r, t y — four units after the marker.
        let name: Vec<u32> = table_stream("Property").chars().map(u32::from).collect();
        let pair = |a: u32, b: u32| 0x3800 + (b << 6) + a;
        let (p, r, o, e, t, y) = (25, 53, 50, 40, 55, 60);
        assert_eq!(
            name,
            vec![0x4840, pair(p, r), pair(o, 51), pair(e, r), pair(t, y)]
        );
        // An odd length ends with a single unit.
        let odd: Vec<u32> = table_stream("_Tables").chars().map(u32::from).collect();
        assert_eq!(odd.last(), Some(&(0x4800 + 54)));
    }

    #[test]
    fn an_ole_file_that_is_no_package_is_refused() {
        assert!(read_msi(b"MZ\x90\0").unwrap_err().contains("OLE"));
        let mut fake = OLE_SIGNATURE.to_vec();
        fake.resize(4096, 0);
        assert!(read_msi(&fake).unwrap_err().contains("damaged"));
    }

    #[test]
    fn a_pool_longer_than_its_data_is_refused() {
        let pool = [0u8, 0, 0, 0, 5, 0, 1, 0];
        assert!(Pool::read(&pool, b"abc").is_err());
        let p = Pool::read(&pool, b"abcde").unwrap();
        assert_eq!(p.get(1).as_deref(), Some("abcde"));
        assert_eq!(p.get(0), None);
        assert_eq!(p.get(2), None);
    }
}
