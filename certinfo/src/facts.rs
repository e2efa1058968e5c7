//! What a certificate says, read once into plain owned values.

use sha2::{Digest, Sha256};
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};
use x509_parser::certificate::X509Certificate;
use x509_parser::der_parser::oid::Oid;
use x509_parser::extensions::ParsedExtension;
use x509_parser::oid_registry::{
    OID_X509_EXT_AUTHORITY_KEY_IDENTIFIER, OID_X509_EXT_BASIC_CONSTRAINTS, OID_X509_EXT_KEY_USAGE,
    OID_X509_EXT_SUBJECT_KEY_IDENTIFIER,
};
use x509_parser::prelude::FromDer;
use x509_parser::public_key::PublicKey;
use x509_parser::x509::SubjectPublicKeyInfo;

use crate::name::rfc4514;
use crate::to_hex;

/// The largest certificate [`facts`] and [`parse`] read, in bytes. A user certificate
/// is 1–2 KiB; the cap bounds the work an untrusted input can cause.
pub const MAX_CERT_LEN: usize = 16 * 1024;

/// Why a certificate could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CertError {
    /// The input is larger than [`MAX_CERT_LEN`].
    #[error("the certificate is {len} bytes, more than the {max} allowed")]
    TooLarge {
        /// The input's length.
        len: usize,
        /// [`MAX_CERT_LEN`].
        max: usize,
    },
    /// The input is not a DER X.509 certificate.
    #[error("the certificate does not parse: {0}")]
    Parse(String),
    /// The input holds a certificate followed by more bytes.
    #[error("the certificate is followed by {0} more bytes")]
    TrailingBytes(usize),
    /// An extension this crate reads is present twice or does not parse.
    #[error("the certificate's {extension} extension is unusable: {reason}")]
    Extension {
        /// The extension's name.
        extension: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A validity time cannot be expressed in UTC.
    #[error("the certificate's validity times are out of range")]
    Validity,
}

/// The kind of a certificate's public key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum KeyKind {
    /// An EC key on NIST P-256 (prime256v1, secp256r1).
    EcP256,
    /// An RSA key with a modulus of `bits` bits.
    Rsa {
        /// The modulus length in bits.
        bits: usize,
    },
    /// An SM2 key (id-ecPublicKey on the curve 1.2.156.10197.1.301).
    Sm2,
    /// Anything else: a short description such as `EC P-384`, `Ed25519`, or
    /// the algorithm's dotted OID.
    Other(String),
}

/// What a certificate's key is for, from its key usage extension: digitalSignature
/// or nonRepudiation mean signing; keyEncipherment, dataEncipherment or keyAgreement
/// mean encryption; both, neither, or no extension mean both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Usage {
    /// Signing only.
    Sign,
    /// Encryption (or key agreement) only.
    Encrypt,
    /// Both, or not restricted.
    Both,
}

impl Usage {
    /// The protocol's name: `sign`, `encrypt` or `both`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Usage::Sign => "sign",
            Usage::Encrypt => "encrypt",
            Usage::Both => "both",
        }
    }
}

/// The facts of one certificate, owned, for display, storage and checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertFacts {
    /// SHA-256 of the certificate's DER, lowercase hex: the certificate's stable name.
    pub sha256: String,
    /// The serial number's value in lowercase hex, without the sign byte DER adds to a
    /// positive number whose high bit is set (as openssl and pkcs11-tool print it).
    pub serial_hex: String,
    /// The subject as an RFC 4514 string (see [`crate::name`]).
    pub subject: String,
    /// The issuer as an RFC 4514 string.
    pub issuer: String,
    /// The subject Name's DER, byte for byte (for comparing names and copying them).
    pub subject_der: Vec<u8>,
    /// The issuer Name's DER, byte for byte.
    pub issuer_der: Vec<u8>,
    /// notBefore, in UTC.
    pub not_before: OffsetDateTime,
    /// notAfter, in UTC.
    pub not_after: OffsetDateTime,
    /// The SubjectPublicKeyInfo's DER (what [`crate::verify_signature`] takes).
    pub spki_der: Vec<u8>,
    /// The kind of public key.
    pub key: KeyKind,
    /// What the key is for.
    pub usage: Usage,
    /// Whether basicConstraints says `cA: TRUE`.
    pub is_ca: bool,
    /// The authority key identifier's keyIdentifier, if present.
    pub authority_key_id: Option<Vec<u8>>,
    /// The subject key identifier, if present.
    pub subject_key_id: Option<Vec<u8>>,
}

