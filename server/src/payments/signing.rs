//! Gateway signatures as Alipay makes them ("RSA2"): the parameters except `sign` and
//! `sign_type`, without empty values, sorted by name, joined as `k=v&k=v`, signed with
//! RSA PKCS#1 v1.5 over SHA-256, base64.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::signature::{SignatureEncoding, Signer, Verifier};
use rsa::{RsaPrivateKey, RsaPublicKey};
use sha2::Sha256;

/// Why a signature is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SigningError {
    /// No `sign` parameter.
    #[error("the notice carries no signature")]
    Missing,
    /// Not base64, or does not verify.
    #[error("the notice's signature does not verify")]
    Bad,
}

/// The string that is signed.
pub fn content(params: &BTreeMap<String, String>) -> String {
    params
        .iter()
        .filter(|(k, v)| k.as_str() != "sign" && k.as_str() != "sign_type" && !v.is_empty())
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// Signs the parameters; returns the base64 signature.
pub fn sign(key: &RsaPrivateKey, params: &BTreeMap<String, String>) -> String {
    let signer = SigningKey::<Sha256>::new(key.clone());
    STANDARD.encode(signer.sign(content(params).as_bytes()).to_bytes())
}

/// Checks the `sign` parameter.
pub fn verify(key: &RsaPublicKey, params: &BTreeMap<String, String>) -> Result<(), SigningError> {
    let sign = params.get("sign").ok_or(SigningError::Missing)?;
    let bytes = STANDARD
        .decode(sign.as_bytes())
        .map_err(|_| SigningError::Bad)?;
    let signature = Signature::try_from(bytes.as_slice()).map_err(|_| SigningError::Bad)?;
    VerifyingKey::<Sha256>::new(key.clone())
        .verify(content(params).as_bytes(), &signature)
        .map_err(|_| SigningError::Bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn content_is_sorted_without_sign_and_empty_values() {
        let p = params(&[
            ("b", "2"),
            ("a", "1"),
            ("sign", "x"),
            ("sign_type", "RSA2"),
            ("c", ""),
        ]);
        assert_eq!(content(&p), "a=1&b=2");
    }

    #[test]
    fn sign_verify_and_tamper() {
        let key = &RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).unwrap();
        let mut p = params(&[
            ("out_trade_no", "01P1"),
            ("total_amount", "100.00"),
            ("trade_status", "TRADE_SUCCESS"),
        ]);
        let sig = sign(key, &p);
        p.insert("sign".into(), sig);
        p.insert("sign_type".into(), "RSA2".into());
        verify(&key.to_public_key(), &p).unwrap();
        p.insert("total_amount".into(), "1.00".into());
        assert_eq!(verify(&key.to_public_key(), &p), Err(SigningError::Bad));
        p.remove("sign");
        assert_eq!(verify(&key.to_public_key(), &p), Err(SigningError::Missing));
    }
}
