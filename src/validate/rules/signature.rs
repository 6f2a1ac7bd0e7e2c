//! Who signed a catalog, and does the signature hold: the signer's `messageDigest` against the
//! trust list it covers, the signature over the signed attributes against the signer
//! certificate's key, and the chain from that certificate upward through the certificates the
//! catalog carries and any the caller adds (the media's `certs/`), each link's signature
//! checked, up to a trust anchor. Facts only: what they mean under a signing policy is decided
//! in `signers.rs`.
//!
//! Signatures verified: RSA PKCS#1 v1.5 (RustCrypto `rsa`) and ECDSA on P-256 / P-384
//! (`p256`, `p384`), each with SHA-1, SHA-256 or SHA-384.
//!
//! Anchors: Microsoft's roots in `microsoft-roots.pem` (source named there) end a chain by
//! key — a certificate counts as issued by one only when that root's key verifies it. "Microsoft
//! Code Verification Root", the kernel-mode root that issued the cross-certificates, is not in
//! any public root list: a chain whose last certificate names it as issuer ends there, by
//! distinguished name (common name and organisation), unverified.

use crate::input::catalog::{Catalog, SignerRecord, Timestamp};
use crate::input::signer::name_attribute;
use crate::source::digest::hex;
use der::{Decode, Encode};
use p256::ecdsa::signature::hazmat::PrehashVerifier;
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::pkcs8::DecodePublicKey;
use rsa::signature::Verifier;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384};
use std::sync::OnceLock;
use x509_cert::Certificate;

const OID_CN: der::asn1::ObjectIdentifier = der::asn1::ObjectIdentifier::new_unwrap("2.5.4.3");
const OID_O: der::asn1::ObjectIdentifier = der::asn1::ObjectIdentifier::new_unwrap("2.5.4.10");
const OID_SUBJECT_KEY_ID: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("2.5.29.14");
const OID_EXT_KEY_USAGE: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("2.5.29.37");
/// Extended key usages of Microsoft's hardware publisher: WHQL-tested, and attestation-signed.
const EKU_WHQL: &str = "1.3.6.1.4.1.311.10.3.5";
const EKU_ATTESTED: &str = "1.3.6.1.4.1.311.10.3.5.1";
/// The kernel-mode cross-certificates' issuer, recognised by name (see the module comment).
pub const CODE_VERIFICATION_ROOT: (&str, &str) =
    ("Microsoft Code Verification Root", "Microsoft Corporation");
const MICROSOFT_ROOTS: &str = include_str!("microsoft-roots.pem");

/// A certificate as the report names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertFacts {
    /// The subject as text (`CN=…, O=…`).
    pub subject: String,
    pub common_name: Option<String>,
    pub organization: Option<String>,
    /// SHA-1 of the DER: the thumbprint Windows shows.
    pub thumbprint: String,
    /// Its issuer is its subject and its own key verifies it.
    pub self_signed: bool,
}

/// Where the chain from the signer stops.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChainEnd {
    /// At one of Microsoft's roots (its common name), verified by its key.
    Microsoft(String),
    /// At "Microsoft Code Verification Root": a kernel-mode cross-certificate, by name.
    CrossSigned,
    /// At another self-signed certificate (a root), verified.
    Root,
    /// The next issuer is in none of the certificates at hand: its name.
    IssuerMissing(String),
    /// A link's signature does not verify: why.
    Broken(String),
}

/// Who signed, as Windows' driver policy tells signers apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignerKind {
    /// Microsoft's hardware publisher, WHQL-tested.
    Whql,
    /// Microsoft's hardware publisher, attestation-signed.
    Attestation,
    /// Another signer under a Microsoft root (Windows' own components).
    Microsoft,
    /// A commercial certificate cross-signed by Microsoft Code Verification Root.
    CrossSigned,
    /// A self-signed certificate or a private root: test signing.
    Test,
    /// The chain could not be followed to any root, or the signature does not hold.
    Unknown,
}

impl SignerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SignerKind::Whql => "microsoft-whql",
            SignerKind::Attestation => "microsoft-attestation",
            SignerKind::Microsoft => "microsoft",
            SignerKind::CrossSigned => "cross-signed",
            SignerKind::Test => "test",
            SignerKind::Unknown => "unknown",
        }
    }

    /// Described for a finding.
    pub fn describe(self) -> &'static str {
        match self {
            SignerKind::Whql => "Microsoft (WHQL)",
            SignerKind::Attestation => "Microsoft (attestation)",
            SignerKind::Microsoft => "a Microsoft root",
            SignerKind::CrossSigned => "a cross-signed third-party certificate",
            SignerKind::Test => "a test or self-signed certificate",
            SignerKind::Unknown => "a certificate whose chain cannot be followed",
        }
    }

    /// Windows' production policy accepts it (Microsoft-rooted or cross-signed).
    pub fn production(self) -> bool {
        !matches!(self, SignerKind::Test | SignerKind::Unknown)
    }
}

