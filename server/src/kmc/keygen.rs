//! The encryption key pair: RSA-2048, EC P-256 or SM2, in software (the KMC's own
//! generator), handed back as PKCS#8 (to seal at once) and SubjectPublicKeyInfo DER
//! (for the CA).

use p256::pkcs8::{EncodePrivateKey as _, EncodePublicKey as _};
use protocol::host::KeyAlgorithm;
use x509_parser::prelude::FromDer as _;
use x509_parser::x509::SubjectPublicKeyInfo;
use zeroize::Zeroizing;

use super::{KmcError, algorithm_name};

/// rsaEncryption.
const RSA_OID: &str = "1.2.840.113549.1.1.1";
/// id-ecPublicKey.
const EC_OID: &str = "1.2.840.10045.2.1";
/// prime256v1.
const P256_OID: &str = "1.2.840.10045.3.1.7";

/// A fresh key pair.
pub struct KeyPair {
    /// The private key, PKCS#8 DER (wiped when dropped).
    pub pkcs8: Zeroizing<Vec<u8>>,
    /// The public key, SubjectPublicKeyInfo DER.
    pub spki_der: Vec<u8>,
}

/// Makes a key pair of `algorithm`.
pub fn generate(algorithm: KeyAlgorithm) -> Result<KeyPair, KmcError> {
    let failed = |reason: String| KmcError::Generate {
        algorithm: algorithm_name(algorithm),
        reason,
    };
    let mut rng = rand::rngs::OsRng;
    match algorithm {
        KeyAlgorithm::Sm2 => {
            use sm2::pkcs8::{EncodePrivateKey as _, EncodePublicKey as _};
            let key = sm2_secret().map_err(failed)?;
            let pkcs8 = key.to_pkcs8_der().map_err(|e| failed(e.to_string()))?;
            let spki = key
                .public_key()
                .to_public_key_der()
                .map_err(|e| failed(e.to_string()))?;
            Ok(KeyPair {
                pkcs8: Zeroizing::new(pkcs8.as_bytes().to_vec()),
                spki_der: spki.as_bytes().to_vec(),
            })
        }
        KeyAlgorithm::Rsa2048 => {
            let key = rsa::RsaPrivateKey::new(&mut rng, 2048).map_err(|e| failed(e.to_string()))?;
            let pkcs8 = key.to_pkcs8_der().map_err(|e| failed(e.to_string()))?;
            let spki = key
                .to_public_key()
                .to_public_key_der()
                .map_err(|e| failed(e.to_string()))?;
            Ok(KeyPair {
                pkcs8: Zeroizing::new(pkcs8.as_bytes().to_vec()),
                spki_der: spki.as_bytes().to_vec(),
            })
        }
        KeyAlgorithm::EcP256 => {
            let key = p256::SecretKey::random(&mut rng);
            let pkcs8 = key.to_pkcs8_der().map_err(|e| failed(e.to_string()))?;
            let spki = key
                .public_key()
                .to_public_key_der()
                .map_err(|e| failed(e.to_string()))?;
            Ok(KeyPair {
                pkcs8: Zeroizing::new(pkcs8.as_bytes().to_vec()),
                spki_der: spki.as_bytes().to_vec(),
            })
        }
    }
}

/// A random SM2 private key: 32 random bytes, drawn again in the rare case they are
/// not a valid scalar.
fn sm2_secret() -> Result<sm2::SecretKey, String> {
    for _ in 0..64 {
        let mut bytes = Zeroizing::new([0u8; 32]);
        getrandom::fill(bytes.as_mut()).map_err(|e| e.to_string())?;
        if let Ok(key) = sm2::SecretKey::from_slice(bytes.as_ref()) {
            return Ok(key);
        }
    }
    Err("no valid sm2 scalar in 64 draws".into())
}

/// The algorithm of a public key (SubjectPublicKeyInfo DER), if it is one the KMC
/// makes and the envelope serves: any RSA key counts as the RSA kind (a new one is
/// 2048 bits), EC on P-256, and SM2.
pub fn algorithm_of(spki_der: &[u8]) -> Option<KeyAlgorithm> {
    if crate::ca::sm2::is_sm2_spki(spki_der) {
        return Some(KeyAlgorithm::Sm2);
    }
    let (_, spki) = SubjectPublicKeyInfo::from_der(spki_der).ok()?;
    let oid = spki.algorithm.algorithm.to_id_string();
    if oid == RSA_OID {
        return Some(KeyAlgorithm::Rsa2048);
    }
    let curve = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.as_oid().ok())
        .map(|o| o.to_id_string());
    (oid == EC_OID && curve.as_deref() == Some(P256_OID)).then_some(KeyAlgorithm::EcP256)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_algorithms_round_trip_their_public_key() {
        for algorithm in [
            KeyAlgorithm::EcP256,
            KeyAlgorithm::Rsa2048,
            KeyAlgorithm::Sm2,
        ] {
            let pair = generate(algorithm).unwrap();
            assert_eq!(algorithm_of(&pair.spki_der), Some(algorithm));
            assert!(pair.pkcs8.len() > 100);
        }
        assert_eq!(algorithm_of(b"not a key"), None);
    }
}
