//! A CMS `SignerInfo` of a catalog, read into plain data for the signature check
//! (`validate::rules::signature`): who it names, its algorithms, what it signed, and the facts
//! its attributes carry — the signing time, a timestamp countersigner (PKCS#9 countersignature
//! or an RFC 3161 timestamp token, as signtool writes) and the digest algorithms of nested
//! signatures (how a catalog is dual-signed with SHA-1 and SHA-256). Reading only: nothing here
//! verifies.

use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use der::asn1::{GeneralizedTime, ObjectIdentifier, UtcTime};
use der::{Decode, Encode, Tag, Tagged};
use x509_cert::attr::Attributes;
use x509_cert::Certificate;

const OID_MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
const OID_SIGNING_TIME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.5");
const OID_COUNTERSIGNATURE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.6");
const OID_RFC3161_TIMESTAMP: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.4.1.311.3.3.1");
const OID_NESTED_SIGNATURE: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.4.1.311.2.4.1");
const OID_CN: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");

/// One `SignerInfo`, kept as data for the signature check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignerRecord {
    /// DER of the signer certificate's issuer Name and its serial number's content bytes,
    /// when the signer is named that way (as catalogs do).
    pub issuer_serial: Option<(Vec<u8>, Vec<u8>)>,
    /// The signer certificate's subject key identifier, when named that way.
    pub key_id: Option<Vec<u8>>,
    /// Dotted OIDs of the digest and signature algorithms.
    pub digest_oid: String,
    pub signature_oid: String,
    /// The signed attributes as a DER `SET OF` (what the signature covers), when present.
    pub signed_attrs: Option<Vec<u8>>,
    /// The value of the `messageDigest` signed attribute.
    pub message_digest: Option<Vec<u8>>,
    pub signature: Vec<u8>,
    /// The `signingTime` signed attribute (RFC 3339, UTC), when present.
    pub signing_time: Option<String>,
    /// Who countersigned the signature with a timestamp, and when.
    pub timestamp: Option<Timestamp>,
    /// Digest algorithm OIDs of the signers of nested signatures.
    pub nested_digest_oids: Vec<String>,
}

/// A timestamp countersignature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timestamp {
    /// The timestamp signer's common name (or its subject), when its certificate is at hand.
    pub signer: Option<String>,
    /// When (RFC 3339, UTC), when it says.
    pub time: Option<String>,
}

/// Reads one `SignerInfo`; `certificates` are the DER certificates of the same SignedData
/// (a PKCS#9 countersigner is named among them).
pub fn record(si: &SignerInfo, certificates: &[Vec<u8>]) -> Result<SignerRecord, String> {
    let der = |e: der::Error| format!("unencodable signer: {e}");
    let (issuer_serial, key_id) = match &si.sid {
        SignerIdentifier::IssuerAndSerialNumber(is) => (
            Some((
                is.issuer.to_der().map_err(der)?,
                is.serial_number.as_bytes().to_vec(),
            )),
            None,
        ),
        SignerIdentifier::SubjectKeyIdentifier(k) => (None, Some(k.0.as_bytes().to_vec())),
    };
    let signed = si.signed_attrs.as_ref();
    let message_digest = signed
        .and_then(|a| first_value(a, OID_MESSAGE_DIGEST))
        .filter(|v| v.tag() == Tag::OctetString)
        .map(|v| v.value().to_vec());
    let unsigned = si.unsigned_attrs.as_ref();
    let mut nested_digest_oids = Vec::new();
    for v in unsigned
        .iter()
        .flat_map(|a| a.iter())
        .filter(|a| a.oid == OID_NESTED_SIGNATURE)
        .flat_map(|a| a.values.iter())
    {
        if let Some(sd) = signed_data(&v.to_der().map_err(der)?) {
            nested_digest_oids.extend(
                sd.signer_infos
                    .0
                    .iter()
                    .map(|s| s.digest_alg.oid.to_string()),
            );
        }
    }
    Ok(SignerRecord {
        issuer_serial,
        key_id,
        digest_oid: si.digest_alg.oid.to_string(),
        signature_oid: si.signature_algorithm.oid.to_string(),
        signed_attrs: signed.map(|a| a.to_der()).transpose().map_err(der)?,
        message_digest,
        signature: si.signature.as_bytes().to_vec(),
        signing_time: signed.and_then(signing_time),
        timestamp: unsigned.and_then(|u| timestamp(u, certificates)),
        nested_digest_oids,
    })
}

