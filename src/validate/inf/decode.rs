//! Turns INF bytes into text: UTF-8 or UTF-16 (either byte order), with or without a BOM.
//!
//! Windows accepts INF files in all of these encodings, so the packager must too. This module
//! only decodes; it does not look at the INF syntax and does not guess legacy code pages (an
//! ANSI file with bytes >= 0x80 is refused rather than silently mis-read).

use super::InfEncoding;

const BOM_UTF8: &[u8] = &[0xEF, 0xBB, 0xBF];
const BOM_UTF16_LE: &[u8] = &[0xFF, 0xFE];
const BOM_UTF16_BE: &[u8] = &[0xFE, 0xFF];

/// Decodes INF bytes: UTF-8 (with or without BOM), UTF-16 LE/BE (with or without BOM; without a
/// BOM detected by the zero-byte pattern of ASCII text). `Err(message)` when the bytes are none
/// of these (invalid UTF-8 that is not UTF-16, odd-length UTF-16, unpaired surrogates).
pub fn decode(bytes: &[u8]) -> Result<(String, InfEncoding), String> {
    if let Some(rest) = bytes.strip_prefix(BOM_UTF8) {
        return utf8(rest, BOM_UTF8.len()).map(|s| (s, InfEncoding::Utf8Bom));
    }
    if let Some(rest) = bytes.strip_prefix(BOM_UTF16_LE) {
        return utf16(rest, false).map(|s| (s, InfEncoding::Utf16LeBom));
    }
    if let Some(rest) = bytes.strip_prefix(BOM_UTF16_BE) {
        return utf16(rest, true).map(|s| (s, InfEncoding::Utf16BeBom));
    }
    match utf16_without_bom(bytes) {
        Some(big_endian) => {
            let enc = if big_endian {
                InfEncoding::Utf16Be
            } else {
                InfEncoding::Utf16Le
            };
            utf16(bytes, big_endian).map(|s| (s, enc))
        }
        None => utf8(bytes, 0).map(|s| (s, InfEncoding::Utf8)),
    }
}

/// Without a BOM, INF text in UTF-16 is recognised by its zero bytes: ASCII characters have a
/// zero high byte, which lands on odd offsets in little endian and even offsets in big endian.
/// Real INF files are overwhelmingly ASCII, so at least half of the code units showing the
/// pattern is a safe test; a stray NUL in a UTF-8 file does not reach that share.
/// Returns `Some(big_endian)` when the bytes look like UTF-16.
fn utf16_without_bom(bytes: &[u8]) -> Option<bool> {
    let (mut zero_even, mut zero_odd) = (0u64, 0u64);
    for (i, b) in bytes.iter().enumerate() {
        if *b == 0 {
            if i % 2 == 0 {
                zero_even += 1;
            } else {
                zero_odd += 1;
            }
        }
    }
    // Rounded up so that an odd-length input with the pattern still reaches `utf16`, which
    // reports the odd length instead of a misleading UTF-8 error.
    let units = (bytes.len() as u64).div_ceil(2);
    if zero_odd > zero_even && zero_odd * 2 >= units {
        Some(false)
    } else if zero_even > zero_odd && zero_even * 2 >= units {
        Some(true)
    } else {
        None
    }
}

fn utf8(bytes: &[u8], offset: usize) -> Result<String, String> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.to_owned()),
        Err(e) => Err(format!(
            "not utf-8 or utf-16 text: invalid utf-8 at byte {}",
            e.valid_up_to() + offset
        )),
    }
}

