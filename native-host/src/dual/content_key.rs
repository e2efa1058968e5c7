//! Opening the envelope's first layer on the token: the content key `K` becomes a
//! session AES key that can unwrap, without its value ever leaving the token
//! (docs/protocol.md §15).
//!
//! - RSA: `C_UnwrapKey` with `CKM_RSA_PKCS_OAEP` (SHA-1, MGF1-SHA-1, no label) by the
//!   signing private key.
//! - EC: `C_DeriveKey` with `CKM_ECDH1_DERIVE` and `CKD_SHA256_KDF` over the shared
//!   info gives the key-encryption key on the token when the token has that KDF;
//!   SoftHSM 2.6 and many tokens only do `CKD_NULL`, so then the shared secret `Z`
//!   comes out as a session generic secret, the host computes the X9.63 KDF, and the
//!   result goes back as a session AES key. The KEK then unwraps `K` with
//!   `CKM_AES_KEY_WRAP` (RFC 3394).
//!
//! The X9.63 KDF is written here with `sha2` because the only `ansi-x963-kdf` crate
//! releases are pre-releases on a pre-release `digest`; for a 32-byte output it is one
//! SHA-256 block: SHA-256(Z ‖ 00000001 ‖ SharedInfo) (SEC 1 v2 §3.6.1).

use cryptoki::mechanism::elliptic_curve::{EcKdf, Ecdh1DeriveParams};
use cryptoki::mechanism::rsa::{PkcsMgfType, PkcsOaepParams, PkcsOaepSource};
use cryptoki::mechanism::{Mechanism, MechanismType};
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::Session;
use cryptoki::types::Ulong;
use protocol::envelope::{Envelope, KDF_SHARED_INFO, KeyTransport};
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

use crate::error::HostError;

/// The content key's length (AES-256).
const KEY_LEN: usize = 32;

/// `CKA_VALUE_LEN` of the content key; `CK_ULONG` is 32 bits on Windows, 64 elsewhere.
fn key_len() -> Ulong {
    Ulong::try_from(KEY_LEN).expect("32 fits every CK_ULONG")
}

/// A session AES key that may only unwrap.
fn aes_unwrap_template(value_len: bool) -> Vec<Attribute> {
    let mut t = vec![
        Attribute::Class(ObjectClass::SECRET_KEY),
        Attribute::KeyType(KeyType::AES),
        Attribute::Token(false),
        Attribute::Sensitive(true),
        Attribute::Extractable(false),
        Attribute::Unwrap(true),
        Attribute::Wrap(false),
        Attribute::Encrypt(false),
        Attribute::Decrypt(false),
    ];
    if value_len {
        t.push(Attribute::ValueLen(key_len()));
    }
    t
}

/// The content key `K` of `envelope`, opened by `signing_key`, as a session AES key.
pub fn open(
    session: &Session,
    signing_key: ObjectHandle,
    envelope: &Envelope,
) -> Result<ObjectHandle, HostError> {
    let wrapped = &envelope.wrapped_content_key.0;
    let key = match envelope.transport {
        KeyTransport::RsaOaepSha1 => {
            let oaep = PkcsOaepParams::new(
                MechanismType::SHA1,
                PkcsMgfType::MGF1_SHA1,
                PkcsOaepSource::empty(),
            );
            session
                .unwrap_key(
                    &Mechanism::RsaPkcsOaep(oaep),
                    signing_key,
                    wrapped,
                    &aes_unwrap_template(false),
                )
                .map_err(|e| opening_failed(e.into()))?
        }
        KeyTransport::EcdhP256X963Sha256 => {
            let point = envelope
                .ephemeral_public_key
                .as_ref()
                .map(|p| p.0.as_slice())
                .unwrap_or_default();
            let kek = key_encryption_key(session, signing_key, point)?;
            let opened = session.unwrap_key(
                &Mechanism::AesKeyWrap,
                kek,
                wrapped,
                &aes_unwrap_template(false),
            );
            let _ = session.destroy_object(kek);
            opened.map_err(|e| opening_failed(e.into()))?
        }
        // No separate content key: the SM2 envelope opens in one piece with the
        // module's vendor mechanisms (crate::mechanisms::sm2::unwrap_private_key).
        KeyTransport::Sm2EnvelopedKey => return Err(crate::dual::no_sm2_profile()),
    };
    // SoftHSM leaves CKA_VALUE_LEN unset on an unwrapped key: 0 means "not told".
    let len = value_len(session, key)?;
    if len != 0 && len != KEY_LEN {
        let _ = session.destroy_object(key);
        return Err(HostError::EncryptionRefused(format!(
            "the envelope's content key is {len} bytes, not {KEY_LEN}"
        )));
    }
    Ok(key)
}

