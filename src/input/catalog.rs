//! Windows driver catalogs (`.cat`): which file hashes a signature covers, for which Windows.
//!
//! A catalog is a DER `ContentInfo` holding CMS `SignedData` whose encapsulated content is a
//! certificate trust list (CTL, OID 1.3.6.1.4.1.311.10.1). The CMS layers are read with
//! RustCrypto's `cms` (it accepts the certificate choices recent catalogs use); the CTL itself
//! is Microsoft's structure, with no crate for it, so it is walked here TLV by TLV with `der`.
//! The walk is positional and tolerant of what Windows tolerates: SETs in any order, optional
//! fields absent, unknown attributes skipped.
//!
//! A member names one file by hash. Its digests come from its `SpcIndirectData` attribute
//! (1.3.6.1.4.1.311.2.1.4) when it has one; otherwise its subject identifier is the digest
//! (20 bytes SHA-1, 32 bytes SHA-256, raw or as UTF-16 hex text), as in real catalogs that list
//! each file once per algorithm. Name/value attributes (`File`, `OSAttr`) and the catalog-level
//! ones (`OS`, `HWID1`…) are kept as text. Nothing here computes file hashes or decides what a
//! mismatch means.

use der::asn1::ObjectIdentifier;
use der::{Decode, Encode, Reader, SliceReader, Tag, TagNumber};

const OID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
const OID_CTL: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.311.10.1");
const OID_INDIRECT_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.311.2.1.4");
const OID_NAME_VALUE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.311.12.2.1");
const OID_PE_IMAGE_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.311.2.1.15");
const OID_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
const OID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");

/// A digest algorithm a catalog uses for its members.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DigestAlg {
    Sha1,
    Sha256,
}

impl DigestAlg {
    pub fn as_str(self) -> &'static str {
        match self {
            DigestAlg::Sha1 => "SHA-1",
            DigestAlg::Sha256 => "SHA-256",
        }
    }

    /// The name in reports and JSON (`sha1`, `sha256`).
    pub fn key(self) -> &'static str {
        match self {
            DigestAlg::Sha1 => "sha1",
            DigestAlg::Sha256 => "sha256",
        }
    }

    fn from_len(len: usize) -> Option<DigestAlg> {
        match len {
            20 => Some(DigestAlg::Sha1),
            32 => Some(DigestAlg::Sha256),
            _ => None,
        }
    }
}

/// A `CAT_NAMEVALUE`: a name such as `File`, `OSAttr` or `OS`, its flags and its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameValue {
    pub name: String,
    pub flags: u32,
    pub value: String,
}

/// One file the catalog covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    /// The subject identifier as stored.
    pub identifier: Vec<u8>,
    /// (algorithm, digest) pairs that identify the file; usually one.
    pub digests: Vec<(DigestAlg, Vec<u8>)>,
    /// True when the member says its digest is a PE image (Authenticode) hash.
    pub pe_image: bool,
    pub names: Vec<NameValue>,
}

impl Member {
    /// The value of a name/value attribute (names compared case-insensitively).
    pub fn name_value(&self, name: &str) -> Option<&str> {
        find(&self.names, name)
    }
}

/// A parsed catalog.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Catalog {
    pub members: Vec<Member>,
    /// Catalog-level name/values (`OS`, `HWID1`, …).
    pub attributes: Vec<NameValue>,
    /// DER of every certificate the SignedData carries (signer, issuers, cross certificates).
    pub certificates: Vec<Vec<u8>>,
    /// Who signed it, as the SignedData says (checked in `validate::rules::signature`).
    pub signers: Vec<SignerRecord>,
    /// The contents octets of the trust list: what the signers' `messageDigest` covers.
    pub content: Vec<u8>,
}

pub use super::signer::{SignerRecord, Timestamp};

impl Catalog {
    /// The value of a catalog-level attribute (names compared case-insensitively).
    pub fn attribute(&self, name: &str) -> Option<&str> {
        find(&self.attributes, name)
    }

