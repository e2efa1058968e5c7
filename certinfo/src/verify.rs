//! Checking signatures: an origin-bound signature against a public key, and a
//! certificate against the CA certificates that may have issued it.

use ring::signature::{
    ECDSA_P256_SHA256_ASN1, RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey, VerificationAlgorithm,
};
use x509_parser::error::X509Error;
use x509_parser::prelude::FromDer;
use x509_parser::public_key::PublicKey;
use x509_parser::x509::SubjectPublicKeyInfo;

use crate::facts::{CertError, KeyKind, bit_length, curve_name, ec_curve, is_ca, key_kind, parse};
use crate::oids;

/// The RSA modulus sizes [`verify_signature`] accepts, in bits.
const RSA_BITS: std::ops::RangeInclusive<usize> = 2048..=8192;

/// The algorithm a signature was checked with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignatureAlgorithm {
    /// ECDSA on P-256 over SHA-256 of the message; the signature DER-encoded
    /// (SEQUENCE of r, s).
    EcdsaP256Sha256,
    /// RSASSA-PKCS1-v1_5 over SHA-256 of the message.
    RsaPkcs1Sha256,
    /// SM2 with SM3 of Z ‖ message (GM/T 0003), Z from the distinguishing ID; the
    /// signature DER-encoded (SEQUENCE of r, s).
    Sm2Sm3,
}

impl SignatureAlgorithm {
    /// The protocol's name: `ecdsa-p256-sha256` or `rsa-pkcs1-sha256`.
    pub const fn as_str(self) -> &'static str {
        match self {
            SignatureAlgorithm::EcdsaP256Sha256 => "ecdsa-p256-sha256",
            SignatureAlgorithm::RsaPkcs1Sha256 => "rsa-pkcs1-sha256",
            SignatureAlgorithm::Sm2Sm3 => "sm2-sm3",
        }
    }
}

/// Why a signature or a certificate did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The SubjectPublicKeyInfo does not parse.
    #[error("the public key does not parse: {0}")]
    Spki(String),
    /// The public key is of a kind this crate does not verify with (only EC P-256,
    /// SM2 and RSA are); the text says which kind it is.
    #[error("the public key is not supported: {0} (EC P-256, SM2 and RSA are)")]
    UnsupportedKey(String),
    /// An RSA key outside 2048–8192 bits.
    #[error("the RSA key has {bits} bits, outside the 2048 to 8192 supported")]
    RsaKeySize {
        /// The modulus length in bits.
        bits: usize,
    },
    /// The signature is not a valid signature of the message (or certificate) by the
    /// key: wrong key, altered message, malformed or truncated signature.
    #[error("the signature does not verify")]
    BadSignature,
    /// The certificate to check does not parse.
    #[error(transparent)]
    Certificate(#[from] CertError),
    /// One of the issuer certificates does not parse.
    #[error("issuer certificate {index}: {source}")]
    Issuer {
        /// Its index in the list given.
        index: usize,
        /// Why it does not parse.
        source: CertError,
    },
    /// No issuer certificate's subject is the certificate's issuer name.
    #[error("the certificate's issuer is unknown")]
    UnknownIssuer,
    /// The certificate is signed with an algorithm that is not supported, or is
    /// refused as weak (SHA-1); the text names it.
    #[error("the certificate's signature algorithm is not supported: {0}")]
    UnsupportedSignature(String),
    /// The certificate was signed by this issuer certificate's key, but that
    /// certificate is not a CA (no basicConstraints `cA: TRUE`, or a key usage
    /// without keyCertSign).
    #[error("issuer certificate {index} signed the certificate but is not a CA")]
    IssuerNotCa {
        /// Its index in the list given.
        index: usize,
    },
}