/// A wrong key or corrupted envelope shows as a failed unwrap: say so.
fn opening_failed(err: HostError) -> HostError {
    match err {
        HostError::Pkcs11 { function, rv } => HostError::EncryptionRefused(format!(
            "the token could not open the envelope with the signing key ({function}: {rv}); it was not made for this key or is damaged"
        )),
        other => other,
    }
}

fn value_len(session: &Session, key: ObjectHandle) -> Result<usize, HostError> {
    Ok(session
        .get_attributes(key, &[AttributeType::ValueLen])?
        .into_iter()
        .find_map(|a| match a {
            Attribute::ValueLen(n) => Some(usize::from(n)),
            _ => None,
        })
        .unwrap_or(0))
}

/// The EC key-encryption key on the token: ECDH with `CKD_SHA256_KDF` if the token has
/// it, else `CKD_NULL` and the KDF here.
fn key_encryption_key(
    session: &Session,
    signing_key: ObjectHandle,
    point: &[u8],
) -> Result<ObjectHandle, HostError> {
    let on_token = Mechanism::Ecdh1Derive(Ecdh1DeriveParams::new(
        EcKdf::sha256(KDF_SHARED_INFO),
        point,
    ));
    if let Ok(kek) = session.derive_key(&on_token, signing_key, &aes_unwrap_template(true)) {
        return Ok(kek);
    }
    let z = shared_secret(session, signing_key, point)?;
    let kek = x963_kdf_sha256(&z, KDF_SHARED_INFO);
    let mut template = aes_unwrap_template(false);
    template.push(Attribute::Value(kek.to_vec()));
    let created = session.create_object(&template);
    // The copy of the KEK handed to the token is wiped as well.
    for attr in &mut template {
        if let Attribute::Value(v) = attr {
            v.zeroize();
        }
    }
    Ok(created?)
}

/// The ECDH shared secret `Z` (the x-coordinate) of `private` and the peer `point`,
/// through a session generic secret that is destroyed at once.
pub fn shared_secret(
    session: &Session,
    private: ObjectHandle,
    point: &[u8],
) -> Result<Zeroizing<Vec<u8>>, HostError> {
    let mechanism = Mechanism::Ecdh1Derive(Ecdh1DeriveParams::new(EcKdf::null(), point));
    let template = [
        Attribute::Class(ObjectClass::SECRET_KEY),
        Attribute::KeyType(KeyType::GENERIC_SECRET),
        Attribute::Token(false),
        Attribute::Sensitive(false),
        Attribute::Extractable(true),
        Attribute::ValueLen(key_len()),
    ];
    let secret = session
        .derive_key(&mechanism, private, &template)
        .map_err(|e| opening_failed(e.into()))?;
    let value = session.get_attributes(secret, &[AttributeType::Value]);
    let _ = session.destroy_object(secret);
    let z = value?
        .into_iter()
        .find_map(|a| match a {
            Attribute::Value(v) => Some(Zeroizing::new(v)),
            _ => None,
        })
        .unwrap_or_default();
    if z.len() != KEY_LEN {
        return Err(HostError::Internal(format!(
            "the token's ECDH gave a {}-byte secret",
            z.len()
        )));
    }
    Ok(z)
}

/// ANSI X9.63 KDF with SHA-256 for a 32-byte output.
pub fn x963_kdf_sha256(z: &[u8], shared_info: &[u8]) -> Zeroizing<[u8; 32]> {
    let mut hash = Sha256::new();
    hash.update(z);
    hash.update(1u32.to_be_bytes());
    hash.update(shared_info);
    Zeroizing::new(hash.finalize().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    // The contract's definition, spelled out: SHA-256(Z || 00000001 || SharedInfo).
    #[test]
    fn x963_kdf_is_one_sha256_block_with_counter_one() {
        let z = [0x11u8; 32];
        let mut input = z.to_vec();
        input.extend([0, 0, 0, 1]);
        input.extend(b"certrenew-envelope-v1");
        let expected: [u8; 32] = Sha256::digest(&input).into();
        assert_eq!(*x963_kdf_sha256(&z, KDF_SHARED_INFO), expected);
    }
}