/// What a catalog's signature says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureFacts {
    /// The digest algorithm of the signer (`sha1`, `sha256`, `sha384`).
    pub digest: String,
    /// Digest algorithms of every signature: the signer's, then nested signatures' (a catalog
    /// dual-signed for Windows 7 carries a SHA-1 one).
    pub digests: Vec<String>,
    /// `Ok` when the messageDigest matches the content and the signature verifies.
    pub verified: Result<(), String>,
    /// The signer first, then each issuer found; empty when the signer certificate is absent.
    pub chain: Vec<CertFacts>,
    pub end: ChainEnd,
    pub kind: SignerKind,
    /// The signer's `signingTime`, when present (RFC 3339).
    pub signing_time: Option<String>,
    pub timestamp: Option<Timestamp>,
}

/// Microsoft's roots (DER, certificate), parsed once.
fn anchors() -> &'static [(Vec<u8>, Certificate)] {
    static ROOTS: OnceLock<Vec<(Vec<u8>, Certificate)>> = OnceLock::new();
    ROOTS.get_or_init(|| {
        crate::input::certs::read(MICROSOFT_ROOTS.as_bytes())
            .expect("the embedded Microsoft roots are PEM certificates")
            .into_iter()
            .map(|d| {
                let c = Certificate::from_der(&d).expect("checked by certs::read");
                (d, c)
            })
            .collect()
    })
}

/// The common names of the embedded Microsoft roots.
pub fn microsoft_roots() -> Vec<String> {
    anchors()
        .iter()
        .map(|(d, c)| facts(d, c).common_name.unwrap_or_default())
        .collect()
}

/// Examines the first signer of `cat`, looking for issuers among its certificates and
/// `extra` (DER certificates from elsewhere, such as the media's `certs/`).
pub fn examine(cat: &Catalog, extra: &[Vec<u8>]) -> Result<SignatureFacts, String> {
    let signer = cat.signers.first().ok_or("the catalog has no signer")?;
    let pool: Vec<(Vec<u8>, Certificate)> = cat
        .certificates
        .iter()
        .chain(extra)
        .filter_map(|d| Certificate::from_der(d).ok().map(|c| (d.clone(), c)))
        .chain(anchors().iter().cloned())
        .collect();
    let digest = digest_name(&signer.digest_oid)?;
    let mut digests = vec![digest.to_string()];
    digests.extend(
        signer
            .nested_digest_oids
            .iter()
            .filter_map(|o| digest_name(o).ok().map(str::to_string)),
    );
    let mut out = SignatureFacts {
        digest: digest.into(),
        digests,
        verified: Ok(()),
        chain: Vec::new(),
        end: ChainEnd::IssuerMissing(signer_name(signer)),
        kind: SignerKind::Unknown,
        signing_time: signer.signing_time.clone(),
        timestamp: signer.timestamp.clone(),
    };
    let Some((der, cert)) = pool.iter().find(|(_, c)| names(signer, c)) else {
        out.verified = Err(
            "the signer's certificate is neither in the catalog nor among the given certificates"
                .into(),
        );
        return Ok(out);
    };
    out.verified = verify_signer(cat, signer, digest, cert);
    let (chain, end) = walk(der, cert, &pool);
    out.kind = match (&out.verified, &end) {
        (Err(_), _) => SignerKind::Unknown,
        (Ok(()), ChainEnd::Microsoft(_)) if has_eku(cert, EKU_ATTESTED) => SignerKind::Attestation,
        (Ok(()), ChainEnd::Microsoft(_)) if has_eku(cert, EKU_WHQL) => SignerKind::Whql,
        (Ok(()), ChainEnd::Microsoft(_)) => SignerKind::Microsoft,
        (Ok(()), ChainEnd::CrossSigned) => SignerKind::CrossSigned,
        (Ok(()), ChainEnd::Root) => SignerKind::Test,
        (Ok(()), _) => SignerKind::Unknown,
    };
    out.chain = chain;
    out.end = end;
    Ok(out)
}

