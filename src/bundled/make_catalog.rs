//! Making a signed driver catalog (`.cat`) for a set of files: what the sample ships, and what
//! tests use to build catalogs of every shape (SHA-1, SHA-256 or both; any OS; another
//! architecture). The bytes are a pure function of the arguments: no clock, no randomness
//! (PKCS#1 v1.5 signatures are deterministic), so the sample is identical on every target.
//!
//! The layout is what Windows' own catalogs use (see `input::catalog`, the reader): a PKCS#7
//! `SignedData` whose content is the certificate trust list itself (not wrapped in an OCTET
//! STRING), one member per file and algorithm named by the hash in UTF-16 hex, each with its
//! `SpcIndirectData` digest (PE image or flat), `File` and `OSAttr`; the catalog-level `OS`
//! value in the list's extensions. The signer's `messageDigest` covers the list's contents
//! octets, and the signature the DER of the signed attributes, as PKCS#7 §9.3 says. The CMS
//! layer is encoded with RustCrypto's `cms` types; the trust list, which no crate models, is
//! assembled TLV by TLV here.

use crate::input::catalog::DigestAlg;
use crate::source::authenticode::WindowsHasher;
use crate::source::digest::hex;
use cms::cert::IssuerAndSerialNumber;
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use der::asn1::{Any, ObjectIdentifier, OctetString, SetOfVec};
use der::{Decode, Encode};
use rsa::signature::{SignatureEncoding, Signer as _};

use sha1::Sha1;
use sha2::{Digest, Sha256};
use x509_cert::attr::Attribute;
use x509_cert::Certificate;

const OID_SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
const OID_CTL: &str = "1.3.6.1.4.1.311.10.1";
const OID_CATALOG_LIST: &str = "1.3.6.1.4.1.311.12.1.1";
const OID_CATALOG_MEMBER: &str = "1.3.6.1.4.1.311.12.1.2";
const OID_INDIRECT_DATA: &str = "1.3.6.1.4.1.311.2.1.4";
const OID_NAME_VALUE: &str = "1.3.6.1.4.1.311.12.2.1";
const OID_PE_IMAGE_DATA: &str = "1.3.6.1.4.1.311.2.1.15";
const OID_FLAT_DATA: &str = "1.3.6.1.4.1.311.2.1.25";
const OID_SHA1: &str = "1.3.14.3.2.26";
const OID_SHA256: &str = "2.16.840.1.101.3.4.2.1";
const OID_RSA: &str = "1.2.840.113549.1.1.1";
const OID_CONTENT_TYPE: &str = "1.2.840.113549.1.9.3";
const OID_MESSAGE_DIGEST: &str = "1.2.840.113549.1.9.4";
/// Name/value flags makecat writes: `CRYPTCAT_ATTR_NAMEASCII | DATAASCII | AUTHENTICATED`.
const NAME_VALUE_FLAGS: u32 = 0x1001_0001;

/// One file the catalog covers, by the name it is listed under and its bytes.
pub struct CatalogFile<'a> {
    pub name: &'a str,
    pub bytes: &'a [u8],
}

/// What the catalog says.
pub struct CatalogSpec<'a> {
    pub files: &'a [CatalogFile<'a>],
    /// One member per file and algorithm, in this order of preference.
    pub algorithms: &'a [DigestAlg],
    /// Every member's `OSAttr` (`2:6.1,2:10.0`).
    pub os_attr: &'a str,
    /// The catalog-level `OS` value (`7X64,_v100_X64`); empty for none.
    pub os: &'a str,
    /// The list's `thisUpdate`, seconds since 1970 (UTCTime: years 1950–2049).
    pub this_update: i64,
}

/// Who signs: a private key (PKCS#8 PEM: RSA, or EC on P-256 / P-384) and its certificate
/// (DER), with which digest, and which certificates the catalog carries.
pub struct CatalogSigner<'a> {
    pub key_pem: &'a str,
    pub certificate_der: &'a [u8],
    /// The signer's digest algorithm (the messageDigest and the signature).
    pub digest: DigestAlg,
    /// The certificates embedded in the catalog; `None` for the signer's alone (as signtool
    /// does without `/ac`), `Some(&[])` for none.
    pub certificates: Option<&'a [&'a [u8]]>,
    /// Sign the content type and messageDigest attributes (what signtool does), or, without
    /// them, the content itself.
    pub signed_attributes: bool,
}

