//! Certificate files as `setup.cmd` installs them from `certs/`: `.cer` / `.crt` (one X.509
//! certificate, DER or PEM — PEM files may hold several) and `.p7b` (a PKCS#7 certificate
//! bundle, DER or PEM). Each becomes the DER of the certificates it holds; anything else is an
//! error saying what was found. Never panics.

use der::{Decode, Encode};
use x509_cert::Certificate;

const OID_SIGNED_DATA: &str = "1.2.840.113549.1.7.2";

/// The DER certificates in a certificate file's bytes.
pub fn read(bytes: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    // DER starts with a SEQUENCE; anything else is PEM text, which may have text before its
    // blocks (comments, `openssl x509 -text` output).
    let ders = if bytes.first() != Some(&0x30) {
        if !bytes.windows(11).any(|w| w == b"-----BEGIN ") {
            return Err("it is neither DER nor PEM".into());
        }
        from_pem(bytes)?
    } else {
        vec![bytes.to_vec()]
    };
    let mut out = Vec::new();
    for der in ders {
        out.extend(one(&der)?);
    }
    if out.is_empty() {
        return Err("it holds no certificate".into());
    }
    Ok(out)
}

/// One DER object: a certificate, or a PKCS#7 bundle of them.
fn one(der_bytes: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    if der_bytes.first() != Some(&0x30) {
        return Err("it is neither DER nor PEM".into());
    }
    if let Ok(c) = Certificate::from_der(der_bytes) {
        return Ok(vec![c.to_der().map_err(|e| e.to_string())?]);
    }
    let ci = cms::content_info::ContentInfo::from_der(der_bytes)
        .map_err(|_| "it is neither an X.509 certificate nor a PKCS#7 bundle".to_string())?;
    if ci.content_type.to_string() != OID_SIGNED_DATA {
        return Err(format!(
            "it is PKCS#7 content {}, not a certificate bundle",
            ci.content_type
        ));
    }
    let sd: cms::signed_data::SignedData = ci
        .content
        .decode_as()
        .map_err(|e| format!("its PKCS#7 bundle is unreadable: {e}"))?;
    let mut out = Vec::new();
    for c in sd.certificates.iter().flat_map(|s| s.0.iter()) {
        if let cms::cert::CertificateChoices::Certificate(cert) = c {
            out.push(cert.to_der().map_err(|e| e.to_string())?);
        }
    }
    Ok(out)
}

/// The DER of every `CERTIFICATE` / `PKCS7` block of a PEM text.
fn from_pem(bytes: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "its PEM text is not UTF-8".to_string())?;
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let after = &rest[start + 11..];
        let label_end = after.find("-----").ok_or("a PEM header is not closed")?;
        let label = &after[..label_end];
        let body_start = label_end + 5;
        let end_marker = format!("-----END {label}-----");
        let body_end = after[body_start..]
            .find(&end_marker)
            .ok_or_else(|| format!("the PEM block \"{label}\" has no END line"))?;
        let body = &after[body_start..body_start + body_end];
        if matches!(label, "CERTIFICATE" | "X509 CERTIFICATE" | "PKCS7" | "CMS") {
            out.push(
                base64(body).ok_or_else(|| format!("the PEM block \"{label}\" is not base64"))?,
            );
        }
        rest = &after[body_start + body_end + end_marker.len()..];
    }
    Ok(out)
}

/// Standard base64 with padding, line breaks and other whitespace ignored.
fn base64(text: &str) -> Option<Vec<u8>> {
    use base64ct::Encoding;
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    base64ct::Base64::decode_vec(&compact).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_decodes_with_and_without_padding() {
        assert_eq!(base64("aGk=").unwrap(), b"hi");
        assert_eq!(base64("YW\r\nJj").unwrap(), b"abc");

        assert!(base64("a*b").is_none());
    }

    #[test]
    fn what_is_no_certificate_says_so() {
        assert_eq!(read(b"hello").unwrap_err(), "it is neither DER nor PEM");
        assert!(read(b"\x30\x03\x02\x01\x00").is_err());
        assert_eq!(
            read(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n").unwrap_err(),
            "it holds no certificate"
        );
    }
}