/// From the signer certificate up: each issuer found in `pool` by subject and verified by its
/// key, until an anchor, a root, or no issuer.
fn walk(
    der: &[u8],
    cert: &Certificate,
    pool: &[(Vec<u8>, Certificate)],
) -> (Vec<CertFacts>, ChainEnd) {
    let mut chain = vec![facts(der, cert)];
    let mut current = cert;
    let mut current_der = der;
    let end = loop {
        if chain.len() > 8 {
            break ChainEnd::Broken("the chain is longer than 8 certificates".into());
        }
        if let Some((d, c)) = anchors().iter().find(|(d, _)| d.as_slice() == current_der) {
            break ChainEnd::Microsoft(facts(d, c).common_name.unwrap_or_default());
        }
        let issuer_name = &current.tbs_certificate.issuer;
        if name_is(issuer_name, CODE_VERIFICATION_ROOT) {
            break ChainEnd::CrossSigned;
        }
        if *issuer_name == current.tbs_certificate.subject {
            break match verify_cert(current, current) {
                Ok(()) => ChainEnd::Root,
                Err(e) => ChainEnd::Broken(e),
            };
        }
        match pool.iter().find(|(_, c)| {
            c.tbs_certificate.subject == *issuer_name && verify_cert(current, c).is_ok()
        }) {
            Some((d, c)) => {
                chain.push(facts(d, c));
                current = c;
                current_der = d;
            }
            None => {
                let name = issuer_name.to_string();
                break match pool
                    .iter()
                    .any(|(_, c)| c.tbs_certificate.subject == *issuer_name)
                {
                    true => ChainEnd::Broken(format!(
                        "the signature of \"{}\" by \"{name}\" does not verify",
                        current.tbs_certificate.subject
                    )),
                    false => ChainEnd::IssuerMissing(name),
                };
            }
        }
    };
    // Only the last certificate can be a root: the one the chain ended at.
    if let (ChainEnd::Root, Some(last)) = (&end, chain.last_mut()) {
        last.self_signed = true;
    }
    (chain, end)
}

/// Does a Name carry this common name and organisation.
fn name_is(name: &x509_cert::name::Name, (cn, o): (&str, &str)) -> bool {
    name_attribute(name, OID_CN).as_deref() == Some(cn)
        && name_attribute(name, OID_O).as_deref() == Some(o)
}

fn has_eku(c: &Certificate, eku: &str) -> bool {
    c.tbs_certificate
        .extensions
        .iter()
        .flatten()
        .filter(|e| e.extn_id == OID_EXT_KEY_USAGE)
        .filter_map(|e| {
            x509_cert::ext::pkix::ExtendedKeyUsage::from_der(e.extn_value.as_bytes()).ok()
        })
        .any(|u| u.0.iter().any(|o| o.to_string() == eku))
}

/// Does the signer identifier name this certificate.
fn names(s: &SignerRecord, c: &Certificate) -> bool {
    if let Some((issuer, serial)) = &s.issuer_serial {
        return c.tbs_certificate.issuer.to_der().ok().as_ref() == Some(issuer)
            && c.tbs_certificate.serial_number.as_bytes() == serial.as_slice();
    }
    let Some(want) = &s.key_id else { return false };
    c.tbs_certificate
        .extensions
        .iter()
        .flatten()
        .any(|e| e.extn_id == OID_SUBJECT_KEY_ID && e.extn_value.as_bytes().ends_with(want))
}

fn signer_name(s: &SignerRecord) -> String {
    match (&s.issuer_serial, &s.key_id) {
        (Some((issuer, serial)), _) => {
            let name = x509_cert::name::Name::from_der(issuer)
                .map(|n| n.to_string())
                .unwrap_or_else(|_| "an unreadable name".into());
            format!("serial {} issued by {name}", hex(serial))
        }
        (None, Some(k)) => format!("key identifier {}", hex(k)),
        _ => "an unnamed signer".into(),
    }
}

fn digest_name(oid: &str) -> Result<&'static str, String> {
    match oid {
        "1.3.14.3.2.26" => Ok("sha1"),
        "2.16.840.1.101.3.4.2.1" => Ok("sha256"),
        "2.16.840.1.101.3.4.2.2" => Ok("sha384"),
        other => Err(format!("digest algorithm {other} is not supported")),
    }
}

fn hash(alg: &str, data: &[u8]) -> Vec<u8> {
    match alg {
        "sha1" => Sha1::digest(data).to_vec(),
        "sha384" => Sha384::digest(data).to_vec(),
        _ => Sha256::digest(data).to_vec(),
    }
}

/// The messageDigest against the content, then the signature over the signed attributes (or,
/// without them, over the content) with the signer's key.
fn verify_signer(
    cat: &Catalog,
    s: &SignerRecord,
    digest: &str,
    cert: &Certificate,
) -> Result<(), String> {
    let signed: &[u8] = match (&s.signed_attrs, &s.message_digest) {
        (Some(attrs), Some(md)) => {
            if hash(digest, &cat.content) != *md {
                return Err("the content does not match the signed message digest (the catalog changed after signing)".into());
            }
            attrs
        }
        (Some(_), None) => return Err("the signed attributes lack a message digest".into()),
        (None, _) => &cat.content,
    };
    verify_with(cert, digest, signed, &s.signature)
        .map_err(|e| format!("the signature does not verify: {e}"))
}

