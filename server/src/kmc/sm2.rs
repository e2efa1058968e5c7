//! The SM2 digital envelope (`sm2-enveloped-key`, docs/kmc.md): GB/T 35276-2017 §7.4
//! / GM/T 0009-2012 §7.4 `SM2EnvelopedKey`, as GM/T 0016 tokens import it.
//!
//! A fresh 16-byte SM4 key `K` is SM2-encrypted (GB/T 32918.4, SM3, `C1 ‖ C3 ‖ C2`,
//! written as the DER `SM2Cipher`) to the token's new signing key; the encryption
//! key's 32-byte private scalar is encrypted under `K` with SM4-ECB (two whole blocks,
//! no padding); its public point goes in clear. The DER codec is
//! [`certinfo::sm2_envelope`]. [`open`] is the token's side, for the tests.

use certinfo::sm2_envelope::{Sm2Cipher, Sm2EnvelopedKey};
use ecb::cipher::block_padding::NoPadding;
use ecb::cipher::{BlockModeDecrypt as _, BlockModeEncrypt as _, KeyInit as _};
use protocol::envelope::{ENVELOPE_VERSION, Envelope, KeyTransport};
use protocol::host::Base64Bytes;
use sm2::elliptic_curve::common::getrandom::SysRng;
use sm2::elliptic_curve::sec1::ToSec1Point as _;
use sm2::pkcs8::{DecodePrivateKey as _, DecodePublicKey as _, EncodePrivateKey as _};
use sm2::pke::{DecryptingKey, EncryptingKey, Mode};
use sm4::Sm4;
use zeroize::Zeroizing;

use super::{KmcError, OpenError, key_id};

/// The SM4 key's length, bytes.
const SM4_KEY_LEN: usize = 16;

/// Envelopes the SM2 private key `pkcs8` to the SM2 signing key `recipient_spki_der`.
pub fn seal(pkcs8: &[u8], recipient_spki_der: &[u8]) -> Result<Envelope, KmcError> {
    let recipient = sm2::PublicKey::from_public_key_der(recipient_spki_der)
        .map_err(|e| KmcError::Recipient(format!("not an sm2 public key: {e}")))?;
    let secret = sm2::SecretKey::from_pkcs8_der(pkcs8)
        .map_err(|e| KmcError::Recipient(format!("the escrowed key is not an sm2 key: {e}")))?;
    let mut content_key = Zeroizing::new([0u8; SM4_KEY_LEN]);
    getrandom::fill(content_key.as_mut()).map_err(|e| KmcError::Random(e.to_string()))?;
    // C1 ‖ C3 ‖ C2 (GB/T 32918.4-2016), stated rather than left to the default.
    let raw = EncryptingKey::new_with_mode(recipient, Mode::C1C3C2)
        .encrypt(&mut SysRng, content_key.as_ref())
        .map_err(|e| KmcError::Recipient(format!("sm2 encryption: {e}")))?;
    let sym_encrypted_key = Sm2Cipher::from_c1c3c2(&raw)
        .map_err(|e| KmcError::Recipient(format!("sm2 cipher: {e}")))?;
    let scalar = Zeroizing::new(secret.to_bytes());
    let mut buffer = Zeroizing::new(scalar.to_vec());
    let length = buffer.len();
    let encrypted_private_key = ecb::Encryptor::<Sm4>::new((&*content_key).into())
        .encrypt_padded::<NoPadding>(&mut buffer, length)
        .map_err(|e| KmcError::Recipient(format!("sm4-ecb: {e}")))?
        .to_vec();
    let point = secret.public_key().to_sec1_point(false);
    let public_key: [u8; 65] = point
        .as_bytes()
        .try_into()
        .map_err(|_| KmcError::Recipient("the sm2 public point is not 65 bytes".into()))?;
    let enveloped = Sm2EnvelopedKey {
        sym_encrypted_key,
        public_key,
        encrypted_private_key,
    };
    Ok(Envelope {
        version: ENVELOPE_VERSION,
        transport: KeyTransport::Sm2EnvelopedKey,
        recipient_spki_sha256: key_id(recipient_spki_der),
        ephemeral_public_key: None,
        wrapped_content_key: Base64Bytes(Vec::new()),
        wrapped_private_key: Base64Bytes(enveloped.to_der()),
    })
}