    /// Algorithms used by the members, sorted, each once.
    pub fn algorithms(&self) -> Vec<DigestAlg> {
        let mut algs: Vec<DigestAlg> = self
            .members
            .iter()
            .flat_map(|m| m.digests.iter().map(|(a, _)| *a))
            .collect();
        algs.sort();
        algs.dedup();
        algs
    }

    /// The member whose digest in `alg` is `digest`.
    pub fn member_with(&self, alg: DigestAlg, digest: &[u8]) -> Option<&Member> {
        self.members
            .iter()
            .find(|m| m.digests.iter().any(|(a, d)| *a == alg && d == digest))
    }
}

fn find<'a>(list: &'a [NameValue], name: &str) -> Option<&'a str> {
    list.iter()
        .find(|nv| nv.name.eq_ignore_ascii_case(name))
        .map(|nv| nv.value.as_str())
}

/// Why bytes are not a usable catalog; the message says what was found.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CatalogError(pub String);

fn bad(what: impl Into<String>) -> CatalogError {
    CatalogError(what.into())
}

/// Parses a catalog. Never panics; anything that is not a signed CTL is an error.
pub fn parse(bytes: &[u8]) -> Result<Catalog, CatalogError> {
    if bytes.first() != Some(&0x30) {
        return Err(bad("not DER data (a catalog starts with a SEQUENCE)"));
    }
    let ci = cms::content_info::ContentInfo::from_der(bytes)
        .map_err(|e| bad(format!("not a PKCS#7 ContentInfo: {e}")))?;
    if ci.content_type != OID_SIGNED_DATA {
        return Err(bad(format!(
            "PKCS#7 content {} is not SignedData",
            ci.content_type
        )));
    }
    let sd: cms::signed_data::SignedData = ci
        .content
        .decode_as()
        .map_err(|e| bad(format!("unreadable SignedData: {e}")))?;
    let encap = &sd.encap_content_info;
    if encap.econtent_type != OID_CTL {
        return Err(bad(format!(
            "signed content {} is not a certificate trust list (a catalog's is {OID_CTL})",
            encap.econtent_type
        )));
    }
    let ctl = encap
        .econtent
        .as_ref()
        .ok_or_else(|| bad("the certificate trust list is empty"))?;
    let mut certificates = Vec::new();
    if let Some(set) = &sd.certificates {
        for c in set.0.iter() {
            if let cms::cert::CertificateChoices::Certificate(cert) = c {
                certificates.push(
                    cert.to_der()
                        .map_err(|e| bad(format!("unencodable certificate: {e}")))?,
                );
            }
        }
    }
    let (members, attributes) = read_ctl(ctl.value())?;
    let signers = sd
        .signer_infos
        .0
        .iter()
        .map(|si| super::signer::record(si, &certificates).map_err(bad))
        .collect::<Result<_, _>>()?;
    Ok(Catalog {
        signers,
        content: ctl.value().to_vec(),
        members,
        attributes,
        certificates,
    })
}

/// One TLV: its tag and its content bytes.
struct Tlv<'a> {
    tag: Tag,
    value: &'a [u8],
}

/// The TLVs inside `content`, in order.
fn children(content: &[u8]) -> Result<Vec<Tlv<'_>>, CatalogError> {
    let mut r = SliceReader::new(content).map_err(|e| bad(e.to_string()))?;
    let mut out = Vec::new();
    while !r.is_finished() {
        let header = der::Header::decode(&mut r).map_err(|e| bad(format!("bad DER: {e}")))?;
        let len: usize = header
            .length
            .try_into()
            .map_err(|_| bad("DER length out of range"))?;
        let value = r
            .read_slice(header.length)
            .map_err(|e| bad(format!("bad DER: {e}")))?;
        debug_assert_eq!(value.len(), len);
        out.push(Tlv {
            tag: header.tag,
            value,
        });
    }
    Ok(out)
}

fn oid(t: &Tlv) -> Result<ObjectIdentifier, CatalogError> {
    if t.tag != Tag::ObjectIdentifier {
        return Err(bad(format!("expected an OID, found {}", t.tag)));
    }
    ObjectIdentifier::from_bytes(t.value).map_err(|e| bad(format!("bad OID: {e}")))
}

