//! Everything about the encryption half that can be checked before the token is
//! touched: the encryption certificate belongs with the signing certificate, and the
//! envelope is well formed and made for the signing key (docs/protocol.md §15).
//! A refusal here changes nothing on the token.

use protocol::envelope::{ENVELOPE_VERSION, Envelope, KeyTransport, MAX_WRAPPED_PRIVATE_KEY};
use protocol::host::EncryptionInstall;
use protocol::ids::{CertSha256, to_hex};
use sha2::{Digest, Sha256};

use crate::error::HostError;
use crate::pubkey::PublicKey;

/// The length of the EC envelope's AES-KW-wrapped content key (32 + 8 bytes).
pub const EC_WRAPPED_CONTENT_KEY_LEN: usize = 40;
/// The length of an uncompressed P-256 point.
pub const P256_POINT_LEN: usize = 65;

/// A checked encryption certificate with its envelope.
#[derive(Debug)]
pub struct Checked<'a> {
    /// The encryption certificate's DER.
    pub der: &'a [u8],
    /// Its SHA-256.
    pub sha256: CertSha256,
    /// Its public key.
    pub public: PublicKey,
    /// The `CKA_ID` of its key pair on the token: the first 16 bytes of SHA-256 of
    /// its SubjectPublicKeyInfo, so that a re-run finds what it wrote.
    pub id: Vec<u8>,
    /// The envelope.
    pub envelope: &'a Envelope,
}

fn refuse(why: impl Into<String>) -> HostError {
    HostError::EncryptionRefused(why.into())
}

/// The `CKA_ID` of an encryption key pair, from its certificate's SPKI DER.
pub fn encryption_key_id(spki_der: &[u8]) -> Vec<u8> {
    Sha256::digest(spki_der)[..16].to_vec()
}

/// Checks `encryption` against the signing certificate `signing_der` whose key opens
/// the envelope.
pub fn check<'a>(
    signing_der: &[u8],
    encryption: &'a EncryptionInstall,
) -> Result<Checked<'a>, HostError> {
    let signing = certinfo::facts(signing_der)
        .map_err(|e| refuse(format!("the signing certificate does not parse: {e}")))?;
    let der = encryption.certificate.0.as_slice();
    let facts =
        certinfo::facts(der).map_err(|e| refuse(format!("the encryption certificate: {e}")))?;
    if facts.subject_der != signing.subject_der {
        return Err(refuse(
            "the encryption certificate's subject is not the signing certificate's, byte for byte",
        ));
    }
    if facts.issuer_der != signing.issuer_der {
        return Err(refuse(
            "the encryption certificate's issuer is not the signing certificate's",
        ));
    }
    if facts.usage != certinfo::Usage::Encrypt {
        return Err(refuse(format!(
            "the encryption certificate's key usage is {}, not encryption only (keyEncipherment, dataEncipherment or keyAgreement)",
            facts.usage.as_str()
        )));
    }
    let parsed = crate::cert_info::parse(der)?;
    let public = PublicKey::from_certificate(&parsed)
        .map_err(|_| refuse("the encryption certificate's key is neither RSA nor EC P-256"))?;
    let signing_public = PublicKey::from_certificate(&crate::cert_info::parse(signing_der)?)?;
    if public == signing_public {
        return Err(refuse(
            "the encryption certificate has the signing certificate's key",
        ));
    }
    check_envelope(&encryption.envelope, &signing_public, &signing.spki_der)?;
    crate::mechanisms::sm2::check_envelope_key(&encryption.envelope, &public)?;
    Ok(Checked {
        der,
        sha256: CertSha256::from_digest(&Sha256::digest(der).into()),
        id: encryption_key_id(&facts.spki_der),
        public,
        envelope: &encryption.envelope,
    })
}

