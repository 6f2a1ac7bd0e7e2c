//! Who signed a catalog, and does the signature hold: the signer's `messageDigest` against the
//! trust list it covers, the signature over the signed attributes against the signer
//! certificate's key, and the chain from that certificate upward through the certificates the
//! catalog carries and any the caller adds (the media's `certs/`), each link's signature
//! checked. Facts only: what they mean under a signing policy is decided by the caller.
//!
//! RSA PKCS#1 v1.5 with SHA-1, SHA-256 or SHA-384 is verified (RustCrypto `rsa`); other key
//! types are reported as not verifiable here.

use crate::input::catalog::{Catalog, SignerRecord};
use crate::source::digest::hex;
use der::{Decode, Encode};
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::pkcs8::DecodePublicKey;
use rsa::signature::Verifier;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384};
use x509_cert::Certificate;

const OID_CN: der::asn1::ObjectIdentifier = der::asn1::ObjectIdentifier::new_unwrap("2.5.4.3");
const OID_O: der::asn1::ObjectIdentifier = der::asn1::ObjectIdentifier::new_unwrap("2.5.4.10");
const OID_SUBJECT_KEY_ID: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("2.5.29.14");

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
    /// At a self-signed certificate (a root), verified.
    Root,
    /// The next issuer is in none of the certificates at hand: its name.
    IssuerMissing(String),
    /// A link's signature does not verify: why.
    Broken(String),
}

/// What a catalog's signature says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureFacts {
    /// The digest algorithm of the signer (`sha1`, `sha256`, `sha384`).
    pub digest: String,
    /// `Ok` when the messageDigest matches the content and the signature verifies.
    pub verified: Result<(), String>,
    /// The signer first, then each issuer found; empty when the signer certificate is absent.
    pub chain: Vec<CertFacts>,
    pub end: ChainEnd,
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
        .collect();
    let digest = digest_name(&signer.digest_oid)?;
    let Some((der, cert)) = pool.iter().find(|(_, c)| names(signer, c)) else {
        return Ok(SignatureFacts {
            digest: digest.into(),
            verified: Err("the signer's certificate is not in the catalog".into()),
            chain: Vec::new(),
            end: ChainEnd::IssuerMissing(signer_name(signer)),
        });
    };
    let verified = verify_signer(cat, signer, digest, cert);
    let mut chain = vec![facts(der, cert)];
    let mut current = cert;
    let end = loop {
        if chain.len() > 8 {
            break ChainEnd::Broken("the chain is longer than 8 certificates".into());
        }
        if current.tbs_certificate.issuer == current.tbs_certificate.subject {
            break match verify_cert(current, current) {
                Ok(()) => ChainEnd::Root,
                Err(e) => ChainEnd::Broken(e),
            };
        }
        let issuer = pool.iter().find(|(_, c)| {
            c.tbs_certificate.subject == current.tbs_certificate.issuer
                && verify_cert(current, c).is_ok()
        });
        match issuer {
            Some((d, c)) => {
                chain.push(facts(d, c));
                current = c;
            }
            None => {
                let name = current.tbs_certificate.issuer.to_string();
                break match pool
                    .iter()
                    .find(|(_, c)| c.tbs_certificate.subject == current.tbs_certificate.issuer)
                {
                    Some(_) => ChainEnd::Broken(format!(
                        "the signature of \"{}\" by \"{name}\" does not verify",
                        current.tbs_certificate.subject
                    )),
                    None => ChainEnd::IssuerMissing(name),
                };
            }
        }
    };
    // Only the last certificate can be a root: the one the chain ended at.
    if let (ChainEnd::Root, Some(last)) = (&end, chain.last_mut()) {
        last.self_signed = true;
    }
    Ok(SignatureFacts {
        digest: digest.into(),
        verified,
        chain,
        end,
    })
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
    rsa_verify(cert, digest, signed, &s.signature)
        .map_err(|e| format!("the signature does not verify: {e}"))
}

/// Is `cert` signed by `issuer`'s key.
fn verify_cert(cert: &Certificate, issuer: &Certificate) -> Result<(), String> {
    let digest = match cert.signature_algorithm.oid.to_string().as_str() {
        "1.2.840.113549.1.1.5" => "sha1",
        "1.2.840.113549.1.1.11" => "sha256",
        "1.2.840.113549.1.1.12" => "sha384",
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
    rsa_verify(issuer, digest, &tbs, sig)
}

fn rsa_verify(key_of: &Certificate, digest: &str, data: &[u8], sig: &[u8]) -> Result<(), String> {
    let spki = key_of
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .map_err(|e| e.to_string())?;
    let key = rsa::RsaPublicKey::from_public_key_der(&spki)
        .map_err(|_| "the key is not an RSA key (only RSA signatures are verified)".to_string())?;
    let sig = Signature::try_from(sig).map_err(|e| e.to_string())?;
    let result = match digest {
        "sha1" => VerifyingKey::<Sha1>::new(key).verify(data, &sig),
        "sha384" => VerifyingKey::<Sha384>::new(key).verify(data, &sig),
        _ => VerifyingKey::<Sha256>::new(key).verify(data, &sig),
    };
    result.map_err(|_| "RSA PKCS#1 v1.5 verification failed".to_string())
}

fn facts(der: &[u8], c: &Certificate) -> CertFacts {
    let subject = &c.tbs_certificate.subject;
    let attr = |oid: der::asn1::ObjectIdentifier| {
        subject
            .0
            .iter()
            .flat_map(|rdn| rdn.0.iter())
            .find_map(|atv| {
                (atv.oid == oid).then(|| {
                    der::asn1::Utf8StringRef::try_from(&atv.value)
                        .map(|s| s.as_str().to_string())
                        .or_else(|_| {
                            der::asn1::PrintableStringRef::try_from(&atv.value)
                                .map(|s| s.as_str().to_string())
                        })
                        .unwrap_or_else(|_| String::from_utf8_lossy(atv.value.value()).into_owned())
                })
            })
    };
    CertFacts {
        subject: subject.to_string(),
        common_name: attr(OID_CN),
        organization: attr(OID_O),
        thumbprint: hex(&Sha1::digest(der)),
        self_signed: false,
    }
}