/// CTL ::= SEQUENCE { subjectUsage, listIdentifier OPTIONAL, sequenceNumber OPTIONAL,
/// thisUpdate, nextUpdate OPTIONAL, subjectAlgorithm, trustedSubjects OPTIONAL,
/// [0] EXPLICIT extensions OPTIONAL }; `content` is the SEQUENCE's content.
fn read_ctl(content: &[u8]) -> Result<(Vec<Member>, Vec<NameValue>), CatalogError> {
    let mut members = Vec::new();
    let mut attributes = Vec::new();
    let mut sequences = 0;
    for t in children(content)? {
        match t.tag {
            // subjectUsage, subjectAlgorithm, then trustedSubjects.
            Tag::Sequence => {
                sequences += 1;
                if sequences == 3 {
                    for s in children(t.value)? {
                        if s.tag == Tag::Sequence {
                            members.push(read_member(s.value)?);
                        }
                    }
                }
            }
            Tag::ContextSpecific {
                number: TagNumber::N0,
                constructed: true,
            } => {
                for list in children(t.value)? {
                    for ext in children(list.value)? {
                        if let Some(nv) = read_extension(ext.value)? {
                            attributes.push(nv);
                        }
                    }
                }
            }
            _ => {}
        }
    }
    if sequences < 2 {
        return Err(bad(
            "the certificate trust list lacks its usage or algorithm",
        ));
    }
    Ok((members, attributes))
}

/// TrustedSubject ::= SEQUENCE { subjectIdentifier OCTET STRING, attributes SET OF Attribute }.
fn read_member(content: &[u8]) -> Result<Member, CatalogError> {
    let parts = children(content)?;
    let id = parts
        .first()
        .filter(|t| t.tag == Tag::OctetString)
        .ok_or_else(|| bad("a member has no subject identifier"))?;
    let mut m = Member {
        identifier: id.value.to_vec(),
        digests: Vec::new(),
        pe_image: false,
        names: Vec::new(),
    };
    if let Some(set) = parts.get(1).filter(|t| t.tag == Tag::Set) {
        for attr in children(set.value)? {
            let fields = children(attr.value)?;
            let (Some(kind), Some(values)) = (fields.first(), fields.get(1)) else {
                continue;
            };
            let kind = oid(kind)?;
            for v in children(values.value)? {
                if kind == OID_INDIRECT_DATA {
                    let (alg, digest, pe) = read_indirect_data(v.value)?;
                    m.pe_image |= pe;
                    m.digests.push((alg, digest));
                } else if kind == OID_NAME_VALUE {
                    m.names.push(read_name_value(v.value)?);
                }
            }
        }
    }
    if m.digests.is_empty() {
        if let Some(d) = identifier_digest(&m.identifier) {
            m.digests.push(d);
        }
    }
    Ok(m)
}