impl<'a> CatalogSigner<'a> {
    /// SHA-256, the signer's certificate embedded: how the sample is signed.
    pub fn new(key_pem: &'a str, certificate_der: &'a [u8]) -> Self {
        CatalogSigner {
            key_pem,
            certificate_der,
            digest: DigestAlg::Sha256,
            certificates: None,
            signed_attributes: true,
        }
    }
}

/// A signing key of any kind the maker supports.
enum Key {
    Rsa(Box<rsa::RsaPrivateKey>),
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
}

impl Key {
    fn from_pem(pem: &str) -> Result<Key, String> {
        use p256::pkcs8::DecodePrivateKey as _;
        if let Ok(k) = rsa::RsaPrivateKey::from_pkcs8_pem(pem) {
            return Ok(Key::Rsa(Box::new(k)));
        }
        if let Ok(k) = p256::SecretKey::from_pkcs8_pem(pem) {
            return Ok(Key::P256(k.into()));
        }
        if let Ok(k) = p384::SecretKey::from_pkcs8_pem(pem) {
            return Ok(Key::P384(k.into()));
        }
        Err("the signing key is not a PKCS#8 RSA, P-256 or P-384 key".into())
    }

    /// The SignerInfo's signature algorithm for `digest`.
    fn algorithm(&self, digest: DigestAlg) -> &'static str {
        match (self, digest) {
            (Key::Rsa(_), _) => OID_RSA,
            (_, DigestAlg::Sha1) => "1.2.840.10045.4.1",
            (_, DigestAlg::Sha256) => "1.2.840.10045.4.3.2",
        }
    }

    /// Signs `data`: PKCS#1 v1.5, or ECDSA (RFC 6979 nonces, DER) over its digest.
    fn sign(&self, digest: DigestAlg, data: &[u8]) -> Result<Vec<u8>, String> {
        use p256::ecdsa::signature::hazmat::PrehashSigner;
        let prehash = match digest {
            DigestAlg::Sha1 => Sha1::digest(data).to_vec(),
            DigestAlg::Sha256 => Sha256::digest(data).to_vec(),
        };
        Ok(match (self, digest) {
            (Key::Rsa(k), DigestAlg::Sha1) => rsa::pkcs1v15::SigningKey::<Sha1>::new((**k).clone())
                .sign(data)
                .to_vec(),
            (Key::Rsa(k), DigestAlg::Sha256) => {
                rsa::pkcs1v15::SigningKey::<Sha256>::new((**k).clone())
                    .sign(data)
                    .to_vec()
            }
            (Key::P256(k), _) => {
                let sig: p256::ecdsa::Signature = k.sign_prehash(&prehash).map_err(der_err)?;
                sig.to_der().as_bytes().to_vec()
            }
            (Key::P384(k), _) => {
                let sig: p384::ecdsa::Signature = k.sign_prehash(&prehash).map_err(der_err)?;
                sig.to_der().as_bytes().to_vec()
            }
        })
    }
}

