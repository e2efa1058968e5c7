//! SHA256withRSA (RSASSA-PKCS1-v1_5 with SHA-256, RFC 8017 §8.2): the one signature
//! of the RSA gateways (Alipay's RSA2, WeChat Pay API v3, UnionPay's `signMethod=01`)
//! and of their sandbox emulators, made here with `aws-lc-rs`.
//!
//! Keys are still read by the `rsa` crate (PKCS#8 or PKCS#1 PEM, as before); each is
//! turned into a key pair once, at load. The key policy is ring's: keys of 2048 to
//! 4096 bits (a multiple of 512), public exponent ≥ 65537 and two primes of equal
//! length (`ring::rsa::keypair`); any other key is refused at load with
//! [`RsaKeyError`]. An accepted key signs with AWS-LC (`aws-lc-rs`, ring's API over
//! AWS-LC's assembly), 1.9 times faster than ring, which was 2–3 times faster than
//! `rsa` 0.9 (bench/README.md, "RSA signatures (item 3)" and "Session 16"): one such
//! signature is the largest single cost of a renewal's payment. All three blind and
//! PKCS#1 v1.5 is deterministic, so the bytes are the same as before.
//!
//! [`verify`] checks these signatures with ring too (6–8 times faster than `rsa`),
//! keeping the `rsa` crate for public keys ring does not take (below 2048 bits).

use std::sync::Arc;

use ring::signature::{RSA_PKCS1_2048_8192_SHA256, RsaKeyPair};
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::pkcs8::EncodePrivateKey as _;
use rsa::signature::{SignatureEncoding as _, Signer as _, Verifier as _};
use rsa::traits::PublicKeyParts as _;
use rsa::{RsaPrivateKey, RsaPublicKey};
use sha2::Sha256;

/// Why a private key cannot sign.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RsaKeyError {
    /// The key cannot be written as PKCS#8 (not expected of a key the `rsa` crate read).
    #[error("the RSA private key cannot be encoded as PKCS#8: {0}")]
    Encoding(String),
    /// ring refuses the key.
    #[error(
        "the RSA private key ({bits} bits, public exponent {exponent}) cannot sign: {reason}; payment gateways need an RSA key of 2048 to 4096 bits (a multiple of 512) with public exponent 65537, e.g. `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048`, registered again with the gateway"
    )]
    Refused {
        /// The modulus's length.
        bits: usize,
        /// The public exponent.
        exponent: String,
        /// What ring found wrong, in words.
        reason: &'static str,
    },
}

/// ring's reason (`KeyRejected`'s text) in words.
fn reason(rejected: &ring::error::KeyRejected) -> &'static str {
    match rejected.to_string().as_str() {
        "TooSmall" => "it is shorter than 2048 bits",
        "TooLarge" => "it is longer than 4096 bits",
        "PrivateModulusLenNotMultipleOf512Bits" => "its length is not a multiple of 512 bits",
        "InconsistentComponents" => {
            "its parts do not agree, or its two primes differ in length, or its public exponent is below 65537"
        }
        "InvalidComponent" => "one of its numbers is out of range",
        "VersionNotSupported" => "it has more than two primes",
        "InvalidEncoding" => "ring cannot read its PKCS#8 encoding",
        _ => "ring refuses it",
    }
}

struct Inner {
    pair: aws_lc_rs::signature::RsaKeyPair,
    /// The same key, for [`RsaSigner::fallback_sign`] only.
    key: RsaPrivateKey,
    public: RsaPublicKey,
    random: aws_lc_rs::rand::SystemRandom,
}

/// A private key ready to sign: cheap to clone (shared), never printed.
#[derive(Clone)]
pub struct RsaSigner(Arc<Inner>);

impl std::fmt::Debug for RsaSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RsaSigner")
            .field("bits", &self.0.public.n().bits())
            .finish_non_exhaustive()
    }
}

impl RsaSigner {
    /// The signer of a key read from `path` (a key the `rsa` crate reads may still be
    /// one ring cannot sign with: refused at start, naming the file).
    pub fn of_file(key: &RsaPrivateKey, path: &std::path::Path) -> Result<Self, String> {
        Self::new(key).map_err(|e| format!("{}: {e}", path.display()))
    }
    /// The key, checked and prepared for ring (once: keep the signer, not the key).
    pub fn new(key: &RsaPrivateKey) -> Result<Self, RsaKeyError> {
        let pkcs8 = key
            .to_pkcs8_der()
            .map_err(|e| RsaKeyError::Encoding(e.to_string()))?;
        let refused = |reason| RsaKeyError::Refused {
            bits: key.n().bits(),
            exponent: key.e().to_string(),
            reason,
        };
        // ring's checks are the policy (unchanged since signing moved to AWS-LC).
        RsaKeyPair::from_pkcs8(pkcs8.as_bytes()).map_err(|e| refused(reason(&e)))?;
        let pair = aws_lc_rs::signature::RsaKeyPair::from_pkcs8(pkcs8.as_bytes())
            .map_err(|_| refused("AWS-LC refuses it"))?;
        Ok(Self(Arc::new(Inner {
            pair,
            key: key.clone(),
            public: key.to_public_key(),
            random: aws_lc_rs::rand::SystemRandom::new(),
        })))
    }