/// Is `cert` signed by `issuer`'s key.
fn verify_cert(cert: &Certificate, issuer: &Certificate) -> Result<(), String> {
    let digest = match cert.signature_algorithm.oid.to_string().as_str() {
        "1.2.840.113549.1.1.5" => "sha1",
        "1.2.840.113549.1.1.11" => "sha256",
        "1.2.840.113549.1.1.12" => "sha384",
        "1.2.840.10045.4.1" => "sha1",
        "1.2.840.10045.4.3.2" => "sha256",
        "1.2.840.10045.4.3.3" => "sha384",
        other => return Err(format!("signature algorithm {other} is not supported")),
    };
    let tbs = cert
        .tbs_certificate
        .to_der()
        .map_err(|e| format!("unencodable certificate: {e}"))?;
    let sig = cert
        .signature
        .as_bytes()
        .ok_or("the certificate's signature has unused bits")?;
    verify_with(issuer, digest, &tbs, sig)
}

const OID_RSA: &str = "1.2.840.113549.1.1.1";
const OID_EC: &str = "1.2.840.10045.2.1";
const OID_P256: &str = "1.2.840.10045.3.1.7";
const OID_P384: &str = "1.3.132.0.34";

/// Verifies `sig` over `data` (hashed with `digest`) with the key of `key_of`: RSA PKCS#1 v1.5,
/// or ECDSA (DER signature) on P-256 or P-384.
fn verify_with(key_of: &Certificate, digest: &str, data: &[u8], sig: &[u8]) -> Result<(), String> {
    let spki = &key_of.tbs_certificate.subject_public_key_info;
    match spki.algorithm.oid.to_string().as_str() {
        OID_RSA => rsa_verify(key_of, digest, data, sig),
        OID_EC => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.decode_as::<der::asn1::ObjectIdentifier>().ok())
                .map(|o| o.to_string())
                .unwrap_or_default();
            let point = spki.subject_public_key.raw_bytes();
            let prehash = hash(digest, data);
            let fail = |_| "ECDSA verification failed".to_string();
            match curve.as_str() {
                OID_P256 => {
                    let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(point)
                        .map_err(|_| "unreadable P-256 key".to_string())?;
                    let sig = p256::ecdsa::Signature::from_der(sig).map_err(fail)?;
                    key.verify_prehash(&prehash, &sig).map_err(fail)
                }
                OID_P384 => {
                    let key = p384::ecdsa::VerifyingKey::from_sec1_bytes(point)
                        .map_err(|_| "unreadable P-384 key".to_string())?;
                    let sig = p384::ecdsa::Signature::from_der(sig).map_err(fail)?;
                    key.verify_prehash(&prehash, &sig).map_err(fail)
                }
                other => Err(format!(
                    "elliptic curve {other} is not supported (P-256 and P-384 are)"
                )),
            }
        }
        other => Err(format!(
            "key algorithm {other} is not supported (RSA and ECDSA are)"
        )),
    }
}

fn rsa_verify(key_of: &Certificate, digest: &str, data: &[u8], sig: &[u8]) -> Result<(), String> {
    let spki = key_of
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .map_err(|e| e.to_string())?;
    let key = rsa::RsaPublicKey::from_public_key_der(&spki)
        .map_err(|_| "unreadable RSA key".to_string())?;
    let sig = Signature::try_from(sig).map_err(|e| e.to_string())?;
    let result = match digest {
        "sha1" => VerifyingKey::<Sha1>::new(key).verify(data, &sig),
        "sha384" => VerifyingKey::<Sha384>::new(key).verify(data, &sig),
        _ => VerifyingKey::<Sha256>::new(key).verify(data, &sig),
    };
    result.map_err(|_| "RSA PKCS#1 v1.5 verification failed".to_string())
}

/// The facts of one DER certificate; `None` when it is not one.
pub fn cert_facts(der: &[u8]) -> Option<CertFacts> {
    Certificate::from_der(der).ok().map(|c| facts(der, &c))
}

fn facts(der: &[u8], c: &Certificate) -> CertFacts {
    let subject = &c.tbs_certificate.subject;
    CertFacts {
        subject: subject.to_string(),
        common_name: name_attribute(subject, OID_CN),
        organization: name_attribute(subject, OID_O),
        thumbprint: hex(&Sha1::digest(der)),
        self_signed: false,
    }
}
