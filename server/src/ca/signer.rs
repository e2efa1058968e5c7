//! The CA's signing key, in a PEM file or on a token, as rcgen sees it.

use std::cell::RefCell;

use rcgen::{KeyPair, PublicKeyData, SignatureAlgorithm, SigningKey};
use ring::signature;

use super::CaError;
use super::pkcs11::HsmKey;

/// The CA key.
pub(crate) enum Signer {
    /// A software key from a PKCS#8 file.
    File(KeyPair),
    /// A key on a PKCS#11 token.
    Hsm(HsmKey),
}

impl Signer {
    /// Signs `message` with the CA key's algorithm.
    pub(crate) fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CaError> {
        match self {
            Self::File(key) => {
                SigningKey::sign(key, message).map_err(|e| CaError::Signing(e.to_string()))
            }
            Self::Hsm(key) => key.sign(message),
        }
    }

    /// For `Debug`.
    pub(crate) fn describe(&self) -> String {
        match self {
            Self::File(_) => "pem file".to_string(),
            Self::Hsm(key) => format!("pkcs#11 token {:?}", key.token()),
        }
    }
}

impl PublicKeyData for Signer {
    fn der_bytes(&self) -> &[u8] {
        match self {
            Self::File(key) => key.der_bytes(),
            Self::Hsm(key) => key.point(),
        }
    }

    fn algorithm(&self) -> &'static SignatureAlgorithm {
        match self {
            Self::File(key) => key.algorithm(),
            Self::Hsm(_) => &rcgen::PKCS_ECDSA_P256_SHA256,
        }
    }
}

/// The signer as rcgen's [`SigningKey`], keeping the real error (rcgen's own error
/// type can only say "remote key error").
pub(crate) struct Capturing<'a> {
    signer: &'a Signer,
    error: RefCell<Option<CaError>>,
}

impl<'a> Capturing<'a> {
    pub(crate) fn new(signer: &'a Signer) -> Self {
        Self {
            signer,
            error: RefCell::new(None),
        }
    }

    /// The error of the failed signature, if one failed; else `fallback`'s.
    pub(crate) fn error(&self, fallback: rcgen::Error) -> CaError {
        self.error
            .borrow_mut()
            .take()
            .unwrap_or_else(|| CaError::Build(fallback.to_string()))
    }
}

impl PublicKeyData for Capturing<'_> {
    fn der_bytes(&self) -> &[u8] {
        self.signer.der_bytes()
    }

    fn algorithm(&self) -> &'static SignatureAlgorithm {
        self.signer.algorithm()
    }
}

impl SigningKey for Capturing<'_> {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        self.signer.sign(message).map_err(|e| {
            *self.error.borrow_mut() = Some(e);
            rcgen::Error::RemoteKeyError
        })
    }
}

/// The ring verification algorithm for signatures made with `algorithm`.
pub(crate) fn verification_algorithm(
    algorithm: &SignatureAlgorithm,
) -> Option<&'static dyn signature::VerificationAlgorithm> {
    let table: [(
        &SignatureAlgorithm,
        &'static dyn signature::VerificationAlgorithm,
    ); 6] = [
        (
            &rcgen::PKCS_ECDSA_P256_SHA256,
            &signature::ECDSA_P256_SHA256_ASN1,
        ),
        (
            &rcgen::PKCS_ECDSA_P384_SHA384,
            &signature::ECDSA_P384_SHA384_ASN1,
        ),
        (
            &rcgen::PKCS_RSA_SHA256,
            &signature::RSA_PKCS1_2048_8192_SHA256,
        ),
        (
            &rcgen::PKCS_RSA_SHA384,
            &signature::RSA_PKCS1_2048_8192_SHA384,
        ),
        (
            &rcgen::PKCS_RSA_SHA512,
            &signature::RSA_PKCS1_2048_8192_SHA512,
        ),
        (&rcgen::PKCS_ED25519, &signature::ED25519),
    ];
    table
        .into_iter()
        .find(|(known, _)| *known == algorithm)
        .map(|(_, verify)| verify)
}