fn first_value(attrs: &Attributes, oid: ObjectIdentifier) -> Option<&der::Any> {
    attrs.iter().find(|a| a.oid == oid)?.values.iter().next()
}

fn signing_time(attrs: &Attributes) -> Option<String> {
    time_text(first_value(attrs, OID_SIGNING_TIME)?)
}

fn time_text(v: &der::Any) -> Option<String> {
    let t = match v.tag() {
        Tag::UtcTime => v.decode_as::<UtcTime>().ok()?.to_date_time(),
        Tag::GeneralizedTime => v.decode_as::<GeneralizedTime>().ok()?.to_date_time(),
        _ => return None,
    };
    Some(t.to_string())
}

/// The countersigner of a signature: an RFC 3161 token or a PKCS#9 countersignature.
fn timestamp(unsigned: &Attributes, certificates: &[Vec<u8>]) -> Option<Timestamp> {
    if let Some(v) = first_value(unsigned, OID_RFC3161_TIMESTAMP) {
        let sd = signed_data(&v.to_der().ok()?)?;
        let certs: Vec<Vec<u8>> = sd
            .certificates
            .iter()
            .flat_map(|s| s.0.iter())
            .filter_map(|c| match c {
                cms::cert::CertificateChoices::Certificate(c) => c.to_der().ok(),
                _ => None,
            })
            .collect();
        let signer = sd
            .signer_infos
            .0
            .iter()
            .next()
            .and_then(|s| name_of(&s.sid, &certs));
        // TSTInfo ::= SEQUENCE { version, policy, messageImprint, serialNumber, genTime, … }
        let time = sd
            .encap_content_info
            .econtent
            .as_ref()
            .and_then(|e| e.decode_as::<der::asn1::OctetString>().ok())
            .and_then(|o| tst_time(o.as_bytes()));
        return Some(Timestamp { signer, time });
    }
    let v = first_value(unsigned, OID_COUNTERSIGNATURE)?;
    let cs = SignerInfo::from_der(&v.to_der().ok()?).ok()?;
    Some(Timestamp {
        signer: name_of(&cs.sid, certificates),
        time: cs.signed_attrs.as_ref().and_then(signing_time),
    })
}

fn tst_time(tst: &[u8]) -> Option<String> {
    let seq = der::Any::from_der(tst).ok()?;
    let mut r = der::SliceReader::new(seq.value()).ok()?;
    for _ in 0..4 {
        der::Any::decode(&mut r).ok()?;
    }
    time_text(&der::Any::decode(&mut r).ok()?)
}

fn signed_data(content_info_der: &[u8]) -> Option<SignedData> {
    let ci = cms::content_info::ContentInfo::from_der(content_info_der).ok()?;
    ci.content.decode_as().ok()
}

/// The common name (else the subject) of the certificate a signer identifier names.
fn name_of(sid: &SignerIdentifier, certificates: &[Vec<u8>]) -> Option<String> {
    let SignerIdentifier::IssuerAndSerialNumber(is) = sid else {
        return None;
    };
    let cert = certificates
        .iter()
        .filter_map(|d| Certificate::from_der(d).ok())
        .find(|c| {
            c.tbs_certificate.issuer == is.issuer
                && c.tbs_certificate.serial_number == is.serial_number
        })?;
    let subject = &cert.tbs_certificate.subject;
    Some(name_attribute(subject, OID_CN).unwrap_or_else(|| subject.to_string()))
}

/// The first value of attribute `oid` (common name, organisation…) in a distinguished name, as
/// text; a string type [`text`] does not know is read as UTF-8.
pub fn name_attribute(name: &x509_cert::name::Name, oid: ObjectIdentifier) -> Option<String> {
    name.0
        .iter()
        .flat_map(|rdn| rdn.0.iter())
        .find(|atv| atv.oid == oid)
        .map(|atv| {
            text(&atv.value)
                .unwrap_or_else(|| String::from_utf8_lossy(atv.value.value()).into_owned())
        })
}

/// A directory string's text (UTF8String, PrintableString, IA5String or BMPString).
pub fn text(v: &der::Any) -> Option<String> {
    match v.tag() {
        Tag::Utf8String | Tag::PrintableString | Tag::Ia5String | Tag::TeletexString => {
            Some(String::from_utf8_lossy(v.value()).into_owned())
        }
        Tag::BmpString => {
            let units: Vec<u16> = v
                .value()
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            Some(String::from_utf16_lossy(&units))
        }
        _ => None,
    }
}