    /// The public key.
    pub fn public_key(&self) -> &RsaPublicKey {
        &self.0.public
    }

    /// The public key, owned (as `RsaPrivateKey::to_public_key`).
    pub fn to_public_key(&self) -> RsaPublicKey {
        self.0.public.clone()
    }

    /// SHA256withRSA (PKCS#1 v1.5) over `message`: the raw signature, as long as the
    /// modulus.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        let mut out = vec![0; self.0.pair.public_modulus_len()];
        match self.0.pair.sign(
            &aws_lc_rs::signature::RSA_PKCS1_SHA256,
            &self.0.random,
            message,
            &mut out,
        ) {
            Ok(()) => out,
            // AWS-LC fails only when the system's random generator does (it blinds
            // with it): sign without blinding rather than fail a payment; same bytes.
            Err(aws_lc_rs::error::Unspecified) => {
                tracing::error!(
                    "AWS-LC could not sign (no system randomness): signed by the rsa crate"
                );
                self.fallback_sign(message)
            }
        }
    }

    /// The same signature by the `rsa` crate (slower, not blinded).
    fn fallback_sign(&self, message: &[u8]) -> Vec<u8> {
        SigningKey::<Sha256>::new(self.0.key.clone())
            .sign(message)
            .to_vec()
    }
}

impl TryFrom<RsaPrivateKey> for RsaSigner {
    type Error = RsaKeyError;

    fn try_from(key: RsaPrivateKey) -> Result<Self, Self::Error> {
        Self::new(&key)
    }
}