/// Checks the envelope's form and that it is made for the signing key `signing`,
/// whose SubjectPublicKeyInfo DER is `signing_spki`.
pub fn check_envelope(
    envelope: &Envelope,
    signing: &PublicKey,
    signing_spki: &[u8],
) -> Result<(), HostError> {
    if envelope.version != ENVELOPE_VERSION {
        return Err(refuse(format!(
            "envelope version {} is not supported; this host reads version {ENVELOPE_VERSION}",
            envelope.version
        )));
    }
    let recipient = to_hex(&Sha256::digest(signing_spki));
    if envelope.recipient_spki_sha256 != recipient {
        return Err(refuse(format!(
            "the envelope is made for the key {}, not for this signing key {recipient}",
            envelope.recipient_spki_sha256
        )));
    }
    let wrapped = envelope.wrapped_private_key.0.len();
    // AES-KWP output: at least two 64-bit blocks, whole blocks (SM2: a DER envelope).
    let sm2 = envelope.transport == KeyTransport::Sm2EnvelopedKey;
    if !sm2 && (!(16..=MAX_WRAPPED_PRIVATE_KEY).contains(&wrapped) || !wrapped.is_multiple_of(8)) {
        return Err(refuse(format!(
            "the wrapped private key is {wrapped} bytes; AES key wrap with padding gives a multiple of 8 from 16 to {MAX_WRAPPED_PRIVATE_KEY}"
        )));
    }
    let content = envelope.wrapped_content_key.0.len();
    match (signing, envelope.transport) {
        (PublicKey::Rsa { modulus, .. }, KeyTransport::RsaOaepSha1) => {
            if content != modulus.len() {
                return Err(refuse(format!(
                    "the OAEP-wrapped content key is {content} bytes; the signing key's modulus is {}",
                    modulus.len()
                )));
            }
            if envelope.ephemeral_public_key.is_some() {
                return Err(refuse("an RSA envelope carries no ephemeral key"));
            }
        }
        (PublicKey::EcP256 { .. }, KeyTransport::EcdhP256X963Sha256) => {
            if content != EC_WRAPPED_CONTENT_KEY_LEN {
                return Err(refuse(format!(
                    "the AES-KW-wrapped content key is {content} bytes, not {EC_WRAPPED_CONTENT_KEY_LEN}"
                )));
            }
            match &envelope.ephemeral_public_key {
                Some(point) if point.0.len() == P256_POINT_LEN && point.0[0] == 0x04 => {}
                _ => {
                    return Err(refuse(
                        "the ephemeral key is missing or not an uncompressed P-256 point (65 bytes)",
                    ));
                }
            }
        }
        (PublicKey::Sm2 { .. }, KeyTransport::Sm2EnvelopedKey) => {
            crate::mechanisms::sm2::check_envelope_form(envelope)?;
        }
        (_, transport) => {
            return Err(refuse(format!(
                "the transport {} does not fit the signing key's algorithm",
                serde_json::to_string(&transport).unwrap_or_default()
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::host::Base64Bytes;

    fn rsa() -> PublicKey {
        PublicKey::Rsa {
            modulus: vec![0xc5; 256],
            exponent: vec![1, 0, 1],
        }
    }

    fn ec() -> PublicKey {
        let mut point = vec![4u8];
        point.extend([9u8; 64]);
        PublicKey::EcP256 { point }
    }

    fn envelope(key: &PublicKey) -> Envelope {
        let spki = key.spki_der();
        let (transport, content, ephemeral) = match key {
            PublicKey::Rsa { .. } => (KeyTransport::RsaOaepSha1, vec![1u8; 256], None),
            PublicKey::EcP256 { point } => (
                KeyTransport::EcdhP256X963Sha256,
                vec![1u8; 40],
                Some(Base64Bytes(point.clone())),
            ),
            PublicKey::Sm2 { .. } => (KeyTransport::Sm2EnvelopedKey, Vec::new(), None),
        };
        Envelope {
            version: ENVELOPE_VERSION,
            transport,
            recipient_spki_sha256: to_hex(&Sha256::digest(&spki)),
            ephemeral_public_key: ephemeral,
            wrapped_content_key: Base64Bytes(content),
            wrapped_private_key: Base64Bytes(vec![2u8; 1224]),
        }
    }

    fn verdict(key: &PublicKey, change: impl FnOnce(&mut Envelope)) -> Result<(), HostError> {
        let mut env = envelope(key);
        change(&mut env);
        check_envelope(&env, key, &key.spki_der())
    }

    #[test]
    fn well_formed_envelopes_pass() {
        verdict(&rsa(), |_| {}).unwrap();
        verdict(&ec(), |_| {}).unwrap();
    }

    #[test]
    fn each_defect_is_refused() {
        type Change = fn(&mut Envelope);
        let cases: [(&str, Change); 10] = [
            ("version", |e| e.version = 2),
            ("other key", |e| e.recipient_spki_sha256 = "00".repeat(32)),
            ("upper-case hex", |e| {
                e.recipient_spki_sha256 = e.recipient_spki_sha256.to_uppercase()
            }),
            ("short wrapped key", |e| e.wrapped_private_key.0.truncate(8)),
            ("ragged wrapped key", |e| e.wrapped_private_key.0.push(0)),
            ("huge wrapped key", |e| {
                e.wrapped_private_key.0 = vec![0; MAX_WRAPPED_PRIVATE_KEY + 8]
            }),
            ("content key size", |e| e.wrapped_content_key.0.push(0)),
            ("transport", |e| {
                e.transport = match e.transport {
                    KeyTransport::RsaOaepSha1 => KeyTransport::EcdhP256X963Sha256,
                    KeyTransport::EcdhP256X963Sha256 | KeyTransport::Sm2EnvelopedKey => {
                        KeyTransport::RsaOaepSha1
                    }
                }
            }),
            ("ephemeral key", |e| {
                e.ephemeral_public_key = match e.ephemeral_public_key {
                    Some(_) => None,
                    None => Some(Base64Bytes(vec![4; 65])),
                }
            }),
            ("empty content key", |e| e.wrapped_content_key.0.clear()),
        ];
        for key in [rsa(), ec()] {
            for (what, change) in cases {
                let err = verdict(&key, change).expect_err(what);
                assert!(
                    matches!(err, HostError::EncryptionRefused(_)),
                    "{what}: {err}"
                );
            }
        }
        // A compressed or short EC point.
        let err = verdict(&ec(), |e| {
            e.ephemeral_public_key = Some(Base64Bytes(vec![2; 33]))
        });
        assert!(err.is_err());
    }

    #[test]
    fn the_key_id_is_the_spki_digest_prefix() {
        let spki = ec().spki_der();
        let id = encryption_key_id(&spki);
        assert_eq!(id.len(), 16);
        assert_eq!(id, Sha256::digest(&spki)[..16].to_vec());
    }
}