/// Verifies `signature` over `message` with the public key in `spki_der` (a DER
/// SubjectPublicKeyInfo), choosing the algorithm by the key's algorithm: an EC P-256
/// key verifies ECDSA with SHA-256 and a DER signature, an SM2 key verifies SM2 with
/// SM3 and the default distinguishing ID ([`sm2::DEFAULT_DISTID`]) and a DER
/// signature, an RSA key of 2048–8192 bits verifies PKCS#1 v1.5 with SHA-256. The
/// message is the to-be-signed bytes themselves (the algorithm hashes them). Returns
/// the algorithm used.
pub fn verify_signature(
    spki_der: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<SignatureAlgorithm, VerifyError> {
    verify_signature_with_distid(spki_der, message, signature, sm2::DEFAULT_DISTID)
}

/// [`verify_signature`] with the SM2 distinguishing ID `distid` (other algorithms
/// ignore it).
pub fn verify_signature_with_distid(
    spki_der: &[u8],
    message: &[u8],
    signature: &[u8],
    distid: &str,
) -> Result<SignatureAlgorithm, VerifyError> {
    let spki = match SubjectPublicKeyInfo::from_der(spki_der) {
        Ok(([], spki)) => spki,
        Ok((rest, _)) => {
            return Err(VerifyError::Spki(format!(
                "it is followed by {} more bytes",
                rest.len()
            )));
        }
        Err(e) => return Err(VerifyError::Spki(e.to_string())),
    };
    if spki.subject_public_key.unused_bits != 0 {
        return Err(VerifyError::Spki(
            "the key is not a whole number of bytes".into(),
        ));
    }
    let (algorithm, verifier): (SignatureAlgorithm, &'static dyn VerificationAlgorithm) =
        match spki.algorithm.algorithm.to_id_string().as_str() {
            oids::EC_PUBLIC_KEY => match ec_curve(&spki).as_deref() {
                Some(oids::P256) => (SignatureAlgorithm::EcdsaP256Sha256, &ECDSA_P256_SHA256_ASN1),
                Some(oids::SM2) => {
                    sm2::verify(&spki.subject_public_key.data, distid, message, signature)?;
                    return Ok(SignatureAlgorithm::Sm2Sm3);
                }
                Some(curve) => {
                    return Err(VerifyError::UnsupportedKey(format!(
                        "EC {}",
                        curve_name(curve)
                    )));
                }
                None => {
                    return Err(VerifyError::UnsupportedKey(
                        "EC without a named curve".into(),
                    ));
                }
            },
            oids::RSA_ENCRYPTION => match spki.parsed() {
                Ok(PublicKey::RSA(rsa)) => {
                    let bits = bit_length(rsa.modulus);
                    if !RSA_BITS.contains(&bits) {
                        return Err(VerifyError::RsaKeySize { bits });
                    }
                    (
                        SignatureAlgorithm::RsaPkcs1Sha256,
                        &RSA_PKCS1_2048_8192_SHA256,
                    )
                }
                _ => return Err(VerifyError::Spki("the RSA key does not parse".into())),
            },
            _ => {
                let kind = match key_kind(&spki) {
                    KeyKind::Other(kind) => kind,
                    other => format!("{other:?}"),
                };
                return Err(VerifyError::UnsupportedKey(kind));
            }
        };
    UnparsedPublicKey::new(verifier, &spki.subject_public_key.data)
        .verify(message, signature)
        .map_err(|_| VerifyError::BadSignature)?;
    Ok(algorithm)
}

/// Finds which of `issuers` (DER certificates) issued `cert_der`: the first whose
/// subject Name is byte for byte the certificate's issuer Name, whose key verifies
/// the certificate's signature, and that is a CA (basicConstraints `cA: TRUE` and, if
/// it has a key usage extension, keyCertSign). Returns its index.
///
/// Checks only that one link: not validity times, revocation, name constraints or
/// the issuer's own chain. Certificates signed with SHA-1 are refused.
///
/// When none qualifies, the error says why, preferring the nearest miss:
/// [`VerifyError::IssuerNotCa`] (a non-CA's key signed it), then
/// [`VerifyError::UnsupportedSignature`], then [`VerifyError::BadSignature`] (the name
/// matched but no such key signed it), then [`VerifyError::UnknownIssuer`] (no
/// name matched). An issuer certificate that does not parse is an error
/// ([`VerifyError::Issuer`]) even if another one qualifies: the list is
/// configuration and should be fixed.
pub fn verify_issued_by(cert_der: &[u8], issuers: &[Vec<u8>]) -> Result<usize, VerifyError> {
    let cert = parse(cert_der)?;
    let parsed = issuers
        .iter()
        .enumerate()
        .map(|(index, der)| parse(der).map_err(|source| VerifyError::Issuer { index, source }))
        .collect::<Result<Vec<_>, _>>()?;

    let signed_with = cert.signature_algorithm.algorithm.to_id_string();
    if matches!(
        signed_with.as_str(),
        oids::SHA1_WITH_RSA | oids::SHA1_WITH_RSA_OIW | oids::ECDSA_WITH_SHA1
    ) {
        return Err(VerifyError::UnsupportedSignature(format!(
            "{signed_with} (SHA-1 is refused)"
        )));
    }

    let mut best = VerifyError::UnknownIssuer;
    for (index, issuer) in parsed.iter().enumerate() {
        if issuer.subject().as_raw() != cert.issuer().as_raw() {
            continue;
        }
        let checked = if signed_with == oids::SM3_WITH_SM2 {
            sm2_issued_by(&cert, issuer)
        } else {
            cert.verify_signature(Some(issuer.public_key()))
        };
        let miss = match checked {
            Ok(()) => {
                let ca = is_ca(issuer)
                    .and_then(|ca| Ok(ca && crate::facts::may_sign_certificates(issuer)?))
                    .map_err(|source| VerifyError::Issuer { index, source })?;
                if ca {
                    return Ok(index);
                }
                VerifyError::IssuerNotCa { index }
            }
            Err(X509Error::SignatureUnsupportedAlgorithm) => {
                VerifyError::UnsupportedSignature(signed_with.clone())
            }
            Err(_) => VerifyError::BadSignature,
        };
        if rank(&miss) > rank(&best) {
            best = miss;
        }
    }
    Err(best)
}

/// x509-parser reads SM2-with-SM3 certificates but does not verify them: the issuer's
/// SM2 key checks the TBS with the default distinguishing ID (GM/T 0015).
fn sm2_issued_by(
    cert: &x509_parser::certificate::X509Certificate<'_>,
    issuer: &x509_parser::certificate::X509Certificate<'_>,
) -> Result<(), X509Error> {
    let key = issuer.public_key();
    if key_kind(key) != KeyKind::Sm2 {
        return Err(X509Error::SignatureVerificationError);
    }
    sm2::verify(
        &key.subject_public_key.data,
        sm2::DEFAULT_DISTID,
        cert.tbs_certificate.as_ref(),
        &cert.signature_value.data,
    )
    .map_err(|_| X509Error::SignatureVerificationError)
}

/// How near a miss is, for [`verify_issued_by`]'s error.
fn rank(miss: &VerifyError) -> u8 {
    match miss {
        VerifyError::IssuerNotCa { .. } => 3,
        VerifyError::UnsupportedSignature(_) => 2,
        VerifyError::BadSignature => 1,
        _ => 0,
    }
}

pub mod sm2;
#[cfg(test)]
mod tests;
