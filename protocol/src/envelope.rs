//! The digital envelope that carries an encryption private key from the CA's key
//! management centre (KMC) to a token (docs/protocol.md §15).
//!
//! Two layers, so that the token does every private-key operation itself:
//! 1. a fresh AES-256 content key `K` wraps the PKCS#8 DER of the encryption private
//!    key with AES key wrap with padding (RFC 5649, `CKM_AES_KEY_WRAP_PAD`);
//! 2. `K` is wrapped to the token's NEW signing key, which only the token holds:
//!    - RSA: RSA-OAEP with SHA-1 and MGF1-SHA-1 (`CKM_RSA_PKCS_OAEP`; the only OAEP
//!      parameters SoftHSM 2.6 and most SKF tokens accept);
//!    - EC P-256: ECDH between an ephemeral KMC key and the signing key, the shared
//!      x-coordinate `Z` through the ANSI X9.63 KDF with SHA-256 and
//!      [`KDF_SHARED_INFO`] (`CKD_SHA256_KDF`) into a 32-byte key-encryption key,
//!      which wraps `K` with AES key wrap (RFC 3394, `CKM_AES_KEY_WRAP`).

use serde::{Deserialize, Serialize};

use crate::host::{Base64Bytes, KeyAlgorithm};

/// The X9.63 KDF's SharedInfo for the EC key transport.
pub const KDF_SHARED_INFO: &[u8] = b"certrenew-envelope-v1";

/// The envelope format version.
pub const ENVELOPE_VERSION: u32 = 1;

/// The largest wrapped private key accepted (an RSA-2048 PKCS#8 is about 1.2 KB).
pub const MAX_WRAPPED_PRIVATE_KEY: usize = 4096;

/// How the content key reaches the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyTransport {
    /// RSA-OAEP, SHA-1, MGF1-SHA-1, empty label, to the RSA signing key.
    #[serde(rename = "rsa-oaep-sha1")]
    RsaOaepSha1,
    /// Ephemeral-static ECDH on P-256, X9.63 KDF SHA-256, then AES key wrap.
    #[serde(rename = "ecdh-p256-x963-sha256")]
    EcdhP256X963Sha256,
    /// The SM2 digital envelope of GB/T 35276-2017 §7.4 / GM/T 0016 (`SM2EnvelopedKey`):
    /// a fresh SM4 key `K` encrypted to the SM2 signing key (`SM2Cipher`, GM/T 0009),
    /// the 32-byte SM2 private scalar encrypted under `K` with SM4-ECB. Here
    /// `wrapped_private_key` holds the whole DER `SM2EnvelopedKey` and
    /// `wrapped_content_key` is empty; the token opens it with its vendor SM2 and SM4
    /// unwrap mechanisms (`certinfo::sm2_envelope` reads and writes the DER).
    #[serde(rename = "sm2-enveloped-key")]
    Sm2EnvelopedKey,
}

impl KeyTransport {
    /// The transport that a signing key of this algorithm opens.
    pub fn for_signing_key(algorithm: KeyAlgorithm) -> Self {
        match algorithm {
            KeyAlgorithm::Rsa2048 => Self::RsaOaepSha1,
            KeyAlgorithm::EcP256 => Self::EcdhP256X963Sha256,
            KeyAlgorithm::Sm2 => Self::Sm2EnvelopedKey,
        }
    }
}

/// An encryption private key, enveloped to one signing key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    /// [`ENVELOPE_VERSION`].
    pub version: u32,
    /// How `wrapped_content_key` is wrapped.
    pub transport: KeyTransport,
    /// Lowercase hex SHA-256 of the DER SubjectPublicKeyInfo of the signing key that
    /// opens it: the host refuses an envelope meant for another key.
    pub recipient_spki_sha256: String,
    /// The KMC's ephemeral P-256 public key, uncompressed SEC1 (65 bytes); EC only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ephemeral_public_key: Option<Base64Bytes>,
    /// `K` wrapped to the signing key: the OAEP ciphertext (RSA), or AES-KW(KEK, K),
    /// 40 bytes (EC).
    pub wrapped_content_key: Base64Bytes,
    /// AES-KWP(K, PKCS#8 DER of the encryption private key).
    pub wrapped_private_key: Base64Bytes,
}
