//! Putting the encryption key pair on the token: the private key unwrapped from the
//! envelope by `K` (`CKM_AES_KEY_WRAP_PAD`, RFC 5649), and its public key object.
//! Both go under the deterministic `CKA_ID` (crate::dual::check), so a re-run finds
//! them and writes nothing twice.

use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::Session;

use crate::error::HostError;
use crate::mechanisms::Profile;
use crate::objects;
use crate::pubkey::{P256_PARAMS, PublicKey};
use certinfo::der::{self, tag};

/// The template of an unwrapped encryption private key: a token object, private,
/// sensitive, never extractable, for decryption and unwrapping (`decrypts`: RSA, SM2)
/// or else key agreement (EC), never for signing.
pub fn private_key_template(
    key_type: KeyType,
    decrypts: bool,
    id: &[u8],
    label: &str,
    subject_der: &[u8],
) -> Vec<Attribute> {
    vec![
        Attribute::Class(ObjectClass::PRIVATE_KEY),
        Attribute::KeyType(key_type),
        Attribute::Token(true),
        Attribute::Private(true),
        Attribute::Sensitive(true),
        Attribute::Extractable(false),
        Attribute::Id(id.to_vec()),
        Attribute::Label(label.as_bytes().to_vec()),
        Attribute::Subject(subject_der.to_vec()),
        Attribute::Decrypt(decrypts),
        Attribute::Unwrap(decrypts),
        Attribute::Derive(!decrypts),
        Attribute::Sign(false),
        Attribute::SignRecover(false),
    ]
}

/// Unwraps the encryption private key with the content key `k`: a token object,
/// private, sensitive, never extractable, for decryption and unwrapping (RSA) or key
/// agreement (EC), never for signing.
pub fn unwrap_private_key(
    session: &Session,
    k: ObjectHandle,
    wrapped: &[u8],
    public: &PublicKey,
    id: &[u8],
    label: &str,
    subject_der: &[u8],
) -> Result<ObjectHandle, HostError> {
    let rsa = matches!(public, PublicKey::Rsa { .. });
    let key_type = if rsa { KeyType::RSA } else { KeyType::EC };
    let template = private_key_template(key_type, rsa, id, label, subject_der);
    session
        .unwrap_key(&Mechanism::AesKeyWrapPad, k, wrapped, &template)
        .map_err(|e| match HostError::from(e) {
            HostError::Pkcs11 { function, rv } => HostError::EncryptionRefused(format!(
                "the wrapped private key does not unwrap with the envelope's content key ({function}: {rv})"
            )),
            other => other,
        })
}

/// The public key object of the encryption pair, unless one is there already.
/// Returns whether it was written now.
pub fn write_public_key(
    session: &Session,
    sm2: Option<&Profile>,
    public: &PublicKey,
    id: &[u8],
    label: &str,
    subject_der: &[u8],
) -> Result<bool, HostError> {
    if let Some(handle) = objects::by_id(session, ObjectClass::PUBLIC_KEY, id)?
        .into_iter()
        .next()
    {
        if PublicKey::from_object(session, handle)? != *public {
            return Err(HostError::CertKeyMismatch(protocol::ids::to_hex(id)));
        }
        return Ok(false);
    }
    let mut template = vec![
        Attribute::Class(ObjectClass::PUBLIC_KEY),
        Attribute::Token(true),
        Attribute::Private(false),
        Attribute::Id(id.to_vec()),
        Attribute::Label(label.as_bytes().to_vec()),
        Attribute::Subject(subject_der.to_vec()),
        Attribute::Verify(false),
    ];
    match public {
        PublicKey::Rsa { modulus, exponent } => template.extend([
            Attribute::KeyType(KeyType::RSA),
            Attribute::Modulus(modulus.clone()),
            Attribute::PublicExponent(exponent.clone()),
            Attribute::Encrypt(true),
            Attribute::Wrap(true),
        ]),
        PublicKey::EcP256 { point } => template.extend([
            Attribute::KeyType(KeyType::EC),
            Attribute::EcParams(P256_PARAMS.to_vec()),
            // CKA_EC_POINT is the DER OCTET STRING of the point (PKCS#11 §2.3.3).
            Attribute::EcPoint(der::tlv(tag::OCTET_STRING, point)),
        ]),
        PublicKey::Sm2 { point } => {
            let profile = sm2.ok_or_else(crate::dual::no_sm2_profile)?;
            template.extend(crate::mechanisms::sm2::public_key_template(profile, point)?);
        }
    }
    session.create_object(&template)?;
    Ok(true)
}