/// The signed catalog's DER bytes.
pub fn make(spec: &CatalogSpec, signer: &CatalogSigner) -> Result<Vec<u8>, String> {
    let ctl = trust_list(spec)?;
    let cert = Certificate::from_der(signer.certificate_der)
        .map_err(|e| format!("the signing certificate is not DER X.509: {e}"))?;
    let key = Key::from_pem(signer.key_pem)?;
    let (digest_oid, content_digest) = match signer.digest {
        DigestAlg::Sha1 => (OID_SHA1, Sha1::digest(contents_octets(&ctl)?).to_vec()),
        DigestAlg::Sha256 => (OID_SHA256, Sha256::digest(contents_octets(&ctl)?).to_vec()),
    };
    let attrs: SetOfVec<Attribute> = SetOfVec::try_from(vec![
        attribute(OID_CONTENT_TYPE, &tlv(0x06, &oid_body(OID_CTL)))?,
        attribute(OID_MESSAGE_DIGEST, &tlv(0x04, &content_digest))?,
    ])
    .map_err(der_err)?;
    // Without signed attributes CMS signs the content itself (its contents octets, as the
    // messageDigest would cover them).
    let (signed_attrs, signature) = if signer.signed_attributes {
        let sig = key.sign(signer.digest, &attrs.to_der().map_err(der_err)?)?;
        (Some(attrs), sig)
    } else {
        (None, key.sign(signer.digest, contents_octets(&ctl)?)?)
    };
    let digest_alg = algorithm(digest_oid)?;
    let signer_info = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: cert.tbs_certificate.issuer.clone(),
            serial_number: cert.tbs_certificate.serial_number.clone(),
        }),
        digest_alg: digest_alg.clone(),
        signed_attrs,
        signature_algorithm: algorithm(key.algorithm(signer.digest))?,
        signature: OctetString::new(signature).map_err(der_err)?,
        unsigned_attrs: None,
    };
    let embedded: Vec<cms::cert::CertificateChoices> = match signer.certificates {
        None => vec![cms::cert::CertificateChoices::Certificate(cert)],
        Some(list) => list
            .iter()
            .map(|d| {
                Certificate::from_der(d)
                    .map(cms::cert::CertificateChoices::Certificate)
                    .map_err(|e| format!("an embedded certificate is not DER X.509: {e}"))
            })
            .collect::<Result<_, _>>()?,
    };
    let certificates = if embedded.is_empty() {
        None
    } else {
        Some(CertificateSet(
            SetOfVec::try_from(embedded).map_err(der_err)?,
        ))
    };
    let signed = SignedData {
        version: CmsVersion::V1,
        digest_algorithms: SetOfVec::try_from(vec![digest_alg]).map_err(der_err)?,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: oid(OID_CTL)?,
            econtent: Some(Any::from_der(&ctl).map_err(der_err)?),
        },
        certificates,
        crls: None,
        signer_infos: SignerInfos(SetOfVec::try_from(vec![signer_info]).map_err(der_err)?),
    };
    let info = ContentInfo {
        content_type: oid(OID_SIGNED_DATA)?,
        content: Any::encode_from(&signed).map_err(der_err)?,
    };
    info.to_der().map_err(der_err)
}

/// The certificate trust list: usage, identifier, time, member algorithm, members, `OS`.
fn trust_list(spec: &CatalogSpec) -> Result<Vec<u8>, String> {
    let mut members: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    for f in spec.files {
        let mut h = WindowsHasher::new(f.bytes.len() as u64);
        h.update(f.bytes);
        let d = h.finish();
        for alg in spec.algorithms {
            let (alg_oid, digest): (&str, &[u8]) = match alg {
                DigestAlg::Sha1 => (OID_SHA1, &d.sha1),
                DigestAlg::Sha256 => (OID_SHA256, &d.sha256),
            };
            let id = utf16le(&hex(digest).to_ascii_uppercase());
            let kind = if d.pe_image {
                OID_PE_IMAGE_DATA
            } else {
                OID_FLAT_DATA
            };
            let indirect = seq(&[
                seq(&[tlv(0x06, &oid_body(kind))]),
                seq(&[
                    seq(&[tlv(0x06, &oid_body(alg_oid)), tlv(0x05, &[])]),
                    tlv(0x04, digest),
                ]),
            ]);
            let mut attrs = [
                attr_tlv(OID_INDIRECT_DATA, &indirect),
                attr_tlv(OID_NAME_VALUE, &name_value("File", f.name)),
                attr_tlv(OID_NAME_VALUE, &name_value("OSAttr", spec.os_attr)),
            ];
            attrs.sort();
            let member = seq(&[tlv(0x04, &id), tlv(0x31, &attrs.concat())]);
            members.push((id, member));
        }
    }
    // Members in identifier order, so the file order given never changes the bytes.
    members.sort();
    members.dedup();
    let list_id = Sha1::digest(
        members
            .iter()
            .flat_map(|(id, _)| id.iter().copied())
            .collect::<Vec<u8>>(),
    );
    let mut parts = vec![
        seq(&[tlv(0x06, &oid_body(OID_CATALOG_LIST))]),
        tlv(0x04, &list_id[..16]),
        tlv(0x17, utc_time(spec.this_update)?.as_bytes()),
        seq(&[tlv(0x06, &oid_body(OID_CATALOG_MEMBER)), tlv(0x05, &[])]),
        seq(&members.into_iter().map(|(_, m)| m).collect::<Vec<_>>()),
    ];
    if !spec.os.is_empty() {
        let ext = seq(&[
            tlv(0x06, &oid_body(OID_NAME_VALUE)),
            tlv(0x04, &name_value("OS", spec.os)),
        ]);
        parts.push(tlv(0xA0, &seq(&[ext])));
    }
    Ok(seq(&parts))
}