/// Opens an `sm2-enveloped-key` envelope with the SM2 signing key `recipient_pkcs8`:
/// the encryption key as PKCS#8 DER, after checking that the scalar matches the
/// public point in the envelope. What the token does, in software.
pub fn open(envelope: &Envelope, recipient_pkcs8: &[u8]) -> Result<Zeroizing<Vec<u8>>, OpenError> {
    let bad = |what: &str, e: &dyn std::fmt::Display| OpenError::new(format!("{what}: {e}"));
    let enveloped = Sm2EnvelopedKey::from_der(&envelope.wrapped_private_key.0)
        .map_err(|e| bad("SM2EnvelopedKey", &e))?;
    let recipient =
        sm2::SecretKey::from_pkcs8_der(recipient_pkcs8).map_err(|e| bad("signing key", &e))?;
    let content_key = Zeroizing::new(
        DecryptingKey::new_with_mode(recipient.to_nonzero_scalar(), Mode::C1C3C2)
            .decrypt(&enveloped.sym_encrypted_key.to_c1c3c2())
            .map_err(|e| bad("sm2 decryption", &e))?,
    );
    let content_key: &[u8; SM4_KEY_LEN] = content_key
        .as_slice()
        .try_into()
        .map_err(|_| OpenError::new("the sm4 key is not 16 bytes".into()))?;
    let mut buffer = Zeroizing::new(enveloped.encrypted_private_key.clone());
    let scalar = ecb::Decryptor::<Sm4>::new(content_key.into())
        .decrypt_padded::<NoPadding>(&mut buffer)
        .map_err(|e| bad("sm4-ecb", &e))?;
    let secret = sm2::SecretKey::from_slice(scalar).map_err(|e| bad("private key", &e))?;
    if secret.public_key().to_sec1_point(false).as_bytes() != enveloped.public_key {
        return Err(OpenError::new(
            "the private key does not match the envelope's public key".into(),
        ));
    }
    let pkcs8 = secret.to_pkcs8_der().map_err(|e| bad("pkcs#8", &e))?;
    Ok(Zeroizing::new(pkcs8.as_bytes().to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kmc::keygen;
    use protocol::host::KeyAlgorithm;

    #[test]
    fn an_sm2_envelope_opens_with_its_signing_key_only() {
        let encryption = keygen::generate(KeyAlgorithm::Sm2).unwrap();
        let signing = keygen::generate(KeyAlgorithm::Sm2).unwrap();
        let other = keygen::generate(KeyAlgorithm::Sm2).unwrap();
        let envelope = seal(&encryption.pkcs8, &signing.spki_der).unwrap();
        assert_eq!(envelope.transport, KeyTransport::Sm2EnvelopedKey);
        assert!(envelope.wrapped_content_key.0.is_empty());
        assert!(envelope.ephemeral_public_key.is_none());
        let der = &envelope.wrapped_private_key.0;
        let parsed = Sm2EnvelopedKey::from_der(der).unwrap();
        // C2 is the 16-byte SM4 key; the scalar is two SM4 blocks.
        assert_eq!(parsed.sym_encrypted_key.cipher_text.len(), 16);
        assert_eq!(parsed.encrypted_private_key.len(), 32);
        let opened = open(&envelope, &signing.pkcs8).unwrap();
        assert_eq!(opened.as_slice(), encryption.pkcs8.as_slice());
        assert!(open(&envelope, &other.pkcs8).is_err());
        // An EC signing key cannot receive it, nor an EC key be enveloped this way.
        let ec = keygen::generate(KeyAlgorithm::EcP256).unwrap();
        assert!(seal(&encryption.pkcs8, &ec.spki_der).is_err());
        assert!(seal(&ec.pkcs8, &signing.spki_der).is_err());
    }

    /// An independent witness: OpenSSL 3 decrypts the SM2Cipher (GM/T 0009 DER, which
    /// is what `openssl pkeyutl -decrypt` reads for SM2 keys) to the SM4 key, and
    /// `openssl enc -sm4-ecb` then opens the private scalar.
    #[test]
    fn openssl_opens_the_sm2_envelope() {
        use sm2::pkcs8::EncodePrivateKey as _;
        let dir = tempfile::tempdir().unwrap();
        let encryption = keygen::generate(KeyAlgorithm::Sm2).unwrap();
        let signing = keygen::generate(KeyAlgorithm::Sm2).unwrap();
        let envelope = seal(&encryption.pkcs8, &signing.spki_der).unwrap();
        let parsed = Sm2EnvelopedKey::from_der(&envelope.wrapped_private_key.0).unwrap();
        let key = sm2::SecretKey::from_pkcs8_der(&signing.pkcs8).unwrap();
        let pem = key.to_pkcs8_pem(sm2::pkcs8::LineEnding::LF).unwrap();
        std::fs::write(dir.path().join("sign.pem"), pem.as_bytes()).unwrap();
        std::fs::write(dir.path().join("k.der"), parsed.sym_encrypted_key.to_der()).unwrap();
        let run = |args: &[&str]| {
            let out = std::process::Command::new("openssl")
                .args(args)
                .current_dir(dir.path())
                .output()
                .expect("openssl runs");
            assert!(
                out.status.success(),
                "{args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            out.stdout
        };
        let k = run(&["pkeyutl", "-decrypt", "-inkey", "sign.pem", "-in", "k.der"]);
        assert_eq!(k.len(), 16);
        std::fs::write(dir.path().join("d.enc"), &parsed.encrypted_private_key).unwrap();
        let d = run(&[
            "enc",
            "-d",
            "-sm4-ecb",
            "-nopad",
            "-K",
            &hex::encode(&k),
            "-in",
            "d.enc",
        ]);
        let expected = sm2::SecretKey::from_pkcs8_der(&encryption.pkcs8).unwrap();
        assert_eq!(d, expected.to_bytes().to_vec());
    }
}
