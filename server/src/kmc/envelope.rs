//! The digital envelope of protocol/src/envelope.rs (docs/protocol.md §15): a fresh
//! AES-256 content key `K` wraps the PKCS#8 private key (AES-KWP, RFC 5649), and `K`
//! is wrapped to the token's signing key: RSA-OAEP (SHA-1, MGF1-SHA-1, no label), or
//! ephemeral-static ECDH on P-256, the X9.63 KDF (SHA-256, [`KDF_SHARED_INFO`]) and
//! AES-KW (RFC 3394). An SM2 signing key gets the SM2 envelope instead ([`super::sm2`]).
//! [`open`] is what the token does, in software: for the tests and the worked example.

use aes_kw::KekAes256;
use p256::elliptic_curve::sec1::ToEncodedPoint as _;
use p256::pkcs8::DecodePublicKey as _;
use protocol::envelope::{ENVELOPE_VERSION, Envelope, KDF_SHARED_INFO, KeyTransport};
use protocol::host::{Base64Bytes, KeyAlgorithm};
use rsa::pkcs8::DecodePrivateKey as _;
use sha2::{Digest as _, Sha256};
use zeroize::Zeroizing;

use super::{KmcError, OpenError, key_id, keygen};

/// Envelopes `pkcs8` (the encryption private key) to the signing key
/// `recipient_spki_der`.
pub fn seal(pkcs8: &[u8], recipient_spki_der: &[u8]) -> Result<Envelope, KmcError> {
    let algorithm = keygen::algorithm_of(recipient_spki_der).ok_or_else(|| {
        KmcError::Recipient("it is neither an RSA, an EC P-256 nor an SM2 public key".into())
    })?;
    if algorithm == KeyAlgorithm::Sm2 {
        return super::sm2::seal(pkcs8, recipient_spki_der);
    }
    let mut content_key = Zeroizing::new([0u8; 32]);
    getrandom::fill(content_key.as_mut()).map_err(|e| KmcError::Random(e.to_string()))?;
    let wrapped_private_key = KekAes256::from(*content_key)
        .wrap_with_padding_vec(pkcs8)
        .map_err(|e| KmcError::Recipient(format!("aes key wrap with padding: {e}")))?;
    let (transport, ephemeral_public_key, wrapped_content_key) = match algorithm {
        KeyAlgorithm::Rsa2048 => {
            let public = rsa::RsaPublicKey::from_public_key_der(recipient_spki_der)
                .map_err(|e| KmcError::Recipient(e.to_string()))?;
            let wrapped = public
                .encrypt(
                    &mut rand::rngs::OsRng,
                    rsa::Oaep::new::<sha1::Sha1>(),
                    content_key.as_ref(),
                )
                .map_err(|e| KmcError::Recipient(format!("rsa-oaep: {e}")))?;
            (KeyTransport::RsaOaepSha1, None, wrapped)
        }
        KeyAlgorithm::EcP256 => {
            let public = p256::PublicKey::from_public_key_der(recipient_spki_der)
                .map_err(|e| KmcError::Recipient(e.to_string()))?;
            let ephemeral = p256::ecdh::EphemeralSecret::random(&mut rand::rngs::OsRng);
            let shared = ephemeral.diffie_hellman(&public);
            let kek = x963_kdf(shared.raw_secret_bytes().as_slice());
            let wrapped = KekAes256::from(*kek)
                .wrap_vec(content_key.as_ref())
                .map_err(|e| KmcError::Recipient(format!("aes key wrap: {e}")))?;
            let point = ephemeral.public_key().to_encoded_point(false);
            (
                KeyTransport::EcdhP256X963Sha256,
                Some(Base64Bytes(point.as_bytes().to_vec())),
                wrapped,
            )
        }
        // Sealed by kmc::sm2 above.
        KeyAlgorithm::Sm2 => return super::sm2::seal(pkcs8, recipient_spki_der),
    };
    Ok(Envelope {
        version: ENVELOPE_VERSION,
        transport,
        recipient_spki_sha256: key_id(recipient_spki_der),
        ephemeral_public_key,
        wrapped_content_key: Base64Bytes(wrapped_content_key),
        wrapped_private_key: Base64Bytes(wrapped_private_key),
    })
}