/// CAT_NAMEVALUE: BMPString name, flags, UTF-16LE value with its closing NUL.
fn name_value(name: &str, value: &str) -> Vec<u8> {
    let bmp: Vec<u8> = name.encode_utf16().flat_map(u16::to_be_bytes).collect();
    let mut v = utf16le(value);
    v.extend_from_slice(&[0, 0]);
    seq(&[
        tlv(0x1E, &bmp),
        tlv(0x02, &integer(NAME_VALUE_FLAGS)),
        tlv(0x04, &v),
    ])
}

fn attr_tlv(kind: &str, value: &[u8]) -> Vec<u8> {
    seq(&[tlv(0x06, &oid_body(kind)), tlv(0x31, value)])
}

fn attribute(kind: &str, value_der: &[u8]) -> Result<Attribute, String> {
    Ok(Attribute {
        oid: oid(kind)?,
        values: SetOfVec::try_from(vec![Any::from_der(value_der).map_err(der_err)?])
            .map_err(der_err)?,
    })
}

fn algorithm(kind: &str) -> Result<spki::AlgorithmIdentifierOwned, String> {
    Ok(spki::AlgorithmIdentifierOwned {
        oid: oid(kind)?,
        parameters: Some(Any::from_der(&[0x05, 0x00]).map_err(der_err)?),
    })
}

fn oid(s: &str) -> Result<ObjectIdentifier, String> {
    ObjectIdentifier::new(s).map_err(|e| format!("bad OID {s}: {e}"))
}

fn oid_body(s: &str) -> Vec<u8> {
    ObjectIdentifier::new_unwrap(s).as_bytes().to_vec()
}

/// The bytes inside a DER TLV (what PKCS#7 digests for a content that is not an OCTET STRING).
fn contents_octets(der_bytes: &[u8]) -> Result<&[u8], String> {
    let mut r = der::SliceReader::new(der_bytes).map_err(der_err)?;
    let header = der::Header::decode(&mut r).map_err(der_err)?;
    let start = der_bytes.len() - usize::try_from(header.length).map_err(der_err)?;
    Ok(&der_bytes[start..])
}

fn der_err(e: impl std::fmt::Display) -> String {
    format!("DER encoding failed: {e}")
}

fn tlv(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = body.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes: Vec<u8> = (n as u64)
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(body);
    out
}

fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

/// A non-negative INTEGER's minimal content octets.
fn integer(v: u32) -> Vec<u8> {
    let mut b: Vec<u8> = v
        .to_be_bytes()
        .into_iter()
        .skip_while(|b| *b == 0)
        .collect();
    if b.first().is_none_or(|f| f & 0x80 != 0) {
        b.insert(0, 0);
    }
    b
}

fn utf16le(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// `YYMMDDHHMMSSZ` for 1950–2049.
fn utc_time(secs: i64) -> Result<String, String> {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = crate::output::calendar::civil_from_days(days);
    if !(1950..2050).contains(&y) {
        return Err(format!("{y} is outside what a catalog's UTCTime can hold"));
    }
    Ok(format!(
        "{:02}{m:02}{d:02}{:02}{:02}{:02}Z",
        y % 100,
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    ))
}
