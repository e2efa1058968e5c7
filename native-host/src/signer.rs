//! Signing on the token. The host hashes (SHA-256) and asks the token for a raw
//! signature: `CKM_ECDSA` for P-256, whose `r ‖ s` is turned into DER, and
//! `CKM_RSA_PKCS` over the SHA-256 DigestInfo. This is the portable path: many tokens
//! (and SoftHSM 2.6) lack `CKM_ECDSA_SHA256`.

use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectHandle};
use cryptoki::session::Session;
use protocol::host::SignatureAlgorithm;
use sha2::{Digest, Sha256};

use crate::error::HostError;
use crate::mechanisms::{self, Profile};
use crate::pubkey::{P256_PARAMS, SM2_PARAMS};
use certinfo::der;

/// The kind of a private key, as far as signing cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// EC P-256.
    EcP256,
    /// RSA of any size.
    Rsa,
    /// SM2 (vendor mechanisms of the module's profile).
    Sm2,
}

/// sm2-with-SM3 (1.2.156.10197.1.501), content bytes.
const SM3_WITH_SM2: &[u8] = &[0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x83, 0x75];

impl KeyKind {
    /// The signature algorithm this key produces.
    pub fn algorithm(self) -> SignatureAlgorithm {
        match self {
            Self::EcP256 => SignatureAlgorithm::EcdsaP256Sha256,
            Self::Rsa => SignatureAlgorithm::RsaPkcs1Sha256,
            Self::Sm2 => SignatureAlgorithm::Sm2Sm3,
        }
    }

    /// The DER AlgorithmIdentifier of signatures by this key.
    pub fn algorithm_identifier(self) -> Vec<u8> {
        match self {
            Self::EcP256 => der::algorithm(der::oid::ECDSA_WITH_SHA256, false),
            Self::Rsa => der::algorithm(der::oid::SHA256_WITH_RSA, true),
            // GM/T 0015: no parameters.
            Self::Sm2 => der::algorithm(SM3_WITH_SM2, false),
        }
    }
}

/// What kind of key `key` is.
pub fn key_kind(session: &Session, key: ObjectHandle) -> Result<KeyKind, HostError> {
    let attrs = session.get_attributes(key, &[AttributeType::KeyType, AttributeType::EcParams])?;
    let mut kind = None;
    let mut params = None;
    for attr in attrs {
        match attr {
            Attribute::KeyType(t) => kind = Some(t),
            Attribute::EcParams(p) => params = Some(p),
            _ => {}
        }
    }
    if params.as_deref() == Some(SM2_PARAMS) {
        return Ok(KeyKind::Sm2);
    }
    match kind {
        Some(t) if t == KeyType::RSA => Ok(KeyKind::Rsa),
        // A token may hide EC_PARAMS on a private key; P-256 is then assumed and a wrong
        // guess fails at signing with a mechanism error.
        Some(t) if t == KeyType::EC && params.as_deref().is_none_or(|p| p == P256_PARAMS) => {
            Ok(KeyKind::EcP256)
        }
        Some(t) if t == KeyType::EC => Err(HostError::MechanismUnsupported(
            "only P-256 elliptic-curve keys can sign here".into(),
        )),
        _ => Err(HostError::MechanismUnsupported(
            "the key is neither RSA nor EC P-256".into(),
        )),
    }
}

/// Signs `data` (SHA-256 is computed here) with `key`, an RSA or P-256 key.
pub fn sign(
    session: &Session,
    key: ObjectHandle,
    data: &[u8],
) -> Result<(SignatureAlgorithm, Vec<u8>), HostError> {
    sign_with(session, None, key, data)
}

/// Signs `data` with `key`; an SM2 key signs SM3withSM2 with the module's profile
/// `sm2` (crate::mechanisms::sm2).
pub fn sign_with(
    session: &Session,
    sm2: Option<&Profile>,
    key: ObjectHandle,
    data: &[u8],
) -> Result<(SignatureAlgorithm, Vec<u8>), HostError> {
    let kind = key_kind(session, key)?;
    let digest: [u8; 32] = Sha256::digest(data).into();
    let signature = match kind {
        KeyKind::EcP256 => {
            let raw = session.sign(&Mechanism::Ecdsa, key, &digest)?;
            der::ecdsa_signature(&raw).ok_or_else(|| {
                HostError::Internal(format!(
                    "the token returned a {}-byte ECDSA signature",
                    raw.len()
                ))
            })?
        }
        KeyKind::Rsa => {
            session.sign(&Mechanism::RsaPkcs, key, &der::sha256_digest_info(&digest))?
        }
        KeyKind::Sm2 => {
            let profile = sm2.ok_or_else(|| {
                HostError::MechanismUnsupported(
                    "this token's module has no SM2 profile (set profile in host.toml)".into(),
                )
            })?;
            mechanisms::sm2::sign(session, profile, key, data)?
        }
    };
    Ok((kind.algorithm(), signature))
}