fn utf16(bytes: &[u8], big_endian: bool) -> Result<String, String> {
    if !bytes.len().is_multiple_of(2) {
        return Err(format!(
            "utf-16 text has an odd number of bytes ({})",
            bytes.len()
        ));
    }
    let units = bytes.chunks_exact(2).map(|p| {
        if big_endian {
            u16::from_be_bytes([p[0], p[1]])
        } else {
            u16::from_le_bytes([p[0], p[1]])
        }
    });
    let mut out = String::with_capacity(bytes.len() / 2);
    for c in char::decode_utf16(units) {
        match c {
            Ok(c) => out.push(c),
            Err(e) => {
                return Err(format!(
                    "utf-16 text has an unpaired surrogate 0x{:04x}",
                    e.unpaired_surrogate()
                ))
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str =
        "[Version]\r\nSignature=\"$Windows NT$\"\r\nProvider=%V% ; é ü\r\n[Strings]\r\nV=\"Ünïcode, Inc.\"\r\n";

    fn le(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }
    fn be(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(u16::to_be_bytes).collect()
    }
    fn with(prefix: &[u8], body: Vec<u8>) -> Vec<u8> {
        let mut v = prefix.to_vec();
        v.extend(body);
        v
    }

    #[test]
    fn decodes_every_supported_encoding_to_the_same_text() {
        let cases = [
            (TEXT.as_bytes().to_vec(), InfEncoding::Utf8),
            (
                with(BOM_UTF8, TEXT.as_bytes().to_vec()),
                InfEncoding::Utf8Bom,
            ),
            (le(TEXT), InfEncoding::Utf16Le),
            (with(BOM_UTF16_LE, le(TEXT)), InfEncoding::Utf16LeBom),
            (be(TEXT), InfEncoding::Utf16Be),
            (with(BOM_UTF16_BE, be(TEXT)), InfEncoding::Utf16BeBom),
        ];
        for (bytes, enc) in cases {
            assert_eq!(decode(&bytes), Ok((TEXT.to_owned(), enc)), "{enc:?}");
        }
    }

    #[test]
    fn utf16_outside_the_bmp_decodes_through_surrogate_pairs() {
        let text = "[Strings]\nX=\"\u{1F600}\"\n";
        assert_eq!(decode(&with(BOM_UTF16_LE, le(text))).unwrap().0, text);
    }

    #[test]
    fn empty_input_is_empty_utf8() {
        assert_eq!(decode(b""), Ok((String::new(), InfEncoding::Utf8)));
        assert_eq!(
            decode(BOM_UTF16_LE),
            Ok((String::new(), InfEncoding::Utf16LeBom))
        );
    }

    #[test]
    fn refuses_ansi_bytes_that_are_not_utf8() {
        let err = decode(b"[Strings]\nV=\"Caf\xe9\"\n").unwrap_err();
        assert!(err.contains("invalid utf-8 at byte 16"), "{err}");
        let err = decode(b"\xEF\xBB\xBFab\xff").unwrap_err();
        assert!(err.contains("byte 5"), "{err}");
    }

    #[test]
    fn refuses_odd_length_utf16() {
        let mut bytes = with(BOM_UTF16_LE, le("[Version]"));
        bytes.push(b'x');
        assert!(decode(&bytes).unwrap_err().contains("odd number of bytes"));
        let mut bytes = le("[Version]\n");
        bytes.pop();
        assert!(decode(&bytes).unwrap_err().contains("odd number of bytes"));
    }

    #[test]
    fn refuses_unpaired_surrogates() {
        let mut bytes = with(BOM_UTF16_LE, le("[V]"));
        bytes.extend([0x00, 0xD8, b'a', 0]);
        assert!(decode(&bytes)
            .unwrap_err()
            .contains("unpaired surrogate 0xd800"));
        let mut bytes = with(BOM_UTF16_BE, be("[V]"));
        bytes.extend([0xDC, 0x00]);
        assert!(decode(&bytes)
            .unwrap_err()
            .contains("unpaired surrogate 0xdc00"));
    }

    #[test]
    fn a_stray_nul_in_utf8_text_does_not_make_it_utf16() {
        let (text, enc) = decode(b"[Version]\nClass=Net\n\0").unwrap();
        assert_eq!(enc, InfEncoding::Utf8);
        assert!(text.starts_with("[Version]"));
    }
}
