//! AEAD_AES_256_GCM as WeChat Pay API v3 uses it for a notice's `resource`: the key is
//! the 32-byte APIv3 key (APIv3密钥) as its bytes, the nonce the 12-byte `nonce` string,
//! the associated data `associated_data`, the ciphertext base64 of ciphertext‖tag
//! (如何解密支付通知:
//! <https://pay.wechatpay.cn/docs/merchant/products/notification/decryption.html>;
//! RFC 5116). ring does the cipher.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};

/// Why a resource could not be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AeadError {
    /// The APIv3 key is not 32 bytes.
    #[error("the APIv3 key must be 32 bytes (it is {0})")]
    KeyLength(usize),
    /// The nonce is not 12 bytes.
    #[error("the notice's nonce must be 12 bytes (it is {0})")]
    NonceLength(usize),
    /// Not base64, or the tag does not match (wrong key, or altered).
    #[error("the notice's resource does not decrypt with the APIv3 key")]
    Open,
}

/// The APIv3 key, held only in memory and never printed.
#[derive(Clone)]
pub struct ApiV3Key([u8; 32]);

impl std::fmt::Debug for ApiV3Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiV3Key(…)")
    }
}

impl ApiV3Key {
    /// The key from its text (surrounding white space dropped, as a file has it).
    pub fn new(text: &str) -> Result<Self, AeadError> {
        let bytes = text.trim().as_bytes();
        <[u8; 32]>::try_from(bytes)
            .map(Self)
            .map_err(|_| AeadError::KeyLength(bytes.len()))
    }

    fn key(&self) -> LessSafeKey {
        // 32 bytes always make an AES-256 key.
        LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &self.0).unwrap_or_else(|_| unreachable!()))
    }

    fn nonce(nonce: &str) -> Result<Nonce, AeadError> {
        let bytes = <[u8; NONCE_LEN]>::try_from(nonce.as_bytes())
            .map_err(|_| AeadError::NonceLength(nonce.len()))?;
        Ok(Nonce::assume_unique_for_key(bytes))
    }

    /// Opens `ciphertext` (base64).
    pub fn decrypt(
        &self,
        associated_data: &str,
        nonce: &str,
        ciphertext: &str,
    ) -> Result<Vec<u8>, AeadError> {
        let mut data = STANDARD
            .decode(ciphertext.as_bytes())
            .map_err(|_| AeadError::Open)?;
        let plain = self
            .key()
            .open_in_place(
                Self::nonce(nonce)?,
                Aad::from(associated_data.as_bytes()),
                &mut data,
            )
            .map_err(|_| AeadError::Open)?;
        Ok(plain.to_vec())
    }

    /// Seals `plaintext` (the gateway's side; the emulator sends notices with it).
    pub fn encrypt(
        &self,
        associated_data: &str,
        nonce: &str,
        plaintext: &[u8],
    ) -> Result<String, AeadError> {
        let mut data = plaintext.to_vec();
        self.key()
            .seal_in_place_append_tag(
                Self::nonce(nonce)?,
                Aad::from(associated_data.as_bytes()),
                &mut data,
            )
            .map_err(|_| AeadError::Open)?;
        Ok(STANDARD.encode(data))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A known answer made outside this code, with Python `cryptography`'s AESGCM (the
    /// decryption page's own sample: `AESGCM(key).decrypt(nonce, data, ad)`; OpenSSL
    /// underneath): key, nonce and associated data as the docs describe them.
    #[test]
    fn a_known_ciphertext_opens() {
        let key = ApiV3Key::new("0123456789abcdef0123456789abcdef").unwrap();
        let plain = key
            .decrypt("transaction", "abcdefghijkl", KNOWN_CIPHERTEXT)
            .unwrap();
        assert_eq!(plain, KNOWN_PLAINTEXT.as_bytes());
    }

    const KNOWN_PLAINTEXT: &str =
        r#"{"out_trade_no":"1217752501201407033233368018","trade_state":"SUCCESS"}"#;
    const KNOWN_CIPHERTEXT: &str = "Eu6myr+6GaECeJdOZPZ6BX4AiS6Ot1ppK44PruJt+tpb+JPPHGfBkHxCoJE2sav/6ifd0N4BBY+/iypvlo/bEI+wzJ6p0hvXVyHCdVdeeqF2/FF+4EJu";

    #[test]
    fn round_trip_and_every_wrong_input_is_refused() {
        let key = ApiV3Key::new(" 0123456789abcdef0123456789abcdef\n").unwrap();
        let sealed = key.encrypt("transaction", "abcdefghijkl", b"{}").unwrap();
        assert_eq!(
            key.decrypt("transaction", "abcdefghijkl", &sealed).unwrap(),
            b"{}"
        );
        let other = ApiV3Key::new("fedcba9876543210fedcba9876543210").unwrap();
        assert_eq!(
            other.decrypt("transaction", "abcdefghijkl", &sealed),
            Err(AeadError::Open)
        );
        assert_eq!(
            key.decrypt("refund", "abcdefghijkl", &sealed),
            Err(AeadError::Open)
        );
        assert_eq!(
            key.decrypt("transaction", "short", &sealed),
            Err(AeadError::NonceLength(5))
        );
        assert_eq!(ApiV3Key::new("short").unwrap_err(), AeadError::KeyLength(5));
        assert_eq!(format!("{key:?}"), "ApiV3Key(…)");
    }
}