impl CertFacts {
    /// notBefore as RFC 3339 (`2026-01-31T08:00:00Z`).
    pub fn not_before_rfc3339(&self) -> String {
        rfc3339(self.not_before)
    }

    /// notAfter as RFC 3339 (`2029-01-30T23:59:59Z`).
    pub fn not_after_rfc3339(&self) -> String {
        rfc3339(self.not_after)
    }
}

/// Parses DER that must be exactly one certificate of at most [`MAX_CERT_LEN`] bytes.
pub fn parse(der: &[u8]) -> Result<X509Certificate<'_>, CertError> {
    if der.len() > MAX_CERT_LEN {
        return Err(CertError::TooLarge {
            len: der.len(),
            max: MAX_CERT_LEN,
        });
    }
    match X509Certificate::from_der(der) {
        Ok(([], cert)) => Ok(cert),
        Ok((rest, _)) => Err(CertError::TrailingBytes(rest.len())),
        Err(e) => Err(CertError::Parse(e.to_string())),
    }
}

/// Reads the facts of a certificate: DER that must be exactly one certificate of at
/// most [`MAX_CERT_LEN`] bytes. A key usage, basic constraints or key identifier
/// extension that is present twice or does not parse is an error, not a guess.
pub fn facts(der: &[u8]) -> Result<CertFacts, CertError> {
    let cert = parse(der)?;
    let validity = cert.validity();
    let utc = |t: OffsetDateTime| {
        t.checked_to_offset(UtcOffset::UTC)
            .ok_or(CertError::Validity)
    };
    Ok(CertFacts {
        sha256: to_hex(&Sha256::digest(der)),
        serial_hex: serial_hex(cert.raw_serial()),
        subject: rfc4514(cert.subject()),
        issuer: rfc4514(cert.issuer()),
        subject_der: cert.subject().as_raw().to_vec(),
        issuer_der: cert.issuer().as_raw().to_vec(),
        not_before: utc(validity.not_before.to_datetime())?,
        not_after: utc(validity.not_after.to_datetime())?,
        spki_der: cert.public_key().raw.to_vec(),
        key: key_kind(cert.public_key()),
        usage: usage(&cert)?,
        is_ca: is_ca(&cert)?,
        authority_key_id: authority_key_id(&cert)?,
        subject_key_id: subject_key_id(&cert)?,
    })
}

/// The serial's value in hex, without leading zero bytes (DER has at most one: the
/// sign byte before a high bit), keeping one byte for zero.
fn serial_hex(raw: &[u8]) -> String {
    let first = raw
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(raw.len().saturating_sub(1));
    to_hex(&raw[first..])
}

fn rfc3339(t: OffsetDateTime) -> String {
    // Cannot fail for a time read from a certificate (4-digit years, UTC); the
    // fallback keeps this total for hand-made values.
    t.format(&Rfc3339).unwrap_or_else(|_| t.to_string())
}

/// The key kind of a SubjectPublicKeyInfo.
pub(crate) fn key_kind(spki: &SubjectPublicKeyInfo<'_>) -> KeyKind {
    let algorithm = spki.algorithm.algorithm.to_id_string();
    match algorithm.as_str() {
        crate::oids::EC_PUBLIC_KEY => match ec_curve(spki).as_deref() {
            Some(crate::oids::P256) => KeyKind::EcP256,
            Some(crate::oids::SM2) => KeyKind::Sm2,
            Some(curve) => KeyKind::Other(format!("EC {}", curve_name(curve))),
            None => KeyKind::Other("EC without a named curve".into()),
        },
        crate::oids::RSA_ENCRYPTION => match spki.parsed() {
            Ok(PublicKey::RSA(rsa)) => KeyKind::Rsa {
                bits: bit_length(rsa.modulus),
            },
            _ => KeyKind::Other("RSA with an unreadable key".into()),
        },
        "1.3.101.112" => KeyKind::Other("Ed25519".into()),
        "1.3.101.113" => KeyKind::Other("Ed448".into()),
        _ => KeyKind::Other(algorithm),
    }
}