/// The digest a bare subject identifier stands for: raw bytes of a digest's length, or the
/// digest as hexadecimal text in UTF-16LE (with or without a closing NUL).
fn identifier_digest(id: &[u8]) -> Option<(DigestAlg, Vec<u8>)> {
    if let Some(alg) = DigestAlg::from_len(id.len()) {
        return Some((alg, id.to_vec()));
    }
    let text = utf16le(id)?;
    let text = text.trim_end_matches('\0');
    if text.len() % 2 != 0 || !text.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let bytes: Vec<u8> = (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect::<Option<_>>()?;
    DigestAlg::from_len(bytes.len()).map(|alg| (alg, bytes))
}

/// SpcIndirectDataContent ::= SEQUENCE { data SEQUENCE { type OID, value ANY OPTIONAL },
/// messageDigest DigestInfo SEQUENCE { AlgorithmIdentifier, digest OCTET STRING } }.
fn read_indirect_data(content: &[u8]) -> Result<(DigestAlg, Vec<u8>, bool), CatalogError> {
    let parts = children(content)?;
    let (Some(data), Some(info)) = (parts.first(), parts.get(1)) else {
        return Err(bad("an SpcIndirectData attribute is incomplete"));
    };
    let pe = children(data.value)?
        .first()
        .map(oid)
        .transpose()?
        .is_some_and(|o| o == OID_PE_IMAGE_DATA);
    let info = children(info.value)?;
    let (Some(alg), Some(digest)) = (info.first(), info.get(1)) else {
        return Err(bad("an SpcIndirectData digest is incomplete"));
    };
    let alg_oid = children(alg.value)?
        .first()
        .map(oid)
        .transpose()?
        .ok_or_else(|| bad("a digest has no algorithm"))?;
    let alg = match alg_oid {
        OID_SHA1 => DigestAlg::Sha1,
        OID_SHA256 => DigestAlg::Sha256,
        other => return Err(bad(format!("unsupported digest algorithm {other}"))),
    };
    if digest.tag != Tag::OctetString || DigestAlg::from_len(digest.value.len()) != Some(alg) {
        return Err(bad(format!(
            "a {} digest has the wrong length",
            alg.as_str()
        )));
    }
    Ok((alg, digest.value.to_vec(), pe))
}

/// CAT_NAMEVALUE ::= SEQUENCE { tag BMPString, flags INTEGER, value OCTET STRING (UTF-16LE) }.
fn read_name_value(content: &[u8]) -> Result<NameValue, CatalogError> {
    let parts = children(content)?;
    let (Some(name), Some(flags), Some(value)) = (parts.first(), parts.get(1), parts.get(2)) else {
        return Err(bad("a name/value attribute is incomplete"));
    };
    if name.tag != Tag::BmpString || flags.tag != Tag::Integer || value.tag != Tag::OctetString {
        return Err(bad("a name/value attribute has unexpected types"));
    }
    let name =
        utf16be(name.value).ok_or_else(|| bad("a name/value attribute's name is not UTF-16"))?;
    let flags = flags
        .value
        .iter()
        .fold(0u64, |acc, b| (acc << 8) | u64::from(*b)) as u32;
    let value = utf16le(value.value)
        .ok_or_else(|| bad(format!("the value of \"{name}\" is not UTF-16")))?
        .trim_end_matches('\0')
        .to_string();
    Ok(NameValue { name, flags, value })
}

/// Extension ::= SEQUENCE { extnID OID, critical BOOLEAN OPTIONAL, extnValue OCTET STRING };
/// only name/value extensions are kept (the catalog-level `OS`, `HWID1`…).
fn read_extension(content: &[u8]) -> Result<Option<NameValue>, CatalogError> {
    let parts = children(content)?;
    let Some(id) = parts.first() else {
        return Ok(None);
    };
    if oid(id)? != OID_NAME_VALUE {
        return Ok(None);
    }
    let Some(value) = parts.iter().skip(1).find(|t| t.tag == Tag::OctetString) else {
        return Ok(None);
    };
    let inner = children(value.value)?;
    match inner.first() {
        Some(seq) if seq.tag == Tag::Sequence => read_name_value(seq.value).map(Some),
        _ => Ok(None),
    }
}

fn utf16le(b: &[u8]) -> Option<String> {
    super::utf16(b, false)
}

fn utf16be(b: &[u8]) -> Option<String> {
    super::utf16(b, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_is_not_a_catalog() {
        for bytes in [&b""[..], b"\x30\x82", b"hello", b"\x30\x03\x02\x01\x01"] {
            assert!(parse(bytes).is_err(), "{bytes:?}");
        }
    }

    #[test]
    fn reads_digests_from_bare_identifiers() {
        assert_eq!(
            identifier_digest(&[7; 20]),
            Some((DigestAlg::Sha1, vec![7; 20]))
        );
        let hex: Vec<u8> = "0A1B"
            .repeat(16)
            .encode_utf16()
            .chain([0])
            .flat_map(|u| u.to_le_bytes())
            .collect();
        let (alg, d) = identifier_digest(&hex).unwrap();
        assert_eq!(
            (alg, d.len(), d[0], d[1]),
            (DigestAlg::Sha256, 32, 0x0A, 0x1B)
        );
        assert_eq!(identifier_digest(b"tag"), None);
    }
}