/// ANSI X9.63 KDF with SHA-256 for one 32-byte block:
/// SHA-256(Z ‖ 00000001 ‖ SharedInfo).
pub fn x963_kdf(z: &[u8]) -> Zeroizing<[u8; 32]> {
    let mut hash = Sha256::new();
    hash.update(z);
    hash.update(1u32.to_be_bytes());
    hash.update(KDF_SHARED_INFO);
    Zeroizing::new(hash.finalize().into())
}

/// Opens `envelope` with the signing private key `recipient_pkcs8` (PKCS#8 DER): the
/// encryption key's PKCS#8 DER. What the token does, in software.
pub fn open(envelope: &Envelope, recipient_pkcs8: &[u8]) -> Result<Zeroizing<Vec<u8>>, OpenError> {
    let bad = |e: &dyn std::fmt::Display| OpenError(e.to_string());
    let content_key: Zeroizing<Vec<u8>> = match envelope.transport {
        KeyTransport::RsaOaepSha1 => {
            let key = rsa::RsaPrivateKey::from_pkcs8_der(recipient_pkcs8).map_err(|e| bad(&e))?;
            Zeroizing::new(
                key.decrypt(
                    rsa::Oaep::new::<sha1::Sha1>(),
                    &envelope.wrapped_content_key.0,
                )
                .map_err(|e| bad(&e))?,
            )
        }
        KeyTransport::EcdhP256X963Sha256 => {
            let key = p256::SecretKey::from_pkcs8_der(recipient_pkcs8).map_err(|e| bad(&e))?;
            let point = envelope
                .ephemeral_public_key
                .as_ref()
                .ok_or_else(|| OpenError("no ephemeral public key".into()))?;
            let ephemeral = p256::PublicKey::from_sec1_bytes(&point.0).map_err(|e| bad(&e))?;
            let shared = p256::ecdh::diffie_hellman(key.to_nonzero_scalar(), ephemeral.as_affine());
            let kek = x963_kdf(shared.raw_secret_bytes().as_slice());
            Zeroizing::new(
                KekAes256::from(*kek)
                    .unwrap_vec(&envelope.wrapped_content_key.0)
                    .map_err(|e| bad(&e))?,
            )
        }
        KeyTransport::Sm2EnvelopedKey => return super::sm2::open(envelope, recipient_pkcs8),
    };
    let content_key: [u8; 32] = content_key
        .as_slice()
        .try_into()
        .map_err(|_| OpenError("the content key is not 32 bytes".into()))?;
    let content_key = Zeroizing::new(content_key);
    Ok(Zeroizing::new(
        KekAes256::from(*content_key)
            .unwrap_with_padding_vec(&envelope.wrapped_private_key.0)
            .map_err(|e| bad(&e))?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_envelope_opens_with_its_signing_key_only() {
        let secret = keygen::generate(KeyAlgorithm::EcP256).unwrap();
        for algorithm in [KeyAlgorithm::EcP256, KeyAlgorithm::Rsa2048] {
            let signing = keygen::generate(algorithm).unwrap();
            let other = keygen::generate(algorithm).unwrap();
            let envelope = seal(&secret.pkcs8, &signing.spki_der).unwrap();
            assert_eq!(envelope.transport, KeyTransport::for_signing_key(algorithm));
            assert_eq!(envelope.recipient_spki_sha256, key_id(&signing.spki_der));
            if algorithm == KeyAlgorithm::EcP256 {
                assert_eq!(envelope.wrapped_content_key.0.len(), 40);
                assert_eq!(envelope.ephemeral_public_key.as_ref().unwrap().0.len(), 65);
            }
            let opened = open(&envelope, &signing.pkcs8).unwrap();
            assert_eq!(opened.as_slice(), secret.pkcs8.as_slice());
            assert!(open(&envelope, &other.pkcs8).is_err());
        }
    }

    #[test]
    fn an_sm2_signing_key_gets_the_sm2_envelope() {
        let secret = keygen::generate(KeyAlgorithm::Sm2).unwrap();
        let signing = keygen::generate(KeyAlgorithm::Sm2).unwrap();
        let envelope = seal(&secret.pkcs8, &signing.spki_der).unwrap();
        assert_eq!(envelope.transport, KeyTransport::Sm2EnvelopedKey);
        let opened = open(&envelope, &signing.pkcs8).unwrap();
        assert_eq!(opened.as_slice(), secret.pkcs8.as_slice());
    }

    /// docs/protocol.md §15's worked example: `cargo nextest run -p server --lib
    /// worked_example --no-capture` prints one envelope of a P-256 encryption key to a
    /// P-256 signing key with every intermediate value, and checks each step.
    #[test]
    fn worked_example() {
        use p256::elliptic_curve::sec1::ToEncodedPoint as _;
        use p256::pkcs8::DecodePrivateKey as _;
        let encryption = keygen::generate(KeyAlgorithm::EcP256).unwrap();
        let signing = keygen::generate(KeyAlgorithm::EcP256).unwrap();
        let envelope = seal(&encryption.pkcs8, &signing.spki_der).unwrap();
        // The token's side, step by step.
        let key = p256::SecretKey::from_pkcs8_der(&signing.pkcs8).unwrap();
        let point = &envelope.ephemeral_public_key.as_ref().unwrap().0;
        let ephemeral = p256::PublicKey::from_sec1_bytes(point).unwrap();
        let z = p256::ecdh::diffie_hellman(key.to_nonzero_scalar(), ephemeral.as_affine());
        let kek = x963_kdf(z.raw_secret_bytes().as_slice());
        let k = KekAes256::from(*kek)
            .unwrap_vec(&envelope.wrapped_content_key.0)
            .unwrap();
        let pkcs8 = open(&envelope, &signing.pkcs8).unwrap();
        assert_eq!(pkcs8.as_slice(), encryption.pkcs8.as_slice());
        let h = |bytes: &[u8]| hex::encode(bytes);
        println!("signing public key (SPKI DER): {}", h(&signing.spki_der));
        println!(
            "signing public point: {}",
            h(key.public_key().to_encoded_point(false).as_bytes())
        );
        println!("recipient_spki_sha256: {}", envelope.recipient_spki_sha256);
        println!("ephemeral_public_key: {}", h(point));
        println!(
            "Z (ECDH x-coordinate): {}",
            h(z.raw_secret_bytes().as_slice())
        );
        println!(
            "KEK = SHA-256(Z || 00000001 || \"certrenew-envelope-v1\"): {}",
            h(kek.as_slice())
        );
        println!(
            "wrapped_content_key = AES-KW(KEK, K): {}",
            h(&envelope.wrapped_content_key.0)
        );
        println!("K: {}", h(&k));
        println!(
            "encryption private key (PKCS#8 DER, {} bytes): {}",
            pkcs8.len(),
            h(&pkcs8)
        );
        println!(
            "wrapped_private_key = AES-KWP(K, PKCS#8) ({} bytes): {}",
            envelope.wrapped_private_key.0.len(),
            h(&envelope.wrapped_private_key.0)
        );
        println!("{}", serde_json::to_string_pretty(&envelope).unwrap());
    }

    #[test]
    fn the_kdf_is_x963_with_the_shared_info() {
        // SHA-256(Z || 00000001 || "certrenew-envelope-v1") with Z = 32 zero bytes,
        // computed independently with `openssl dgst -sha256`.
        let mut input = vec![0u8; 32];
        input.extend_from_slice(&[0, 0, 0, 1]);
        input.extend_from_slice(b"certrenew-envelope-v1");
        assert_eq!(
            x963_kdf(&[0u8; 32]).as_slice(),
            Sha256::digest(&input).as_slice()
        );
    }
}
