//! Checking a PKCS#10 certificate signing request: size, structure, a signature
//! algorithm strong enough, the self-signature (proof that the requester holds the
//! key), and a key type the CA can certify.

use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::error::X509Error;
use x509_parser::prelude::FromDer;
use x509_parser::public_key::PublicKey;
use x509_parser::x509::X509Version;

use super::CaError;

/// The largest certificate signing request accepted, in bytes (16 KiB).
pub const MAX_CSR_LEN: usize = 16 * 1024;

/// What [`verify_csr`] learnt from a request whose signature verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsrInfo {
    /// The requested public key: the DER SubjectPublicKeyInfo, as in the request.
    pub spki_der: Vec<u8>,
    /// The requested subject: the DER Name, as in the request.
    pub subject_der: Vec<u8>,
}

/// The smallest RSA key certified, in bits.
const MIN_RSA_BITS: usize = 2048;

/// Signature algorithms refused although they would verify: SHA-1 based.
const REFUSED_ALGORITHMS: &[(&str, &str)] = &[
    ("1.2.840.113549.1.1.5", "sha1WithRSAEncryption"),
    ("1.3.14.3.2.29", "sha1WithRSAEncryption"),
    ("1.2.840.10045.4.1", "ecdsa-with-SHA1"),
];

/// Parses `csr_der` as exactly one DER PKCS#10 request within [`MAX_CSR_LEN`]; the
/// signature is not checked yet.
pub(crate) fn parse_der(csr_der: &[u8]) -> Result<X509CertificationRequest<'_>, CaError> {
    if csr_der.len() > MAX_CSR_LEN {
        return Err(CaError::CsrTooLarge {
            size: csr_der.len(),
            limit: MAX_CSR_LEN,
        });
    }
    let (rest, csr) = X509CertificationRequest::from_der(csr_der)
        .map_err(|e| CaError::InvalidCsr(format!("not a DER PKCS#10 request ({e})")))?;
    if !rest.is_empty() {
        return Err(CaError::InvalidCsr(format!(
            "{} unexpected bytes follow the request",
            rest.len()
        )));
    }
    Ok(csr)
}

/// Parses `csr_der`, checks its signature and key, and returns the parsed request.
pub(crate) fn parse_verified(csr_der: &[u8]) -> Result<X509CertificationRequest<'_>, CaError> {
    let csr = parse_der(csr_der)?;
    if csr.certification_request_info.version != X509Version(0) {
        return Err(CaError::InvalidCsr(format!(
            "version {} (only version 1, encoded 0, exists)",
            csr.certification_request_info.version.0
        )));
    }
    let algorithm = csr.signature_algorithm.algorithm.to_id_string();
    if let Some((_, name)) = REFUSED_ALGORITHMS.iter().find(|(oid, _)| *oid == algorithm) {
        return Err(CaError::Unsupported(format!(
            "the request is signed with {name}, which is refused: sign it with SHA-256"
        )));
    }
    let spki = &csr.certification_request_info.subject_pki;
    if let Ok(PublicKey::RSA(rsa)) = spki.parsed()
        && rsa.key_size() < MIN_RSA_BITS
    {
        return Err(CaError::Unsupported(format!(
            "the request's rsa key has {} bits; at least {MIN_RSA_BITS} are required",
            rsa.key_size()
        )));
    }
    match csr.verify_signature() {
        Ok(()) => {}
        Err(X509Error::SignatureVerificationError) => return Err(CaError::CsrSignature),
        Err(X509Error::SignatureUnsupportedAlgorithm) => {
            return Err(CaError::Unsupported(format!(
                "the request's signature algorithm {algorithm} with its key is not supported: \
                 use ECDSA P-256 with SHA-256, or RSA (2048 bits or more) PKCS#1 with SHA-256"
            )));
        }
        Err(e) => {
            return Err(CaError::InvalidCsr(format!(
                "the signature cannot be checked: {e}"
            )));
        }
    }
    rcgen::SubjectPublicKeyInfo::from_der(spki.raw).map_err(|_| {
        CaError::Unsupported(format!(
            "the request's key (algorithm {}) cannot be certified: use EC P-256/P-384, RSA or \
             Ed25519",
            spki.algorithm.algorithm.to_id_string()
        ))
    })?;
    Ok(csr)
}

/// Checks a DER certificate signing request: at most [`MAX_CSR_LEN`] bytes, well-formed,
/// not signed with SHA-1, its self-signature valid (ECDSA P-256/P-384 with SHA-256/384,
/// RSA PKCS#1 with SHA-256/384/512 and 2048 bits or more, RSA-PSS, Ed25519), and a key
/// type the CA can certify. Extensions requested in it are ignored: the project's
/// [`Profile`](super::Profile) decides.
/// SM2 requests are the SM2 CA's (`ca::verify_csr` sends them there).
pub fn verify_csr(csr_der: &[u8]) -> Result<CsrInfo, CaError> {
    let csr = parse_verified(csr_der)?;
    let info = &csr.certification_request_info;
    Ok(CsrInfo {
        spki_der: info.subject_pki.raw.to_vec(),
        subject_der: info.subject.as_raw().to_vec(),
    })
}