/// The named curve of an EC SubjectPublicKeyInfo, as a dotted OID.
pub(crate) fn ec_curve(spki: &SubjectPublicKeyInfo<'_>) -> Option<String> {
    let params = spki.algorithm.parameters.as_ref()?;
    params.as_oid().ok().map(|oid: Oid<'_>| oid.to_id_string())
}

/// A readable name for a curve OID, or the OID.
pub(crate) fn curve_name(oid: &str) -> &str {
    match oid {
        crate::oids::P256 => "P-256",
        "1.3.132.0.34" => "P-384",
        "1.3.132.0.35" => "P-521",
        "1.3.132.0.10" => "secp256k1",
        crate::oids::SM2 => "SM2",
        other => other,
    }
}

/// The number of significant bits of a big-endian unsigned integer.
pub(crate) fn bit_length(bytes: &[u8]) -> usize {
    match bytes.iter().position(|&b| b != 0) {
        Some(i) => (bytes.len() - i) * 8 - bytes[i].leading_zeros() as usize,
        None => 0,
    }
}

/// The one extension with this OID, parsed, or `None`; present twice or not parsing
/// is an error.
fn unique<'c>(
    cert: &'c X509Certificate<'_>,
    oid: &Oid<'_>,
    extension: &'static str,
) -> Result<Option<&'c ParsedExtension<'c>>, CertError> {
    let unusable = |reason: String| CertError::Extension { extension, reason };
    match cert.get_extension_unique(oid) {
        Err(e) => Err(unusable(e.to_string())),
        Ok(None) => Ok(None),
        Ok(Some(ext)) => match ext.parsed_extension() {
            ParsedExtension::ParseError { error } => Err(unusable(error.to_string())),
            parsed => Ok(Some(parsed)),
        },
    }
}

fn unexpected(extension: &'static str) -> CertError {
    CertError::Extension {
        extension,
        reason: "unexpected content".into(),
    }
}

fn usage(cert: &X509Certificate<'_>) -> Result<Usage, CertError> {
    const NAME: &str = "key usage";
    let ku = match unique(cert, &OID_X509_EXT_KEY_USAGE, NAME)? {
        None => return Ok(Usage::Both),
        Some(ParsedExtension::KeyUsage(ku)) => ku,
        Some(_) => return Err(unexpected(NAME)),
    };
    let sign = ku.digital_signature() || ku.non_repudiation();
    let encrypt = ku.key_encipherment() || ku.data_encipherment() || ku.key_agreement();
    Ok(match (sign, encrypt) {
        (true, false) => Usage::Sign,
        (false, true) => Usage::Encrypt,
        _ => Usage::Both,
    })
}

/// Whether basicConstraints says `cA: TRUE`.
pub(crate) fn is_ca(cert: &X509Certificate<'_>) -> Result<bool, CertError> {
    const NAME: &str = "basic constraints";
    match unique(cert, &OID_X509_EXT_BASIC_CONSTRAINTS, NAME)? {
        None => Ok(false),
        Some(ParsedExtension::BasicConstraints(bc)) => Ok(bc.ca),
        Some(_) => Err(unexpected(NAME)),
    }
}

/// Whether key usage, when present, allows keyCertSign.
pub(crate) fn may_sign_certificates(cert: &X509Certificate<'_>) -> Result<bool, CertError> {
    const NAME: &str = "key usage";
    match unique(cert, &OID_X509_EXT_KEY_USAGE, NAME)? {
        None => Ok(true),
        Some(ParsedExtension::KeyUsage(ku)) => Ok(ku.key_cert_sign()),
        Some(_) => Err(unexpected(NAME)),
    }
}

fn authority_key_id(cert: &X509Certificate<'_>) -> Result<Option<Vec<u8>>, CertError> {
    const NAME: &str = "authority key identifier";
    match unique(cert, &OID_X509_EXT_AUTHORITY_KEY_IDENTIFIER, NAME)? {
        None => Ok(None),
        Some(ParsedExtension::AuthorityKeyIdentifier(aki)) => {
            Ok(aki.key_identifier.as_ref().map(|id| id.0.to_vec()))
        }
        Some(_) => Err(unexpected(NAME)),
    }
}

fn subject_key_id(cert: &X509Certificate<'_>) -> Result<Option<Vec<u8>>, CertError> {
    const NAME: &str = "subject key identifier";
    match unique(cert, &OID_X509_EXT_SUBJECT_KEY_IDENTIFIER, NAME)? {
        None => Ok(None),
        Some(ParsedExtension::SubjectKeyIdentifier(id)) => Ok(Some(id.0.to_vec())),
        Some(_) => Err(unexpected(NAME)),
    }
}

#[cfg(test)]
mod tests;