/// Whether `signature` is SHA256withRSA (PKCS#1 v1.5) over `message` by `public`'s
/// key. ring checks keys of 2048 to 8192 bits with a public exponent below 2^33 (what
/// `RSA_PKCS1_2048_8192_SHA256` takes: every gateway's); the `rsa` crate, as before,
/// any other. Both compare the whole encoded block, so they accept the same bytes.
pub fn verify(public: &RsaPublicKey, message: &[u8], signature: &[u8]) -> bool {
    let (bits, e_bits) = (public.n().bits(), public.e().bits());
    if (2048..=8192).contains(&bits) && (2..=33).contains(&e_bits) {
        let (n, e) = (public.n().to_bytes_be(), public.e().to_bytes_be());
        return ring::signature::RsaPublicKeyComponents { n: &n, e: &e }
            .verify(&RSA_PKCS1_2048_8192_SHA256, message, signature)
            .is_ok();
    }
    Signature::try_from(signature).is_ok_and(|s| {
        VerifyingKey::<Sha256>::new(public.clone())
            .verify(message, &s)
            .is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use rsa::pkcs1::DecodeRsaPrivateKey as _;
    use rsa::pkcs8::DecodePrivateKey as _;

    /// Test keys made with OpenSSL 3.0 for these tests only (`openssl genpkey`,
    /// `openssl genrsa -traditional`).
    fn key(pem: &str) -> RsaPrivateKey {
        RsaPrivateKey::from_pkcs8_pem(pem)
            .or_else(|_| RsaPrivateKey::from_pkcs1_pem(pem))
            .unwrap()
    }
    const KEY: &str = include_str!("testdata/rsa2048-test-key.pem");

    /// Known answers made outside this code: `printf abc | openssl dgst -sha256 -sign
    /// testdata/rsa2048-test-key.pem | base64` (OpenSSL 3.0.19), and the same over a
    /// notice's content. AWS-LC gives those bytes, and so does the `rsa` crate (what
    /// signed before), whose verifier accepts them.
    #[test]
    fn signatures_are_openssls_and_the_rsa_crates_bytes() {
        let key = key(KEY);
        let signer = RsaSigner::new(&key).unwrap();
        let cases: [(&[u8], &str); 2] = [
            (
                b"abc",
                "IQ+Y96ssAs2cGHDiNuTZkCaCL+AcxdG0CFkFwSLBSqQeh5kiiiD9srG/XtpybfhVgh0TPCz/WZf/SlbCzP6ZYMSHZBIvkRNd0KqGnjawNQbKNwhmIVcthSUQq0a5V8RVTJv8jji7sdpoGHdwwEUyJq2EGflkWhmpYq1Gy/dECTrA1QYpUoSJdVhp2f/x8I9CagloNbh3rcb5jsyxG+A7at+nLuBq83UTVWRlFHzhmHNZfOhNRxHO+eeTY5k+AmTrLG2To0akt7KRMtQncewQgw6T3KnDFcTfIxNP30JaV0eZF/7c4Pn0oTDQ4v4fib5ALdaqUVJBab9BqTg2+pGrwA==",
            ),
            (
                b"out_trade_no=01P1&total_amount=1.00&trade_status=TRADE_SUCCESS",
                "bFzKXRENIHJuCXNOMnEIroZJK9+IjK9zGplZU5bpeDVYoucw/n0hoftw7xSnbCJjXJj1qvD6Z+wIK2/XJ1zijtInwM08NJ8aWq81oDICRpMY4B6ZH+4gVcA6CzORMu4SBFBcBzUtEe87qNnZ4EcQ80R8vjW3sh1Y5RaENPOH7DLfoc028bR0XqRiwruLtdS5n0MS6OxJJfQu7LkOjjrI4g7ASCu/id3ZimfMP9zf2rYpNBr6FKOD/FP1kxcTse8voQ3wXUaOs/ZKZ94axsB1LyNioFTQiW5GMuoSGTqayCpy0c/vNWB88EYF619fcEW9T/xkaxHZJxfCP6duHE09uw==",
            ),
        ];
        for (message, openssl) in cases {
            let ours = signer.sign(message);
            assert_eq!(STANDARD.encode(&ours), openssl);
            assert_eq!(ours, signer.fallback_sign(message));
            let before = SigningKey::<Sha256>::new(key.clone())
                .sign(message)
                .to_vec();
            assert_eq!(ours, before);
            VerifyingKey::<Sha256>::new(key.to_public_key())
                .verify(message, &Signature::try_from(ours.as_slice()).unwrap())
                .unwrap();
            assert!(verify(signer.public_key(), message, &ours));
        }
        // A clone shares the key pair and signs alike.
        assert_eq!(signer.clone().sign(b"abc"), signer.sign(b"abc"));
        assert_eq!(signer.public_key(), &key.to_public_key());
    }

    /// ring's verification takes exactly what signs, nothing altered; a key below 2048
    /// bits is still checked (by the `rsa` crate).
    #[test]
    fn verification_takes_only_the_signed_bytes() {
        let signer = RsaSigner::new(&key(KEY)).unwrap();
        let public = signer.public_key();
        let good = signer.sign(b"total_amount=1.00");
        assert!(verify(public, b"total_amount=1.00", &good));
        assert!(!verify(public, b"total_amount=2.00", &good));
        let mut flipped = good.clone();
        flipped[100] ^= 1;
        assert!(!verify(public, b"total_amount=1.00", &flipped));
        assert!(!verify(public, b"total_amount=1.00", &good[1..]));
        assert!(!verify(public, b"total_amount=1.00", b""));
        let other = key(include_str!("testdata/rsa2048-e3-test-key.pem"));
        assert!(!verify(&other.to_public_key(), b"total_amount=1.00", &good));

        let small = key(include_str!("testdata/rsa1024-test-key.pem"));
        let s = SigningKey::<Sha256>::new(small.clone()).sign(b"x").to_vec();
        assert!(verify(&small.to_public_key(), b"x", &s));
        assert!(!verify(&small.to_public_key(), b"y", &s));
        // e = 3 is within ring's range: checked by ring.
        let s = SigningKey::<Sha256>::new(other.clone()).sign(b"x").to_vec();
        assert!(verify(&other.to_public_key(), b"x", &s));
    }

    /// Keys the `rsa` crate reads but ring cannot sign with are refused with what is
    /// wrong and what to do, not a panic.
    #[test]
    fn keys_ring_cannot_use_are_refused_with_the_reason() {
        let e = RsaSigner::new(&key(include_str!("testdata/rsa1024-test-key.pem"))).unwrap_err();
        assert!(
            matches!(e, RsaKeyError::Refused { bits: 1024, .. }),
            "{e:?}"
        );
        let text = e.to_string();
        assert!(text.contains("1024 bits"), "{text}");
        assert!(text.contains("shorter than 2048 bits"), "{text}");
        assert!(text.contains("openssl genpkey"), "{text}");

        let e = RsaSigner::new(&key(include_str!("testdata/rsa2048-e3-test-key.pem"))).unwrap_err();
        assert!(
            matches!(&e, RsaKeyError::Refused { bits: 2048, exponent, .. } if exponent == "3"),
            "{e:?}"
        );
        assert!(e.to_string().contains("public exponent 3"), "{e}");
    }
}
